//go:build !linux

package core

// Go's network poller keeps every connection outside Linux
// (gopoller_linux.go).

func detachGoPoller(uintptr) bool { return false }

func pollWait(uintptr, int16, int64, int64) int16 { return 0 }

func shutdownFD(uintptr) {}

const pollIn, pollOut int16 = 1, 4
