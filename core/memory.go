package core

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
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
	})
}
