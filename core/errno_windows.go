package core

import "syscall"

// The Winsock codes of the socket errors describeNetError words: on Windows
// a dial or read fails with these (WSAECONNREFUSED, ...), which do not
// match syscall's POSIX-named Errno values there (golang/go#16498).
var (
	errConnRefused = []error{syscall.ECONNREFUSED, syscall.Errno(10061)}
	errConnReset   = []error{syscall.ECONNRESET, syscall.WSAECONNRESET}
	errUnreachable = []error{syscall.EHOSTUNREACH, syscall.ENETUNREACH,
		syscall.Errno(10065), syscall.Errno(10051)} // WSAEHOSTUNREACH, WSAENETUNREACH
)
