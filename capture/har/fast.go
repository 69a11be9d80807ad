package har

// The fast path of Read: a hand-written decoder for the HARs the loader meets most, many small entries.
//
// encoding/json decodes an entry by reflection, scanning its text twice and building each string on its own: on
// a folder of small recordings that was half of apikit validate's time. fastReader reads the file in one buffer
// (the filter's size, from its pool; grown up to fastUnitMax when an entry is longer) and decodes each entry in one pass, with no
// reflection: it validates the JSON as encoding/json's scanner does, matches the keys the loader reads exactly,
// unescapes every string the exchange keeps into one buffer that becomes one string per entry, and hands the
// result to the same conversion the slow path uses (harEntry.exchange).
//
// It only ever yields what the slow path (harStream through harFilter and encoding/json) would yield, and it
// gives up on anything it does not decode exactly as encoding/json would: a syntax error, a value of the wrong
// type, a key that matches a field only by case folding or that holds an escape, a duplicate field, an entry the
// conversion refuses, a body over the limit, a string with invalid UTF-8, an entry longer than fastUnitMax. Then
// the slow path reads the file again from the start and the exchanges the fast path already yielded are passed
// over (run), so every error keeps encoding/json's message and its offset. FuzzReadHARMatchesLegacy holds both to
// the legacy reader.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/apikit/apikit/capture"
)

// fastUnitMax bounds what the fast path holds at once: the part of the file before the first entry, one entry
// (with the separator before it), or the part after the last. Half the smallest size guard of the slow path
// (1 MiB, newHARStream) would do: a unit the fast path accepts never trips the guard there. The buffer grows to
// it in one step, so a file whose first entry is larger (one large body) costs it one such buffer.
const fastUnitMax = 256 << 10

// fastDepthMax is the deepest nesting the fast path skips over; deeper input goes to the slow path.
const fastDepthMax = 1000

var (
	errFastShort = errors.New("more input needed") // the unit runs past the buffer: read more and start it again
	errFastBail  = errors.New("not for the fast path")
)

// span is a string of the entry: arena[off:end].
type span struct{ off, end int32 }

// fastNV is a name and a value (a header, a form parameter).
type fastNV struct{ name, value span }

// rawText is a text field (content.text, postData.text) as it is in the buffer: buf[start:end] is its JSON
// value, a string or null.
type rawText struct {
	present    bool
	start, end int
}

// fastEntry is one entry as the fast path decodes it, before its strings become strings.
type fastEntry struct {
	started span

	method, url    span
	reqHeaders     []fastNV
	postDataNull   bool
	postMime       span
	postEnc        span
	postText       rawText
	params         []fastNV
	bodySizeSet    bool
	bodySize       int64
	resNull        bool
	status         int
	resHeaders     []fastNV
	resHeadersSet  bool
	contentObj     bool // content was an object (content's UnmarshalJSON ran)
	contentMime    span
	contentEnc     span
	contentText    rawText
	contentSizeSet bool
	contentSize    int64
	errText        span
	failureText    span
}

func (e *fastEntry) reset() {
	reqHeaders, resHeaders, params := e.reqHeaders[:0], e.resHeaders[:0], e.params[:0]
	*e = fastEntry{reqHeaders: reqHeaders, resHeaders: resHeaders, params: params}
}

// fastReader reads one file for the fast path.
type fastReader struct {
	src  io.ReaderAt
	base int64 // offset in src of the file's first byte (after a byte order mark)
	buf  []byte
	w    int   // buf[:w] holds the file from off on
	off  int64 // file offset of buf[0]
	eof  bool  // buf[:w] reaches the end of the file
	i    int   // the next byte to decode

	arena []byte // the current entry's strings
	e     fastEntry
	// The entry handed to exchange, reused.
	he  harEntry
	req harRequest
	res harResponse
	pd  harPostData
	nvs []harNameValue
}

// fastReaders keeps fastReaders (their slices grown to the entries met) from one file to the next: a folder of
// small recordings would otherwise grow them anew for each file.
var fastReaders sync.Pool

