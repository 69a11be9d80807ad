package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apikit/apikit/contract"
)

// stateKey carries an exchange's state from ServeHTTP, through ReverseProxy, to the transport and the error
// handler (ReverseProxy's outbound request context derives from the inbound one).
type stateKey struct{}

// exchangeState is what the proxy learns of one exchange. ReverseProxy calls the transport and the error handler
// on the handler's goroutine, so its fields need no lock; the bodies' copies have their own.
type exchangeState struct {
	started time.Time
	seq     int64
	req     *http.Request // the client's request, as ServeHTTP passed it on

	method    string
	url       *url.URL // the upstream URL
	reqHeader http.Header
	reqBody   *tee // nil without a body
	resp      *http.Response
	respBody  *tee // nil for a protocol switch; else respTee
	respTee   tee  // perf: the response's tee, in the state rather than allocated apart
	failure   *UpstreamError
	cancel    context.CancelCauseFunc

	// Once the response has been handed on (perf: in the state rather than allocated apart): the exchange to
	// validate, and the context and duration it is checked with.
	ex      contract.Exchange
	ctx     context.Context
	elapsed time.Duration
}

// release ends the upstream request's context once ReverseProxy is done with the exchange.
func (st *exchangeState) release() {
	if st.cancel != nil {
		st.cancel(nil)
	}
}

// freeBodies gives the bodies' copies back to the budget once the exchange has been validated and recorded, or
// will not be.
func (st *exchangeState) freeBodies() {
	st.reqBody.free()
	st.respBody.free()
}

// capturingTransport forwards a request with next, bounds the wait for the response headers, and puts a tee on
// both bodies so the exchange can be validated once they have been read.
type capturingTransport struct {
	next    http.RoundTripper
	timeout time.Duration
	maxBody int64
	budget  *budget
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
	// perf: the outbound URL is ReverseProxy's own copy, which nothing changes once it has been sent.
	st.method, st.url = req.Method, req.URL
	// perf: the outbound headers are ReverseProxy's own copy, which nothing changes once they have been sent.
	st.reqHeader = req.Header
	if ua, ok := st.reqHeader["User-Agent"]; ok && len(ua) == 1 && ua[0] == "" {
		st.reqHeader = req.Header.Clone()
		delete(st.reqHeader, "User-Agent") // ReverseProxy's way of sending none
	}
	if req.Body != nil && req.Body != http.NoBody {
		st.reqBody = newTee(req.Body, t.maxBody, req.ContentLength, t.budget)
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
		st.respBody = &st.respTee
		st.respBody.init(resp.Body, t.maxBody, resp.ContentLength, t.budget)
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

// budget is the bytes of body copies a [Proxy] may hold at once, across every exchange in flight and every
// exchange waiting to be validated: a copy reserves its capacity before it grows, and gives it back once its
// exchange has been validated and recorded (or dropped). A copy that cannot reserve stops being kept, so N large
// bodies at once take at most the budget between them, not N times the limit.
type budget struct {
	max  int64
	used atomic.Int64
}

// take reserves n bytes, or reports that they are not free.
func (b *budget) take(n int64) bool {
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		return false
	}
	return true
}

// give returns n reserved bytes.
func (b *budget) give(n int64) { b.used.Add(-n) }

// Why a tee stopped keeping its copy.
const (
	keptWhole  = iota
	overLimit  // the body is larger than the limit
	overBudget // the body budget was in use by other exchanges
)

// tee passes a body through and keeps a copy of up to limit bytes of it, within the proxy's budget, with how
// reading it ended. The copy is dropped, and its reservation given back, the moment the body crosses the limit or
// the budget runs out; the body streams on.
//
// A body of known length is copied into one buffer of that length. Another is copied into pieces, each as large
// as the copy so far (between minGrow and maxGrow), so a growing copy never holds an old and a new buffer at once;
// the pieces are joined once, when the exchange is validated.
type tee struct {
	rc    io.ReadCloser
	limit int64
	b     *budget

	mu      sync.Mutex
	pieces  [][]byte // full pieces before data
	data    []byte   // the piece being filled
	size    int64    // bytes copied: the pieces' and data's
	held    int64    // bytes reserved from b, until freed
	n       int64    // bytes read, the copy's and beyond
	dropped int      // keptWhole, overLimit or overBudget: the copy was dropped
	eof     bool
	err     error // the first read error other than io.EOF
}

// minGrow and maxGrow bound the pieces of a copy, when the body's length is not known: a copy reserves at most
// its size plus maxGrow.
const minGrow, maxGrow = 32 << 10, 4 << 20

func newTee(rc io.ReadCloser, limit, length int64, b *budget) *tee {
	t := &tee{}
	t.init(rc, limit, length, b)
	return t
}

// init sets up a zero tee, as newTee returns it.
func (t *tee) init(rc io.ReadCloser, limit, length int64, b *budget) {
	t.rc, t.limit, t.b = rc, limit, b
	switch {
	case length > limit: // known to be over: never copied
		t.dropped = overLimit
	case length > 0 && b.take(length): // perf: one allocation for a body with a length
		t.data, t.held = make([]byte, 0, length), length
	case length > 0:
		t.dropped = overBudget
	}
}

func (t *tee) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.mu.Lock()
	t.n += int64(n)
	if t.dropped == keptWhole && n > 0 {
		t.keep(p[:n])
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

// keep adds p to the copy, in a new piece when the last is full, within the limit and the budget, or drops the
// copy.
func (t *tee) keep(p []byte) {
	if t.size+int64(len(p)) > t.limit {
		t.drop(overLimit)
		return
	}
	for len(p) > 0 {
		if len(t.data) == cap(t.data) {
			grow := min(max(t.size, minGrow), maxGrow, t.limit-t.size)
			if !t.b.take(grow) {
				t.drop(overBudget)
				return
			}
			if len(t.data) > 0 {
				t.pieces = append(t.pieces, t.data)
			}
			t.data, t.held = make([]byte, 0, grow), t.held+grow
		}
		k := copy(t.data[len(t.data):cap(t.data)], p)
		t.data, p, t.size = t.data[:len(t.data)+k], p[k:], t.size+int64(k)
	}
}

// drop lets the copy go and gives its reservation back.
func (t *tee) drop(why int) {
	t.dropped, t.pieces, t.data, t.size = why, nil, nil, 0
	t.b.give(t.held)
	t.held = 0
}

// free gives the copy's reservation back once its exchange is done with it (the copy itself stays readable for
// whoever holds it, but no longer counts).
func (t *tee) free() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.b.give(t.held)
	t.held = 0
	t.mu.Unlock()
}

func (t *tee) Close() error { return t.rc.Close() }

// teeState is a tee's copy and how reading ended, at one moment.
type teeState struct {
	data    []byte
	n       int64
	dropped int
	eof     bool
	err     error
}

// snapshot returns the copy, its pieces joined into one buffer (which the budget counts in their place), and how
// reading ended.
func (t *tee) snapshot() teeState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pieces) > 0 {
		whole := make([]byte, 0, t.size)
		for _, piece := range t.pieces {
			whole = append(whole, piece...)
		}
		whole = append(whole, t.data...)
		t.b.give(t.held)
		t.b.used.Add(t.size) // held whatever the budget: the pieces it replaces are garbage now
		t.pieces, t.data, t.held = nil, whole, t.size
	}
	return teeState{data: t.data, n: t.n, dropped: t.dropped, eof: t.eof, err: t.err}
}
