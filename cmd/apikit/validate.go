package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"
	"mime"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/capture/body"
	"github.com/apikit/apikit/capture/load"

	"github.com/apikit/apikit/contract"
)

const validateUsage = `Usage:
  apikit validate [flags] PATH...
    PATH: a HAR 1.2 file (*.har, or *.json holding {"log": ...}), a go-vcr v4 cassette (*.yaml, *.yml),
          or a directory (walked for those)
  apikit validate --op OPERATION_ID --status CODE [--content-type T] BODYFILE
    validate one bare response body

Exit status: 0 every matched exchange conforms; 1 at least one violation; 2 usage or input error.

Flags:
`

func cmdValidate(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		format   = fs.String("format", "text", "output format: text, json or junit")
		specDir  = fs.String("spec", "", "load the specs from `DIR` instead of the embedded copies")
		strict   = fs.Bool("strict", false, "undeclared response properties and unmatched routes become violations")
		op       = fs.String("op", "", "validate one bare response body against `OPERATION_ID`")
		status   = fs.Int("status", 0, "with --op: the response status `CODE`")
		ctype    = fs.String("content-type", "application/json", "with --op: the body's content type")
		verbose  = fs.Bool("v", false, "text: print a line for every exchange, valid and skipped ones too")
		warnings = fs.Bool("warnings", true, "text: print warnings (undeclared response properties)")
		coverage = fs.Bool("coverage", false, "print which operations, statuses, parameters and enum values were exercised")
		minCov   = fs.Float64("min-coverage", 0, "fail (exit 1) when less than `N` percent of documented statuses and parameters are exercised (implies --coverage)")
		rules    = fs.String("rules", "all", "what to check: `schema` (the schemas only) or all (also the specs' x-apikit-rules and the invariants across exchanges)") // rules
		zone     = fs.String("time-zone", "UTC", "IANA time `zone` of the parameters the specs declare as local time (DoorFlow's since)")                              // rules
		maxBody  = byteSize(256 << 20)
		bases    baseURLs
	)
	fs.Var(&maxBody, "max-body", "largest body to read, such as 256MiB (default 256MiB)")
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
	switch *format {
	case "text", "json", "junit":
	default:
		fmt.Fprintf(e.stderr, "apikit validate: --format %q: want text, json or junit\n", *format)
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

	opts := []contract.Option{contract.WithStrict(*strict)}
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
	loadOpts := []capture.Option{capture.WithMaxBody(int64(maxBody))}
	if *minCov < 0 || *minCov > 100 {
		fmt.Fprintln(e.stderr, "apikit validate: --min-coverage wants a percentage from 0 to 100")
		return exitUsage
	}
	var cov *contract.Coverage
	if *coverage || *minCov > 0 {
		cov = v.NewCoverage()
	}
	check := func(ex *contract.Exchange) contract.Result {
		res := v.Validate(ctx, ex)
		if cov != nil {
			cov.Observe(ex, res)
		}
		return res
	}

	var (
		report    contract.Report
		inputErrs []contract.InputError
	)
	if *op != "" {
		if !v.HasOperation(*op) {
			fmt.Fprintf(e.stderr, "apikit validate: --op %q: no such operation (known: %s)\n", *op, strings.Join(v.Operations(), ", "))
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
		ex, err := body.Read(ctx, paths[0], *op, *status, *ctype, loadOpts...)
		if err != nil {
			inputErrs = append(inputErrs, inputError(err, paths[0]))
		} else {
			report.Add(check(ex))
		}
	} else {
		report.Results, inputErrs = validateAll(ctx, check, load.Files(ctx, paths, loadOpts...))
	}
	checkInvariants(&report, *rules) // rules: across exchanges, in time order per recording (rules.go)
	if err := ctx.Err(); err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: %v\n", err)
		return exitUsage
	}

	for _, ie := range inputErrs {
		fmt.Fprintf(e.stderr, "apikit validate: %s\n", ie.Message)
	}
	out := contract.NewOutput(&report, inputErrs)
	if cov != nil {
		out.Coverage = cov.Report()
	}
	switch *format {
	case "json":
		err = out.WriteJSON(e.stdout)
	case "junit":
		err = out.WriteJUnit(e.stdout)
	default:
		color := e.isTerminal && e.getenv("NO_COLOR") == ""
		err = out.WriteText(e.stdout, contract.TextOptions{Color: color, Warnings: *warnings, Verbose: *verbose})
		if err == nil && out.Coverage != nil {
			fmt.Fprintln(e.stdout)
			err = out.Coverage.WriteText(e.stdout)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "apikit validate: %v\n", err)
		return exitUsage
	}
	switch {
	case len(inputErrs) > 0:
		return exitUsage
	case !report.OK():
		return exitViolation
	case out.Coverage != nil && out.Coverage.Percent < *minCov:
		fmt.Fprintf(e.stderr, "apikit validate: coverage %.1f%% is below --min-coverage %.1f%%\n", out.Coverage.Percent, *minCov)
		return exitViolation
	}
	return exitOK
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

// validateAll validates exchanges on every core while reading them in order, and returns results and input
// errors in input order. At most a few exchanges per worker are in memory at once.
func validateAll(ctx context.Context, check func(*contract.Exchange) contract.Result, exchanges iter.Seq2[*contract.Exchange, error]) ([]contract.Result, []contract.InputError) {
	type job struct {
		seq int
		ex  *contract.Exchange
	}
	type done struct {
		seq int
		res contract.Result
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job, workers)
	results := make(chan done, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- done{j.seq, check(j.ex)}
			}
		}()
	}
	var (
		collected []done
		gather    sync.WaitGroup
	)
	gather.Add(1)
	go func() {
		defer gather.Done()
		for d := range results {
			collected = append(collected, d)
		}
	}()
	var inputErrs []contract.InputError
	seq := 0
	for ex, err := range exchanges {
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			inputErrs = append(inputErrs, inputError(err, ""))
			continue
		}
		if ex.Status == 0 {
			// A recording is validated as a whole exchange; an entry whose response was never received (a
			// cancelled or blocked request) cannot be, and says so rather than passing on its request alone.
			inputErrs = append(inputErrs, contract.InputError{File: ex.Source, Index: ex.Index,
				Message: fmt.Sprintf("%s: entry %d: no response was recorded", ex.Source, ex.Index)})
			continue
		}
		jobs <- job{seq, ex}
		seq++
	}
	close(jobs)
	wg.Wait()
	close(results)
	gather.Wait()
	sort.Slice(collected, func(i, j int) bool { return collected[i].seq < collected[j].seq })
	out := make([]contract.Result, len(collected))
	for i, d := range collected {
		out[i] = d.res
	}
	return out, inputErrs
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
