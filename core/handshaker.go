package core

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Connect attempts (dial, and StartTLS's upgrade) run on goroutines that
// are kept for the next attempt. A TLS handshake needs a deep stack, and a
// new goroutine starts with a small one that the runtime grows by copying
// it, several times per handshake: about 6% of a connect's CPU time in
// the bench's reconnect loop (runtime.newstack under dial). A kept
// goroutine's stack is grown already. Few are kept, twice the number of
// CPUs, and each for handshakerIdle at most, so that a burst of thousands
// of connects leaves nothing behind.
const handshakerIdle = 10 * time.Second

var (
	handshakerJobs     = make(chan func())
	handshakersIdle    atomic.Int32
	handshakersStarted atomic.Int64 // for the tests
)

// runHandshake runs job on an idle kept goroutine, or on a new one.
func runHandshake(job func()) {
	select {
	case handshakerJobs <- job:
	default:
		handshakersStarted.Add(1)
		go handshaker(job)
	}
}

func handshaker(job func()) {
	keep := int32(2 * runtime.GOMAXPROCS(0))
	var timer *time.Timer
	for {
		job()
		job = nil // the attempt's memory goes with it
		if handshakersIdle.Add(1) > keep {
			handshakersIdle.Add(-1)
			return
		}
		if timer == nil {
			timer = time.NewTimer(handshakerIdle)
		} else {
			timer.Reset(handshakerIdle)
		}
		select {
		case job = <-handshakerJobs:
			handshakersIdle.Add(-1)
			timer.Stop()
		case <-timer.C:
			handshakersIdle.Add(-1)
			return
		}
	}
}
