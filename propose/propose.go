// Package propose turns vendor drift seen in recordings into a proposed spec change: an OpenAPI Overlay 1.0
// document (the format oapi-codegen v2 applies through output-options.overlay) with one action per drift — an
// undeclared response property, a new enum value, an undocumented status, an undeclared response header —
// each with a description naming its evidence. Inference is conservative: a schema says only what every value
// seen supports, contradictions produce no action and a note, and nothing is removed or narrowed.
//
// A [Collector] is a [contract.Sink] that needs the exchange on each verdict (Result.Exchange): apikit validate
// --propose gives it one, and so do a [contract.Transport] (contract.WithSink) and the proxy (proxy.WithSink).
package propose

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/egress"
	"github.com/apikit/apikit/internal/specoverlay"
)

// EvidenceExtension marks every action the Collector proposes; its value names the evidence ("seen in 2
// exchange(s): rec.har#0, rec.har#1"). apikit diff (package specdiff) rates a new response enum value that such an
// action adds WARN instead of ERR: it records what the vendor already sends, not a change made to clients.
const EvidenceExtension = specoverlay.EvidenceExtension

// Drift kinds, in the order the overlay lists them.
const (
	KindProperty = "property" // an undeclared response property
	KindEnum     = "enum"     // a value outside a response enum
	KindStatus   = "status"   // an undocumented response status
	KindHeader   = "header"   // an undeclared response header
)

// Collector gathers drift from verdicts and writes the overlay on Close. It is safe for concurrent use.
type Collector struct {
	docs map[string]*openapi3.T // by vendor
	w    io.Writer

	mu    sync.Mutex
	drift map[string]*drift // by kind and target
	notes []string          // drift seen but not proposed, with the reason
}

// drift is one proposed change and its evidence.
type drift struct {
	kind   string
	target string // JSONPath of the node the update merges into
	name   string // the property, header or status; the enum's pointer
	where  string // a few words on the place: "GroupReservation", "GET /api/3/groups 200"
	vals   []any  // every value seen (property, enum, header)
	ids    []string
	// status: the bodies seen, by media type (a JSON body decoded; nil for one that is not JSON or did not
	// decode), and how many non-empty bodies came without a Content-Type
	bodies  map[string][]any
	untyped int
	enum    *openapi3.Schema // enum: the schema whose enum grows
	places  []string         // enum: where in which answers the values were seen
}

// New returns a Collector that judges drift against the specs in fsys (the folder apikit validate loads, label
// naming it, each with its overlay applied as the harness applies it) and writes the overlay to w on Close.
func New(fsys fs.FS, label string, w io.Writer) (*Collector, error) {
	var names []string
	for _, ext := range []string{".yaml", ".yml", ".json"} { // as the harness reads a spec folder
		m, err := fs.Glob(fsys, "*"+ext)
		if err != nil {
			return nil, fmt.Errorf("listing specs in %s: %w", label, err)
		}
		names = append(names, m...)
	}
	c := &Collector{docs: map[string]*openapi3.T{}, w: w, drift: map[string]*drift{}}
	for _, name := range names {
		if strings.HasSuffix(name, ".codegen.yaml") || strings.HasSuffix(name, specoverlay.Suffix) {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading spec %s: %w", path.Join(label, name), err)
		}
		vendor := strings.TrimSuffix(name, path.Ext(name))
		if data, err = specoverlay.ApplyFS(fsys, label, name, data); err != nil {
			return nil, err
		}
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = false
		doc, err := loader.LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("loading spec %s: %w", path.Join(label, name), err)
		}
		c.docs[vendor] = doc
	}
	return c, nil
}

