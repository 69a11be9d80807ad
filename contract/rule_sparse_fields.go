package contract

// rule.sparse-fields, declared as sparseFields: {param: fields, alwaysIncluded: [id]}. With fields=a,b every item
// holds exactly the asked properties: another property is a violation (except those in alwaysIncluded, tolerated
// unasked), and so is an asked property the item schema declares that is missing.

import (
	"fmt"
	"slices"
	"strings"
)

// sparseFieldsKey is the member of x-apikit-rules that declares it, and how its value is read.
const sparseFieldsKey = ruleKey[sparseDecl, *sparseDecl]("sparseFields")

type sparseDecl struct {
	Param          string   `json:"param"`
	AlwaysIncluded []string `json:"alwaysIncluded"`
}

func (d *sparseDecl) compile(c *opCompiler) error {
	if err := c.listOnly("sparseFields"); err != nil {
		return err
	}
	if err := c.param("sparseFields.param", d.Param); err != nil {
		return err
	}
	for _, f := range d.AlwaysIncluded {
		if err := c.field("sparseFields.alwaysIncluded", f); err != nil {
			return err
		}
	}
	c.addRule(d)
	return nil
}

// sparseCheck is the rule on one exchange that asks for some fields.
type sparseCheck struct {
	d       *sparseDecl
	allowed []bool // per slot: the property may appear
	asked   []int  // the slots of the asked properties the items declare
}

func (d *sparseDecl) start(run *ruleRun) {
	if !run.obs.known {
		return
	}
	// A list without a name in it ("fields=,") asks for nothing in particular: not checked.
	v := run.q.Get(d.Param)
	if strings.Trim(v, ", ") == "" {
		return
	}
	c := &sparseCheck{d: d}
	allow := func(name string) {
		i := run.slot(name)
		for len(c.allowed) <= i {
			c.allowed = append(c.allowed, false)
		}
		c.allowed[i] = true
	}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		allow(name)
		// Only a property the items declare must be there: a server may ignore an unknown name.
		if run.r.props[name] != nil && !slices.Contains(c.asked, run.slot(name)) {
			c.asked = append(c.asked, run.slot(name))
		}
	}
	for _, name := range d.AlwaysIncluded {
		allow(name)
	}
	run.onMember(c)
	run.onItem(c)
}

func (c *sparseCheck) member(run *ruleRun, slot int, key []byte) {
	if slot >= 0 && slot < len(c.allowed) && c.allowed[slot] {
		return
	}
	name := string(key)
	if slot >= 0 {
		name = run.names[slot]
	}
	run.add(RuleSparseFields, run.tapIndex, name, fmt.Sprintf("property %q was not asked for: the request's %s parameter lists the properties the items may hold", name, c.d.Param), "")
}

func (c *sparseCheck) item(run *ruleRun, idx int) {
	for _, slot := range c.asked {
		if !run.present(slot) {
			name := run.names[slot]
			run.add(RuleSparseFields, idx, name, fmt.Sprintf("property %q was asked for with the %s parameter but is missing", name, c.d.Param), "")
		}
	}
}
