package core

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/securesocket/securesocket/tests/lab"
)

// connectWith connects a socket configured by setup to host:port of the
// scenario and returns it with its first connect or ioError event.
func connectWith(t *testing.T, host, scenario string, setup func(*Socket)) (*Socket, *Queue, Event) {
	t.Helper()
	q := NewQueue()
	s := New(q)
	t.Cleanup(func() { s.Close() })
	if setup != nil {
		setup(s)
	}
	if err := s.Connect(host, labPorts[scenario]); err != nil {
		t.Fatal(err)
	}
	e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
	return s, q, e
}

// readLine reads the next line the server sent, without its CR LF.
func readLine(t *testing.T, s *Socket, q *Queue) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var line []byte
	for {
		for s.BytesAvailable() > 0 {
			b, err := s.ReadUnsignedByte()
			if err != nil {
				t.Fatal(err)
			}
			if b == '\n' {
				return strings.TrimRight(string(line), "\r")
			}
			line = append(line, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line within 10 s (got %q)", line)
		}
		q.Wait(50 * time.Millisecond)
	}
}

func TestALPN(t *testing.T) {
	for _, c := range []struct {
		scenario string
		offer    []string
		want     string
	}{
		{lab.ALPN, []string{"http/1.1", "ss-lab/1"}, "ss-lab/1"},
		{lab.ALPN, []string{"http/1.1"}, "http/1.1"},
		{lab.ALPN, nil, ""},
		{lab.ALPNNone, []string{"ss-lab/1"}, ""},
	} {
		s, q, e := connectWith(t, "localhost", c.scenario, func(s *Socket) {
			if err := s.SetALPNProtocols(c.offer); err != nil {
				t.Fatal(err)
			}
		})
		if e.Type != EventConnect {
			t.Fatalf("%s %q: %s", c.scenario, c.offer, e.Detail)
		}
		if got := s.NegotiatedProtocol(); got != c.want {
			t.Errorf("%s %q: negotiated %q, want %q", c.scenario, c.offer, got, c.want)
		}
		if got := readLine(t, s, q); got != "alpn="+c.want+" sni=localhost" {
			t.Errorf("server says %q", got)
		}
		if !slices.Equal(s.ALPNProtocols(), c.offer) {
			t.Errorf("ALPNProtocols = %q", s.ALPNProtocols())
		}
		s.Close()
		if s.NegotiatedProtocol() != "" {
			t.Error("negotiated protocol after close")
		}
	}
	// Nothing in common: the server refuses the handshake.
	s, _, e := connectWith(t, "localhost", lab.ALPN, func(s *Socket) { s.SetALPNProtocols([]string{"imap"}) })
	if e.Type != EventIOError || s.ServerCertificateStatus() != StatusUnknown || !strings.Contains(e.Detail, "no application protocol") {
		t.Fatalf("no common protocol: %s %q status %s", e.Type, e.Detail, s.ServerCertificateStatus())
	}
}

func TestALPNBadNames(t *testing.T) {
	s := New(nil)
	for _, bad := range [][]string{{""}, {"ok", strings.Repeat("x", 256)}, slices.Repeat([]string{strings.Repeat("y", 255)}, 257)} {
		if err := s.SetALPNProtocols(bad); !errors.Is(err, ErrBadParam) {
			t.Errorf("%d names: %v", len(bad), err)
		}
	}
	if err := s.SetALPNProtocols([]string{strings.Repeat("x", 255)}); err != nil {
		t.Error(err)
	}
}

func TestServerName(t *testing.T) {
	// By address, verified for the name the certificate carries.
	s, q, e := connectWith(t, "127.0.0.1", lab.WrongHost, func(s *Socket) {
		if err := s.SetServerName("wrong.example"); err != nil {
			t.Fatal(err)
		}
	})
	if e.Type != EventConnect || s.ServerCertificateStatus() != StatusTrusted {
		t.Fatalf("wrong.example at 127.0.0.1: %s %s", e.Type, e.Detail)
	}
	s.WriteUTFBytes("hi\n")
	s.Flush()
	waitAvailable(t, s, q, 3)
	// The name is what the server sees as SNI.
	s, q, e = connectWith(t, "127.0.0.1", lab.ALPN, func(s *Socket) { s.SetServerName("localhost.") })
	if e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	if got := readLine(t, s, q); got != "alpn= sni=localhost" {
		t.Errorf("server says %q", got)
	}
	// Without it, an address sends no SNI.
	s, q, _ = connectWith(t, "127.0.0.1", lab.ALPN, nil)
	if got := readLine(t, s, q); got != "alpn= sni=" {
		t.Errorf("server says %q", got)
	}
	// A name the certificate does not carry is refused like any mismatch.
	s, _, e = connectWith(t, "localhost", lab.Trusted, func(s *Socket) { s.SetServerName("wrong.example") })
	if e.Type != EventIOError || s.ServerCertificateStatus() != StatusPrincipalMismatch || !strings.Contains(e.Detail, "wrong.example") {
		t.Fatalf("mismatch: %s %q %s", e.Type, e.Detail, s.ServerCertificateStatus())
	}
	for _, bad := range []string{"a b", "x\x00y", "-\n", strings.Repeat("a", 254), "a..b", "*.example"} {
		if err := s.SetServerName(bad); !errors.Is(err, ErrBadParam) {
			t.Errorf("SetServerName(%q) = %v", bad, err)
		}
	}
	if s.ServerName() != "wrong.example" {
		t.Errorf("a refused name changed the setting: %q", s.ServerName())
	}
	if err := s.SetServerName(""); err != nil || s.ServerName() != "" {
		t.Errorf("reset: %v %q", err, s.ServerName())
	}
}

