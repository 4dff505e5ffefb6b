package lab

import (
	"bufio"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Scenario names of the protocol scenarios (ALPN, STARTTLS, proxies).
const (
	ALPN              = "alpn"              // offers ALPN protocols, reports the chosen one and the SNI, echoes
	ALPNNone          = "alpnNone"          // no ALPN at all, reports, echoes
	StartTLS          = "starttls"          // SMTP-like line protocol, upgrades on STARTTLS, good certificate
	StartTLSExpired   = "starttlsExpired"   // the same, expired leaf
	StartTLSWrongHost = "starttlsWrongHost" // the same, leaf for wrong.example
	HTTPProxy         = "httpProxy"         // HTTP CONNECT proxy, no credentials
	HTTPProxyAuth     = "httpProxyAuth"     // HTTP CONNECT proxy, Basic credentials required
	SOCKS5Proxy       = "socks5Proxy"       // SOCKS5 proxy, no credentials
	SOCKS5ProxyAuth   = "socks5ProxyAuth"   // SOCKS5 proxy, username/password (RFC 1929) required
)

// The ALPN protocols the alpn scenario accepts, in its order of preference.
var ALPNServerProtocols = []string{"ss-lab/1", "http/1.1"}

// The hosts only the proxies reach (they are not in DNS, and nothing else
// listens for them), the port they answer on, and the credentials of the
// proxies that require some.
const (
	ProxiedTrustedHost = "trusted.proxied.test"
	ProxiedExpiredHost = "expired.proxied.test"
	ProxiedPort        = 443
	ProxyUser          = "labuser"
	ProxyPassword      = "lab:pass word"
)

// The STARTTLS scenarios' line protocol (SMTP-like, CRLF-terminated).
const (
	StartTLSGreeting = "220 securesocket lab ESMTP\r\n"
	StartTLSReady    = "220 ready\r\n"
	StartTLSBye      = "221 bye\r\n"
)

// ProxyJSON is the "proxy" object of the lab JSON: what a client needs to
// reach the hosts behind the proxy scenarios.
type ProxyJSON struct {
	TrustedHost string `json:"trusted_host"`
	ExpiredHost string `json:"expired_host"`
	Port        int    `json:"port"`
	User        string `json:"user"`
	Password    string `json:"password"`
}

// Proxy returns the lab's ProxyJSON.
func (l *Lab) Proxy() ProxyJSON {
	return ProxyJSON{TrustedHost: ProxiedTrustedHost, ExpiredHost: ProxiedExpiredHost,
		Port: ProxiedPort, User: ProxyUser, Password: ProxyPassword}
}

// startProtoScenarios starts the ALPN, STARTTLS and proxy scenarios.
func (l *Lab) startProtoScenarios() error {
	p := l.pki
	inter := p.intermediate
	now := p.now
	leafCfg := func(modify func(*leafSpec)) (*tls.Config, error) {
		leaf, err := p.leaf(inter, modify)
		if err != nil {
			return nil, err
		}
		return serverTLSConfig(serverCert(leaf, inter)), nil
	}
	expired := func(s *leafSpec) { s.notBefore, s.notAfter = now.Add(-60*day), now.Add(-30*day) }
	wrongHost := func(s *leafSpec) {
		s.commonName, s.dnsNames, s.ips = "wrong.example", []string{"wrong.example"}, nil
	}

	cfg, err := leafCfg(nil)
	if err != nil {
		return err
	}
	withALPN := cfg.Clone()
	withALPN.NextProtos = ALPNServerProtocols
	if err := l.serveTLS(ALPN, withALPN, reportALPN); err != nil {
		return err
	}
	if err := l.serveTLS(ALPNNone, cfg, reportALPN); err != nil {
		return err
	}

	for _, s := range []struct {
		name   string
		modify func(*leafSpec)
	}{{StartTLS, nil}, {StartTLSExpired, expired}, {StartTLSWrongHost, wrongHost}} {
		c, err := leafCfg(s.modify)
		if err != nil {
			return err
		}
		if err := l.serveTCP(s.name, func(conn net.Conn) { startTLSServer(conn, c) }); err != nil {
			return err
		}
	}

	// The hosts behind the proxies: leaves for their names only.
	named := func(host string, more func(*leafSpec)) func(*leafSpec) {
		return func(s *leafSpec) {
			s.commonName, s.dnsNames, s.ips = host, []string{host}, nil
			if more != nil {
				more(s)
			}
		}
	}
	targets := map[string]*tls.Config{}
	for _, h := range []struct {
		host   string
		modify func(*leafSpec)
	}{{ProxiedTrustedHost, nil}, {ProxiedExpiredHost, expired}} {
		c, err := leafCfg(named(h.host, h.modify))
		if err != nil {
			return err
		}
		targets[net.JoinHostPort(h.host, strconv.Itoa(ProxiedPort))] = c
	}
	behind := func(target string, c net.Conn) bool {
		cfg, ok := targets[target]
		if !ok {
			return false
		}
		serveBehind(c, cfg)
		return true
	}
	for _, s := range []struct {
		name string
		h    func(net.Conn)
	}{
		{HTTPProxy, func(c net.Conn) { httpConnectProxy(c, false, behind) }},
		{HTTPProxyAuth, func(c net.Conn) { httpConnectProxy(c, true, behind) }},
		{SOCKS5Proxy, func(c net.Conn) { socks5Proxy(c, false, behind) }},
		{SOCKS5ProxyAuth, func(c net.Conn) { socks5Proxy(c, true, behind) }},
	} {
		if err := l.serveTCP(s.name, s.h); err != nil {
			return err
		}
	}
	return nil
}

// reportALPN writes "alpn=<negotiated protocol> sni=<server name>\n" (each
// empty when there is none), then echoes.
func reportALPN(c *tls.Conn) {
	st := c.ConnectionState()
	if _, err := fmt.Fprintf(c, "alpn=%s sni=%s\n", st.NegotiatedProtocol, st.ServerName); err != nil {
		return
	}
	echo(c)
}

// bufferedConn is a net.Conn whose reads start with what a bufio.Reader
// already took off the connection, so no byte a client sent early is lost
// when a plain-text exchange hands over to TLS.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// tlsAfter runs a TLS server with cfg on c (whose earlier bytes r holds),
// bounded like serveTLS, then echoes.
func tlsAfter(c net.Conn, r *bufio.Reader, cfg *tls.Config) {
	tc := tls.Server(bufferedConn{c, r}, cfg)
	defer tc.Close()
	if err := c.SetDeadline(time.Now().Add(handshakeTimeout)); err != nil {
		return
	}
	if err := tc.Handshake(); err != nil {
		return
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		return
	}
	echo(tc)
}

// maxLine bounds a line of the plain-text protocols.
const maxLine = 4096

// readLine reads one LF-terminated line of at most maxLine bytes, without
// its CR LF.
func readLine(r *bufio.Reader) (string, bool) {
	var b []byte
	for {
		chunk, more, err := r.ReadLine()
		if err != nil {
			return "", false
		}
		b = append(b, chunk...)
		if len(b) > maxLine {
			return "", false
		}
		if !more {
			return string(b), true
		}
	}
}

// startTLSServer speaks the STARTTLS scenarios' line protocol: the greeting,
// then for each line: STARTTLS → "220 ready", TLS with cfg, echo; QUIT →
// "221 bye" and close; anything else L → "250 L".
func startTLSServer(c net.Conn, cfg *tls.Config) {
	if _, err := io.WriteString(c, StartTLSGreeting); err != nil {
		return
	}
	r := bufio.NewReader(c)
	for {
		line, ok := readLine(r)
		if !ok {
			return
		}
		switch strings.ToUpper(line) {
		case "STARTTLS":
			if _, err := io.WriteString(c, StartTLSReady); err != nil {
				return
			}
			tlsAfter(c, r, cfg)
			return
		case "QUIT":
			_, _ = io.WriteString(c, StartTLSBye)
			return
		default:
			if _, err := io.WriteString(c, "250 "+line+"\r\n"); err != nil {
				return
			}
		}
	}
}

// serveBehind is a host behind a proxy: TLS with cfg, then echo.
func serveBehind(c net.Conn, cfg *tls.Config) {
	r, ok := c.(bufferedConn)
	if !ok {
		r = bufferedConn{c, bufio.NewReader(c)}
	}
	tlsAfter(r.Conn, r.r, cfg)
}

// httpConnectProxy is a minimal HTTP/1.1 CONNECT proxy whose only
// destinations are the hosts behind it. With auth it requires
// "Proxy-Authorization: Basic" with ProxyUser/ProxyPassword (else 407).
// Other methods get 405, unknown destinations 403.
func httpConnectProxy(c net.Conn, auth bool, behind func(string, net.Conn) bool) {
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	r := bufio.NewReader(c)
	request, ok := readLine(r)
	if !ok {
		return
	}
	var authorization string
	for {
		h, ok := readLine(r)
		if !ok {
			return
		}
		if h == "" {
			break
		}
		if name, value, found := strings.Cut(h, ":"); found && strings.EqualFold(strings.TrimSpace(name), "Proxy-Authorization") {
			authorization = strings.TrimSpace(value)
		}
	}
	reply := func(status string, headers ...string) {
		msg := "HTTP/1.1 " + status + "\r\n"
		for _, h := range headers {
			msg += h + "\r\n"
		}
		_, _ = io.WriteString(c, msg+"Content-Length: 0\r\n\r\n")
	}
	f := strings.Fields(request)
	if len(f) != 3 || f[0] != "CONNECT" {
		reply("405 Method Not Allowed")
		return
	}
	if auth {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(ProxyUser+":"+ProxyPassword))
		if subtle.ConstantTimeCompare([]byte(authorization), []byte(want)) != 1 {
			reply("407 Proxy Authentication Required", `Proxy-Authenticate: Basic realm="securesocket lab"`)
			return
		}
	}
	target, ok := lookupTarget(f[1])
	if !ok {
		reply("403 Forbidden")
		return
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	behind(target, bufferedConn{c, r})
}

// lookupTarget says whether host:port is one of the hosts behind the
// proxies, in canonical form.
func lookupTarget(hostport string) (string, bool) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if (host != ProxiedTrustedHost && host != ProxiedExpiredHost) || port != strconv.Itoa(ProxiedPort) {
		return "", false
	}
	return net.JoinHostPort(host, port), true
}

