package core

import "golang.org/x/sys/unix"

// rawWrite is send(2) with MSG_NOSIGNAL: a peer that is gone gives EPIPE,
// never a SIGPIPE on the host's thread. more adds MSG_MORE: the kernel
// holds the bytes for what follows at once (close_notify for the FIN of
// the close that follows it: one segment, one wake-up of the peer).
func rawWrite(fd int, p []byte, more bool) (int, error) {
	flags := unix.MSG_NOSIGNAL
	if more {
		flags |= unix.MSG_MORE
	}
	return unix.SendmsgN(fd, p, nil, nil, flags)
}
