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

// Bounds of a Collector, so that neither a long-running proxy nor a large recording grows it without limit: each
// drift keeps a count of its exchanges and names the first maxIDs, keeps at most maxEnumValues distinct values
// outside an enum and maxMedia media types of an undocumented status; a Collector keeps at most maxDrifts
// drifts and maxNotes distinct notes. A property's or a body's values are folded into a summary (infer.go)
// whose size grows with the distinct places in them, never with their count.
const (
	maxIDs        = 10
	maxEnumValues = 100
	maxMedia      = 16
	maxDrifts     = 1000
	maxNotes      = 100
)

// Collector gathers drift from verdicts and writes the overlay on Close. It is safe for concurrent use. Its
// memory is bounded whatever the number of verdicts it observes.
type Collector struct {
	docs map[string]*openapi3.T // by vendor
	w    io.Writer

	mu      sync.Mutex
	seq     uint64            // the Observe calls that saw drift, so far: one exchange's observations share one
	drift   map[string]*drift // by kind and target
	dropped int               // observations of a drift past maxDrifts, not collected
	budget  budget            // what is left for the summaries of values
	// seen are the notes of Observe (drift seen but not proposed), in order and by message; lost counts the
	// observations of notes past maxNotes.
	seen  []*seenNote
	byMsg map[string]*seenNote
	lost  int
	notes []string // the notes of Close: drift not proposed, and why
}

// seenNote is a note of Observe and the exchanges it was seen in, as a drift keeps them.
type seenNote struct {
	msg      string
	evidence evidence
}

// evidence is the exchanges a drift or a note was seen in: how many, and the first maxIDs.
type evidence struct {
	count int
	ids   []string
	last  uint64 // the Observe call that counted the last exchange
}

// saw counts the exchange id of Observe call seq once (one exchange may show a drift several times).
func (e *evidence) saw(id string, seq uint64) {
	if e.last == seq {
		return
	}
	e.last = seq
	if slices.Contains(e.ids, id) { // the same entry observed again
		return
	}
	e.count++
	if len(e.ids) < maxIDs {
		e.ids = append(e.ids, id)
	}
}

