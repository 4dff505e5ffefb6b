//go:build !windows

package core

import "syscall"

// The socket errors describeNetError words (errno_windows.go adds Winsock's).
var (
	errConnRefused = []error{syscall.ECONNREFUSED}
	errConnReset   = []error{syscall.ECONNRESET}
	errUnreachable = []error{syscall.EHOSTUNREACH, syscall.ENETUNREACH}
)
