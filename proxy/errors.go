package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/internal/egress"
)

// Kind says how the upstream failed an exchange. Its value is the "error" of the proxy's 502 body and of the
// X-Apikit-Proxy-Error header.
type Kind string

const (
	// KindUnreachable: the proxy could not connect to the upstream (refused, no route, DNS).
	KindUnreachable Kind = "upstream_unreachable"
	// KindTimeout: the upstream sent no response headers within the [WithTimeout] limit.
	KindTimeout Kind = "upstream_timeout"
	// KindFailed: the upstream closed or reset the connection, or sent something that is not HTTP, before its
	// response headers were complete.
	KindFailed Kind = "upstream_failed"
	// KindBodyCut: the upstream broke off in the middle of the response body. The client already had the status
	// and headers; its connection is aborted, so it sees a truncated body.
	KindBodyCut Kind = "upstream_body_cut"
)

// ErrorHeader names the header of a 502 the proxy answers itself; its value is the [Kind].
const ErrorHeader = "X-Apikit-Proxy-Error"

// UpstreamError is an exchange the upstream did not complete. The proxy reports it to [WithOnError] and its
// logger, and does not record it.
type UpstreamError struct {
	Kind      Kind
	Method    string
	URL       string // the upstream URL, its query redacted
	Operation string // the operation the request routes to, when one does
	// HeadersSent reports whether the client had the upstream's status and headers (KindBodyCut); otherwise it
	// got the proxy's 502.
	HeadersSent bool
	Status      int   // the upstream's status, when HeadersSent
	Received    int64 // body bytes received before the cut, when HeadersSent
	Elapsed     time.Duration
	Err         error // the transport's error
	timeout     time.Duration
}

// Error says what happened, without secrets: "upstream_timeout: GET http://127.0.0.1:8080/v2/group: ...".
func (e *UpstreamError) Error() string {
	return fmt.Sprintf("%s: %s %s: %s", e.Kind, e.Method, e.URL, e.message())
}

// Unwrap returns the transport's error.
func (e *UpstreamError) Unwrap() error { return e.Err }

// message explains the failure in one sentence, as the 502 body and the log say it.
func (e *UpstreamError) message() string {
	cause := "unknown error"
	if e.Err != nil {
		cause = e.Err.Error()
		var ue *url.Error // it holds the URL, query and all
		if errors.As(e.Err, &ue) {
			cause = ue.Err.Error()
		}
	}
	switch e.Kind {
	case KindUnreachable:
		return "cannot connect to the upstream: " + cause
	case KindTimeout:
		return fmt.Sprintf("the upstream sent no response headers within %v", e.timeout)
	case KindBodyCut:
		return fmt.Sprintf("the upstream broke off after %d bytes of the response body (%s); the client got status %d and a truncated body",
			e.Received, cause, e.Status)
	}
	return "the upstream broke off before its response headers were complete: " + cause
}

// kindOf classifies a transport error.
func kindOf(err error) (Kind, time.Duration) {
	var te *timeoutError
	if errors.As(err, &te) {
		return KindTimeout, te.d
	}
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return KindUnreachable, 0
	}
	return KindFailed, 0
}

// errorBody is the JSON body of the proxy's own 502.
type errorBody struct {
	Error   Kind   `json:"error"`
	Message string `json:"message"`
}

// upstreamFailed is ReverseProxy's ErrorHandler: the transport returned no response. It answers 502 with a JSON
// body naming the fault, unless the client itself has gone.
func (p *Proxy) upstreamFailed(w http.ResponseWriter, req *http.Request, err error) {
	st, _ := req.Context().Value(stateKey{}).(*exchangeState)
	if st == nil {
		st = &exchangeState{started: time.Now(), seq: -1}
	}
	kind, timeout := kindOf(err)
	if kind != KindTimeout && req.Context().Err() != nil {
		st.failure = &UpstreamError{Kind: kind, Err: err} // not the upstream's doing: not reported as such
		p.stats.aborted.Add(1)
		p.logLine(context.WithoutCancel(req.Context()), slog.LevelInfo, "proxy: the client went away before the response headers",
			req, st, time.Since(st.started))
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	ue := &UpstreamError{Kind: kind, Err: err, timeout: timeout}
	st.failure = ue
	p.fail(context.WithoutCancel(req.Context()), req, st, ue)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set(ErrorHeader, string(kind))
	w.WriteHeader(http.StatusBadGateway)
	_ = json.NewEncoder(w).Encode(errorBody{Error: kind, Message: "apikit proxy: " + ue.message()})
}

// fail completes, counts, logs and reports an upstream failure.
func (p *Proxy) fail(ctx context.Context, r *http.Request, st *exchangeState, ue *UpstreamError) {
	ue.Elapsed = time.Since(st.started)
	ue.Method = r.Method
	u := st.url
	if u == nil { // the transport was not reached
		u = r.URL
	}
	ue.URL = egress.URL(u)
	if st.url != nil {
		ue.Operation = p.v.ValidateRequest(ctx, &contract.Exchange{Source: Source, Index: int(st.seq),
			Method: st.method, URL: st.url, RequestHeader: st.reqHeader}).OperationID
	}
	p.stats.upstreamErrors.Add(1)
	if p.logger != nil {
		attrs := []slog.Attr{slog.String("error", string(ue.Kind)), slog.String("operation", ue.Operation),
			slog.String("reason", ue.message())}
		if ue.HeadersSent {
			attrs = append(attrs, slog.Int("status", ue.Status))
		} else {
			attrs = append(attrs, slog.Int("status", http.StatusBadGateway))
		}
		p.logLine(ctx, slog.LevelError, "proxy: upstream failed", r, st, ue.Elapsed, attrs...)
	}
	if p.onError != nil {
		p.onError(ue)
	}
}
