// Package apikit holds the go:generate lines that write gen/ from openapi/.
//
// Run `go generate ./...` (or `make generate`) from the module root.
package apikit

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/doorflow.codegen.yaml openapi/doorflow.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/sonderplan.codegen.yaml openapi/sonderplan.yaml
