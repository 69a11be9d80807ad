package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apikit/apikit/contract"
	"github.com/apikit/apikit/mock"
)

// The planted-secret suite (issue 15). Unique markers are planted in every place a credential hides, on both
// sides of an exchange, and echoed back by a hostile upstream; every path that writes an exchange (a
// contract.Transport's HAR, cassette and debug log; apikit proxy --record and its log; apikit mock's log; apikit
// validate in every format and verbosity) runs over them, and every byte written and every line printed is
// searched for the markers: none may appear. A failure names the places whose marker leaked, never more.

// plants hands out the markers (STYLE §5): "SECRET-p", a number and a fixed tail, 15 bytes (over
// redact.MinSecretLen), each remembered with the place it was planted.
type plants struct {
	mu     sync.Mutex
	places []string
}

func (p *plants) mark(place string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.places = append(p.places, place)
	return fmt.Sprintf("SECRET-p%03dqZ7k", len(p.places)-1)
}

var markerRE = regexp.MustCompile(`SECRET-p(\d{3})`)

// check fails the test for each marker in out, naming where it was planted and where it came out.
func (p *plants) check(t *testing.T, where string, out []byte) {
	t.Helper()
	if len(out) == 0 {
		t.Errorf("%s: nothing was written: the check would pass vacuously", where)
	}
	seen := map[string]bool{}
	for _, m := range markerRE.FindAllSubmatch(out, -1) {
		i, _ := strconv.Atoi(string(m[1]))
		place := "?"
		if i < len(p.places) {
			place = p.places[i]
		}
		if !seen[place] {
			seen[place] = true
			line := out[max(0, bytes.LastIndexByte(out[:bytes.Index(out, m[0])], '\n')+1):]
			if e := bytes.IndexByte(line, '\n'); e >= 0 {
				line = line[:e]
			}
			if len(line) > 300 {
				line = line[:300]
			}
			t.Errorf("%s: the secret planted in %s leaked: %s", where, place, line)
		}
	}
}

// hostileRequests builds the requests the suite sends to base: a GET with a planted credential in every query
// key, header, cookie, the user information and the fragment; a JSON, a form, a multipart and a text/plain POST.
func hostileRequests(t *testing.T, p *plants, base string) []*http.Request {
	t.Helper()
	q := url.Values{}
	for _, k := range []string{"key", "apikey", "x-amz-signature", "X-Amz-Credential", "client_assertion", "auth",
		"sessionid", "access_token", "code", "sig", "password", "private_token"} {
		q.Set(k, p.mark("query key "+k))
	}
	q.Set("per_page", "2")
	u, err := url.Parse(base + "/api/3/group_reservations?" + q.Encode() + "#access_token=" + p.mark("URL fragment") + "&state=s")
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("user", p.mark("URL password"))
	get := newReq(t, http.MethodGet, u.String(), "", nil)
	get.Header.Set("Authorization", "Bearer "+p.mark("Authorization bearer token"))
	for _, h := range []string{"X-Auth-Token", "X-Access-Token", "Private-Token", "X-Amz-Security-Token", "Api-Key",
		"X-Api-Key", "X-CSRF-Token", "Proxy-Authorization"} {
		get.Header.Set(h, p.mark("request header "+h))
	}
	get.Header.Set("Cookie", "session="+p.mark("cookie session")+"; theme="+p.mark("cookie theme"))
	get.Header.Set("Referer", "https://app.example.com/x?key="+p.mark("Referer key")+"#id_token="+p.mark("Referer fragment"))
	get.Header.Set("X-Callback", "see https://hooks.example.com/in?token="+p.mark("URL in a custom header"))

	jsonBody := fmt.Sprintf(`{"name":"x","apikey":%q,"auth":{"user":"u","password":%q},"list":[{"client_secret":%q}],"meta":{"sessionId":%q},"acc\u0065ss_token":%q}`,
		p.mark("JSON apikey"), p.mark("JSON nested password"), p.mark("JSON client_secret in an array"), p.mark("JSON sessionId"),
		p.mark("JSON key written with an escape"))
	postJSON := newReq(t, http.MethodPost, base+"/api/3/group_reservations", "application/json", []byte(jsonBody))
	postJSON.Header.Set("Authorization", "Basic "+basic("user", p.mark("Basic password")))

	form := url.Values{"grant_type": {"client_credentials"}, "client_secret": {p.mark("form client_secret")},
		"client_assertion": {p.mark("form client_assertion")}, "apikey": {p.mark("form apikey")}}
	postForm := newReq(t, http.MethodPost, base+"/oauth/token", "application/x-www-form-urlencoded", []byte(form.Encode()))

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("password", p.mark("multipart password"))
	fw, _ := mw.CreateFormFile("upload", "notes.txt")
	_, _ = fw.Write([]byte("my key is " + p.mark("multipart file")))
	_ = mw.Close()
	postMultipart := newReq(t, http.MethodPost, base+"/api/3/group_reservations", mw.FormDataContentType(), mp.Bytes())

	postText := newReq(t, http.MethodPost, base+"/api/3/group_reservations", "text/plain", []byte("token: "+p.mark("text/plain body")))
	postXML := newReq(t, http.MethodPost, base+"/api/3/group_reservations", "application/xml",
		[]byte("<login><password>"+p.mark("XML body")+"</password></login>"))

	// An implicit flow's redirect: a fragment and nothing else (no query, no user information).
	fragment := newReq(t, http.MethodGet, base+"/api/3/group_reservations#access_token="+p.mark("fragment-only URL")+"&token_type=bearer", "", nil)
	fragment.Header.Set("Authorization", "Bearer "+p.mark("Authorization of the fragment request"))

	// A client that asks for gzip itself gets the encoded body, which recordings store decoded.
	gz := newReq(t, http.MethodGet, base+"/api/3/group_reservations?per_page=1", "", nil)
	gz.Header.Set("Accept-Encoding", "gzip")
	gz.Header.Set("X-Auth-Token", p.mark("X-Auth-Token of the gzip request"))
	return []*http.Request{get, postJSON, postForm, postMultipart, postText, postXML, fragment, gz}
}

