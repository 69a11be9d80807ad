package har

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apikit/apikit/internal/capturetest"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/benchdata"
)

// entryWith builds an entry for GET capturetest.GetURL whose response content is the given JSON object body.
func entryWith(content string) string {
	return `{"request":{"method":"GET","url":"` + capturetest.GetURL + `","headers":[]},"response":{"status":200,"headers":[],"content":` + content + `}}`
}

func TestReadHAR(t *testing.T) {
	t.Parallel()
	body := `{"id":456,"state":"active"}`
	b64 := base64.StdEncoding.EncodeToString([]byte(body))
	type want struct {
		method, url  string
		status       int
		reqHeader    http.Header
		reqBody      string
		resHeader    http.Header
		resBody      string
		nilResBody   bool
		nilResHeader bool
	}
	cases := []struct {
		name string
		har  string
		want []want
	}{
		{
			name: "base64 body",
			har:  capturetest.HAROf(entryWith(`{"size":27,"mimeType":"application/json","text":"` + b64 + `","encoding":"base64"}`)),
			want: []want{{method: "GET", url: capturetest.GetURL, status: 200, resBody: body, resHeader: http.Header{"Content-Type": {"application/json"}}}},
		},
		{
			name: "base64 body with escaped slashes and line breaks",
			har:  capturetest.HAROf(entryWith(`{"mimeType":"application/octet-stream","text":"` + strings.ReplaceAll(base64.StdEncoding.EncodeToString([]byte("\xff\xfe\xfd?>?")), "/", `\/`) + `\n","encoding":"BASE64"}`)),
			want: []want{{method: "GET", url: capturetest.GetURL, status: 200, resBody: "\xff\xfe\xfd?>?", resHeader: http.Header{"Content-Type": {"application/octet-stream"}}}},
		},
		{
			name: "charset mimeType fills a missing Content-Type",
			har:  capturetest.HAROf(entryWith(`{"mimeType":"application/json; charset=utf-8","text":"{\"name\":\"Zoë\"}"}`)),
			want: []want{{method: "GET", url: capturetest.GetURL, status: 200, resBody: `{"name":"Zoë"}`, resHeader: http.Header{"Content-Type": {"application/json; charset=utf-8"}}}},
		},
		{
			name: "Content-Type header wins over mimeType",
			har: capturetest.HAROf(`{"request":{"method":"GET","url":"` + capturetest.GetURL + `"},"response":{"status":200,"headers":[{"name":"content-type","value":"application/json; charset=ISO-8859-1"}],` +
				`"content":{"mimeType":"application/json","text":"{}"}}}`),
			want: []want{{method: "GET", url: capturetest.GetURL, status: 200, resBody: `{}`, resHeader: http.Header{"Content-Type": {"application/json; charset=ISO-8859-1"}}}},
		},
		{
			name: "escapes in text",
			har:  capturetest.HAROf(entryWith(`{"mimeType":"application/json","text":"{\"a\":\"line\\nbreak \\u00e9 \\ud83d\\ude00 \\t \\\\ \\/ \\ud800 \\\"q\\\"\"}\n"}`)),
			want: []want{{method: "GET", url: capturetest.GetURL, status: 200, resBody: "{\"a\":\"line\\nbreak \\u00e9 \\ud83d\\ude00 \\t \\\\ \\/ \\ud800 \\\"q\\\"\"}\n",
				resHeader: http.Header{"Content-Type": {"application/json"}}}},
		},
		{
			name: "missing optional fields",
			har:  capturetest.HAROf(`{"request":{"method":"GET","url":"` + capturetest.GetURL + `"},"response":{"status":204,"content":{"size":0,"mimeType":"x-unknown"}}}`),
			want: []want{{method: "GET", url: capturetest.GetURL, status: 204, reqHeader: http.Header{}, resHeader: http.Header{}, nilResBody: true}},
		},
		{
			name: "no response",
			har:  capturetest.HAROf(`{"request":{"method":"GET","url":"` + capturetest.GetURL + `","headers":[{"name":"Authorization","value":"Bearer REDACTED"}]}}`),
			want: []want{{method: "GET", url: capturetest.GetURL, reqHeader: http.Header{"Authorization": {"Bearer REDACTED"}}, nilResBody: true, nilResHeader: true}},
		},
		{
			name: "null response",
			har:  capturetest.HAROf(`{"request":{"method":"GET","url":"` + capturetest.GetURL + `"},"response":null}`),
			want: []want{{method: "GET", url: capturetest.GetURL, nilResBody: true, nilResHeader: true}},
		},
		{
			name: "status 0 is no response",
			har: capturetest.HAROf(`{"request":{"method":"GET","url":"` + capturetest.GetURL + `"},"response":{"status":0,"statusText":"","headers":[],` +
				`"content":{"size":0,"mimeType":"x-unknown"},"_error":"net::ERR_CONNECTION_REFUSED"}}`),
			want: []want{{method: "GET", url: capturetest.GetURL, nilResBody: true, nilResHeader: true}},
		},
		{
			name: "custom fields, pseudo-headers and lower-case names",
			har: `{"_meta":{"x":[1,2,{"y":null}]},"log":{"_exporter":"Proxyman","pages":[{"id":"p"}],"entries":[` +
				`{"_resourceType":"fetch","_initiator":{"type":"script","stack":{"callFrames":[]}},"request":{"method":"GET","url":"` + capturetest.GetURL + `",` +
				`"headers":[{"name":":authority","value":"api.doorflow.com"},{"name":"authorization","value":"Bearer REDACTED"},{"name":"x-multi","value":"a"},{"name":"X-Multi","value":"b"}],"_custom":true},` +
				`"response":{"status":200,"_transferSize":100,"headers":[{"name":":status","value":"200"},{"name":"content-type","value":"application/json"}],"content":{"text":"[]","_x":1}},"timings":{"wait":1}}` +
				`],"comment":"after entries","version":"1.2"},"_after":[]}`,
			want: []want{{method: "GET", url: capturetest.GetURL, status: 200,
				reqHeader: http.Header{"Authorization": {"Bearer REDACTED"}, "X-Multi": {"a", "b"}},
				resHeader: http.Header{"Content-Type": {"application/json"}}, resBody: `[]`}},
		},
		{
			name: "URL is authoritative over queryString",
			har:  capturetest.HAROf(`{"request":{"method":"GET","url":"https://api.sonderplan.com/v2/group?fields=id,name&page=2","queryString":[{"name":"fields","value":"other"}]},"response":{"status":200,"content":{"text":"{}"}}}`),
			want: []want{{method: "GET", url: "https://api.sonderplan.com/v2/group?fields=id,name&page=2", status: 200, resBody: `{}`}},
		},
		{
			name: "request body from postData",
			har: capturetest.HAROf(`{"request":{"method":"POST","url":"https://api.doorflow.com/api/3/group_reservations","postData":{"mimeType":"application/json","text":"{\"person_id\":1}"}},` +
				`"response":{"status":201,"content":{"mimeType":"application/json","text":"{}"}}}`),
			want: []want{{method: "POST", url: "https://api.doorflow.com/api/3/group_reservations", status: 201,
				reqHeader: http.Header{"Content-Type": {"application/json"}}, reqBody: `{"person_id":1}`,
				resHeader: http.Header{"Content-Type": {"application/json"}}, resBody: `{}`}},
		},
		{
			name: "form body rebuilt from postData.params",
			har: capturetest.HAROf(`{"request":{"method":"POST","url":"https://api.doorflow.com/oauth/token","postData":{"mimeType":"application/x-www-form-urlencoded",` +
				`"params":[{"name":"grant_type","value":"client_credentials"},{"name":"scope","value":"a b"}]}},"response":{"status":0}}`),
			want: []want{{method: "POST", url: "https://api.doorflow.com/oauth/token",
				reqHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, reqBody: "grant_type=client_credentials&scope=a+b", nilResBody: true, nilResHeader: true}},
		},
		{
			name: "empty text is no body",
			har:  capturetest.HAROf(entryWith(`{"mimeType":"application/json","text":""}`)),
			want: []want{{method: "GET", url: capturetest.GetURL, status: 200, resHeader: http.Header{}, nilResBody: true}},
		},
		{
			name: "empty entries",
			har:  capturetest.HAROf(),
		},
		{
			name: "byte order mark",
			har:  "\xEF\xBB\xBF" + capturetest.HAROf(entryWith(`{"text":"{}"}`)),
			want: []want{{method: "GET", url: capturetest.GetURL, status: 200, resBody: `{}`}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := capturetest.WriteFile(t, t.TempDir(), "case.har", tc.har)
			exs, errs := capturetest.Collect(t, Read(t.Context(), p))
			if len(errs) > 0 {
				t.Fatalf("got errors %q, want none", capturetest.ErrorList(errs))
			}
			if len(exs) != len(tc.want) {
				t.Fatalf("got %d exchanges, want %d", len(exs), len(tc.want))
			}
			for i, w := range tc.want {
				ex := exs[i]
				if ex.Source != p || ex.Index != i {
					t.Errorf("got Source %q Index %d, want %q %d", ex.Source, ex.Index, p, i)
				}
				if ex.Method != w.method || ex.URL.String() != w.url || ex.Status != w.status {
					t.Errorf("got %s %s %d, want %s %s %d", ex.Method, ex.URL, ex.Status, w.method, w.url, w.status)
				}
				if string(ex.RequestBody) != w.reqBody || (w.reqBody == "" && ex.RequestBody != nil) {
					t.Errorf("got request body %q, want %q", ex.RequestBody, w.reqBody)
				}
				if string(ex.ResponseBody) != w.resBody || (w.nilResBody && ex.ResponseBody != nil) {
					t.Errorf("got response body %q, want %q", ex.ResponseBody, w.resBody)
				}
				if w.reqHeader != nil && fmt.Sprint(ex.RequestHeader) != fmt.Sprint(w.reqHeader) {
					t.Errorf("got request header %v, want %v", ex.RequestHeader, w.reqHeader)
				}
				if w.resHeader != nil && fmt.Sprint(ex.ResponseHeader) != fmt.Sprint(w.resHeader) {
					t.Errorf("got response header %v, want %v", ex.ResponseHeader, w.resHeader)
				}
				if w.nilResHeader && ex.ResponseHeader != nil {
					t.Errorf("got response header %v, want none (no response)", ex.ResponseHeader)
				}
				if ex.NoRequest || ex.OperationID != "" {
					t.Errorf("got NoRequest=%v OperationID=%q, want false and empty", ex.NoRequest, ex.OperationID)
				}
			}
		})
	}
}

