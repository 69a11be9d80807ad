package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/apikit/apikit/mock"
	"github.com/apikit/apikit/openapi"
)

func TestValidatePropose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	body := filepath.Join(dir, "reservation.json")
	if err := os.WriteFile(body, []byte(`{"id":1,"person_id":2,"start_time":"2026-06-25T06:30:00.000Z","end_time":"2026-06-30T06:30:00.000Z",`+
		`"state":"suspended","group_ids":[1],"created_at":"2026-06-15T00:31:39.775Z","updated_at":"2026-06-15T00:31:39.775Z",`+
		`"checked_in_at":"2026-06-25T06:31:00Z","mixed":null}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// The specs as written, in a folder of their own (the embedded ones hold any overlay a user applied).
	specs := filepath.Join(dir, "openapi")
	if err := os.Mkdir(specs, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"doorflow.yaml", "sonderplan.yaml"} {
		data, err := openapi.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(specs, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	overlay := filepath.Join(dir, "doorflow.overlay.yaml")
	code, out, errOut := apikit(t, "validate", "--spec", specs, "--op", "getGroupReservation", "--status", "200", "--propose", overlay, body)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1 (suspended is not a state yet)\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"--propose: wrote " + overlay, `--propose: not proposed: property "mixed" of GroupReservation`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	doc, err := os.ReadFile(overlay)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(doc), "- target:"); n != 2 || !strings.Contains(string(doc), "checked_in_at:") || !strings.Contains(string(doc), "- suspended") {
		t.Fatalf("want 2 actions (checked_in_at, suspended):\n%s", doc)
	}

	// The specs with the overlay beside them: the same body is valid, with one warning left (mixed).
	if err := os.Rename(overlay, filepath.Join(specs, "doorflow.overlay.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = apikit(t, "validate", "--spec", specs, "--op", "getGroupReservation", "--status", "200", body)
	if code != exitOK || !strings.Contains(out, "1 valid") || !strings.Contains(out, "1 warnings") || !strings.Contains(out, `"mixed"`) {
		t.Fatalf("with the overlay: exit %d\n%s%s", code, out, errOut)
	}
}

// TestProxyPropose: apikit proxy --propose in front of a drifting vendor writes, on shutdown, the overlay with one
// action per drift, its evidence naming the recorded entries.
func TestProxyPropose(t *testing.T) {
	t.Parallel()
	const reservation = `{"id":%s,"person_id":2,"start_time":"2026-06-25T06:30:00.000Z","end_time":"2026-06-30T06:30:00.000Z",` +
		`"state":"suspended","group_ids":[1],"created_at":"2026-06-15T00:31:39.775Z","updated_at":"2026-06-15T00:31:39.775Z",` +
		`"checked_in_at":"2026-06-25T06:31:00Z"}`
	vendor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/api/3/group_reservations/")
		w.Header().Set("Content-Type", "application/json")
		if id == "9" {
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, `{"error":"conflict"}`)
			return
		}
		w.Header().Set("X-Ratelimit-Remaining", "41")
		_, _ = io.WriteString(w, strings.Replace(reservation, "%s", id, 1))
	})
	dir := t.TempDir()
	har, overlay := filepath.Join(dir, "rec.har"), filepath.Join(dir, "doorflow.overlay.yaml")
	r := startProxyCmd(t, "--target", serveLoopback(t, vendor), "--record", har, "--propose", overlay)
	for _, id := range []string{"1", "2", "9"} {
		proxyGet(t, r.url+"/api/3/group_reservations/"+id)
		// The proxy validates and records off the response path: wait for each exchange's log line (written after
		// its recording), so the HAR's entries are in the order of the requests.
		r.waitLine(t, "path=/api/3/group_reservations/"+id+" ")
	}
	if _, err := os.Stat(overlay); err != nil {
		t.Fatalf("the overlay file is not created at startup: %v", err)
	}
	code, lines := r.stop(t)
	all := strings.Join(lines, "\n")
	if code != exitViolation || !strings.Contains(all, "apikit proxy: --propose: wrote "+overlay) {
		t.Fatalf("exit %d, want 1 (the vendor drifts), and the overlay written:\n%s", code, all)
	}
	doc, err := os.ReadFile(overlay)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Actions []struct {
			Target   string         `yaml:"target"`
			Update   map[string]any `yaml:"update"`
			Evidence string         `yaml:"x-apikit-evidence"`
		} `yaml:"actions"`
	}
	if err := yaml.Unmarshal(doc, &o); err != nil {
		t.Fatal(err)
	}
	want := []struct{ target, key, evidence string }{
		{"$.components.schemas['GroupReservation']", "properties", "seen in 2 exchange(s): " + har + "#0, " + har + "#1"},
		{"$.components.schemas['GroupReservationState']", "enum", "seen in 2 exchange(s): " + har + "#0, " + har + "#1"},
		{"$.paths['/api/3/group_reservations/{id}'].get.responses", "409", "seen in 1 exchange(s): " + har + "#2"},
		{"$.paths['/api/3/group_reservations/{id}'].get.responses['200']", "headers", "seen in 2 exchange(s): " + har + "#0, " + har + "#1"},
	}
	if len(o.Actions) != len(want) {
		t.Fatalf("%d actions, want %d:\n%s", len(o.Actions), len(want), doc)
	}
	for i, w := range want {
		a := o.Actions[i]
		if _, ok := a.Update[w.key]; a.Target != w.target || !ok || a.Evidence != w.evidence {
			t.Errorf("action %d: target %s, update %v, evidence %q; want %s, %s, %q", i+1, a.Target, a.Update, a.Evidence, w.target, w.key, w.evidence)
		}
	}
}

func TestProxyProposeUnwritable(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := cmdProxy(t.Context(), []string{"--target", "http://127.0.0.1:1", "--propose", filepath.Join(file, "x.yaml")}, mockTestEnv(io.Discard, &stderr))
	if code != exitUsage || !strings.Contains(stderr.String(), "apikit proxy: --propose:") {
		t.Errorf("exit %d, stderr %q; want 2 and a --propose error", code, stderr.String())
	}
}

// TestProxyProposeREADME runs the README's drift walk-through in-process: apikit mock serving the shipped drifting
// data set, apikit proxy --record --propose in front of it, the three requests; the overlay is the one the README
// quotes.
func TestProxyProposeREADME(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../testdata/drift/doorflow.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := mock.ParseDatasetDrift(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mock.New(t.Context(), mock.WithDataset(d))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	har, overlay := filepath.Join(dir, "rec.har"), filepath.Join(dir, "doorflow.overlay.yaml")
	r := startProxyCmd(t, "--target", serveLoopback(t, m), "--record", har, "--propose", overlay)
	for _, p := range []string{"", "/403", "/407"} {
		proxyGet(t, r.url+"/api/3/group_reservations"+p)
		r.waitLine(t, "path=/api/3/group_reservations"+p+" ") // recorded in the order of the requests
	}
	if code, lines := r.stop(t); code != exitViolation {
		t.Fatalf("exit %d, want 1 (the vendor drifts):\n%s", code, strings.Join(lines, "\n"))
	}
	doc, err := os.ReadFile(overlay)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, quoted, ok := strings.Cut(string(readme), "Review `doorflow.overlay.yaml`:\n\n```yaml\n")
	quoted, _, ok2 := strings.Cut(quoted, "```")
	if !ok || !ok2 {
		t.Fatal("README.md no longer quotes the proposed doorflow.overlay.yaml")
	}
	if got := strings.ReplaceAll(string(doc), dir+string(filepath.Separator), ""); got != quoted {
		t.Errorf("the overlay proposed from the shipped drift data is not the one README.md quotes:\n%s\nREADME:\n%s", got, quoted)
	}
}
