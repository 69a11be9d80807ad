package doorflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/apikit/apikit/client/doorflow"
	gen "github.com/apikit/apikit/gen/doorflow"
)

// exampleDoorFlow stands in for DoorFlow in the examples: it lists its reservations a page at a time (or all
// with skip_pagination), keeps those updated at or after since_utc, and answers 404 for an unknown ID.
type exampleDoorFlow struct {
	mu    sync.Mutex
	items []gen.GroupReservation
}

func (d *exampleDoorFlow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if id := r.PathValue("id"); id != "" {
		for _, it := range d.items {
			if strconv.FormatInt(it.ID, 10) == id {
				_ = json.NewEncoder(w).Encode(it)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"not_found","error_description":"The requested resource was not found"}`))
		return
	}
	q := r.URL.Query()
	since, _ := time.Parse(time.RFC3339, q.Get("since_utc"))
	out := []gen.GroupReservation{}
	for _, it := range d.items {
		if !it.UpdatedAt.Before(since) {
			out = append(out, it)
		}
	}
	if q.Get("skip_pagination") != "true" {
		page, _ := strconv.Atoi(q.Get("page"))
		perPage, _ := strconv.Atoi(q.Get("per_page"))
		out = out[min((page-1)*perPage, len(out)):min(page*perPage, len(out))]
	}
	_ = json.NewEncoder(w).Encode(out)
}

func newExampleServer() (*httptest.Server, *exampleDoorFlow) {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	r := func(id int64, state gen.GroupReservationState, updated string) gen.GroupReservation {
		return gen.GroupReservation{ID: id, PersonID: 12345, StartTime: at("2024-01-15T09:00:00Z"), EndTime: at("2024-01-15T17:00:00Z"),
			State: state, GroupIDs: []int64{1, 3, 5}, CreatedAt: at("2024-01-10T12:00:00Z"), UpdatedAt: at(updated)}
	}
	d := &exampleDoorFlow{items: []gen.GroupReservation{
		r(456, gen.StateActive, "2024-01-10T12:00:00.000Z"),
		r(457, gen.StatePending, "2024-01-11T08:30:00.250Z"),
		r(458, gen.StatePending, "2024-01-11T08:30:00.250Z"),
	}}
	mux := http.NewServeMux()
	mux.Handle("GET /api/3/group_reservations", d)
	mux.Handle("GET /api/3/group_reservations/{id}", d)
	return httptest.NewServer(mux), d
}

func ExampleClient_ListGroupReservations() {
	srv, _ := newExampleServer()
	defer srv.Close()
	ctx := context.Background()

	// In production: doorflow.New(doorflow.DefaultBaseURL, doorflow.WithTokenSource(cfg.TokenSource(ctx, token))).
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "example-token"})
	c, err := doorflow.New(srv.URL, doorflow.WithTokenSource(ts))
	if err != nil {
		log.Fatal(err)
	}
	for r, err := range c.ListGroupReservations(ctx, &doorflow.ListOptions{PerPage: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.ID, r.State, r.GroupIDs)
	}
	// Output:
	// 456 active [1 3 5]
	// 457 pending [1 3 5]
	// 458 pending [1 3 5]
}

func ExampleClient_GetGroupReservation() {
	srv, _ := newExampleServer()
	defer srv.Close()
	ctx := context.Background()
	c, err := doorflow.New(srv.URL, doorflow.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "example-token"})))
	if err != nil {
		log.Fatal(err)
	}
	r, err := c.GetGroupReservation(ctx, 456)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.ID, r.State, r.StartTime.Format(time.Kitchen), "to", r.EndTime.Format(time.Kitchen))

	_, err = c.GetGroupReservation(ctx, 999)
	var apiErr *doorflow.APIError
	if errors.Is(err, doorflow.ErrNotFound) && errors.As(err, &apiErr) {
		fmt.Println("not found:", apiErr.Code)
	}
	// Output:
	// 456 active 9:00AM to 5:00PM
	// not found: not_found
}

func ExampleClient_Sync() {
	srv, server := newExampleServer()
	defer srv.Close()
	ctx := context.Background()
	c, err := doorflow.New(srv.URL, doorflow.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "example-token"})))
	if err != nil {
		log.Fatal(err)
	}
	var stored []byte // where the caller keeps the checkpoint between runs: a file, a database row
	sync := func() {
		var cp doorflow.Checkpoint
		if stored != nil {
			if err := json.Unmarshal(stored, &cp); err != nil {
				log.Fatal(err)
			}
		}
		for r, err := range c.Sync(ctx, &cp) {
			if err != nil {
				log.Fatal(err) // cp is unchanged: the next run starts from the same place
			}
			fmt.Println("changed:", r.ID, r.State)
		}
		stored, _ = json.Marshal(cp)
		fmt.Println("checkpoint:", string(stored))
	}

	sync()
	// Meanwhile reservation 459 is created at the very instant of the checkpoint. The server sends 457 and 458
	// again (since_utc is inclusive); Sync skips them and yields 459.
	server.mu.Lock()
	n := server.items[2]
	n.ID = 459
	server.items = append(server.items, n)
	server.mu.Unlock()
	sync()
	// Output:
	// changed: 456 active
	// changed: 457 pending
	// changed: 458 pending
	// checkpoint: {"updated_at":"2024-01-11T08:30:00.25Z","ids_at_updated_at":[457,458]}
	// changed: 459 pending
	// checkpoint: {"updated_at":"2024-01-11T08:30:00.25Z","ids_at_updated_at":[457,458,459]}
}
