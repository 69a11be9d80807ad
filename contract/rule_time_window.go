package contract

// rule.time-window, declared as timeWindow: {start: start_time, end: end_time, state: state, before: pending,
// within: active}. Start is before end; when the server's time is known (its Date header, else when the exchange
// started), a before item has not started and a within item has started and not ended, allowing clockSkew;
// other states may have any window.

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// timeWindowKey is the member of x-apikit-rules that declares it, and how its value is read.
const timeWindowKey = ruleKey[timeWindowDecl, *timeWindowDecl]("timeWindow")

type timeWindowDecl struct {
	Start  string `json:"start"`
	End    string `json:"end"`
	State  string `json:"state"`
	Before string `json:"before"`
	Within string `json:"within"`
}

func (w *timeWindowDecl) compile(c *opCompiler) error {
	if err := c.field("timeWindow.start", w.Start); err != nil {
		return err
	}
	if err := c.field("timeWindow.end", w.End); err != nil {
		return err
	}
	if w.State != "" {
		if err := c.field("timeWindow.state", w.State); err != nil {
			return err
		}
		for _, v := range []string{w.Before, w.Within} {
			if v != "" && !enumHas(c.r.props[w.State], v) {
				return c.errorf("timeWindow: %q is not a value of %s", v, w.State)
			}
		}
	} else if w.Before != "" || w.Within != "" {
		return c.errorf("timeWindow: before and within need state")
	}
	r := c.r
	c.addRule(&timeWindowRule{timeWindowDecl: w, slotStart: r.slots.find([]byte(w.Start)),
		slotEnd: r.slots.find([]byte(w.End)), slotState: r.slots.find([]byte(w.State))})
	return nil
}

// timeWindowRule is the rule compiled for an operation: the slots of its fields (the items declare them, so
// their slots are the same on every exchange). Without the server's time it is its own check, allocating nothing.
type timeWindowRule struct {
	*timeWindowDecl
	slotStart, slotEnd, slotState int
}

// windowCheck is the rule on one exchange whose server's time is known, with that time as references.
type windowCheck struct {
	*timeWindowRule
	early, late instantRef // the server's time minus and plus the clock skew
}

func (w *timeWindowRule) start(run *ruleRun) {
	run.slot(w.Start) // the slots are w.slotStart and w.slotEnd: marked as read
	run.slot(w.End)
	if w.State == "" || !run.when {
		run.onItem(w)
		return
	}
	run.slot(w.State)
	c := &run.windowBuf // perf: the run's own room (a pooled run keeps it), unless a second window rule took it
	if run.windowUse {
		c = new(windowCheck)
	}
	run.windowUse = true
	*c = windowCheck{timeWindowRule: w,
		early: instantRef{t: run.now - instant(clockSkew)}, late: instantRef{t: run.now + instant(clockSkew)}}
	run.onItem(c)
}

// item checks that the item's start is before its end.
func (w *timeWindowRule) item(run *ruleRun, idx int) { w.order(run, idx) }

// order checks that start is before end, and returns the two values and their zuluShape.
func (w *timeWindowRule) order(run *ruleRun, idx int) (start, end []byte, sz, ez bool) {
	start, end = run.raw(w.slotStart), run.raw(w.slotEnd)
	sz, ez = zuluShape(start), zuluShape(end)
	if cmp, ok := cmpDateTimeZ(start, end, sz, ez); ok && cmp >= 0 {
		w.report(run, idx, notAfter)
	}
	return start, end, sz, ez
}

// item checks the order, and the state against the server's time.
func (c *windowCheck) item(run *ruleRun, idx int) {
	start, end, sz, ez := c.order(run, idx)
	state := run.raw(c.slotState)
	if bytes.IndexByte(state, '\\') >= 0 { // an escaped state: compare it unescaped
		state = unescaped(state)
	}
	before := len(state) > 2 && string(state[1:len(state)-1]) == c.Before && state[0] == '"'
	within := len(state) > 2 && string(state[1:len(state)-1]) == c.Within && state[0] == '"'
	if before {
		if cmp, ok := c.early.cmpZ(start, sz); ok && cmp < 0 {
			c.report(run, idx, startPassed)
		}
	}
	if within {
		if cmp, ok := c.late.cmpZ(start, sz); ok && cmp > 0 {
			c.report(run, idx, startAhead)
		} else if cmp, ok := c.early.cmpZ(end, ez); ok && cmp < 0 {
			c.report(run, idx, endPassed)
		}
	}
}

// unescaped returns a JSON string value without escapes.
func unescaped(state []byte) []byte {
	if v, ok := stringValue(state); ok {
		state, _ = json.Marshal(v)
	}
	return state
}

// What a window violation says; its reporting is kept out of the per-item path.
const (
	notAfter = iota
	startPassed
	startAhead
	endPassed
)

func (w *timeWindowRule) report(run *ruleRun, idx, what int) {
	switch what {
	case notAfter:
		run.add(RuleTimeWindow, idx, w.End, fmt.Sprintf("%s is not after %s", w.End, w.Start), run.valueOf(w.slotEnd))
	case startPassed:
		run.add(RuleTimeWindow, idx, w.Start, fmt.Sprintf("state is %q, but %s had already passed at the time of the exchange", w.Before, w.Start), run.valueOf(w.slotStart))
	case startAhead:
		run.add(RuleTimeWindow, idx, w.Start, fmt.Sprintf("state is %q, but %s was still ahead at the time of the exchange", w.Within, w.Start), run.valueOf(w.slotStart))
	case endPassed:
		run.add(RuleTimeWindow, idx, w.End, fmt.Sprintf("state is %q, but %s had already passed at the time of the exchange", w.Within, w.End), run.valueOf(w.slotEnd))
	}
}
