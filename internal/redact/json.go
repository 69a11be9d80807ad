package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

var (
	errNotJSON        = errors.New("not JSON")
	quotedPlaceholder = []byte(strconv.Quote(Placeholder))
)

// maxJSONDepth bounds the nesting the walker follows (encoding/json's own limit); deeper text is scrubbed as text.
const maxJSONDepth = 10000

// keyClass is what the walker does with the value under a JSON key.
type keyClass uint8

const (
	keyPlain   keyClass = iota
	keyField            // personal data (x-apikit-secret, WithField): any value but null becomes its placeholder
	keyWhole            // a listed credential: a string, object or array becomes "REDACTED" whole
	keyPattern          // a credential by name pattern: a string becomes its placeholder; in an object or array, every string does
)

// mode is how the walker treats the strings of the value it is in.
type mode uint8

const (
	modeNormal mode = iota
	modeDeep        // inside a credential's object or array: every string value becomes "REDACTED"
	modeSkip        // inside a value replaced whole: nothing is written, strings are only collected
)

type classified struct {
	class keyClass
	ph    []byte
}

// classify says what becomes of the value under key (decoded).
func (r *Redactor) classify(key string) classified {
	lower := strings.ToLower(key)
	if ph, ok := r.fields[lower]; ok {
		return classified{keyField, ph}
	}
	if isBuiltinKey(lower) || r.keys[lower] || r.headers[lower] || isBuiltinHeader(lower) {
		return classified{keyWhole, quotedPlaceholder}
	}
	if IsSecretName(key) {
		if ph, ok := r.examples[lower]; ok {
			return classified{keyPattern, ph}
		}
		return classified{keyPattern, quotedPlaceholder}
	}
	return classified{keyPlain, nil}
}

// walker redacts one JSON document in one pass over its bytes: the parts that change are written to out, the
// rest is copied through as it is (formatting, key order and number literals kept). Nothing is allocated until
// the first change; a document that does not change is returned as it is.
type walker struct {
	r       *Redactor
	in      []byte
	out     []byte
	last    int // in[last:] is not yet in out
	changed bool
	names   bool     // redact by name
	scrub   *Secrets // credential values to replace inside strings; nil for none
	collect *Secrets // where the credential values found are added; nil for none
	cache   map[string]classified
	depth   int
}

// walkJSON redacts body by name (when names) and by the values of scrub, adding the credential values it
// replaces to collect. It returns body itself when nothing changed, and errNotJSON when body is not JSON.
func (r *Redactor) walkJSON(body []byte, names bool, scrub, collect *Secrets) ([]byte, error) {
	if scrub.empty() {
		scrub = nil
	}
	w := &walker{r: r, in: body, names: names, scrub: scrub, collect: collect}
	i, err := w.value(skipWS(body, 0), modeNormal)
	if err != nil {
		return nil, err
	}
	if skipWS(body, i) != len(body) {
		return nil, errNotJSON
	}
	if !w.changed {
		return body, nil
	}
	return append(w.out, body[w.last:]...), nil
}

// emit replaces in[start:end] by repl in the output.
func (w *walker) emit(start, end int, repl []byte) {
	if bytes.Equal(w.in[start:end], repl) {
		return
	}
	if w.out == nil {
		w.out = make([]byte, 0, len(w.in)+len(repl))
	}
	w.out = append(w.out, w.in[w.last:start]...)
	w.out = append(w.out, repl...)
	w.last, w.changed = end, true
}

