// Command genhar writes a HAR with one large DoorFlow listGroupReservations response, for measuring the peak
// memory of `apikit validate` on it (BENCHMARKS.md):
//
//	go run ./internal/benchdata/genhar -n 430000 -o big.har
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/apikit/apikit/internal/benchdata"
)

func main() {
	n := flag.Int("n", 430000, "reservations in the body (about 235 bytes each)")
	out := flag.String("o", "big.har", "output `FILE`")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genhar:", err)
		os.Exit(1)
	}
	size, err := benchdata.WriteLargeListHAR(f, *n)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genhar:", err)
		os.Exit(1)
	}
	st, _ := os.Stat(*out)
	fmt.Printf("%s: %d reservations, body %d bytes (%.1f MiB), file %d bytes\n", *out, *n, size, float64(size)/(1<<20), st.Size())
}
