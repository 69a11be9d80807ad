package contract

import (
	"io/fs"

	"github.com/apikit/apikit/internal/egress"
	"github.com/apikit/apikit/internal/redact"
)

// Redaction adds to what recordings leave out. Whatever it says, the Authorization, Proxy-Authorization,
// Cookie, Set-Cookie and X-Api-Key headers, the OAuth 2.0 and API key query, form and JSON keys (access_token,
// refresh_token, id_token, client_secret, code, token, api_key, signature, password) and every field the specs
// mark x-apikit-secret: true are redacted. The zero value adds nothing.
type Redaction struct {
	// Keys are more query, form and JSON keys whose values are credentials.
	Keys []string
	// Headers are more headers whose values are secrets.
	Headers []string
	// Fields are more JSON fields (personal data) and the placeholder each gets: pick one valid against the
	// field's schema, so that the recording still validates; nil means "REDACTED".
	Fields map[string]any
	// MediaTypes are media types ("text/csv") whose bodies recordings keep, with the secrets in their text
	// redacted, instead of a placeholder giving their size and type. JSON and forms are always kept and
	// redacted, and so is a type the specs document for the exchange's operation.
	MediaTypes []string
	// Specs, when set, is read for x-apikit-secret marks instead of the embedded specs (as [WithSpecFS] would
	// load them).
	Specs fs.FS
}

// redactor builds the internal/redact Redactor for r.
func (r *Redaction) redactor() (*redact.Redactor, error) {
	var opts []redact.Option
	if r != nil {
		if r.Specs != nil {
			opts = append(opts, redact.WithSpecs(r.Specs))
		}
		if len(r.Keys) > 0 {
			opts = append(opts, redact.WithKeys(r.Keys...))
		}
		if len(r.MediaTypes) > 0 {
			opts = append(opts, redact.WithMediaTypes(r.MediaTypes...))
		}
		if len(r.Headers) > 0 {
			opts = append(opts, redact.WithHeaders(r.Headers...))
		}
		for name, ph := range r.Fields {
			opts = append(opts, redact.WithField(name, ph))
		}
	}
	return redact.New(opts...)
}

// redactExchange returns a copy of ex as a recording stores it, through the exit point (see egress.Exchange).
func redactExchange(r *redact.Redactor, ex *Exchange) *Exchange { return egress.Exchange(r, ex) }

// scrubbed returns res with every credential value seen in ex (see [redact.Redactor.Exchange]) replaced in its
// messages and value excerpts: a response that echoes the request's token in a field that breaks the schema
// must not print it. Only a result with something to print costs the look.
func scrubbed(ex *Exchange, res Result) Result {
	if len(res.Violations) == 0 && len(res.Warnings) == 0 {
		return res
	}
	s := redact.Collect(ex)
	if s.Len() == 0 {
		return res
	}
	res.URL = s.String(res.URL)
	for _, vs := range [][]Violation{res.Violations, res.Warnings} {
		for i := range vs {
			vs[i].Message = s.String(vs[i].Message)
			vs[i].Value = s.Excerpt(vs[i].Value)
		}
	}
	return res
}
