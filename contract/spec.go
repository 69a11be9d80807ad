package contract

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"sort"
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
	ops    []*operation
}

// operation is one method+path of a spec, ready to validate against.
type operation struct {
	spec     *spec
	id       string
	method   string
	template string   // "/api/3/group_reservations/{id}"
	segments []string // template split on "/", "{id}" kept as is
	literals int      // number of literal segments, for most-specific-first matching
	line     int      // spec line of the operation
	route    *routers.Route
	statuses []string // documented statuses, sorted, for messages
}

// loadSpecs reads every OpenAPI document at the top of fsys (files ending in .yaml whose name does not end in
// .codegen.yaml or .overlay.yaml). label prefixes file names in messages ("openapi").
func loadSpecs(ctx context.Context, fsys fs.FS, label string) ([]*spec, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("listing specs in %s: %w", label, err)
	}
	var specs []*spec
	for _, name := range names {
		if strings.HasSuffix(name, ".codegen.yaml") || strings.HasSuffix(name, ".overlay.yaml") {
			continue
		}
		s, err := loadSpec(ctx, fsys, label, name)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("no OpenAPI specs (*.yaml) in %s", label)
	}
	return specs, nil
}

func loadSpec(ctx context.Context, fsys fs.FS, label, name string) (*spec, error) {
	file := path.Join(label, name)
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading spec %s: %w", file, err)
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading spec %s: %w", file, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("spec %s is not valid OpenAPI: %w", file, err)
	}
	s := &spec{vendor: strings.TrimSuffix(name, ".yaml"), file: file, doc: doc}
	for _, srv := range doc.Servers {
		u, err := url.Parse(srv.URL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("spec %s: server %q is not an absolute URL", file, srv.URL)
		}
		s.bases = append(s.bases, u)
	}
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		for method, op := range item.Operations() {
			o := &operation{spec: s, id: op.OperationID, method: method, template: p, segments: strings.Split(p, "/")}
			if o.id == "" {
				return nil, fmt.Errorf("spec %s: %s %s has no operationId", file, method, p)
			}
			for _, seg := range o.segments {
				if !isParam(seg) {
					o.literals++
				}
			}
			if op.Origin != nil && op.Origin.Key != nil {
				o.line = op.Origin.Key.Line
			}
			for code := range op.Responses.Map() {
				o.statuses = append(o.statuses, code)
			}
			sort.Strings(o.statuses)
			o.route = &routers.Route{Spec: doc, Path: p, PathItem: item, Method: method, Operation: op}
			s.ops = append(s.ops, o)
		}
	}
	// Most specific first: more literal segments win over parameters.
	slices.SortStableFunc(s.ops, func(a, b *operation) int { return b.literals - a.literals })
	return s, nil
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
	byID  map[string]*operation
}

var errNoRoute = errors.New("no route")

func newRouter(specs []*spec) (*router, error) {
	r := &router{specs: specs, byID: map[string]*operation{}}
	for _, s := range specs {
		for _, o := range s.ops {
			if prev, ok := r.byID[o.id]; ok {
				return nil, fmt.Errorf("operationId %s is in both %s and %s", o.id, prev.spec.file, s.file)
			}
			r.byID[o.id] = o
		}
	}
	return r, nil
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
