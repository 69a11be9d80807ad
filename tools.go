//go:build tools

// Package tools pins the code generator, so that go.mod holds its version and
// `go run` in generate.go uses exactly that version.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
