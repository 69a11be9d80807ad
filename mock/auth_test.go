package mock

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/gen/doorflow"
	"github.com/apikit/apikit/gen/sonderplan"
	"github.com/apikit/apikit/openapi"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithCount(5),
		WithToken("full", ScopeGroupReservationRead, ScopePersonRead),
		WithToken("list-only", ScopeGroupReservationRead),
		WithToken("no-scopes"))
	v := newValidator(t)
	id := s.Dataset().GroupReservations[0].ID
	list, one, groups := "/api/3/group_reservations", "/api/3/group_reservations/"+itoa(id), "/v2/group"
	cases := []struct {
		name, target, header string
		status               int
		wantReq              []string
	}{
		{"doorflow list, no header", list, "", 401, []string{"request.header Authorization security"}},
		{"doorflow get, no header", one, "", 401, []string{"request.header Authorization security"}},
		{"sonderplan, no header", groups, "", 401, []string{"request.header Authorization security"}},
		{"unknown token", list, "Bearer nope", 401, nil},
		{"default token not accepted once tokens are configured", groups, "Bearer " + DefaultToken, 401, nil},
		{"not a bearer scheme", groups, "Basic ZnVsbDp4", 401, []string{"request.header Authorization security"}},
		{"bearer without token", groups, "Bearer ", 401, []string{"request.header Authorization security"}},
		{"full token lists", list, "Bearer full", 200, nil},
		{"full token gets", one, "Bearer full", 200, nil},
		{"scheme is case-insensitive", one, "bearer full", 200, nil},
		{"list scope lists", list, "Bearer list-only", 200, nil},
		{"list scope cannot get (the get page names account.person.readonly)", one, "Bearer list-only", 403, nil},
		{"no scopes: DoorFlow forbids", list, "Bearer no-scopes", 403, nil},
		{"no scopes: Sonderplan has none", groups, "Bearer no-scopes", 200, nil},
		{"authentication before validation: DoorFlow", list + "?page=abc", "Bearer nope", 401, []string{"request.query page type"}},
		{"authentication before validation: Sonderplan", groups + "?limit=abc", "", 401,
			[]string{"request.header Authorization security", "request.query limit type"}},
		{"scope before validation", one[:strings.LastIndex(one, "/")] + "/abc", "Bearer list-only", 403, []string{"request.path id type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, tc.target, nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != tc.status {
				t.Fatalf("got status %d, want %d: %s", res.StatusCode, tc.status, rec.Body)
			}
			got := violationKeys(checkExchange(t, v, exchangeOf(req, res, rec.Body.Bytes())))
			if !slices.Equal(got, tc.wantReq) {
				t.Errorf("harness on the request: got %q, want %q", got, tc.wantReq)
			}
			if tc.status == http.StatusOK {
				return
			}
			if res.Header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header")
			}
			if strings.HasPrefix(tc.target, "/v2/") {
				e := decode[sonderplan.Error](t, rec.Body.Bytes())
				if e.Message == nil || *e.Message != "Unauthenticated." {
					t.Errorf("got %s, want Sonderplan's {\"message\":\"Unauthenticated.\"}", rec.Body)
				}
				return
			}
			e := decode[doorflow.Error](t, rec.Body.Bytes())
			want := map[int]string{401: "unauthorized", 403: "forbidden"}[tc.status]
			if e.Error == nil || *e.Error != want || e.ErrorDescription == nil {
				t.Errorf("got %s, want DoorFlow's error %q with a description", rec.Body, want)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(*e.ErrorDescription, "account.") {
				t.Errorf("got %q, want the missing scope named", *e.ErrorDescription)
			}
		})
	}
}

func TestDefaultTokenHasEveryScope(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithCount(5))
	v := newValidator(t)
	if got := s.Tokens(); !slices.Equal(got, []string{DefaultToken}) {
		t.Errorf("got tokens %q, want only %q", got, DefaultToken)
	}
	id := itoa(s.Dataset().GroupReservations[0].ID)
	for _, target := range []string{"/api/3/group_reservations", "/api/3/group_reservations/" + id, "/v2/group"} {
		if rep := get(t, s, v, target, DefaultToken); rep.status != http.StatusOK {
			t.Errorf("GET %s: got status %d, want 200", target, rep.status)
		}
	}
}

