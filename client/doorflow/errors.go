package doorflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gen "github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/internal/httpx"
	"github.com/apikit/apikit/internal/redact"
)

// Sentinels an [*APIError] matches with errors.Is, by status code.
var (
	ErrUnauthorized = errors.New("doorflow: unauthorized") // 401, or a refresh the token endpoint refused
	ErrForbidden    = errors.New("doorflow: forbidden")    // 403
	ErrNotFound     = errors.New("doorflow: not found")    // 404
	ErrRateLimited  = errors.New("doorflow: rate limited") // 429
)

// APIError is a response from DoorFlow that is not a success. Its text names the operation, the request with
// secrets redacted from the URL, the status and DoorFlow's error fields; never a credential.
type APIError struct {
	Operation   string        // operationId: "getGroupReservation"
	Method      string        // "GET"
	URL         string        // the request URL, redacted
	StatusCode  int           // 404
	Code        string        // the body's "error" field: "not_found"
	Description string        // the body's "error_description" field
	RequestID   string        // the X-Request-Id response header, when present
	RetryAfter  time.Duration // from a Retry-After header (429, 503), else 0
}

// Error formats the error as "doorflow OPERATION: METHOD URL: STATUS TEXT: CODE: DESCRIPTION (request id ID)".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "doorflow %s: %s %s: %d %s", e.Operation, e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Is reports whether the error's status matches target, one of the Err* sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// newAPIError builds the error for a response that is not a success. body may be nil (unreadable); an error
// body that is not DoorFlow's JSON (a gateway's HTML page) leaves Code and Description empty.
func newAPIError(op string, resp *http.Response, body []byte) *APIError {
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	if resp.Request != nil {
		e.Method, e.URL = resp.Request.Method, redact.URL(resp.Request.URL).String()
	}
	var eb gen.Error
	if json.Unmarshal(body, &eb) == nil {
		if eb.Error != nil {
			e.Code = *eb.Error
		}
		if eb.ErrorDescription != nil {
			e.Description = *eb.ErrorDescription
		}
	}
	if d, ok := httpx.RetryAfter(resp.Header, time.Now()); ok {
		e.RetryAfter = d
	}
	return e
}
