//go:build !race

package propose_test

// raceEnabled: the race detector is off, so allocation counts are asserted (bound_test.go).
const raceEnabled = false
