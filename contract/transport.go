package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/egress"
	"github.com/apikit/apikit/internal/redact"
)

// Transport is an [http.RoundTripper] that holds live traffic to the contract. For each exchange it validates
// the request before it leaves and the response when it returns (reading the response body whole, then handing
// the caller an identical copy; a body over the [WithBodyBudget] limit streams on unvalidated instead), and hands
// the verdict to its sinks ([WithSink], and its callbacks, which are
// sinks too); with [WithEnforce] a violation fails the request instead. It can also record the traffic,
// redacted, to a go-vcr cassette and to a HAR file, or answer from a cassette with no network at all:
//
//	pass-through   (default)       validate, send with the underlying transport
//	WithRecord(path)               ... and record each exchange to a go-vcr v4 cassette, redacted when saved
//	WithReplay(path)               answer from the cassette; nothing is ever sent
//	WithHAR(path)                  (any mode) also append each exchange, redacted, to a HAR 1.2 file
//
// Build it with [NewTransport] and call [Transport.Close] when done: that writes the cassette. A Transport is
// safe for concurrent use. Exchanges are numbered from 0 in the order their requests arrive; their Source is
// "live" unless [WithSource] says otherwise.
type Transport struct {
	v       *Validator
	next    http.RoundTripper // the underlying transport, or the go-vcr recorder in front of it
	rec     *recorder.Recorder
	red     *redact.Redactor
	record  Sink // the HAR recorder, first; nil without WithHAR
	sink    Sink // the log, the callbacks and WithSink's sinks, in that order
	enforce bool
	source  string
	logger  *slog.Logger
	index   atomic.Int64
	maxBody int64
	held    atomic.Int64 // bytes of bodies read to validate, by every exchange in flight: at most maxBody

	closeOnce sync.Once
	closeErr  error
}

// TransportOption configures a [Transport].
type TransportOption func(*transportConfig) error

type transportConfig struct {
	base        http.RoundTripper
	record      string
	replay      string
	har         string
	red         *Redaction
	onResult    func(Result)
	onViolation func(Result)
	sinks       []Sink
	enforce     bool
	source      string
	logger      *slog.Logger
	maxBody     int64
}

// WithRoundTripper sends requests with rt (http.DefaultTransport by default). It is not used in replay mode.
func WithRoundTripper(rt http.RoundTripper) TransportOption {
	return func(c *transportConfig) error {
		if rt == nil {
			return errors.New("WithRoundTripper: nil RoundTripper")
		}
		c.base = rt
		return nil
	}
}

// WithSink hands the verdict on every exchange (valid, invalid or skipped) to s, once the response has been
// validated or the request has failed, with Result.Exchange set and the exchange's timing in the context (see
// [Timing]). s is called from many goroutines at once, so it must be safe for that (wrap it in [Serial]
// otherwise); [Transport.Close] closes it. The option may be repeated: the sinks are called in order, after the
// callbacks.
func WithSink(s Sink) TransportOption {
	return func(c *transportConfig) error {
		if s == nil {
			return errors.New("WithSink: nil Sink")
		}
		c.sinks = append(c.sinks, s)
		return nil
	}
}

// WithOnResult calls fn with the verdict on every exchange (valid, invalid or skipped), once the response has
// been validated or the request has failed. fn may be called from many goroutines at once. It is the sink
// [OnResult](fn).
func WithOnResult(fn func(Result)) TransportOption {
	return func(c *transportConfig) error {
		c.onResult = fn
		return nil
	}
}

// WithOnViolation calls fn with the verdict on every exchange that breaks the contract (Result.Valid false).
// fn may be called from many goroutines at once. It is the sink [OnViolation](fn).
func WithOnViolation(fn func(Result)) TransportOption {
	return func(c *transportConfig) error {
		c.onViolation = fn
		return nil
	}
}

// WithEnforce makes a violation fail the request: a request that breaks the contract is not sent, a response
// that breaks it is discarded, and RoundTrip returns a [*Report] holding the verdict (errors.As finds each
// [*Violation] in it, through the *url.Error an http.Client adds).
func WithEnforce(enforce bool) TransportOption {
	return func(c *transportConfig) error {
		c.enforce = enforce
		return nil
	}
}

