package contract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A rule defined here, to show what adding one takes: this file (its declaration, compile step and hooks) and one
// line in the rule list. It is declared as oddIDs: {field: id} and reports every item whose field is an even
// integer.
// oddIDsKey is the member of x-apikit-rules that declares it, and how its value is read.
const oddIDsKey = ruleKey[oddIDsDecl, *oddIDsDecl]("oddIDs")

type oddIDsDecl struct {
	Field string `json:"field"`
}

func (d *oddIDsDecl) compile(c *opCompiler) error {
	if err := c.listOnly("oddIDs"); err != nil {
		return err
	}
	if err := c.field("oddIDs.field", d.Field); err != nil {
		return err
	}
	c.addRule(d)
	return nil
}

type oddIDsCheck struct {
	d    *oddIDsDecl
	slot int
}

func (d *oddIDsDecl) start(run *ruleRun) { run.onItem(&oddIDsCheck{d: d, slot: run.slot(d.Field)}) }

func (c *oddIDsCheck) item(run *ruleRun, idx int) {
	if raw := run.raw(c.slot); len(raw) > 0 && strings.IndexByte("02468", raw[len(raw)-1]) >= 0 {
		run.add("rule.odd-ids", idx, c.d.Field, c.d.Field+" is even", run.valueOf(c.slot))
	}
}

// TestRulesRegistryAddsARule adds the rule above to the shipped list and declares it in a tiny spec: its
// violations appear with the others', the shipped rules still run, and without it in the list the declaration is
// an unknown field.
func TestRulesRegistryAddsARule(t *testing.T) {
	t.Parallel()
	spec := WithSpecFS(rulesSpecFS(`{items: /items, oddIDs: {field: id}, filters: {match: [{param: q, field: secret, kind: equals}]}}`), "spec")
	v := newValidator(t, spec, withRuleList(append(ruleList(), oddIDsKey)))
	ex := &Exchange{Source: "t", Index: 0, Method: "GET", URL: mustURL(t, "https://t.example/things?q=a"), Status: 200,
		ResponseHeader: jsonHeader(), ResponseBody: []byte(`{"items":[{"id":1,"secret":"a"},{"id":2,"secret":"a"},{"id":3,"secret":"b"}],"total":3}`)}
	var got []string
	for _, vi := range v.Validate(t.Context(), ex).Violations {
		got = append(got, fmt.Sprintf("%s %s %s", vi.Rule, vi.Pointer, vi.Message))
	}
	want := []string{"rule.odd-ids /items/1/id id is even", "rule.filter /items/2/secret secret does not satisfy the request's q filter"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err := New(t.Context(), spec)
	if err == nil || !strings.Contains(err.Error(), `spec/things.yaml:8: listThings: x-apikit-rules: json: unknown field "oddIDs"`) {
		t.Errorf("without the rule in the list: got error %v, want the unknown field named", err)
	}
}

// TestRulesRegistryKeys checks that the lists name every member of x-apikit-rules once, apart from the shared
// items and item, so that the decoder knows each rule's key and no two rules read one member.
func TestRulesRegistryKeys(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, d := range slices.Concat(ruleList(), invariantDecls()) {
		keys = append(keys, d.key())
	}
	want := []string{"sparseFields", "order", "filters", "pagination", "since", "maxItems", "timeWindow", "walk", "sameAs", "sync"}
	if !slices.Equal(keys, want) {
		t.Errorf("got keys %q, want %q", keys, want)
	}
	if len(invariantList()) != 5 {
		t.Errorf("got %d invariants, want 5", len(invariantList()))
	}
}
