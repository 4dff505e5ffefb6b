package core

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"
)

// A cliff guard for memory per connection (issue 8's target is measured by
// `make bench`; this only catches a design regression such as a read
// reservation kept per connection or an extra goroutine per connection).
// 200 connections that each sent and received a small message, then went
// idle, are compared with 200 connections of crypto/tls itself to the same
// in-process server: one goroutine per connection at most, and the Go heap
// and stacks they hold at most 16 KiB per connection over crypto/tls's
// (about 4 KiB today). Go's own measures after a collection, not RSS, so
// the machine's load does not matter.
func TestIdleConnectionsStaySmall(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 400 connections")
	}
	const n = 200
	port := testServer(t, func(c *tls.Conn) {
		b := make([]byte, 64) // a small echo: its buffer counts for both sides
		for {
			n, err := c.Read(b)
			if err != nil {
				return
			}
			c.Write(b[:n])
		}
	})
	msg := []byte("ping")

	pool := x509.NewCertPool()
	pool.AddCert(testCA)
	theirs := func(n int) []io.Closer {
		var held []io.Closer
		for range n {
			c, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{RootCAs: pool, ServerName: "localhost"})
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
			b := make([]byte, len(msg))
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, b); err != nil {
				t.Fatal(err)
			}
		}
		return held
	}
	ours := func(n int) []io.Closer {
		var held []io.Closer
		for range n {
			q := NewQueue()
			s := New(q)
			if err := s.Connect("localhost", port); err != nil {
				t.Fatal(err)
			}
			held = append(held, s)
			if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
				t.Fatal(e.Detail)
			}
			s.WriteBytes(msg, 0, 0)
			s.Flush()
			waitAvailable(t, s, q, len(msg))
			if _, err := s.ReadBytes(len(msg)); err != nil {
				t.Fatal(err)
			}
		}
		return held
	}

	measure := func(open func(int) []io.Closer) (goroutines int, bytes uint64) {
		g0, b0 := goMemory()
		held := open(n)
		time.Sleep(100 * time.Millisecond) // readers hand over to their idle waits
		g1, b1 := goMemory()
		for _, c := range held {
			c.Close()
		}
		return g1 - g0, b1 - b0
	}
	for _, c := range ours(1) { // first use: the trust store, the session cache
		c.Close()
	}
	gTheirs, bTheirs := measure(theirs)
	gOurs, bOurs := measure(ours)
	t.Logf("per connection: crypto/tls %.1f KiB, %d goroutines; securesocket %.1f KiB, %d goroutines (both with the server's side)",
		float64(bTheirs)/n/1024, gTheirs, float64(bOurs)/n/1024, gOurs)
	if gOurs > gTheirs+n+10 {
		t.Errorf("%d goroutines for %d idle connections, crypto/tls %d: more than one per connection", gOurs, n, gTheirs)
	}
	if bOurs > bTheirs+16<<10*n {
		t.Errorf("%d KiB held per idle connection, crypto/tls %d KiB: over the cliff guard of 16 KiB more",
			bOurs/n/1024, bTheirs/n/1024)
	}
}

// goMemory is the number of goroutines and the bytes of live heap and
// goroutine stacks right after a garbage collection.
func goMemory() (int, uint64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return runtime.NumGoroutine(), s[0].Value.Uint64() + s[1].Value.Uint64()
}
