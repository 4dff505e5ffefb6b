//go:build linux

package core

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostConnect connects a socket of p (a host-driven sink that lets links
// leave Go's poller, as the C ABI's does) to host:port and returns it with
// the connect's outcome.
func hostConnect(t *testing.T, p *pollQueue, host string, port int, timeoutMS int) (*Socket, Event) {
	t.Helper()
	s := New(p)
	t.Cleanup(func() { s.Close() })
	if timeoutMS > 0 {
		s.SetTimeout(uint32(timeoutMS))
	}
	if err := s.Connect(host, port); err != nil {
		t.Fatal(err)
	}
	e, _ := waitFor(t, p.Queue, 10*time.Second, EventConnect, EventIOError)
	return s, e
}

// connectorIdle waits until the connector thread has no attempt (one of an
// earlier test may still be letting go).
func connectorIdle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		connector.mu.Lock()
		busy := connector.busy
		connector.mu.Unlock()
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the connector stayed busy")
		}
		time.Sleep(time.Millisecond)
	}
}

// A host-driven socket's connect to an IP address runs on the connector
// thread and never joins Go's poller; the link carries round trips. A name
// goes through Go's dialer on a goroutine and ends the same.
func TestConnectorConnects(t *testing.T) {
	if noDetach {
		t.Skip("SECURESOCKET_GOPOLLER=keep")
	}
	p := newPollQueue(t, true)
	port := testServer(t, func(c *tls.Conn) { io.Copy(c, c) })
	for _, host := range []string{"127.0.0.1", "localhost"} {
		connectorIdle(t)
		before := connector.runs.Load()
		s, e := hostConnect(t, p, host, port, 0)
		if e.Type != EventConnect {
			t.Fatalf("%s: %s (%s)", host, e.Type, e.Detail)
		}
		s.mu.Lock()
		fd, detached := s.link.fd(), s.link.flow.detached.Load()
		s.mu.Unlock()
		if !detached || inGoPoller(t, fd) {
			t.Fatalf("%s: detached %v, in Go's poller %v", host, detached, inGoPoller(t, fd))
		}
		want := int64(1)
		if host == "localhost" {
			want = 0
		}
		if ran := connector.runs.Load() - before; ran != want {
			t.Fatalf("%s: the connector ran %d attempts, want %d", host, ran, want)
		}
		echoTrips(t, s, p.Queue, 20)
	}
}

// echoTrips sends n small messages through an echo server, one at a time,
// and checks each reply.
func echoTrips(t *testing.T, s *Socket, q *Queue, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		msg := []byte{byte(i), 1, 2, 3}
		s.WriteBytes(msg, 0, 0)
		s.Flush()
		waitAvailable(t, s, q, len(msg))
		if got, err := s.ReadBytes(0); err != nil || string(got) != string(msg) {
			t.Fatalf("trip %d: %v (%v)", i, got, err)
		}
	}
}

// A Queue's socket connects on the connector thread too, and its link
// stays in Go's poller: Ready hands it to a reader goroutine, which waits
// there.
func TestConnectorQueueSocket(t *testing.T) {
	port := testServer(t, func(c *tls.Conn) { io.Copy(c, c) })
	q := NewQueue()
	s := New(q)
	defer s.Close()
	connectorIdle(t)
	before := connector.runs.Load()
	if err := s.Connect("127.0.0.1", port); err != nil {
		t.Fatal(err)
	}
	if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatalf("%s (%s)", e.Type, e.Detail)
	}
	if ran := connector.runs.Load() - before; ran != 1 {
		t.Fatalf("the connector ran %d attempts, want 1", ran)
	}
	s.mu.Lock()
	fd, detached := s.link.fd(), s.link.flow.detached.Load()
	s.mu.Unlock()
	if detached || !inGoPoller(t, fd) {
		t.Fatalf("a Queue's link: detached %v, in Go's poller %v", detached, inGoPoller(t, fd))
	}
	echoTrips(t, s, q, 1)
	ready := q.Ready() // from now on reader goroutines, in Go's poller
	for i := 1; i < 10; i++ {
		msg := []byte{byte(i), 8, 8}
		s.WriteBytes(msg, 0, 0)
		s.Flush()
		deadline := time.After(10 * time.Second)
		for s.BytesAvailable() < len(msg) {
			select {
			case <-ready:
				for _, ok := q.TryNext(); ok; _, ok = q.TryNext() {
				}
			case <-deadline:
				t.Fatalf("trip %d after Ready: %d bytes available", i, s.BytesAvailable())
			}
		}
		if got, err := s.ReadBytes(0); err != nil || string(got) != string(msg) {
			t.Fatalf("trip %d after Ready: %v (%v)", i, got, err)
		}
	}
}

