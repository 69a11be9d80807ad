//go:build race

package har

// raceEnabled: the race detector is on, and allocation counts are its as much as ours (allocs_test.go).
const raceEnabled = true
