package redact

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/apikit/apikit/capture"
)

// Exchange returns a copy of ex as a recording or a log stores it, and the credential values seen in it. Each
// side is redacted as [Redactor.Message] does, by name: secret headers, secret query, form and JSON keys at any
// depth, the URLs in every header, the bodies it cannot read (denied by default, unless the specs document
// that media type for the operation ex reaches, in which case its key=value pairs, JSON members and URLs are
// redacted as text). Then every credential value seen anywhere in the exchange (the Authorization token, cookie
// values, secret query, form and JSON values, the OAuth tokens of a response) is scrubbed wherever else it
// appears in it: a body or a header that echoes it, the URL. The returned [Secrets] scrubs the same values from
// the exchange's log lines. Bodies are decoded from their Content-Encoding; an empty body becomes nil. ex is not
// changed.
func (r *Redactor) Exchange(ex *capture.Exchange) (*capture.Exchange, *Secrets) {
	s := &Secrets{}
	c := *ex
	documented := func(mt string) bool { return r.documents(strings.ToUpper(ex.Method), ex.URL, mt) }
	if ex.URL != nil {
		c.URL = redactURL(ex.URL, r.queryPlaceholder, s)
	}
	c.RequestHeader, c.RequestBody = r.message(ex.RequestHeader, ex.RequestBody, documented, s)
	response := ex.Status != 0 || ex.ResponseHeader != nil
	if response {
		c.ResponseHeader, c.ResponseBody = r.message(ex.ResponseHeader, ex.ResponseBody, documented, s)
	}
	c.URL = s.url(c.URL)
	c.RequestHeader, c.RequestBody = r.scrubMessage(c.RequestHeader, c.RequestBody, ex.RequestBody, s)
	if response {
		c.ResponseHeader, c.ResponseBody = r.scrubMessage(c.ResponseHeader, c.ResponseBody, ex.ResponseBody, s)
	} else {
		c.ResponseHeader, c.ResponseBody = nil, nil
	}
	if len(c.RequestBody) == 0 {
		c.RequestBody = nil
	}
	if len(c.ResponseBody) == 0 {
		c.ResponseBody = nil
	}
	return &c, s
}

// url returns u with the values scrubbed from its text; u itself when it holds none.
func (s *Secrets) url(u *url.URL) *url.URL {
	if u == nil || s.empty() {
		return u
	}
	text := u.String()
	red := s.String(text)
	if red == text {
		return u
	}
	if v, err := url.Parse(red); err == nil {
		return v
	}
	return &url.URL{Path: Placeholder}
}

// scrubHeader returns h with the values scrubbed (in place).
func (s *Secrets) scrubHeader(h http.Header) http.Header {
	if s.empty() {
		return h
	}
	for _, vals := range h {
		for i, v := range vals {
			vals[i] = s.String(v)
		}
	}
	return h
}

// Collect returns the credential values seen in ex, by the names every HTTP API shares and the name pattern
// (see [Redactor.Exchange]), to scrub from what is printed about it.
func Collect(ex *capture.Exchange) *Secrets {
	var base Redactor
	_, s := base.Exchange(ex)
	return s
}
