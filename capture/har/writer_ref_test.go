package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/benchdata"
	"github.com/apikit/apikit/internal/capturetest"
)

// The reference encoder: the structs the writer encoded with encoding/json (SetEscapeHTML(false)) before it
// encoded entries by hand (appendEntry); TestAppendEntryMatchesReference and FuzzAppendEntry hold the two to
// the same bytes.

// refEntry encodes ex as the writer did with encoding/json, without the trailing newline.
func refEntry(t testing.TB, ex *capture.Exchange, started time.Time, elapsed time.Duration) []byte {
	t.Helper()
	var entry bytes.Buffer
	enc := json.NewEncoder(&entry)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(harOutEntryOf(ex, started, elapsed)); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(entry.Bytes(), []byte("\n"))
}

// HAR 1.2 as written: every field the format requires, in its order.
type harOutEntry struct {
	StartedDateTime string         `json:"startedDateTime"`
	Time            float64        `json:"time"`
	Request         harOutRequest  `json:"request"`
	Response        harOutResponse `json:"response"`
	Cache           struct{}       `json:"cache"`
	Timings         harOutTimings  `json:"timings"`
}

type harOutRequest struct {
	Method      string          `json:"method"`
	URL         string          `json:"url"`
	HTTPVersion string          `json:"httpVersion"`
	Cookies     []harNameValue  `json:"cookies"`
	Headers     []harNameValue  `json:"headers"`
	QueryString []harNameValue  `json:"queryString"`
	PostData    *harOutPostData `json:"postData,omitempty"`
	HeadersSize int             `json:"headersSize"`
	BodySize    int             `json:"bodySize"`
}

type harOutPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"encoding,omitempty"` // not HAR 1.2, but common for binary bodies; Read reads it
}

type harOutResponse struct {
	Status      int            `json:"status"`
	StatusText  string         `json:"statusText"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []harNameValue `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	Content     harOutContent  `json:"content"`
	RedirectURL string         `json:"redirectURL"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
}

type harOutContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

type harOutTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// harOutEntryOf converts an exchange that is already redacted. Cookies are left out of the cookies lists (their
// redacted headers remain).
func harOutEntryOf(ex *capture.Exchange, started time.Time, elapsed time.Duration) *harOutEntry {
	ms := float64(elapsed.Microseconds()) / 1000
	e := &harOutEntry{
		StartedDateTime: started.UTC().Format("2006-01-02T15:04:05.000Z"),
		Time:            ms,
		Timings:         harOutTimings{Wait: ms},
		Request: harOutRequest{
			Method: ex.Method, HTTPVersion: "HTTP/1.1", Cookies: []harNameValue{},
			Headers: harOutHeaders(ex.RequestHeader), QueryString: []harNameValue{},
			HeadersSize: -1, BodySize: len(ex.RequestBody),
		},
		Response: harOutResponse{
			Status: ex.Status, StatusText: http.StatusText(ex.Status), HTTPVersion: "HTTP/1.1",
			Cookies: []harNameValue{}, Headers: harOutHeaders(ex.ResponseHeader),
			RedirectURL: ex.ResponseHeader.Get("Location"), HeadersSize: -1, BodySize: len(ex.ResponseBody),
		},
	}
	if ex.URL != nil {
		e.Request.URL = ex.URL.String()
		q := ex.URL.Query()
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, v := range q[k] {
				e.Request.QueryString = append(e.Request.QueryString, harNameValue{Name: k, Value: v})
			}
		}
	}
	if ex.RequestBody != nil {
		text, enc := harText(ex.RequestBody)
		e.Request.PostData = &harOutPostData{MimeType: mimeOf(ex.RequestHeader), Text: text, Encoding: enc}
	}
	text, enc := harText(ex.ResponseBody)
	e.Response.Content = harOutContent{Size: len(ex.ResponseBody), MimeType: mimeOf(ex.ResponseHeader), Text: text, Encoding: enc}
	if ex.ResponseBodyNotRecorded {
		e.Response.Content.Size = -1 // unknown, and no text: read back as not recorded, never as an empty body
	}
	return e
}

