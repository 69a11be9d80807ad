package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"testing"

	"github.com/apikit/apikit/internal/capturetest"

	"github.com/apikit/apikit/capture"
)

// readerOnly hides every method of a reader but Read (no ReadAt, no Seek).
type readerOnly struct{ io.Reader }

// filterVariant is a way of running the new stream on the same input.
type filterVariant struct {
	name     string
	bufSize  int  // the filter's buffer (0: readChunk)
	fastBuf  int  // the fast path's first buffer (0: the filter's)
	noReadAt bool // the input cannot be read at an offset (and the fast path is not taken)
	noFast   bool // the slow path only
	lazy     bool // as Read reads a file: the fast path first, the filter made only if it gives up
}

var filterVariants = []filterVariant{
	{name: "default"},
	{name: "lazy", lazy: true},
	{name: "lazy, fast buffer 16", lazy: true, fastBuf: 16},
	{name: "buffer 16", bufSize: 16, noFast: true},
	{name: "buffer 29", bufSize: 29, noFast: true},
	{name: "fast buffer 16", bufSize: 16, fastBuf: 16},
	{name: "fast buffer 29", bufSize: 29, fastBuf: 29},
	{name: "slow path", noFast: true},
	{name: "buffer 16 without ReadAt", bufSize: 16, noReadAt: true},
	{name: "buffer 40 without ReadAt", bufSize: 40, noReadAt: true},
}

func newStreamVariant(data []byte, cfg *capture.Config, v filterVariant) *harStream {
	var r io.Reader = bytes.NewReader(data)
	if v.noReadAt {
		r = readerOnly{r}
	}
	if v.lazy {
		s := newLazyHARStream("x.har", bytes.NewReader(data), cfg)
		s.fastBuf = v.fastBuf
		return s
	}
	s := newHARStream("x.har", r, cfg)
	s.noFast, s.fastBuf = v.noFast, v.fastBuf
	if v.bufSize > 0 {
		f := s.in
		buf := make([]byte, max(v.bufSize, f.w-f.r))
		f.w = copy(buf, f.buf[f.r:f.w])
		f.off += int64(f.r)
		f.r, f.buf = 0, buf
	}
	return s
}

// matchLegacy reads data with the legacy stream and with the new one in every variant, and fails on any
// difference in what they yield.
func matchLegacy(t *testing.T, data []byte, limit int64) {
	t.Helper()
	cfg := capture.NewConfig([]capture.Option{capture.WithMaxBody(limit)})
	want := capturetest.CollectStream(t, func(yield func(*capture.Exchange, error) bool) {
		newLegacyHARStream("x.har", bytes.NewReader(data), cfg).run(t.Context(), yield)
	})
	for _, v := range filterVariants {
		got := capturetest.CollectStream(t, func(yield func(*capture.Exchange, error) bool) {
			newStreamVariant(data, cfg, v).run(t.Context(), yield)
		})
		if diff := capturetest.DiffLoaded(got, want); diff != "" {
			t.Fatalf("%s: input %q (limit %d):\n%s", v.name, data, limit, diff)
		}
		for i := range got {
			if diff := diffCaptureGaps(got[i].Ex, want[i].Ex); diff != "" {
				t.Fatalf("%s: input %q (limit %d): item %d: %s", v.name, data, limit, i, diff)
			}
		}
	}
}

// diffCaptureGaps compares what DiffLoaded leaves out: the time and what the capture did not keep.
func diffCaptureGaps(g, w *capture.Exchange) string {
	if g == nil || w == nil {
		return ""
	}
	if !g.Time.Equal(w.Time) || g.NotCompleted != w.NotCompleted || g.ResponseBodyNotRecorded != w.ResponseBodyNotRecorded ||
		g.RequestBodyNotRecorded != w.RequestBodyNotRecorded {
		return fmt.Sprintf("got time %v, not completed %q, bodies not recorded %v %v; want %v, %q, %v %v",
			g.Time, g.NotCompleted, g.RequestBodyNotRecorded, g.ResponseBodyNotRecorded,
			w.Time, w.NotCompleted, w.RequestBodyNotRecorded, w.ResponseBodyNotRecorded)
	}
	return ""
}