func TestVersionAndCipher(t *testing.T) {
	s, _ := connected(t, lab.Trusted)
	if v := s.TLSVersion(); v != "TLSv1.3" {
		t.Errorf("version %q", v)
	}
	if c := s.CipherSuite(); !strings.HasPrefix(c, "TLS_AES_") && c != "TLS_CHACHA20_POLY1305_SHA256" {
		t.Errorf("cipher %q", c)
	}
	s.Close()
	if s.CipherSuite() != "" || s.TLSVersion() != "" {
		t.Error("facts after close")
	}
	// TLS 1.2 names the key exchange and signature too.
	s, _, e := connectWith(t, "localhost", lab.TLS10, func(s *Socket) { s.SetMinTLSVersion(0x0301) })
	if e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	if c := s.CipherSuite(); !strings.HasPrefix(c, "TLS_ECDHE_ECDSA_WITH_AES_") {
		t.Errorf("TLS 1.0 cipher %q", c)
	}
}

func TestTCPNoDelay(t *testing.T) {
	s, _ := connected(t, lab.Echo)
	if !s.TCPNoDelay() || !kernelNoDelay(t, s) {
		t.Fatal("default is not TCP_NODELAY")
	}
	if err := s.SetTCPNoDelay(false); err != nil {
		t.Fatal(err)
	}
	if s.TCPNoDelay() || kernelNoDelay(t, s) {
		t.Fatal("Nagle not back on the live socket")
	}
	s.SetTCPNoDelay(true)
	if !kernelNoDelay(t, s) {
		t.Fatal("TCP_NODELAY not set again")
	}
	// Set before connect: the new connection gets it.
	s, _, e := connectWith(t, "localhost", lab.Echo, func(s *Socket) { s.SetTCPNoDelay(false) })
	if e.Type != EventConnect || kernelNoDelay(t, s) {
		t.Fatalf("Nagle off on a socket set before connect (%s)", e.Type)
	}
	s.Close()
	if s.NativeHandle() != -1 {
		t.Error("native handle after close")
	}
	if err := s.SetTCPNoDelay(true); err != nil || !s.TCPNoDelay() {
		t.Error("setting while closed")
	}
}

// TestMeasureNagle measures small flushes with Nagle on and off (run with
// SECURESOCKET_MEASURE=1; docs/divergences.md quotes the numbers): a
// request written in two flushes, then its echo awaited, 200 times; and
// 5000 flushes of 100 bytes sent at once, until the whole echo is back.
func TestMeasureNagle(t *testing.T) {
	if os.Getenv("SECURESOCKET_MEASURE") == "" {
		t.Skip("set SECURESOCKET_MEASURE=1")
	}
	for _, noDelay := range []bool{true, false} {
		s, q, e := connectWith(t, "localhost", lab.Echo, func(s *Socket) { s.SetTCPNoDelay(noDelay) })
		if e.Type != EventConnect {
			t.Fatal(e.Detail)
		}
		part := make([]byte, 20)
		start := time.Now()
		for i := 0; i < 200; i++ {
			s.WriteBytes(part, 0, 0)
			s.Flush()
			s.WriteBytes(part, 0, 0)
			s.Flush()
			waitAvailable(t, s, q, 40)
			s.ReadBytes(40)
		}
		rr := time.Since(start)
		msg := make([]byte, 100)
		start = time.Now()
		for i := 0; i < 5000; i++ {
			s.WriteBytes(msg, 0, 0)
			s.Flush()
		}
		for got := 0; got < 5000*100; {
			waitAvailable(t, s, q, 1)
			n := s.BytesAvailable()
			s.ReadBytes(n)
			got += n
		}
		t.Logf("tcpNoDelay=%v: 200 two-flush requests %v (%v each); 5000 x 100-byte flushes echoed in %v",
			noDelay, rr.Round(time.Millisecond), (rr / 200).Round(time.Microsecond), time.Since(start).Round(time.Millisecond))
		s.Close()
	}
}
