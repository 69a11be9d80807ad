package contract

import "testing"

func TestCoverage(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	cov := v.NewCoverage()
	exchanges := []*Exchange{
		{Method: "GET", URL: mustURL(t, "https://api.doorflow.com/api/3/group_reservations?page=2&per_page=1"), RequestHeader: bearer(),
			Status: 200, ResponseHeader: jsonHeader(), ResponseBody: []byte("[" + reservation + "]")},
		{Method: "GET", URL: mustURL(t, "https://api.doorflow.com/api/3/group_reservations/9"), RequestHeader: bearer(),
			Status: 404, ResponseHeader: jsonHeader(), ResponseBody: []byte(`{"error":"not_found"}`)},
		{Method: "GET", URL: mustURL(t, "https://api.sonderplan.com/v2/group?acl_schedule=RW"), RequestHeader: bearer(),
			Status: 401, ResponseHeader: jsonHeader(), ResponseBody: []byte(`{"message":"Unauthenticated."}`)},
		{Method: "GET", URL: mustURL(t, "https://api.doorflow.com/api/3/people")}, // skipped: counts for nothing
	}
	for _, ex := range exchanges {
		cov.Add(ex, v.Validate(t.Context(), ex))
	}
	r := cov.Report()
	byOp := map[string]OperationCoverage{}
	for _, o := range r.Operations {
		byOp[o.OperationID] = o
	}
	hits := func(items []CoverageItem) map[string]int {
		m := map[string]int{}
		for _, it := range items {
			m[it.Name] = it.Hits
		}
		return m
	}
	list := byOp["listGroupReservations"]
	if list.Exchanges != 1 || hits(list.Statuses)["200"] != 1 || hits(list.Statuses)["401"] != 0 {
		t.Errorf("listGroupReservations: got %+v", list)
	}
	if p := hits(list.Parameters); p["query:page"] != 1 || p["query:per_page"] != 1 || p["query:since"] != 0 {
		t.Errorf("listGroupReservations parameters: got %v", p)
	}
	if e := hits(list.EnumValues); e["state=active"] != 1 || e["state=pending"] != 0 {
		t.Errorf("listGroupReservations enum values: got %v", e)
	}
	// 1 of 5 statuses + 2 of 5 parameters.
	if list.Percent != 30 {
		t.Errorf("listGroupReservations: got %.1f%%, want 30%%", list.Percent)
	}
	get := byOp["getGroupReservation"]
	if hits(get.Statuses)["404"] != 1 || hits(get.Parameters)["path:id"] != 1 {
		t.Errorf("getGroupReservation: got %+v", get)
	}
	groups := byOp["listGroups"]
	if hits(groups.Statuses)["401"] != 1 || hits(groups.Parameters)["query:acl_schedule"] != 1 || hits(groups.EnumValues)["acl_schedule=RW"] != 1 {
		t.Errorf("listGroups: got %+v", groups)
	}
	if r.Percent <= 0 || r.Percent >= 100 {
		t.Errorf("overall percent %.1f out of range", r.Percent)
	}
}
