package core

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/securesocket/securesocket/tests/lab"
)

// connectTo connects s to a lab scenario and returns the first connect or
// ioError event.
func connectTo(t *testing.T, s *Socket, scenario string) Event {
	t.Helper()
	if err := s.Connect("localhost", labPorts[scenario]); err != nil {
		t.Fatal(err)
	}
	e, _ := waitFor(t, s.Queue(), 15*time.Second, EventConnect, EventIOError)
	t.Cleanup(func() { s.Close() })
	return e
}

func labFile(t *testing.T, key string) []byte {
	t.Helper()
	b, err := os.ReadFile(theLab.Files[key])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRevocationScenarios(t *testing.T) {
	cases := []struct {
		scenario string
		mode     RevocationMode
		event    EventType
		status   CertificateStatus
		result   RevocationResult
	}{
		{lab.RevokedStaple, RevocationSoftFail, EventIOError, StatusRevoked, RevocationRevoked},
		{lab.RevokedCRL, RevocationSoftFail, EventIOError, StatusRevoked, RevocationRevoked},
		{lab.RevokedOCSP, RevocationSoftFail, EventIOError, StatusRevoked, RevocationRevoked},
		{lab.RevokedOCSP, RevocationHardFail, EventIOError, StatusRevoked, RevocationRevoked},
		{lab.GoodStaple, RevocationSoftFail, EventConnect, StatusTrusted, RevocationGood},
		{lab.GoodCRL, RevocationSoftFail, EventConnect, StatusTrusted, RevocationGood},
		{lab.GoodOCSP, RevocationHardFail, EventConnect, StatusTrusted, RevocationGood},
		{lab.RevokedCRL, RevocationOff, EventConnect, StatusTrusted, RevocationNotChecked},
		// A revoked staple is proof the server hands over: refused even off.
		{lab.RevokedStaple, RevocationOff, EventIOError, StatusRevoked, RevocationRevoked},
		{lab.GoodStaple, RevocationOff, EventConnect, StatusTrusted, RevocationNotChecked},
		{lab.Trusted, RevocationSoftFail, EventConnect, StatusTrusted, RevocationUnknown},
		{lab.Trusted, RevocationHardFail, EventIOError, StatusInvalid, RevocationUnknown},
		// OCSP must-staple: without a valid staple the certificate is
		// refused in every mode but off, even when its responder says good.
		{lab.MustStapleGood, RevocationSoftFail, EventConnect, StatusTrusted, RevocationGood},
		{lab.MustStapleGood, RevocationStapleOnly, EventConnect, StatusTrusted, RevocationGood},
		// Refused before anything is fetched: revocation unknown.
		{lab.MustStapleMissing, RevocationSoftFail, EventIOError, StatusInvalid, RevocationUnknown},
		{lab.MustStapleMissing, RevocationHardFail, EventIOError, StatusInvalid, RevocationUnknown},
		{lab.MustStapleMissing, RevocationStapleOnly, EventIOError, StatusInvalid, RevocationUnknown},
		{lab.MustStapleMissing, RevocationOff, EventConnect, StatusTrusted, RevocationNotChecked},
	}
	for _, c := range cases {
		t.Run(c.scenario+"/"+c.mode.String(), func(t *testing.T) {
			s := New(nil)
			if err := s.SetRevocationMode(c.mode); err != nil {
				t.Fatal(err)
			}
			e := connectTo(t, s, c.scenario)
			if e.Type != c.event || s.ServerCertificateStatus() != c.status || s.RevocationStatus() != c.result {
				t.Fatalf("%s status %s revocation %s (%s / %s); want %s %s %s", e.Type, s.ServerCertificateStatus(),
					s.RevocationStatus(), e.Detail, s.RevocationDetail(), c.event, c.status, c.result)
			}
			if c.result == RevocationRevoked && !strings.Contains(e.Detail, "revoked") {
				t.Errorf("detail %q", e.Detail)
			}
			if c.scenario == lab.MustStapleMissing && e.Type == EventIOError &&
				!strings.Contains(e.Detail, "requires a stapled OCSP response (OCSP must-staple, RFC 7633), but the server stapled none") {
				t.Errorf("detail %q", e.Detail)
			}
		})
	}
	if err := New(nil).SetRevocationMode(RevocationMode(42)); !errors.Is(err, ErrBadEnum) {
		t.Fatalf("bad mode: %v", err)
	}
}

// A responder that never answers: soft-fail connects within the timeout
// budget and says the result is unknown; hard-fail refuses.
func TestHangingResponder(t *testing.T) {
	for _, mode := range []RevocationMode{RevocationSoftFail, RevocationHardFail} {
		s := New(nil)
		s.SetRevocationMode(mode)
		s.SetTimeout(1500)
		start := time.Now()
		e := connectTo(t, s, lab.HangingResponder)
		took := time.Since(start)
		if took > 2500*time.Millisecond {
			t.Fatalf("%s: took %v with a 1500 ms timeout", mode, took)
		}
		if s.RevocationStatus() != RevocationUnknown {
			t.Fatalf("%s: revocation %s", mode, s.RevocationStatus())
		}
		want := EventConnect
		if mode == RevocationHardFail {
			want = EventIOError
		}
		if e.Type != want {
			t.Fatalf("%s: %s (%s)", mode, e.Type, e.Detail)
		}
	}
}

func TestChainBuildingCertificates(t *testing.T) {
	untrustedRoot := labFile(t, lab.FileUntrustedRootDER)
	cases := []struct {
		name     string
		scenario string
		der      []byte
		trusted  bool
		status   CertificateStatus
	}{
		{"anchor makes the other root trusted", lab.UntrustedRoot, untrustedRoot, true, StatusTrusted},
		{"the same root as an intermediate grants nothing", lab.UntrustedRoot, untrustedRoot, false, StatusUntrustedSigners},
		{"intermediate completes a chain", lab.MissingIntermediate, labFile(t, lab.FileIntermediateDER), false, StatusTrusted},
		{"self-signed server as anchor", lab.SelfSigned, labFile(t, lab.FileSelfSignedDER), true, StatusTrusted},
		{"an anchor does not fix an expired leaf", lab.Expired, labFile(t, lab.FileRootDER), true, StatusExpired},
		{"an anchor does not fix the host name", lab.WrongHost, labFile(t, lab.FileRootDER), true, StatusPrincipalMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(nil)
			s.SetRevocationMode(RevocationOff)
			if err := s.AddBinaryChainBuildingCertificate(c.der, c.trusted); err != nil {
				t.Fatal(err)
			}
			e := connectTo(t, s, c.scenario)
			if s.ServerCertificateStatus() != c.status {
				t.Fatalf("%s: status %s, want %s (%s)", e.Type, s.ServerCertificateStatus(), c.status, e.Detail)
			}
		})
	}
	// Without the anchor, a fresh socket is still refused: anchors belong to
	// the socket that added them.
	s := New(nil)
	if e := connectTo(t, s, lab.UntrustedRoot); e.Type != EventIOError {
		t.Fatal("an anchor leaked to another socket")
	}
	if err := s.AddBinaryChainBuildingCertificate([]byte("not DER"), true); err == nil || err.(*Error).ID != 2004 {
		t.Fatalf("bad DER: %v", err)
	}
	if err := s.AddBinaryChainBuildingCertificate(nil, true); err == nil || err.(*Error).ID != 2007 {
		t.Fatalf("nil: %v", err)
	}
}

