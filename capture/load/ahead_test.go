package load

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/internal/capturetest"

	"github.com/apikit/apikit/capture"
)

// loadFolder writes a folder with every kind of input Load meets and returns it.
func loadFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	capturetest.WriteFile(t, dir, "a.har", miniHAR)
	capturetest.WriteFile(t, dir, "b/c.json", miniHAR)
	capturetest.WriteFile(t, dir, "b/d.json", `{"openapi":"3.0.3","info":{"log":"not a HAR"}}`)
	capturetest.WriteFile(t, dir, "b/empty.json", ``)
	capturetest.WriteFile(t, dir, "e.yaml", miniCassette)
	capturetest.WriteFile(t, dir, "f.yaml", "openapi: 3.0.3\n")
	capturetest.WriteFile(t, dir, "g.yml", capturetest.CassetteOf(capturetest.Interaction("200", `{}`), capturetest.Interaction("abc", "x"), capturetest.Interaction("204", "")))
	capturetest.WriteFile(t, dir, "broken.har", `{"log":{"entries":[`+miniEntry+`,{`)
	capturetest.WriteFile(t, dir, "errors.har", capturetest.HAROf(`{}`, miniEntry, `7`, miniEntry))
	capturetest.WriteFile(t, dir, "bad.yaml", "version: 2\ninteractions: [[[\n")
	capturetest.WriteFile(t, dir, "notes.txt", "not a recording")
	capturetest.WriteFile(t, dir, "skipped/x.har", miniHAR)
	capturetest.WriteFile(t, dir, IgnoreFile, "skipped\n")
	capturetest.WriteManyEntries(t, filepath.Join(dir, "many.har"), 300)
	capturetest.LargeBodyHAR(t, capturetest.WriteFile(t, dir, "large/large.har", ""), 5<<20)
	for i := range 30 {
		capturetest.WriteFile(t, dir, fmt.Sprintf("n/%02d.har", i), miniHAR)
	}
	return dir
}

func collectLoad(t *testing.T, ctx context.Context, paths []string, workers int) []capturetest.Loaded {
	t.Helper()
	return capturetest.CollectStream(t, func(yield func(*capture.Exchange, error) bool) {
		New().loadWith(ctx, paths, []capture.Option{capture.WithMaxBody(4 << 20)}, workers, yield)
	})
}

// TestLoadAheadMatchesInOrder: reading files ahead on several cores yields what reading them in turn yields, in
// the same order, errors included, and stops cleanly wherever the consumer stops.
func TestLoadAheadMatchesInOrder(t *testing.T) {
	t.Parallel()
	dir := loadFolder(t)
	pathSets := [][]string{
		{dir},
		{filepath.Join(dir, "missing.har"), filepath.Join(dir, "a.har"), filepath.Join(dir, "notes.txt"), dir, filepath.Join(dir, "b", "d.json"), filepath.Join(dir, "skipped")},
		{filepath.Join(dir, "n")},
		nil,
	}
	for i, paths := range pathSets {
		want := collectLoad(t, t.Context(), paths, 1)
		if i == 0 && len(want) < 300 {
			t.Fatalf("the folder yielded %d items, want many", len(want))
		}
		workerCounts := []int{2}
		if capturetest.Long() { // make test-long: more workers than files, and odd counts
			workerCounts = []int{2, 3, 8}
		}
		for _, workers := range workerCounts {
			got := collectLoad(t, t.Context(), paths, workers)
			if diff := capturetest.DiffLoaded(got, want); diff != "" {
				t.Errorf("paths %d, %d workers:\n%s", i, workers, diff)
			}
		}
	}
	// Stop after every item.
	paths := pathSets[1]
	want := collectLoad(t, t.Context(), paths, 1)
	grow := 10 // make test-long: nearly every stopping point
	if !capturetest.Long() {
		grow = 2
	}
	for stop := 1; stop <= len(want); stop += max(1, stop/grow) {
		var got []capturetest.Loaded
		New().loadWith(t.Context(), paths, nil, 2, func(ex *capture.Exchange, err error) bool {
			got = append(got, capturetest.Loaded{Ex: ex})
			return len(got) < stop
		})
		if len(got) != stop {
			t.Fatalf("stopping after %d: got %d items", stop, len(got))
		}
	}
}

func TestLoadAheadCancel(t *testing.T) {
	t.Parallel()
	dir := loadFolder(t)
	for _, workers := range []int{1, 2, 4} {
		for _, after := range []int{1, 2, 5, 40, 200} {
			ctx, cancel := context.WithCancel(t.Context())
			n := 0
			var errs []error
			New().loadWith(ctx, []string{dir}, nil, workers, func(ex *capture.Exchange, err error) bool {
				if err != nil && errors.Is(err, context.Canceled) {
					errs = append(errs, err)
					return true
				}
				n++
				if n == after {
					cancel()
				}
				return true
			})
			cancel()
			if n != after || len(errs) != 1 || !strings.Contains(errs[0].Error(), "loading stopped: context canceled") {
				t.Errorf("%d workers, cancel after %d: got %d items and stop errors %v, want %d and one", workers, after, n, errs, after)
			}
		}
	}
}

// TestLoadQueueBound: a reader holds at most loadAheadBytes the consumer has not taken, or one item of any size.
// With ctx already done, push returns false exactly when it would wait.
func TestLoadQueueBound(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	q := newLoadQueue()
	big := loadItem{ex: &capture.Exchange{ResponseBody: make([]byte, 2*loadAheadBytes)}}
	small := loadItem{ex: &capture.Exchange{ResponseBody: make([]byte, 1<<20)}}
	if !q.push(ctx, big) {
		t.Fatal("the first item, however large, must go in")
	}
	if q.push(ctx, small) {
		t.Fatal("a push must wait while the queue is over its bound")
	}
	if items := q.take(nil); len(items) != 1 {
		t.Fatalf("took %d items, want the large one", len(items))
	}
	n := 0
	for q.push(ctx, small) {
		n++
	}
	if want := loadAheadBytes / int(small.size()); n != want {
		t.Errorf("the queue took %d items of %d bytes, want %d", n, small.size(), want)
	}
	if q.bytes > loadAheadBytes {
		t.Errorf("the queue holds %d bytes, over %d", q.bytes, loadAheadBytes)
	}
	q.close()
	if items := q.take(nil); len(items) != n {
		t.Errorf("took %d items, want %d", len(items), n)
	}
	if items := q.take(nil); items != nil {
		t.Errorf("took %d items after the end, want none", len(items))
	}
}
