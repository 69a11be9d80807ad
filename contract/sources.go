package contract

import (
	"context"
	"fmt"
	"iter"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/capture/body"
	"github.com/apikit/apikit/capture/cassette"
	"github.com/apikit/apikit/capture/har"
	"github.com/apikit/apikit/capture/load"
)

// The sources live in packages of their own under capture/ (har, cassette, body, load); these names forward to
// them so that code written against contract keeps compiling.

// DefaultMaxBody is the largest request or response body a loader accepts unless [WithMaxBody] says otherwise.
const DefaultMaxBody = capture.DefaultMaxBody

// LoadOption configures the loaders ([Load], [ReadHAR], [ReadCassette], [ReadBody]); it is [capture.Option].
type LoadOption = capture.Option

// WithMaxBody sets the largest body, in bytes after base64 decoding, that a loader accepts (default
// [DefaultMaxBody], 256 MiB). A larger body is a [*LoadError] naming the file and entry, never a silent pass.
// n <= 0 restores the default. It is [capture.WithMaxBody].
func WithMaxBody(n int64) LoadOption { return capture.WithMaxBody(n) }

// LoadError is the one error type of the loaders: a file, or an entry in it, that cannot be read. It is
// [capture.LoadError].
type LoadError = capture.LoadError

// ErrBodyTooLarge is matched (with errors.Is) by the [*LoadError] for a body over the [WithMaxBody] limit.
var ErrBodyTooLarge = capture.ErrBodyTooLarge

// IgnoreFile names the file that lists what a directory walk skips; it is [load.IgnoreFile].
const IgnoreFile = load.IgnoreFile

// Load reads every recording named by paths, files and folders, and yields its exchanges in order, one at a
// time; it is [load.Files].
func Load(ctx context.Context, paths []string, opts ...LoadOption) iter.Seq2[*Exchange, error] {
	return load.Files(ctx, paths, opts...)
}

// ReadHAR reads a HAR 1.2 file and yields one [Exchange] per entry; it is [har.Read].
func ReadHAR(ctx context.Context, path string, opts ...LoadOption) iter.Seq2[*Exchange, error] {
	return har.Read(ctx, path, opts...)
}

// ReadCassette reads a go-vcr v4 cassette and yields one [Exchange] per interaction; it is [cassette.Read].
func ReadCassette(ctx context.Context, path string, opts ...LoadOption) iter.Seq2[*Exchange, error] {
	return cassette.Read(ctx, path, opts...)
}

// ReadBody reads a bare response body as an exchange to validate against operationID's response for status; it
// is [body.Read].
func ReadBody(ctx context.Context, path, operationID string, status int, contentType string, opts ...LoadOption) (*Exchange, error) {
	return body.Read(ctx, path, operationID, status, contentType, opts...)
}

// HARWriter records exchanges to a HAR 1.2 file; it is [har.Writer]. [CreateHAR] makes one that redacts every
// exchange before a byte of it is written: see [Redaction].
type HARWriter = har.Writer

// CreateHAR creates (or truncates) the HAR file at path, creating its folder, and returns a writer for it that
// redacts every exchange. red adds to what is redacted; nil adds nothing.
func CreateHAR(path string, red *Redaction) (*HARWriter, error) {
	r, err := red.redactor()
	if err != nil {
		return nil, fmt.Errorf("HAR %s: %w", path, err)
	}
	return har.Create(path, func(ex *Exchange) *Exchange { return redactExchange(r, ex) })
}
