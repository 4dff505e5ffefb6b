package core

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// protoOptions are the per-socket protocol settings of the next Connect
// (ALPN, server name, Nagle). Guarded by Socket.mu.
type protoOptions struct {
	alpn       []string
	serverName string // "" = the host given to Connect
	// delay is tcpNoDelay's inverse, so that the zero value is the default
	// (tcpNoDelay true, Nagle off).
	delay bool
	proxy *proxyConfig // nil: connect directly (proxy.go)
	plain bool         // a flash.net.Socket: no TLS until StartTLS (plain.go)
}

// Limits of ALPN protocol names: RFC 7301 allows 1 to 255 bytes each in a
// list of at most 2^16-1 bytes.
const (
	maxALPNName  = 255
	maxALPNTotal = 1<<16 - 1
)

// SetALPNProtocols sets the application protocols (RFC 7301) the next
// Connect offers, in order of preference; nil or empty offers none (the
// default). A name that is empty or longer than 255 bytes, or a list over
// 65535 bytes on the wire, is ArgumentError #2004. The server's choice is
// NegotiatedProtocol; a server that speaks none of them may refuse the
// handshake (no_application_protocol), which is an ioError.
func (s *Socket) SetALPNProtocols(protocols []string) error {
	total := 0
	for _, p := range protocols {
		if p == "" || len(p) > maxALPNName {
			return newErr(ErrBadParam, "an ALPN protocol name must be 1 to 255 bytes", nil)
		}
		total += 1 + len(p)
	}
	if total > maxALPNTotal {
		return newErr(ErrBadParam, "the ALPN protocol list is longer than 65535 bytes", nil)
	}
	var list []string
	if len(protocols) > 0 {
		list = make([]string, len(protocols))
		for i, p := range protocols {
			list[i] = strings.Clone(p)
		}
	}
	s.mu.Lock()
	s.proto.alpn = list
	s.mu.Unlock()
	return nil
}

// ALPNProtocols returns a copy of the protocols the next Connect offers.
func (s *Socket) ALPNProtocols() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.proto.alpn...)
}

// NegotiatedProtocol returns the application protocol the server chose by
// ALPN while connected; "" when it chose none, nothing was offered, or the
// socket is not connected.
func (s *Socket) NegotiatedProtocol() string {
	cs, ok := s.connState()
	if !ok {
		return ""
	}
	return cs.NegotiatedProtocol
}

// CipherSuite returns the negotiated cipher suite's IANA name (such as
// "TLS_AES_128_GCM_SHA256") while connected, else "".
func (s *Socket) CipherSuite() string {
	cs, ok := s.connState()
	if !ok {
		return ""
	}
	return tls.CipherSuiteName(cs.CipherSuite)
}

// connState returns the TLS state of the open connection.
func (s *Socket) connState() (tls.ConnectionState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link == nil || s.link.tc == nil || s.st != stateOpen {
		return tls.ConnectionState{}, false
	}
	return s.link.tc.ConnectionState(), true
}

// SetServerName sets the name the next Connect sends as SNI and verifies
// the server's certificate against, instead of the host it connects to: for
// servers reached by IP address, through tunnels or load balancers. The
// verification is otherwise unchanged: the certificate must be valid for
// this name. A DNS name or an IP address literal; "" (the default) uses the
// connect host. Anything else (spaces, control characters, a name over 253
// bytes) is ArgumentError #2004.
func (s *Socket) SetServerName(name string) error {
	n := strings.TrimSuffix(strings.Trim(name, "[]"), ".")
	if name != "" && !validServerName(n) {
		return newErr(ErrBadParam, "server name "+quoteName(name)+" is not a DNS name or an IP address", nil)
	}
	s.mu.Lock()
	s.proto.serverName = strings.Clone(n)
	s.mu.Unlock()
	return nil
}

// ServerName returns the name set by SetServerName, "" when the connect host
// is used.
func (s *Socket) ServerName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proto.serverName
}

// validServerName accepts an IP literal or a DNS name of letters, digits,
// '-', '_', '*'-free labels of 1..63 bytes, 253 bytes at most.
func validServerName(n string) bool {
	if net.ParseIP(n) != nil {
		return true
	}
	if n == "" || len(n) > 253 {
		return false
	}
	for _, label := range strings.Split(n, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}

// quoteName quotes a caller's name for an error detail, cut to a sane size.
func quoteName(n string) string {
	if len(n) > 80 {
		n = n[:80] + "..."
	}
	return `"` + strings.ToValidUTF8(n, "?") + `"`
}

// TCPNoDelay reports whether Nagle's algorithm is off (TCP_NODELAY set) on
// the socket's connections. The default is true: every Flush goes out at
// once (see docs/divergences.md: AIR's default is false).
func (s *Socket) TCPNoDelay() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.proto.delay
}

