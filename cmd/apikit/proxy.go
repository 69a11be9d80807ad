package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/egress"
	"github.com/apikit/apikit/proxy"
)

// proxyHeadroom is what the Go runtime's soft memory limit of apikit proxy allows above --max-body: the body
// budget (the copies kept to validate) plus the proxy's own working set. Dropped copies of bodies over the limit
// are collected before the heap grows past it, so four 2 GiB responses at once peak near the budget instead of
// twice it. GOMEMLIMIT in the environment wins.
const proxyHeadroom = 64 << 20

// proxyGCHeadroom is the heap growth apikit proxy lets the collector allow between two collections (gctune.go).
// Its live heap is a few megabytes (the specs, the compiled checks), so with GOGC=100 it collected every ~2 MB
// allocated, every ~100 requests of a DoorFlow list of 50: under load the collections' fixed costs took ~15% of
// the proxy's CPU. With this headroom it collects about four times less often, for a few MiB more resident
// memory; a live heap above it (large bodies) keeps GOGC=100's doubling, and the soft memory limit still bounds
// it. GOGC in the environment wins.
const proxyGCHeadroom = 8 << 20

// proxyGrace is how long `apikit proxy` lets in-flight exchanges finish after SIGINT or SIGTERM.
const proxyGrace = 10 * time.Second

const proxyUsage = `usage: apikit proxy --target URL [--addr 127.0.0.1:8081] [--record FILE] [--strict] [flags]

Forwards every request to --target (the vendor, or apikit mock) and validates each exchange against the specs
once its response has ended; bodies stream through unchanged. Each violation is printed to stderr as it happens,
as apikit validate prints it ("✗ FILE#ENTRY operation where pointer: message"), beside one log line per request
(never a token). With --record, every exchange the target completed is appended, redacted, to a HAR file that
apikit validate reads (pass it the same --strict and --base-url). With --propose, the drift seen is written on
shutdown as an OpenAPI Overlay proposing the spec change, as apikit validate --propose writes it.

When the target is down, sends no response headers within --timeout, or breaks off before them, the client gets
a 502 whose JSON body names the fault ({"error":"upstream_timeout",...}, header X-Apikit-Proxy-Error); when it
breaks off in the middle of a body, the client sees a truncated body. Such exchanges are logged, not recorded.
--max-body bounds each body kept to validate and all of them at once: a body over it, or one arriving while
the exchanges in flight hold that much, streams whole but is neither validated nor recorded (a warning says
"over the body limit"). Validation and recording run after the response has been handed on, never delaying it.

Stops on SIGINT or SIGTERM, letting in-flight exchanges finish. Exit status: 0 no violation was seen; 1 at least
one violation (of the side --fail-on names); 2 usage error, or listening or recording failed.

flags:
`