func getFastReader(src io.ReaderAt, base int64, buf []byte) *fastReader {
	r, ok := fastReaders.Get().(*fastReader)
	if !ok {
		r = &fastReader{}
	}
	r.src, r.base, r.buf = src, base, buf
	return r
}

// putFastReader forgets the file (and the strings of its last entry) and keeps the rest for the next file.
func putFastReader(r *fastReader) {
	clear(r.nvs)
	e := fastEntry{reqHeaders: r.e.reqHeaders[:0], resHeaders: r.e.resHeaders[:0], params: r.e.params[:0]}
	*r = fastReader{arena: r.arena[:0], e: e, nvs: r.nvs[:0]}
	fastReaders.Put(r)
}

// runFast reads the file with the fast path. done is false when it gave up: the slow path must read the file
// again and pass over the first n items, which the fast path yielded. done is true when the file was read to
// its end or the consumer stopped.
//
// It reads src from offset base on, in buf (grown as needed, never kept), skipping a byte order mark there when
// bom says so.
func (s *harStream) runFast(ctx context.Context, yield func(*capture.Exchange, error) bool, src io.ReaderAt, base int64, bom bool, buf []byte) (n int, done bool) {
	r := getFastReader(src, base, buf)
	if s.fastBuf > 0 {
		r.buf = make([]byte, s.fastBuf)
	}
	defer putFastReader(r)
	if bom && r.unit(r.bom) != nil {
		return 0, false
	}
	if r.unit(r.prefix) != nil {
		return 0, false
	}
	for i := 0; ; i++ {
		var more, stop bool
		err := r.unit(func() error {
			var err error
			more, err = r.next(i == 0)
			if err != nil || !more {
				return err
			}
			if ctx.Err() != nil {
				stop = true
				return nil
			}
			return r.entry()
		})
		switch {
		case err != nil:
			return n, false
		case stop:
			yield(nil, capture.EntryError(s.file, i, fmt.Errorf("loading stopped: %w", ctx.Err())))
			return n, true
		case !more:
			if r.unit(r.suffix) != nil {
				return n, false
			}
			return n, true
		}
		ex, err := r.exchange(s.file, i, s.cfg.MaxBody)
		if err != nil {
			return n, false
		}
		n++
		if !yield(ex, nil) {
			return n, true
		}
	}
}

// unit runs decode from the current position, and again from the same position with more of the file in the
// buffer as long as it runs short.
func (r *fastReader) unit(decode func() error) error {
	for {
		start := r.i
		err := decode()
		if err != errFastShort {
			return err
		}
		r.i = start
		if !r.fill() {
			return errFastBail
		}
	}
}

// fill reads more of the file, keeping buf[i:w] (moved to the start of buf, which grows when it is full, up to
// fastUnitMax). It returns false at the end of the file, on a read error, or when the unit is too long.
func (r *fastReader) fill() bool {
	if r.eof {
		return false
	}
	if r.i > 0 {
		copy(r.buf, r.buf[r.i:r.w])
		r.off += int64(r.i)
		r.w -= r.i
		r.i = 0
	}
	if r.w == len(r.buf) {
		if len(r.buf) >= fastUnitMax {
			return false
		}
		grown := make([]byte, fastUnitMax)
		copy(grown, r.buf[:r.w])
		r.buf = grown
	}
	n, err := r.src.ReadAt(r.buf[r.w:], r.base+r.off+int64(r.w))
	r.w += n
	switch {
	case errors.Is(err, io.EOF):
		r.eof = true
	case err != nil:
		return false
	}
	return true
}

// short is the error of a unit that reached the end of the buffer: read more, unless the file ends there.
func (r *fastReader) short() error {
	if r.eof {
		return errFastBail
	}
	return errFastShort
}

// peek skips white space and returns the next byte.
func (r *fastReader) peek() (byte, error) {
	b := r.buf[:r.w]
	for r.i < len(b) {
		switch c := b[r.i]; c {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return c, nil
		}
	}
	return 0, r.short()
}

// expect consumes the byte c, after white space.
func (r *fastReader) expect(c byte) error {
	got, err := r.peek()
	if err != nil {
		return err
	}
	if got != c {
		return errFastBail
	}
	r.i++
	return nil
}

