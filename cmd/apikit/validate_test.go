package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// apikit runs the CLI in-process and returns its exit code, stdout and stderr.
func apikit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := run(context.WithoutCancel(t.Context()), args, env)
	return code, stdout.String(), stderr.String()
}

const examples = "../../examples"

func TestValidateExamplesPass(t *testing.T) {
	t.Parallel()
	code, out, errOut := apikit(t, "validate", examples)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "0 invalid") {
		t.Errorf("summary missing: %s", out)
	}
	// All three operations are exercised by the shipped examples.
	_, js, _ := apikit(t, "validate", "--format", "json", examples)
	var o struct {
		Exchanges []struct {
			Operation string `json:"operation"`
			Valid     bool   `json:"valid"`
			Skipped   bool   `json:"skipped"`
		} `json:"exchanges"`
	}
	if err := json.Unmarshal([]byte(js), &o); err != nil {
		t.Fatalf("--format json: %v\n%s", err, js)
	}
	ops := map[string]int{}
	for _, e := range o.Exchanges {
		ops[e.Operation]++
	}
	for _, op := range []string{"listGroupReservations", "getGroupReservation", "listGroups"} {
		if ops[op] == 0 {
			t.Errorf("examples/ has no exchange for %s", op)
		}
	}
}

func TestValidateBrokenExamples(t *testing.T) {
	t.Parallel()
	code, out, _ := apikit(t, "validate", filepath.Join(examples, "broken"))
	if code != exitViolation {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"mixed-violations.har#0 listGroupReservations response.body /0/state: must be one of \"pending\", \"active\", \"deactivated\" (got \"cancelled\")",
		"mixed-violations.har#0 listGroupReservations response.body /1/person_id: required property \"person_id\" is missing",
		"mixed-violations.har#0 listGroupReservations response.body /2/created_at: must be an RFC 3339 date-time",
		"mixed-violations.har#0 listGroupReservations response.body /2/group_ids/1: must be an integer, not a string (got \"4\")",
		"mixed-violations.har#1 getGroupReservation request.header Authorization:",
		"mixed-violations.har#2 listGroupReservations request.query page:",
		"mixed-violations.har#2 listGroupReservations response.status: status 418 is not documented",
		"mixed-violations.har#3 listGroups request.query acl_schedule:",
		"mixed-violations.har#3 listGroups response.body /data/0/acl_task: must be one of \"--\", \"R-\", \"RW\" (got \"Rw\")",
		"mixed-violations.har#3 listGroups response.body /data/0/members/0/primary_email: must be an email address",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}
	if strings.Contains(out, "[email protected]") {
		t.Errorf("the value of a secret field (primary_email) was printed:\n%s", out)
	}
}

