package redact_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/redact"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestExchangeScrubsEchoedValues: a credential seen in one place of an exchange is scrubbed wherever else it
// appears, in every encoding it is likely to take; a value under redact.MinSecretLen is not.
func TestExchangeScrubsEchoedValues(t *testing.T) {
	t.Parallel()
	r := newRedactor(t)
	const tok = "SECRET-tok/12+x"
	ex := &capture.Exchange{Method: "GET", URL: mustURL(t, "https://api.example.com/x?page=1&note="+url.QueryEscape(tok)),
		RequestHeader: http.Header{"Authorization": {"Bearer " + tok}, "X-Auth-Token": {"SECRET-xa1"}, "Cookie": {"s=short"}},
		Status:        401,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}, "X-Echo": {"got " + tok},
			"Www-Authenticate": {`Bearer realm="api", error="invalid_token", error_description="token ` + tok + ` expired"`}},
		ResponseBody: []byte(`{"message":"token ` + strings.ReplaceAll(tok, "/", `\/`) + ` expired","again":"SECRET-xa1","short":"short","n":1,` +
			`"refresh_token":"SECRET-rt-9","list":["x SECRET-rt-9 y"]}`),
	}
	red, secrets := r.Exchange(ex)
	for where, text := range map[string]string{
		"URL": red.URL.String(), "X-Echo": red.ResponseHeader.Get("X-Echo"),
		"WWW-Authenticate": red.ResponseHeader.Get("Www-Authenticate"), "body": string(red.ResponseBody),
		"log line": secrets.String("GET " + ex.URL.String() + " " + tok),
	} {
		if strings.Contains(text, "SECRET") || strings.Contains(text, `SECRET-tok\/`) {
			t.Errorf("%s keeps a credential: %s", where, text)
		}
	}
	if !strings.Contains(string(red.ResponseBody), `"short":"short"`) {
		t.Errorf("a value under MinSecretLen was scrubbed elsewhere: %s", red.ResponseBody)
	}
	if got := red.ResponseHeader.Get("Www-Authenticate"); got != `Bearer realm="api", error="invalid_token", error_description="REDACTED"` {
		t.Errorf("got WWW-Authenticate %q", got)
	}
	if ex.RequestHeader.Get("Authorization") != "Bearer "+tok || !strings.Contains(string(ex.ResponseBody), "SECRET") {
		t.Error("Exchange changed its argument")
	}
	if got := secrets.Excerpt(`"x SECRET-rt…`); got != `"x REDACTED…` {
		t.Errorf("Excerpt of a value cut short: got %q", got)
	}
}

// TestURLsInEveryHeader: the query and the fragment of every URL in every header are redacted by key.
func TestURLsInEveryHeader(t *testing.T) {
	t.Parallel()
	h := newRedactor(t).Header(http.Header{
		"Link":             {`<https://api.example.com/x?page=2&access_token=SECRET-l>; rel="next", </y?apikey=SECRET-l2>; rel="last"`},
		"Location":         {"/cb?code=SECRET-c&state=s#id_token=SECRET-f"},
		"Content-Location": {"https://h/x?token=SECRET-cl"},
		"Referer":          {"https://app.example.com/x?key=SECRET-r"},
		"X-Custom":         {"see https://h/x?sig=SECRET-x and more"},
		"X-Plain":          {"page=2&limit=3"},
	})
	for name, vals := range h {
		if strings.Contains(strings.Join(vals, ","), "SECRET") {
			t.Errorf("%s keeps a secret: %q", name, vals)
		}
	}
	if got := h.Get("Link"); got != `<https://api.example.com/x?page=2&access_token=REDACTED>; rel="next", </y?apikey=REDACTED>; rel="last"` {
		t.Errorf("got Link %q", got)
	}
	if got := h.Get("X-Plain"); got != "page=2&limit=3" {
		t.Errorf("got X-Plain %q", got)
	}
}

