package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/openapi"
)

// Redactor redacts URLs, headers and bodies. It knows the credentials of the package functions ([IsSecretHeader],
// [IsSecretKey]), the fields the specs mark with x-apikit-secret: true, and whatever its options add. Build it
// with [New]; it is safe for concurrent use and never changes what it is given.
type Redactor struct {
	keys    map[string]bool   // lower-case query, form and JSON keys holding credentials
	headers map[string]bool   // lower-case header names holding secrets
	fields  map[string][]byte // lower-case JSON field (or query key) → placeholder as JSON
	// examples are the placeholders (JSON strings) of the properties the specs declare whose names
	// [IsSecretName] calls secret, from their examples, so that a redacted recording stays valid.
	examples map[string][]byte
	routes   []route         // the media types each operation of the specs documents
	kept     map[string]bool // media types kept as text wherever they appear (WithMediaTypes)
}

// Option configures a [Redactor].
type Option func(*config) error

type config struct {
	specs   fs.FS
	types   []string
	keys    []string
	headers []string
	fields  map[string]any
	order   []string
}

// WithSpecs reads the x-apikit-secret marks from the OpenAPI documents (*.yaml, *.yml, *.json) at the top of fsys instead of
// the embedded specs (package openapi); nil reads none.
func WithSpecs(fsys fs.FS) Option {
	return func(c *config) error {
		c.specs = fsys
		return nil
	}
}

// WithMediaTypes names media types ("text/csv") whose bodies are kept in every exchange, with the URLs, the
// key=value pairs and the JSON members whose keys are secret redacted as text, and every credential value of the
// exchange scrubbed, instead of being replaced by a placeholder. JSON and forms are always parsed and redacted;
// a type the specs document for an operation is kept for that operation without being named here.
func WithMediaTypes(types ...string) Option {
	return func(c *config) error {
		for _, t := range types {
			if _, _, err := mime.ParseMediaType(t); err != nil {
				return fmt.Errorf("redact: WithMediaTypes %q: %w", t, err)
			}
		}
		c.types = append(c.types, types...)
		return nil
	}
}

// WithKeys adds query, form and JSON keys whose values are credentials; a JSON value under such a key is
// replaced when it is a string, an object or an array (a number or a boolean cannot be a token).
func WithKeys(keys ...string) Option {
	return func(c *config) error {
		for _, k := range keys {
			if k == "" {
				return fmt.Errorf("redact: WithKeys: empty key")
			}
		}
		c.keys = append(c.keys, keys...)
		return nil
	}
}

// WithHeaders adds header names whose values are secrets (they become the placeholder).
func WithHeaders(names ...string) Option {
	return func(c *config) error {
		for _, n := range names {
			if n == "" {
				return fmt.Errorf("redact: WithHeaders: empty header name")
			}
		}
		c.headers = append(c.headers, names...)
		return nil
	}
}

// WithField adds a field holding personal data or another secret: in JSON bodies, at any depth, its value
// (whatever its type, unless null) becomes placeholder; in queries and forms, placeholder's text. Choose a
// placeholder valid against the field's schema ("jane@example.com" for an email), so that a redacted recording
// still validates; nil means [Placeholder]. A field named here overrides one read from the specs.
func WithField(name string, placeholder any) Option {
	return func(c *config) error {
		if name == "" {
			return fmt.Errorf("redact: WithField: empty field name")
		}
		if placeholder == nil {
			placeholder = Placeholder
		}
		if _, err := json.Marshal(placeholder); err != nil {
			return fmt.Errorf("redact: WithField %s: placeholder is not JSON: %w", name, err)
		}
		if c.fields == nil {
			c.fields = map[string]any{}
		}
		c.fields[name] = placeholder
		c.order = append(c.order, name)
		return nil
	}
}

// New builds a Redactor from the specs' x-apikit-secret marks (the embedded specs unless [WithSpecs] says
// otherwise) and the options.
func New(opts ...Option) (*Redactor, error) {
	c := &config{specs: openapi.FS}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	r := &Redactor{keys: map[string]bool{}, headers: map[string]bool{}, fields: map[string][]byte{}, examples: map[string][]byte{}}
	if c.specs != nil {
		info, err := readSpecs(c.specs)
		if err != nil {
			return nil, err
		}
		r.examples, r.routes = info.examples, info.routes
		for _, m := range info.marks {
			switch m.in {
			case "header":
				r.headers[strings.ToLower(m.name)] = true
			case "query", "cookie", "path":
				r.keys[strings.ToLower(m.name)] = true
			default:
				ph, err := json.Marshal(m.example)
				if err != nil || m.example == nil {
					ph = []byte(strconv.Quote(Placeholder))
				}
				if _, dup := r.fields[strings.ToLower(m.name)]; !dup { // specs are read in name order: first wins
					r.fields[strings.ToLower(m.name)] = ph
				}
			}
		}
	}
	for _, k := range c.keys {
		r.keys[strings.ToLower(k)] = true
	}
	for _, t := range c.types {
		mt, _, _ := mime.ParseMediaType(t) // checked in WithMediaTypes
		if r.kept == nil {
			r.kept = map[string]bool{}
		}
		r.kept[mt] = true
	}
	for _, h := range c.headers {
		r.headers[strings.ToLower(h)] = true
	}
	for _, name := range c.order {
		ph, _ := json.Marshal(c.fields[name]) // checked in WithField
		r.fields[strings.ToLower(name)] = ph
	}
	return r, nil
}

