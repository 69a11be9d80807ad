package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
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
func startGCTuner(headroom uint64) (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	t := &gcTuner{headroom: headroom, live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	prev := debug.SetGCPercent(t.percent())
	t.arm()
	return func() {
		t.stopped.Store(true)
		debug.SetGCPercent(prev)
	}
}

type gcTuner struct {
	headroom uint64
	live     []metrics.Sample
	stopped  atomic.Bool
}

// gcSentinel is garbage as soon as it is made: its finalizer runs after the next collection, retunes and makes
// the next one.
type gcSentinel struct{ t *gcTuner }

func (t *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{t}, func(s *gcSentinel) {
		if s.t.stopped.Load() {
			return
		}
		debug.SetGCPercent(s.t.percent())
		s.t.arm()
	})
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
