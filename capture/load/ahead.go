package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/apikit/apikit/capture"
)

// Files on several cores. Reading a recording (opening it, parsing its JSON or YAML, unescaping its bodies) costs
// more than validating it, so with one reader a folder of small recordings is validated no faster on two cores
// than on one. loadAhead reads up to 2 files per core ahead of the consumer, on as many reader goroutines, and
// yields exactly what loadInOrder yields, in the same order.
//
// Memory stays bounded: at most 2*workers files are being read or waiting to be consumed, and the goroutine
// reading a file stops once it holds loadAheadBytes of exchanges the consumer has not taken (a single exchange
// of any size is always let through).

// loadAheadBytes is how much of one file's exchanges (bodies, plus loadItemOverhead each) its reader may hold.
const loadAheadBytes = 4 << 20

// loadItemOverhead is what an exchange costs beyond its bodies (headers, URL, strings), roughly.
const loadItemOverhead = 1 << 10

type loadItem struct {
	ex  *capture.Exchange
	err error
}

func (it loadItem) size() int64 {
	if it.ex == nil {
		return loadItemOverhead
	}
	return int64(len(it.ex.RequestBody)+len(it.ex.ResponseBody)) + loadItemOverhead
}

// loadQueue carries one file's exchanges from its reader to the consumer.
type loadQueue struct {
	mu    sync.Mutex
	items []loadItem
	bytes int64
	done  bool
	cut   bool          // the reader stopped because ctx was done, before the end of the file
	ready chan struct{} // signalled when items are added or the reader is done
	space chan struct{} // signalled when the consumer takes items
}

