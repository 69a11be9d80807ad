// Package redact is the only code in apikit that knows what a secret looks like. Everything that writes an
// exchange to disk or to a log, or prints a value in a message, passes it through here first.
//
// A secret is known by its name, by its value and by what cannot be read:
//
//   - names: [IsSecretName] judges a header, query key, form field or JSON key by its words ("X-Auth-Token",
//     "apikey", "client_assertion"), [IsSecretKey] and [IsSecretHeader] add the OAuth 2.0 and API key names;
//     a [Redactor] adds the fields and parameters the specs mark x-apikit-secret: true (personal data such as
//     primary_email), the parameters of their apiKey security schemes, and whatever its options name;
//   - values: [Redactor.Exchange] collects every credential value seen in an exchange ([Secrets]) and scrubs it
//     wherever else it reappears there (an echoed token), and in the exchange's log lines;
//   - URLs: the query and fragment of every URL, in the request line and in every header;
//   - bodies: JSON is redacted in one pass at any depth, forms by key; a body of any other type is replaced by a
//     placeholder with its size and type, unless the specs document that type for the operation.
//
// In use:
//
//	clean := redact.URL(req.URL)          // ?access_token=REDACTED
//	redact.Header(req.Header)             // Authorization: Bearer REDACTED
//
//	r, err := redact.New(redact.WithField("nickname", "Jo"))
//	rec, secrets := r.Exchange(ex)        // a copy to record, and the values to scrub from its log lines
//	body = r.Body("application/json", body) // {"access_token":"REDACTED","primary_email":"jane.smith@example.com"}
//	rec, err := recorder.New(name, recorder.WithHook(r.Interaction, recorder.BeforeSaveHook))
package redact

import (
	"net/http"
	"net/url"
	"strings"
)

// Placeholder replaces a secret value. It keeps the shape a validator expects: "Bearer REDACTED" stays a bearer
// credential, so a redacted recording still shows that a token was sent.
const Placeholder = "REDACTED"

// IsSecretHeader reports whether a header's value is a secret: Authorization, Proxy-Authorization, Cookie,
// Set-Cookie, X-Api-Key, and every header [IsSecretName] calls secret ("X-Auth-Token", "Private-Token",
// "X-Amz-Security-Token", "Api-Key"), except the CORS headers (Access-Control-Allow-Credentials is a boolean).
func IsSecretHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key":
		return true
	}
	if len(name) > len("access-control-") && strings.EqualFold(name[:len("access-control-")], "access-control-") {
		return false
	}
	return IsSecretName(name)
}

// IsSecretKey reports whether a query, form or JSON key holds a secret: the OAuth 2.0 and API key names
// (access_token, refresh_token, id_token, client_secret, code, token, api_key, signature, password) and every
// name [IsSecretName] calls secret.
func IsSecretKey(key string) bool {
	return isBuiltinKey(key) || IsSecretName(key)
}

// isBuiltinKey reports whether key is one of the names redacted since the first release, whose values are
// replaced whole (an object or an array under them becomes the placeholder too).
func isBuiltinKey(key string) bool {
	switch strings.ToLower(key) {
	case "access_token", "refresh_token", "id_token", "client_secret", "code", "token", "api_key", "signature", "password":
		return true
	}
	return false
}

// Header replaces the values of secret headers in h, in place. An Authorization value keeps a well-known scheme
// ("Bearer REDACTED"), so presence checks still pass on a redacted recording; a cookie keeps its name and
// attributes ("session=REDACTED; Path=/"). Every URL in any other header (Location, Link, Referer, custom ones)
// has its secret query and fragment values redacted, and a WWW-Authenticate challenge its parameters.
func Header(h http.Header) {
	var base Redactor
	for name, vals := range h {
		for i, v := range vals {
			vals[i] = base.headerValue(name, v, nil)
		}
	}
}

// isURLHeader reports whether a header's whole value is a URL, possibly relative.
func isURLHeader(name string) bool {
	switch strings.ToLower(name) {
	case "location", "content-location", "referer":
		return true
	}
	return false
}

// isBuiltinHeader reports whether a lower-case header name is one of the secret headers named since the first
// release (its JSON key is redacted whole).
func isBuiltinHeader(lower string) bool {
	switch lower {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key":
		return true
	}
	return false
}

// authSchemes are the Authorization schemes whose name is kept; any other first word could be the secret itself.
var authSchemes = []string{"Bearer", "Basic", "Digest", "Token", "Negotiate", "NTLM", "OAuth", "ApiKey", "AWS4-HMAC-SHA256"}

func headerValue(name, v string) string {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization":
		if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
			for _, s := range authSchemes {
				if strings.EqualFold(scheme, s) {
					return scheme + " " + Placeholder
				}
			}
		}
	case "cookie":
		return cookieValue(v, false)
	case "set-cookie":
		return cookieValue(v, true)
	}
	return Placeholder
}

