package redact_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// planted is the secret FuzzRedact plants; an input whose own text holds it is skipped.
const planted = "SECRET-fuzz-7f3a"

var (
	fuzzKeys    = []string{"access_token", "Refresh_Token", "client_secret", "code", "id_token", "token", "api_key", "signature", "password", "primary_email", "first_name", "last_name", "apikey", "key", "client_assertion", "sessionid", "X-Amz-Signature", "auth"}
	fuzzHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token", "Private-Token", "Api-Key"}
)

// FuzzRedact plants a secret where a secret goes (a secret header, a query or form key, a JSON key at some
// depth, in valid or truncated JSON, in a go-vcr interaction) among fuzzed text, and checks that the redacted
// output never contains it.
func FuzzRedact(f *testing.F) {
	f.Add(uint8(0), "Bearer ", "page=1", uint8(0), uint16(0))
	f.Add(uint8(1), "session", "Path=/; HttpOnly", uint8(1), uint16(3))
	f.Add(uint8(2), "grant_type=refresh_token", "client_id=app", uint8(2), uint16(0))
	f.Add(uint8(3), "data", `{"id":1}`, uint8(3), uint16(5))
	f.Add(uint8(4), "a;b", `"x\u0041"`, uint8(0), uint16(1))
	f.Add(uint8(7), "x=1&", "&y", uint8(9), uint16(40))
	r := newRedactor(f)
	f.Fuzz(func(t *testing.T, sel uint8, fill1, fill2 string, depth uint8, cut uint16) {
		if strings.Contains(fill1+fill2, planted) || strings.Contains(fill1+fill2, "SECRET-fuzz") {
			t.Skip()
		}
		key := fuzzKeys[int(sel)%len(fuzzKeys)]
		header := fuzzHeaders[int(sel)%len(fuzzHeaders)]
		check := func(where string, out []byte) {
			t.Helper()
			if bytes.Contains(out, []byte(planted)) {
				t.Fatalf("%s: the planted secret survived:\n%s", where, out)
			}
		}

		// A secret header: the secret follows fuzzed text (a scheme, a cookie name).
		value := fill1 + planted
		if strings.HasSuffix(strings.ToLower(header), "cookie") {
			value = fill1 + "=" + planted + ";" + fill2
		}
		h := r.Header(http.Header{header: {value}})
		check("header "+header, []byte(strings.Join(h[header], "\n")))

		// A query and a form body.
		query := fill1 + "&" + url.QueryEscape(key) + "=" + planted + "&" + fill2
		check("query", []byte(r.Query(query)))
		check("form", r.Body("application/x-www-form-urlencoded", []byte(query)))
		if u, err := url.Parse("https://api.example.com/p?" + query); err == nil {
			check("URL", []byte(r.URL(u).String()))
		}

		// JSON: the secret under its key, next to fuzzed JSON, nested depth%8 deep.
		filler := json.RawMessage(fill2)
		if !json.Valid(filler) {
			filler, _ = json.Marshal(fill2)
		}
		fk, _ := json.Marshal(fill1)
		k, _ := json.Marshal(key)
		doc := `{` + string(fk) + `:` + string(filler) + `,` + string(k) + `:"` + planted + `"}`
		for range depth % 8 {
			doc = `{"data":[` + string(filler) + `,` + doc + `]}`
		}
		if json.Valid([]byte(doc)) {
			check("JSON", r.Body("application/json", []byte(doc)))
			// Truncated after the secret: invalid JSON, scrubbed as text.
			end := strings.Index(doc, planted) + len(planted) + 1
			trunc := doc[:end+int(cut)%(len(doc)-end+1)]
			check("truncated JSON", r.Body("application/json", []byte(trunc)))
		}

		// A go-vcr interaction carrying all of it.
		it := &cassette.Interaction{
			Request: cassette.Request{URL: "https://api.example.com/p?" + query, Method: "POST",
				Headers: http.Header{header: {value}, "Content-Type": {"application/x-www-form-urlencoded"}},
				Body:    query, Form: url.Values{key: {planted}}},
			Response: cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {"application/json"}}, Body: doc},
		}
		if err := r.Interaction(it); err != nil {
			t.Fatal(err)
		}
		out, err := yaml.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		check("interaction", out)
	})
}

// FuzzJSONWalk holds the one-pass JSON walker to its promises on any input: valid JSON stays valid JSON,
// redacting twice changes nothing more, and no input makes it panic.
func FuzzJSONWalk(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"apikey":"x","auth":{"u":["v"]},"n":[1,2.5e3,true,null]}`, `[{"token":{"x":"y"}}]`,
		`{"k\u0065y":"v"}`, `{"a":"b\"c"}`, " [ ] ", `{"password":`, `"x"`} {
		f.Add([]byte(s))
	}
	r := newRedactor(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		out := r.Body("application/json", in)
		if !json.Valid(in) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("valid JSON became invalid:\n%s\n%s", in, out)
		}
		if again := r.Body("application/json", out); !bytes.Equal(again, out) {
			t.Fatalf("redacting twice changed\n%s\ninto\n%s", out, again)
		}
	})
}
