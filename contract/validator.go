package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/apikit/apikit/openapi"
)

// Validator checks exchanges against the vendors' specs. Build it once with [New]; it is safe for concurrent use.
type Validator struct {
	router *router
	strict bool
	warns  []SpecWarning // the specs' problems that do not stop validation
	opts   *openapi3filter.Options
	rules  *ruleEngine // rules: x-apikit-rules (rules.go)

	// perf: the compiled checks (fastbody.go, fastrequest.go), only read after New.
	bodies   map[*openapi3.MediaType]*bodyNode
	requests map[*operation]*requestPlan
	walkers  walkerPool
	runs     runPool // rules: the rule runs' buffers (rulecheck.go)
}

// Option configures a [Validator].
type Option func(*config) error

type config struct {
	fsys       fs.FS
	label      string
	strict     bool
	strictSpec bool
	bases      map[string][]string
	rules      ruleConfig // rules: WithRules, WithTimeZone (rules.go)
}

// WithSpecDir loads the specs from dir (every *.yaml OpenAPI document in it) instead of the embedded copies.
func WithSpecDir(dir string) Option {
	return func(c *config) error {
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("spec directory: %w", err)
		}
		if !st.IsDir() {
			return fmt.Errorf("spec directory %s is not a directory", dir)
		}
		c.fsys, c.label = os.DirFS(dir), strings.TrimSuffix(dir, "/")
		return nil
	}
}

// WithSpecFS loads the specs from fsys; label names the folder in messages.
func WithSpecFS(fsys fs.FS, label string) Option {
	return func(c *config) error {
		c.fsys, c.label = fsys, label
		return nil
	}
}

// WithBaseURL maps another base URL (a staging host, the mock, a proxy) onto a vendor, so exchanges recorded
// against it route to that vendor's operations with the base URL's path prefix removed.
func WithBaseURL(vendor, baseURL string) Option {
	return func(c *config) error {
		u, err := url.Parse(baseURL)
		if err != nil || u.Host == "" {
			return fmt.Errorf("base URL %q for %s is not an absolute URL", baseURL, vendor)
		}
		if c.bases == nil {
			c.bases = map[string][]string{}
		}
		c.bases[vendor] = append(c.bases[vendor], baseURL)
		return nil
	}
}

// WithStrict makes undeclared response properties, duplicate names in a body and unmatched routes violations
// instead of warnings and skips. An unmatched route is drift only when it is the vendors' traffic (their hosts,
// no host, or a path like the specs' anywhere: scope.go); anything else is other traffic (Result.OtherTraffic),
// never a violation.
func WithStrict(strict bool) Option {
	return func(c *config) error {
		c.strict = strict
		return nil
	}
}

// WithStrictSpec makes a spec problem that does not stop validation (an example that does not match its schema, a
// server URL with variables, an operation without operationId) an error of [New] instead of a warning
// ([Validator.SpecWarnings]).
func WithStrictSpec(strict bool) Option {
	return func(c *config) error {
		c.strictSpec = strict
		return nil
	}
}

// New loads the specs (the embedded copies unless an option says otherwise) and builds a Validator.
func New(ctx context.Context, opts ...Option) (*Validator, error) {
	c := &config{fsys: openapi.FS, label: "openapi"}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	specs, warns, err := loadSpecs(ctx, c.fsys, c.label, c.strictSpec)
	if err != nil {
		return nil, err
	}
	for vendor, bases := range c.bases {
		var found bool
		for _, s := range specs {
			if s.vendor != vendor {
				continue
			}
			found = true
			for _, b := range bases {
				u, _ := url.Parse(b) // checked in WithBaseURL
				s.bases = append(s.bases, u)
			}
		}
		if !found {
			return nil, fmt.Errorf("base URL for unknown vendor %q", vendor)
		}
	}
	r, err := newRouter(specs)
	if err != nil {
		return nil, err
	}
	rules, err := compileRules(specs, c.rules) // rules: x-apikit-rules (rules.go)
	if err != nil {
		return nil, err
	}
	return &Validator{
		router: r,
		strict: c.strict,
		warns:  warns,
		rules:  rules, // rules
		// perf: compiled checks (fastbody.go, fastrequest.go)
		bodies:   compileBodies(specs),
		requests: compileRequests(specs),
		opts: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
			AuthenticationFunc:    credentialPresent,
			SkipSettingDefaults:   true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.EnableFormatValidation(),
				openapi3.DisableSchemaErrorDetails(),
				openapi3.WithStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail)),
			},
		},
	}, nil
}

