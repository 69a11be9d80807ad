package contract

// Where apikit is stricter than kin-openapi, on purpose (issue 13). kin-openapi is the reference for verdicts
// (FuzzFastPathMatchesKin holds the compiled path to it), except for these divergences. Both engines of check()
// apply them (the compiled path as it reads, kin's path after kin), so the differential targets expect them by
// construction (fastbody_test.go's cases "id 2^63 outside int64", "trailing garbage"; issue13_test.go):
//
//   - Data after the JSON value of a response body ("[...]GARBAGE", "[...] [{}]") is a violation (rule "json").
//     kin decodes the first value with a json.Decoder and ignores the rest; Go's json.Unmarshal, which the
//     generated clients use, fails on it, and apikit validate --op rejects the same bytes as a bare body. The
//     compiled path gives up on such a body, so the check runs once, after kin, in checkJSONText.
//   - A name repeated in one object is a warning (rule "duplicate-key", a violation under --strict) with the
//     pointer of the repeat. encoding/json (kin, our clients) keeps the last value, so the first is never
//     checked; RFC 8259 leaves the outcome to the reader. Also in checkJSONText (the compiled path gives up).
//   - An integer with a format int32 or int64 is checked exactly against the bounds from its literal, and a
//     failure quotes the literal as sent. kin converts to float64 first, so 2^63 .. 2^63+1023 and -2^63-1
//     pass as int64 and print rounded. In the compiled path (fastbody.go, integerLiteralOutOfRange), and after kin
//     for a body the compiled path gives up on (checkJSONText, through the schema at the number's pointer).
//   - Two different Content-Type headers on one response are a violation (response.header Content-Type):
//     kin reads the first only, a client may read either. In check() (validator.go), before either engine.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-json-experiment/json/jsontext"
)

// checkJSONText scans a JSON body for what kin-openapi lets pass: data after the value (a violation), repeated
// names (warnings), and integer literals outside the int32/int64 format that schema (the body's, may be nil)
// gives them (kin's own format violation, errs, gets the literal as sent; else one is added). A body that is not
// JSON up to its first value is left to kin's own "json" violation.
func checkJSONText(body []byte, schema *openapi3.Schema, errs []Violation, base Violation) (_, warns []Violation) {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	type frame struct {
		obj   bool
		names map[string]struct{}
		key   string
		idx   int
	}
	var stack []frame
	segments := func() []string {
		segs := make([]string, len(stack))
		for i, f := range stack {
			if f.obj {
				segs[i] = f.key
			} else {
				segs[i] = strconv.Itoa(f.idx - 1)
			}
		}
		return segs
	}
	ptr := func() string { return pointer(segments()) }
	base.In, base.Severity = InResponseBody, SeverityError
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return errs, warns // not JSON: kin says so
		}
		k := tok.Kind()
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			switch {
			case top.obj && k == '}', !top.obj && k == ']':
			case top.obj && k == '"' && isName(dec): // a name
				name := tok.String()
				top.key = name
				if _, dup := top.names[name]; dup {
					w := base
					w.Pointer, w.Rule, w.Severity = ptr(), "duplicate-key", SeverityWarning
					w.Message = fmt.Sprintf("the object holds the name %q more than once: JSON decoders keep one value (encoding/json the last), so the others are never checked", name)
					warns = append(warns, w)
				}
				top.names[name] = struct{}{}
				continue
			case !top.obj:
				top.idx++
			}
		}
		switch k {
		case '0':
			if schema != nil {
				errs = exactInteger(errs, schema, segments(), tok.String(), base)
			}
		case '{':
			stack = append(stack, frame{obj: true, names: map[string]struct{}{}})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			break
		}
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		e := base
		e.Rule = "json"
		e.Message = fmt.Sprintf("the body holds data after its JSON value (at byte %d): Go's json.Unmarshal and most clients reject it", dec.InputOffset())
		errs = append(errs, e)
	}
	return errs, warns
}

// exactInteger checks an integer literal at segs against the int32/int64 format of its schema, exactly: kin's
// format violation there gets the literal as sent, and one is added when kin let it pass.
func exactInteger(errs []Violation, root *openapi3.Schema, segs []string, lit string, base Violation) []Violation {
	s := valueSchemaAt(root, segs)
	if s == nil || s.Type == nil || !s.Type.Is(openapi3.TypeInteger) || !integerLiteralOutOfRange(s.Format, []byte(lit)) {
		return errs
	}
	v := schemaFailure(segs, "format", s, json.Number(lit), "", base)
	for i := range errs {
		if errs[i].Pointer == v.Pointer && errs[i].Rule == "format" {
			errs[i].Value = v.Value
			return errs
		}
	}
	return append(errs, v)
}

// valueSchemaAt follows segs down a schema through properties, additionalProperties and items; nil where the schema
// says nothing that simple (allOf, oneOf, ...).
func valueSchemaAt(s *openapi3.Schema, segs []string) *openapi3.Schema {
	for _, seg := range segs {
		switch {
		case s == nil:
			return nil
		case s.Items != nil && s.Type != nil && s.Type.Is(openapi3.TypeArray):
			s = s.Items.Value
		case s.Properties[seg] != nil:
			s = s.Properties[seg].Value
		case s.AdditionalProperties.Schema != nil:
			s = s.AdditionalProperties.Schema.Value
		default:
			return nil
		}
	}
	return s
}

// contentTypeConflict returns a violation when a response holds two different Content-Type headers.
func contentTypeConflict(h http.Header, base Violation) (Violation, bool) {
	cts := h["Content-Type"] // perf: the canonical key, as headerValue reads it
	for _, ct := range cts[min(1, len(cts)):] {
		if !strings.EqualFold(strings.TrimSpace(ct), strings.TrimSpace(cts[0])) {
			v := base
			v.In, v.Pointer, v.Rule, v.Severity = InResponseHeader, "Content-Type", "content-type", SeverityError
			v.Message = fmt.Sprintf("the response holds %d different Content-Type headers: a client may read either", len(cts))
			v.Value = excerpt(strings.Join(cts, ", "))
			return v, true
		}
	}
	return Violation{}, false
}

// isName reports whether the string token just read is an object member's name: names and values alternate, so
// the object has read an odd number of tokens.
func isName(dec *jsontext.Decoder) bool {
	_, n := dec.StackIndex(dec.StackDepth())
	return n%2 == 1
}

// responseSchema is the schema kin validates a response body against: the status's response (else the default),
// the media type the Content-Type picks; nil when there is none.
func responseSchema(op *operation, status int, ct string) *openapi3.Schema {
	responses := op.route.Operation.Responses
	if responses == nil {
		return nil
	}
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	media := ref.Value.Content.Get(ct)
	if media == nil || media.Schema == nil {
		return nil
	}
	return media.Schema.Value
}
