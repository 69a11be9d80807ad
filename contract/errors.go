package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/egress"
	"github.com/apikit/apikit/internal/redact"
)

type side int

const (
	requestSide side = iota
	responseSide
)

// maxValue is how many bytes of an offending value a violation shows.
const maxValue = 60

// violations turns kin-openapi's error tree (MultiError → RequestError/ResponseError/SecurityRequirementsError →
// MultiError → SchemaError/ParseError) into flat violations, one per failing rule.
func (v *Validator) violations(err error, base Violation, s side) []Violation {
	out, _ := v.violationsUpTo(err, base, s, -1)
	return out
}

// violationsUpTo is violations that converts at most limit schema failures (all of them when limit < 0) and
// counts the rest in more, so that a body with millions of failures does not become millions of violations.
func (v *Validator) violationsUpTo(err error, base Violation, s side, limit int) (out []Violation, more int) {
	var walk func(err error, cur Violation)
	walk = func(err error, cur Violation) {
		var (
			multi  openapi3.MultiError
			reqErr *openapi3filter.RequestError
			resErr *openapi3filter.ResponseError
			secErr *openapi3filter.SecurityRequirementsError
			schErr *openapi3.SchemaError
			parErr *openapi3filter.ParseError
		)
		switch {
		case errors.As(err, &multi) && isTop(err, multi):
			for _, e := range multi {
				walk(e, cur)
			}
		case errors.As(err, &secErr):
			cur.In, cur.Pointer, cur.Rule = InRequestHeader, "Authorization", "security"
			cur.Message = "the operation needs a credential and the request sends none (" + securityNames(secErr) + ")"
			out = append(out, cur)
		case errors.As(err, &reqErr) && reqErr.Parameter != nil:
			p := reqErr.Parameter
			cur.In, cur.Pointer = "request."+p.In, p.Name
			if p.In == openapi3.ParameterInCookie {
				cur.In = InRequestHeader
			}
			switch {
			case errors.Is(reqErr.Err, openapi3filter.ErrInvalidRequired):
				cur.Rule, cur.Message = "required", fmt.Sprintf("required %s parameter %q is missing", p.In, p.Name)
				out = append(out, cur)
			case errors.Is(reqErr.Err, openapi3filter.ErrInvalidEmptyValue):
				cur.Rule, cur.Message = "allowEmptyValue", fmt.Sprintf("%s parameter %q is empty", p.In, p.Name)
				out = append(out, cur)
			case reqErr.Err != nil:
				cur.Message = fmt.Sprintf("%s parameter %q", p.In, p.Name)
				walk(reqErr.Err, cur)
			default:
				cur.Rule, cur.Message = "parameter", fmt.Sprintf("%s parameter %q: %s", p.In, p.Name, reqErr.Reason)
				out = append(out, cur)
			}
		case errors.As(err, &reqErr):
			cur.In = InRequestBody
			if reqErr.Err != nil {
				walk(reqErr.Err, cur)
			} else {
				cur.Rule, cur.Message = "body", reqErr.Reason
				out = append(out, cur)
			}
		case errors.As(err, &resErr) && responseHeaderName(resErr.Reason) != "":
			name := responseHeaderName(resErr.Reason)
			cur.In, cur.Pointer = InResponseHeader, name
			if resErr.Err == nil {
				cur.Rule, cur.Message = "required", fmt.Sprintf("required response header %q is missing", name)
				out = append(out, cur)
				return
			}
			cur.Message = fmt.Sprintf("header %q", name)
			n := len(out)
			walk(resErr.Err, cur)
			if redact.IsSecretHeader(name) {
				for i := n; i < len(out); i++ {
					out[i].Value = ""
				}
			}
		case errors.As(err, &resErr):
			if resErr.Err != nil && !isDecodeFailure(resErr) {
				cur.In = InResponseBody
				walk(resErr.Err, cur)
				return
			}
			out = append(out, responseViolation(resErr, cur))
		case errors.As(err, &schErr):
			if limit >= 0 && len(out) >= limit {
				more++
				return
			}
			out = append(out, schemaViolation(schErr, cur))
		case errors.As(err, &parErr):
			out = append(out, parseErrorViolation(parErr, cur))
		default:
			if cur.In == "" {
				cur.In = InResponseBody
				if s == requestSide {
					cur.In = InRequestPath
				}
			}
			cur.Rule = "invalid"
			cur.Message = joinMessage(cur.Message, err.Error())
			out = append(out, cur)
		}
	}
	walk(err, base)
	return out, more
}

