package contract

import (
	"net/url"
	"strings"
)

// The scope of --strict (issue 13): an exchange no operation matches is drift, a violation under WithStrict, when
// it is the vendors' traffic; anything else a capture holds (a browser's page, its assets, other APIs) is other
// traffic, never a violation. The vendors' traffic is what goes to a vendor's host (one of its servers, a
// WithBaseURL), has no host, or whose path starts like one of the specs' paths ("/api", "/v2"): a capture of the
// mock or a staging host without --base-url keeps its drift, a page at "/" or "/favicon.svg" on the same machine
// does not.

// otherTraffic reports whether an unmatched exchange to u is other traffic rather than the vendors'.
func (r *router) otherTraffic(u *url.URL) bool {
	if u == nil || u.Host == "" || r.knownHost(u.Host) {
		return false
	}
	first := firstSegment(u.EscapedPath())
	for _, s := range r.specs {
		for _, o := range s.ops {
			if first != "" && strings.EqualFold(first, firstSegment(o.template)) {
				return false
			}
		}
	}
	return true
}

// knownHost reports whether host is a vendor's: one of its servers or a configured base URL.
func (r *router) knownHost(host string) bool {
	for _, s := range r.specs {
		for _, b := range s.bases {
			if strings.EqualFold(b.Host, host) {
				return true
			}
		}
	}
	return false
}

// firstSegment is the first segment of a path: "api" of "/api/3/x"; "" for "/".
func firstSegment(p string) string {
	p = strings.TrimPrefix(p, "/")
	seg, _, _ := strings.Cut(p, "/")
	return seg
}
