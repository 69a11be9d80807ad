package har

// The HAR stream as it was before harfilter.go (commit 424fd04), kept verbatim but for its names, as the reference
// FuzzReadHARMatchesLegacy holds the streaming loader to: same exchanges, same errors, same offsets.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/apikit/apikit/capture"
)

// legacyGuardReader counts the bytes read and refuses to read more once the value being decoded spans more than max
// bytes. It bounds the memory the JSON decoder's buffer can take on a hostile or oversized file.
type legacyGuardReader struct {
	r     io.Reader
	n     int64 // bytes read so far (after the BOM, if any)
	start int64 // decoder offset where the current value starts
	max   int64 // most bytes one value may span
}

func (g *legacyGuardReader) Read(p []byte) (int, error) {
	if g.n-g.start > g.max {
		return 0, errValueTooLarge
	}
	if len(p) > readChunk {
		p = p[:readChunk]
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// legacyHARStream walks one HAR file with encoding/json's tokenizer down to log.entries and decodes the entries one
// at a time.
type legacyHARStream struct {
	file string
	cfg  *capture.Config
	in   *legacyGuardReader
	dec  *json.Decoder
	base int64 // bytes before the decoder's input (a UTF-8 byte order mark)
	// bodies is the body limit the entries share (with no filter: the legacy stream reads bodies as JSON text).
	bodies *entryBodies
}

func newLegacyHARStream(file string, r io.Reader, cfg *capture.Config) *legacyHARStream {
	// An entry holds up to two bodies, escaped or base64-encoded (4/3 of the body). Twice the limit plus slack
	// takes one body at the limit in any common encoding; an entry larger than that is refused, with a message
	// that says so, rather than buffered whole.
	maxRaw := int64(math.MaxInt64)
	if cfg.MaxBody < (math.MaxInt64-(1<<20))/2 {
		maxRaw = 2*cfg.MaxBody + 1<<20
	}
	var base int64
	head := make([]byte, len(utf8BOM))
	n, _ := io.ReadFull(r, head)
	if string(head[:n]) == utf8BOM {
		base = int64(n)
	} else {
		r = io.MultiReader(bytes.NewReader(head[:n]), r)
	}
	g := &legacyGuardReader{r: r, max: maxRaw}
	return &legacyHARStream{file: file, cfg: cfg, in: g, dec: json.NewDecoder(g), base: base, bodies: &entryBodies{limit: cfg.MaxBody}}
}

// mark records where the next value starts, for the size guard.
func (s *legacyHARStream) mark() { s.in.start = s.dec.InputOffset() }

func (s *legacyHARStream) token() (json.Token, error) {
	s.mark()
	return s.dec.Token()
}

// more reports whether the current array or object has another element.
func (s *legacyHARStream) more() bool {
	s.mark()
	return s.dec.More()
}

// skip reads and discards one JSON value without copying it.
func (s *legacyHARStream) skip() error {
	s.mark()
	return s.dec.Decode(&legacySkipValue{})
}

type legacySkipValue struct{}

func (*legacySkipValue) UnmarshalJSON([]byte) error { return nil }

// streamError turns a decoder error into a capture.LoadError; index is the entry being read, or -1.
func (s *legacyHARStream) streamError(err error, index int) *capture.LoadError {
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
func (s *legacyHARStream) valueOffset() int64 {
	off := s.base + s.dec.InputOffset()
	r, ok := s.dec.Buffered().(io.ByteReader)
	if !ok {
		return off
	}
	for {
		c, err := r.ReadByte()
		if err != nil {
			return off
		}
		switch c {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return off
		}
	}
}

// syntaxOffset finds the byte offset of a syntax error in the file. encoding/json's Decoder reports offsets
// that leave out the bytes its tokenizer consumed, so the unread part of its buffer (which begins where the
// failing value begins) is scanned again on its own.
func (s *legacyHARStream) syntaxOffset(syn *json.SyntaxError) int64 {
	var again *json.SyntaxError
	if err := json.NewDecoder(s.dec.Buffered()).Decode(&legacySkipValue{}); errors.As(err, &again) {
		return s.base + s.dec.InputOffset() + max(again.Offset-1, 0)
	}
	return s.base + syn.Offset
}

// run yields the file's exchanges; it returns when the file ends, on a stream-level error, or when the
// consumer stops.
func (s *legacyHARStream) run(ctx context.Context, yield func(*capture.Exchange, error) bool) {
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
func (s *legacyHARStream) readLog(ctx context.Context, yield func(*capture.Exchange, error) bool) bool {
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
func (s *legacyHARStream) readEntries(ctx context.Context, yield func(*capture.Exchange, error) bool) bool {
	for i := 0; s.more(); i++ {
		if err := ctx.Err(); err != nil {
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
			Request:  &harRequest{PostData: &harPostData{bodies: s.bodies}},
			Response: &harResponse{Content: harContent{bodies: s.bodies}},
		}
		s.mark()
		err := s.dec.Decode(&e)
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
				le.Offset = s.base + start + typ.Offset
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
