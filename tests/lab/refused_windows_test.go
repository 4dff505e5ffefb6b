//go:build windows

package lab

import "syscall"

// errRefused is what a refused connect returns: Winsock's WSAECONNREFUSED,
// which syscall.ECONNREFUSED (an invented number on Windows) does not match.
var errRefused = syscall.Errno(10061)
