package core

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/securesocket/securesocket/tests/lab"
)

func proxyURL(scheme, scenario string, withCreds bool, pass string) string {
	u := url.URL{Scheme: scheme, Host: "127.0.0.1:" + strconv.Itoa(labPorts[scenario])}
	if withCreds {
		u.User = url.UserPassword(lab.ProxyUser, pass)
	}
	return u.String()
}

func TestProxies(t *testing.T) {
	good := lab.ProxyPassword
	for _, c := range []struct {
		name, url, host string
		status          CertificateStatus
		detail          string // part of the ioError detail
	}{
		{"http trusted", proxyURL("http", lab.HTTPProxy, false, ""), lab.ProxiedTrustedHost, StatusTrusted, ""},
		{"http expired", proxyURL("http", lab.HTTPProxy, false, ""), lab.ProxiedExpiredHost, StatusExpired, "expired"},
		{"http auth trusted", proxyURL("http", lab.HTTPProxyAuth, true, good), lab.ProxiedTrustedHost, StatusTrusted, ""},
		{"http auth expired", proxyURL("http", lab.HTTPProxyAuth, true, good), lab.ProxiedExpiredHost, StatusExpired, "expired"},
		{"http no creds", proxyURL("http", lab.HTTPProxyAuth, false, ""), lab.ProxiedTrustedHost, StatusUnknown,
			"HTTP proxy 127.0.0.1:" + strconv.Itoa(labPorts[lab.HTTPProxyAuth]) + " refused the tunnel to trusted.proxied.test:443: 407 Proxy Authentication Required"},
		{"http wrong creds", proxyURL("http", lab.HTTPProxyAuth, true, "nope"), lab.ProxiedTrustedHost, StatusUnknown, "407"},
		{"http forbidden", proxyURL("http", lab.HTTPProxy, false, ""), "localhost", StatusUnknown, "403 Forbidden"},
		{"socks5 trusted", proxyURL("socks5", lab.SOCKS5Proxy, false, ""), lab.ProxiedTrustedHost, StatusTrusted, ""},
		{"socks5h expired", proxyURL("socks5h", lab.SOCKS5Proxy, false, ""), lab.ProxiedExpiredHost, StatusExpired, "expired"},
		{"socks5 auth trusted", proxyURL("socks5", lab.SOCKS5ProxyAuth, true, good), lab.ProxiedTrustedHost, StatusTrusted, ""},
		{"socks5 auth expired", proxyURL("socks5", lab.SOCKS5ProxyAuth, true, good), lab.ProxiedExpiredHost, StatusExpired, "expired"},
		{"socks5 no creds", proxyURL("socks5", lab.SOCKS5ProxyAuth, false, ""), lab.ProxiedTrustedHost, StatusUnknown,
			"SOCKS5 proxy 127.0.0.1:" + strconv.Itoa(labPorts[lab.SOCKS5ProxyAuth]) + " could not open a tunnel to trusted.proxied.test:443: no acceptable authentication methods"},
		{"socks5 wrong creds", proxyURL("socks5", lab.SOCKS5ProxyAuth, true, "nope"), lab.ProxiedTrustedHost, StatusUnknown, "authentication failed"},
		{"socks5 not allowed", proxyURL("socks5", lab.SOCKS5Proxy, false, ""), "localhost", StatusUnknown, "not allowed"},
		{"proxy refused", "http://127.0.0.1:" + strconv.Itoa(labPorts[lab.Refused]), lab.ProxiedTrustedHost, StatusUnknown,
			"HTTP proxy 127.0.0.1:" + strconv.Itoa(labPorts[lab.Refused]) + ": connection refused"},
		{"not a proxy", "http://127.0.0.1:" + strconv.Itoa(labPorts[lab.Echo]), lab.ProxiedTrustedHost, StatusUnknown, "did not answer the CONNECT request with HTTP"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q := NewQueue()
			s := New(q)
			defer s.Close()
			if err := s.SetProxy(c.url); err != nil {
				t.Fatal(err)
			}
			if err := s.Connect(c.host, lab.ProxiedPort); err != nil {
				t.Fatal(err)
			}
			e, _ := waitFor(t, q, 10e9, EventConnect, EventIOError)
			if got := s.ServerCertificateStatus(); got != c.status {
				t.Fatalf("status %s, want %s (%s: %s)", got, c.status, e.Type, e.Detail)
			}
			if c.status == StatusTrusted {
				if e.Type != EventConnect {
					t.Fatal(e.Detail)
				}
				s.WriteUTFBytes("through the proxy\n")
				s.Flush()
				if got := readLine(t, s, q); got != "through the proxy" {
					t.Fatalf("echo %q", got)
				}
				return
			}
			if e.Type != EventIOError || !strings.Contains(e.Detail, c.detail) || e.Text != "Error #2031: Socket Error. URL: "+c.host {
				t.Fatalf("%s %q %q, want detail %q", e.Type, e.Text, e.Detail, c.detail)
			}
			if strings.Contains(e.Detail, lab.ProxyPassword) || strings.Contains(e.Detail, "nope") {
				t.Fatalf("a password in the detail: %q", e.Detail)
			}
		})
	}
}

func TestProxySetting(t *testing.T) {
	s := New(nil)
	if s.Proxy() != "" {
		t.Fatal("a proxy by default")
	}
	t.Setenv("ALL_PROXY", "socks5://127.0.0.1:1")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	if s.Proxy() != "" {
		t.Fatal("the environment chose a proxy")
	}
	if err := s.SetProxy("socks5h://u:secret@proxy.example:1080"); err != nil {
		t.Fatal(err)
	}
	if got := s.Proxy(); got != "socks5h://u:xxxxx@proxy.example:1080" {
		t.Errorf("Proxy() = %q", got)
	}
	for _, bad := range []string{"https://p:1", "ftp://p:1", "http://p", "http://:80", "http://p:0", "http://p:99999",
		"http://p:1/path", "http://p:1?q", "socks5://:x@p:1", "p:1", "%zz", "socks5://" + strings.Repeat("u", 256) + ":p@h:1"} {
		err := s.SetProxy(bad)
		if !errors.Is(err, ErrBadParam) {
			t.Errorf("SetProxy(%q) = %v", bad, err)
		}
	}
	if got := s.Proxy(); got != "socks5h://u:xxxxx@proxy.example:1080" {
		t.Errorf("a refused URL changed the setting: %q", got)
	}
	if err := s.SetProxy(""); err != nil || s.Proxy() != "" {
		t.Errorf("removing: %v %q", err, s.Proxy())
	}
}
