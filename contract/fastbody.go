package contract

// The compiled response-body check ("fast path").
//
// kin-openapi decodes a body into a map[string]any tree and then walks it (about 10x the body in allocations).
// At New, each JSON response schema whose every keyword the compiled path covers (see supported) is compiled into
// a tree of bodyNodes; at check time the body is tokenized once with jsontext and checked while it is read, with
// the undeclared-property walk (undeclared.go) folded into the same pass. Violations are built by the helpers kin's
// errors go through (schemaFailure, undeclaredWarning), from the same parts kin's SchemaError would carry.
//
// The compiled path decides only what it can decide exactly as kin-openapi would. It gives up (errFallback, or any
// jsontext error), and check() then runs kin and the separate undeclared walk, when:
//   - the body is not exactly one well-formed JSON value (syntax errors, trailing data, an empty body): kin's
//     decoder and its "json" violation speak for those;
//   - an object repeats a name (encoding/json keeps the last one), or a string is not valid UTF-8 (encoding/json
//     replaces bad bytes), both of which jsontext rejects by default;
//   - a number does not fit in a float64 (kin reports "cannot convert", and the undeclared walk gives up);
//   - the nesting is deeper than maxFastDepth (encoding/json has its own limit).
// kin-openapi stays the reference: FuzzFastPathMatchesKin checks both engines agree on every input.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-json-experiment/json/jsontext"
)

// maxFastDepth is the deepest nesting the compiled path walks; deeper input goes to kin.
const maxFastDepth = 1000

// errFallback means the compiled path cannot decide the body exactly as kin-openapi would.
var errFallback = errors.New("compiled body check: fall back to kin-openapi")

type jsonKind uint8

const (
	kindString jsonKind = iota + 1
	kindInteger
	kindNumber
	kindBoolean
	kindObject
	kindArray
)

// schemaKind maps a schema type to its kind; 0 for an unknown type.
func schemaKind(t string) jsonKind {
	switch t {
	case openapi3.TypeString:
		return kindString
	case openapi3.TypeInteger:
		return kindInteger
	case openapi3.TypeNumber:
		return kindNumber
	case openapi3.TypeBoolean:
		return kindBoolean
	case openapi3.TypeObject:
		return kindObject
	case openapi3.TypeArray:
		return kindArray
	}
	return 0
}

// bodyNode is one compiled schema.
type bodyNode struct {
	schema   *openapi3.Schema // for violations: the schema kin's SchemaError would name
	kind     jsonKind         // the one type the schema permits
	nullable bool
	enum     map[string]struct{} // string enum values; nil when the schema has no enum
	// Formats, as kin-openapi picks them (per-validation validators, then the global ones).
	dateTime bool // the date-time regexp of kin-openapi, matched by matchDateTime
	strFmt   openapi3.StringFormatValidator
	intFmt   openapi3.IntegerFormatValidator
	numFmt   openapi3.NumberFormatValidator
	// Objects: properties and required names, by name.
	names    map[string]int
	lookup   slotTable // perf: names' numbers without hashing the name (rules.go), for the walker
	fields   []bodyField
	required uint64 // bit i set: fields[i] is required
	// Arrays.
	items *bodyNode
}

type bodyField struct {
	name string
	node *bodyNode // nil for a required name the schema does not declare as a property
}

// bodyCompiler compiles schemas once; memo makes recursive schemas finite.
type bodyCompiler struct {
	memo       map[*openapi3.Schema]*bodyNode
	unsup      map[*openapi3.Schema]bool
	strFormats map[string]openapi3.StringFormatValidator
	dateTimeOK bool // kin's date-time validator behaves as matchDateTime
}

