package redact

import (
	"fmt"
	"io/fs"
	"net/url"
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

// specInfo is what the redactor learns from the specs.
type specInfo struct {
	marks    []mark
	examples map[string][]byte // lower-case property named like a secret → its string example, as JSON
	routes   []route
}

// specExtensions are the names of the OpenAPI documents readSpecs reads, as contract's spec loader reads them (a
// JSON document is YAML too).
var specExtensions = []string{".yaml", ".yml", ".json"}

// readSpecs reads every OpenAPI document at the top of fsys (*.yaml, *.yml, *.json; not *.codegen.yaml or
// *.overlay.yaml), in name order, and returns the properties and parameters marked x-apikit-secret: true with their examples, the
// parameters of apiKey security schemes, the examples of properties named like secrets, and the media types
// each operation documents.
func readSpecs(fsys fs.FS) (*specInfo, error) {
	var names []string
	for _, ext := range specExtensions {
		found, err := fs.Glob(fsys, "*"+ext)
		if err != nil {
			return nil, fmt.Errorf("redact: listing specs: %w", err)
		}
		names = append(names, found...)
	}
	slices.Sort(names)
	info := &specInfo{examples: map[string][]byte{}}
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
		info.marks = collectMarks(doc, info.marks, info.examples)
		info.routes = append(info.routes, collectRoutes(doc)...)
	}
	return info, nil
}

func collectMarks(node any, marks []mark, examples map[string][]byte) []mark {
	switch n := node.(type) {
	case map[string]any:
		if props, ok := n["properties"].(map[string]any); ok {
			keys := make([]string, 0, len(props))
			for k := range props {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				s, ok := props[k].(map[string]any)
				if ok && s["x-apikit-secret"] == true {
					marks = append(marks, mark{name: k, in: "body", example: s["example"]})
				}
				if ex, isStr := s["example"].(string); ok && isStr && IsSecretName(k) && !strings.Contains(ex, "\n") {
					if _, dup := examples[strings.ToLower(k)]; !dup {
						examples[strings.ToLower(k)] = quoteJSON(ex)
					}
				}
			}
		}
		if name, ok := n["name"].(string); ok && (n["x-apikit-secret"] == true || n["type"] == "apiKey") {
			if in, ok := n["in"].(string); ok { // a marked parameter, or an apiKey security scheme's own
				marks = append(marks, mark{name: name, in: in})
			}
		}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			marks = collectMarks(n[k], marks, examples)
		}
	case []any:
		for _, v := range n {
			marks = collectMarks(v, marks, examples)
		}
	}
	return marks
}

// route is an operation of a spec: its method, its path's segments (a "{param}" matches any one) and the media
// types its request body and responses document.
type route struct {
	method string
	segs   []string
	types  map[string]bool
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// collectRoutes lists the operations of an OpenAPI document, each path prefixed with its servers' paths.
func collectRoutes(doc any) []route {
	root, _ := doc.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	bases := []string{""}
	if servers, ok := root["servers"].([]any); ok {
		for _, sv := range servers {
			if m, ok := sv.(map[string]any); ok {
				if raw, ok := m["url"].(string); ok {
					if u, err := url.Parse(raw); err == nil && strings.Trim(u.Path, "/") != "" {
						bases = append(bases, strings.TrimSuffix(u.Path, "/"))
					}
				}
			}
		}
	}
	var out []route
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for _, method := range httpMethods {
			op, ok := ops[method].(map[string]any)
			if !ok {
				continue
			}
			types := map[string]bool{}
			addContent(root, op["requestBody"], types)
			if res, ok := op["responses"].(map[string]any); ok {
				for _, r := range res {
					addContent(root, r, types)
				}
			}
			for _, b := range bases {
				out = append(out, route{method: strings.ToUpper(method), segs: strings.Split(strings.Trim(b+p, "/"), "/"), types: types})
			}
		}
	}
	return out
}

// addContent adds the media types of a request body or a response object (following one local $ref) to types.
func addContent(root map[string]any, node any, types map[string]bool) {
	m, _ := node.(map[string]any)
	if ref, ok := m["$ref"].(string); ok && strings.HasPrefix(ref, "#/") {
		var cur any = root
		for _, part := range strings.Split(ref[2:], "/") {
			c, _ := cur.(map[string]any)
			cur = c[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
		}
		m, _ = cur.(map[string]any)
	}
	content, _ := m["content"].(map[string]any)
	for mt := range content {
		types[strings.ToLower(mt)] = true
	}
}

// documents reports whether the operation that method and u reach documents mediaType.
func (r *Redactor) documents(method string, u *url.URL, mediaType string) bool {
	if u == nil {
		return false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for _, rt := range r.routes {
		if rt.method != method || len(rt.segs) != len(segs) || !rt.types[mediaType] {
			continue
		}
		match := true
		for i, s := range rt.segs {
			if !(strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}")) && s != segs[i] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
