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
	fsys   fs.FS
	label  string
	strict bool
	bases  map[string][]string
	rules  ruleConfig // rules: WithRules, WithTimeZone (rules.go)
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

// WithStrict makes undeclared response properties and unmatched routes violations instead of warnings and skips.
func WithStrict(strict bool) Option {
	return func(c *config) error {
		c.strict = strict
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
	specs, err := loadSpecs(ctx, c.fsys, c.label)
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

// Operations lists the operationIds the validator knows, with their vendor: "doorflow.listGroupReservations".
func (v *Validator) Operations() []string {
	var out []string
	for _, s := range v.router.specs {
		for _, o := range s.ops {
			out = append(out, s.vendor+"."+o.id)
		}
	}
	return out
}

// HasOperation reports whether operationID is in the specs.
func (v *Validator) HasOperation(operationID string) bool {
	_, ok := v.router.byID[operationID]
	return ok
}

// ResponseContentTypes returns the content types operationID documents for status (or its default response),
// and false when the operation or the status is not documented.
func (v *Validator) ResponseContentTypes(operationID string, status int) ([]string, bool) {
	op := v.router.byID[operationID]
	if op == nil {
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
func (v *Validator) Validate(ctx context.Context, ex *Exchange) Result {
	return v.check(ctx, ex, !ex.NoRequest, ex.Status != 0)
}

// ValidateRequest checks the request side only, as a transport does before the request leaves.
func (v *Validator) ValidateRequest(ctx context.Context, ex *Exchange) Result {
	return v.check(ctx, ex, !ex.NoRequest, false)
}

// ValidateResponse checks the response side only (the request was checked before it was sent).
func (v *Validator) ValidateResponse(ctx context.Context, ex *Exchange) Result {
	return v.check(ctx, ex, false, ex.Status != 0)
}

func (v *Validator) check(ctx context.Context, ex *Exchange, request, response bool) Result {
	res := Result{Source: ex.Source, Index: ex.Index, Method: ex.Method, Status: ex.Status, Violations: []Violation{}}
	if ex.URL != nil {
		res.URL = redactedURL(ex.URL)
	}
	var (
		op     *operation
		params pathParams
		pbuf   [4]pathParam // perf: the path parameters of a request without allocating (spec.go)
	)
	if ex.OperationID != "" {
		op = v.router.byID[ex.OperationID]
		if op == nil {
			res.Violations = append(res.Violations, Violation{Source: ex.Source, Index: ex.Index, In: InRequestPath,
				Rule: "operation", Message: fmt.Sprintf("operation %q is not in the specs", ex.OperationID), Severity: SeverityError})
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
			if !v.strict {
				res.Skipped, res.SkipReason, res.Valid = true, reason, true
				return res
			}
			res.Violations = append(res.Violations, Violation{Source: ex.Source, Index: ex.Index, Method: ex.Method,
				In: InRequestPath, Rule: "route", Message: reason + " (strict mode)", Severity: SeverityError})
			return res
		}
	}
	res.Vendor, res.OperationID, res.Path = op.spec.vendor, op.id, op.template
	base := Violation{Source: ex.Source, Index: ex.Index, Spec: op.spec.file, Line: op.line, OperationID: op.id,
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
	if request {
		if errs, ok := v.fastRequest(op, ex, params, base); ok { // perf: fastrequest.go
			res.Violations = append(res.Violations, errs...)
		} else if err := openapi3filter.ValidateRequest(ctx, kinInput()); err != nil {
			res.Violations = append(res.Violations, v.violations(err, base, requestSide)...)
		}
	}
	if response {
		base.Status = ex.Status
		switch ex.Status {
		case http.StatusMovedPermanently, http.StatusNotModified, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			if len(res.Violations) == 0 {
				res.Skipped, res.SkipReason = true, fmt.Sprintf("status %d responses are not validated (redirect or not modified)", ex.Status)
			}
		default:
			// perf: the compiled body check (fastbody.go) decides when it can decide exactly as kin-openapi.
			run := v.startRules(ex, op, base)                             // rules: x-apikit-rules (rulecheck.go)
			errs, warns, ok := v.fastResponseTap(op, ex, base, run.tap()) // rules: the compiled pass feeds the rules
			if !ok {
				errs, warns = v.kinResponse(ctx, kinInput(), op, ex, base)
			}
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

// kinResponse validates the response with kin-openapi and walks the body for undeclared properties: the reference
// the compiled body check (fastbody.go) is held to.
func (v *Validator) kinResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, op *operation, ex *Exchange, base Violation) (errs, warns []Violation) {
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 ex.Status,
		Header:                 headerOrEmpty(ex.ResponseHeader),
		Body:                   io.NopCloser(bytes.NewReader(ex.ResponseBody)),
		Options:                v.opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
		errs = v.violations(err, base, responseSide)
	}
	return errs, v.undeclared(op, ex, base)
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
