package lab

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// presented dials a revocation scenario and returns its leaf, its
// intermediate and the stapled OCSP response, after the echo works.
func presented(t *testing.T, name string) (leaf, inter *x509.Certificate, staple []byte) {
	t.Helper()
	c := mustDial(t, name)
	roundTrip(t, c, []byte("revocation"))
	st := c.ConnectionState()
	if len(st.PeerCertificates) != 2 {
		t.Fatalf("%s sent %d certificates", name, len(st.PeerCertificates))
	}
	return st.PeerCertificates[0], st.PeerCertificates[1], st.OCSPResponse
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return body
}

func askOCSP(t *testing.T, url string, leaf, inter *x509.Certificate) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(leaf, inter, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s %v", url, resp.Status, err)
	}
	return body
}

func TestRevocationLeafURLs(t *testing.T) {
	t.Parallel()
	base := shared.ResponderURL("")
	tests := []struct {
		name      string
		crl, ocsp string
		staple    bool
	}{
		{RevokedStaple, "", "", true},
		{GoodStaple, "", "", true},
		{RevokedCRL, base + "/revokedCRL/intermediate.crl", "", false},
		{GoodCRL, base + "/goodCRL/intermediate.crl", "", false},
		{RevokedOCSP, "", base + "/revokedOCSP/ocsp", false},
		{GoodOCSP, "", base + "/goodOCSP/ocsp", false},
		{StaleOCSP, "", base + "/staleOCSP/ocsp", false},
		{BadSignatureOCSP, "", base + "/badSignatureOCSP/ocsp", false},
		{EndlessResponder, "", base + "/endlessResponder/ocsp", false},
		{MustStapleGood, "", base + "/mustStapleGood/ocsp", true},
		{MustStapleMissing, "", base + "/mustStapleMissing/ocsp", false},
	}
	for _, tt := range tests {
		leaf, inter, staple := presented(t, tt.name)
		if got := strings.Join(leaf.CRLDistributionPoints, " "); got != tt.crl {
			t.Errorf("%s: CRL DPs %q, want %q", tt.name, got, tt.crl)
		}
		if got := strings.Join(leaf.OCSPServer, " "); got != tt.ocsp {
			t.Errorf("%s: OCSP %q, want %q", tt.name, got, tt.ocsp)
		}
		if (len(staple) > 0) != tt.staple {
			t.Errorf("%s: staple of %d bytes", tt.name, len(staple))
		}
		mustStaple := false
		for _, e := range leaf.Extensions {
			if e.Id.Equal(mustStapleExt.Id) && bytes.Equal(e.Value, mustStapleExt.Value) {
				mustStaple = true
			}
		}
		if want := strings.HasPrefix(tt.name, "mustStaple"); mustStaple != want {
			t.Errorf("%s: must-staple extension %v, want %v", tt.name, mustStaple, want)
		}
		if want := []string{shared.ResponderURL(PathRootCRL)}; len(inter.CRLDistributionPoints) != 1 || inter.CRLDistributionPoints[0] != want[0] {
			t.Errorf("%s: intermediate CRL DPs %v, want %v", tt.name, inter.CRLDistributionPoints, want)
		}
	}
	leaf, _, _ := presented(t, HangingResponder)
	if len(leaf.CRLDistributionPoints) != 0 || len(leaf.OCSPServer) != 1 ||
		!strings.HasPrefix(leaf.OCSPServer[0], "http://127.0.0.1:") || strings.HasPrefix(leaf.OCSPServer[0], base) {
		t.Errorf("hangingResponder: CRL %v, OCSP %v", leaf.CRLDistributionPoints, leaf.OCSPServer)
	}
}

func TestStaples(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]int{RevokedStaple: ocsp.Revoked, GoodStaple: ocsp.Good} {
		leaf, inter, staple := presented(t, name)
		resp, err := ocsp.ParseResponseForCert(staple, leaf, inter)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if resp.Status != want || resp.Certificate != nil || time.Until(resp.NextUpdate) < 30*time.Minute {
			t.Errorf("%s: status %d (want %d), signer %v, next update %v", name, resp.Status, want, resp.Certificate, resp.NextUpdate)
		}
	}
}

