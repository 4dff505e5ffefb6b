//go:build !linux

package core

// hugeArenas: arenas are for Linux's transparent huge pages; elsewhere
// output blocks are Go heap memory.
func hugeArenas() bool { return false }

func mapArena(size uintptr) []byte { return nil }

func unmapArena(base *byte, size uintptr) {}
