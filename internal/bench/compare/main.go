// Command compare is `make bench-compare`: it runs `apikit validate`, `apikit proxy` and their baselines (plain
// kin-openapi: internal/bench/kinbaseline; a plain httputil.ReverseProxy: internal/bench/revproxy) alternated,
// round after round, on the same generated inputs, measures each process's wall time and peak RSS (getrusage of
// the child) and the proxies' requests per second, and prints each ratio's median of the pair-wise ratios of
// the rounds with their min–max. Then it runs the in-process Go benchmarks of one small exchange and of a large
// list with -count rounds (kin and apikit sub-benchmarks interleaved) and prints the same ratios.
//
//	go run ./internal/bench/compare -apikit BIN -kin BIN -revproxy BIN [-rounds 5]
//
// Everything listens on 127.0.0.1; every load is bounded in requests and in time.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/apikit/apikit/internal/bench/load"
	"github.com/apikit/apikit/internal/bench/run"
	"github.com/apikit/apikit/internal/benchdata"
)

type options struct {
	apikit, kin, revproxy string
	work                  string
	rounds                int
	list, big, files      int
	proxyN                int
	clients               []int
	benchtime             string
	skip                  map[string]bool
	token                 string
}

func main() {
	var o options
	var clients, skip string
	flag.StringVar(&o.apikit, "apikit", "", "the apikit `binary` (go build ./cmd/apikit)")
	flag.StringVar(&o.kin, "kin", "", "the kinbaseline `binary` (go build ./internal/bench/kinbaseline)")
	flag.StringVar(&o.revproxy, "revproxy", "", "the revproxy `binary` (go build ./internal/bench/revproxy)")
	flag.StringVar(&o.work, "work", "", "`folder` for the generated inputs (default: a temporary one, removed)")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds: each runs apikit and its baseline once per case, alternated")
	flag.IntVar(&o.list, "list", 100000, "reservations in the list that passes the default rules")
	flag.IntVar(&o.big, "big", 430000, "reservations in the large body (430,000: about 100 MB)")
	flag.IntVar(&o.files, "files", 2000, "small HARs in the folder (5 exchanges each)")
	flag.IntVar(&o.proxyN, "proxy-requests", 6000, "requests per proxy measurement (at 8 clients, 2,000 took about 0.2 s: too short to be stable)")
	flag.StringVar(&clients, "clients", "1,8", "client counts of the proxy measurements")
	flag.StringVar(&o.benchtime, "benchtime", "0.5s", "go test -benchtime of the in-process benchmarks")
	flag.StringVar(&skip, "skip", "", "comma-separated cases to skip: list, big, folder, proxy, gotest")
	flag.StringVar(&o.token, "token", "apikit-dev-token", "bearer token the mock accepts")
	flag.Parse()
	if o.apikit == "" || o.kin == "" || o.revproxy == "" {
		flag.Usage()
		os.Exit(2)
	}
	for _, c := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-clients: %q is not a positive count", c))
		}
		o.clients = append(o.clients, n)
	}
	o.skip = map[string]bool{}
	for _, s := range strings.Split(skip, ",") {
		o.skip[strings.TrimSpace(s)] = true
	}
	if o.work == "" {
		dir, err := os.MkdirTemp("", "apikit-bench-compare-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
		o.work = dir
	}
	if err := compare(context.Background(), &o, os.Stdout); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench-compare:", err)
	os.Exit(1)
}

// row is one line of the ratio table: a ratio per round.
type row struct {
	what, unit, goal string
	a, b             []float64 // the two sides per round, in display units
	aName, bName     string
	ratio            []float64
	met              func(median float64) bool
}

