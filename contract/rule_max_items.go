package contract

// rule.max-items, declared as maxItems: {param: per_page, unless: skip_pagination}. A page holds at most the
// parameter's (or its default's) items, unless the unless parameter is true.

import (
	"fmt"
	"strconv"
)

// maxItemsKey is the member of x-apikit-rules that declares it, and how its value is read.
const maxItemsKey = ruleKey[maxItemsDecl, *maxItemsDecl]("maxItems")

type maxItemsDecl struct {
	Param  string `json:"param"`
	Unless string `json:"unless"`
}

func (d *maxItemsDecl) compile(c *opCompiler) error {
	if err := c.listOnly("maxItems"); err != nil {
		return err
	}
	if err := c.param("maxItems.param", d.Param); err != nil {
		return err
	}
	if d.Unless != "" {
		if err := c.param("maxItems.unless", d.Unless); err != nil {
			return err
		}
	}
	c.r.needsCount = true
	c.addRule(d)
	return nil
}

func (d *maxItemsDecl) start(run *ruleRun) {
	if run.obs.known {
		run.onPage(d)
	}
}

func (d *maxItemsDecl) page(run *ruleRun) {
	if !run.itemsFound {
		return
	}
	skip := false
	if d.Unless != "" {
		if v := run.q.Get(d.Unless); v != "" { // perf: ParseBool's error for "" allocates
			skip, _ = strconv.ParseBool(v)
		}
	}
	if limit, ok := run.intParam(d.Param); ok && !skip && limit > 0 && run.count > limit {
		run.add(RuleMaxItems, limit, "", fmt.Sprintf("the page holds %d items, more than the %d its %s allows", run.count, limit, d.Param), "")
	}
}
