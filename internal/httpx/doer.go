// Package httpx is the HTTP machinery the hand-written clients in client/ share, so that neither repeats it.
//
// A [Doer] sits between a generated client (as its HttpRequestDoer) and an *http.Client. For each attempt it
// adds the credential and the User-Agent, bounds the attempt by a timeout and reads the whole body inside it.
// It retries idempotent requests on 429, 502, 503, 504 and transient network errors with exponential backoff
// and full jitter, honours Retry-After, and stops at the context's end or after a maximum number of attempts.
// It knows nothing about either vendor: errors, paging and credentials stay in the client packages.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/apikit/apikit/internal/redact"
)

// Defaults of [Config], used where a field is zero.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 4
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultBackoffMax  = 30 * time.Second
)

// Config configures a [Doer]. Zero fields take the defaults above.
type Config struct {
	// Client sends each attempt; http.DefaultClient when nil.
	Client *http.Client
	// UserAgent, when set, is sent as the User-Agent header.
	UserAgent string
	// Timeout bounds one attempt, from sending the request to reading the last byte of the body.
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one request, the first included: 1 disables retries.
	MaxAttempts int
	// BackoffBase and BackoffMax shape the wait before retry n: uniform in [0, min(BackoffMax, BackoffBase·2ⁿ⁻¹)].
	// A Retry-After longer than BackoffMax is not waited for: the response is returned to the caller.
	BackoffBase, BackoffMax time.Duration
	// Logger receives one debug record per attempt and one info record per retry; nothing when nil. Records
	// hold the operation, method, redacted URL, status or error, attempt and wait: never a header or a body.
	Logger *slog.Logger
	// Credential returns the Authorization header value for an attempt ("Bearer …"), or "" for none. After a
	// 401 it is asked once more; if it returns another value (the token source refreshed), the request is sent
	// again once with it. Its errors end the request and must not contain the credential.
	Credential func(ctx context.Context) (string, error)
}

// Doer sends requests for a generated client with credentials, timeouts and retries. It is safe for concurrent
// use. It implements the generated packages' HttpRequestDoer.
type Doer struct {
	cfg Config
	// Sleep waits d or until ctx ends; tests replace it to run retries without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock Retry-After dates and deadlines are compared with.
	Now func() time.Time
}

// New returns a Doer for cfg, with defaults filled in.
func New(cfg Config) *Doer {
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase = DefaultBackoffBase
	}
	if cfg.BackoffMax == 0 {
		cfg.BackoffMax = DefaultBackoffMax
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Doer{cfg: cfg, Sleep: sleep, Now: time.Now}
}

// Do sends req, retrying as the package comment describes. The returned response's body is already read into
// memory (and closed on the wire); its Request is req as given, without the credential. A response with any
// status is returned as a response: turning statuses into errors is the caller's job.
func (d *Doer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	refreshed := false
	var fresh string // a credential obtained after a 401, for the next attempt
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, giveUp(attempt-1, err)
		}
		resp, sent, err := d.attempt(ctx, req, fresh)
		fresh = ""
		d.logAttempt(ctx, req, attempt, resp, err)

		var wait time.Duration
		switch {
		case err != nil:
			var cerr *credentialError
			if errors.As(err, &cerr) || ctx.Err() != nil || !idempotent || !Transient(err) || attempt >= d.cfg.MaxAttempts {
				return nil, giveUp(attempt, err)
			}
			wait = d.backoff(attempt)
		case resp.StatusCode == http.StatusUnauthorized && !refreshed && d.cfg.Credential != nil:
			// The token may have expired in flight: ask once more, and resend only if it changed.
			refreshed = true
			next, cerr := d.cfg.Credential(ctx)
			if cerr != nil || next == sent {
				return resp, nil
			}
			d.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "retrying with a refreshed credential", d.attrs(req, attempt)...)
			fresh = next
			attempt-- // a refresh is not a retry: it does not use up an attempt
			continue
		case !idempotent || !RetryableStatus(resp.StatusCode) || attempt >= d.cfg.MaxAttempts:
			return resp, nil
		default:
			wait = d.backoff(attempt)
			if ra, ok := RetryAfter(resp.Header, d.Now()); ok {
				if ra > d.cfg.BackoffMax {
					return resp, nil // the caller's error carries RetryAfter; we do not sleep that long
				}
				wait = ra
			}
		}
		if dl, ok := ctx.Deadline(); ok && d.Now().Add(wait).After(dl) {
			// Waiting would outlive the context: return what we have now rather than fail later.
			if err != nil {
				return nil, giveUp(attempt, err)
			}
			return resp, nil
		}
		d.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "retrying", append(d.attrs(req, attempt), slog.Duration("wait", wait))...)
		if serr := d.Sleep(ctx, wait); serr != nil {
			return nil, giveUp(attempt, serr)
		}
	}
}

