// Command genhar writes the generated recordings of apikit's measurements. By default, a HAR with one large
// DoorFlow listGroupReservations response, for measuring the peak memory of `apikit validate` on it
// (BENCHMARKS.md, make bench-rss):
//
//	go run ./internal/benchdata/genhar -n 430000 -o big.har
//
// -kind writes the inputs of make bench-compare and make bench-hostile instead, at scale factor -k:
//
//	go run ./internal/benchdata/genhar -kind passing -n 100000 -o list.har   # a list that passes the default rules
//	go run ./internal/benchdata/genhar -kind folder -n 2000 -o dir           # 2,000 small HARs, 5 exchanges each
//	go run ./internal/benchdata/genhar -kind amplify -k 2 -o amp.har         # issue 14's hostile recordings:
//	                                                                          # amplify, skip, tiny, alias, names
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apikit/apikit/internal/benchdata"
)

func main() {
	kind := flag.String("kind", "large", "what to write: large, passing, folder, amplify, skip, tiny, alias, names")
	n := flag.Int("n", 430000, "reservations in the body (large, passing: about 235 bytes each), or files (folder)")
	k := flag.Int("k", 1, "scale factor of the hostile kinds (amplify and skip: 1000·k by 1000·k; tiny: 1,000,000·k entries; alias: 200·k references; names: 1000·k pairs)")
	out := flag.String("o", "big.har", "output `FILE` (a folder for -kind folder)")
	flag.Parse()
	if err := write(*kind, *n, *k, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genhar:", err)
		os.Exit(1)
	}
}

func write(kind string, n, k int, out string) error {
	var fn func(io.Writer) error
	switch kind {
	case "large":
		var body int64
		size, err := create(out, func(w io.Writer) (err error) { body, err = benchdata.WriteLargeListHAR(w, n); return err })
		if err == nil {
			fmt.Printf("%s: %d reservations, body %d bytes (%.1f MiB), file %d bytes\n", out, n, body, float64(body)/(1<<20), size)
		}
		return err
	case "passing":
		fn = func(w io.Writer) error { return benchdata.WritePassingListHAR(w, n) }
	case "folder":
		for i := range n {
			name := filepath.Join(out, fmt.Sprintf("%02d", i/100), fmt.Sprintf("rec-%04d.har", i))
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				return err
			}
			if _, err := create(name, func(w io.Writer) error { return benchdata.WriteSmallHAR(w, i) }); err != nil {
				return err
			}
		}
		fmt.Printf("%s: %d HARs, %d exchanges\n", out, n, n*benchdata.SmallHARExchanges)
		return nil
	case "amplify", "skip":
		fn = func(w io.Writer) error { return benchdata.WriteAmplifyHAR(w, 1000*k, 1000*k, kind == "skip") }
	case "tiny":
		fn = func(w io.Writer) error { return benchdata.WriteTinyHAR(w, 1000000*k) }
	case "alias":
		fn = func(w io.Writer) error { return benchdata.WriteAliasCassette(w, 200*k, 1000) }
	case "names":
		out = filepath.Join(filepath.Dir(out), benchdata.HostileName)
		fn = func(w io.Writer) error { return benchdata.WriteHostileNamesHAR(w, 1000*k) }
	default:
		return fmt.Errorf("unknown -kind %q", kind)
	}
	size, err := create(out, fn)
	if err == nil {
		fmt.Printf("%q: %s, %d bytes\n", out, kind, size)
	}
	return err
}

func create(name string, fn func(io.Writer) error) (int64, error) {
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	if err := fn(f); err != nil {
		f.Close()
		return 0, fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	st, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