// Fields returns the JSON fields the redactor replaces and their placeholders (as JSON), for documentation and
// tests.
func (r *Redactor) Fields() map[string]string {
	out := make(map[string]string, len(r.fields))
	for k, v := range r.fields {
		out[k] = string(v)
	}
	return out
}

// IsSecretHeader reports whether the redactor replaces the value of header name.
func (r *Redactor) IsSecretHeader(name string) bool {
	return IsSecretHeader(name) || r.headers[strings.ToLower(name)]
}

// isKey reports whether a query, form or JSON key holds a credential.
func (r *Redactor) isKey(key string) bool {
	return IsSecretKey(key) || r.keys[strings.ToLower(key)]
}

// valuePlaceholder reports whether a query, form or JSON key is secret (a credential or a field), and the
// decoded text to put in place of its value.
func (r *Redactor) valuePlaceholder(key string) (string, bool) {
	if ph, ok := r.fields[strings.ToLower(key)]; ok {
		var s string
		if json.Unmarshal(ph, &s) != nil {
			s = string(ph) // a number or another JSON value: its literal
		}
		return s, true
	}
	if r.isKey(key) {
		return Placeholder, true
	}
	return "", false
}

// queryPlaceholder is the secretFunc of queries and forms.
func (r *Redactor) queryPlaceholder(key string) (string, bool) {
	s, ok := r.valuePlaceholder(key)
	return url.QueryEscape(s), ok
}

// Values returns a copy of v (a parsed query or form) with the values of secret keys replaced; nil stays nil.
func (r *Redactor) Values(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vals := range v {
		ph, secret := r.valuePlaceholder(k)
		c := make([]string, len(vals))
		for i, val := range vals {
			c[i] = val
			if secret {
				c[i] = ph
			}
		}
		out[k] = c
	}
	return out
}

// URL returns a copy of u with secret query values, fragment values and user information replaced.
func (r *Redactor) URL(u *url.URL) *url.URL { return redactURL(u, r.queryPlaceholder, nil) }

// Query redacts a URL-encoded query or form body, keeping its keys, separators and order.
func (r *Redactor) Query(raw string) string { return redactQuery(raw, r.queryPlaceholder, nil) }

// Header returns a copy of h with the values of secret headers replaced (see [Header]), the query and fragment
// of every URL in the other headers redacted as [Redactor.URL] does (Location, Content-Location, Referer, a
// Link's URLs, custom ones: an OAuth redirect carries its code there), and a WWW-Authenticate challenge's
// parameters but its realm, scope and error. nil stays nil.
func (r *Redactor) Header(h http.Header) http.Header {
	return r.header(h, nil)
}

func (r *Redactor) header(h http.Header, collect *Secrets) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for name, vals := range out {
		for i, v := range vals {
			vals[i] = r.headerValue(name, v, collect)
		}
	}
	return out
}

// Body redacts a body of the given Content-Type: a form (application/x-www-form-urlencoded) through [Query], JSON
// (application/json, any +json type) by replacing the values of secret keys and fields at any depth, in one pass
// that keeps the rest of the text as it is. A body without a Content-Type is treated as JSON when it parses as
// JSON, else as a form when it looks like one. A body of any other type (text, HTML, multipart, binary) is denied
// by default: it becomes a placeholder giving its size and type, "REDACTED (1234 bytes of text/plain)" (see
// [Redactor.Exchange] for the types a spec documents). A body that is not changed is returned as is (the same
// slice). JSON that does not parse (a truncated body) has the values of secret keys scrubbed as text.
func (r *Redactor) Body(contentType string, body []byte) []byte {
	return r.body(contentType, body, nil, nil)
}

// body is [Redactor.Body]; documented, when not nil, reports whether the spec documents a media type for the
// exchange's operation (such a body is kept, its secrets scrubbed as text); collect gathers credential values.
func (r *Redactor) body(contentType string, body []byte, documented func(mediaType string) bool, collect *Secrets) []byte {
	if len(body) == 0 || isBodyPlaceholder(body) {
		return body
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		return r.form(body, collect)
	case isJSONType(mt):
		return r.json(body, collect)
	case mt == "":
		if out, err := r.walkJSON(body, true, nil, collect); err == nil {
			return out
		}
		if looksLikeForm(body) {
			return r.form(body, collect)
		}
	case r.kept[mt] || (documented != nil && documented(mt)):
		return r.text(body, collect)
	}
	return bodyPlaceholder(mt, len(body))
}

