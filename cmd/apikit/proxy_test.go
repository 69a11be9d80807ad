package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikit/apikit/mock"
)

func TestProxyUsageErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no target", nil, "--target is required"},
		{"relative target", []string{"--target", "127.0.0.1:8080"}, "not an absolute http(s) URL"},
		{"ftp target", []string{"--target", "ftp://127.0.0.1"}, "not an absolute http(s) URL"},
		{"positional argument", []string{"--target", "http://127.0.0.1:1", "extra"}, `unexpected argument "extra"`},
		{"zero timeout", []string{"--target", "http://127.0.0.1:1", "--timeout", "0s"}, "--timeout 0s is not positive"},
		{"bad max body", []string{"--target", "http://127.0.0.1:1", "--max-body", "lots"}, "positive size"},
		{"bad base URL", []string{"--target", "http://127.0.0.1:1", "--base-url", "doorflow"}, "VENDOR=URL"},
		{"unknown vendor", []string{"--target", "http://127.0.0.1:1", "--base-url", "acme=http://127.0.0.1:1"}, `unknown vendor "acme"`},
		{"unwritable recording", []string{"--target", "http://127.0.0.1:1", "--record", filepath.Join(file, "x.har")}, "--record"},
		{"bad address", []string{"--target", "http://127.0.0.1:1", "--addr", "127.0.0.1:99999"}, "apikit proxy:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			if code := cmdProxy(t.Context(), tc.args, mockTestEnv(io.Discard, &stderr)); code != exitUsage {
				t.Errorf("got exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("got stderr %q, want it to hold %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestProxyHelp(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"proxy", "-h"}, mockTestEnv(io.Discard, &stderr)); code != exitOK {
		t.Errorf("got exit %d, want %d", code, exitOK)
	}
	for _, w := range []string{"--target", "--addr", "--record", "--strict", "--base-url", "--timeout", "--max-body", "502", "SIGTERM"} {
		if !strings.Contains(strings.ReplaceAll(stderr.String(), "  -", "  --"), w) {
			t.Errorf("the usage does not mention %s:\n%s", w, stderr.String())
		}
	}
	var stdout bytes.Buffer
	run(t.Context(), []string{"help"}, mockTestEnv(&stdout, io.Discard))
	if !strings.Contains(stdout.String(), "apikit proxy --target URL") {
		t.Errorf("apikit help does not list proxy:\n%s", stdout.String())
	}
}

// proxyRun is `apikit proxy` running in the background, its stderr read line by line as it comes.
type proxyRun struct {
	url    string // where it listens
	lines  chan string
	seen   []string
	cancel context.CancelFunc
	exit   chan int
}

// startProxyCmd runs `apikit proxy --addr 127.0.0.1:0 args...` and waits for its startup line.
func startProxyCmd(t *testing.T, args ...string) *proxyRun {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(t.Context())
	r := &proxyRun{lines: make(chan string, 64), cancel: cancel, exit: make(chan int, 1)}
	go func() {
		r.exit <- cmdProxy(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), mockTestEnv(io.Discard, pw))
		_ = pw.Close()
	}()
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
	}()
	start := r.waitLine(t, "apikit proxy listening")
	m := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(start)
	if m == nil {
		t.Fatalf("got startup line %q, want the URL", start)
	}
	r.url = m[1]
	t.Cleanup(cancel)
	return r
}

// waitLine reads stderr until a line holds substr, and returns it.
func (r *proxyRun) waitLine(t *testing.T, substr string) string {
	t.Helper()
	safety := time.After(20 * time.Second) // a safety net, not a timed assertion
	for {
		select {
		case l, ok := <-r.lines:
			if !ok {
				t.Fatalf("apikit proxy ended without a line holding %q; it wrote:\n%s", substr, strings.Join(r.seen, "\n"))
			}
			r.seen = append(r.seen, l)
			if strings.Contains(l, substr) {
				return l
			}
		case <-safety:
			t.Fatalf("no line holding %q; got:\n%s", substr, strings.Join(r.seen, "\n"))
		}
	}
}

// stop ends the proxy as SIGINT would, and returns its exit status and every line it wrote.
func (r *proxyRun) stop(t *testing.T) (int, []string) {
	t.Helper()
	r.cancel()
	for l := range r.lines {
		r.seen = append(r.seen, l)
	}
	return <-r.exit, r.seen
}

func proxyGet(t *testing.T, url string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode
}

// serveLoopback serves h on a free 127.0.0.1 port until the test ends.
func serveLoopback(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan error, 1)
	go func() { done <- mock.Serve(ctx, ln, h, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serving: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// TestProxyRecordsMock: apikit proxy in front of apikit's mock records a HAR that apikit validate passes, with one
// log line per request and no token anywhere.
func TestProxyRecordsMock(t *testing.T) {
	t.Parallel()
	m, err := mock.New(t.Context(), mock.WithCount(15))
	if err != nil {
		t.Fatal(err)
	}
	target := serveLoopback(t, m)
	har := filepath.Join(t.TempDir(), "rec.har")
	r := startProxyCmd(t, "--target", target, "--record", har)
	for _, path := range []string{"/v2/group?limit=2", "/api/3/group_reservations?per_page=2"} {
		if status := proxyGet(t, r.url+path); status != http.StatusOK {
			t.Fatalf("GET %s: got %d, want 200", path, status)
		}
	}
	line := r.waitLine(t, "path=/api/3/group_reservations")
	for _, w := range []string{"msg=proxy", "method=GET", "status=200", "operation=listGroupReservations", "violations=0", "duration="} {
		if !strings.Contains(line, w) {
			t.Errorf("got request line %q, want it to hold %s", line, w)
		}
	}
	code, lines := r.stop(t)
	all := strings.Join(lines, "\n")
	if code != exitOK {
		t.Errorf("got exit %d, want %d:\n%s", code, exitOK, all)
	}
	if strings.Contains(all, mock.DefaultToken) {
		t.Errorf("the log holds the token:\n%s", all)
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "apikit proxy stopped") || !strings.Contains(last, "recorded=2") {
		t.Errorf("got last line %q, want the stop line with recorded=2", last)
	}
	data, err := os.ReadFile(har)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(mock.DefaultToken)) {
		t.Error("the recording holds the token")
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"validate", har}, mockTestEnv(&stdout, &stderr)); code != exitOK {
		t.Errorf("apikit validate: got exit %d, want %d:\n%s%s", code, exitOK, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "2 exchanges: 2 valid, 0 invalid, 0 skipped") {
		t.Errorf("apikit validate printed %q", stdout.String())
	}
}

// TestProxyPrintsViolations: a violating answer is printed while the proxy runs, in apikit validate's words for
// the recorded entry; --strict makes the undeclared property a violation; the exit status is 1.
func TestProxyPrintsViolations(t *testing.T) {
	t.Parallel()
	m, err := mock.New(t.Context(), mock.WithCount(5))
	if err != nil {
		t.Fatal(err)
	}
	target := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Error(err)
			return
		}
		body["data"].([]any)[0].(map[string]any)["surprise"] = "!"
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	har := filepath.Join(t.TempDir(), "rec.har")
	r := startProxyCmd(t, "--target", target, "--record", har, "--strict")
	if status := proxyGet(t, r.url+"/v2/group?limit=1"); status != http.StatusOK {
		t.Fatalf("got %d, want the upstream's 200", status)
	}
	want := "✗ " + har + "#0 listGroups response.body /data/0/surprise: "
	live := r.waitLine(t, "✗ ") // printed before the proxy stops
	if !strings.HasPrefix(live, want) {
		t.Errorf("got %q, want a line starting with %q", live, want)
	}
	if code, lines := r.stop(t); code != exitViolation {
		t.Errorf("got exit %d, want %d:\n%s", code, exitViolation, strings.Join(lines, "\n"))
	}
	var stdout bytes.Buffer
	if code := run(t.Context(), []string{"validate", "--strict", har}, mockTestEnv(&stdout, io.Discard)); code != exitViolation {
		t.Errorf("apikit validate --strict: got exit %d, want %d", code, exitViolation)
	}
	if !strings.Contains(stdout.String(), live+"\n") {
		t.Errorf("apikit validate printed\n%s\nwithout the proxy's line\n%s", stdout.String(), live)
	}
}

// TestProxyTargetDown: the proxy answers 502 with a JSON error when its target is down, logs it, and records
// nothing; apikit validate still reads the recording.
func TestProxyTargetDown(t *testing.T) {
	t.Parallel()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := "http://" + ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	har := filepath.Join(t.TempDir(), "rec.har")
	r := startProxyCmd(t, "--target", target, "--record", har)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/v2/group", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Error, Message string }
	err = json.NewDecoder(res.Body).Decode(&body)
	_ = res.Body.Close()
	if err != nil || res.StatusCode != http.StatusBadGateway || body.Error != "upstream_unreachable" || !strings.Contains(body.Message, "connection refused") {
		t.Errorf("got %d %+v (%v), want 502 upstream_unreachable", res.StatusCode, body, err)
	}
	r.waitLine(t, "error=upstream_unreachable")
	if code, lines := r.stop(t); code != exitOK || !strings.Contains(lines[len(lines)-1], "upstream_errors=1") {
		t.Errorf("got exit %d and %q, want %d and the stop line with upstream_errors=1", code, lines, exitOK)
	}
	var stdout bytes.Buffer
	if code := run(t.Context(), []string{"validate", har}, mockTestEnv(&stdout, io.Discard)); code != exitOK ||
		!strings.Contains(stdout.String(), "0 exchanges") {
		t.Errorf("apikit validate: got exit %d and %q, want %d and no exchanges", code, stdout.String(), exitOK)
	}
}

