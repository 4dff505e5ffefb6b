package core

import (
	"crypto/tls"
	"encoding/binary"
	"io"
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
