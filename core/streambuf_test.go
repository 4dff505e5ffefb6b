package core

import (
	"runtime"
	"testing"
	"time"
)

// A stream's input buffers are reused, not allocated per batch: a host
// that reads a 32 MiB download as it arrives makes the library allocate a
// small fraction of it. Input buffers dropped whenever the stream drained
// and grown again for the next batch allocated more than the stream itself
// (378 MiB per 256 MiB read by Python), which the process then faults in
// afresh. Go's allocation counter, not time or RSS, so load does not matter.
func TestStreamBuffersAreReused(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	s, q := connected(t, "source")
	const total = 32 << 20
	buf := make([]byte, 1<<20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(total)
	s.Flush()
	deadline := time.Now().Add(30 * time.Second)
	for got := 0; got < total; {
		n, err := s.ReadBytesInto(buf, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i += 4093 {
			if buf[i] != byte((got+i)%251) {
				t.Fatalf("byte %d = %d", got+i, buf[i])
			}
		}
		got += n
		if n == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("read %d of %d", got, total)
			}
			q.Wait(50 * time.Millisecond)
		}
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d MiB read, %.1f MiB allocated", total>>20, float64(alloc)/(1<<20))
	if alloc > total/12 {
		t.Fatalf("reading %d MiB allocated %.1f MiB: input buffers are not reused", total>>20, float64(alloc)/(1<<20))
	}
}

// records finds TLS record ends in raw input however it is cut: a header
// in pieces, several records in one read, a record across reads.
func TestRecordBoundaries(t *testing.T) {
	rec := func(n int) []byte { return append([]byte{23, 3, 3, byte(n >> 8), byte(n)}, make([]byte, n)...) }
	stream := append(append(append(rec(3), rec(0)...), rec(300)...), rec(1)...)
	for cut := 1; cut <= len(stream); cut++ {
		r := records{track: true}
		ends := 0
		for b := stream; len(b) > 0; {
			k := min(cut, len(b))
			r.start()
			r.feed(b[:k], k)
			ends += r.ends
			b = b[k:]
		}
		if ends != 4 || r.hdrN != 0 || r.left != 0 {
			t.Fatalf("reads of %d: %d ends, state %d/%d", cut, ends, r.hdrN, r.left)
		}
	}
	r := records{track: true}
	r.start()
	buf := make([]byte, 64)
	copy(buf, rec(3))
	r.feed(buf, 8)
	if !r.drySince() {
		t.Fatal("one whole record read short is dry")
	}
	r.start()
	copy(buf, append(rec(1), rec(1)...))
	r.feed(buf, 12)
	if r.drySince() {
		t.Fatal("two records in one read are not dry")
	}
	r.start()
	copy(buf, rec(3))
	r.feed(buf[:8], 8)
	if r.drySince() {
		t.Fatal("a read that filled its buffer is not dry")
	}
}

// A drained stream buffer is lent to other sockets only after the read
// that drained it is done with its bytes: every read that consumes the
// last unread byte returns the right value although the buffer is
// overwritten the moment it is lent (as another socket's decryption would).
func TestStreamBuffersLentAfterTheRead(t *testing.T) {
	lendHook = func(b []byte) { clear(b) }
	t.Cleanup(func() { lendHook = nil })
	s := New(nil)
	load := func(p []byte) {
		s.mu.Lock()
		s.st = stateOpen
		s.in = s.reserveInputLocked(streamMin)[:0]
		s.in = append(s.in, p...)
		s.inR = 0
		if cap(s.in) != streamBufSize {
			t.Fatalf("capacity %d: not a stream buffer", cap(s.in))
		}
		s.mu.Unlock()
	}
	load([]byte{0, 0, 1, 2})
	if v, err := s.ReadUnsignedInt(); err != nil || v != 0x0102 {
		t.Fatalf("readUnsignedInt %#x %v", v, err)
	}
	load([]byte{0, 3, 'a', 'b', 'c'})
	if v, err := s.ReadUTF(); err != nil || v != "abc" {
		t.Fatalf("readUTF %q %v", v, err)
	}
	load([]byte("xyz"))
	if v, err := s.ReadUTFBytes(3); err != nil || v != "xyz" {
		t.Fatalf("readUTFBytes %q %v", v, err)
	}
	load([]byte("mb"))
	if v, err := s.ReadMultiByte(2, "utf-8"); err != nil || v != "mb" {
		t.Fatalf("readMultiByte %q %v", v, err)
	}
	load([]byte{7, 8, 9})
	if b, err := s.ReadBytes(0); err != nil || string(b) != "\x07\x08\x09" {
		t.Fatalf("readBytes %v %v", b, err)
	}
	load([]byte{4, 5})
	dst := make([]byte, 2)
	if n, err := s.ReadBytesInto(dst, 0); err != nil || n != 2 || dst[0] != 4 || dst[1] != 5 {
		t.Fatalf("readBytesInto %v %v", dst, err)
	}
}
