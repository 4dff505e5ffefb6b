//go:build linux

package core

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// sockPair returns a sockConn connected to a plain TCP connection of the
// test's, through dialDetached as a C host's connect makes it.
func sockPair(t *testing.T) (*sockConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var in interrupter
	c, detached, err := dialDetached(t.Context(), time.Now().Add(5*time.Second), &in,
		netip.MustParseAddrPort(ln.Addr().String()), true, true)
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := c.(*sockConn)
	if !ok || !detached {
		t.Fatalf("a detached connect gave %T (detached %v)", c, detached)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close(); peer.Close() })
	return sc, peer
}

// A sockConn is a net.Conn: addresses, Go's socket defaults, reads and
// writes with deadlines, the end of the stream, and a second Close.
func TestSockConnIsAConn(t *testing.T) {
	sc, peer := sockPair(t)
	if sc.RemoteAddr().String() != peer.LocalAddr().String() || sc.LocalAddr().String() != peer.RemoteAddr().String() {
		t.Fatalf("addresses %v -> %v, the peer sees %v -> %v", sc.LocalAddr(), sc.RemoteAddr(), peer.RemoteAddr(), peer.LocalAddr())
	}
	sc.control(func(fd int) error {
		for _, o := range []struct {
			level, opt, want int
			name             string
		}{
			{unix.IPPROTO_TCP, unix.TCP_NODELAY, 1, "TCP_NODELAY"},
			{unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1, "SO_KEEPALIVE"},
			{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 15, "TCP_KEEPIDLE"},
		} {
			if v, err := unix.GetsockoptInt(fd, o.level, o.opt); err != nil || v != o.want {
				t.Errorf("%s = %d (%v), want %d", o.name, v, err, o.want)
			}
		}
		return nil
	})
	if err := sc.SetNoDelay(false); err != nil {
		t.Fatal(err)
	}
	go peer.Write([]byte("hello"))
	buf := make([]byte, 16)
	if n, err := io.ReadAtLeast(sc, buf, 5); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	big := make([]byte, 8<<20) // more than the socket buffers: Write waits for room
	go func() {
		if _, err := sc.Write(big); err != nil {
			t.Error(err)
		}
	}()
	if n, err := io.ReadFull(peer, big); err != nil {
		t.Fatalf("the peer read %d of %d: %v", n, len(big), err)
	}
	sc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := sc.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a read past its deadline: %v", err)
	}
	sc.SetReadDeadline(time.Time{})
	peer.Close()
	if _, err := sc.Read(buf); err != io.EOF {
		t.Fatalf("a read at the end: %v", err)
	}
	if err := sc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sc.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("a second Close: %v", err)
	}
	if _, err := sc.Read(buf); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("a read after Close: %v", err)
	}
}

// Close while a call holds the descriptor closes it when that call
// returns, not under it: the number is never reused meanwhile.
func TestSockConnClosesAfterTheLastCall(t *testing.T) {
	sc, _ := sockPair(t)
	raw, _ := sc.SyscallConn()
	held := make(chan int)
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		raw.Control(func(fd uintptr) {
			held <- int(fd)
			<-release
			// Still this connection's descriptor.
			if _, err := unix.Getpeername(int(fd)); err != nil {
				t.Errorf("the descriptor went away under a call: %v", err)
			}
		})
	}()
	fd := <-held
	if err := sc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("Close closed the descriptor under a call: %v", err)
	}
	close(release)
	<-done
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
		// The number may have been reused by another test's descriptor
		// meanwhile; this test makes none, and Go's runtime rarely does.
		if _, err := unix.Getpeername(fd); err == nil {
			t.Fatal("the descriptor stayed open after the last call")
		}
	}
	if raw.Control(func(uintptr) {}) == nil {
		t.Fatal("Control ran after Close")
	}
}
