package core

import (
	"crypto/tls"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Memory of closed connections goes back to the operating system soon: Go's
// background scavenger returns freed heap pages only slowly (minutes for a
// few hundred MB), which to the host looks like a leak after it closed
// thousands of sockets. When the number of live connections falls to a
// quarter of its peak (or to zero), the process's free heap is returned
// once, a second later, unless connections came back meanwhile.

var (
	liveLinks    atomic.Int64
	releaseMu    sync.Mutex
	releasePeak  int64
	releaseTimer *time.Timer
	// releases counts the times memory was returned (for tests).
	releases atomic.Int64
)

// releaseDelay lets a burst of closes finish before the heap is returned.
const releaseDelay = time.Second

// releaseMinPeak: below this many connections there is too little to give
// back to be worth a garbage collection.
const releaseMinPeak = 64

func linkStarted() {
	n := liveLinks.Add(1)
	releaseMu.Lock()
	if n > releasePeak {
		releasePeak = n
	}
	releaseMu.Unlock()
}

func linkEnded() {
	n := liveLinks.Add(-1)
	releaseMu.Lock()
	defer releaseMu.Unlock()
	if releasePeak < releaseMinPeak || n > releasePeak/4 || releaseTimer != nil {
		return
	}
	releaseTimer = time.AfterFunc(releaseDelay, func() {
		releaseMu.Lock()
		releaseTimer = nil
		live := liveLinks.Load()
		if live > releasePeak/4 {
			releaseMu.Unlock()
			return
		}
		releasePeak = live
		releaseMu.Unlock()
		debug.FreeOSMemory()
		releases.Add(1)
	})
}

// Size classes. Go never frees a goroutine's descriptor (runtime.g, 456
// bytes on go1.26 for 64-bit targets, in the allocator's 480-byte size
// class): it waits on a free list for the next goroutine. Connect starts a
// goroutine, and when thousands of connects run at once each one allocates
// a fresh descriptor right next to the connection's own objects. Objects of
// the same size class share spans (pages) with those descriptors, and after
// the connections are closed every such span still holds a descriptor and
// stays resident, as free slots no one uses: measured at 5,000 concurrent
// connections, 5.8 MB of the 16 MB that stayed after all were closed, more
// than the descriptors themselves. A Socket (464 bytes) and a connection's
// tls.Config (464 bytes) are therefore allocated padded to a multiple of 512
// bytes, a size class of their own.

// paddedSocket is how New allocates a Socket (see Size classes).
type paddedSocket struct {
	Socket
	_ [(512 - unsafe.Sizeof(Socket{})%512) % 512]byte
}

// paddedConfig is how a connection's tls.Config is allocated (see Size
// classes).
type paddedConfig struct {
	tls.Config
	_ [(512 - unsafe.Sizeof(tls.Config{})%512) % 512]byte
}

// newConnConfig returns a zero tls.Config for one connection.
func newConnConfig() *tls.Config { return &new(paddedConfig).Config }
