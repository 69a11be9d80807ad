package capture

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
)

// ErrUnsupportedEncoding is matched (with errors.Is) by the error for a content coding [Decode] cannot undo,
// such as zstd or compress.
var ErrUnsupportedEncoding = errors.New("content encoding not supported")

// Decode undoes the content codings named by encoding, the value of a Content-Encoding header such as "gzip" or
// "gzip, br" (codings are listed in the order they were applied, so they are undone from the last). It reads
// gzip (and x-gzip), deflate (zlib-wrapped, as RFC 9110 says, or raw DEFLATE, as some servers send), br and
// identity; names are not case-sensitive and an empty encoding returns body as it is.
//
// Each step stops after limit bytes of output: a larger body (a decompression bomb, say) is an error that
// matches [ErrBodyTooLarge], and never takes more than about limit bytes of memory. Corrupt data is an error
// that names the encoding; an encoding it cannot read matches [ErrUnsupportedEncoding]. body is not changed.
func Decode(encoding string, body []byte, limit int64) ([]byte, error) {
	codings := strings.Split(encoding, ",")
	out := body
	for i := len(codings) - 1; i >= 0; i-- {
		name := strings.ToLower(strings.TrimSpace(codings[i]))
		if name == "" || name == "identity" || len(out) == 0 {
			continue
		}
		var err error
		if out, err = decodeOne(name, out, limit); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decodeOne undoes one content coding, reading at most limit bytes of output.
func decodeOne(name string, body []byte, limit int64) ([]byte, error) {
	var rd io.Reader
	switch name {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("decoding %s: %w", name, err)
		}
		defer zr.Close()
		rd = zr
	case "deflate":
		br := bufio.NewReader(bytes.NewReader(body))
		if isZlibHeader(br) {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("decoding %s: %w", name, err)
			}
			defer zr.Close()
			rd = zr
		} else { // raw DEFLATE, without the zlib header and checksum
			fr := flate.NewReader(br)
			defer fr.Close()
			rd = fr
		}
	case "br":
		rd = brotli.NewReader(bytes.NewReader(body))
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedEncoding, name)
	}
	out, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", name, err)
	}
	if int64(len(out)) > limit {
		return nil, OverLimit(fmt.Sprintf("%s data decodes to more than %s, over the limit (--max-body)", name, FormatSize(limit)))
	}
	return out, nil
}

// isZlibHeader reports whether the stream starts with a zlib header (RFC 1950): compression method 8 (deflate)
// with no preset dictionary, and a check value that makes the first two bytes a multiple of 31.
func isZlibHeader(br *bufio.Reader) bool {
	h, err := br.Peek(2)
	if err != nil {
		return false
	}
	return h[0]&0x0f == 8 && h[1]&0x20 == 0 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0
}

// DecodeResponse replaces the response body by its form before the content codings its Content-Encoding header
// names (see [Decode]), and removes the Content-Encoding and Content-Length headers that described the encoded
// form: the contract and the recordings describe the decoded body. It changes ResponseHeader in place (callers
// hold their own copy). A body with no coding but identity is left as it is; on error the exchange is left as
// it was.
func (e *Exchange) DecodeResponse(limit int64) error {
	enc := strings.TrimSpace(e.ResponseHeader.Get("Content-Encoding"))
	if enc == "" || strings.EqualFold(enc, "identity") || len(e.ResponseBody) == 0 {
		return nil
	}
	decoded, err := Decode(enc, e.ResponseBody, limit)
	if err != nil {
		return fmt.Errorf("response body: %w", err)
	}
	e.ResponseBody = decoded
	if len(decoded) == 0 {
		e.ResponseBody = nil
	}
	e.ResponseHeader.Del("Content-Encoding")
	e.ResponseHeader.Del("Content-Length")
	return nil
}
