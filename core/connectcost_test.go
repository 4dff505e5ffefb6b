package core

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// recordingConn keeps every byte the server read off the wire.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	raw []byte
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.raw = append(c.raw, p[:n]...)
	c.mu.Unlock()
	return n, err
}

// lastRecordType returns the content type of the last whole TLS record in
// raw (TLS 1.2: an alert is type 21 on the wire, unlike TLS 1.3).
func lastRecordType(raw []byte) (byte, bool) {
	var last byte
	found := false
	for len(raw) >= 5 {
		n := 5 + int(raw[3])<<8 + int(raw[4])
		if len(raw) < n {
			break
		}
		last, found = raw[0], true
		raw = raw[n:]
	}
	return last, found && len(raw) == 0
}

// tls12RecordingServer accepts one TLS 1.2 connection, reads until the
// client's close, and reports what it read and the raw bytes.
func tls12RecordingServer(t *testing.T) (port int, done <-chan [2][]byte) {
	t.Helper()
	cfg := testServerConfig(t)
	cfg.MaxVersion = tls.VersionTLS12
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	out := make(chan [2][]byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		rc := &recordingConn{Conn: c}
		tc := tls.Server(rc, cfg)
		tc.SetDeadline(time.Now().Add(20 * time.Second))
		got, _ := io.ReadAll(tc)
		// Whatever TLS left unread (nothing after a close_notify).
		rest, _ := io.ReadAll(c)
		rc.mu.Lock()
		raw := append(append([]byte(nil), rc.raw...), rest...)
		rc.mu.Unlock()
		tc.Close()
		out <- [2][]byte{got, raw}
	}()
	return ln.Addr().(*net.TCPAddr).Port, out
}

// Closing a connection that has nothing left to write (the common close:
// the last flush went out directly) still sends the flushed bytes and then
// a close_notify before the TCP close, now from a kept goroutine instead
// of a writer goroutine.
func TestIdleCloseSendsCloseNotify(t *testing.T) {
	for _, partial := range []bool{false, true} {
		before := idleClosesHere.Load()
		idleClose(t, partial)
		// The Queue pumps the input (hostread.go), so the host's thread
		// closed the link itself.
		if hostReads && idleClosesHere.Load() == before {
			t.Errorf("partial %v: the idle link was not closed by the calling thread", partial)
		}
	}
}

// idleClose connects, sends a message, and closes once the link is idle.
// partial: the kernel takes only the first bytes of what the close writes,
// so a kept goroutine must send the rest of close_notify.
func idleClose(t *testing.T, partial bool) {
	port, done := tls12RecordingServer(t)
	q := NewQueue()
	s := New(q)
	if err := s.Connect("localhost", port); err != nil {
		t.Fatal(err)
	}
	if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	s.WriteUTFBytes("hello")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	// Let the direct write and the pump that follows the connect finish:
	// the link is idle when Close runs (nothing here pumps it again).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		idle := s.link != nil && !s.link.pumping
		if idle && s.link.hostDriven {
			if idle = s.link.pumpMu.TryLock(); idle {
				s.link.pumpMu.Unlock()
			}
		}
		if idle && partial && s.link.flow.try != nil {
			try := s.link.flow.try
			s.link.flow.try = func(p []byte, more bool) (int, error) { return try(p[:min(len(p), 3)], more) }
		}
		s.mu.Unlock()
		if idle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the flush never went out")
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if string(r[0]) != "hello" {
			t.Fatalf("server read %q", r[0])
		}
		typ, whole := lastRecordType(r[1])
		if !whole || typ != 21 {
			t.Fatalf("the stream did not end with an alert record (last type %d, whole records %v)", typ, whole)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server saw no close")
	}
}
