package core

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

// BenchmarkDownload moves bulk data from the lab's source server through the
// core (socketData events, ReadBytesInto a caller buffer) and, side by side
// in the same run, through plain crypto/tls (io.ReadFull into the same kind
// of buffer). Compare the MB/s of the two sub-benchmarks:
//
//	go test -run '^$' -bench Download -count 5 ./core/
func BenchmarkDownload(b *testing.B) {
	const chunk = 32 << 20
	b.Run("core", func(b *testing.B) {
		s, q := connected(b, "source")
		buf := make([]byte, 256<<10)
		b.SetBytes(chunk)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.WriteUnsignedInt(0)
			s.WriteUnsignedInt(chunk)
			s.Flush()
			for got := 0; got < chunk; {
				n, err := s.ReadBytesInto(buf, 0)
				if err != nil {
					b.Fatal(err)
				}
				got += n
				if n == 0 {
					q.Wait(time.Second)
				}
			}
		}
	})
	b.Run("crypto-tls", func(b *testing.B) {
		c, err := tls.Dial("tcp", "localhost:"+strconv.Itoa(labPorts["source"]), &tls.Config{ServerName: "localhost"})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		buf := make([]byte, 256<<10)
		req := binary.BigEndian.AppendUint64(nil, chunk)
		b.SetBytes(chunk)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c.Write(req)
			for got := 0; got < chunk; {
				n, err := c.Read(buf)
				if err != nil && err != io.EOF {
					b.Fatal(err)
				}
				got += n
			}
		}
	})
}

// TestDownloadSideBySide is the benchmark harness behind `make bench-go`:
// it alternates the two clients round by round (so machine noise hits both
// alike) and prints each round and the median ratio. It runs only when
// SECURESOCKET_BENCH=1.
func TestDownloadSideBySide(t *testing.T) {
	if os.Getenv("SECURESOCKET_BENCH") != "1" {
		t.Skip("set SECURESOCKET_BENCH=1 to run the side-by-side benchmark")
	}
	const chunk = 64 << 20
	const rounds = 15
	s, q := connected(t, "source")
	buf := make([]byte, 256<<10)
	viaCore := func() time.Duration {
		start := time.Now()
		s.WriteUnsignedInt(0)
		s.WriteUnsignedInt(chunk)
		s.Flush()
		for got := 0; got < chunk; {
			n, err := s.ReadBytesInto(buf, 0)
			if err != nil {
				t.Fatal(err)
			}
			got += n
			if n == 0 {
				q.Wait(time.Second)
			}
		}
		return time.Since(start)
	}
	c, err := tls.Dial("tcp", "localhost:"+strconv.Itoa(labPorts["source"]), &tls.Config{ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := binary.BigEndian.AppendUint64(nil, chunk)
	viaTLS := func() time.Duration {
		start := time.Now()
		c.Write(req)
		for got := 0; got < chunk; {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
		return time.Since(start)
	}
	viaCore()
	viaTLS() // warm up both
	mbps := func(d time.Duration) float64 { return chunk / d.Seconds() / 1e6 }
	var ratios []float64
	for r := 0; r < rounds; r++ {
		a, b := viaCore(), viaTLS()
		if r%2 == 1 {
			b, a = viaTLS(), viaCore()
		}
		ratios = append(ratios, mbps(a)/mbps(b))
		fmt.Printf("round %d: core %7.1f MB/s   crypto/tls %7.1f MB/s   ratio %.3f\n", r+1, mbps(a), mbps(b), mbps(a)/mbps(b))
	}
	sort.Float64s(ratios)
	fmt.Printf("download %d MiB x %d rounds: median ratio core/crypto-tls = %.3f (min %.3f, max %.3f)\n",
		chunk>>20, rounds, ratios[rounds/2], ratios[0], ratios[rounds-1])
}