// harOutHeaders lists a header in name order, each value in its order, for files that diff well.
func harOutHeaders(h http.Header) []harNameValue {
	out := []harNameValue{}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, harNameValue{Name: k, Value: v})
		}
	}
	return out
}

// harText returns a body as HAR text: as it is when it is UTF-8, else base64 with encoding "base64".
func harText(body []byte) (string, string) {
	if utf8.Valid(body) {
		return string(body), ""
	}
	return base64.StdEncoding.EncodeToString(body), "base64"
}

// refExchanges are exchanges whose every field the encoder writes is set in some way: escapes, invalid UTF-8,
// U+2028, binary bodies, repeated query keys and header values, no URL, no response, a body not recorded.
func refExchanges(t testing.TB) []*capture.Exchange {
	return []*capture.Exchange{
		{Method: http.MethodGet, URL: capturetest.MustURL(t, "https://api.doorflow.com/api/3/group_reservations?per_page=50&page=2&b=1&b=0&a=%22x%22"),
			RequestHeader: http.Header{"Authorization": {"Bearer REDACTED"}, "Accept": {"application/json", "text/plain"}},
			Status:        http.StatusOK, ResponseHeader: http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Per-Page": {"50"}},
			ResponseBody: []byte(`[{"id":1,"name":"Jo \"the\" \\ <b>&amp;</b>","note":"line\nbreak\ttab\u0001\u001f\u007f é ü 漢字 😀 \u2028\u2029"}]`)},
		{Method: http.MethodPost, URL: capturetest.MustURL(t, "/v2/group"), RequestHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			RequestBody: []byte("a=1&b=%20x"), Status: http.StatusCreated, ResponseHeader: http.Header{"Location": {"/v2/group/9"}, "Content-Type": {"bad;;type"}}},
		{Method: http.MethodPut, URL: capturetest.MustURL(t, "https://x/upload"), RequestHeader: http.Header{"Content-Type": {"application/octet-stream"}},
			RequestBody: []byte{0xff, 0xfe, 0, 1, 2}, Status: 599, ResponseHeader: http.Header{}, ResponseBody: []byte{0xc3, 0x28, 'a'}},
		{Method: http.MethodPost, URL: capturetest.MustURL(t, "https://x/empty"), RequestBody: []byte{}, Status: http.StatusNoContent},
		{Method: http.MethodGet, Status: http.StatusOK, ResponseBodyNotRecorded: true,
			ResponseHeader: http.Header{"X-\x01odd": {"bad \xff utf-8 \b\f\r", strings.Repeat("ab\"cd\\", 40)}}},
		{Method: "DELETE", URL: capturetest.MustURL(t, "https://user:pw@x/a%20b?q=1#frag")},
	}
}

func TestAppendEntryMatchesReference(t *testing.T) {
	t.Parallel()
	for i, ex := range refExchanges(t) {
		for _, elapsed := range []time.Duration{0, time.Microsecond, 1234567 * time.Microsecond, 90 * time.Minute} {
			want := refEntry(t, ex, harStart.Add(time.Duration(i)*time.Millisecond), elapsed)
			got := appendEntry(nil, ex, harStart.Add(time.Duration(i)*time.Millisecond), elapsed)
			if !bytes.Equal(got, want) {
				t.Errorf("exchange %d, elapsed %v:\ngot  %s\nwant %s", i, elapsed, got, want)
			}
		}
	}
}

