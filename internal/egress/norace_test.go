//go:build !race

package egress

// raceEnabled: the race detector is off, so allocations are counted.
const raceEnabled = false
