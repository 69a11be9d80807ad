package contract

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/apikit/apikit/internal/redact"
)

// plantedSecrets are the secret values the transport tests send and receive; none may reach a recording.
var plantedSecrets = []string{
	"SECRET-bearer-1", "SECRET-query-1", "SECRET-basic-1", "SECRET-refresh-1", "SECRET-client-1", "SECRET-code-1",
	"SECRET-access-2", "SECRET-refresh-2", "SECRET-cookie-1", "SECRET-cookie-2", "SECRET-sp-1",
	"SECRET-first", "SECRET-last", "SECRET-pii",
}

// plantedRequest is one request of the recording fixture.
type plantedRequest struct {
	name, method, target, contentType, body string
	header                                  http.Header
}

var plantedRequests = []plantedRequest{
	{name: "doorflow list, token in the header and the query", method: http.MethodGet,
		target: "/api/3/group_reservations?per_page=3&page=1&access_token=SECRET-query-1",
		header: http.Header{"Authorization": {"Bearer SECRET-bearer-1"}}},
	{name: "OAuth refresh, secrets in a form body", method: http.MethodPost, target: "/oauth/token",
		contentType: "application/x-www-form-urlencoded",
		body:        "grant_type=refresh_token&refresh_token=SECRET-refresh-1&client_id=app&client_secret=SECRET-client-1",
		header:      http.Header{"Authorization": {"Basic SECRET-basic-1"}}},
	{name: "OAuth code exchange, code in the query", method: http.MethodPost, target: "/oauth/token?code=SECRET-code-1&state=s1",
		contentType: "application/x-www-form-urlencoded", body: "grant_type=authorization_code&code=SECRET-code-1"},
	{name: "sonderplan groups, cookie and PII", method: http.MethodGet, target: "/v2/group?limit=10",
		header: http.Header{"Authorization": {"Bearer SECRET-sp-1"}, "Cookie": {"session=SECRET-cookie-2"}}},
}