func TestPublicKeyPins(t *testing.T) {
	root, err := x509.ParseCertificate(labFile(t, lab.FileRootDER))
	if err != nil {
		t.Fatal(err)
	}
	self, _ := x509.ParseCertificate(labFile(t, lab.FileSelfSignedDER))
	other := sha256.Sum256([]byte("some other key"))
	cases := []struct {
		name     string
		scenario string
		pins     [][]byte
		event    EventType
		status   CertificateStatus
	}{
		{"root key pinned", lab.Trusted, [][]byte{other[:], PublicKeyPin(root)}, EventConnect, StatusTrusted},
		{"no key pinned", lab.Trusted, [][]byte{other[:]}, EventIOError, StatusUntrustedSigners},
		{"a pin never trusts an untrusted chain", lab.SelfSigned, [][]byte{PublicKeyPin(self)}, EventIOError, StatusUntrustedSigners},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(nil)
			s.SetRevocationMode(RevocationOff)
			for _, p := range c.pins {
				if err := s.AddPublicKeyPin(p); err != nil {
					t.Fatal(err)
				}
			}
			e := connectTo(t, s, c.scenario)
			if e.Type != c.event || s.ServerCertificateStatus() != c.status {
				t.Fatalf("%s %s (%s)", e.Type, s.ServerCertificateStatus(), e.Detail)
			}
			if c.event == EventIOError && c.scenario == lab.Trusted && !strings.Contains(e.Detail, "pin mismatch") {
				t.Fatalf("detail %q", e.Detail)
			}
		})
	}
	if err := New(nil).AddPublicKeyPin(make([]byte, 31)); err == nil || err.(*Error).ID != 2004 {
		t.Fatalf("short pin: %v", err)
	}
}

