package mock

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/apikit/apikit/gen/doorflow"
)

// DoorFlow sends timestamps with milliseconds and a Z: 2024-01-15T09:00:00.000Z.
const doorflowTime = "2006-01-02T15:04:05.000Z07:00"

// reservationRow is a reservation ready to serve: its JSON rendered once, and what the filters read.
type reservationRow struct {
	id           int64
	end, updated time.Time
	json         []byte
}

// reservationJSON is the wire form of a group reservation, in the order of the vendor's pages.
type reservationJSON struct {
	ID        int64                          `json:"id"`
	PersonID  int64                          `json:"person_id"`
	StartTime string                         `json:"start_time"`
	EndTime   string                         `json:"end_time"`
	State     doorflow.GroupReservationState `json:"state"`
	GroupIDs  []int64                        `json:"group_ids"`
	CreatedAt string                         `json:"created_at"`
	UpdatedAt string                         `json:"updated_at"`
}

func renderReservation(r *doorflow.GroupReservation) []byte {
	ids := r.GroupIDs
	if ids == nil {
		ids = []int64{}
	}
	b, err := json.Marshal(reservationJSON{
		ID: r.ID, PersonID: r.PersonID, State: r.State, GroupIDs: ids,
		StartTime: r.StartTime.UTC().Format(doorflowTime), EndTime: r.EndTime.UTC().Format(doorflowTime),
		CreatedAt: r.CreatedAt.UTC().Format(doorflowTime), UpdatedAt: r.UpdatedAt.UTC().Format(doorflowTime),
	})
	if err != nil {
		panic(err) // integers and strings always marshal
	}
	return b
}

// index renders every item once and orders both lists by id.
func (s *Server) index() {
	s.reservations = make([]reservationRow, len(s.data.GroupReservations))
	for i := range s.data.GroupReservations {
		r := &s.data.GroupReservations[i]
		s.reservations[i] = reservationRow{id: r.ID, end: r.EndTime, updated: r.UpdatedAt, json: renderReservation(r)}
	}
	slices.SortFunc(s.reservations, func(a, b reservationRow) int { return cmp.Compare(a.id, b.id) })
	s.byID = make(map[int64]*reservationRow, len(s.reservations))
	for i := range s.reservations {
		r := &s.reservations[i]
		s.byID[r.id] = r
		if !r.end.Before(s.now) { // present and future: not ended by now
			s.listed = append(s.listed, r)
		}
	}
	s.indexGroups()
}

// renderReservations is every reservation as a JSON array, as validation reads it.
func (s *Server) renderReservations() []byte {
	items := make([][]byte, len(s.reservations))
	for i := range s.reservations {
		items[i] = s.reservations[i].json
	}
	var b bytes.Buffer
	joinJSON(&b, items)
	return b.Bytes()
}

// listGroupReservations serves GET /api/3/group_reservations.
func (s *Server) listGroupReservations(w http.ResponseWriter, r *http.Request) {
	page, err := queryInt(r, "page", 1)
	if err != nil {
		badRequest(w, vendorDoorFlow, err.Error())
		return
	}
	perPage, err := queryInt(r, "per_page", 500)
	if err != nil {
		badRequest(w, vendorDoorFlow, err.Error())
		return
	}
	all := false
	if v := r.URL.Query().Get("skip_pagination"); v != "" {
		if all, err = strconv.ParseBool(v); err != nil {
			badRequest(w, vendorDoorFlow, fmt.Sprintf("query parameter \"skip_pagination\" must be true or false (got %q)", v))
			return
		}
	}
	since, err := s.since(r)
	if err != nil {
		badRequest(w, vendorDoorFlow, err.Error())
		return
	}
	items := make([][]byte, 0, min(len(s.listed), perPage))
	lo, hi := 0, len(s.listed)
	if !all {
		lo, hi = window(len(s.listed), page, perPage)
	}
	n := 0 // matches so far: all of them at the end, for Total
	for _, row := range s.listed {
		if row.updated.Before(since) {
			continue
		}
		if all || (n >= lo && n < hi) {
			items = append(items, row.json)
		}
		n++
		if !all && n >= hi && since.IsZero() {
			n = len(s.listed) // no filter: every row matches
			break
		}
	}
	var b bytes.Buffer
	b.Grow(len(items) * 230)
	joinJSON(&b, items)
	// The headers DoorFlow's published OpenAPI document declares on this response (openapi/doorflow.yaml).
	w.Header().Set("Total", strconv.Itoa(n))
	if !all {
		w.Header().Set("Per-Page", strconv.Itoa(perPage))
	}
	writeJSON(w, http.StatusOK, b.Bytes())
}

// since reads since (local time in the mock's zone) and since_utc, and returns the later of the two instants (the
// zero time when neither is given): the pages do not say the two exclude each other, so both filters apply.
func (s *Server) since(r *http.Request) (time.Time, error) {
	q := r.URL.Query()
	var since time.Time
	if local := q.Get("since"); local != "" {
		t, err := parseSince(local, s.loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("query parameter \"since\" must be a local date-time such as 2024-01-15T09:00:00 (time zone %s) (got %q)", s.loc, local)
		}
		since = t
	}
	if utc := q.Get("since_utc"); utc != "" {
		t, err := parseSince(utc, time.UTC)
		if err != nil {
			return time.Time{}, fmt.Errorf("query parameter \"since_utc\" must be a UTC date-time such as 2024-01-15T09:00:00.000Z (got %q)", utc)
		}
		if t.After(since) {
			since = t
		}
	}
	return since, nil
}

// sinceLayouts are the forms since and since_utc accept. A value with an offset (Z, +02:00) is taken as given;
// one without is read in the parameter's zone. Fractional seconds are accepted after the seconds.
var sinceLayouts = [...]string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseSince(v string, loc *time.Location) (time.Time, error) {
	var err error
	for _, layout := range sinceLayouts {
		var t time.Time
		if t, err = time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// getGroupReservation serves GET /api/3/group_reservations/{id}.
func (s *Server) getGroupReservation(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		badRequest(w, vendorDoorFlow, fmt.Sprintf("path parameter \"id\" must be an integer (got %q)", raw))
		return
	}
	row, ok := s.byID[id]
	if !ok {
		writeError(w, vendorDoorFlow, http.StatusNotFound, "not_found", "The requested resource was not found")
		return
	}
	writeJSON(w, http.StatusOK, row.json)
}
