package capture_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/internal/codingtest"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	plain := []byte(`{"id":"door-1","name":"Front door","state":"locked"}`)
	cases := []struct {
		name, encoding string
		body           []byte
	}{
		{"gzip", "gzip", codingtest.Encode(t, plain, "gzip")},
		{"x-gzip", "x-gzip", codingtest.Encode(t, plain, "gzip")},
		{"upper case", " GZIP ", codingtest.Encode(t, plain, "gzip")},
		{"deflate, zlib-wrapped (RFC 9110)", "deflate", codingtest.Encode(t, plain, "deflate")},
		{"deflate, raw as some servers send", "deflate", codingtest.Encode(t, plain, "deflate-raw")},
		{"br", "br", codingtest.Encode(t, plain, "br")},
		{"identity", "identity", plain},
		{"no encoding", "", plain},
		{"a list is undone from the last", "gzip, br", codingtest.Encode(t, plain, "gzip", "br")},
		{"identity in a list", "br, identity", codingtest.Encode(t, plain, "br")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := bytes.Clone(tc.body)
			got, err := capture.Decode(tc.encoding, tc.body, 1<<20)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if diff := cmp.Diff(string(plain), string(got)); diff != "" {
				t.Errorf("decoded body (-want +got):\n%s", diff)
			}
			if !bytes.Equal(before, tc.body) {
				t.Error("Decode changed its argument")
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	plain := bytes.Repeat([]byte(`{"state":"locked"}`), 100)
	truncated := func(b []byte) []byte { return b[:len(b)/2] }
	cases := []struct {
		name, encoding string
		body           []byte
		limit          int64
		want           error  // matched with errors.Is, when set
		wantText       string // in the error's text
	}{
		{"corrupt gzip", "gzip", []byte("not gzip at all"), 1 << 20, nil, "decoding gzip"},
		{"truncated gzip", "gzip", truncated(codingtest.Encode(t, plain, "gzip")), 1 << 20, nil, "decoding gzip"},
		{"truncated deflate", "deflate", truncated(codingtest.Encode(t, plain, "deflate")), 1 << 20, nil, "decoding deflate"},
		{"corrupt br", "br", []byte("\xff\xff\xff\xff not brotli"), 1 << 20, nil, "decoding br"},
		{"corrupt inner coding of a list", "gzip, br", codingtest.Encode(t, []byte("not gzip"), "br"), 1 << 20, nil, "decoding gzip"},
		{"unsupported", "zstd", []byte("whatever"), 1 << 20, capture.ErrUnsupportedEncoding, `"zstd"`},
		{"one byte over the limit", "gzip", codingtest.Encode(t, plain, "gzip"), int64(len(plain)) - 1, capture.ErrBodyTooLarge, "gzip data decodes to more than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := capture.Decode(tc.encoding, tc.body, tc.limit)
			if err == nil {
				t.Fatalf("got %d bytes and no error, want an error", len(got))
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got error %v, want one matching %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("got error %q, want it to contain %q", err, tc.wantText)
			}
		})
	}
	// At the limit exactly, the body decodes.
	if got, err := capture.Decode("gzip", codingtest.Encode(t, plain, "gzip"), int64(len(plain))); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("at the limit: got %d bytes, %v; want the %d bytes", len(got), err, len(plain))
	}
}

// TestDecodeBomb: 8 MiB of zeros, compressed to a few KiB, stop at a 256 KiB limit with ErrBodyTooLarge, and
// decoding them allocates less than half the whole (the output up to the limit, and the decoder's window; without
// the bound, ReadAll's growth alone allocates about twice the whole). Not parallel, so that the allocation count
// is this test's alone.
func TestDecodeBomb(t *testing.T) {
	const size, limit = 8 << 20, 256 << 10
	for _, tc := range []struct{ encoding string }{{"gzip"}, {"deflate"}, {"br"}} {
		var buf bytes.Buffer
		w := codingtest.Writer(&buf, tc.encoding)
		if _, err := io.Copy(w, io.LimitReader(zeros{}, size)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := capture.Decode(tc.encoding, buf.Bytes(), limit)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, capture.ErrBodyTooLarge) {
			t.Errorf("%s: got %d bytes, error %v; want ErrBodyTooLarge", tc.encoding, len(got), err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/2 {
			t.Errorf("%s: decoding a %d-byte bomb allocated %d bytes, want at most %d", tc.encoding, buf.Len(), alloc, size/2)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestDecodeResponse(t *testing.T) {
	t.Parallel()
	plain := []byte(`{"ok":true}`)
	cases := []struct {
		name     string
		header   http.Header
		body     []byte
		wantHdr  http.Header
		wantBody []byte
		wantErr  bool
	}{
		{"decoded, the headers about the encoded form dropped",
			http.Header{"Content-Encoding": {"br"}, "Content-Length": {"15"}, "Content-Type": {"application/json"}},
			codingtest.Encode(t, plain, "br"),
			http.Header{"Content-Type": {"application/json"}}, plain, false},
		{"identity is left as it is",
			http.Header{"Content-Encoding": {"identity"}, "Content-Length": {"11"}},
			plain,
			http.Header{"Content-Encoding": {"identity"}, "Content-Length": {"11"}}, plain, false},
		{"an empty body is left as it is",
			http.Header{"Content-Encoding": {"gzip"}},
			nil,
			http.Header{"Content-Encoding": {"gzip"}}, nil, false},
		{"an error leaves the exchange as it was",
			http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"3"}},
			[]byte("bad"),
			http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"3"}}, []byte("bad"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex := &capture.Exchange{ResponseHeader: tc.header, ResponseBody: tc.body}
			err := ex.DecodeResponse(1 << 20)
			if (err != nil) != tc.wantErr {
				t.Fatalf("got error %v, want error: %v", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "response body: decoding gzip") {
				t.Errorf("got error %q, want it to name the response body and the encoding", err)
			}
			if diff := cmp.Diff(tc.wantHdr, ex.ResponseHeader); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if !bytes.Equal(tc.wantBody, ex.ResponseBody) {
				t.Errorf("got body %q, want %q", ex.ResponseBody, tc.wantBody)
			}
		})
	}
}
