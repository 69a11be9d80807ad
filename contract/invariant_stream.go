package contract

import "container/heap"

// DefaultInvariantWindow is how many results of a recording an [InvariantStream] holds at most waiting for their
// invariants (twice that waiting to be handed on in order): the bound of `apikit validate`'s memory across
// the exchanges of a recording.
const DefaultInvariantWindow = 4096

// InvariantStream checks the invariants of one recording's results as they come and hands each result on in
// the order it came, once its invariants ran, holding at most a window of results: what [Invariants.CheckAll]
// does over a whole recording, in memory bounded by the window instead of the recording's length.
//
// The invariants take the results in time order (Result.Observed's time; a result without one keeps its place
// after the one before it), as CheckAll does, among the results held: a recording whose exchanges are in time
// order, or out of order by fewer than window exchanges, gets exactly CheckAll's verdicts. Past that, the
// earliest held result is checked when the window is full, and the oldest one when 2×window wait to be handed
// on, before a later one that comes out of order. An InvariantStream is not safe for concurrent use.
type InvariantStream struct {
	inv    *Invariants
	window int
	emit   func(*Result) error
	queue  []*pending // in the order given, from the first not yet handed on
	wait   pendingHeap
	last   instant
	n      int
	err    error
}

// pending is a result waiting for its invariants or for the ones before it.
type pending struct {
	res     Result
	at      instant
	idx     int
	heapIdx int // in InvariantStream.wait; -1 once checked
}

// NewInvariantStream returns an InvariantStream that hands each result to emit once its invariants ran; window
// ≤ 0 is [DefaultInvariantWindow]. emit's first error is Close's.
func NewInvariantStream(window int, emit func(*Result) error) *InvariantStream {
	if window <= 0 {
		window = DefaultInvariantWindow
	}
	return &InvariantStream{inv: NewInvariants(), window: window, emit: emit}
}

// Add takes the next result of the recording, and hands on the results whose turn has come.
func (s *InvariantStream) Add(res Result) {
	at := s.last
	if o := res.Observed; o != nil && o.timed {
		at = o.at
	}
	s.last = at
	p := &pending{res: res, at: at, idx: s.n}
	s.n++
	s.queue = append(s.queue, p)
	heap.Push(&s.wait, p)
	for s.wait.Len() > s.window {
		s.check(heap.Pop(&s.wait).(*pending))
	}
	if len(s.queue) > 2*s.window && s.queue[0].heapIdx >= 0 {
		s.check(heap.Remove(&s.wait, s.queue[0].heapIdx).(*pending))
	}
	s.handOn()
}

// Close checks the results still held, in time order, hands them on, and returns emit's first error.
func (s *InvariantStream) Close() error {
	for s.wait.Len() > 0 {
		s.check(heap.Pop(&s.wait).(*pending))
	}
	s.handOn()
	return s.err
}

// Reset readies s, once Close returned, for the next recording as if it were new, with the same window and emit:
// it forgets what the invariants saw and keeps its memory, which a new InvariantStream per recording would
// allocate again (apikit validate on a folder of small recordings).
func (s *InvariantStream) Reset() {
	clear(s.inv.sources)
	clear(s.queue)
	clear(s.wait)
	s.queue, s.wait = s.queue[:0], s.wait[:0]
	s.last, s.n, s.err = 0, 0, nil
}

func (s *InvariantStream) check(p *pending) {
	p.heapIdx = -1
	s.inv.Check(&p.res)
}

// handOn hands on the checked results at the head of the queue, and forgets them.
func (s *InvariantStream) handOn() {
	i := 0
	for ; i < len(s.queue) && s.queue[i].heapIdx < 0; i++ {
		if err := s.emit(&s.queue[i].res); err != nil && s.err == nil {
			s.err = err
		}
		s.queue[i] = nil
	}
	if i > 0 { // keep the queue at the start of its array, which stays at most 2×window+1 long
		n := copy(s.queue, s.queue[i:])
		clear(s.queue[n:])
		s.queue = s.queue[:n]
	}
}

// pendingHeap orders the results waiting for their invariants by time, then by the order they came.
type pendingHeap []*pending

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].idx < h[j].idx
}
func (h pendingHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *pendingHeap) Push(x any) {
	p := x.(*pending)
	p.heapIdx = len(*h)
	*h = append(*h, p)
}
func (h *pendingHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return p
}
