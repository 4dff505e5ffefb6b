package core

import (
	"sync/atomic"
	"time"
)

// A connect attempt that the host's thread may run itself.
//
// Connect returns at once and hands a fast attempt (dialPlan.fast) to the
// connector thread (connector_linux.go): the connector's thread wakes for
// it, and the connect event wakes the host's thread again. A host that is
// about to block until that event anyway gains nothing from the hand-off
// and pays two thread wake-ups for it. So when the socket's Sink is a
// ConnectRunner (the C ABI's queue, a Queue), the attempt is also offered
// to the sink, and whoever comes first runs it: the connector, or the
// host's blocking wait (ss_dispatch, capi/queue.c; Queue.Wait).
//
// The sink decides when its host may take an offer: only where running it
// keeps nothing else from the host. The C ABI's (capi/queue.c,
// offer_take_locked): no other socket exists, no event waits, the attempt's
// deadline falls within the wait's timeout (so the wait still returns within
// it), and ss_wake() was never called (a wait that runs a connect cannot be
// woken before the connect ends). A Queue's (runOffered): no other socket
// of the Queue is connecting or connected, no event waits, and the
// deadline falls within the Wait's timeout. close() or a new connect() ends an attempt
// that the host runs as one on the connector (the attempt's interrupter).
//
// Hosts differ: a C program that connects and then waits takes every offer,
// an event loop that only dispatches what its poll announces (Node) never
// does. While hosts take the offers, the connector gets an attempt with a
// delay (offerDelay), and a host that takes it withdraws it: no thread but
// the host's wakes for a connect. When an offer's delay runs out without the
// host taking it, the connector runs it, and the next attempts go to the
// connector at once again, as before, until a host takes one.
type ConnectOffer struct {
	taken    atomic.Bool
	Deadline time.Time // the attempt's end: the socket's Timeout after Connect
	run      func()
	withdraw func() // takes the attempt back from the connector; nil when not needed
}

// Run runs the attempt on the calling goroutine's thread, and reports false
// if the connector (or an earlier Run) took it first.
func (o *ConnectOffer) Run() bool {
	run, ok := o.claim()
	if !ok {
		return false
	}
	if o.withdraw != nil {
		o.withdraw()
	}
	hostsTake.Store(true)
	offersRun.Add(1)
	run()
	return true
}

// claim takes the attempt for one caller and returns it; the offer keeps
// nothing of it (a sink may keep its last offer, but not the socket with it).
func (o *ConnectOffer) claim() (func(), bool) {
	if !o.taken.CompareAndSwap(false, true) {
		return nil, false
	}
	run := o.run
	o.run = nil
	return run, true
}

// ConnectRunner is a Sink whose host may run its sockets' connect attempts
// (ConnectOffer). OfferConnect must not run the offer itself.
type ConnectRunner interface {
	OfferConnect(o *ConnectOffer)
}

// offerDelay is how long the connector leaves an offered attempt to the
// host while hosts take offers. A host that takes one does so within
// microseconds of Connect; one that does not starts its connect this much
// later, once.
const offerDelay = 200 * time.Microsecond

// hostsTake: the last offer that was decided went to the host.
var hostsTake atomic.Bool

// offersRun counts the offers hosts ran (for the tests).
var offersRun atomic.Int64

// startOffered starts a fast attempt of a ConnectRunner's socket: run is
// the attempt with the fast plan, slow with Go's dialer (when the connector
// is busy). It reports false when the sink is no ConnectRunner.
func (s *Socket) startOffered(deadline time.Time, run, slow func()) bool {
	cr, ok := s.sink.(ConnectRunner)
	if !ok {
		return false
	}
	o := &ConnectOffer{Deadline: deadline, run: run}
	job := func(later bool) func() {
		return func() {
			if run, ok := o.claim(); ok {
				if later {
					hostsTake.Store(false) // the host let it wait
				}
				run()
			}
		}
	}
	started := false
	if hostsTake.Load() {
		o.withdraw, started = runOnConnectorLater(job(true), offerDelay)
	} else {
		started = runOnConnector(job(false))
	}
	if !started {
		runHandshake(func() {
			if _, ok := o.claim(); ok {
				slow()
			}
		})
	}
	// Published last: a host (on another thread) that takes it finds
	// withdraw set.
	cr.OfferConnect(o)
	return true
}

// A Queue is a ConnectRunner: its Wait (and Dispatch) runs an offered
// connect when the Queue has no other socket connecting or connected, no
// event waits, and the attempt's deadline falls within the wait's timeout.
type queueConnects struct {
	offer    atomic.Pointer[ConnectOffer]
	attempts atomic.Int32 // connect attempts started and not yet ended
	links    atomic.Int32 // connections open (Socket.link set)
}

// OfferConnect makes o the attempt the Queue's next blocking Wait may run.
func (q *Queue) OfferConnect(o *ConnectOffer) { q.conns.offer.Store(o) }

// runOffered runs the Queue's offered attempt on the calling goroutine if
// it may, and reports whether it did. timeout is what is left of the wait
// (negative: no limit).
func (q *Queue) runOffered(timeout time.Duration) bool {
	c := &q.conns
	o := c.offer.Load()
	if o == nil || c.links.Load() != 0 || c.attempts.Load() != 1 {
		return false
	}
	if timeout >= 0 && time.Until(o.Deadline) > timeout {
		return false
	}
	if q.Len() > 0 || !c.offer.CompareAndSwap(o, nil) {
		return false
	}
	return o.Run()
}

// queueCount adds d to a count of the socket's Queue, if its sink is one.
func (s *Socket) queueCount(links bool, d int32) {
	if q, ok := s.sink.(*Queue); ok {
		if links {
			q.conns.links.Add(d)
		} else {
			q.conns.attempts.Add(d)
		}
	}
}
