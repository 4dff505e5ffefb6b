package lab

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// handshakeTimeout bounds a TLS handshake, so clients that connect and stall
// (or tests that abandon a half-open connection) do not pile up goroutines;
// long enough for a client slowed by valgrind on a loaded 2-core machine.
const handshakeTimeout = 30 * time.Second

// serverTLSConfig is the configuration of an ordinary lab TLS server:
// TLS 1.2 and 1.3, presenting cert. Scenarios change a copy.
func serverTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   tls.VersionTLS13,
	}
}

// serveTLS starts scenario name: a TLS listener on 127.0.0.1 with cfg whose
// connections run h after a successful handshake. h owns the connection
// until it returns; serveTLS then closes it (with a close_notify if h has
// not sent one). Later scenarios (client certificates, OCSP stapling,
// hostile servers) are added by calling this from Start or from a test.
func (l *Lab) serveTLS(name string, cfg *tls.Config, h func(*tls.Conn)) error {
	return l.serveTLSLinger(name, cfg, h, 0)
}

// failLinger bounds how long a server of serveTLSLinger drains a client
// after refusing its handshake.
const failLinger = 2 * time.Second

// serveTLSLinger is serveTLS for scenarios where the server is the one that
// refuses the handshake (client certificates). A linger above zero makes
// the server, after its alert, half-close TCP and read what the client still
// sends for up to linger (or until the client closes) before it closes the
// socket. Closing at once with unread input (the rest of a TLS 1.2 client's
// flight, or the first data of a TLS 1.3 client that already considers the
// handshake done) would make the kernel send an RST, which can overtake and
// destroy the alert: the client would see "connection reset" instead of the
// reason it was refused.
func (l *Lab) serveTLSLinger(name string, cfg *tls.Config, h func(*tls.Conn), linger time.Duration) error {
	return l.serveTCP(name, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		defer tc.Close()
		if err := c.SetDeadline(time.Now().Add(handshakeTimeout)); err != nil {
			return
		}
		if err := tc.Handshake(); err != nil {
			// The client refused the certificate or spoke something else:
			// that is the expected outcome of most scenarios, not an error.
			if linger > 0 {
				if tcp, ok := c.(*net.TCPConn); ok {
					_ = tcp.CloseWrite()
				}
				_ = c.SetDeadline(time.Now().Add(linger))
				discard(c)
			}
			return
		}
		if err := c.SetDeadline(time.Time{}); err != nil {
			return
		}
		h(tc)
	})
}

// serveTCP starts scenario name: a plain TCP listener on 127.0.0.1 whose
// every connection runs h in its own goroutine. The connection is closed when
// h returns or when the lab closes, whichever comes first.
func (l *Lab) serveTCP(name string, h func(net.Conn)) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("lab: %s: %w", name, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		ln.Close()
		return fmt.Errorf("lab: %s: %w", name, net.ErrClosed)
	}
	l.listeners = append(l.listeners, ln)
	l.Ports[name] = ln.Addr().(*net.TCPAddr).Port
	l.wg.Add(1)
	go l.accept(ln, h)
	return nil
}

func (l *Lab) accept(ln net.Listener, h func(net.Conn)) {
	defer l.wg.Done()
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of file descriptors or similar: wait instead of spinning,
			// the condition usually clears when other connections end.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if !l.track(c) {
			c.Close()
			return
		}
		// Add while this goroutine still holds its own count, so the
		// counter is never zero here and Close's Wait cannot miss it.
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer l.untrack(c)
			defer c.Close()
			h(c)
		}()
	}
}

// track registers a live connection so Close can interrupt it. It reports
// false once the lab is closing.
func (l *Lab) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.conns[c] = struct{}{}
	return true
}

func (l *Lab) untrack(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, c)
}

// onClose registers a release function that Close calls after it closed the
// listeners.
func (l *Lab) onClose(c func() error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closers = append(l.closers, c)
}