func TestValidateFormats(t *testing.T) {
	t.Parallel()
	broken := filepath.Join(examples, "broken")
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		code, out, _ := apikit(t, "validate", broken, "--format", "json")
		if code != exitViolation {
			t.Fatalf("exit %d, want 1", code)
		}
		var o struct {
			Exchanges []struct {
				File       string `json:"file"`
				Index      *int   `json:"index"`
				Method     string `json:"method"`
				URL        string `json:"url"`
				Operation  string `json:"operation"`
				Status     *int   `json:"status"`
				Valid      *bool  `json:"valid"`
				Skipped    *bool  `json:"skipped"`
				Violations []struct {
					In      *string `json:"in"`
					Pointer *string `json:"pointer"`
					Message string  `json:"message"`
				} `json:"violations"`
			} `json:"exchanges"`
			Summary struct {
				Exchanges, Valid, Invalid, Skipped *int
			} `json:"summary"`
		}
		if err := json.Unmarshal([]byte(out), &o); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if len(o.Exchanges) != 4 || o.Summary.Exchanges == nil || *o.Summary.Exchanges != 4 || *o.Summary.Invalid != 4 {
			t.Fatalf("got %d exchanges, summary %+v; want 4, all invalid", len(o.Exchanges), o.Summary)
		}
		for _, e := range o.Exchanges {
			if e.File == "" || e.Index == nil || e.Method == "" || e.URL == "" || e.Status == nil || e.Valid == nil || e.Skipped == nil {
				t.Errorf("exchange lacks a field the interface fixes: %+v", e)
			}
			for _, v := range e.Violations {
				if v.In == nil || v.Pointer == nil || v.Message == "" {
					t.Errorf("violation lacks in/pointer/message: %+v", v)
				}
			}
		}
	})
	t.Run("junit", func(t *testing.T) {
		t.Parallel()
		code, out, _ := apikit(t, "validate", "--format=junit", broken)
		if code != exitViolation {
			t.Fatalf("exit %d, want 1", code)
		}
		var suites struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Suites   []struct {
				Cases []struct {
					Name    string `xml:"name,attr"`
					Failure *struct {
						Text string `xml:",chardata"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal([]byte(out), &suites); err != nil {
			t.Fatalf("not XML: %v\n%s", err, out)
		}
		if suites.Tests != 4 || suites.Failures != 4 || len(suites.Suites) != 1 || len(suites.Suites[0].Cases) != 4 {
			t.Errorf("got tests=%d failures=%d, want one testcase per exchange (4), all failed", suites.Tests, suites.Failures)
		}
	})
	t.Run("text without colour off a terminal", func(t *testing.T) {
		t.Parallel()
		_, out, _ := apikit(t, "validate", broken)
		if strings.Contains(out, "\x1b[") {
			t.Errorf("ANSI colour written to a non-terminal")
		}
	})
}

func TestValidateBareBody(t *testing.T) {
	t.Parallel()
	body := filepath.Join(examples, "bodies", "group-reservation-458.json")
	if code, out, errOut := apikit(t, "validate", "--op", "getGroupReservation", "--status", "200", body); code != exitOK {
		t.Errorf("valid bare body: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := apikit(t, "validate", "--op", "listGroupReservations", "--status", "200", body); code != exitViolation || !strings.Contains(out, "must be an array") {
		t.Errorf("an object where the list is an array: exit %d, want 1 with a type violation\n%s", code, out)
	}
}

// TestValidateBadInput: each bad input exits 2 with one line naming the file; the other files are still
// validated and reported; nothing panics.
func TestValidateBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := filepath.Join(examples, "sonderplan-groups.har")
	body := filepath.Join(examples, "bodies", "group-reservation-458.json")
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"missing path", []string{"validate", filepath.Join(dir, "nope.har"), good}, "nope.har"},
		{"empty file", []string{"validate", write("empty.har", ""), good}, "empty.har"},
		{"truncated HAR", []string{"validate", write("trunc.har", `{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://api.sonderplan.com/v2/group"`), good}, "trunc.har"},
		{"malformed JSON", []string{"validate", write("bad.har", `{"log": {"entries": [}`), good}, "bad.har"},
		{"binary garbage", []string{"validate", write("garbage.har", "\x00\x01\x02\xff\xfe binary"), good}, "garbage.har"},
		{"malformed YAML", []string{"validate", write("bad.yaml", "version: 2\ninteractions: [\n  - id: 0\n   bad"), good}, "bad.yaml"},
		// An entry without a response is a request that never completed (TestValidateNotCompleted), not bad input.
		{"status not HTTP", []string{"validate", write("status42.har", `{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://api.sonderplan.com/v2/group","headers":[]},"response":{"status":42,"headers":[]}}]}}`), good}, "status42.har"},
		{"body over the limit", []string{"validate", "--max-body", "100B", good}, "sonderplan-groups.har"},
		{"unknown --op", []string{"validate", "--op", "listDoors", "--status", "200", body}, "listDoors"},
		{"bare body wrong content type", []string{"validate", "--op", "getGroupReservation", "--status", "200", "--content-type", "text/html", body}, "text/html"},
		{"truncated bare body", []string{"validate", "--op", "getGroupReservation", "--status", "200", write("trunc.json", `{"id": 4`)}, "trunc.json"},
		{"unknown format", []string{"validate", "--format", "xml", good}, "--format"},
		{"no path", []string{"validate"}, "no PATH"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := apikit(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr does not name %q:\n%s", tc.want, errOut)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
				t.Errorf("panic:\n%s", errOut)
			}
			if slices.Contains(tc.args, good) && !strings.Contains(tc.name, "limit") && !strings.Contains(tc.name, "format") && !strings.Contains(out, "sonderplan-groups.har") && !strings.Contains(out, "5 exchanges") {
				t.Errorf("the good file was not validated beside the bad one:\n%s", out)
			}
		})
	}
}

// TestREADMEShowsRealOutput keeps the output the README quotes for its two validate runs true.
func TestREADMEShowsRealOutput(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, out, _ := apikit(t, "validate", examples)
	_, broken, _ := apikit(t, "validate", filepath.Join(examples, "broken"))
	lastLine := func(s string) string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		return lines[len(lines)-1]
	}
	quoted := []string{lastLine(out), lastLine(broken)}
	for _, l := range strings.Split(broken, "\n")[:2] {
		quoted = append(quoted, strings.ReplaceAll(l, "../../examples/", "examples/"))
	}
	for _, q := range quoted {
		if !strings.Contains(string(readme), q) {
			t.Errorf("README.md does not quote the real output line:\n%s", q)
		}
	}
}

func TestValidateCoverage(t *testing.T) {
	t.Parallel()
	code, out, _ := apikit(t, "validate", "--coverage", examples)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", code, out)
	}
	for _, want := range []string{"doorflow.listGroupReservations", "sonderplan.listGroups", "never exercised in listGroupReservations: status 400, 401, 403, 500"} {
		if !strings.Contains(out, want) {
			t.Errorf("coverage table lacks %q:\n%s", want, out)
		}
	}
	_, js, _ := apikit(t, "validate", "--coverage", "--format", "json", examples)
	var o struct {
		Coverage *struct {
			Percent    float64 `json:"percent"`
			Operations []struct {
				Operation string  `json:"operation"`
				Percent   float64 `json:"percent"`
			} `json:"operations"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(js), &o); err != nil || o.Coverage == nil || len(o.Coverage.Operations) != 3 {
		t.Fatalf("--format json --coverage: want a coverage object with 3 operations, got %v / %s", err, js)
	}
	if code, _, errOut := apikit(t, "validate", "--min-coverage", "99", examples); code != exitViolation || !strings.Contains(errOut, "below --min-coverage") {
		t.Errorf("--min-coverage 99: exit %d, want 1 naming the shortfall; stderr %s", code, errOut)
	}
	if code, _, _ := apikit(t, "validate", "--min-coverage", "10", examples); code != exitOK {
		t.Errorf("--min-coverage 10: exit %d, want 0", code)
	}
}

// TestValidateExporterVerdicts runs apikit validate on the real exporters' captures (testdata/exporters): the
// deliberate client errors fail the run by default and with --fail-on client, not with --fail-on vendor; the
// aborted request is reported as not completed (exit 1 only with --require-complete), omit mode's missing
// bodies as not recorded (exit 1 only with --require-bodies).
func TestValidateExporterVerdicts(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "testdata", "exporters")
	omit, embed := filepath.Join(dir, "playwright-omit.har"), filepath.Join(dir, "playwright-embed.har")
	cases := []struct {
		args []string
		want int
		out  string // in stdout or stderr
	}{
		{[]string{omit}, exitViolation, "1 not completed, 7 with a body not recorded, 2 other traffic (violations: 2 by the client, 0 by the vendor)"},
		{[]string{"--fail-on", "vendor", omit}, exitOK, "#9 listGroupReservations GET http://127.0.0.1:8080/api/3/group_reservations?per_page=3: not completed: net::ERR_ABORTED"},
		{[]string{"--fail-on", "client", omit}, exitViolation, "2 by the client"},
		{[]string{"--fail-on", "vendor", "--strict", embed}, exitOK, "2 other traffic"},
		{[]string{"--fail-on", "vendor", "--require-bodies", omit}, exitViolation, "7 exchanges without a recorded body (--require-bodies)"},
		{[]string{"--fail-on", "vendor", "--require-bodies", embed}, exitOK, "10 exchanges"},
		{[]string{"--fail-on", "vendor", "--require-complete", embed}, exitViolation, "1 request never completed (--require-complete)"},
		{[]string{"--fail-on", "vendor", "--format", "json", omit}, exitOK, `"side": "request"`},
		{[]string{"--fail-on", "vendor", "--format", "json", omit}, exitOK, `"bodyNotRecorded": "response"`},
		{[]string{"--fail-on", "vendor", "--format", "json", omit}, exitOK, `"notCompleted": "net::ERR_ABORTED"`},
		{[]string{"--fail-on", "vendor", "--format", "json", omit}, exitOK, `"clientViolations": 2`},
		{[]string{"--fail-on", "vendor", "--format", "junit", omit}, exitOK, `<skipped message="not completed: net::ERR_ABORTED">`},
		{[]string{"--fail-on", "vendor", "--format", "junit", omit}, exitOK, `response body not recorded: not validated`},
		{[]string{"--format", "junit", omit}, exitViolation, `failures="2"`},
		{[]string{"--fail-on", "nobody", omit}, exitUsage, "want both, vendor or client"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := apikit(t, append([]string{"validate"}, tc.args...)...)
			if code != tc.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errOut)
			}
			if !strings.Contains(out+errOut, tc.out) {
				t.Errorf("output does not say %q:\n%s%s", tc.out, out, errOut)
			}
		})
	}
}

// TestValidateNotCompleted: an entry without a response, with status 0 or -1, or with a browser's failure text
// is a request that never completed: its request is validated, it is reported as not completed, and it is no
// input error.
func TestValidateNotCompleted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	req := `"request":{"method":"GET","url":"https://api.sonderplan.com/v2/group","headers":[{"name":"Authorization","value":"Bearer x"}]}`
	for name, entry := range map[string]string{
		"noresp":  `{` + req + `}`,
		"status0": `{` + req + `,"response":{"status":0,"headers":[],"content":{"size":0}}}`,
		"error":   `{` + req + `,"response":{"status":0,"headers":[],"content":{"size":0},"_error":"net::ERR_BLOCKED_BY_CLIENT"}}`,
		"minus1":  `{` + req + `,"response":{"status":-1,"headers":[],"content":{"size":-1},"_failureText":"net::ERR_ABORTED"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(dir, name+".har")
			if err := os.WriteFile(p, []byte(`{"log":{"version":"1.2","entries":[`+entry+`]}}`), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := apikit(t, "validate", p)
			if code != exitOK || !strings.Contains(out, "1 exchange: 0 valid, 0 invalid, 0 skipped, 1 not completed") || !strings.Contains(out, ": not completed: ") {
				t.Errorf("exit %d, want 0 and the exchange reported as not completed\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			code, _, _ = apikit(t, "validate", "--require-complete", p)
			if code != exitViolation {
				t.Errorf("--require-complete: exit %d, want 1", code)
			}
		})
	}
}

// TestValidateFIFO: a FIFO named as a path ends at once with exit 2 and a message (it used to block for ever);
// in a walked folder it is listed as skipped and the rest is validated.
func TestValidateFIFO(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.har")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	good, err := os.ReadFile(filepath.Join(examples, "sonderplan-groups.har"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good.har"), good, 0o600); err != nil {
		t.Fatal(err)
	}
	type run struct {
		code     int
		out, err string
	}
	for _, tc := range []struct {
		args     []string
		want     int
		inStderr string
	}{
		{[]string{"validate", fifo}, exitUsage, "pipe.har: not a regular file: it is a named pipe (FIFO)"},
		{[]string{"validate", "--op", "getGroupReservation", "--status", "200", fifo}, exitUsage, "named pipe (FIFO)"},
		{[]string{"validate", dir}, exitOK, "pipe.har: skipped: not a regular file: it is a named pipe (FIFO)"},
	} {
		done := make(chan run, 1)
		go func() {
			code, out, errOut := apikit(t, tc.args...)
			done <- run{code, out, errOut}
		}()
		select {
		case r := <-done:
			if r.code != tc.want || !strings.Contains(r.err, tc.inStderr) {
				t.Errorf("%q: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", tc.args, r.code, tc.want, tc.inStderr, r.out, r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%q: still running after 10s: the FIFO was opened", tc.args)
		}
	}
}

// TestValidateHelpSaysMaxBodyDefaultOnce: validate -h printed "(default 256MiB) (default 268435456)".
func TestValidateHelpSaysMaxBodyDefaultOnce(t *testing.T) {
	t.Parallel()
	code, _, errOut := apikit(t, "validate", "-h")
	if code != exitOK || strings.Count(errOut, "default 256MiB") != 1 || strings.Contains(errOut, "268435456") {
		t.Errorf("exit %d; want the --max-body default said once, as 256MiB:\n%s", code, errOut)
	}
}
