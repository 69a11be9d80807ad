package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestHARWriter: CreateHAR's writer (capture/har's, with contract's redaction) redacts every entry, keeps the file
// valid after every append, and is safe for concurrent use.
func TestHARWriter(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "sub", "concurrent.har")
	w, err := CreateHAR(p, &Redaction{Fields: map[string]any{"nickname": "Jo"}, MediaTypes: []string{"application/octet-stream"}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ex := &Exchange{Method: http.MethodGet, URL: mustURL(t, "https://api.doorflow.com/api/3/group_reservations/456?access_token=SECRET-q"),
				RequestHeader: http.Header{"Authorization": {"Bearer SECRET-a"}},
				Status:        http.StatusOK, ResponseHeader: jsonHeader(), ResponseBody: []byte(reservation)}
			if i%4 == 0 {
				ex.ResponseHeader = http.Header{"Content-Type": {"application/octet-stream"}}
				ex.ResponseBody = []byte{0xff, 0x00, 0xfe}
			}
			if i%4 == 1 {
				ex.ResponseBody = []byte(`{"nickname":"SECRET-n"}`)
				ex.URL = mustURL(t, "https://elsewhere.example/x")
			}
			if err := w.Append(ex, writerStart, 0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Valid before Close: as a process that stops now would leave it.
	check := func(when string) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("SECRET")) {
			t.Errorf("%s: the HAR holds a secret", when)
		}
		var doc struct {
			Log struct {
				Version string            `json:"version"`
				Entries []json.RawMessage `json:"entries"`
			} `json:"log"`
		}
		if err := json.Unmarshal(data, &doc); err != nil || doc.Log.Version != "1.2" || len(doc.Log.Entries) != n {
			t.Errorf("%s: got version %q and %d entries (%v), want 1.2 and %d", when, doc.Log.Version, len(doc.Log.Entries), err, n)
		}
		exs, errs := collect(t, ReadHAR(t.Context(), p))
		if len(errs) > 0 || len(exs) != n {
			t.Fatalf("%s: ReadHAR gives %d exchanges and errors %v, want %d and none", when, len(exs), errs, n)
		}
		binary := 0
		for _, ex := range exs {
			if bytes.Equal(ex.ResponseBody, []byte{0xff, 0x00, 0xfe}) {
				binary++
			}
			if ex.RequestHeader.Get("Authorization") != "Bearer REDACTED" {
				t.Errorf("%s: got Authorization %q", when, ex.RequestHeader.Get("Authorization"))
			}
		}
		if binary != n/4 {
			t.Errorf("%s: %d binary bodies read back, want %d", when, binary, n/4)
		}
	}
	check("before Close")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	check("after Close")
	if err := w.Append(&Exchange{Method: "GET", URL: mustURL(t, "https://x/")}, writerStart, 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Append after Close: got %v, want os.ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestHARWriterRequestSide(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "req.har")
	w, err := CreateHAR(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	form := "grant_type=refresh_token&refresh_token=SECRET-r&client_secret=SECRET-s"
	ex := &Exchange{Method: http.MethodPost, URL: mustURL(t, "https://api.doorflow.com/oauth/token"),
		RequestHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, RequestBody: []byte(form)}
	if err := w.Append(ex, writerStart, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	exs, errs := collect(t, ReadHAR(t.Context(), p))
	if len(errs) > 0 || len(exs) != 1 {
		t.Fatalf("got %d exchanges and errors %v", len(exs), errs)
	}
	got := exs[0]
	want := "grant_type=refresh_token&refresh_token=REDACTED&client_secret=REDACTED"
	if string(got.RequestBody) != want || got.Status != 0 {
		t.Errorf("got body %q and status %d, want %q and 0 (no response)", got.RequestBody, got.Status, want)
	}
	if string(ex.RequestBody) != form {
		t.Error("Append changed the exchange it was given")
	}
}

// writerStart is the start time of the HAR entries the tests write.
var writerStart = time.Date(2024, 1, 15, 10, 45, 0, 0, time.UTC)
