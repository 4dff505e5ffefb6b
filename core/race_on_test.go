//go:build race

package core

// raceEnabled: the tests run under the race detector, where sync.Pool drops
// a share of what is put back on purpose.
const raceEnabled = true
