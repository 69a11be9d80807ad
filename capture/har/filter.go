package har

// The bodies of a HAR file, taken out of the JSON before encoding/json sees it.
//
// encoding/json's Decoder buffers a whole value before it decodes it: an entry with a 100 MB body would be held
// as ~120 MB of escaped JSON text, then unescaped into a second copy. harFilter sits between the file and the
// Decoder. It follows the structure of the JSON with a small tokenizer and, where a text body begins
// (log.entries[i].response.content.text and log.entries[i].request.postData.text, keys matched as encoding/json
// matches them into harEntry), it reads the string itself: it measures it, allocates the body once at its exact
// size, unescapes the string into it chunk by chunk, and hands the Decoder a short placeholder string instead.
// harContent and harPostData hold the filter of their own file and find the body through the placeholder
// (decodeHARText, harFilter.take), so everything else, every check and every error message, stays encoding/json's
// and the loader's own. The bodies are the filter's: nothing is shared between two files read at once. Offsets the Decoder reports are in
// the filtered stream; fileOf maps them back to the file.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apikit/apikit/capture"
)

// textRole says what a JSON value is, for the parts of a HAR the filter follows.
type textRole uint8

const (
	roleNone     textRole = iota
	roleTop               // the top-level value
	roleLog               // the first "log" member of the top-level object
	roleEntries           // the first "entries" array of log
	roleEntry             // an element of entries
	roleRequest           // entry.request
	roleResponse          // entry.response
	rolePostData          // request.postData
	roleContent           // response.content
	roleText              // postData.text or content.text: a body
)

// filterState is where the tokenizer is between two bytes.
type filterState uint8

const (
	stValue        filterState = iota // before a value
	stValueOrEnd                      // after '[': a value or ']'
	stKeyOrEnd                        // after '{': a key or '}'
	stKey                             // after ',' in an object
	stColon                           // after a key
	stAfterValue                      // after a value: ',' or the end of its container
	stString                          // in a string that passes through (a key or a value)
	stStringEscape                    // after a backslash in such a string
	stScalar                          // in a number or a literal
	stDead                            // after the top-level value, or where the JSON is invalid: pass all through
)

// maxFilterDepth is the deepest nesting the tokenizer follows; encoding/json refuses deeper input (10000) anyway.
const maxFilterDepth = 10000

type filterFrame struct {
	obj  bool
	role textRole
	// nulled has bit 1<<r set when a member of role r (request, response, postData) was null in this object:
	// encoding/json then decodes a later member of that name into a new, zero struct, which holds no filter, so
	// its texts are passed through to the Decoder as they are.
	nulled uint16
}

// offsetMark records that from output offset out on, the output is the file from file offset file on.
type offsetMark struct{ out, file int64 }

// harFilter is the reader the Decoder reads a HAR through. Offsets are relative to the start of src (after a
// byte order mark).
type harFilter struct {
	src    io.Reader
	at     io.ReaderAt // src read at an offset, for measuring a long body before reading it; nil if not possible
	atBase int64       // offset in at of src's first byte
	limit  int64       // largest body (--max-body)

	buf  []byte
	r, w int   // buf[r:w] is read from src and not yet consumed
	off  int64 // file offset of buf[0]
	n    int64 // bytes read from src
	// headLeft: the first Read hands over only the bytes read to look for a byte order mark, as the loader's
	// reader always did (where the decoder's buffer ends decides the offsets syntaxOffset finds).
	headLeft int
	err      error // src's error (io.EOF at the end), once it has returned one

	outPos  int64  // bytes of output produced, pending ones included
	pending []byte // output produced but not yet read (a placeholder)
	marks   []offsetMark

	// The guard: the value the Decoder is reading starts at output offset start and may span max bytes of file.
	start int64
	max   int64

	// The tokenizer.
	state      filterState
	stack      []filterFrame
	valRole    textRole // role of the next value
	sawLog     bool
	sawEntries bool
	keyInto    bool     // the string being passed through is a key worth matching
	key        [64]byte // its raw bytes, as far as they fit
	keyLen     int
	keyLong    bool
	inKey      bool // the string being passed through is a key

	// The bodies.
	scratch     []byte               // measureAt's buffer
	nextSlot    uint64               // the next body's number
	slots       map[uint64]*bodySlot // bodies whose placeholders the decoder has not taken yet
	placeholder []byte
}

