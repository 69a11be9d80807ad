package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/internal/egress"
)

// DoorFlow's OAuth 2.0 scopes, as its pages name them.
const (
	// ScopeGroupReservationRead is the scope the list of group reservations needs.
	ScopeGroupReservationRead = "account.group_reservation.readonly"
	// ScopePersonRead is the scope getting one group reservation needs (so says DoorFlow's get page).
	ScopePersonRead = "account.person.readonly"
)

// DefaultToken is the bearer token the mock accepts, with every scope, unless [WithToken] configures others.
// It is public and meant for local use only.
const DefaultToken = "apikit-dev-token"

// Scopes lists every scope the mock knows.
func Scopes() []string { return []string{ScopeGroupReservationRead, ScopePersonRead} }

// Server is the mock: an [http.Handler] serving both vendors' APIs from one [Dataset]. It only reads its state
// after [New] returns, so it is safe for concurrent use.
type Server struct {
	now          time.Time
	loc          *time.Location
	tokens       map[string]map[string]bool // token → scopes
	v            *contract.Validator
	log          *slog.Logger
	mux          *http.ServeMux
	data         *Dataset
	reservations []reservationRow // every reservation, by id
	listed       []*reservationRow
	byID         map[int64]*reservationRow
	groups       []groupRow // by id
}

// Option configures a [Server].
type Option func(*config) error

type config struct {
	seed   uint64
	count  int
	now    time.Time
	data   *Dataset
	loc    *time.Location
	tokens map[string]map[string]bool
	log    *slog.Logger
}

// WithSeed sets the seed of the generated data set (default 1). The same seed and count give the same data.
func WithSeed(seed uint64) Option {
	return func(c *config) error {
		c.seed = seed
		return nil
	}
}

// WithCount sets how many group reservations and how many groups are generated (default [DefaultCount], at
// most [MaxCount]).
func WithCount(n int) Option {
	return func(c *config) error {
		if n < 0 || n > MaxCount {
			return fmt.Errorf("count %d is out of range 0..%d", n, MaxCount)
		}
		c.count = n
		return nil
	}
}

// WithNow sets the instant the mock takes as now (default: the data set's, else [DefaultNow]). Generated data
// are arranged around it, and DoorFlow lists hold the reservations that have not ended by then.
func WithNow(now time.Time) Option {
	return func(c *config) error {
		if now.IsZero() {
			return errors.New("now is the zero time")
		}
		c.now = now.UTC()
		return nil
	}
}

// WithDataset serves d instead of generated data; the seed and count are then unused. New validates d as the
// vendors' specs and the mock's rules require, and never changes it.
func WithDataset(d *Dataset) Option {
	return func(c *config) error {
		if d == nil {
			return errors.New("nil data set")
		}
		c.data = d
		return nil
	}
}

// WithLocation sets the time zone of DoorFlow's since parameter, which the vendor documents as local time
// (default UTC). since_utc is always UTC.
func WithLocation(loc *time.Location) Option {
	return func(c *config) error {
		if loc == nil {
			return errors.New("nil time zone")
		}
		c.loc = loc
		return nil
	}
}

// WithToken makes the mock accept a bearer token with the given DoorFlow scopes (none is fine: Sonderplan needs
// no scope). Repeat it for several tokens; once it is given, [DefaultToken] is no longer accepted unless
// configured too.
func WithToken(token string, scopes ...string) Option {
	return func(c *config) error {
		if token == "" || strings.ContainsAny(token, " \t\r\n") {
			return errors.New("a token must be non-empty and hold no white space")
		}
		set := map[string]bool{}
		for _, s := range scopes {
			if !slices.Contains(Scopes(), s) {
				return fmt.Errorf("unknown scope %q (known: %s)", s, strings.Join(Scopes(), ", "))
			}
			set[s] = true
		}
		if c.tokens == nil {
			c.tokens = map[string]map[string]bool{}
		}
		c.tokens[token] = set
		return nil
	}
}

// WithLogger logs one line per request to l: method, path, query (redacted), status, bytes and duration; never
// a header or a body. The lines leave through the exit point (internal/egress): every string in them is
// sanitised of control characters. Without it the mock logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l != nil {
			l = slog.New(egress.Handler(l.Handler()))
		}
		c.log = l
		return nil
	}
}