// Observe records the drift in one verdict. A verdict without its exchange (Result.Exchange nil) or without a
// matched operation is passed over.
func (c *Collector) Observe(_ context.Context, res *contract.Result) error {
	ex := res.Exchange
	doc := c.docs[res.Vendor]
	if ex == nil || doc == nil || res.Skipped || res.Path == "" {
		return nil
	}
	pi := doc.Paths.Value(res.Path)
	if pi == nil {
		return nil
	}
	op := pi.GetOperation(res.Method)
	if op == nil {
		return nil
	}
	id := capture.Where(res.Source, res.Index)
	opTarget := "$.paths" + key(res.Path) + "." + strings.ToLower(res.Method)
	media, _, _ := mime.ParseMediaType(ex.ResponseHeader.Get("Content-Type"))
	var body any
	bodyOK := false
	if len(ex.ResponseBody) > 0 && isJSON(media) {
		d := json.NewDecoder(bytes.NewReader(ex.ResponseBody))
		d.UseNumber()
		bodyOK = d.Decode(&body) == nil
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	undocumented := false
	for _, v := range res.Violations {
		switch {
		case v.In == contract.InResponseStatus && v.Rule == "status":
			undocumented = true
			code := strconv.Itoa(res.Status)
			d := c.get(KindStatus, opTarget+".responses", code, fmt.Sprintf("%s %s", res.Method, res.Path))
			d.ids = append(d.ids, id)
			switch {
			case len(ex.ResponseBody) == 0:
			case media == "":
				d.untyped++
			default:
				if d.bodies == nil {
					d.bodies = map[string][]any{}
				}
				var v any
				if bodyOK {
					v = jsonBody{body}
				}
				d.bodies[media] = append(d.bodies[media], v)
			}
		case v.In == contract.InResponseBody && v.Rule == "enum" && bodyOK:
			r, rt := response(op, opTarget, res.Status)
			if r == nil {
				continue
			}
			s, t, why := walk(r, rt, media, v.Pointer)
			if why != "" {
				c.note(fmt.Sprintf("%s: value outside the enum at %s not proposed: %s", id, v.Pointer, why))
				continue
			}
			val, ok := at(body, v.Pointer)
			if !ok {
				continue
			}
			d := c.get(KindEnum, t, "", schemaName(t))
			d.enum = s
			if place := fmt.Sprintf("%s of %s %s %d", anyIndex(v.Pointer), res.Method, res.Path, res.Status); !slices.Contains(d.places, place) {
				d.places = append(d.places, place)
			}
			d.ids = append(d.ids, id)
			d.vals = append(d.vals, val)
		}
	}
	for _, w := range slices.Concat(res.Warnings, res.Violations) { // violations in strict mode
		if w.In != contract.InResponseBody || w.Rule != "additionalProperties" || !bodyOK {
			continue
		}
		r, rt := response(op, opTarget, res.Status)
		if r == nil {
			continue
		}
		parent, name := splitPointer(w.Pointer)
		_, t, why := walk(r, rt, media, parent)
		if why != "" {
			c.note(fmt.Sprintf("%s: undeclared property at %s not proposed: %s", id, w.Pointer, why))
			continue
		}
		val, ok := at(body, w.Pointer)
		if !ok {
			continue
		}
		d := c.get(KindProperty, t, name, schemaName(t))
		d.ids = append(d.ids, id)
		d.vals = append(d.vals, val)
	}
	if !undocumented {
		if r, rt := response(op, opTarget, res.Status); r != nil {
			for _, h := range undeclaredHeaders(r, ex.ResponseHeader) {
				d := c.get(KindHeader, rt, h, fmt.Sprintf("%s %s %d", res.Method, res.Path, res.Status))
				d.ids = append(d.ids, id)
				d.vals = append(d.vals, ex.ResponseHeader.Get(h))
			}
		}
	}
	return nil
}

func (c *Collector) get(kind, target, name, where string) *drift {
	k := kind + "\x00" + target + "\x00" + name
	d := c.drift[k]
	if d == nil {
		d = &drift{kind: kind, target: target, name: name, where: where}
		c.drift[k] = d
	}
	return d
}

func (c *Collector) note(s string) {
	if !slices.Contains(c.notes, s) {
		c.notes = append(c.notes, s)
	}
}

// Notes returns the drift seen but not proposed, one line each saying why. Call it after Close.
func (c *Collector) Notes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.notes)
}