// bom skips a UTF-8 byte order mark at the start of the file.
func (r *fastReader) bom() error {
	b := r.buf[r.i:r.w]
	n := min(len(b), len(utf8BOM))
	if string(b[:n]) != utf8BOM[:n] {
		return nil
	}
	if n < len(utf8BOM) {
		if r.eof {
			return nil // the start of a mark, which the decoder refuses
		}
		return errFastShort
	}
	r.i += n
	return nil
}

// prefix decodes the file up to the '[' of log.entries: the loader reads the first "log" member of the top-level
// object and the first "entries" member of log that is not null.
func (r *fastReader) prefix() error {
	if err := r.expect('{'); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, err := r.key(first)
		if err != nil {
			return err
		}
		if key == nil || bytes.IndexByte(key, '\\') >= 0 {
			return errFastBail // the object ends without "log", or a key to unescape
		}
		if string(key) != "log" {
			if err := r.skip(0); err != nil {
				return err
			}
			continue
		}
		if err := r.expect('{'); err != nil {
			return err
		}
		for first := true; ; first = false {
			key, err := r.key(first)
			if err != nil {
				return err
			}
			if key == nil || bytes.IndexByte(key, '\\') >= 0 {
				return errFastBail
			}
			if string(key) != "entries" {
				if err := r.skip(0); err != nil {
					return err
				}
				continue
			}
			c, err := r.peek()
			if err != nil {
				return err
			}
			switch c {
			case '[':
				r.i++
				return nil
			case 'n':
				if err := r.literal("null"); err != nil {
					return err
				}
				continue
			}
			return errFastBail
		}
	}
}

// suffix decodes the file after the ']' of log.entries to its end: the rest of log, the rest of the top-level
// object, white space.
func (r *fastReader) suffix() error {
	for range 2 { // log, then the top-level object
		for {
			c, err := r.peek()
			if err != nil {
				return err
			}
			r.i++
			if c == '}' {
				break
			}
			if c != ',' {
				return errFastBail
			}
			if _, err := r.peek(); err != nil {
				return err
			}
			if _, err := r.string(); err != nil {
				return err
			}
			if err := r.expect(':'); err != nil {
				return err
			}
			if err := r.skip(0); err != nil {
				return err
			}
		}
	}
	if _, err := r.peek(); err == nil {
		return errFastBail // data after the HAR object
	}
	if !r.eof {
		return errFastShort
	}
	return nil
}

// key reads the next member's key of an object and the colon after it; nil at the end of the object. first says
// whether the object's '{' was the last byte read.
func (r *fastReader) key(first bool) ([]byte, error) {
	c, err := r.peek()
	if err != nil {
		return nil, err
	}
	switch {
	case c == '}':
		r.i++
		return nil, nil
	case !first:
		if c != ',' {
			return nil, errFastBail
		}
		r.i++
		if c, err = r.peek(); err != nil {
			return nil, err
		}
	}
	if c != '"' {
		return nil, errFastBail
	}
	s, err := r.string()
	if err != nil {
		return nil, err
	}
	if err := r.expect(':'); err != nil {
		return nil, err
	}
	return r.buf[s.start+1 : s.end-1], nil
}

// strSpan is a JSON string in the buffer, quotes included.
type strSpan struct {
	start, end int
	escaped    bool // it holds a backslash
	nonASCII   bool // it holds a byte of 0x80 or more
}

// strStop marks the bytes that end a run of plain ASCII text in a JSON string.
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// string reads the JSON string at i, validating it as encoding/json's scanner does.
func (r *fastReader) string() (strSpan, error) {
	b := r.buf[:r.w]
	s := strSpan{start: r.i}
	if r.i >= len(b) {
		return s, r.short()
	}
	if b[r.i] != '"' {
		return s, errFastBail
	}
	i := r.i + 1
	for {
		for i < len(b) && !strStop[b[i]] {
			i++
		}
		if i >= len(b) {
			return s, r.short()
		}
		switch c := b[i]; {
		case c == '"':
			s.end = i + 1
			r.i = i + 1
			return s, nil
		case c < 0x20:
			return s, errFastBail
		case c >= 0x80:
			s.nonASCII = true
			i++
			continue
		}
		s.escaped = true
		if i+1 >= len(b) {
			return s, r.short()
		}
		switch b[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(b) {
				return s, r.short()
			}
			for _, h := range b[i+2 : i+6] {
				if !isHexDigit(h) {
					return s, errFastBail
				}
			}
			i += 6
		default:
			return s, errFastBail
		}
	}
}

