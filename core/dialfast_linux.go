package core

import (
	"context"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Connects that Go's network poller never sees (Linux).
//
// A host-driven link leaves Go's poller after its handshake
// (gopoller_linux.go). Before, its connect and handshake still went through
// it: net.Dialer registers the new descriptor, parks the goroutine until the
// connect completes, starts a goroutine that watches the context, and each
// wait of the handshake parks the goroutine again; each park and wake-up is
// scheduler work, often a thread woken to spin and sleep again, and a Go
// thread idle in the poller wakes for the descriptor's events. Measured in
// plain crypto/tls (3,000 resumed reconnects with a 64-byte round trip each,
// perf stat, 3 runs and 2): 10.0-11.0 context switches and 371-383 µs of CPU
// per reconnect through net.Dial, 4.7 and 294-297 µs with the connect and
// the handshake's waits in poll(2) on the connecting thread (docs/benchmarks.md, "Reconnects").
//
// So the connector thread (connector_linux.go) connects to an IP address
// itself: a non-blocking connect(2), poll(2) until it completes, bounded by
// the attempt's deadline and ended by its interrupter (deadline.go). The
// handshake then waits in poll(2) too (flowConn.waitFor). A C host's
// connection never joins Go's poller: it is a sockConn (sockconn_linux.go).
// A Queue's becomes Go's connection type (net.FileConn), registered in the
// poller and used through it after the handshake (Ready may hand its links
// to reader goroutines, which wait there). A host name
// keeps Go's dialer: it races IPv6 and IPv4 (RFC 6555), and looking the
// name up costs more than the poller does.

// dialAddrPort returns host:port as an address when host is an IP literal
// (with or without brackets).
func dialAddrPort(host string, port int) (netip.AddrPort, bool) {
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" || noDetach {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), true
}

// dialDetached connects to ap, bounded by deadline and ended by intr, as
// net.Dialer would (with its defaults: TCP_NODELAY, keep-alive every 15 s;
// noDelay false turns Nagle's algorithm back on). With detach the
// connection never joins Go's poller (a C host's socket: a sockConn, and
// detached is true); without, it is Go's, in the poller. Errors are worded
// as the dialer's: a *net.OpError around the system call's.
func dialDetached(ctx context.Context, deadline time.Time, intr *interrupter, ap netip.AddrPort, noDelay, detach bool) (c net.Conn, detached bool, err error) {
	addr := net.TCPAddrFromAddrPort(ap)
	fail := func(call string, errno error) error {
		if call != "" {
			errno = os.NewSyscallError(call, errno)
		}
		return &net.OpError{Op: "dial", Net: "tcp", Addr: addr, Err: errno}
	}
	family := unix.AF_INET
	var sa unix.Sockaddr
	if ap.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, false, fail("socket", err)
	}
	defer func() {
		if fd >= 0 {
			unix.Close(fd)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, false, fail("", err)
	}
	switch err = unix.Connect(fd, sa); err {
	case nil:
	case unix.EINPROGRESS, unix.EINTR, unix.EALREADY:
		if !intr.set(func() { unix.Shutdown(fd, unix.SHUT_RDWR) }) {
			return nil, false, fail("", context.Canceled)
		}
		err := waitConnected(fd, deadline)
		intr.clear()
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return nil, false, fail("", err)
		}
		switch errno, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); {
		case err != nil:
			return nil, false, fail("getsockopt", err)
		case errno != 0:
			return nil, false, fail("connect", unix.Errno(errno))
		}
	default:
		return nil, false, fail("connect", err)
	}
	if detach {
		// A C host's connection never joins Go's poller (sockconn_linux.go).
		sc, err := newSockConn(fd, addr, noDelay)
		if err != nil {
			return nil, false, fail("", err)
		}
		fd = -1 // sc owns it
		return sc, true, nil
	}
	// os.NewFile would register a non-blocking descriptor in Go's poller
	// (and the close below remove it); net.FileConn makes its own
	// non-blocking duplicate.
	if err := unix.SetNonblock(fd, false); err != nil {
		return nil, false, fail("fcntl", err)
	}
	f := os.NewFile(uintptr(fd), "")
	fd = -1 // f owns it
	c, err = net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, false, fail("", err)
	}
	if tcp, ok := c.(*net.TCPConn); ok && !noDelay {
		_ = tcp.SetNoDelay(false)
	}
	return c, false, nil
}

// waitConnected waits until the connect on fd completed (or failed) or the
// deadline passed; an interruption shuts fd down, which ends the wait.
func waitConnected(fd int, deadline time.Time) error {
	d := unixNano(deadline)
	for {
		now := time.Now().UnixNano()
		if d != 0 && now >= d {
			return context.DeadlineExceeded
		}
		if pollWait(uintptr(fd), unix.POLLOUT, d, now) != 0 {
			return nil
		}
	}
}
