package redact_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apikit/apikit/internal/codingtest"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/apikit/apikit/internal/redact"
)

func newRedactor(t testing.TB, opts ...redact.Option) *redact.Redactor {
	t.Helper()
	r, err := redact.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHeaderValue(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, header, value, want string }{
		{"bearer keeps its scheme", "Authorization", "Bearer SECRET-tok", "Bearer REDACTED"},
		{"basic keeps its scheme", "authorization", "Basic U0VDUkVULXB3", "Basic REDACTED"},
		{"unknown first word is not kept", "Authorization", "SECRET-a SECRET-b", "REDACTED"},
		{"bare token", "Authorization", "SECRET-tok", "REDACTED"},
		{"proxy authorization", "Proxy-Authorization", "Bearer SECRET-tok", "Bearer REDACTED"},
		{"cookie keeps names", "Cookie", "session=SECRET-1; theme=SECRET-2", "session=REDACTED; theme=REDACTED"},
		{"malformed cookie", "Cookie", "SECRET-1", "REDACTED"},
		{"set-cookie keeps attributes", "Set-Cookie", "sid=SECRET-1; Path=/; HttpOnly", "sid=REDACTED; Path=/; HttpOnly"},
		{"api key", "X-Api-Key", "SECRET-key", "REDACTED"},
		{"other header untouched", "Accept", "application/json", "application/json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := redact.HeaderValue(tc.header, tc.value); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestQueryAndURL(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"access_token", "https://h/x?page=1&access_token=SECRET-a", "https://h/x?page=1&access_token=REDACTED"},
		{"code and state", "https://h/cb?code=SECRET-c&state=s1", "https://h/cb?code=REDACTED&state=s1"},
		{"semicolon separator", "https://h/x?a=1;token=SECRET-t", "https://h/x?a=1;token=REDACTED"},
		{"escaped key", "https://h/x?access%5Ftoken=SECRET-a", "https://h/x?access%5Ftoken=REDACTED"},
		{"password", "https://u:SECRET-p@h/x", "https://u:REDACTED@h/x"},
		{"user name alone", "https://SECRET-u@h/x", "https://REDACTED@h/x"},
		{"fragment of an implicit flow", "https://h/cb#access_token=SECRET-a&state=s", "https://h/cb#access_token=REDACTED&state=s"},
		{"nothing secret", "https://h/x?page=2", "https://h/x?page=2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := redact.URL(u).String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if u.String() != tc.in {
				t.Errorf("URL changed its argument: %s", u)
			}
		})
	}
}

func TestFieldsFromSpecs(t *testing.T) {
	t.Parallel()
	r := newRedactor(t)
	want := map[string]string{
		"first_name":    `"Jane"`,
		"last_name":     `"Smith"`,
		"primary_email": `"jane.smith@example.com"`,
	}
	if diff := cmp.Diff(want, r.Fields()); diff != "" {
		t.Errorf("fields from the x-apikit-secret marks (-want +got):\n%s", diff)
	}

	spec := fstest.MapFS{
		"a.yaml": {Data: []byte(`
paths:
  /x:
    get:
      parameters:
        - {name: X-Session, in: header, x-apikit-secret: true}
        - {name: sig, in: query, x-apikit-secret: true}
components:
  schemas:
    P:
      properties:
        ssn: {type: string, x-apikit-secret: true}
        age: {type: integer, example: 40, x-apikit-secret: true}
        name: {type: string}
`)},
		"a.codegen.yaml": {Data: []byte("properties: {ignored: {x-apikit-secret: true}}")},
		"b.json":         {Data: []byte(`{"components": {"schemas": {"Q": {"properties": {"pin": {"type": "string", "x-apikit-secret": true}}}}}}`)},
		"c.yml":          {Data: []byte("components: {schemas: {R: {properties: {tan: {type: string, x-apikit-secret: true}}}}}")},
		"notes.txt":      {Data: []byte("properties: {ignored: {x-apikit-secret: true}}")},
	}
	r = newRedactor(t, redact.WithSpecs(spec), redact.WithField("nickname", "Jo"))
	want = map[string]string{"ssn": `"REDACTED"`, "age": "40", "nickname": `"Jo"`, "pin": `"REDACTED"`, "tan": `"REDACTED"`}
	if diff := cmp.Diff(want, r.Fields()); diff != "" {
		t.Errorf("fields of a custom spec (-want +got):\n%s", diff)
	}
	if !r.IsSecretHeader("x-session") {
		t.Error("a header parameter marked x-apikit-secret is not secret")
	}
	if got := r.Query("sig=SECRET-s&age=SECRET-a"); got != "sig=REDACTED&age=40" {
		t.Errorf("got query %q", got)
	}
}

