package core

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
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
	SetReadDeadline(t time.Time) error
}

// flowConn is the TCP connection under TLS. While the host's thread writes a
// flush itself (Flush, directWrite), Write must not block: it hands the
// kernel what it takes at once and keeps the rest (ciphertext) in backlog,
// which the sender goroutine (or the writer goroutine) then sends with
// sendBacklog, without holding mu while it writes, so that the host's next
// direct writes join the backlog meanwhile. At any other time it is the
// plain blocking connection, which sends a backlog first: TLS may also
// write from the reader (a KeyUpdate answer) and from Close
// (close_notify), and the bytes must reach the wire in the order TLS
// produced them. Close releases what is left of the backlog.
type flowConn struct {
	net.Conn
	try     func(p []byte, more bool) (int, error) // one write(2) that never waits (more: MSG_MORE); nil where unsupported
	direct  atomic.Bool                            // the host thread is writing: never block
	mu      sync.Mutex                             // orders writes and guards backlog
	backlog backlog                                // what the kernel did not take during direct writes (outbuf.go)
	sending bool                                   // sendBacklog is writing backlog bytes without the lock
	sentC   sync.Cond                              // on mu: sending ended
	closed  bool                                   // Close was called: the backlog is dropped, nothing joins it
	// added and sent count the backlog's bytes ever queued and ever
	// written: a direct write whose bytes are not all written before
	// added moved are on the wire once sent reaches it (Socket.directWrite).
	// They and queued (the backlog is not empty) are written under mu and
	// read without it, so that the socket's lock never waits for a write.
	added, sent atomic.Uint64
	queued      atomic.Bool
	eof         atomic.Bool // the TCP stream ended (TLS may have read a close_notify before)
	// tryRead is one read(2) that never waits (nil where unsupported);
	// Read uses it while nonblock is set: a host-driven link's pump
	// (hostread.go) reads only what the kernel already holds.
	tryRead  func(p []byte) (int, error)
	nonblock atomic.Bool
	// heldOnly: Read (while nonblock is set) reads nothing from the kernel,
	// so that a pump decrypts only what TLS already holds (readDirect).
	// Owned by the pump, like rec.
	heldOnly bool
	// detached: the descriptor left Go's network poller (gopoller_linux.go):
	// Read and Write wait in poll(2) instead (waitFor), until the deadlines
	// recorded here (Unix nanoseconds, 0: none), or until Close (shut). Also
	// set during the connector's handshake on a descriptor still in Go's
	// poller (a Queue's socket, Socket.dial), and cleared after it.
	detached atomic.Bool
	shut     atomic.Bool
	waiters  atomic.Int32 // in waitFor
	rdl, wdl atomic.Int64
	raw      syscall.RawConn
	// quietClose: link.closeIdle writes close_notify directly (it holds
	// the socket's lock and the pump's: no other write or deadline runs).
	quietClose bool
	// more: a direct write has more records of the same flush to come
	// (corkedWrite): MSG_MORE.
	more atomic.Bool
	// Owned by the pump (it alone reads while nonblock is set): where TLS
	// records end in the raw input, so that the pump can tell it read the
	// kernel dry without another read(2) that fails (see readWaiting).
	rec records
}

// records follows the TLS record boundaries of a connection's raw input,
// from its first byte (track, set when TLS starts on this connection), and
// what the reads since start() saw: how many, whether the last one
// returned less than asked (the kernel held no more at that moment), and
// how many records ended in them.
type records struct {
	track bool
	hdr   [5]byte
	hdrN  int // header bytes of the current record seen
	left  int // body bytes of the current record still to come
	reads int
	short bool
	ends  int
}

func (r *records) start() { r.reads, r.short, r.ends = 0, false, 0 }

// feed accounts for one read of n bytes (p[:n] of a read into p).
func (r *records) feed(p []byte, n int) {
	r.reads++
	r.short = n < len(p)
	for b := p[:n]; len(b) > 0; {
		if r.left > 0 {
			k := min(r.left, len(b))
			r.left -= k
			b = b[k:]
			if r.left == 0 {
				r.ends++
			}
			continue
		}
		k := copy(r.hdr[r.hdrN:], b)
		r.hdrN += k
		b = b[k:]
		if r.hdrN == len(r.hdr) {
			r.hdrN = 0
			r.left = int(r.hdr[3])<<8 | int(r.hdr[4])
			if r.left == 0 {
				r.ends++
			}
		}
	}
}

// drySince says that since start() the raw input was read to the kernel's
// end and to a record boundary, completing exactly one record. TLS reads
// only when its buffer holds no whole record, so after a Read that returned
// data it has consumed that one record and holds nothing more.
func (r *records) drySince() bool {
	return r.track && r.reads > 0 && r.short && r.ends == 1 && r.hdrN == 0 && r.left == 0
}

