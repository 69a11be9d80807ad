// Package body reads a bare response body (a JSON file saved from a vendor's answer, with no request around it)
// as an exchange to validate against one operation.
package body

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/apikit/apikit/capture"
	"github.com/apikit/apikit/capture/internal/whole"
)

// Read reads a bare response body (a JSON file saved from a vendor's answer, with no request around it) as
// an exchange to validate against operationID's response for status.
//
// The exchange has Source path, Index -1, NoRequest set (only the response is checked), the given status (0
// means 200) and a Content-Type header of contentType ("" means application/json). A JSON body is checked for
// syntax here, because the file is the input: malformed or truncated JSON is a load error with the byte offset,
// not a finding about a vendor. Every error is a [*capture.LoadError]: a missing or empty file, a file over the
// [capture.WithMaxBody] limit, an empty operationID, a JSON body that does not parse.
func Read(ctx context.Context, path, operationID string, status int, contentType string, opts ...capture.Option) (*capture.Exchange, error) {
	cfg := capture.NewConfig(opts)
	if err := ctx.Err(); err != nil {
		return nil, capture.FileError(path, fmt.Errorf("loading stopped: %w", err))
	}
	if operationID == "" {
		return nil, capture.FileError(path, errors.New("a bare body needs an operationId to validate against"))
	}
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 999 {
		return nil, capture.FileError(path, fmt.Errorf("status %d is not an HTTP status code", status))
	}
	if contentType == "" {
		contentType = "application/json"
	}
	body, err := bodyFile.Read(path, cfg.MaxBody, false)
	if err != nil {
		return nil, capture.FileError(path, err)
	}
	if isJSONMediaType(contentType) {
		if err := jsonSyntax(body); err != nil {
			err.File = path
			return nil, err
		}
	}
	return &capture.Exchange{
		Source:         path,
		Index:          -1,
		OperationID:    operationID,
		NoRequest:      true,
		Status:         status,
		ResponseHeader: http.Header{"Content-Type": {contentType}},
		ResponseBody:   body,
	}, nil
}

// bodyFile is how a bare body is read whole.
var bodyFile = whole.File{Kind: "body"}

// isJSONMediaType reports whether a Content-Type is JSON (application/json, or a +json suffix), ignoring parameters.
func isJSONMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// jsonSyntax checks that body is one JSON value and returns where it breaks.
func jsonSyntax(body []byte) *capture.LoadError {
	var v json.RawMessage
	err := json.Unmarshal(body, &v)
	if err == nil {
		return nil
	}
	le := &capture.LoadError{Index: -1, Offset: int64(len(body)), Err: errors.New("the body is not valid JSON: it ends early (truncated?)")}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		if syn.Error() != "unexpected end of JSON input" {
			le.Offset = syn.Offset
			le.Err = fmt.Errorf("the body is not valid JSON: %w", err)
		}
	}
	return le
}
