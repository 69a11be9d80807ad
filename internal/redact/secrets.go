package redact

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// MinSecretLen is the length, in bytes, under which a credential value is not looked for elsewhere in its
// exchange: a shorter value ("1234", "true", a 6-digit code) would also scrub innocent text. Such a value is still
// redacted where it is named (its header, query key or JSON key).
const MinSecretLen = 8

// Secrets is the set of credential values seen in one exchange (the Authorization value and its token, cookie
// values, the values of secret query keys, form fields and JSON keys, OAuth tokens in a response), so that each
// can be scrubbed wherever else it reappears in that exchange's recorded bytes and log lines: a body or a header
// that echoes it, a URL. A value is looked for as it is and as it appears URL-encoded or JSON-escaped.
//
// However many values it holds, a text is searched in one pass. The zero value and nil are empty sets. A
// Secrets is not safe for concurrent use.
type Secrets struct {
	seen  map[string]bool
	vals  []string // every form of every value; longest first once sorted
	dirty bool     // vals is not sorted, or index not built
	// index maps the first 8 bytes of each form (MinSecretLen) to the forms that start with them, longest first;
	// bloom has a bit set for each such prefix, to pass over most positions of a text without a map look-up.
	index map[uint64][]string
	bloom []uint64
	bvals [][]byte // vals as bytes, when there are few
}

// fewForms is the number of forms up to which each is searched for on its own (SIMD-fast), not through the index.
const fewForms = 8

// Add adds a credential value, unless it is shorter than [MinSecretLen] or already redacted.
func (s *Secrets) Add(v string) {
	if s == nil {
		return
	}
	v = strings.TrimSpace(v)
	if len(v) < MinSecretLen || strings.Contains(v, Placeholder) {
		return
	}
	q := quoteJSON(v)
	for _, f := range []string{v, url.QueryEscape(v), url.PathEscape(v), string(q[1 : len(q)-1]),
		strings.ReplaceAll(string(q[1:len(q)-1]), "/", `\/`)} {
		if s.seen[f] {
			continue
		}
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[f] = true
		s.vals = append(s.vals, f)
		s.dirty = true
	}
}

const bloomBits = 1 << 16

// prefixKey reads the 8 bytes of text at i as a number.
func prefixKey(text string, i int) uint64 {
	_ = text[i+7]
	return uint64(text[i]) | uint64(text[i+1])<<8 | uint64(text[i+2])<<16 | uint64(text[i+3])<<24 |
		uint64(text[i+4])<<32 | uint64(text[i+5])<<40 | uint64(text[i+6])<<48 | uint64(text[i+7])<<56
}

func bloomSlot(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> (64 - 16) }

// prepare sorts the forms and builds the index, once after values were added.
func (s *Secrets) prepare() {
	if !s.dirty {
		return
	}
	s.dirty = false
	slices.SortStableFunc(s.vals, func(a, b string) int { return len(b) - len(a) })
	if len(s.vals) <= fewForms {
		s.bvals = s.bvals[:0]
		for _, f := range s.vals {
			s.bvals = append(s.bvals, []byte(f))
		}
		return
	}
	s.bvals = nil
	s.index = make(map[uint64][]string, len(s.vals))
	if s.bloom == nil {
		s.bloom = make([]uint64, bloomBits/64)
	}
	for _, f := range s.vals {
		k := prefixKey(f, 0)
		s.index[k] = append(s.index[k], f)
		slot := bloomSlot(k)
		s.bloom[slot/64] |= 1 << (slot % 64)
	}
}

// next returns the position of the first form in text at or after from, and its length; -1 when there is none.
func (s *Secrets) next(text string, from int) (int, int) {
	if len(s.vals) <= fewForms {
		at, n := -1, 0
		for _, f := range s.vals { // longest first: at a tie, the longest wins
			if j := strings.Index(text[from:], f); j >= 0 && (at < 0 || from+j < at) {
				at, n = from+j, len(f)
			}
		}
		return at, n
	}
	for i := from; i+8 <= len(text); i++ {
		k := prefixKey(text, i)
		slot := bloomSlot(k)
		if s.bloom[slot/64]&(1<<(slot%64)) == 0 {
			continue
		}
		for _, f := range s.index[k] {
			if strings.HasPrefix(text[i:], f) {
				return i, len(f)
			}
		}
	}
	return -1, 0
}

// addCredential adds the value of a secret header: the whole value and, for an Authorization value, its
// credentials (the token after the scheme; a Basic pair decoded, and its parts; each parameter of a Digest or
// AWS signature).
func (s *Secrets) addCredential(name, v string) {
	if s == nil {
		return
	}
	switch strings.ToLower(name) {
	case "cookie", "set-cookie":
		pairs := strings.Split(v, ";")
		if strings.EqualFold(name, "set-cookie") {
			pairs = pairs[:1]
		}
		for _, p := range pairs {
			if _, val, ok := strings.Cut(p, "="); ok {
				s.Add(strings.Trim(strings.TrimSpace(val), `"`))
			}
		}
		return
	}
	s.Add(v)
	scheme, cred, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return
	}
	cred = strings.TrimSpace(cred)
	s.Add(cred)
	if strings.EqualFold(scheme, "basic") {
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			s.Add(string(dec))
			user, pass, _ := strings.Cut(string(dec), ":")
			s.Add(user)
			s.Add(pass)
		}
	}
	for _, p := range strings.Split(cred, ",") { // Digest, AWS4-HMAC-SHA256: name=value, ...
		if _, val, ok := strings.Cut(p, "="); ok {
			s.Add(strings.Trim(strings.TrimSpace(val), `"`))
		}
	}
}

// Len returns the number of forms held (each value counts once per encoding that differs from it).
func (s *Secrets) Len() int {
	if s == nil {
		return 0
	}
	return len(s.vals)
}

func (s *Secrets) empty() bool { return s == nil || len(s.vals) == 0 }

// containsIn reports whether b holds any of the values.
func (s *Secrets) containsIn(b []byte) bool {
	if s.empty() {
		return false
	}
	s.prepare()
	if s.bvals != nil {
		for _, f := range s.bvals {
			if bytes.Contains(b, f) {
				return true
			}
		}
		return false
	}
	i, _ := s.next(string(b), 0)
	return i >= 0
}

// String returns text with every value replaced by [Placeholder], in one pass (at each position the longest
// value that starts there).
func (s *Secrets) String(text string) string {
	if s.empty() {
		return text
	}
	s.prepare()
	i, n := s.next(text, 0)
	if i < 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for i >= 0 {
		b.WriteString(text[last:i])
		b.WriteString(Placeholder)
		last = i + n
		i, n = s.next(text, last)
	}
	b.WriteString(text[last:])
	return b.String()
}

// Bytes returns b with every value replaced by [Placeholder]; b itself when it holds none.
func (s *Secrets) Bytes(b []byte) []byte {
	if !s.containsIn(b) {
		return b
	}
	return []byte(s.String(string(b)))
}

// Excerpt is [Secrets.String] for a value excerpt that may be cut short ("…" at its end): a value cut in the
// middle is replaced too, when at least 4 of its bytes remain.
func (s *Secrets) Excerpt(text string) string {
	text = s.String(text)
	body, cut := strings.CutSuffix(text, "…")
	if !cut || s.empty() {
		return text
	}
	for _, v := range s.vals {
		for k := len(v) - 1; k >= 4; k-- {
			if strings.HasSuffix(body, v[:k]) {
				return body[:len(body)-k] + Placeholder + "…"
			}
		}
	}
	return text
}
