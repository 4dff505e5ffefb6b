//go:build !unix

package lab

import "net"

// reserveRefusedPort returns a port on 127.0.0.1 where nothing listens. Off
// Unix the port is only closed, not reserved: another listener could take it
// later, which is unlikely within one test run.
func reserveRefusedPort() (int, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, nil, err
	}
	return port, func() error { return nil }, nil
}