func TestCRLs(t *testing.T) {
	t.Parallel()
	p := shared.pki
	root, err := x509.ParseRevocationList(httpGet(t, shared.ResponderURL(PathRootCRL)))
	if err != nil {
		t.Fatal(err)
	}
	if err := root.CheckSignatureFrom(p.root.cert); err != nil || len(root.RevokedCertificateEntries) != 0 {
		t.Errorf("root CRL: %v, %d entries", err, len(root.RevokedCertificateEntries))
	}
	listed := map[string]bool{}
	for _, path := range []string{PathIntermediateCRL, "/goodCRL/intermediate.crl"} {
		crl, err := x509.ParseRevocationList(httpGet(t, shared.ResponderURL(path)))
		if err != nil {
			t.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(p.intermediate.cert); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if time.Until(crl.NextUpdate) < 30*time.Minute {
			t.Errorf("%s: next update %v", path, crl.NextUpdate)
		}
		for _, e := range crl.RevokedCertificateEntries {
			listed[serialKey(e.SerialNumber)] = true
			if e.ReasonCode != revokedReason {
				t.Errorf("reason %d", e.ReasonCode)
			}
		}
	}
	for name, revoked := range map[string]bool{RevokedStaple: true, RevokedCRL: true, RevokedOCSP: true,
		GoodStaple: false, GoodCRL: false, GoodOCSP: false} {
		leaf, _, _ := presented(t, name)
		if listed[serialKey(leaf.SerialNumber)] != revoked {
			t.Errorf("%s: listed %v, want %v", name, !revoked, revoked)
		}
	}
}

func TestOCSPResponder(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]int{RevokedOCSP: ocsp.Revoked, GoodOCSP: ocsp.Good, RevokedCRL: ocsp.Revoked} {
		leaf, inter, _ := presented(t, name)
		before := shared.ResponderRequests("/" + name + "/ocsp")
		resp, err := ocsp.ParseResponseForCert(askOCSP(t, shared.ResponderURL("/"+name+"/ocsp"), leaf, inter), leaf, inter)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if resp.Status != want || resp.Certificate == nil || !hasOCSPSigning(resp.Certificate) {
			t.Errorf("%s: status %d, want %d; delegated signer %v", name, resp.Status, want, resp.Certificate)
		}
		if n := shared.ResponderRequests("/" + name + "/ocsp"); n != before+1 {
			t.Errorf("%s: %d requests counted, want %d", name, n, before+1)
		}
	}

	// The GET form of RFC 6960 appendix A.
	leaf, inter, _ := presented(t, GoodOCSP)
	req, _ := ocsp.CreateRequest(leaf, inter, nil)
	body := httpGet(t, shared.ResponderURL(PathOCSP+"/"+base64.StdEncoding.EncodeToString(req)))
	if resp, err := ocsp.ParseResponseForCert(body, leaf, inter); err != nil || resp.Status != ocsp.Good {
		t.Errorf("GET: %v", err)
	}

	// Misbehaving responders.
	leaf, inter, _ = presented(t, StaleOCSP)
	resp, err := ocsp.ParseResponseForCert(askOCSP(t, leaf.OCSPServer[0], leaf, inter), leaf, inter)
	if err != nil || time.Since(resp.NextUpdate) < time.Hour {
		t.Errorf("staleOCSP: %v, next update %v", err, resp.NextUpdate)
	}
	leaf, inter, _ = presented(t, BadSignatureOCSP)
	if _, err := ocsp.ParseResponseForCert(askOCSP(t, leaf.OCSPServer[0], leaf, inter), leaf, inter); err == nil {
		t.Error("badSignatureOCSP: the signature verified")
	}

	// A certificate of another CA is not the responder's business.
	other, err := shared.pki.otherInter.issueLeaf(localhostLeaf(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(askOCSP(t, shared.ResponderURL(PathOCSP), other.cert, shared.pki.otherInter.cert), ocsp.UnauthorizedErrorResponse) {
		t.Error("a request about another CA's certificate was not refused")
	}
}

func hasOCSPSigning(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageOCSPSigning {
			return true
		}
	}
	return false
}

func TestHangingHTTP(t *testing.T) {
	t.Parallel()
	before := shared.ResponderRequests(HangingHTTP)
	c, err := net.Dial("tcp", strings.TrimPrefix(presentedOCSP(t, HangingResponder), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var b [1]byte
	if n, err := c.Read(b[:]); n != 0 || !isTimeout(err) {
		t.Errorf("the hanging server answered: %d bytes, %v", n, err)
	}
	// Counted by the server's own goroutine: give it time on a busy machine.
	for deadline := time.Now().Add(5 * time.Second); shared.ResponderRequests(HangingHTTP) <= before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if shared.ResponderRequests(HangingHTTP) <= before {
		t.Error("connection not counted")
	}
}

// presentedOCSP returns the host:port part of a scenario leaf's OCSP URL.
func presentedOCSP(t *testing.T, name string) string {
	leaf, _, _ := presented(t, name)
	u := leaf.OCSPServer[0]
	return u[:strings.Index(u[len("http://"):], "/")+len("http://")]
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestEndlessResponder(t *testing.T) {
	t.Parallel()
	leaf, inter, _ := presented(t, EndlessResponder)
	req, _ := ocsp.CreateRequest(leaf, inter, nil)
	resp, err := http.Post(leaf.OCSPServer[0], "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if n, err := io.CopyN(io.Discard, resp.Body, 4<<20); n != 4<<20 || err != nil {
		t.Errorf("read %d bytes of the endless body: %v", n, err)
	}
}