// SetTCPNoDelay sets TCP_NODELAY for the next connections and on the live
// one at once. It fails only if the kernel refuses the option on the live
// connection, which happens only once that is gone (IOError #2002 with the
// reason); the setting is kept.
func (s *Socket) SetTCPNoDelay(on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proto.delay = !on
	if s.link == nil {
		return nil
	}
	if tcp, ok := s.link.rawConn().(interface{ SetNoDelay(bool) error }); ok { // *net.TCPConn, *sockConn
		if err := tcp.SetNoDelay(on); err != nil {
			// The kernel refuses it only on a connection that is gone.
			return newErr(ErrInvalidSocket, "TCP_NODELAY: "+describeNetError(err), err)
		}
	}
	return nil
}

// NativeHandle returns the operating system's handle of the live TCP
// connection (a file descriptor; a SOCKET on Windows), or -1 when there is
// none. The handle stays the socket's: it is valid only until the
// connection ends and may be used for getsockopt/setsockopt only, never to
// read, write or close it.
func (s *Socket) NativeHandle() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link == nil {
		return -1
	}
	h, ok := handleOf(s.link.rawConn())
	if !ok {
		return -1
	}
	return int64(h)
}

// connectServerName is the name a connect to host sends as SNI and verifies
// the certificate against. Callers hold s.mu.
func (s *Socket) connectServerName(host string) string {
	if s.proto.serverName != "" {
		return s.proto.serverName
	}
	return strings.TrimSuffix(strings.Trim(host, "[]"), ".")
}

// applyProtoConfig sets what the protocol options change in a connect
// attempt's TLS configuration. Callers hold s.mu.
func (s *Socket) applyProtoConfig(cfg *tls.Config) {
	cfg.NextProtos = append([]string(nil), s.proto.alpn...)
	if w := keyLogWriter(); w != nil {
		cfg.KeyLogWriter = w // SSLKEYLOGFILE (keylog.go)
	}
}

// dialPlan is how a connect attempt reaches the server, fixed when Connect
// is called.
type dialPlan struct {
	noDelay bool
	proxy   *proxyConfig
	plain   bool // connect without TLS
	// fast: a TLS connect to an IP address without a proxy that runs on the
	// connector thread, which connects to addr without Go's network poller
	// (connector_linux.go, dialfast_linux.go). False when it runs on a
	// goroutine.
	fast bool
	addr netip.AddrPort
	// detach: the socket's host will drive its input and let it leave Go's
	// poller: a fast connect's connection never joins it.
	detach bool
}

// dialPlan returns the plan of a connect attempt. Callers hold s.mu.
func (s *Socket) dialPlan() dialPlan {
	p := dialPlan{noDelay: !s.proto.delay, proxy: s.proto.proxy, plain: s.proto.plain}
	p.detach = !p.plain && p.proxy == nil && s.hostDetaches()
	return p
}

// withAddress completes the plan with where it connects.
func (p dialPlan) withAddress(host string, port int) dialPlan {
	p.addr, p.fast = dialAddrPort(host, port)
	p.fast = p.fast && !p.plain && p.proxy == nil
	return p
}

// dial opens the TCP connection to host:port and applies the options.
func (p dialPlan) dial(ctx context.Context, host string, port int) (net.Conn, error) {
	var c net.Conn
	var err error
	if p.proxy != nil {
		c, err = p.proxy.dial(ctx, host, port)
	} else {
		var d net.Dialer
		c, err = d.DialContext(ctx, "tcp", net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port)))
	}
	if err != nil {
		return nil, err
	}
	// Go's dialer turns Nagle's algorithm off on every TCP connection
	// (net.TCPConn.SetNoDelay documents the default): only turning it back
	// on needs a system call.
	if tcp, ok := c.(*net.TCPConn); ok && !p.noDelay {
		_ = tcp.SetNoDelay(false)
	}
	return c, nil
}

// rawConn is the link's TCP connection (or the proxy tunnel).
func (l *link) rawConn() net.Conn {
	return l.flow.Conn
}
