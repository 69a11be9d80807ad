//go:build race

package egress

// raceEnabled: the race detector is on, and allocation counts are its as much as ours.
const raceEnabled = true