// Operations lists the operations the validator knows as "vendor.operationId": "doorflow.listGroupReservations".
func (v *Validator) Operations() []string {
	var out []string
	for _, s := range v.router.specs {
		for _, o := range s.ops {
			out = append(out, s.vendor+"."+o.id)
		}
	}
	return out
}

// SpecWarnings returns the specs' problems that do not stop validation, in file order.
func (v *Validator) SpecWarnings() []SpecWarning { return slices.Clone(v.warns) }

// HasOperation reports whether name ("vendor.operationId", or an operationId only one spec has) is in the specs.
func (v *Validator) HasOperation(name string) bool {
	_, err := v.router.lookup(name)
	return err == nil
}

// ResolveOperation returns the name results give the operation named "vendor.operationId" or by its bare
// operationId: the bare id unless another spec has it too. A bare id several specs have is an error naming the
// candidates; so is a name no spec has.
func (v *Validator) ResolveOperation(name string) (string, error) {
	o, err := v.router.lookup(name)
	if err != nil {
		return "", err
	}
	return o.name, nil
}

// ResponseContentTypes returns the content types the operation (named as [Validator.HasOperation] takes it)
// documents for status (or its default response), and false when the operation or the status is not documented.
func (v *Validator) ResponseContentTypes(operation string, status int) ([]string, bool) {
	op, err := v.router.lookup(operation)
	if err != nil || op.route.Operation.Responses == nil {
		return nil, false
	}
	r := op.route.Operation.Responses.Status(status)
	if r == nil {
		r = op.route.Operation.Responses.Default()
	}
	if r == nil || r.Value == nil {
		return nil, false
	}
	var cts []string
	for ct := range r.Value.Content {
		cts = append(cts, ct)
	}
	slices.Sort(cts)
	return cts, true
}

// Validate checks both sides of an exchange: the request (unless ex.NoRequest) and the response (when
// ex.Status is set).
//
// What the capture did not keep is reported, never judged: a body not recorded (ex.ResponseBodyNotRecorded,
// ex.RequestBodyNotRecorded) is left out of the checks and named in Result.BodyNotRecorded; a request that
// never completed (ex.NotCompleted) has its request checked and is Result.NotCompleted.
func (v *Validator) Validate(ctx context.Context, ex *Exchange) Result {
	return scrubbed(ex, v.check(ctx, ex, !ex.NoRequest, ex.Status != 0))
}

// ValidateRequest checks the request side only, as a transport does before the request leaves.
func (v *Validator) ValidateRequest(ctx context.Context, ex *Exchange) Result {
	return scrubbed(ex, v.check(ctx, ex, !ex.NoRequest, false))
}

// ValidateResponse checks the response side only (the request was checked before it was sent).
func (v *Validator) ValidateResponse(ctx context.Context, ex *Exchange) Result {
	return scrubbed(ex, v.check(ctx, ex, false, ex.Status != 0))
}

