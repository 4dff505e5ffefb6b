package core

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/proxy"
)

// proxyConfig is a parsed proxy setting.
type proxyConfig struct {
	u      *url.URL // scheme http, socks5 or socks5h; host:port; optional user info
	addr   string   // host:port of the proxy
	user   string
	pass   string
	hasPwd bool
}

// SetProxy makes the next connects go through a proxy, given as a URL:
//
//	http://[user:password@]host:port     HTTP CONNECT tunnel (Basic credentials)
//	socks5://[user:password@]host:port   SOCKS5 (username/password, RFC 1929)
//	socks5h://[user:password@]host:port  the same
//
// The proxy only carries bytes: the TLS handshake and every certificate
// check run end to end with the host given to Connect, whose name is what
// the proxy is asked to reach (SOCKS5 included: the proxy resolves it, so
// socks5 and socks5h behave alike and no name is looked up locally).
// Reserved characters in the credentials are percent-encoded, as in any URL.
// The port is required. Anything else (another scheme, a path, a missing
// port) is ArgumentError #2004 and changes nothing. "" removes the proxy.
//
// Proxy failures (unreachable proxy, refused credentials, a destination the
// proxy will not reach) are the connect's ioError #2031 with status
// "unknown" and a detail naming the proxy. RemoteAddress and RemotePort are
// then the proxy's. The environment (ALL_PROXY, HTTPS_PROXY) is never read:
// a proxy is used only when set here.
func (s *Socket) SetProxy(rawURL string) error {
	var pc *proxyConfig
	if rawURL != "" {
		var err error
		if pc, err = parseProxy(rawURL); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.proto.proxy = pc
	s.mu.Unlock()
	return nil
}

// Proxy returns the proxy URL set by SetProxy with its password replaced by
// "xxxxx", or "" when there is none.
func (s *Socket) Proxy() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proto.proxy == nil {
		return ""
	}
	return s.proto.proxy.u.Redacted()
}

func parseProxy(raw string) (*proxyConfig, error) {
	bad := func(why string) error {
		return newErr(ErrBadParam, "proxy URL: "+why, nil)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the whole URL, credentials included.
		return nil, bad("not a URL of the form scheme://[user:password@]host:port")
	}
	switch u.Scheme = strings.ToLower(u.Scheme); u.Scheme {
	case "http", "socks5", "socks5h":
	default:
		return nil, bad(`the scheme must be "http", "socks5" or "socks5h"`)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, bad("only scheme://[user:password@]host:port, no path or query")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" || port == "" {
		return nil, bad("a host and a port are required")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, bad("the port must be 1..65535")
	}
	pc := &proxyConfig{u: u, addr: net.JoinHostPort(host, port)}
	if u.User != nil {
		pc.user = u.User.Username()
		pc.pass, pc.hasPwd = u.User.Password()
		if u.Scheme != "http" && (len(pc.user) == 0 || len(pc.user) > 255 || len(pc.pass) > 255) {
			return nil, bad("SOCKS5 credentials must be 1..255 bytes each (RFC 1929)")
		}
	}
	return pc, nil
}

// describe names the proxy in error details, without credentials.
func (pc *proxyConfig) describe() string {
	kind := "HTTP"
	if pc.u.Scheme != "http" {
		kind = "SOCKS5"
	}
	return kind + " proxy " + pc.addr
}

// dial opens a tunnel through the proxy to host:port.
func (pc *proxyConfig) dial(ctx context.Context, host string, port int) (net.Conn, error) {
	target := net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port))
	var c net.Conn
	var err error
	if pc.u.Scheme == "http" {
		c, err = pc.dialHTTP(ctx, target)
	} else {
		c, err = pc.dialSOCKS5(ctx, target)
	}
	if err != nil {
		if ctx.Err() != nil {
			// The connect's timeout (or abort) explains it.
			return nil, ctx.Err()
		}
		return nil, &connectRefusal{status: StatusUnknown, detail: err.Error()}
	}
	return c, nil
}

func (pc *proxyConfig) dialSOCKS5(ctx context.Context, target string) (net.Conn, error) {
	var auth *proxy.Auth
	if pc.u.User != nil {
		auth = &proxy.Auth{User: pc.user, Password: pc.pass}
	}
	d, err := proxy.SOCKS5("tcp", pc.addr, auth, &net.Dialer{})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", pc.describe(), err)
	}
	c, err := d.(proxy.ContextDialer).DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, fmt.Errorf("%s could not open a tunnel to %s: %s", pc.describe(), target, socksReason(err))
	}
	return c, nil
}

// socksReason turns x/net's SOCKS errors ("socks connect tcp A->B: ...")
// into their reason.
func socksReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "socks ") {
		msg = msg[i+2:]
	}
	return describeNetErrorText(msg)
}

// describeNetErrorText shortens the usual socket error texts.
func describeNetErrorText(msg string) string {
	if i := strings.LastIndex(msg, "connect: "); i >= 0 {
		return msg[i+len("connect: "):]
	}
	return msg
}

// maxProxyResponse bounds the HTTP proxy's response head.
const maxProxyResponse = 16 << 10

func (pc *proxyConfig) dialHTTP(ctx context.Context, target string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", pc.addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", pc.describe(), describeNetError(err))
	}
	// The context bounds the exchange with the proxy too.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	req := "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
	if pc.u.User != nil {
		cred := base64.StdEncoding.EncodeToString([]byte(pc.user + ":" + pc.pass))
		req += "Proxy-Authorization: Basic " + cred + "\r\n"
	}
	if _, err := c.Write([]byte(req + "\r\n")); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %s", pc.describe(), describeNetError(err))
	}
	br := bufio.NewReaderSize(&limitedReader{c: c, left: maxProxyResponse}, 4096)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s did not answer the CONNECT request with HTTP: %s", pc.describe(), describeNetError(err))
	}
	// A refusal's body is not read: the connection is closed. A 2xx answer
	// to CONNECT has none.
	if resp.StatusCode/100 != 2 {
		c.Close()
		return nil, fmt.Errorf("%s refused the tunnel to %s: %s", pc.describe(), target, resp.Status)
	}
	if br.Buffered() > 0 {
		// A server speaks only after the client's ClientHello; bytes here
		// are the proxy's, not the server's.
		c.Close()
		return nil, fmt.Errorf("%s sent %d unexpected bytes after its response", pc.describe(), br.Buffered())
	}
	return c, nil
}

// limitedReader reads from c until left bytes were read; the proxy's
// response head may not be larger.
type limitedReader struct {
	c    net.Conn
	left int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("response head over %d bytes", maxProxyResponse)
	}
	// One byte at a time would be slow; the head is small and the server
	// sends nothing before the client's first TLS record, so reading ahead
	// cannot swallow the server's bytes.
	p = p[:min(len(p), l.left)]
	n, err := l.c.Read(p)
	l.left -= n
	return n, err
}
