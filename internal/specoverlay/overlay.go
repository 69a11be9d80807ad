// Package specoverlay applies an OpenAPI Overlay 1.0 document to a spec, strictly, with the overlay library that
// oapi-codegen v2 itself uses for output-options.overlay (github.com/speakeasy-api/openapi/overlay), so that the
// harness, apikit diff and the generator read the same overlaid spec.
package specoverlay

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"
)

// Suffix is the file name ending of a vendor's overlay beside its spec: openapi/doorflow.overlay.yaml overlays
// openapi/doorflow.yaml.
const Suffix = ".overlay.yaml"

// EvidenceExtension marks an overlay action proposed from recorded traffic (apikit validate --propose and apikit
// proxy --propose write it on every action); its value names the evidence: "seen in 2 exchange(s): rec.har#0,
// rec.har#1". apikit diff rates a new response enum value that such an action adds WARN instead of ERR.
const EvidenceExtension = "x-apikit-evidence"

// Apply returns spec (YAML or JSON) with the overlay applied. The application is strict, as oapi-codegen's
// default: an action whose target matches nothing in the spec is an error naming the action (its number, and
// its description when it has one) and its target. specName and overlayName name the two documents in errors.
func Apply(spec, overlayDoc []byte, specName, overlayName string) ([]byte, error) {
	out, _, err := ApplyLines(spec, overlayDoc, specName, overlayName)
	return out, err
}

