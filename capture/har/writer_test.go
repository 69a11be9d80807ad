package har

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/capturetest"
)

// harStart is the start time of the HAR entries the tests write.
var harStart = time.Date(2024, 1, 15, 10, 45, 0, 0, time.UTC)

// TestHARWriterAppendIndexed: concurrent appends get the indexes 0..n-1 once each, and each index is where
// Read finds that exchange.
func TestHARWriterAppendIndexed(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "indexed.har")
	w, err := Create(p, asIs)
	if err != nil {
		t.Fatal(err)
	}
	const n = 30
	paths := make([]string, n) // by entry index
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			path := "/api/3/group_reservations/" + string(rune('a'+i))
			i, err := w.AppendIndexed(&capture.Exchange{Method: http.MethodGet, URL: capturetest.MustURL(t, "https://api.doorflow.com"+path)}, harStart, 0)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if paths[i] != "" {
				t.Errorf("index %d given twice", i)
			}
			paths[i] = path
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	exs, errs := capturetest.Collect(t, Read(t.Context(), p))
	if len(errs) > 0 || len(exs) != n {
		t.Fatalf("got %d exchanges and errors %v, want %d", len(exs), errs, n)
	}
	for _, ex := range exs {
		if ex.URL.Path != paths[ex.Index] {
			t.Errorf("entry %d: got %s, want %s", ex.Index, ex.URL.Path, paths[ex.Index])
		}
	}
	if i, err := w.AppendIndexed(&capture.Exchange{Method: "GET", URL: capturetest.MustURL(t, "https://x/")}, harStart, 0); !errors.Is(err, os.ErrClosed) || i != -1 {
		t.Errorf("AppendIndexed after Close: got %d, %v; want -1, os.ErrClosed", i, err)
	}
}

// asIs is a redaction step that keeps everything.
func asIs(ex *capture.Exchange) *capture.Exchange { return ex }

// TestWriterRedacts: Create refuses a writer without a redaction step, and what the step returns is what the
// file holds, while the exchange given to Append is left as it was.
func TestWriterRedacts(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "redacted.har")
	if _, err := Create(p, nil); err == nil {
		t.Fatal("Create with no redaction step: got no error")
	}
	w, err := Create(p, func(ex *capture.Exchange) *capture.Exchange {
		c := *ex
		c.RequestHeader = http.Header{"Authorization": {"Bearer REDACTED"}}
		return &c
	})
	if err != nil {
		t.Fatal(err)
	}
	ex := &capture.Exchange{Method: http.MethodGet, URL: capturetest.MustURL(t, "https://api.doorflow.com/api/3/people"),
		RequestHeader: http.Header{"Authorization": {"Bearer SECRET"}}, Status: http.StatusOK}
	if err := w.Append(ex, harStart, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("SECRET")) || !bytes.Contains(data, []byte("Bearer REDACTED")) {
		t.Errorf("the file holds %s, want the redacted header only", data)
	}
	if ex.RequestHeader.Get("Authorization") != "Bearer SECRET" {
		t.Error("Append changed the exchange it was given")
	}
}