// SOCKS5 reply codes (RFC 1928 section 6).
const (
	socksSucceeded       = 0x00
	socksNotAllowed      = 0x02
	socksHostUnreachable = 0x04
	socksCmdNotSupported = 0x07
	socksAtypUnsupported = 0x08
)

// socks5Proxy is a minimal SOCKS5 server (RFC 1928, CONNECT only) whose only
// destinations are the hosts behind it, named by domain name (an address
// gets "host unreachable"). With auth it requires username/password
// (RFC 1929) with ProxyUser/ProxyPassword.
func socks5Proxy(c net.Conn, auth bool, behind func(string, net.Conn) bool) {
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	r := bufio.NewReader(c)
	read := func(n int) ([]byte, bool) {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err == nil
	}
	hdr, ok := read(2)
	if !ok || hdr[0] != 5 {
		return
	}
	methods, ok := read(int(hdr[1]))
	if !ok {
		return
	}
	want := byte(0x00)
	if auth {
		want = 0x02
	}
	if !strings.ContainsRune(string(methods), rune(want)) {
		_, _ = c.Write([]byte{5, 0xFF})
		return
	}
	if _, err := c.Write([]byte{5, want}); err != nil {
		return
	}
	if auth {
		v, ok := read(2)
		if !ok || v[0] != 1 {
			return
		}
		user, ok := read(int(v[1]))
		if !ok {
			return
		}
		pl, ok := read(1)
		if !ok {
			return
		}
		pass, ok := read(int(pl[0]))
		if !ok {
			return
		}
		good := subtle.ConstantTimeCompare(user, []byte(ProxyUser)) == 1 &&
			subtle.ConstantTimeCompare(pass, []byte(ProxyPassword)) == 1
		if !good {
			_, _ = c.Write([]byte{1, 1})
			return
		}
		if _, err := c.Write([]byte{1, 0}); err != nil {
			return
		}
	}
	reply := func(code byte) bool {
		_, err := c.Write([]byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0})
		return err == nil
	}
	req, ok := read(4)
	if !ok || req[0] != 5 {
		return
	}
	var host string
	switch req[3] {
	case 1, 4: // IPv4, IPv6: no host behind the proxy has an address
		n := 4
		if req[3] == 4 {
			n = 16
		}
		if _, ok := read(n + 2); !ok {
			return
		}
		reply(socksHostUnreachable)
		return
	case 3:
		l, ok := read(1)
		if !ok {
			return
		}
		name, ok := read(int(l[0]))
		if !ok {
			return
		}
		host = string(name)
	default:
		reply(socksAtypUnsupported)
		return
	}
	pb, ok := read(2)
	if !ok {
		return
	}
	if req[1] != 1 {
		reply(socksCmdNotSupported)
		return
	}
	target, ok := lookupTarget(net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(pb)))))
	if !ok {
		reply(socksNotAllowed)
		return
	}
	if !reply(socksSucceeded) {
		return
	}
	_ = c.SetDeadline(time.Time{})
	behind(target, bufferedConn{c, r})
}
