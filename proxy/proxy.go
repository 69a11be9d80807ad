package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/egress"
)

// Defaults of the options.
const (
	// DefaultTimeout is how long the upstream has to send its response headers, connecting included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxBody is the largest body the proxy keeps a copy of to validate (the same limit apikit validate
	// reads HAR bodies with).
	DefaultMaxBody = 256 << 20
	// Source names exchanges in verdicts when the proxy records nothing ("proxy#12": the 13th request).
	Source = "proxy"
)

// Proxy is an [http.Handler] that forwards every request to one target and validates each exchange against the
// contracts (see the package documentation). Build it with [New]. It is safe for concurrent use.
type Proxy struct {
	target    *url.URL
	v         *contract.Validator
	rp        *httputil.ReverseProxy
	transport http.RoundTripper
	har       *contract.HARWriter
	logger    *slog.Logger
	record    contract.Sink // the HAR recorder: names the verdict by its entry; nil without WithHAR
	sink      contract.Sink // the log, the callbacks and WithSink's sinks, in that order
	onError   func(*UpstreamError)
	maxBody   int64
	budget    *budget
	// slots bounds the exchanges being validated and recorded off the response path: a handler takes one before
	// handing its exchange on, and waits for one when all are taken (backpressure); the bodies they hold are
	// bounded by budget.
	slots chan struct{}
	// jobs holds the exchanges handed on, for up to maxWorkers workers that start as they are needed and end
	// once idle for workerIdle (so a worker's grown stack serves many exchanges, and no goroutine outlives use).
	jobs       chan *exchangeState
	workers    atomic.Int32
	maxWorkers int32

	seq atomic.Int64 // requests received

	stats struct {
		validated, invalid, skipped, violations, warnings            atomic.Int64
		recorded, unvalidated, upstreamErrors, aborted, recordErrors atomic.Int64
	}
}

// Stats counts what a [Proxy] has seen since it was built.
type Stats struct {
	// Requests is every request received.
	Requests int64 `json:"requests"`
	// Validated is the exchanges validated (the upstream completed them): valid, invalid and skipped ones.
	Validated int64 `json:"validated"`
	// Invalid is the validated exchanges with at least one violation; Violations and Warnings count findings.
	Invalid    int64 `json:"invalid"`
	Violations int64 `json:"violations"`
	Warnings   int64 `json:"warnings"`
	// Skipped is the validated exchanges no operation of the specs matched (or that carry nothing to check).
	Skipped int64 `json:"skipped"`
	// Recorded is the entries written to the HAR file.
	Recorded int64 `json:"recorded"`
	// Unvalidated is the exchanges forwarded whole but not validated: a body over the limit (or arriving while
	// the body budget was in use), or a protocol switch.
	Unvalidated int64 `json:"unvalidated"`
	// UpstreamErrors is the exchanges the upstream failed (see [UpstreamError]).
	UpstreamErrors int64 `json:"upstreamErrors"`
	// Aborted is the exchanges the client gave up on before the response ended.
	Aborted int64 `json:"aborted"`
	// RecordErrors is the exchanges the HAR writer could not write.
	RecordErrors int64 `json:"recordErrors"`
}

// Option configures a [Proxy].
type Option func(*config) error

type config struct {
	har         *contract.HARWriter
	logger      *slog.Logger
	onResult    func(contract.Result)
	onViolation func(contract.Result)
	sinks       []contract.Sink
	onError     func(*UpstreamError)
	timeout     time.Duration
	maxBody     int64
	transport   http.RoundTripper
}

// WithHAR appends every exchange the upstream completed to w, redacted ([contract.HARWriter] redacts), in the
// order the exchanges end. The verdict on a recorded exchange names it by w's path and its entry index
// ("traffic.har#3"), as apikit validate names the same entry. Recording happens off the response path (see
// [Proxy.Drain]): the caller closes w once the server has shut down and [Proxy.Drain] has returned.
func WithHAR(w *contract.HARWriter) Option {
	return func(c *config) error {
		if w == nil {
			return errors.New("WithHAR: nil HARWriter")
		}
		c.har = w
		return nil
	}
}

// WithLogger logs one line per request (method, path, status, duration, operation, violation count, and the
// HAR entry when recorded) at info level, each failed exchange at error level, and what was not validated at
// warn level. Query strings, headers and bodies are never logged, and every line leaves through the exit point
// (internal/egress): its strings are sanitised of control characters. Without it the proxy logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l != nil {
			l = slog.New(egress.Handler(l.Handler()))
		}
		c.logger = l
		return nil
	}
}