func TestServerCertificate(t *testing.T) {
	s := New(nil)
	if s.ServerCertificate() != nil {
		t.Fatal("certificate before connect")
	}
	s.SetRevocationMode(RevocationOff)
	if e := connectTo(t, s, lab.Trusted); e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	c := s.ServerCertificate()
	chain := s.ServerCertificateChain()
	if c == nil || len(chain) != 3 {
		t.Fatalf("certificate %v, chain of %d", c, len(chain))
	}
	if c.Version != 2 || c.SerialNumber == "" || c.SubjectPublicKey == "" ||
		c.SignatureAlgorithmOID != "1.2.840.10045.4.3.2" || c.SubjectPublicKeyAlgorithmOID != "1.2.840.10045.2.1" ||
		c.SignatureAlgorithmParams != nil || c.IssuerUniqueID != "" {
		t.Fatalf("fields %+v", c)
	}
	if c.Issuer.CommonName != chain[1].Subject.CommonName || !strings.Contains(chain[2].Subject.CommonName, "root") {
		t.Fatalf("issuer %q, chain %q %q", c.Issuer.CommonName, chain[1].Subject.CommonName, chain[2].Subject.CommonName)
	}
	if !time.Now().After(c.ValidNotBefore) || !time.Now().Before(c.ValidNotAfter) {
		t.Fatal("validity")
	}
	leaf, err := x509.ParseCertificate(c.Encoded)
	if err != nil || !bytes.Equal(leaf.Raw, c.Encoded) {
		t.Fatal("encoded", err)
	}
	s.Close()
	if s.ServerCertificate() == nil {
		t.Fatal("close() dropped the certificate")
	}
}

