package contracttest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/contract/contracttest"
)

// fakeTB records what a helper reports instead of failing the real test; everything else (Cleanup, Context,
// TempDir) goes to the real test.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (f *fakeTB) Helper()             {}
func (f *fakeTB) Name() string        { return "TestFake" }
func (f *fakeTB) Logf(string, ...any) {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Errors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...)
}

// reservation is deactivated: its 2024 window is right for that state whenever the test runs.
const reservation = `{"id":456,"person_id":12345,"start_time":"2024-01-15T09:00:00.000Z","end_time":"2024-01-15T17:00:00.000Z","state":"deactivated","group_ids":[1,3,5],"created_at":"2024-01-10T12:00:00.000Z","updated_at":"2024-01-10T12:00:00.000Z"}`

// doorflowAnswer serves body as the list of group reservations.
func doorflowAnswer(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, body)
	})
}

// get sends GET base+target with a bearer token through hc and returns the body.
func get(t *testing.T, hc *http.Client, url string) (string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer SECRET-helper-token")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestClientFailsTheTest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, target, body string
		want               [][]string // per reported error, the parts it must show
	}{
		{"valid answer", "?page=1", "[" + reservation + "]", nil},
		{"unknown state", "?page=1", "[" + strings.Replace(reservation, `"deactivated"`, `"cancelled"`, 1) + "]",
			[][]string{{"GET", "/api/3/group_reservations?page=1", "status 200", "TestFake#0 listGroupReservations", "response.body /0/state", "must be one of", `(got "cancelled")`}}},
		{"missing property", "", "[" + strings.Replace(reservation, `"person_id":12345,`, "", 1) + "]",
			[][]string{{"response.body /0/person_id", `required property "person_id" is missing`}}},
		{"request and response", "?page=one", `{"id":1}`,
			[][]string{{"request.query page"}, {"response.body", "must be an array"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(doorflowAnswer(tc.body))
			t.Cleanup(srv.Close)
			ft := &fakeTB{TB: t}
			hc := contracttest.Client(ft, contracttest.WithBaseURL("doorflow", srv.URL), contracttest.WithRoundTripper(srv.Client().Transport))
			got, err := get(t, hc, srv.URL+"/api/3/group_reservations"+tc.target)
			if err != nil || got != tc.body {
				t.Errorf("the client got %q, %v; want the server's answer: the helper reports, it does not block", got, err)
			}
			errs := ft.Errors()
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d test failures, want %d:\n%s", len(errs), len(tc.want), strings.Join(errs, "\n"))
			}
			for i, parts := range tc.want {
				for _, p := range parts {
					if !strings.Contains(errs[i], p) {
						t.Errorf("failure %q does not show %q", errs[i], p)
					}
				}
				if strings.Contains(errs[i], "SECRET") {
					t.Errorf("failure %q shows the token", errs[i])
				}
			}
		})
	}
}

func TestEnforce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, path, body string
		want             []string // a part of each reported error
	}{
		{"valid", "/v1/api/3/group_reservations", "[" + reservation + "]", nil},
		{"answer outside the contract", "/v1/api/3/group_reservations", `[{"id":"x"}]`,
			[]string{"fake doorflow answered outside the contract", "response.body /0/id"}},
		{"route the spec does not have", "/v1/api/3/doors", "[]", []string{"is not an operation of doorflow"}},
		{"path outside the base path", "/api/3/group_reservations", "[]", []string{"is not an operation of doorflow"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ft := &fakeTB{TB: t}
			mux := http.NewServeMux()
			mux.Handle("/", doorflowAnswer(tc.body))
			srv := httptest.NewServer(contracttest.Enforce(ft, "doorflow", mux, contracttest.WithBasePath("/v1")))
			t.Cleanup(srv.Close)
			if _, err := get(t, srv.Client(), srv.URL+tc.path); err != nil {
				t.Fatal(err)
			}
			errs := ft.Errors()
			if len(errs) < len(tc.want) || (len(tc.want) == 0 && len(errs) > 0) {
				t.Fatalf("got failures %q, want ones showing %q", errs, tc.want)
			}
			all := strings.Join(errs, "\n")
			if len(errs) > 0 {
				tc.want = append(tc.want, "contracttest.Enforce at contracttest_test.go:") // the caller's line, not ours
			}
			for _, p := range tc.want {
				if !strings.Contains(all, p) {
					t.Errorf("failures %q do not show %q", errs, p)
				}
			}
		})
	}
}

// handlerTransport answers requests in-process with a handler, as if the vendor's host answered.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	ht.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("the network is off")
}

