//go:build unix

package core

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// tryWriter returns a write that makes one non-blocking write(2) on c's
// descriptor (Go keeps it non-blocking) and reports what the kernel took:
// 0 and no error when its buffer is full. Nil when c has no descriptor.
func tryWriter(c net.Conn) func([]byte, bool) (int, error) {
	rc := rawConnOf(c)
	if rc == nil {
		return nil
	}
	return func(p []byte, more bool) (int, error) {
		var n int
		var werr error
		err := rc.Write(func(fd uintptr) bool {
			for {
				n, werr = rawWrite(int(fd), p, more)
				if werr != syscall.EINTR {
					return true // done either way: never wait for room
				}
			}
		})
		if err != nil {
			return 0, err
		}
		if errors.Is(werr, syscall.EAGAIN) {
			return 0, nil
		}
		if werr != nil {
			return 0, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: werr}
		}
		return n, nil
	}
}

// readWaiter returns a wait until c's descriptor has something to read (or
// its end, or an error), without reading it: a one-byte MSG_PEEK receive
// that never blocks, retried by Go's network poller whenever the descriptor
// becomes readable. Nil when c has no descriptor.
func readWaiter(c net.Conn) func() {
	rc := rawConnOf(c)
	if rc == nil {
		return nil
	}
	return func() {
		var b [1]byte
		rc.Read(func(fd uintptr) bool {
			for {
				_, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
				if err != unix.EINTR {
					return err != unix.EAGAIN // bytes, the end, or an error: done
				}
			}
		})
	}
}

// directWrites: Flush may write a small flush on the caller's thread.
const directWrites = true

// tryReader returns a read that makes one non-blocking read(2) on c's
// descriptor: os.ErrDeadlineExceeded when nothing waits (crypto/tls keeps
// a partial record across that error, as across any timeout), io.EOF at
// the end of the stream. Nil when c has no descriptor.
func tryReader(c net.Conn) func([]byte) (int, error) {
	rc := rawConnOf(c)
	if rc == nil {
		return nil
	}
	return func(p []byte) (int, error) {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			for {
				n, rerr = unix.Read(int(fd), p)
				if rerr != unix.EINTR {
					return true // done either way: never wait
				}
			}
		})
		switch {
		case err != nil:
			return 0, err
		case rerr == unix.EAGAIN:
			return 0, os.ErrDeadlineExceeded
		case rerr != nil:
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: rerr}
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}
