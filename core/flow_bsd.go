//go:build unix && !linux

package core

import "syscall"

// rawWrite is write(2); Go's runtime turns a SIGPIPE on its own threads into
// EPIPE.
func rawWrite(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }
