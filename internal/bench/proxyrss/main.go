// Command proxyrss is `make bench-proxy-rss` (issue 14): the peak resident set of `apikit proxy`, at its default
// --max-body, while it forwards bodies far larger than that limit from and to a loopback upstream in this process:
// one 2 GiB response, four 2 GiB responses at once, and one 1 GiB upload. The bodies are generated as they are
// sent (never held in memory) and sent without a Content-Length (chunked), so the proxy only learns that a body is
// over the limit when it crosses it. Each case runs in a fresh proxy process, bounded by -timeout and by a
// watchdog on its resident set (-mem).
//
//	go run ./internal/bench/proxyrss -apikit BIN [-scale 1] [-cases response,four,upload]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/apikit/apikit/internal/bench/run"
)

const listPath = "/api/3/group_reservations?per_page=50"

func main() {
	var (
		apikit  = flag.String("apikit", "", "the apikit `binary` (go build ./cmd/apikit)")
		scale   = flag.Float64("scale", 1, "multiplies every body size (0.25: 512 MiB responses, a 256 MiB upload)")
		cases   = flag.String("cases", "response,four,upload", "comma-separated cases to run")
		mem     = flag.Int64("mem", 6<<30, "kill the proxy once its resident set crosses this many `bytes`")
		timeout = flag.Duration("timeout", 5*time.Minute, "bound on each case")
		extra   = flag.String("args", "", "extra space-separated arguments to apikit proxy (such as --max-body=64MiB)")
	)
	flag.Parse()
	if *apikit == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	up, err := upstream(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "proxyrss:", err)
		os.Exit(1)
	}
	fmt.Printf("# apikit proxy peak RSS, default --max-body unless -args says otherwise (args %q), scale %g\n\n", *extra, *scale)
	fmt.Println("| case | bytes through | peak RSS | clients' last byte | proxy's wall | exit |")
	fmt.Println("|---|---|---|---|---|---|")
	failed := false
	for _, name := range strings.Split(*cases, ",") {
		var clients int
		var size int64
		upload := false
		switch name {
		case "response":
			clients, size = 1, 2<<30
		case "four":
			clients, size = 4, 2<<30
		case "upload":
			clients, size, upload = 1, 1<<30, true
		default:
			fmt.Fprintf(os.Stderr, "proxyrss: unknown case %q\n", name)
			os.Exit(2)
		}
		size = int64(float64(size) * *scale)
		s, moved, took, err := measure(ctx, *apikit, up, strings.Fields(*extra), clients, size, upload, *mem, *timeout)
		status := fmt.Sprint(s.Exit)
		if s.OverMem {
			status = "killed over -mem"
		}
		if err != nil {
			failed = true
			status += "; " + err.Error()
		}
		fmt.Printf("| %s: %d × %s %s | %s | %s | %s | %s | %s |\n", name, clients, run.MiB(size), map[bool]string{true: "upload", false: "response"}[upload],
			run.MiB(moved), run.MiB(s.MaxRSS), took.Round(100*time.Millisecond), s.Wall.Round(100*time.Millisecond), status)
	}
	if failed {
		os.Exit(1)
	}
}

// upstream serves generated bodies: GET ?size=N answers N bytes of a JSON array (gen), chunked; POST reads the body to
// its end and answers 201 with how many bytes it read.
func upstream(ctx context.Context) (string, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening: %w", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"read":%d}`, n)
			return
		}
		var size int64
		_, _ = fmt.Sscan(r.URL.Query().Get("size"), &size)
		if size < 2 {
			_, _ = w.Write([]byte("[]"))
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = io.Copy(w, &gen{left: size})
	})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// gen yields a JSON array of one long string, ["aaa...a"], left bytes long, without holding it.
type gen struct{ left, off int64 }

func (g *gen) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	for i := range p {
		switch {
		case g.off == 0:
			p[i] = '['
		case g.left == 1:
			p[i] = ']'
		case g.off == 1 || g.left == 2:
			p[i] = '"'
		default:
			p[i] = 'a'
		}
		g.off++
		g.left--
	}
	return len(p), nil
}

// measure starts a proxy to up, sends clients requests of size bytes at once through it, and returns its sample,
// the bytes that went through, and how long the clients took to get their last byte (the proxy's wall time also
// counts its start and its shutdown, which waits for the exchanges to be validated and recorded).
func measure(ctx context.Context, apikit, up string, extra []string, clients int, size int64, upload bool, mem int64, timeout time.Duration) (run.Sample, int64, time.Duration, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return run.Sample{}, 0, 0, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	args := append([]string{"proxy", "--target", up, "--addr", addr}, extra...)
	p, err := run.Start(ctx, run.Cmd{Path: apikit, Args: args, MemLimit: mem, Timeout: timeout})
	if err != nil {
		return run.Sample{}, 0, 0, err
	}
	base := "http://" + addr
	if err := waitReady(ctx, base+"/ready"); err != nil { // no operation of the specs: skipped, not a violation
		return p.Stop(), 0, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		moved int64
		first error
	)
	started := time.Now()
	for range clients {
		wg.Go(func() {
			n, err := one(ctx, base, size, upload)
			mu.Lock()
			defer mu.Unlock()
			moved += n
			if err == nil && !upload && n != size {
				err = fmt.Errorf("got %d bytes, want %d", n, size)
			}
			if err != nil && first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	took := time.Since(started)
	return p.Stop(), moved, took, first
}

// one sends one request through the proxy: a download of size bytes, or an upload of size bytes.
func one(ctx context.Context, base string, size int64, upload bool) (int64, error) {
	var req *http.Request
	var err error
	if upload {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/3/group_reservations", io.NopCloser(&gen{left: size}))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s%s&size=%d", base, listPath, size), nil)
	}
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		if upload {
			return 0, fmt.Errorf("upload: %w", err)
		}
		return 0, fmt.Errorf("download: %w", err)
	}
	defer res.Body.Close()
	if upload {
		var got struct{ Read int64 }
		if res.StatusCode != http.StatusCreated {
			return 0, fmt.Errorf("upload: status %d", res.StatusCode)
		}
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			return 0, fmt.Errorf("upload: the upstream's answer: %w", err)
		}
		if got.Read != size {
			return got.Read, fmt.Errorf("upload: the upstream read %d bytes, want %d", got.Read, size)
		}
		return got.Read, nil
	}
	return io.Copy(io.Discard, res.Body)
}

// waitReady polls u until it answers, for up to 15 s.
func waitReady(ctx context.Context, u string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("the proxy did not answer within 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