// Close writes the overlay (with no action when no drift was seen) to the writer given to New.
func (c *Collector) Close() error {
	o, err := c.Overlay()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("# Proposed by apikit --propose from recorded traffic (each action's x-apikit-evidence). Review every action before applying it.\n")
	for _, n := range c.Notes() {
		buf.WriteString("# not proposed: " + egress.Sanitize(n) + "\n")
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(o); err != nil {
		return fmt.Errorf("propose: encoding the overlay: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("propose: encoding the overlay: %w", err)
	}
	if _, err := c.w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("propose: writing the overlay: %w", err)
	}
	return nil
}

// Overlay returns the proposed overlay: one action per drift, ordered by kind, target and name.
func (c *Collector) Overlay() (*overlay.Overlay, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ds := make([]*drift, 0, len(c.drift))
	for _, d := range c.drift {
		ds = append(ds, d)
	}
	rank := map[string]int{KindProperty: 0, KindEnum: 1, KindStatus: 2, KindHeader: 3}
	slices.SortFunc(ds, func(a, b *drift) int {
		if rank[a.kind] != rank[b.kind] {
			return rank[a.kind] - rank[b.kind]
		}
		return strings.Compare(a.target+"\x00"+a.name, b.target+"\x00"+b.name)
	})
	o := &overlay.Overlay{Version: overlay.Version100,
		Info: overlay.Info{Title: "apikit: drift proposed from recordings", Version: "0.0.1"}}
	for _, d := range ds {
		a, why := d.action()
		if why != "" {
			c.note(why)
			continue
		}
		o.Actions = append(o.Actions, a)
	}
	return o, nil
}

// action builds the overlay action of one drift, or says why there is none.
func (d *drift) action() (overlay.Action, string) {
	ids := slices.Clone(d.ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	evidence := fmt.Sprintf("seen in %d exchange(s): %s", len(ids), list(ids))
	a := overlay.Action{Target: d.target}
	var update *yaml.Node
	switch d.kind {
	case KindProperty:
		s, err := infer(d.vals, d.where+"."+d.name)
		if err != nil {
			return a, fmt.Sprintf("property %q of %s: %v", d.name, d.where, err)
		}
		a.Description = fmt.Sprintf("Undeclared response property %q of %s, inferred as %s; %s.", d.name, d.where, s.describe(), evidence)
		props, n := mapping(), s.node()
		put(n, "description", scalar(fmt.Sprintf("Not in the vendor's documentation: seen in recorded traffic (%d exchanges).", len(ids))))
		put(props, d.name, n)
		update = mapping()
		put(update, "properties", props)
	case KindEnum:
		news, names, why := d.newEnumValues()
		if why != "" {
			return a, fmt.Sprintf("enum %s: %s", d.where, why)
		}
		places := slices.Clone(d.places)
		slices.Sort(places)
		texts := make([]string, len(news))
		for i, n := range news {
			texts[i] = n.Value
			if n.Tag == "!!str" {
				texts[i] = strconv.Quote(n.Value)
			}
		}
		a.Description = fmt.Sprintf("New value(s) %s of the enum %s (at %s); %s.", strings.Join(texts, ", "), d.where, list(places), evidence)
		a.Description += " The vendor already sends them: apikit diff rates a new response enum value that an action " +
			"marked x-apikit-evidence adds WARN, not ERR."
		update = mapping()
		put(update, "enum", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: news})
		if names != nil {
			put(update, "x-enum-varnames", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: names})
		}
	case KindStatus:
		resp := mapping()
		put(resp, "description", scalar("Undocumented status "+d.name+", proposed from recorded traffic"))
		desc := "no body"
		if len(d.bodies) > 0 {
			content := mapping()
			var descs []string
			for _, m := range slices.Sorted(maps.Keys(d.bodies)) {
				mt := mapping()
				var vals []any
				undecoded := 0
				for _, b := range d.bodies[m] {
					if jb, ok := b.(jsonBody); ok {
						vals = append(vals, jb.v)
					} else {
						undecoded++
					}
				}
				switch {
				case !isJSON(m):
					descs = append(descs, m+" body, no schema (apikit infers the schema of JSON bodies only)")
				case undecoded > 0:
					descs = append(descs, fmt.Sprintf("%s body, no schema (%d of %d bodies are not JSON)", m, undecoded, len(d.bodies[m])))
				default:
					s, err := infer(vals, "status "+d.name+" body")
					if err != nil {
						return a, fmt.Sprintf("status %s of %s: %v", d.name, d.where, err)
					}
					put(mt, "schema", s.node())
					descs = append(descs, m+" body inferred as "+s.describe())
				}
				put(content, m, mt)
			}
			put(resp, "content", content)
			desc = strings.Join(descs, "; ")
		}
		if d.untyped > 0 {
			desc += fmt.Sprintf("; %d bod(ies) without a Content-Type, so no media type is proposed for them", d.untyped)
			desc = strings.TrimPrefix(desc, "no body; ")
		}
		a.Description = fmt.Sprintf("Undocumented status %s of %s, %s; %s.", d.name, d.where, desc, evidence)
		update = mapping()
		put(update, d.name, resp)
	case KindHeader:
		typ := "integer"
		for _, v := range d.vals {
			if _, err := strconv.ParseInt(fmt.Sprint(v), 10, 64); err != nil {
				typ = "string"
			}
		}
		a.Description = fmt.Sprintf("Undeclared response header %s of %s, inferred as %s; %s.", d.name, d.where, typ, evidence)
		h, sch, headers := mapping(), mapping(), mapping()
		put(sch, "type", scalar(typ))
		put(h, "description", scalar("Proposed from recorded traffic"))
		put(h, "schema", sch)
		put(headers, d.name, h)
		update = mapping()
		put(update, "headers", headers)
	}
	a.Description = egress.Sanitize(a.Description)
	a.Extensions = overlay.Extensions{EvidenceExtension: egress.Sanitize(evidence)}
	a.Update = *update
	return a, ""
}

