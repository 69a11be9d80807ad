//go:build !race

package output_test

// raceEnabled: the race detector is off, so allocations are counted.
const raceEnabled = false
