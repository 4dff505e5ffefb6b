package core

import (
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// connector is one OS thread that runs TLS connect attempts to IP addresses
// (without a proxy) while it is free. It waits for an attempt in read(2) on an
// eventfd, and the attempt waits in poll(2) (dialDetached, flowConn.waitFor),
// so Go's scheduler never parks or wakes a goroutine for it: a connect wakes
// this thread, a reply of the server wakes it again, and nothing else. An
// attempt that finds it busy runs on a goroutine (runHandshake).
var connector struct {
	once sync.Once
	efd  int
	mu   sync.Mutex
	busy bool
	job  func()
	runs atomic.Int64 // attempts it ran, for the tests
}

// runOnConnector hands job to the connector thread; false when it is busy
// or could not start.
func runOnConnector(job func()) bool {
	connector.once.Do(startConnector)
	if connector.efd < 0 {
		return false
	}
	connector.mu.Lock()
	if connector.busy {
		connector.mu.Unlock()
		return false
	}
	connector.busy = true
	connector.job = job
	connector.mu.Unlock()
	one := [8]byte{1}
	for {
		_, err := unix.Write(connector.efd, one[:])
		if err != unix.EINTR {
			break
		}
	}
	return true
}

func startConnector() {
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		connector.efd = -1
		return
	}
	connector.efd = efd
	go func() {
		runtime.LockOSThread()
		var b [8]byte
		for {
			if _, err := unix.Read(efd, b[:]); err != nil {
				continue // EINTR
			}
			connector.mu.Lock()
			job := connector.job
			connector.job = nil
			connector.mu.Unlock()
			if job != nil {
				connector.runs.Add(1)
				job()
			}
			connector.mu.Lock()
			connector.busy = false
			connector.mu.Unlock()
		}
	}()
}
