package contract

import (
	"net/http"
	"testing"
	"time"
)

// TestExchangeTime checks where the loaders take an exchange's time from: the response's Date header (the
// server's clock), else a HAR entry's startedDateTime; a cassette's Date header; and the validator's fallback for exchanges built by hand.
func TestExchangeTime(t *testing.T) {
	t.Parallel()
	dateEntry := func(started, date string) string {
		s := `{"request":{"method":"GET","url":"` + getURL + `"},"response":{"status":200,"headers":[`
		if date != "" {
			s += `{"name":"date","value":"` + date + `"}`
		}
		s += `],"content":{"text":"{}"}}`
		if started != "" {
			s += `,"startedDateTime":"` + started + `"`
		}
		return s + "}"
	}
	cases := []struct {
		name, file, content string
		want                string // RFC 3339, "" for unknown
	}{
		{name: "HAR Date header wins over startedDateTime", file: "a.har", content: harOf(dateEntry("2024-01-15T10:30:00.120Z", "Mon, 15 Jan 2024 11:00:00 GMT")),
			want: "2024-01-15T11:00:00Z"},
		{name: "HAR startedDateTime with offset", file: "a.har", content: harOf(dateEntry("2024-01-15T11:02:10.123456+01:00", "")),
			want: "2024-01-15T10:02:10.123456Z"},
		{name: "HAR malformed startedDateTime falls back to Date", file: "a.har", content: harOf(dateEntry("yesterday", "Mon, 15 Jan 2024 11:00:00 GMT")),
			want: "2024-01-15T11:00:00Z"},
		{name: "HAR neither", file: "a.har", content: harOf(dateEntry("", "not a date")), want: ""},
		{name: "cassette Date header", file: "c.yaml",
			content: "version: 2\ninteractions:\n  - request: {method: GET, url: '" + getURL + "'}\n    response: {code: 200, headers: {Date: ['Mon, 15 Jan 2024 10:45:00 GMT']}}\n",
			want:    "2024-01-15T10:45:00Z"},
		{name: "cassette without Date", file: "c.yaml", content: cassetteOf(interaction("200", `{}`)), want: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, t.TempDir(), tc.file, tc.content)
			exs, errs := collect(t, Load(t.Context(), []string{p}))
			if len(errs) > 0 || len(exs) != 1 {
				t.Fatalf("got %d exchanges and errors %q, want one exchange", len(exs), errorList(errs))
			}
			got := ""
			if !exs[0].Time.IsZero() {
				got = exs[0].Time.UTC().Format(time.RFC3339Nano)
			}
			if got != tc.want {
				t.Errorf("got time %q, want %q", got, tc.want)
			}
		})
	}

	ex := &Exchange{ResponseHeader: http.Header{"Date": {"Mon, 15 Jan 2024 10:45:00 GMT"}}}
	if got := ex.When(); !got.Equal(time.Date(2024, 1, 15, 10, 45, 0, 0, time.UTC)) {
		t.Errorf("an exchange built by hand: got time %v, want the Date header's", got)
	}
	ex.Time = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := ex.When(); !got.Equal(ex.Time) {
		t.Errorf("Time set: got %v, want Time itself", got)
	}
}