func (v *Validator) check(ctx context.Context, ex *Exchange, request, response bool) Result {
	res := Result{Source: ex.Source, Index: ex.Index, Method: ex.Method, Status: ex.Status, Violations: []Violation{},
		NotCompleted: ex.NotCompleted}
	if ex.URL != nil {
		res.URL = redactedURL(ex.URL)
	}
	defer setSides(&res)
	var (
		op     *operation
		params pathParams
		pbuf   [4]pathParam              // perf: the path parameters of a request without allocating (spec.go)
		query  = requestQuery{u: ex.URL} // perf: parsed once for the request check and the rules
	)
	if ex.OperationID != "" {
		var err error
		op, err = v.router.lookup(ex.OperationID)
		if err != nil {
			msg := fmt.Sprintf("operation %q is not in the specs", ex.OperationID)
			if errors.Is(err, errAmbiguousOperation) {
				msg = err.Error()
			}
			res.Violations = append(res.Violations, Violation{Source: ex.Source, Index: ex.Index, In: InRequestPath,
				Rule: "operation", Message: msg, Severity: SeverityError})
			return res
		}
		if res.Method == "" {
			res.Method = op.method
		}
	} else {
		var err error
		op, params, err = v.router.find(ex.Method, ex.URL, pbuf[:0])
		if err != nil {
			reason := strings.TrimPrefix(err.Error(), errNoRoute.Error()+": ")
			// --strict's scope (scope.go): unmatched traffic of the vendors is drift; other traffic (a page, its
			// assets, another API) never a violation.
			if other := v.router.otherTraffic(ex.URL); other || !v.strict {
				if other {
					reason = "other traffic: " + reason
				}
				res.Skipped, res.SkipReason, res.Valid, res.OtherTraffic = true, reason, true, other
				return res
			}
			res.Violations = append(res.Violations, Violation{Source: ex.Source, Index: ex.Index, Method: ex.Method,
				In: InRequestPath, Rule: "route", Message: reason + " (strict mode)", Severity: SeverityError})
			return res
		}
	}
	res.Vendor, res.OperationID, res.Path = op.spec.vendor, op.name, op.template
	res.BodyNotRecorded = notRecorded(ex) // said of the exchanges the contract covers
	base := Violation{Source: ex.Source, Index: ex.Index, Spec: op.spec.file, Line: op.line, OperationID: op.name,
		Method: op.method, Path: op.template, Severity: SeverityError}

	if ex.Method == http.MethodHead {
		res.Skipped, res.SkipReason, res.Valid = true, "HEAD responses carry no body to validate", true
		return res
	}

	// perf: kin-openapi's input is built only when kin validates a side the compiled checks leave to it.
	var in *openapi3filter.RequestValidationInput
	kinInput := func() *openapi3filter.RequestValidationInput {
		if in == nil {
			in = &openapi3filter.RequestValidationInput{Request: v.request(ctx, ex, op), PathParams: params.asMap(), Route: op.route, Options: v.opts}
		}
		return in
	}
	if ex.RequestBodyNotRecorded || ex.ResponseBodyNotRecorded { // capture gaps: kin leaves the missing bodies out
		o := *v.opts
		o.ExcludeRequestBody, o.ExcludeResponseBody = ex.RequestBodyNotRecorded, ex.ResponseBodyNotRecorded
		in = kinInput()
		in.Options = &o
	}
	if request {
		if errs, ok := v.fastRequest(op, ex, params, base, &query); ok { // perf: fastrequest.go
			res.Violations = append(res.Violations, errs...)
		} else if err := openapi3filter.ValidateRequest(ctx, kinInput()); err != nil {
			res.Violations = append(res.Violations, v.violations(err, base, requestSide)...)
		}
	}
	if response {
		base.Status = ex.Status
		if vio, bad := contentTypeConflict(ex.ResponseHeader, base); bad { // stricter than kin (strictjson.go)
			res.Violations = append(res.Violations, vio)
		}
		switch {
		case ex.Status == http.StatusMovedPermanently || ex.Status == http.StatusNotModified ||
			ex.Status == http.StatusTemporaryRedirect || ex.Status == http.StatusPermanentRedirect:
			if len(res.Violations) == 0 {
				res.Skipped, res.SkipReason = true, fmt.Sprintf("status %d responses are not validated (redirect or not modified)", ex.Status)
			}
		case ex.ResponseBodyNotRecorded:
			// Status and headers only: kin with ExcludeResponseBody; the rules and the undeclared-property walk
			// read the body and are left out.
			if err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
				RequestValidationInput: kinInput(), Status: ex.Status, Header: headerOrEmpty(ex.ResponseHeader),
				Body: http.NoBody, Options: kinInput().Options}); err != nil {
				res.Violations = append(res.Violations, v.violations(err, base, responseSide)...)
			}
		default:
			// perf: the compiled body check (fastbody.go) decides when it can decide exactly as kin-openapi.
			pick := v.pickResponse(op, ex)                                   // perf: the response looked up once
			run := v.startRulesPicked(ex, op, base, &pick, &query)           // rules: x-apikit-rules (rulecheck.go)
			errs, warns, ok := v.fastResponseTap(ex, base, &pick, run.tap()) // rules: the compiled pass feeds the rules
			if !ok {
				errs, warns = v.kinResponse(ctx, kinInput(), op, ex, base)
				if ct := ex.ResponseHeader.Get("Content-Type"); len(ex.ResponseBody) > 0 && kinDecodesAsJSON(ct) {
					var w []Violation
					errs, w = checkJSONText(ex.ResponseBody, responseSchema(op, ex.Status, ct), errs, base) // stricter than kin (strictjson.go)
					warns = append(warns, w...)
				}
				errs = capViolations(errs, base) // as the compiled path caps them (issue 14)
			}
			res.Violations = append(res.Violations, v.checkHeaders(ctx, op, ex, base)...) // declared headers (headers.go)
			res.Violations = append(res.Violations, errs...)
			res.Warnings = warns
			if v.strict {
				for _, w := range res.Warnings {
					w.Severity = SeverityError
					res.Violations = append(res.Violations, w)
				}
				res.Warnings = nil
			}
			v.finishRules(run, ok, &res) // rules
			v.runs.put(run)              // perf: nothing holds the run any more (Result.Observed is its own)
		}
	}
	sortViolations(res.Violations)
	sortViolations(res.Warnings)
	res.Valid = len(res.Violations) == 0
	return res
}

