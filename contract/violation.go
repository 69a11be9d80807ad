package contract

import (
	"fmt"
	"strings"

	"github.com/apikit/apikit/capture"
)

// Where a violation sits in an exchange: the values of [Violation.In].
const (
	InRequestPath    = "request.path"
	InRequestQuery   = "request.query"
	InRequestHeader  = "request.header"
	InRequestBody    = "request.body"
	InResponseStatus = "response.status"
	InResponseHeader = "response.header"
	InResponseBody   = "response.body"
)

// Severity says whether a finding fails validation.
type Severity string

const (
	// SeverityError fails the exchange.
	SeverityError Severity = "error"
	// SeverityWarning is reported but does not fail the exchange (undeclared properties outside strict mode).
	SeverityWarning Severity = "warning"
)

// Which side of an exchange broke the contract: the values of [Violation.Side].
const (
	// SideRequest is the request: your client sent what the contract does not allow.
	SideRequest = "request"
	// SideResponse is the response: the vendor answered what the contract does not allow.
	SideResponse = "response"
)

// SideOf returns the side a violation in in (one of the In* constants) is on: [SideRequest] for request.*,
// [SideResponse] otherwise.
func SideOf(in string) string {
	if strings.HasPrefix(in, "request.") {
		return SideRequest
	}
	return SideResponse
}

// side is Side, or the side In says when Side is not set.
func (v *Violation) side() string {
	if v.Side != "" {
		return v.Side
	}
	return SideOf(v.In)
}

// Violation is one way an exchange breaks its OpenAPI contract. Every check returns this type.
type Violation struct {
	Side        string   `json:"side"`                // SideRequest (your client) or SideResponse (the vendor)
	Source      string   `json:"file,omitempty"`      // where the exchange came from
	Index       int      `json:"index"`               // entry index in Source; -1 for a single exchange
	Spec        string   `json:"spec,omitempty"`      // "openapi/doorflow.yaml"
	Line        int      `json:"line,omitempty"`      // spec line of the failing schema or operation
	OperationID string   `json:"operation,omitempty"` // "listGroups"
	Method      string   `json:"method,omitempty"`
	Path        string   `json:"path,omitempty"`   // path template: "/api/3/group_reservations/{id}"
	Status      int      `json:"status,omitempty"` // response status; 0 for request-side problems
	In          string   `json:"in"`               // one of the In* constants
	Pointer     string   `json:"pointer"`          // RFC 6901 pointer into the body, or the parameter/header name
	Rule        string   `json:"rule"`             // schema keyword (required, type, enum, format, ...) or check name
	Message     string   `json:"message"`          // one sentence; never holds the offending value
	Value       string   `json:"value,omitempty"`  // the offending value, JSON-encoded and truncated; never a secret
	Severity    Severity `json:"severity"`
	// Count is how many items of the exchange break the rule when it is more than one: the violation is the
	// first of them and its message names the next ones (rules and invariants report one violation per exchange
	// and rule). 0 for a single item.
	Count int `json:"count,omitempty"`
}

// Error formats the violation as the text output prints it:
// "file#entry operation in pointer: message (got VALUE)".
func (v *Violation) Error() string {
	var b strings.Builder
	b.WriteString(capture.Where(v.Source, v.Index))
	if v.OperationID != "" {
		b.WriteString(" " + v.OperationID)
	}
	b.WriteString(" " + v.In)
	if v.Pointer != "" {
		b.WriteString(" " + v.Pointer)
	}
	b.WriteString(": " + v.Message)
	if v.Value != "" {
		fmt.Fprintf(&b, " (got %s)", v.Value)
	}
	return b.String()
}