// literal reads true, false or null.
func (r *fastReader) literal(lit string) error {
	b := r.buf[r.i:r.w]
	n := min(len(b), len(lit))
	if string(b[:n]) != lit[:n] {
		return errFastBail
	}
	if n < len(lit) {
		return r.short()
	}
	r.i += n
	return r.delimited()
}

// delimited checks that the value just read ends there (a number or literal runs on to the next delimiter).
func (r *fastReader) delimited() error {
	if r.i >= r.w {
		if r.eof {
			return nil
		}
		return errFastShort
	}
	switch r.buf[r.i] {
	case ' ', '\t', '\n', '\r', ',', ']', '}', ':':
		return nil
	}
	return errFastBail
}

// number reads a JSON number and returns its text.
func (r *fastReader) number() ([]byte, error) {
	b := r.buf[:r.w]
	i := r.i
	digits := func() int {
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return nil, r.short()
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		digits()
	default:
		return nil, errFastBail
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			if i >= len(b) {
				return nil, r.short()
			}
			return nil, errFastBail
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			if i >= len(b) {
				return nil, r.short()
			}
			return nil, errFastBail
		}
	}
	start := r.i
	r.i = i
	if err := r.delimited(); err != nil {
		return nil, err
	}
	return b[start:i], nil
}

// skip reads one JSON value of any kind, validating it, at nesting depth depth.
func (r *fastReader) skip(depth int) error {
	c, err := r.peek()
	if err != nil {
		return err
	}
	switch c {
	case '"':
		_, err := r.string()
		return err
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	case '{', '[':
		if depth >= fastDepthMax {
			return errFastBail
		}
		r.i++
		if c == '{' {
			for first := true; ; first = false {
				key, err := r.key(first)
				if err != nil || key == nil {
					return err
				}
				if err := r.skip(depth + 1); err != nil {
					return err
				}
			}
		}
		for first := true; ; first = false {
			more, err := r.elem(first)
			if err != nil || !more {
				return err
			}
			if err := r.skip(depth + 1); err != nil {
				return err
			}
		}
	}
	if c == '-' || '0' <= c && c <= '9' {
		_, err := r.number()
		return err
	}
	return errFastBail
}

// elem reads up to the next element of an array; false at its end. first says whether the array's '[' was the
// last byte read.
func (r *fastReader) elem(first bool) (bool, error) {
	c, err := r.peek()
	if err != nil {
		return false, err
	}
	if c == ']' {
		r.i++
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, errFastBail
		}
		r.i++
	}
	return true, nil
}

// next reads up to the next entry of log.entries; false at the ']' that ends it. The slow path checks ctx where
// the fast path returns true: where its Decoder's More sees something else than the end of the array.
func (r *fastReader) next(first bool) (bool, error) {
	c, err := r.peek()
	switch {
	case err != nil:
		return false, err
	case c == ']':
		r.i++
		return false, nil
	case c == '}':
		return false, errFastBail
	}
	if !first {
		if c != ',' {
			return false, errFastBail
		}
		r.i++
	}
	return true, nil
}

// fieldSet tracks the fields of one object already read: a field read twice goes to the slow path (encoding/json
// merges objects and keeps the last scalar).
type fieldSet uint16

func (s *fieldSet) once(bit fieldSet) error {
	if *s&bit != 0 {
		return errFastBail
	}
	*s |= bit
	return nil
}

// other skips the value of a key that is none of fields, unless encoding/json could match it to one of them
// (case folding: any ASCII case, and non-ASCII letters such as "ſ" for "s"), or it holds an escape.
func (r *fastReader) other(key []byte, fields ...string) error {
	for _, c := range key {
		if c >= utf8.RuneSelf || c == '\\' {
			return errFastBail
		}
	}
	for _, f := range fields {
		if len(key) == len(f) && bytes.EqualFold(key, []byte(f)) {
			return errFastBail
		}
	}
	return r.skip(2)
}

