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
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
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
	vals   []any  // every value seen (property, enum, status body)
	media  string // status: the body's media type
	ids    []string
	enum   *openapi3.Schema // enum: the schema whose enum grows
	places []string         // enum: where in which answers the values were seen
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
			if bodyOK {
				d.vals = append(d.vals, body)
				d.media = media
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
	buf.WriteString("# Proposed by apikit validate --propose from recorded traffic. Review every action before applying it.\n")
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
		var news []string
		for _, v := range d.vals {
			s, ok := v.(string)
			if !ok {
				return a, fmt.Sprintf("enum %s: a value that is not a string (%v) is not proposed", d.where, v)
			}
			if !slices.Contains(news, s) && !enumHas(d.enum, s) {
				news = append(news, s)
			}
		}
		if len(news) == 0 {
			return a, fmt.Sprintf("enum %s: no value outside the enum", d.where)
		}
		slices.Sort(news)
		places := slices.Clone(d.places)
		slices.Sort(places)
		a.Description = fmt.Sprintf("New value(s) %s of the enum %s (at %s); %s.", quoteAll(news), d.where, list(places), evidence)
		a.Description += " oasdiff rates a new response enum value breaking (response-property-enum-value-added): " +
			"name it in CHANGELOG.md's unreleased section when you apply this."
		update = mapping()
		vals := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, s := range news {
			vals.Content = append(vals.Content, scalar(s))
		}
		put(update, "enum", vals)
		if names, ok := d.enum.Extensions["x-enum-varnames"].([]any); ok && len(names) == len(d.enum.Enum) && len(names) > 0 {
			prefix := strings.TrimSuffix(fmt.Sprint(names[0]), camel(fmt.Sprint(d.enum.Enum[0])))
			vn := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for _, s := range news {
				vn.Content = append(vn.Content, scalar(prefix+camel(s)))
			}
			put(update, "x-enum-varnames", vn)
		}
	case KindStatus:
		resp := mapping()
		put(resp, "description", scalar("Undocumented status "+d.name+", proposed from recorded traffic"))
		desc := "no body"
		if len(d.vals) > 0 {
			s, err := infer(d.vals, "status "+d.name+" body")
			if err != nil {
				return a, fmt.Sprintf("status %s of %s: %v", d.name, d.where, err)
			}
			content, media := mapping(), mapping()
			put(media, "schema", s.node())
			put(content, d.media, media)
			put(resp, "content", content)
			desc = d.media + " body inferred as " + s.describe()
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
	a.Update = *update
	return a, ""
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

func enumHas(s *openapi3.Schema, v string) bool {
	for _, e := range s.Enum {
		if e == v {
			return true
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

// schemaName names the schema a target points into: its component's name, else the target.
func schemaName(t string) string {
	if rest, ok := strings.CutPrefix(t, "$.components.schemas['"); ok {
		name, _, _ := strings.Cut(rest, "']")
		return name
	}
	return t
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

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// list names the evidence: up to ten files#entries, then how many more.
func list(ids []string) string {
	if len(ids) <= 10 {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:10], ", ") + fmt.Sprintf(" and %d more", len(ids)-10)
}