// responseHeaderName returns the header a kin-openapi response error's reason names ("response header \"Total\"
// doesn't match schema", "unable to decode header \"Total\" value", "response header \"Total\" missing"), or "".
func responseHeaderName(reason string) string {
	for _, prefix := range []string{"response header ", "unable to decode header ", "unable to get header "} {
		if rest, ok := strings.CutPrefix(reason, prefix); ok && strings.HasPrefix(rest, `"`) {
			if name, err := strconv.QuotedPrefix(rest); err == nil {
				if s, err := strconv.Unquote(name); err == nil {
					return s
				}
			}
		}
	}
	return ""
}

// parseErrorViolation converts a parameter value kin-openapi could not parse; cur has the parameter's subject as
// its Message. The compiled request check (fastrequest.go) shares it.
func parseErrorViolation(parErr *openapi3filter.ParseError, cur Violation) Violation {
	cur.Rule = "type"
	cur.Message = joinMessage(cur.Message, "cannot be parsed: "+parErr.Reason)
	if parErr.Value != nil && !redact.IsSecretKey(cur.Pointer) {
		cur.Value = excerpt(parErr.Value)
	}
	return cur
}

// isTop reports whether multi is err itself rather than something wrapped deeper.
func isTop(err error, multi openapi3.MultiError) bool {
	m, ok := err.(openapi3.MultiError)
	return ok && len(m) == len(multi)
}

func isDecodeFailure(e *openapi3filter.ResponseError) bool {
	return strings.HasPrefix(e.Reason, "failed to decode response body")
}

// responseViolation converts a response-level failure that is not a schema failure.
func responseViolation(e *openapi3filter.ResponseError, cur Violation) Violation {
	switch {
	case e.Reason == "status is not supported":
		cur.In, cur.Rule = InResponseStatus, "status"
		cur.Message = fmt.Sprintf("status %d is not documented for %s (documented: %s)", cur.Status, cur.OperationID, statusList(e))
	case strings.Contains(e.Reason, "Content-Type"):
		cur.In, cur.Pointer, cur.Rule = InResponseHeader, "Content-Type", "content-type"
		got := e.Input.Header.Get("Content-Type")
		cur.Message = fmt.Sprintf("content type is not one the spec documents for status %d (%s)", cur.Status, contentTypes(e))
		if got == "" {
			cur.Message = fmt.Sprintf("the response has no Content-Type header; the spec documents %s", contentTypes(e))
		} else {
			cur.Value = excerpt(got)
		}
	case isDecodeFailure(e):
		cur.In, cur.Rule = InResponseBody, "json"
		cur.Message = "the body is not valid JSON: " + decodeReason(e.Err)
	default:
		cur.In, cur.Rule, cur.Message = InResponseBody, "invalid", e.Reason
	}
	return cur
}

func statusList(e *openapi3filter.ResponseError) string {
	var codes []string
	for code := range e.Input.RequestValidationInput.Route.Operation.Responses.Map() {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return strings.Join(codes, ", ")
}

func contentTypes(e *openapi3filter.ResponseError) string {
	r := e.Input.RequestValidationInput.Route.Operation.Responses.Status(e.Input.Status)
	if r == nil || r.Value == nil {
		return "none"
	}
	var cts []string
	for ct := range r.Value.Content {
		cts = append(cts, ct)
	}
	slices.Sort(cts)
	return strings.Join(cts, ", ")
}

// decodeReason explains a JSON decoding failure with its byte offset, without echoing the body.
func decodeReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%s at byte offset %d", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s at byte offset %d", typ.Error(), typ.Offset)
	case err != nil && strings.Contains(err.Error(), "unexpected EOF"):
		return "the JSON ends early (truncated)"
	case err != nil:
		return err.Error()
	}
	return "unknown decoding error"
}

// schemaViolation converts one schema failure. The pointer goes into the body (or into a parameter's value).
func schemaViolation(e *openapi3.SchemaError, cur Violation) Violation {
	return schemaFailure(e.JSONPointer(), e.SchemaField, e.Schema, e.Value, e.Reason, cur)
}

