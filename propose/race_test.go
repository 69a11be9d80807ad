//go:build race

package propose_test

// raceEnabled: the race detector is on, and allocation counts are its as much as ours (bound_test.go).
const raceEnabled = true
