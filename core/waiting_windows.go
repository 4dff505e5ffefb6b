//go:build windows

package core

import (
	"net"
	"unsafe"

	"golang.org/x/sys/windows"
)

// fionread is Winsock's FIONREAD: _IOR('f', 127, u_long).
const fionread = 0x4004667f

// kernelBuffered returns a function that says how many received bytes wait
// in the kernel for c (WSAIoctl FIONREAD), or 0 when that cannot be known.
func kernelBuffered(c net.Conn) func() int {
	rc := rawConnOf(c)
	if rc == nil {
		return func() int { return 0 }
	}
	return func() int {
		n := 0
		rc.Control(func(fd uintptr) {
			var v uint32
			var got uint32
			if windows.WSAIoctl(windows.Handle(fd), fionread, nil, 0,
				(*byte)(unsafe.Pointer(&v)), uint32(unsafe.Sizeof(v)), &got, nil, 0) == nil {
				n = int(v)
			}
		})
		return n
	}
}
