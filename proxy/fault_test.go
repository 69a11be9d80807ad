package proxy_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apikit/apikit/proxy"
)

// faulty answers as the mock does, unless the request's X-Test-Fault header asks it to fail: "slow" never
// answers (until the proxy gives up on it), "cut-headers" closes the connection in the middle of the status
// line's headers, "cut-body" after 9 of the 1000 bytes its Content-Length announces.
func faulty(t *testing.T, next http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		hijack := func(raw string) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.WriteString(conn, raw)
			_ = conn.Close()
		}
		switch req.Header.Get("X-Test-Fault") {
		case "slow":
			select {
			case <-req.Context().Done(): // the proxy gave up and closed the connection
			case <-time.After(30 * time.Second): // a safety net
				t.Error("the proxy did not give up on a slow upstream")
			}
		case "cut-headers":
			hijack("HTTP/1.1 200 OK\r\nContent-Type: applic")
		case "cut-body":
			hijack("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":[")
		default:
			next.ServeHTTP(w, req)
		}
	}
}

// TestProxyFaults: an upstream that is slow, breaks off before its headers, or in the middle of its body. The
// client gets a 502 naming the fault when the headers have not been sent, a truncated body otherwise; the fault
// is reported and logged, not recorded; the next request goes through; the recording stays readable.
func TestProxyFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault string
		kind  proxy.Kind
	}{
		{"slow", proxy.KindTimeout},
		{"cut-headers", proxy.KindFailed},
		{"cut-body", proxy.KindBodyCut},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			t.Parallel()
			v := newValidator(t)
			target, _ := serve(t, faulty(t, newMock(t)))
			// The limit only has to be short for the test to be quick, and long enough for a good request.
			r := newRig(t, target, v, 10, proxy.WithTimeout(time.Second))

			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/v2/group?limit=2", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Test-Fault", tc.fault)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, readErr := io.ReadAll(res.Body)
			res.Body.Close()
			if tc.kind == proxy.KindBodyCut {
				if res.StatusCode != http.StatusOK || !errors.Is(readErr, io.ErrUnexpectedEOF) {
					t.Errorf("got %d and %v, want the upstream's 200 and a truncated body (unexpected EOF)", res.StatusCode, readErr)
				}
			} else {
				checkBadGateway(t, res, body, tc.kind)
			}

			ue := r.upstreamError(t)
			if ue.Kind != tc.kind || ue.Operation != "listGroups" || ue.Method != http.MethodGet || !strings.HasPrefix(ue.URL, target+"/v2/group?") {
				t.Errorf("got %+v, want %s on listGroups at %s", ue, tc.kind, target)
			}
			if ue.HeadersSent != (tc.kind == proxy.KindBodyCut) {
				t.Errorf("got HeadersSent %v for %s", ue.HeadersSent, tc.kind)
			}

			// The proxy goes on serving.
			status, _, _, err := get(t, t.Context(), http.DefaultClient, r.url, "/v2/group?limit=2")
			if err != nil || status != http.StatusOK {
				t.Fatalf("the next request: got %d, %v; want 200", status, err)
			}
			if res := r.result(t); !res.Valid {
				t.Errorf("the next request: got %+v, want valid", res)
			}

			r.stop()
			if st := r.p.Stats(); st.Requests != 2 || st.UpstreamErrors != 1 || st.Recorded != 1 || st.Validated != 1 {
				t.Errorf("got stats %+v, want 2 requests, 1 upstream error, 1 exchange validated and recorded", st)
			}
			if !hasLine(r.log.String(), "level=ERROR", `msg="proxy: upstream failed"`, "error="+string(tc.kind), "path=/v2/group", "operation=listGroups") {
				t.Errorf("no error line for %s in the log:\n%s", tc.kind, r.log)
			}
			if got := loadHAR(t, v, r.har.Path()); len(got) != 1 || !got[0].Valid {
				t.Errorf("got %+v, want the good exchange only", got)
			}
		})
	}
}

// TestProxyUpstreamDown: nothing listens on the target's port: 502 upstream_unreachable; once the upstream is
// up, the same proxy serves it.
func TestProxyUpstreamDown(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	v := newValidator(t)
	r := newRig(t, "http://"+addr, v, 10)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/api/3/group_reservations", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	checkBadGateway(t, res, body, proxy.KindUnreachable)
	if ue := r.upstreamError(t); ue.Kind != proxy.KindUnreachable || ue.Operation != "listGroupReservations" {
		t.Errorf("got %+v, want %s on listGroupReservations", ue, proxy.KindUnreachable)
	}
	if !hasLine(r.log.String(), "level=ERROR", "error=upstream_unreachable", "connection refused", "status=502") {
		t.Errorf("no error line in the log:\n%s", r.log)
	}

	up, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", addr)
	if err != nil {
		t.Skipf("the closed port %s was taken in the meantime, the rest cannot run: %v", addr, err)
	}
	serveOn(t, up, newMock(t))
	status, _, _, err := get(t, t.Context(), http.DefaultClient, r.url, "/api/3/group_reservations?per_page=3")
	if err != nil || status != http.StatusOK {
		t.Fatalf("once the upstream is up: got %d, %v; want 200", status, err)
	}
	r.stop()
	if got := loadHAR(t, v, r.har.Path()); len(got) != 1 || !got[0].Valid {
		t.Errorf("got %+v, want the good exchange only", got)
	}
}

// checkBadGateway checks a 502 the proxy answered itself.
func checkBadGateway(t *testing.T, res *http.Response, body []byte, kind proxy.Kind) {
	t.Helper()
	var e struct{ Error, Message string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("the 502 body is not JSON: %v: %q", err, body)
	}
	switch {
	case res.StatusCode != http.StatusBadGateway:
		t.Errorf("got status %d, want 502", res.StatusCode)
	case res.Header.Get(proxy.ErrorHeader) != string(kind) || e.Error != string(kind):
		t.Errorf("got header %q and error %q, want %s", res.Header.Get(proxy.ErrorHeader), e.Error, kind)
	case !strings.HasPrefix(e.Message, "apikit proxy: ") || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"):
		t.Errorf("got %q (%s), want a JSON message from apikit proxy", e.Message, res.Header.Get("Content-Type"))
	}
}

// TestProxyClientGoesAway: a client that hangs up in the middle of a streamed body is not the upstream's fault:
// the exchange is counted as aborted and logged, not reported as an upstream error, and not recorded.
func TestProxyClientGoesAway(t *testing.T) {
	t.Parallel()
	upstream := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"id":1`)
		_ = http.NewResponseController(w).Flush()
		<-req.Context().Done() // until the proxy hangs up on it
	})
	target, _ := serve(t, upstream)
	r := newRig(t, target, newValidator(t), 10)
	tr := &http.Transport{}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/api/3/group_reservations", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(res.Body, make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	res.Body.Close() // mid-body: the connection is closed, not reused
	tr.CloseIdleConnections()
	r.stop() // returns once the proxy's handler has returned
	if st := r.p.Stats(); st.Aborted != 1 || st.UpstreamErrors != 0 || st.Recorded != 0 {
		t.Errorf("got stats %+v, want 1 aborted exchange, no upstream error, nothing recorded", st)
	}
	if !hasLine(r.log.String(), "the client went away", "path=/api/3/group_reservations") {
		t.Errorf("no line about the client in the log:\n%s", r.log)
	}
}
