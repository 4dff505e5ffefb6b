package core

import "syscall"

// getsockoptInt reads an integer socket option of a NativeHandle (a SOCKET).
func getsockoptInt(fd int64, level, opt int) (int, error) {
	return syscall.GetsockoptInt(syscall.Handle(fd), level, opt)
}
