package redact

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Finding is a place in a text that looks like a credential left unredacted. It never holds the value.
type Finding struct {
	Line int    // 1-based
	Kind string // what was found: "bearer token", "access_token= value", "JWT", ...
}

// The package's regular expressions (these and the ones in headers.go, json.go and redactor.go) are compiled on
// first use: compiling them all at start cost every apikit command 0.5 ms and 2,267 allocations (apikit validate
// uses none of them).
var (
	scanAuth = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b(Bearer|bearer|Basic)[ \t]+([A-Za-z0-9._~+/=-]{6,})`)
	})
	// The name patterns capture any key; [IsSecretKey] decides, as it does for the redactor.
	scanKV = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:^|[?&;\s"'{(,#\x60])([A-Za-z0-9_.-]{1,64})=([^&;\s"'\\<>)\x60]+)`)
	})
	scanJSON = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"([^"\\\n]{1,64})"\s*:\s*"([^"\\]*)"`) })
	scanYAML = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?m)^[ \t]*([A-Za-z0-9_.-]{1,64}):[ \t]*\n[ \t]*-[ \t]*(.*)$`)
	})
	scanHAR = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`"name"\s*:\s*"([^"\\]{1,64})"\s*,\s*"value"\s*:\s*"([^"]*)"`)
	})
	scanJWT = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	})
	scanLong  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[A-Za-z0-9+/=_.-]{24,}`) })
	scanNames = sync.OnceValue(func() []*regexp.Regexp { return []*regexp.Regexp{scanYAML(), scanHAR(), scanJSON(), scanKV()} }) // a key=value inside an earlier match is not reported twice
)

// Scan looks through a file's contents for credentials that were not redacted, as a check on recordings before
// they are committed: an Authorization value (Bearer, Basic) other than the placeholder; a key the redactor
// calls secret ([IsSecretKey]: access_token, code, client_secret, apikey, X-Auth-Token, ...) with another value
// in a query, a form, JSON, a HAR name/value pair or a go-vcr cassette's form or headers; a cookie or
// Authorization header whose values are not the placeholder;
// a JWT; and a long random-looking string (24 or more letters and digits mixed, outside paths and words) that
// is not base64 of readable text. Base64 of readable text is decoded and scanned in turn. It is a heuristic: it
// finds the shapes tokens usually have, not every secret.
func Scan(data []byte) []Finding {
	var out []Finding
	scan(data, 0, &out, 0)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// scan adds the findings of data, whose first line is line base+1 of the file.
func scan(data []byte, base int, out *[]Finding, depth int) {
	lineOf := func(off int) int { return base + 1 + bytes.Count(data[:off], []byte{'\n'}) }
	add := func(off int, kind string) { *out = append(*out, Finding{Line: lineOf(off), Kind: kind}) }

	for _, m := range scanAuth().FindAllSubmatchIndex(data, -1) {
		if tok := string(data[m[4]:m[5]]); tok != Placeholder && !challengeParamName(tok) {
			add(m[0], strings.ToLower(string(data[m[2]:m[3]]))+" credential")
		}
	}
	var spans [][2]int
	for _, re := range scanNames() {
		for _, m := range re.FindAllSubmatchIndex(data, -1) {
			if re == scanKV() && slices.ContainsFunc(spans, func(s [2]int) bool { return s[0] <= m[2] && m[2] < s[1] }) {
				continue
			}
			if re != scanKV() {
				spans = append(spans, [2]int{m[0], m[1]})
			}
			name := string(data[m[2]:m[3]])
			lower := strings.ToLower(name)
			v := strings.TrimSpace(string(data[m[4]:m[5]]))
			switch {
			case isBuiltinHeader(lower) && re != scanKV() && re != scanJSON():
				if !headerRedacted(lower, v) {
					add(m[2], lower+" header")
				}
			case re == scanJSON() && lower == "code": // an error body's code
			case IsSecretKey(name):
				if v = strings.Trim(v, `"'`); v != Placeholder && v != "" && !isBodyPlaceholder([]byte(v)) {
					add(m[2], lower+" value")
				}
			}
		}
	}
	for _, m := range scanJWT().FindAllIndex(data, -1) {
		add(m[0], "JWT")
	}
	for _, m := range scanLong().FindAllIndex(data, -1) {
		s := string(data[m[0]:m[1]])
		if scanJWT().MatchString(s) || !randomLooking(s) {
			continue
		}
		if text, ok := base64Text(s); ok {
			if depth < 2 {
				scan(text, lineOf(m[0])-1, out, depth+1)
			}
			continue
		}
		add(m[0], "long random string")
	}
}

// challengeParamName reports whether what follows "Bearer " is the first parameter of a WWW-Authenticate
// challenge (realm="api"), which the redactor keeps, rather than a token.
func challengeParamName(tok string) bool {
	switch strings.ToLower(tok) {
	case "realm=", "scope=", "error=", "charset=":
		return true
	}
	return false
}

// headerRedacted reports whether a recorded secret header's value is redacted.
func headerRedacted(name, v string) bool {
	v = strings.Trim(v, `"'`)
	switch name {
	case "authorization", "proxy-authorization":
		_, rest, ok := strings.Cut(v, " ")
		return v == Placeholder || (ok && rest == Placeholder)
	case "cookie", "set-cookie":
		pairs := strings.Split(v, ";")
		if name == "set-cookie" {
			pairs = pairs[:1]
		}
		for _, p := range pairs {
			_, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if p = strings.TrimSpace(p); p != Placeholder && (!ok || val != Placeholder) {
				return false
			}
		}
		return true
	}
	return v == Placeholder
}

// randomLooking reports whether a run of token characters has a piece (between / . _ -) of 24 or more
// characters that mixes letters and digits, as generated secrets do and paths and words do not.
func randomLooking(s string) bool {
	for _, piece := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("/._-", r) }) {
		if len(piece) < 24 {
			continue
		}
		var letter, digit bool
		for _, r := range piece {
			letter = letter || unicode.IsLetter(r)
			digit = digit || unicode.IsDigit(r)
		}
		if letter && digit {
			return true
		}
	}
	return false
}

// base64Text decodes s when it is base64 (standard or URL alphabet, padded or not) of readable UTF-8 text.
func base64Text(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil || !utf8.Valid(b) {
			continue
		}
		printable := 0
		for _, r := range string(b) {
			if unicode.IsPrint(r) || unicode.IsSpace(r) {
				printable++
			}
		}
		if printable == utf8.RuneCount(b) {
			return b, true
		}
	}
	return nil, false
}