func isJSONType(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json"
}

// bodyPlaceholder stands for a body the redactor cannot read.
func bodyPlaceholder(mediaType string, n int) []byte {
	if mediaType == "" {
		mediaType = "an unknown type"
	}
	return []byte(fmt.Sprintf("%s (%d bytes of %s)", Placeholder, n, mediaType))
}

func isBodyPlaceholder(b []byte) bool {
	return len(b) < 256 && bytes.HasPrefix(b, []byte(Placeholder+" (")) && bytes.HasSuffix(b, []byte(")"))
}

// looksLikeForm reports whether a body without a type reads as a URL-encoded form: printable ASCII without
// spaces, with a key=value pair.
func looksLikeForm(b []byte) bool {
	if bytes.IndexByte(b, '=') < 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

func (r *Redactor) form(body []byte, collect *Secrets) []byte {
	s := string(body)
	if red := redactQuery(s, r.queryPlaceholder, collect); red != s {
		return []byte(red)
	}
	return body
}

func (r *Redactor) json(body []byte, collect *Secrets) []byte {
	out, err := r.walkJSON(body, true, nil, collect)
	if err != nil {
		return r.scrubJSONText(body, collect)
	}
	return out
}

// kvInText is a key=value pair in free text.
var kvInText = regexp.MustCompile(`([A-Za-z0-9_.\[\]-]{1,128})=([^&;\s"'<>,)]+)`)

// text redacts a body of a type that is neither JSON nor a form, but documented: the URLs in it, its key=value
// pairs and its JSON members whose keys are secret.
func (r *Redactor) text(body []byte, collect *Secrets) []byte {
	s := string(body)
	red := r.urlsIn(s, collect)
	red = kvInText.ReplaceAllStringFunc(red, func(m string) string {
		k, v, _ := strings.Cut(m, "=")
		if ph, ok := r.valuePlaceholder(k); ok && v != ph {
			collect.Add(v)
			return k + "=" + ph
		}
		return m
	})
	out := r.scrubJSONText([]byte(red), collect)
	if string(out) == s {
		return body
	}
	return out
}

// Message redacts one side of an exchange: the headers and the body together, and every credential value seen
// in either wherever else it appears in them (a body that echoes the token of the Authorization header). A body
// with a Content-Encoding is decoded first (gzip, deflate, br: [capture.Decode]) and stored decoded, without the
// Content-Encoding header; a body in an encoding it cannot read (zstd), or that does not decode within
// [capture.DefaultMaxBody], is replaced by the placeholder, since what it cannot read it cannot clean. When the
// body changes, a Content-Length header is set to its new length. h and body are not modified.
// [Redactor.Exchange] does the same for a whole exchange.
func (r *Redactor) Message(h http.Header, body []byte) (http.Header, []byte) {
	s := &Secrets{}
	out, b := r.message(h, body, nil, s)
	return r.scrubMessage(out, b, body, s)
}

// message redacts one side by name, adding the credential values it meets to collect.
func (r *Redactor) message(h http.Header, body []byte, documented func(string) bool, collect *Secrets) (http.Header, []byte) {
	out := r.header(h, collect)
	if out == nil {
		out = http.Header{}
	}
	if enc := strings.ToLower(strings.TrimSpace(out.Get("Content-Encoding"))); enc != "" && enc != "identity" && len(body) > 0 {
		decoded, err := capture.Decode(enc, body, capture.DefaultMaxBody)
		if err != nil {
			decoded = []byte(Placeholder)
		}
		body = decoded
		out.Del("Content-Encoding")
	}
	if !bytes.Equal(body, []byte(Placeholder)) {
		body = r.body(out.Get("Content-Type"), body, documented, collect)
	}
	return out, body
}

// scrubMessage replaces the values of s in a redacted side's headers and body; orig is the body as received, for
// its Content-Length.
func (r *Redactor) scrubMessage(h http.Header, body, orig []byte, s *Secrets) (http.Header, []byte) {
	if !s.empty() {
		for _, vals := range h {
			for i, v := range vals {
				vals[i] = s.String(v)
			}
		}
		if s.containsIn(body) {
			mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
			scrubbed, err := r.walkJSON(body, false, s, nil)
			if err != nil || !(isJSONType(mt) || mt == "") {
				scrubbed = s.Bytes(bytes.Clone(body))
			}
			body = scrubbed
		}
	}
	if !bytes.Equal(body, orig) && h.Get("Content-Length") != "" {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return h, body
}
