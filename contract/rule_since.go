package contract

// rule.since, declared as since: [{param: since_utc, field: updated_at, zone: UTC}, {param: since, field:
// updated_at, zone: local}]. Every item's field is at or after the parameter (inclusive). zone: local reads a
// value without offset in the validator's time zone (WithTimeZone); a value with an offset is taken as written.

import (
	"encoding/json"
	"fmt"
	"time"
)

// sinceKey is the member of x-apikit-rules that declares it. Its value is a list, read as []sinceDecl (as the
// error messages name it) and compiled as a sinceRule.
type sinceKey struct{}

func (sinceKey) key() string { return "since" }

func (sinceKey) decode(raw json.RawMessage) (declared, error) {
	p, err := decodeStrict[[]sinceDecl](raw)
	if p == nil || err != nil {
		return nil, err
	}
	return (*sinceRule)(p), nil
}

type sinceDecl struct {
	Param string `json:"param"`
	Field string `json:"field"`
	Zone  string `json:"zone"` // UTC | local
}

// sinceRule is the list of since declarations of one operation.
type sinceRule []sinceDecl

func (d *sinceRule) compile(c *opCompiler) error {
	for i, sd := range *d {
		what := fmt.Sprintf("since[%d]", i)
		if err := c.listOnly("since"); err != nil {
			return err
		}
		if err := c.param(what+".param", sd.Param); err != nil {
			return err
		}
		if err := c.field(what+".field", sd.Field); err != nil {
			return err
		}
		if sd.Zone != "UTC" && sd.Zone != "local" {
			return c.errorf("%s.zone %q: want UTC or local", what, sd.Zone)
		}
	}
	c.addRule(d)
	return nil
}

// sinceOf returns the since declarations of an operation (the sync invariant follows some of them).
func sinceOf(r *opRules) sinceRule {
	for _, cr := range r.rules {
		if s, ok := cr.(*sinceRule); ok {
			return *s
		}
	}
	return nil
}

// value reads the request's value of a since parameter; ok is false when the request does not send a time.
func (sd *sinceDecl) value(run *ruleRun) (instant, bool) {
	v := run.q.Get(sd.Param)
	if v == "" {
		return 0, false
	}
	loc := run.e.loc
	if sd.Zone == "UTC" {
		loc = time.UTC
	}
	return parseQueryTime(v, loc)
}

// sinceCheck is the rule on one exchange whose request sends since parameters.
type sinceCheck []activeSince

type activeSince struct {
	sinceDecl
	slot int
	ref  instantRef
}

func (d *sinceRule) start(run *ruleRun) {
	if !run.obs.known {
		return
	}
	var c sinceCheck
	for i := range *d {
		sd := &(*d)[i]
		if t, ok := sd.value(run); ok {
			c = append(c, activeSince{sinceDecl: *sd, slot: run.slot(sd.Field), ref: instantRef{t: t}})
		}
	}
	if len(c) > 0 {
		run.onItem(c)
	}
}

func (c sinceCheck) item(run *ruleRun, idx int) {
	for i := range c {
		a := &c[i]
		if cmp, ok := a.ref.cmp(run.raw(a.slot)); ok && cmp < 0 {
			run.add(RuleSince, idx, a.Field, fmt.Sprintf("%s is before the request's %s: the answer must hold only items updated since then", a.Field, a.Param), run.valueOf(a.slot))
		}
	}
}
