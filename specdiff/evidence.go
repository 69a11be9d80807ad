package specdiff

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/oasdiff/oasdiff/checker"
	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"

	"github.com/apikit/apikit/internal/specoverlay"
)

// loweredChecks are the checks whose changes apikit rates WARN instead of ERR when an overlay action proposed from
// recorded traffic (marked x-apikit-evidence, as apikit validate --propose writes it) adds exactly that value at
// exactly that place: a new value in a response enum. Such an action records what the vendor already sends, not a
// change made to clients. The same value added by hand in the spec, by an action without the marker, or another
// value added by hand in the same overlay stays ERR.
func loweredChecks() []string {
	return []string{"response-property-enum-value-added", "response-mediatype-enum-value-added"}
}

// evidence is what the evidence-marked actions of a revision's overlay add to enums.
type evidence struct {
	root    *yaml.Node // the overlaid spec, as the revision was loaded from it
	actions []enumAction
}

// enumAction is one evidence-marked action that adds values to enums.
type enumAction struct {
	nodes    []*yaml.Node // the nodes of the overlaid spec its target selects
	values   []string     // the values it adds, as enumKey writes them
	evidence string       // its x-apikit-evidence
}

// readEvidence collects the evidence-marked actions of overlayDoc that add enum values: the values an action's update
// lists under enum that the node its target selects in the spec as written (spec) does not hold yet. overlaid is
// the spec with the overlay applied. A spec or overlay that does not parse gives no evidence (the load reports it).
func readEvidence(spec, overlayDoc, overlaid []byte) *evidence {
	o, err := overlay.ParseReader(bytes.NewReader(overlayDoc))
	if err != nil {
		return nil
	}
	var before, after yaml.Node
	if yaml.Unmarshal(spec, &before) != nil || yaml.Unmarshal(overlaid, &after) != nil {
		return nil
	}
	ev := &evidence{root: &after}
	for _, a := range o.Actions {
		claim, _ := a.Extensions[specoverlay.EvidenceExtension].(string)
		if strings.TrimSpace(claim) == "" || a.Remove || a.Copy != "" {
			continue
		}
		enum := member(&a.Update, "enum")
		if enum == nil || enum.Kind != yaml.SequenceNode {
			continue
		}
		q, err := o.NewPath(a.Target, nil)
		if err != nil {
			continue
		}
		had := map[string]bool{}
		for _, n := range q.Query(&before) {
			if e := member(n, "enum"); e != nil {
				for _, v := range e.Content {
					had[enumKey(v)] = true
				}
			}
		}
		ea := enumAction{nodes: q.Query(&after), evidence: claim}
		for _, v := range enum.Content {
			if k := enumKey(v); k != "" && !had[k] {
				ea.values = append(ea.values, k)
			}
		}
		if len(ea.nodes) > 0 && len(ea.values) > 0 {
			ev.actions = append(ev.actions, ea)
		}
	}
	return ev
}

// claim returns the evidence of the action that adds the enum value of c (a change of a lowered check, as oasdiff
// reports it: args value, property path, status) at the place c names, or "".
func (ev *evidence) claim(c checker.Change) string {
	if ev == nil || len(ev.actions) == 0 {
		return ""
	}
	args := c.GetArgs()
	if len(args) != 3 {
		return ""
	}
	value := enumKeyOf(args[0])
	status, ok := args[2].(string)
	if value == "" || !ok {
		return ""
	}
	property := ""
	if c.GetId() == "response-property-enum-value-added" {
		if property, ok = args[1].(string); !ok || property == "" {
			return ""
		}
	}
	media := "" // oasdiff names the media type when the response has several
	if ac, ok := c.(checker.ApiChange); ok {
		if _, rest, found := strings.Cut(ac.Details, "(media type: "); found {
			media, _, _ = strings.Cut(rest, ")")
		}
	}
	for _, schema := range ev.schemas(c.GetPath(), c.GetOperation(), status, media, property) {
		for _, a := range ev.actions {
			if !contains(a.values, value) {
				continue
			}
			for _, n := range a.nodes {
				if n == schema {
					return a.evidence
				}
			}
		}
	}
	return ""
}

// schemas returns the schema nodes of the overlaid spec at the response body's property path (oasdiff's form:
// "items/state"; "" for the body's own schema) of the operation's response for status, in each media type (or in
// media alone), past $refs inside the document. A path through allOf, anyOf or oneOf resolves to nothing.
func (ev *evidence) schemas(path, method, status, media, property string) []*yaml.Node {
	doc := ev.root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	resp := ev.deref(member(member(member(member(member(doc, "paths"), path), strings.ToLower(method)), "responses"), status))
	content := member(resp, "content")
	if content == nil || content.Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	for i := 0; i+1 < len(content.Content); i += 2 {
		if media != "" && content.Content[i].Value != media {
			continue
		}
		s := ev.deref(member(content.Content[i+1], "schema"))
		if property != "" {
			for _, seg := range strings.Split(property, "/") {
				if seg == "items" && member(s, "items") != nil {
					s = ev.deref(member(s, "items"))
				} else {
					s = ev.deref(member(member(s, "properties"), seg))
				}
			}
		}
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// deref follows n's $ref, a pointer inside the document ("#/components/schemas/X"), to the node it names.
func (ev *evidence) deref(n *yaml.Node) *yaml.Node {
	for range 32 { // a cycle of $refs resolves to nothing
		ref := member(n, "$ref")
		if ref == nil {
			return n
		}
		p, ok := strings.CutPrefix(ref.Value, "#/")
		if !ok {
			return nil
		}
		n = ev.root
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = n.Content[0]
		}
		for _, seg := range strings.Split(p, "/") {
			n = member(n, strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~"))
		}
	}
	return nil
}

// member returns the value of key in the mapping n, or nil.
func member(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// enumKey is an enum value of a YAML node, typed, so that the string "3" and the number 3 differ: "s:on_hold",
// "n:3"; "" for a node that is not a scalar.
func enumKey(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	var v any
	if n.Decode(&v) != nil {
		return ""
	}
	return enumKeyOf(v)
}

// enumKeyOf is enumKey of a decoded value: YAML's or kin-openapi's (which reads numbers as float64).
func enumKeyOf(v any) string {
	switch x := v.(type) {
	case string:
		return "s:" + x
	case bool:
		return "b:" + strconv.FormatBool(x)
	case int:
		return "n:" + strconv.FormatFloat(float64(x), 'g', -1, 64)
	case int64:
		return "n:" + strconv.FormatFloat(float64(x), 'g', -1, 64)
	case uint64:
		return "n:" + strconv.FormatFloat(float64(x), 'g', -1, 64)
	case float64:
		return "n:" + strconv.FormatFloat(x, 'g', -1, 64)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T:%v", v, v)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
