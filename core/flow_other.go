//go:build !unix

package core

import "net"

// tryWriter: no non-blocking write here; every flush goes to the writer
// goroutine.
func tryWriter(net.Conn) func([]byte, bool) (int, error) { return nil }

// directWrites: every flush goes to the writer goroutine here.
const directWrites = false

// readWaiter: the idle reader waits inside TLS's Read here.
func readWaiter(net.Conn) func() { return nil }

// tryReader: no non-blocking read here; a reader goroutine reads.
func tryReader(net.Conn) func([]byte) (int, error) { return nil }