// cmdProxy runs `apikit proxy`: it serves the proxy until ctx ends or the process gets SIGINT or SIGTERM.
func cmdProxy(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("apikit proxy", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), proxyUsage)
		fs.PrintDefaults()
	}
	var (
		target   = fs.String("target", "", "forward to `URL`, such as http://127.0.0.1:8080 (apikit mock) or https://api.sonderplan.com (required)")
		addr     = fs.String("addr", "127.0.0.1:8081", "listen on `host:port` (port 0 picks a free one); keep it on loopback")
		record   = fs.String("record", "", "append every completed exchange, redacted, to the HAR `FILE` (created or truncated)")
		strict   = fs.Bool("strict", false, "undeclared response properties and unmatched routes become violations")
		failOn   = fs.String("fail-on", "both", "which violations fail the run (exit 1): `SIDE` both, vendor (the responses) or client (the requests)")
		specDir  = fs.String("spec", "", "load the specs from `DIR` instead of the embedded copies")
		specSt   = fs.Bool("strict-spec", false, "refuse specs with problems that do not stop validation (printed as spec warnings otherwise)")
		timeout  = fs.Duration("timeout", proxy.DefaultTimeout, "how long the target has to send its response headers, connecting included")
		warnings = fs.Bool("warnings", true, "print warnings (undeclared response properties) as well as violations")
		propose  = fs.String("propose", "", "on shutdown, write an OpenAPI Overlay to `FILE` proposing the spec changes the drift seen calls for, as apikit validate --propose does (propose.go)")
		maxBody  = byteSize(proxy.DefaultMaxBody)
		bases    baseURLs
	)
	fs.Var(&maxBody, "max-body", "largest body to validate, and the most kept of all bodies at once, such as 64MiB; larger ones stream unvalidated")
	fs.Var(&bases, "base-url", "map another base URL onto a vendor, `VENDOR=URL` (repeatable), for a target with a path prefix")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "apikit proxy: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (apikit proxy takes flags only)", fs.Arg(0))
	}
	if *target == "" {
		fs.Usage()
		return usageErr("--target is required")
	}
	tu, err := url.Parse(*target)
	if err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" {
		return usageErr("--target %q is not an absolute http(s) URL", *target)
	}
	if *timeout <= 0 {
		return usageErr("--timeout %v is not positive", *timeout)
	}

	if e.setMemoryLimit != nil && e.getenv("GOMEMLIMIT") == "" {
		e.setMemoryLimit(int64(maxBody) + proxyHeadroom)
	}
	if e.tuneGC {
		defer startGCTuner(proxyGCHeadroom)() // perf: fewer collections of a small live heap (gctune.go)
	}
	if path := e.getenv(cpuProfileEnv); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return usageErr("%s: %v", cpuProfileEnv, err)
		}
		defer stop()
	}

	vopts := []contract.Option{contract.WithStrict(*strict), contract.WithStrictSpec(*specSt)}
	if *specDir != "" {
		vopts = append(vopts, contract.WithSpecDir(*specDir))
	}
	for _, b := range bases {
		vopts = append(vopts, contract.WithBaseURL(b[0], b[1]))
	}
	v, err := contract.New(ctx, vopts...)
	if err != nil {
		return usageErr("%v", err)
	}
	for _, w := range v.SpecWarnings() { // as apikit validate prints them
		fmt.Fprintf(e.stderr, "spec warning: %s\n", egress.Sanitize(w.String()))
	}

	fail, err := contract.ParseFailOn(*failOn)
	if err != nil {
		return usageErr("--%v", err)
	}
	var (
		sumMu sync.Mutex
		sum   contract.Summary // the sides of the violations seen, for the exit status
	)
	out := newLineWriter(e.stderr)                                    // log lines and violation lines, whole lines from many goroutines
	defer out.Flush()                                                 // runs last: the lines logged on the way out are written before the exit
	logger := slog.New(egress.Handler(slog.NewTextHandler(out, nil))) // the exit point: sanitised, URLs redacted
	popts := []proxy.Option{
		proxy.WithLogger(logger), proxy.WithTimeout(*timeout), proxy.WithMaxBody(int64(maxBody)),
		proxy.WithOnResult(func(r contract.Result) {
			sumMu.Lock()
			sum.Count(&r)
			sumMu.Unlock()
			for i := range r.Violations {
				out.printLine("✗ " + r.Violations[i].Error())
			}
			if *warnings {
				for i := range r.Warnings {
					out.printLine("warning: " + r.Warnings[i].Error())
				}
			}
		}),
	}
	var har *contract.HARWriter
	if *record != "" {
		if har, err = contract.CreateHAR(*record, nil); err != nil {
			return usageErr("--record: %v", err)
		}
		defer har.Close()
		popts = append(popts, proxy.WithHAR(har))
	}
	prop, err := newProposer("apikit proxy", *propose, *specDir) // --propose (propose.go)
	if err != nil {
		return usageErr("%v", err)
	}
	defer prop.discard() // when the proxy does not get as far as serving
	if prop != nil {
		popts = append(popts, proxy.WithSink(prop.c))
	}
	p, err := proxy.New(tu, v, popts...)
	if err != nil {
		return usageErr("%v", err)
	}
	defer p.CloseIdleConnections()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return usageErr("%v", err)
	}
	// target is a *url.URL: the logger (egress.Handler) redacts it.
	attrs := []any{"url", "http://" + ln.Addr().String(), "target", tu, "strict", *strict, "timeout", *timeout}
	if har != nil {
		attrs = append(attrs, "record", har.Path())
	}
	logger.Info("apikit proxy listening", attrs...)
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		logger.Warn("the proxy listens beyond loopback; anyone who reaches it can call the target with the credentials they send", "addr", tcp.String())
	}

	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	code := exitOK
	if err := serveUntil(ctx, srv, ln, proxyGrace); err != nil {
		logger.Error("apikit proxy: " + err.Error())
		code = exitUsage
	}
	// The responses have ended; their validation and recording may not have.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), proxyGrace)
	if err := p.Drain(dctx); err != nil {
		logger.Error("apikit proxy: " + err.Error())
		code = exitUsage
	}
	cancel()
	if err := prop.close(out); err != nil { // every verdict is in: write the overlay
		logger.Error("apikit proxy: " + err.Error())
		code = exitUsage
	}
	if har != nil {
		if err := har.Close(); err != nil {
			logger.Error("apikit proxy: " + err.Error())
			code = exitUsage
		}
	}
	st := p.Stats()
	logger.Info("apikit proxy stopped", "requests", st.Requests, "validated", st.Validated, "invalid", st.Invalid,
		"violations", st.Violations, "warnings", st.Warnings, "skipped", st.Skipped, "recorded", st.Recorded,
		"upstream_errors", st.UpstreamErrors, "unvalidated", st.Unvalidated, "aborted", st.Aborted)
	switch {
	case st.RecordErrors > 0:
		logger.Error(fmt.Sprintf("apikit proxy: %d exchanges could not be recorded", st.RecordErrors))
		return exitUsage
	case code != exitOK:
		return code
	case st.Invalid > 0 && sum.Failed(fail):
		return exitViolation
	}
	return exitOK
}