// jsonBody is a response body that decoded as JSON (its value may be nil: the body null).
type jsonBody struct{ v any }

// newEnumValues returns the values seen outside the enum, as YAML scalars of the enum's type in order, and their
// x-enum-varnames when the enum names its values (nil when it does not), or why no value is proposed.
func (d *drift) newEnumValues() (vals, names []*yaml.Node, why string) {
	numeric := d.enum.Type.Is("integer") || d.enum.Type.Is("number")
	seen := map[string]bool{}
	type value struct {
		text string
		num  float64
	}
	var news []value
	for _, v := range d.vals {
		var nv value
		switch x := v.(type) {
		case string:
			if numeric {
				return nil, nil, fmt.Sprintf("a string value %q in a numeric enum is not proposed", x)
			}
			nv.text = x
		case json.Number:
			if !numeric {
				return nil, nil, fmt.Sprintf("a value that is not a string (%s) is not proposed", x)
			}
			f, err := x.Float64()
			if err != nil {
				return nil, nil, fmt.Sprintf("the number %s is out of range", x)
			}
			if _, err := x.Int64(); err != nil && d.enum.Type.Is("integer") {
				return nil, nil, fmt.Sprintf("the value %s is not an integer", x)
			}
			nv.text, nv.num = string(x), f
		default:
			return nil, nil, fmt.Sprintf("a value of another type (%v) is not proposed", v)
		}
		if seen[nv.text] || enumHas(d.enum, v) {
			continue
		}
		seen[nv.text] = true
		news = append(news, nv)
	}
	if len(news) == 0 {
		return nil, nil, "no value outside the enum"
	}
	slices.SortFunc(news, func(a, b value) int {
		if numeric {
			return cmp.Compare(a.num, b.num)
		}
		return strings.Compare(a.text, b.text)
	})
	for _, n := range news {
		tag := "!!str"
		if numeric {
			tag = "!!int"
			if strings.ContainsAny(n.text, ".eE") {
				tag = "!!float"
			}
		}
		vals = append(vals, &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: n.text})
	}
	raw, ok := d.enum.Extensions["x-enum-varnames"].([]any)
	if !ok {
		return vals, nil, ""
	}
	// The names follow one pattern, a prefix and the value in camel case (StatePending for pending, FilterOr for OR):
	// name the new values the same way, or leave the naming to a person.
	prefix, ok := "", len(raw) == len(d.enum.Enum) && len(raw) > 0
	taken := map[string]bool{}
	for i := 0; ok && i < len(raw); i++ {
		name, isStr := raw[i].(string)
		g := goName(d.enum.Enum[i])
		cut := isStr && len(name) > len(g) && strings.EqualFold(name[len(name)-len(g):], g) // FilterOr for OR
		p := ""
		if cut {
			p = name[:len(name)-len(g)]
		}
		if !cut || (i > 0 && p != prefix) {
			ok = false
		}
		prefix = p
		taken[name] = true
	}
	if !ok {
		return nil, nil, "its x-enum-varnames follow no one prefix-and-value pattern: name the new value(s) by hand"
	}
	for _, n := range vals {
		name := prefix + goName(n.Value)
		if taken[name] {
			return nil, nil, fmt.Sprintf("the new value %s would be named %s, which the enum already uses: name it by hand", n.Value, name)
		}
		taken[name] = true
		names = append(names, scalar(name))
	}
	return vals, names, ""
}