func skipWS(in []byte, i int) int {
	for i < len(in) {
		switch in[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value walks the value at in[i] and returns where it ends.
func (w *walker) value(i int, m mode) (int, error) {
	in := w.in
	if i >= len(in) {
		return 0, errNotJSON
	}
	switch c := in[i]; {
	case c == '{':
		return w.object(i, m)
	case c == '[':
		return w.array(i, m)
	case c == '"':
		end, esc, err := w.str(i)
		if err != nil {
			return 0, err
		}
		switch m {
		case modeDeep:
			w.collectString(i, end, esc)
			w.emit(i, end, quotedPlaceholder)
		case modeSkip:
			w.collectString(i, end, esc)
		default:
			w.scrubString(i, end, esc)
		}
		return end, nil
	case c == '-' || ('0' <= c && c <= '9'):
		end := i + 1
		for end < len(in) && strings.IndexByte("0123456789+-.eE", in[end]) >= 0 {
			end++
		}
		if m == modeNormal && w.scrub != nil && w.scrub.containsIn(in[i:end]) {
			w.emit(i, end, []byte("0")) // a numeric credential echoed as a number
		}
		return end, nil
	case c == 't':
		return w.literal(i, "true")
	case c == 'f':
		return w.literal(i, "false")
	case c == 'n':
		return w.literal(i, "null")
	}
	return 0, errNotJSON
}

func (w *walker) literal(i int, lit string) (int, error) {
	if !bytes.HasPrefix(w.in[i:], []byte(lit)) {
		return 0, errNotJSON
	}
	return i + len(lit), nil
}

// str finds the end of the string starting at in[i] (just past its closing quote) and whether it has escapes.
func (w *walker) str(i int) (int, bool, error) {
	in := w.in
	esc := false
	for j := i + 1; ; {
		k := bytes.IndexByte(in[j:], '"')
		if k < 0 {
			return 0, false, errNotJSON
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && in[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			if !esc {
				esc = bytes.IndexByte(in[i+1:q], '\\') >= 0
			}
			return q + 1, esc, nil
		}
		esc, j = true, q+1
	}
}

// decoded returns the text of the string in[start:end] (quotes included).
func (w *walker) decoded(start, end int, esc bool) string {
	if !esc {
		return string(w.in[start+1 : end-1])
	}
	var s string
	if json.Unmarshal(w.in[start:end], &s) != nil {
		return string(w.in[start+1 : end-1])
	}
	return s
}

func (w *walker) collectString(start, end int, esc bool) {
	if w.collect != nil {
		w.collect.Add(w.decoded(start, end, esc))
	}
}

// scrubString replaces the credential values inside the string in[start:end].
func (w *walker) scrubString(start, end int, esc bool) {
	if w.scrub == nil {
		return
	}
	if !esc {
		if raw := w.in[start+1 : end-1]; w.scrub.containsIn(raw) {
			out := make([]byte, 0, len(raw)+2)
			out = append(append(append(out, '"'), w.scrub.Bytes(raw)...), '"')
			w.emit(start, end, out)
		}
		return
	}
	s := w.decoded(start, end, true)
	if red := w.scrub.String(s); red != s {
		w.emit(start, end, quoteJSON(red))
	}
}

func quoteJSON(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func (w *walker) enter() error {
	w.depth++
	if w.depth > maxJSONDepth {
		return errNotJSON
	}
	return nil
}

func (w *walker) object(i int, m mode) (int, error) {
	if err := w.enter(); err != nil {
		return 0, err
	}
	defer func() { w.depth-- }()
	in := w.in
	i = skipWS(in, i+1)
	if i < len(in) && in[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(in) || in[i] != '"' {
			return 0, errNotJSON
		}
		ks := i
		ke, esc, err := w.str(i)
		if err != nil {
			return 0, err
		}
		c := classified{}
		if w.names && m == modeNormal {
			c = w.keyClass(ks, ke, esc)
		}
		if m != modeSkip {
			w.scrubString(ks, ke, esc) // a key may hold an echoed credential too
		}
		i = skipWS(in, ke)
		if i >= len(in) || in[i] != ':' {
			return 0, errNotJSON
		}
		vs := skipWS(in, i+1)
		if i, err = w.member(vs, m, c); err != nil {
			return 0, err
		}
		i = skipWS(in, i)
		if i >= len(in) {
			return 0, errNotJSON
		}
		switch in[i] {
		case ',':
			i = skipWS(in, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, errNotJSON
		}
	}
}

// member walks the value of an object member at in[vs] whose key is classified c.
func (w *walker) member(vs int, m mode, c classified) (int, error) {
	if vs >= len(w.in) {
		return 0, errNotJSON
	}
	first := w.in[vs]
	composite := first == '"' || first == '{' || first == '['
	switch {
	case c.class == keyField && first != 'n':
		end, err := w.quiet(vs, false)
		if err == nil {
			w.emit(vs, end, c.ph)
		}
		return end, err
	case c.class == keyWhole && composite:
		end, err := w.quiet(vs, true)
		if err == nil {
			w.emit(vs, end, quotedPlaceholder)
		}
		return end, err
	case c.class == keyPattern && first == '"':
		end, esc, err := w.str(vs)
		if err == nil {
			w.collectString(vs, end, esc)
			w.emit(vs, end, c.ph)
		}
		return end, err
	case c.class == keyPattern && composite:
		return w.value(vs, modeDeep)
	}
	return w.value(vs, m)
}

// quiet walks a value that is replaced whole, collecting its strings when asked.
func (w *walker) quiet(i int, collect bool) (int, error) {
	saved := w.collect
	if !collect {
		w.collect = nil
	}
	end, err := w.value(i, modeSkip)
	w.collect = saved
	return end, err
}

func (w *walker) keyClass(ks, ke int, esc bool) classified {
	if esc {
		return w.r.classify(w.decoded(ks, ke, true))
	}
	raw := w.in[ks+1 : ke-1]
	if c, ok := w.cache[string(raw)]; ok {
		return c
	}
	c := w.r.classify(string(raw))
	if w.cache == nil {
		w.cache = map[string]classified{}
	}
	w.cache[string(raw)] = c
	return c
}

func (w *walker) array(i int, m mode) (int, error) {
	if err := w.enter(); err != nil {
		return 0, err
	}
	defer func() { w.depth-- }()
	in := w.in
	i = skipWS(in, i+1)
	if i < len(in) && in[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = w.value(i, m); err != nil {
			return 0, err
		}
		i = skipWS(in, i)
		if i >= len(in) {
			return 0, errNotJSON
		}
		switch in[i] {
		case ',':
			i = skipWS(in, i+1)
		case ']':
			return i + 1, nil
		default:
			return 0, errNotJSON
		}
	}
}

// scrubKey and scrubValue match a JSON member in text that claims to be JSON and does not parse (a truncated
// body): a key, then a quoted string, closed or not, or a bare run of characters up to a delimiter.
var (
	scrubKey   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"([^"\\]{1,128})"\s*:\s*`) })
	scrubValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:"(?:[^"\\]|\\.)*(?:"|\\?$)|[^\s,}\]"]+)`) })
)

// scrubJSONText replaces the values of secret keys in text that does not parse as JSON, keeping the rest. Every
// quoted string followed by a colon is tried as a key, even inside what an earlier try took for a value, since
// text that does not parse cannot say which strings are keys.
func (r *Redactor) scrubJSONText(body []byte, collect *Secrets) []byte {
	var out []byte
	last := 0
	for pos := 0; pos < len(body); {
		m := scrubKey().FindSubmatchIndex(body[pos:])
		if m == nil {
			break
		}
		keyStart, valStart := pos+m[0], pos+m[1]
		key := string(body[pos+m[2] : pos+m[3]])
		pos = keyStart + 1
		if keyStart < last {
			continue // inside a value already replaced
		}
		c := r.classify(key)
		if c.class == keyPlain {
			continue
		}
		vm := scrubValue().FindIndex(body[valStart:])
		if vm == nil {
			continue
		}
		val := body[valStart : valStart+vm[1]]
		if c.class != keyField {
			collect.Add(strings.Trim(string(val), `"`))
		}
		ph := c.ph
		if c.class != keyField || val[0] == '"' && !bytes.HasSuffix(val, []byte(`"`)) {
			ph = quotedPlaceholder
		}
		if !bytes.Equal(val, ph) {
			out = append(append(out, body[last:valStart]...), ph...)
			last = valStart + len(val)
		}
	}
	if out == nil {
		return body
	}
	return append(out, body[last:]...)
}
