package redact_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/benchdata"
)

// bigJSON returns a JSON array of about size bytes: objects nested three deep, with a secret key in every tenth
// item, as a large list page of the vendors' APIs looks.
func bigJSON(size int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"state":"active","name":"Group %d","starts_at":"2024-01-15T09:00:00.000Z",`+
			`"members":[{"id":%d,"role":"guest","tags":["a","b","c"],"score":12.5}],"meta":{"count":3,"note":"nothing \"secret\" here"}`,
			i, i, i*7)
		if i%10 == 0 {
			fmt.Fprintf(&b, `,"api_key":"k-%08d-abcdefgh"`, i)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkRedactJSON redacts one 2 MB JSON body (a secret key in every tenth item).
//
//	go test ./internal/redact -run '^$' -bench RedactJSON -benchmem -count 6
func BenchmarkRedactJSON(b *testing.B) {
	r := newRedactor(b)
	body := bigJSON(2 << 20)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Body("application/json", body)
	}
}

// BenchmarkRedactExchange redacts one typical exchange as a recording stores it (the cassette hook; the HAR
// writer does the same work): a GET with a bearer token and a query, answered by a 7 KB JSON page and a cookie.
func BenchmarkRedactExchange(b *testing.B) {
	r := newRedactor(b)
	resBody := string(bigJSON(7 << 10))
	b.ReportAllocs()
	for b.Loop() {
		it := &cassette.Interaction{
			Request: cassette.Request{URL: "https://api.example.com/v2/group?limit=10&page=2", Method: "GET",
				Headers: http.Header{"Authorization": {"Bearer tok-0123456789abcdef"}, "Accept": {"application/json"},
					"User-Agent": {"apikit-test/1.0"}}},
			Response: cassette.Response{Code: 200, Body: resBody, Headers: http.Header{
				"Content-Type": {"application/json; charset=utf-8"}, "Set-Cookie": {"sid=abcdef0123456789; Path=/; HttpOnly"},
				"Date": {"Mon, 15 Jan 2024 09:00:00 GMT"}, "Link": {`<https://api.example.com/v2/group?page=3>; rel="next"`}}},
		}
		if err := r.Interaction(it); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedactExchangeLarge redacts an exchange whose 2 MB JSON response holds about 1,000 credential values
// (a secret key in every tenth item), each then looked for everywhere else in the exchange: the values are
// searched in one pass over each part, however many there are.
func BenchmarkRedactExchangeLarge(b *testing.B) {
	r := newRedactor(b)
	body := bigJSON(2 << 20)
	ex := &capture.Exchange{Method: "GET", URL: &url.URL{Scheme: "https", Host: "api.example.com", Path: "/v2/group", RawQuery: "limit=1000"},
		RequestHeader: http.Header{"Authorization": {"Bearer tok-0123456789abcdef"}}, Status: 200,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		_, s := r.Exchange(ex)
		if s.Len() < 900 {
			b.Fatalf("%d values collected", s.Len())
		}
	}
}

// BenchmarkRedactProxied redacts the exchange `apikit proxy --record` records under `make bench-compare`'s load:
// a DoorFlow list of 50 reservations (about 11 KB, nothing secret in it) with the headers the proxy forwards.
//
//	go test ./internal/redact -run '^$' -bench RedactProxied -benchmem -count 6
func BenchmarkRedactProxied(b *testing.B) {
	r := newRedactor(b)
	body := benchdata.PassingList(50)
	ex := &capture.Exchange{Method: "GET", URL: &url.URL{Scheme: "http", Host: "127.0.0.1:8080", Path: "/api/3/group_reservations", RawQuery: "per_page=50"},
		RequestHeader: http.Header{"Authorization": {"Bearer apikit-dev-token"}, "Accept-Encoding": {"gzip"},
			"User-Agent": {"Go-http-client/1.1"}, "X-Forwarded-For": {"127.0.0.1"}},
		Status: 200, ResponseHeader: http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Date": {"Mon, 15 Jun 2026 09:30:00 GMT"},
			"Per-Page": {"50"}, "Total": {"80"}, "Content-Length": {strconv.Itoa(len(body))}},
		ResponseBody: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		c, _ := r.Exchange(ex)
		if len(c.ResponseBody) != len(body) {
			b.Fatalf("the body changed: %d bytes, want %d", len(c.ResponseBody), len(body))
		}
	}
}