// ApplyLines is [Apply] that also returns, for each line of the overlaid spec that holds a node of the original,
// that node's line in the original (the overlaid text is re-encoded: folded text and blank lines move), so that
// messages can keep naming lines of the file a person edits. Lines that hold only what the overlay added are
// absent.
func ApplyLines(spec, overlayDoc []byte, specName, overlayName string) ([]byte, map[int]int, error) {
	o, err := overlay.ParseReader(bytes.NewReader(overlayDoc))
	if err != nil {
		return nil, nil, fmt.Errorf("overlay %s: %w", overlayName, err)
	}
	if err := o.Validate(); err != nil {
		return nil, nil, fmt.Errorf("overlay %s is not a valid overlay: %w", overlayName, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(spec, &root); err != nil {
		return nil, nil, fmt.Errorf("overlay %s: parsing spec %s: %w", overlayName, specName, err)
	}
	for i := range o.Actions {
		forget(&o.Actions[i].Update) // what the overlay adds has no line in the spec
	}
	// One action at a time, so that an error names the action that failed.
	for i, a := range o.Actions {
		one := *o
		one.Actions = []overlay.Action{a}
		if _, err := one.ApplyToStrict(&root); err != nil {
			return nil, nil, &ActionError{Overlay: overlayName, Spec: specName, Index: i + 1, Count: len(o.Actions),
				Description: a.Description, Target: a.Target, Err: err}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, nil, fmt.Errorf("overlay %s: writing the overlaid spec %s: %w", overlayName, specName, err)
	}
	if err := enc.Close(); err != nil {
		return nil, nil, fmt.Errorf("overlay %s: writing the overlaid spec %s: %w", overlayName, specName, err)
	}
	var again yaml.Node
	if err := yaml.Unmarshal(buf.Bytes(), &again); err != nil {
		return nil, nil, fmt.Errorf("overlay %s: reading the overlaid spec %s back: %w", overlayName, specName, err)
	}
	lines := map[int]int{}
	pair(&root, &again, lines)
	return buf.Bytes(), lines, nil
}

// forget clears the positions of n and the nodes under it.
func forget(n *yaml.Node) {
	n.Line, n.Column = 0, 0
	for _, c := range n.Content {
		forget(c)
	}
}

// pair walks a node tree and the same tree encoded and read back, mapping each line of the second to the line its
// node had in the original; the first node seen on a line wins.
func pair(orig, again *yaml.Node, lines map[int]int) {
	if orig.Line > 0 {
		if _, ok := lines[again.Line]; !ok {
			lines[again.Line] = orig.Line
		}
	}
	for i := range min(len(orig.Content), len(again.Content)) {
		pair(orig.Content[i], again.Content[i], lines)
	}
}

// ActionError is an overlay action that did not apply: its target matched nothing, or the update did not merge.
type ActionError struct {
	Overlay     string // the overlay's file name
	Spec        string // the spec's file name
	Index       int    // 1-based number of the action in the overlay
	Count       int    // how many actions the overlay has
	Description string // the action's description, if any
	Target      string // the action's JSONPath target
	Err         error  // the overlay library's error
}

// Error names the overlay, the action and its target.
func (e *ActionError) Error() string {
	desc := ""
	if e.Description != "" {
		d, _, _ := bytes.Cut([]byte(e.Description), []byte("\n"))
		desc = fmt.Sprintf(" (%s)", d)
	}
	return fmt.Sprintf("overlay %s: action %d of %d%s, target %s, does not apply to %s: %v",
		e.Overlay, e.Index, e.Count, desc, e.Target, e.Spec, e.Err)
}

// Unwrap returns the overlay library's error.
func (e *ActionError) Unwrap() error { return e.Err }

// CodegenPath returns the overlay path an oapi-codegen configuration names (output-options.overlay.path), or ""
// when it names none.
func CodegenPath(config []byte) (string, error) {
	var c struct {
		OutputOptions struct {
			Overlay struct {
				Path string `yaml:"path"`
			} `yaml:"overlay"`
		} `yaml:"output-options"`
	}
	if err := yaml.Unmarshal(config, &c); err != nil {
		return "", fmt.Errorf("reading the codegen config: %w", err)
	}
	return c.OutputOptions.Overlay.Path, nil
}

// ApplyFS returns the data of the spec name in fsys with its vendor's overlay applied, when fsys holds one: the
// file the vendor's codegen config (<vendor>.codegen.yaml) names in output-options.overlay.path, which must sit
// in the spec folder (it is looked up there by its base name) and end in .overlay.yaml, else
// <vendor>.overlay.yaml. Without an overlay it
// returns data as it is. label names the folder in messages ("openapi").
func ApplyFS(fsys fs.FS, label, name string, data []byte) ([]byte, error) {
	out, _, err := ApplyFSLines(fsys, label, name, data)
	return out, err
}

// ApplyFSLines is [ApplyFS] with the line map of [ApplyLines]; the map is nil when no overlay applies.
func ApplyFSLines(fsys fs.FS, label, name string, data []byte) ([]byte, map[int]int, error) {
	vendor := strings.TrimSuffix(name, path.Ext(name)) // doorflow.yaml, .yml or .json
	ov := vendor + Suffix
	if cfg, err := fs.ReadFile(fsys, vendor+".codegen.yaml"); err == nil {
		named, err := CodegenPath(cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path.Join(label, vendor+".codegen.yaml"), err)
		}
		if named != "" {
			if !strings.HasSuffix(named, Suffix) {
				// Spec folders are read as *.yaml specs besides *.codegen.yaml and *.overlay.yaml (and embedded so).
				return nil, nil, fmt.Errorf("%s names the overlay %s: its name must end in %s", path.Join(label, vendor+".codegen.yaml"), named, Suffix)
			}
			ov = path.Base(named)
			if _, err := fs.Stat(fsys, ov); err != nil {
				return nil, nil, fmt.Errorf("%s names the overlay %s, which is not in %s: %w", path.Join(label, vendor+".codegen.yaml"), named, label, err)
			}
		}
	}
	od, err := fs.ReadFile(fsys, ov)
	if errors.Is(err, fs.ErrNotExist) {
		return data, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading overlay %s: %w", path.Join(label, ov), err)
	}
	out, lines, err := ApplyLines(data, od, path.Join(label, name), path.Join(label, ov))
	if err != nil {
		return nil, nil, fmt.Errorf("applying the overlay: %w", err)
	}
	return out, lines, nil
}
