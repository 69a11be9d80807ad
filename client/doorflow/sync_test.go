package doorflow_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikit/apikit/client/doorflow"
	gen "github.com/apikit/apikit/gen/doorflow"
)

// TestSyncBoundary runs Sync again and again against a changing server, storing the checkpoint as JSON between
// runs. Reservations updated at exactly the checkpoint's instant come back from the server on every run
// (since_utc is inclusive); each change must be yielded exactly once: none lost, none doubled.
func TestSyncBoundary(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	steps := []struct {
		name      string
		change    []gen.GroupReservation // applied on the server before the run
		wantSince string                 // since_utc sent; "" for none
		wantIDs   []int64
		wantCP    string // the checkpoint after the run, as stored
	}{
		{name: "first run lists everything, in the server's order",
			// IDs are not in updated_at order: the checkpoint must take the largest of the whole run.
			change:  []gen.GroupReservation{reservation(1, 2*ms), reservation(2, 1*ms), reservation(3, 2*ms)},
			wantIDs: []int64{1, 2, 3}, wantCP: `{"updated_at":"2024-01-10T12:00:00.002Z","ids_at_updated_at":[1,3]}`},
		{name: "a newcomer at the boundary instant and a later change",
			// 4 shares the checkpoint's instant but was not visible in the first run (a late commit).
			change:    []gen.GroupReservation{reservation(4, 2*ms), reservation(2, 5*ms)},
			wantSince: "2024-01-10T12:00:00.002Z",
			wantIDs:   []int64{2, 4}, wantCP: `{"updated_at":"2024-01-10T12:00:00.005Z","ids_at_updated_at":[2]}`},
		{name: "nothing changed",
			wantSince: "2024-01-10T12:00:00.005Z",
			wantIDs:   []int64{}, wantCP: `{"updated_at":"2024-01-10T12:00:00.005Z","ids_at_updated_at":[2]}`},
		{name: "a second reservation at the boundary instant",
			change:    []gen.GroupReservation{reservation(5, 5*ms)},
			wantSince: "2024-01-10T12:00:00.005Z",
			wantIDs:   []int64{5}, wantCP: `{"updated_at":"2024-01-10T12:00:00.005Z","ids_at_updated_at":[2,5]}`},
		{name: "the boundary moves on",
			change:    []gen.GroupReservation{reservation(1, 7*ms)},
			wantSince: "2024-01-10T12:00:00.005Z",
			wantIDs:   []int64{1}, wantCP: `{"updated_at":"2024-01-10T12:00:00.007Z","ids_at_updated_at":[1]}`},
	}
	e := setup(t)
	stored := []byte(`{}`) // what the caller persists between runs
	type change struct {
		id      int64
		updated time.Time
	}
	seen := map[change]bool{}
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			e.fake.set(step.change...)
			var cp doorflow.Checkpoint
			if err := json.Unmarshal(stored, &cp); err != nil {
				t.Fatal(err)
			}
			got := []int64{}
			for r, err := range e.c.Sync(t.Context(), &cp) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r.ID)
				c := change{r.ID, r.UpdatedAt}
				if seen[c] {
					t.Errorf("reservation %d updated at %v yielded twice", r.ID, r.UpdatedAt)
				}
				seen[c] = true
			}
			if diff := cmp.Diff(step.wantIDs, got); diff != "" {
				t.Errorf("yielded IDs (-want +got):\n%s", diff)
			}
			var err error
			if stored, err = json.Marshal(cp); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(step.wantCP, string(stored)); diff != "" {
				t.Errorf("checkpoint (-want +got):\n%s", diff)
			}
			q := e.fake.Queries()[i]
			if q.Get("since_utc") != step.wantSince || q.Get("skip_pagination") != "true" {
				t.Errorf("got query %q, want since_utc=%q and skip_pagination=true", q.Encode(), step.wantSince)
			}
		})
	}
	// Every change the server holds was yielded: its final state is known to the caller.
	for _, r := range e.fake.Items() {
		if !seen[change{r.ID, r.UpdatedAt}] {
			t.Errorf("reservation %d updated at %v was never yielded", r.ID, r.UpdatedAt)
		}
	}
}

// TestSyncLeavesCheckpointOnFailure: a run that fails or is abandoned does not move the checkpoint, so the next
// run yields the same changes again (at-least-once).
func TestSyncLeavesCheckpointOnFailure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		fail bool // the server answers 500
		take int  // the loop breaks after this many
	}{
		{name: "server error", fail: true},
		{name: "loop breaks early", take: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.set(reservation(1, time.Millisecond), reservation(2, 2*time.Millisecond), reservation(3, 3*time.Millisecond))
			if tc.fail {
				e.fake.intercept = func(n int, w http.ResponseWriter, _ *http.Request) bool {
					if n == 1 {
						apiError(t, w, http.StatusInternalServerError, "internal_server_error", "An unexpected error occurred")
					}
					return n == 1
				}
			}
			start := doorflow.Checkpoint{UpdatedAt: t0.Add(time.Millisecond), IDs: []int64{1}}
			cp := start
			n := 0
			for _, err := range e.c.Sync(t.Context(), &cp) {
				if (err != nil) != tc.fail {
					t.Fatalf("got error %v, want failure %v", err, tc.fail)
				}
				if n++; n == tc.take {
					break
				}
			}
			if diff := cmp.Diff(start, cp); diff != "" {
				t.Errorf("checkpoint moved (-want +got):\n%s", diff)
			}
			var again []int64
			for r, err := range e.c.Sync(t.Context(), &cp) {
				if err != nil {
					t.Fatal(err)
				}
				again = append(again, r.ID)
			}
			if diff := cmp.Diff([]int64{2, 3}, again); diff != "" {
				t.Errorf("the next run (-want +got):\n%s", diff)
			}
		})
	}
}
