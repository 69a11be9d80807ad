package har

import (
	"path/filepath"
	"testing"

	"github.com/apikit/apikit/internal/capturetest"
)

// TestAllocsReadSmallEntries holds the read of a HAR of small entries (capturetest.WriteManyEntries: a request
// header, a response header, a 220-byte body) to an allocation budget per entry and per file (issue 17), so a
// regression fails make test without any timing. Per entry today: the exchange, its URL, the string its strings
// are cut from, the two header maps (two allocations each) and their values' array, the body: 9 (32 before
// the fast path, fast.go). Per file (11): the iterator, the config, the stream and its filter, the path's
// Stat, the file. The race detector allocates on its own: under -race the budget is
// not asserted (raceEnabled, allocs_race_test.go).
func TestAllocsReadSmallEntries(t *testing.T) {
	const perEntryBudget, perFileBudget = 9, 12
	dir := t.TempDir()
	allocs := func(entries int) float64 {
		p := filepath.Join(dir, "many.har")
		capturetest.WriteManyEntries(t, p, entries)
		read := func() {
			n := 0
			for ex, err := range Read(t.Context(), p) {
				if err != nil {
					t.Fatal(err)
				}
				if ex.Status != 200 || len(ex.ResponseBody) == 0 || ex.ResponseHeader.Get("Content-Type") == "" {
					t.Fatalf("exchange %d: status %d, %d body bytes, header %v", ex.Index, ex.Status, len(ex.ResponseBody), ex.ResponseHeader)
				}
				n++
			}
			if n != entries {
				t.Fatalf("read %d exchanges, want %d", n, entries)
			}
		}
		if raceEnabled {
			read()
			return 0
		}
		return testing.AllocsPerRun(20, read)
	}
	one, many := allocs(1), allocs(201)
	if raceEnabled {
		t.Skip("race detector on: allocations are not counted")
	}
	perEntry := (many - one) / 200
	perFile := one - perEntry
	t.Logf("%.2f allocations per entry, %.1f per file (budgets %d, %d)", perEntry, perFile, perEntryBudget, perFileBudget)
	if perEntry > perEntryBudget {
		t.Errorf("reading a small entry allocates %.2f times, want at most %d", perEntry, perEntryBudget)
	}
	if perFile > perFileBudget {
		t.Errorf("reading a file allocates %.1f times besides its entries, want at most %d", perFile, perFileBudget)
	}
}
