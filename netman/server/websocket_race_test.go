//go:build race

package server

// raceEnabled reports whether the race detector is on (it changes memory figures).
const raceEnabled = true
