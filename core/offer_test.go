//go:build linux

package core

import (
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"
)

// offerQueue is a host-driven Queue (pollQueue) whose host may run its
// sockets' connect attempts, as the C ABI's queue does (offer.go): the
// offers arrive on a channel, and the test decides whether to run them.
type offerQueue struct {
	*pollQueue
	offers chan *ConnectOffer
}

func (q *offerQueue) OfferConnect(o *ConnectOffer) { q.offers <- o }

func newOfferQueue(t *testing.T) *offerQueue {
	return &offerQueue{pollQueue: newPollQueue(t, true), offers: make(chan *ConnectOffer, 16)}
}

func (q *offerQueue) next(t *testing.T) *ConnectOffer {
	t.Helper()
	select {
	case o := <-q.offers:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no connect was offered")
		return nil
	}
}

// hostsTook sets what the last decided offer did, for a test, and restores
// it after.
func hostsTook(t *testing.T, v bool) {
	old := hostsTake.Load()
	hostsTake.Store(v)
	t.Cleanup(func() { hostsTake.Store(old) })
}

// A host that takes the offer runs the whole connect on its own goroutine:
// the connect event waits when Run returns, the connector never ran it,
// the link carries round trips, and the next connects leave their attempts
// to the host (the connector's start is delayed, then withdrawn).
func TestOfferRunByTheHost(t *testing.T) {
	if noDetach {
		t.Skip("SECURESOCKET_GOPOLLER=keep")
	}
	port := testServer(t, func(c *tls.Conn) { io.Copy(c, c) })
	hostsTook(t, false)
	for i, mode := range []string{"connector at once", "connector later"} {
		q := newOfferQueue(t)
		connectorIdle(t)
		before := connector.runs.Load()
		s := New(q)
		defer s.Close()
		if err := s.Connect("127.0.0.1", port); err != nil {
			t.Fatal(err)
		}
		o := q.next(t)
		if !o.Run() {
			// The connector may win the race when it starts at once.
			if i == 0 {
				waitFor(t, q.Queue, 10*time.Second, EventConnect)
				hostsTake.Store(true)
				continue
			}
			t.Fatalf("%s: the host could not take its offer (hostsTake %v, runs %d)", mode, hostsTake.Load(), connector.runs.Load()-before)
		}
		if o.Run() {
			t.Fatalf("%s: an offer ran twice", mode)
		}
		e, ok := q.Queue.TryNext()
		if !ok || e.Type != EventConnect {
			t.Fatalf("%s: no connect event waits after Run (%v %+v)", mode, ok, e)
		}
		if !hostsTake.Load() {
			t.Fatalf("%s: the host took the offer, but connects do not wait for the host", mode)
		}
		echoTrips(t, s, q.Queue, 3)
		if i == 1 {
			time.Sleep(2 * offerDelay)
			if ran := connector.runs.Load() - before; ran != 0 {
				t.Fatalf("%s: the connector ran %d attempts of a withdrawn offer", mode, ran)
			}
			connector.mu.Lock()
			busy := connector.busy
			connector.mu.Unlock()
			if busy {
				t.Fatalf("%s: the withdrawn attempt left the connector busy", mode)
			}
		}
	}
}

// A host that does not take its offer still gets its connect: the connector
// runs it when the delay runs out, and the next connects go to the
// connector at once again.
func TestOfferLeftToTheConnector(t *testing.T) {
	if noDetach {
		t.Skip("SECURESOCKET_GOPOLLER=keep")
	}
	q := newOfferQueue(t)
	port := testServer(t, func(c *tls.Conn) { io.Copy(c, c) })
	hostsTook(t, true)
	connectorIdle(t)
	before := connector.runs.Load()
	s := New(q)
	defer s.Close()
	if err := s.Connect("127.0.0.1", port); err != nil {
		t.Fatal(err)
	}
	o := q.next(t)
	if e, _ := waitFor(t, q.Queue, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatalf("%s (%s)", e.Type, e.Detail)
	}
	if o.Run() {
		t.Fatal("the host ran an attempt the connector had run")
	}
	if ran := connector.runs.Load() - before; ran != 1 {
		t.Fatalf("the connector ran %d attempts, want 1", ran)
	}
	if hostsTake.Load() {
		t.Fatal("an offer the host let wait still makes connects wait for the host")
	}
	echoTrips(t, s, q.Queue, 2)
}

// An attempt the host runs ends as one on the connector does: at its
// timeout with the same ioError, and at once when the socket is closed
// from another goroutine, silently, with its connection closed.
func TestOfferRunEnds(t *testing.T) {
	if noDetach {
		t.Skip("SECURESOCKET_GOPOLLER=keep")
	}
	q := newOfferQueue(t)
	silent, accepted := silentServer(t)
	hostsTook(t, true)

	s := New(q)
	defer s.Close()
	s.SetTimeout(300)
	start := time.Now()
	if err := s.Connect("127.0.0.1", silent); err != nil {
		t.Fatal(err)
	}
	if !q.next(t).Run() {
		t.Fatal("the host could not take its offer")
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Fatalf("Run of a 300 ms attempt returned after %v", d)
	}
	e, ok := q.Queue.TryNext()
	if !ok || e.Type != EventIOError || !strings.Contains(e.Detail, "timed out after 300 ms") {
		t.Fatalf("after the timeout: %v %s (%s)", ok, e.Type, e.Detail)
	}
	<-accepted

	s2 := New(q)
	if err := s2.Connect("127.0.0.1", silent); err != nil {
		t.Fatal(err)
	}
	o := q.next(t)
	ran := make(chan bool, 1)
	go func() { ran <- o.Run() }()
	c := <-accepted
	time.Sleep(50 * time.Millisecond) // Run waits for the server's flight
	start = time.Now()
	s2.Close()
	select {
	case ok := <-ran:
		if !ok {
			t.Fatal("the host's Run did not run the attempt")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close() did not end the attempt the host runs")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the attempt took %v to let go", d)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("close() left the attempt's connection open: %v", err)
	}
	if e, ok := q.Queue.TryNext(); ok {
		t.Fatalf("an event after close(): %s (%s)", e.Type, e.Detail)
	}
}
