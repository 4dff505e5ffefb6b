package core

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Connect attempts (dial, and StartTLS's upgrade) and the close of an idle
// connection (close_notify, then the TCP close) run on goroutines that are
// kept for the next one. A TLS handshake needs a deep stack, and a
// new goroutine starts with a small one that the runtime grows by copying
// it, several times per handshake: about 6% of a connect's CPU time in
// the bench's reconnect loop (runtime.newstack under dial). A kept
// goroutine's stack is grown already. Few are kept, twice the number of
// CPUs, so that a burst of thousands of connects leaves nothing behind.
//
// Kept goroutines wait without a timer. While any Go timer is pending, an
// idle Go scheduler waits for it in the network poller (epoll_wait with a
// timeout), and every packet that arrives on any connection then wakes that
// thread, although no goroutine waits for it: on a host-driven link (see
// hostread.go) that was one wasted thread wake-up per reply, for ten
// seconds after each connect (strace of 5,000 Python round trips: 5,009
// epoll_pwait calls in Go's poller with a timer, 111 without). Instead the
// kept goroutines leave at the first garbage collection that finds no
// attempt started for handshakerIdle; Go collects at least every two
// minutes.
const handshakerIdle = 10 * time.Second

var (
	handshakerJobs     = make(chan func())
	handshakersIdle    atomic.Int32
	handshakersStarted atomic.Int64 // for the tests
	lastHandshake      atomic.Int64 // when the last attempt started (UnixNano)
	sweepArmed         atomic.Bool
	handshakerSweeps   atomic.Int64 // for the tests
)

// runHandshake runs job on an idle kept goroutine, or on a new one.
func runHandshake(job func()) {
	lastHandshake.Store(time.Now().UnixNano())
	select {
	case handshakerJobs <- job:
	default:
		handshakersStarted.Add(1)
		go handshaker(job)
	}
}

func handshaker(job func()) {
	keep := int32(2 * runtime.GOMAXPROCS(0))
	for {
		job()
		job = nil // the attempt's memory goes with it
		if handshakersIdle.Add(1) > keep {
			handshakersIdle.Add(-1)
			return
		}
		armHandshakerSweep()
		job = <-handshakerJobs
		handshakersIdle.Add(-1)
		if job == nil {
			return // swept
		}
	}
}

// sweepToken is garbage from the moment it is made: its cleanup runs after
// the next garbage collection. (A pointer field keeps it out of the tiny
// allocator, whose blocks are freed together.)
type sweepToken struct{ _ *byte }

// armHandshakerSweep makes the next garbage collection look at the kept
// goroutines (once armed, until then).
func armHandshakerSweep() {
	if sweepArmed.Swap(true) {
		return
	}
	runtime.AddCleanup(new(sweepToken), func(struct{}) { sweepHandshakers(time.Now()) }, struct{}{})
}

// sweepHandshakers lets the idle kept goroutines go when no attempt started
// for handshakerIdle before now, and otherwise looks again at the next
// collection while any are kept.
func sweepHandshakers(now time.Time) {
	handshakerSweeps.Add(1)
	sweepArmed.Store(false)
	if now.Sub(time.Unix(0, lastHandshake.Load())) < handshakerIdle {
		if handshakersIdle.Load() > 0 {
			armHandshakerSweep()
		}
		return
	}
	for handshakersIdle.Load() > 0 {
		select {
		case handshakerJobs <- nil: // an idle one takes it and returns
		default:
			// One counted itself idle but does not wait yet: the next
			// collection looks again.
			armHandshakerSweep()
			return
		}
	}
}