// WithSink hands the verdict on every exchange the upstream completed to s, after the log line and the
// callbacks, with Result.Exchange set (its bodies decoded) and the exchange's timing in the context
// ([contract.Timing]). s is called from many goroutines at once (wrap it in [contract.Serial] unless it is safe
// for that), off the response path: it never delays the client's response, but a slow sink fills the queue (see
// [QueueSize]). The caller closes s once the server has shut down and [Proxy.Drain] has returned. The option may
// be repeated.
func WithSink(s contract.Sink) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("WithSink: nil Sink")
		}
		c.sinks = append(c.sinks, s)
		return nil
	}
}

// WithOnResult calls fn with the verdict on every exchange the upstream completed (valid, invalid or skipped),
// as soon as it is known: once the response body has been read to its end and the exchange recorded, off the
// response path (see [WithSink]). fn may be called from many goroutines at once.
func WithOnResult(fn func(contract.Result)) Option {
	return func(c *config) error {
		c.onResult = fn
		return nil
	}
}

// WithOnViolation calls fn with the verdict on every exchange that breaks the contract (Result.Valid false), like
// [WithOnResult].
func WithOnViolation(fn func(contract.Result)) Option {
	return func(c *config) error {
		c.onViolation = fn
		return nil
	}
}

// WithOnError calls fn with every exchange the upstream failed (see [UpstreamError]). fn may be called from many
// goroutines at once.
func WithOnError(fn func(*UpstreamError)) Option {
	return func(c *config) error {
		c.onError = fn
		return nil
	}
}

// WithTimeout bounds how long the upstream has to send its response headers, from the moment the request is
// forwarded (connecting included); [DefaultTimeout] by default. Past it the client gets a 502 with the error
// upstream_timeout. The body is not bounded: a stream may last.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithTimeout: %v is not positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxBody sets the largest body (request or response) the proxy keeps a copy of to validate
// ([DefaultMaxBody] by default), and the most it keeps of all bodies at once: the copies of the exchanges in
// flight and of those waiting to be validated share that one budget. A body stops being copied the moment it
// crosses the limit, or when the budget is in use by other exchanges; it streams on whole, but its exchange is
// neither validated nor recorded, and a warning says so ("over the body limit").
func WithMaxBody(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("WithMaxBody: %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithTransport forwards requests with rt instead of a clone of http.DefaultTransport that keeps up to 64 idle
// connections to the target. The [WithTimeout] limit applies to it too.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("WithTransport: nil RoundTripper")
		}
		c.transport = rt
		return nil
	}
}

// New returns a Proxy that forwards to target (an absolute http or https URL; a path in it prefixes every
// request's path, and its query is added to every request's) and validates with v. Strictness, spec sources
// and base URLs are the Validator's ([contract.WithStrict], [contract.WithBaseURL]).
func New(target *url.URL, v *contract.Validator, opts ...Option) (*Proxy, error) {
	if target == nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("proxy.New: target %q is not an absolute http(s) URL", urlString(target))
	}
	if v == nil {
		return nil, errors.New("proxy.New: nil Validator")
	}
	c := &config{timeout: DefaultTimeout, maxBody: DefaultMaxBody}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, fmt.Errorf("proxy.New: %w", err)
		}
	}
	if c.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 64, 64
		c.transport = t
	}
	tu := *target
	p := &Proxy{target: &tu, v: v, har: c.har, logger: c.logger, onError: c.onError, maxBody: c.maxBody,
		budget: &budget{max: c.maxBody}, slots: make(chan struct{}, QueueSize), jobs: make(chan *exchangeState, QueueSize),
		maxWorkers: int32(max(1, runtime.GOMAXPROCS(0)))}
	if c.har != nil {
		p.record = recordSink{p}
	}
	sinks := []contract.Sink{statsSink{p}}
	if c.logger != nil {
		sinks = append(sinks, logSink{p})
	}
	if c.onResult != nil {
		sinks = append(sinks, contract.OnResult(c.onResult))
	}
	if c.onViolation != nil {
		sinks = append(sinks, contract.OnViolation(c.onViolation))
	}
	p.sink = contract.Tee(append(sinks, c.sinks...)...)
	p.transport = &capturingTransport{next: c.transport, timeout: c.timeout, maxBody: c.maxBody, budget: p.budget}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(p.target)
			pr.SetXForwarded()
		},
		Transport:    p.transport,
		ErrorHandler: p.upstreamFailed,
		// Flush the headers and every chunk of the body as soon as the upstream sends them, whatever the body's
		// length: the client sees the upstream's pace, and when the upstream breaks off mid-body the client has
		// the status, the headers and the bytes sent so far, then an aborted connection (a truncated body).
		FlushInterval: -1,
		BufferPool:    &bufferPool{free: make(chan []byte, QueueSize)},
		// The proxy reports failures itself; ReverseProxy's own lines (a read error while copying) go to debug.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	if p.logger != nil {
		p.rp.ErrorLog = slog.NewLogLogger(p.logger.Handler(), slog.LevelDebug)
	}
	return p, nil
}

