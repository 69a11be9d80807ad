// Package har reads and writes HAR 1.2 files (as browser devtools, mitmproxy, Charles and Proxyman export them):
// [Read] streams a file's entries as exchanges one at a time, [Writer] records exchanges to a file that stays
// valid after every entry.
package har

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apikit/apikit/capture"
)

// Read reads a HAR 1.2 file (as browser devtools, mitmproxy, Charles and Proxyman export it) and yields one
// [capture.Exchange] per entry of log.entries, in file order, with Source set to path and Index to the entry's
// position (0-based).
//
// The file is streamed: entries are decoded one at a time and each is yielded as soon as it is decoded, and each
// body is read from the file straight into a buffer of its exact size, never held as escaped JSON text; memory
// stays about the largest body plus a small multiple of the rest of its entry, however many entries the file
// holds. The request URL is
// taken from request.url (queryString is ignored); request.postData.text and response.content.text become the
// bodies, base64-decoded when their encoding is "base64". An entry without a response, with status 0 or -1, or with a
// failure (_error, _failureText) yields an exchange with Status 0 and NotCompleted saying why; a content without
// text whose size is not 0 sets ResponseBodyNotRecorded, a request whose bodySize is positive without postData
// text RequestBodyNotRecorded. A missing Content-Type header is taken from the
// body's mimeType. HTTP/2 pseudo-headers (":status") and custom "_" fields are ignored.
//
// Every error is a [*capture.LoadError]. A problem confined to one entry (no request, a bad URL, invalid base64, a body
// over the [capture.WithMaxBody] limit) is yielded with the entry's index and reading goes on with the next entry; a
// syntax error, a truncated file or an unreadable file is yielded once and ends the file. Read stops when
// ctx is done or the consumer stops the iteration.
func Read(ctx context.Context, path string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error] {
	return readHAR(ctx, path, capture.NewConfig(opts))
}

// Sniff reads a file found by walking a folder (a *.json file) as [Read] does, except that a file which does
// not look like a HAR (a top-level object whose first key is "log") yields nothing: the walk passes over it
// silently.
func Sniff(ctx context.Context, path string, opts ...capture.Option) iter.Seq2[*capture.Exchange, error] {
	return func(yield func(*capture.Exchange, error) bool) {
		ok, err := looksLikeHAR(path)
		if err != nil {
			yield(nil, capture.FileError(path, err))
			return
		}
		if ok {
			Read(ctx, path, opts...)(yield)
		}
	}
}

// sniffLimit is how much of a file is read to tell whether it is a HAR.
const sniffLimit = 64 << 10

const utf8BOM = "\xEF\xBB\xBF"

// looksLikeHAR reports whether a JSON file looks like a HAR: a top-level object whose first key is "log".
func looksLikeHAR(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, capture.OpenError(err)
	}
	defer f.Close()
	head := make([]byte, sniffLimit)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("reading: %w", err)
	}
	head = bytes.TrimPrefix(head[:n], []byte(utf8BOM))
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false, nil
	}
	tok, err := dec.Token()
	return err == nil && tok == "log", nil
}

// causeError prints msg and unwraps to err, for a message that says more than err without repeating it.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

func readHAR(ctx context.Context, path string, cfg *capture.Config) iter.Seq2[*capture.Exchange, error] {
	return func(yield func(*capture.Exchange, error) bool) {
		st, statErr := os.Stat(path)
		if statErr == nil && capture.NotRegular(st, false) != nil {
			yield(nil, capture.FileError(path, capture.NotRegular(st, false))) // never opened: a FIFO would block
			return
		}
		f, err := openFile(path)
		if err != nil {
			yield(nil, capture.FileError(path, capture.OpenError(err)))
			return
		}
		defer f.Close()
		if statErr != nil { // the path's Stat failed and its Open did not: ask the file
			st, statErr = f.Stat()
		}
		if statErr == nil && st.IsDir() {
			yield(nil, capture.FileError(path, errors.New("is a directory, not a HAR file")))
			return
		}
		newLazyHARStream(path, f, cfg).run(ctx, yield)
	}
}

// readChunk bounds each read from the file and each read the decoder makes, so the decoder never reads far past
// the value it is decoding and the size guard can attribute the bytes read to the current value.
const readChunk = 64 << 10