// compileBodies compiles the schema of every JSON response of every operation the compiled path supports. The
// map is only read after New.
func compileBodies(specs []*spec) map[*openapi3.MediaType]*bodyNode {
	c := &bodyCompiler{
		memo:  map[*openapi3.Schema]*bodyNode{},
		unsup: map[*openapi3.Schema]bool{},
		// The per-validation string formats New passes to kin (openapi3.WithStringFormatValidator).
		strFormats: map[string]openapi3.StringFormatValidator{
			"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
		},
	}
	c.dateTimeOK = dateTimeValidatorMatches(openapi3.SchemaStringFormats["date-time"])
	out := map[*openapi3.MediaType]*bodyNode{}
	for _, s := range specs {
		for _, o := range s.ops {
			for _, ref := range o.route.Operation.Responses.Map() {
				if ref == nil || ref.Value == nil {
					continue
				}
				for ct, mt := range ref.Value.Content {
					if !strings.EqualFold(strings.TrimSpace(ct), "application/json") || mt == nil ||
						mt.Schema == nil || mt.Schema.Value == nil || len(mt.Encoding) > 0 {
						continue
					}
					if n := c.compile(mt.Schema.Value); n != nil && c.treeSupported(n, map[*bodyNode]bool{}) {
						out[mt] = n
					}
				}
			}
		}
	}
	return out
}

// supported reports whether the compiled path covers every keyword of s itself (not its subschemas): an allowlist,
// so a keyword added to kin-openapi's Schema later is unsupported until someone teaches the compiler. Anything
// unsupported leaves the whole response schema to kin-openapi.
//
// Covered: one type (string, integer, number, boolean, object, array), nullable, enum of strings on a string,
// format (through the validators kin-openapi would use), properties, required (at most 64 names), items, and the
// annotations (title, description, example(s), default, deprecated, externalDocs, xml, extensions, $comment).
// Not covered: allOf/oneOf/anyOf/not, additionalProperties in any form, readOnly/writeOnly, minimum/maximum and
// their exclusive forms, multipleOf, minLength/maxLength, pattern, minItems/maxItems, uniqueItems,
// minProperties/maxProperties, discriminator, several or no types, an empty schema, and every 3.1 keyword.
func supported(s *openapi3.Schema) bool {
	if s == nil || s.Type == nil || len(*s.Type) != 1 || schemaKind((*s.Type)[0]) == 0 {
		return false
	}
	rest := *s
	rest.Extensions, rest.Origin, rest.Type, rest.Title, rest.Format, rest.Description = nil, nil, nil, "", "", ""
	rest.Enum, rest.Default, rest.Example, rest.ExternalDocs, rest.Nullable, rest.Deprecated = nil, nil, nil, nil, false, false
	rest.XML, rest.Items, rest.Required, rest.Properties, rest.Examples, rest.Comment = nil, nil, nil, nil, nil, ""
	if !reflect.ValueOf(rest).IsZero() {
		return false
	}
	kind := schemaKind((*s.Type)[0])
	if len(s.Enum) > 0 {
		if kind != kindString {
			return false
		}
		for _, e := range s.Enum {
			if _, ok := e.(string); !ok {
				return false
			}
		}
	}
	if (len(s.Properties) > 0 || len(s.Required) > 0) && kind != kindObject {
		return false
	}
	if s.Items != nil && (kind != kindArray || s.Items.Value == nil) {
		return false
	}
	names := map[string]bool{}
	for k, p := range s.Properties {
		if p == nil || p.Value == nil {
			return false
		}
		names[k] = true
	}
	for _, r := range s.Required {
		names[r] = true
	}
	return len(names) <= 64
}

func (c *bodyCompiler) compile(s *openapi3.Schema) *bodyNode {
	if n, ok := c.memo[s]; ok {
		return n
	}
	n := &bodyNode{schema: s}
	c.memo[s] = n
	if !supported(s) {
		c.unsup[s] = true
		return n
	}
	n.kind = schemaKind((*s.Type)[0])
	n.nullable = s.Nullable // 3.0: a type list cannot hold "null" (supported demands one known type)
	if len(s.Enum) > 0 {
		n.enum = map[string]struct{}{}
		for _, e := range s.Enum {
			n.enum[e.(string)] = struct{}{}
		}
	}
	if f := s.Format; f != "" {
		switch n.kind {
		case kindString:
			v, ok := c.strFormats[f]
			if !ok {
				v, ok = openapi3.SchemaStringFormats[f]
			}
			if ok {
				if f == "date-time" && c.dateTimeOK && v == openapi3.SchemaStringFormats["date-time"] {
					n.dateTime = true
				} else {
					n.strFmt = v
				}
			}
		case kindInteger:
			n.intFmt = openapi3.SchemaIntegerFormats[f]
		case kindNumber:
			n.numFmt = openapi3.SchemaNumberFormats[f]
		}
	}
	if n.kind == kindObject {
		n.names = map[string]int{}
		for _, k := range componentNamesSorted(s.Properties) {
			n.names[k] = len(n.fields)
			n.fields = append(n.fields, bodyField{name: k, node: c.compile(s.Properties[k].Value)})
		}
		for _, r := range s.Required {
			i, ok := n.names[r]
			if !ok {
				i = len(n.fields)
				n.names[r] = i
				n.fields = append(n.fields, bodyField{name: r})
			}
			n.required |= 1 << i
		}
		names := make([]string, len(n.fields))
		for i, f := range n.fields {
			names[i] = f.name
		}
		n.lookup = newSlotTable(names)
	}
	if n.kind == kindArray && s.Items != nil {
		n.items = c.compile(s.Items.Value)
	}
	return n
}

