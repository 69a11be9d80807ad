package contract

// The compiled request check: security requirements and primitive path and query parameters, checked without
// building an *http.Request or kin-openapi's RequestValidationInput, with exactly the violations
// openapi3filter.ValidateRequest would lead to. An operation with anything else (a request body, path-item
// parameters, header or cookie parameters, non-primitive or unsupported parameter schemas, undeclared security
// schemes) is left to kin-openapi. FuzzFastRequestMatchesKin holds it to kin.

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// requestPlan is the compiled request check of one operation.
type requestPlan struct {
	params []paramPlan
	// security lists the alternatives (OR) of schemes (AND), as ValidateRequest takes them: the operation's
	// requirements, or the document's when the operation has none.
	security [][]*openapi3.SecurityScheme
	secMsg   string // the security violation's message
}

type paramPlan struct {
	p      *openapi3.Parameter
	node   *bodyNode // the parameter's schema: string, integer (format none, int32 or int64) or boolean
	int32  bool      // parsed with 32 bits, as kin does for format int32
	in     string    // the violations' In: "request.query"
	prefix string    // the violation message's subject: `query parameter "page"`
}

// compileRequests builds the plan of every operation the compiled request check supports.
func compileRequests(specs []*spec) map[*operation]*requestPlan {
	c := &bodyCompiler{memo: map[*openapi3.Schema]*bodyNode{}, unsup: map[*openapi3.Schema]bool{},
		strFormats: map[string]openapi3.StringFormatValidator{
			"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
		}}
	c.dateTimeOK = dateTimeValidatorMatches(openapi3.SchemaStringFormats["date-time"])
	out := map[*operation]*requestPlan{}
	for _, s := range specs {
		for _, o := range s.ops {
			if plan := c.requestPlan(o); plan != nil {
				out[o] = plan
			}
		}
	}
	return out
}

func (c *bodyCompiler) requestPlan(o *operation) *requestPlan {
	route := o.route
	if route.Operation.RequestBody != nil || len(route.PathItem.Parameters) > 0 {
		return nil
	}
	plan := &requestPlan{}
	for _, ref := range route.Operation.Parameters {
		p := ref.Value
		if p == nil || p.Content != nil || p.Schema == nil || p.Schema.Value == nil {
			return nil
		}
		sm, err := p.SerializationMethod()
		if err != nil {
			return nil
		}
		switch {
		case p.In == openapi3.ParameterInPath && sm.Style == openapi3.SerializationSimple:
		case p.In == openapi3.ParameterInQuery && sm.Style == openapi3.SerializationForm:
		default:
			return nil
		}
		s := p.Schema.Value
		n := c.compile(s)
		if c.unsup[s] {
			return nil
		}
		switch n.kind {
		case kindString, kindBoolean:
		case kindInteger:
			if s.Format != "" && s.Format != "int32" && s.Format != "int64" {
				return nil
			}
		default:
			return nil
		}
		plan.params = append(plan.params, paramPlan{p: p, node: n, int32: s.Format == "int32", in: "request." + p.In,
			prefix: fmt.Sprintf("%s parameter %q", p.In, p.Name)})
	}
	security := route.Operation.Security
	if security == nil {
		security = &route.Spec.Security
	}
	var schemes openapi3.SecuritySchemes
	if route.Spec.Components != nil {
		schemes = route.Spec.Components.SecuritySchemes
	}
	for _, req := range *security {
		var alt []*openapi3.SecurityScheme
		for name := range req {
			ref := schemes[name]
			if ref == nil || ref.Value == nil {
				return nil // kin: "security scheme is not declared"
			}
			alt = append(alt, ref.Value)
		}
		plan.security = append(plan.security, alt)
	}
	if len(*security) > 0 {
		plan.secMsg = "the operation needs a credential and the request sends none (" +
			securityNames(&openapi3filter.SecurityRequirementsError{SecurityRequirements: *security}) + ")"
	}
	return plan
}

// requestQuery is the request's query as url.URL.Query gives it, parsed at most once per exchange: the compiled
// request check and the rules share it (perf: each parsed it). Its values are read, never changed.
type requestQuery struct {
	u      *url.URL
	v      url.Values
	parsed bool
}