// goName is an enum value as x-enum-varnames spell it after their prefix: "suspended" → "Suspended", "on_hold" →
// "OnHold", 3 → "3", -1 → "Minus1".
func goName(v any) string {
	s := fmt.Sprint(v)
	if f, ok := v.(float64); ok {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return "Minus" + camel(rest)
	}
	return camel(s)
}

// response returns the operation's response for status (its exact code, then its range, then default) and the
// JSONPath of the node that holds it (the component's, for a $ref).
func response(op *openapi3.Operation, opTarget string, status int) (*openapi3.ResponseRef, string) {
	code := strconv.Itoa(status)
	for _, k := range []string{code, code[:1] + "XX", "default"} {
		if r := op.Responses.Value(k); r != nil && r.Value != nil {
			if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
				return r, "$.components.responses" + key(name)
			}
			return r, opTarget + ".responses" + key(k)
		}
	}
	return nil, ""
}

// walk follows the body pointer p from the response's schema for media and returns the schema there and the
// JSONPath of its node (a component's, past a $ref), or why it cannot.
func walk(r *openapi3.ResponseRef, rt, media, p string) (*openapi3.Schema, string, string) {
	mt := r.Value.Content.Get(media)
	if mt == nil || mt.Schema == nil {
		return nil, "", "the response documents no schema for " + media
	}
	sr, t := mt.Schema, rt+".content"+key(media)+".schema"
	segs := []string{}
	if p != "" {
		segs = strings.Split(strings.TrimPrefix(p, "/"), "/")
	}
	for i := 0; ; i++ {
		if name, ok := strings.CutPrefix(sr.Ref, "#/components/schemas/"); ok {
			t = "$.components.schemas" + key(name)
		} else if sr.Ref != "" {
			return nil, "", "the schema is a reference outside components/schemas: " + sr.Ref
		}
		s := sr.Value
		if s == nil {
			return nil, "", "unresolved schema"
		}
		if len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 {
			return nil, "", "the schema is composed (allOf/oneOf/anyOf); edit it by hand"
		}
		if i == len(segs) {
			return s, t, ""
		}
		seg := strings.ReplaceAll(strings.ReplaceAll(segs[i], "~1", "/"), "~0", "~")
		if p, ok := s.Properties[seg]; ok && p != nil {
			sr, t = p, t+".properties"+key(seg)
			continue
		}
		if _, err := strconv.Atoi(seg); err == nil && s.Items != nil {
			sr, t = s.Items, t+".items"
			continue
		}
		return nil, "", fmt.Sprintf("the schema declares nothing at %q", seg)
	}
}

