package core

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// connector is one OS thread that runs TLS connect attempts to IP addresses
// (without a proxy) while it is free. It waits for an attempt in poll(2) on
// an eventfd and a timerfd, and the attempt waits in poll(2) (dialDetached,
// flowConn.waitFor), so Go's scheduler never parks or wakes a goroutine for
// it: a connect wakes this thread, a reply of the server wakes it again,
// and nothing else. An attempt that finds it busy runs on a goroutine
// (runHandshake).
//
// An attempt that the host may run itself (offer.go) is handed over with a
// delay instead (runOnConnectorLater): the timerfd wakes the connector
// only if the host has not taken the attempt meanwhile, and a host that
// takes it withdraws it, so the connector never wakes for it.
var connector struct {
	once sync.Once
	efd  int // eventfd: an attempt to start now
	tfd  int // timerfd: an attempt to start when it expires
	mu   sync.Mutex
	busy bool
	job  func()
	seq  uint64       // counts the attempts handed over: which one job is
	runs atomic.Int64 // attempts it ran, for the tests
}

// runOnConnector hands job to the connector thread; false when it is busy
// or could not start.
func runOnConnector(job func()) bool {
	if _, ok := connectorTake(job); !ok {
		return false
	}
	wakeConnector()
	return true
}

// wakeConnector makes the connector start its attempt now.
func wakeConnector() {
	one := [8]byte{1}
	for {
		_, err := unix.Write(connector.efd, one[:])
		if err != unix.EINTR {
			return
		}
	}
}

// runOnConnectorLater is runOnConnector with the start delayed by delay;
// withdraw takes job back if the connector has not started it yet (and
// then it never wakes for it).
func runOnConnectorLater(job func(), delay time.Duration) (withdraw func(), ok bool) {
	seq, ok := connectorTake(job)
	if !ok {
		return nil, false
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(int64(delay), 1))}
	if unix.TimerfdSettime(connector.tfd, 0, &spec, nil) != nil {
		wakeConnector() // without the timer, at once
		return func() {}, true
	}
	return func() {
		connector.mu.Lock()
		defer connector.mu.Unlock()
		if connector.busy && connector.job != nil && connector.seq == seq {
			// Still waiting for its timer (and not another attempt
			// handed over after this one ran).
			connector.job = nil
			connector.busy = false
			unix.TimerfdSettime(connector.tfd, 0, &unix.ItimerSpec{}, nil)
		}
	}, true
}

// connectorTake makes job the connector's if it is free, and returns its
// number.
func connectorTake(job func()) (uint64, bool) {
	connector.once.Do(startConnector)
	if connector.efd < 0 {
		return 0, false
	}
	connector.mu.Lock()
	defer connector.mu.Unlock()
	if connector.busy {
		return 0, false
	}
	connector.busy = true
	connector.job = job
	connector.seq++
	return connector.seq, true
}

func startConnector() {
	connector.efd, connector.tfd = -1, -1
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return
	}
	tfd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC|unix.TFD_NONBLOCK)
	if err != nil {
		unix.Close(efd)
		return
	}
	connector.efd, connector.tfd = efd, tfd
	go func() {
		runtime.LockOSThread()
		fds := []unix.PollFd{{Fd: int32(efd), Events: unix.POLLIN}, {Fd: int32(tfd), Events: unix.POLLIN}}
		var b [8]byte
		for {
			if _, err := unix.Poll(fds, -1); err != nil {
				continue // EINTR
			}
			// Both are non-blocking: reading resets what woke us.
			unix.Read(efd, b[:])
			unix.Read(tfd, b[:])
			connector.mu.Lock()
			job := connector.job
			connector.job = nil
			connector.mu.Unlock()
			if job == nil {
				continue // withdrawn, or a wake-up for a job already run
			}
			connector.runs.Add(1)
			job()
			connector.mu.Lock()
			connector.busy = false
			connector.mu.Unlock()
		}
	}()
}