// New builds a mock from generated data (or the data set of [WithDataset]). ctx bounds loading the specs.
func New(ctx context.Context, opts ...Option) (*Server, error) {
	c := &config{seed: 1, count: DefaultCount, loc: time.UTC}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, fmt.Errorf("mock: %w", err)
		}
	}
	// Schema checks only: the mock validates requests and its data set; the rules about answers
	// (x-apikit-rules) are for whoever checks the mock's answers.
	v, err := contract.New(ctx, contract.WithRules(contract.RulesSchema))
	if err != nil {
		return nil, fmt.Errorf("mock: loading the specs: %w", err)
	}
	s := &Server{loc: c.loc, v: v, log: c.log, tokens: c.tokens}
	if s.tokens == nil {
		s.tokens = map[string]map[string]bool{DefaultToken: {ScopeGroupReservationRead: true, ScopePersonRead: true}}
	}
	d := c.data
	switch {
	case !c.now.IsZero():
		s.now = c.now
	case d != nil && !d.Now.IsZero():
		s.now = d.Now.UTC()
	default:
		s.now = defaultNow()
	}
	if d == nil {
		d = Generate(c.seed, c.count, s.now)
	} else if err := d.check(); err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	s.data = d
	s.index()
	if c.data != nil {
		if err := validateItems(ctx, v, s.renderReservations(), s.renderGroups()); err != nil {
			return nil, fmt.Errorf("mock: %w", err)
		}
	}
	s.routes()
	return s, nil
}

// Dataset returns the data the mock serves. Treat it as read-only.
func (s *Server) Dataset() *Dataset { return s.data }

// Now returns the instant the mock takes as now.
func (s *Server) Now() time.Time { return s.now }

// Tokens returns the bearer tokens the mock accepts, sorted.
func (s *Server) Tokens() []string { return slices.Sorted(maps.Keys(s.tokens)) }

// route is one operation of the specs.
type route struct {
	vendor, operationID, pattern, scope string
	handle                              func(*Server, http.ResponseWriter, *http.Request)
}

const (
	vendorDoorFlow   = "doorflow"
	vendorSonderplan = "sonderplan"
)

var routes = [...]route{
	{vendorDoorFlow, "listGroupReservations", "/api/3/group_reservations", ScopeGroupReservationRead, (*Server).listGroupReservations},
	{vendorDoorFlow, "getGroupReservation", "/api/3/group_reservations/{id}", ScopePersonRead, (*Server).getGroupReservation},
	{vendorSonderplan, "listGroups", "/v2/group", "", (*Server).listGroups},
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	for _, rt := range routes {
		s.mux.HandleFunc("GET "+rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serveOp(rt, w, r) })
	}
	s.mux.HandleFunc("/", s.noRoute)
}

// ServeHTTP serves one request and logs it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The mock's clock is its "now": a client (or apikit validate's time-window rule) that compares the answer's
	// states with the Date header sees them right, whatever the wall clock says.
	w.Header().Set("Date", s.now.UTC().Format(http.TimeFormat))
	if s.log == nil {
		s.mux.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path)}
	if r.URL.RawQuery != "" {
		attrs = append(attrs, slog.String("query", egress.Query(r.URL.RawQuery)))
	}
	attrs = append(attrs, slog.Int("status", rec.status), slog.Int("bytes", rec.bytes), slog.Duration("duration", time.Since(start)))
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

