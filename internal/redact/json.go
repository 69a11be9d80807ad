package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	errNotJSON          = errors.New("not JSON")
	quotedPlaceholder   = []byte(strconv.Quote(Placeholder))
	builtinKeys         = []string{"access_token", "refresh_token", "id_token", "client_secret", "code", "token", "api_key", "signature", "password"}
	builtinSecretHeader = []string{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)

// isJSONKey reports whether a JSON key holds a credential: a secret key, or a secret header's name.
func (r *Redactor) isJSONKey(key string) bool { return r.isKey(key) || r.IsSecretHeader(key) }

// walkJSON returns body with the values of secret keys and fields replaced, and whether anything changed.
func (r *Redactor) walkJSON(body []byte) ([]byte, bool, error) {
	if !json.Valid(body) {
		return nil, false, errNotJSON
	}
	var buf bytes.Buffer
	buf.Grow(len(body))
	changed, err := r.walkValue(&buf, bytes.TrimSpace(body))
	if err != nil {
		return nil, false, err
	}
	return buf.Bytes(), changed, nil
}

// walkValue writes one valid JSON value to buf, compactly, redacting inside objects and arrays.
func (r *Redactor) walkValue(buf *bytes.Buffer, raw []byte) (bool, error) {
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		buf.Write(raw)
		return false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	open, err := dec.Token()
	if err != nil {
		return false, err
	}
	object := open == json.Delim('{')
	buf.WriteByte(raw[0])
	changed := false
	for first := true; dec.More(); first = false {
		if !first {
			buf.WriteByte(',')
		}
		if object {
			tok, err := dec.Token()
			if err != nil {
				return false, err
			}
			key, _ := tok.(string)
			writeKey(buf, key)
			var val json.RawMessage
			if err := dec.Decode(&val); err != nil {
				return false, err
			}
			ph := r.placeholderFor(key, val)
			if ph != nil {
				buf.Write(ph)
				changed = changed || !bytes.Equal(ph, val)
				continue
			}
			c, err := r.walkValue(buf, val)
			if err != nil {
				return false, err
			}
			changed = changed || c
			continue
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return false, err
		}
		c, err := r.walkValue(buf, val)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	if object {
		buf.WriteByte('}')
	} else {
		buf.WriteByte(']')
	}
	return changed, nil
}

// placeholderFor returns what replaces the value under key, or nil to keep (and walk) it. A field (personal
// data) is replaced whatever its type, unless null; a credential key only when its value is a string, an object
// or an array, so that a numeric "code" of an error body survives.
func (r *Redactor) placeholderFor(key string, val json.RawMessage) []byte {
	if len(val) == 0 {
		return nil
	}
	if ph, ok := r.fields[strings.ToLower(key)]; ok {
		if string(val) == "null" {
			return nil
		}
		return ph
	}
	if r.isJSONKey(key) && (val[0] == '"' || val[0] == '{' || val[0] == '[') {
		return quotedPlaceholder
	}
	return nil
}

func writeKey(buf *bytes.Buffer, key string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(key)         // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode's newline
	buf.WriteByte(':')
}

// jsonNames lists every key whose value the scrubber replaces.
func (r *Redactor) jsonNames() []string {
	names := slices.Concat(builtinKeys, builtinSecretHeader)
	for k := range r.keys {
		names = append(names, k)
	}
	for h := range r.headers {
		names = append(names, h)
	}
	for f := range r.fields {
		names = append(names, f)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// jsonScrubber replaces the values of secret keys in text that claims to be JSON and does not parse (a
// truncated body): a quoted string, closed or not, or a bare run of characters up to a delimiter.
type jsonScrubber struct{ re *regexp.Regexp }

func newJSONScrubber(names []string) *jsonScrubber {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	re := regexp.MustCompile(`(?i)("(?:` + strings.Join(quoted, "|") + `)"\s*:\s*)(?:"(?:[^"\\]|\\.)*(?:"|\\?$)|[^\s,}\]"]+)`)
	return &jsonScrubber{re: re}
}

func (s *jsonScrubber) scrub(body []byte) []byte {
	if !s.re.Match(body) {
		return body
	}
	return s.re.ReplaceAll(body, []byte(`${1}"`+Placeholder+`"`))
}
