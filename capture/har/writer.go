package har

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	// bufs recycles the buffers entries are encoded in (*[]byte); one grown past maxPooledEntry (a large body) is
	// left to the collector.
	bufs sync.Pool
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
	bp, _ := w.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer w.putBuf(bp)
	// perf: the entry is encoded by hand into a reused buffer, after two bytes kept for the separator, and the
	// closing follows it, so that the file gets entry and closing in one write without another copy.
	b := appendEntry(append((*bp)[:0], ",\n"...), w.redact(ex), started, elapsed)
	end := len(b)
	b = append(b, harClosing...)
	*bp = b
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return -1, fmt.Errorf("HAR %s: %w", w.path, os.ErrClosed)
	}
	if w.n == 0 {
		b = b[1:] // no comma before the first entry
		end--
	}
	if _, err := w.f.WriteAt(b, w.off); err != nil {
		return -1, fmt.Errorf("HAR %s: %w", w.path, err)
	}
	w.off, w.n = w.off+int64(end), w.n+1
	return w.n - 1, nil
}

const maxPooledEntry = 256 << 10

func (w *Writer) putBuf(bp *[]byte) {
	if cap(*bp) <= maxPooledEntry {
		w.bufs.Put(bp)
	}
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

// appendEntry appends ex, already redacted, as one HAR 1.2 entry (JSON, on one line): every field the format
// requires, in its order, exactly as encoding/json writes the structs of writer_test.go's reference encoder with
// SetEscapeHTML(false) (FuzzAppendEntry holds the two together). Cookies are left out of the cookies lists
// (their redacted headers remain).
func appendEntry(b []byte, ex *capture.Exchange, started time.Time, elapsed time.Duration) []byte {
	ms := float64(elapsed.Microseconds()) / 1000
	b = append(b, `{"startedDateTime":"`...)
	b = started.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, `","time":`...)
	b = appendFloat(b, ms)
	b = append(b, `,"request":{"method":`...)
	b = appendString(b, ex.Method)
	b = append(b, `,"url":`...)
	var q url.Values
	if ex.URL != nil {
		b = appendString(b, ex.URL.String())
		q = ex.URL.Query()
	} else {
		b = append(b, `""`...)
	}
	b = append(b, `,"httpVersion":"HTTP/1.1","cookies":[],"headers":`...)
	b = appendHeaders(b, ex.RequestHeader)
	b = append(b, `,"queryString":[`...)
	if len(q) > 0 {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		first := true
		for _, k := range keys {
			for _, v := range q[k] {
				b = appendNameValue(b, k, v, first)
				first = false
			}
		}
	}
	b = append(b, ']')
	if ex.RequestBody != nil {
		b = append(b, `,"postData":{"mimeType":`...)
		b = appendString(b, mimeOf(ex.RequestHeader))
		b = append(b, `,"text":`...)
		b = appendText(b, ex.RequestBody)
		b = append(b, '}')
	}
	b = append(b, `,"headersSize":-1,"bodySize":`...)
	b = strconv.AppendInt(b, int64(len(ex.RequestBody)), 10)
	b = append(b, `},"response":{"status":`...)
	b = strconv.AppendInt(b, int64(ex.Status), 10)
	b = append(b, `,"statusText":`...)
	b = appendString(b, http.StatusText(ex.Status))
	b = append(b, `,"httpVersion":"HTTP/1.1","cookies":[],"headers":`...)
	b = appendHeaders(b, ex.ResponseHeader)
	b = append(b, `,"content":{"size":`...)
	size := len(ex.ResponseBody)
	if ex.ResponseBodyNotRecorded {
		size = -1 // unknown, and no text: read back as not recorded, never as an empty body
	}
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, `,"mimeType":`...)
	b = appendString(b, mimeOf(ex.ResponseHeader))
	if len(ex.ResponseBody) > 0 {
		b = append(b, `,"text":`...)
		b = appendText(b, ex.ResponseBody)
	}
	b = append(b, `},"redirectURL":`...)
	b = appendString(b, ex.ResponseHeader.Get("Location"))
	b = append(b, `,"headersSize":-1,"bodySize":`...)
	b = strconv.AppendInt(b, int64(len(ex.ResponseBody)), 10)
	b = append(b, `},"cache":{},"timings":{"send":0,"wait":`...)
	b = appendFloat(b, ms)
	return append(b, `,"receive":0}}`...)
}

