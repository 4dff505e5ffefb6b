package core

import (
	"bytes"
	"crypto/tls"
	"io"
	"testing"
	"time"
)

// A small flush on an idle link is handed to the network by Flush itself:
// nothing is pending when it returns, and its outputProgress already waits.
func TestSmallFlushIsWrittenByTheCaller(t *testing.T) {
	if !directWrites {
		t.Skip("no non-blocking writes here")
	}
	s, q := connected(t, "echo")
	s.WriteBytes(make([]byte, 100), 0, 0)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if p := s.BytesPending(); p != 0 {
		t.Fatalf("%d bytes pending after a small flush on an idle link", p)
	}
	// Waiting already (the echo's socketData may be ahead of it: the reply
	// can be read before Flush posts the progress of its request).
	found := false
	for e, ok := q.TryNext(); ok; e, ok = q.TryNext() {
		if e.Type == EventOutputProgress && e.BytesPending == 0 && e.BytesTotal == 100 {
			found = true
		}
	}
	if !found {
		t.Fatal("no outputProgress waiting right after Flush")
	}
	waitAvailable(t, s, q, 100)
}

// Flushes the kernel cannot take at once (the peer does not read yet) are
// all delivered, in order, whoever writes them: the caller's direct writes,
// what the kernel left of them, and the writer goroutine.
func TestFlushesAgainstAFullSocketArriveInOrder(t *testing.T) {
	const total = 8 << 20
	got := make(chan []byte, 1)
	port := testServer(t, func(c *tls.Conn) {
		time.Sleep(300 * time.Millisecond) // let the client fill the buffers
		b := make([]byte, total)
		_, err := io.ReadFull(c, b)
		if err != nil {
			b = nil
		}
		got <- b
		c.Write([]byte{1})
	})
	q := NewQueue()
	s := New(q)
	t.Cleanup(func() { s.Close() })
	if err := s.Connect("localhost", port); err != nil {
		t.Fatal(err)
	}
	if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	want := make([]byte, total)
	for i := range want {
		want[i] = byte(i * 7)
	}
	// Sizes around directMax, so both paths and the split take turns.
	for off, step := 0, 1; off < total; step++ {
		n := min(total-off, []int{100, directMax, directMax + 1, 3000, 70000}[step%5])
		s.WriteBytes(want[off:off+n], 0, 0)
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		off += n
	}
	select {
	case b := <-got:
		if !bytes.Equal(b, want) {
			t.Fatal("the server received other bytes, or in another order")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not receive everything")
	}
	waitAvailable(t, s, q, 1)
	deadline := time.Now().Add(10 * time.Second)
	for s.BytesPending() != 0 && time.Now().Before(deadline) {
		q.Wait(50 * time.Millisecond)
	}
	if s.BytesPending() != 0 {
		t.Fatalf("%d bytes still pending after the server read them all", s.BytesPending())
	}
}
