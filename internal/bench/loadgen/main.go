// Command loadgen sends a fixed number of GET requests to one loopback URL from a fixed number of clients and
// prints the requests per second (package internal/bench/load; `make bench-compare` uses the package directly):
//
//	go run ./internal/bench/loadgen -url 'http://127.0.0.1:8081/api/3/group_reservations?per_page=50' -c 8 -n 5000 \
//	    -H 'Authorization: Bearer apikit-dev-token'
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/apikit/apikit/internal/bench/load"
)

type headers http.Header

func (h headers) String() string { return "" }

func (h headers) Set(s string) error {
	k, v, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("header %q is not NAME: VALUE", s)
	}
	http.Header(h).Add(strings.TrimSpace(k), strings.TrimSpace(v))
	return nil
}

func main() {
	c := load.Config{Header: http.Header{}}
	flag.StringVar(&c.URL, "url", "", "loopback `URL` to GET (required)")
	flag.IntVar(&c.Clients, "c", 1, "concurrent clients")
	flag.IntVar(&c.Requests, "n", 1000, "requests in all")
	flag.DurationVar(&c.Timeout, "timeout", time.Minute, "bound of the whole run")
	flag.Var(headers(c.Header), "H", "request header `NAME: VALUE` (repeatable)")
	flag.Parse()
	res, err := load.Run(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	fmt.Println(res)
	if res.Errors > 0 {
		fmt.Fprintln(os.Stderr, "loadgen: first error:", res.FirstErr)
		os.Exit(1)
	}
}