// A refused connect and a server that never answers the ClientHello end
// with the details a connect through Go's dialer gives.
func TestConnectorFailures(t *testing.T) {
	p := newPollQueue(t, true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	_, e := hostConnect(t, p, "127.0.0.1", closed, 0)
	if e.Type != EventIOError || !strings.Contains(e.Detail, "connection refused") {
		t.Fatalf("refused: %s (%s)", e.Type, e.Detail)
	}
	var d net.Dialer
	_, derr := d.Dial("tcp", "127.0.0.1:"+strconv.Itoa(closed))
	if _, want := classifyConnectError(derr, time.Now()); derr == nil || e.Detail != want {
		t.Fatalf("refused: %q through the connector, %q through Go's dialer (%v)", e.Detail, want, derr)
	}

	silent, accepted := silentServer(t)
	start := time.Now()
	_, e = hostConnect(t, p, "127.0.0.1", silent, 300)
	if e.Type != EventIOError || e.Detail != "timed out after 300 ms" {
		t.Fatalf("silent server: %s (%s)", e.Type, e.Detail)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a 300 ms timeout took %v", d)
	}
	c := <-accepted
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("the timed-out attempt left its connection open: %v", err)
	}
}

// silentServer accepts TCP connections and never answers; it hands each
// one over.
func silentServer(t *testing.T) (int, chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			accepted <- c
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, accepted
}

// close() during the connector's wait ends the attempt at once: its
// connection is closed, no event follows, and the connector takes the next
// attempt. While it waits, other connects run on goroutines.
func TestConnectorCloseAndBusy(t *testing.T) {
	if noDetach {
		t.Skip("SECURESOCKET_GOPOLLER=keep")
	}
	p := newPollQueue(t, true)
	silent, accepted := silentServer(t)
	echo := testServer(t, func(c *tls.Conn) { io.Copy(c, c) })
	s := New(p)
	defer s.Close()
	connectorIdle(t)
	before := connector.runs.Load()
	if err := s.Connect("127.0.0.1", silent); err != nil {
		t.Fatal(err)
	}
	c := <-accepted
	// The connector waits for the silent server: this one runs elsewhere.
	if _, e := hostConnect(t, p, "127.0.0.1", echo, 0); e.Type != EventConnect {
		t.Fatalf("while the connector waits: %s (%s)", e.Type, e.Detail)
	}
	if ran := connector.runs.Load() - before; ran != 1 {
		t.Fatalf("the connector ran %d attempts, want the silent one only", ran)
	}
	start := time.Now()
	s.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("close() left the attempt's connection open: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the interrupted attempt took %v to let go", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		before = connector.runs.Load()
		_, e := hostConnect(t, p, "127.0.0.1", echo, 0)
		if e.Type != EventConnect {
			t.Fatalf("after the close: %s (%s)", e.Type, e.Detail)
		}
		if connector.runs.Load() > before {
			break // the connector is free again
		}
		if time.Now().After(deadline) {
			t.Fatal("the connector never took an attempt again")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if e, ok := p.Queue.TryNext(); ok && e.Type != EventConnect && e.Type != EventClose {
		t.Fatalf("an event after close(): %s (%s)", e.Type, e.Detail)
	}
}

// threads returns the process's number of OS threads.
func threads(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads line in /proc/self/status")
	return 0
}

// A burst of connects that wait for their servers holds no thread each:
// only the connector's attempt waits in poll(2); the others run on
// goroutines that wait in Go's poller.
func TestConnectBurstHoldsNoThreads(t *testing.T) {
	const n = 200
	p := newPollQueue(t, true)
	silent, accepted := silentServer(t)
	before := threads(t)
	socks := make([]*Socket, n)
	for i := range socks {
		socks[i] = New(p)
		socks[i].SetTimeout(20000)
		if err := socks[i].Connect("127.0.0.1", silent); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, s := range socks {
			s.Close()
		}
	}()
	for i := 0; i < n; i++ {
		select {
		case <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d connections reached the server", i, n)
		}
	}
	time.Sleep(100 * time.Millisecond) // every ClientHello sent, every attempt waiting
	if grew := threads(t) - before; grew > n/4 {
		t.Fatalf("%d connects waiting for their server added %d threads", n, grew)
	}
}

// An IPv6 literal connects through the connector too (where the host has
// IPv6 loopback).
func TestConnectorIPv6(t *testing.T) {
	ln, err := tls.Listen("tcp", "[::1]:0", testServerConfig(t))
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	p := newPollQueue(t, true)
	// The test certificate names localhost and 127.0.0.1: the name is
	// refused, after the handshake reached the certificate.
	_, e := hostConnect(t, p, "[::1]", port, 0)
	if e.Type != EventIOError || !strings.Contains(e.Detail, "::1") {
		t.Fatalf("[::1]:%s: %s (%s)", strconv.Itoa(port), e.Type, e.Detail)
	}
}
