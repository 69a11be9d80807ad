package contract

import (
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"testing"
)

// collect runs a loader to the end and returns what it yielded. Every error must be a *LoadError.
func collect(t testing.TB, seq iter.Seq2[*Exchange, error]) ([]*Exchange, []*LoadError) {
	t.Helper()
	var exs []*Exchange
	var errs []*LoadError
	for ex, err := range seq {
		if err != nil {
			le, ok := err.(*LoadError)
			if !ok {
				t.Fatalf("got error %T %q, want *LoadError", err, err)
			}
			if ex != nil {
				t.Errorf("got an exchange with error %q, want nil", err)
			}
			errs = append(errs, le)
			continue
		}
		if ex == nil {
			t.Fatal("got nil exchange and nil error")
		}
		exs = append(exs, ex)
	}
	return exs, errs
}

// writeFile writes content to dir/name (making parent directories) and returns the path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func errorList(errs []*LoadError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestLoadError(t *testing.T) {
	t.Parallel()
	cause := fs.ErrNotExist
	cases := []struct {
		name string
		err  *LoadError
		want string
	}{
		{"file only", &LoadError{File: "capture.har", Index: -1, Offset: -1, Err: cause}, "capture.har: file does not exist"},
		{"entry", &LoadError{File: "capture.har", Index: 3, Offset: -1, Err: bodyTooLarge("response body", 300<<20, 256<<20)},
			"capture.har: entry 3: response body is 300 MiB, over the 256 MiB limit (--max-body)"},
		{"byte", &LoadError{File: "capture.har", Index: -1, Offset: 1234, Err: errors.New("unexpected end of JSON (truncated file?)")},
			"capture.har: byte 1234: unexpected end of JSON (truncated file?)"},
		{"entry and byte", &LoadError{File: "c.har", Index: 0, Offset: 0, Err: errors.New("x")}, "c.har: entry 0: byte 0: x"},
		{"nil cause", &LoadError{File: "c.har", Index: -1, Offset: -1}, "c.har: unknown error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.err.Err != nil && !errors.Is(tc.err, tc.err.Err) {
				t.Errorf("errors.Is(err, cause) = false, want true")
			}
		})
	}
	var le *LoadError
	if err := fmt.Errorf("wrapped: %w", cases[1].err); !errors.As(err, &le) || !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("errors.As/Is through a wrapped LoadError failed")
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {17, "17 bytes"}, {1024, "1 KiB"}, {1536, "1.5 KiB"},
		{256 << 20, "256 MiB"}, {300 << 20, "300 MiB"}, {(1 << 20) + 2048, "1.0 MiB"}, {3 << 30, "3 GiB"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := formatSize(tc.n); got != tc.want {
				t.Errorf("formatSize(%d): got %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}