// TestCassetteRecordThenReplay records testdata/cassettes/doorflow/listGroupReservations/first-page.yaml (in a
// temporary working folder) and replays it with WithCassette, with no network. It changes the working folder
// and the environment, so it does not run in parallel.
func TestCassetteRecordThenReplay(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv(contracttest.RecordEnv, "")
	const url = "https://api.doorflow.com/api/3/group_reservations?page=1&per_page=2"
	body := "[" + reservation + "]"
	t.Run("record", func(t *testing.T) {
		hc := contracttest.Client(t, contracttest.WithRoundTripper(handlerTransport{doorflowAnswer(body)}),
			contracttest.WithRecording(contracttest.CassettePath("doorflow", "listGroupReservations", "first-page")))
		if got, err := get(t, hc, url); err != nil || got != body {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	ft := &fakeTB{TB: t}
	hc := contracttest.Client(ft, contracttest.WithRoundTripper(failingTransport{}),
		contracttest.WithCassette("doorflow", "listGroupReservations", "first-page"))
	got, err := get(t, hc, url)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(body, got); diff != "" {
		t.Errorf("replayed body (-recorded +replayed):\n%s", diff)
	}
	if errs := ft.Errors(); len(errs) > 0 {
		t.Errorf("replay reported %q", errs)
	}
}

func TestCheckRecordings(t *testing.T) {
	t.Parallel()
	har := func(auth, body string) string {
		b, _ := json.Marshal(body)
		return `{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://api.doorflow.com/api/3/group_reservations",` +
			`"headers":[{"name":"Authorization","value":"` + auth + `"}]},"response":{"status":200,` +
			`"headers":[{"name":"Content-Type","value":"application/json"}],"content":{"text":` + string(b) + `}}}]}}`
	}
	cases := []struct {
		name, content string
		want          []string
	}{
		{"clean", har("Bearer REDACTED", "["+reservation+"]"), nil},
		{"a secret on disk", har("Bearer SECRET-live-token", "["+reservation+"]"), []string{"holds secret number 1 of 1 (its value is not shown)"}},
		{"a violation", har("Bearer REDACTED", `[{"id":1}]`), []string{`required property "person_id" is missing`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "rec.har")
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			ft := &fakeTB{TB: t}
			contracttest.CheckRecordings(ft, []string{p}, []string{"SECRET-live-token"})
			errs := strings.Join(ft.Errors(), "\n")
			if (errs == "") != (len(tc.want) == 0) || strings.Contains(errs, "SECRET") {
				t.Errorf("got failures %q, want ones showing %q and no secret", errs, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("failures %q do not show %q", errs, w)
				}
			}
		})
	}
}

// TestCheckRecordingsFailOn: a recording of one's own error-path calls (a request without a token, a malformed
// parameter, on purpose) fails on both sides by default and passes with WithFailOn(vendor), its client-side
// violations logged.
func TestCheckRecordingsFailOn(t *testing.T) {
	t.Parallel()
	p := filepath.Join("..", "..", "testdata", "exporters", "mitmproxy-har_dump.har")
	ft := &fakeTB{TB: t}
	contracttest.CheckRecordings(ft, []string{p}, nil)
	if n := len(ft.Errors()); n != 2 {
		t.Errorf("by default: %d failures %q, want the 2 client-side violations", n, ft.Errors())
	}
	ft = &fakeTB{TB: t}
	contracttest.CheckRecordings(ft, []string{p}, nil, contracttest.WithFailOn(contract.FailOnVendor))
	if len(ft.Errors()) != 0 {
		t.Errorf("WithFailOn(vendor): failures %q, want none", ft.Errors())
	}
	ft = &fakeTB{TB: t}
	contracttest.CheckRecordings(ft, []string{p}, nil, contracttest.WithFailOn(contract.FailOnClient))
	if len(ft.Errors()) != 2 {
		t.Errorf("WithFailOn(client): failures %q, want 2", ft.Errors())
	}
}

// fatalTB records a Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	*fakeTB
	fatal string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestMissingCassetteSaysHowToRecord: replaying a cassette that does not exist says that APIKIT_RECORD=1
// records it.
func TestMissingCassetteSaysHowToRecord(t *testing.T) {
	t.Parallel()
	ft := &fatalTB{fakeTB: &fakeTB{TB: t}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		contracttest.Transport(ft, contracttest.WithReplay(filepath.Join(t.TempDir(), "nope.yaml")))
	}()
	<-done
	if !strings.Contains(ft.fatal, "APIKIT_RECORD=1 go test -run '^TestFake$'") || !strings.Contains(ft.fatal, "nope") {
		t.Errorf("fatal %q, want it to name the cassette and APIKIT_RECORD=1", ft.fatal)
	}
}
