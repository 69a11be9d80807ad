package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apikit/apikit/capture/load"

	"github.com/apikit/apikit/contract"
)

// folderTemplates are the committed recordings a benchmark folder is made of: two HARs and a go-vcr cassette,
// every exchange of which validates clean.
var folderTemplates = []struct {
	file      string
	exchanges int
}{
	{"../../contract/testdata/doorflow.har", 6},
	{"../../contract/testdata/sonderplan.har", 5},
	{"../../contract/testdata/doorflow_cassette.yaml", 4},
}

// writeFolder writes n recordings into dir, copies of the templates in turn, and returns how many exchanges and
// bytes they hold.
func writeFolder(b *testing.B, dir string, n int) (exchanges int, size int64) {
	b.Helper()
	for i := range n {
		tpl := folderTemplates[i%len(folderTemplates)]
		data, err := os.ReadFile(tpl.file)
		if err != nil {
			b.Fatal(err)
		}
		name := filepath.Join(dir, fmt.Sprintf("%02d", i/100), fmt.Sprintf("rec-%04d%s", i, filepath.Ext(tpl.file)))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o600); err != nil {
			b.Fatal(err)
		}
		exchanges += tpl.exchanges
		size += int64(len(data))
	}
	return exchanges, size
}

// BenchmarkValidateFolder validates a folder of 2,000 recordings (HARs and cassettes, 10,000 exchanges) as
// `apikit validate DIR` does: load.Files walks the folder and reads the files, validateAll validates the
// exchanges on GOMAXPROCS workers and hands the results on in input order, with the collector tuned as main
// tunes it (gctune.go). The validator is built once, outside the timed loop. Run it with -cpu 1,2:
// BENCHMARKS.md compares the two.
//
// It loops over b.N rather than with b.Loop on purpose: go test measures the first -cpu value of a list inside
// its first call of the benchmark, before it sets GOMAXPROCS to that value (golang/go#49980), and with b.Loop
// that first call is the whole measurement, so -cpu 1,2 would time both at GOMAXPROCS 2.
func BenchmarkValidateFolder(b *testing.B) {
	const files = 2000
	dir := b.TempDir()
	want, size := writeFolder(b, dir, files)
	ctx := b.Context()
	v, err := contract.New(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer startGCTunerFor([]string{dir})() // as apikit validate does
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	for range b.N {
		var (
			n         int
			inputErrs []contract.InputError
			bad       *contract.Result
		)
		validateAll(ctx, func(ex *contract.Exchange) contract.Result { return v.Validate(ctx, ex) }, load.Files(ctx, []string{dir}), func(it item) {
			if it.inputErr != nil {
				inputErrs = append(inputErrs, *it.inputErr)
				return
			}
			n++
			if (!it.res.Valid || it.res.Skipped) && bad == nil {
				bad = &it.res
			}
		})
		if r := bad; r != nil {
			b.Fatalf("%s: valid %v, skipped %v (%s): %v", r.Where(), r.Valid, r.Skipped, r.SkipReason, r.Violations)
		}
		if len(inputErrs) > 0 || n != want {
			b.Fatalf("got %d results and input errors %v, want %d results", n, inputErrs, want)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/files/1000, "µs/file")
	// CPU time per operation, every goroutine of the process: on a shared machine, where wall time depends on
	// what else runs, cpu-ms/op at -cpu 2 against -cpu 1 shows what running on two cores costs in overhead.
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}
