package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apikit/apikit/capture"
)

// Writer records exchanges to a HAR 1.2 file that [Read] (and apikit validate, and browser devtools) read back.
// Every exchange passes the writer's redaction step ([Create]) before a byte of it is written.
//
// The file is valid after every [Writer.Append]: the writer keeps the closing "]}}" at the end of the file
// and writes each new entry over it, followed by the closing again, in a single write. A process that stops
// between two appends, however it stops, leaves a valid HAR holding every entry appended so far; only a stop in
// the middle of that one write can cut the file. [Writer.Close] closes the file. A Writer is safe for
// concurrent use; entries are written in the order Append is called.
type Writer struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	redact Redact
	off    int64 // where the closing starts
	n      int   // entries written
	closed bool
}

const (
	harHead    = `{"log":{"version":"1.2","creator":{"name":"apikit","version":"0.1"},"entries":[`
	harClosing = "\n]}}\n"
)

// Redact is a writer's redaction step: it returns the exchange as the file may hold it (credentials and
// personal data replaced, bodies decoded), and must not change ex.
type Redact func(ex *capture.Exchange) *capture.Exchange

// Create creates (or truncates) the HAR file at path, creating its folder, and returns a writer that passes every
// exchange through redact before writing it. redact is required: a writer that writes exchanges as they are must
// say so with a function that returns its argument.
func Create(path string, redact Redact) (*Writer, error) {
	if redact == nil {
		return nil, fmt.Errorf("HAR %s: no redaction step", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("HAR %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("HAR: %w", err)
	}
	if _, err := f.WriteString(harHead + harClosing); err != nil {
		f.Close()
		return nil, fmt.Errorf("HAR %s: %w", path, err)
	}
	return &Writer{f: f, path: path, redact: redact, off: int64(len(harHead))}, nil
}

// Path returns the file the writer writes.
func (w *Writer) Path() string { return w.path }

// Append redacts ex and writes it as the next entry, with the time the request started and how long the
// exchange took. An exchange without a response (Status 0) is written with status 0, which [Read] reads as
// no response.
func (w *Writer) Append(ex *capture.Exchange, started time.Time, elapsed time.Duration) error {
	_, err := w.AppendIndexed(ex, started, elapsed)
	return err
}

// AppendIndexed is [Writer.Append] that also returns the entry's index in the file (0-based), the number
// [Read] and apikit validate give it. Redaction and encoding run outside the writer's lock, so concurrent
// callers only wait for each other's write.
func (w *Writer) AppendIndexed(ex *capture.Exchange, started time.Time, elapsed time.Duration) (int, error) {
	var entry bytes.Buffer
	enc := json.NewEncoder(&entry)
	enc.SetEscapeHTML(false) // "&" stays "&" in URLs and forms, for people reading the file
	if err := enc.Encode(harOutEntryOf(w.redact(ex), started, elapsed)); err != nil {
		return -1, fmt.Errorf("HAR %s: encoding entry: %w", w.path, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return -1, fmt.Errorf("HAR %s: %w", w.path, os.ErrClosed)
	}
	var b bytes.Buffer
	if w.n > 0 {
		b.WriteByte(',')
	}
	b.WriteByte('\n')
	b.Write(bytes.TrimSuffix(entry.Bytes(), []byte("\n")))
	next := w.off + int64(b.Len())
	b.WriteString(harClosing)
	if _, err := w.f.WriteAt(b.Bytes(), w.off); err != nil {
		return -1, fmt.Errorf("HAR %s: %w", w.path, err)
	}
	w.off, w.n = next, w.n+1
	return w.n - 1, nil
}

// Close closes the file; the HAR in it is complete. Closing twice returns nil.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("HAR %s: %w", w.path, err)
	}
	return nil
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

func mimeOf(h http.Header) string {
	ct := h.Get("Content-Type")
	if ct == "" {
		return ""
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		return ""
	}
	return ct
}
