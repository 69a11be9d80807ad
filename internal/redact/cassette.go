package redact

import (
	"net/http"
	"net/url"

	"github.com/apikit/apikit/capture"

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
	req, res := &i.Request, &i.Response
	ex := &capture.Exchange{Method: req.Method, RequestHeader: req.Headers, RequestBody: []byte(req.Body),
		Status: res.Code, ResponseHeader: res.Headers, ResponseBody: []byte(res.Body)}
	if res.Code == 0 && res.Headers == nil {
		ex.ResponseHeader = http.Header{}
	}
	u, err := url.Parse(req.URL)
	if err == nil {
		ex.URL = u
	}
	red, s := r.Exchange(ex)
	if ex.URL != nil {
		req.URL = red.URL.String()
	} else {
		req.URL = s.String(r.rawURL(req.URL))
	}
	req.RequestURI = s.String(r.rawURL(req.RequestURI))
	req.Form = s.values(r.Values(req.Form))
	req.Trailer = s.scrubHeader(r.Header(req.Trailer))
	req.Headers = red.RequestHeader
	if body := string(red.RequestBody); body != req.Body {
		req.Body = body
		if req.ContentLength > 0 {
			req.ContentLength = int64(len(body))
		}
	}
	res.Trailer = s.scrubHeader(r.Header(res.Trailer))
	res.Headers = red.ResponseHeader
	if body := string(red.ResponseBody); body != res.Body {
		res.Body = body
		if res.ContentLength > 0 {
			res.ContentLength = int64(len(body))
		}
	}
	return nil
}

// values returns v with the values scrubbed (in place).
func (s *Secrets) values(v url.Values) url.Values {
	if s.empty() {
		return v
	}
	for _, vals := range v {
		for i, x := range vals {
			vals[i] = s.String(x)
		}
	}
	return v
}

// rawURL redacts a URL or a request URI held as text. Text that does not parse has its query redacted as text.
func (r *Redactor) rawURL(raw string) string { return r.rawURLCollect(raw, nil) }
