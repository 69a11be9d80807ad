package openapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	gendoorflow "github.com/apikit/apikit/gen/doorflow"
	gensonderplan "github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/openapi"
)

// load reads one embedded spec with origins on (so messages can name lines) and validates it, examples included.
func load(t *testing.T, vendor string) *openapi3.T {
	t.Helper()
	name := vendor + ".yaml"
	data, err := openapi.FS.ReadFile(name)
	if err != nil {
		t.Fatalf("openapi/%s: %v", name, err)
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("openapi/%s does not load: %v", name, err)
	}
	if err := doc.Validate(t.Context(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi/%s is not valid OpenAPI 3.0.3: %v", name, err)
	}
	return doc
}

func TestSpecsLoadAndValidate(t *testing.T) {
	t.Parallel()
	for _, v := range openapi.Vendors() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			doc := load(t, v)
			if doc.OpenAPI != "3.0.3" {
				t.Errorf("openapi/%s.yaml: openapi is %q, want 3.0.3", v, doc.OpenAPI)
			}
		})
	}
}

// TestExamplesMatchSchemas checks every example in a spec against the schema it illustrates, with formats on and
// email checked, as the contract harness does. kin's Validate checks examples too, but without formats.
func TestExamplesMatchSchemas(t *testing.T) {
	t.Parallel()
	opts := []openapi3.SchemaValidationOption{
		openapi3.EnableFormatValidation(),
		openapi3.MultiErrors(),
		openapi3.WithStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail)),
	}
	for _, v := range openapi.Vendors() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			doc := load(t, v)
			n := 0
			check := func(where string, s *openapi3.SchemaRef, ex any) {
				if ex == nil || s == nil || s.Value == nil {
					return
				}
				n++
				if err := s.Value.VisitJSON(ex, opts...); err != nil {
					t.Errorf("openapi/%s.yaml: example of %s does not match its schema: %v", v, where, err)
				}
			}
			for name, s := range doc.Components.Schemas {
				walkSchema("components.schemas."+name, s, check)
			}
			for _, path := range doc.Paths.InMatchingOrder() {
				for method, op := range doc.Paths.Value(path).Operations() {
					for _, p := range op.Parameters {
						check(fmt.Sprintf("%s %s parameter %s", method, path, p.Value.Name), p.Value.Schema, p.Value.Example)
					}
					for code, r := range op.Responses.Map() {
						for ct, mt := range r.Value.Content {
							check(fmt.Sprintf("%s %s %s %s", method, path, code, ct), mt.Schema, mt.Example)
						}
					}
				}
			}
			if n < 10 {
				t.Errorf("openapi/%s.yaml: only %d examples checked; the walk is broken", v, n)
			}
		})
	}
}

func walkSchema(where string, s *openapi3.SchemaRef, check func(string, *openapi3.SchemaRef, any)) {
	if s == nil || s.Value == nil {
		return
	}
	check(where, s, s.Value.Example)
	if s.Ref != "" && where != "components.schemas."+strings.TrimPrefix(s.Ref, "#/components/schemas/") {
		return // visited under its own name
	}
	for name, p := range s.Value.Properties {
		walkSchema(where+"."+name, p, check)
	}
	if s.Value.Items != nil {
		walkSchema(where+"[]", s.Value.Items, check)
	}
}

// param is what the vendor's page says of one parameter.
type param struct {
	name, in, typ, format string
	required              bool
	def                   any
	enum                  []string
}

// op is what the vendor's page says of one operation.
type op struct {
	vendor, method, path, id string
	scopes                   map[string][]string // security scheme -> scopes
	params                   []param
	statuses                 []string
	bodyRequired             []string // required properties of the 200 body (of its items for a list)
	headers                  []string // the 200's response headers, all optional integers
}

var acl = []string{"--", "R-", "RW"}

