// Package openapi embeds the hand-written OpenAPI 3.0.3 specs, so that the
// contract harness and the CLI need no path on disk.
//
//	data, err := openapi.FS.ReadFile("doorflow.yaml")
package openapi

import "embed"

// FS holds every vendor spec at its base name, with the codegen configs and any overlay beside them
// (<vendor>.overlay.yaml, or the file a codegen config names), which the harness applies as the generator does.
//
//go:embed *.yaml
var FS embed.FS

// Vendors lists the vendors whose specs FS holds; the spec of vendor v is v + ".yaml".
func Vendors() []string { return []string{"doorflow", "sonderplan"} }
