//go:build unix

package lab

import (
	"fmt"
	"syscall"
)

// reserveRefusedPort returns a port on 127.0.0.1 that refuses connections and
// stays refused for the lab's lifetime. A socket that is bound but never
// listens makes the kernel answer SYNs with RST, and it keeps the port out of
// the ephemeral range, so no other listener (another test, another lab) can
// take the port and turn "refused" into "connected".
func reserveRefusedPort() (int, func() error, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return 0, nil, fmt.Errorf("lab: refused: socket: %w", err)
	}
	syscall.CloseOnExec(fd)
	release := func() error { return syscall.Close(fd) }
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		release()
		return 0, nil, fmt.Errorf("lab: refused: bind: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		release()
		return 0, nil, fmt.Errorf("lab: refused: getsockname: %w", err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		release()
		return 0, nil, fmt.Errorf("lab: refused: unexpected address %T", sa)
	}
	return in4.Port, release, nil
}