func compare(ctx context.Context, o *options, w io.Writer) error {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "# bench-compare %s, %s %s/%s, %d rounds, %d CPUs on %s (GOMAXPROCS=%q in the environment)\n",
		time.Now().UTC().Format(time.RFC3339), goVersion(), runtime.GOOS, runtime.GOARCH, o.rounds, runtime.NumCPU(), host, os.Getenv("GOMAXPROCS"))
	var rows []*row
	if !o.skip["list"] {
		r, err := listCase(ctx, o, w)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if !o.skip["big"] {
		r, err := bigCase(ctx, o, w)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if !o.skip["folder"] {
		r, err := folderCase(ctx, o, w)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if !o.skip["proxy"] {
		r, err := proxyCase(ctx, o, w)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if !o.skip["gotest"] {
		r, err := goTestCase(ctx, o, w)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	fmt.Fprintf(w, "\nRatios: the median of the %d rounds' pair-wise ratios, then their min–max; each side's median.\n\n", o.rounds)
	var out [][]string
	for _, r := range rows {
		st := run.Summarize(r.ratio)
		a, b := run.Summarize(r.a), run.Summarize(r.b)
		verdict := ""
		if r.met != nil && len(r.ratio) > 0 {
			verdict = "gap"
			if r.met(st.Med) {
				verdict = "met"
			}
		}
		out = append(out, []string{r.what, fmt.Sprintf("%.2fx", st.Med), fmt.Sprintf("%.2f–%.2f", st.Min, st.Max),
			fmt.Sprintf("%s %s", fmtNum(a.Med), r.unit) + " (" + r.aName + ")", fmt.Sprintf("%s %s", fmtNum(b.Med), r.unit) + " (" + r.bName + ")",
			r.goal, verdict})
	}
	run.Table(w, []string{"what", "ratio", "min–max", "apikit", "against", "goal (issue 17)", ""}, out)
	return nil
}

func fmtNum(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "go ?"
	}
	return strings.TrimSpace(string(out))
}

// writeFile creates name in o.work with fn.
func writeFile(o *options, name string, fn func(io.Writer) error) (string, int64, error) {
	path := filepath.Join(o.work, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	if err := fn(f); err != nil {
		f.Close()
		return "", 0, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	return path, st.Size(), nil
}

// check runs c and fails unless it exits with want.
func check(ctx context.Context, w io.Writer, label string, c run.Cmd, want int) (run.Sample, error) {
	s := run.Run(ctx, c)
	if s.StartFail != nil {
		return s, s.StartFail
	}
	fmt.Fprintf(w, "  %-28s %7.3f s %10s  exit %d  %s\n", label, s.Wall.Seconds(), run.MiB(s.MaxRSS), s.Exit, s.OutTail)
	if s.Exit != want {
		return s, fmt.Errorf("%s: exit %d, want %d: %s %s", label, s.Exit, want, s.OutTail, s.ErrTail)
	}
	return s, nil
}

func speedRSS(what, baseline string, speedGoal, rssGoal float64, kin, api []run.Sample) []*row {
	speed := &row{what: what + ": speed", unit: "s", aName: "apikit", bName: baseline, met: func(m float64) bool { return m >= speedGoal }}
	rss := &row{what: what + ": peak RSS", unit: "MiB", aName: "apikit", bName: baseline, met: func(m float64) bool { return m <= rssGoal }}
	if speedGoal > 0 {
		speed.goal = fmt.Sprintf("≥ %.1fx %s's speed", speedGoal, baseline)
	} else {
		speed.met = nil
	}
	if rssGoal > 0 {
		rss.goal = fmt.Sprintf("≤ %.2fx its RSS", rssGoal)
	} else {
		rss.met = nil
	}
	for i := range api {
		speed.a = append(speed.a, api[i].Wall.Seconds())
		speed.b = append(speed.b, kin[i].Wall.Seconds())
		speed.ratio = append(speed.ratio, kin[i].Wall.Seconds()/api[i].Wall.Seconds())
		rss.a = append(rss.a, float64(api[i].MaxRSS)/(1<<20))
		rss.b = append(rss.b, float64(kin[i].MaxRSS)/(1<<20))
		rss.ratio = append(rss.ratio, float64(api[i].MaxRSS)/float64(kin[i].MaxRSS))
	}
	return []*row{speed, rss}
}

func listCase(ctx context.Context, o *options, w io.Writer) ([]*row, error) {
	path, size, err := writeFile(o, "list.har", func(f io.Writer) error { return benchdata.WritePassingListHAR(f, o.list) })
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "\n## %d-reservation list that passes the default rules (%s HAR)\n", o.list, run.Size(size))
	var kin, kin2, def, schema []run.Sample // kin2: the second kin run of each round, paired with --rules=schema
	for r := range o.rounds {
		fmt.Fprintf(w, " round %d\n", r+1)
		k, err := check(ctx, w, "kin", run.Cmd{Path: o.kin, Args: []string{path}}, 0)
		if err != nil {
			return nil, err
		}
		a, err := check(ctx, w, "apikit validate", run.Cmd{Path: o.apikit, Args: []string{"validate", path}}, 0)
		if err != nil {
			return nil, err
		}
		k2, err := check(ctx, w, "kin", run.Cmd{Path: o.kin, Args: []string{path}}, 0)
		if err != nil {
			return nil, err
		}
		s, err := check(ctx, w, "apikit validate --rules=schema", run.Cmd{Path: o.apikit, Args: []string{"validate", "--rules=schema", path}}, 0)
		if err != nil {
			return nil, err
		}
		kin, kin2, def, schema = append(kin, k), append(kin2, k2), append(def, a), append(schema, s)
	}
	rows := speedRSS(fmt.Sprintf("%dk list, default rules", o.list/1000), "kin", 4, 0.35, kin, def)
	rows = append(rows, speedRSS(fmt.Sprintf("%dk list, --rules=schema", o.list/1000), "kin", 0, 0, kin2, schema)...)
	return rows, nil
}

func bigCase(ctx context.Context, o *options, w io.Writer) ([]*row, error) {
	var body int64
	path, size, err := writeFile(o, "big.har", func(f io.Writer) error {
		h := benchdata.NewHARWriter(f)
		h.Write(benchdata.Entry{Method: "GET", URL: "https://api.doorflow.com/api/3/group_reservations?page=1&per_page=" + strconv.Itoa(o.big),
			Auth: true, Status: 200, Items: o.big, Item: func(b []byte, i int) []byte {
				b = benchdata.AppendPassingReservation(b, i)
				body += int64(len(b)) + 1
				return b
			}})
		return h.Close()
	})
	if err != nil {
		return nil, err
	}
	body++ // brackets, less the comma the first item does not have
	fmt.Fprintf(w, "\n## one body of %d reservations passing the default rules: %s (%d bytes) in a %s HAR\n", o.big, run.Size(body), body, run.Size(size))
	def := &row{what: run.Size(body) + " body, default rules: peak RSS / body", unit: "MiB", aName: "default", bName: "body",
		goal: "≤ 1.5x + 64 MiB", met: nil}
	schema := &row{what: run.Size(body) + " body, --rules=schema: peak RSS / body", unit: "MiB", aName: "schema", bName: "body"}
	limit := 1.5*float64(body) + 64<<20
	for r := range o.rounds {
		fmt.Fprintf(w, " round %d\n", r+1)
		a, err := check(ctx, w, "apikit validate", run.Cmd{Path: o.apikit, Args: []string{"validate", path}}, 0)
		if err != nil {
			return nil, err
		}
		s, err := check(ctx, w, "apikit validate --rules=schema", run.Cmd{Path: o.apikit, Args: []string{"validate", "--rules=schema", path}}, 0)
		if err != nil {
			return nil, err
		}
		for _, x := range []struct {
			r *row
			s run.Sample
		}{{def, a}, {schema, s}} {
			x.r.a = append(x.r.a, float64(x.s.MaxRSS)/(1<<20))
			x.r.b = append(x.r.b, float64(body)/(1<<20))
			x.r.ratio = append(x.r.ratio, float64(x.s.MaxRSS)/float64(body))
		}
	}
	// The goal is 1.5x the body plus 64 MiB: met when the median RSS is under it.
	def.met = func(float64) bool { return run.Summarize(def.a).Med*(1<<20) <= limit }
	return []*row{def, schema}, nil
}

func folderCase(ctx context.Context, o *options, w io.Writer) ([]*row, error) {
	dir := filepath.Join(o.work, "folder")
	var total int64
	for i := range o.files {
		_, size, err := writeFile(o, filepath.Join("folder", fmt.Sprintf("%02d", i/100), fmt.Sprintf("rec-%04d.har", i)),
			func(f io.Writer) error { return benchdata.WriteSmallHAR(f, i) })
		if err != nil {
			return nil, err
		}
		total += size
	}
	fmt.Fprintf(w, "\n## a folder of %d small HARs, %d exchanges, %s\n", o.files, o.files*benchdata.SmallHARExchanges, run.Size(total))
	var kin, api []run.Sample
	for r := range o.rounds {
		fmt.Fprintf(w, " round %d\n", r+1)
		k, err := check(ctx, w, "kin", run.Cmd{Path: o.kin, Args: []string{dir}}, 0)
		if err != nil {
			return nil, err
		}
		a, err := check(ctx, w, "apikit validate", run.Cmd{Path: o.apikit, Args: []string{"validate", dir}}, 0)
		if err != nil {
			return nil, err
		}
		kin, api = append(kin, k), append(api, a)
	}
	return speedRSS(fmt.Sprintf("folder of %d HARs, default rules", o.files), "kin", 2, 1, kin, api), nil
}

// freeAddr returns a free 127.0.0.1 port.
func freeAddr(ctx context.Context) (string, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// waitReady polls u until it answers 200, for up to 15 s.
func waitReady(ctx context.Context, u string, h http.Header) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header = h
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready: %w", u, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const listPath = "/api/3/group_reservations?per_page=50"

func proxyCase(ctx context.Context, o *options, w io.Writer) ([]*row, error) {
	mockAddr, err := freeAddr(ctx)
	if err != nil {
		return nil, err
	}
	hdr := http.Header{"Authorization": {"Bearer " + o.token}}
	m, err := run.Start(ctx, run.Cmd{Path: o.apikit, Args: []string{"mock", "--addr", mockAddr}})
	if err != nil {
		return nil, err
	}
	defer m.Stop()
	target := "http://" + mockAddr
	if err := waitReady(ctx, target+listPath, hdr); err != nil {
		return nil, fmt.Errorf("apikit mock: %w", err)
	}
	fmt.Fprintf(w, "\n## proxies in front of apikit mock: GET %s (DoorFlow, 50 reservations), %d requests per run after 100 to warm up\n", listPath, o.proxyN)
	type side struct {
		name string
		args func(addr string) (string, []string)
	}
	record := filepath.Join(o.work, "record.har")
	sides := []side{
		{"ReverseProxy", func(addr string) (string, []string) { return o.revproxy, []string{"-target", target, "-addr", addr} }},
		{"apikit proxy", func(addr string) (string, []string) {
			return o.apikit, []string{"proxy", "--target", target, "--addr", addr}
		}},
		{"apikit proxy --record", func(addr string) (string, []string) {
			return o.apikit, []string{"proxy", "--target", target, "--addr", addr, "--record", record}
		}},
	}
	type key struct {
		side    string
		clients int
	}
	rps := map[key][]float64{}
	rss := map[key][]float64{}
	for r := range o.rounds {
		fmt.Fprintf(w, " round %d\n", r+1)
		for _, c := range o.clients {
			for _, s := range sides {
				addr, err := freeAddr(ctx)
				if err != nil {
					return nil, err
				}
				bin, args := s.args(addr)
				p, err := run.Start(ctx, run.Cmd{Path: bin, Args: args})
				if err != nil {
					return nil, err
				}
				u := "http://" + addr + listPath
				if err := waitReady(ctx, u, hdr); err != nil {
					p.Stop()
					return nil, fmt.Errorf("%s: %w", s.name, err)
				}
				if _, err := load.Run(ctx, load.Config{URL: u, Header: hdr, Clients: c, Requests: 100, Timeout: 30 * time.Second}); err != nil {
					p.Stop()
					return nil, fmt.Errorf("%s warm-up: %w", s.name, err)
				}
				res, err := load.Run(ctx, load.Config{URL: u, Header: hdr, Clients: c, Requests: o.proxyN, Timeout: 2 * time.Minute})
				st := p.Stop()
				if err == nil && res.Errors > 0 {
					err = fmt.Errorf("%d errors, the first: %s", res.Errors, res.FirstErr)
				}
				if err != nil {
					return nil, fmt.Errorf("%s at %d clients: %w", s.name, c, err)
				}
				_ = os.Remove(record)
				fmt.Fprintf(w, "  %-24s clients=%d: %s; peak RSS %s, exit %d\n", s.name, c, res, run.MiB(st.MaxRSS), st.Exit)
				k := key{s.name, c}
				rps[k] = append(rps[k], res.PerSecond)
				rss[k] = append(rss[k], float64(st.MaxRSS)/(1<<20))
			}
		}
	}
	var rows []*row
	for _, c := range o.clients {
		base := rps[key{"ReverseProxy", c}]
		for _, s := range sides[1:] {
			goal := 0.75
			if strings.Contains(s.name, "record") {
				goal = 0.5
			}
			r := &row{what: fmt.Sprintf("%s, clients=%d: req/s", s.name, c), unit: "req/s", aName: "apikit", bName: "ReverseProxy",
				goal: fmt.Sprintf("≥ %.2fx", goal), met: func(m float64) bool { return m >= goal }}
			r.a, r.b = rps[key{s.name, c}], base
			for i := range r.a {
				r.ratio = append(r.ratio, r.a[i]/base[i])
			}
			m := &row{what: fmt.Sprintf("%s, clients=%d: peak RSS", s.name, c), unit: "MiB", aName: "apikit", bName: "ReverseProxy"}
			m.a, m.b = rss[key{s.name, c}], rss[key{"ReverseProxy", c}]
			for i := range m.a {
				m.ratio = append(m.ratio, m.a[i]/m.b[i])
			}
			rows = append(rows, r, m)
		}
	}
	return rows, nil
}

// benchLine matches a go test benchmark result line.
var benchLine = regexp.MustCompile(`^Benchmark(\w+)/([\w.]+)-?\d*\s+\d+\s+([\d.]+) ns/op(?:.*?\s([\d.]+) B/op\s+([\d.]+) allocs/op)?`)

func goTestCase(ctx context.Context, o *options, w io.Writer) ([]*row, error) {
	// go test -count N runs each sub-benchmark N times in a row; to interleave kin and apikit, the test binary is
	// built once and run once per round.
	bin := filepath.Join(o.work, "contract.test")
	if out, err := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./contract").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go test -c ./contract: %w: %s", err, out)
	}
	dir, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", "./contract").Output()
	if err != nil {
		return nil, fmt.Errorf("go list ./contract: %w", err)
	}
	args := []string{"-test.run", "^$", "-test.bench", `^Benchmark(SmallExchange|LargeList)$/^(json\.Valid|kin|apikit)$`, "-test.benchmem",
		"-test.benchtime", o.benchtime}
	fmt.Fprintf(w, "\n## in-process, %d rounds of: go test ./contract -run '^$' -bench '%s' -benchmem -benchtime %s\n", o.rounds, args[3], o.benchtime)
	ns := map[string][]float64{}
	allocs := map[string][]float64{}
	bytesOp := map[string][]float64{}
	for range o.rounds {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = strings.TrimSpace(string(dir))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("contract.test -test.bench: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			line := sc.Text()
			m := benchLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			fmt.Fprintln(w, "  "+line)
			k := m[1] + "/" + m[2]
			v, _ := strconv.ParseFloat(m[3], 64)
			ns[k] = append(ns[k], v)
			if m[4] != "" {
				b, _ := strconv.ParseFloat(m[4], 64)
				a, _ := strconv.ParseFloat(m[5], 64)
				bytesOp[k] = append(bytesOp[k], b)
				allocs[k] = append(allocs[k], a)
			}
		}
	}
	pair := func(what, a, b, unit, goal string, ratio func(x, y float64) float64, met func(float64) bool) *row {
		r := &row{what: what, unit: unit, aName: a, bName: b, goal: goal, met: met}
		r.a, r.b = ns[a], ns[b]
		for i := range min(len(r.a), len(r.b)) {
			r.ratio = append(r.ratio, ratio(r.a[i], r.b[i]))
		}
		if len(r.ratio) == 0 {
			r.met = nil
		}
		return r
	}
	inv := func(x, y float64) float64 { return y / x }
	same := func(x, y float64) float64 { return x / y }
	rows := []*row{
		pair("small exchange: speed", "SmallExchange/apikit", "SmallExchange/kin", "ns/op", "≥ 4x kin", inv, func(m float64) bool { return m >= 4 }),
		pair("large list: time / json.Valid's", "LargeList/apikit", "LargeList/json.Valid", "ns/op", "≤ 1.3x", same, func(m float64) bool { return m <= 1.3 }),
		pair("large list: speed", "LargeList/apikit", "LargeList/kin", "ns/op", "", inv, nil),
	}
	for _, k := range []string{"LargeList/apikit", "SmallExchange/apikit"} {
		fmt.Fprintf(w, "  %s: median %s B/op, %s allocs/op\n", k, fmtNum(run.Summarize(bytesOp[k]).Med), fmtNum(run.Summarize(allocs[k]).Med))
	}
	return rows, nil
}