// TestBodiesDeniedByDefault: a body the redactor cannot read becomes a placeholder with its size and type,
// unless the spec documents that media type for the operation.
func TestBodiesDeniedByDefault(t *testing.T) {
	t.Parallel()
	spec := fstest.MapFS{"a.yaml": {Data: []byte(`
servers: [{url: "https://api.example.com/v1"}]
paths:
  /notes/{id}:
    get:
      responses:
        "200": {$ref: "#/components/responses/Note"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Partner}
    q: {type: apiKey, in: query, name: pk}
  responses:
    Note:
      content:
        text/plain: {schema: {type: string}}
  schemas:
    T:
      properties:
        session_token: {type: string, example: "tok_example"}
`)}}
	r := newRedactor(t, redact.WithSpecs(spec))
	text := []byte("note for https://h/x?token=SECRET-1 apikey=SECRET-2")
	cases := []struct {
		name, url, ctype string
		body             []byte
		want             string
	}{
		{"documented text is kept, redacted as text", "https://api.example.com/v1/notes/7", "text/plain; charset=utf-8", text,
			"note for https://h/x?token=REDACTED apikey=REDACTED"},
		{"undocumented operation", "https://api.example.com/v1/other", "text/plain", text, "REDACTED (51 bytes of text/plain)"},
		{"multipart", "https://api.example.com/v1/notes/7", "multipart/form-data; boundary=x", []byte("--x\r\nSECRET\r\n--x--"),
			"REDACTED (18 bytes of multipart/form-data)"},
		{"no type and not a form", "https://api.example.com/v1/notes/7", "", []byte("SECRET text"), "REDACTED (11 bytes of an unknown type)"},
		{"JSON is always read", "https://api.example.com/v1/other", "application/vnd.api+json", []byte(`{"session_token":"SECRET-s","x":1}`),
			`{"session_token":"tok_example","x":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			red, _ := r.Exchange(&capture.Exchange{Method: "GET", URL: mustURL(t, tc.url), Status: 200,
				ResponseHeader: http.Header{"Content-Type": {tc.ctype}}, ResponseBody: tc.body})
			if string(red.ResponseBody) != tc.want {
				t.Errorf("got  %s\nwant %s", red.ResponseBody, tc.want)
			}
		})
	}
	// The apiKey schemes' own parameters are secret.
	red, _ := r.Exchange(&capture.Exchange{Method: "GET", URL: mustURL(t, "https://api.example.com/v1/notes/7?pk=SECRET-pk"),
		RequestHeader: http.Header{"X-Partner": {"SECRET-p"}}})
	if red.URL.String() != "https://api.example.com/v1/notes/7?pk=REDACTED" || red.RequestHeader.Get("X-Partner") != "REDACTED" {
		t.Errorf("apiKey scheme parameters: got %s and %q", red.URL, red.RequestHeader.Get("X-Partner"))
	}
}

// TestPatternNamesInJSON: keys named like secrets are redacted at any depth; an object under one keeps its shape
// with every string replaced; numbers and ordinary look-alikes are kept.
func TestPatternNamesInJSON(t *testing.T) {
	t.Parallel()
	r := newRedactor(t)
	in := `{"apikey":"SECRET-1","token_type":"Bearer","expires_in":3600,"auth":{"user":"SECRET-2","n":3,"tags":["SECRET-3"]},` +
		`"data":[{"X-Auth-Token":"SECRET-4","keys":["a"],"password_changed_at":"2024-01-01T00:00:00Z","pin":1234}]}`
	want := `{"apikey":"REDACTED","token_type":"Bearer","expires_in":3600,"auth":{"user":"REDACTED","n":3,"tags":["REDACTED"]},` +
		`"data":[{"X-Auth-Token":"REDACTED","keys":["a"],"password_changed_at":"2024-01-01T00:00:00Z","pin":1234}]}`
	if got := string(r.Body("application/json", []byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	pretty := "{\n  \"apikey\": \"SECRET-1\",\n  \"n\": 1\n}"
	if got := string(r.Body("application/json", []byte(pretty))); got != "{\n  \"apikey\": \"REDACTED\",\n  \"n\": 1\n}" {
		t.Errorf("formatting not kept: %s", got)
	}
}
