package contract

import (
	"io/fs"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apikit/apikit/internal/specoverlay"
)

// overlaid returns the spec name's data with its vendor's overlay applied, when fsys holds one (the file the
// vendor's codegen config names in output-options.overlay.path, else <vendor>.overlay.yaml beside the spec), as
// the generator applies it, and the map from the overlaid text's lines to the spec file's (nil without an
// overlay) for relines. An overlay that does not apply cleanly is an error naming the action and its target.
func overlaid(fsys fs.FS, label, name string, data []byte) ([]byte, map[int]int, error) {
	return specoverlay.ApplyFSLines(fsys, label, name, data)
}

// relines makes the lines that messages cite (Violation.Line, the rules' spec:line) lines of the spec file as
// written, not of the overlaid text kin-openapi read: it rewrites the origins of every operation and schema. A
// line that holds only what the overlay added becomes 0 (no line). Without a map it does nothing.
func relines(doc *openapi3.T, lines map[int]int) {
	if lines == nil {
		return
	}
	seen := map[*openapi3.Schema]bool{}
	var schema func(sr *openapi3.SchemaRef)
	schema = func(sr *openapi3.SchemaRef) {
		if sr == nil || sr.Value == nil || seen[sr.Value] {
			return
		}
		s := sr.Value
		seen[s] = true
		reorigin(s.Origin, lines)
		for _, p := range s.Properties {
			schema(p)
		}
		for _, subs := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf, {s.Items, s.Not, s.AdditionalProperties.Schema}} {
			for _, sub := range subs {
				schema(sub)
			}
		}
	}
	content := func(c openapi3.Content) {
		for _, mt := range c {
			if mt != nil {
				schema(mt.Schema)
			}
		}
	}
	if doc.Components != nil {
		for _, s := range doc.Components.Schemas {
			schema(s)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			reorigin(op.Origin, lines)
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p != nil && p.Value != nil {
					schema(p.Value.Schema)
					content(p.Value.Content)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				content(op.RequestBody.Value.Content)
			}
			for _, r := range op.Responses.Map() {
				if r == nil || r.Value == nil {
					continue
				}
				content(r.Value.Content)
				for _, h := range r.Value.Headers {
					if h != nil && h.Value != nil {
						schema(h.Value.Schema)
					}
				}
			}
		}
	}
}

func reorigin(o *openapi3.Origin, lines map[int]int) {
	if o == nil {
		return
	}
	if o.Key != nil {
		o.Key.Line = lines[o.Key.Line]
		o.Key.EndLine = 0 // the block's end has no line of its own in the spec file
	}
	for i := range o.Fields {
		o.Fields[i].Line = lines[o.Fields[i].Line]
	}
	for _, locs := range o.Sequences {
		for i := range locs {
			locs[i].Line = lines[locs[i].Line]
		}
	}
}