func TestClientCertificates(t *testing.T) {
	cert, key := labFile(t, lab.FileClientCertPEM), labFile(t, lab.FileClientKeyPEM)
	keyForms := map[string]struct {
		cert, key []byte
		password  string
	}{
		"PEM":                  {cert, key, ""},
		"DER":                  {labFile(t, lab.FileClientCertDER), labFile(t, lab.FileClientKeyDER), ""},
		"SEC 1 PEM":            {cert, labFile(t, lab.FileClientKeyECPEM), ""},
		"encrypted PKCS#8":     {cert, labFile(t, lab.FileClientKeyEncryptedPEM), lab.ClientKeyPassword},
		"legacy encrypted PEM": {cert, labFile(t, lab.FileClientKeyLegacyEncryptedPEM), lab.ClientKeyPassword},
	}
	for name, f := range keyForms {
		for _, scenario := range []string{lab.ClientCert, lab.ClientCertTLS12} {
			t.Run(name+"/"+scenario, func(t *testing.T) {
				s := New(nil)
				s.SetRevocationMode(RevocationOff)
				if err := s.SetClientCertificate(f.cert, f.key, f.password); err != nil {
					t.Fatal(err)
				}
				if e := connectTo(t, s, scenario); e.Type != EventConnect {
					t.Fatalf("%s (%s)", e.Type, e.Detail)
				}
				s.WriteUTFBytes("ping")
				s.Flush()
				waitAvailable(t, s, s.Queue(), 4)
			})
		}
	}

	// Refusals: wrong password, a key that is not the certificate's.
	s := New(nil)
	for _, bad := range []struct {
		cert, key []byte
		pw        string
	}{
		{cert, labFile(t, lab.FileClientKeyEncryptedPEM), "wrong"},
		{cert, labFile(t, lab.FileClientKeyEncryptedPEM), ""},
		{cert, labFile(t, lab.FileWrongClientKeyPEM), ""},
		{[]byte("junk"), key, ""},
	} {
		if err := s.SetClientCertificate(bad.cert, bad.key, bad.pw); err == nil || err.(*Error).ID != 2004 {
			t.Fatalf("accepted a bad client certificate: %v", err)
		}
	}

	// Missing and wrong-CA client certificates: TLS 1.2 fails the connect;
	// TLS 1.3 connects first, then the server's alert is an ioError.
	wrongCert, wrongKey := labFile(t, lab.FileWrongClientCertPEM), labFile(t, lab.FileWrongClientKeyPEM)
	for _, withWrong := range []bool{false, true} {
		for _, scenario := range []string{lab.ClientCertTLS12, lab.ClientCert} {
			s := New(nil)
			s.SetRevocationMode(RevocationOff)
			if withWrong {
				if err := s.SetClientCertificate(wrongCert, wrongKey, ""); err != nil {
					t.Fatal(err)
				}
			}
			e := connectTo(t, s, scenario)
			if scenario == lab.ClientCert {
				if e.Type != EventConnect {
					t.Fatalf("TLS 1.3 wrong=%v: %s (%s)", withWrong, e.Type, e.Detail)
				}
				e, _ = waitFor(t, s.Queue(), 10*time.Second, EventIOError)
			}
			if e.Type != EventIOError || s.ServerCertificateStatus() != StatusTrusted {
				t.Fatalf("%s wrong=%v: %s status %s", scenario, withWrong, e.Type, s.ServerCertificateStatus())
			}
			want := "certificate required"
			if withWrong {
				want = "unknown certificate authority"
			} else if scenario == lab.ClientCertTLS12 {
				want = "handshake failure"
			}
			if !strings.Contains(e.Detail, want) {
				t.Fatalf("%s wrong=%v: detail %q, want %q", scenario, withWrong, e.Detail, want)
			}
			// Also after a TLS 1.3 connect: the failure detail is the
			// ioError's.
			if s.FailureDetail() != e.Detail {
				t.Fatalf("%s wrong=%v: failure detail %q, ioError %q", scenario, withWrong, s.FailureDetail(), e.Detail)
			}
		}
	}
}

// A must-staple certificate without a staple is refused before anything is
// fetched: no request reaches its OCSP responder, and the refusal says why
// even in hard-fail.
func TestMustStapleFetchesNothing(t *testing.T) {
	path := "/" + lab.MustStapleMissing + "/ocsp"
	for _, mode := range []RevocationMode{RevocationSoftFail, RevocationHardFail} {
		s := New(nil)
		s.SetRevocationMode(mode)
		e := connectTo(t, s, lab.MustStapleMissing)
		if e.Type != EventIOError || !strings.Contains(e.Detail, "must-staple") || s.FailureDetail() != e.Detail {
			t.Errorf("%s: %s %q", mode, e.Type, e.Detail)
		}
		if s.RevocationDetail() != e.Detail {
			t.Errorf("%s: revocation detail %q", mode, s.RevocationDetail())
		}
	}
	// Absolute: no test of this process may ever have fetched it (an
	// earlier fetch would also have cached a verdict and hidden a later one).
	if n := theLab.ResponderRequests(path); n != 0 {
		t.Errorf("%d requests reached the responder", n)
	}
}
