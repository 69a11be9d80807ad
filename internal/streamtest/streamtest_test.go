package streamtest

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"
)

// TestBody: a body gives exactly its bytes, the letters in turn across reads of any size, then io.EOF, and its
// sum is theirs.
func TestBody(t *testing.T) {
	t.Parallel()
	b := NewBody(100)
	var got []byte
	buf := make([]byte, 7)
	for {
		n, err := b.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	want := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 4)[:100]
	if !bytes.Equal(got, want) || b.Left() != 0 {
		t.Fatalf("got %q (%d left), want %q", got, b.Left(), want)
	}
	if sum := sha256.Sum256(want); !bytes.Equal(b.Sum(), sum[:]) {
		t.Error("the sum is not the SHA-256 of the bytes read")
	}
	if err := b.Close(); err != nil {
		t.Error(err)
	}
}
