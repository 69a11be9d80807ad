package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
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
	scrub   *jsonScrubber     // fallback for bodies that claim JSON and do not parse
}

// Option configures a [Redactor].
type Option func(*config) error

type config struct {
	specs   fs.FS
	keys    []string
	headers []string
	fields  map[string]any
	order   []string
}

// WithSpecs reads the x-apikit-secret marks from the OpenAPI documents (*.yaml) at the top of fsys instead of
// the embedded specs (package openapi); nil reads none.
func WithSpecs(fsys fs.FS) Option {
	return func(c *config) error {
		c.specs = fsys
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
	r := &Redactor{keys: map[string]bool{}, headers: map[string]bool{}, fields: map[string][]byte{}}
	if c.specs != nil {
		marks, err := specMarks(c.specs)
		if err != nil {
			return nil, err
		}
		for _, m := range marks {
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
	for _, h := range c.headers {
		r.headers[strings.ToLower(h)] = true
	}
	for _, name := range c.order {
		ph, _ := json.Marshal(c.fields[name]) // checked in WithField
		r.fields[strings.ToLower(name)] = ph
	}
	r.scrub = newJSONScrubber(r.jsonNames())
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
func (r *Redactor) URL(u *url.URL) *url.URL { return redactURL(u, r.queryPlaceholder) }

// Query redacts a URL-encoded query or form body, keeping its keys, separators and order.
func (r *Redactor) Query(raw string) string { return redactQuery(raw, r.queryPlaceholder) }

// Header returns a copy of h with the values of secret headers replaced (see [Header]), and the query of
// URL-valued headers (Location, Content-Location, Referer) redacted as [Redactor.URL] does: an OAuth redirect
// carries its code there. nil stays nil.
func (r *Redactor) Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for name, vals := range out {
		for i, v := range vals {
			switch {
			case IsSecretHeader(name):
				vals[i] = headerValue(name, v)
			case r.headers[strings.ToLower(name)]:
				vals[i] = Placeholder
			case isURLHeader(name):
				vals[i] = r.rawURL(v)
			}
		}
	}
	return out
}

// Body redacts a body of the given Content-Type: a form (application/x-www-form-urlencoded) through [Query], JSON
// (application/json, any +json type) by replacing the values of secret keys and fields at any depth. A body
// without a Content-Type is treated as JSON when it parses as JSON, else as a form when it has a secret key.
// Other types (text, HTML, binary) are returned as they are. A body that is not changed is returned as is (the
// same slice); a JSON body that is changed is re-encoded compactly, keeping key order and number literals.
// JSON that does not parse has the values of secret keys scrubbed as text.
func (r *Redactor) Body(contentType string, body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		return r.form(body)
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json":
		return r.json(body)
	case mt == "":
		if json.Valid(body) {
			return r.json(body)
		}
		return r.form(body)
	}
	return body
}

func (r *Redactor) form(body []byte) []byte {
	s := string(body)
	if red := r.Query(s); red != s {
		return []byte(red)
	}
	return body
}

func (r *Redactor) json(body []byte) []byte {
	out, changed, err := r.walkJSON(body)
	if err != nil {
		return r.scrub.scrub(body)
	}
	if !changed {
		return body
	}
	return out
}

// Message redacts one side of an exchange: the headers and the body together. A body with a Content-Encoding
// is decoded first (gzip, deflate, br: [capture.Decode]) and stored decoded, without the Content-Encoding header;
// a body in an encoding it cannot read (zstd), or that does not decode within [capture.DefaultMaxBody], is
// replaced by the placeholder, since what it cannot read it cannot clean. When the body changes, a Content-Length
// header is set to its new length. h and body are not modified.
func (r *Redactor) Message(h http.Header, body []byte) (http.Header, []byte) {
	out := r.Header(h)
	if out == nil {
		out = http.Header{}
	}
	orig := body
	if enc := strings.ToLower(strings.TrimSpace(out.Get("Content-Encoding"))); enc != "" && enc != "identity" && len(body) > 0 {
		decoded, err := capture.Decode(enc, body, capture.DefaultMaxBody)
		if err != nil {
			decoded = []byte(Placeholder)
		}
		body = decoded
		out.Del("Content-Encoding")
	}
	body = r.Body(out.Get("Content-Type"), body)
	if !bytes.Equal(body, orig) && out.Get("Content-Length") != "" {
		out.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return out, body
}