// schemaFailure builds the violation for one failing schema keyword from the parts of a kin-openapi SchemaError:
// the unescaped path segments (JSONPointer()), the keyword (SchemaField), the schema, the offending value as kin
// holds it (json.Number, float64, string, bool, nil, []any, map[string]any, or a [shape] standing in for a
// composite) and kin's reason. The compiled body check (fastbody.go) calls it with the same parts kin would have
// put in its error, so both engines produce identical violations.
func schemaFailure(segs []string, field string, schema *openapi3.Schema, value any, reason string, cur Violation) Violation {
	ptr := pointer(segs)
	if cur.In == InResponseBody || cur.In == InRequestBody {
		cur.Pointer = ptr
	} else if ptr != "" {
		cur.Pointer += ptr
	}
	cur.Rule = field
	if schema != nil && schema.Origin != nil && schema.Origin.Key != nil {
		cur.Line = schema.Origin.Key.Line
	}
	subject := cur.Message // "query parameter \"page\"" for parameters, empty for bodies
	var msg string
	switch field {
	case "required":
		name := ""
		if len(segs) > 0 {
			name = segs[len(segs)-1]
		}
		msg = fmt.Sprintf("required property %q is missing", name)
	case "type":
		msg = fmt.Sprintf("must be %s, not %s", typeName(schema), jsonType(value))
		cur.Value = excerpt(value)
	case "enum":
		msg = "must be one of " + enumList(schema)
		cur.Value = excerpt(value)
	case "format":
		msg = formatMessage(schema.Format)
		cur.Value = excerpt(value)
	case "nullable":
		msg = "must not be null"
		cur.Value = "null"
	default:
		msg = reason
		if value != nil && !isComposite(value) {
			cur.Value = excerpt(value)
		}
	}
	if subject != "" {
		msg = subject + " " + msg
	}
	cur.Message = msg
	if isSecret(schema) || (cur.In == InRequestHeader && redact.IsSecretHeader(cur.Pointer)) || redact.IsSecretKey(lastSegment(cur.Pointer)) {
		cur.Value = ""
	}
	return cur
}

func joinMessage(subject, msg string) string {
	if subject == "" {
		return msg
	}
	return subject + " " + msg
}

func isSecret(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	b, _ := s.Extensions["x-apikit-secret"].(bool)
	return b
}

func lastSegment(ptr string) string {
	if i := strings.LastIndexByte(ptr, '/'); i >= 0 {
		return ptr[i+1:]
	}
	return ptr
}

