package body

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/capturetest"
)

func TestReadBodyErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := capturetest.WriteFile(t, dir, "ok.json", capturetest.Reservation)
	empty := capturetest.WriteFile(t, dir, "empty.json", "")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name   string
		ctx    context.Context
		path   string
		op     string
		status int
		opts   []capture.Option
		want   string
		is     error
	}{
		{name: "missing file", path: filepath.Join(dir, "missing.json"), op: "getGroupReservation", want: "cannot open: no such file or directory", is: fs.ErrNotExist},
		{name: "directory", path: dir, op: "getGroupReservation", want: "is a directory, not a body"},
		{name: "empty file", path: empty, op: "getGroupReservation", want: "body file is empty"},
		{name: "over the limit", path: ok, op: "getGroupReservation", opts: []capture.Option{capture.WithMaxBody(100)},
			want: "body file is 223 bytes, over the 100 bytes limit (--max-body)", is: capture.ErrBodyTooLarge},
		{name: "no operation", path: ok, want: "a bare body needs an operationId to validate against"},
		{name: "bad status", path: ok, op: "getGroupReservation", status: 42, want: "status 42 is not an HTTP status code"},
		{name: "canceled", ctx: canceled, path: ok, op: "getGroupReservation", want: "loading stopped: context canceled", is: context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := tc.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			ex, err := Read(ctx, tc.path, tc.op, tc.status, "", tc.opts...)
			var le *capture.LoadError
			if ex != nil || !errors.As(err, &le) || le.File != tc.path || le.Index != -1 {
				t.Fatalf("got %v, %v; want a *capture.LoadError for %s", ex, err, tc.path)
			}
			if got := strings.TrimPrefix(err.Error(), tc.path+": "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false, want true", err, tc.is)
			}
		})
	}
}
