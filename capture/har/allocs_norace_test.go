//go:build !race

package har

// raceEnabled: the race detector is off, so allocation budgets are asserted (allocs_test.go).
const raceEnabled = false
