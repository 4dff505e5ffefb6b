//go:build unix && !linux

package core

import "syscall"

// rawWrite is write(2); Go's runtime turns a SIGPIPE on its own threads into
// EPIPE.
// more is not passed on here.
func rawWrite(fd int, p []byte, _ bool) (int, error) { return syscall.Write(fd, p) }