// at returns the value at pointer p in v.
func at(v any, p string) (any, bool) {
	if p == "" {
		return v, true
	}
	for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[seg]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// anyIndex writes the array indexes of a pointer as *: /0/state → /*/state.
func anyIndex(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if _, err := strconv.Atoi(s); err == nil {
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

func splitPointer(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	name = strings.ReplaceAll(strings.ReplaceAll(p[i+1:], "~1", "/"), "~0", "~")
	return p[:i], name
}

// ignoredHeaders are the response headers of HTTP itself, of proxies and of caches: never vendor drift.
func ignoredHeaders() []string {
	return []string{"Accept-Ranges", "Age", "Alt-Svc", "Cache-Control", "Connection", "Content-Encoding",
		"Content-Length", "Content-Type", "Date", "Etag", "Expires", "Keep-Alive", "Last-Modified", "Pragma",
		"Server", "Strict-Transport-Security", "Transfer-Encoding", "Vary", "Via", "X-Content-Type-Options",
		"X-Frame-Options", "X-Xss-Protection", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Expose-Headers", "Set-Cookie", "Content-Security-Policy", "Referrer-Policy", "Nel",
		"Report-To", "Cf-Ray", "Cf-Cache-Status", "X-Request-Id"}
}

// undeclaredHeaders returns the response headers r does not declare, canonical and sorted.
func undeclaredHeaders(r *openapi3.ResponseRef, h http.Header) []string {
	var out []string
	ignored := ignoredHeaders()
	for name := range h {
		c := http.CanonicalHeaderKey(name)
		if slices.Contains(ignored, c) {
			continue
		}
		declared := false
		for d := range r.Value.Headers {
			if strings.EqualFold(d, c) {
				declared = true
			}
		}
		if !declared {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// enumHas reports whether the enum of s holds v, a string or a json.Number (kin-openapi reads a spec's numbers as
// float64).
func enumHas(s *openapi3.Schema, v any) bool {
	n, isNum := v.(json.Number)
	for _, e := range s.Enum {
		if !isNum {
			if e == v {
				return true
			}
			continue
		}
		switch x := e.(type) {
		case float64:
			if f, err := n.Float64(); err == nil && f == x {
				return true
			}
		case int:
			if i, err := n.Int64(); err == nil && i == int64(x) {
				return true
			}
		case int64:
			if i, err := n.Int64(); err == nil && i == x {
				return true
			}
		}
	}
	return false
}

func isJSON(media string) bool {
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

// key is a JSONPath member selector: ['name'].
func key(name string) string {
	return "['" + strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "'", `\'`) + "']"
}

// schemaName names the schema a target points into: its component's name and the path from it ("Thing",
// "Thing.level", "Thing.tags[]"), else the target.
func schemaName(t string) string {
	rest, ok := strings.CutPrefix(t, "$.components.schemas['")
	if !ok {
		return t
	}
	name, rest, _ := strings.Cut(rest, "']")
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".properties['"):
			var prop string
			prop, rest, _ = strings.Cut(strings.TrimPrefix(rest, ".properties['"), "']")
			name += "." + prop
		case strings.HasPrefix(rest, ".items"):
			name, rest = name+"[]", strings.TrimPrefix(rest, ".items")
		default:
			return t
		}
	}
	return name
}

// camel makes an enum value a Go name part as x-enum-varnames spell them: "suspended" → "Suspended",
// "on_hold" → "OnHold".
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// list names the evidence: up to ten files#entries, then how many more.
func list(ids []string) string {
	if len(ids) <= 10 {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:10], ", ") + fmt.Sprintf(" and %d more", len(ids)-10)
}
