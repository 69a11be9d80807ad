package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// spec is one vendor's loaded contract.
type spec struct {
	vendor string // "doorflow"
	file   string // "openapi/doorflow.yaml", as messages name it
	doc    *openapi3.T
	bases  []*url.URL // servers entries and configured base URLs
	rel    []string   // path prefixes of relative servers entries ("/v1"), escaped, for any other host
	ops    []*operation
}

// operation is one method+path of a spec, ready to validate against. It is identified by its spec's vendor and
// its operationId: two specs may use the same operationId.
type operation struct {
	spec     *spec
	id       string // the operationId ("listGroups")
	name     string // how results name it: id, or vendor.id where another spec has the same id (newRouter)
	method   string
	template string   // "/api/3/group_reservations/{id}"
	segments []string // template split on "/", "{id}" kept as is
	literals int      // number of literal segments, for most-specific-first matching
	line     int      // spec line of the operation
	route    *routers.Route
	statuses []string     // documented statuses, sorted, for messages
	headers  *headerPlans // declared response headers (headers.go); nil when the operation declares none
	// perf: the responses by status, as Responses.Status and Default find them, without formatting the status
	// at each look-up (kin's Status allocates its text).
	responses responseTable
}

// responseTable finds an operation's response for a status as kin-openapi's Responses.Status does (the exact
// code, else its class 1XX to 5XX), and its default response.
type responseTable struct {
	exact    map[int]*openapi3.ResponseRef
	class    [6]*openapi3.ResponseRef // 1XX to 5XX by first digit
	fallback *openapi3.ResponseRef    // Responses.Default()
}

func newResponseTable(r *openapi3.Responses) responseTable {
	var t responseTable
	if r == nil {
		return t
	}
	t.exact = map[int]*openapi3.ResponseRef{}
	for code, ref := range r.Map() {
		if n, err := strconv.Atoi(code); err == nil && strconv.Itoa(n) == code && ref != nil {
			t.exact[n] = ref // the key Status looks up: the code as strconv formats it
		}
	}
	for d := 1; d <= 5; d++ {
		t.class[d] = r.Value(strconv.Itoa(d) + "XX")
	}
	t.fallback = r.Default()
	return t
}

// status is Responses.Status(code): nil when the operation documents neither the code nor its class.
func (t *responseTable) status(code int) *openapi3.ResponseRef {
	if ref := t.exact[code]; ref != nil {
		return ref
	}
	if 99 < code && code < 600 {
		return t.class[code/100]
	}
	return nil
}

// statusOrDefault is the response kin-openapi's ValidateResponse picks: Status(code), else Default(); declared
// is whether Status found it.
func (t *responseTable) statusOrDefault(code int) (ref *openapi3.ResponseRef, declared bool) {
	if ref := t.status(code); ref != nil {
		return ref, true
	}
	return t.fallback, false
}

// SpecWarning is a problem in a spec that does not stop validation, such as an example that does not match its
// schema. [WithStrictSpec] makes it an error.
type SpecWarning struct {
	File    string // "openapi/doorflow.yaml"
	Line    int    // 0 when the loader kept no position for it
	Message string
}

func (w SpecWarning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Message)
	}
	return w.File + ": " + w.Message
}

// specExtensions are the file name endings of the specs in a folder.
var specExtensions = []string{".yaml", ".yml", ".json"}