// appendText appends a body as HAR text: as it is when it is UTF-8, else base64 with "encoding":"base64" after it.
func appendText(b, body []byte) []byte {
	if utf8.Valid(body) {
		return appendString(b, body)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, body)
	return append(b, `","encoding":"base64"`...)
}

// appendHeaders appends a header as a list of name and value pairs, in name order, each value in its order, for
// files that diff well.
func appendHeaders(b []byte, h http.Header) []byte {
	b = append(b, '[')
	if len(h) > 0 {
		var buf [16]string
		names := buf[:0]
		for k := range h {
			names = append(names, k)
		}
		slices.Sort(names)
		first := true
		for _, k := range names {
			for _, v := range h[k] {
				b = appendNameValue(b, k, v, first)
				first = false
			}
		}
	}
	return append(b, ']')
}

func appendNameValue(b []byte, name, value string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, `{"name":`...)
	b = appendString(b, name)
	b = append(b, `,"value":`...)
	b = appendString(b, value)
	return append(b, '}')
}

// appendFloat appends f as encoding/json writes a float64 (ES6 number formatting).
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json escapes it without HTML escaping: '"', '\\'
// and control characters, invalid UTF-8 as U+FFFD, U+2028 and U+2029.
func appendString[S []byte | string](b []byte, s S) []byte {
	// perf: a body of JSON holds a quote every few bytes; rather than copying the runs between escapes, every
	// byte is copied, block after block of s, into room made for the block's common worst case (each byte
	// doubled); the rare longer escapes make room for themselves. The whole is reserved ahead at an eighth more
	// than s, so that a large body is not held twice over.
	b = slices.Grow(b, len(s)+len(s)/8+2)
	b = append(b, '"')
	n := len(b)
	b = b[:cap(b)]
	for i := 0; i < len(s); {
		end := min(len(s), i+escapeBlock)
		if len(b)-n < 2*(end-i)+1 {
			b = slices.Grow(b[:n], 2*(end-i)+(len(s)-end)/8+1)
			b = b[:cap(b)]
		}
		for i < end {
			c := s[i]
			switch care[c] {
			case carePlain:
				b[n] = c
				n++
				i++
				continue
			case careBackslash:
				b[n], b[n+1] = '\\', escapeLetter[c]
				n += 2
				i++
				continue
			}
			b = b[:n] // a longer escape: appended, then room for the rest of the block made again
			size := 1
			if c < utf8.RuneSelf {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			} else {
				var r rune
				r, size = decodeRune(s[i:min(len(s), i+utf8.UTFMax)])
				switch {
				case r == utf8.RuneError && size == 1:
					b = append(b, `\ufffd`...)
				case r == '\u2028' || r == '\u2029':
					b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
				default:
					b = append(b, s[i:i+size]...)
				}
			}
			i += size
			n = len(b)
			b = slices.Grow(b, 2*max(0, end-i)+1)
			b = b[:cap(b)]
		}
	}
	b = b[:n]
	return append(b, '"')
}

// escapeBlock is how many bytes of a string appendString copies between two checks of the room left.
const escapeBlock = 4096

// What appendString does with each byte.
const (
	carePlain     = iota // copied as it is
	careBackslash        // written as a backslash and escapeLetter's letter
	careMore             // \u00XX, or the start of a multi-byte (or invalid) UTF-8 sequence
)

var care, escapeLetter = func() (t, letters [256]byte) {
	for c := range 256 {
		switch {
		case c == '"' || c == '\\':
			t[c], letters[c] = careBackslash, byte(c)
		case c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
			t[c], letters[c] = careBackslash, "btn fr"[c-'\b'] // \b 8, \t 9, \n 10, \f 12, \r 13
		case c < 0x20 || c >= utf8.RuneSelf:
			t[c] = careMore
		}
	}
	return t, letters
}()

func decodeRune[S []byte | string](s S) (rune, int) {
	var buf [utf8.UTFMax]byte
	n := copy(buf[:], s)
	return utf8.DecodeRune(buf[:n])
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