// plantedServer answers the planted requests as the vendors would, with secrets of its own: a cookie, an OAuth
// token response and Sonderplan members' personal data.
func plantedServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/3/group_reservations", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "_doorflow_session=SECRET-cookie-1; Path=/; HttpOnly")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		// rules: deactivated, so the reservation's 2024 window is right at whatever time the test runs
		_, _ = io.WriteString(w, "["+strings.Replace(reservation, `"active"`, `"deactivated"`, 1)+"]")
	})
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"SECRET-access-2","token_type":"Bearer","expires_in":7200,"refresh_token":"SECRET-refresh-2","scope":"account.person.readonly"}`)
	})
	mux.HandleFunc("GET /v2/group", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[{"id":5693,"name":"Video Editors","members":[`+
			`{"id":4,"first_name":"SECRET-first","last_name":"SECRET-last","primary_email":"SECRET-pii@example.com"}],`+
			`"acl_schedule":"R-"}],"meta":{"pagination":{"total":1,"count":1,"per_page":10,"current_page":1}}}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// answer is what a client got: status and body.
type answer struct {
	Status int
	Body   string
}

// send makes the planted requests through hc and returns the answers, keyed by request name.
func send(t *testing.T, hc *http.Client, base string, reqs []plantedRequest, header http.Header) map[string]answer {
	t.Helper()
	got := map[string]answer{}
	for _, pr := range reqs {
		var body io.Reader
		if pr.body != "" {
			body = strings.NewReader(pr.body)
		}
		req, err := http.NewRequestWithContext(t.Context(), pr.method, base+pr.target, body)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range pr.header {
			req.Header[k] = slices.Clone(v)
		}
		for k, v := range header {
			req.Header[k] = slices.Clone(v)
		}
		if pr.contentType != "" {
			req.Header.Set("Content-Type", pr.contentType)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", pr.name, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		got[pr.name] = answer{resp.StatusCode, string(b)}
	}
	return got
}

// recording is what recordFixture leaves: the folder, the files, the live answers and the live verdicts.
type recording struct {
	dir, cassette, har string
	base               string
	live               map[string]answer
	results            []Result
}

// recordFixture sends the planted requests to a planted server through a recording transport, writing a
// cassette and a HAR file in a temporary folder.
func recordFixture(t *testing.T) *recording {
	t.Helper()
	srv := plantedServer(t)
	rec := &recording{dir: t.TempDir(), base: srv.URL}
	rec.cassette = filepath.Join(rec.dir, "cassettes", "mixed", "planted.yaml")
	rec.har = filepath.Join(rec.dir, "planted.har")
	var mu sync.Mutex
	tr, err := NewTransport(newValidator(t),
		WithRoundTripper(srv.Client().Transport), WithRecord(rec.cassette), WithHAR(rec.har),
		WithOnResult(func(r Result) { mu.Lock(); rec.results = append(rec.results, r); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	rec.live = send(t, &http.Client{Transport: tr}, srv.URL, plantedRequests, nil)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestTransportRecordAndReplay(t *testing.T) {
	t.Parallel()
	rec := recordFixture(t)

	t.Run("live answers keep their secrets", func(t *testing.T) {
		t.Parallel()
		if got := rec.live["OAuth refresh, secrets in a form body"].Body; !strings.Contains(got, "SECRET-access-2") {
			t.Errorf("the caller got %s: redaction reached the live answer", got)
		}
	})
	t.Run("live verdicts", func(t *testing.T) {
		t.Parallel()
		var got []string
		for _, r := range rec.results {
			state := "valid"
			switch {
			case r.Skipped:
				state = "skipped"
			case !r.Valid:
				state = "invalid: " + r.Violations[0].Error()
			}
			got = append(got, r.Method+" "+r.OperationID+" "+state)
		}
		want := []string{"GET listGroupReservations valid", "POST  skipped", "POST  skipped", "GET listGroups valid"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("verdicts (-want +got):\n%s", diff)
		}
	})
	t.Run("no planted secret on disk", func(t *testing.T) {
		t.Parallel()
		files := 0
		err := filepath.WalkDir(rec.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			files++
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, s := range plantedSecrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s holds the planted secret %s", p, s)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if files != 2 {
			t.Errorf("got %d files in the recording folder, want 2 (the cassette and the HAR)", files)
		}
	})
	t.Run("recordings validate", func(t *testing.T) {
		t.Parallel()
		v := newValidator(t)
		var report Report
		for ex, err := range Load(t.Context(), []string{rec.dir}) {
			if err != nil {
				t.Fatal(err)
			}
			report.Add(v.Validate(t.Context(), ex))
		}
		want := Summary{Exchanges: 8, Valid: 4, Skipped: 4, OtherTraffic: 4} // the test server's host is no vendor's
		if diff := cmp.Diff(want, report.Summary()); diff != "" {
			t.Errorf("summary of the recordings (-want +got):\n%s\n%v", diff, report.Error())
		}
		for _, r := range report.Results {
			if r.OperationID == "listGroups" && r.Valid && !strings.Contains(r.URL, "limit=10") {
				t.Errorf("recorded URL %s lost its query", r.URL)
			}
		}
	})
	t.Run("replay without network gives the redacted answers", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int64
		tr, err := NewTransport(newValidator(t), WithReplay(rec.cassette),
			WithRoundTripper(roundTripFunc(func(*http.Request) (*http.Response, error) {
				calls.Add(1)
				return nil, errors.New("the network is off")
			})),
			WithOnViolation(func(r Result) { t.Errorf("replayed exchange violates the contract: %v", r.Violations) }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tr.Close() })
		// Other credentials than the recording run's: matching ignores them.
		got := send(t, &http.Client{Transport: tr}, rec.base, plantedRequests, http.Header{"Authorization": {"Bearer SECRET-other-run"}})
		r, err := redact.New()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]answer{}
		for name, a := range rec.live {
			want[name] = answer{a.Status, string(r.Body("application/json", []byte(a.Body)))}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("replayed answers (-want +got):\n%s", diff)
		}
		if got["doorflow list, token in the header and the query"].Body != rec.live["doorflow list, token in the header and the query"].Body {
			t.Error("an answer without secrets is not replayed byte for byte")
		}
		if n := calls.Load(); n != 0 {
			t.Errorf("replay made %d network calls", n)
		}
	})
	t.Run("replay of an unrecorded request fails", func(t *testing.T) {
		t.Parallel()
		tr, err := NewTransport(newValidator(t), WithReplay(rec.cassette))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tr.Close() })
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, rec.base+"/api/3/group_reservations?page=9", nil)
		_, err = (&http.Client{Transport: tr}).Do(req)
		if !errors.Is(err, cassette.ErrInteractionNotFound) {
			t.Errorf("got error %v, want cassette.ErrInteractionNotFound", err)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportViolations(t *testing.T) {
	t.Parallel()
	broken := `[{"id":456,"person_id":12345,"start_time":"2024-01-15T09:00:00.000Z","end_time":"2024-01-15T17:00:00.000Z","state":"cancelled","group_ids":[1],"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:00:00.000Z"}]`
	cases := []struct {
		name, query string
		enforce     bool
		wantSent    int64
		wantErr     bool
		want        []string // In Pointer Rule of each violation reported
	}{
		{"reported, answer delivered", "page=1", false, 1, false, []string{"response.body /0/state enum"}},
		{"enforced response", "page=1", true, 1, true, []string{"response.body /0/state enum"}},
		{"enforced request is not sent", "page=one", true, 0, true, []string{"request.query page type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, broken)
			}))
			t.Cleanup(srv.Close)
			var mu sync.Mutex
			var got []string
			tr, err := NewTransport(newValidator(t), WithEnforce(tc.enforce), WithRoundTripper(srv.Client().Transport),
				WithOnViolation(func(r Result) {
					mu.Lock()
					defer mu.Unlock()
					for _, v := range r.Violations {
						got = append(got, v.In+" "+v.Pointer+" "+v.Rule)
					}
				}))
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/3/group_reservations?"+tc.query, nil)
			req.Header.Set("Authorization", "Bearer SECRET-x")
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if tc.wantErr {
				var viol *Violation
				if !errors.As(err, &viol) {
					t.Fatalf("got error %v, want one holding a *contract.Violation", err)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("the error shows a secret: %v", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != broken {
					t.Errorf("the caller got %s, want the server's answer unchanged", b)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("violations reported (-want +got):\n%s", diff)
			}
			if n := sent.Load(); n != tc.wantSent {
				t.Errorf("the server got %d requests, want %d", n, tc.wantSent)
			}
		})
	}
}

func TestNewTransportErrors(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	dir := t.TempDir()
	cases := []struct {
		name string
		v    *Validator
		opts []TransportOption
	}{
		{"nil validator", nil, nil},
		{"record and replay", v, []TransportOption{WithRecord(filepath.Join(dir, "a")), WithReplay(filepath.Join(dir, "a"))}},
		{"missing cassette", v, []TransportOption{WithReplay(filepath.Join(dir, "missing.yaml"))}},
		{"nil round tripper", v, []TransportOption{WithRoundTripper(nil)}},
		{"empty redaction key", v, []TransportOption{WithRedaction(Redaction{Keys: []string{""}})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tr, err := NewTransport(tc.v, tc.opts...); err == nil {
				_ = tr.Close()
				t.Error("got a transport, want an error")
			}
		})
	}
}
