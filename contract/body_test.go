package contract

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "reservation.json", reservation)
	cases := []struct {
		name        string
		op          string
		status      int
		contentType string
		wantStatus  int
		wantCT      string
	}{
		{name: "defaults", op: "getGroupReservation", wantStatus: 200, wantCT: "application/json"},
		{name: "explicit", op: "getGroupReservation", status: 200, contentType: "application/json; charset=utf-8", wantStatus: 200, wantCT: "application/json; charset=utf-8"},
		{name: "undocumented status", op: "getGroupReservation", status: 418, wantStatus: 418, wantCT: "application/json"},
	}
	v := newValidator(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex, err := ReadBody(t.Context(), p, tc.op, tc.status, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			want := Exchange{Source: p, Index: -1, OperationID: tc.op, NoRequest: true, Status: tc.wantStatus,
				ResponseHeader: http.Header{"Content-Type": {tc.wantCT}}, ResponseBody: []byte(reservation)}
			if ex.Source != want.Source || ex.Index != want.Index || ex.OperationID != want.OperationID || !ex.NoRequest ||
				ex.Status != want.Status || ex.ResponseHeader.Get("Content-Type") != tc.wantCT || string(ex.ResponseBody) != reservation ||
				ex.URL != nil || ex.Method != "" || ex.RequestHeader != nil || ex.RequestBody != nil {
				t.Errorf("got %+v, want %+v", ex, want)
			}
			res := v.Validate(t.Context(), ex)
			if wantValid := tc.wantStatus == 200; res.Valid != wantValid {
				t.Errorf("validated: got valid=%v (%v), want %v", res.Valid, res.Violations, wantValid)
			}
		})
	}
}

func TestReadBodyErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := writeFile(t, dir, "ok.json", reservation)
	empty := writeFile(t, dir, "empty.json", "")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name   string
		ctx    context.Context
		path   string
		op     string
		status int
		opts   []LoadOption
		want   string
		is     error
	}{
		{name: "missing file", path: filepath.Join(dir, "missing.json"), op: "getGroupReservation", want: "cannot open: no such file or directory", is: fs.ErrNotExist},
		{name: "directory", path: dir, op: "getGroupReservation", want: "is a directory, not a body"},
		{name: "empty file", path: empty, op: "getGroupReservation", want: "body file is empty"},
		{name: "over the limit", path: ok, op: "getGroupReservation", opts: []LoadOption{WithMaxBody(100)},
			want: "body file is 223 bytes, over the 100 bytes limit (--max-body)", is: ErrBodyTooLarge},
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
			ex, err := ReadBody(ctx, tc.path, tc.op, tc.status, "", tc.opts...)
			var le *LoadError
			if ex != nil || !errors.As(err, &le) || le.File != tc.path || le.Index != -1 {
				t.Fatalf("got %v, %v; want a *LoadError for %s", ex, err, tc.path)
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