// String names the evidence: "seen in 12 exchange(s): a.har#0, ... and 2 more" (the ids named sorted).
func (e *evidence) String() string {
	ids := slices.Clone(e.ids)
	slices.Sort(ids)
	s := fmt.Sprintf("seen in %d exchange(s): %s", e.count, strings.Join(ids, ", "))
	if more := e.count - len(ids); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// drift is one proposed change and its evidence, with the values seen folded into what the change needs.
type drift struct {
	kind     string
	target   string // JSONPath of the node the update merges into
	name     string // the property, header or status; the enum's pointer
	where    string // a few words on the place: "GroupReservation", "GET /api/3/groups 200"
	evidence evidence
	values   summary // property: its values
	// status: the bodies seen, by media type; how many bodies came with a media type past maxMedia, and how many
	// non-empty bodies came without a Content-Type
	bodies     map[string]*bodies
	otherMedia int
	untyped    int
	// enum: the schema whose enum grows, where in which answers the values were seen, the distinct values seen
	// outside it (the first maxEnumValues; moreVals counts the observations of others), and why the first value
	// that cannot be proposed cannot
	enum     *openapi3.Schema
	places   []string
	vals     []enumValue
	moreVals int
	why      string
	notInt   bool // header: a value that is not an int64 was seen
}

// bodies are the bodies of one media type of an undocumented status: how many, how many did not decode as JSON,
// and the summary of those that did.
type bodies struct {
	n, undecoded int
	values       summary
}

// enumValue is a value seen outside an enum: its JSON text, and its value when the enum is numeric.
type enumValue struct {
	text string
	num  float64
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
	c := &Collector{docs: map[string]*openapi3.T{}, w: w, drift: map[string]*drift{}, budget: budget{left: summaryBudget}}
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

func isStatusDrift(v *contract.Violation) bool {
	return v.In == contract.InResponseStatus && v.Rule == "status"
}

func isEnumDrift(v *contract.Violation) bool {
	return v.In == contract.InResponseBody && v.Rule == "enum"
}

func isPropertyDrift(v *contract.Violation) bool {
	return v.In == contract.InResponseBody && v.Rule == "additionalProperties"
}

// Observe records the drift in one verdict. A verdict without its exchange (Result.Exchange nil) or without a
// matched operation is passed over. A verdict without drift costs a few lookups and no allocation; the body is
// decoded only when the verdict has drift in it.
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
	undocumented, inBody := false, false
	for i := range res.Violations {
		v := &res.Violations[i]
		undocumented = undocumented || isStatusDrift(v)
		inBody = inBody || isEnumDrift(v) || isPropertyDrift(v) // undeclared properties are violations in strict mode
	}
	for i := range res.Warnings {
		inBody = inBody || isPropertyDrift(&res.Warnings[i])
	}
	r, under := response(op, res.Status)
	headers := !undocumented && r != nil && hasUndeclaredHeader(r, ex.ResponseHeader)
	if !undocumented && !inBody && !headers {
		return nil
	}

	id := capture.Where(res.Source, res.Index)
	opTarget := "$.paths" + key(res.Path) + "." + strings.ToLower(res.Method)
	rt := ""
	if r != nil {
		rt = responseTarget(r, res.Status, under, opTarget)
	}
	media, _, _ := mime.ParseMediaType(ex.ResponseHeader.Get("Content-Type"))
	var body any
	bodyOK := false
	if (undocumented || inBody) && len(ex.ResponseBody) > 0 && isJSON(media) {
		d := json.NewDecoder(bytes.NewReader(ex.ResponseBody))
		d.UseNumber()
		bodyOK = d.Decode(&body) == nil
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	seq := c.seq
	for i := range res.Violations {
		v := &res.Violations[i]
		switch {
		case isStatusDrift(v):
			code := strconv.Itoa(res.Status)
			d := c.get(KindStatus, opTarget+".responses", code, fmt.Sprintf("%s %s", res.Method, res.Path))
			if d == nil {
				continue
			}
			d.evidence.saw(id, seq)
			switch {
			case len(ex.ResponseBody) == 0:
			case media == "":
				d.untyped++
			default:
				d.addBody(media, body, bodyOK, &c.budget)
			}
		case isEnumDrift(v) && bodyOK:
			if r == nil {
				continue
			}
			s, t, why := walk(r, rt, media, v.Pointer)
			if why != "" {
				c.noteAt(id, seq, fmt.Sprintf("value outside the enum at %s not proposed: %s", v.Pointer, why))
				continue
			}
			val, ok := at(body, v.Pointer)
			if !ok {
				continue
			}
			d := c.get(KindEnum, t, "", schemaName(t))
			if d == nil {
				continue
			}
			d.enum = s
			if place := fmt.Sprintf("%s of %s %s %d", anyIndex(v.Pointer), res.Method, res.Path, res.Status); !slices.Contains(d.places, place) {
				d.places = append(d.places, place)
			}
			d.evidence.saw(id, seq)
			d.addEnum(val)
		}
	}
	for _, ws := range [][]contract.Violation{res.Warnings, res.Violations} { // violations in strict mode
		for i := range ws {
			w := &ws[i]
			if !isPropertyDrift(w) || !bodyOK || r == nil {
				continue
			}
			if w.Pointer == "" { // the warning that counts the undeclared properties past those listed
				c.noteAt(id, seq, "undeclared properties the validator counts without naming them not proposed")
				continue
			}
			parent, name := splitPointer(w.Pointer)
			_, t, why := walk(r, rt, media, parent)
			if why != "" {
				c.noteAt(id, seq, fmt.Sprintf("undeclared property at %s not proposed: %s", w.Pointer, why))
				continue
			}
			val, ok := at(body, w.Pointer)
			if !ok {
				continue
			}
			d := c.get(KindProperty, t, name, schemaName(t))
			if d == nil {
				continue
			}
			d.evidence.saw(id, seq)
			d.values.add(val, &c.budget)
		}
	}
	if headers {
		for _, h := range undeclaredHeaders(r, ex.ResponseHeader) {
			d := c.get(KindHeader, rt, h, fmt.Sprintf("%s %s %d", res.Method, res.Path, res.Status))
			if d == nil {
				continue
			}
			d.evidence.saw(id, seq)
			if _, err := strconv.ParseInt(ex.ResponseHeader.Get(h), 10, 64); err != nil {
				d.notInt = true
			}
		}
	}
	return nil
}

// addBody folds one non-empty body of an undocumented status, of media type media (decoded as body when ok).
func (d *drift) addBody(media string, body any, ok bool, b *budget) {
	bs := d.bodies[media]
	if bs == nil {
		if len(d.bodies) >= maxMedia {
			d.otherMedia++
			return
		}
		if d.bodies == nil {
			d.bodies = map[string]*bodies{}
		}
		bs = &bodies{}
		d.bodies[media] = bs
	}
	bs.n++
	if !ok {
		bs.undecoded++
		return
	}
	bs.values.add(body, b)
}

// addEnum folds one value seen outside the enum d.enum: a string or a json.Number of the enum's type, kept when
// it is new; for any other, the first reason why it cannot be proposed.
func (d *drift) addEnum(v any) {
	numeric := d.enum.Type.Is("integer") || d.enum.Type.Is("number")
	var nv enumValue
	why := ""
	switch x := v.(type) {
	case string:
		if numeric {
			why = fmt.Sprintf("a string value %q in a numeric enum is not proposed", x)
		}
		nv.text = x
	case json.Number:
		f, err := x.Float64()
		_, ierr := x.Int64()
		switch {
		case !numeric:
			why = fmt.Sprintf("a value that is not a string (%s) is not proposed", x)
		case err != nil:
			why = fmt.Sprintf("the number %s is out of range", x)
		case ierr != nil && d.enum.Type.Is("integer"):
			why = fmt.Sprintf("the value %s is not an integer", x)
		}
		nv.text, nv.num = string(x), f
	default:
		why = fmt.Sprintf("a value of another type (%v) is not proposed", v)
	}
	if why != "" {
		if d.why == "" {
			d.why = why
		}
		return
	}
	if enumHas(d.enum, v) || slices.ContainsFunc(d.vals, func(e enumValue) bool { return e.text == nv.text }) {
		return
	}
	if len(d.vals) >= maxEnumValues {
		d.moreVals++
		return
	}
	d.vals = append(d.vals, nv)
}

// get returns the drift of kind at target named name, made on first sight; nil past maxDrifts.
func (c *Collector) get(kind, target, name, where string) *drift {
	k := kind + "\x00" + target + "\x00" + name
	d := c.drift[k]
	if d == nil {
		if len(c.drift) >= maxDrifts {
			c.dropped++
			return nil
		}
		d = &drift{kind: kind, target: target, name: name, where: where}
		c.drift[k] = d
	}
	return d
}

// noteAt records drift seen in exchange id (of Observe call seq) but not proposed, msg saying why.
func (c *Collector) noteAt(id string, seq uint64, msg string) {
	n := c.byMsg[msg]
	if n == nil {
		if len(c.seen) >= maxNotes {
			c.lost++
			return
		}
		if c.byMsg == nil {
			c.byMsg = map[string]*seenNote{}
		}
		n = &seenNote{msg: msg}
		c.byMsg[msg] = n
		c.seen = append(c.seen, n)
	}
	n.evidence.saw(id, seq)
}

// note records drift not proposed at Close, s saying why.
func (c *Collector) note(s string) {
	if !slices.Contains(c.notes, s) {
		c.notes = append(c.notes, s)
	}
}

// Notes returns the drift seen but not proposed, one line each saying why. Call it after Close.
func (c *Collector) Notes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.seen {
		ids := slices.Clone(n.evidence.ids)
		slices.Sort(ids)
		for _, id := range ids {
			out = append(out, id+": "+n.msg)
		}
		if more := n.evidence.count - len(ids); more > 0 {
			out = append(out, fmt.Sprintf("%d more exchange(s): %s", more, n.msg))
		}
	}
	if c.lost > 0 {
		out = append(out, fmt.Sprintf("%d more observation(s) of drift not proposed, not kept: apikit keeps %d distinct notes", c.lost, maxNotes))
	}
	return append(out, c.notes...)
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
		if d.moreVals > 0 {
			c.note(fmt.Sprintf("enum %s: %d observation(s) of values outside it past the first %d distinct ones not kept, so not proposed", d.where, d.moreVals, maxEnumValues))
		}
		if d.otherMedia > 0 {
			c.note(fmt.Sprintf("status %s of %s: %d bod(ies) of media types past the first %d not kept, so not proposed", d.name, d.where, d.otherMedia, maxMedia))
		}
		if why != "" {
			c.note(why)
			continue
		}
		o.Actions = append(o.Actions, a)
	}
	if c.dropped > 0 {
		c.note(fmt.Sprintf("%d observation(s) of drift past the first %d distinct drifts not kept, so not proposed", c.dropped, maxDrifts))
	}
	return o, nil
}