// loadSpecs reads every OpenAPI document at the top of fsys (files ending in .yaml, .yml or .json whose name does
// not end in .codegen.yaml or .overlay.yaml). label prefixes file names in messages ("openapi"). A spec problem
// that does not stop validation is a warning, or an error when strict.
func loadSpecs(ctx context.Context, fsys fs.FS, label string, strict bool) ([]*spec, []SpecWarning, error) {
	var names []string
	for _, ext := range specExtensions {
		m, err := fs.Glob(fsys, "*"+ext)
		if err != nil {
			return nil, nil, fmt.Errorf("listing specs in %s: %w", label, err)
		}
		names = append(names, m...)
	}
	slices.Sort(names)
	var (
		specs []*spec
		warns []SpecWarning
	)
	vendors := map[string]string{}
	for _, name := range names {
		if strings.HasSuffix(name, ".codegen.yaml") || strings.HasSuffix(name, ".overlay.yaml") {
			continue
		}
		s, w, err := loadSpec(ctx, fsys, label, name, strict)
		if err != nil {
			return nil, nil, err
		}
		if prev, ok := vendors[s.vendor]; ok {
			return nil, nil, fmt.Errorf("specs %s and %s are both for vendor %q", prev, s.file, s.vendor)
		}
		vendors[s.vendor] = s.file
		specs = append(specs, s)
		warns = append(warns, w...)
	}
	if len(specs) == 0 {
		return nil, nil, fmt.Errorf("no OpenAPI specs (*.yaml, *.yml, *.json) in %s", label)
	}
	return specs, warns, nil
}

// loadSpec loads and checks one spec. Only what makes validation impossible is an error: a file that does not
// parse, a reference that does not resolve, a document that is not OpenAPI 3.0. Every finding of kin-openapi's
// document validation (with its default, strict options: examples, defaults and patterns checked) is a warning,
// or an error when strict is set: kin-openapi validates traffic against any document its loader resolved, and
// what our own code compiles it checks itself (TestSpecCorpus holds it to a corpus of public specs). So are a
// server that is neither an absolute URL nor a path (one with variables: no host to route by), an operation
// without operationId (named "METHOD /path") and an operationId used twice in the spec (the second named
// "METHOD /path").
func loadSpec(ctx context.Context, fsys fs.FS, label, name string, strict bool) (*spec, []SpecWarning, error) {
	file := path.Join(label, name)
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, nil, fmt.Errorf("reading spec %s: %w", file, err)
	}
	data, lines, err := overlaid(fsys, label, name, data) // overlay.go
	if err != nil {
		return nil, nil, err
	}
	doc, err := parseSpec(data)
	if err != nil {
		return nil, nil, fmt.Errorf("loading spec %s: %w", file, err)
	}
	relines(doc, lines) // overlay.go: lines of the spec file, not of the overlaid text
	var warns []SpecWarning
	if err := doc.Validate(ctx, openapi3.EnableMultiError()); err != nil {
		warns = specFindings(doc, file, err)
	}
	vendor := name
	for _, ext := range specExtensions {
		vendor = strings.TrimSuffix(vendor, ext)
	}
	s := &spec{vendor: vendor, file: file, doc: doc}
	for _, srv := range doc.Servers {
		if srv == nil {
			continue
		}
		u, err := url.Parse(srv.URL)
		switch {
		case err == nil && u.Host != "" && !strings.Contains(u.Host, "{"):
			s.bases = append(s.bases, u)
		case err == nil && u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.Contains(u.Path, "{"):
			// Relative to wherever the document is served: the path prefix applies on any host.
			if prefix := strings.TrimSuffix(u.EscapedPath(), "/"); prefix != "" {
				s.rel = append(s.rel, prefix)
			}
		default:
			warns = append(warns, SpecWarning{File: file, Line: originLine(srv.Origin),
				Message: fmt.Sprintf("server %q is neither an absolute URL nor a path: exchanges route by path alone", srv.URL)})
		}
	}
	ids := map[string]bool{}
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		if item == nil {
			continue
		}
		methods := slices.Sorted(maps.Keys(item.Operations()))
		for _, method := range methods {
			op := item.GetOperation(method)
			o := &operation{spec: s, id: op.OperationID, method: method, template: p, segments: strings.Split(p, "/")}
			o.line = originLine(op.Origin)
			switch {
			case o.id == "":
				o.id = method + " " + p
				warns = append(warns, SpecWarning{File: file, Line: o.line,
					Message: fmt.Sprintf("%s %s has no operationId: it is named %q", method, p, o.id)})
			case ids[o.id]:
				o.id = method + " " + p
				warns = append(warns, SpecWarning{File: file, Line: o.line,
					Message: fmt.Sprintf("%s %s repeats operationId %q: it is named %q", method, p, op.OperationID, o.id)})
			}
			ids[o.id] = true
			for _, seg := range o.segments {
				if !isParam(seg) {
					o.literals++
				}
			}
			if op.Responses != nil {
				for code := range op.Responses.Map() {
					o.statuses = append(o.statuses, code)
				}
			}
			sort.Strings(o.statuses)
			o.route = &routers.Route{Spec: doc, Path: p, PathItem: item, Method: method, Operation: op}
			o.responses = newResponseTable(op.Responses)
			o.headers = compileHeaders(o)
			s.ops = append(s.ops, o)
		}
	}
	// Most specific first: more literal segments win over parameters.
	slices.SortStableFunc(s.ops, func(a, b *operation) int { return b.literals - a.literals })
	if strict && len(warns) > 0 {
		msgs := make([]string, len(warns))
		for i, w := range warns {
			msgs[i] = w.String()
		}
		return nil, nil, fmt.Errorf("spec %s has %d problem(s) (strict spec):\n  %s", file, len(warns), strings.Join(msgs, "\n  "))
	}
	return s, warns, nil
}

