package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// minHeapHeadroom is the least the heap may grow between two collections while apikit validates.
//
// With GOGC=100 the collector runs each time the heap doubles. A folder of small recordings keeps a few
// megabytes live, so it collected every ~4 MB allocated: ~30 collections per 2,000 files, whose fixed costs
// grow with the number of cores (two cores validated such a folder only ~1.55x faster than one, and a quarter
// slower than with fewer collections). 64 MiB of headroom makes that a few collections; a live heap above
// 64 MiB (a 100 MB body) keeps GOGC=100's doubling, as before.
const minHeapHeadroom = 64 << 20

// startGCTuner keeps the collector's goal at least headroom above the live heap, by setting GOGC after each
// collection: max(100, 100*headroom/live). It does nothing when the GOGC environment variable is set (the
// user's choice wins). stop restores the previous setting.
func startGCTuner(headroom uint64) (stop func()) { return startGCTunerNotify(headroom, nil) }

// startGCTunerNotify is startGCTuner that calls tuned, when not nil, with each GOGC it sets after a collection
// (on the finalizer goroutine), so a test can wait for the tuner rather than sleep.
func startGCTunerNotify(headroom uint64, tuned func(percent int)) (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	t := &gcTuner{headroom: headroom, tuned: tuned, live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	prev := debug.SetGCPercent(t.percent())
	t.arm()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.stopped = true
		debug.SetGCPercent(prev)
	}
}

type gcTuner struct {
	headroom uint64
	tuned    func(percent int)
	live     []metrics.Sample

	// mu makes a retune and stop exclusive, so that once stop returns no finalizer in flight changes GOGC.
	mu      sync.Mutex
	stopped bool
}

// gcSentinel is garbage as soon as it is made: its finalizer runs after the next collection, retunes and makes
// the next one.
type gcSentinel struct{ t *gcTuner }

func (t *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{t}, func(s *gcSentinel) { s.t.retune() })
}

// retune sets GOGC from the last collection's live heap and arms the next retune, unless stopped.
func (t *gcTuner) retune() {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	p := t.percent()
	debug.SetGCPercent(p)
	t.mu.Unlock()
	t.arm()
	if t.tuned != nil {
		t.tuned(p)
	}
}

// percent is the GOGC that puts the next goal headroom above the live heap of the last collection (4 MiB,
// the runtime's smallest heap, before the first).
func (t *gcTuner) percent() int {
	metrics.Read(t.live)
	live := uint64(4 << 20)
	if t.live[0].Value.Kind() == metrics.KindUint64 && t.live[0].Value.Uint64() > 0 {
		live = t.live[0].Value.Uint64()
	}
	return int(min(max(100, t.headroom*100/live), 100000))
}