// text reads a string value into the arena; null leaves *dst as it is, as encoding/json does.
func (r *fastReader) text(dst *span) error {
	c, err := r.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		return r.literal("null")
	}
	s, err := r.string()
	if err != nil {
		return err
	}
	raw := r.buf[s.start+1 : s.end-1]
	if s.nonASCII && !utf8.Valid(raw) {
		return errFastBail // encoding/json makes each invalid byte U+FFFD
	}
	off := len(r.arena)
	if !s.escaped {
		r.arena = append(r.arena, raw...)
	} else {
		n := int(unquotedLen(raw))
		r.arena = append(r.arena, make([]byte, n)...)
		unquoteInto(r.arena[off:], raw)
	}
	if len(r.arena) > fastUnitMax {
		return errFastBail
	}
	*dst = span{int32(off), int32(len(r.arena))}
	return nil
}

// integer reads an integer value (encoding/json refuses a fraction or an exponent for an integer field); set is
// false for null.
func (r *fastReader) integer() (n int64, set bool, err error) {
	c, err := r.peek()
	if err != nil {
		return 0, false, err
	}
	if c == 'n' {
		return 0, false, r.literal("null")
	}
	num, err := r.number()
	if err != nil {
		return 0, false, err
	}
	neg := num[0] == '-'
	if neg {
		num = num[1:]
	}
	var u uint64
	for _, d := range num {
		if d < '0' || d > '9' || u > (1<<63)/10 {
			return 0, false, errFastBail
		}
		u = u*10 + uint64(d-'0')
	}
	if u > 1<<63 || (!neg && u == 1<<63) {
		return 0, false, errFastBail
	}
	if neg {
		return -int64(u), true, nil
	}
	return int64(u), true, nil
}

// rawText reads a text field's value: a string or null (anything else is an error the slow path reports).
func (r *fastReader) rawText(dst *rawText) error {
	c, err := r.peek()
	if err != nil {
		return err
	}
	start := r.i
	if c == 'n' {
		err = r.literal("null")
	} else {
		_, err = r.string()
	}
	*dst = rawText{present: true, start: start, end: r.i}
	return err
}

// object reads an object value member by member.
func (r *fastReader) object(member func(key []byte) error) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, err := r.key(first)
		if err != nil || key == nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
	}
}

// isNull reads null if it is next.
func (r *fastReader) isNull() (bool, error) {
	c, err := r.peek()
	if err != nil || c != 'n' {
		return false, err
	}
	return true, r.literal("null")
}

// nameValues reads a list of {"name", "value"} objects (headers, params); set is false for null.
func (r *fastReader) nameValues(dst *[]fastNV, canonical bool) (set bool, err error) {
	if null, err := r.isNull(); null || err != nil {
		*dst = (*dst)[:0]
		return false, err
	}
	if err := r.expect('['); err != nil {
		return false, err
	}
	*dst = (*dst)[:0]
	for first := true; ; first = false {
		more, err := r.elem(first)
		if err != nil || !more {
			return true, err
		}
		var nv fastNV
		if null, err := r.isNull(); err != nil {
			return true, err
		} else if !null {
			var seen fieldSet
			err := r.object(func(key []byte) error {
				switch string(key) {
				case "name":
					if err := seen.once(1); err != nil {
						return err
					}
					return r.text(&nv.name)
				case "value":
					if err := seen.once(2); err != nil {
						return err
					}
					return r.text(&nv.value)
				}
				return r.other(key, "name", "value")
			})
			if err != nil {
				return true, err
			}
			if canonical {
				nv.name = r.headerName(nv.name)
			}
		}
		*dst = append(*dst, nv)
	}
}