// bodySlot is a body the filter took out of the stream, waiting for the decoder to reach its placeholder.
type bodySlot struct {
	textStats
	data []byte // the unescaped text; nil when no encoding could make it a body within the limit
	end  int64  // output offset just past the placeholder
}

// newHARFilter reads r, which head was already read from (the first bytes of the input, when they are not a
// byte order mark).
func newHARFilter(r io.Reader, head []byte, limit, maxRaw int64) *harFilter {
	f := &harFilter{src: r, limit: limit, max: maxRaw, buf: getFilterBuf(), valRole: roleTop}
	f.w = copy(f.buf, head)
	f.n = int64(f.w)
	f.headLeft = f.w
	f.useReaderAt(r)
	return f
}

// useReaderAt lets the filter measure a long body with ReadAt before reading it, when r can be read at an offset
// and says where it is.
func (f *harFilter) useReaderAt(r io.Reader) {
	ra, ok := r.(io.ReaderAt)
	sk, ok2 := r.(io.Seeker)
	if !ok || !ok2 {
		return
	}
	pos, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return
	}
	f.at, f.atBase = ra, pos-int64(f.w)
}

// pos is the file offset of the next unconsumed byte.
func (f *harFilter) pos() int64 { return f.off + int64(f.r) }

// fileOf maps an output offset (as the Decoder counts) to a file offset.
func (f *harFilter) fileOf(out int64) int64 {
	for i := len(f.marks) - 1; i >= 0; i-- {
		if m := f.marks[i]; m.out <= out {
			return m.file + (out - m.out)
		}
	}
	return out
}

// setStart records where the value the Decoder reads next starts, for the guard, and forgets the marks before it
// but the last (offsets before the current value are not asked for).
func (f *harFilter) setStart(out int64) {
	f.start = out
	i := 0
	for i+1 < len(f.marks) && f.marks[i+1].out <= out {
		i++
	}
	if i > 0 {
		f.marks = append(f.marks[:0], f.marks[i:]...)
	}
}

func (f *harFilter) mark(out, file int64) {
	if n := len(f.marks); n > 0 && f.marks[n-1].out == out {
		f.marks[n-1].file = file
		return
	}
	f.marks = append(f.marks, offsetMark{out, file})
}

// fill reads more of src into buf, keeping buf[r:w].
func (f *harFilter) fill() {
	if f.err != nil {
		return
	}
	if f.r > 0 {
		copy(f.buf, f.buf[f.r:f.w])
		f.off += int64(f.r)
		f.w -= f.r
		f.r = 0
	}
	for f.w < len(f.buf) {
		n, err := f.src.Read(f.buf[f.w:])
		f.w += n
		f.n += int64(n)
		if err != nil {
			f.err = err
			return
		}
		if n > 0 {
			return
		}
	}
}

// discard consumes bytes up to file offset to (or to the end of src).
func (f *harFilter) discard(to int64) {
	for f.pos() < to {
		if f.r == f.w {
			if f.err != nil {
				return
			}
			f.fill()
			continue
		}
		k := min(int64(f.w-f.r), to-f.pos())
		f.r += int(k)
	}
}

func (f *harFilter) emit(b []byte) {
	f.pending = append(f.pending, b...)
	f.outPos += int64(len(b))
}