// Target returns the URL the proxy forwards to.
func (p *Proxy) Target() *url.URL {
	u := *p.target
	return &u
}

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	return Stats{
		Requests: p.seq.Load(), Validated: p.stats.validated.Load(), Invalid: p.stats.invalid.Load(),
		Violations: p.stats.violations.Load(), Warnings: p.stats.warnings.Load(), Skipped: p.stats.skipped.Load(),
		Recorded: p.stats.recorded.Load(), Unvalidated: p.stats.unvalidated.Load(), UpstreamErrors: p.stats.upstreamErrors.Load(),
		Aborted: p.stats.aborted.Load(), RecordErrors: p.stats.recordErrors.Load(),
	}
}

// CloseIdleConnections closes the idle connections to the target, when the transport can.
func (p *Proxy) CloseIdleConnections() {
	if c, ok := p.transport.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// ServeHTTP forwards r to the target and streams the answer back, then hands the exchange on to be validated,
// recorded and reported off the response path (see [Proxy.Drain]).
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &exchangeState{started: time.Now(), seq: p.seq.Add(1) - 1}
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	st.req = r
	defer st.release()
	defer func() {
		// ReverseProxy aborts the client's response with http.ErrAbortHandler when copying the body fails (the
		// upstream broke off, or the client went away); the exchange is reported, then the abort goes on.
		if rec := recover(); rec != nil {
			p.finish(r, st)
			panic(rec)
		}
	}()
	p.rp.ServeHTTP(w, r)
	// Send what is buffered before handing the exchange on.
	if f, ok := w.(http.Flusher); ok { // perf: the server's own writer, without a ResponseController
		f.Flush()
	} else {
		_ = http.NewResponseController(w).Flush()
	}
	p.finish(r, st)
}

// Drain waits until every exchange handed on so far has been validated, recorded and reported, or ctx ends.
// Call it once the server has shut down (http.Server.Shutdown waits for the responses, not for their
// validation), before closing the HAR writer and the sinks. The proxy stays usable.
func (p *Proxy) Drain(ctx context.Context) error {
	for i := range cap(p.slots) {
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			for range i {
				<-p.slots
			}
			return fmt.Errorf("proxy: draining the exchanges being validated: %w", context.Cause(ctx))
		}
	}
	for range cap(p.slots) {
		<-p.slots
	}
	return nil
}

// QueueSize is how many exchanges may wait to be validated and recorded, or be so, at once. Their bodies are
// bounded by the body budget (see [WithMaxBody]); when every place is taken, the next response's handler waits
// for one before it returns (backpressure: no exchange is dropped, but the client's next request on that
// connection waits).
const QueueSize = 64

// finish classifies an exchange once ReverseProxy is done with it; one to validate is handed on to check, off the
// response path.
func (p *Proxy) finish(r *http.Request, st *exchangeState) {
	ctx := context.WithoutCancel(r.Context())
	elapsed := time.Since(st.started)
	if !p.classify(ctx, r, st, elapsed) {
		st.freeBodies()
		return
	}
	st.ctx, st.elapsed = ctx, elapsed
	p.slots <- struct{}{} // backpressure: wait for a place when QueueSize exchanges are queued or being checked
	p.jobs <- st
	for {
		n := p.workers.Load()
		if n >= p.maxWorkers {
			return
		}
		if p.workers.CompareAndSwap(n, n+1) {
			go p.work()
			return
		}
	}
}

// workerIdle is how long a worker waits for the next exchange before it ends.
const workerIdle = time.Second

// work checks the exchanges handed on until none has come for workerIdle.
func (p *Proxy) work() {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		select {
		case st := <-p.jobs:
			p.check(st.ctx, st.req, st, &st.ex, st.elapsed)
			st.freeBodies()
			<-p.slots
			idle.Reset(workerIdle)
		case <-idle.C:
			p.workers.Add(-1)
			if len(p.jobs) == 0 {
				return // finish starts a worker for any exchange handed on from now
			}
			p.workers.Add(1) // one came as this worker was leaving, maybe unseen: stay
			idle.Reset(workerIdle)
		}
	}
}