// WithSource names the exchanges in verdicts and messages ("live" by default): "doorflow-live#3".
func WithSource(source string) TransportOption {
	return func(c *transportConfig) error {
		c.source = source
		return nil
	}
}

// WithRecord records every exchange to the go-vcr v4 cassette at path (".yaml" is added when missing),
// overwriting it. The cassette is written by [Transport.Close], redacted: live credentials keep working during
// the run, and no secret reaches the disk.
func WithRecord(path string) TransportOption {
	return func(c *transportConfig) error {
		c.record = path
		return nil
	}
}

// WithReplay answers every request from the go-vcr v4 cassette at path (".yaml" is added when missing), without
// any network: a request the cassette does not hold fails with [cassette.ErrInteractionNotFound]. A request
// matches a recorded one by method, URL and body once both are redacted, so the credentials of the run that
// replays need not be those of the run that recorded; headers are not compared. Each recorded interaction
// answers once, in order of matching. Recorded latency is not replayed.
func WithReplay(path string) TransportOption {
	return func(c *transportConfig) error {
		c.replay = path
		return nil
	}
}

// WithHAR appends every exchange, redacted, to a new HAR 1.2 file at path (see [HARWriter]); [Transport.Close]
// closes it.
func WithHAR(path string) TransportOption {
	return func(c *transportConfig) error {
		c.har = path
		return nil
	}
}

// WithRedaction adds to what recordings leave out (see [Redaction]).
func WithRedaction(r Redaction) TransportOption {
	return func(c *transportConfig) error {
		c.red = &r
		return nil
	}
}

