package proxy

import (
	"bytes"
	"io"
	"testing"

	"github.com/apikit/apikit/internal/streamtest"
)

// TestTeeBudget: bodies read at once share one budget. Four bodies, each under the limit but together over the
// budget, are read in turns of 16 KiB: the bytes reserved never pass the budget, the bodies that could not be
// kept say why, the kept ones are whole, and every reservation is given back once freed.
func TestTeeBudget(t *testing.T) {
	const limit, size = 1 << 20, 600 << 10
	b := &budget{max: limit}
	tees := make([]*tee, 4)
	for i := range tees {
		tees[i] = newTee(streamtest.NewBody(size), limit, -1, b)
	}
	buf := make([]byte, 16<<10)
	for done := 0; done < len(tees); {
		done = 0
		for _, tt := range tees {
			if _, err := tt.Read(buf); err == io.EOF {
				done++
			} else if err != nil {
				t.Fatal(err)
			}
			if used := b.used.Load(); used > b.max {
				t.Fatalf("%d bytes reserved, over the %d bytes budget", used, b.max)
			}
		}
	}
	kept, want := 0, make([]byte, size)
	_, _ = io.ReadFull(streamtest.NewBody(size), want)
	for i, tt := range tees {
		st := tt.snapshot()
		switch {
		case st.dropped == keptWhole:
			kept++
			if !bytes.Equal(st.data, want) {
				t.Errorf("body %d: the copy differs from the body (%d bytes)", i, len(st.data))
			}
		case st.dropped != overBudget || st.data != nil:
			t.Errorf("body %d: dropped %d with %d bytes, want overBudget and no copy", i, st.dropped, len(st.data))
		}
		if !st.eof || st.n != size {
			t.Errorf("body %d: read %d bytes, eof %v; want all %d", i, st.n, st.eof, size)
		}
	}
	if kept != 1 {
		t.Errorf("%d bodies kept, want 1 (two of 600 KiB do not fit in 1 MiB)", kept)
	}
	for _, tt := range tees {
		tt.free()
	}
	if used := b.used.Load(); used != 0 {
		t.Errorf("%d bytes still reserved once every body was freed", used)
	}
}

// TestTeeLimit: a body stops being copied the moment it crosses the limit, and its reservation is given back at
// once, while it is still being read; one of known length over the limit is never copied; one of known length
// under it is copied into one buffer.
func TestTeeLimit(t *testing.T) {
	const limit = 256 << 10
	b := &budget{max: 4 * limit}
	tt := newTee(streamtest.NewBody(8*limit), limit, -1, b)
	buf := make([]byte, 8<<10)
	for tt.n <= limit {
		if _, err := tt.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if st := tt.snapshot(); st.dropped != overLimit || st.data != nil || b.used.Load() != 0 {
		t.Fatalf("past the limit: dropped %d, %d bytes kept, %d reserved; want overLimit, none, none", st.dropped, len(st.data), b.used.Load())
	}
	if n, err := io.CopyBuffer(io.Discard, tt, buf); err != nil || n+limit+8<<10 < 8*limit {
		t.Fatalf("the rest of the body: %d bytes, %v", n, err)
	}

	over := newTee(streamtest.NewBody(limit+1), limit, limit+1, b)
	if _, err := io.Copy(io.Discard, over); err != nil || over.snapshot().dropped != overLimit || b.used.Load() != 0 {
		t.Errorf("a length over the limit: dropped %d, %d reserved, %v", over.snapshot().dropped, b.used.Load(), err)
	}
	under := newTee(streamtest.NewBody(limit), limit, limit, b)
	if _, err := io.Copy(io.Discard, under); err != nil {
		t.Fatal(err)
	}
	if st := under.snapshot(); st.dropped != keptWhole || len(st.data) != limit || cap(st.data) != limit || len(under.pieces) != 0 {
		t.Errorf("a length at the limit: dropped %d, %d bytes in a buffer of %d", st.dropped, len(st.data), cap(st.data))
	}
	under.free()
	if b.used.Load() != 0 {
		t.Errorf("%d bytes still reserved", b.used.Load())
	}
}
