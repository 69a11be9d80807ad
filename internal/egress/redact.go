package egress

import (
	"net/url"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/redact"
)

// URL prints u for a message, an output or a log without credentials (query and fragment secrets, user
// information), as internal/redact decides them. A nil u prints as "".
func URL(u *url.URL) string { return redact.URLString(u) }

// Query redacts a URL-encoded query (or form body) for a message or a log, keeping its keys and order.
func Query(raw string) string { return redact.Query(raw) }

// Exchange returns a copy of ex as a recording stores it (see [redact.Redactor.Exchange]): URL, headers and
// bodies redacted by name, bodies it cannot read replaced by a placeholder, every credential value seen in the
// exchange scrubbed wherever else it appears, bodies decoded from their Content-Encoding. ex is not changed.
// Every recorder (HAR, cassette) writes what this returns.
func Exchange(r *redact.Redactor, ex *capture.Exchange) *capture.Exchange {
	c, _ := r.Exchange(ex)
	return c
}

// URLString redacts a URL already printed as a string (a verdict's URL, a header's value). Of a string that does
// not parse as a URL, what follows the first "?" is redacted as a query. A URL without a query, fragment or
// user information is returned unchanged.
func URLString(raw string) string {
	if !strings.ContainsAny(raw, "?#@") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		base, query, ok := strings.Cut(raw, "?")
		if !ok {
			return raw
		}
		return base + "?" + Query(query)
	}
	return URL(u)
}

// Interaction returns the go-vcr hook that redacts an interaction with r before a cassette is saved (a
// recorder.BeforeSaveHook: the disk copy only, live credentials keep working during the run).
func Interaction(r *redact.Redactor) func(*cassette.Interaction) error {
	return r.Interaction
}