// harSeeds are inputs for the differential tests and FuzzParseHAR: the shapes the loader meets, and the corners
// of the filter (bodies cut by buffer ends, escapes, keys matched by case folding, duplicates, broken strings).
func harSeeds() []string {
	good := entryWith(`{"mimeType":"application/json","text":"{}"}`)
	b64 := base64.StdEncoding.EncodeToString([]byte(`{"id":456,"state":"active"}`))
	long := strings.Repeat(`{\"id\":1,\"s\":\"\\u00e9\\ud83d\\ude00\"},`, 9)
	seeds := []string{
		"", " ", "{}", "[]", "null", `{"log":null}`, `{"log":{}}`, `{"log":{"entries":[]}}`, `{"log":{"entries":null}}`,
		capturetest.HAROf(good), capturetest.HAROf(good, good)[:150], capturetest.HAROf(good) + "x", "\xEF\xBB\xBF" + capturetest.HAROf(good), "\xEF\xBB",
		capturetest.HAROf(`{}`, `null`, `7`, `{"request":null,"response":null}`),
		// A member made null, then given again: encoding/json decodes it into a new struct, without the filter.
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":null,"Response":{"status":200,"content":{"text":"abc"}}}`),
		capturetest.HAROf(`{"request":null,"request":{"method":"POST","url":"https://x","postData":{"text":"a"}},"response":{"status":204}}`),
		capturetest.HAROf(`{"request":{"method":"POST","url":"https://x","postData":null,"postData":{"text":"a"}},"response":{"status":204}}`),
		capturetest.HAROf(entryWith(`{"text":"eyJpZCI6MX0=","encoding":"base64"}`)),
		capturetest.HAROf(entryWith(`{"text":"e30\/\n","encoding":"base64"}`)),
		capturetest.HAROf(entryWith(`{"text":"\ud83d\ude00 \ud800 \u00e9 \\ \" \/"}`)),
		capturetest.HAROf(`{"request":{"method":"POST","url":"https://x","postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"a","value":"b"}]}},"response":{"status":0}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":"200","content":5}}`),
		`{"log":{"pages":[{"id":"p"}],"entries":[` + good + `],"_x":{"y":[1,2,3]}},"_z":true}`,
		"\x00\x9f\x92\x96garbage\xff",
		// Bodies long enough to cross small buffers, escaped and not, and base64 in every key order.
		capturetest.HAROf(entryWith(`{"size":400,"mimeType":"application/json","text":"[`+long+`{}]"}`), good),
		capturetest.HAROf(entryWith(`{"text":"` + b64 + `","encoding":"base64"}`)),
		capturetest.HAROf(entryWith(`{"encoding":"base64","text":"` + b64 + `"}`)),
		capturetest.HAROf(entryWith(`{"encoding":"base64","text":"` + strings.Repeat(b64[:16]+`\n`, 8) + `"}`)),
		capturetest.HAROf(entryWith(`{"encoding":"base64","text":"` + strings.Repeat(b64[:16]+`\r\n`, 8) + `=="}`)),
		capturetest.HAROf(entryWith(`{"encoding":"base64","text":"QQ==QUFB"}`)),
		capturetest.HAROf(entryWith(`{"encoding":"base64","text":"QQ==\n\nA"}`)),
		capturetest.HAROf(entryWith(`{"encoding":"base64","text":"QQ=\n="}`)),
		capturetest.HAROf(entryWith(`{"encoding":"base64","text":"QUFB` + strings.Repeat("=", 40) + `"}`)),
		capturetest.HAROf(entryWith(`{"encoding":"base64","text":"\u0051\u0051=="}`)),
		// Keys as encoding/json matches them: case folding, escapes, the long s, duplicates (the last wins).
		capturetest.HAROf(`{"Request":{"method":"GET","url":"https://x","PostData":{"TEXT":"a"}},"RESPONSE":{"status":200,"Content":{"Text":"{}"}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"re\u017fponse":{"status":200,"content":{"t\u0065xt":"[1]"}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"reſponse":{"status":200,"content":{"text":"[1]"}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":200,"content":{"text":"[1]","text":"[2]"}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":200,"content":{"text":"[1]"},"content":{"mimeType":"a/b"}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":null,"response":{"status":200,"content":{"text":"[1]"}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":200,"content":{"text":"[1]","encoding":"base64","encoding":""}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":200,"content":{"text":5}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":"x","content":{"text":"` + long + `"}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"https://x"},"response":{"status":200,"content":{"text":"[1]","mimeType":5}}}`),
		// Texts that are not where the loader reads bodies pass through.
		`{"log":{"entries":null,"entries":[` + good + `],"entries":[` + good + `]},"log":{"entries":[` + good + `]}}`,
		`{"log2":{"entries":[` + good + `]},"log":{"entries":[{"request":{"method":"GET","url":"https://x"},"response":{"status":200,"x":{"content":{"text":"a"}}}}]}}`,
		`{"log":{"entries":[[` + good + `],{"request":[{"postData":{"text":"a"}}]}]}}`,
		// Broken strings: the decoder must report them where they break, as before.
		capturetest.HAROf(entryWith(`{"text":"ab\qc"}`)),
		capturetest.HAROf(entryWith(`{"text":"ab\u12g4"}`)),
		capturetest.HAROf(entryWith(`{"text":"ab` + "\x01" + `c"}`)),
		capturetest.HAROf(entryWith(`{"text":"ab\ud83d\u12x4"}`)),
		capturetest.HAROf(entryWith(`{"text":"` + long + `\x"}`)),
		capturetest.HAROf(entryWith(`{"text":"abc`)),
		capturetest.HAROf(entryWith(`{"text":"abc\`)),
		capturetest.HAROf(entryWith(`{"text":"abc\u00`)),
		capturetest.HAROf(entryWith(`{"text":"abc\ud83d\`)),
		capturetest.HAROf(entryWith(`{"text":"abc"`)),
		capturetest.HAROf(`{"request":{"method":"GET" "url":"x"},"response":{"content":{"text":"` + long + `"}}}`),
		capturetest.HAROf(`{"request":{"method":"GET","url":"x"},"response":{"content":{"text":"` + long + `"}}`),
		capturetest.HAROf(entryWith(`{"text":"a"}`)+`x`, good),
		// What the capture did not keep, and the time, through the fast path and the slow one alike.
		capturetest.HAROf(`{"startedDateTime":"2024-01-15T10:30:00.000Z","request":{"method":"POST","url":"https://x/a?b=c","bodySize":12,"headers":[{"name":" x-a ","value":"1"},{"name":":authority","value":"x"},{"name":"X-A","value":"2"},null,{"name":"bad name","value":"3"}]},"response":{"status":200,"headers":[{"name":"date","value":"Mon, 15 Jan 2024 10:30:01 GMT"}],"content":{"size":5}}}`,
			`{"startedDateTime":"x","request":{"method":"GET","url":"https://x"},"response":{"status":-1,"_failureText":"net::ERR_ABORTED","headers":[],"content":null}}`,
			`{"request":{"method":"GET","url":"https://x","postData":null,"bodySize":null},"response":{"status":0,"_error":"net::ERR_FAILED","content":{"size":0,"text":null}}}`,
			`{"request":{"method":"GET","url":"https://x"},"response":{"status":204,"headers":null,"content":{}}}`,
			`{"request":{"method":"GET","url":"https://x"},"response":{}}`,
			`{"request":{"method":"GET","url":"https://x"}}`,
			`{"request":{"method":"GET","url":"https://x"},"response":null}`,
			`{"request":{"method":"POST","url":"https://x","postData":{"mimeType":"application/x-www-form-urlencoded; charset=utf-8","params":[{"name":"a b","value":"c&d"},null]}},"response":{"status":201,"headers":[{"name":"content-type","value":"text/plain"}],"content":{"mimeType":"application/json","text":"{\"a\":\"\u00e9\ud83d\ude00\"}","size":-1}}}`,
			`{"request":{"method":"GET","url":"https://x/%zz"},"response":{"status":200}}`,
			`{"request":{"method":"GET","url":"https://x"},"response":{"status":200.5}}`,
			`{"request":{"method":"GET","url":"https://x"},"response":{"status":99999999999999999999}}`,
			`{"request":{"method":"GET","url":"https://x","headers":[{"name":"a","value":"\u00e9","value":"b"}]},"response":{"status":200}}`,
			`{"request":{"method":"GET","url":"https://x","Url":"https://y"},"response":{"status":200}}`,
			`{"request":{"method":"G\u0045T","url":"https:\/\/x\/a b"},"response":{"status":200,"headers":[{"name":"ETag","value":"\"abc\""}]}}`),
		// Invalid UTF-8 and unpaired surrogates are kept as the loader always kept them.
		capturetest.HAROf(entryWith(`{"text":"a` + "\xff\xfe" + `b\udc00\ud800x\ud800\ud800"}`)),
	}
	return seeds
}

func TestReadHARMatchesLegacy(t *testing.T) {
	t.Parallel()
	for _, seed := range harSeeds() {
		for _, limit := range []int64{capturetest.FuzzLimit, 10, 2, 0} {
			matchLegacy(t, []byte(seed), limit)
		}
	}
	// Prefixes of the committed recordings and of a few seeds: truncated files, cut anywhere.
	inputs := [][]byte{}
	for _, p := range []string{"../../contract/testdata/doorflow.har"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
	}
	seeds := harSeeds()
	inputs = append(inputs, []byte(seeds[len(seeds)-1]), []byte(seeds[24]), []byte(seeds[30]))
	// Every prefix under make test-long; about 300 cut points per input under make test.
	cuts := 300
	if capturetest.Long() {
		cuts = 3000
	}
	for _, in := range inputs {
		step := max(1, len(in)/cuts)
		for n := 0; n <= len(in); n += step {
			matchLegacy(t, in[:n], capturetest.FuzzLimit)
		}
	}
}

// FuzzReadHARMatchesLegacy compares the two streams on any input. The committed recordings are left out of its
// corpus (TestReadHARMatchesLegacy reads them cut at every point): the fuzzer minimizes an interesting input by
// running it thousands of times, which takes minutes on 20 KB through twelve streams.
func FuzzReadHARMatchesLegacy(f *testing.F) {
	for _, s := range harSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4<<10 {
			t.Skip("inputs over 4 KiB are slow to minimize")
		}
		matchLegacy(t, data, capturetest.FuzzLimit)
		matchLegacy(t, data, 3)
	})
}

// TestFilterKeyFolding pins the key matching of the filter to encoding/json's: a key the filter takes for a
// harEntry field must be one encoding/json decodes into it.
func TestFilterKeyFolding(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"text", "Text", "TEXT", "tExT", `t\u0065xt`, "text ", "texts", "tex", "ｔext", "te\u200bxt",
		"response", "reſponse", "RESPONSE", "reſponſe", "respon\u017fe", "rеsponse" /* Cyrillic e */, "postdata", "POSTDATA", "poſtData"} {
		var v struct {
			Text     string `json:"text"`
			Response string `json:"response"`
			PostData string `json:"postData"`
		}
		raw := fmt.Sprintf(`{"%s":"x"}`, key)
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		var unq string
		if err := json.Unmarshal([]byte(`"`+key+`"`), &unq); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name    string
			decoded bool
		}{{"text", v.Text != ""}, {"response", v.Response != ""}, {"postData", v.PostData != ""}} {
			if got := strings.EqualFold(unq, c.name); got != c.decoded {
				t.Errorf("key %q: the filter matches %s: %v, encoding/json decodes it into %s: %v", key, c.name, got, c.name, c.decoded)
			}
		}
	}
}

// TestDecodeBase64InPlace holds the chunked in-place decoding to base64.StdEncoding.Decode on the whole input.
func TestDecodeBase64InPlace(t *testing.T) {
	t.Parallel()
	inputs := []string{"", "QQ==", "QUE=", "QUFB", "QUFBQQ==", "QUFB\nQUFB\r\n", "QQ==QUFB", "QQ==\n\nA", "QQ=\n=", "QQ=", "Q",
		"QUFB====", "QUFB\n", "\nQUFB", "QUFBQ", "QU\nFB", "!!!!", "QUFB!UFB", "QQ==\n", "QUFBQQ=\n=\n", "=QUF", "Q=UF"}
	for n := range 40 {
		inputs = append(inputs, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(n), 0xfe}, n)))
	}
	for _, in := range inputs {
		checkBase64InPlace(t, []byte(in))
	}
}

func checkBase64InPlace(t *testing.T, in []byte) {
	t.Helper()
	want := make([]byte, base64.StdEncoding.DecodedLen(len(in)))
	wn, werr := base64.StdEncoding.Decode(want, in)
	for _, quanta := range []int{1, 2, 3, base64Quanta} {
		b := bytes.Clone(in)
		n, err := decodeBase64InPlace(b, quanta)
		if fmt.Sprint(err) != fmt.Sprint(werr) || (werr == nil && (n != wn || !bytes.Equal(b[:n], want[:wn]))) {
			t.Fatalf("decodeBase64InPlace(%q, %d) = %d %q, %v; want %d %q, %v", in, quanta, n, b[:max(n, 0)], err, wn, want[:wn], werr)
		}
	}
}

func FuzzDecodeBase64InPlace(f *testing.F) {
	for _, s := range []string{"QQ==", "QUFB\nQUFB", "QQ==QUFB", "QQ=\n=", "QUFBQ"} {
		f.Add([]byte(s))
	}
	f.Fuzz(checkBase64InPlace)
}

// TestStreamsKeepTheirBodies: two files read at once, entry by entry in turn, each get their own bodies; the
// bodies a filter takes out are its own stream's (no state shared between files).
func TestStreamsKeepTheirBodies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var paths [2]string
	for f := range paths {
		var entries []string
		for i := range 20 {
			entries = append(entries, entryWith(fmt.Sprintf(`{"mimeType":"application/json","text":"{\"file\":%d,\"entry\":%d}"}`, f, i)))
		}
		paths[f] = capturetest.WriteFile(t, dir, fmt.Sprintf("f%d.har", f), capturetest.HAROf(entries...))
	}
	var next [2]func() (*capture.Exchange, error, bool)
	for f, p := range paths {
		n, stop := iter.Pull2(Read(t.Context(), p))
		defer stop()
		next[f] = n
	}
	for i := range 20 {
		for f := range next {
			ex, err, ok := next[f]()
			if !ok || err != nil {
				t.Fatalf("file %d entry %d: got %v, %v", f, i, ok, err)
			}
			if want := fmt.Sprintf(`{"file":%d,"entry":%d}`, f, i); string(ex.ResponseBody) != want {
				t.Errorf("file %d entry %d: got body %s, want %s", f, i, ex.ResponseBody, want)
			}
		}
	}
}
