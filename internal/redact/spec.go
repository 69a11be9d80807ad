package redact

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// mark is one x-apikit-secret: true in a spec: a schema property (in "body") or a parameter (in its "in").
type mark struct {
	name    string
	in      string
	example any
}

// specMarks reads every OpenAPI document at the top of fsys (*.yaml, not *.codegen.yaml or *.overlay.yaml), in
// name order, and returns the properties and parameters marked x-apikit-secret: true, with their examples.
func specMarks(fsys fs.FS) ([]mark, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("redact: listing specs: %w", err)
	}
	slices.Sort(names)
	var marks []mark
	for _, name := range names {
		if strings.HasSuffix(name, ".codegen.yaml") || strings.HasSuffix(name, ".overlay.yaml") {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("redact: reading spec %s: %w", name, err)
		}
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("redact: spec %s: %w", name, err)
		}
		marks = collectMarks(doc, marks)
	}
	return marks, nil
}

func collectMarks(node any, marks []mark) []mark {
	switch n := node.(type) {
	case map[string]any:
		if props, ok := n["properties"].(map[string]any); ok {
			keys := make([]string, 0, len(props))
			for k := range props {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if s, ok := props[k].(map[string]any); ok && s["x-apikit-secret"] == true {
					marks = append(marks, mark{name: k, in: "body", example: s["example"]})
				}
			}
		}
		if name, ok := n["name"].(string); ok && n["x-apikit-secret"] == true {
			if in, ok := n["in"].(string); ok {
				marks = append(marks, mark{name: name, in: in})
			}
		}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			marks = collectMarks(n[k], marks)
		}
	case []any:
		for _, v := range n {
			marks = collectMarks(v, marks)
		}
	}
	return marks
}