// docs restates the pages in shared/docs/. A spec edit that drifts from them fails TestSpecsMatchDocs.
var docs = []op{
	{
		vendor: "doorflow", method: http.MethodGet, path: "/api/3/group_reservations", id: "listGroupReservations",
		scopes: map[string][]string{"oauth2": {"account.group_reservation.readonly"}},
		params: []param{
			{name: "since", in: "query", typ: "string"},
			{name: "since_utc", in: "query", typ: "string", format: "date-time"}, // from DoorFlow's published spec, see the note
			{name: "per_page", in: "query", typ: "integer", def: 500.0},
			{name: "page", in: "query", typ: "integer", def: 1.0},
			{name: "skip_pagination", in: "query", typ: "boolean"},
		},
		statuses:     []string{"200", "400", "401", "403", "500"}, // 400: not on the page, see its x-apikit-note
		bodyRequired: []string{"created_at", "end_time", "group_ids", "id", "person_id", "start_time", "state", "updated_at"},
		headers:      []string{"Per-Page", "Total"}, // not on the page: DoorFlow's published spec, see their notes
	},
	{
		vendor: "doorflow", method: http.MethodGet, path: "/api/3/group_reservations/{id}", id: "getGroupReservation",
		scopes: map[string][]string{"oauth2": {"account.person.readonly"}},
		params: []param{
			{name: "id", in: "path", typ: "integer", format: "int64", required: true},
		},
		statuses:     []string{"200", "400", "401", "403", "404", "500"},
		bodyRequired: []string{"created_at", "end_time", "group_ids", "id", "person_id", "start_time", "state", "updated_at"},
	},
	{
		vendor: "sonderplan", method: http.MethodGet, path: "/v2/group", id: "listGroups",
		scopes: map[string][]string{"bearerAuth": {}},
		params: []param{
			{name: "id", in: "query", typ: "string"},
			{name: "name", in: "query", typ: "string"},
			{name: "description", in: "query", typ: "string"},
			{name: "acl_schedule", in: "query", typ: "string", enum: acl},
			{name: "acl_project", in: "query", typ: "string", enum: acl},
			{name: "acl_task", in: "query", typ: "string", enum: acl},
			{name: "acl_finance", in: "query", typ: "string", enum: acl},
			{name: "acl_report", in: "query", typ: "string", enum: acl},
			{name: "acl_contact", in: "query", typ: "string", enum: acl},
			{name: "acl_admin", in: "query", typ: "string", enum: acl},
			{name: "acl_account", in: "query", typ: "string", enum: acl},
			{name: "fields", in: "query", typ: "string"},
			{name: "page", in: "query", typ: "integer", def: 1.0},
			{name: "limit", in: "query", typ: "integer", def: 10.0},
			{name: "order_asc", in: "query", typ: "string"},
			{name: "order_desc", in: "query", typ: "string"},
			{name: "filter_operator", in: "query", typ: "string", def: "OR", enum: []string{"OR", "AND"}},
		},
		statuses:     []string{"200", "400", "401"},
		bodyRequired: []string{"data", "meta"},
	},
}

