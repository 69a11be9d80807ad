package redact

import (
	"net/url"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// Interaction redacts a go-vcr interaction, for use as a hook that runs before the cassette is written:
//
//	recorder.WithHook(r.Interaction, recorder.BeforeSaveHook)
//
// The request's URL, request URI, form values, headers, trailer and body, and the response's headers, trailer
// and body are redacted as [Redactor.URL], [Redactor.Values], [Redactor.Header] and [Redactor.Message] do;
// content lengths follow the bodies. Headers and forms are replaced by redacted copies, never changed in place:
// go-vcr shares those maps with the live request and response, which keep their credentials. Redacting an
// interaction twice changes nothing more. It returns no error today; the signature is go-vcr's HookFunc.
func (r *Redactor) Interaction(i *cassette.Interaction) error {
	req := &i.Request
	req.URL = r.rawURL(req.URL)
	req.RequestURI = r.rawURL(req.RequestURI)
	req.Form = r.Values(req.Form)
	req.Trailer = r.Header(req.Trailer)
	var body []byte
	req.Headers, body = r.Message(req.Headers, []byte(req.Body))
	if string(body) != req.Body {
		req.Body = string(body)
		if req.ContentLength > 0 {
			req.ContentLength = int64(len(body))
		}
	}

	res := &i.Response
	res.Trailer = r.Header(res.Trailer)
	res.Headers, body = r.Message(res.Headers, []byte(res.Body))
	if string(body) != res.Body {
		res.Body = string(body)
		if res.ContentLength > 0 {
			res.ContentLength = int64(len(body))
		}
	}
	return nil
}

// rawURL redacts a URL or a request URI held as text. Text that does not parse has its query redacted as text.
func (r *Redactor) rawURL(raw string) string {
	if raw == "" {
		return raw
	}
	if u, err := url.Parse(raw); err == nil {
		return r.URL(u).String()
	}
	if base, q, ok := strings.Cut(raw, "?"); ok {
		return base + "?" + r.Query(q)
	}
	return raw
}