// WithBodyBudget sets the largest body (request or response) the Transport reads to validate, and the most it
// holds of all bodies at once, across the exchanges in flight ([DefaultMaxBody] by default). A body that crosses
// the limit, or finds the budget in use, stops being read ahead the moment it does: it goes on to the server or
// the caller unchanged, streaming, and the exchange is not validated (nor recorded to the HAR file); the logger
// says so at warn level ("not validated: over the body limit"). A go-vcr cassette still holds whole bodies.
func WithBodyBudget(n int64) TransportOption {
	return func(c *transportConfig) error {
		if n <= 0 {
			return fmt.Errorf("WithBodyBudget: %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithLogger logs each exchange at debug level (source#index, method, redacted URL, operation, status, number of
// violations), and at warn level each violation and each response body that cannot be decoded from its
// Content-Encoding. Headers and bodies are never logged. The lines leave through the exit point
// (internal/egress): every string in them is sanitised of control characters.
func WithLogger(l *slog.Logger) TransportOption {
	return func(c *transportConfig) error {
		if l != nil {
			l = slog.New(egress.Handler(l.Handler()))
		}
		c.logger = l
		return nil
	}
}

// NewTransport returns a Transport that validates against v. It fails when an option is invalid, when both
// record and replay are asked for, or when the cassette to replay cannot be read.
func NewTransport(v *Validator, opts ...TransportOption) (*Transport, error) {
	if v == nil {
		return nil, errors.New("contract.NewTransport: nil Validator")
	}
	c := &transportConfig{base: http.DefaultTransport, source: "live", maxBody: DefaultMaxBody}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, fmt.Errorf("contract.NewTransport: %w", err)
		}
	}
	if c.record != "" && c.replay != "" {
		return nil, errors.New("contract.NewTransport: WithRecord and WithReplay exclude each other")
	}
	red, err := c.red.redactor()
	if err != nil {
		return nil, fmt.Errorf("contract.NewTransport: %w", err)
	}
	t := &Transport{v: v, next: c.base, red: red, enforce: c.enforce, source: c.source, logger: c.logger,
		maxBody: c.maxBody}
	var sinks []Sink
	if c.logger != nil {
		sinks = append(sinks, logSink{c.logger})
	}
	if c.onResult != nil {
		sinks = append(sinks, OnResult(c.onResult))
	}
	if c.onViolation != nil {
		sinks = append(sinks, OnViolation(c.onViolation))
	}
	t.sink = Tee(append(sinks, c.sinks...)...)
	if c.record != "" || c.replay != "" {
		path, mode, real := c.record, recorder.ModeRecordOnly, c.base
		if c.replay != "" {
			path, mode, real = c.replay, recorder.ModeReplayOnly, offline{}
		}
		t.rec, err = recorder.New(strings.TrimSuffix(path, ".yaml"),
			recorder.WithMode(mode),
			recorder.WithRealTransport(real),
			recorder.WithSkipRequestLatency(true),
			recorder.WithMatcher(t.match),
			recorder.WithHook(egress.Interaction(red), recorder.BeforeSaveHook), // the disk copy only
			// go-vcr's debug log prints URLs, headers and bodies unredacted, and VCR_DEBUG=1 turns it on when
			// the writer is io.Discard itself; a writer of our own that drops everything keeps it off.
			recorder.WithDebugWriter(dropWriter{}),
		)
		if err != nil {
			return nil, fmt.Errorf("contract.NewTransport: cassette %s: %w", path, err)
		}
		t.next = t.rec
	}
	if c.har != "" {
		w, err := CreateHAR(c.har, c.red)
		if err != nil {
			return nil, fmt.Errorf("contract.NewTransport: %w", err)
		}
		t.record = harSink{w}
	}
	return t, nil
}

// RoundTrip validates the request, sends it (or replays its answer), validates the response and returns it with
// an unread copy of its body. The caller's request is not changed; its body is read and closed. A body over the
// [WithBodyBudget] limit is passed on unvalidated, streaming.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	index := int(t.index.Add(1) - 1)
	reqBody, reqRest, held, err := t.readBody(req.Body, req.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("contract: reading the request body: %w", err)
	}
	defer func() { t.held.Add(-held) }()
	if reqRest != nil { // over the limit: forwarded as it comes, unvalidated
		t.overLimit(ctx, req, "request")
		out := req.Clone(ctx)
		out.Body, out.GetBody = reqRest, nil
		resp, err := t.next.RoundTrip(out)
		if err != nil {
			return nil, err
		}
		return resp, nil
	}
	ex := &Exchange{Source: t.source, Index: index, Method: req.Method, URL: req.URL,
		RequestHeader: req.Header.Clone(), RequestBody: reqBody}
	if ex.Method == "" {
		ex.Method = http.MethodGet
	}
	started := time.Now()
	reqRes := t.v.ValidateRequest(ctx, ex)
	if t.enforce && !reqRes.Valid {
		t.finish(ctx, ex, reqRes, started, 0)
		return nil, &Report{Results: []Result{reqRes}}
	}

	out := req.Clone(ctx)
	out.Body, out.GetBody, out.ContentLength = http.NoBody, nil, 0
	if reqBody != nil {
		out.Body = io.NopCloser(bytes.NewReader(reqBody))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
		out.ContentLength = int64(len(reqBody))
	}
	resp, err := t.next.RoundTrip(out)
	elapsed := time.Since(started)
	if err != nil {
		t.finish(ctx, ex, reqRes, started, elapsed)
		return nil, err
	}
	body, rest, rheld, err := t.readBody(resp.Body, resp.ContentLength)
	defer func() { t.held.Add(-rheld) }()
	elapsed = time.Since(started)
	if err != nil {
		t.finish(ctx, ex, reqRes, started, elapsed)
		return nil, fmt.Errorf("contract: reading the response body: %w", err)
	}
	if rest != nil { // over the limit: handed to the caller as it comes, unvalidated
		t.overLimit(ctx, req, "response")
		resp.Body = rest
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ex.Status, ex.ResponseHeader, ex.ResponseBody = resp.StatusCode, resp.Header.Clone(), body
	// A body the caller asked to receive encoded (Go's transport decodes gzip itself otherwise) is validated
	// decoded, as the contract describes it; one that cannot be decoded is validated as it came.
	if err := ex.DecodeResponse(t.maxBody); err != nil && t.logger != nil {
		t.logger.LogAttrs(ctx, slog.LevelWarn, "contract: cannot decode the response body", slog.String("error", err.Error()))
	}
	if len(ex.ResponseBody) == 0 {
		ex.ResponseBody = nil
	}

	res := reqRes
	if !reqRes.Skipped {
		resRes := t.v.ValidateResponse(ctx, ex)
		res = resRes
		res.Violations = append(append([]Violation{}, reqRes.Violations...), resRes.Violations...)
		res.Valid = len(res.Violations) == 0
	}
	res.Status = ex.Status
	t.finish(ctx, ex, res, started, elapsed)
	if t.enforce && !res.Valid {
		return nil, &Report{Results: []Result{res}}
	}
	return resp, nil
}

// overLimit logs an exchange passed on unvalidated because a body was over the limit.
func (t *Transport) overLimit(ctx context.Context, req *http.Request, which string) {
	if t.logger == nil {
		return
	}
	t.logger.LogAttrs(ctx, slog.LevelWarn, "contract: not validated: over the body limit",
		slog.String("method", req.Method), slog.String("url", urlString(req.URL)), slog.String("body", which),
		slog.String("limit", capture.FormatSize(t.maxBody)))
}

// urlString is u without its query or user info, for a log line.
func urlString(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User, c.RawQuery = nil, ""
	return c.String()
}

// finish hands a verdict, with its exchange and timing, to the HAR recorder, then to the sinks. A sink's failure
// is logged; the exchange goes on.
func (t *Transport) finish(ctx context.Context, ex *Exchange, res Result, started time.Time, elapsed time.Duration) {
	ctx = WithTiming(ctx, started, elapsed)
	res.Exchange = ex
	if t.record != nil {
		if err := t.record.Observe(ctx, &res); err != nil && t.logger != nil {
			t.logger.LogAttrs(ctx, slog.LevelError, "contract: recording to HAR failed", slog.String("error", err.Error()))
		}
	}
	if err := t.sink.Observe(ctx, &res); err != nil && t.logger != nil {
		t.logger.LogAttrs(ctx, slog.LevelError, "contract: a sink failed", slog.String("error", err.Error()))
	}
}

// logSink is a Transport's [WithLogger]: each exchange at debug level, each violation at warn level.
type logSink struct{ l *slog.Logger }

func (s logSink) Observe(ctx context.Context, res *Result) error {
	s.l.LogAttrs(ctx, slog.LevelDebug, "contract exchange",
		slog.String("exchange", res.Where()), slog.String("method", res.Method), slog.String("url", res.URL),
		slog.String("operation", res.OperationID), slog.Int("status", res.Status),
		slog.Bool("skipped", res.Skipped), slog.Int("violations", len(res.Violations)))
	for i := range res.Violations {
		s.l.LogAttrs(ctx, slog.LevelWarn, "contract violation", slog.String("violation", res.Violations[i].Error()))
	}
	return nil
}

func (logSink) Close() error { return nil }

// harSink is a Transport's [WithHAR]: it appends each exchange, redacted, with its timing.
type harSink struct{ w *HARWriter }

func (s harSink) Observe(ctx context.Context, res *Result) error {
	started, elapsed, _ := Timing(ctx)
	return s.w.Append(res.Exchange, started, elapsed)
}

func (s harSink) Close() error { return s.w.Close() }

type timingKey struct{}

type timing struct {
	started time.Time
	elapsed time.Duration
}

// WithTiming returns ctx carrying an exchange's timing, for the sinks a live front end hands its verdict to:
// when the request started and how long the exchange took until its response ended.
func WithTiming(ctx context.Context, started time.Time, elapsed time.Duration) context.Context {
	return context.WithValue(ctx, timingKey{}, timing{started, elapsed})
}

// Timing returns the timing [WithTiming] put in ctx; ok is false when there is none (a recording's verdict).
func Timing(ctx context.Context) (started time.Time, elapsed time.Duration, ok bool) {
	t, ok := ctx.Value(timingKey{}).(timing)
	return t.started, t.elapsed, ok
}

// Close writes the cassette (redacted) when recording, closes the HAR file and then the sinks. It is safe to
// call more than once; later calls return the first call's error.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		var errs []error
		if t.rec != nil {
			if err := t.rec.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("contract: writing the cassette: %w", err))
			}
		}
		if t.record != nil {
			errs = append(errs, t.record.Close())
		}
		errs = append(errs, t.sink.Close())
		t.closeErr = errors.Join(errs...)
	})
	return t.closeErr
}

