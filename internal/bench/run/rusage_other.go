//go:build !unix

package run

import "os"

var terminate os.Signal = os.Interrupt

// maxRSS is unknown outside Unix.
func maxRSS(*os.ProcessState) int64 { return 0 }
