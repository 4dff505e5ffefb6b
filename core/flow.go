package core

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// linkConn is what a link reads from and writes to: a *tls.Conn, or the TCP
// connection itself for a socket without TLS. Nothing in the data path
// needs more than this.
type linkConn interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Close() error
	SetWriteDeadline(t time.Time) error
}

// flowConn is the TCP connection under TLS. While the host's thread writes a
// flush itself (Flush on an idle link), Write must not block: it hands the
// kernel what it takes at once and keeps the rest (ciphertext) in backlog,
// which the writer goroutine then sends. At any other time it is the plain
// blocking connection, which sends a backlog first: TLS may also write from
// the reader (a KeyUpdate answer) and from Close (close_notify), and the
// bytes must reach the wire in the order TLS produced them.
type flowConn struct {
	net.Conn
	try     func(p []byte) (int, error) // one write(2) that never waits; nil where unsupported
	direct  atomic.Bool                 // the host thread is writing: never block
	mu      sync.Mutex                  // orders writes and guards backlog
	backlog []byte                      // what the kernel did not take during a direct write
	eof     atomic.Bool                 // the TCP stream ended (TLS may have read a close_notify before)
}

// Read reads the TCP stream and remembers its end: crypto/tls reports a
// stream that ends on a record boundary without close_notify as io.EOF,
// like a clean close, and only reading the end of TCP tells them apart (TLS
// stops reading at a close_notify).
func (c *flowConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err == io.EOF {
		c.eof.Store(true)
	}
	return n, err
}

func newFlowConn(c net.Conn) *flowConn {
	return &flowConn{Conn: c, try: tryWriter(c)}
}

func (c *flowConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.backlog) > 0 {
		if c.direct.Load() {
			c.backlog = append(c.backlog, p...)
			return len(p), nil
		}
		if err := c.sendBacklogLocked(); err != nil {
			return 0, err
		}
	}
	if !c.direct.Load() {
		return c.Conn.Write(p)
	}
	n, err := c.try(p)
	if err != nil {
		return n, err
	}
	if n < len(p) {
		c.backlog = append([]byte(nil), p[n:]...)
	}
	return len(p), nil
}

// hasBacklog says whether a direct write left bytes behind.
func (c *flowConn) hasBacklog() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.backlog) > 0
}

// sendBacklog writes what a direct write left, blocking; the writer
// goroutine calls it first.
func (c *flowConn) sendBacklog() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendBacklogLocked()
}

func (c *flowConn) sendBacklogLocked() error {
	b := c.backlog
	c.backlog = nil
	if len(b) == 0 {
		return nil
	}
	_, err := c.Conn.Write(b)
	return err
}