// match is the go-vcr matcher: same method, same URL and same body once both sides are redacted (a recorded
// cassette is redacted; the live request carries live credentials). Headers are not compared: they hold
// credentials, user agents and idempotency keys that differ from run to run. go-vcr's default matcher compares
// every header, the form and the content length, which redaction changes.
func (t *Transport) match(r *http.Request, rec cassette.Request) bool {
	if r.Method != rec.Method {
		return false
	}
	ru, err := url.Parse(rec.URL)
	if err != nil || !sameURL(t.red.URL(r.URL), t.red.URL(ru)) {
		return false
	}
	var live []byte
	if r.Body != nil && r.Body != http.NoBody {
		live, err = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(live))
		if err != nil {
			return false
		}
	}
	got := t.red.Body(r.Header.Get("Content-Type"), live)
	want := t.red.Body(rec.Headers.Get("Content-Type"), []byte(rec.Body))
	return bytes.Equal(got, want)
}

// sameURL compares scheme, host, path and query values (in any order of keys).
func sameURL(a, b *url.URL) bool {
	if !strings.EqualFold(a.Scheme, b.Scheme) || !strings.EqualFold(a.Host, b.Host) || a.EscapedPath() != b.EscapedPath() {
		return false
	}
	qa, qb := a.Query(), b.Query()
	if len(qa) != len(qb) {
		return false
	}
	for k, va := range qa {
		vb, ok := qb[k]
		if !ok || strings.Join(va, "\x00") != strings.Join(vb, "\x00") {
			return false
		}
	}
	return true
}