// headerName trims a header name as harHeader does and puts it in canonical form in the arena, as
// textproto.CanonicalMIMEHeaderKey would: harHeader then finds it canonical and allocates nothing.
func (r *fastReader) headerName(s span) span {
	name := r.arena[s.off:s.end]
	left := bytes.TrimLeftFunc(name, unicode.IsSpace) // strings.TrimSpace's white space
	trimmed := bytes.TrimRightFunc(left, unicode.IsSpace)
	s.off += int32(len(name) - len(left))
	s.end = s.off + int32(len(trimmed))
	for _, c := range trimmed {
		if !validHeaderFieldByte(c) {
			return s
		}
	}
	upper := true
	for i, c := range trimmed {
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		trimmed[i] = c
		upper = c == '-'
	}
	return s
}

// validHeaderFieldByte is textproto's: the bytes of a header name it puts in canonical form.
func validHeaderFieldByte(c byte) bool {
	return c < utf8.RuneSelf && headerFieldByte[c]
}

var headerFieldByte = func() (t [utf8.RuneSelf]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// entry reads one element of log.entries.
func (r *fastReader) entry() error {
	r.e.reset()
	r.arena = r.arena[:0]
	e := &r.e
	var seen fieldSet
	return r.object(func(key []byte) error {
		switch string(key) {
		case "startedDateTime":
			if err := seen.once(1); err != nil {
				return err
			}
			return r.text(&e.started)
		case "request":
			if err := seen.once(2); err != nil {
				return err
			}
			if null, err := r.isNull(); null || err != nil {
				return cmpErr(err, errFastBail) // an entry without a request is an error
			}
			return r.request()
		case "response":
			if err := seen.once(4); err != nil {
				return err
			}
			null, err := r.isNull()
			if null || err != nil {
				e.resNull = null
				return err
			}
			return r.response()
		}
		return r.other(key, "startedDateTime", "request", "response")
	})
}

// cmpErr is err, or alt when err is nil.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

func (r *fastReader) request() error {
	e := &r.e
	var seen fieldSet
	return r.object(func(key []byte) error {
		switch string(key) {
		case "method":
			if err := seen.once(1); err != nil {
				return err
			}
			return r.text(&e.method)
		case "url":
			if err := seen.once(2); err != nil {
				return err
			}
			return r.text(&e.url)
		case "headers":
			if err := seen.once(4); err != nil {
				return err
			}
			_, err := r.nameValues(&e.reqHeaders, true)
			return err
		case "postData":
			if err := seen.once(8); err != nil {
				return err
			}
			null, err := r.isNull()
			if null || err != nil {
				e.postDataNull = null
				return err
			}
			return r.postData()
		case "bodySize":
			if err := seen.once(16); err != nil {
				return err
			}
			var err error
			e.bodySize, e.bodySizeSet, err = r.integer()
			return err
		}
		return r.other(key, "method", "url", "headers", "postData", "bodySize")
	})
}

func (r *fastReader) postData() error {
	e := &r.e
	var seen fieldSet
	return r.object(func(key []byte) error {
		switch string(key) {
		case "mimeType":
			if err := seen.once(1); err != nil {
				return err
			}
			return r.text(&e.postMime)
		case "text":
			if err := seen.once(2); err != nil {
				return err
			}
			return r.rawText(&e.postText)
		case "encoding":
			if err := seen.once(4); err != nil {
				return err
			}
			return r.text(&e.postEnc)
		case "params":
			if err := seen.once(8); err != nil {
				return err
			}
			_, err := r.nameValues(&e.params, false)
			return err
		}
		return r.other(key, "mimeType", "text", "encoding", "params")
	})
}

func (r *fastReader) response() error {
	e := &r.e
	var seen fieldSet
	return r.object(func(key []byte) error {
		switch string(key) {
		case "status":
			if err := seen.once(1); err != nil {
				return err
			}
			n, set, err := r.integer()
			if set {
				e.status = int(n)
				if int64(e.status) != n {
					return errFastBail
				}
			}
			return err
		case "headers":
			if err := seen.once(2); err != nil {
				return err
			}
			var err error
			e.resHeadersSet, err = r.nameValues(&e.resHeaders, true)
			return err
		case "content":
			if err := seen.once(4); err != nil {
				return err
			}
			if null, err := r.isNull(); null || err != nil {
				return err
			}
			return r.content()
		case "_error":
			if err := seen.once(8); err != nil {
				return err
			}
			return r.text(&e.errText)
		case "_failureText":
			if err := seen.once(16); err != nil {
				return err
			}
			return r.text(&e.failureText)
		}
		return r.other(key, "status", "headers", "content", "_error", "_failureText")
	})
}

func (r *fastReader) content() error {
	e := &r.e
	e.contentObj = true
	var seen fieldSet
	return r.object(func(key []byte) error {
		switch string(key) {
		case "mimeType":
			if err := seen.once(1); err != nil {
				return err
			}
			return r.text(&e.contentMime)
		case "text":
			if err := seen.once(2); err != nil {
				return err
			}
			return r.rawText(&e.contentText)
		case "encoding":
			if err := seen.once(4); err != nil {
				return err
			}
			return r.text(&e.contentEnc)
		case "size":
			if err := seen.once(8); err != nil {
				return err
			}
			var err error
			e.contentSize, e.contentSizeSet, err = r.integer()
			return err
		}
		return r.other(key, "mimeType", "text", "encoding", "size")
	})
}

// raw is a text field's JSON value; nil when absent.
func (r *fastReader) raw(t rawText) []byte {
	if !t.present {
		return nil
	}
	return r.buf[t.start:t.end]
}

// exchange converts the entry just read, as the slow path does: its strings become one string, its bodies are
// decoded (decodeHARText, postDataBody) and harEntry.exchange builds the exchange.
func (r *fastReader) exchange(file string, index int, limit int64) (*capture.Exchange, error) {
	e := &r.e
	all := string(r.arena)
	str := func(s span) string { return all[s.off:s.end] }
	nvs := func(list []fastNV) []harNameValue {
		start := len(r.nvs)
		for _, nv := range list {
			r.nvs = append(r.nvs, harNameValue{Name: str(nv.name), Value: str(nv.value)})
		}
		return r.nvs[start:len(r.nvs):len(r.nvs)]
	}
	r.nvs = r.nvs[:0]
	r.req = harRequest{Method: str(e.method), URL: str(e.url), Headers: nvs(e.reqHeaders)}
	if e.reqHeaders == nil {
		r.req.Headers = nil
	}
	if e.bodySizeSet {
		r.req.BodySize = &e.bodySize
	}
	if !e.postDataNull {
		body, err := postDataBody(nil, limit, str(e.postMime), r.raw(e.postText), str(e.postEnc), nvs(e.params))
		if err != nil {
			return nil, err
		}
		r.pd = harPostData{mimeType: str(e.postMime), body: body}
		r.req.PostData = &r.pd
	}
	r.he = harEntry{StartedDateTime: str(e.started), Request: &r.req}
	if !e.resNull {
		text := r.raw(e.contentText)
		body, err := decodeHARText(nil, text, str(e.contentEnc), limit, "response.content", "response body")
		if err != nil {
			return nil, err
		}
		r.res = harResponse{Status: e.status, Content: harContent{mimeType: str(e.contentMime), body: body,
			notRecorded: e.contentObj && text == nil && (!e.contentSizeSet || e.contentSize != 0)},
			Error: str(e.errText), FailureText: str(e.failureText)}
		if e.resHeadersSet {
			r.res.Headers = nvs(e.resHeaders)
			if r.res.Headers == nil {
				r.res.Headers = []harNameValue{}
			}
		}
		r.he.Response = &r.res
	}
	ex, err := r.he.exchange(file, index)
	r.he, r.req, r.res, r.pd = harEntry{}, harRequest{}, harResponse{}, harPostData{}
	return ex, err
}

// postDataBody is request.postData's body: its text, else its form parameters.
func postDataBody(filter *harFilter, limit int64, mimeType string, text []byte, encoding string, params []harNameValue) ([]byte, error) {
	body, err := decodeHARText(filter, text, encoding, limit, "request.postData", "request body")
	if err != nil {
		return nil, err
	}
	if body == nil && len(params) > 0 && strings.HasPrefix(strings.ToLower(mimeType), "application/x-www-form-urlencoded") {
		body = formBody(params)
		if int64(len(body)) > limit {
			return nil, capture.BodyTooLarge("request body", int64(len(body)), limit)
		}
	}
	return body, nil
}
