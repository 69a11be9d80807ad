//go:build !linux

package har

import "os"

// openFile opens a file to read (open_linux.go opens it without the runtime's poller).
func openFile(path string) (*os.File, error) { return os.Open(path) }