var errValueTooLarge = errors.New("value too large")

// harStream walks one HAR file with encoding/json's tokenizer down to log.entries and decodes the entries one
// at a time. It reads the file through a harFilter (filter.go), which takes the text bodies out of the JSON
// and reads each straight into a body of its exact size: the decoder buffers an entry without its bodies.
type harStream struct {
	file   string
	cfg    *capture.Config
	in     *harFilter
	bodies entryBodies   // the limit and the filter, which the entries' body fields point to
	dec    *json.Decoder // made when the slow path runs (run)
	lazy   fileSource    // newLazyHARStream's file, until the slow path reads it
	base   int64         // bytes before the decoder's input (a UTF-8 byte order mark)
	head   [len(utf8BOM)]byte

	// noFast reads the file with the slow path only; fastBuf, when positive, is the fast path's first buffer
	// size (tests).
	noFast  bool
	fastBuf int
	// ctxFrom is the first entry before which readEntries checks ctx: the slow path reading a file again after
	// the fast path gave up on it passes over what the fast path yielded, checks included.
	ctxFrom int
}

func newHARStream(file string, r io.Reader, cfg *capture.Config) *harStream {
	s := &harStream{file: file, cfg: cfg}
	s.open(r)
	return s
}

// fileSource is a file the fast path reads at offsets before the slow path, if it runs, reads it in turn.
type fileSource interface {
	io.Reader
	io.ReaderAt
}

// newLazyHARStream reads src from its start (where its offset is): the fast path reads it at offsets, and the
// slow path's filter, which reads it in order, is made only if the fast path gives up (run).
func newLazyHARStream(file string, src fileSource, cfg *capture.Config) *harStream {
	return &harStream{file: file, cfg: cfg, lazy: src}
}

// open makes the slow path's reader of r: it reads a byte order mark, if there is one, and the filter.
func (s *harStream) open(r io.Reader) {
	// An entry holds up to two bodies, escaped or base64-encoded (4/3 of the body). Twice the limit plus slack
	// takes one body at the limit in any common encoding; an entry larger than that is refused, with a message
	// that says so, rather than buffered whole.
	maxRaw := int64(math.MaxInt64)
	if s.cfg.MaxBody < (math.MaxInt64-(1<<20))/2 {
		maxRaw = 2*s.cfg.MaxBody + 1<<20
	}
	var base int64
	head := s.head[:]
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	if string(head) == utf8BOM {
		base, head = int64(n), nil
	}
	f := newHARFilter(r, head, s.cfg.MaxBody, maxRaw)
	s.in, s.bodies, s.base = f, entryBodies{limit: s.cfg.MaxBody, filter: f}, base
}

// mark records where the next value starts, for the size guard.
func (s *harStream) mark() { s.in.setStart(s.dec.InputOffset()) }

// fileOffset is the file offset of a decoder offset.
func (s *harStream) fileOffset(dec int64) int64 { return s.base + s.in.fileOf(dec) }

func (s *harStream) token() (json.Token, error) {
	s.mark()
	return s.dec.Token()
}

// more reports whether the current array or object has another element.
func (s *harStream) more() bool {
	s.mark()
	return s.dec.More()
}

// skip reads and discards one JSON value without copying it.
func (s *harStream) skip() error {
	s.mark()
	return s.dec.Decode(&skipValue{})
}

type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// streamError turns a decoder error into a capture.LoadError; index is the entry being read, or -1.
func (s *harStream) streamError(err error, index int) *capture.LoadError {
	le := &capture.LoadError{File: s.file, Index: index, Offset: -1}
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, errValueTooLarge):
		le.Offset = s.valueOffset()
		what := "a JSON value"
		if index >= 0 {
			what = "the entry"
		}
		le.Err = capture.OverLimit(fmt.Sprintf("%s is over %s of JSON, more than two bodies within the %s limit (--max-body) can take",
			what, capture.FormatSize(s.in.max), capture.FormatSize(s.cfg.MaxBody)))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF): // EOF where more JSON must follow
		le.Offset = s.base + s.in.n
		le.Err = &causeError{"unexpected end of JSON (truncated file?)", io.ErrUnexpectedEOF}
	case errors.As(err, &syn):
		le.Offset = s.syntaxOffset(syn)
		le.Err = fmt.Errorf("invalid JSON: %w", err)
	default:
		le.Err = fmt.Errorf("reading: %w", err)
	}
	return le
}

