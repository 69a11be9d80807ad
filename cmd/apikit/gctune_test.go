package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent reads GOGC (SetGCPercent sets and returns the previous value).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestGCTuner: with a small live heap the tuner raises GOGC so the next goal is the headroom away; above the
// headroom it leaves GOGC at 100; stop restores the setting. Not parallel: GOGC is process-wide. It waits for the
// tuner's own signal after each collection, never for a while.
func TestGCTuner(t *testing.T) {
	if gcPercent() != 100 {
		t.Skip("GOGC is set for this process")
	}
	t.Setenv("GOGC", "") // startGCTuner leaves a GOGC the user set alone
	tuned := make(chan int, 64)
	stop := startGCTunerNotify(minHeapHeadroom, func(p int) {
		select {
		case tuned <- p:
		default: // the test is not waiting
		}
	})
	if p := gcPercent(); p <= 100 {
		t.Errorf("GOGC %d right after starting, want more than 100 with a small heap", p)
	}
	// A live heap above the headroom: after a collection, the tuner goes back to doubling.
	big := make([]byte, 2*minHeapHeadroom)
	waitFor(t, tuned, func(p int) bool { return p == 100 }, "GOGC 100 with a heap over the headroom")
	runtime.KeepAlive(big)
	big = nil
	waitFor(t, tuned, func(p int) bool { return p > 100 }, "GOGC over 100 once the heap is small again")
	stop()
	// No retune after stop: a collection (whose sentinel's finalizer sees stop) leaves GOGC as stop restored it.
	runtime.GC()
	if p := gcPercent(); p != 100 {
		t.Errorf("GOGC %d after stop, want 100 back", p)
	}

	t.Setenv("GOGC", "100")
	startGCTuner(minHeapHeadroom)() // a no-op: the environment sets GOGC
}

// TestGCTunerSetHeadroom: a headroom measured after the start applies at once, and not after stop.
func TestGCTunerSetHeadroom(t *testing.T) {
	if gcPercent() != 100 {
		t.Skip("GOGC is set for this process")
	}
	t.Setenv("GOGC", "")
	tuner, stop := newGCTuner(leastHeapHeadroom, nil)
	tuner.setHeadroom(minHeapHeadroom)
	if p := gcPercent(); p <= 100 {
		t.Errorf("GOGC %d after a headroom of %d, want more than 100 with a small heap", p, minHeapHeadroom)
	}
	stop()
	tuner.setHeadroom(2 * minHeapHeadroom)
	if p := gcPercent(); p != 100 {
		t.Errorf("GOGC %d after stop and a new headroom, want 100 back", p)
	}
	t.Setenv("GOGC", "100")
	if tuner, _ := newGCTuner(leastHeapHeadroom, nil); tuner != nil {
		t.Error("a tuner started although the environment sets GOGC")
	}
}

// waitFor collects garbage and waits for the tuner to retune, until cond holds for the GOGC it set (and that GOGC
// is in force), for at most 20 collections.
func waitFor(t *testing.T, tuned <-chan int, cond func(int) bool, what string) {
	t.Helper()
	for range 20 {
		runtime.GC()
		select {
		case p := <-tuned:
			if cond(p) && gcPercent() == p {
				return
			}
		case <-time.After(10 * time.Second): // a safety net, not a timed assertion
			t.Fatalf("the tuner did not retune after a collection, waiting for %s", what)
		}
	}
	t.Fatalf("no %s after 20 collections", what)
}

// TestInputHeadroom: the headroom is the input's size (files, and files under folders), leastHeapHeadroom
// below smallInput and at most minHeapHeadroom; a path that cannot be measured counts as the most.
func TestInputHeadroom(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sparse := func(name string, size int64) {
		p := write(name, 0)
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
	}
	small := write("small.har", 1000)
	sparse("folder/a/one.har", 9<<20)
	sparse("folder/b/two.har", 8<<20)
	sparse("small/a/one.har", 9<<20)
	sparse("small/b/two.har", 6<<20)
	for _, c := range []struct {
		name  string
		paths []string
		want  uint64
	}{
		{"a small file gets the least", []string{small}, leastHeapHeadroom},
		{"a folder's files are summed", []string{filepath.Join(dir, "folder")}, 17 << 20},
		{"with a file beside it", []string{filepath.Join(dir, "folder"), small}, 17<<20 + 1000},
		{"a folder under smallInput gets the least", []string{filepath.Join(dir, "small")}, leastHeapHeadroom},
		{"the sum decides", []string{filepath.Join(dir, "small"), filepath.Join(dir, "small", "b")}, 21 << 20},
		{"a missing path counts as the most", []string{small, filepath.Join(dir, "missing.har")}, minHeapHeadroom},
		{"standard input counts as the most", []string{"-"}, minHeapHeadroom},
	} {
		if got := inputHeadroom(c.paths); got != c.want {
			t.Errorf("%s: inputHeadroom = %d, want %d", c.name, got, c.want)
		}
	}
	big := write("big.har", 0)
	if err := os.Truncate(big, 2*minHeapHeadroom); err != nil {
		t.Fatal(err)
	}
	if got := inputHeadroom([]string{big, small}); got != minHeapHeadroom {
		t.Errorf("a file over the most: inputHeadroom = %d, want %d", got, uint64(minHeapHeadroom))
	}
}
