package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"mime"
	"runtime"
	"strings"
	"sync"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/capture/body"
	"github.com/apikit/apikit/capture/load"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/egress"
	"github.com/apikit/apikit/output"
)

const validateUsage = `Usage:
  apikit validate [flags] PATH...
    PATH: a HAR 1.2 file (*.har, or *.json holding {"log": ...}), a go-vcr v4 cassette (*.yaml, *.yml),
          or a directory (walked for those)
  apikit validate --op OPERATION_ID --status CODE [--content-type T] BODYFILE
    validate one bare response body

Exit status: 0 every matched exchange conforms; 1 at least one violation (of the side --fail-on names), or a
gap --require-bodies or --require-complete refuses; 2 usage or input error. A violation's side says who broke
the contract: the request (your client) or the response (the vendor).

Flags:
`

func cmdValidate(ctx context.Context, args []string, e env) int {
	formats := e.formats
	if formats == nil {
		formats = output.Formats()
	}
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		format   = fs.String("format", formats[0].Name, "output format: "+oneOf(output.Names(formats)))
		specDir  = fs.String("spec", "", "load the specs from `DIR` instead of the embedded copies")
		strict   = fs.Bool("strict", false, "undeclared response properties, duplicate names and unmatched routes on a vendor's host become violations")
		op       = fs.String("op", "", "validate one bare response body against `OPERATION_ID` (vendor.operationId, or the operationId where one spec has it)")
		specSt   = fs.Bool("strict-spec", false, "refuse specs with problems that do not stop validation (printed as spec warnings otherwise)")
		status   = fs.Int("status", 0, "with --op: the response status `CODE`")
		ctype    = fs.String("content-type", "application/json", "with --op: the body's content type")
		verbose  = fs.Bool("v", false, "text: print a line for every exchange, valid and skipped ones too")
		warnings = fs.Bool("warnings", true, "text: print warnings (undeclared response properties)")
		maxViol  = fs.Int("max-violations", contract.DefaultMaxViolations, "text: print at most `N` violations and warnings, then count the rest (0: the default, -1: no cap)")
		coverage = fs.Bool("coverage", false, "print which operations, statuses, parameters and enum values were exercised")
		minCov   = fs.Float64("min-coverage", 0, "fail (exit 1) when less than `N` percent of documented statuses and parameters are exercised (implies --coverage)")
		rules    = fs.String("rules", "all", "what to check: `schema` (the schemas only) or all (also the specs' x-apikit-rules and the invariants across exchanges)") // rules
		propose  = fs.String("propose", "", "write an OpenAPI Overlay to `FILE` proposing the spec changes the drift seen calls for (propose.go)")
		zone     = fs.String("time-zone", "UTC", "IANA time `zone` of the parameters the specs declare as local time (DoorFlow's since)") // rules
		failOn   = fs.String("fail-on", "both", "which violations fail the run (exit 1): `SIDE` both, vendor (the responses) or client (the requests)")
		reqBody  = fs.Bool("require-bodies", false, "fail (exit 1) when the capture did not record a body")
		reqDone  = fs.Bool("require-complete", false, "fail (exit 1) when the capture holds a request that never completed")
		maxBody  = byteSize(256 << 20)
		bases    baseURLs
	)
	fs.Var(&maxBody, "max-body", "largest body to read, such as 64MiB")
	fs.Var(&bases, "base-url", "map another base URL onto a vendor, `VENDOR=URL` (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), validateUsage)
		fs.PrintDefaults()
	}
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if _, ok := output.Lookup(formats, *format); !ok {
		fmt.Fprintf(e.stderr, "apikit validate: --format %q: want %s\n", *format, oneOf(output.Names(formats)))
		return exitUsage
	}
	fail, err := contract.ParseFailOn(*failOn)
	if err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: --%v\n", err)
		return exitUsage
	}
	if len(paths) == 0 {
		fmt.Fprintln(e.stderr, "apikit validate: no PATH given")
		fs.Usage()
		return exitUsage
	}
	if *op == "" && (isSet(fs, "status") || isSet(fs, "content-type")) {
		fmt.Fprintln(e.stderr, "apikit validate: --status and --content-type go with --op")
		return exitUsage
	}
	if e.tuneGC {
		defer startGCTunerFor(paths)() // perf: the collector's headroom sized to the input (gctune.go)
	}

	opts := []contract.Option{contract.WithStrict(*strict), contract.WithStrictSpec(*specSt)}
	if *specDir != "" {
		opts = append(opts, contract.WithSpecDir(*specDir))
	}
	for _, b := range bases {
		opts = append(opts, contract.WithBaseURL(b[0], b[1]))
	}
	opts, err = ruleOptions(opts, *rules, *zone) // rules: --rules, --time-zone (rules.go)
	if err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: %v\n", err)
		return exitUsage
	}
	v, err := contract.New(ctx, opts...)
	if err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: %v\n", err)
		return exitUsage
	}
	for _, w := range v.SpecWarnings() {
		fmt.Fprintf(e.stderr, "spec warning: %s\n", egress.Sanitize(w.String()))
	}
	loadOpts := []capture.Option{capture.WithMaxBody(int64(maxBody))}
	if *minCov < 0 || *minCov > 100 {
		fmt.Fprintln(e.stderr, "apikit validate: --min-coverage wants a percentage from 0 to 100")
		return exitUsage
	}
	var (
		cov       *contract.Coverage
		covReport func() *contract.CoverageReport
	)
	if *coverage || *minCov > 0 {
		cov = v.NewCoverage()
		covReport = sync.OnceValue(cov.Report) // read once every exchange was counted
	}
	// check validates one exchange; the coverage counts it there and then, with its bodies (the verdicts reach
	// the outputs later, once their recording's invariants ran, without the exchange).
	prop, err := newProposer("apikit validate", *propose, *specDir) // --propose (propose.go)
	if err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: %v\n", err)
		return exitUsage
	}
	check := func(ex *contract.Exchange) contract.Result {
		res := v.Validate(ctx, ex)
		prop.observe(ctx, ex, &res)
		if cov != nil {
			res.Exchange = ex
			_ = cov.Observe(ctx, &res) // cannot fail: the verdict carries its exchange
			res.Exchange = nil
		}
		releaseLargeBody(ex)
		return res
	}

	var (
		ex      *contract.Exchange
		readErr *contract.InputError
	)
	if *op != "" {
		if _, err := v.ResolveOperation(*op); err != nil {
			fmt.Fprintf(e.stderr, "apikit validate: --op: %v (known: %s)\n", err, strings.Join(v.Operations(), ", "))
			return exitUsage
		}
		if *status < 100 || *status > 599 {
			fmt.Fprintln(e.stderr, "apikit validate: --op needs --status CODE (100-599)")
			return exitUsage
		}
		if len(paths) != 1 {
			fmt.Fprintln(e.stderr, "apikit validate: --op takes exactly one BODYFILE")
			return exitUsage
		}
		if cts, ok := v.ResponseContentTypes(*op, *status); ok && !documented(cts, *ctype) {
			fmt.Fprintf(e.stderr, "apikit validate: %s: --content-type %q: %s documents %s for status %d\n", paths[0], *ctype, *op, strings.Join(cts, ", "), *status)
			return exitUsage
		}
		if ex, err = body.Read(ctx, paths[0], *op, *status, *ctype, loadOpts...); err != nil {
			ie := inputError(err, paths[0])
			readErr = &ie
		}
	}

	color := e.isTerminal && e.getenv("NO_COLOR") == ""
	out, err := output.New(formats, *format, e.stdout, output.Options{Coverage: covReport, FailOn: fail,
		Text: contract.TextOptions{Color: color, Warnings: *warnings, Verbose: *verbose, MaxViolations: *maxViol}})
	if err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: %v\n", err)
		return exitUsage
	}
	var sum contract.Summary
	st := &stream{sink: contract.Tee(out, contract.SinkFunc(func(_ context.Context, r *contract.Result) error { sum.Count(r); return nil })),
		stderr: e.stderr, rules: *rules, ctx: ctx}
	switch {
	case *op == "":
		validateAll(ctx, check, load.Files(ctx, paths, loadOpts...), st.take)
	case readErr != nil:
		st.take(item{inputErr: readErr})
	default:
		st.take(item{res: check(ex)})
	}
	st.flush() // the last recording
	if err := errors.Join(st.err, st.sink.Close(), prop.close(e.stderr)); err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: %v\n", err)
		return exitUsage
	}
	if err := ctx.Err(); err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: %v\n", err)
		return exitUsage
	}
	switch {
	case st.inputErrs > 0:
		return exitUsage
	case sum.Failed(fail):
		return exitViolation
	case *reqBody && sum.BodyNotRecorded > 0:
		fmt.Fprintf(e.stderr, "apikit validate: %s without a recorded body (--require-bodies)\n", plural(sum.BodyNotRecorded, "exchange"))
		return exitViolation
	case *reqDone && sum.NotCompleted > 0:
		fmt.Fprintf(e.stderr, "apikit validate: %s never completed (--require-complete)\n", plural(sum.NotCompleted, "request"))
		return exitViolation
	case cov != nil && covReport().Percent < *minCov:
		fmt.Fprintf(e.stderr, "apikit validate: coverage %.1f%% is below --min-coverage %.1f%%\n", covReport().Percent, *minCov)
		return exitViolation
	}
	return exitOK
}

