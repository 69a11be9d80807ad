package contract

// A minimal JSON scanner for the rules: it walks a body once, descends only into the members on the way to the
// items and the paging envelope, and records where each value the rules need starts and ends, without decoding
// anything else or allocating. Strings are skipped with bytes.IndexByte, nested values by counting brackets.
//
// It does not validate the JSON it skips: the rules run only on bodies the schema check could decode (check()
// skips them when the body is not JSON), so skipping need only be right for valid JSON, and safe (no panic, no
// endless loop, a false return) for anything else.

import (
	"bytes"
	"encoding/json"
)

type jscan struct {
	b        []byte
	i        int
	lastName int // member(): where the last name ended (after its closing quote)
}

// isSpace reports JSON insignificant whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func (s *jscan) ws() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// at reports whether the next byte is c.
func (s *jscan) at(c byte) bool { return s.i < len(s.b) && s.b[s.i] == c }

// str reads a string at s.i (which holds '"') and returns the bounds of its contents, escapes undecoded.
func (s *jscan) str() (start, end int, ok bool) {
	start = s.i + 1
	i := start
	for {
		j := bytes.IndexByte(s.b[i:], '"')
		if j < 0 {
			return 0, 0, false
		}
		k := i + j
		n := 0
		for p := k - 1; p >= start && s.b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			s.i = k + 1
			return start, k, true
		}
		i = k + 1
	}
}

// skip passes over one value. spaced reports whitespace inside an array or object (outside its strings), which
// a fingerprint must ignore.
func (s *jscan) skip() (spaced, ok bool) {
	if s.i >= len(s.b) {
		return false, false
	}
	switch s.b[s.i] {
	case '"':
		_, _, ok = s.str()
		return false, ok
	case '{', '[':
		return s.skipComposite()
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == ',' || c == '}' || c == ']' || c == ':' || isSpace(c) {
			break
		}
		s.i++
	}
	return false, s.i > start
}

func (s *jscan) skipComposite() (spaced, ok bool) {
	depth := 0
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case '"':
			if _, _, ok := s.str(); !ok {
				return spaced, false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i++
				return spaced, true
			}
		case ' ', '\n', '\r', '\t':
			spaced = true
		}
		s.i++
	}
	return spaced, false
}

// member reads `"key":` and leaves s.i at the value. key holds the name's raw bytes, unescaped if it had escapes.
func (s *jscan) member() (key []byte, ok bool) {
	if !s.at('"') {
		return nil, false
	}
	ks, ke, ok := s.str()
	if !ok {
		return nil, false
	}
	key = s.b[ks:ke]
	s.lastName = ke + 1
	if bytes.IndexByte(key, '\\') >= 0 {
		var name string
		if json.Unmarshal(s.b[ks-1:ke+1], &name) != nil {
			return nil, false
		}
		key = []byte(name)
	}
	s.ws()
	if !s.at(':') {
		return nil, false
	}
	s.i++
	s.ws()
	return key, true
}

// next passes the comma after a member or element; it reports whether another follows (false at close, which it
// consumes) and whether the input was well formed.
func (s *jscan) next(close byte) (more, ok bool) {
	s.ws()
	if s.at(',') {
		s.i++
		s.ws()
		return true, true
	}
	if s.at(close) {
		s.i++
		return false, true
	}
	return false, false
}

// compact appends v without the whitespace outside its strings.
func compact(dst, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if isSpace(c) {
			continue
		}
		dst = append(dst, c)
		if c == '"' {
			for i++; i < len(v); i++ {
				dst = append(dst, v[i])
				if v[i] == '\\' && i+1 < len(v) {
					i++
					dst = append(dst, v[i])
				} else if v[i] == '"' {
					break
				}
			}
		}
	}
	return dst
}

// stringValue decodes a JSON string value (with its quotes); ok is false for anything else.
func stringValue(raw []byte) (string, bool) {
	b, ok := stringBytes(raw)
	return string(b), ok
}

// stringBytes is stringValue without a copy when the string has no escapes.
func stringBytes(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}