// valueOffset is the file offset of the next value or token: past the whitespace, commas and colons that
// follow the decoder's position, as far as its buffer shows them.
func (s *harStream) valueOffset() int64 {
	off := s.dec.InputOffset()
	r, ok := s.dec.Buffered().(io.ByteReader)
	if !ok {
		return s.fileOffset(off)
	}
	for {
		c, err := r.ReadByte()
		if err != nil {
			return s.fileOffset(off)
		}
		switch c {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return s.fileOffset(off)
		}
	}
}

// syntaxOffset finds the byte offset of a syntax error in the file. encoding/json's Decoder reports offsets
// that leave out the bytes its tokenizer consumed, so the unread part of its buffer (which begins where the
// failing value begins) is scanned again on its own.
func (s *harStream) syntaxOffset(syn *json.SyntaxError) int64 {
	var again *json.SyntaxError
	if err := json.NewDecoder(s.dec.Buffered()).Decode(&skipValue{}); errors.As(err, &again) {
		return s.fileOffset(s.dec.InputOffset() + max(again.Offset-1, 0))
	}
	return s.fileOffset(syn.Offset)
}

// run yields the file's exchanges; it returns when the file ends, on a stream-level error, or when the
// consumer stops.
func (s *harStream) run(ctx context.Context, yield func(*capture.Exchange, error) bool) {
	fast := func() (n int, done bool) { return 0, false }
	switch {
	case s.lazy != nil:
		fast = func() (int, bool) {
			buf := getFilterBuf()
			defer putFilterBuf(buf)
			return s.runFast(ctx, yield, s.lazy, 0, true, buf)
		}
	case !s.noFast && s.in.at != nil:
		fast = func() (int, bool) {
			// The fast path borrows the filter's buffer, which holds what the filter read (a byte order mark's
			// place), and gives it back as it was.
			f := s.in
			var head [len(utf8BOM)]byte
			nhead := copy(head[:], f.buf[:f.w])
			defer copy(f.buf, head[:nhead])
			return s.runFast(ctx, yield, f.at, f.atBase, false, f.buf)
		}
	}
	if n, done := fast(); done {
		if s.in != nil {
			s.in.close()
		}
		return
	} else if n > 0 {
		// The slow path reads the file again, from its start: it yields first what the fast path yielded.
		s.ctxFrom = n
		all := yield
		yield = func(ex *capture.Exchange, err error) bool {
			if n > 0 {
				n--
				return true
			}
			return all(ex, err)
		}
	}
	if s.in == nil {
		s.open(s.lazy)
	}
	defer s.in.close()
	s.dec = json.NewDecoder(s.in)
	at := s.valueOffset()
	tok, err := s.token()
	switch {
	case errors.Is(err, io.EOF):
		yield(nil, capture.FileError(s.file, errors.New("file is empty, not a HAR file")))
		return
	case err != nil:
		le := s.streamError(err, -1)
		le.Err = fmt.Errorf("not a HAR file: %w", le.Err)
		yield(nil, le)
		return
	case tok != json.Delim('{'):
		yield(nil, &capture.LoadError{File: s.file, Index: -1, Offset: at,
			Err: fmt.Errorf(`not a HAR file: the top-level JSON value is %s, want an object with a "log" key`, tokenKind(tok))})
		return
	}
	var sawLog bool
	for s.more() {
		key, err := s.token()
		if err != nil {
			yield(nil, s.streamError(err, -1))
			return
		}
		if key != "log" || sawLog {
			if err := s.skip(); err != nil {
				yield(nil, s.streamError(err, -1))
				return
			}
			continue
		}
		sawLog = true
		if !s.readLog(ctx, yield) {
			return
		}
	}
	if _, err := s.token(); err != nil { // the closing '}'
		yield(nil, s.streamError(err, -1))
		return
	}
	if !sawLog {
		yield(nil, capture.FileError(s.file, errors.New(`not a HAR file: no "log" object at the top level`)))
		return
	}
	at = s.valueOffset()
	if _, err := s.token(); !errors.Is(err, io.EOF) {
		le := &capture.LoadError{File: s.file, Index: -1, Offset: at, Err: errors.New("unexpected data after the HAR object")}
		if err != nil {
			le = s.streamError(err, -1)
		}
		yield(nil, le)
	}
}