// oneOf lists names as the help and messages say them: "text, json or junit".
func oneOf(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// item is what the pipeline yields in input order: a verdict, or an input that could not be read.
type item struct {
	res      contract.Result
	inputErr *contract.InputError
	notice   string // a file a folder walk passed over (capture.ErrSkipped): listed on stderr, not an error
}

// stream takes the items in input order and hands them to the sink one recording at a time: with --rules=all
// each verdict waits for its recording's invariants (a file: one Source), checked as the verdicts come by a
// contract.InvariantStream holding at most a window of them, and is passed on in input order; otherwise it
// passes each verdict on at once. Input errors go to stderr and to the sink as they come. It is used from one
// goroutine.
type stream struct {
	ctx       context.Context // the run's, for the sinks
	sink      contract.Sink
	stderr    io.Writer
	rules     string
	recording *contract.InvariantStream // the current recording's invariants, nil before the first verdict
	spare     *contract.InvariantStream // the last recording's, reset for the next one (a new one per file allocates again)
	source    string                    // the current recording
	inputErrs int
	err       error // the sink's first failure
}

func (s *stream) take(it item) {
	if it.notice != "" {
		fmt.Fprintf(s.stderr, "apikit validate: %s\n", egress.Sanitize(it.notice))
		return
	}
	if it.inputErr != nil {
		s.inputErrs++
		fmt.Fprintf(s.stderr, "apikit validate: %s\n", egress.Sanitize(it.inputErr.Message))
		if es, ok := s.sink.(contract.InputErrorSink); ok {
			s.fail(es.ObserveInputError(s.ctx, *it.inputErr))
		}
		return
	}
	if !holdsRecordings(s.rules) {
		res := it.res // only this copy goes to the heap (Observe takes a pointer), not every item taken
		s.fail(s.sink.Observe(s.ctx, &res))
		return
	}
	if s.recording != nil && s.source != it.res.Source {
		s.flush()
	}
	if s.recording == nil {
		s.recording, s.spare = s.spare, nil
		if s.recording == nil {
			s.recording = contract.NewInvariantStream(0, func(r *contract.Result) error { return s.sink.Observe(s.ctx, r) })
		}
		s.source = it.res.Source
	}
	s.recording.Add(it.res)
}

// flush checks the rest of the current recording's invariants and passes its last verdicts on, in input order.
func (s *stream) flush() {
	if s.recording != nil {
		s.fail(s.recording.Close())
		s.recording.Reset()
		s.recording, s.spare = nil, s.recording
	}
}

func (s *stream) fail(err error) {
	if err != nil && s.err == nil {
		s.err = err
	}
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// inputError turns a loader error into a reportable one, naming the file.
func inputError(err error, fallbackFile string) contract.InputError {
	var le *capture.LoadError
	if errors.As(err, &le) {
		return contract.InputError{File: le.File, Index: le.Index, Message: le.Error()}
	}
	return contract.InputError{File: fallbackFile, Index: -1, Message: err.Error()}
}

// validateAll validates exchanges on every core while reading them in order, and hands verdicts and input errors
// to take in input order, from one goroutine, as soon as each one and all before it are done. A reorder window
// bounds what is in flight: at most a few exchanges per worker are read, being validated or waiting for an
// earlier one, so memory does not grow with the input.
func validateAll(ctx context.Context, check func(*contract.Exchange) contract.Result, exchanges iter.Seq2[*contract.Exchange, error], take func(item)) {
	type job struct {
		seq int
		ex  *contract.Exchange
	}
	type done struct {
		seq int
		it  item
	}
	workers := runtime.GOMAXPROCS(0)
	size := 4 * workers
	window := make(chan struct{}, size) // a slot per item read and not yet taken
	jobs := make(chan job, workers)
	results := make(chan done, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- done{j.seq, item{res: check(j.ex)}}
			}
		}()
	}
	var gather sync.WaitGroup
	gather.Add(1)
	go func() { // the reorder window: hands items on in sequence
		defer gather.Done()
		// The items between next and the last one read, by sequence number modulo the window's size: the
		// window holds fewer than size of them (a map of items allocated each one).
		pending := make([]item, size)
		ready := make([]bool, size)
		next := 0
		for d := range results {
			pending[d.seq%size], ready[d.seq%size] = d.it, true
			for ready[next%size] {
				it := pending[next%size]
				pending[next%size], ready[next%size] = item{}, false
				take(it)
				next++
				<-window
			}
		}
	}()
	seq := 0
	send := func(d done) {
		window <- struct{}{}
		results <- d
	}
	for ex, err := range exchanges {
		if ctx.Err() != nil {
			break
		}
		switch {
		case errors.Is(err, capture.ErrSkipped):
			send(done{seq, item{notice: err.Error()}})
		case err != nil:
			ie := inputError(err, "")
			send(done{seq, item{inputErr: &ie}})
		case ex.Status == 0 && ex.NotCompleted == "":
			// An entry without a response that does not say why is a broken recording, not a capture gap.
			ie := contract.InputError{File: ex.Source, Index: ex.Index,
				Message: fmt.Sprintf("%s: entry %d: no response was recorded", ex.Source, ex.Index)}
			send(done{seq, item{inputErr: &ie}})
		default: // a request that never completed (ex.NotCompleted) is validated and reported as such
			window <- struct{}{}
			jobs <- job{seq, ex}
		}
		seq++
	}
	close(jobs)
	wg.Wait()
	close(results)
	gather.Wait()
}

// documented reports whether a content type (parameters ignored) is among the documented ones.
func documented(cts []string, ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	for _, c := range cts {
		if strings.EqualFold(c, mt) || c == "*/*" {
			return true
		}
	}
	return false
}

// largeBody is the body size from which validate hands a body's memory back to the heap as soon as it is
// judged (releaseLargeBody).
const largeBody = 8 << 20

// releaseLargeBody drops a judged exchange's bodies when they are large and runs a collection, so that what
// comes next (the invariants' state, the next bodies) reuses their memory instead of growing the heap to the
// collector's next goal, twice the heap that held them: peak RSS stays near the largest body plus a constant.
// One collection per body of 8 MiB or more costs little beside reading it.
func releaseLargeBody(ex *contract.Exchange) {
	if len(ex.RequestBody)+len(ex.ResponseBody) < largeBody {
		return
	}
	ex.RequestBody, ex.ResponseBody = nil, nil
	runtime.GC()
}
