package contract

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/apikit/apikit/internal/specoverlay"
)

// overlaid returns the spec name's data with its vendor's overlay applied, when one exists in fsys: the file the
// vendor's codegen config names in output-options.overlay.path (it must sit in the spec folder, where it is
// looked up by its base name), else <vendor>.overlay.yaml beside the spec. Without an overlay it returns data
// as it is. An overlay that does not apply cleanly is an error naming the action and its target.
func overlaid(fsys fs.FS, label, name string, data []byte) ([]byte, error) {
	vendor := strings.TrimSuffix(name, ".yaml")
	ov := vendor + specoverlay.Suffix
	if cfg, err := fs.ReadFile(fsys, vendor+".codegen.yaml"); err == nil {
		named, err := specoverlay.CodegenPath(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path.Join(label, vendor+".codegen.yaml"), err)
		}
		if named != "" {
			ov = path.Base(named)
			if _, err := fs.Stat(fsys, ov); err != nil {
				return nil, fmt.Errorf("%s names the overlay %s, which is not in %s: %w", path.Join(label, vendor+".codegen.yaml"), named, label, err)
			}
		}
	}
	od, err := fs.ReadFile(fsys, ov)
	if errors.Is(err, fs.ErrNotExist) {
		return data, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading overlay %s: %w", path.Join(label, ov), err)
	}
	out, err := specoverlay.Apply(data, od, path.Join(label, name), path.Join(label, ov))
	if err != nil {
		return nil, fmt.Errorf("applying the overlay: %w", err)
	}
	return out, nil
}
