//go:build !windows

package core

import "syscall"

// getsockoptInt reads an integer socket option of a NativeHandle.
func getsockoptInt(fd int64, level, opt int) (int, error) {
	return syscall.GetsockoptInt(int(fd), level, opt)
}
