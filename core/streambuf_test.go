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
		t.Skip("the race detector makes sync.Pool drop buffers on purpose")
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
