package core

import (
	"bytes"
	"crypto/tls"
	"io"
	"sync"
	"testing"
	"time"
)

// waitBlocksFree waits until no output block is in use (sockets closed by
// earlier tests may still be sending theirs) and returns the pool's state.
func waitBlocksFree(t *testing.T, why string) outBlockStats {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := outBlockCounts()
		if st.live == 0 {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d output blocks still in use", why, st.live)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// blocksFor is the number of output blocks a write of n bytes takes.
func blocksFor(n int) int {
	if n < outBlockMin {
		return 0
	}
	return (n + outBlockSize - 1) / outBlockSize
}

// Where huge pages are off, the same tests run on the Go heap path
// (copyOut), and the counts of blocks stay at zero.

// Writes of every size around the output blocks' (small ones in the heap
// buffer, large ones in blocks, some spanning several, flushed after
// each write or after several) arrive whole and in order, bytesPending
// counts them before the flush, the caller may reuse its buffer at once,
// and every block goes back to the pool once sent.
func TestOutputBlocksKeepOrderAndAreReleased(t *testing.T) {
	t.Run("as here", testOutputOrder)
	t.Run("Go heap", func(t *testing.T) {
		waitBlocksFree(t, "before")
		huge := useArenas()
		setArenas(false)
		defer setArenas(huge)
		testOutputOrder(t)
	})
}

// setArenas switches the use of arenas (for tests).
func setArenas(on bool) {
	outPool.mu.Lock()
	outPool.huge = on
	outPool.mu.Unlock()
}

func testOutputOrder(t *testing.T) {
	before := waitBlocksFree(t, "before")
	sizes := []int{10, outBlockMin, 100, outBlockSize, outBlockSize + 1, 3*outBlockSize + 5,
		copyUnlocked + 3, 5, outBlockMin - 1, 200000, outBlockSize - 1}
	total, blocks := 0, 0
	for r := range 6 {
		for _, n := range sizes {
			total += n + r
			blocks += blocksFor(n + r)
		}
	}
	port, got := receiveAll(t, total)
	s, q := connectToPort(t, port)
	want := make([]byte, 0, total)
	buf := make([]byte, 4*outBlockSize)
	unflushed := 0
	for r := range 6 {
		for i, n := range sizes {
			n += r
			for k := range buf[:n] {
				buf[k] = byte(len(want) + k*3 + r)
			}
			if err := s.WriteBytes(buf[:n], 0, 0); err != nil {
				t.Fatal(err)
			}
			want = append(want, buf[:n]...)
			clear(buf[:n]) // the socket has its own copy
			unflushed += n
			if (i+r)%3 != 0 {
				continue
			}
			if p := s.BytesPending(); p < unflushed {
				t.Fatalf("bytesPending %d before the flush of %d written bytes", p, unflushed)
			}
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
			unflushed = 0
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	waitReceived(t, got, want, 30*time.Second)
	waitAvailable(t, s, q, 1)
	after := waitBlocksFree(t, "after the upload was received")
	if taken := after.taken - before.taken; before.huge && taken < uint64(blocks) {
		t.Fatalf("%d output blocks taken for writes that need %d", taken, blocks)
	}
	if s.BytesPending() != 0 {
		t.Fatalf("%d bytes still pending", s.BytesPending())
	}
}

// Sequential uploads reuse the blocks (and arena) the first one mapped
// instead of mapping new memory each time.
func TestOutputBlocksAreReused(t *testing.T) {
	const rounds = 40
	before := waitBlocksFree(t, "before")
	if !before.huge {
		t.Skip("output blocks are Go heap memory here (no transparent huge pages)")
	}
	port, got := receiveAll(t, rounds*outBlockSize)
	s, _ := connectToPort(t, port)
	b := make([]byte, outBlockSize)
	for range rounds {
		if err := s.WriteBytes(b, 0, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		waitBlocksFree(t, "after a flush")
	}
	if b := <-got; b == nil {
		t.Fatal("the server did not receive everything")
	}
	after := outBlockCounts()
	if after.taken-before.taken != rounds {
		t.Fatalf("%d blocks taken for %d writes of one block", after.taken-before.taken, rounds)
	}
	if mapped := after.mapped - before.mapped; mapped > 1 {
		t.Fatalf("%d arenas mapped for %d uploads of one block each, one after the other", mapped, rounds)
	}
}

// Blocks of bytes written but not flushed are released by close at once;
// blocks flushed to a peer that goes away are released when the writes
// fail; a write racing a close releases its blocks too.
func TestOutputBlocksAreReleasedOnCloseAndErrors(t *testing.T) {
	waitBlocksFree(t, "before")
	big := make([]byte, 3*outBlockSize)

	t.Run("unflushed, then close", func(t *testing.T) {
		port, _ := receiveAll(t, 1)
		s, _ := connectToPort(t, port)
		if err := s.WriteBytes(big, 0, 0); err != nil {
			t.Fatal(err)
		}
		if st := outBlockCounts(); st.huge && st.live != 3 {
			t.Fatalf("%d blocks in use after writing three blocks' worth", st.live)
		}
		if s.BytesPending() != len(big) {
			t.Fatalf("bytesPending %d, wrote %d", s.BytesPending(), len(big))
		}
		s.Close()
		if st := outBlockCounts(); st.live != 0 {
			t.Fatalf("%d blocks in use after close discarded the unflushed bytes", st.live)
		}
	})

	t.Run("the peer goes away", func(t *testing.T) {
		port := testServer(t, func(c *tls.Conn) {
			time.Sleep(100 * time.Millisecond)
			c.NetConn().Close() // no TLS close, no reading: the writes fail
		})
		s, q := connectToPort(t, port)
		for i := 0; i < 256; i++ { // 24 MiB, far more than the kernel buffers
			if s.WriteBytes(big, 0, 0) != nil || s.Flush() != nil {
				break // the peer's close was seen
			}
		}
		waitFor(t, q, 20*time.Second, EventClose)
		waitBlocksFree(t, "after the connection broke")
	})

	t.Run("flushed, closed, then the peer goes away", func(t *testing.T) {
		port := testServer(t, func(c *tls.Conn) {
			time.Sleep(300 * time.Millisecond)
			c.NetConn().Close()
		})
		s, _ := connectToPort(t, port)
		for range 64 {
			s.WriteBytes(big, 0, 0)
			s.Flush()
		}
		s.Close() // the writer is still sending what was flushed
		waitBlocksFree(t, "after the closed connection broke")
	})
}

// Threads writing large blocks while another closes the socket (run with
// -race): nothing is lost track of, every block comes back. Every other
// round the peer starts reading late, so that flushes pile up in the
// backlog while the sender goroutine writes it.
func TestOutputBlocksConcurrentWritesAndClose(t *testing.T) {
	waitBlocksFree(t, "before")
	for round := range 8 {
		port := testServer(t, func(c *tls.Conn) {
			if round%2 == 1 {
				time.Sleep(20 * time.Millisecond)
			}
			io.Copy(io.Discard, c)
		})
		s, _ := connectToPort(t, port)
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := make([]byte, outBlockSize+w*1000)
				for i := 0; i < 100; i++ {
					if s.WriteBytes(b, 0, 0) != nil {
						return // closed
					}
					if i%3 == 0 && s.Flush() != nil {
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(round) * 3 * time.Millisecond)
		s.Close()
		wg.Wait()
		waitBlocksFree(t, "after close")
	}
}

// Once uploads are over the arenas go back to the system: at most
// outIdleArenas stay mapped, and none outIdleFor after the last use.
func TestOutputArenasGoBackToTheSystem(t *testing.T) {
	if !outBlockCounts().huge {
		t.Skip("output blocks are Go heap memory here (no transparent huge pages)")
	}
	const total = 16 << 20 // more than the idle arenas hold
	port, got := receiveAll(t, total)
	s, q := connectToPort(t, port)
	b := make([]byte, outBlockSize)
	for off := 0; off < total; off += len(b) {
		s.WriteBytes(b, 0, 0)
		s.Flush()
	}
	if b := <-got; b == nil {
		t.Fatal("the server did not receive everything")
	}
	waitAvailable(t, s, q, 1)
	s.Close()
	if st := waitBlocksFree(t, "after the upload"); st.arenas > outIdleArenas {
		t.Fatalf("%d arenas still mapped with no block in use", st.arenas)
	}
	deadline := time.Now().Add(outIdleFor + 20*time.Second)
	for outBlockCounts().arenas > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle arenas still mapped long after the last upload", outBlockCounts().arenas)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Flushes that the host's thread encrypts while the kernel is full wait in
// the connection's backlog: they count in bytesPending until they are
// written, outputProgress reaches zero pending with every byte counted
// once, the bytes arrive whole and in order, and the backlog's blocks come
// back.
func TestBacklogCountsAsPending(t *testing.T) {
	const total = 32 << 20 // far more than the kernel buffers on loopback
	waitBlocksFree(t, "before")
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	got := make(chan []byte, 1)
	port := testServer(t, func(c *tls.Conn) {
		<-release // the client fills the buffers meanwhile
		b := make([]byte, total)
		if _, err := io.ReadFull(c, b); err != nil {
			b = nil
		}
		got <- b
		c.Write([]byte{1})
	})
	s, q := connectToPort(t, port)
	t.Cleanup(open) // before the server's cleanup waits for its handler
	want := make([]byte, total)
	for i := range want {
		want[i] = byte(i * 13 >> 8)
	}
	for off := 0; off < total; off += outBlockSize {
		if err := s.WriteBytes(want[off:off+outBlockSize], 0, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if p := s.BytesPending(); p < total/4 {
		t.Fatalf("bytesPending %d after flushing %d bytes to a peer that reads nothing", p, total)
	}
	open()
	waitReceived(t, got, want, 60*time.Second)
	// Every outputProgress: pending never grows, total is what was
	// written; the last says nothing is pending.
	var last Event
	deadline := time.Now().Add(20 * time.Second)
	for last.BytesPending != 0 || last.Type != EventOutputProgress {
		e, ok := q.Wait(time.Until(deadline))
		if !ok {
			t.Fatalf("no outputProgress with nothing pending (last %+v, bytesPending %d)", last, s.BytesPending())
		}
		if e.Type != EventOutputProgress {
			continue
		}
		if e.BytesTotal > total {
			t.Fatalf("outputProgress total %d for %d bytes written", e.BytesTotal, total)
		}
		last = e
	}
	if last.BytesTotal != total {
		t.Fatalf("last outputProgress: total %d, want %d", last.BytesTotal, total)
	}
	if s.BytesPending() != 0 {
		t.Fatalf("bytesPending %d after everything was received", s.BytesPending())
	}
	s.Close()
	waitBlocksFree(t, "after close")
}

// Close right after flushes that wait in the backlog (the peer reads late)
// still delivers every flushed byte, in order, then close_notify; the
// unflushed bytes are not sent.
func TestCloseDeliversTheBacklog(t *testing.T) {
	const total = 16 << 20
	waitBlocksFree(t, "before")
	got := make(chan []byte, 1)
	port := testServer(t, func(c *tls.Conn) {
		time.Sleep(100 * time.Millisecond)
		b, err := io.ReadAll(c) // nil error: the stream ended with close_notify
		if err != nil {
			b = nil
		}
		got <- b
	})
	s, _ := connectToPort(t, port)
	want := make([]byte, total)
	for i := range want {
		want[i] = byte(i*7 + i>>16)
	}
	for off := 0; off < total; off += outBlockSize {
		s.WriteBytes(want[off:off+outBlockSize], 0, 0)
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if s.BytesPending() == 0 {
		t.Fatal("nothing pending: the test would prove nothing")
	}
	s.WriteBytes(make([]byte, outBlockSize), 0, 0) // never flushed
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		if b == nil {
			t.Fatal("the stream did not end with close_notify")
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("the server got %d bytes, want the %d flushed, in order", len(b), total)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server saw no close")
	}
	waitBlocksFree(t, "after close")
}

// A flush of a length and then a large block (two segments: the small-write
// buffer and an output block) on an idle link is written by Flush itself,
// whole: nothing is pending when it returns.
func TestLengthAndBlockFlushIsWrittenByTheCaller(t *testing.T) {
	if !directWrites {
		t.Skip("no non-blocking writes here")
	}
	s, q := connected(t, "echo")
	s.WriteUnsignedInt(outBlockSize)
	s.WriteBytes(make([]byte, outBlockSize), 0, 0)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if p := s.BytesPending(); p != 0 {
		t.Fatalf("%d bytes pending after a flush of %d bytes on an idle link", p, 4+outBlockSize)
	}
	waitAvailable(t, s, q, 4+outBlockSize)
}
