package specdiff

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/apikit/apikit/internal/specoverlay"
)

// overlaid applies the spec's overlay, when the spec has one at the same place (on disk, or at the same git
// revision), to data: the file the vendor's codegen config (<vendor>.codegen.yaml beside the spec) names in
// output-options.overlay.path, relative to the module root as go generate runs it, else <vendor>.overlay.yaml
// beside the spec. So apikit diff and make check-breaking judge the spec the generator and the harness read.
// It returns the overlay's Source ("" without one) for the Result to name, and the overlay's bytes.
func (s Source) overlaid(ctx context.Context, data []byte) ([]byte, string, []byte, error) {
	dir, file := path.Split(s.Path)
	vendor, ok := strings.CutSuffix(file, ".yaml")
	if !ok || strings.HasSuffix(vendor, ".overlay") || strings.HasSuffix(vendor, ".codegen") {
		return data, "", nil, nil
	}
	ov := Source{Rev: s.Rev, Path: dir + vendor + specoverlay.Suffix, Dir: s.Dir}
	if cfg, err := (Source{Rev: s.Rev, Path: dir + vendor + ".codegen.yaml", Dir: s.Dir}).read(ctx); err == nil {
		named, err := specoverlay.CodegenPath(cfg)
		if err != nil {
			return nil, "", nil, fmt.Errorf("%s%s.codegen.yaml: %w", dir, vendor, err)
		}
		if named != "" {
			// The codegen config's paths are relative to the module root, the parent of the spec folder.
			ov.Path = path.Join(path.Dir(path.Clean(dir)), named)
			if _, err := ov.read(ctx); err != nil {
				return nil, "", nil, fmt.Errorf("%s%s.codegen.yaml names the overlay %s: %w", dir, vendor, named, err)
			}
		}
	}
	od, err := ov.read(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return data, "", nil, nil
	}
	if err != nil {
		return nil, "", nil, err
	}
	out, err := specoverlay.Apply(data, od, s.String(), ov.String())
	if err != nil {
		return nil, "", nil, fmt.Errorf("applying the overlay: %w", err)
	}
	return out, ov.String(), od, nil
}