// readLog reads the "log" object; it returns false when reading the file must stop.
func (s *harStream) readLog(ctx context.Context, yield func(*capture.Exchange, error) bool) bool {
	at := s.valueOffset()
	tok, err := s.token()
	if err != nil {
		yield(nil, s.streamError(err, -1))
		return false
	}
	if tok != json.Delim('{') {
		yield(nil, &capture.LoadError{File: s.file, Index: -1, Offset: at, Err: fmt.Errorf(`not a HAR file: "log" is %s, want an object`, tokenKind(tok))})
		return false
	}
	var sawEntries bool
	for s.more() {
		key, err := s.token()
		if err != nil {
			yield(nil, s.streamError(err, -1))
			return false
		}
		if key != "entries" || sawEntries {
			if err := s.skip(); err != nil {
				yield(nil, s.streamError(err, -1))
				return false
			}
			continue
		}
		at := s.valueOffset()
		tok, err := s.token()
		if err != nil {
			yield(nil, s.streamError(err, -1))
			return false
		}
		if tok == nil { // "entries": null is no entries array
			continue
		}
		if tok != json.Delim('[') {
			yield(nil, &capture.LoadError{File: s.file, Index: -1, Offset: at, Err: fmt.Errorf("log.entries is %s, want an array", tokenKind(tok))})
			return false
		}
		sawEntries = true
		if !s.readEntries(ctx, yield) {
			return false
		}
	}
	if _, err := s.token(); err != nil { // the closing '}' of log
		yield(nil, s.streamError(err, -1))
		return false
	}
	if !sawEntries {
		yield(nil, capture.FileError(s.file, errors.New("not a HAR file: log has no entries array")))
		return false
	}
	return true
}

// readEntries decodes the entries array one entry at a time; it returns false when reading must stop.
func (s *harStream) readEntries(ctx context.Context, yield func(*capture.Exchange, error) bool) bool {
	for i := 0; s.more(); i++ {
		if err := ctx.Err(); err != nil && i >= s.ctxFrom {
			yield(nil, capture.EntryError(s.file, i, fmt.Errorf("loading stopped: %w", err)))
			return false
		}
		// More left the decoder at the next value or at the comma before it.
		start := s.dec.InputOffset()
		var next [1]byte
		if n, _ := s.dec.Buffered().Read(next[:]); n == 1 && next[0] == ',' {
			start++
		}
		e := harEntry{
			Request:  &harRequest{PostData: &harPostData{bodies: &s.bodies}},
			Response: &harResponse{Content: harContent{bodies: &s.bodies}},
		}
		s.mark()
		err := s.dec.Decode(&e)
		s.in.release(s.dec.InputOffset())
		if err != nil {
			var typ *json.UnmarshalTypeError
			var bodyErr *harBodyError
			switch {
			case errors.As(err, &bodyErr):
				if !yield(nil, capture.EntryError(s.file, i, bodyErr.err)) {
					return false
				}
				continue
			case errors.As(err, &typ):
				le := capture.EntryError(s.file, i, typeError(typ))
				le.Offset = s.fileOffset(start + typ.Offset)
				if !yield(nil, le) {
					return false
				}
				continue
			}
			yield(nil, s.streamError(err, i))
			return false
		}
		ex, err := e.exchange(s.file, i)
		if err != nil {
			if !yield(nil, capture.EntryError(s.file, i, err)) {
				return false
			}
			continue
		}
		if !yield(ex, nil) {
			return false
		}
	}
	if _, err := s.token(); err != nil { // the closing ']'
		yield(nil, s.streamError(err, -1))
		return false
	}
	return true
}

// typeError explains a JSON value of the wrong type without Go type names.
func typeError(e *json.UnmarshalTypeError) error {
	field := e.Field
	if field == "" {
		field = "entry"
	}
	return fmt.Errorf("%s is a JSON %s, want %s", field, e.Value, jsonKindOf(e.Type.Kind().String()))
}

