package capture

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Exchange is one HTTP request and, when one was received, its response, with where it came from.
//
// Sources yield exchanges one at a time; the validator never changes one.
type Exchange struct {
	// Source names where the exchange came from: a file path, or a label such as "live".
	Source string
	// Index is the entry's position in Source (0-based); -1 when Source holds a single exchange.
	Index int

	// Method and URL of the request. URL may be relative (path and query only) when the host is unknown.
	Method string
	URL    *url.URL
	// RequestHeader and RequestBody of the request; RequestBody is nil when there was none.
	RequestHeader http.Header
	RequestBody   []byte

	// Status is the response status code; 0 means no response was received.
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte

	// What the capture did not keep. A recorder may leave a body out (HAR 1.2 makes content.text optional:
	// Playwright's content 'omit', a browser's "export without content", a sanitised export) or write down a
	// request that never got a response (cancelled, blocked, a network error). The validator checks everything
	// else and reports the gap as such, never as a violation.

	// ResponseBodyNotRecorded is true when the response had a body (or may have had one) that the capture did not
	// keep; ResponseBody is then nil and means nothing.
	ResponseBodyNotRecorded bool
	// RequestBodyNotRecorded is the same for the request's body.
	RequestBodyNotRecorded bool
	// NotCompleted says why the request never completed ("net::ERR_ABORTED", "status -1", ...); empty when it did.
	// Status is then 0 and the response fields are empty.
	NotCompleted string

	// OperationID, when set, names the operation to validate against and skips routing (bare bodies).
	OperationID string
	// NoRequest marks an exchange whose request is unknown (a bare response body): only the response is checked.
	NoRequest bool

	// Time is when the exchange happened by the server's clock: the response's Date header where there is one,
	// else a HAR entry's startedDateTime. The zero value means unknown; the validator then falls back to the Date header
	// itself. Rules that depend on the clock (a pending reservation must start in the future) and the order of
	// cross-exchange invariants use it.
	Time time.Time
}

// When returns the exchange's time: Time, else the response's Date header, else the zero time.
func (e *Exchange) When() time.Time {
	if !e.Time.IsZero() {
		return e.Time
	}
	return DateHeader(e.ResponseHeader)
}

// DateHeader parses a Date header (RFC 9110 HTTP-date); the zero time when it is absent or malformed.
func DateHeader(h http.Header) time.Time {
	d := h.Get("Date")
	if d == "" {
		return time.Time{}
	}
	t, err := http.ParseTime(d)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Where returns "source#index" (or just the source for a single exchange), as messages print it.
func (e *Exchange) Where() string {
	return Where(e.Source, e.Index)
}

// Where formats a position as messages print it: "source#index", or just source when index is negative.
func Where(source string, index int) string {
	if index < 0 {
		return source
	}
	return source + "#" + strconv.Itoa(index)
}
