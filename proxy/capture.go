package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// stateKey carries an exchange's state from ServeHTTP, through ReverseProxy, to the transport and the error
// handler (ReverseProxy's outbound request context derives from the inbound one).
type stateKey struct{}

// exchangeState is what the proxy learns of one exchange. ReverseProxy calls the transport and the error handler
// on the handler's goroutine, so its fields need no lock; the bodies' copies have their own.
type exchangeState struct {
	started time.Time
	seq     int64

	method    string
	url       *url.URL // the upstream URL
	reqHeader http.Header
	reqBody   *tee // nil without a body
	resp      *http.Response
	respBody  *tee // nil for a protocol switch
	failure   *UpstreamError
	cancel    context.CancelCauseFunc
}

// release ends the upstream request's context once the exchange is over.
func (st *exchangeState) release() {
	if st.cancel != nil {
		st.cancel(nil)
	}
}

// capturingTransport forwards a request with next, bounds the wait for the response headers, and puts a tee on
// both bodies so the exchange can be validated once they have been read.
type capturingTransport struct {
	next    http.RoundTripper
	timeout time.Duration
	maxBody int64
}

// timeoutError is the cause of an upstream request cancelled for want of response headers.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("no response headers within %v", e.d)
}

func (t *capturingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st, _ := req.Context().Value(stateKey{}).(*exchangeState)
	if st == nil { // not from ServeHTTP
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	st.cancel = cancel
	out := req.WithContext(ctx)
	st.method, st.url = req.Method, cloneURL(req.URL)
	st.reqHeader = req.Header.Clone()
	if ua, ok := st.reqHeader["User-Agent"]; ok && len(ua) == 1 && ua[0] == "" {
		delete(st.reqHeader, "User-Agent") // ReverseProxy's way of sending none
	}
	if req.Body != nil && req.Body != http.NoBody {
		st.reqBody = newTee(req.Body, t.maxBody, req.ContentLength)
		out.Body = st.reqBody
	}
	timer := time.AfterFunc(t.timeout, func() { cancel(&timeoutError{t.timeout}) })
	resp, err := t.next.RoundTrip(out)
	timer.Stop()
	if err != nil {
		var te *timeoutError
		if errors.As(context.Cause(ctx), &te) {
			return nil, fmt.Errorf("%w (%w)", te, err)
		}
		return nil, err
	}
	st.resp = resp
	if resp.StatusCode != http.StatusSwitchingProtocols { // an upgraded body must stay an io.ReadWriteCloser
		st.respBody = newTee(resp.Body, t.maxBody, resp.ContentLength)
		resp.Body = st.respBody
	}
	return resp, nil
}

// CloseIdleConnections closes next's idle connections, when it can.
func (t *capturingTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// cloneURL copies u (its Userinfo is immutable, so it is shared).
func cloneURL(u *url.URL) *url.URL {
	c := *u
	return &c
}

// tee passes a body through and keeps a copy of up to limit bytes of it, with how reading it ended.
type tee struct {
	rc    io.ReadCloser
	limit int64

	mu   sync.Mutex
	data []byte
	n    int64 // bytes read, the copy's and beyond
	over bool  // more than limit bytes: data was dropped
	eof  bool
	err  error // the first read error other than io.EOF
}

func newTee(rc io.ReadCloser, limit, length int64) *tee {
	t := &tee{rc: rc, limit: limit}
	if length > 0 && length <= limit && length <= 1<<20 {
		t.data = make([]byte, 0, length) // perf: one allocation for the usual body with a length
	}
	return t
}

func (t *tee) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.mu.Lock()
	t.n += int64(n)
	if !t.over {
		if t.n > t.limit {
			t.over, t.data = true, nil
		} else {
			t.data = append(t.data, p[:n]...)
		}
	}
	switch {
	case err == io.EOF:
		t.eof = true
	case err != nil && t.err == nil:
		t.err = err
	}
	t.mu.Unlock()
	return n, err
}

func (t *tee) Close() error { return t.rc.Close() }

// teeState is a tee's copy and how reading ended, at one moment.
type teeState struct {
	data []byte
	n    int64
	over bool
	eof  bool
	err  error
}

func (t *tee) snapshot() teeState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return teeState{data: t.data, n: t.n, over: t.over, eof: t.eof, err: t.err}
}