// Read hands the Decoder the next bytes of the HAR, with text bodies replaced by placeholders.
func (f *harFilter) Read(p []byte) (int, error) {
	if f.pos()-f.fileOf(f.start) > f.max {
		return 0, errValueTooLarge
	}
	if len(p) > readChunk {
		p = p[:readChunk]
	}
	if f.headLeft > 0 {
		p = p[:min(len(p), f.headLeft)]
		f.headLeft = 0
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	for n < len(p) {
		if f.r == f.w {
			if f.err != nil {
				break
			}
			f.fill()
			continue
		}
		if f.state == stValue && f.valRole == roleText && f.buf[f.r] == '"' {
			if n > 0 {
				break // a body starts a Read of its own, so the Decoder sees what comes before it first
			}
			if err := f.divert(); err != nil {
				return 0, err
			}
			n = copy(p, f.pending)
			f.pending = f.pending[n:]
			continue
		}
		k := f.step(p[n:])
		n += k
		f.outPos += int64(k)
	}
	if len(f.pending) == 0 {
		f.pending = f.pending[:0]
	}
	if n == 0 && f.err != nil {
		return 0, f.err
	}
	return n, nil
}

// step moves the tokenizer over the next bytes of buf, copying them to p; it returns how many it copied.
func (f *harFilter) step(p []byte) int {
	b := f.buf[f.r:f.w]
	if len(b) > len(p) {
		b = b[:len(p)]
	}
	switch f.state {
	case stDead:
		k := copy(p, b)
		f.r += k
		return k
	case stString:
		i := 0
		for i < len(b) && b[i] != '"' && b[i] != '\\' {
			i++
		}
		if f.inKey {
			f.capture(b[:i])
		}
		if i < len(b) {
			if b[i] == '"' {
				if f.inKey {
					f.state = stColon
				} else {
					f.state = stAfterValue
				}
			} else {
				f.state = stStringEscape
				if f.inKey {
					f.capture(b[i : i+1])
				}
			}
			i++
		}
		copy(p, b[:i])
		f.r += i
		return i
	case stStringEscape:
		if f.inKey {
			f.capture(b[:1])
		}
		f.state = stString
		p[0] = b[0]
		f.r++
		return 1
	case stScalar:
		i := 0
		for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != ']' && b[i] != '}' {
			i++
		}
		if i < len(b) {
			f.state = stAfterValue
		}
		copy(p, b[:i])
		f.r += i
		return i
	}
	// One structural byte (or a run of white space).
	c := b[0]
	if isSpace(c) {
		i := 1
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		copy(p, b[:i])
		f.r += i
		return i
	}
	p[0] = c
	f.r++
	switch f.state {
	case stValue, stValueOrEnd:
		if c == ']' && f.state == stValueOrEnd {
			f.pop(false)
			break
		}
		f.value(c)
	case stKeyOrEnd, stKey:
		switch {
		case c == '"':
			f.state, f.inKey = stString, true
			f.keyLen, f.keyLong = 0, false
			f.keyInto = f.top().role != roleNone
		case c == '}' && f.state == stKeyOrEnd:
			f.pop(true)
		default:
			f.state = stDead
		}
	case stColon:
		if c != ':' {
			f.state = stDead
			break
		}
		f.valRole = f.keyRole()
		f.state = stValue
	case stAfterValue:
		switch c {
		case ',':
			if f.top().obj {
				f.state = stKey
			} else {
				f.state = stValue
				f.valRole = f.elemRole()
			}
		case '}', ']':
			f.pop(c == '}')
		default:
			f.state = stDead
		}
	}
	return 1
}

// value starts a value with first byte c (already copied).
func (f *harFilter) value(c byte) {
	role := f.valRole
	f.valRole = roleNone
	switch c {
	case '{':
		switch role {
		case roleTop, roleLog, roleEntry, roleRequest, roleResponse, rolePostData, roleContent:
		default:
			role = roleNone
		}
		f.push(filterFrame{obj: true, role: role})
		if f.state != stDead {
			f.state = stKeyOrEnd
		}
	case '[':
		if role == roleEntries {
			f.sawEntries = true
		} else {
			role = roleNone
		}
		f.push(filterFrame{role: role})
		if f.state != stDead {
			f.state = stValueOrEnd
			f.valRole = f.elemRole()
		}
	case '"':
		f.state, f.inKey = stString, false
	default:
		if c == 'n' {
			switch role {
			case roleRequest, roleResponse, rolePostData:
				if len(f.stack) > 0 {
					f.stack[len(f.stack)-1].nulled |= 1 << role
				}
			}
		}
		f.state = stScalar
	}
}

func (f *harFilter) push(fr filterFrame) {
	if len(f.stack) >= maxFilterDepth {
		f.state = stDead
		return
	}
	f.stack = append(f.stack, fr)
}

func (f *harFilter) pop(obj bool) {
	if len(f.stack) == 0 || f.top().obj != obj {
		f.state = stDead
		return
	}
	f.stack = f.stack[:len(f.stack)-1]
	if len(f.stack) == 0 {
		f.state = stDead // the rest of the file is the loader's business (data after the HAR object)
		return
	}
	f.state = stAfterValue
}

func (f *harFilter) top() filterFrame {
	if len(f.stack) == 0 {
		return filterFrame{}
	}
	return f.stack[len(f.stack)-1]
}

// unlessNulled is role, or roleNone once a member of that role was null in the frame's object.
func (fr filterFrame) unlessNulled(role textRole) textRole {
	if fr.nulled&(1<<role) != 0 {
		return roleNone
	}
	return role
}

func (f *harFilter) elemRole() textRole {
	if f.top().role == roleEntries {
		return roleEntry
	}
	return roleNone
}

func (f *harFilter) capture(b []byte) {
	if !f.keyInto || f.keyLong {
		return
	}
	if f.keyLen+len(b) > len(f.key) {
		f.keyLong = true
		return
	}
	f.keyLen += copy(f.key[f.keyLen:], b)
}

// keyRole is the role of the value of the key just read, as the loader reads it: the first "log" at the top
// level, the first "entries" array in it (keys matched exactly, as the loader's tokens compare them), and the
// harEntry fields below (matched as encoding/json matches keys to struct fields: exactly or by case folding).
func (f *harFilter) keyRole() textRole {
	fr := f.top()
	if fr.role == roleNone || f.keyLong {
		return roleNone
	}
	key := f.key[:f.keyLen]
	if bytes.IndexByte(key, '\\') >= 0 {
		quoted := make([]byte, 0, len(key)+2)
		quoted = append(append(append(quoted, '"'), key...), '"')
		var s string
		if json.Unmarshal(quoted, &s) != nil {
			return roleNone
		}
		key = []byte(s)
	}
	switch fr.role {
	case roleTop:
		if !f.sawLog && string(key) == "log" {
			f.sawLog = true
			return roleLog
		}
	case roleLog:
		if !f.sawEntries && string(key) == "entries" {
			return roleEntries
		}
	case roleEntry:
		switch {
		case bytes.EqualFold(key, []byte("request")):
			return fr.unlessNulled(roleRequest)
		case bytes.EqualFold(key, []byte("response")):
			return fr.unlessNulled(roleResponse)
		}
	case roleRequest:
		if bytes.EqualFold(key, []byte("postData")) {
			return fr.unlessNulled(rolePostData)
		}
	case roleResponse:
		if bytes.EqualFold(key, []byte("content")) {
			return roleContent
		}
	case rolePostData, roleContent:
		if bytes.EqualFold(key, []byte("text")) {
			return roleText
		}
	}
	return roleNone
}

// divert reads the text string that starts at buf[r] (its opening quote) into a bodySlot and produces a
// placeholder for it. A string that is not valid JSON is handed to the Decoder from the first invalid byte on,
// so that it reports the error as it would have; a string cut short by the end of the file is handed over as an
// unterminated string.
func (f *harFilter) divert() error {
	f.r++ // the opening quote
	guardEnd := f.fileOf(f.start) + f.max
	var st textStats
	// Measure the string: in the buffer when it ends there, else with ReadAt when src allows it.
	end, res := f.measureInBuffer(&st)
	if res == textMore && f.at != nil {
		end, res = f.measureAt(&st, end, guardEnd)
	}
	switch {
	case res == textTooLarge:
		return errValueTooLarge
	case res == textBad:
		if end > guardEnd {
			return errValueTooLarge
		}
		f.discard(end)
		f.handOver()
		return nil
	case res == textMore && f.at != nil: // cut short by the end of the file
		f.discard(math.MaxInt64)
		f.handOver()
		return nil
	}
	// Read the string (again, when it was measured) into the body.
	var data []byte
	measured := res == textEnd
	if measured {
		if end > guardEnd {
			return errValueTooLarge
		}
		if st.storable(f.limit) && st.n > 0 {
			data = make([]byte, 0, st.n)
		} else if !st.storable(f.limit) {
			f.discard(end + 1) // and the closing quote
			f.newSlot(st, nil)
			return nil
		}
	}
	st = textStats{}
	storeCap := storeCapFor(f.limit)
	store := true
	for {
		if f.pos() > guardEnd {
			return errValueTooLarge
		}
		eof := f.err != nil
		var out *[]byte
		if store {
			out = &data
		}
		i, res := scanText(f.buf[f.r:f.w], eof, &st, out)
		// Unmeasured, a text longer than any storable one is dropped (a trailing run of '=' does not count:
		// base64Len leaves it out).
		if store && !measured && int64(len(data))-st.eqRun > storeCap {
			data, store = nil, false
		}
		f.r += i
		switch res {
		case textEnd:
			f.r++ // the closing quote
			if !st.storable(f.limit) {
				data = nil
			}
			f.newSlot(st, data)
			return nil
		case textBad:
			f.handOver()
			return nil
		}
		if eof {
			f.discard(math.MaxInt64)
			f.handOver()
			return nil
		}
		f.fill()
	}
}

// handOver gives the Decoder the rest of the string as it is in the file, from the next unconsumed byte on,
// after an opening quote: the filter stops following the JSON, and the Decoder reports what is wrong.
func (f *harFilter) handOver() {
	f.emit([]byte{'"'})
	f.mark(f.outPos, f.pos())
	f.state = stDead
}

// newSlot keeps a body and produces its placeholder.
func (f *harFilter) newSlot(st textStats, data []byte) {
	f.valRole = roleNone
	if f.slots == nil {
		f.slots = map[uint64]*bodySlot{}
	}
	k := f.nextSlot
	f.nextSlot++
	ph := append(f.placeholder[:0], placeholderPrefix...)
	ph = strconv.AppendUint(ph, k, 10)
	ph = append(ph, '"')
	f.placeholder = ph
	f.emit(ph)
	f.mark(f.outPos, f.pos())
	f.slots[k] = &bodySlot{textStats: st, data: data, end: f.outPos}
	f.state = stAfterValue
}

// release forgets the bodies whose placeholders end at or before output offset out (the Decoder has read past
// them, and an entry that did not take its body will not take it later).
func (f *harFilter) release(out int64) {
	for k, s := range f.slots {
		if s.end <= out {
			delete(f.slots, k)
		}
	}
}

// close forgets every body and gives the filter's buffers back. The filter is not read after.
func (f *harFilter) close() {
	f.slots = nil
	putFilterBuf(f.buf)
	putFilterBuf(f.scratch)
	f.buf, f.scratch, f.r, f.w = nil, nil, 0, 0
}

// filterBufs holds readChunk-sized buffers: a folder of small recordings would otherwise allocate 64 KiB per file.
// It holds them as array pointers, which a buffer converts back to without allocating.
var filterBufs sync.Pool

func getFilterBuf() []byte {
	if b, ok := filterBufs.Get().(*[readChunk]byte); ok {
		return b[:]
	}
	return make([]byte, readChunk)
}

func putFilterBuf(b []byte) {
	if cap(b) == readChunk {
		filterBufs.Put((*[readChunk]byte)(b[:readChunk]))
	}
}

// measureInBuffer measures the string in the buffer from buf[r]. When the string does not end there it returns
// textMore and the file offset where measuring must go on.
func (f *harFilter) measureInBuffer(st *textStats) (int64, int) {
	for {
		i, res := scanText(f.buf[f.r:f.w], f.err != nil, st, nil)
		if res != textMore || f.err != nil || (f.r == 0 && f.w == len(f.buf)) {
			return f.pos() + int64(i), res
		}
		if f.at != nil {
			return f.pos() + int64(i), res
		}
		// Without ReadAt, read on while the string fits in the buffer.
		*st = textStats{}
		f.fill()
	}
}

// measureAt goes on measuring the string from file offset from with ReadAt, without consuming src. It stops past
// guardEnd (textTooLarge).
func (f *harFilter) measureAt(st *textStats, from, guardEnd int64) (int64, int) {
	if f.scratch == nil {
		if len(f.buf) == readChunk {
			f.scratch = getFilterBuf()
		} else {
			f.scratch = make([]byte, len(f.buf))
		}
	}
	for {
		if from > guardEnd {
			return from, textTooLarge
		}
		n, err := f.at.ReadAt(f.scratch, f.atBase+from)
		eof := err != nil
		i, res := scanText(f.scratch[:n], eof, st, nil)
		from += int64(i)
		if res != textMore || eof {
			return from, res
		}
	}
}

// placeholderPrefix begins every placeholder string: "\u0000apikit:K" names the filter's body K.
const placeholderPrefix = `"\u0000apikit:`

// take returns (and forgets) the body of f's that a placeholder names; ok is false when raw is not one of f's
// placeholders, or f is nil (the entry was not read through a filter).
func (f *harFilter) take(raw []byte) (*bodySlot, bool) {
	if f == nil || !bytes.HasPrefix(raw, []byte(placeholderPrefix)) || raw[len(raw)-1] != '"' {
		return nil, false
	}
	k, err := strconv.ParseUint(string(raw[len(placeholderPrefix):len(raw)-1]), 10, 64)
	if err != nil {
		return nil, false
	}
	s, ok := f.slots[k]
	if !ok {
		return nil, false
	}
	delete(f.slots, k)
	return s, true
}

// textStats describes a JSON string's text after unescaping: what decodeHARText needs to decide on a body
// before it has one.
type textStats struct {
	n       int64 // bytes
	nl      int64 // '\r' and '\n' bytes
	eqRun   int64 // '=' bytes in the trailing run of '=', '\r' and '\n'
	escaped bool  // the string holds an escape
}

func (st *textStats) addByte(c byte) {
	st.n++
	switch c {
	case '=':
		st.eqRun++
	case '\n', '\r':
		st.nl++
	default:
		st.eqRun = 0
	}
}

// base64Len is base64Len of the text.
func (st *textStats) base64Len() int64 { return (st.n - st.nl - st.eqRun) * 6 / 8 }

// storable reports whether some encoding (none, or base64) could make the text a body within limit, as
// decodeHARText decides.
func (st *textStats) storable(limit int64) bool {
	return st.n <= limit || (st.base64Len() <= limit && (!st.escaped || st.n/4*3 <= limit))
}

// storeCapFor bounds the text kept while a string of unknown length is read: no storable text is longer.
func storeCapFor(limit int64) int64 {
	if limit > math.MaxInt64/2 {
		return math.MaxInt64
	}
	return max(limit, limit/3*4+8)
}

const (
	textMore     = iota // the input ended first (an escape cut at its end is left unread)
	textEnd             // the closing quote is at the returned index
	textBad             // an invalid escape or a control character begins at the returned index
	textTooLarge        // (measureAt) the string runs past the guard
)

// textStop marks the bytes that end a run of plain text in a JSON string.
var textStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// scanText reads JSON string contents from b up to the closing quote, validating them as encoding/json does and
// counting the text into st; when out is not nil, it appends the text to *out. It unescapes as unquoteInto does.
// It returns where it stopped: at the closing quote, at the start of an invalid sequence, or (textMore) at the
// end of b or before an escape b cuts (unless eof says no more input will come).
func scanText(b []byte, eof bool, st *textStats, out *[]byte) (int, int) {
	i := 0
	for {
		j := i
		for j < len(b) && !textStop[b[j]] {
			j++
		}
		if j > i {
			run := b[i:j]
			st.n += int64(len(run))
			if k := len(run) - 1; run[k] == '=' {
				for k >= 0 && run[k] == '=' {
					k--
				}
				if k < 0 {
					st.eqRun += int64(len(run))
				} else {
					st.eqRun = int64(len(run) - 1 - k)
				}
			} else {
				st.eqRun = 0
			}
			if out != nil {
				*out = append(*out, run...)
			}
			i = j
		}
		if i == len(b) {
			return i, textMore
		}
		switch c := b[i]; {
		case c == '"':
			return i, textEnd
		case c < 0x20:
			return i, textBad
		}
		// A backslash.
		if i+1 >= len(b) {
			return i, textMore
		}
		var c byte
		switch e := b[i+1]; e {
		case '"', '\\', '/':
			c = e
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
			r, size, res := scanUnicodeEscape(b[i:], eof)
			if res != textEnd {
				return i, res
			}
			st.escaped = true
			if r < utf8.RuneSelf {
				st.addByte(byte(r))
				if out != nil {
					*out = append(*out, byte(r))
				}
			} else {
				st.n += int64(utf8.RuneLen(r))
				st.eqRun = 0
				if out != nil {
					*out = utf8.AppendRune(*out, r)
				}
			}
			i += size
			continue
		default:
			return i, textBad
		}
		st.escaped = true
		st.addByte(c)
		if out != nil {
			*out = append(*out, c)
		}
		i += 2
	}
}

// scanUnicodeEscape reads "\uXXXX" (and the low surrogate after a high one) at the start of s, as unquoteRune
// does; res is textEnd when it has read one, textBad for invalid hex digits, textMore when s cuts it.
func scanUnicodeEscape(s []byte, eof bool) (r rune, size int, res int) {
	for k := 2; k < 6; k++ {
		if k >= len(s) {
			return 0, 0, textMore
		}
		if !isHexDigit(s[k]) {
			return 0, 0, textBad
		}
	}
	r, _ = hex4(s)
	if !utf16.IsSurrogate(r) {
		return r, 6, textEnd
	}
	// unquoteRune pairs it with a "\uXXXX" right after, when there is one.
	if len(s) < 12 && !eof && couldPair(s[6:]) {
		return 0, 0, textMore
	}
	if r2, ok := hex4(s[6:]); ok && len(s) >= 12 {
		if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
			return dec, 12, textEnd
		}
	}
	return utf8.RuneError, 6, textEnd
}

