// Package redact is the only code in apikit that knows what a secret looks like. Everything that writes an
// exchange to disk or to a log, or prints a value in a message, passes it through here first.
//
//	clean := redact.URL(req.URL)          // ?access_token=REDACTED
//	redact.Header(req.Header)             // Authorization: Bearer REDACTED
package redact

import (
	"net/http"
	"net/url"
	"strings"
)

// Placeholder replaces a secret value. It keeps the shape a validator expects: "Bearer REDACTED" stays a bearer
// credential, so a redacted recording still shows that a token was sent.
const Placeholder = "REDACTED"

// IsSecretHeader reports whether a header's value is a secret.
func IsSecretHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key":
		return true
	}
	return false
}

// IsSecretKey reports whether a query, form or JSON key holds a secret (OAuth 2.0 flows and common API keys).
func IsSecretKey(key string) bool {
	switch strings.ToLower(key) {
	case "access_token", "refresh_token", "id_token", "client_secret", "code", "token", "api_key", "signature", "password":
		return true
	}
	return false
}

// Header replaces the values of secret headers in h, in place. An Authorization value keeps its scheme
// ("Bearer REDACTED"), so presence checks still pass on a redacted recording.
func Header(h http.Header) {
	for name, vals := range h {
		if !IsSecretHeader(name) {
			continue
		}
		for i, v := range vals {
			vals[i] = headerValue(name, v)
		}
	}
}

func headerValue(name, v string) string {
	if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") {
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " " + Placeholder
		}
	}
	return Placeholder
}

// HeaderValue returns the value to print or store for a header: the value itself, or a placeholder for a secret.
func HeaderValue(name, value string) string {
	if IsSecretHeader(name) {
		return headerValue(name, value)
	}
	return value
}

// URL returns a copy of u with secret query values and any user password replaced.
func URL(u *url.URL) *url.URL {
	if u == nil {
		return nil
	}
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	if c.RawQuery != "" {
		c.RawQuery = Query(c.RawQuery)
	}
	return &c
}

// Query redacts a URL-encoded query or form body, keeping its keys and order.
func Query(raw string) string {
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if IsSecretKey(key) {
			parts[i] = k + "=" + Placeholder
			changed = true
		}
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}