func TestBody(t *testing.T) {
	t.Parallel()
	r := newRedactor(t, redact.WithKeys("session_key"), redact.WithField("nickname", nil))
	const form = "application/x-www-form-urlencoded"
	cases := []struct{ name, contentType, in, want string }{
		{"token request form", form,
			"grant_type=refresh_token&refresh_token=SECRET-r&client_id=app&client_secret=SECRET-s",
			"grant_type=refresh_token&refresh_token=REDACTED&client_id=app&client_secret=REDACTED"},
		{"code exchange form", form + "; charset=utf-8", "grant_type=authorization_code&code=SECRET-c", "grant_type=authorization_code&code=REDACTED"},
		{"token response", "application/json",
			`{"access_token":"SECRET-a","token_type":"Bearer","expires_in":7200,"refresh_token":"SECRET-r","scope":"x"}`,
			`{"access_token":"REDACTED","token_type":"Bearer","expires_in":7200,"refresh_token":"REDACTED","scope":"x"}`},
		{"at any depth, order and numbers kept", "application/json; charset=utf-8",
			`{"z":1,"data":[{"id":12345678901234567890,"members":[{"id":4,"first_name":"SECRET-f","primary_email":"SECRET@x.io","last_name":null}]}],"a":{"session_key":{"v":"SECRET-k"}}}`,
			`{"z":1,"data":[{"id":12345678901234567890,"members":[{"id":4,"first_name":"Jane","primary_email":"jane.smith@example.com","last_name":null}]}],"a":{"session_key":"REDACTED"}}`},
		{"numeric code of an error body kept", "application/problem+json", `{"code":404,"message":"nope"}`, `{"code":404,"message":"nope"}`},
		{"caller's field", "application/json", `{"nickname":"SECRET-n"}`, `{"nickname":"REDACTED"}`},
		{"header name as a JSON key", "application/json", `{"headers":{"Authorization":"Bearer SECRET-a"}}`, `{"headers":{"Authorization":"REDACTED"}}`},
		{"unchanged JSON keeps its formatting", "application/json", "{\n  \"id\": 1\n}", "{\n  \"id\": 1\n}"},
		{"truncated JSON is scrubbed as text", "application/json", `{"id":1,"access_token": "SECRET-a","refresh_token":"SECRET-`, `{"id":1,"access_token": "REDACTED","refresh_token":"REDACTED"`},
		{"no content type, JSON", "", `{"token":"SECRET-t"}`, `{"token":"REDACTED"}`},
		{"no content type, form", "", `token=SECRET-t&x=1`, `token=REDACTED&x=1`},
		{"HTML is denied by default", "text/html", `<p>access_token=abc</p>`, "REDACTED (23 bytes of text/html)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := string(r.Body(tc.contentType, []byte(tc.in)))
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if again := string(r.Body(tc.contentType, []byte(got))); again != got {
				t.Errorf("redacting twice changed %s into %s", got, again)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	t.Parallel()
	r := newRedactor(t)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write([]byte(`{"access_token":"SECRET-a"}`))
	_ = w.Close()
	cases := []struct {
		name     string
		header   http.Header
		body     []byte
		wantHdr  http.Header
		wantBody string
	}{
		{"gzip is decoded and redacted",
			http.Header{"Content-Encoding": {"gzip"}, "Content-Type": {"application/json"}, "Content-Length": {"99"}, "Set-Cookie": {"a=SECRET-c"}},
			gz.Bytes(),
			http.Header{"Content-Type": {"application/json"}, "Content-Length": {"27"}, "Set-Cookie": {"a=REDACTED"}},
			`{"access_token":"REDACTED"}`},
		{"br is decoded and redacted",
			http.Header{"Content-Encoding": {"br"}, "Content-Type": {"application/json"}},
			codingtest.Encode(t, []byte(`{"access_token":"SECRET-b"}`), "br"),
			http.Header{"Content-Type": {"application/json"}},
			`{"access_token":"REDACTED"}`},
		{"an encoding it cannot read becomes the placeholder",
			http.Header{"Content-Encoding": {"zstd"}, "Content-Type": {"application/json"}},
			[]byte("SECRET-compressed"),
			http.Header{"Content-Type": {"application/json"}},
			"REDACTED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := tc.header.Clone()
			h, body := r.Message(tc.header, tc.body)
			if diff := cmp.Diff(tc.wantHdr, h); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if string(body) != tc.wantBody {
				t.Errorf("got body %q, want %q", body, tc.wantBody)
			}
			if diff := cmp.Diff(before, tc.header); diff != "" {
				t.Errorf("Message changed its argument (-before +after):\n%s", diff)
			}
		})
	}
}

func TestInteraction(t *testing.T) {
	t.Parallel()
	r := newRedactor(t)
	liveReq := http.Header{"Authorization": {"Bearer SECRET-live"}, "Content-Type": {"application/x-www-form-urlencoded"}}
	liveRes := http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"sid=SECRET-cookie; Path=/"}}
	it := &cassette.Interaction{
		Request: cassette.Request{
			URL: "https://api.example.com/oauth/token?access_token=SECRET-q", RequestURI: "/oauth/token?access_token=SECRET-q",
			Method: "POST", Headers: liveReq, Body: "grant_type=refresh_token&refresh_token=SECRET-r&client_secret=SECRET-s",
			ContentLength: 74, Form: url.Values{"refresh_token": {"SECRET-r"}, "grant_type": {"refresh_token"}},
		},
		Response: cassette.Response{Code: 200, Headers: liveRes,
			Body: `{"access_token":"SECRET-a","refresh_token":"SECRET-r2","token_type":"Bearer"}`},
	}
	if err := r.Interaction(it); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("SECRET")) {
		t.Errorf("the redacted interaction holds a secret:\n%s", out)
	}
	if got := it.Request.ContentLength; got != int64(len(it.Request.Body)) {
		t.Errorf("got content length %d, want %d", got, len(it.Request.Body))
	}
	if liveReq.Get("Authorization") != "Bearer SECRET-live" || !strings.Contains(liveRes.Get("Set-Cookie"), "SECRET") {
		t.Error("Interaction changed the live request's or response's headers in place")
	}
}

func TestLocationHeader(t *testing.T) {
	t.Parallel()
	h := http.Header{"Location": {"https://app.example.com/cb?code=SECRET-c&state=s"}}
	want := "https://app.example.com/cb?code=REDACTED&state=s"
	if got := newRedactor(t).Header(h).Get("Location"); got != want {
		t.Errorf("Redactor.Header: got %q, want %q", got, want)
	}
	redact.Header(h)
	if got := h.Get("Location"); got != want {
		t.Errorf("Header: got %q, want %q", got, want)
	}
}