func jsonKindOf(goKind string) string {
	switch goKind {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "another type"
}

func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('[') {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the parts an exchange needs. Fields the loader does
// not use (timings, cache, cookies, custom "_" fields) are skipped by the decoder without being stored.
type harEntry struct {
	StartedDateTime string       `json:"startedDateTime"`
	Request         *harRequest  `json:"request"`
	Response        *harResponse `json:"response"`
}

type harRequest struct {
	Method   string         `json:"method"`
	URL      string         `json:"url"`
	Headers  []harNameValue `json:"headers"`
	PostData *harPostData   `json:"postData"`
	BodySize *int64         `json:"bodySize"` // -1 or absent: unknown
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harResponse struct {
	Status  int            `json:"status"`
	Headers []harNameValue `json:"headers"`
	Content harContent     `json:"content"`
	// Why the request failed, as browsers write it: Chrome DevTools' "_error", Playwright's "_failureText".
	Error       string `json:"_error"`
	FailureText string `json:"_failureText"`
}

// harContent is response.content. Its text is decoded in UnmarshalJSON, where the encoding and the limit are
// both known, straight from the decoder's buffer into a body of the exact size: no intermediate string.
type harContent struct {
	bodies   *entryBodies // nil in a struct encoding/json made anew: no body fits a limit of 0
	mimeType string
	body     []byte
	// notRecorded: content.text is absent while size is positive, -1 or absent (HAR 1.2 makes text optional;
	// Playwright's content 'omit' and browsers' exports without content leave it out).
	notRecorded bool
}

// harPostData is request.postData, decoded like harContent.
type harPostData struct {
	bodies   *entryBodies
	mimeType string
	body     []byte
}

// entryBodies is what the bodies of one file's entries share: the limit, and the file's filter, which holds the
// bodies its placeholders name (nil when the file is read without one).
type entryBodies struct {
	limit  int64
	filter *harFilter
}

// limitOf is the body limit; 0 for nil.
func (b *entryBodies) limitOf() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}

// filterOf is the filter; nil for nil.
func (b *entryBodies) filterOf() *harFilter {
	if b == nil {
		return nil
	}
	return b.filter
}

// harBodyError is a problem with one body (too large, bad base64): the entry is skipped, the stream goes on.
type harBodyError struct{ err error }

func (e *harBodyError) Error() string { return e.err.Error() }

// rawValue keeps the raw bytes of a JSON value without copying them; they are valid only while the
// surrounding UnmarshalJSON call runs.
type rawValue []byte

func (r *rawValue) UnmarshalJSON(b []byte) error {
	*r = b
	return nil
}

func (c *harContent) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var aux struct {
		MimeType string   `json:"mimeType"`
		Text     rawValue `json:"text"`
		Encoding string   `json:"encoding"`
		Size     *int64   `json:"size"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return &harBodyError{innerError(err, "response.content")}
	}
	c.mimeType = aux.MimeType
	c.notRecorded = aux.Text == nil && (aux.Size == nil || *aux.Size != 0)
	body, err := decodeHARText(c.bodies.filterOf(), aux.Text, aux.Encoding, c.bodies.limitOf(), "response.content", "response body")
	if err != nil {
		return &harBodyError{err}
	}
	c.body = body
	return nil
}

func (p *harPostData) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var aux struct {
		MimeType string         `json:"mimeType"`
		Text     rawValue       `json:"text"`
		Encoding string         `json:"encoding"` // not in HAR 1.2, but some exporters write it for binary bodies
		Params   []harNameValue `json:"params"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return &harBodyError{innerError(err, "request.postData")}
	}
	p.mimeType = aux.MimeType
	body, err := postDataBody(p.bodies.filterOf(), p.bodies.limitOf(), aux.MimeType, aux.Text, aux.Encoding, aux.Params)
	if err != nil {
		return &harBodyError{err}
	}
	p.body = body
	return nil
}

// innerError explains an error found while decoding a body object (content or postData), naming its full path.
func innerError(err error, prefix string) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		c := *typ
		c.Field = prefix + "." + typ.Field
		if typ.Field == "" {
			c.Field = prefix
		}
		return typeError(&c)
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// formBody rebuilds an application/x-www-form-urlencoded body from postData.params, in their order.
func formBody(params []harNameValue) []byte {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value))
	}
	return []byte(b.String())
}