func TestSpecsMatchDocs(t *testing.T) {
	t.Parallel()
	specs := map[string]*openapi3.T{}
	for _, v := range openapi.Vendors() {
		specs[v] = load(t, v)
	}
	for v, doc := range specs {
		var got, want []string
		for _, path := range doc.Paths.InMatchingOrder() {
			for method, o := range doc.Paths.Value(path).Operations() {
				got = append(got, method+" "+path+" "+o.OperationID)
			}
		}
		for _, o := range docs {
			if o.vendor == v {
				want = append(want, o.method+" "+o.path+" "+o.id)
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("openapi/%s.yaml operations: got %q, want %q", v, got, want)
		}
	}
	for _, o := range docs {
		t.Run(o.id, func(t *testing.T) {
			t.Parallel()
			file := "openapi/" + o.vendor + ".yaml"
			item := specs[o.vendor].Paths.Value(o.path)
			if item == nil || item.GetOperation(o.method) == nil {
				t.Fatalf("%s: no operation %s %s", file, o.method, o.path)
			}
			spec := item.GetOperation(o.method)
			if spec.OperationID != o.id {
				t.Errorf("%s %s %s: operationId %q, want %q", file, o.method, o.path, spec.OperationID, o.id)
			}
			checkSecurity(t, file, o, spec)
			checkParams(t, file, o, spec)
			var codes []string
			for code := range spec.Responses.Map() {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			if !slices.Equal(codes, o.statuses) {
				t.Errorf("%s %s: statuses %v, want %v (no default: an undocumented status must be a violation)", file, o.id, codes, o.statuses)
			}
			for _, code := range codes {
				r := spec.Responses.Value(code).Value
				if r.Description == nil || *r.Description == "" {
					t.Errorf("%s %s %s: response has no description", file, o.id, code)
				}
				if mt := r.Content.Get("application/json"); mt == nil || mt.Schema == nil {
					t.Errorf("%s %s %s: no application/json schema", file, o.id, code)
				}
			}
			body := spec.Responses.Value("200").Value.Content.Get("application/json").Schema.Value
			if body.Type.Is("array") {
				body = body.Items.Value
			}
			checkHeaders(t, file, o, spec.Responses.Value("200").Value)
			req := slices.Clone(body.Required)
			sort.Strings(req)
			if !slices.Equal(req, o.bodyRequired) {
				t.Errorf("%s %s 200: required %v, want %v", file, o.id, req, o.bodyRequired)
			}
		})
	}
}

// checkHeaders checks the 200's declared headers: optional integers, each with a note saying where it comes from.
func checkHeaders(t *testing.T, file string, o op, r *openapi3.Response) {
	t.Helper()
	var names []string
	for name, h := range r.Headers {
		names = append(names, name)
		if h.Value.Required || h.Value.Schema == nil || !h.Value.Schema.Value.Type.Is("integer") {
			t.Errorf("%s %s 200: header %s must be an optional integer", file, o.id, name)
		}
		if note, _ := h.Value.Extensions["x-apikit-note"].(string); !strings.Contains(note, "published OpenAPI document") {
			t.Errorf("%s %s 200: header %s has no x-apikit-note saying where it comes from", file, o.id, name)
		}
	}
	sort.Strings(names)
	if !slices.Equal(names, o.headers) {
		t.Errorf("%s %s 200: headers %v, want %v", file, o.id, names, o.headers)
	}
}

func checkSecurity(t *testing.T, file string, o op, spec *openapi3.Operation) {
	t.Helper()
	if spec.Security == nil || len(*spec.Security) != 1 {
		t.Errorf("%s %s: want exactly one security requirement, got %v", file, o.id, spec.Security)
		return
	}
	got := map[string][]string((*spec.Security)[0])
	if fmt.Sprint(got) != fmt.Sprint(o.scopes) {
		t.Errorf("%s %s: security %v, want %v", file, o.id, got, o.scopes)
	}
}

func checkParams(t *testing.T, file string, o op, spec *openapi3.Operation) {
	t.Helper()
	if len(spec.Parameters) != len(o.params) {
		t.Errorf("%s %s: %d parameters, want %d", file, o.id, len(spec.Parameters), len(o.params))
	}
	for _, want := range o.params {
		p := spec.Parameters.GetByInAndName(want.in, want.name)
		if p == nil {
			t.Errorf("%s %s: parameter %s in %s is missing", file, o.id, want.name, want.in)
			continue
		}
		s := p.Schema.Value
		if !s.Type.Is(want.typ) || s.Format != want.format {
			t.Errorf("%s %s: parameter %s is %v/%q, want %s/%q", file, o.id, want.name, s.Type.Slice(), s.Format, want.typ, want.format)
		}
		if p.Required != want.required {
			t.Errorf("%s %s: parameter %s required=%v, want %v", file, o.id, want.name, p.Required, want.required)
		}
		if fmt.Sprint(s.Default) != fmt.Sprint(want.def) {
			t.Errorf("%s %s: parameter %s default %v, want %v", file, o.id, want.name, s.Default, want.def)
		}
		var enum []string
		for _, e := range s.Enum {
			enum = append(enum, fmt.Sprint(e))
		}
		if !slices.Equal(enum, want.enum) {
			t.Errorf("%s %s: parameter %s enum %q, want %q", file, o.id, want.name, enum, want.enum)
		}
	}
}

// TestSchemasMatchDocs pins the models: property types, formats and enums the pages give.
func TestSchemasMatchDocs(t *testing.T) {
	t.Parallel()
	type prop struct{ typ, format string }
	cases := []struct {
		vendor, schema string
		props          map[string]prop
		required       []string
		enum           []string
	}{
		{vendor: "doorflow", schema: "GroupReservation", props: map[string]prop{
			"id": {"integer", "int64"}, "person_id": {"integer", "int64"}, "start_time": {"string", "date-time"},
			"end_time": {"string", "date-time"}, "state": {"string", ""}, "group_ids": {"array", ""},
			"created_at": {"string", "date-time"}, "updated_at": {"string", "date-time"},
		}, required: []string{"created_at", "end_time", "group_ids", "id", "person_id", "start_time", "state", "updated_at"}},
		{vendor: "doorflow", schema: "GroupReservationState", enum: []string{"pending", "active", "deactivated"}},
		{vendor: "doorflow", schema: "Error", props: map[string]prop{"error": {"string", ""}, "error_description": {"string", ""}}},
		{vendor: "sonderplan", schema: "ACL", enum: acl},
		{vendor: "sonderplan", schema: "FilterOperator", enum: []string{"OR", "AND"}},
		{vendor: "sonderplan", schema: "Group", props: map[string]prop{
			"id": {"integer", "int64"}, "name": {"string", ""}, "description": {"string", ""}, "is_default": {"boolean", ""},
			"members": {"array", ""}, "acl_schedule": {"string", ""}, "acl_project": {"string", ""}, "acl_task": {"string", ""},
			"acl_finance": {"string", ""}, "acl_report": {"string", ""}, "acl_contact": {"string", ""}, "acl_admin": {"string", ""},
			"acl_account": {"string", ""}, "created_id": {"integer", "int64"}, "created": {"integer", "int64"},
			"updated_id": {"integer", "int64"}, "updated": {"integer", "int64"},
		}}, // no required property: sparse fieldsets
		{vendor: "sonderplan", schema: "Member", props: map[string]prop{
			"id": {"integer", "int64"}, "first_name": {"string", ""}, "last_name": {"string", ""}, "primary_email": {"string", "email"},
		}},
		{vendor: "sonderplan", schema: "Pagination", props: map[string]prop{
			"total": {"integer", ""}, "count": {"integer", ""}, "per_page": {"integer", ""}, "current_page": {"integer", ""},
		}, required: []string{"count", "current_page", "per_page", "total"}},
	}
	specs := map[string]*openapi3.T{}
	for _, v := range openapi.Vendors() {
		specs[v] = load(t, v)
	}
	for _, tc := range cases {
		t.Run(tc.vendor+"/"+tc.schema, func(t *testing.T) {
			t.Parallel()
			ref := specs[tc.vendor].Components.Schemas[tc.schema]
			if ref == nil {
				t.Fatalf("openapi/%s.yaml: no schema %s", tc.vendor, tc.schema)
			}
			s := ref.Value
			var names []string
			for name := range s.Properties {
				names = append(names, name)
			}
			if len(names) != len(tc.props) {
				t.Errorf("%s: properties %v, want %d of them", tc.schema, names, len(tc.props))
			}
			for name, want := range tc.props {
				p := s.Properties[name]
				if p == nil {
					t.Errorf("%s.%s is missing", tc.schema, name)
					continue
				}
				if !p.Value.Type.Is(want.typ) || p.Value.Format != want.format {
					t.Errorf("%s.%s is %v/%q, want %s/%q", tc.schema, name, p.Value.Type.Slice(), p.Value.Format, want.typ, want.format)
				}
			}
			req := slices.Clone(s.Required)
			sort.Strings(req)
			if !slices.Equal(req, tc.required) {
				t.Errorf("%s: required %v, want %v", tc.schema, req, tc.required)
			}
			var enum []string
			for _, e := range s.Enum {
				enum = append(enum, fmt.Sprint(e))
			}
			if !slices.Equal(enum, tc.enum) {
				t.Errorf("%s: enum %q, want %q", tc.schema, enum, tc.enum)
			}
		})
	}
}

// TestSecuritySchemes pins the auth the pages describe: DoorFlow OAuth 2.0 authorization code with both scopes,
// Sonderplan an HTTP bearer token.
func TestSecuritySchemes(t *testing.T) {
	t.Parallel()
	df := load(t, "doorflow").Components.SecuritySchemes["oauth2"]
	if df == nil || df.Value.Type != "oauth2" || df.Value.Flows == nil || df.Value.Flows.AuthorizationCode == nil {
		t.Fatalf("openapi/doorflow.yaml: want an oauth2 scheme with an authorizationCode flow")
	}
	var scopes []string
	for s := range df.Value.Flows.AuthorizationCode.Scopes {
		scopes = append(scopes, s)
	}
	sort.Strings(scopes)
	if want := []string{"account.group_reservation.readonly", "account.person.readonly"}; !slices.Equal(scopes, want) {
		t.Errorf("openapi/doorflow.yaml oauth2 scopes %v, want %v", scopes, want)
	}
	sp := load(t, "sonderplan").Components.SecuritySchemes["bearerAuth"]
	if sp == nil || sp.Value.Type != "http" || sp.Value.Scheme != "bearer" {
		t.Errorf("openapi/sonderplan.yaml: want an http bearer scheme, got %+v", sp)
	}
}

// TestEmbeddedSpecsInGen checks that the spec oapi-codegen embedded in gen/ describes the same operations as
// openapi/, so a client built from gen/ and the harness built from openapi/ never disagree.
func TestEmbeddedSpecsInGen(t *testing.T) {
	t.Parallel()
	gens := map[string]func() (*openapi3.T, error){"doorflow": gendoorflow.GetSpec, "sonderplan": gensonderplan.GetSpec}
	for _, v := range openapi.Vendors() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			get, ok := gens[v]
			if !ok {
				t.Fatalf("no generated package for vendor %s", v)
			}
			embedded, err := get()
			if err != nil {
				t.Fatalf("gen/%s GetSpec: %v", v, err)
			}
			if got, want := operations(embedded), operations(load(t, v)); !slices.Equal(got, want) {
				t.Errorf("gen/%s embeds operations %q, openapi/%s.yaml has %q: run make generate", v, got, v, want)
			}
		})
	}
}

// operations lists "METHOD path operationId status,status params" of a spec, sorted.
func operations(doc *openapi3.T) []string {
	var out []string
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, o := range doc.Paths.Value(path).Operations() {
			var codes, params []string
			for code := range o.Responses.Map() {
				codes = append(codes, code)
			}
			for _, p := range o.Parameters {
				params = append(params, p.Value.In+":"+p.Value.Name)
			}
			sort.Strings(codes)
			sort.Strings(params)
			out = append(out, fmt.Sprintf("%s %s %s %s %s", method, path, o.OperationID, strings.Join(codes, ","), strings.Join(params, ",")))
		}
	}
	sort.Strings(out)
	return out
}