func (c *bodyCompiler) treeSupported(n *bodyNode, seen map[*bodyNode]bool) bool {
	if n == nil || seen[n] {
		return true
	}
	seen[n] = true
	if c.unsup[n.schema] {
		return false
	}
	for _, f := range n.fields {
		if !c.treeSupported(f.node, seen) {
			return false
		}
	}
	return c.treeSupported(n.items, seen)
}

func componentNamesSorted(m openapi3.Schemas) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// bodyWalker is the state of one compiled check; Validator pools them.
type bodyWalker struct {
	buf        bytes.Buffer
	dec        jsontext.Decoder
	path       []pathSeg
	errs       []Violation
	more       int // schema violations past maxSchemaViolations, counted rather than kept (issue 14)
	warns      []Violation
	wmore      int       // undeclared properties past maxUndeclaredWarnings, counted rather than kept (issue 14)
	base       Violation // In response.body
	warn       bool      // collect undeclared-property warnings (the conditions of undeclared())
	wbase      Violation // base of the warnings
	scratch    []byte
	tap        bodyTap     // rules: sees the body's structure for the rules (rulefast.go); nil when none
	tapMembers []tapMember // rules: the members of the objects being read, for the tap
	// perf: the undeclared names of the objects being read, unescaped, end to end (nameEnds: where each ends),
	// for the walker's own duplicate-name check (dupName); jsontext's own check hashed every name.
	names    []byte
	nameEnds []int
}

// nameLevel is an object's part of the walker's undeclared names: where its names start in nameEnds and names,
// and a set of them once they are many.
type nameLevel struct {
	mark, at int
	set      map[string]struct{}
}

// openNames starts the undeclared names of an object.
func (w *bodyWalker) openNames() nameLevel { return nameLevel{mark: len(w.nameEnds), at: len(w.names)} }

// closeNames forgets an object's undeclared names.
func (w *bodyWalker) closeNames(l *nameLevel) {
	w.nameEnds, w.names = w.nameEnds[:l.mark], w.names[:l.at]
}

// manyNames is how many undeclared names an object compares one by one before it keeps them in a set.
const manyNames = 32

// dupName records an undeclared name of the object at level l and reports whether the object had it already: a
// duplicate name, which sends the body to kin-openapi (and strictjson.go's warning) as jsontext's own check did.
// Names are compared unescaped, as jsontext compares them.
func (w *bodyWalker) dupName(l *nameLevel, name []byte) bool {
	if l.set != nil {
		if _, ok := l.set[string(name)]; ok {
			return true
		}
		l.set[string(name)] = struct{}{}
		return false
	}
	start := l.at
	for _, end := range w.nameEnds[l.mark:] {
		if string(w.names[start:end]) == string(name) {
			return true
		}
		start = end
	}
	w.names = append(w.names, name...)
	w.nameEnds = append(w.nameEnds, len(w.names))
	if len(w.nameEnds)-l.mark > manyNames {
		l.set = make(map[string]struct{}, 2*manyNames)
		start := l.at
		for _, end := range w.nameEnds[l.mark:] {
			l.set[string(w.names[start:end])] = struct{}{}
			start = end
		}
	}
	return false
}

// pathSeg is one step from the body's root: a declared property name, or an array index.
type pathSeg struct {
	name string
	idx  int // -1 for a name
}

