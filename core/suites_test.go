package core

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"
)

// TLS 1.2 offers AEAD suites only: a server restricted to
// ECDHE-ECDSA-AES128-CBC-SHA is refused (no shared suite), unless the
// application lowered minTLSVersion for legacy servers.
func TestNoCBCSuitesInTLS12(t *testing.T) {
	q := NewQueue()
	s := New(q)
	defer s.Close()
	s.Connect("localhost", labPorts["cbcSHA1"])
	e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
	if e.Type != EventIOError || !strings.Contains(e.Detail, "handshake failure") {
		t.Fatalf("%s %q, want an ioError with a handshake failure", e.Type, e.Detail)
	}
	if s.ServerCertificateStatus() != StatusUnknown {
		t.Errorf("status %s", s.ServerCertificateStatus())
	}

	legacy := New(q)
	defer legacy.Close()
	if err := legacy.SetMinTLSVersion(tls.VersionTLS10); err != nil {
		t.Fatal(err)
	}
	legacy.Connect("localhost", labPorts["cbcSHA1"])
	e, _ = waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
	if e.Type != EventConnect {
		t.Fatalf("with minTLSVersion TLS 1.0: %s %q", e.Type, e.Detail)
	}
	if v := legacy.TLSVersion(); v != "TLSv1.2" {
		t.Errorf("version %s", v)
	}
}

// The trusted scenario still negotiates an AEAD suite in TLS 1.2.
func TestTLS12SuiteIsAEAD(t *testing.T) {
	at := &attempt{}
	cfg := clientTLSConfig(t.Context(), "localhost", tls.VersionTLS12, trustSettings{}, at)
	if err := at.prepare(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	cfg.MaxVersion = tls.VersionTLS12
	c, err := tls.Dial("tcp", theLab.Addr("trusted"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	name := tls.CipherSuiteName(c.ConnectionState().CipherSuite)
	if !strings.Contains(name, "GCM") && !strings.Contains(name, "CHACHA20") {
		t.Errorf("suite %s", name)
	}
	for _, id := range cfg.CipherSuites {
		if strings.Contains(tls.CipherSuiteName(id), "CBC") {
			t.Errorf("offers %s", tls.CipherSuiteName(id))
		}
	}
}
