package contract

// Declared response headers.
//
// openapi3filter.ValidateResponse checks a response's declared headers (sorted by name) before its body and stops at
// the first failure, so a bad header hides every body violation, and the compiled body check (fastbody.go) could
// not decide an operation with headers. Here each declared header is checked on its own, and the body without
// them: kin-openapi and the compiled path see the body of an operation with headers exactly as one without.
//
// A header whose value a cheap check accepts (a primitive schema with no keyword that could still fail once the
// value parses, see cheapHeader) costs a map lookup and a strconv call; anything else, and every failure, goes to
// kin-openapi with the one header (headerCheck.route), so the violation is kin's verdict, converted in errors.go
// with in response.header and the header's name.

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// headerPlans are the checks of an operation's declared response headers.
type headerPlans struct {
	byResponse map[*openapi3.Response][]headerCheck // per response, sorted by name as kin checks them
	bodyRoute  *routers.Route                       // the operation with no response headers, for kin's body check
}

// headerCheck is one declared response header.
type headerCheck struct {
	name     string // as declared
	key      string // canonical, as kin looks it up
	required bool
	cheap    jsonKind // the cheap check's kind (cheapHeader), 0 when kin checks every value
	bits     int      // kindInteger: 32 or 64, as kin parses it
	min, max float64  // kindInteger: the inclusive bounds (±Inf when the schema sets none)
	route    *routers.Route
}

// compileHeaders returns the header checks of o, or nil when no response of o declares a header kin checks.
func compileHeaders(o *operation) *headerPlans {
	op := o.route.Operation
	if op == nil || op.Responses.Len() == 0 {
		return nil
	}
	var plans *headerPlans
	for _, ref := range op.Responses.Map() {
		if ref == nil || ref.Value == nil {
			continue
		}
		names := make([]string, 0, len(ref.Value.Headers))
		for name, h := range ref.Value.Headers {
			if name != "Content-Type" && h != nil && h.Value != nil { // kin skips Content-Type
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			continue
		}
		slices.Sort(names)
		if plans == nil {
			plans = &headerPlans{byResponse: map[*openapi3.Response][]headerCheck{}}
		}
		for _, name := range names {
			h := ref.Value.Headers[name]
			c := headerCheck{name: name, key: http.CanonicalHeaderKey(name), required: h.Value.Required}
			c.cheap, c.bits, c.min, c.max = cheapHeader(h.Value)
			one := &openapi3.Response{Headers: openapi3.Headers{name: h}}
			c.route = &routers.Route{Spec: o.route.Spec, Path: o.route.Path, PathItem: o.route.PathItem, Method: o.route.Method,
				Operation: &openapi3.Operation{OperationID: op.OperationID, Responses: openapi3.NewResponses(openapi3.WithName("default", one))}}
			plans.byResponse[ref.Value] = append(plans.byResponse[ref.Value], c)
		}
	}
	if plans == nil {
		return nil
	}
	// The body route: every response as declared, without its headers.
	bare := *op
	bare.Responses = openapi3.NewResponsesWithCapacity(op.Responses.Len())
	bare.Responses.Extensions, bare.Responses.Origin = op.Responses.Extensions, op.Responses.Origin
	for code, ref := range op.Responses.Map() {
		if ref != nil && ref.Value != nil && len(ref.Value.Headers) > 0 {
			r := *ref.Value
			r.Headers = nil
			ref = &openapi3.ResponseRef{Ref: ref.Ref, Value: &r}
		}
		bare.Responses.Set(code, ref)
	}
	route := *o.route
	route.Operation = &bare
	plans.bodyRoute = &route
	return plans
}

// cheapHeader returns the kind of a header whose value kin accepts whenever it parses as that kind (an integer
// also within inclusive bounds): a schema (style simple) of one primitive type with nothing but annotations, a
// format kin's parsing already enforces, and for an integer minimum and maximum.
func cheapHeader(h *openapi3.Header) (kind jsonKind, bits int, lo, hi float64) {
	if h.Content != nil || h.Schema == nil || h.Schema.Value == nil {
		return 0, 0, 0, 0
	}
	if sm, err := h.SerializationMethod(); err != nil || sm.Style != openapi3.SerializationSimple {
		return 0, 0, 0, 0
	}
	s := *h.Schema.Value
	lo, hi = math.Inf(-1), math.Inf(1)
	if s.Type.Is(openapi3.TypeInteger) && !s.ExclusiveMin.IsSet() && !s.ExclusiveMax.IsSet() {
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		}
		s.Min, s.Max = nil, nil
	}
	if !supported(&s) || len(s.Enum) > 0 {
		return 0, 0, 0, 0
	}
	switch kind := schemaKind((*s.Type)[0]); {
	case kind == kindInteger && (s.Format == "" || s.Format == "int64"):
		return kind, 64, lo, hi
	case kind == kindInteger && s.Format == "int32":
		return kind, 32, lo, hi
	case kind == kindNumber && (s.Format == "" || s.Format == "float" || s.Format == "double"):
		return kind, 64, lo, hi
	case (kind == kindBoolean || kind == kindString) && s.Format == "":
		return kind, 0, lo, hi
	}
	return 0, 0, 0, 0
}

// accepts reports whether the cheap check passes the header as h holds it; false means kin must decide.
func (c *headerCheck) accepts(h http.Header) bool {
	vals, found := h[c.key]
	if !found {
		return !c.required
	}
	if len(vals) == 0 || c.cheap == 0 {
		return false
	}
	raw := vals[0]
	switch c.cheap {
	case kindString:
		return true
	case kindInteger:
		n, err := strconv.ParseInt(raw, 10, c.bits)
		return err == nil && float64(n) >= c.min && float64(n) <= c.max
	case kindNumber:
		f, err := strconv.ParseFloat(raw, 64)
		return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	case kindBoolean:
		_, err := strconv.ParseBool(raw)
		return err == nil
	}
	return false
}

// checkHeaders validates the declared headers of the response the exchange's status selects, each on its own, as
// kin-openapi would (the cheap check passes only what kin passes). base is the response side's violation base.
func (v *Validator) checkHeaders(ctx context.Context, op *operation, ex *Exchange, base Violation) []Violation {
	if op.headers == nil {
		return nil
	}
	ref, _ := op.responses.statusOrDefault(ex.Status) // perf: no status text formatted (spec.go)
	if ref == nil || ref.Value == nil {
		return nil
	}
	checks := op.headers.byResponse[ref.Value]
	if len(checks) == 0 {
		return nil
	}
	h := headerOrEmpty(ex.ResponseHeader)
	var out []Violation
	for i := range checks {
		c := &checks[i]
		if c.accepts(h) {
			continue
		}
		// ValidateResponse reads only the request's method (HEAD is not validated; check() skips it before).
		rin := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: &http.Request{Method: op.method, Header: http.Header{}}, Route: c.route, Options: v.opts},
			Status:  ex.Status,
			Header:  h,
			Body:    io.NopCloser(bytes.NewReader(nil)),
			Options: v.opts,
		}
		if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
			out = append(out, v.violations(err, base, responseSide)...)
		}
	}
	return out
}
