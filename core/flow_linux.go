package core

import "golang.org/x/sys/unix"

// rawWrite is send(2) with MSG_NOSIGNAL: a peer that is gone gives EPIPE,
// never a SIGPIPE on the host's thread.
func rawWrite(fd int, p []byte) (int, error) {
	return unix.SendmsgN(fd, p, nil, nil, unix.MSG_NOSIGNAL)
}
