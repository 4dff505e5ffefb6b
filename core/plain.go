package core

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"time"
)

// NewPlain returns an unconnected AS3 flash.net.Socket: the same API as a
// SecureSocket (connect, typed reads and writes, flush, events, timeout,
// bounded input) over plain TCP, for protocols that start in the clear.
// Its ServerCertificateStatus stays "unknown" while it is plain; StartTLS
// upgrades a connected one to TLS with exactly a SecureSocket's checks.
// A nil sink gives the socket a private Queue.
func NewPlain(sink Sink) *Socket {
	s := New(sink)
	s.proto.plain = true
	return s
}

// IsPlain reports whether s was made by NewPlain (a Socket, not a
// SecureSocket). It stays true after StartTLS: the next Connect is plain
// again.
func (s *Socket) IsPlain() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proto.plain
}

// Secure reports whether the live connection is TLS: a connected
// SecureSocket, or a Socket after a successful StartTLS.
func (s *Socket) Secure() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st == stateOpen && s.link != nil && s.link.tc != nil
}

// StartTLS upgrades a connected plain Socket to TLS for host (as in
// STARTTLS of SMTP, IMAP, XMPP...). It returns at once. What was written is
// flushed and sent in the clear first; then the TLS handshake runs with
// exactly a SecureSocket's verification of host (trust anchors, pins,
// revocation, client certificate, minimum version, server name, ALPN),
// bounded by Timeout. Meanwhile the socket is not connected (reads and
// writes are IOError #2002). On success a connect event follows (the second
// of the connection), ServerCertificateStatus is "trusted" and the socket
// behaves as a SecureSocket from then on; input that arrived before the
// handshake stays readable, in order, before the decrypted input. On any
// failure (a certificate problem included) an ioError with a
// SecureSocket's status and detail follows and the connection is closed:
// its unread input is discarded, nothing more can be read. There is no way
// back to plain and no way to skip verification.
//
// Call it only once the server said to go ahead (SMTP's "220 ready"): bytes
// the server sends in the clear after the handshake started would break
// it. StartTLS on a socket that is not a connected plain Socket (a
// SecureSocket, an upgraded Socket, a closed one) is IOError #2002; an
// empty host is ArgumentError #2004.
func (s *Socket) StartTLS(host string) error {
	if i := strings.IndexByte(host, 0); i >= 0 {
		host = host[:i]
	}
	if host == "" {
		return newErr(ErrBadParam, "empty host name", nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.link
	var pc *plainConn
	if l != nil && l.tc == nil {
		pc, _ = l.conn.(*plainConn)
	}
	if s.st != stateOpen || pc == nil {
		return newErr(ErrInvalidSocket, "startTLS needs a connected Socket that is still plain", nil)
	}
	// Flush: what was written goes out in the clear, before the handshake,
	// by the writer goroutine (waitSent waits for it).
	if len(s.out) > 0 || len(s.outSegs) > 0 {
		s.flushOutLocked(l)
		if !l.pumping {
			l.pumping = true
			go s.writeLoop(l)
		}
	}
	s.st = stateConnecting
	s.status, s.detail = StatusUnknown, ""
	s.revStatus, s.revDetail, s.peerChain = RevocationNotChecked, "", nil
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(s.timeout)*time.Millisecond)
	s.abort = cancel
	at := &attempt{}
	cfg := clientTLSConfig(ctx, s.connectServerName(host), s.minVer, s.trust.clone(), at)
	s.applyProtoConfig(cfg)
	l.host = host
	pc.beginUpgrade()
	gen := s.gen
	runHandshake(func() { s.upgrade(ctx, cancel, gen, l, pc, host, cfg, at) })
	return nil
}

// upgrade runs StartTLS's handshake on link l.
func (s *Socket) upgrade(ctx context.Context, cancel context.CancelFunc, gen uint64, l *link, pc *plainConn, host string, cfg *tls.Config, at *attempt) {
	defer cancel()
	var tc *tls.Conn
	err := at.prepare(ctx, cfg) // the trust store, read within the timeout
	if err == nil {
		err = s.waitSent(ctx, l)
	}
	if err == nil {
		pc.stopReader()
		tc = tls.Client(pc.raw, cfg)
		err = tc.HandshakeContext(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen || s.link != l {
		// close() or a new connect() took over; silent, like dial.
		pc.finish(nil, net.ErrClosed)
		return
	}
	s.abort = nil
	if err != nil {
		status, detail := s.classifyFailureLocked(ctx, err, at)
		pc.finish(nil, errUpgradeFailed)
		s.shutdownLocked() // the writer closes the connection; input is dropped
		s.status, s.detail = status, detail
		s.revStatus, s.revDetail = at.revocation, at.revDetail
		if s.revStatus == "" {
			s.revStatus = RevocationNotChecked
		}
		s.post(Event{Type: EventIOError, ErrorID: ErrIDSocketError,
			Text: "Error #2031: Socket Error. URL: " + host, Detail: detail})
		return
	}
	l.tc = tc
	pc.finish(tc, nil)
	s.st = stateOpen
	s.status = StatusTrusted
	s.revStatus, s.revDetail, s.peerChain = at.revocation, at.revDetail, at.chain
	s.post(Event{Type: EventConnect})
}

// errUpgradeFailed ends the reads of a link whose StartTLS failed.
var errUpgradeFailed = errors.New("securesocket: startTLS failed")

// waitSent waits until the writer has written everything flushed before
// StartTLS (nothing can be flushed while it runs).
func (s *Socket) waitSent(ctx context.Context, l *link) error {
	for {
		s.mu.Lock()
		// Nobody holds the right to write once the queue and a direct
		// write's backlog are out (flow.go).
		done := s.link != l || (l.queued == 0 && !l.pumping && !l.sending)
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// plainConn is the connection of a plain Socket's link: raw TCP until
// StartTLS, then the TLS connection over the same TCP. The link's reader and
// writer keep running across the upgrade; the reader is parked while the
// handshake owns the socket.
type plainConn struct {
	net.Conn // the raw connection: addresses, deadlines
	raw      net.Conn

	mu        sync.Mutex
	cond      *sync.Cond
	upgrading bool      // StartTLS runs: a Read waits
	inRead    bool      // the reader is inside raw.Read
	tc        *tls.Conn // after a successful upgrade
	err       error     // after a failed upgrade or Close: every Read fails
}

func newPlainConn(raw net.Conn) *plainConn {
	p := &plainConn{Conn: raw, raw: raw}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *plainConn) Read(b []byte) (int, error) {
	p.mu.Lock()
	for p.upgrading && p.err == nil {
		p.cond.Wait()
	}
	if p.err != nil {
		err := p.err
		p.mu.Unlock()
		return 0, err
	}
	if tc := p.tc; tc != nil {
		p.mu.Unlock()
		return tc.Read(b)
	}
	p.inRead = true
	p.mu.Unlock()
	n, err := p.raw.Read(b)
	p.mu.Lock()
	p.inRead = false
	kicked := p.upgrading
	p.cond.Broadcast()
	p.mu.Unlock()
	var ne net.Error
	if kicked && errors.As(err, &ne) && ne.Timeout() {
		// stopReader's deadline, not a failure: what was read before it
		// is plaintext from before the handshake.
		return n, nil
	}
	return n, err
}

func (p *plainConn) Write(b []byte) (int, error) {
	p.mu.Lock()
	tc := p.tc
	p.mu.Unlock()
	if tc != nil {
		return tc.Write(b)
	}
	return p.raw.Write(b)
}

// Close sends close_notify after a successful upgrade, then closes TCP.
func (p *plainConn) Close() error {
	p.mu.Lock()
	tc := p.tc
	if p.err == nil {
		p.err = net.ErrClosed
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	if tc != nil {
		return tc.Close()
	}
	return p.raw.Close()
}

// beginUpgrade makes later Reads wait for the upgrade. The reader may still
// be inside raw.Read, taking plaintext the server sent before it.
func (p *plainConn) beginUpgrade() {
	p.mu.Lock()
	p.upgrading = true
	p.mu.Unlock()
}

// stopReader gets the reader out of raw.Read (a deadline in the past), so
// that the handshake is the only reader of the TCP connection.
func (p *plainConn) stopReader() {
	p.mu.Lock()
	if p.inRead {
		_ = p.raw.SetReadDeadline(time.Unix(1, 0))
	}
	for p.inRead {
		p.cond.Wait()
	}
	p.mu.Unlock()
	_ = p.raw.SetReadDeadline(time.Time{})
}

// finish ends the upgrade: later Reads and Writes use tc, or fail with err.
func (p *plainConn) finish(tc *tls.Conn, err error) {
	p.mu.Lock()
	p.upgrading = false
	if err != nil && p.err == nil {
		p.err = err
	}
	if err == nil {
		p.tc = tc
	}
	p.cond.Broadcast()
	p.mu.Unlock()
}
