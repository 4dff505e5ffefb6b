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
	if o.run != nil {
		t.Fatal("an offer the connector ran still holds its attempt (and the socket)")
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

// A Queue is a ConnectRunner: its Wait runs the connect of its only socket,
// within the wait's timeout, and never while another of its sockets is
// connected or connecting, nor when the wait is shorter than the socket's
// timeout.
func TestQueueWaitRunsTheConnect(t *testing.T) {
	if noDetach {
		t.Skip("SECURESOCKET_GOPOLLER=keep")
	}
	port := testServer(t, func(c *tls.Conn) { io.Copy(c, c) })
	hostsTook(t, true)
	connectorIdle(t)

	connect := func(q *Queue, wait time.Duration) (*Socket, int64) {
		t.Helper()
		s := New(q)
		t.Cleanup(func() { s.Close() })
		before := offersRun.Load()
		if err := s.Connect("127.0.0.1", port); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			e, ok := q.Wait(wait)
			if ok && e.Type == EventConnect {
				return s, offersRun.Load() - before
			}
			if ok && (e.Type == EventIOError || e.Type == EventSecurityError) {
				t.Fatalf("%s (%s)", e.Type, e.Detail)
			}
		}
		t.Fatal("no connect event")
		return nil, 0
	}
	q := NewQueue()
	s, ran := connect(q, 30*time.Second) // the socket's timeout is 20 s
	if ran != 1 {
		t.Fatalf("Wait ran %d connects of the Queue's only socket, want 1", ran)
	}
	echoTrips(t, s, q, 2)
	// Another socket of the Queue is connected: its events must not wait.
	if _, ran := connect(q, 30*time.Second); ran != 0 {
		t.Fatal("Wait ran a connect while another socket of its Queue was connected")
	}
	// A wait shorter than the socket's timeout (20 s).
	if _, ran := connect(NewQueue(), 20*time.Millisecond); ran != 0 {
		t.Fatal("a 20 ms Wait ran a connect with a 20 s timeout")
	}
	// Without a limit, and a socket of the Queue that was closed.
	s.Close()
	if _, ran := connect(q, -1); ran != 0 {
		// q still has the connected socket of the second connect.
		t.Fatal("Wait ran a connect while another socket of its Queue was connected")
	}
	// The connects above that the Queue left to the connector made the
	// connector start at once again: take the first offer as a host did.
	hostsTake.Store(true)
	connectorIdle(t)
	if _, ran := connect(New(nil).Queue(), -1); ran != 1 {
		t.Fatal("Wait(-1) did not run its only socket's connect")
	}
}

// A host withdraws only its own attempt: one whose connector already ran it
// (the host's withdraw came late) leaves the next attempt on the connector
// alone.
func TestWithdrawTakesOnlyItsOwnAttempt(t *testing.T) {
	connectorIdle(t)
	ranA := make(chan struct{})
	withdrawA, ok := runOnConnectorLater(func() { close(ranA) }, time.Millisecond)
	if !ok {
		t.Fatal("the connector was busy")
	}
	select {
	case <-ranA:
	case <-time.After(5 * time.Second):
		t.Fatal("the connector did not run an attempt whose delay ran out")
	}
	connectorIdle(t)
	ranB := make(chan struct{})
	if _, ok := runOnConnectorLater(func() { close(ranB) }, 50*time.Millisecond); !ok {
		t.Fatal("the connector was busy")
	}
	withdrawA()
	select {
	case <-ranB:
	case <-time.After(5 * time.Second):
		t.Fatal("a late withdraw took another attempt off the connector")
	}
}
