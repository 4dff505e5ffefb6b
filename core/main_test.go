package core

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securesocket/securesocket/tests/lab"
)

// The suite runs against the project's loopback lab, plus a few servers of
// its own (testServer) for behaviour the lab's scenarios cannot observe from
// the client side. Both are trusted through SSL_CERT_FILE, set before the
// first verification: Go reads the platform store once per process.
var (
	theLab   *lab.Lab
	testCA   *x509.Certificate
	testKey  *ecdsa.PrivateKey
	labPorts map[string]int
)

func TestMain(m *testing.M) {
	if os.Getenv("SECURESOCKET_STORE_CHILD") != "" || os.Getenv(memoryChildEnv) != "" {
		// A child of TestTrustStoreFaults (its own SSL_CERT_FILE) or of
		// TestClosedConnectionsGiveMemoryBack: no lab.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "securesocket-core-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	theLab, err = lab.Start(filepath.Join(dir, "lab"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(2)
	}
	labPorts = theLab.Ports
	testCA, testKey = newTestCA()
	labCA, err := os.ReadFile(theLab.CAFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bundle := filepath.Join(dir, "bundle.pem")
	b := append(labCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: testCA.Raw})...)
	if err := os.WriteFile(bundle, b, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv("SSL_CERT_FILE", bundle)
	os.Unsetenv("SSL_CERT_DIR")
	code := m.Run()
	theLab.Close()
	lab.RemoveAll(dir)
	os.Exit(code)
}

// tempDir is t.TempDir, removed by lab.RemoveAll, which also works under
// wine (make test-windows), where the testing package's os.RemoveAll fails.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "securesocket-core-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	return dir
}

func newTestCA() (*x509.Certificate, *ecdsa.PrivateKey) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "securesocket core test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

// testServerConfig is a TLS server configuration with a certificate for
// localhost (and 127.0.0.1) signed by the test CA.
func testServerConfig(t testing.TB) *tls.Config {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, testCA, &key.PublicKey, testKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// testServer starts a TLS server for localhost signed by the test CA; each
// accepted connection runs handle after the handshake. It returns the port.
func testServer(t testing.TB, handle func(*tls.Conn)) int {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", testServerConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				tc := c.(*tls.Conn)
				if tc.Handshake() != nil {
					return
				}
				handle(tc)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// waitFor drains q until an event of one of the given types arrives, and
// returns it; other events are returned in skipped. It fails the test after
// timeout.
func waitFor(t testing.TB, q *Queue, timeout time.Duration, types ...EventType) (Event, []Event) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var skipped []Event
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("no %v event within %v; saw %v", types, timeout, eventTypes(skipped))
		}
		e, ok := q.Wait(left)
		if !ok {
			continue
		}
		for _, ty := range types {
			if e.Type == ty {
				return e, skipped
			}
		}
		skipped = append(skipped, e)
	}
}

func eventTypes(es []Event) string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(string(e.Type))
	}
	return b.String()
}

// connected returns a socket connected to the named lab scenario.
func connected(t testing.TB, scenario string) (*Socket, *Queue) {
	t.Helper()
	q := NewQueue()
	s := New(q)
	if err := s.Connect("localhost", labPorts[scenario]); err != nil {
		t.Fatal(err)
	}
	e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
	if e.Type != EventConnect {
		t.Fatalf("connect to %s: %s (%s), status %s", scenario, e.Text, e.Detail, s.ServerCertificateStatus())
	}
	t.Cleanup(func() { s.Close() })
	return s, q
}

// waitAvailable waits until at least n bytes are buffered, draining events.
func waitAvailable(t testing.TB, s *Socket, q *Queue, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.BytesAvailable() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d bytes arrived", s.BytesAvailable(), n)
		}
		q.Wait(50 * time.Millisecond)
	}
}