// TestProxyFailOn: a call the client makes without a token on purpose is the client's violation: the proxy exits
// 1 by default and with --fail-on client, 0 with --fail-on vendor.
func TestProxyFailOn(t *testing.T) {
	t.Parallel()
	m, err := mock.New(t.Context(), mock.WithCount(5))
	if err != nil {
		t.Fatal(err)
	}
	target := serveLoopback(t, m)
	for _, tc := range []struct {
		failOn string
		want   int
	}{{"both", exitViolation}, {"client", exitViolation}, {"vendor", exitOK}} {
		r := startProxyCmd(t, "--target", target, "--fail-on", tc.failOn)
		resp, err := http.Get(r.url + "/v2/group?limit=1") // no Authorization header
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		r.waitLine(t, "✗ ")
		if code, lines := r.stop(t); code != tc.want {
			t.Errorf("--fail-on %s: got exit %d, want %d:\n%s", tc.failOn, code, tc.want, strings.Join(lines, "\n"))
		}
	}
}

// TestProxyCPUProfile: APIKIT_CPUPROFILE (hidden, for profiling the proxy under load) writes a CPU profile of the
// run, here one that stops at once on an address it cannot listen on.
func TestProxyCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	e := mockTestEnv(io.Discard, io.Discard)
	var stderr bytes.Buffer
	e.stderr = &stderr
	e.getenv = func(k string) string {
		if k == cpuProfileEnv {
			return path
		}
		return ""
	}
	code := cmdProxy(t.Context(), []string{"--target", "http://127.0.0.1:1", "--addr", "127.0.0.1:99999"}, e)
	if strings.Contains(stderr.String(), "starting the CPU profile") {
		t.Skipf("the test binary is profiled already: %s", stderr.String())
	}
	if code != exitUsage {
		t.Fatalf("got exit %d, want %d (the address is invalid): %s", code, exitUsage, stderr.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b { // a profile is gzipped protobuf
		t.Errorf("got %d bytes starting %q, want a gzipped profile", len(b), b[:min(len(b), 8)])
	}

	e.getenv = func(k string) string {
		if k == cpuProfileEnv {
			return filepath.Join(path, "sub", "cpu.prof") // under a file: cannot be created
		}
		return ""
	}
	stderr.Reset()
	if code := cmdProxy(t.Context(), []string{"--target", "http://127.0.0.1:1"}, e); code != exitUsage || !strings.Contains(stderr.String(), cpuProfileEnv) {
		t.Errorf("an uncreatable profile: got exit %d, stderr %q; want %d naming %s", code, stderr.String(), exitUsage, cpuProfileEnv)
	}
}

// slowWriter records each write it gets, taking a while over each, as a terminal or a pipe read slowly does.
type slowWriter struct {
	mu     sync.Mutex
	writes [][]byte
}

func (s *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, bytes.Clone(p))
	return len(p), nil
}

// TestLineWriter: lines written from many goroutines at once, straight or through a slog logger (which holds
// its own lock while it writes), come out whole, each goroutine's in its order, all of them once Flush returns,
// and in fewer writes than lines (batched while a write is under way); after Close, a line is written at once.
func TestLineWriter(t *testing.T) {
	t.Parallel()
	sw := &slowWriter{}
	l := newLineWriter(sw)
	logger := slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
			return slog.Attr{}
		}
		return a
	}}))
	const writers, lines = 8, 150
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				switch i % 3 {
				case 0:
					l.printLine(fmt.Sprintf("g%d line %d", g, i))
				case 1:
					_, _ = fmt.Fprintf(l, "g%d line %d\n", g, i)
				default:
					logger.Info(fmt.Sprintf("g%d line %d", g, i))
				}
			}
		})
	}
	wg.Wait()
	l.Flush()
	sw.mu.Lock()
	all := string(bytes.Join(sw.writes, nil))
	writes := len(sw.writes)
	sw.mu.Unlock()
	got := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("got %d lines, want %d", len(got), writers*lines)
	}
	next := make([]int, writers)
	for _, line := range got {
		var g, i int
		if _, err := fmt.Sscanf(strings.Trim(strings.TrimPrefix(line, "msg="), `"`), "g%d line %d", &g, &i); err != nil || g < 0 || g >= writers || i != next[g] {
			t.Fatalf("line %q out of order or cut", line)
		}
		next[g]++
	}
	if writes >= writers*lines/2 {
		t.Errorf("%d writes for %d lines, want them batched", writes, writers*lines)
	}
	t.Logf("%d lines in %d writes", writers*lines, writes)

	l.Close()
	l.printLine("after close")
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if last := sw.writes[len(sw.writes)-1]; string(last) != "after close\n" {
		t.Errorf("after Close: the last write is %q, want the line written at once", last)
	}
}
