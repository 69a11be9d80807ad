//go:build unix

package run

import (
	"os"
	"runtime"
	"syscall"
)

var terminate os.Signal = syscall.SIGTERM

// maxRSS is the child's peak resident set size in bytes: getrusage's ru_maxrss, in KiB on Linux and in bytes
// on macOS.
func maxRSS(st *os.ProcessState) int64 {
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss << 10
}
