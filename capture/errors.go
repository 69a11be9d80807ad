package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// LoadError is the one error type of the sources: a file, or an entry in it, that cannot be read.
//
// Its text reads "capture.har: entry 3: response body is 300 MiB, over the 256 MiB limit (--max-body)" or
// "capture.har: byte 1234: unexpected end of JSON (truncated file?)". The entry is counted from 0, as
// [Exchange.Index] counts it.
type LoadError struct {
	File  string // the file, as the caller named it
	Index int    // entry (HAR) or interaction (cassette) index, 0-based; -1 when the error is not about one entry
	// Offset is the byte offset in File where the problem was found (for a value of the wrong type, where that
	// value ends); -1 when not known.
	Offset int64
	Err    error // what went wrong
}

// Error formats the error as "file: entry N: byte M: message", leaving out what is not known.
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Index >= 0 {
		b.WriteString(": entry " + strconv.Itoa(e.Index))
	}
	if e.Offset >= 0 {
		b.WriteString(": byte " + strconv.FormatInt(e.Offset, 10))
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, fs.ErrNotExist) and similar work.
func (e *LoadError) Unwrap() error { return e.Err }

// FileError is a [*LoadError] about a whole file.
func FileError(file string, err error) *LoadError {
	return &LoadError{File: file, Index: -1, Offset: -1, Err: err}
}

// EntryError is a [*LoadError] about one entry of a file.
func EntryError(file string, index int, err error) *LoadError {
	return &LoadError{File: file, Index: index, Offset: -1, Err: err}
}

// OpenError turns an error from os.Open or os.Stat into a short message (the LoadError already names the
// file) that still unwraps to the cause, such as fs.ErrNotExist.
func OpenError(err error) error { return fmt.Errorf("cannot open: %w", PathCause(err)) }

// PathCause strips the operation and path an *fs.PathError repeats.
func PathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ErrBodyTooLarge is matched (with errors.Is) by the error for a body over the [WithMaxBody] limit.
var ErrBodyTooLarge = errors.New("body over the --max-body limit")

// limitError is an error about the body limit; errors.Is matches it with ErrBodyTooLarge.
type limitError struct{ msg string }

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == ErrBodyTooLarge }

// BodyTooLarge is the error for a body over the limit; what is "request body" or "response body". It matches
// [ErrBodyTooLarge].
func BodyTooLarge(what string, size, limit int64) error {
	return &limitError{fmt.Sprintf("%s is %s, over the %s limit (--max-body)", what, FormatSize(size), FormatSize(limit))}
}

// OverLimit is an error about the body limit with its own message; it matches [ErrBodyTooLarge].
func OverLimit(msg string) error { return &limitError{msg} }

// ErrSkipped is matched (with errors.Is) by the [*LoadError] of a file a folder walk passed over because it is
// not a regular file (a FIFO, a device, a socket): a notice to list, not an input error.
var ErrSkipped = errors.New("skipped")

// ErrNotRegular is matched by the error for a path that is not a regular file (named explicitly: an input error).
var ErrNotRegular = errors.New("not a regular file")

// NotRegular checks that fi is a regular file (or a directory): reading a FIFO would block for ever, a device
// never ends. It returns nil for one, else an error naming the kind, matching [ErrNotRegular] and, when
// skipped (found by a walk), [ErrSkipped] too.
func NotRegular(fi fs.FileInfo, skipped bool) error {
	m := fi.Mode()
	if m.IsRegular() || m.IsDir() {
		return nil
	}
	kind := "a special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeCharDevice != 0:
		kind = "a character device"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	}
	err := fmt.Errorf("%w: it is %s", ErrNotRegular, kind)
	if skipped {
		err = fmt.Errorf("%w: %w", ErrSkipped, err)
	}
	return err
}