// cookieValue keeps cookie names and, for Set-Cookie, the standard attributes (Path, Expires, HttpOnly, ...);
// every value becomes the placeholder and unknown attributes are dropped. A malformed cookie becomes the
// placeholder whole.
func cookieValue(v string, setCookie bool) string {
	pairs := strings.Split(v, ";")
	var attrs []string
	if setCookie {
		pairs, attrs = pairs[:1], pairs[1:]
	}
	out := make([]string, 0, len(pairs))
	for _, p := range pairs {
		name, _, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !validCookieName(name) {
			return Placeholder
		}
		out = append(out, name+"="+Placeholder)
	}
	for _, a := range attrs {
		name, _, _ := strings.Cut(strings.TrimSpace(a), "=")
		switch strings.ToLower(name) {
		case "path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "partitioned":
			out = append(out, strings.TrimSpace(a))
		}
	}
	return strings.Join(out, "; ")
}

// validCookieName accepts an RFC 6265 token of reasonable length; anything else may hold a value.
func validCookieName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// HeaderValue returns the value to print or store for a header: the value itself, or a placeholder for a secret.
func HeaderValue(name, value string) string {
	if IsSecretHeader(name) {
		return headerValue(name, value)
	}
	return value
}

// URL returns a copy of u with secret query (and fragment) values and any user information replaced: a password
// becomes the placeholder, and so does a user name sent without one (it is then usually a token).
func URL(u *url.URL) *url.URL { return redactURL(u, secretKey, nil) }

// URLString prints u as [URL] redacts it. A u with nothing to redact is printed as it is, without a redacted
// copy (perf: every request of a list with ?page= prints so). A nil u prints as "".
func URLString(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.User == nil && !strings.Contains(u.Fragment, "=") && redactQuery(u.RawQuery, secretKey, nil) == u.RawQuery {
		return u.String()
	}
	return URL(u).String()
}

// Query redacts a URL-encoded query or form body, keeping its keys, separators and order.
func Query(raw string) string { return redactQuery(raw, secretKey, nil) }

// secretKey is the secretFunc of [URL] and [Query]: a key [IsSecretKey] names, replaced by [Placeholder].
func secretKey(key string) (string, bool) {
	if IsSecretKey(key) {
		return Placeholder, true
	}
	return "", false
}

// secretFunc reports whether a decoded query key is secret, and the escaped value to put in its place.
type secretFunc func(key string) (placeholder string, secret bool)

func redactURL(u *url.URL, secret secretFunc, collect *Secrets) *url.URL {
	if u == nil {
		return nil
	}
	c := *u
	if c.User != nil {
		if p, ok := c.User.Password(); ok {
			collect.Add(p)
			c.User = url.UserPassword(c.User.Username(), Placeholder)
		} else if c.User.Username() != "" {
			collect.Add(c.User.Username())
			c.User = url.User(Placeholder)
		}
	}
	if c.RawQuery != "" {
		c.RawQuery = redactQuery(c.RawQuery, secret, collect)
	}
	if c.Fragment != "" && strings.Contains(c.Fragment, "=") { // implicit OAuth flows: #access_token=...
		frag := c.EscapedFragment()
		if red := redactQuery(frag, secret, collect); red != frag {
			c.RawFragment = red
			c.Fragment, _ = url.PathUnescape(red)
		}
	}
	return &c
}

// redactQuery returns raw with the value of every key=value part (split at "&" and ";") whose key, unescaped
// when it unescapes, is secret replaced by its placeholder, and adds those values to collect. It builds nothing
// until the first secret: a query without one is returned as it is, unallocated.
func redactQuery(raw string, secret secretFunc, collect *Secrets) string {
	var b strings.Builder
	changed := false
	for rest := raw; ; {
		i := strings.IndexAny(rest, "&;")
		part := rest
		if i >= 0 {
			part = rest[:i]
		}
		if k, v, ok := strings.Cut(part, "="); ok {
			key, err := url.QueryUnescape(k)
			if err != nil {
				key = k
			}
			if ph, yes := secret(key); yes {
				if dv, err := url.QueryUnescape(v); err == nil {
					collect.Add(dv)
				}
				collect.Add(v)
				if !changed {
					b.WriteString(raw[:len(raw)-len(rest)]) // the parts before, unchanged
					changed = true
				}
				part = k + "=" + ph
			}
		}
		if changed {
			b.WriteString(part)
		}
		if i < 0 {
			break
		}
		if changed {
			b.WriteByte(rest[i])
		}
		rest = rest[i+1:]
	}
	if !changed {
		return raw
	}
	return b.String()
}