// checkBody validates body against the compiled schema n. It returns the violations kin-openapi would report and
// the undeclared-property warnings, or ok false when kin-openapi has to decide. The returned slices are fresh.
func (w *bodyWalker) checkBody(n *bodyNode, body []byte) (errs, warns []Violation, ok bool) {
	w.buf = *bytes.NewBuffer(body)
	w.dec.Reset(&w.buf, jsontext.AllowDuplicateNames(true)) // perf: the walker checks names itself (dupName)
	w.names, w.nameEnds = w.names[:0], w.nameEnds[:0]
	w.path, w.errs, w.warns, w.more, w.wmore = w.path[:0], w.errs[:0], w.warns[:0], 0, 0
	err := w.value(n, 0)
	if err == nil {
		if _, err = w.dec.ReadToken(); err == io.EOF {
			err = nil
		} else if err == nil {
			err = errFallback // a second value after the first
		}
	}
	w.buf = bytes.Buffer{} // do not keep the caller's body alive in the pool
	w.dec.Reset(&w.buf)
	if err != nil {
		return nil, nil, false
	}
	if len(w.errs) > 0 {
		errs = append([]Violation(nil), w.errs...)
	}
	if w.more > 0 {
		errs = append(errs, moreViolations(w.base, w.more))
	}
	if len(w.warns) > 0 {
		warns = append([]Violation(nil), w.warns...)
	}
	if w.wmore > 0 {
		warns = append(warns, moreUndeclared(w.wbase, w.wmore))
	}
	return errs, warns, true
}

// value checks the next JSON value against n; n nil means no schema (nothing to check, nothing to warn about).
func (w *bodyWalker) value(n *bodyNode, depth int) error {
	if depth > maxFastDepth {
		return errFallback
	}
	if n == nil {
		return w.skip(depth)
	}
	switch w.dec.PeekKind() {
	case 'n':
		if _, err := w.dec.ReadValue(); err != nil {
			return err
		}
		switch {
		case n.nullable:
		case n.enum != nil:
			w.fail("enum", n, nil)
		default:
			w.fail("nullable", n, nil)
		}
	case 't', 'f':
		raw, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		b := raw[0] == 't'
		if n.enum != nil {
			w.fail("enum", n, b)
		} else if n.kind != kindBoolean {
			w.fail("type", n, b)
		}
	case '0':
		raw, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		f, ok := parseNumber(raw)
		if !ok {
			return errFallback // kin: "cannot convert json.Number to float64"; its undeclared walk gives up
		}
		switch {
		case n.enum != nil:
			w.fail("enum", n, jsonNumber(raw))
		case n.kind == kindInteger:
			if f != math.Trunc(f) {
				w.fail("type", n, f)
			}
			if n.intFmt != nil && integerLiteralOutOfRange(n.schema.Format, raw) {
				w.fail("format", n, jsonNumber(raw)) // exact, quoted as sent: stricter than kin (strictjson.go)
			} else if n.intFmt != nil && integerFormatError(n.intFmt, f) {
				w.fail("format", n, f)
			}
		case n.kind == kindNumber:
			if n.numFmt != nil && n.numFmt.Validate(f) != nil {
				w.fail("format", n, f)
			}
		default:
			w.fail("type", n, f)
		}
	case '"':
		raw, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		s, err := w.unquote(raw)
		if err != nil {
			return err
		}
		if n.enum != nil {
			if _, ok := n.enum[string(s)]; !ok {
				w.fail("enum", n, string(s))
				return nil // kin checks enum first and stops there
			}
		}
		switch {
		case n.kind != kindString:
			w.fail("type", n, string(s))
		case n.dateTime:
			if !matchDateTime(s) {
				w.fail("format", n, string(s))
			}
		case n.strFmt != nil:
			if str := string(s); n.strFmt.Validate(str) != nil {
				w.fail("format", n, str)
			}
		}
	case '[':
		if n.enum != nil || n.kind != kindArray {
			count, err := w.skipMembers(depth)
			if err != nil {
				return err
			}
			w.fail(mismatch(n), n, shape{n: count})
			return nil
		}
		if _, err := w.dec.ReadToken(); err != nil {
			return err
		}
		start := w.dec.InputOffset() - 1 // rules: where the array starts, for the tap (rulefast.go)
		i := 0
		for ; w.dec.PeekKind() != ']'; i++ {
			w.path = append(w.path, pathSeg{idx: i})
			err := w.value(n.items, depth+1)
			w.path = w.path[:len(w.path)-1]
			if err != nil {
				return err
			}
		}
		if _, err := w.dec.ReadToken(); err != nil {
			return err
		}
		if w.tap != nil { // rules
			w.tap.array(n, depth, start, w.dec.InputOffset(), i)
		}
	case '{':
		return w.object(n, depth)
	default:
		_, err := w.dec.ReadToken() // 0: an error (reported by the read), or a stray '}' / ']'
		if err == nil {
			err = errFallback
		}
		return err
	}
	return nil
}

