package sonderplan

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gen "github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/internal/httpx"
	"github.com/apikit/apikit/internal/redact"
)

// Sentinels an [*APIError] matches with errors.Is, by status code.
var (
	ErrUnauthorized = errors.New("sonderplan: unauthorized") // 401
	ErrForbidden    = errors.New("sonderplan: forbidden")    // 403
	ErrNotFound     = errors.New("sonderplan: not found")    // 404
	ErrRateLimited  = errors.New("sonderplan: rate limited") // 429
)

// APIError is a response from Sonderplan that is not a success. Its text names the operation, the request with
// secrets redacted from the URL, the status and Sonderplan's message; never the token.
type APIError struct {
	Operation  string        // operationId: "listGroups"
	Method     string        // "GET"
	URL        string        // the request URL, redacted
	StatusCode int           // 401
	Code       string        // the body's "message" field: "Unauthenticated." (Sonderplan sends no separate code)
	RequestID  string        // the X-Request-Id response header, when present
	RetryAfter time.Duration // from a Retry-After header (429, 503), else 0
}

// Error formats the error as "sonderplan OPERATION: METHOD URL: STATUS TEXT: MESSAGE (request id ID)".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sonderplan %s: %s %s: %d %s", e.Operation, e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
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

// newAPIError builds the error for a response that is not a success. body may be nil (unreadable); a body
// that is not Sonderplan's JSON (a gateway's HTML page) leaves Code empty.
func newAPIError(op string, resp *http.Response, body []byte) *APIError {
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	if resp.Request != nil {
		e.Method, e.URL = resp.Request.Method, redact.URL(resp.Request.URL).String()
	}
	var eb gen.Error
	if json.Unmarshal(body, &eb) == nil && eb.Message != nil {
		e.Code = *eb.Message
	}
	if d, ok := httpx.RetryAfter(resp.Header, time.Now()); ok {
		e.RetryAfter = d
	}
	return e
}
