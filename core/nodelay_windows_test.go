package core

import (
	"syscall"
	"testing"
)

// kernelNoDelay reads TCP_NODELAY of the socket's connection from the
// kernel (the handle is a SOCKET on Windows).
func kernelNoDelay(t *testing.T, s *Socket) bool {
	t.Helper()
	h := s.NativeHandle()
	if h < 0 {
		t.Fatal("no native handle")
	}
	v, err := syscall.GetsockoptInt(syscall.Handle(h), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
	if err != nil {
		t.Fatal(err)
	}
	return v != 0
}