func mismatch(n *bodyNode) string {
	if n.enum != nil {
		return "enum" // kin checks enum before type
	}
	return "type"
}

// object checks an object against n. For a schema that is not an object schema, kin reports a type (or enum)
// failure and the undeclared walk still reports every name, as no property is declared.
func (w *bodyWalker) object(n *bodyNode, depth int) error {
	if _, err := w.dec.ReadToken(); err != nil {
		return err
	}
	var tapStart int64 // rules: the tap sees every object with its members, and every array (rulefast.go)
	tapMark, tapIndex := len(w.tapMembers), -1
	if w.tap != nil {
		tapStart, tapIndex = w.dec.InputOffset()-1, w.index()
	}
	var seen uint64
	count := 0
	names := w.openNames() // closed at the object's end; after an error, checkBody starts afresh
	for w.dec.PeekKind() != '}' {
		raw, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		var nameEnd int64
		if w.tap != nil { // rules
			nameEnd = w.dec.InputOffset()
		}
		name, err := w.unquote(raw)
		if err != nil {
			return err
		}
		count++
		i := n.lookup.find(name)
		known := i >= 0
		var child *bodyNode
		if known {
			if seen&(1<<i) != 0 {
				return errFallback // a duplicate name (dupName)
			}
			seen |= 1 << i
			child = n.fields[i].node
		} else if w.dupName(&names, name) {
			return errFallback
		}
		if child == nil {
			if w.warn && len(w.warns) < maxUndeclaredWarnings {
				w.warns = append(w.warns, undeclaredWarning(w.wbase, w.segments(), string(name)))
			} else if w.warn {
				w.wmore++ // issue 14: counted, its pointer and message never built
			}
			if err := w.skip(depth + 1); err != nil {
				return err
			}
			if w.tap != nil { // rules
				w.tapMembers = append(w.tapMembers, tapMember{-1, int32(nameEnd) - int32(len(raw)), int32(nameEnd), int32(w.dec.InputOffset())})
			}
			continue
		}
		w.path = append(w.path, pathSeg{name: n.fields[i].name, idx: -1})
		err = w.value(child, depth+1)
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
		if w.tap != nil { // rules
			w.tapMembers = append(w.tapMembers, tapMember{int32(i), int32(nameEnd) - int32(len(raw)), int32(nameEnd), int32(w.dec.InputOffset())})
		}
	}
	w.closeNames(&names)
	if _, err := w.dec.ReadToken(); err != nil {
		return err
	}
	if w.tap != nil { // rules
		w.tap.object(n, depth, tapIndex, tapStart, w.dec.InputOffset(), w.tapMembers[tapMark:])
		w.tapMembers = w.tapMembers[:tapMark]
	}
	if n.enum != nil || n.kind != kindObject {
		w.fail(mismatch(n), n, shape{object: true, n: count})
		return nil
	}
	if missing := n.required &^ seen; missing != 0 {
		for i := range n.fields {
			if missing&(1<<i) != 0 {
				if w.full() {
					continue
				}
				segs := append(w.segments(), n.fields[i].name)
				w.errs = append(w.errs, schemaFailure(segs, "required", n.schema, nil, "", w.base))
			}
		}
	}
	return nil
}

