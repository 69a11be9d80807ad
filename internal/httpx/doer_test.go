package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 14, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"absent", "", 0, false},
		{"seconds", "1", time.Second, true},
		{"zero seconds", "0", 0, true},
		{"spaces", " 7 ", 7 * time.Second, true},
		{"negative", "-1", 0, false},
		{"huge", "99999999999999999", time.Duration(1<<63 - 1), true},
		{"HTTP-date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"RFC 850 date", now.Add(time.Minute).Format("Monday, 02-Jan-06 15:04:05 GMT"), time.Minute, true},
		{"date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"garbage", "soon", 0, false},
		{"fraction", "1.5", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tc.value != "" {
				h.Set("Retry-After", tc.value)
			}
			got, ok := RetryAfter(h, now)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("RetryAfter(%q) = %v, %v, want %v, %v", tc.value, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestTransient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"canceled", fmt.Errorf("get: %w", context.Canceled), false},
		{"attempt deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), true},
		{"EOF", fmt.Errorf("get: %w", io.EOF), true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{"DNS not found", &net.DNSError{Err: "no such host", IsNotFound: true}, false},
		{"DNS timeout", &net.DNSError{Err: "timeout", IsTimeout: true}, true},
		{"TLS or other", errors.New("x509: certificate signed by unknown authority"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Transient(tc.err); got != tc.want {
				t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestBackoffFullJitter(t *testing.T) {
	t.Parallel()
	d := New(Config{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second})
	ceilings := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	for i, ceil := range ceilings {
		for range 200 {
			if w := d.backoff(i + 1); w < 0 || w > ceil {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", i+1, w, ceil)
			}
		}
	}
	if w := d.backoff(200); w < 0 || w > time.Second {
		t.Errorf("backoff(200) = %v, want within [0, 1s] (no overflow)", w)
	}
}

// TestDo covers what the client packages' tests do not reach: which requests are retried, what the returned
// response carries, and that a credential failure ends the request.
func TestDo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		method       string
		credential   func(context.Context) (string, error)
		status       int // what the server always answers
		wantRequests int64
		wantStatus   int
		wantErr      bool
	}{
		{name: "GET 503 is retried", method: http.MethodGet, status: 503, wantRequests: 3, wantStatus: 503},
		{name: "POST 503 is not retried", method: http.MethodPost, status: 503, wantRequests: 1, wantStatus: 503},
		{name: "404 is returned as is", method: http.MethodGet, status: 404, wantRequests: 1, wantStatus: 404},
		{name: "credential error ends the request", method: http.MethodGet, status: 200,
			credential: func(context.Context) (string, error) { return "", errors.New("no token") }, wantRequests: 0, wantErr: true},
		{name: "401 with an unchanged credential is returned", method: http.MethodGet, status: 401,
			credential: func(context.Context) (string, error) { return "Bearer SECRET-same", nil }, wantRequests: 1, wantStatus: 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				if r.Header.Get("User-Agent") != "apikit-test" {
					t.Errorf("got User-Agent %q", r.Header.Get("User-Agent"))
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte("body"))
			}))
			t.Cleanup(srv.Close)
			d := New(Config{Client: srv.Client(), UserAgent: "apikit-test", MaxAttempts: 3, Credential: tc.credential})
			d.Sleep = func(context.Context, time.Duration) error { return nil }
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+"/x?token=SECRET-query", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := d.Do(req)
			if got := n.Load(); got != tc.wantRequests {
				t.Errorf("got %d requests, want %d", got, tc.wantRequests)
			}
			if tc.wantErr {
				if err == nil || strings.Contains(err.Error(), "SECRET-") {
					t.Errorf("got error %v, want one without secrets", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus || string(body) != "body" {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tc.wantStatus, "body")
			}
			if resp.Request != req || resp.Request.Header.Get("Authorization") != "" {
				t.Error("the response's Request is not the caller's request, or carries the credential")
			}
		})
	}
}

func TestTransportErrorURLIsRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	t.Cleanup(srv.Close)
	d := New(Config{Client: srv.Client(), MaxAttempts: 2})
	d.Sleep = func(context.Context, time.Duration) error { return nil }
	u := strings.Replace(srv.URL, "http://", "http://user:SECRET-pw@", 1) + "/x?access_token=SECRET-query"
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Do(req)
	if err == nil || strings.Contains(err.Error(), "SECRET-") || !strings.Contains(err.Error(), "giving up after 2 attempts") {
		t.Errorf("got error %v, want one after 2 attempts without secrets", err)
	}
}