// Read reads the TCP stream and remembers its end: crypto/tls reports a
// stream that ends on a record boundary without close_notify as io.EOF,
// like a clean close, and only reading the end of TCP tells them apart (TLS
// stops reading at a close_notify).
func (c *flowConn) Read(p []byte) (int, error) {
	var n int
	var err error
	switch {
	case c.nonblock.Load() && c.heldOnly:
		n, err = 0, os.ErrDeadlineExceeded
	case c.nonblock.Load():
		n, err = c.tryRead(p)
	case c.detached.Load():
		n, err = c.readWait(p)
	default:
		n, err = c.Conn.Read(p)
	}
	if c.rec.track {
		if n > 0 {
			c.rec.feed(p, n)
		} else {
			c.rec.reads++ // an empty read proves nothing about the kernel
			c.rec.short = false
		}
	}
	if err == io.EOF {
		c.eof.Store(true)
	}
	return n, err
}

// rawConnOf returns c's raw descriptor access, or nil when c has no
// descriptor (a proxy tunnel's wrapper, a test's pipe).
func rawConnOf(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// handleOf returns c's descriptor (a SOCKET on Windows); false when it has
// none.
func handleOf(c net.Conn) (uintptr, bool) {
	rc := rawConnOf(c)
	if rc == nil {
		return 0, false
	}
	var h uintptr
	ok := false
	if rc.Control(func(d uintptr) { h, ok = d, true }) != nil {
		return 0, false
	}
	return h, ok
}

func newFlowConn(c net.Conn) *flowConn {
	f := &flowConn{Conn: c, try: tryWriter(c), tryRead: tryReader(c), raw: rawConnOf(c)}
	f.sentC.L = &f.mu
	return f
}

func (c *flowConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.direct.Load() {
		if !c.backlog.empty() || c.sending {
			c.addBacklogLocked(p)
			return len(p), nil
		}
		// An idle link's close_notify waits for the FIN of the close
		// that follows (link.closeIdle): one segment.
		n, err := c.try(p, c.quietClose || c.more.Load())
		if err != nil {
			return n, err
		}
		c.addBacklogLocked(p[n:])
		return len(p), nil
	}
	for c.sending {
		c.sentC.Wait()
	}
	if !c.backlog.empty() {
		if err := c.sendSegsLocked(c.takeBacklogLocked()); err != nil {
			return 0, err
		}
	}
	if c.detached.Load() {
		return c.writeWait(p)
	}
	return c.Conn.Write(p)
}

// detachGoPoller takes the connection (descriptor fd) out of Go's network
// poller for good, where the platform allows (gopoller_linux.go). The
// caller guarantees that nothing waits in Go's poller on it meanwhile.
func (c *flowConn) detachGoPoller(fd uintptr) bool {
	if c.detached.Load() {
		return true // it never joined (dialDetached)
	}
	if c.try == nil || c.tryRead == nil || c.raw == nil || !detachGoPoller(fd) {
		return false
	}
	c.detached.Store(true)
	return true
}

// readWait is a blocking Read of a detached connection.
func (c *flowConn) readWait(p []byte) (int, error) {
	for {
		n, err := c.tryRead(p)
		if err != os.ErrDeadlineExceeded { // bytes, the end, or an error
			return n, err
		}
		if err := c.waitFor(pollIn, &c.rdl); err != nil {
			return 0, err
		}
	}
}

// writeWait is a blocking Write of a detached connection.
func (c *flowConn) writeWait(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := c.try(p[n:], false)
		if err != nil {
			return n, err
		}
		if n += m; n < len(p) && m == 0 {
			if err := c.waitFor(pollOut, &c.wdl); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// waitFor waits in poll(2) until the descriptor is ready for events, its
// deadline passes (os.ErrDeadlineExceeded) or Close was called
// (net.ErrClosed). Close shuts the descriptor down first, which ends the
// wait; a wait also looks again every second.
func (c *flowConn) waitFor(events int16, deadline *atomic.Int64) error {
	c.waiters.Add(1)
	defer c.waiters.Add(-1)
	var err error
	cerr := c.raw.Control(func(fd uintptr) {
		for {
			now := time.Now().UnixNano()
			d := deadline.Load()
			switch {
			case d != 0 && now >= d:
				err = os.ErrDeadlineExceeded
				return
			case c.shut.Load():
				err = net.ErrClosed
				return
			}
			if pollWait(fd, events, d, now) != 0 {
				return
			}
		}
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// unixNano is t for the deadlines above: 0 for none.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// SetReadDeadline passes the deadline on and keeps it for readWait.
func (c *flowConn) SetReadDeadline(t time.Time) error {
	c.rdl.Store(unixNano(t))
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline is both deadlines.
func (c *flowConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetWriteDeadline passes the deadline on, except while an idle link's
// close_notify is written directly (quietClose, link.closeIdle): that write
// never waits, and TLS's deadlines around it (five seconds, then now) would
// each arm or fire a timer in Go's network poller and wake its thread,
// once per close.
func (c *flowConn) SetWriteDeadline(t time.Time) error {
	if c.quietClose {
		return nil
	}
	c.wdl.Store(unixNano(t))
	return c.Conn.SetWriteDeadline(t)
}

func (c *flowConn) addBacklogLocked(p []byte) {
	if !c.closed && len(p) > 0 {
		c.backlog.add(p)
		c.added.Add(uint64(len(p)))
		c.queued.Store(true)
	}
}

// sendSegsLocked writes segs (taken from the backlog) and counts them sent.
func (c *flowConn) sendSegsLocked(segs []outSeg) error {
	n := segsLen(segs)
	if err := c.writeSegs(segs); err != nil {
		return err
	}
	c.sent.Add(uint64(n))
	return nil
}

// writeSegs writes segs with sendSegs, or in poll(2) once detached.
func (c *flowConn) writeSegs(segs []outSeg) error {
	if !c.detached.Load() {
		return sendSegs(c.Conn, segs)
	}
	var err error
	for _, g := range segs {
		if err == nil {
			_, err = c.writeWait(g.b)
		}
	}
	releaseSegs(segs)
	return err
}

// backlogCounts returns added and sent.
func (c *flowConn) backlogCounts() (added, sent uint64) {
	return c.added.Load(), c.sent.Load()
}

// takeBacklogLocked hands over the backlog.
func (c *flowConn) takeBacklogLocked() []outSeg {
	c.queued.Store(false)
	return c.backlog.take()
}

// Close closes the connection and releases the backlog: whoever closes
// has given up on sending it (close_notify went after it, or could not).
func (c *flowConn) Close() error {
	if c.detached.Load() {
		// A writer or reader may wait in poll(2) on the descriptor (and
		// hold it open meanwhile): end the wait first. One that starts
		// after this sees shut.
		c.shut.Store(true)
		if c.waiters.Load() > 0 {
			c.raw.Control(shutdownFD)
		}
	}
	err := c.Conn.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for c.sending { // fails soon: the connection is closed
		c.sentC.Wait()
	}
	c.backlog.drop()
	c.queued.Store(false)
	return err
}

// hasBacklog says whether direct writes left bytes that no write has
// taken yet.
func (c *flowConn) hasBacklog() bool {
	return c.queued.Load()
}

// sendBacklog writes what direct writes left, blocking, until none is
// left. The lock is not held while it writes: direct writes add to the
// backlog meanwhile (sending), and other writers wait for it.
func (c *flowConn) sendBacklog() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for c.sending {
			c.sentC.Wait()
		}
		if c.backlog.empty() {
			return nil
		}
		segs := c.takeBacklogLocked()
		n := segsLen(segs)
		c.sending = true
		c.mu.Unlock()
		err := c.writeSegs(segs)
		c.mu.Lock()
		c.sending = false
		c.sentC.Broadcast()
		if err != nil {
			c.backlog.drop()
			c.queued.Store(false)
			return err
		}
		c.sent.Add(uint64(n))
	}
}

// smallBufs lends the reader its small buffer while bytes arrive, so that an
// idle connection holds none.
var smallBufs = sync.Pool{New: func() any { return new([smallRead]byte) }}

// idleAfter: a link that received nothing for this long is idle, and its
// reader hands over to idleWait. A busy connection (replies every few
// milliseconds) keeps its reader and pays nothing for the hand-over.
const idleAfter = 2 * time.Millisecond

// readSmall reads a link's next bytes in idle mode, waiting at most
// idleAfter; idle when nothing came. crypto/tls keeps its state across that
// timeout (a timeout is a temporary error there: records it already holds
// are returned first, and a partial one stays buffered until the rest
// arrives). Where idleWait cannot wait for readability, it waits as long as
// it takes.
func readSmall(l *link, p []byte) (n int, idle bool, err error) {
	if l.readable == nil {
		n, err = l.conn.Read(p)
		return n, false, err
	}
	l.conn.SetReadDeadline(time.Now().Add(idleAfter))
	n, err = l.conn.Read(p)
	l.conn.SetReadDeadline(time.Time{})
	if n == 0 && err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, true, nil
	}
	return n, false, err
}

// idleWait is the goroutine of an idle connection. Thousands of connections
// spend most of their life here, so it waits on the TCP descriptor's
// readiness in a shallow call stack instead of deep inside TLS's Read, and
// it is a new goroutine: its stack is Go's small starting size, not what the
// handshake or the last TLS read grew (a parked goroutine's stack shrinks
// only at garbage collections, by half each). When bytes arrive it becomes
// the reader; the reader hands over to a new idleWait when nothing arrived
// for idleAfter. One goroutine per connection at any time.
func (s *Socket) idleWait(l *link) {
	l.readable()
	s.readLoop(l)
}
