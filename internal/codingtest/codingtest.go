// Package codingtest applies HTTP content codings as a server would, for the tests of the one decoder
// (capture.Decode) and of everything that uses it:
//
//	body := codingtest.Encode(t, plain, "gzip", "br") // sent with Content-Encoding: gzip, br
package codingtest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"testing"

	"github.com/andybalholm/brotli"
)

// Writer returns a writer that applies coding to what it writes to w: "gzip", "deflate" (zlib-wrapped, as RFC
// 9110 says), "deflate-raw" (raw DEFLATE, as some servers send under the name deflate) or "br" (with a 64 KiB
// window, so that a decoder's memory stays small). It panics on another name: that is a mistake in the test.
func Writer(w io.Writer, coding string) io.WriteCloser {
	switch coding {
	case "gzip":
		return gzip.NewWriter(w)
	case "deflate":
		return zlib.NewWriter(w)
	case "deflate-raw":
		fw, err := flate.NewWriter(w, flate.BestSpeed)
		if err != nil {
			panic(err) // only for a bad level
		}
		return fw
	case "br":
		return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotli.BestSpeed, LGWin: 16})
	}
	panic("codingtest: unknown content coding " + coding)
}

// Encode applies the codings to body in the order given, as the Content-Encoding header lists them.
func Encode(t testing.TB, body []byte, codings ...string) []byte {
	t.Helper()
	for _, c := range codings {
		var buf bytes.Buffer
		w := Writer(&buf, c)
		if _, err := w.Write(body); err != nil {
			t.Fatalf("encoding %s: %v", c, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("encoding %s: %v", c, err)
		}
		body = buf.Bytes()
	}
	return body
}