// values returns the parsed query; nil when there is no URL or no query (no map for a request without one).
func (q *requestQuery) values() url.Values {
	if !q.parsed {
		q.parsed = true
		if q.u != nil && q.u.RawQuery != "" {
			q.v = q.u.Query()
		}
	}
	return q.v
}

// fastRequest is the compiled request check. ok false means kin-openapi must validate the request.
func (v *Validator) fastRequest(op *operation, ex *Exchange, pathParams pathParams, base Violation, rq *requestQuery) (errs []Violation, ok bool) {
	plan := v.requests[op]
	if plan == nil {
		return nil, false
	}
	if len(plan.security) > 0 && !plan.credentialSent(ex.RequestHeader) {
		vio := base
		vio.In, vio.Pointer, vio.Rule, vio.Message = InRequestHeader, "Authorization", "security", plan.secMsg
		errs = append(errs, vio)
	}
	for i := range plan.params {
		pp := &plan.params[i]
		var (
			raw   string
			found bool
		)
		switch pp.p.In {
		case openapi3.ParameterInPath:
			raw, found = pathParams.get(pp.p.Name)
			found = found && raw != "" // kin's pathParamDecoder: an empty value is no value
		case openapi3.ParameterInQuery:
			values, present := rq.values()[pp.p.Name]
			found = present
			if len(values) > 0 {
				// Repeated keys: the first non-empty value (kin-openapi #1230).
				raw = values[0]
				if raw == "" {
					for _, s := range values[1:] {
						if s != "" {
							raw = s
							break
						}
					}
				}
			}
		}
		errs = pp.check(raw, found, base, errs)
	}
	return errs, true
}

// check appends the violations of one parameter, as ValidateParameter and our converter produce them.
func (pp *paramPlan) check(raw string, found bool, base Violation, errs []Violation) []Violation {
	p := pp.p
	cur := base
	cur.In, cur.Pointer = pp.in, p.Name
	if !found {
		if p.Required {
			cur.Rule, cur.Message = "required", fmt.Sprintf("required %s parameter %q is missing", p.In, p.Name)
			errs = append(errs, cur)
		}
		return errs
	}
	n := pp.node
	if raw == "" && n.kind != kindString {
		// parsePrimitive gives no value: an empty value.
		if !p.AllowEmptyValue {
			cur.Rule, cur.Message = "allowEmptyValue", fmt.Sprintf("%s parameter %q is empty", p.In, p.Name)
			errs = append(errs, cur)
		}
		return errs
	}
	if raw == "" && p.AllowEmptyValue {
		return errs // kin skips the schema for an allowed empty string
	}
	cur.Message = pp.prefix
	switch n.kind {
	case kindInteger:
		bits := 64
		if pp.int32 {
			bits = 32
		}
		if _, err := strconv.ParseInt(raw, 10, bits); err != nil {
			return append(errs, parseViolation(cur, "an invalid integer", raw))
		}
		// The parsed value fits the format's range, and integer enums are not compiled: nothing else can fail.
	case kindBoolean:
		if _, err := strconv.ParseBool(raw); err != nil {
			return append(errs, parseViolation(cur, "an invalid boolean", raw))
		}
	case kindString:
		if n.enum != nil {
			if _, ok := n.enum[raw]; !ok {
				return append(errs, schemaFailure(nil, "enum", n.schema, raw, "", cur)) // kin stops at enum
			}
		}
		switch {
		case n.dateTime:
			if !matchDateTime([]byte(raw)) {
				errs = append(errs, schemaFailure(nil, "format", n.schema, raw, "", cur))
			}
		case n.strFmt != nil:
			if n.strFmt.Validate(raw) != nil {
				errs = append(errs, schemaFailure(nil, "format", n.schema, raw, "", cur))
			}
		}
	}
	return errs
}

// parseViolation is the converter's violation for a kin-openapi ParseError of a parameter.
func parseViolation(cur Violation, reason, raw string) Violation {
	return parseErrorViolation(&openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Value: raw, Reason: reason}, cur)
}

// credentialSent reports whether one of the security alternatives is satisfied, as ValidateSecurityRequirements
// decides with our AuthenticationFunc.
func (plan *requestPlan) credentialSent(h http.Header) bool {
	if h == nil {
		h = http.Header{}
	}
	for _, alt := range plan.security {
		ok := true
		for _, scheme := range alt {
			if credentialMissing(scheme, h) != nil {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
