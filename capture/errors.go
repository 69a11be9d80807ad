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
