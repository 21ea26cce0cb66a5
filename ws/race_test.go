//go:build race

package ws_test

// raceEnabled: the race detector makes sync.Pool drop items, so allocation counts are not exact.
const raceEnabled = true