// decodeHARText turns the raw JSON of a text field into body bytes, checking the size against limit before it
// allocates the body. raw is nil when the field is absent; an empty text is no body (nil). When raw is a
// placeholder of bodies (the file's filter), the body is the one the filter read.
func decodeHARText(bodies *harFilter, raw []byte, encoding string, limit int64, field, what string) ([]byte, error) {
	if s, ok := bodies.take(raw); ok { // the filter read this text (filter.go)
		return decodeBody(s, encoding, limit, field, what)
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '"' {
		return nil, fmt.Errorf("%s.text is a JSON %s, want a string", field, jsonValueKind(raw))
	}
	inner := raw[1 : len(raw)-1]
	escaped := bytes.IndexByte(inner, '\\') >= 0
	switch strings.ToLower(encoding) {
	case "":
		n := int64(len(inner))
		if escaped {
			n = unquotedLen(inner)
		}
		if n > limit {
			return nil, capture.BodyTooLarge(what, n, limit)
		}
		if n == 0 {
			return nil, nil
		}
		out := make([]byte, n)
		if escaped {
			unquoteInto(out, inner)
		} else {
			copy(out, inner)
		}
		return out, nil
	case "base64":
		src := inner
		if escaped { // base64 has nothing to escape, but "\/" and "\n" happen
			if n := unquotedLen(inner); n/4*3 > limit {
				return nil, capture.BodyTooLarge(what, n/4*3, limit)
			}
			src = make([]byte, unquotedLen(inner))
			unquoteInto(src, inner)
		}
		if n := base64Len(src); n > limit {
			return nil, capture.BodyTooLarge(what, n, limit)
		}
		out := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
		n, err := base64.StdEncoding.Decode(out, src)
		if err != nil {
			return nil, base64Error(field, encoding, err)
		}
		if n == 0 {
			return nil, nil
		}
		return out[:n], nil
	}
	return nil, unsupportedEncoding(field, encoding)
}

func base64Error(field, encoding string, err error) error {
	return fmt.Errorf("%s.text is not valid base64 (%s.encoding is %q): %w", field, field, encoding, err)
}

func unsupportedEncoding(field, encoding string) error {
	return fmt.Errorf(`%s.encoding %q is not supported (want "base64" or no encoding)`, field, encoding)
}

// base64Len is the decoded length of standard base64 text, ignoring line breaks and padding.
func base64Len(src []byte) int64 {
	n := int64(len(src)) - int64(bytes.Count(src, []byte{'\n'})) - int64(bytes.Count(src, []byte{'\r'}))
	for i := len(src) - 1; i >= 0 && (src[i] == '=' || src[i] == '\n' || src[i] == '\r'); i-- {
		if src[i] == '=' {
			n--
		}
	}
	return n * 6 / 8
}

func jsonValueKind(raw []byte) string {
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	}
	return "number"
}

// unquotedLen is the length of the body a JSON string's contents (without quotes, already validated by the
// decoder) decode to. Invalid UTF-8 is kept as is and a lone surrogate becomes U+FFFD, as encoding/json does.
func unquotedLen(s []byte) int64 {
	var n int64
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 >= len(s) {
			n++
			i++
			continue
		}
		if s[i+1] != 'u' {
			n++
			i += 2
			continue
		}
		r, size := unquoteRune(s[i:])
		n += int64(utf8.RuneLen(r))
		i += size
	}
	return n
}

// unquoteInto decodes a JSON string's contents into dst, which has exactly unquotedLen(s) bytes.
func unquoteInto(dst, s []byte) {
	w := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			dst[w] = c
			w++
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'u':
			r, size := unquoteRune(s[i:])
			w += utf8.EncodeRune(dst[w:], r)
			i += size
			continue
		default: // '"', '\\', '/' and anything else stand for themselves
			c = s[i+1]
		}
		dst[w] = c
		w++
		i += 2
	}
}