// skip reads the next value without checking it. A number beyond float64 still sends the body to kin: the
// undeclared walk's json.Unmarshal fails on it, so kin's path reports no undeclared property at all.
func (w *bodyWalker) skip(depth int) error {
	switch w.dec.PeekKind() {
	case '{', '[':
		_, err := w.skipMembers(depth)
		return err
	case '0':
		raw, err := w.dec.ReadValue()
		if err == nil {
			if _, ok := parseNumber(raw); !ok {
				err = errFallback
			}
		}
		return err
	default:
		_, err := w.dec.ReadValue()
		return err
	}
}

// skipMembers reads an object or array and returns its number of members.
func (w *bodyWalker) skipMembers(depth int) (int, error) {
	if depth+1 > maxFastDepth {
		return 0, errFallback
	}
	tok, err := w.dec.ReadToken()
	if err != nil {
		return 0, err
	}
	end := byte('}')
	if tok.Kind() == '[' {
		end = ']'
	}
	count := 0
	names := w.openNames() // closed at the object's end; after an error, checkBody starts afresh
	for w.dec.PeekKind() != jsontext.Kind(end) {
		if end == '}' {
			raw, err := w.dec.ReadValue() // the name
			if err != nil {
				return 0, err
			}
			name, err := w.unquote(raw)
			if err != nil {
				return 0, err
			}
			if w.dupName(&names, name) {
				return 0, errFallback
			}
		}
		if err := w.skip(depth + 1); err != nil {
			return 0, err
		}
		count++
	}
	w.closeNames(&names)
	_, err = w.dec.ReadToken()
	return count, err
}

// unquote returns the contents of a JSON string without allocating when it holds no escape. The result is valid
// until the next read.
func (w *bodyWalker) unquote(raw jsontext.Value) ([]byte, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	var err error
	w.scratch, err = jsontext.AppendUnquote(w.scratch[:0], raw)
	return w.scratch, err
}

// segments returns the current path as kin's SchemaError.JSONPointer() would: unescaped names and decimal indices.
func (w *bodyWalker) segments() []string {
	segs := make([]string, len(w.path), len(w.path)+1)
	for i, p := range w.path {
		if p.idx < 0 {
			segs[i] = p.name
		} else {
			segs[i] = strconv.Itoa(p.idx)
		}
	}
	return segs
}

// fail records a failure of keyword field at the current path, with value as kin would hold it.
func (w *bodyWalker) fail(field string, n *bodyNode, value any) {
	if w.full() {
		return
	}
	w.errs = append(w.errs, schemaFailure(w.segments(), field, n.schema, value, "", w.base))
}

// full reports whether the body already holds maxSchemaViolations violations; it counts the one being reported,
// which is then left out (the pointer and message are never built).
func (w *bodyWalker) full() bool {
	if len(w.errs) < maxSchemaViolations {
		return false
	}
	w.more++
	return true
}

// jsonNumber is a number as kin-openapi's decoder holds it (UseNumber).
func jsonNumber(raw []byte) any { return json.Number(raw) }