// parseSpec loads an OpenAPI 3.0 document, with the position of every element (for lines in messages) and no
// external references.
func parseSpec(data []byte) (*openapi3.T, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' && bytes.IndexByte(t, '\n') >= 0 {
		// kin-openapi keeps positions only on its YAML path, and takes JSON input on its JSON path. A trailing YAML
		// comment makes pretty-printed JSON fail the JSON path and read as the YAML it is, with its lines (GitHub's
		// 13 MB spec: 2.3 s instead of 1.4 s). Minified JSON has no lines to name: it keeps the fast path.
		data = append(data[:len(data):len(data)], "\n# read as YAML, for positions\n"...)
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, err
	}
	switch {
	case doc.OpenAPI == "":
		return nil, fmt.Errorf("%w: no openapi field (Swagger 2 documents need converting to OpenAPI 3.0)", errUnsupportedVersion)
	case !strings.HasPrefix(doc.OpenAPI, "3.0"):
		return nil, fmt.Errorf("%w: OpenAPI %s (apikit reads OpenAPI 3.0)", errUnsupportedVersion, doc.OpenAPI)
	}
	if doc.Paths == nil {
		doc.Paths = openapi3.NewPaths()
	}
	return doc, nil
}

// errUnsupportedVersion is returned for a document that is not OpenAPI 3.0.
var errUnsupportedVersion = errors.New("unsupported version")

func originLine(o *openapi3.Origin) int {
	if o != nil && o.Key != nil {
		return o.Key.Line
	}
	return 0
}

// specFindings flattens a document validation error into findings, each with the line of the deepest element
// the error names. It returns at least one finding.
func specFindings(doc *openapi3.T, file string, err error) []SpecWarning {
	var errs []error
	var flatten func(error)
	flatten = func(err error) {
		var multi openapi3.MultiError
		if errors.As(err, &multi) && isTop(err, multi) {
			for _, e := range multi {
				flatten(e)
			}
			return
		}
		errs = append(errs, err)
	}
	flatten(err)
	out := make([]SpecWarning, 0, len(errs))
	for _, e := range errs {
		msg, _, _ := strings.Cut(e.Error(), "\n") // kin-openapi may follow with the schema and value
		out = append(out, SpecWarning{File: file, Line: errorLine(doc, e), Message: strings.TrimSpace(msg)})
	}
	if len(out) == 0 {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		out = append(out, SpecWarning{File: file, Message: msg})
	}
	return out
}

var originType = reflect.TypeFor[*openapi3.Origin]()