// pointer builds an RFC 6901 pointer from unescaped segments.
func pointer(segs []string) string {
	if len(segs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

func typeName(s *openapi3.Schema) string {
	if s == nil || s.Type == nil || len(*s.Type) == 0 {
		return "of another type"
	}
	var names []string
	for _, t := range s.Type.Slice() {
		switch t {
		case "integer":
			names = append(names, "an integer")
		case "object", "array":
			names = append(names, "an "+t)
		default:
			names = append(names, "a "+t)
		}
	}
	return strings.Join(names, " or ")
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		if x == float64(int64(x)) {
			return "an integer"
		}
		return "a number"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case shape:
		if x.object {
			return "an object"
		}
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

func enumList(s *openapi3.Schema) string {
	var vals []string
	for _, e := range s.Enum {
		b, _ := json.Marshal(e)
		vals = append(vals, string(b))
	}
	return strings.Join(vals, ", ")
}

func formatMessage(format string) string {
	switch format {
	case "date-time":
		return "must be an RFC 3339 date-time with a time zone, such as 2024-01-15T09:00:00.000Z"
	case "date":
		return "must be an RFC 3339 date, such as 2024-01-15"
	case "email":
		return "must be an email address"
	case "int32":
		return "must fit in a 32-bit integer"
	case "int64":
		return "must fit in a 64-bit integer"
	}
	return fmt.Sprintf("must match the format %q", format)
}

func isComposite(v any) bool {
	switch v.(type) {
	case []any, map[string]any, shape:
		return true
	}
	return false
}

// shape stands in for a JSON object or array the compiled body check did not decode: excerpt and jsonType need
// only its kind and its number of members (distinct names for an object).
type shape struct {
	object bool
	n      int
}

// excerpt renders an offending value as JSON, truncated to maxValue bytes.
func excerpt(v any) string {
	var s string
	switch x := v.(type) {
	case []any:
		s = fmt.Sprintf("[... %d items]", len(x))
	case map[string]any:
		s = fmt.Sprintf("{... %d properties}", len(x))
	case shape:
		s = fmt.Sprintf("[... %d items]", x.n)
		if x.object {
			s = fmt.Sprintf("{... %d properties}", x.n)
		}
	default:
		b, err := json.Marshal(v)
		if err != nil {
			s = fmt.Sprint(v)
		} else {
			s = string(b)
		}
	}
	if len(s) > maxValue {
		s = s[:maxValue] + "…"
	}
	return s
}

func securityNames(e *openapi3filter.SecurityRequirementsError) string {
	var names []string
	for _, req := range e.SecurityRequirements {
		for name, scopes := range req {
			if len(scopes) > 0 {
				name += " with scope " + strings.Join(scopes, ", ")
			}
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, "; ")
}

// sortViolations orders violations by where they are, then pointer, then rule, so output is stable.
func sortViolations(vs []Violation) {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		if c := strings.Compare(a.In, b.In); c != 0 {
			return c
		}
		if am, bm := isMore(a) || isMoreUndeclared(a), isMore(b) || isMoreUndeclared(b); am != bm { // the count of the rest after the violations it follows
			if am {
				return 1
			}
			return -1
		}
		if c := strings.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
}

// redactedURL prints an exchange's URL without credentials, through the exit point (see egress.URL): user
// information, and the values of secret query and fragment keys (an implicit flow's #access_token=...).
func redactedURL(u *url.URL) string { return egress.URL(u) }

// maxSchemaViolations is how many schema violations of one response body an exchange lists (issue 14): past it,
// one more violation counts the rest (Count), so the summary's counts stay full while a hostile body of millions
// of bad items holds a bounded number of violations in memory.
const maxSchemaViolations = 100

// ruleMore is the Rule of the violation that counts the schema violations past maxSchemaViolations.
const ruleMore = "schema"

// isMore reports whether v is the violation that counts the schema violations past maxSchemaViolations.
func isMore(v Violation) bool { return v.Rule == ruleMore && v.Pointer == "" && v.In == InResponseBody }

// moreViolations is the violation that stands for the n schema violations of a body past maxSchemaViolations.
func moreViolations(base Violation, n int) Violation {
	base.In, base.Pointer, base.Rule, base.Value = InResponseBody, "", ruleMore, ""
	base.Message = fmt.Sprintf("%d more schema violations in the body are not listed", n)
	if n == 1 {
		base.Message = "1 more schema violation in the body is not listed"
	}
	base.Count = 0
	if n > 1 {
		base.Count = n
	}
	return base
}

// capViolations keeps the first maxSchemaViolations of errs and one violation counting the rest, those errs
// already counted (a moreViolations among them) included.
func capViolations(errs []Violation, base Violation) []Violation {
	more, kept := 0, errs[:0:0]
	for _, e := range errs {
		if isMore(e) {
			more += max(e.Count, 1)
		} else if len(kept) < maxSchemaViolations {
			kept = append(kept, e)
		} else {
			more++
		}
	}
	if more == 0 {
		return errs
	}
	return append(kept, moreViolations(base, more))
}

// maxUndeclaredWarnings is how many undeclared-property warnings of one response body an exchange lists (issue 14):
// past it, one more warning counts the rest (Count), as maxSchemaViolations caps the schema violations.
const maxUndeclaredWarnings = maxSchemaViolations

// moreUndeclaredMessage and moreUndeclaredOne end the message of the warning that counts the undeclared
// properties past maxUndeclaredWarnings (many, and one); they tell that warning from a schema violation of rule
// additionalProperties at the root.
const (
	moreUndeclaredMessage = " more undeclared properties in the body are not listed"
	moreUndeclaredOne     = " more undeclared property in the body is not listed"
)

// isMoreUndeclared reports whether v counts the undeclared properties past maxUndeclaredWarnings (a warning, or a
// violation under --strict).
func isMoreUndeclared(v Violation) bool {
	return v.Rule == "additionalProperties" && v.Pointer == "" && v.In == InResponseBody &&
		(strings.HasSuffix(v.Message, moreUndeclaredMessage) || strings.HasSuffix(v.Message, moreUndeclaredOne))
}

// moreUndeclared is the warning that stands for the n undeclared properties of a body past maxUndeclaredWarnings.
// base has In, Rule and Severity set as undeclared sets them.
func moreUndeclared(base Violation, n int) Violation {
	base.In, base.Pointer, base.Value = InResponseBody, "", ""
	base.Message = fmt.Sprintf("%d%s", n, moreUndeclaredMessage)
	if n == 1 {
		base.Message = "1" + moreUndeclaredOne
	}
	base.Count = 0
	if n > 1 {
		base.Count = n
	}
	return base
}

// kinListMax is the largest response body whose every schema violation kin-openapi is asked for when the compiled
// check cannot decide it (issue 14): kin keeps one error per failing item whatever the cap, so past it kin stops
// at its first, and a warning says the rest are neither listed nor counted.
const kinListMax = 1 << 20

// firstOnlyWarning says that kin-openapi reported only the first schema violation of a body over kinListMax.
func firstOnlyWarning(base Violation) Violation {
	base.In, base.Pointer, base.Rule, base.Value, base.Severity = InResponseBody, "", "first-violation-only", "", SeverityWarning
	base.Message = fmt.Sprintf("the body is over %s and the compiled check could not decide it: only its first schema violation is reported, the others are not counted", capture.FormatSize(kinListMax))
	return base
}
