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
	c.addRule(w)
	return nil
}

// windowCheck is the rule on one exchange.
type windowCheck struct {
	w                 *timeWindowDecl
	start, end, state int        // slots; state is -1 when the state is not checked
	early, late       instantRef // the server's time minus and plus the clock skew, when the state is checked
}

func (w *timeWindowDecl) start(run *ruleRun) {
	c := &windowCheck{w: w, start: run.slot(w.Start), end: run.slot(w.End), state: -1}
	if w.State != "" && run.when {
		c.state = run.slot(w.State)
		c.early, c.late = instantRef{t: run.now - instant(clockSkew)}, instantRef{t: run.now + instant(clockSkew)}
	}
	run.onItem(c)
}

func (c *windowCheck) item(run *ruleRun, idx int) {
	w := c.w
	start, end := run.raw(c.start), run.raw(c.end)
	sz, ez := zuluShape(start), zuluShape(end)
	if cmp, ok := cmpDateTimeZ(start, end, sz, ez); ok && cmp >= 0 {
		c.report(run, idx, notAfter)
	}
	if c.state < 0 {
		return
	}
	state := run.raw(c.state)
	if bytes.IndexByte(state, '\\') >= 0 { // an escaped state: compare it unescaped
		state = unescaped(state)
	}
	before := len(state) > 2 && string(state[1:len(state)-1]) == w.Before && state[0] == '"'
	within := len(state) > 2 && string(state[1:len(state)-1]) == w.Within && state[0] == '"'
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

func (c *windowCheck) report(run *ruleRun, idx, what int) {
	w := c.w
	switch what {
	case notAfter:
		run.add(RuleTimeWindow, idx, w.End, fmt.Sprintf("%s is not after %s", w.End, w.Start), run.valueOf(c.end))
	case startPassed:
		run.add(RuleTimeWindow, idx, w.Start, fmt.Sprintf("state is %q, but %s had already passed at the time of the exchange", w.Before, w.Start), run.valueOf(c.start))
	case startAhead:
		run.add(RuleTimeWindow, idx, w.Start, fmt.Sprintf("state is %q, but %s was still ahead at the time of the exchange", w.Within, w.Start), run.valueOf(c.start))
	case endPassed:
		run.add(RuleTimeWindow, idx, w.End, fmt.Sprintf("state is %q, but %s had already passed at the time of the exchange", w.Within, w.End), run.valueOf(c.end))
	}
}
