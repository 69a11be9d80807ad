package sonderplan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/apikit/apikit/client/sonderplan"
	gen "github.com/apikit/apikit/gen/sonderplan"
)

// newExampleServer stands in for Sonderplan in the example: three groups, served a page at a time with
// meta.pagination, each with only the asked-for fields (this stand-in ignores the other filters).
func newExampleServer() *httptest.Server {
	names := []string{"Video Editors", "Producers", "Schedulers"}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		data := []map[string]any{}
		for i := (page - 1) * limit; i < min(page*limit, len(names)); i++ {
			data = append(data, map[string]any{"id": 5693 + i, "name": names[i]})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "meta": map[string]any{"pagination": map[string]int{
			"total": len(names), "count": len(data), "per_page": limit, "current_page": page}}})
	}))
}

func ExampleClient_ListGroups() {
	srv := newExampleServer()
	defer srv.Close()
	ctx := context.Background()

	// In production: sonderplan.New(sonderplan.DefaultBaseURL, sonderplan.WithToken(os.Getenv("SONDERPLAN_TOKEN"))).
	c, err := sonderplan.New(srv.URL, sonderplan.WithToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	opts := &sonderplan.ListGroupsOptions{
		ACL:            sonderplan.ACLFilter{Schedule: gen.ACLReadWrite, Admin: gen.ACLNone},
		FilterOperator: gen.FilterAnd,
		Fields:         []string{"id", "name"},
		OrderAsc:       "name",
		Limit:          2,
	}
	for g, err := range c.ListGroups(ctx, opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(*g.ID, *g.Name)
	}
	// Output:
	// 5693 Video Editors
	// 5694 Producers
	// 5695 Schedulers
}
