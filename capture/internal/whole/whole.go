// Package whole reads a file that a source parses whole (a cassette, a bare body), refusing one over the body
// limit before reading it.
package whole

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apikit/apikit/capture"
)

// SniffLimit is how much of a file is read to tell whether it is a recording.
const SniffLimit = 64 << 10

// File describes the kind of file read, for its messages and its sniffing.
type File struct {
	// Kind names the file in messages: "cassette file is 300 MiB, over ...", "is a directory, not a cassette".
	Kind string
	// Empty is the message for an empty file; "" gives "<Kind> file is empty".
	Empty string
	// TooLargeNote is appended to the message for a file over the limit.
	TooLargeNote string
	// Word, when set and sniffing, is what a file of this kind must contain: a file without it (in its first
	// SniffLimit bytes when it is over the limit), or an empty one, gives nil data and no error.
	Word string
}

// Read reads the file at path whole, refusing one over limit; sniff says the file was found by walking a folder,
// so that one that cannot be of this kind is passed over (nil data, no error) instead of reported.
func (k File) Read(path string, limit int64, sniff bool) ([]byte, error) {
	if st, err := os.Stat(path); err == nil && capture.NotRegular(st, false) != nil {
		return nil, capture.NotRegular(st, false) // never opened: a FIFO would block
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, capture.OpenError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, capture.OpenError(err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("is a directory, not a %s", k.Kind)
	}
	sniff = sniff && k.Word != ""
	tooLarge := func(size int64) error {
		msg := fmt.Sprintf("%s file is %s, over the %s limit (--max-body)", k.Kind, capture.FormatSize(size), capture.FormatSize(limit))
		return capture.OverLimit(msg + k.TooLargeNote)
	}
	if st.Mode().IsRegular() && st.Size() > limit {
		if sniff {
			head := make([]byte, SniffLimit)
			n, _ := io.ReadFull(f, head)
			if !bytes.Contains(head[:n], []byte(k.Word)) {
				return nil, nil
			}
		}
		return nil, tooLarge(st.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(int64(len(data)))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if sniff {
			return nil, nil
		}
		if k.Empty != "" {
			return nil, errors.New(k.Empty)
		}
		return nil, fmt.Errorf("%s file is empty", k.Kind)
	}
	if sniff && !bytes.Contains(data, []byte(k.Word)) {
		return nil, nil
	}
	return data, nil
}
