package redact

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// headerValue returns one header value as a recording stores it, adding the credentials it holds to collect:
// a secret header's value is replaced (see [Header]); a challenge (WWW-Authenticate and the like) keeps its
// scheme and its harmless parameters; a URL-valued header (Location, Content-Location, Referer) and every URL in
// any other header (a Link's <...>, a custom header's https://...) have their secret query and fragment values
// redacted.
func (r *Redactor) headerValue(name, v string, collect *Secrets) string {
	switch {
	case IsSecretHeader(name):
		collect.addCredential(name, v)
		return headerValue(name, v)
	case r.headers[strings.ToLower(name)]:
		collect.addCredential(name, v)
		return Placeholder
	}
	switch strings.ToLower(name) {
	case "www-authenticate", "proxy-authenticate", "authentication-info", "proxy-authentication-info":
		return r.challenge(v, collect)
	}
	if isURLHeader(name) || strings.HasPrefix(v, "/") {
		return r.rawURLCollect(v, collect)
	}
	return r.urlsIn(v, collect)
}

// urlInText finds a URL in text: one between angle brackets (a Link), or an absolute one.
var urlInText = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`<([^<>\s]*)>|\b[A-Za-z][A-Za-z0-9+.-]*://[^\s<>"'\x60]+`)
})

// urlsIn redacts every URL in text (the query and the fragment of each, by key).
func (r *Redactor) urlsIn(text string, collect *Secrets) string {
	if !strings.Contains(text, "://") && !strings.Contains(text, "<") {
		return text
	}
	return urlInText().ReplaceAllStringFunc(text, func(m string) string {
		if strings.HasPrefix(m, "<") {
			return "<" + r.rawURLCollect(m[1:len(m)-1], collect) + ">"
		}
		return r.rawURLCollect(m, collect)
	})
}

// challengeParam is one auth-param of a challenge: name=token or name="quoted string".
var (
	challengeParam = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`([A-Za-z0-9_!#$%&'*+.^|~-]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"?|[^\s,"]*)`)
	})
	challengeT68 = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([A-Za-z0-9_!#$%&'*+.^|~-]+)[ \t]+[A-Za-z0-9._~+/-]+=*[ \t]*$`)
	})
)

// challenge redacts a WWW-Authenticate (or Proxy-Authenticate, Authentication-Info) value: the schemes and the
// parameters realm, scope, error, charset, algorithm, qop, stale and domain are kept; error_uri keeps its URL
// with the query redacted; every other parameter (error_description may quote the token; nonce, opaque,
// nextnonce) and a token68 become the placeholder.
func (r *Redactor) challenge(v string, collect *Secrets) string {
	if m := challengeT68().FindStringSubmatch(v); m != nil {
		return m[1] + " " + Placeholder
	}
	return challengeParam().ReplaceAllStringFunc(v, func(p string) string {
		m := challengeParam().FindStringSubmatch(p)
		name, val := m[1], m[2]
		quoted := strings.HasPrefix(val, `"`)
		switch strings.ToLower(name) {
		case "realm", "scope", "error", "charset", "algorithm", "qop", "stale", "domain":
			return p
		case "error_uri":
			u := strings.Trim(val, `"`)
			red := r.rawURLCollect(u, collect)
			if quoted {
				red = `"` + red + `"`
			}
			return name + "=" + red
		}
		if quoted {
			return name + `="` + Placeholder + `"`
		}
		return name + "=" + Placeholder
	})
}

// rawURLCollect redacts a URL or a request URI held as text, adding the credentials it holds to collect. Text
// that does not parse has its query redacted as text.
func (r *Redactor) rawURLCollect(raw string, collect *Secrets) string {
	if raw == "" {
		return raw
	}
	if u, err := url.Parse(raw); err == nil {
		if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
			return raw
		}
		return redactURL(u, r.queryPlaceholder, collect).String()
	}
	if base, q, ok := strings.Cut(raw, "?"); ok {
		return base + "?" + redactQuery(q, r.queryPlaceholder, collect)
	}
	return raw
}
