package core

import (
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeArenas says whether output blocks come from arenas: where the kernel
// may back a MADV_HUGEPAGE mapping with transparent huge pages. With them
// off ("never", or a kernel without them) an arena would fault in 4 KiB
// pages like the Go heap, so blocks are Go heap memory then.
func hugeArenas() bool {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		return false
	}
	return !strings.Contains(string(b), "[never]")
}

// mapArena maps size bytes of anonymous memory aligned to size (a multiple
// of the 2 MiB huge page) and asks for huge pages; nil when that fails.
func mapArena(size uintptr) []byte {
	p, err := unix.MmapPtr(-1, 0, nil, 2*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	// Keep the aligned middle and give back the rest.
	head := (size - uintptr(p)%size) % size
	if head > 0 {
		unix.MunmapPtr(p, head)
	}
	base := unsafe.Add(p, head)
	unix.MunmapPtr(unsafe.Add(base, size), size-head)
	mem := unsafe.Slice((*byte)(base), size)
	if err := unix.Madvise(mem, unix.MADV_HUGEPAGE); err != nil {
		unix.MunmapPtr(base, size)
		return nil
	}
	return mem
}

// unmapArena gives an arena's memory back to the system.
func unmapArena(base *byte, size uintptr) {
	unix.MunmapPtr(unsafe.Pointer(base), size)
}