// TestReadHARTextMatchesEncodingJSON pins the hand-written unquoting to encoding/json's, on valid UTF-8.
func TestReadHARTextMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	texts := []string{"", "plain", "\"quotes\" and \\backslashes\\", "tab\tnew\nline\r\x01\x1f", "é ñ 中文 😀", "</script>&<>",
		"\u2028\u2029", strings.Repeat("\\u", 10)}
	for _, text := range texts {
		raw, err := json.Marshal(text)
		if err != nil {
			t.Fatal(err)
		}
		var want string
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		inner := raw[1 : len(raw)-1]
		got := make([]byte, unquotedLen(inner))
		unquoteInto(got, inner)
		if string(got) != want {
			t.Errorf("unquote(%s): got %q, want %q", raw, got, want)
		}
	}
	// Escapes json.Marshal never writes.
	for raw, want := range map[string]string{`\/\b\f`: "/\b\f", `\uD83D\uDE00`: "😀", `\ud800x`: "\uFFFDx", `\udc00\ud800`: "\uFFFD\uFFFD", `\u00E9`: "é"} {
		got := make([]byte, unquotedLen([]byte(raw)))
		unquoteInto(got, []byte(raw))
		if string(got) != want {
			t.Errorf("unquote(%s): got %q, want %q", raw, got, want)
		}
	}
}

