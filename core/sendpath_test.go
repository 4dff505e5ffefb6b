package core

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"sync"
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
	s, q := connectToPort(t, port)
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
	waitReceived(t, got, want, 30*time.Second)
	waitAvailable(t, s, q, 1)
	deadline := time.Now().Add(10 * time.Second)
	for s.BytesPending() != 0 && time.Now().Before(deadline) {
		q.Wait(50 * time.Millisecond)
	}
	if s.BytesPending() != 0 {
		t.Fatalf("%d bytes still pending after the server read them all", s.BytesPending())
	}
}

// A flush of several TLS records is written with MSG_MORE on every record
// but its last (corkedWrite), so the kernel sends large segments and pushes
// them out at the end of the flush; every byte arrives.
func TestALargeFlushIsCorked(t *testing.T) {
	if !directWrites {
		t.Skip("no non-blocking writes here")
	}
	const total = 200 << 10
	port, got := receiveAll(t, total)
	s, q := connectToPort(t, port)
	type call struct {
		n    int
		more bool
	}
	var mu sync.Mutex
	var calls []call
	s.mu.Lock()
	f := s.link.flow
	try := f.try
	f.try = func(p []byte, more bool) (int, error) {
		n, err := try(p, more)
		mu.Lock()
		calls = append(calls, call{len(p), more})
		mu.Unlock()
		return n, err
	}
	s.mu.Unlock()
	want := make([]byte, total)
	for i := range want {
		want[i] = byte(i * 13)
	}
	s.WriteBytes(want, 0, 0)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	waitReceived(t, got, want, 10*time.Second)
	waitAvailable(t, s, q, 1)
	mu.Lock()
	defer mu.Unlock()
	if len(calls) < total/maxRecordPayload {
		t.Fatalf("%d writes for %d bytes in records of at most %d", len(calls), total, maxRecordPayload)
	}
	for i, c := range calls {
		if last := i == len(calls)-1; c.more == last {
			t.Fatalf("write %d of %d (%d bytes): MSG_MORE %v", i+1, len(calls), c.n, c.more)
		}
	}
}

// receiveAll starts a server that reads exactly total bytes and hands them
// over, then answers one byte; it returns the port and the channel.
func receiveAll(t *testing.T, total int) (int, chan []byte) {
	got := make(chan []byte, 1)
	port := testServer(t, func(c *tls.Conn) {
		b := make([]byte, total)
		if _, err := io.ReadFull(c, b); err != nil {
			b = nil
		}
		got <- b
		c.Write([]byte{1})
	})
	return port, got
}

func connectToPort(t *testing.T, port int) (*Socket, *Queue) {
	q := NewQueue()
	s := New(q)
	t.Cleanup(func() { s.Close() })
	if err := s.Connect("localhost", port); err != nil {
		t.Fatal(err)
	}
	if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	return s, q
}

// Large writes are copied outside the socket's lock when the output buffer
// is empty (copyUnlocked), small ones and those that follow unflushed bytes
// are appended under it: whichever way, bytesPending counts them at once,
// the bytes sent are those of the call (the caller may reuse its buffer
// right after), and everything arrives in the order written.
func TestLargeAndSmallWritesKeepTheirOrder(t *testing.T) {
	sizes := [][]int{ // each inner list is written, then flushed
		{10, copyUnlocked + 1},         // large after unflushed bytes: appended
		{copyUnlocked, 5, 70000},       // large on an empty buffer, then appended to
		{copyUnlocked - 1},             // just under: appended
		{3 * copyUnlocked, 1, 1 << 20}, // large, small, large
	}
	total := 0
	for _, f := range sizes {
		for _, n := range f {
			total += n
		}
	}
	port, got := receiveAll(t, total)
	s, q := connectToPort(t, port)
	var want []byte
	buf := make([]byte, 1<<20)
	pending := 0
	for i, f := range sizes {
		group := 0
		for j, n := range f {
			for k := range buf[:n] {
				buf[k] = byte(i*31 + j*7 + k)
			}
			want = append(want, buf[:n]...)
			if err := s.WriteBytes(buf, 0, uint32(n)); err != nil {
				t.Fatal(err)
			}
			for k := range buf[:n] {
				buf[k] = 0xee // the caller reuses its buffer: what was written stays
			}
			pending += n
			group += n
		}
		// Unflushed bytes count whole; earlier flushes may be partly sent.
		if p := s.BytesPending(); p < group || p > pending {
			t.Fatalf("bytesPending %d: %d bytes unflushed, %d written in all", p, group, pending)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	waitReceived(t, got, want, 30*time.Second)
	waitAvailable(t, s, q, 1)
	s.Close()
	if err := s.WriteBytes(buf, 0, copyUnlocked); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("a large write after close: %v", err)
	}
}

// Threads that write large and small blocks at once, and flush, never lose
// or tear a block: each WriteBytes lands whole, and each thread's blocks
// arrive in its order.
func TestConcurrentLargeWritesLandWhole(t *testing.T) {
	const writers, blocks = 4, 40
	size := func(w, i int) int { // large and small, per writer and block
		if (w+i)%3 == 0 {
			return 100 + i
		}
		return copyUnlocked + 1000*w + i
	}
	total := 0
	for w := range writers {
		for i := range blocks {
			total += size(w, i)
		}
	}
	port, got := receiveAll(t, total)
	s, _ := connectToPort(t, port)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range blocks {
				b := make([]byte, size(w, i))
				b[0], b[1] = byte(w), byte(i)
				for k := 2; k < len(b); k++ {
					b[k] = byte(w*i + k)
				}
				if err := s.WriteBytes(b, 0, 0); err != nil {
					t.Error(err)
					return
				}
				if i%4 == 3 {
					s.Flush()
				}
			}
			s.Flush()
		}()
	}
	wg.Wait()
	var b []byte
	select {
	case b = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not receive everything")
	}
	if b == nil {
		t.Fatal("the server did not receive everything")
	}
	next := make([]int, writers)
	for off := 0; off < len(b); {
		w, i := int(b[off]), int(b[off+1])
		if w >= writers || i != next[w] {
			t.Fatalf("at %d: block %d of writer %d, expected block %v", off, i, w, next)
		}
		n := size(w, i)
		for k := 2; k < n; k++ {
			if b[off+k] != byte(w*i+k) {
				t.Fatalf("block %d of writer %d torn at byte %d", i, w, k)
			}
		}
		next[w]++
		off += n
	}
}

// waitReceived waits up to within for what the server received and checks
// that it is want, whole and in order.
func waitReceived(t *testing.T, got <-chan []byte, want []byte, within time.Duration) {
	t.Helper()
	select {
	case b := <-got:
		if !bytes.Equal(b, want) {
			t.Fatal("the server received other bytes, or in another order")
		}
	case <-time.After(within):
		t.Fatal("the server did not receive everything")
	}
}
