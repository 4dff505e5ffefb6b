//go:build linux

package core

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// The pollQueue of hostread_test.go keeps watching its sockets for as long
// as they are open, as the C ABI's sink does: its host-driven links leave
// Go's network poller, so every host-driven test runs the detached path.
func (p *pollQueue) DetachGoPoller() bool { return true }

// inGoPoller says whether fd is in Go's epoll set (as fdinfo lists it).
func inGoPoller(t *testing.T, fd uintptr) bool {
	t.Helper()
	if goPoller.fd < 0 {
		t.Fatal("Go's epoll set was not found")
	}
	return hasMember(goPoller.fd, int(fd))
}

// A host-driven link of a sink that keeps watching leaves Go's poller; a
// link read by a goroutine (a plain Queue) stays in it. Both carry
// round trips.
func TestHostDrivenLinkLeavesGoPoller(t *testing.T) {
	if noDetach {
		t.Skip("SECURESOCKET_GOPOLLER=keep")
	}
	p := newPollQueue(t, true)
	s := hostConnected(t, p, "echo")
	plain, q := connected(t, "echo")
	s.mu.Lock()
	fd, detached := s.link.fd(), s.link.flow.detached.Load()
	s.mu.Unlock()
	plain.mu.Lock()
	plainFD := plain.link.fd()
	plain.mu.Unlock()
	if !detached || inGoPoller(t, fd) {
		t.Fatalf("host-driven link: detached %v, in Go's poller %v", detached, inGoPoller(t, fd))
	}
	if !inGoPoller(t, plainFD) {
		t.Fatal("a goroutine-read link is not in Go's poller (or fdinfo is misread)")
	}
	for i := 0; i < 50; i++ {
		for _, c := range []struct {
			s *Socket
			q *Queue
		}{{s, p.Queue}, {plain, q}} {
			msg := []byte{byte(i), 7, 7, byte(255 - i)}
			c.s.WriteBytes(msg, 0, 0)
			c.s.Flush()
			waitAvailable(t, c.s, c.q, len(msg))
			if got, err := c.s.ReadBytes(0); err != nil || string(got) != string(msg) {
				t.Fatalf("trip %d: %v (%v)", i, got, err)
			}
		}
	}
}

// Uploads on a detached link wait for room in poll(2): a flush the writer
// goroutine sends (over directMax) and many direct flushes whose rest the
// sender goroutine sends both arrive whole, then a download.
func TestDetachedLinkUploads(t *testing.T) {
	p := newPollQueue(t, true)
	s := hostConnected(t, p, "sink")
	const n = 16 << 20
	pat := make([]byte, n)
	for i := range pat {
		pat[i] = byte(i % 251)
	}
	for round, chunk := range []int{n, 16 << 10} {
		s.WriteUnsignedInt(0)
		s.WriteUnsignedInt(n)
		for off := 0; off < n; off += chunk {
			s.WriteBytes(pat, uint32(off), uint32(chunk))
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		waitAvailable(t, s, p.Queue, 9)
		hi, _ := s.ReadUnsignedInt()
		lo, _ := s.ReadUnsignedInt()
		ok, _ := s.ReadBoolean()
		if hi != 0 || lo != n || !ok {
			t.Fatalf("round %d: sink counted %d:%d, pattern %v", round, hi, lo, ok)
		}
	}
	s.mu.Lock()
	detached := s.link.flow.detached.Load()
	s.mu.Unlock()
	if !detached && !noDetach {
		t.Fatal("the link did not leave Go's poller")
	}
}

// detachedPair returns a flowConn detached from Go's poller over a TCP
// connection whose peer reads only when told, and the peer.
func detachedPair(t *testing.T) (*flowConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f := newFlowConn(c)
	t.Cleanup(func() { f.Close(); peer.Close() })
	fd, _ := descriptor(c)
	if !f.detachGoPoller(fd) {
		t.Skip("Go's poller cannot be left here")
	}
	if inGoPoller(t, fd) {
		t.Fatal("still in Go's poller")
	}
	return f, peer
}

// returnsWithin runs f and fails if it has not returned within d.
func returnsWithin(t *testing.T, d time.Duration, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s: still waiting after %v", what, d)
		return nil
	}
}