// attempt sends one attempt and reads its body within the attempt's timeout. It uses the credential fresh when
// set, else asks Config.Credential; sent is the credential it used.
func (d *Doer) attempt(ctx context.Context, req *http.Request, fresh string) (resp *http.Response, sent string, err error) {
	actx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	r := req.Clone(actx)
	if d.cfg.UserAgent != "" {
		r.Header.Set("User-Agent", d.cfg.UserAgent)
	}
	switch {
	case fresh != "":
		sent = fresh
		r.Header.Set("Authorization", sent)
	case d.cfg.Credential != nil:
		sent, err = d.cfg.Credential(actx)
		if err != nil {
			return nil, "", &credentialError{err}
		}
		if sent != "" {
			r.Header.Set("Authorization", sent)
		}
	}
	resp, err = d.cfg.Client.Do(r)
	if err != nil {
		return nil, sent, redactURLError(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, sent, fmt.Errorf("reading the body of %s %s: %w", req.Method, redact.URL(req.URL), err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.Request = req // the clone carries the credential; callers must never see it
	return resp, sent, nil
}

// backoff returns the full-jitter wait before retry number attempt (1 after the first attempt).
func (d *Doer) backoff(attempt int) time.Duration {
	ceiling := d.cfg.BackoffMax
	if shift := attempt - 1; shift < 62 && d.cfg.BackoffBase <= d.cfg.BackoffMax>>shift {
		ceiling = d.cfg.BackoffBase << shift
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

func (d *Doer) logAttempt(ctx context.Context, req *http.Request, attempt int, resp *http.Response, err error) {
	if !d.cfg.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := d.attrs(req, attempt)
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	d.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "http attempt", attrs...)
}

func (d *Doer) attrs(req *http.Request, attempt int) []slog.Attr {
	return []slog.Attr{
		slog.String("operation", Operation(req.Context())),
		slog.String("method", req.Method),
		slog.String("url", redact.URL(req.URL).String()),
		slog.Int("attempt", attempt),
	}
}

// giveUp wraps the last error with the number of attempts made, when there was more than one.
func giveUp(attempts int, err error) error {
	if attempts > 1 {
		return fmt.Errorf("giving up after %d attempts: %w", attempts, err)
	}
	return err
}

// credentialError marks an error of Config.Credential: it is never retried.
type credentialError struct{ err error }

func (e *credentialError) Error() string { return "getting a credential: " + e.err.Error() }
func (e *credentialError) Unwrap() error { return e.err }

// redactURLError rewrites the URL of a *url.Error (as http.Client returns) through redact.URL.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = redact.URL(u).String()
		} else {
			ue.URL = "(unparseable URL)"
		}
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type operationKey struct{}

// WithOperation names the operation a request belongs to ("listGroups"), for log records.
func WithOperation(ctx context.Context, operationID string) context.Context {
	return context.WithValue(ctx, operationKey{}, operationID)
}

// Operation returns the operation set by [WithOperation], or "".
func Operation(ctx context.Context) string {
	op, _ := ctx.Value(operationKey{}).(string)
	return op
}
