package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// minHeapHeadroom is the most heap growth between two collections apikit validate allows itself
// (inputHeadroom sizes it to the input, below this).
//
// With GOGC=100 the collector runs each time the heap doubles. A folder of small recordings keeps a few
// megabytes live, so it collected every ~4 MB allocated: ~30 collections per 2,000 files, whose fixed costs
// grow with the number of cores (two cores validated such a folder only ~1.55x faster than one, and a quarter
// slower than with fewer collections). A headroom makes that a few collections; a live heap above it (a 100 MB
// body) keeps GOGC=100's doubling, as before.
const minHeapHeadroom = 64 << 20

// leastHeapHeadroom is the headroom of the smallest inputs: the runtime's own smallest heap goal.
const leastHeapHeadroom = 4 << 20

// smallInput is the input size below which validate leaves the collector's pace as it is (leastHeapHeadroom:
// about GOGC=100's, the process's own live heap, stacks and globals being some 6 MB). On such an input the live
// heap stays a few megabytes, so the collections a larger headroom saves are cheap (about 1 ms of CPU each),
// while all of the headroom adds to the peak RSS: on a folder of 2,000 small HARs (9 MB) the input-sized
// headroom took ~1.1x less CPU time for 1.4-1.9x the peak RSS (25 MiB at GOGC=100, 35-49 MiB tuned).
const smallInput = 16 << 20

// inputHeadroom is the headroom for validating paths: their size in bytes (files, and the files under
// folders), at most minHeapHeadroom, and leastHeapHeadroom below smallInput. Validating allocates about ten
// times the input's size, so this keeps to about ten collections on a large input, and the heap's growth below
// the input's size. A path it cannot measure (standard input, a pipe, an error that loading reports later)
// counts as minHeapHeadroom. The walk stops once the sum reaches minHeapHeadroom.
func inputHeadroom(paths []string) uint64 {
	var total uint64
	for _, p := range paths {
		if total >= minHeapHeadroom {
			break
		}
		st, err := os.Stat(p)
		switch {
		case err != nil || (!st.Mode().IsRegular() && !st.IsDir()):
			total = minHeapHeadroom
		case st.Mode().IsRegular():
			total += uint64(st.Size())
		default:
			_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
				if err != nil || total >= minHeapHeadroom {
					return filepath.SkipAll // loading reports the error; the sum is large enough
				}
				if d.Type().IsRegular() {
					if info, err := d.Info(); err == nil {
						total += uint64(info.Size())
					}
				}
				return nil
			})
		}
	}
	if total < smallInput {
		return leastHeapHeadroom
	}
	return min(total, minHeapHeadroom)
}

// startGCTuner keeps the collector's goal at least headroom above the live heap, by setting GOGC after each
// collection: max(100, 100*headroom/(live+stacks+globals)), the runtime's goal being the live heap plus GOGC
// percent of those three. It does nothing when the GOGC environment variable is set (the user's choice wins).
// stop restores the previous setting.
func startGCTuner(headroom uint64) (stop func()) { return startGCTunerNotify(headroom, nil) }

// startGCTunerNotify is startGCTuner that calls tuned, when not nil, with each GOGC it sets after a collection
// (on the finalizer goroutine), so a test can wait for the tuner rather than sleep.
func startGCTunerNotify(headroom uint64, tuned func(percent int)) (stop func()) {
	_, stop = newGCTuner(headroom, tuned)
	return stop
}

// startGCTunerFor starts the tuner for validating paths: at leastHeapHeadroom at once, at inputHeadroom(paths)
// as soon as that is known. Measuring a folder stats each of its files (4-6 ms for 2,000 files on a busy
// 2-core machine), so it runs beside the validation rather than before it; an input under smallInput keeps the
// least headroom anyway.
func startGCTunerFor(paths []string) (stop func()) {
	t, stop := newGCTuner(leastHeapHeadroom, nil)
	if t != nil {
		go t.setHeadroom(inputHeadroom(paths))
	}
	return stop
}

// newGCTuner starts a tuner (startGCTunerNotify); t is nil when the GOGC environment variable is set.
func newGCTuner(headroom uint64, tuned func(percent int)) (t *gcTuner, stop func()) {
	if os.Getenv("GOGC") != "" {
		return nil, func() {}
	}
	t = &gcTuner{headroom: headroom, tuned: tuned, live: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}}
	prev := debug.SetGCPercent(t.percent())
	t.arm()
	return t, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.stopped = true
		debug.SetGCPercent(prev)
	}
}

// setHeadroom changes the headroom, and GOGC at once, unless the tuner is stopped.
func (t *gcTuner) setHeadroom(headroom uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped || headroom == t.headroom {
		return
	}
	t.headroom = headroom
	debug.SetGCPercent(t.percent())
}

type gcTuner struct {
	headroom uint64 // under mu
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

// percent is the GOGC that puts the next goal headroom above the live heap of the last collection: GOGC is a
// percentage of the live heap, the stacks and the globals the collector scans (at least 4 MiB, the runtime's
// smallest heap: a collection during the packages' initialization finds a live heap far smaller than
// validating keeps, and a percentage of it would let the heap grow many times the headroom).
func (t *gcTuner) percent() int {
	metrics.Read(t.live)
	var base uint64
	for _, s := range t.live {
		if s.Value.Kind() == metrics.KindUint64 {
			base += s.Value.Uint64()
		}
	}
	base = max(base, 4<<20)
	return int(min(max(100, t.headroom*100/base), 100000))
}
