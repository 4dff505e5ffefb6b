package core

import (
	"sync"
	"time"
)

// EventType is the AS3 event type string.
type EventType string

// The socket's events, with the AS3 type strings.
const (
	EventConnect        EventType = "connect"        // the handshake and certificate checks passed
	EventClose          EventType = "close"          // the peer closed the connection (never sent for close())
	EventSocketData     EventType = "socketData"     // input arrived; BytesLoaded says how much
	EventIOError        EventType = "ioError"        // connect failed, or the connection broke
	EventSecurityError  EventType = "securityError"  // refused for a security reason
	EventOutputProgress EventType = "outputProgress" // flushed bytes moved to the network
)

// Event is one event record. Which fields are set depends on Type.
type Event struct {
	Type         EventType
	Socket       *Socket
	Text         string // AS3 text, e.g. "Error #2031: Socket Error. URL: localhost"
	ErrorID      int    // AS3 error id for ioError and securityError, else 0
	Detail       string // why, for ioError and securityError
	BytesLoaded  uint64 // socketData: bytes that arrived since the last socketData
	BytesPending uint64 // outputProgress: flushed bytes not yet handed to the network
	BytesTotal   uint64 // outputProgress: bytes handed to the network plus BytesPending
}

// Sink receives a socket's events. Post is called from the socket's own
// goroutines and must not block for long and must not call back into the
// socket. Queue is the sink Go programs use; the C ABI has its own.
type Sink interface {
	Post(Event)
}

// Discarder is implemented by a Sink that can drop a socket's waiting
// events. The socket calls Discard when close() or a new connect() makes
// them stale, while it holds the lock its own posts take: after close() no
// event of the closed connection is delivered, and after connect() every
// event belongs to the new attempt.
type Discarder interface {
	Discard(s *Socket)
}

// Queue is an unbounded, coalescing event queue that any number of sockets
// can share. Go programs drain it with Next or Wait, or with Dispatch, which
// calls the listeners registered with Socket.On.
//
// Coalescing follows one rule, the same as the C event queue's (see the
// header securesocket.h): between two of a socket's other events (connect,
// close, ioError, securityError), at most one socketData and one
// outputProgress of that socket wait. A later socketData adds its
// BytesLoaded to the waiting one, a later outputProgress replaces the
// waiting one's numbers, and the waiting event keeps its place. So data,
// outputProgress, data waits as two events (socketData with both amounts,
// then outputProgress), and a host that is slow to drain cannot make the
// queue grow without bound from data traffic alone. Events never merge
// across a socket's other events, nor across sockets.
type Queue struct {
	mu    sync.Mutex
	items []Event
	head  int
	ready chan struct{} // holds one token while events wait
	host  queueHost     // the sockets' input this Queue pumps (queuehost_linux.go)
	conns queueConnects // an attempt a Wait may run, and what it checks (offer.go)
}

// NewQueue returns an empty queue.
func NewQueue() *Queue {
	return &Queue{ready: make(chan struct{}, 1)}
}

// Post appends an event, merging it into a waiting one where it can.
func (q *Queue) Post(e Event) {
	q.mu.Lock()
	if e.Type == EventSocketData || e.Type == EventOutputProgress {
		// Look back over the socket's waiting socketData/outputProgress,
		// up to its last other event.
	scan:
		for i := len(q.items) - 1; i >= q.head; i-- {
			w := &q.items[i]
			if w.Socket != e.Socket {
				continue
			}
			switch {
			case w.Type == e.Type && e.Type == EventSocketData:
				w.BytesLoaded += e.BytesLoaded
			case w.Type == e.Type:
				w.BytesPending, w.BytesTotal = e.BytesPending, e.BytesTotal
			case w.Type == EventSocketData || w.Type == EventOutputProgress:
				continue
			default:
				break scan
			}
			q.mu.Unlock()
			return
		}
	}
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	q.signalWaiters()
}