func TestReadHARErrors(t *testing.T) {
	t.Parallel()
	good := entryWith(`{"mimeType":"application/json","text":"{}"}`)
	big := strings.Repeat("x", 2000)
	cases := []struct {
		name     string
		content  string
		opts     []capture.Option
		wantN    int      // exchanges yielded
		wantErrs []string // substrings, in order, of each error's text after the file name
		wantIs   error
	}{
		{name: "empty file", content: "", wantErrs: []string{"file is empty, not a HAR file"}},
		{name: "only spaces", content: " \n\t ", wantErrs: []string{"file is empty"}},
		{name: "binary garbage", content: "\x00\x9f\x92\x96garbage\xff", wantErrs: []string{"byte 0: not a HAR file: invalid JSON: invalid character '\\x00'"}},
		{name: "top-level array", content: `[{"log":{}}]`, wantErrs: []string{"byte 0: not a HAR file: the top-level JSON value is an array"}},
		{name: "top-level string", content: `"log"`, wantErrs: []string{"the top-level JSON value is a string"}},
		{name: "no log", content: `{"version":"1.2","entries":[]}`, wantErrs: []string{`not a HAR file: no "log" object at the top level`}},
		{name: "log not an object", content: `{"log":[]}`, wantErrs: []string{`byte 7: not a HAR file: "log" is an array, want an object`}},
		{name: "log without entries", content: `{"log":{"version":"1.2","pages":[]}}`, wantErrs: []string{"not a HAR file: log has no entries array"}},
		{name: "entries null", content: `{"log":{"entries":null}}`, wantErrs: []string{"log has no entries array"}},
		{name: "entries not an array", content: `{"log":{"entries":{}}}`, wantErrs: []string{"byte 18: log.entries is an object, want an array"}},
		// Offsets: byte 299 is the '"' of "url" in entry 1; 300 is the end of the cut file; a value of the wrong
		// type is located by where it ends (76 just past the 7, 147 just past "200"); 272 is where entry 1 starts.
		{name: "malformed JSON in an entry", content: capturetest.HAROf(good, `{"request":{"method":"GET" "url":"x"}}`, good), wantN: 1,
			wantErrs: []string{"entry 1: byte 299: invalid JSON: invalid character '\"' after object key:value pair"}},
		{name: "malformed JSON between entries", content: capturetest.HAROf(good) + `]`, wantN: 1, wantErrs: []string{"invalid JSON"}},
		{name: "truncated in an entry", content: capturetest.HAROf(good, good)[:300], wantN: 1,
			wantErrs: []string{"entry 1: byte 300: unexpected end of JSON (truncated file?)"}, wantIs: io.ErrUnexpectedEOF},
		{name: "truncated after entries", content: strings.TrimSuffix(capturetest.HAROf(good), "}"), wantN: 1, wantErrs: []string{"unexpected end of JSON (truncated file?)"}},
		{name: "truncated in a key", content: `{"log":{"entr`, wantErrs: []string{"byte 13: unexpected end of JSON"}},
		{name: "data after the HAR", content: capturetest.HAROf(good) + ` {"log":{}}`, wantN: 1, wantErrs: []string{"unexpected data after the HAR object"}},
		{name: "entry without request", content: capturetest.HAROf(`{"response":{"status":200}}`, good), wantN: 1, wantErrs: []string{"entry 0: entry has no request"}},
		{name: "entry with null request", content: capturetest.HAROf(`{"request":null}`, good), wantN: 1, wantErrs: []string{"entry 0: entry has no request"}},
		{name: "entry is not an object", content: capturetest.HAROf(`7`, good), wantN: 1, wantErrs: []string{"entry 0: byte 76: entry is a JSON number, want an object"}},
		{name: "entry is null", content: capturetest.HAROf(`null`, good), wantN: 1, wantErrs: []string{"entry 0: entry has no request"}},
		{name: "request without url", content: capturetest.HAROf(`{"request":{"method":"GET"}}`, good), wantN: 1, wantErrs: []string{"entry 0: request.url is missing"}},
		{name: "request without method", content: capturetest.HAROf(`{"request":{"url":"https://x"}}`, good), wantN: 1, wantErrs: []string{"entry 0: request.method is missing"}},
		{name: "bad URL", content: capturetest.HAROf(`{"request":{"method":"GET","url":"http://[::1"}}`, good), wantN: 1,
			wantErrs: []string{"entry 0: request.url is not a URL: missing ']' in host"}},
		{name: "status of the wrong type", content: capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":"200"}}`, good), wantN: 1,
			wantErrs: []string{"entry 0: byte 147: response.status is a JSON string, want a number"}},
		{name: "status out of range", content: capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":1000}}`, good), wantN: 1,
			wantErrs: []string{"entry 0: response.status 1000 is not an HTTP status code"}},
		{name: "invalid base64", content: capturetest.HAROf(entryWith(`{"text":"eyJpZCI6!!!","encoding":"base64"}`), good), wantN: 1,
			wantErrs: []string{`entry 0: response.content.text is not valid base64 (response.content.encoding is "base64"): illegal base64 data at input byte 8`}},
		{name: "unknown encoding", content: capturetest.HAROf(entryWith(`{"text":"x","encoding":"gzip"}`), good), wantN: 1,
			wantErrs: []string{`entry 0: response.content.encoding "gzip" is not supported`}},
		{name: "text not a string", content: capturetest.HAROf(entryWith(`{"text":{"id":1}}`), good), wantN: 1,
			wantErrs: []string{"entry 0: response.content.text is a JSON object, want a string"}},
		{name: "content not an object", content: capturetest.HAROf(entryWith(`"text"`), good), wantN: 1,
			wantErrs: []string{"entry 0: response.content is a JSON string, want an object"}},
		{name: "mimeType not a string", content: capturetest.HAROf(entryWith(`{"mimeType":5,"text":"{}"}`), good), wantN: 1,
			wantErrs: []string{"entry 0: response.content.mimeType is a JSON number, want a string"}},
		{name: "postData text not a string", content: capturetest.HAROf(`{"request":{"method":"POST","url":"https://x","postData":{"text":5}}}`, good), wantN: 1,
			wantErrs: []string{"entry 0: request.postData.text is a JSON number, want a string"}},
		{name: "response body over the limit", content: capturetest.HAROf(entryWith(`{"text":"`+big+`"}`), good), opts: []capture.Option{capture.WithMaxBody(1024)}, wantN: 1,
			wantErrs: []string{"entry 0: response body is 2.0 KiB, over the 1 KiB limit (--max-body)"}, wantIs: capture.ErrBodyTooLarge},
		{name: "escaped body over the limit", content: capturetest.HAROf(entryWith(`{"text":"`+strings.Repeat(`\"`, 1025)+`"}`), good), opts: []capture.Option{capture.WithMaxBody(1024)}, wantN: 1,
			wantErrs: []string{"entry 0: response body is 1.0 KiB, over the 1 KiB limit"}, wantIs: capture.ErrBodyTooLarge},
		{name: "request body over the limit", content: capturetest.HAROf(`{"request":{"method":"POST","url":"https://x","postData":{"text":"`+big+`"}}}`, good),
			opts: []capture.Option{capture.WithMaxBody(1024)}, wantN: 1, wantErrs: []string{"entry 0: request body is 2.0 KiB, over the 1 KiB limit"}, wantIs: capture.ErrBodyTooLarge},
		{name: "form body over the limit", content: capturetest.HAROf(`{"request":{"method":"POST","url":"https://x","postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"a","value":"`+big+`"}]}}}`, good),
			opts: []capture.Option{capture.WithMaxBody(1024)}, wantN: 1, wantErrs: []string{"entry 0: request body is 2.0 KiB, over the 1 KiB limit"}, wantIs: capture.ErrBodyTooLarge},
		{name: "base64 body counted after decoding: under", content: capturetest.HAROf(entryWith(`{"text":"` + base64.StdEncoding.EncodeToString([]byte(big[:1024])) + `","encoding":"base64"}`)),
			opts: []capture.Option{capture.WithMaxBody(1024)}, wantN: 1},
		{name: "base64 body counted after decoding: over", content: capturetest.HAROf(entryWith(`{"text":"`+base64.StdEncoding.EncodeToString([]byte(big[:1025]))+`","encoding":"base64"}`), good),
			opts: []capture.Option{capture.WithMaxBody(1024)}, wantN: 1, wantErrs: []string{"entry 0: response body is 1.0 KiB, over the 1 KiB limit"}, wantIs: capture.ErrBodyTooLarge},
		{name: "escaped base64 body over the limit", content: capturetest.HAROf(entryWith(`{"text":"`+strings.Repeat(`\/`, 1400)+`==","encoding":"base64"}`), good),
			opts: []capture.Option{capture.WithMaxBody(1024)}, wantN: 1, wantErrs: []string{"entry 0: response body is 1.0 KiB, over the 1 KiB limit"}, wantIs: capture.ErrBodyTooLarge},
		{name: "entry far over the limit stops the file", content: capturetest.HAROf(good, entryWith(`{"text":"`+strings.Repeat("y", 3<<20)+`"}`), good),
			opts: []capture.Option{capture.WithMaxBody(1024)}, wantN: 1,
			wantErrs: []string{"entry 1: byte 272: the entry is over 1.0 MiB of JSON, more than two bodies within the 1 KiB limit (--max-body) can take"}, wantIs: capture.ErrBodyTooLarge},
		{name: "big value outside the entries", content: `{"log":{"pages":["` + strings.Repeat("y", 3<<20) + `"],"entries":[]}}`,
			opts: []capture.Option{capture.WithMaxBody(1024)}, wantErrs: []string{"byte 16: a JSON value is over 1.0 MiB of JSON"}, wantIs: capture.ErrBodyTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := capturetest.WriteFile(t, t.TempDir(), "capture.har", tc.content)
			exs, errs := capturetest.Collect(t, Read(t.Context(), p, tc.opts...))
			if len(exs) != tc.wantN {
				t.Errorf("got %d exchanges, want %d", len(exs), tc.wantN)
			}
			if len(errs) != len(tc.wantErrs) {
				t.Fatalf("got errors %q, want %d matching %q", capturetest.ErrorList(errs), len(tc.wantErrs), tc.wantErrs)
			}
			for i, e := range errs {
				got := e.Error()
				if !strings.HasPrefix(got, p+": ") || !strings.Contains(got, tc.wantErrs[i]) {
					t.Errorf("got error %q, want %q after the file name", got, tc.wantErrs[i])
				}
				if e.File != p {
					t.Errorf("got File %q, want %q", e.File, p)
				}
				if tc.wantIs != nil && !errors.Is(e, tc.wantIs) {
					t.Errorf("errors.Is(%q, %v) = false, want true", got, tc.wantIs)
				}
			}
		})
	}
}

func TestReadHARFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name, path, want string
		is               error
	}{
		{"missing", filepath.Join(dir, "missing.har"), "cannot open: no such file or directory", fs.ErrNotExist},
		{"directory", dir, "is a directory, not a HAR file", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, errs := capturetest.Collect(t, Read(t.Context(), tc.path))
			if len(errs) != 1 || errs[0].Error() != tc.path+": "+tc.want || errs[0].Index != -1 || errs[0].Offset != -1 {
				t.Fatalf("got %q, want one error %q", capturetest.ErrorList(errs), tc.path+": "+tc.want)
			}
			if tc.is != nil && !errors.Is(errs[0], tc.is) {
				t.Errorf("errors.Is(%v, %v) = false, want true", errs[0], tc.is)
			}
		})
	}
}

func TestReadHARManyEntries(t *testing.T) {
	t.Parallel()
	const n = 10000
	p := filepath.Join(t.TempDir(), "many.har")
	capturetest.WriteManyEntries(t, p, n)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	count := 0 // contract's TestManyEntriesValidate validates them
	for ex, err := range Read(t.Context(), p) {
		if err != nil {
			t.Fatal(err)
		}
		if ex.Index != count {
			t.Fatalf("got index %d, want %d", ex.Index, count)
		}
		if want := "page=" + strconv.Itoa(count+1); ex.URL.RawQuery != want {
			t.Fatalf("entry %d: got query %q, want %q", count, ex.URL.RawQuery, want)
		}
		count++
	}
	if count != n {
		t.Fatalf("got %d exchanges, want %d", count, n)
	}

	// Streaming: the first exchange is yielded after reading one chunk, not the whole file.
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newHARStream(p, f, capture.NewConfig(nil))
	var readAtFirst int64 = -1
	s.run(t.Context(), func(ex *capture.Exchange, err error) bool {
		readAtFirst = s.in.n
		return false
	})
	if readAtFirst <= 0 || readAtFirst > 2*readChunk {
		t.Errorf("read %d of %d bytes before the first exchange, want at most %d", readAtFirst, st.Size(), 2*readChunk)
	}
}