// TestScopesMatchSpec: the scope the mock demands of each operation is the one its spec declares.
func TestScopesMatchSpec(t *testing.T) {
	t.Parallel()
	for _, rt := range routes {
		data, err := openapi.FS.ReadFile(rt.vendor + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatal(err)
		}
		op := doc.Paths.Find(rt.pattern).Get
		if op == nil || op.OperationID != rt.operationID {
			t.Fatalf("%s: the spec has no GET %s with operationId %s", rt.vendor, rt.pattern, rt.operationID)
		}
		var scopes []string
		for _, req := range *op.Security {
			for _, ss := range req {
				scopes = append(scopes, ss...)
			}
		}
		want := []string(nil)
		if rt.scope != "" {
			want = []string{rt.scope}
		}
		if !slices.Equal(scopes, want) {
			t.Errorf("%s: the spec asks for scopes %q, the mock for %q", rt.operationID, scopes, want)
		}
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithCount(5))
	v := newValidator(t)
	cases := []struct {
		name, method, target string
		status               int
		wantKey              string // the vendor's error property
	}{
		{"unknown path", "GET", "/api/3/people", 404, "error"},
		{"root", "GET", "/", 404, "error"},
		{"unknown Sonderplan path", "GET", "/v2/users", 404, "message"},
		{"trailing slash", "GET", "/v2/group/", 404, "message"},
		{"empty id", "GET", "/api/3/group_reservations/", 404, "error"},
		{"nested under an id", "GET", "/api/3/group_reservations/1/doors", 404, "error"},
		{"POST on a list", "POST", "/api/3/group_reservations", 405, "error"},
		{"DELETE on an item", "DELETE", "/api/3/group_reservations/1", 405, "error"},
		{"PUT on Sonderplan", "PUT", "/v2/group", 405, "message"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := send(t, s, v, tc.method, tc.target, DefaultToken)
			if rep.status != tc.status {
				t.Fatalf("got status %d, want %d: %s", rep.status, tc.status, rep.body)
			}
			body := decode[map[string]string](t, rep.body)
			if body[tc.wantKey] == "" {
				t.Errorf("got %s, want a JSON error with %q", rep.body, tc.wantKey)
			}
			if tc.status == http.StatusMethodNotAllowed && rep.header.Get("Allow") != "GET, HEAD" {
				t.Errorf("got Allow %q, want \"GET, HEAD\"", rep.header.Get("Allow"))
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestLogLine: one line per request, with method, path, status and duration, and never the token.
func TestLogLine(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	const secret = "SECRET-token-7f3a"
	s := newServer(t, WithCount(5), WithToken(secret, Scopes()...), WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	v := newValidator(t)
	get(t, s, v, "/v2/group?limit=2&access_token="+secret, secret)
	get(t, s, v, "/api/3/group_reservations/1", secret)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d log lines, want 2:\n%s", len(lines), buf.String())
	}
	if strings.Contains(buf.String(), secret) {
		t.Errorf("the log holds the token:\n%s", buf.String())
	}
	want := []map[string]any{
		{"method": "GET", "path": "/v2/group", "status": float64(200), "query": "limit=2&access_token=REDACTED"},
		{"method": "GET", "path": "/api/3/group_reservations/1", "status": float64(404)},
	}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatal(err)
		}
		for k, w := range want[i] {
			if got[k] != w {
				t.Errorf("line %d: got %s=%v, want %v", i+1, k, got[k], w)
			}
		}
		if _, ok := got["duration"]; !ok {
			t.Errorf("line %d has no duration: %s", i+1, line)
		}
	}
}

func exchangeOf(req *http.Request, res *http.Response, body []byte) *contract.Exchange {
	return &contract.Exchange{Source: "test", Index: -1, Method: req.Method, URL: req.URL, RequestHeader: req.Header,
		Status: res.StatusCode, ResponseHeader: res.Header, ResponseBody: body}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