// errorLine finds the line of what a validation error is about: the Origin the deepest error in its chain
// carries, else the operation, path or component it names.
func errorLine(doc *openapi3.T, err error) int {
	var (
		line              int
		pathName, method  string
		section, compName string
	)
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch x := e.(type) {
		case *openapi3.PathValidationError:
			pathName = x.Path
		case *openapi3.OperationValidationError:
			method = x.Method
		case *openapi3.ComponentValidationError:
			section, compName = x.Section, x.Name
		}
		if l := reflectedLine(e); l > 0 {
			line = l
		}
	}
	if line > 0 {
		return line
	}
	if pathName != "" && doc.Paths != nil {
		if item := doc.Paths.Value(pathName); item != nil {
			if method != "" {
				if op := item.GetOperation(method); op != nil && originLine(op.Origin) > 0 {
					return originLine(op.Origin)
				}
			}
			return originLine(item.Origin)
		}
	}
	if section == "schema" && doc.Components != nil {
		if s := doc.Components.Schemas[compName]; s != nil && s.Value != nil {
			return originLine(s.Value.Origin)
		}
	}
	return 0
}

// reflectedLine reads the line of an error's Origin field, if it has one.
func reflectedLine(err error) int {
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return 0
	}
	f := v.Elem().FieldByName("Origin")
	if !f.IsValid() || f.Type() != originType || f.IsNil() {
		return 0
	}
	return originLine(f.Interface().(*openapi3.Origin))
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// pathParam is one path parameter of a request: its name in the template and its unescaped value.
type pathParam struct{ name, value string }

// pathParams are a request's path parameters in template order: a slice, not a map, so that routing a request
// allocates nothing (perf: kin-openapi's map is built only when kin validates the request, asMap).
type pathParams []pathParam

// get returns the value of the path parameter name.
func (p pathParams) get(name string) (string, bool) {
	for _, pp := range p {
		if pp.name == name {
			return pp.value, true
		}
	}
	return "", false
}

// asMap returns the parameters as kin-openapi's RequestValidationInput.PathParams takes them; nil when none.
func (p pathParams) asMap() map[string]string {
	if len(p) == 0 {
		return nil
	}
	m := make(map[string]string, len(p))
	for _, pp := range p {
		m[pp.name] = pp.value
	}
	return m
}

// match reports whether the escaped request path fits the operation's template, and appends the path parameters
// to buf.
func (o *operation) match(method string, segs []string, buf pathParams) (pathParams, bool) {
	if method != o.method || len(segs) != len(o.segments) {
		return nil, false
	}
	params := buf[:0]
	for i, seg := range o.segments {
		if isParam(seg) {
			if segs[i] == "" {
				return nil, false
			}
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				return nil, false
			}
			params = append(params, pathParam{name: seg[1 : len(seg)-1], value: v})
			continue
		}
		if seg != segs[i] {
			return nil, false
		}
	}
	if len(params) == 0 {
		return nil, true
	}
	return params, true
}

// router maps a method and URL to an operation of one vendor. It is built once and only read afterwards.
//
// kin-openapi's routers match the scheme and host of the spec's servers, so a capture made against a staging
// host or the mock finds no route; this router maps known hosts (servers and configured base URLs) to their
// vendor and otherwise routes by path alone, across both vendors (their paths do not overlap).
type router struct {
	specs []*spec
	byKey map[string]*operation   // "vendor.operationId"
	byID  map[string][]*operation // "operationId": one per spec that has it
}

var errNoRoute = errors.New("no route")

func newRouter(specs []*spec) (*router, error) {
	r := &router{specs: specs, byKey: map[string]*operation{}, byID: map[string][]*operation{}}
	for _, s := range specs {
		for _, o := range s.ops {
			key := s.vendor + "." + o.id
			if prev, ok := r.byKey[key]; ok {
				return nil, fmt.Errorf("spec %s: operationId %s is on both %s %s (line %d) and %s %s (line %d)", s.file, o.id,
					prev.method, prev.template, prev.line, o.method, o.template, o.line)
			}
			r.byKey[key] = o
			r.byID[o.id] = append(r.byID[o.id], o)
		}
	}
	for id, ops := range r.byID {
		for _, o := range ops {
			o.name = id
			if len(ops) > 1 {
				o.name = o.spec.vendor + "." + id
			}
		}
	}
	return r, nil
}