// A detached connection's blocking reads and writes keep net.Conn's rules:
// a deadline ends the wait with os.ErrDeadlineExceeded, data ends a read's
// wait, room ends a write's, and Close ends any wait (at once: it shuts the
// descriptor down; else within the second after which a wait looks again).
func TestDetachedWaits(t *testing.T) {
	big := make([]byte, 64<<20) // more than loopback's buffers hold

	t.Run("write deadline", func(t *testing.T) {
		f, _ := detachedPair(t)
		f.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		start := time.Now()
		err := returnsWithin(t, 10*time.Second, "write", func() error { _, err := f.Write(big); return err })
		if !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) < 250*time.Millisecond {
			t.Fatalf("write to a peer that does not read: %v after %v", err, time.Since(start))
		}
	})
	t.Run("read deadline", func(t *testing.T) {
		f, _ := detachedPair(t)
		f.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		err := returnsWithin(t, 10*time.Second, "read", func() error { _, err := f.Read(make([]byte, 10)); return err })
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read from a silent peer: %v", err)
		}
	})
	t.Run("close ends a write", func(t *testing.T) {
		f, _ := detachedPair(t)
		time.AfterFunc(300*time.Millisecond, func() { f.Close() })
		if err := returnsWithin(t, 5*time.Second, "write", func() error { _, err := f.Write(big); return err }); err == nil {
			t.Fatal("a write cut short by Close reported no error")
		}
	})
	t.Run("close ends a read", func(t *testing.T) {
		f, _ := detachedPair(t)
		time.AfterFunc(300*time.Millisecond, func() { f.Close() })
		if err := returnsWithin(t, 5*time.Second, "read", func() error { _, err := f.Read(make([]byte, 10)); return err }); err == nil {
			t.Fatal("a read cut short by Close reported no error")
		}
	})
	t.Run("data and room", func(t *testing.T) {
		f, peer := detachedPair(t)
		go func() {
			time.Sleep(100 * time.Millisecond)
			peer.Write([]byte("hello"))
			io.Copy(io.Discard, peer) // room for the write below
		}()
		buf := make([]byte, 10)
		n, err := f.Read(buf)
		if err != nil || string(buf[:n]) != "hello" {
			t.Fatalf("read %q, %v", buf[:n], err)
		}
		if n, err := f.Write(big); err != nil || n != len(big) {
			t.Fatalf("wrote %d of %d: %v", n, len(big), err)
		}
	})
	t.Run("the end", func(t *testing.T) {
		f, peer := detachedPair(t)
		time.AfterFunc(100*time.Millisecond, func() { peer.Close() })
		if _, err := f.Read(make([]byte, 10)); err != io.EOF {
			t.Fatalf("read after the peer closed: %v", err)
		}
	})
}

// A TLS connection whose handshake Go's poller served keeps working once
// detached: crypto/tls reads and writes through the waits above.
func TestDetachedTLS(t *testing.T) {
	node, ln := serveOnce(t, func(raw net.Conn, cfg *tls.Config) {
		c := tls.Server(raw, cfg)
		io.Copy(c, c)
	})
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	f := newFlowConn(raw)
	roots := x509.NewCertPool()
	roots.AddCert(node.cert)
	c := tls.Client(f, &tls.Config{ServerName: "localhost", RootCAs: roots})
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	fd, _ := descriptor(raw)
	if !f.detachGoPoller(fd) {
		t.Skip("Go's poller cannot be left here")
	}
	msg := make([]byte, 1<<20)
	for i := range msg {
		msg[i] = byte(i % 251)
	}
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != string(msg) {
		t.Fatalf("echo of 1 MiB: %v", err)
	}
	if err := returnsWithin(t, 5*time.Second, "close", c.Close); err != nil {
		t.Fatal(err)
	}
}
