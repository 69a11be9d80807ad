// Command revproxy is the baseline of `make bench-compare`'s proxy figures: a plain net/http/httputil
// ReverseProxy in front of -target, listening on a loopback address, with nothing validated, logged or recorded.
// It stops on SIGINT or SIGTERM.
//
//	go run ./internal/bench/revproxy -target http://127.0.0.1:8080 -addr 127.0.0.1:8082
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	target := flag.String("target", "", "forward to `URL` (required)")
	addr := flag.String("addr", "127.0.0.1:8082", "listen on `host:port`, a loopback address")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		fmt.Fprintf(os.Stderr, "revproxy: -target %q is not an absolute URL\n", *target)
		os.Exit(2)
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "revproxy: -addr %q is not a loopback host:port\n", *addr)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "revproxy:", err)
		os.Exit(2)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64 // as apikit proxy's transport keeps
	rp.Transport = tr
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "revproxy:", err)
		os.Exit(2)
	}
}