func TestReadHAREarlyBreakAndCancel(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "many.har")
	capturetest.WriteManyEntries(t, p, 50)
	for _, stop := range []int{1, 2, 49, 50} {
		t.Run(fmt.Sprint("break after ", stop), func(t *testing.T) {
			t.Parallel()
			n := 0
			for _, err := range Read(t.Context(), p) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				if n == stop {
					break
				}
			}
			if n != stop {
				t.Errorf("got %d, want %d", n, stop)
			}
		})
	}
	t.Run("break on an error", func(t *testing.T) {
		t.Parallel()
		bad := capturetest.WriteFile(t, t.TempDir(), "bad.har", capturetest.HAROf(`{}`, `{}`, `{}`))
		n := 0
		for _, err := range Read(t.Context(), bad) {
			n++
			if err == nil {
				t.Fatal("got no error")
			}
			break
		}
		if n != 1 {
			t.Errorf("got %d yields, want 1", n)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var n int
		var last error
		for ex, err := range Read(ctx, p) {
			if err != nil {
				last = err
				continue
			}
			n++
			if ex.Index == 4 {
				cancel()
			}
		}
		var le *capture.LoadError
		if n != 5 || !errors.Is(last, context.Canceled) || !errors.As(last, &le) || le.Index != 5 {
			t.Errorf("got %d exchanges and last error %v, want 5 and context.Canceled at entry 5", n, last)
		}
	})
}

