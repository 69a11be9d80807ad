package contract

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// headerSchemas are the header schemas the cheap check takes on (and one it leaves to kin).
func headerSchemas() []*openapi3.Schema {
	f := func(v float64) *float64 { return &v }
	return []*openapi3.Schema{
		{Type: &openapi3.Types{"integer"}},
		{Type: &openapi3.Types{"integer"}, Format: "int32"},
		{Type: &openapi3.Types{"integer"}, Format: "int64", Min: f(0), Max: f(10)},
		{Type: &openapi3.Types{"number"}},
		{Type: &openapi3.Types{"number"}, Format: "float"},
		{Type: &openapi3.Types{"boolean"}},
		{Type: &openapi3.Types{"string"}},
		{Type: &openapi3.Types{"string"}, Enum: []any{"a"}}, // kin decides every value
	}
}

// FuzzCheapHeaderMatchesKin: whatever the cheap header check accepts, kin-openapi accepts (the cheap check may
// only pass what kin passes; everything else goes to kin).
func FuzzCheapHeaderMatchesKin(f *testing.F) {
	for _, v := range []string{"", "0", "-1", "10", "11", "1.5", "abc", "true", "1e3", "NaN", "Inf", "+1", "0x10", "1_000",
		"9223372036854775808", "2147483648", "-0", "True", "t", "00", " 1"} {
		for i := range headerSchemas() {
			f.Add(uint8(i), v, true)
		}
	}
	f.Add(uint8(0), "", false)
	schemas := headerSchemas()
	opts := &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()}}
	f.Fuzz(func(t *testing.T, which uint8, value string, present bool) {
		s := schemas[int(which)%len(schemas)]
		h := &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{Schema: &openapi3.SchemaRef{Value: s}}}}
		c := headerCheck{name: "X-H", key: "X-H"}
		c.cheap, c.bits, c.min, c.max = cheapHeader(h.Value)
		header := http.Header{}
		if present {
			header["X-H"] = []string{value}
		}
		if !c.accepts(header) {
			return
		}
		route := &routers.Route{Spec: &openapi3.T{OpenAPI: "3.0.3"}, Method: http.MethodGet, Operation: &openapi3.Operation{
			Responses: openapi3.NewResponses(openapi3.WithName("default", &openapi3.Response{Headers: openapi3.Headers{"X-H": h}}))}}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: &http.Request{Method: http.MethodGet}, Route: route, Options: opts},
			Status:                 200, Header: header, Body: io.NopCloser(bytes.NewReader(nil)), Options: opts,
		}
		if err := openapi3filter.ValidateResponse(t.Context(), in); err != nil {
			t.Errorf("schema %d, value %q: the cheap check accepts what kin rejects: %v", which, value, err)
		}
	})
}