// unquoteRune decodes a \uXXXX escape (and its low surrogate, if it starts a pair) at the start of s.
func unquoteRune(s []byte) (rune, int) {
	r, ok := hex4(s)
	if !ok {
		return utf8.RuneError, 2
	}
	if utf16.IsSurrogate(r) {
		if r2, ok := hex4(s[6:]); ok && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 12
			}
		}
		return utf8.RuneError, 6
	}
	return r, 6
}

// hex4 reads "\uXXXX" at the start of s.
func hex4(s []byte) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// exchange converts a decoded entry.
func (e *harEntry) exchange(file string, index int) (*capture.Exchange, error) {
	req := e.Request
	if req == nil || (req.Method == "" && req.URL == "") {
		return nil, errors.New("entry has no request")
	}
	if req.Method == "" {
		return nil, errors.New("request.method is missing")
	}
	if req.URL == "" {
		return nil, errors.New("request.url is missing")
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("request.url is not a URL: %w", err)
	}
	// The header values of the request and the response share one array (harHeader).
	nvals := len(req.Headers)
	if e.Response != nil {
		nvals += len(e.Response.Headers)
	}
	vals := make([]string, nvals)
	ex := &capture.Exchange{Source: file, Index: index, Method: req.Method, URL: u, RequestHeader: harHeader(req.Headers, vals[:len(req.Headers)])}
	// The exchange's time is the server's clock where the response has a Date header (the rules compare the
	// vendor's states with the vendor's now, and a recording of a server with another clock, such as the mock's
	// fixed now, must agree with itself), else the recorder's startedDateTime. A malformed startedDateTime is not
	// worth refusing the entry for: the time is then unknown.
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		ex.Time = t
	}
	if req.PostData != nil && req.PostData.body != nil {
		ex.RequestBody = req.PostData.body
		defaultContentType(ex.RequestHeader, req.PostData.mimeType)
	}
	if ex.RequestBody == nil && req.BodySize != nil && *req.BodySize > 0 {
		ex.RequestBodyNotRecorded = true // a body was sent (bodySize) and postData holds none of it
	}
	res := e.Response
	switch {
	case res == nil || (res.Status == 0 && res.Headers == nil && res.FailureText == "" && res.Error == ""):
		ex.NotCompleted = "no response recorded" // (readEntries allocates the response: no status, no headers)
		return ex, nil
	case res.FailureText != "" || res.Error != "" || res.Status == 0 || res.Status == -1:
		// A request that never completed (cancelled, blocked, a network error): Playwright writes status -1 and
		// _failureText, Chrome DevTools status 0 and _error, other exporters status 0.
		ex.NotCompleted = cmp.Or(res.FailureText, res.Error, fmt.Sprintf("status %d", res.Status))
		return ex, nil
	case res.Status < 100 || res.Status > 999:
		return nil, fmt.Errorf("response.status %d is not an HTTP status code", res.Status)
	}
	ex.Status = res.Status
	ex.ResponseHeader = harHeader(res.Headers, vals[len(req.Headers):])
	if d := capture.DateHeader(ex.ResponseHeader); !d.IsZero() {
		ex.Time = d
	}
	if res.Content.body != nil {
		ex.ResponseBody = res.Content.body
		defaultContentType(ex.ResponseHeader, res.Content.mimeType)
	}
	ex.ResponseBodyNotRecorded = res.Content.notRecorded
	return ex, nil
}

// harHeader builds an http.Header from a HAR header list, in canonical form, without HTTP/2 pseudo-headers. The
// values of the names met once are in vals, which has len(list) places (each slice capped: appending to one
// copies it).
func harHeader(list []harNameValue, vals []string) http.Header {
	h := make(http.Header, len(list))
	k := 0
	for _, nv := range list {
		name := strings.TrimSpace(nv.Name)
		if name == "" || strings.HasPrefix(name, ":") {
			continue
		}
		key := textproto.CanonicalMIMEHeaderKey(name) // as h.Add
		if old, ok := h[key]; ok {
			h[key] = append(old, nv.Value)
			continue
		}
		vals[k] = nv.Value
		h[key] = vals[k : k+1 : k+1]
		k++
	}
	return h
}

func defaultContentType(h http.Header, mimeType string) {
	if h.Get("Content-Type") == "" && mimeType != "" {
		h.Set("Content-Type", mimeType)
	}
}