func newReq(t *testing.T, method, u, ctype string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(t.Context()), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req
}

func basic(user, pass string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// hostile is an upstream that echoes the credentials it is sent back in every place an answer can hold them,
// and plants more of its own: OAuth tokens in the body, a cookie, URLs in Link, Location and Content-Location, a
// WWW-Authenticate challenge that quotes the token, a text/plain error.
func hostile(p *plants) http.Handler {
	own := map[string]string{}
	for _, k := range []string{"access_token", "refresh_token", "id_token", "Set-Cookie", "Link access_token",
		"Location code", "Content-Location token", "WWW-Authenticate nonce", "response apiKey", "response text/plain",
		"X-Refresh-Token header", "Authentication-Info nextnonce", "gzip body session_token", "Location fragment"} {
		own[k] = p.mark("response " + k)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		echo := token + " " + r.Header.Get("X-Auth-Token") + " " + r.URL.Query().Get("key") + " " + r.Header.Get("Cookie")
		h := w.Header()
		h.Set("X-Echo", echo)
		h.Set("Set-Cookie", "sid="+own["Set-Cookie"]+"; Path=/; HttpOnly")
		h.Set("Link", `<https://api.doorflow.com/api/3/group_reservations?page=2&access_token=`+own["Link access_token"]+`>; rel="next"`)
		h.Set("Location", "/cb?code="+own["Location code"]+"&state=s#id_token="+own["Location fragment"])
		h.Set("X-Refresh-Token", own["X-Refresh-Token header"])
		h.Set("Authentication-Info", `nextnonce="`+own["Authentication-Info nextnonce"]+`", qop=auth`)
		h.Set("Content-Location", "https://api.doorflow.com/x?token="+own["Content-Location token"])
		h.Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_description="the token `+token+` expired", nonce="`+own["WWW-Authenticate nonce"]+`"`)
		if r.Header.Get("Content-Type") == "text/plain" {
			h.Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "bad request from "+echo+" "+own["response text/plain"])
			return
		}
		h.Set("Content-Type", "application/json")
		if r.Header.Get("Accept-Encoding") == "gzip" {
			h.Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = fmt.Fprintf(zw, `[{"id":1,"session_token":%q,"note":"hello %s"}]`, own["gzip body session_token"], echo)
			_ = zw.Close()
			return
		}
		if r.Method == http.MethodGet {
			// a page whose first item breaks the schema with the echoed token, so that validators print it
			_, _ = fmt.Fprintf(w, `[{"id":%q,"state":%q,"access_token":%q,"refresh_token":%q,"id_token":%q,"apiKey":%q,"message":"token %s is not valid"}]`,
				echo, echo, own["access_token"], own["refresh_token"], own["id_token"], own["response apiKey"], echo)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = fmt.Fprintf(w, `{"error":"invalid_token","error_description":"token %s rejected","access_token":%q}`, echo, own["access_token"])
	})
}

func newTestValidator(t *testing.T) *contract.Validator {
	t.Helper()
	v, err := contract.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestPlantedSecretsTransport: contract.NewTransport recording a HAR and a cassette, with a debug logger and the
// verdict callbacks printed, in front of the hostile upstream.
func TestPlantedSecretsTransport(t *testing.T) {
	t.Parallel()
	p := &plants{}
	upstream := serveLoopback(t, hostile(p))
	dir := t.TempDir()
	var log bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(syncWriter{&mu, &log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var results bytes.Buffer
	tr, err := contract.NewTransport(newTestValidator(t),
		contract.WithHAR(filepath.Join(dir, "live.har")), contract.WithRecord(filepath.Join(dir, "live")),
		contract.WithLogger(logger), contract.WithOnResult(func(r contract.Result) {
			mu.Lock()
			defer mu.Unlock()
			js, _ := json.Marshal(r)
			fmt.Fprintf(&results, "%s\n%v\n", js, r.Violations)
		}))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, req := range hostileRequests(t, p, upstream) {
		res, err := hc.Do(req)
		if err != nil {
			fmt.Fprintf(&results, "%v\n", err)
			continue
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"live.har", "live.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		p.check(t, name, data)
	}
	p.check(t, "the debug log", log.Bytes())
	p.check(t, "the verdicts", results.Bytes())
}

type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l syncWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestPlantedSecretsProxy: apikit proxy --record in front of the hostile upstream; then apikit validate reads
// the recording back in every format.
func TestPlantedSecretsProxy(t *testing.T) {
	t.Parallel()
	p := &plants{}
	upstream := serveLoopback(t, hostile(p))
	har := filepath.Join(t.TempDir(), "rec.har")
	r := startProxyCmd(t, "--target", upstream, "--record", har)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, req := range hostileRequests(t, p, r.url) {
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
	_, lines := r.stop(t)
	p.check(t, "the proxy's log", []byte(strings.Join(lines, "\n")))
	data, err := os.ReadFile(har)
	if err != nil {
		t.Fatal(err)
	}
	p.check(t, "the proxy's recording", data)
	validateEveryWay(t, p, har)
}

// TestPlantedSecretsValidate: apikit validate, in every format and verbosity, over a HAR saved unredacted (as
// a browser's devtools save one) with a secret in every place.
func TestPlantedSecretsValidate(t *testing.T) {
	t.Parallel()
	p := &plants{}
	// Record the raw exchanges with a transport that only captures them (no redaction), then write them as HAR.
	upstream := serveLoopback(t, hostile(p))
	var entries []string
	for _, req := range hostileRequests(t, p, upstream) {
		var reqBody []byte
		if req.Body != nil {
			reqBody, _ = io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resBody, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		entries = append(entries, rawHAREntry(req, reqBody, res, resBody))
	}
	har := filepath.Join(t.TempDir(), "devtools.har")
	doc := `{"log":{"version":"1.2","creator":{"name":"devtools","version":"1"},"entries":[` + strings.Join(entries, ",") + `]}}`
	if err := os.WriteFile(har, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(doc), []byte("SECRET-p")) {
		t.Fatal("the raw HAR holds no marker")
	}
	validateEveryWay(t, p, har)
}

// validateEveryWay runs apikit validate over path in every format and verbosity and checks what it prints.
func validateEveryWay(t *testing.T, p *plants, path string) {
	t.Helper()
	for _, args := range [][]string{
		{}, {"-v"}, {"--strict"}, {"-v", "--strict", "--warnings"}, {"--format", "json"}, {"--format", "json", "--strict"},
		{"--format", "junit"}, {"--format", "junit", "--strict"}, {"--coverage"}, {"--coverage", "-v"},
		{"--rules", "schema", "-v"},
	} {
		_, out, errOut := apikit(t, append(append([]string{"validate"}, args...), path)...)
		p.check(t, "apikit validate "+strings.Join(args, " "), []byte(out+errOut))
	}
}

// rawHAREntry writes one exchange as a HAR entry, unredacted.
func rawHAREntry(req *http.Request, reqBody []byte, res *http.Response, resBody []byte) string {
	type nv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	hdrs := func(h http.Header) []nv {
		out := []nv{}
		for k, vs := range h {
			for _, v := range vs {
				out = append(out, nv{k, v})
			}
		}
		return out
	}
	e := map[string]any{
		"startedDateTime": "2024-01-15T09:00:00.000Z", "time": 1,
		"request": map[string]any{"method": req.Method, "url": req.URL.String(), "httpVersion": "HTTP/1.1",
			"headers": hdrs(req.Header), "cookies": []nv{}, "queryString": []nv{}, "headersSize": -1, "bodySize": len(reqBody),
			"postData": map[string]any{"mimeType": req.Header.Get("Content-Type"), "text": string(reqBody)}},
		"response": map[string]any{"status": res.StatusCode, "statusText": "", "httpVersion": "HTTP/1.1",
			"headers": hdrs(res.Header), "cookies": []nv{}, "redirectURL": res.Header.Get("Location"), "headersSize": -1,
			"bodySize": len(resBody), "content": map[string]any{"size": len(resBody), "mimeType": res.Header.Get("Content-Type"), "text": string(resBody)}},
		"cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 1, "receive": 0},
	}
	b, _ := json.Marshal(e)
	return string(b)
}

// TestPlantedSecretsMock: apikit mock's request log, with a credential in every query key the issue names.
func TestPlantedSecretsMock(t *testing.T) {
	t.Parallel()
	p := &plants{}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- cmdMock(ctx, []string{"--addr", "127.0.0.1:0", "--count", "5"}, mockTestEnv(io.Discard, pw))
		_ = pw.Close()
	}()
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	start := <-lines
	m := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(start)
	if m == nil {
		t.Fatalf("got startup line %q", start)
	}
	reqs := hostileRequests(t, p, m[1])
	for _, path := range []string{"/v2/group", "/api/3/group_reservations", "/nowhere"} {
		u := *reqs[0].URL
		u.Path = path
		req := reqs[0].Clone(reqs[0].Context())
		req.URL = &u
		req.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
	cancel()
	var all []string
	for l := range lines {
		all = append(all, l)
	}
	<-exit
	p.check(t, "apikit mock's log", []byte(strings.Join(all, "\n")))
}