func TestReadHARLargeBody(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "large.har")
	body := capturetest.LargeBodyHAR(t, p, 20<<20)
	exs, errs := capturetest.Collect(t, Read(t.Context(), p))
	if len(errs) > 0 || len(exs) != 1 {
		t.Fatalf("got %d exchanges and errors %q, want 1 and none", len(exs), capturetest.ErrorList(errs))
	}
	if !bytes.Equal(exs[0].ResponseBody, body) {
		t.Errorf("got a %d-byte body that differs from the %d bytes written", len(exs[0].ResponseBody), len(body))
	}
	if cap(exs[0].ResponseBody) != len(body) {
		t.Errorf("got body capacity %d, want exactly %d (one allocation of the exact size)", cap(exs[0].ResponseBody), len(body))
	}
	_, errs = capturetest.Collect(t, Read(t.Context(), p, capture.WithMaxBody(int64(len(body)-1))))
	if len(errs) != 1 || !errors.Is(errs[0], capture.ErrBodyTooLarge) || errs[0].Index != 0 {
		t.Errorf("with a limit one byte short: got %q, want one body-too-large error for entry 0", capturetest.ErrorList(errs))
	}
}

// TestReadHARLargeBodyMemory measures the bytes allocated to read one large body. It does not run in parallel:
// it reads process-wide allocation counters.
func TestReadHARLargeBodyMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates tens of megabytes")
	}
	p := filepath.Join(t.TempDir(), "large.har")
	size := len(capturetest.LargeBodyHAR(t, p, 20<<20))
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for ex, err := range Read(t.Context(), p) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(ex.ResponseBody)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	// The body is read from the file straight into one buffer of its exact size (filter.go); the escaped text
	// is never held whole, and the rest of the entry is small.
	limit := uint64(size) + 1<<20
	t.Logf("body %s, file %s: allocated %s (%.2fx the body)", capture.FormatSize(int64(size)), capture.FormatSize(st.Size()), capture.FormatSize(int64(alloc)), float64(alloc)/float64(size))
	if n != size || alloc > limit {
		t.Errorf("allocated %d bytes for a %d-byte body, want at most %d", alloc, size, limit)
	}
}

