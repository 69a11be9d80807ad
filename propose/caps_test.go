package propose_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/propose"
)

// TestProposeManyUndeclaredProperties: past the 100 undeclared properties the validator lists, one warning
// counts the rest without naming them (pointer ""): the named ones are proposed, the rest noted.
func TestProposeManyUndeclaredProperties(t *testing.T) {
	var extra strings.Builder
	for i := range 150 {
		fmt.Fprintf(&extra, `,"p%03d":%d`, i, i)
	}
	specs := fstest.MapFS{"t.yaml": {Data: []byte(kindsSpec)}}
	var out bytes.Buffer
	c, err := propose.New(specs, "specs", &out)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := kindsRun(t, specs, c, []kindsRec{{1, 200, "application/json", `{"level":1` + extra.String() + "}"}})
	if w != 101 {
		t.Fatalf("%d warnings, want 100 and one counting the rest", w)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if a := actions(t, out.Bytes()); len(a) != 100 {
		t.Errorf("%d actions, want the 100 properties the validator names", len(a))
	}
	notes := strings.Join(c.Notes(), "\n")
	if !strings.Contains(notes, "t.har#0: undeclared properties the validator counts without naming them not proposed") {
		t.Errorf("notes:\n%s", notes)
	}
}

// TestProposeBounds: what a Collector keeps is bounded, and past each bound it says what it did not keep.
func TestProposeBounds(t *testing.T) {
	const js = "application/json"
	var recs []kindsRec
	for i := range 150 { // 150 distinct values outside an enum: the first 100 proposed
		recs = append(recs, kindsRec{1, 200, js, fmt.Sprintf(`{"priority":%d}`, 100+i)})
	}
	var keyed strings.Builder // an object keyed by data: no schema
	for i := range 1001 {
		fmt.Fprintf(&keyed, `,"k%04d":%d`, i, i)
	}
	recs = append(recs, kindsRec{1, 200, js, `{"keyed":{` + keyed.String()[1:] + `}}`})
	for i := range 17 { // 17 media types of an undocumented status: the first 16 proposed
		recs = append(recs, kindsRec{1, 503, fmt.Sprintf("text/x-%02d", i), "busy"})
	}
	for e := range 11 { // 1,100 distinct undeclared properties: 997 kept, with the three drifts above
		var b strings.Builder
		for i := range 100 {
			fmt.Fprintf(&b, `,"e%02dp%02d":1`, e, i)
		}
		recs = append(recs, kindsRec{1, 200, js, `{"level":1` + b.String() + "}"})
	}
	specs := fstest.MapFS{"t.yaml": {Data: []byte(kindsSpec)}}
	var out bytes.Buffer
	c, err := propose.New(specs, "specs", &out)
	if err != nil {
		t.Fatal(err)
	}
	kindsRun(t, specs, c, recs)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	got := actions(t, out.Bytes())
	if len(got) != 999 {
		t.Fatalf("%d actions, want 999: the enum, the status and 997 properties", len(got))
	}
	var enum, status *action
	for i, a := range got {
		switch {
		case a.Target == "$.components.schemas['Thing'].properties['priority']":
			enum = &got[i]
		case a.Target == "$.paths['/things/{id}'].get.responses":
			status = &got[i]
		case strings.Contains(yamlOf(t, a.Update), "keyed:"):
			t.Errorf("the object keyed by data is proposed: %s", yamlOf(t, a.Update))
		}
	}
	if enum == nil || status == nil {
		t.Fatalf("the enum or the status is not proposed:\n%s", out.Bytes())
	}
	if vals, _ := enum.Update["enum"].([]any); len(vals) != 100 || vals[0] != 100 || vals[99] != 199 {
		t.Errorf("enum values %v, want 100 … 199", enum.Update["enum"])
	}
	if !strings.Contains(enum.Evidence, "seen in 150 exchange(s): t.har#0, t.har#1, ") || !strings.HasSuffix(enum.Evidence, " and 140 more") {
		t.Errorf("enum evidence %q", enum.Evidence)
	}
	if content, _ := status.Update["503"].(map[string]any)["content"].(map[string]any); len(content) != 16 || content["text/x-15"] == nil {
		t.Errorf("status update %v, want the first 16 media types", status.Update)
	}
	notes := strings.Join(c.Notes(), "\n")
	for _, want := range []string{
		"enum Thing.priority: 50 observation(s) of values outside it past the first 100 distinct ones not kept, so not proposed",
		`property "keyed" of Thing: Thing.keyed: more than 1000 distinct properties were seen (an object keyed by data?), so no schema is inferred`,
		"103 observation(s) of drift past the first 1000 distinct drifts not kept, so not proposed",
		"status 503 of GET /things/{id}: 1 bod(ies) of media types past the first 16 not kept, so not proposed",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// thingResult is a verdict on GET /things/{id} of kindsSpec with the warnings given, its exchange entry index i
// of t.har with body.
func thingResult(i int, body string, warnings ...contract.Violation) contract.Result {
	u, _ := url.Parse("https://t.example/things/1")
	ex := &contract.Exchange{Source: "t.har", Index: i, Method: http.MethodGet, URL: u, NoRequest: true, Status: 200,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(body)}
	return contract.Result{Source: "t.har", Index: i, Method: http.MethodGet, Vendor: "t", Path: "/things/{id}",
		Status: 200, Warnings: warnings, Exchange: ex}
}

func undeclared(pointer string) contract.Violation {
	return contract.Violation{Side: contract.SideResponse, In: contract.InResponseBody, Rule: "additionalProperties",
		Pointer: pointer, Severity: contract.SeverityWarning}
}

// TestProposeNotesBounded: a note names the first 10 exchanges it was seen in and counts the rest, and past 100
// distinct notes the rest are counted.
func TestProposeNotesBounded(t *testing.T) {
	specs := fstest.MapFS{"t.yaml": {Data: []byte(kindsSpec)}}
	c, err := propose.New(specs, "specs", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 12 { // the same note in 12 exchanges, each twice
		r := thingResult(i, `{}`, undeclared("/gone/x"), undeclared("/gone/x"))
		if err := c.Observe(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	var ws []contract.Violation
	for i := range 150 { // 149 more distinct notes: 99 kept
		ws = append(ws, undeclared(fmt.Sprintf("/gone%d/x", i)))
	}
	r := thingResult(12, `{}`, ws...)
	if err := c.Observe(ctx, &r); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	notes := c.Notes()
	const gone = `undeclared property at /gone/x not proposed: the schema declares nothing at "gone"`
	var want []string // the first ten exchanges seen, and how many more
	for i := range 10 {
		want = append(want, fmt.Sprintf("t.har#%d: %s", i, gone))
	}
	want = append(want, "2 more exchange(s): "+gone)
	if len(notes) != 10+1+99+1 || !slices.Equal(notes[:11], want) {
		t.Fatalf("%d notes, want 10 exchanges and 2 more of one, 99 others and the count of the rest:\n%s", len(notes), strings.Join(notes, "\n"))
	}
	if last := notes[len(notes)-1]; last != "51 more observation(s) of drift not proposed, not kept: apikit keeps 100 distinct notes" {
		t.Errorf("last note %q", last)
	}
}

// TestProposeSummaryBudget: values with more distinct places than the summary budget holds propose nothing.
func TestProposeSummaryBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"big":{`)
	for o := range 60 { // 60,000 distinct places
		if o > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"o%02d":{`, o)
		for k := range 1000 {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%03d":1`, k)
		}
		b.WriteByte('}')
	}
	b.WriteString(`},"small":1}`)
	specs := fstest.MapFS{"t.yaml": {Data: []byte(kindsSpec)}}
	var out bytes.Buffer
	c, err := propose.New(specs, "specs", &out)
	if err != nil {
		t.Fatal(err)
	}
	r := thingResult(0, b.String(), undeclared("/big"), undeclared("/small"))
	if err := c.Observe(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if a := actions(t, out.Bytes()); len(a) != 1 || !strings.Contains(yamlOf(t, a[0].Update), "small:") {
		t.Errorf("want small alone proposed:\n%s", out.Bytes())
	}
	if notes := strings.Join(c.Notes(), "\n"); !strings.Contains(notes, `property "big" of Thing: Thing.big: the values seen have more distinct places than apikit summarizes (8 MiB of summaries), so no schema is inferred`) {
		t.Errorf("notes:\n%s", notes)
	}
}
