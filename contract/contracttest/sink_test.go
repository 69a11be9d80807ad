package contracttest_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/contract/contracttest"
)

// TestSink: the test helper as a sink fails the test once per violation, with the verdict's fields escaped and
// its URL redacted, as any front end (here: a verdict handed to it directly) would deliver it.
func TestSink(t *testing.T) {
	t.Parallel()
	f := &fakeTB{TB: t}
	s := contracttest.Sink(f)
	res := contract.Result{Source: "live", Index: 3, Method: "GET\x1b[2J", URL: "https://h/x?access_token=SECRET-sink-1", Status: 200,
		Violations: []contract.Violation{
			{Source: "live", Index: 3, In: contract.InResponseBody, Pointer: "/a\nb", Message: "must be a string"},
			{Source: "live", Index: 3, In: contract.InResponseBody, Pointer: "/c", Message: "is required"},
		}}
	if err := s.Observe(t.Context(), &res); err != nil {
		t.Fatal(err)
	}
	if err := s.Observe(t.Context(), &contract.Result{Source: "live", Index: 4, Valid: true}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`contract violation: GET\x1b[2J https://h/x?access_token=REDACTED (status 200): live#3 response.body /a\nb: must be a string`,
		`contract violation: GET\x1b[2J https://h/x?access_token=REDACTED (status 200): live#3 response.body /c: is required`,
	}
	if diff := cmp.Diff(want, f.Errors()); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if strings.Contains(strings.Join(f.Errors(), ""), "SECRET") {
		t.Error("a secret reached the test log")
	}
}