// errUnknownOperation and errAmbiguousOperation are what [router.lookup] returns for a name it cannot resolve.
var (
	errUnknownOperation   = errors.New("no such operation")
	errAmbiguousOperation = errors.New("ambiguous operation")
)

// lookup finds an operation by "vendor.operationId", or by the bare operationId where one spec has it.
func (r *router) lookup(name string) (*operation, error) {
	if o, ok := r.byKey[name]; ok {
		return o, nil
	}
	switch ops := r.byID[name]; len(ops) {
	case 0:
		return nil, fmt.Errorf("%w %q", errUnknownOperation, name)
	case 1:
		return ops[0], nil
	default:
		names := make([]string, len(ops))
		for i, o := range ops {
			names[i] = o.name
		}
		return nil, fmt.Errorf("%w: %q is in several specs, name one of %s", errAmbiguousOperation, name, strings.Join(names, ", "))
	}
}

// op is lookup without the reason: nil for a name that does not resolve.
func (r *router) op(name string) *operation {
	o, _ := r.lookup(name)
	return o
}

// find routes a request and returns its path parameters, appended to pbuf[:0] (a caller's array keeps routing
// free of allocations). It returns errNoRoute (wrapped with a reason) when no operation matches.
func (r *router) find(method string, u *url.URL, pbuf pathParams) (*operation, pathParams, error) {
	if u == nil {
		return nil, nil, fmt.Errorf("%w: the exchange has no URL", errNoRoute)
	}
	escaped := u.EscapedPath()
	// A host that is a known base URL of one or more vendors restricts routing to those vendors (each with its
	// own path prefix removed); several vendors may share a host, such as the mock or a proxy. Any other host
	// routes by path across all vendors.
	byHost := false
	if u.Host != "" {
		for _, s := range r.specs {
			if _, ok := s.base(u.Host, escaped); ok {
				byHost = true
				break
			}
		}
	}
	var buf [16]string // perf: no allocation for paths of up to 16 segments
	pathMatched := false
	for _, s := range r.specs {
		p := escaped
		if byHost {
			prefix, ok := s.base(u.Host, escaped)
			if !ok {
				continue
			}
			p = strings.TrimPrefix(escaped, prefix)
		} else if prefix := s.relative(escaped); prefix != "" {
			p = strings.TrimPrefix(escaped, prefix)
		}
		segs := splitPath(buf[:0], p)
		for _, o := range s.ops {
			if params, ok := o.match(method, segs, pbuf); ok {
				return o, params, nil
			}
			if _, ok := o.match(o.method, segs, pbuf); ok {
				pathMatched = true
			}
		}
	}
	if pathMatched {
		return nil, nil, fmt.Errorf("%w: the specs describe %s but not the method %s", errNoRoute, escaped, method)
	}
	return nil, nil, fmt.Errorf("%w: no operation in the specs matches %s %s", errNoRoute, method, escaped)
}

// base returns the path prefix of the spec's base URL (servers entry or configured) that host and the escaped
// path fall under; the longest prefix wins.
func (s *spec) base(host, escaped string) (string, bool) {
	best, found := "", false
	for _, b := range s.bases {
		prefix := strings.TrimSuffix(b.EscapedPath(), "/")
		if strings.EqualFold(b.Host, host) && hasPathPrefix(escaped, prefix) && (!found || len(prefix) > len(best)) {
			best, found = prefix, true
		}
	}
	return best, found
}

// relative returns the longest path prefix of the spec's relative servers entries that the escaped path falls
// under, or "".
func (s *spec) relative(escaped string) string {
	best := ""
	for _, prefix := range s.rel {
		if hasPathPrefix(escaped, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	return best
}

func hasPathPrefix(p, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

// splitPath appends the "/"-separated segments of p to segs, as strings.Split(p, "/") returns them.
func splitPath(segs []string, p string) []string {
	for {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			return append(segs, p)
		}
		segs = append(segs, p[:i])
		p = p[i+1:]
	}
}
