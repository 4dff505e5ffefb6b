package core

import (
	"bytes"
	"testing"
	"time"
)

// A Queue's wait after a stream's batch pauses (Queue.pause): a download
// read as fast as the host can takes its records in batches through the
// pauses, and nothing is lost, reordered or held back, a reply after the
// stream included.
func TestQueueWaitPausesInAStream(t *testing.T) {
	s, q := connected(t, "source")
	if !hostDriven(s) {
		t.Skip("this system's Queue does not pump input")
	}
	if pauseTime <= 0 {
		t.Skip("no pause here (one processor, or SECURESOCKET_SPIN_US=0)")
	}
	s.SetEventMask(MaskOf(EventSocketData)) // no outputProgress to end the waits
	// The lab's pattern (checkPattern), compared with bytes.Equal: a
	// byte-by-byte check would make the host slower than the stream.
	pattern := make([]byte, 1<<20+251)
	for i := range pattern {
		pattern[i] = byte(i % 251)
	}
	waits := 0
	read := func(total int) {
		t.Helper()
		buf := make([]byte, 1<<20)
		deadline := time.Now().Add(30 * time.Second)
		for got := 0; got < total; {
			n, err := s.ReadBytesInto(buf[:min(len(buf), total-got)], 0)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf[:n], pattern[got%251:got%251+n]) {
				checkPattern(t, buf[:n], got) // says where
			}
			got += n
			if n == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d bytes in 30 s", got, total)
				}
				waits++
				q.Wait(time.Second)
			}
		}
	}
	before := q.host.pauses.Load()
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(32 << 20)
	s.Flush()
	read(32 << 20)
	// A host slower than the stream (the race detector's) never waits.
	pauses := q.host.pauses.Load() - before
	t.Logf("%d waits, %d pauses", waits, pauses)
	if waits >= 10 && pauses == 0 {
		t.Errorf("32 MiB read as fast as they came: %d waits, none paused", waits)
	}
	// The stream ended: a pause finds nothing and the wait still blocks
	// until the next reply, which arrives whole.
	for i := 0; i < 5; i++ {
		start := time.Now()
		s.WriteUnsignedInt(0)
		s.WriteUnsignedInt(100)
		s.Flush()
		read(100)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("a 100-byte reply after the stream took %v", d)
		}
	}
}
