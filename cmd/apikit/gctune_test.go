package main

import (
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
// headroom it leaves GOGC at 100; stop restores the setting. Not parallel: GOGC is process-wide.
func TestGCTuner(t *testing.T) {
	if gcPercent() != 100 {
		t.Skip("GOGC is set for this process")
	}
	t.Setenv("GOGC", "") // startGCTuner leaves a GOGC the user set alone
	stop := startGCTuner(minHeapHeadroom)
	if p := gcPercent(); p <= 100 {
		t.Errorf("GOGC %d right after starting, want more than 100 with a small heap", p)
	}
	// A live heap above the headroom: after a collection, the tuner goes back to doubling.
	big := make([]byte, 2*minHeapHeadroom)
	waitFor(t, func() bool { runtime.GC(); return gcPercent() == 100 }, "GOGC 100 with a heap over the headroom")
	runtime.KeepAlive(big)
	big = nil
	waitFor(t, func() bool { runtime.GC(); return gcPercent() > 100 }, "GOGC over 100 once the heap is small again")
	stop()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if p := gcPercent(); p != 100 {
		t.Errorf("GOGC %d after stop, want 100 back", p)
	}

	t.Setenv("GOGC", "100")
	startGCTuner(minHeapHeadroom)() // a no-op: the environment sets GOGC
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for range 200 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond) // the tuner runs on the finalizer goroutine, after the collection
	}
	t.Fatalf("timed out waiting for %s", what)
}