// classify reports the exchanges that are not to be validated, and sets the others' in st.ex.
func (p *Proxy) classify(ctx context.Context, r *http.Request, st *exchangeState, elapsed time.Duration) bool {
	switch {
	case st.failure != nil: // reported by upstreamFailed
		return false
	case st.resp == nil: // ReverseProxy refused the request before forwarding it (an invalid upgrade)
		return false
	case st.resp.StatusCode == http.StatusSwitchingProtocols:
		p.notValidated(ctx, r, st, elapsed, "the connection switched protocols")
		return false
	}
	body := st.respBody.snapshot()
	switch {
	case !body.eof && r.Context().Err() != nil: // the client left, which cancelled the upstream request too
		p.stats.aborted.Add(1)
		p.logLine(ctx, slog.LevelInfo, "proxy: the client went away before the response ended", r, st, elapsed,
			slog.Int("status", st.resp.StatusCode), slog.Int64("bytes", body.n))
		return false
	case body.err != nil:
		p.fail(ctx, r, st, &UpstreamError{Kind: KindBodyCut, HeadersSent: true, Status: st.resp.StatusCode,
			Received: body.n, Err: body.err})
		return false
	case !body.eof: // copying stopped on the client's side (a failed write)
		p.stats.aborted.Add(1)
		p.logLine(ctx, slog.LevelInfo, "proxy: the client went away before the response ended", r, st, elapsed,
			slog.Int("status", st.resp.StatusCode), slog.Int64("bytes", body.n))
		return false
	case body.dropped != keptWhole:
		p.notValidated(ctx, r, st, elapsed, p.dropReason("response", body.dropped))
		return false
	}
	var reqBody []byte
	if st.reqBody != nil {
		rb := st.reqBody.snapshot()
		switch {
		case rb.dropped != keptWhole:
			p.notValidated(ctx, r, st, elapsed, p.dropReason("request", rb.dropped))
			return false
		case !rb.eof:
			p.notValidated(ctx, r, st, elapsed, "the upstream answered before reading the whole request body")
			return false
		}
		reqBody = rb.data
	}
	st.ex = contract.Exchange{Source: Source, Index: int(st.seq), Method: st.method, URL: st.url,
		RequestHeader: st.reqHeader, RequestBody: reqBody,
		// perf: ReverseProxy is done with the response (its hop-by-hop headers removed): its headers are the
		// exchange's, unshared.
		Status: st.resp.StatusCode, ResponseHeader: st.resp.Header, ResponseBody: body.data}
	if len(st.ex.RequestBody) == 0 {
		st.ex.RequestBody = nil
	}
	if len(st.ex.ResponseBody) == 0 {
		st.ex.ResponseBody = nil
	}
	return true
}

// dropReason says why a body was not kept to validate.
func (p *Proxy) dropReason(which string, why int) string {
	if why == overBudget {
		return fmt.Sprintf("over the body limit: the exchanges in flight hold the %s the proxy keeps of bodies at once, so the %s body was not kept",
			capture.FormatSize(p.maxBody), which)
	}
	return fmt.Sprintf("over the body limit: the %s body is larger than the %s body limit", which, capture.FormatSize(p.maxBody))
}

// check validates, records and reports an exchange whose response has been handed on.
func (p *Proxy) check(ctx context.Context, r *http.Request, st *exchangeState, ex *contract.Exchange, elapsed time.Duration) {
	// A body the client asked to receive encoded (Go's transport decodes gzip itself otherwise) is validated and
	// recorded decoded, as the contract describes it and the HAR file stores it.
	if err := ex.DecodeResponse(p.maxBody); err != nil {
		p.notValidated(ctx, r, st, elapsed, err.Error())
		return
	}
	res := p.v.Validate(ctx, ex)
	res.Exchange = ex
	ctx = contract.WithTiming(ctx, st.started, elapsed) // ctx holds st (stateKey), for the log sink
	if p.record != nil {
		_ = p.record.Observe(ctx, &res) // counts and logs its own failure
	}
	if err := p.sink.Observe(ctx, &res); err != nil && p.logger != nil {
		p.logger.LogAttrs(ctx, slog.LevelError, "proxy: a sink failed", slog.String("error", err.Error()))
	}
}

// recordSink is the proxy's HAR recorder: it appends the exchange and names the verdict by its entry
// ("traffic.har#3"), for the sinks after it. A failure is counted and logged, and the verdict keeps its name.
type recordSink struct{ p *Proxy }