// baselineHAR is what a program that reads a HAR with encoding/json decodes: the whole file, bodies as strings.
type baselineHAR struct {
	Log struct {
		Entries []struct {
			Request struct {
				Method   string         `json:"method"`
				URL      string         `json:"url"`
				Headers  []harNameValue `json:"headers"`
				PostData *struct {
					MimeType string `json:"mimeType"`
					Text     string `json:"text"`
				} `json:"postData"`
			} `json:"request"`
			Response struct {
				Status  int            `json:"status"`
				Headers []harNameValue `json:"headers"`
				Content struct {
					MimeType string `json:"mimeType"`
					Text     string `json:"text"`
					Encoding string `json:"encoding"`
				} `json:"content"`
			} `json:"response"`
		} `json:"entries"`
	} `json:"log"`
}

// benchReadHAR reads the HAR at p with encoding/json (baseline), with the loader as it was before the filter
// (legacy) and with ReadHAR (apikit), checking each reads entries exchanges with bodyBytes of bodies in all.
// MB/s counts the file.
func benchReadHAR(b *testing.B, p string, entries int, bodyBytes int64) {
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	check := func(b *testing.B, n int, size int64) {
		if n != entries || size != bodyBytes {
			b.Fatalf("read %d entries with %d body bytes, want %d and %d", n, size, entries, bodyBytes)
		}
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(st.Size())
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			var h baselineHAR
			err = json.NewDecoder(f).Decode(&h)
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			var size int64
			for _, e := range h.Log.Entries {
				size += int64(len(e.Response.Content.Text))
			}
			check(b, len(h.Log.Entries), size)
		}
		b.ReportMetric(float64(bodyBytes), "body-B/op")
	})
	stream := func(b *testing.B, run func(f *os.File, yield func(*capture.Exchange, error) bool)) {
		b.SetBytes(st.Size())
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			n, size := 0, int64(0)
			run(f, func(ex *capture.Exchange, err error) bool {
				if err != nil {
					b.Fatal(err)
				}
				n++
				size += int64(len(ex.ResponseBody))
				return true
			})
			f.Close()
			check(b, n, size)
		}
		b.ReportMetric(float64(bodyBytes), "body-B/op")
	}
	cfg := capture.NewConfig(nil)
	b.Run("legacy", func(b *testing.B) {
		stream(b, func(f *os.File, yield func(*capture.Exchange, error) bool) {
			newLegacyHARStream(p, f, cfg).run(b.Context(), yield)
		})
	})
	b.Run("apikit", func(b *testing.B) {
		stream(b, func(f *os.File, yield func(*capture.Exchange, error) bool) {
			newHARStream(p, f, cfg).run(b.Context(), yield)
		})
	})
}

// BenchmarkReadHARLargeBody reads a HAR with one 20 MB DoorFlow list body (87,000 reservations); compare B/op
// with the body size (body-B/op).
func BenchmarkReadHARLargeBody(b *testing.B) {
	p := filepath.Join(b.TempDir(), "large.har")
	body := benchdata.ReservationList(87000)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchdata.WriteListHAR(f, body); err != nil {
		b.Fatal(err)
	}
	f.Close()
	benchReadHAR(b, p, 1, int64(len(body)))
}

