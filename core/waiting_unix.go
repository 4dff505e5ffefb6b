//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package core

import (
	"net"

	"golang.org/x/sys/unix"
)

// kernelBuffered returns a function that says how many received bytes wait
// in the kernel for c (FIONREAD, which is SIOCINQ on Linux), or 0 when that
// cannot be known.
func kernelBuffered(c net.Conn) func() int {
	rc := rawConnOf(c)
	if rc == nil {
		return func() int { return 0 }
	}
	return func() int {
		n := 0
		rc.Control(func(fd uintptr) {
			if v, err := unix.IoctlGetInt(int(fd), fionread); err == nil {
				n = v
			}
		})
		return n
	}
}