func (s recordSink) Observe(ctx context.Context, res *contract.Result) error {
	p := s.p
	started, elapsed, _ := contract.Timing(ctx)
	i, err := p.har.AppendIndexed(res.Exchange, started, elapsed)
	if err != nil {
		p.stats.recordErrors.Add(1)
		if p.logger != nil {
			p.logger.LogAttrs(ctx, slog.LevelError, "proxy: recording to the HAR file failed", slog.String("error", err.Error()))
		}
		return fmt.Errorf("recording to the HAR file: %w", err)
	}
	p.stats.recorded.Add(1)
	renumber(res, p.har.Path(), i)
	return nil
}

// Close does nothing: the caller closes the HAR writer (see [WithHAR]).
func (recordSink) Close() error { return nil }

// statsSink counts verdicts for [Proxy.Stats].
type statsSink struct{ p *Proxy }

func (s statsSink) Observe(_ context.Context, res *contract.Result) error {
	st := &s.p.stats
	st.validated.Add(1)
	st.violations.Add(int64(len(res.Violations)))
	st.warnings.Add(int64(len(res.Warnings)))
	switch {
	case res.Skipped:
		st.skipped.Add(1)
	case !res.Valid:
		st.invalid.Add(1)
	}
	return nil
}

func (statsSink) Close() error { return nil }

// logSink is the proxy's [WithLogger] line for a validated exchange.
type logSink struct{ p *Proxy }

func (s logSink) Observe(ctx context.Context, res *contract.Result) error {
	st, _ := ctx.Value(stateKey{}).(*exchangeState)
	_, elapsed, _ := contract.Timing(ctx)
	if st == nil || st.req == nil || !s.p.logger.Enabled(ctx, slog.LevelInfo) {
		return nil // not the proxy's own verdict, or not logged
	}
	r := st.req
	attrs := []slog.Attr{slog.Int("status", res.Status), slog.String("operation", res.OperationID),
		slog.Int("violations", len(res.Violations))}
	if len(res.Warnings) > 0 {
		attrs = append(attrs, slog.Int("warnings", len(res.Warnings)))
	}
	if res.Skipped {
		attrs = append(attrs, slog.String("skipped", res.SkipReason))
	}
	if s.p.har != nil && res.Source == s.p.har.Path() {
		attrs = append(attrs, slog.String("entry", res.Where()))
	}
	s.p.logLine(ctx, slog.LevelInfo, "proxy", r, st, elapsed, attrs...)
	return nil
}

func (logSink) Close() error { return nil }

// renumber names a verdict by the HAR entry it was recorded as, as apikit validate names it.
func renumber(res *contract.Result, source string, index int) {
	res.Source, res.Index = source, index
	for i := range res.Violations {
		res.Violations[i].Source, res.Violations[i].Index = source, index
	}
	for i := range res.Warnings {
		res.Warnings[i].Source, res.Warnings[i].Index = source, index
	}
}

// notValidated counts and logs an exchange forwarded whole but not validated nor recorded.
func (p *Proxy) notValidated(ctx context.Context, r *http.Request, st *exchangeState, elapsed time.Duration, reason string) {
	p.stats.unvalidated.Add(1)
	p.logLine(ctx, slog.LevelWarn, "proxy: forwarded, not validated nor recorded", r, st, elapsed,
		slog.Int("status", st.resp.StatusCode), slog.String("reason", reason))
}

// logLine logs one line about an exchange: method, path (never the query), duration, and attrs.
func (p *Proxy) logLine(ctx context.Context, level slog.Level, msg string, r *http.Request, st *exchangeState, elapsed time.Duration, attrs ...slog.Attr) {
	if p.logger == nil || !p.logger.Enabled(ctx, level) {
		return
	}
	base := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Duration("duration", elapsed.Round(time.Microsecond))}
	p.logger.LogAttrs(ctx, level, msg, append(base, attrs...)...)
}

// bufferPool recycles ReverseProxy's 32 KiB copy buffers (it allocates one per request otherwise): up to
// QueueSize of them wait in a channel, which (unlike a sync.Pool of slices) takes one back without allocating.
type bufferPool struct{ free chan []byte }

func (b *bufferPool) Get() []byte {
	select {
	case buf := <-b.free:
		return buf
	default:
		return make([]byte, 32<<10)
	}
}

func (b *bufferPool) Put(buf []byte) {
	select {
	case b.free <- buf:
	default:
	}
}

// urlString prints a URL for a message, without credentials in its query or user info.
func urlString(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.RawQuery = ""
	return strings.TrimSuffix(c.String(), "?")
}
