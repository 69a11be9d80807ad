package contract

import (
	"io/fs"

	"github.com/apikit/apikit/internal/specoverlay"
)

// overlaid returns the spec name's data with its vendor's overlay applied, when fsys holds one (the file the
// vendor's codegen config names in output-options.overlay.path, else <vendor>.overlay.yaml beside the spec), as
// the generator applies it. An overlay that does not apply cleanly is an error naming the action and its target.
func overlaid(fsys fs.FS, label, name string, data []byte) ([]byte, error) {
	return specoverlay.ApplyFS(fsys, label, name, data)
}