// couldPair reports whether s, shorter than "\uXXXX", could still begin one.
func couldPair(s []byte) bool {
	for k, c := range s {
		switch {
		case k == 0 && c != '\\', k == 1 && c != 'u', k >= 2 && !isHexDigit(c):
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// decodeBody turns a body the filter took out into the body decodeHARText would have made of the same text.
func decodeBody(s *bodySlot, encoding string, limit int64, field, what string) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "":
		if s.n > limit {
			return nil, capture.BodyTooLarge(what, s.n, limit)
		}
		if s.n == 0 {
			return nil, nil
		}
		return s.data, nil
	case "base64":
		if s.escaped && s.n/4*3 > limit {
			return nil, capture.BodyTooLarge(what, s.n/4*3, limit)
		}
		if n := s.base64Len(); n > limit {
			return nil, capture.BodyTooLarge(what, n, limit)
		}
		n, err := decodeBase64InPlace(s.data, base64Quanta)
		if err != nil {
			return nil, base64Error(field, encoding, err)
		}
		if n == 0 {
			return nil, nil
		}
		return s.data[:n], nil
	}
	return nil, unsupportedEncoding(field, encoding)
}

// base64Quanta is how many 4-character groups decodeBase64InPlace decodes at a time.
const base64Quanta = 1024

// decodeBase64InPlace decodes standard base64 text in b into the start of b and returns the decoded length, with
// the result and the error base64.StdEncoding.Decode gives on the whole of b. It decodes groups of quanta*4
// characters (line breaks aside) at a time through a small buffer; the output never overtakes the input.
func decodeBase64InPlace(b []byte, quanta int) (int, error) {
	var tmp [3*base64Quanta + 8]byte
	quanta = min(quanta, base64Quanta)
	w := 0
	for i := 0; i < len(b); {
		c, sig := i, 0
		for c < len(b) && sig < 4*quanta {
			if b[c] != '\n' && b[c] != '\r' {
				sig++
			}
			c++
		}
		n, err := base64.StdEncoding.Decode(tmp[:], b[i:c])
		if err != nil {
			var ce base64.CorruptInputError
			if errors.As(err, &ce) {
				return 0, base64.CorruptInputError(int64(ce) + int64(i))
			}
			return 0, err
		}
		w += copy(b[w:], tmp[:n])
		if n < sig/4*3 { // padding ended the data: only line breaks may follow
			for k := c; k < len(b); k++ {
				if b[k] != '\n' && b[k] != '\r' {
					return 0, base64.CorruptInputError(k)
				}
			}
			return w, nil
		}
		i = c
	}
	return w, nil
}

// isSpace reports whether c is JSON white space.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
