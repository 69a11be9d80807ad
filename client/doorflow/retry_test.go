package doorflow_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/apikit/apikit/client/doorflow"
	"github.com/apikit/apikit/internal/clienttest"
)

func TestRetries(t *testing.T) {
	t.Parallel()
	// The client's clock stands still at a fixed time: Retry-After dates and the deadline case's deadline are
	// compared with it, so no case depends on the real clock or on how long it runs.
	clock := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	cases := []struct {
		name string
		opts []doorflow.Option
		// answer answers request n (from 1) instead of the fake, or returns false to let the fake answer.
		answer       func(n int, w http.ResponseWriter) bool
		deadline     time.Duration // a context deadline, when not zero
		wantRequests int
		wantWaits    []time.Duration // exact waits; nil to check waitCeil instead
		waitCeil     []time.Duration // each wait must be at most this (full jitter)
		wantStatus   int             // the *APIError's status; 0 for success
		wantErrIs    error
		wantRetryAft time.Duration
	}{
		{name: "502 then 503 then success", opts: []doorflow.Option{doorflow.WithBackoff(10*time.Millisecond, 40*time.Millisecond)},
			answer:       gatewayFor(2, http.StatusBadGateway, http.StatusServiceUnavailable),
			wantRequests: 3, waitCeil: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}},
		{name: "429 with Retry-After in seconds",
			answer:       gatewayFor(1, http.StatusTooManyRequests, "Retry-After", "1"),
			wantRequests: 2, wantWaits: []time.Duration{time.Second}},
		{name: "503 with Retry-After as an HTTP-date",
			answer:       gatewayFor(1, http.StatusServiceUnavailable, "Retry-After", clock.Add(3*time.Second).Format(http.TimeFormat)),
			wantRequests: 2, wantWaits: []time.Duration{3 * time.Second}},
		{name: "504 until the attempts run out", opts: []doorflow.Option{doorflow.WithMaxAttempts(3)},
			answer:       gatewayFor(99, http.StatusGatewayTimeout),
			wantRequests: 3, waitCeil: []time.Duration{500 * time.Millisecond, time.Second}, wantStatus: 504},
		{name: "Retry-After beyond the backoff max is returned, not slept",
			answer:       gatewayFor(1, http.StatusTooManyRequests, "Retry-After", "120"),
			wantRequests: 1, wantWaits: []time.Duration{}, wantStatus: 429, wantErrIs: doorflow.ErrRateLimited, wantRetryAft: 2 * time.Minute},
		{name: "Retry-After beyond the context deadline is returned, not slept", opts: []doorflow.Option{doorflow.WithBackoff(time.Millisecond, time.Hour)},
			deadline:     10 * time.Second,
			answer:       gatewayFor(1, http.StatusTooManyRequests, "Retry-After", "20"),
			wantRequests: 1, wantWaits: []time.Duration{}, wantStatus: 429, wantErrIs: doorflow.ErrRateLimited, wantRetryAft: 20 * time.Second},
		{name: "dropped connection then success",
			answer: func(n int, _ http.ResponseWriter) bool {
				if n == 1 {
					panic(http.ErrAbortHandler) // net/http closes the connection without an answer
				}
				return false
			},
			wantRequests: 2, waitCeil: []time.Duration{500 * time.Millisecond}},
		{name: "500 is not retried",
			answer: func(_ int, w http.ResponseWriter) bool {
				apiError(t, w, http.StatusInternalServerError, "internal_server_error", "An unexpected error occurred")
				return true
			},
			wantRequests: 1, wantWaits: []time.Duration{}, wantStatus: 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, tc.opts...)
			doorflow.SetClock(e.c, func() time.Time { return clock })
			e.fake.set(reservation(456, 0))
			e.fake.intercept = func(n int, w http.ResponseWriter, _ *http.Request) bool { return tc.answer(n, w) }
			ctx := t.Context()
			if tc.deadline > 0 {
				ctx = fakeDeadline{ctx, clock.Add(tc.deadline)}
			}
			got, err := e.c.GetGroupReservation(ctx, 456)
			if tc.wantStatus == 0 {
				if err != nil || got.ID != 456 {
					t.Fatalf("got %v, %v, want reservation 456", got, err)
				}
			} else {
				var apiErr *doorflow.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.wantStatus || apiErr.RetryAfter != tc.wantRetryAft {
					t.Fatalf("got error %v, want an *APIError with status %d, retry after %v", err, tc.wantStatus, tc.wantRetryAft)
				}
				if tc.wantErrIs != nil && !errors.Is(err, tc.wantErrIs) {
					t.Errorf("errors.Is(%v, %v) = false, want true", err, tc.wantErrIs)
				}
			}
			if n := e.srv.Requests(); n != tc.wantRequests {
				t.Errorf("got %d requests, want %d", n, tc.wantRequests)
			}
			waits := e.sleep.Waits()
			if tc.wantWaits != nil {
				if diff := cmp.Diff(tc.wantWaits, waits, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
				return
			}
			if len(waits) != len(tc.waitCeil) {
				t.Fatalf("got waits %v, want %d of them", waits, len(tc.waitCeil))
			}
			for i, w := range waits {
				if w < 0 || w > tc.waitCeil[i] {
					t.Errorf("got wait %d = %v, want within [0, %v]", i+1, w, tc.waitCeil[i])
				}
			}
		})
	}
}

// fakeDeadline is a context whose deadline lies on the test's fake clock: it reports the deadline, and ends only
// when its parent does, never with the real time.
type fakeDeadline struct {
	context.Context
	at time.Time
}

func (c fakeDeadline) Deadline() (time.Time, bool) { return c.at, true }

// gatewayFor answers the first n requests with the statuses in turn (the last one repeating), then lets the fake
// answer. Strings after the statuses are header name/value pairs.
func gatewayFor(n int, args ...any) func(int, http.ResponseWriter) bool {
	var codes []int
	var header []string
	for _, a := range args {
		switch v := a.(type) {
		case int:
			codes = append(codes, v)
		case string:
			header = append(header, v)
		}
	}
	return func(i int, w http.ResponseWriter) bool {
		if i > n {
			return false
		}
		clienttest.Gateway(w, codes[min(i, len(codes))-1], header...)
		return true
	}
}
