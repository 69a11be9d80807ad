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
// The zero value and nil are empty sets. A Secrets is not safe for concurrent use while values are added.
type Secrets struct {
	vals  []string // every form of every value, longest first
	bvals [][]byte // vals as bytes
}

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
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v), string(q[1 : len(q)-1]),
		strings.ReplaceAll(string(q[1:len(q)-1]), "/", `\/`)}
	changed := false
	for _, f := range forms {
		if !slices.Contains(s.vals, f) {
			s.vals = append(s.vals, f)
			changed = true
		}
	}
	if changed {
		slices.SortStableFunc(s.vals, func(a, b string) int { return len(b) - len(a) })
		s.bvals = s.bvals[:0]
		for _, f := range s.vals {
			s.bvals = append(s.bvals, []byte(f))
		}
	}
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
	for _, v := range s.bvals {
		if bytes.Contains(b, v) {
			return true
		}
	}
	return false
}

// String returns text with every value replaced by [Placeholder].
func (s *Secrets) String(text string) string {
	if s.empty() {
		return text
	}
	for _, v := range s.vals {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, Placeholder)
		}
	}
	return text
}

// Bytes returns b with every value replaced by [Placeholder]; b itself when it holds none.
func (s *Secrets) Bytes(b []byte) []byte {
	if s.empty() {
		return b
	}
	for _, v := range s.bvals {
		if bytes.Contains(b, v) {
			b = bytes.ReplaceAll(b, v, []byte(Placeholder))
		}
	}
	return b
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
