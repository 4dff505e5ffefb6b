package core

import "testing"

// The Go queue coalesces exactly as the C queue does (securesocket.h).
func TestQueueCoalescingRule(t *testing.T) {
	q := NewQueue()
	s, o := &Socket{}, &Socket{}
	data := func(on *Socket, n uint64) { q.Post(Event{Type: EventSocketData, Socket: on, BytesLoaded: n}) }
	progress := func(on *Socket, p uint64) {
		q.Post(Event{Type: EventOutputProgress, Socket: on, BytesPending: p, BytesTotal: 100})
	}
	take := func() []Event {
		var es []Event
		for e, ok := q.TryNext(); ok; e, ok = q.TryNext() {
			es = append(es, e)
		}
		return es
	}

	// data, progress, data: two events, the data first with both amounts.
	data(s, 1)
	progress(s, 10)
	data(s, 2)
	progress(s, 5)
	es := take()
	if len(es) != 2 || es[0].Type != EventSocketData || es[0].BytesLoaded != 3 ||
		es[1].Type != EventOutputProgress || es[1].BytesPending != 5 {
		t.Fatalf("data, progress, data, progress: %+v", es)
	}
	// Never across another event of the socket.
	data(s, 1)
	q.Post(Event{Type: EventClose, Socket: s})
	data(s, 2)
	if es := take(); len(es) != 3 || es[0].BytesLoaded != 1 || es[2].BytesLoaded != 2 {
		t.Fatalf("data, close, data: %+v", es)
	}
	// Another socket's events neither merge nor block a merge.
	data(s, 1)
	data(o, 7)
	q.Post(Event{Type: EventConnect, Socket: o})
	data(s, 2)
	es = take()
	if len(es) != 3 || es[0].Socket != s || es[0].BytesLoaded != 3 || es[1].Socket != o || es[1].BytesLoaded != 7 {
		t.Fatalf("two sockets: %+v", es)
	}
	// Interleaved data and progress stay two events however long.
	for range 100 {
		data(s, 1)
		progress(s, 1)
	}
	if es := take(); len(es) != 2 || es[0].BytesLoaded != 100 {
		t.Fatalf("interleaved: %d events", len(es))
	}
}

// The event mask turns off socketData and outputProgress only.
func TestEventMask(t *testing.T) {
	q := NewQueue()
	s := New(q)
	if s.EventMask() != EventMaskAll {
		t.Fatal("default mask is not all")
	}
	s.SetEventMask(MaskOf(EventSocketData))
	for _, ty := range []EventType{EventSocketData, EventOutputProgress, EventConnect, EventClose, EventIOError} {
		s.mu.Lock()
		s.post(Event{Type: ty})
		s.mu.Unlock()
	}
	var got []EventType
	for e, ok := q.TryNext(); ok; e, ok = q.TryNext() {
		got = append(got, e.Type)
	}
	if len(got) != 4 || got[0] != EventSocketData || got[1] != EventConnect {
		t.Fatalf("posted %v", got)
	}
	s.SetEventMask(0)
	if s.wants(EventSocketData) || !s.wants(EventIOError) {
		t.Fatal("mask 0 must keep the errors and drop data")
	}
}
