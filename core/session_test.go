package core

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// roundTrip connects s to port, checks one echoed byte (which also makes the
// reader take the server's session ticket) and returns the connect's
// outcome: the connect or ioError event.
func roundTrip(t *testing.T, s *Socket, q *Queue, port int) Event {
	t.Helper()
	if err := s.Connect("localhost", port); err != nil {
		t.Fatal(err)
	}
	e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
	if e.Type != EventConnect {
		return e
	}
	s.WriteInt8(7)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, s, q, 1)
	if b, err := s.ReadUnsignedByte(); err != nil || b != 7 {
		t.Fatalf("echo: %v %v", b, err)
	}
	return e
}

func newSessionSocket(t *testing.T, setup ...func(*Socket)) (*Socket, *Queue) {
	q := NewQueue()
	s := New(q)
	for _, f := range setup {
		f(s)
	}
	t.Cleanup(func() { s.Close() })
	return s, q
}

// verdict is everything a socket reports about the server's certificate.
type verdict struct {
	status          CertificateStatus
	revStatus       RevocationResult
	revDetail, tls  string
	chain           [][]byte
	detailOnFailure string
}

func verdictOf(s *Socket) verdict {
	v := verdict{status: s.ServerCertificateStatus(), revStatus: s.RevocationStatus(),
		revDetail: s.RevocationDetail(), tls: s.TLSVersion(), detailOnFailure: s.FailureDetail()}
	s.mu.Lock()
	for _, c := range s.peerChain {
		v.chain = append(v.chain, c.Raw)
	}
	s.mu.Unlock()
	return v
}

func TestSessionResumedReportsTheSameVerdict(t *testing.T) {
	port := labPorts["echo"]
	first, q1 := newSessionSocket(t)
	roundTrip(t, first, q1, port)
	first.Close()

	resumed, q2 := newSessionSocket(t)
	if !resumed.SessionCache() {
		t.Fatal("the session cache is not on by default")
	}
	roundTrip(t, resumed, q2, port)
	if !resumed.SessionResumed() {
		t.Fatal("the second connection to the same server with the same settings did not resume")
	}
	fresh, q3 := newSessionSocket(t, func(s *Socket) { s.SetSessionCache(false) })
	roundTrip(t, fresh, q3, port)
	if fresh.SessionResumed() {
		t.Fatal("a socket with the session cache off resumed")
	}
	a, b := verdictOf(resumed), verdictOf(fresh)
	if a.status != StatusTrusted || len(a.chain) < 2 {
		t.Fatalf("resumed connection: status %s, chain of %d", a.status, len(a.chain))
	}
	if a.status != b.status || a.revStatus != b.revStatus || a.revDetail != b.revDetail || a.tls != b.tls ||
		len(a.chain) != len(b.chain) {
		t.Fatalf("resumed %+v\nfresh %+v", a, b)
	}
	for i := range a.chain {
		if !bytes.Equal(a.chain[i], b.chain[i]) {
			t.Fatalf("chain certificate %d differs", i)
		}
	}
	// Still resumed after the cache-off socket's full handshake, and the
	// fact stays after close like the certificate status.
	resumed.Close()
	if !resumed.SessionResumed() {
		t.Fatal("SessionResumed changed at close")
	}
}

// sessionServer serves chain (leaf first) with key on loopback, echoing.
func sessionServer(t *testing.T, chain [][]byte, key *ecdsa.PrivateKey, configure ...func(*tls.Config)) int {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key}}}
	for _, f := range configure {
		f(cfg)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port
}

type sessionPKI struct {
	ca      *x509.Certificate
	caKey   *ecdsa.PrivateKey
	leaf    []byte
	leafKey *ecdsa.PrivateKey
}

// newSessionPKI makes a CA valid until caUntil and a localhost leaf valid
// until leafUntil that names ocspURL (if any) as its responder.
func newSessionPKI(t *testing.T, caUntil, leafUntil time.Time, ocspURL string) sessionPKI {
	t.Helper()
	var p sessionPKI
	p.caKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "session test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: caUntil, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p.caKey.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	p.leafKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: leafUntil,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if ocspURL != "" {
		leaf.OCSPServer = []string{ocspURL}
	}
	if p.leaf, err = x509.CreateCertificate(rand.Reader, leaf, p.ca, &p.leafKey.PublicKey, p.caKey); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p sessionPKI) trust(s *Socket) {
	if err := s.AddBinaryChainBuildingCertificate(p.ca.Raw, true); err != nil {
		panic(err)
	}
}

func TestSessionCacheNeverCrossesTrustSettings(t *testing.T) {
	p := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")
	port := sessionServer(t, [][]byte{p.leaf}, p.leafKey)
	clientKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ctmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	cder, _ := x509.CreateCertificate(rand.Reader, ctmpl, ctmpl, &clientKey.PublicKey, clientKey)
	kder, _ := x509.MarshalPKCS8PrivateKey(clientKey)
	other := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")

	base, qb := newSessionSocket(t, p.trust)
	if e := roundTrip(t, base, qb, port); e.Type != EventConnect {
		t.Fatalf("base connect: %s", e.Detail)
	}
	base.Close()
	variants := map[string]func(*Socket){
		"another anchor too": func(s *Socket) { p.trust(s); s.AddBinaryChainBuildingCertificate(other.ca.Raw, true) },
		"an intermediate":    func(s *Socket) { p.trust(s); s.AddBinaryChainBuildingCertificate(other.ca.Raw, false) },
		"a pin":              func(s *Socket) { p.trust(s); s.AddPublicKeyPin(PublicKeyPin(p.ca)) },
		"a client certificate": func(s *Socket) {
			p.trust(s)
			if err := s.SetClientCertificate(cder, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), ""); err != nil {
				t.Fatal(err)
			}
		},
		"revocation off":       func(s *Socket) { p.trust(s); s.SetRevocationMode(RevocationOff) },
		"a minimum of TLS 1.3": func(s *Socket) { p.trust(s); s.SetMinTLSVersion(tls.VersionTLS13) },
	}
	for name, setup := range variants {
		t.Run(name, func(t *testing.T) {
			for i, want := range []bool{false, true} {
				s, q := newSessionSocket(t, setup)
				if e := roundTrip(t, s, q, port); e.Type != EventConnect {
					t.Fatalf("connect %d: %s", i, e.Detail)
				}
				if s.SessionResumed() != want {
					t.Fatalf("connect %d: resumed %v, want %v", i, s.SessionResumed(), want)
				}
				s.Close()
			}
		})
	}
	// The base settings' own session is still there.
	again, qa := newSessionSocket(t, p.trust)
	roundTrip(t, again, qa, port)
	if !again.SessionResumed() {
		t.Fatal("the base settings did not resume")
	}
}

