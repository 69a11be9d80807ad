package egress

import (
	"bytes"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/apikit/apikit/internal/redact"
)

func TestSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "listGroups /0/state", "listGroups /0/state"},
		{"unicode kept", "état ✗ 日本", "état ✗ 日本"},
		{"backslash kept", `a\b`, `a\b`},
		{"escape", "a\x1b[2Jb", `a\x1b[2Jb`},
		{"title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"newline and cr", "x\r\n✗ forged ok", `x\r\n✗ forged ok`},
		{"tab", "a\tb", `a\tb`},
		{"nul and del", "\x00\x7f", `\x00\x7f`},
		{"c1 csi", "a\u009b2Jb", `a\u009b2Jb`},
		{"bidi override", "a\u202eb\u2066", `a\u202eb\u2066`},
		{"invalid utf-8", "a\x9bb\xff", `a\x9bb\xff`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Sanitize(tc.in); got != tc.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := Sanitize(Sanitize(tc.in)); got != tc.want {
				t.Errorf("Sanitize twice = %q, want %q (idempotent)", got, tc.want)
			}
		})
	}
}

func TestSanitizeCleanDoesNotAllocate(t *testing.T) {
	s := strings.Repeat("doorflow.har#12 listGroupReservations response.body /0/state ", 4)
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
		t.Errorf("got %v allocations for clean text, want 0", n)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})))
	u, _ := url.Parse("https://api.example/x?access_token=SECRET-1&page=2")
	l.With("path", "/a\x1b[2J").WithGroup("g").Info("msg\r\nforged", "url", u, "method", "GET\n", slog.Group("in", "k", "\x1b]0;t\x07"))
	got := buf.String()
	for _, bad := range []string{"\x1b", "\r", "SECRET-1", "GET\n"} {
		if strings.Contains(got, bad) {
			t.Errorf("log line holds %q: %q", bad, got)
		}
	}
	for _, want := range []string{`access_token=REDACTED`, `page=2`, `\x1b[2J`, `msg\r\nforged`} {
		if !strings.Contains(got, want) {
			t.Errorf("log line lacks %q: %q", want, got)
		}
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("got %d lines, want 1: %q", strings.Count(got, "\n"), got)
	}
	if h := Handler(slog.NewTextHandler(&buf, nil)); Handler(h) != h {
		t.Error("Handler wraps an egress handler twice")
	}
}

func TestURLString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://h/p":                           "https://h/p",
		"https://h/p?token=abc&x=1":             "https://h/p?token=REDACTED&x=1",
		"https://user:pw@h/p":                   "https://user:REDACTED@h/p",
		"https://h/cb#access_token=abc&state=1": "https://h/cb#access_token=REDACTED&state=1",
		"%zz?token=abc&x=1":                     "%zz?token=REDACTED&x=1", // does not parse: its query still is redacted
	} {
		if got := URLString(in); got != want {
			t.Errorf("URLString(%q) = %q, want %q", in, got, want)
		}
	}
}

// urlSeeds are URLs whose redaction takes each branch of URL: secrets in the query under escaped keys, ";"
// separators, keys without values, bad escapes, user information, fragments.
var urlSeeds = []string{
	"https://h/p", "https://h/p?page=2&per_page=50", "https://h/p?token=abc&x=1", "https://h/p?x=1;api_key=k",
	"https://h/p?%61pi_key=k", "https://h/p?API_KEY=k", "https://h/p?a%zz=1&token=t", "https://h/p?token", "https://h/p?=x&&",
	"https://h/p?x+y=1&access+token=2", "https://h/p?client_secret=", "https://user:pw@h/p", "https://user@h/p?x=1",
	"https://h/cb#access_token=abc&state=1", "https://h/cb#state=1", "https://h/cb#frag", "https://h/p?x=1#a=b",
	"https://h/p?password=p%20w&signature=s", "https://h/p?x_token=1&my-secret=2&Authorization=3",
}

// TestURLMatchesRedact: URL's shortcut for a URL with nothing to redact prints what redact.URL prints.
func TestURLMatchesRedact(t *testing.T) {
	t.Parallel()
	for _, s := range urlSeeds {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := URL(u), redact.URL(u).String(); got != want {
			t.Errorf("URL(%q) = %q, redact.URL prints %q", s, got, want)
		}
	}
}

// TestURLNoSecretAllocs: a URL whose query holds no secret costs what printing it costs (one string).
func TestURLNoSecretAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not counted with the race detector on")
	}
	u, err := url.Parse("https://api.doorflow.com/api/3/group_reservations?page=2&per_page=50")
	if err != nil {
		t.Fatal(err)
	}
	if got := testing.AllocsPerRun(100, func() { _ = URL(u) }); got > 1 {
		t.Errorf("got %.1f allocations, want at most 1 (u.String())", got)
	}
}

func FuzzURLMatchesRedact(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		if got, want := URL(u), redact.URL(u).String(); got != want {
			t.Errorf("URL(%q) = %q, redact.URL prints %q", s, got, want)
		}
	})
}
