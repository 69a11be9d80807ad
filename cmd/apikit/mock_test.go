package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apikit/apikit/mock"
)

func mockTestEnv(stdout, stderr io.Writer) env {
	return env{stdout: stdout, stderr: stderr, getenv: func(string) string { return "" }}
}

func TestMockUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	invalid := filepath.Join(dir, "invalid.json")
	if err := os.WriteFile(invalid, []byte(`{"groups":[{"id":1,"acl_task":"rw"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"positional argument", []string{"extra"}, `unexpected argument "extra"`},
		{"unknown flag", []string{"--port", "1"}, "flag provided but not defined"},
		{"data with seed", []string{"--data", invalid, "--seed", "2"}, "--seed and --count"},
		{"bad now", []string{"--now", "tomorrow"}, "--now"},
		{"bad time zone", []string{"--tz", "Mars/Olympus"}, "--tz"},
		{"negative count", []string{"--count", "-1"}, "out of range"},
		{"unknown scope", []string{"--token", "t=account.door.readonly"}, `unknown scope "account.door.readonly"`},
		{"missing data file", []string{"--data", filepath.Join(dir, "nope.json")}, "--data"},
		{"invalid data file", []string{"--data", invalid}, "/groups/0/acl_task"},
		{"port in use or bad address", []string{"--addr", "127.0.0.1:99999"}, "apikit mock:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := cmdMock(t.Context(), tc.args, mockTestEnv(&stdout, &stderr)); code != exitUsage {
				t.Errorf("got exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("got stderr %q, want it to hold %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestMockHelp(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := cmdMock(t.Context(), []string{"-h"}, mockTestEnv(io.Discard, &stderr)); code != exitOK {
		t.Errorf("got exit %d, want %d", code, exitOK)
	}
	for _, w := range []string{"--addr", "--seed", "--count", "--data", "--token", mock.DefaultToken} {
		if !strings.Contains(strings.ReplaceAll(stderr.String(), "  -", "  --"), w) {
			t.Errorf("the usage does not mention %s:\n%s", w, stderr.String())
		}
	}
}

// TestMockPrintData: --print-data writes a data file that --data reads back, the same for the same seed.
func TestMockPrintData(t *testing.T) {
	t.Parallel()
	printData := func(args ...string) []byte {
		var stdout, stderr bytes.Buffer
		if code := cmdMock(t.Context(), append([]string{"--print-data"}, args...), mockTestEnv(&stdout, &stderr)); code != exitOK {
			t.Fatalf("got exit %d: %s", code, stderr.String())
		}
		return stdout.Bytes()
	}
	a, b := printData("--seed", "3", "--count", "12"), printData("--seed", "3", "--count", "12")
	if !bytes.Equal(a, b) {
		t.Error("the same seed printed different data sets")
	}
	file := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(file, a, 0o600); err != nil {
		t.Fatal(err)
	}
	if c := printData("--data", file); !bytes.Equal(a, c) {
		t.Error("a printed data set does not read back the same")
	}
}

// TestMockServes starts `apikit mock` on a free loopback port, reads the address from its startup line, makes
// a request, and stops it as SIGINT would (by ending its context).
func TestMockServes(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- cmdMock(ctx, []string{"--addr", "127.0.0.1:0", "--count", "15"}, mockTestEnv(io.Discard, pw))
		_ = pw.Close()
	}()
	// Read the log as it comes: the mock writes a request's line before the response is flushed.
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	start, ok := <-lines
	if !ok {
		t.Fatal("no startup line")
	}
	m := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(start)
	if m == nil || !strings.Contains(start, "token="+mock.DefaultToken) {
		t.Fatalf("got startup line %q, want the URL and the default token", start)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, m[1]+"/v2/group?limit=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("got status %d, want 200", res.StatusCode)
	}
	if got := <-lines; !strings.Contains(got, "path=/v2/group") || !strings.Contains(got, "status=200") || strings.Contains(got, mock.DefaultToken) {
		t.Errorf("got request line %q, want path and status, and no token", got)
	}
	cancel()
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	if code := <-exit; code != exitOK {
		t.Errorf("got exit %d, want %d; log: %q", code, exitOK, rest)
	}
	if len(rest) == 0 || !strings.Contains(rest[len(rest)-1], "stopped") {
		t.Errorf("got last lines %q, want a stop line", rest)
	}
}