// setClock moves the verification clock by d for the rest of the test.
func setClock(t *testing.T, d time.Duration) {
	timeNow = func() time.Time { return time.Now().Add(d) }
	t.Cleanup(func() { timeNow = time.Now })
}

func TestResumedSessionIsJudgedAgain(t *testing.T) {
	t.Run("issuer expired since", func(t *testing.T) {
		// The leaf outlives its CA: whichever check sees it first
		// (crypto/tls's own session check, or the socket's verification on
		// resumption), the connect is refused as a fresh one would be.
		p := newSessionPKI(t, time.Now().Add(2*time.Hour), time.Now().Add(24*time.Hour), "")
		port := sessionServer(t, [][]byte{p.leaf}, p.leafKey)
		s, q := newSessionSocket(t, p.trust)
		if e := roundTrip(t, s, q, port); e.Type != EventConnect {
			t.Fatal(e.Detail)
		}
		s.Close()
		setClock(t, 3*time.Hour)
		s2, q2 := newSessionSocket(t, p.trust)
		e := roundTrip(t, s2, q2, port)
		if e.Type != EventIOError || s2.ServerCertificateStatus() != StatusInvalidChain {
			t.Fatalf("got %s %s (%s)", e.Type, s2.ServerCertificateStatus(), e.Detail)
		}
		// The refused session is gone: with the clock back, a full handshake.
		timeNow = time.Now
		s3, q3 := newSessionSocket(t, p.trust)
		if e := roundTrip(t, s3, q3, port); e.Type != EventConnect {
			t.Fatal(e.Detail)
		}
		if s3.SessionResumed() {
			t.Fatal("a session refused on resumption was offered again")
		}
	})
	t.Run("leaf expired since", func(t *testing.T) {
		p := newSessionPKI(t, time.Now().Add(48*time.Hour), time.Now().Add(2*time.Hour), "")
		port := sessionServer(t, [][]byte{p.leaf}, p.leafKey)
		s, q := newSessionSocket(t, p.trust)
		if e := roundTrip(t, s, q, port); e.Type != EventConnect {
			t.Fatal(e.Detail)
		}
		s.Close()
		setClock(t, 3*time.Hour)
		s2, q2 := newSessionSocket(t, p.trust)
		e := roundTrip(t, s2, q2, port)
		if e.Type != EventIOError || s2.ServerCertificateStatus() != StatusExpired {
			t.Fatalf("got %s %s (%s)", e.Type, s2.ServerCertificateStatus(), e.Detail)
		}
	})
	t.Run("revoked since", func(t *testing.T) {
		var revoked atomic.Bool
		var p sessionPKI
		ready := make(chan struct{})
		responder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-ready
			st := ocsp.Good
			if revoked.Load() {
				st = ocsp.Revoked
			}
			// No nextUpdate: the checker caches nothing and asks every time.
			der, err := ocsp.CreateResponse(p.ca, p.ca, ocsp.Response{Status: st, SerialNumber: big.NewInt(77),
				ThisUpdate: time.Now().Add(-time.Minute), RevokedAt: time.Now().Add(-time.Minute)}, p.caKey)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Header().Set("Content-Type", "application/ocsp-response")
			w.Write(der)
		}))
		defer responder.Close()
		p = newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), responder.URL)
		close(ready)
		port := sessionServer(t, [][]byte{p.leaf}, p.leafKey)
		s, q := newSessionSocket(t, p.trust)
		if e := roundTrip(t, s, q, port); e.Type != EventConnect || s.RevocationStatus() != RevocationGood {
			t.Fatalf("%s %s: %s", e.Type, s.RevocationStatus(), s.RevocationDetail())
		}
		s.Close()
		revoked.Store(true)
		s2, q2 := newSessionSocket(t, p.trust)
		e := roundTrip(t, s2, q2, port)
		if e.Type != EventIOError || s2.ServerCertificateStatus() != StatusRevoked || s2.RevocationStatus() != RevocationRevoked {
			t.Fatalf("got %s %s %s (%s)", e.Type, s2.ServerCertificateStatus(), s2.RevocationStatus(), e.Detail)
		}
		if !s2.refusedResumed {
			t.Fatal("the refusal was not on a resumed handshake")
		}
		revoked.Store(false)
		s3, q3 := newSessionSocket(t, p.trust)
		if e := roundTrip(t, s3, q3, port); e.Type != EventConnect {
			t.Fatal(e.Detail)
		}
		if s3.SessionResumed() {
			t.Fatal("a session refused on resumption was offered again")
		}
	})
}
