// Package streamtest makes large bodies for tests as they are read, never held whole: the tests that stream
// bodies far past a body limit (the proxy's and the contract Transport's) and check that they arrive intact.
package streamtest

import (
	"crypto/sha256"
	"hash"
	"io"
)

// Body is a body of a given number of bytes made as it is read ('a' to 'z', over and over), never held whole,
// that hashes what it made. It is an io.ReadCloser; it is not safe for concurrent use.
type Body struct {
	left, off int64
	sum       hash.Hash
}

// NewBody returns a body of n bytes.
func NewBody(n int64) *Body { return &Body{left: n, sum: sha256.New()} }

func (b *Body) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	for i := range p {
		p[i] = byte('a' + (b.off+int64(i))%26)
	}
	b.off += int64(len(p))
	b.left -= int64(len(p))
	b.sum.Write(p)
	return len(p), nil
}

// Close does nothing.
func (b *Body) Close() error { return nil }

// Left returns how many bytes are still to be read.
func (b *Body) Left() int64 { return b.left }

// Sum returns the SHA-256 of the bytes read so far (of the whole body once it has been read to its end).
func (b *Body) Sum() []byte { return b.sum.Sum(nil) }
