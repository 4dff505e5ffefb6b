package lab

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

func dialTCP(t *testing.T, name string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", shared.Addr(name), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c
}

func readLineOf(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	s, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read line: %v (got %q)", err, s)
	}
	return s
}

func TestALPN(t *testing.T) {
	for _, tc := range []struct {
		scenario, server string
		offer            []string
		want             string
	}{
		{ALPN, "localhost", []string{"http/1.1", "ss-lab/1"}, "alpn=ss-lab/1 sni=localhost\n"},
		{ALPN, "localhost", nil, "alpn= sni=localhost\n"},
		{ALPNNone, "localhost", []string{"ss-lab/1"}, "alpn= sni=localhost\n"},
	} {
		cfg := clientConfig(t)
		cfg.NextProtos = tc.offer
		c, err := dial(t, tc.scenario, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := readLineOf(t, bufio.NewReader(c)); got != tc.want {
			t.Errorf("%s offering %q: got %q, want %q", tc.scenario, tc.offer, got, tc.want)
		}
		roundTrip(t, c, []byte("after the report"))
	}
	// No protocol in common: the server refuses (no_application_protocol).
	cfg := clientConfig(t)
	cfg.NextProtos = []string{"imap"}
	if _, err := dial(t, ALPN, cfg); err == nil || !strings.Contains(err.Error(), "no application protocol") {
		t.Fatalf("no common protocol: %v", err)
	}
}

func TestStartTLS(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		check    func(error) bool
	}{
		{StartTLS, func(err error) bool { return err == nil }},
		{StartTLSExpired, invalid(x509.Expired, "")},
		{StartTLSWrongHost, func(err error) bool {
			var he x509.HostnameError
			return errors.As(err, &he)
		}},
	} {
		c := dialTCP(t, tc.scenario)
		r := bufio.NewReader(c)
		if got := readLineOf(t, r); got != StartTLSGreeting {
			t.Fatalf("greeting %q", got)
		}
		io.WriteString(c, "EHLO client\r\n")
		if got := readLineOf(t, r); got != "250 EHLO client\r\n" {
			t.Fatalf("EHLO: %q", got)
		}
		io.WriteString(c, "STARTTLS\r\n")
		if got := readLineOf(t, r); got != StartTLSReady {
			t.Fatalf("STARTTLS: %q", got)
		}
		if r.Buffered() != 0 {
			t.Fatalf("%d bytes after the ready line", r.Buffered())
		}
		cfg := clientConfig(t)
		cfg.ServerName = shared.Host
		tc2 := tls.Client(c, cfg)
		err := tc2.Handshake()
		if !tc.check(err) {
			t.Fatalf("%s: handshake: %v", tc.scenario, err)
		}
		if err == nil {
			roundTrip(t, tc2, []byte("secret after the upgrade"))
		}
	}
	// QUIT in the clear.
	c := dialTCP(t, StartTLS)
	r := bufio.NewReader(c)
	readLineOf(t, r)
	io.WriteString(c, "QUIT\r\n")
	if got := readLineOf(t, r); got != StartTLSBye {
		t.Fatalf("QUIT: %q", got)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("after QUIT: %v", err)
	}
}

// throughHTTP opens a tunnel to target with the HTTP CONNECT scenario; it
// returns the conn and the status line.
func throughHTTP(t *testing.T, scenario, target, auth string) (net.Conn, string) {
	t.Helper()
	c := dialTCP(t, scenario)
	req := "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
	if auth != "" {
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(auth)) + "\r\n"
	}
	io.WriteString(c, req+"\r\n")
	r := bufio.NewReader(c)
	status := readLineOf(t, r)
	for {
		if h := readLineOf(t, r); h == "\r\n" {
			break
		}
	}
	return bufferedConn{c, r}, strings.TrimSpace(status)
}

var (
	trustedBehind = net.JoinHostPort(ProxiedTrustedHost, strconv.Itoa(ProxiedPort))
	expiredBehind = net.JoinHostPort(ProxiedExpiredHost, strconv.Itoa(ProxiedPort))
)

// handshakeBehind runs TLS for host over c and checks the outcome.
func handshakeBehind(t *testing.T, c net.Conn, host string) error {
	t.Helper()
	cfg := clientConfig(t)
	cfg.ServerName = host
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	roundTrip(t, tc, []byte("through the proxy"))
	return nil
}

func TestHTTPProxy(t *testing.T) {
	good := ProxyUser + ":" + ProxyPassword
	for _, tc := range []struct {
		scenario, target, auth, status string
	}{
		{HTTPProxy, trustedBehind, "", "HTTP/1.1 200 Connection established"},
		{HTTPProxy, expiredBehind, "", "HTTP/1.1 200 Connection established"},
		{HTTPProxy, shared.Addr(Trusted), "", "HTTP/1.1 403 Forbidden"},
		{HTTPProxyAuth, trustedBehind, "", "HTTP/1.1 407 Proxy Authentication Required"},
		{HTTPProxyAuth, trustedBehind, ProxyUser + ":wrong", "HTTP/1.1 407 Proxy Authentication Required"},
		{HTTPProxyAuth, trustedBehind, good, "HTTP/1.1 200 Connection established"},
	} {
		c, status := throughHTTP(t, tc.scenario, tc.target, tc.auth)
		if status != tc.status {
			t.Fatalf("%s %s: %q, want %q", tc.scenario, tc.target, status, tc.status)
		}
		if !strings.Contains(status, " 200 ") {
			continue
		}
		host, _, _ := net.SplitHostPort(tc.target)
		err := handshakeBehind(t, c, host)
		if host == ProxiedExpiredHost {
			if !invalid(x509.Expired, "")(err) {
				t.Fatalf("expired behind the proxy: %v", err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}
}

func TestSOCKS5Proxy(t *testing.T) {
	ctx := context.Background()
	socks := func(scenario string, auth *proxy.Auth) proxy.ContextDialer {
		d, err := proxy.SOCKS5("tcp", shared.Addr(scenario), auth, &net.Dialer{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return d.(proxy.ContextDialer)
	}
	good := &proxy.Auth{User: ProxyUser, Password: ProxyPassword}
	for _, tc := range []struct {
		scenario string
		auth     *proxy.Auth
		target   string
		fail     string // part of the dial error, "" for success
	}{
		{SOCKS5Proxy, nil, trustedBehind, ""},
		{SOCKS5Proxy, nil, expiredBehind, ""},
		{SOCKS5Proxy, nil, shared.Addr(Trusted), "not allowed"},
		{SOCKS5Proxy, nil, net.JoinHostPort("127.0.0.1", "443"), "host unreachable"},
		{SOCKS5ProxyAuth, nil, trustedBehind, "no acceptable authentication methods"},
		{SOCKS5ProxyAuth, &proxy.Auth{User: ProxyUser, Password: "wrong"}, trustedBehind, "authentication failed"},
		{SOCKS5ProxyAuth, good, trustedBehind, ""},
		{SOCKS5ProxyAuth, good, expiredBehind, ""},
	} {
		c, err := socks(tc.scenario, tc.auth).DialContext(ctx, "tcp", tc.target)
		if tc.fail != "" {
			if err == nil || !strings.Contains(err.Error(), tc.fail) {
				t.Fatalf("%s %s: got %v, want %q", tc.scenario, tc.target, err, tc.fail)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %s: %v", tc.scenario, tc.target, err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		host, _, _ := net.SplitHostPort(tc.target)
		err = handshakeBehind(t, c, host)
		if host == ProxiedExpiredHost {
			if !invalid(x509.Expired, "")(err) {
				t.Fatalf("expired behind the proxy: %v", err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}
}