type recorder struct {
	http.ResponseWriter
	status, bytes int
	wrote         bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// serveOp runs the checks every operation shares, in a real server's order: authentication, then validation.
func (s *Server) serveOp(rt route, w http.ResponseWriter, r *http.Request) {
	token, ok := bearerToken(r.Header.Get("Authorization"))
	scopes, known := s.tokens[token]
	switch {
	case !ok || !known:
		// RFC 6750: a request without a credential gets no error code, one with an unknown token invalid_token.
		desc, challenge := "The access token is invalid", `Bearer realm="`+rt.vendor+`", error="invalid_token"`
		if !ok {
			desc, challenge = "The access token is missing: send Authorization: Bearer TOKEN", `Bearer realm="`+rt.vendor+`"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, rt.vendor, http.StatusUnauthorized, "unauthorized", desc)
		return
	case rt.scope != "" && !scopes[rt.scope]:
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+rt.vendor+`", error="insufficient_scope", scope="`+rt.scope+`"`)
		writeError(w, rt.vendor, http.StatusForbidden, "forbidden",
			"You are not authorized to access this resource: the access token lacks the scope "+rt.scope)
		return
	}
	res := s.v.ValidateRequest(r.Context(), &contract.Exchange{Source: "mock", Index: -1, Method: r.Method, URL: r.URL, RequestHeader: r.Header})
	if !res.Valid {
		badRequest(w, rt.vendor, violationText(res.Violations))
		return
	}
	rt.handle(s, w, r)
}

// violationText describes request violations for a client, one sentence each.
func violationText(vs []contract.Violation) string {
	msgs := make([]string, 0, len(vs))
	for _, v := range vs {
		msgs = append(msgs, describe(v))
	}
	return strings.Join(msgs, "; ")
}

// describe is a violation's message with the offending value, as a client or a data file's author reads it.
func describe(v contract.Violation) string {
	if v.Value == "" {
		return v.Message
	}
	return v.Message + " (got " + v.Value + ")"
}

// bearerToken returns the token of an "Authorization: Bearer TOKEN" header (the scheme is case-insensitive).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// noRoute answers a path the specs do not have (404), or a known path with another method than GET (405).
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	vendor := vendorDoorFlow
	if r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/") {
		vendor = vendorSonderplan
	}
	for _, rt := range routes {
		if matchPattern(rt.pattern, r.URL.Path) {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, rt.vendor, http.StatusMethodNotAllowed, "method_not_allowed",
				fmt.Sprintf("%s is not allowed on %s; the API serves GET", r.Method, rt.pattern))
			return
		}
	}
	var served []string
	for _, rt := range routes {
		served = append(served, "GET "+rt.pattern)
	}
	writeError(w, vendor, http.StatusNotFound, "not_found",
		fmt.Sprintf("The requested resource was not found: no route %s %s (the mock serves %s)", r.Method, r.URL.Path, strings.Join(served, ", ")))
}

// matchPattern matches a path against a pattern whose {name} segments match one non-empty segment.
func matchPattern(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") {
			if xs[i] == "" {
				return false
			}
		} else if p != xs[i] {
			return false
		}
	}
	return true
}

// writeError sends the vendor's error model: DoorFlow's {"error", "error_description"} or Sonderplan's
// {"message"}.
func writeError(w http.ResponseWriter, vendor string, status int, code, desc string) {
	var body any
	switch vendor {
	case vendorSonderplan:
		if status == http.StatusUnauthorized {
			desc = "Unauthenticated."
		}
		body = sonderplan.Error{Message: &desc}
	default:
		body = doorflow.Error{Error: &code, ErrorDescription: &desc}
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // two strings always marshal
	}
	writeJSON(w, status, b)
}

// badRequest answers a request the spec or the mock's rules reject. The specs document no 400; see the package
// documentation.
func badRequest(w http.ResponseWriter, vendor, msg string) {
	writeError(w, vendor, http.StatusBadRequest, "invalid_request", msg)
}

const contentTypeJSON = "application/json; charset=utf-8"

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away: nothing to do
}

// queryInt reads an integer query parameter that must be at least 1, with a default.
func queryInt(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("query parameter %q must be an integer (got %q)", name, s)
	}
	if n < 1 {
		return 0, fmt.Errorf("query parameter %q must be at least 1 (got %d)", name, n)
	}
	return n, nil
}

// window returns the bounds of page (1-based) of size per in n items, without overflowing.
func window(n, page, per int) (lo, hi int) {
	if page-1 > n/per {
		return n, n
	}
	lo = min((page-1)*per, n)
	return lo, lo + min(per, n-lo)
}

// joinJSON writes items as a JSON array.
func joinJSON(b *bytes.Buffer, items [][]byte) {
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
}
