//go:build unix

package core

import (
	"syscall"
	"testing"
)

// kernelNoDelay reads TCP_NODELAY of the socket's connection from the kernel.
func kernelNoDelay(t *testing.T, s *Socket) bool {
	t.Helper()
	fd := s.NativeHandle()
	if fd < 0 {
		t.Fatal("no native handle")
	}
	v, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
	if err != nil {
		t.Fatal(err)
	}
	return v != 0
}
