package contract

import (
	"net/http"
	"net/url"
	"strconv"
)

// Exchange is one HTTP request and, when one was received, its response, with where it came from.
//
// Loaders yield exchanges one at a time; the validator never changes one.
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

	// OperationID, when set, names the operation to validate against and skips routing (bare bodies).
	OperationID string
	// NoRequest marks an exchange whose request is unknown (a bare response body): only the response is checked.
	NoRequest bool
}

// Where returns "source#index" (or just the source for a single exchange), as messages print it.
func (e *Exchange) Where() string {
	return where(e.Source, e.Index)
}

func where(source string, index int) string {
	if index < 0 {
		return source
	}
	return source + "#" + strconv.Itoa(index)
}