// Result is the verdict on one exchange.
type Result struct {
	Source      string `json:"file"`
	Index       int    `json:"index"`
	Method      string `json:"method"`
	URL         string `json:"url"` // redacted of credentials in the query
	Vendor      string `json:"vendor,omitempty"`
	OperationID string `json:"operation,omitempty"`
	Path        string `json:"path,omitempty"`
	Status      int    `json:"status"`
	Valid       bool   `json:"valid"`
	Skipped     bool   `json:"skipped"`
	SkipReason  string `json:"skipReason,omitempty"`
	// OtherTraffic marks a skipped exchange to a host that is no vendor's (a page, its assets, another API):
	// never a violation, even in strict mode.
	OtherTraffic bool `json:"otherTraffic,omitempty"`
	// BodyNotRecorded says the capture did not keep a body of the exchange ("response", "request" or
	// "request and response"): everything else was validated, the body was not.
	BodyNotRecorded string `json:"bodyNotRecorded,omitempty"`
	// NotCompleted says why the request never completed (the capture's reason); its request was validated,
	// there is no response to validate. Such an exchange is neither valid nor skipped.
	NotCompleted string `json:"notCompleted,omitempty"`
	// Violations fail the exchange (Severity error); Warnings do not.
	Violations []Violation `json:"violations"`
	Warnings   []Violation `json:"warnings,omitempty"`
	// Observed is what the cross-exchange [Invariants] need of this exchange; nil unless the validator runs
	// [RulesAll] and validated a response. It is not printed.
	Observed *Observation `json:"-"`
	// Exchange is the exchange judged, for the [Sink]s that need more than the verdict ([Coverage], recorders).
	// The front end sets it while it still holds the exchange: a [Transport] and the proxy for every sink; apikit
	// validate as each exchange is validated, and no longer once a recording's invariants ran. The validator
	// leaves it nil, so that a held Result does not hold bodies. It is not printed.
	Exchange *Exchange `json:"-"`
}

// Where returns "source#index" for messages.
func (r *Result) Where() string { return capture.Where(r.Source, r.Index) }

// Report is the verdict on many exchanges, in the order they were read. It is the [Sink] that keeps every
// result; the outputs of package output stream instead.
type Report struct {
	Results []Result `json:"exchanges"`
}

// Summary counts a report's exchanges: each is valid, invalid, skipped or not completed; BodyNotRecorded and
// OtherTraffic count some of them again, and ClientViolations and VendorViolations count the violations by side.
type Summary struct {
	Exchanges       int `json:"exchanges"`
	Valid           int `json:"valid"`
	Invalid         int `json:"invalid"`
	Skipped         int `json:"skipped"`
	NotCompleted    int `json:"notCompleted"`
	BodyNotRecorded int `json:"bodyNotRecorded"`
	OtherTraffic    int `json:"otherTraffic"`
	Warnings        int `json:"warnings"`
	// ClientViolations are on the request side (your client), VendorViolations on the response side.
	ClientViolations int `json:"clientViolations"`
	VendorViolations int `json:"vendorViolations"`
}

// FailOn chooses which violations fail a run: "both" (the default), "vendor" (response side only, for
// recordings of one's own error-path tests) or "client" (request side only).
type FailOn string

// The values of [FailOn].
const (
	FailOnBoth   FailOn = "both"
	FailOnVendor FailOn = "vendor"
	FailOnClient FailOn = "client"
)

// ParseFailOn checks a --fail-on value; "" is [FailOnBoth].
func ParseFailOn(s string) (FailOn, error) {
	switch f := FailOn(s); f {
	case "":
		return FailOnBoth, nil
	case FailOnBoth, FailOnVendor, FailOnClient:
		return f, nil
	}
	return "", fmt.Errorf("fail-on %q: want both, vendor or client", s)
}

// Fails reports whether a violation on side fails the run.
func (f FailOn) Fails(side string) bool {
	switch f {
	case FailOnVendor:
		return side == SideResponse
	case FailOnClient:
		return side == SideRequest
	}
	return true
}

// Failed reports whether the counted violations fail the run under f.
func (s Summary) Failed(f FailOn) bool {
	return (f.Fails(SideRequest) && s.ClientViolations > 0) || (f.Fails(SideResponse) && s.VendorViolations > 0)
}

// Add appends a result.
func (r *Report) Add(res Result) { r.Results = append(r.Results, res) }

// Summary counts the results: an exchange is valid, invalid or skipped.
func (r *Report) Summary() Summary {
	var s Summary
	for i := range r.Results {
		s.Count(&r.Results[i])
	}
	return s
}

// OK reports whether no exchange has a violation.
func (r *Report) OK() bool { return r.Summary().Invalid == 0 }

// Unwrap returns every violation of the report as errors, so errors.As finds a *Violation.
func (r *Report) Unwrap() []error {
	var errs []error
	for i := range r.Results {
		for j := range r.Results[i].Violations {
			errs = append(errs, &r.Results[i].Violations[j])
		}
	}
	return errs
}

// Error summarises the report; it is meant for a failing test or a log line.
func (r *Report) Error() string {
	s := r.Summary()
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d exchanges violate the contract", s.Invalid, s.Exchanges)
	for _, err := range r.Unwrap() {
		b.WriteString("\n" + err.Error())
	}
	return b.String()
}
