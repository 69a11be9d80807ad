package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// ReadBody reads a bare response body (a JSON file saved from a vendor's answer, with no request around it) as
// an exchange to validate against operationID's response for status.
//
// The exchange has Source path, Index -1, NoRequest set (only the response is checked), the given status (0
// means 200) and a Content-Type header of contentType ("" means application/json). The body is not parsed
// here: a body that is not valid JSON is the validator's finding, not a load error. Every error is a
// [*LoadError]: a missing or empty file, a file over the [WithMaxBody] limit, an empty operationID.
func ReadBody(ctx context.Context, path, operationID string, status int, contentType string, opts ...LoadOption) (*Exchange, error) {
	cfg := newLoadConfig(opts)
	if err := ctx.Err(); err != nil {
		return nil, fileError(path, fmt.Errorf("loading stopped: %w", err))
	}
	if operationID == "" {
		return nil, fileError(path, errors.New("a bare body needs an operationId to validate against"))
	}
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 999 {
		return nil, fileError(path, fmt.Errorf("status %d is not an HTTP status code", status))
	}
	if contentType == "" {
		contentType = "application/json"
	}
	body, err := readWhole(path, cfg.maxBody, "body", false)
	if err != nil {
		return nil, fileError(path, err)
	}
	return &Exchange{
		Source:         path,
		Index:          -1,
		OperationID:    operationID,
		NoRequest:      true,
		Status:         status,
		ResponseHeader: http.Header{"Content-Type": {contentType}},
		ResponseBody:   body,
	}, nil
}