// readBody reads a body to validate within the limit and the budget, reserving what it holds (held, which the
// caller gives back once done with the exchange), and closes it. A body that crosses the limit, or finds the
// budget in use, is not read further: rest streams it whole (what was read, then the rest) and data is nil.
func (t *Transport) readBody(body io.ReadCloser, length int64) (data []byte, rest io.ReadCloser, held int64, err error) {
	if body == nil || body == http.NoBody {
		return nil, nil, 0, nil
	}
	if length > t.maxBody { // known to be over: never read ahead
		return nil, body, 0, nil
	}
	size := int64(512)
	if length > 0 {
		size = length
	}
	if !t.take(size) {
		return nil, body, 0, nil
	}
	held, data = size, make([]byte, 0, size)
	for {
		for len(data) < cap(data) {
			n, rerr := body.Read(data[len(data):cap(data)])
			data = data[:len(data)+n]
			if rerr == io.EOF {
				body.Close()
				if len(data) == 0 {
					return nil, nil, held, nil
				}
				return data, nil, held, nil
			}
			if rerr != nil {
				body.Close()
				return nil, nil, held, rerr
			}
		}
		// Full: is there more?
		var one [1]byte
		n, rerr := io.ReadFull(body, one[:])
		if n == 0 {
			body.Close()
			if rerr == io.EOF {
				return data, nil, held, nil
			}
			return nil, nil, held, rerr
		}
		grow := min(2*int64(cap(data)), t.maxBody)
		if int64(len(data)) >= t.maxBody || !t.take(grow-held) {
			rest := io.MultiReader(bytes.NewReader(data), bytes.NewReader(one[:]), body)
			return nil, &prefixed{r: rest, c: body}, held, nil
		}
		held = grow
		data = append(append(make([]byte, 0, grow), data...), one[0])
	}
}

// take reserves n bytes of the body budget, or reports that they are not free.
func (t *Transport) take(n int64) bool {
	if t.held.Add(n) > t.maxBody {
		t.held.Add(-n)
		return false
	}
	return true
}

// prefixed is a body passed on after part of it was read: what was read, then the rest.
type prefixed struct {
	r io.Reader
	c io.Closer
}

func (p *prefixed) Read(b []byte) (int, error) { return p.r.Read(b) }
func (p *prefixed) Close() error               { return p.c.Close() }

// offline is the real transport of a replaying recorder: it never reaches the network.
type offline struct{}

// ErrOffline is returned when a replaying [Transport] would have to reach the network.
var ErrOffline = errors.New("contract: replay mode never uses the network")

func (offline) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return nil, ErrOffline
}

// dropWriter discards go-vcr's debug log (see NewTransport).
type dropWriter struct{}

func (dropWriter) Write(p []byte) (int, error) { return len(p), nil }
