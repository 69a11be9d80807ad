package contract

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// The compiled request check (fastrequest.go) must give exactly kin-openapi's verdicts on parameters and
// security: these tests run every request through both engines and compare every field of every violation.

// requestBases are the URLs requests are built on; those of features.example go to the features test spec.
var requestBases = []string{
	"https://api.doorflow.com/api/3/group_reservations/",
	"https://api.doorflow.com/api/3/group_reservations",
	"https://api.sonderplan.com/v2/group",
	"https://features.example/things/",
	"https://features.example/mixed",
}

// requestExchange builds a GET of base+rest with the credential auth ("" for none: Authorization, or X-Api-Key
// on the features spec); nil when the URL does not parse. features says which specs it is for.
func requestExchange(which int, rest, auth string) (ex *Exchange, features bool) {
	base := requestBases[which%len(requestBases)]
	u, err := url.Parse(base + rest)
	if err != nil {
		return nil, false
	}
	features = strings.Contains(base, "features.example")
	h := http.Header{}
	if auth != "" {
		if features {
			h.Set("X-Api-Key", auth)
		} else {
			h.Set("Authorization", auth)
		}
	}
	return &Exchange{Source: "fuzz", Index: -1, Method: "GET", URL: u, RequestHeader: h}, features
}

var requestCases = []struct {
	name  string
	which int
	rest  string
	auth  string
	fast  bool
}{
	{"valid get", 0, "456", "Bearer REDACTED", true},
	{"no credential", 0, "456", "", true},
	{"basic instead of bearer", 0, "456", "Basic dXNlcjpwYXNz", true},
	{"bearer in lower case", 0, "456", "bearer x", true},
	{"bearer without token", 0, "456", "Bearer ", true},
	{"id not an integer", 0, "abc", "Bearer x", true},
	{"id 1.0", 0, "1.0", "Bearer x", true},
	{"id beyond int64", 0, "9223372036854775808", "Bearer x", true},
	{"id negative", 0, "-5", "Bearer x", true},
	{"id plus sign", 0, "+5", "Bearer x", true},
	{"id escaped", 0, "%34%35%36", "Bearer x", true},
	{"id with a space", 0, "4%205", "", true},
	{"list without query", 1, "", "Bearer x", true},
	{"list with every parameter", 1, "?since=2024-01-15T09:00:00&since_utc=x&per_page=500&page=2&skip_pagination=true", "Bearer x", true},
	{"list bad integers and boolean", 1, "?per_page=ten&page=1.5&skip_pagination=yes", "Bearer x", true},
	{"list empty values", 1, "?per_page=&page=&skip_pagination=&since=", "", true},
	{"list repeated keys", 1, "?page=&page=x&page=3&per_page=1&per_page=y", "Bearer x", true},
	{"list boolean forms", 1, "?skip_pagination=T&per_page=0x10", "Bearer x", true},
	{"list bad escapes and semicolons", 1, "?page=%zz&per_page=1;page=x&=&&", "Bearer x", true},
	{"list unknown parameter", 1, "?colour=blue&access_token=SECRET-x", "Bearer x", true},
	{"groups acl filters", 2, "?acl_schedule=RW&acl_task=rw&acl_admin=&filter_operator=XOR&limit=-1", "Bearer x", true},
	{"groups acl escaped", 2, "?acl_task=R%2D&acl_finance=--&filter_operator=AND", "", true},
	{"groups strings", 2, "?id=1,2&name=%C3%A9&description=&order_asc=name&fields=id,name", "Bearer x", true},
	{"thing valid", 3, "7?mail=a@b&on=true", "k", true},
	{"thing without key", 3, "7?mail=&on=1&n=&pick=", "", true},
	{"thing every parameter broken", 3, "2147483648?when=x&mail=a@b@c&day=2024-13-01&n=x&pick=c&on=maybe", "k", true},
	{"thing formats valid", 3, "-1?when=2024-01-15T09:00:00Z&day=2024-01-15&mail=%20@b&on=F", "k", true},
	{"thing missing required", 3, "1", "k", true},
	{"header parameter goes to kin", 4, "?x=1", "", false},
}

func TestFastRequestMatchesKin(t *testing.T) {
	t.Parallel()
	vendor, features := enginePairs(t)
	for _, tc := range requestCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex, feat := requestExchange(tc.which, tc.rest, tc.auth)
			if ex == nil {
				t.Fatalf("bad URL %q", tc.rest)
			}
			e := vendor
			if feat {
				e = features
			}
			if decided := compareRequests(t, e.fast, e.ref, ex); decided != tc.fast {
				t.Errorf("compiled request check decided=%v, want %v", decided, tc.fast)
			}
		})
	}
}

// compareRequests validates the request of ex with both validators, fails on any difference, and returns whether
// the compiled check decided it.
func compareRequests(t testing.TB, fast, ref *Validator, ex *Exchange) bool {
	t.Helper()
	got := normalized(fast.ValidateRequest(t.Context(), ex))
	want := normalized(ref.ValidateRequest(t.Context(), ex))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("compiled request check and kin-openapi disagree on %s %s (Authorization %q)\ncompiled: %s %s\nkin:      %s %s",
			ex.Method, ex.URL, ex.RequestHeader.Get("Authorization"), got.OperationID, describe(got), want.OperationID, describe(want))
	}
	if got.OperationID == "" {
		return false
	}
	_, decided := fast.fastRequest(fast.router.op(got.OperationID), ex, nil, Violation{}, &requestQuery{u: ex.URL})
	return decided
}

// FuzzFastRequestMatchesKin mutates paths, queries and credentials of the three operations and fails on any
// difference between the compiled request check and kin-openapi. Its seeds (requestCases) run in plain go test.
func FuzzFastRequestMatchesKin(f *testing.F) {
	for _, tc := range requestCases {
		f.Add(uint8(tc.which), tc.rest, tc.auth)
	}
	vendor, features := enginePairs(f)
	f.Fuzz(func(t *testing.T, which uint8, rest, auth string) {
		ex, feat := requestExchange(int(which), rest, auth)
		if ex == nil {
			return
		}
		e := vendor
		if feat {
			e = features
		}
		compareRequests(t, e.fast, e.ref, ex)
	})
}
