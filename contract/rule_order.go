package contract

// rule.order, declared as order: {asc: order_asc, desc: order_desc}. Items are monotonic on the field the request
// names: integers numerically; strings byte-wise or ignoring case (the server's collation is unknown, either
// passes); items without the field are skipped; with both parameters nothing is checked.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// orderKey is the member of x-apikit-rules that declares it, and how its value is read.
const orderKey = ruleKey[orderDecl, *orderDecl]("order")

type orderDecl struct {
	Asc  string `json:"asc"`
	Desc string `json:"desc"`
}

func (d *orderDecl) compile(c *opCompiler) error {
	if err := c.listOnly("order"); err != nil {
		return err
	}
	for _, p := range []string{d.Asc, d.Desc} {
		if p == "" {
			continue
		}
		if err := c.param("order", p); err != nil {
			return err
		}
	}
	if d.Asc == "" && d.Desc == "" {
		return c.errorf("order needs asc or desc")
	}
	c.addRule(d)
	return nil
}

// orderCheck is the rule on one exchange that asks for an order: the previous item's value.
type orderCheck struct {
	param, field   string
	desc           bool
	slot           int
	kind           byte // 0 before the first value, 'n' numbers, 's' strings
	prevNum        float64
	prevStr        string
	byteOK, foldOK bool
}

func (d *orderDecl) start(run *ruleRun) {
	if !run.obs.known {
		return
	}
	asc, desc := "", ""
	if d.Asc != "" {
		asc = run.q.Get(d.Asc)
	}
	if d.Desc != "" {
		desc = run.q.Get(d.Desc)
	}
	// Both at once: the page does not say which wins, so nothing is checked.
	if (asc == "") == (desc == "") {
		return
	}
	st := &orderCheck{param: d.Asc, field: asc, byteOK: true, foldOK: true}
	if desc != "" {
		st.param, st.field, st.desc = d.Desc, desc, true
	}
	st.slot = run.slot(st.field)
	run.onItem(st)
}

// reset forgets the previous item, for a fresh pass over the body.
func (st *orderCheck) reset() { st.kind, st.byteOK, st.foldOK = 0, true, true }

// item checks that the item does not sort before the previous one. Integers compare numerically. For strings the
// server's collation is unknown, so the page passes if it is ordered byte-wise or ignoring case; the violation
// marks the item where neither order holds any more. Items without the field are skipped.
func (st *orderCheck) item(run *ruleRun, idx int) {
	raw := run.raw(st.slot)
	if raw == nil || (!st.byteOK && !st.foldOK) {
		return
	}
	dir := "ascending"
	if st.desc {
		dir = "descending"
	}
	wrong := func(c int) bool { return (c > 0 && !st.desc) || (c < 0 && st.desc) }
	if s, ok := stringValue(raw); ok {
		if st.kind == 'n' {
			return
		}
		if st.kind == 's' {
			if st.byteOK && wrong(strings.Compare(st.prevStr, s)) {
				st.byteOK = false
			}
			if st.foldOK && wrong(compareFold(st.prevStr, s)) {
				st.foldOK = false
			}
			if !st.byteOK && !st.foldOK {
				run.add(RuleOrder, idx, st.field, fmt.Sprintf("the items are not in %s order of %s as the request's %s asks: this item sorts before the one above it, byte-wise and ignoring case", dir, st.field, st.param), run.valueOf(st.slot))
			}
		}
		st.kind, st.prevStr = 's', s
		return
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || st.kind == 's' {
		return
	}
	if st.kind == 'n' && wrong(cmpFloat(st.prevNum, n)) {
		st.byteOK, st.foldOK = false, false
		run.add(RuleOrder, idx, st.field, fmt.Sprintf("the items are not in %s order of %s as the request's %s asks: this item sorts before the one above it", dir, st.field, st.param), run.valueOf(st.slot))
	}
	st.kind, st.prevNum = 'n', n
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareFold compares two strings as their lower-case forms compare byte-wise (strings.ToLower), without
// allocating for ASCII.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a[i:]), strings.ToLower(b[i:]))
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}