// Discard drops the waiting events of socket s.
func (q *Queue) Discard(s *Socket) {
	q.mu.Lock()
	defer q.mu.Unlock()
	kept := q.items[:q.head]
	for _, e := range q.items[q.head:] {
		if e.Socket != s {
			kept = append(kept, e)
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
}

// Len returns the number of waiting events.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

// TryNext removes and returns the oldest event, if any, without waiting.
// On Linux it first reads the input that waits for the Queue's sockets
// (host-driven input, hostread.go), without waiting for any.
func (q *Queue) TryNext() (Event, bool) {
	if e, ok := q.tryNext(); ok {
		return e, true
	}
	if q.hostActive() && q.pumpReady(0) > 0 {
		return q.tryNext()
	}
	return Event{}, false
}

func (q *Queue) tryNext() (Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		return Event{}, false
	}
	e := q.items[q.head]
	q.items[q.head] = Event{}
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else {
		// Another event waits: keep the token so the next waiter wakes.
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	return e, true
}

// Ready returns a channel that has a value while events may wait. A receive
// from it is a hint: call TryNext until it reports false. A Queue whose
// Ready was called reads its sockets' input with goroutines from then on
// (no host-driven input): only they can make the channel ready for it.
func (q *Queue) Ready() <-chan struct{} {
	q.leaveHost()
	return q.ready
}

// Wait returns the oldest event, waiting up to timeout for one. A negative
// timeout waits without limit. On Linux, while the Queue pumps its sockets'
// input (hostread.go), the wait is on their descriptors, and a reply is
// decrypted by the waiting goroutine itself. Likewise, when the Queue's only
// socket connects to an IP address, no event waits, and the socket's
// Timeout ends within this wait's, Wait runs the connect (TCP, handshake,
// verification) on the calling goroutine instead of waiting for a thread
// that would (offer.go): the same events follow, and Wait still returns
// within its timeout, but an event that another goroutine Posts meanwhile
// is returned when the connect ends.
func (q *Queue) Wait(timeout time.Duration) (Event, bool) {
	if e, ok := q.tryNext(); ok {
		return e, true
	}
	if q.conns.offer.Load() != nil {
		start := time.Now()
		if q.runOffered(timeout) {
			if e, ok := q.tryNext(); ok {
				return e, true
			}
			if timeout >= 0 {
				timeout = max(timeout-time.Since(start), 0)
			}
		}
	}
	if q.hostActive() {
		return q.waitHost(timeout)
	}
	return q.waitChan(timeout)
}

// waitChan waits for a Post on the channel.
func (q *Queue) waitChan(timeout time.Duration) (Event, bool) {
	// Most waits under load find an event, or a token, at once: only make a
	// timer when the wait really blocks.
	if e, ok := q.tryNext(); ok {
		return e, true
	}
	select {
	case <-q.ready:
		if e, ok := q.TryNext(); ok {
			return e, true
		}
	default:
	}
	var deadline <-chan time.Time
	var end time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
		end = time.Now().Add(timeout)
	}
	for {
		if e, ok := q.TryNext(); ok {
			return e, true
		}
		if q.hostActive() {
			// A socket's input became the Queue's to pump while this
			// waited (WatchInput pokes the channel): wait on it there.
			if timeout < 0 {
				return q.waitHost(-1)
			}
			return q.waitHost(max(time.Until(end), 0))
		}
		select {
		case <-q.ready:
		case <-deadline:
			return q.TryNext()
		}
	}
}

// Dispatch waits up to timeout for events, then delivers every waiting event
// to the listeners registered on its socket with On, on the calling
// goroutine. It returns the number of events delivered.
func (q *Queue) Dispatch(timeout time.Duration) int {
	e, ok := q.Wait(timeout)
	n := 0
	for ok {
		e.Socket.deliver(e)
		n++
		e, ok = q.TryNext()
	}
	return n
}

// EventMask selects event types: bit n stands for the type numbered n in
// the C header (SS_EVENT_*): 1 connect, 2 close, 3 socketData, 4 ioError,
// 5 securityError, 6 outputProgress.
type EventMask uint32

// EventMaskAll selects every event type, the default.
const EventMaskAll = ^EventMask(0)

// MaskOf returns the mask that selects the given types.
func MaskOf(types ...EventType) EventMask {
	var m EventMask
	for _, t := range types {
		m |= eventBit(t)
	}
	return m
}

// maskable are the types a mask can turn off: the frequent ones. connect,
// close and the errors are always posted, so no outcome is ever lost.
var maskable = MaskOf(EventSocketData, EventOutputProgress)

func eventBit(t EventType) EventMask {
	switch t {
	case EventConnect:
		return 1 << 1
	case EventClose:
		return 1 << 2
	case EventSocketData:
		return 1 << 3
	case EventIOError:
		return 1 << 4
	case EventSecurityError:
		return 1 << 5
	case EventOutputProgress:
		return 1 << 6
	}
	return 0
}

// SetEventMask chooses which of the frequent events the socket posts:
// socketData and outputProgress are posted only if selected (the default,
// EventMaskAll, selects both). connect, close, ioError and securityError
// are always posted. A host whose listeners do not need outputProgress
// saves an event and a wake-up per write; the data and BytesPending are the
// same either way. The Python and Node bindings set it from their
// listeners.
func (s *Socket) SetEventMask(m EventMask) {
	s.mask.Store(uint32(m | ^maskable))
}

// EventMask returns the socket's event mask.
func (s *Socket) EventMask() EventMask { return EventMask(s.mask.Load()) }

// wants reports whether events of type t are posted.
func (s *Socket) wants(t EventType) bool {
	return EventMask(s.mask.Load())&eventBit(t) != 0
}
