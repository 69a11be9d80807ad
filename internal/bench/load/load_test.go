package load

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer t" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("hello"))
	}))
	defer srv.Close()
	res, err := Run(t.Context(), Config{URL: srv.URL, Header: http.Header{"Authorization": {"Bearer t"}}, Clients: 3, Requests: 50, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 50 || res.Errors != 0 || res.Bytes != 250 || hits.Load() != 50 || res.PerSecond <= 0 {
		t.Errorf("got %+v and %d hits, want 50 requests of 5 bytes, no error", res, hits.Load())
	}
	res, err = Run(t.Context(), Config{URL: srv.URL, Clients: 2, Requests: 4})
	if err != nil || res.Errors != 4 || res.FirstErr != "status 401" {
		t.Errorf("without the token: got %+v, %v; want 4 errors, status 401", res, err)
	}
}

func TestRunRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []Config{
		{URL: "http://192.0.2.1/", Clients: 1, Requests: 1},
		{URL: "https://127.0.0.1/", Clients: 1, Requests: 1},
		{URL: "http://127.0.0.1/", Clients: 0, Requests: 1},
	} {
		if _, err := Run(t.Context(), c); err == nil {
			t.Errorf("%+v: got no error", c)
		}
	}
}
