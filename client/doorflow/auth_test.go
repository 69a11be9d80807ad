package doorflow_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/apikit/apikit/client/doorflow"
	"github.com/apikit/apikit/internal/clienttest"
)

// Secrets the auth tests plant; none may appear in an error or a log line.
const (
	clientSecret = "SECRET-client"
	refreshToken = "SECRET-refresh"
)

// tokenEndpoint is DoorFlow's OAuth token endpoint on the fake server. It grants refresh_token requests from
// client "client-id" and issues SECRET-access-1, SECRET-access-2, … valid for an hour, or refuses them with
// invalid_grant (and a body that quotes the refresh token, as a careless server might).
type tokenEndpoint struct {
	t      *testing.T
	refuse bool
	mu     sync.Mutex
	issued int
}

func (te *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		te.t.Errorf("token endpoint: %v", err)
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != refreshToken ||
		id != "client-id" || secret != clientSecret {
		te.t.Errorf("token endpoint: unexpected %s request (grant_type %q, client %q)", r.Method, r.PostForm.Get("grant_type"), id)
	}
	if te.refuse {
		clienttest.JSON(te.t, w, http.StatusBadRequest, map[string]string{"error": "invalid_grant",
			"error_description": "The refresh token " + refreshToken + " was revoked"})
		return
	}
	te.mu.Lock()
	te.issued++
	n := te.issued
	te.mu.Unlock()
	clienttest.JSON(te.t, w, http.StatusOK, map[string]any{"access_token": fmt.Sprintf("SECRET-access-%d", n),
		"token_type": "Bearer", "expires_in": 3600, "refresh_token": refreshToken, "scope": doorflow.ScopeGroupReservationRead})
}

func (te *tokenEndpoint) Issued() int {
	te.mu.Lock()
	defer te.mu.Unlock()
	return te.issued
}

func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	expired := func() *oauth2.Token {
		return &oauth2.Token{AccessToken: "SECRET-access-expired", RefreshToken: refreshToken, Expiry: time.Now().Add(-time.Hour)}
	}
	cases := []struct {
		name string
		// source builds the token source from a config whose token URL is the fake's; ctx carries its HTTP client.
		source       func(ctx context.Context, cfg *oauth2.Config) oauth2.TokenSource
		refuse       bool     // the token endpoint refuses refreshes
		accept       []string // access tokens the API accepts; others get a 401
		wantSent     []string // Authorization headers the API received, in order
		wantIssued   int
		wantErrIs    error
		wantRetrieve bool // errors.As finds the *oauth2.RetrieveError
	}{
		{name: "expired token is refreshed before the call",
			source: func(ctx context.Context, cfg *oauth2.Config) oauth2.TokenSource {
				return cfg.TokenSource(ctx, expired())
			},
			accept:   []string{"SECRET-access-1"},
			wantSent: []string{"Bearer SECRET-access-1"}, wantIssued: 1},
		{name: "401, then a refreshed token, then success",
			// An early expiry longer than the tokens' hour makes the source refresh whenever it is asked, as it
			// would for a token that expired in flight; the API has revoked the first token it issued.
			source: func(ctx context.Context, cfg *oauth2.Config) oauth2.TokenSource {
				return oauth2.ReuseTokenSourceWithExpiry(expired(), cfg.TokenSource(ctx, expired()), 2*time.Hour)
			},
			accept:   []string{"SECRET-access-2"},
			wantSent: []string{"Bearer SECRET-access-1", "Bearer SECRET-access-2"}, wantIssued: 2},
		{name: "401 with a token that cannot change is returned",
			source: func(context.Context, *oauth2.Config) oauth2.TokenSource {
				return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: staticToken})
			},
			wantSent: []string{"Bearer " + staticToken}, wantErrIs: doorflow.ErrUnauthorized},
		{name: "refused refresh is ErrUnauthorized, no API request",
			source: func(ctx context.Context, cfg *oauth2.Config) oauth2.TokenSource {
				return cfg.TokenSource(ctx, expired())
			},
			refuse:   true,
			wantSent: []string{}, wantErrIs: doorflow.ErrUnauthorized, wantRetrieve: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := clienttest.NewServer(t, "doorflow")
			te := &tokenEndpoint{t: t, refuse: tc.refuse}
			srv.Handle("POST /oauth/token", te)
			cfg := doorflow.OAuthConfig("client-id", clientSecret, "https://app.example/callback")
			cfg.Endpoint.TokenURL = srv.URL + "/oauth/token"
			ctx := context.WithValue(t.Context(), oauth2.HTTPClient, srv.Client())

			var mu sync.Mutex
			sent := []string{}
			srv.API.HandleFunc("GET /api/3/group_reservations/{id}", func(w http.ResponseWriter, r *http.Request) {
				auth := r.Header.Get("Authorization")
				mu.Lock()
				sent = append(sent, auth)
				mu.Unlock()
				for _, a := range tc.accept {
					if auth == "Bearer "+a {
						clienttest.JSON(t, w, http.StatusOK, reservation(456, 0))
						return
					}
				}
				apiError(t, w, http.StatusUnauthorized, "unauthorized", "The access token is invalid")
			})
			logs := &strings.Builder{}
			c, err := doorflow.New(srv.BaseURL, doorflow.WithHTTPClient(srv.Client()), doorflow.WithTokenSource(tc.source(ctx, cfg)),
				doorflow.WithLogger(debugLogger(logs)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetGroupReservation(t.Context(), 456)
			switch {
			case tc.wantErrIs == nil && err != nil:
				t.Fatalf("got error %v, want success\n%s", err, logs)
			case tc.wantErrIs != nil && !errors.Is(err, tc.wantErrIs):
				t.Fatalf("got error %v, want one matching %v", err, tc.wantErrIs)
			}
			var re *oauth2.RetrieveError
			if got := errors.As(err, &re); got != tc.wantRetrieve {
				t.Errorf("errors.As(err, *oauth2.RetrieveError) = %v, want %v", got, tc.wantRetrieve)
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tc.wantSent, sent); diff != "" {
				t.Errorf("Authorization headers the API received (-want +got):\n%s", diff)
			}
			if got := te.Issued(); got != tc.wantIssued {
				t.Errorf("token endpoint issued %d tokens, want %d", got, tc.wantIssued)
			}
			assertNoSecrets(t, err, logs.String())
		})
	}
}

func TestOAuthConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		scopes []string
		want   []string
	}{
		{"both read scopes by default", nil, []string{doorflow.ScopeGroupReservationRead, doorflow.ScopePersonRead}},
		{"as given", []string{doorflow.ScopePersonRead}, []string{doorflow.ScopePersonRead}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := doorflow.OAuthConfig("id", "secret", "https://app.example/cb", tc.scopes...)
			if diff := cmp.Diff(tc.want, cfg.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
			if cfg.Endpoint.AuthURL != "https://api.doorflow.com/oauth/authorize" || cfg.Endpoint.TokenURL != "https://api.doorflow.com/oauth/token" {
				t.Errorf("got endpoint %+v, want the spec's authorizationUrl and tokenUrl", cfg.Endpoint)
			}
		})
	}
}

// TestNoSecretsInErrorsOrLogs plants secrets where a client could leak them (the access token, a password in
// the base URL) and fails every way it can; no error text and no log line may hold a secret.
func TestNoSecretsInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []doorflow.Option
		answer func(n int, w http.ResponseWriter, r *http.Request) bool
	}{
		{name: "401", answer: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			apiError(t, w, http.StatusUnauthorized, "unauthorized", "The access token is invalid")
			return true
		}},
		{name: "404"},
		{name: "500", answer: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			apiError(t, w, http.StatusInternalServerError, "internal_server_error", "An unexpected error occurred")
			return true
		}},
		{name: "503 until the attempts run out", opts: []doorflow.Option{doorflow.WithMaxAttempts(2)},
			answer: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
				clienttest.Gateway(w, http.StatusServiceUnavailable)
				return true
			}},
		{name: "dropped connections", opts: []doorflow.Option{doorflow.WithMaxAttempts(2)},
			answer: func(int, http.ResponseWriter, *http.Request) bool { panic(http.ErrAbortHandler) }},
		{name: "timeout", opts: []doorflow.Option{doorflow.WithMaxAttempts(1), doorflow.WithTimeout(20 * time.Millisecond)},
			answer: func(_ int, _ http.ResponseWriter, r *http.Request) bool {
				<-r.Context().Done()
				return true
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, tc.opts...)
			logs := &strings.Builder{}
			// The same server, reached through a base URL that carries a password.
			withPassword := strings.Replace(e.srv.BaseURL, "http://", "http://user:SECRET-password@", 1)
			c, err := doorflow.New(withPassword, append([]doorflow.Option{doorflow.WithHTTPClient(e.srv.Client()),
				doorflow.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: staticToken})),
				doorflow.WithLogger(debugLogger(logs))}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			doorflow.SetSleep(c, e.sleep.sleep)
			e.fake.intercept = tc.answer
			_, err = c.GetGroupReservation(t.Context(), 7)
			if err == nil {
				t.Fatal("got no error")
			}
			assertNoSecrets(t, err, logs.String())
		})
	}
}

// assertNoSecrets fails if any planted secret shows in the error (as text, %+v or %#v) or the logs, and if the
// logs are empty (a vacuous pass).
func assertNoSecrets(t *testing.T, err error, logs string) {
	t.Helper()
	if !strings.Contains(logs, "http attempt") {
		t.Errorf("logs hold no attempt record; the check would pass vacuously:\n%s", logs)
	}
	outputs := map[string]string{"logs": logs}
	if err != nil {
		outputs["error"] = err.Error()
		outputs["%+v"] = fmt.Sprintf("%+v", err)
		outputs["%#v"] = fmt.Sprintf("%#v", err)
	}
	for where, s := range outputs {
		if strings.Contains(s, "SECRET-") {
			t.Errorf("%s holds a secret:\n%s", where, s)
		}
	}
}