func newLoadQueue() *loadQueue {
	return &loadQueue{ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

// reset empties a queue its reader closed and its consumer drained, for the next file: a new queue per file, and
// its items' array grown item by item, cost 7 allocations per small file.
func (q *loadQueue) reset() {
	clear(q.items[:cap(q.items)])
	q.items, q.bytes, q.done, q.cut = q.items[:0], 0, false, false
	select { // a signal left over is harmless (take and push check again), but not needed
	case <-q.ready:
	default:
	}
	select {
	case <-q.space:
	default:
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push adds an item, waiting while the queue is full; it returns false when ctx is done first.
func (q *loadQueue) push(ctx context.Context, it loadItem) bool {
	n := it.size()
	for {
		q.mu.Lock()
		if len(q.items) == 0 || q.bytes+n <= loadAheadBytes {
			q.items = append(q.items, it)
			q.bytes += n
			q.mu.Unlock()
			signal(q.ready)
			return true
		}
		q.mu.Unlock()
		select {
		case <-q.space:
		case <-ctx.Done():
			q.mu.Lock()
			q.cut = true
			q.mu.Unlock()
			return false
		}
	}
}

func (q *loadQueue) close() {
	q.mu.Lock()
	q.done = true
	q.mu.Unlock()
	signal(q.ready)
}

// take returns every item queued, waiting for one; it returns nil once the reader is done and all are taken.
// spare is a slice the queue may reuse.
func (q *loadQueue) take(spare []loadItem) []loadItem {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			items := q.items
			q.items, q.bytes = spare[:0], 0
			q.mu.Unlock()
			signal(q.space)
			return items
		}
		done := q.done
		q.mu.Unlock()
		if done {
			return nil
		}
		<-q.ready
	}
}

// loadUnit is one step of loadInOrder, in its order: the start of a path (where it checks ctx), an error to
// yield, or a file to read (where it checks ctx too).
type loadUnit struct {
	path string
	err  *capture.LoadError
	q    *loadQueue // a file's exchanges
}

func (l *Loader) loadAhead(ctx context.Context, paths []string, opts []capture.Option, workers int, yield func(*capture.Exchange, error) bool) {
	ahead := 2 * workers
	readCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel() // readers and the lister stop, and Load returns only after they have
		wg.Wait()
	}()
	units := make(chan loadUnit, ahead)
	var stoppedAt string                 // the path the lister stopped at when ctx was done; read after units is closed
	slots := make(chan struct{}, ahead)  // a file holds one from the start of its reading until it is consumed
	free := make(chan *loadQueue, ahead) // the queues of the files consumed, for the next ones
	// ahead readers, each reading one file after another: a goroutine per file cost more than the read of a
	// small recording.
	type readJob struct {
		file string
		kind fileKind
		q    *loadQueue
	}
	jobs := make(chan readJob, ahead)
	for range ahead {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				l.loadFile(readCtx, j.file, j.kind, opts, func(ex *capture.Exchange, err error) bool {
					return j.q.push(readCtx, loadItem{ex, err})
				})
				j.q.close()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(units)
		defer close(jobs)
		send := func(u loadUnit) bool {
			select {
			case units <- u:
				return true
			case <-readCtx.Done():
				stoppedAt = u.path
				return false
			}
		}
		read := func(file string, kind fileKind) bool {
			select {
			case slots <- struct{}{}:
			case <-readCtx.Done():
				stoppedAt = file
				return false
			}
			var q *loadQueue
			select {
			case q = <-free:
			default:
				q = newLoadQueue()
			}
			jobs <- readJob{file, kind, q} // never waits: a reader is free for each slot
			return send(loadUnit{path: file, q: q})
		}
		for _, p := range paths {
			if !send(loadUnit{path: p}) {
				return
			}
			st, err := os.Stat(p)
			if err != nil {
				if !send(loadUnit{path: p, err: capture.FileError(p, capture.OpenError(err))}) {
					return
				}
				continue
			}
			if !st.IsDir() {
				if !read(p, namedFile) {
					return
				}
				continue
			}
			files, errs := l.recordingsIn(p)
			for _, le := range errs {
				if !send(loadUnit{path: le.File, err: le}) {
					return
				}
			}
			for _, f := range files {
				if !read(f.path, walkedFile(f)) {
					return
				}
			}
		}
	}()

	var spare []loadItem
	for u := range units {
		switch {
		case u.err != nil:
			if !yield(nil, u.err) {
				return
			}
			continue
		case u.q == nil: // the start of a path
			if err := ctx.Err(); err != nil {
				yield(nil, capture.FileError(u.path, fmt.Errorf("loading stopped: %w", err)))
				return
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			yield(nil, capture.FileError(u.path, fmt.Errorf("loading stopped: %w", err)))
			return
		}
		next := -1 // the index of the entry after the last one yielded
		for items := u.q.take(spare); items != nil; items = u.q.take(spare) {
			for _, it := range items {
				// The reader checked ctx before reading each entry and stopped with an error once it was done;
				// it may have read ahead since, so check again as it would have before this one.
				if err := ctx.Err(); err != nil {
					if it.err == nil || !errors.Is(it.err, err) {
						it = loadItem{err: stopError(u.path, it, err)}
					}
					yield(nil, it.err)
					return
				}
				if !yield(it.ex, it.err) {
					return
				}
				next = max(next, it.index()+1)
			}
			clear(items)
			spare = items
		}
		if err := ctx.Err(); err != nil && u.q.cut {
			yield(nil, &capture.LoadError{File: u.path, Index: next, Offset: -1, Err: fmt.Errorf("loading stopped: %w", err)})
			return
		}
		u.q.reset()
		select {
		case free <- u.q:
		default:
		}
		<-slots
	}
	// The lister stops early only when ctx is done: report it at the path it had not listed yet.
	if err := ctx.Err(); err != nil && stoppedAt != "" {
		yield(nil, capture.FileError(stoppedAt, fmt.Errorf("loading stopped: %w", err)))
	}
}

// index is the entry (or interaction) an item is about; -1 for the file as a whole.
func (it loadItem) index() int {
	if it.ex != nil {
		return it.ex.Index
	}
	return errIndex(it.err)
}

// errIndex is the entry a load error is about; -1 for the file as a whole. (In index, its *LoadError escaped to
// the heap for every item, an allocation per exchange.)
func errIndex(err error) int {
	var le *capture.LoadError
	if errors.As(err, &le) {
		return le.Index
	}
	return -1
}

// stopError is the error a reader yields in place of it when ctx is done before it reads that entry.
func stopError(file string, it loadItem, err error) *capture.LoadError {
	return &capture.LoadError{File: file, Index: it.index(), Offset: -1, Err: fmt.Errorf("loading stopped: %w", err)}
}