// parseNumber converts a JSON number as json.Number.Float64 does; ok is false when that fails (out of range).
func parseNumber(raw []byte) (float64, bool) {
	// Short integers convert exactly; everything else goes through strconv like json.Number.Float64.
	if len(raw) <= 15 {
		i, neg := 0, false
		if raw[0] == '-' {
			i, neg = 1, true
		}
		var v int64
		for ; i < len(raw); i++ {
			c := raw[i]
			if c < '0' || c > '9' {
				break
			}
			v = v*10 + int64(c-'0')
		}
		if i == len(raw) {
			if neg {
				if v == 0 {
					return math.Copysign(0, -1), true
				}
				v = -v
			}
			return float64(v), true
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// integerFormatError mirrors kin-openapi's validateIntegerFormat: a float64 outside the int64 range fails.
func integerFormatError(f openapi3.IntegerFormatValidator, value float64) bool {
	switch {
	case value == float64(math.MaxInt64):
		return f.Validate(math.MaxInt64) != nil
	case value >= float64(math.MinInt64) && value < float64(math.MaxInt64):
		return f.Validate(int64(value)) != nil
	default:
		return true
	}
}

// integerLiteralOutOfRange reports whether an integer literal (digits only, with an optional minus) lies
// outside the bounds of format int32 or int64, exactly: kin compares a float64, so 2^63 passes as int64. Other
// literals (a fraction, an exponent) and other formats are left to integerFormatError.
func integerLiteralOutOfRange(format string, raw []byte) bool {
	bits := 64
	switch format {
	case "int32":
		bits = 32
	case "int64":
	default:
		return false
	}
	digits := len(raw)
	for _, c := range raw {
		switch c {
		case '.', 'e', 'E':
			return false
		case '-':
			digits--
		}
	}
	// perf: up to 9 digits always fit int32 and up to 18 int64 (the parse was a twentieth of a large list).
	if digits <= 9 || bits == 64 && digits <= 18 {
		return false
	}
	_, err := strconv.ParseInt(string(raw), 10, bits)
	return err != nil
}

// walkerPool hands out bodyWalkers; each Validator has its own.
type walkerPool struct{ p sync.Pool }

func (p *walkerPool) get() *bodyWalker {
	if w, ok := p.p.Get().(*bodyWalker); ok {
		return w
	}
	return &bodyWalker{}
}

func (p *walkerPool) put(w *bodyWalker) {
	if cap(w.errs) > 1024 || cap(w.warns) > 1024 {
		return // keep the pool small after a body with many findings
	}
	p.p.Put(w)
}

// fastResponse is the compiled check of a response body, the undeclared-property warnings included. ok false
// means kin-openapi (and the separate undeclared walk) must decide: anything but a JSON body kin would decode with
// its JSON decoder against a compiled schema, and every body the compiled path cannot decide exactly as kin.
// base is the violation base of the response side (Status set).
func (v *Validator) fastResponse(op *operation, ex *Exchange, base Violation) (errs, warns []Violation, ok bool) {
	p := v.pickResponse(op, ex)
	return v.fastResponseTap(ex, base, &p, nil)
}

// responsePick is the response and media type kin-openapi's ValidateResponse picks for an exchange, and the
// compiled check of its body: looked up once per exchange, for the compiled check and the rules' tap.
type responsePick struct {
	ref      *openapi3.ResponseRef // the status's response, else the default one; nil when neither
	declared bool                  // ref is the status's (not the default)
	ct       string                // the response's Content-Type
	media    *openapi3.MediaType   // ref's media type for ct; nil when none
	node     *bodyNode             // media's compiled schema; nil when the compiled path does not cover it
}

// pickResponse picks the response as openapi3filter.ValidateResponse picks the response and its media type.
func (v *Validator) pickResponse(op *operation, ex *Exchange) responsePick {
	p := responsePick{ct: headerValue(ex.ResponseHeader, "Content-Type")}
	p.ref, p.declared = op.responses.statusOrDefault(ex.Status)
	if p.ref != nil && p.ref.Value != nil {
		if p.media = p.ref.Value.Content.Get(p.ct); p.media != nil {
			p.node = v.bodies[p.media]
		}
	}
	return p
}

// fastResponseTap is fastResponse on the response p picked, with a tap that sees the body's structure in the
// same pass (rules: rulefast.go).
func (v *Validator) fastResponseTap(ex *Exchange, base Violation, p *responsePick, tap bodyTap) (errs, warns []Violation, ok bool) {
	// No response, media type or compiled schema: kin decides (declared headers are checked on their own:
	// headers.go).
	ref, ct, media, n := p.ref, p.ct, p.media, p.node
	if media == nil || n == nil || !kinDecodesAsJSON(ct) {
		return nil, nil, false
	}
	// As undeclared() decides whether to walk: a documented status (not default) and a parseable Content-Type
	// naming the same media type.
	warn := false
	if p.declared {
		if mt, ok := parseMediaType(ct); ok {
			m := media // perf: the Content-Type is the bare media type, already looked up
			if mt != ct {
				m = ref.Value.Content.Get(mt)
			}
			if m != nil && m.Schema != nil {
				if m != media {
					return nil, nil, false
				}
				warn = true
			}
		}
	}
	w := v.walkers.get()
	defer v.walkers.put(w)
	w.tap, w.tapMembers = tap, w.tapMembers[:0] // rules
	defer func() { w.tap = nil }()
	w.base, w.warn = base, warn
	w.base.In = InResponseBody
	w.wbase = base
	w.wbase.In, w.wbase.Rule, w.wbase.Severity = InResponseBody, "additionalProperties", SeverityWarning
	return w.checkBody(n, ex.ResponseBody)
}

// kinDecodesAsJSON reports whether kin-openapi's decodeBody picks its JSON decoder for this Content-Type: the media
// type before any parameter, trimmed and lowercased, is application/json.
func kinDecodesAsJSON(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(base), "application/json")
}

// parseMediaType is mime.ParseMediaType's media type, as undeclared() uses it, without its allocations for the
// Content-Type headers JSON APIs send.
func parseMediaType(ct string) (string, bool) {
	switch ct {
	case "application/json":
		return ct, true
	case "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8":
		return "application/json", true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return mt, err == nil
}

// matchDateTime reports whether s matches kin-openapi's openapi3.FormatOfStringDateTime,
//
//	^[0-9]{4}-(0[1-9]|10|11|12)-(0[1-9]|[12][0-9]|3[01])T([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)[0-9]{2}:[0-9]{2})$
//
// without a regexp (a regexp match per timestamp would cost more than the rest of the check). TestMatchDateTime
// and FuzzMatchDateTime hold it to the regexp; compileBodies uses it only when kin's date-time validator agrees
// with it on a set of probes (dateTimeValidatorMatches), so a redefined validator is called as it is.
func matchDateTime(s []byte) bool {
	if len(s) < 20 {
		return false
	}
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	if !digit(s[0]) || !digit(s[1]) || !digit(s[2]) || !digit(s[3]) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':' {
		return false
	}
	switch m0, m1 := s[5], s[6]; {
	case m0 == '0' && '1' <= m1 && m1 <= '9', m0 == '1' && '0' <= m1 && m1 <= '2':
	default:
		return false
	}
	switch d0, d1 := s[8], s[9]; {
	case d0 == '0' && '1' <= d1 && d1 <= '9', (d0 == '1' || d0 == '2') && digit(d1), d0 == '3' && (d1 == '0' || d1 == '1'):
	default:
		return false
	}
	switch h0, h1 := s[11], s[12]; {
	case (h0 == '0' || h0 == '1') && digit(h1), h0 == '2' && '0' <= h1 && h1 <= '3':
	default:
		return false
	}
	if s[14] < '0' || s[14] > '5' || !digit(s[15]) {
		return false
	}
	switch c0, c1 := s[17], s[18]; {
	case '0' <= c0 && c0 <= '5' && digit(c1), c0 == '6' && c1 == '0':
	default:
		return false
	}
	rest := s[19:]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && digit(rest[i]) {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	switch {
	case len(rest) == 1:
		return rest[0] == 'Z'
	case len(rest) == 6:
		return (rest[0] == '+' || rest[0] == '-') && digit(rest[1]) && digit(rest[2]) && rest[3] == ':' &&
			digit(rest[4]) && digit(rest[5])
	}
	return false
}

// dateTimeProbes tell kin-openapi's date-time regexp from anything else registered under that name.
var dateTimeProbes = []string{
	"2024-01-15T09:00:00.000Z", "2024-01-15T09:00:00Z", "2024-01-15T09:00:00+01:00", "2024-01-15T23:59:60.5-12:00",
	"2024-01-15T09:00:00", "2024-01-15 09:00:00Z", "2024-13-15T09:00:00Z", "2024-01-32T09:00:00Z",
	"2024-01-15T24:00:00Z", "2024-01-15T09:60:00Z", "2024-01-15T09:00:61Z", "2024-01-15T09:00:00.Z",
	"2024-01-15t09:00:00z", "2024-01-15T09:00:00+0100", "9999-12-31T23:59:59.999999999+99:99", "string", "",
	"2024-01-15T09:00:00Z\n", "02024-01-15T09:00:00Z", "2024-1-15T09:00:00Z",
}

func dateTimeValidatorMatches(v openapi3.StringFormatValidator) bool {
	if v == nil {
		return false
	}
	for _, p := range dateTimeProbes {
		if (v.Validate(p) == nil) != matchDateTime([]byte(p)) {
			return false
		}
	}
	return true
}