// serveUntil serves on ln until ctx is done, then shuts down: it stops accepting connections and lets in-flight
// exchanges finish for up to grace before closing what remains.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close() // past the grace period: drop what is left, unrecorded
		<-errc
		return fmt.Errorf("shutting down within %s: %w", grace, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	}
	return nil
}

// lineWriter serializes the lines of the logger and of the violation printer (each Write a whole line, or
// several) so that they never interleave, and writes them from a goroutine of its own, in batches: idle, a line
// is written at once; under load one write carries the lines of many requests (perf: one system call, and one
// wake-up of whatever reads stderr, instead of one per request). A caller never waits for the write itself (the
// logger holds its own lock meanwhile, which would keep the other lines out of the batch), only when
// maxPendingLines bytes are pending: a terminal or a pipe that does not keep up slows the proxy's workers down,
// as a plain writer did. Close writes what is pending and ends the goroutine; lines written after it are
// written at once.
type lineWriter struct {
	w       io.Writer
	wake    chan struct{} // capacity 1: lines are pending, or Close was called
	done    chan struct{} // closed when the goroutine has ended
	mu      sync.Mutex
	cond    sync.Cond // signalled when the goroutine takes a batch and when it has written one
	pending []byte
	spare   []byte // the buffer of the last batch, to reuse
	writing bool   // the goroutine is writing a batch
	closed  bool
}

const maxPendingLines = 1 << 20

func newLineWriter(w io.Writer) *lineWriter {
	l := &lineWriter{w: w, wake: make(chan struct{}, 1), done: make(chan struct{})}
	l.cond.L = &l.mu
	go l.run()
	return l
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.add(func(b []byte) []byte { return append(b, p...) })
	return len(p), nil
}

// printLine writes s and a newline.
func (l *lineWriter) printLine(s string) {
	l.add(func(b []byte) []byte { return append(append(b, s...), '\n') })
}

// add appends a line to the pending ones with appendLine and wakes the goroutine.
func (l *lineWriter) add(appendLine func([]byte) []byte) {
	l.mu.Lock()
	if l.closed {
		_, _ = l.w.Write(appendLine(nil)) // after Close: at once (a failed write drops the line, as before)
		l.mu.Unlock()
		return
	}
	for len(l.pending) >= maxPendingLines {
		l.cond.Wait()
	}
	l.pending = appendLine(l.pending)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // the goroutine is awake already, and takes the pending lines before it sleeps
	}
}

// run writes the pending lines, all of them in one write, each time it is woken, until Close.
func (l *lineWriter) run() {
	defer close(l.done)
	for range l.wake {
		l.mu.Lock()
		for len(l.pending) > 0 {
			batch := l.pending
			l.pending, l.writing = l.spare[:0], true
			l.cond.Broadcast()
			l.mu.Unlock()
			_, _ = l.w.Write(batch) // a failed write drops its lines, as a plain writer's caller would
			l.mu.Lock()
			l.spare, l.writing = batch, false
		}
		l.cond.Broadcast()
		closed := l.closed
		l.mu.Unlock()
		if closed {
			return
		}
	}
}

// Flush waits until every line written so far has been written out.
func (l *lineWriter) Flush() {
	l.mu.Lock()
	for !l.closed && (l.writing || len(l.pending) > 0) {
		l.cond.Wait()
	}
	l.mu.Unlock()
}

// Close writes the pending lines and ends the goroutine.
func (l *lineWriter) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.mu.Unlock()
	l.wake <- struct{}{} // the goroutine takes a wake-up before it ends: this send never blocks for long
	<-l.done
}

// cpuProfileEnv names a file to write a CPU profile of apikit proxy to, from its start until it stops (hidden: for
// profiling the proxy under a load, as `make bench-compare` runs it).
const cpuProfileEnv = "APIKIT_CPUPROFILE"

// startCPUProfile profiles the process's CPU into path until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting the CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