// action builds the overlay action of one drift, or says why there is none.
func (d *drift) action() (overlay.Action, string) {
	evidence := d.evidence.String()
	a := overlay.Action{Target: d.target}
	var update *yaml.Node
	switch d.kind {
	case KindProperty:
		s, err := d.values.infer(d.where + "." + d.name)
		if err != nil {
			return a, fmt.Sprintf("property %q of %s: %v", d.name, d.where, err)
		}
		a.Description = fmt.Sprintf("Undeclared response property %q of %s, inferred as %s; %s.", d.name, d.where, s.describe(), evidence)
		props, n := mapping(), s.node()
		put(n, "description", scalar(fmt.Sprintf("Not in the vendor's documentation: seen in recorded traffic (%d exchanges).", d.evidence.count)))
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
				mt, bs := mapping(), d.bodies[m]
				switch {
				case !isJSON(m):
					descs = append(descs, m+" body, no schema (apikit infers the schema of JSON bodies only)")
				case bs.undecoded > 0:
					descs = append(descs, fmt.Sprintf("%s body, no schema (%d of %d bodies are not JSON)", m, bs.undecoded, bs.n))
				default:
					s, err := bs.values.infer("status " + d.name + " body")
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
		if d.notInt {
			typ = "string"
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

// newEnumValues returns the values seen outside the enum, as YAML scalars of the enum's type in order, and their
// x-enum-varnames when the enum names its values (nil when it does not), or why no value is proposed.
func (d *drift) newEnumValues() (vals, names []*yaml.Node, why string) {
	if d.why != "" {
		return nil, nil, d.why
	}
	numeric := d.enum.Type.Is("integer") || d.enum.Type.Is("number")
	news := slices.Clone(d.vals)
	if len(news) == 0 {
		return nil, nil, "no value outside the enum"
	}
	slices.SortFunc(news, func(a, b enumValue) int {
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

// The keys a response is found under: its exact code, its range, default.
const (
	underCode = iota
	underRange
	underDefault
)

// response returns the operation's response for status (its exact code, then its range, then default) and which
// key it is under (underCode, underRange or underDefault). It allocates nothing for a status of three digits.
func response(op *openapi3.Operation, status int) (*openapi3.ResponseRef, int) {
	var buf [3]byte
	if status >= 100 && status <= 999 {
		buf = [3]byte{byte('0' + status/100), byte('0' + status/10%10), byte('0' + status%10)}
		if r := op.Responses.Value(string(buf[:])); r != nil && r.Value != nil {
			return r, underCode
		}
		buf[1], buf[2] = 'X', 'X'
		if r := op.Responses.Value(string(buf[:])); r != nil && r.Value != nil {
			return r, underRange
		}
	} else {
		for _, under := range []int{underCode, underRange} {
			if r := op.Responses.Value(responseKey(status, under)); r != nil && r.Value != nil {
				return r, under
			}
		}
	}
	if r := op.Responses.Value("default"); r != nil && r.Value != nil {
		return r, underDefault
	}
	return nil, 0
}

// responseKey is the key of the response for status under: "409", "4XX" or "default".
func responseKey(status, under int) string {
	switch under {
	case underCode:
		return strconv.Itoa(status)
	case underRange:
		return strconv.Itoa(status)[:1] + "XX"
	}
	return "default"
}

// responseTarget is the JSONPath of the node that holds response r, found for status under (response) in the
// operation at opTarget (the component's, for a $ref).
func responseTarget(r *openapi3.ResponseRef, status, under int, opTarget string) string {
	if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
		return "$.components.responses" + key(name)
	}
	return opTarget + ".responses" + key(responseKey(status, under))
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

// ignoredHeader reports whether the canonical header name c is one of HTTP itself, of proxies or of caches:
// never vendor drift.
func ignoredHeader(c string) bool {
	switch c {
	case "Accept-Ranges", "Age", "Alt-Svc", "Cache-Control", "Connection", "Content-Encoding",
		"Content-Length", "Content-Type", "Date", "Etag", "Expires", "Keep-Alive", "Last-Modified", "Pragma",
		"Server", "Strict-Transport-Security", "Transfer-Encoding", "Vary", "Via", "X-Content-Type-Options",
		"X-Frame-Options", "X-Xss-Protection", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Expose-Headers", "Set-Cookie", "Content-Security-Policy", "Referrer-Policy", "Nel",
		"Report-To", "Cf-Ray", "Cf-Cache-Status", "X-Request-Id":
		return true
	}
	return false
}

// declared reports whether r declares the header c.
func declared(r *openapi3.ResponseRef, c string) bool {
	for d := range r.Value.Headers {
		if strings.EqualFold(d, c) {
			return true
		}
	}
	return false
}

// hasUndeclaredHeader reports whether h holds a header r does not declare, allocating nothing when every name in
// h is canonical.
func hasUndeclaredHeader(r *openapi3.ResponseRef, h http.Header) bool {
	for name := range h {
		if c := http.CanonicalHeaderKey(name); !ignoredHeader(c) && !declared(r, c) {
			return true
		}
	}
	return false
}

// undeclaredHeaders returns the response headers r does not declare, canonical and sorted.
func undeclaredHeaders(r *openapi3.ResponseRef, h http.Header) []string {
	var out []string
	for name := range h {
		if c := http.CanonicalHeaderKey(name); !ignoredHeader(c) && !declared(r, c) {
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

// list names the places of an enum's values: up to ten, then how many more.
func list(places []string) string {
	if len(places) <= 10 {
		return strings.Join(places, ", ")
	}
	return strings.Join(places[:10], ", ") + fmt.Sprintf(" and %d more", len(places)-10)
}
