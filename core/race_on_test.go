//go:build race

package core

// raceEnabled: the race detector runs; it makes sync.Pool drop items at
// random, so tests of pooled reuse do not apply.
const raceEnabled = true