// FuzzAppendEntry: the hand-written encoder writes the bytes encoding/json writes, for any method, URL, header
// and bodies.
func FuzzAppendEntry(f *testing.F) {
	f.Add("GET", "https://api.doorflow.com/api/3/group_reservations?per_page=50", "Authorization", "Bearer x", []byte(nil), 200, []byte(`[{"a":"b\u2028"}]`), int64(1500))
	f.Add("POST", "/v2/group?x=%ff", "Content-Type", "text/plain; charset=\xff", []byte("\x00\xff\"\\<>&"), 0, []byte{}, int64(-3))
	f.Add("", "", "", "", []byte("aaaaaaaaaaaaaaaaaaaaaaaaa\"aaaaaaaaaaaa\x7f\x80"), 999, []byte("\xe2\x80\xa8\xe2\x80"), int64(0))
	f.Fuzz(func(t *testing.T, method, rawURL, name, value string, reqBody []byte, status int, respBody []byte, elapsedUS int64) {
		ex := &capture.Exchange{Method: method, RequestHeader: http.Header{}, RequestBody: reqBody, Status: status,
			ResponseHeader: http.Header{"Content-Type": {value}, name: {value, name}}, ResponseBody: respBody}
		if u, err := url.Parse(rawURL); err == nil {
			ex.URL = u
		}
		if name != "" {
			ex.RequestHeader[name] = []string{value}
		}
		ex.ResponseBodyNotRecorded = len(respBody) == 0 && status%2 == 1
		elapsed := time.Duration(elapsedUS) * time.Microsecond
		want := refEntry(t, ex, harStart, elapsed)
		got := appendEntry(nil, ex, harStart, elapsed)
		if !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("not JSON: %s", got)
		}
	})
}

// TestAppendString: the JSON string escaper writes what encoding/json writes, after what the buffer held, for
// every escape at every offset of a 17-byte run, around the blocks it makes room for, and across several blocks
// of escapes only (which double the string, or make it six times longer).
func TestAppendString(t *testing.T) {
	t.Parallel()
	specials := []string{"\"", "\\", "\x00", "\x1f", "\x7f", "\x80", "é", "\u2028", "\xe2\x80", "<", "\n"}
	var cases []string
	for _, sp := range specials {
		for at := range 17 {
			cases = append(cases, strings.Repeat("a", at)+sp+strings.Repeat("b", 16-at))
		}
		// around the blocks appendString makes room for, and strings that grow 2x and 6x across several
		for _, at := range []int{escapeBlock - 7, escapeBlock - 1, escapeBlock, escapeBlock + 1, 2*escapeBlock - 3} {
			cases = append(cases, strings.Repeat("a", at)+sp+strings.Repeat(sp, 9)+strings.Repeat("b", 100))
		}
		cases = append(cases, strings.Repeat(sp, 3*escapeBlock+5))
	}
	for _, s := range cases {
		var enc bytes.Buffer
		e := json.NewEncoder(&enc)
		e.SetEscapeHTML(false)
		if err := e.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := "prefix" + strings.TrimSuffix(enc.String(), "\n")
		if got := appendString([]byte("prefix"), s); string(got) != want {
			t.Errorf("%d bytes starting %q: got %d bytes, want %d: %.80q", len(s), s[:min(len(s), 20)], len(got), len(want), got)
		}
		if got := appendString([]byte("prefix"), []byte(s)); string(got) != want {
			t.Errorf("%d bytes starting %q, as bytes: got %d bytes, want %d: %.80q", len(s), s[:min(len(s), 20)], len(got), len(want), got)
		}
	}
}

// BenchmarkAppendEntry encodes one proxied DoorFlow list of 50 reservations (about 11 KB of body) as a HAR
// entry, with encoding/json and the reference structs as the writer did before, and by hand as it does now.
//
//	go test ./capture/har -run '^$' -bench AppendEntry -benchmem
func BenchmarkAppendEntry(b *testing.B) {
	body := benchdata.PassingList(50)
	ex := &capture.Exchange{Method: http.MethodGet, URL: capturetest.MustURL(b, "http://127.0.0.1:8080/api/3/group_reservations?per_page=50"),
		RequestHeader:  http.Header{"Authorization": {"Bearer REDACTED"}, "Accept-Encoding": {"gzip"}, "User-Agent": {"Go-http-client/1.1"}, "X-Forwarded-For": {"127.0.0.1"}},
		Status:         http.StatusOK,
		ResponseHeader: http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Date": {"Mon, 15 Jun 2026 09:30:00 GMT"}, "Per-Page": {"50"}, "Total": {"80"}, "Content-Length": {strconv.Itoa(len(body))}},
		ResponseBody:   body}
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			_ = refEntry(b, ex, harStart, time.Millisecond)
		}
	})
	b.Run("apikit", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		var buf []byte
		for b.Loop() {
			buf = appendEntry(buf[:0], ex, harStart, time.Millisecond)
		}
	})
}
