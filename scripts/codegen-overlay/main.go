// Command codegen-overlay names an overlay in an oapi-codegen configuration (output-options.overlay.path), so that
// `make generate` applies it, as the README's drift walk-through does; a portable replacement for editing the file
// with sed. Run from the module root:
//
//	go run ./scripts/codegen-overlay openapi/doorflow.codegen.yaml openapi/doorflow.overlay.yaml
//
// The overlay must exist. The configuration is edited as text, so its comments and layout stay: the two lines
// "  overlay:" and "    path: FILE" go right under "output-options:" (added at the end when it is missing). A
// configuration that names this overlay already is left alone; one that names another is an error.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/apikit/apikit/internal/specoverlay"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/codegen-overlay CODEGEN-CONFIG OVERLAY")
		os.Exit(2)
	}
	msg, err := run(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "codegen-overlay: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(msg)
}

// run names overlay in the configuration at config and says what it did.
func run(config, overlay string) (string, error) {
	if _, err := os.Stat(overlay); err != nil {
		return "", fmt.Errorf("the overlay: %w", err)
	}
	data, err := os.ReadFile(config)
	if err != nil {
		return "", fmt.Errorf("reading the configuration: %w", err)
	}
	out, changed, err := name(data, overlay)
	if err != nil {
		return "", fmt.Errorf("%s: %w", config, err)
	}
	if !changed {
		return fmt.Sprintf("%s already names the overlay %s", config, overlay), nil
	}
	if err := os.WriteFile(config, out, 0o644); err != nil {
		return "", fmt.Errorf("writing the configuration: %w", err)
	}
	return fmt.Sprintf("%s: output-options.overlay.path is now %s", config, overlay), nil
}

// name returns the configuration with overlay named in output-options.overlay.path, and whether it changed.
func name(data []byte, overlay string) ([]byte, bool, error) {
	named, err := specoverlay.CodegenPath(data)
	if err != nil {
		return nil, false, fmt.Errorf("not YAML: %w", err)
	}
	switch named {
	case overlay:
		return data, false, nil
	case "":
	default:
		return nil, false, fmt.Errorf("names the overlay %s already: merge the two, or edit it by hand", named)
	}
	text := string(data)
	block := "  overlay:\n    path: " + overlay + "\n"
	switch {
	case strings.HasPrefix(text, "output-options:\n"):
		text = "output-options:\n" + block + strings.TrimPrefix(text, "output-options:\n")
	case strings.Contains(text, "\noutput-options:\n"):
		text = strings.Replace(text, "\noutput-options:\n", "\noutput-options:\n"+block, 1)
	case strings.Contains(text, "\noutput-options:"), strings.HasPrefix(text, "output-options:"):
		return nil, false, errors.New("output-options is not a plain block (`output-options:` alone on its line): add the overlay by hand")
	default:
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		text += "output-options:\n" + block
	}
	// What was written must read back as meant.
	if again, err := specoverlay.CodegenPath([]byte(text)); err != nil || again != overlay {
		return nil, false, fmt.Errorf("the edited configuration does not name the overlay (%v): add it by hand", err)
	}
	return []byte(text), true, nil
}
