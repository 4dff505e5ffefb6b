package core

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sockConn is a connected TCP socket that Go's network poller never sees:
// the connection of a link whose host drives its input (a C host's, which
// leaves the poller for good, gopoller_linux.go). dialDetached makes one
// for such a link instead of net.FileConn, which would duplicate the
// descriptor, make it non-blocking again, ask the kernel for its type and
// both addresses, and register it in Go's epoll set only for the link to
// leave it at once: eleven system calls per connect, and the registration
// woke the Go thread waiting in that set (edge-triggered: a new, writable
// descriptor is an event), which then took the host's processor.
//
// The descriptor stays non-blocking. Everything that uses it goes through
// its RawConn (flowConn's reads, writes and waits in poll(2)), which holds
// a reference for the call: Close closes the descriptor once no call holds
// it, so a descriptor number is never reused under a wait, as with Go's own
// connections. Read and Write (net.Conn) wait in poll(2) until their
// deadlines; the link does not use them once detached.
type sockConn struct {
	mu      sync.Mutex
	fd      int
	refs    int
	closing bool
	laddr   *net.TCPAddr
	raddr   *net.TCPAddr
	rdl     atomic.Int64 // deadlines, Unix nanoseconds (0: none)
	wdl     atomic.Int64
}

// newSockConn wraps fd, connected to raddr, with Go's defaults for a
// dialed connection: TCP_NODELAY unless noDelay is false, and keep-alive
// probes after 15 s idle, every 15 s, 9 of them (net.KeepAliveConfig).
func newSockConn(fd int, raddr *net.TCPAddr, noDelay bool) (*sockConn, error) {
	c := &sockConn{fd: fd, raddr: raddr}
	if noDelay {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			return nil, os.NewSyscallError("setsockopt", err)
		}
	}
	for _, o := range [...]struct{ level, opt, v int }{
		{unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1},
		{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 15},
		{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, 15},
		{unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 9},
	} {
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.v); err != nil {
			return nil, os.NewSyscallError("setsockopt", err)
		}
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, os.NewSyscallError("getsockname", err)
	}
	c.laddr = sockaddrTCP(sa)
	return c, nil
}

func sockaddrTCP(sa unix.Sockaddr) *net.TCPAddr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: append(net.IP(nil), a.Addr[:]...), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: append(net.IP(nil), a.Addr[:]...), Port: a.Port}
	}
	return &net.TCPAddr{}
}

// acquire returns the descriptor with a reference held; false once Close
// was called.
func (c *sockConn) acquire() (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return -1, false
	}
	c.refs++
	return c.fd, true
}

func (c *sockConn) release() {
	c.mu.Lock()
	c.refs--
	fd := -1
	if c.closing && c.refs == 0 && c.fd >= 0 {
		fd, c.fd = c.fd, -1
	}
	c.mu.Unlock()
	if fd >= 0 {
		unix.Close(fd)
	}
}

// Close closes the descriptor now, or when the last call that holds it
// returns.
func (c *sockConn) Close() error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return c.opErr("close", net.ErrClosed)
	}
	c.closing = true
	fd := -1
	if c.refs == 0 {
		fd, c.fd = c.fd, -1
	}
	c.mu.Unlock()
	if fd >= 0 {
		if err := unix.Close(fd); err != nil {
			return c.opErr("close", os.NewSyscallError("close", err))
		}
	}
	return nil
}

func (c *sockConn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.laddr, Addr: c.raddr, Err: err}
}

// Read is a blocking read until the read deadline.
func (c *sockConn) Read(p []byte) (int, error) {
	var n int
	var rerr error
	err := c.wait(unix.POLLIN, &c.rdl, func(fd int) bool {
		n, rerr = unix.Read(fd, p)
		return rerr != unix.EAGAIN && rerr != unix.EINTR
	})
	switch {
	case err != nil:
		return 0, c.opErr("read", err)
	case rerr != nil:
		return 0, c.opErr("read", os.NewSyscallError("read", rerr))
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}

// Write is a blocking write of all of p until the write deadline.
func (c *sockConn) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		var n int
		var werr error
		err := c.wait(unix.POLLOUT, &c.wdl, func(fd int) bool {
			n, werr = rawWrite(fd, p[done:], false)
			return werr != unix.EAGAIN && werr != unix.EINTR
		})
		if err == nil && werr != nil {
			err = os.NewSyscallError("write", werr)
		}
		if err != nil {
			return done, c.opErr("write", err)
		}
		done += n
	}
	return done, nil
}

// wait calls f until it says it is done, waiting in poll(2) for events in
// between (a call that would block or was interrupted is not done), until
// the deadline.
func (c *sockConn) wait(events int16, deadline *atomic.Int64, f func(fd int) bool) error {
	fd, ok := c.acquire()
	if !ok {
		return net.ErrClosed
	}
	defer c.release()
	for {
		if f(fd) {
			return nil
		}
		now := time.Now().UnixNano()
		d := deadline.Load()
		if d != 0 && now >= d {
			return os.ErrDeadlineExceeded
		}
		pollWait(uintptr(fd), events, d, now)
		c.mu.Lock()
		closing := c.closing
		c.mu.Unlock()
		if closing {
			return net.ErrClosed
		}
	}
}

func (c *sockConn) LocalAddr() net.Addr  { return c.laddr }
func (c *sockConn) RemoteAddr() net.Addr { return c.raddr }

func (c *sockConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *sockConn) SetReadDeadline(t time.Time) error {
	c.rdl.Store(unixNano(t))
	return nil
}

func (c *sockConn) SetWriteDeadline(t time.Time) error {
	c.wdl.Store(unixNano(t))
	return nil
}

// SetNoDelay is net.TCPConn's.
func (c *sockConn) SetNoDelay(on bool) error {
	v := 0
	if on {
		v = 1
	}
	return c.control(func(fd int) error { return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, v) })
}

func (c *sockConn) control(f func(fd int) error) error {
	fd, ok := c.acquire()
	if !ok {
		return c.opErr("set", net.ErrClosed)
	}
	defer c.release()
	if err := f(fd); err != nil {
		return c.opErr("set", os.NewSyscallError("setsockopt", err))
	}
	return nil
}

// SyscallConn gives the descriptor to the link's reads, writes and waits
// (flowConn), with a reference held during each call.
func (c *sockConn) SyscallConn() (syscall.RawConn, error) { return sockRaw{c}, nil }

type sockRaw struct{ c *sockConn }

func (r sockRaw) Control(f func(fd uintptr)) error {
	fd, ok := r.c.acquire()
	if !ok {
		return net.ErrClosed
	}
	defer r.c.release()
	f(uintptr(fd))
	return nil
}

// Read and Write call f until it reports done, waiting in poll(2) for the
// descriptor in between (without a deadline: the link's own calls are
// done at once, or wait in poll themselves).
func (r sockRaw) Read(f func(fd uintptr) bool) error {
	var never atomic.Int64
	return r.c.wait(unix.POLLIN, &never, func(fd int) bool { return f(uintptr(fd)) })
}

func (r sockRaw) Write(f func(fd uintptr) bool) error {
	var never atomic.Int64
	return r.c.wait(unix.POLLOUT, &never, func(fd int) bool { return f(uintptr(fd)) })
}

var _ interface {
	net.Conn
	syscall.Conn
	SetNoDelay(bool) error
} = (*sockConn)(nil)