// notRecorded names the bodies the capture did not keep, as Result.BodyNotRecorded says it.
func notRecorded(ex *Exchange) string {
	switch {
	case ex.RequestBodyNotRecorded && ex.ResponseBodyNotRecorded:
		return "request and response"
	case ex.RequestBodyNotRecorded:
		return "request"
	case ex.ResponseBodyNotRecorded:
		return "response"
	}
	return ""
}

// setSides says on every violation and warning of res whose side broke the contract, from where it sits.
func setSides(res *Result) {
	for i := range res.Violations {
		res.Violations[i].Side = SideOf(res.Violations[i].In)
	}
	// A cross-exchange invariant adds its violations later (invariants.go), each with its side.
	for i := range res.Warnings {
		res.Warnings[i].Side = SideOf(res.Warnings[i].In)
	}
}

// kinResponse validates the response with kin-openapi and walks the body for undeclared properties: the reference
// the compiled body check (fastbody.go) is held to. Declared response headers are left out (checkHeaders).
func (v *Validator) kinResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, op *operation, ex *Exchange, base Violation) (errs, warns []Violation) {
	if op.headers != nil {
		bare := *in
		bare.Route = op.headers.bodyRoute
		in = &bare
	}
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 ex.Status,
		Header:                 headerOrEmpty(ex.ResponseHeader),
		Body:                   io.NopCloser(bytes.NewReader(ex.ResponseBody)),
		Options:                v.opts,
	}
	firstOnly := len(ex.ResponseBody) > kinListMax && v.opts.MultiError // issue 14: kin keeps one error per item
	if firstOnly {
		o := *v.opts
		o.MultiError = false
		rin.Options = &o
	}
	if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
		var more int
		if errs, more = v.violationsUpTo(err, base, responseSide, maxSchemaViolations); more > 0 {
			errs = append(errs, moreViolations(base, more)) // issue 14: as the compiled path counts them
		}
		if firstOnly {
			warns = append(warns, firstOnlyWarning(base))
		}
	}
	return errs, append(warns, v.undeclared(op, ex, base)...)
}

// request builds the *http.Request kin-openapi validates. A bare response body gets a stand-in GET.
func (v *Validator) request(ctx context.Context, ex *Exchange, op *operation) *http.Request {
	u := ex.URL
	if u == nil {
		u = &url.URL{Path: op.template}
	}
	method := ex.Method
	if method == "" {
		method = op.method
	}
	req := (&http.Request{Method: method, URL: u, Header: headerOrEmpty(ex.RequestHeader), Host: u.Host}).WithContext(ctx)
	if ex.RequestBody != nil {
		req.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
		req.ContentLength = int64(len(ex.RequestBody))
	} else {
		req.Body = http.NoBody
	}
	return req
}

func headerOrEmpty(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h
}

// credentialPresent is the AuthenticationFunc: it checks that the credential an operation needs was sent, and
// never looks at its value (a redacted "Bearer REDACTED" counts). kin-openapi's NoopAuthenticationFunc would
// pass a request without any credential.
func credentialPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	return credentialMissing(in.SecurityScheme, in.RequestValidationInput.Request.Header)
}

// credentialMissing is credentialPresent on a header; the compiled request check (fastrequest.go) shares it.
// headerValue is h.Get(key) for a key already in canonical form (a constant such as "Content-Type"): the same
// first value, without canonicalizing the key on every call (perf: Header.Get was a tenth of a small exchange).
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func credentialMissing(scheme *openapi3.SecurityScheme, h http.Header) error {
	if scheme == nil {
		return nil
	}
	switch {
	case scheme.Type == "oauth2" || scheme.Type == "openIdConnect" || (scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer")):
		auth := headerValue(h, "Authorization")
		if len(auth) < len("Bearer x") || !strings.EqualFold(auth[:len("Bearer ")], "Bearer ") {
			return errMissingBearer
		}
	case scheme.Type == "http":
		if headerValue(h, "Authorization") == "" {
			return errMissingAuthorization
		}
	case scheme.Type == "apiKey":
		if scheme.In == "header" && h.Get(scheme.Name) == "" {
			return fmt.Errorf("no %s header", scheme.Name)
		}
	}
	return nil
}

var (
	errMissingBearer        = errors.New("no bearer token in the Authorization header")
	errMissingAuthorization = errors.New("no Authorization header")
)