// BenchmarkReadHARManyEntries reads 10,000 small entries (body-B/op: their bodies in all).
func BenchmarkReadHARManyEntries(b *testing.B) {
	p := filepath.Join(b.TempDir(), "many.har")
	capturetest.WriteManyEntries(b, p, 10000)
	var size int64
	for ex, err := range Read(b.Context(), p) {
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(ex.ResponseBody))
	}
	benchReadHAR(b, p, 10000, size)
}

// TestReadCaptureGaps: what the capture did not keep is said, not guessed: a content without text whose size is
// not 0 is a body not recorded (Playwright's omit mode), a request whose bodySize is positive without postData
// too; status 0 or -1, _error, _failureText or no response make a request that never completed; a body the
// writer could not keep is written back as not recorded.
func TestReadCaptureGaps(t *testing.T) {
	t.Parallel()
	req := `"request":{"method":"POST","url":"https://api.sonderplan.com/v2/group","headers":[],"bodySize":12}`
	entries := []struct {
		entry         string
		resp, reqBody bool
		notCompleted  string
	}{
		{`{` + req + `,"response":{"status":200,"headers":[],"content":{"size":451,"mimeType":"application/json"}}}`, true, true, ""},
		{`{` + req + `,"response":{"status":200,"headers":[],"content":{"mimeType":"application/json"}}}`, true, true, ""},
		{`{` + req + `,"response":{"status":204,"headers":[],"content":{"size":0}}}`, false, true, ""},
		{`{` + req + `,"response":{"status":200,"headers":[],"content":{"size":2,"text":"[]"}}}`, false, true, ""},
		{`{` + req + `,"response":{"status":-1,"headers":[],"content":{"size":-1},"_failureText":"net::ERR_ABORTED"}}`, false, true, "net::ERR_ABORTED"},
		{`{` + req + `,"response":{"status":0,"headers":[],"content":{"size":0},"_error":"net::ERR_BLOCKED_BY_CLIENT"}}`, false, true, "net::ERR_BLOCKED_BY_CLIENT"},
		{`{` + req + `,"response":{"status":0,"headers":[],"content":{"size":0}}}`, false, true, "status 0"},
		{`{` + req + `}`, false, true, "no response recorded"},
	}
	var list []string
	for _, e := range entries {
		list = append(list, e.entry)
	}
	p := filepath.Join(t.TempDir(), "gaps.har")
	if err := os.WriteFile(p, []byte(`{"log":{"version":"1.2","entries":[`+strings.Join(list, ",")+`]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	for ex, err := range Read(t.Context(), p) {
		if err != nil {
			t.Fatal(err)
		}
		want := entries[ex.Index]
		if ex.ResponseBodyNotRecorded != want.resp || ex.RequestBodyNotRecorded != want.reqBody || ex.NotCompleted != want.notCompleted {
			t.Errorf("entry %d: response not recorded %v, request not recorded %v, not completed %q; want %v, %v, %q",
				ex.Index, ex.ResponseBodyNotRecorded, ex.RequestBodyNotRecorded, ex.NotCompleted, want.resp, want.reqBody, want.notCompleted)
		}
		if ex.NotCompleted != "" && ex.Status != 0 {
			t.Errorf("entry %d: status %d for a request that never completed", ex.Index, ex.Status)
		}
		n++
	}
	if n != len(entries) {
		t.Errorf("%d exchanges, want %d", n, len(entries))
	}
}

// TestWriteNotRecordedReadsBack: an exchange whose response body was not recorded is written with size -1 and no
// text, so that it reads back as not recorded, never as an empty body.
func TestWriteNotRecordedReadsBack(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "w.har")
	w, err := Create(p, func(ex *capture.Exchange) *capture.Exchange { return ex })
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://api.sonderplan.com/v2/group")
	ex := &capture.Exchange{Method: "GET", URL: u, RequestHeader: http.Header{}, Status: 200,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBodyNotRecorded: true}
	if err := w.Append(ex, time.Now(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for got, err := range Read(t.Context(), p) {
		if err != nil {
			t.Fatal(err)
		}
		if !got.ResponseBodyNotRecorded || got.ResponseBody != nil {
			t.Errorf("read back: not recorded %v, body %q; want not recorded", got.ResponseBodyNotRecorded, got.ResponseBody)
		}
	}
}
