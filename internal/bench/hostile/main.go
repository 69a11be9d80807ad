// Command hostile is `make bench-hostile` (issue 14): for each hostile recording of internal/benchdata at scale
// factors 1x, 2x, 4x it runs `apikit validate` on it, with the text and the JSON output, and prints the peak RSS
// (getrusage of the child), the bytes written to stdout and stderr, the control bytes among them (terminal
// escape sequences: 0 once the output is sanitised), the exit code and the wall time, and how RSS and output
// grow from 1x. Each run is bounded: its resident set (-mem, a watchdog; its address space to 8 times that) and its
// time (-timeout); a run that crosses a bound says so instead of taking the machine down, and its growth is not
// computed.
//
//	go run ./internal/bench/hostile -apikit BIN [-scales 1,2,4]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/apikit/apikit/internal/bench/run"
	"github.com/apikit/apikit/internal/benchdata"
)

type scenario struct {
	name, what string
	file       string
	write      func(w io.Writer, k int) error
}

func main() {
	apikit := flag.String("apikit", "", "the apikit `binary` (go build ./cmd/apikit)")
	work := flag.String("work", "", "`folder` for the generated inputs (default: a temporary one, removed)")
	scales := flag.String("scales", "1,2,4", "scale factors")
	only := flag.String("only", "", "comma-separated scenarios to run (default all): amplify, skip, tiny, alias, names")
	amp := flag.Int("amp", 1000, "amplification at 1x: N reservations on the page and M empty answers, N = M")
	tiny := flag.Int("tiny", 1000000, "tiny entries at 1x")
	refs := flag.Int("alias-refs", 200, "references to the YAML anchor at 1x")
	items := flag.Int("alias-items", 1000, "reservations in the anchored page")
	names := flag.Int("names", 1000, "pairs of entries with hostile names at 1x")
	mem := flag.Int64("mem", 3<<30, "bound of each run's resident set in bytes (a watchdog kills it past this; its address space to 8 times this); 0: none")
	timeout := flag.Duration("timeout", 2*time.Minute, "time bound of each run")
	flag.Parse()
	if *apikit == "" {
		flag.Usage()
		os.Exit(2)
	}
	var ks []int
	for _, s := range strings.Split(*scales, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || k < 1 {
			fatal(fmt.Errorf("-scales: %q is not a positive integer", s))
		}
		ks = append(ks, k)
	}
	if *work == "" {
		dir, err := os.MkdirTemp("", "apikit-bench-hostile-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
		*work = dir
	}
	all := []scenario{
		{"amplify", fmt.Sprintf("a page of %d·k reservations, then %d·k complete since_utc answers lacking them", *amp, *amp), "amplify.har",
			func(w io.Writer, k int) error { return benchdata.WriteAmplifyHAR(w, *amp*k, *amp*k, false) }},
		{"skip", fmt.Sprintf("a page of %d·k reservations, then %d·k skip_pagination answers lacking them", *amp, *amp), "skip.har",
			func(w io.Writer, k int) error { return benchdata.WriteAmplifyHAR(w, *amp*k, *amp*k, true) }},
		{"tiny", fmt.Sprintf("%d·k tiny entries", *tiny), "tiny.har",
			func(w io.Writer, k int) error { return benchdata.WriteTinyHAR(w, *tiny*k) }},
		{"alias", fmt.Sprintf("a cassette whose anchor (a page of %d reservations) is referenced %d·k times", *items, *refs), "alias.yaml",
			func(w io.Writer, k int) error { return benchdata.WriteAliasCassette(w, *refs*k, *items) }},
		{"names", fmt.Sprintf("%d·k pairs of entries with escape sequences in the method and a property name, in a file named with them", *names),
			benchdata.HostileName, func(w io.Writer, k int) error { return benchdata.WriteHostileNamesHAR(w, *names*k) }},
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}
	ctx := context.Background()
	host, _ := os.Hostname()
	fmt.Printf("# bench-hostile %s, %d CPUs on %s; each run killed past %s of RSS (or 8 times that of address space) or %v\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), host, run.Size(*mem), *timeout)
	var rows [][]string
	for _, sc := range all {
		if len(want) > 0 && !want[sc.name] {
			continue
		}
		fmt.Printf("\n## %s: %s\n", sc.name, sc.what)
		base := map[string]run.Sample{}
		for _, k := range ks {
			path := filepath.Join(*work, sc.file)
			size, err := write(path, func(w io.Writer) error { return sc.write(w, k) })
			if err != nil {
				fatal(err)
			}
			for _, format := range []string{"text", "json"} {
				s := run.Run(ctx, run.Cmd{Path: *apikit, Args: []string{"validate", "--format", format, path}, MemLimit: *mem, Timeout: *timeout})
				if s.StartFail != nil {
					fatal(s.StartFail)
				}
				exit := strconv.Itoa(s.Exit)
				switch {
				case s.OverMem:
					exit = "killed: RSS > " + run.Size(*mem)
				case s.TimedOut:
					exit = "timeout"
				case s.Exit == -1:
					exit = s.Signal
				case s.OOM:
					exit = "2 (out of memory)"
				}
				b := base[format]
				if k == ks[0] {
					base[format] = s
				}
				bounded := func(s run.Sample) bool { return s.OverMem || s.OOM || s.TimedOut }
				growth := func(v, w int64) string {
					if k == ks[0] || w == 0 || bounded(s) || bounded(b) {
						return ""
					}
					return fmt.Sprintf("%.2fx", float64(v)/float64(w))
				}
				fmt.Printf("  %dx %-4s input %-10s exit %-3s %7.2f s  RSS %-10s stdout %-10s stderr %-10s ctl %d  %s\n", k, format, run.Size(size),
					exit, s.Wall.Seconds(), run.Size(s.MaxRSS), run.Size(s.OutBytes), run.Size(s.ErrBytes), s.CtlBytes, trim(s.OutTail, 100))
				rows = append(rows, []string{sc.name, fmt.Sprintf("%dx", k), run.Size(size), format, exit, fmt.Sprintf("%.2f s", s.Wall.Seconds()),
					run.Size(s.MaxRSS), growth(s.MaxRSS, b.MaxRSS), run.Size(s.OutBytes), growth(s.OutBytes, b.OutBytes), run.Size(s.ErrBytes),
					strconv.FormatInt(s.CtlBytes, 10)})
			}
			if err := os.Remove(path); err != nil {
				fatal(err)
			}
		}
	}
	fmt.Println()
	run.Table(os.Stdout, []string{"case", "k", "input", "format", "exit", "wall", "peak RSS", "vs 1x", "stdout", "vs 1x", "stderr", "ctl bytes"}, rows)
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func write(path string, fn func(io.Writer) error) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	if err := fn(f); err != nil {
		f.Close()
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench-hostile:", err)
	os.Exit(1)
}
