package core

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/securesocket/securesocket/tests/lab"
)

// The revocation tests are not parallel: some count the lab responders'
// requests, which another test fetching the same URL would disturb.

// labChain connects to a lab scenario the way the socket does (verifying
// against the lab root, never skipping verification) and returns the
// verified chain and the stapled OCSP response.
func labChain(t *testing.T, scenario string) ([]*x509.Certificate, []byte) {
	t.Helper()
	pem, err := os.ReadFile(theLab.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", theLab.Addr(scenario), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("%s: %v", scenario, err)
	}
	defer c.Close()
	st := c.ConnectionState()
	return st.VerifiedChains[0], st.OCSPResponse
}

func checkLab(t *testing.T, rc *RevocationChecker, scenario string, mode RevocationMode, timeout time.Duration) (RevocationResult, string, time.Duration) {
	t.Helper()
	chain, staple := labChain(t, scenario)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	res, detail := rc.Check(ctx, chain, staple, mode)
	return res, detail, time.Since(start)
}

func TestRevocationRevoked(t *testing.T) {
	for scenario, source := range map[string]string{
		lab.RevokedStaple: "OCSP response stapled by the server",
		lab.RevokedCRL:    "CRL " + theLab.ResponderURL("/revokedCRL/intermediate.crl"),
		lab.RevokedOCSP:   "OCSP " + theLab.ResponderURL("/revokedOCSP/ocsp"),
	} {
		for _, mode := range []RevocationMode{RevocationSoftFail, RevocationHardFail} {
			res, detail, _ := checkLab(t, NewRevocationChecker(), scenario, mode, 5*time.Second)
			if res != RevocationRevoked || !res.Refuses(mode) {
				t.Errorf("%s, %s: %s (%s)", scenario, mode, res, detail)
			}
			if !strings.Contains(detail, `certificate "localhost": revoked at `) ||
				!strings.Contains(detail, "reason keyCompromise ("+source+")") {
				t.Errorf("%s: detail %q", scenario, detail)
			}
		}
	}
}

func TestRevocationGood(t *testing.T) {
	for scenario, source := range map[string]string{
		lab.GoodStaple: "OCSP response stapled by the server",
		lab.GoodCRL:    "CRL " + theLab.ResponderURL("/goodCRL/intermediate.crl"),
		lab.GoodOCSP:   "OCSP " + theLab.ResponderURL("/goodOCSP/ocsp"),
	} {
		for _, mode := range []RevocationMode{RevocationSoftFail, RevocationHardFail} {
			res, detail, _ := checkLab(t, NewRevocationChecker(), scenario, mode, 5*time.Second)
			if res != RevocationGood || res.Refuses(mode) {
				t.Errorf("%s, %s: %s (%s)", scenario, mode, res, detail)
			}
			want := `certificate "localhost": good (` + source + `); issuing CA "securesocket lab intermediate": good (CRL ` +
				theLab.ResponderURL(lab.PathRootCRL) + ")"
			if detail != want {
				t.Errorf("%s: detail\n%q, want\n%q", scenario, detail, want)
			}
		}
	}
}

func TestRevocationHangingResponder(t *testing.T) {
	const timeout = 500 * time.Millisecond
	// Generous for a loaded machine, yet far below the 5 s fetch timeout:
	// what ends the wait must be ctx, not the fetch.
	const margin = time.Second
	for _, mode := range []RevocationMode{RevocationSoftFail, RevocationHardFail} {
		before := theLab.ResponderRequests(lab.HangingHTTP)
		res, detail, took := checkLab(t, NewRevocationChecker(), lab.HangingResponder, mode, timeout)
		if res != RevocationUnknown {
			t.Errorf("%s: %s (%s)", mode, res, detail)
		}
		if took < timeout-50*time.Millisecond || took > timeout+margin {
			t.Errorf("%s: Check took %v with a %v deadline", mode, took, timeout)
		}
		if refuses := res.Refuses(mode); refuses != (mode == RevocationHardFail) {
			t.Errorf("%s: refuses %v", mode, refuses)
		}
		if !strings.Contains(detail, "no answer within the connect timeout") {
			t.Errorf("detail %q", detail)
		}
		// Counted by the lab's goroutine: give it time on a busy machine.
		for deadline := time.Now().Add(5 * time.Second); theLab.ResponderRequests(lab.HangingHTTP) <= before && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if theLab.ResponderRequests(lab.HangingHTTP) <= before {
			t.Error("the hanging responder was never contacted")
		}
	}
}

func TestRevocationOff(t *testing.T) {
	before := theLab.ResponderRequests("/revokedOCSP/ocsp")
	for _, scenario := range []string{lab.GoodStaple, lab.RevokedCRL, lab.RevokedOCSP, lab.HangingResponder} {
		res, detail, took := checkLab(t, NewRevocationChecker(), scenario, RevocationOff, 5*time.Second)
		// No fetch (the counters below say so); the bound only catches a
		// wait for one.
		if res != RevocationNotChecked || res.Refuses(RevocationOff) || took > time.Second {
			t.Errorf("%s: %s (%s) in %v", scenario, res, detail, took)
		}
	}
	if theLab.ResponderRequests("/revokedOCSP/ocsp") != before {
		t.Error("mode off fetched")
	}
	// A valid revoked staple is refused in every mode, off included.
	res, detail, _ := checkLab(t, NewRevocationChecker(), lab.RevokedStaple, RevocationOff, 5*time.Second)
	if res != RevocationRevoked || !res.Refuses(RevocationOff) ||
		!strings.Contains(detail, `certificate "localhost": revoked `) || !strings.Contains(detail, "stapled by the server") ||
		!strings.Contains(detail, "revocation checking is off") {
		t.Errorf("revokedStaple, off: %s (%s)", res, detail)
	}
}

func TestRevocationStapleOnly(t *testing.T) {
	rc := NewRevocationChecker()
	// The staple covers the leaf; the intermediate, with nothing cached, is
	// not checked, which does not make the result unknown.
	if res, detail, _ := checkLab(t, rc, lab.GoodStaple, RevocationStapleOnly, 5*time.Second); res != RevocationGood ||
		!strings.Contains(detail, `issuing CA "securesocket lab intermediate": not checked`) {
		t.Errorf("goodStaple: %s (%s)", res, detail)
	}
	if res, detail, _ := checkLab(t, rc, lab.RevokedStaple, RevocationStapleOnly, 5*time.Second); res != RevocationRevoked || !res.Refuses(RevocationStapleOnly) {
		t.Errorf("revokedStaple: %s (%s)", res, detail)
	}
	ocspBefore, crlBefore := theLab.ResponderRequests("/goodOCSP/ocsp"), theLab.ResponderRequests(lab.PathRootCRL)
	res, detail, _ := checkLab(t, rc, lab.GoodOCSP, RevocationStapleOnly, 5*time.Second)
	if res != RevocationUnknown || res.Refuses(RevocationStapleOnly) {
		t.Errorf("goodOCSP without staple: %s (%s)", res, detail)
	}
	if !strings.Contains(detail, "the server stapled no OCSP response") {
		t.Errorf("detail %q", detail)
	}
	if theLab.ResponderRequests("/goodOCSP/ocsp") != ocspBefore || theLab.ResponderRequests(lab.PathRootCRL) != crlBefore {
		t.Error("stapleOnly fetched")
	}
	// What a checker already knows counts, without a fetch.
	if res, _, _ := checkLab(t, rc, lab.GoodOCSP, RevocationSoftFail, 5*time.Second); res != RevocationGood {
		t.Fatal(res)
	}
	if res, detail, _ := checkLab(t, rc, lab.GoodOCSP, RevocationStapleOnly, 5*time.Second); res != RevocationGood ||
		!strings.Contains(detail, "cached") || !strings.Contains(detail, "issuing CA \"securesocket lab intermediate\": good (CRL") {
		t.Errorf("goodOCSP after a soft-fail check: %s (%s)", res, detail)
	}
}

func TestRevocationCaching(t *testing.T) {
	rc := NewRevocationChecker()
	for _, c := range []struct {
		scenario, path string
		want           RevocationResult
	}{
		{lab.GoodOCSP, "/goodOCSP/ocsp", RevocationGood},
		{lab.RevokedOCSP, "/revokedOCSP/ocsp", RevocationRevoked},
		{lab.GoodCRL, "/goodCRL/intermediate.crl", RevocationGood},
		{lab.RevokedCRL, "/revokedCRL/intermediate.crl", RevocationRevoked},
	} {
		before := theLab.ResponderRequests(c.path)
		for i := range 3 {
			if res, detail, _ := checkLab(t, rc, c.scenario, RevocationHardFail, 5*time.Second); res != c.want {
				t.Fatalf("%s, check %d: %s (%s)", c.scenario, i, res, detail)
			}
			if n := theLab.ResponderRequests(c.path) - before; n != 1 {
				t.Errorf("%s, after check %d: %d requests, want 1", c.scenario, i, n)
			}
		}
	}
	// The intermediate's CRL (the root's) was fetched once for all four.
	before := theLab.ResponderRequests(lab.PathRootCRL)
	checkLab(t, rc, lab.GoodOCSP, RevocationSoftFail, 5*time.Second)
	if theLab.ResponderRequests(lab.PathRootCRL) != before {
		t.Error("the root's CRL was fetched again")
	}
}

// Sockets connecting at once to one server cause one fetch.
func TestRevocationConcurrentChecksShareFetches(t *testing.T) {
	rc := NewRevocationChecker()
	chain, staple := labChain(t, lab.GoodCRL)
	before := theLab.ResponderRequests("/goodCRL/intermediate.crl")
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if res, detail := rc.Check(ctx, chain, staple, RevocationHardFail); res != RevocationGood {
				t.Errorf("%s (%s)", res, detail)
			}
		})
	}
	wg.Wait()
	if n := theLab.ResponderRequests("/goodCRL/intermediate.crl") - before; n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

func TestRevocationStaleOCSP(t *testing.T) {
	rc := NewRevocationChecker()
	before := theLab.ResponderRequests("/staleOCSP/ocsp")
	res, detail, _ := checkLab(t, rc, lab.StaleOCSP, RevocationSoftFail, 5*time.Second)
	if res != RevocationUnknown || res.Refuses(RevocationSoftFail) || !res.Refuses(RevocationHardFail) {
		t.Errorf("%s (%s)", res, detail)
	}
	if !strings.Contains(detail, "OCSP response is stale: expired at ") {
		t.Errorf("detail %q", detail)
	}
	// The failure is remembered: no second request within failureTTL.
	res, detail, _ = checkLab(t, rc, lab.StaleOCSP, RevocationHardFail, 5*time.Second)
	if res != RevocationUnknown || !strings.Contains(detail, "remembered from an attempt less than 30s ago") {
		t.Errorf("second check: %s (%s)", res, detail)
	}
	if n := theLab.ResponderRequests("/staleOCSP/ocsp") - before; n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRevocationBadSignature(t *testing.T) {
	res, detail, _ := checkLab(t, NewRevocationChecker(), lab.BadSignatureOCSP, RevocationHardFail, 5*time.Second)
	if res != RevocationUnknown || !res.Refuses(RevocationHardFail) || !strings.Contains(detail, "signature") {
		t.Errorf("%s (%s)", res, detail)
	}
}

func TestRevocationSizeLimit(t *testing.T) {
	res, detail, took := checkLab(t, NewRevocationChecker(), lab.EndlessResponder, RevocationSoftFail, 5*time.Second)
	if res != RevocationUnknown || !strings.Contains(detail, "response too large: more than 65536 bytes") {
		t.Errorf("%s (%s)", res, detail)
	}
	if took > 2*time.Second {
		t.Errorf("took %v", took)
	}
}

// A staple about another certificate is ignored, and the other sources
// decide.
func TestRevocationForeignStapleIgnored(t *testing.T) {
	_, staple := labChain(t, lab.RevokedStaple)
	chain, _ := labChain(t, lab.GoodOCSP)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, detail := NewRevocationChecker().Check(ctx, chain, staple, RevocationHardFail)
	if res != RevocationGood || !strings.Contains(detail, "OCSP "+theLab.ResponderURL("/goodOCSP/ocsp")) {
		t.Errorf("%s (%s)", res, detail)
	}
	// The detail still says why the staple was not used.
	if !strings.Contains(detail, "; stapled OCSP response ignored: ") {
		t.Errorf("staple not mentioned: %s", detail)
	}
}

// ---- checks without the lab: a small PKI of the test's own ----

type revCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var revSerial = big.NewInt(1000)

func newRevCert(t *testing.T, tmpl *x509.Certificate, parent *revCA) *revCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = new(big.Int).Add(revSerial, big.NewInt(time.Now().UnixNano()))
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	}
	signer, signKey := tmpl, key
	if parent != nil {
		signer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &revCA{cert: c, key: key}
}

func newRevRoot(t *testing.T, name string) *revCA {
	return newRevCert(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil)
}

func newRevLeaf(t *testing.T, ca *revCA, serial int64, crl, ocspURLs []string) *revCA {
	return newRevCert(t, &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
		KeyUsage: x509.KeyUsageDigitalSignature, CRLDistributionPoints: crl, OCSPServer: ocspURLs,
	}, ca)
}

func ocspResponse(t *testing.T, issuer, responder *revCA, embed bool, tmpl ocsp.Response) []byte {
	t.Helper()
	if embed {
		tmpl.Certificate = responder.cert
	}
	der, err := ocsp.CreateResponse(issuer.cert, responder.cert, tmpl, responder.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestJudgeOCSP(t *testing.T) {
	ca := newRevRoot(t, "ca")
	leaf := newRevLeaf(t, ca, 42, nil, nil)
	now := time.Now()
	good := ocsp.Response{Status: ocsp.Good, SerialNumber: big.NewInt(42), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
	delegate := func(ekus ...x509.ExtKeyUsage) *revCA {
		return newRevCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "responder"},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: ekus}, ca)
	}
	otherCA := newRevRoot(t, "other ca")
	sameNameCA := newRevRoot(t, "ca")

	tests := []struct {
		name    string
		der     []byte
		wantErr string // "" = accepted
	}{
		{"signed by the issuer", ocspResponse(t, ca, ca, false, good), ""},
		{"issuer embedded", ocspResponse(t, ca, ca, true, good), ""},
		{"delegated with OCSPSigning", ocspResponse(t, ca, delegate(x509.ExtKeyUsageOCSPSigning), true, good), ""},
		{"delegated without OCSPSigning", ocspResponse(t, ca, delegate(x509.ExtKeyUsageServerAuth), true, good), "lacks the OCSPSigning"},
		{"delegate of another CA", func() []byte {
			d := newRevCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "responder"},
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}, otherCA)
			return ocspResponse(t, ca, d, true, good)
		}(), "not issued by the certificate's issuer"},
		{"signed by a CA of the same name", ocspResponse(t, ca, sameNameCA, false, good), "not signed by the issuer"},
		// Signed by the right key, but the CertID names another issuer.
		{"about another issuer's serial", func() []byte {
			der, err := ocsp.CreateResponse(otherCA.cert, ca.cert, good, ca.key)
			if err != nil {
				t.Fatal(err)
			}
			return der
		}(), "another issuer"},
		{"about another serial", ocspResponse(t, ca, ca, false, ocsp.Response{Status: ocsp.Good, SerialNumber: big.NewInt(43),
			ThisUpdate: good.ThisUpdate, NextUpdate: good.NextUpdate}), "no response matching"},
		{"expired", ocspResponse(t, ca, ca, false, ocsp.Response{Status: ocsp.Good, SerialNumber: big.NewInt(42),
			ThisUpdate: now.Add(-2 * time.Hour), NextUpdate: now.Add(-time.Hour)}), "stale"},
		{"from the future", ocspResponse(t, ca, ca, false, ocsp.Response{Status: ocsp.Good, SerialNumber: big.NewInt(42),
			ThisUpdate: now.Add(time.Hour), NextUpdate: now.Add(2 * time.Hour)}), "not valid before"},
		{"old without nextUpdate", ocspResponse(t, ca, ca, false, ocsp.Response{Status: ocsp.Good, SerialNumber: big.NewInt(42),
			ThisUpdate: now.Add(-48 * time.Hour)}), "no nextUpdate"},
		{"try later", ocsp.TryLaterErrorResponse, `answered "try later"`},
		{"garbage", []byte("<html>captive portal</html>"), "invalid OCSP response"},
	}
	rc := NewRevocationChecker()
	for _, tt := range tests {
		_, err := rc.judgeOCSP(tt.der, leaf.cert, ca.cert)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one with %q", tt.name, err, tt.wantErr)
		}
	}
}

// A stapled "good" cannot undo a revocation the checker already knows.
func TestStapledGoodDoesNotUndoKnownRevocation(t *testing.T) {
	ca := newRevRoot(t, "ca")
	leaf := newRevLeaf(t, ca, 42, nil, nil)
	now := time.Now()
	rc := NewRevocationChecker()
	revoked := ocsp.Response{Status: ocsp.Revoked, SerialNumber: big.NewInt(42), RevokedAt: now.Add(-time.Minute),
		ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
	rc.storeOCSPVerdict(newVerdictKey(leaf.cert, ca.cert), &revoked, "test")
	staple := ocspResponse(t, ca, ca, false, ocsp.Response{Status: ocsp.Good, SerialNumber: big.NewInt(42),
		ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)})
	res, detail := rc.Check(context.Background(), []*x509.Certificate{leaf.cert, ca.cert}, staple, RevocationSoftFail)
	if res != RevocationRevoked || !strings.Contains(detail, "cached; it overrides the \"good\" the server stapled") {
		t.Errorf("%s (%s)", res, detail)
	}
	// An invalid staple is reported, and so is the lack of any URL.
	res, detail = NewRevocationChecker().Check(context.Background(), []*x509.Certificate{leaf.cert, ca.cert}, []byte("junk"), RevocationSoftFail)
	if res != RevocationUnknown || !strings.Contains(detail, "stapled OCSP response ignored: invalid OCSP response") ||
		!strings.Contains(detail, "names no CRL distribution point") {
		t.Errorf("%s (%s)", res, detail)
	}
}

func TestParseCRL(t *testing.T) {
	ca := newRevRoot(t, "ca")
	leaf := newRevLeaf(t, ca, 7, nil, nil)
	sub := newRevCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "sub"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, ca)
	now := time.Now()
	crl := func(signer *revCA, tmpl x509.RevocationList) []byte {
		if tmpl.Number == nil {
			tmpl.Number = big.NewInt(1)
		}
		if tmpl.ThisUpdate.IsZero() {
			tmpl.ThisUpdate, tmpl.NextUpdate = now.Add(-time.Minute), now.Add(time.Hour)
		}
		der, err := x509.CreateRevocationList(rand.Reader, &tmpl, signer.cert, signer.key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	idp := func(der []byte) pkix.Extension {
		return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: der}
	}
	listing7 := []x509.RevocationListEntry{{SerialNumber: big.NewInt(7), RevocationTime: now.Add(-time.Hour), ReasonCode: 1}}

	c, err := parseCRL(crl(ca, x509.RevocationList{RevokedCertificateEntries: listing7}), ca.cert, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.revoked[serialKey(leaf.cert.SerialNumber)]; !ok || !c.covers(leaf.cert) || !c.until.After(now) {
		t.Errorf("serial 7 not listed: %+v", c)
	}
	// The same CRL served as PEM (openssl ca -gencrl's default).
	pemCRL := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl(ca, x509.RevocationList{RevokedCertificateEntries: listing7})})
	if c, err := parseCRL(pemCRL, ca.cert, now); err != nil {
		t.Errorf("PEM CRL: %v", err)
	} else if _, ok := c.revoked[serialKey(leaf.cert.SerialNumber)]; !ok {
		t.Error("PEM CRL: serial 7 not listed")
	}
	// Another PEM type is not a CRL.
	if _, err := parseCRL(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), ca.cert, now); err == nil ||
		!strings.Contains(err.Error(), "malformed CRL") {
		t.Errorf("PEM certificate as a CRL: %v", err)
	}

	// onlyContainsCACerts [2] TRUE: says nothing about a leaf.
	c, err = parseCRL(crl(ca, x509.RevocationList{ExtraExtensions: []pkix.Extension{idp([]byte{0x30, 0x03, 0x82, 0x01, 0xff})}}), ca.cert, now)
	if err != nil || c.covers(leaf.cert) || !c.covers(sub.cert) {
		t.Errorf("onlyContainsCACerts: %v, covers leaf %v", err, c != nil && c.covers(leaf.cert))
	}

	for name, tt := range map[string]struct {
		der     []byte
		issuer  *revCA
		wantErr string
	}{
		"another CA's CRL":     {crl(newRevRoot(t, "other"), x509.RevocationList{}), ca, "not by the certificate's issuer"},
		"same name, other key": {crl(newRevRoot(t, "ca"), x509.RevocationList{}), ca, "signature does not verify"},
		"issuer may not sign CRLs": {func() []byte {
			// Signed by sub, whose key usage lacks cRLSign.
			der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
				ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}, &x509.Certificate{
				Subject: sub.cert.Subject, SubjectKeyId: sub.cert.SubjectKeyId, KeyUsage: x509.KeyUsageCRLSign,
				RawSubject: sub.cert.RawSubject}, sub.key)
			if err != nil {
				t.Fatal(err)
			}
			return der
		}(), sub, "signature does not verify"},
		"delta CRL": {crl(ca, x509.RevocationList{ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 27},
			Critical: true, Value: []byte{0x02, 0x01, 0x01}}}}), ca, "critical extension"},
		"only some reasons": {crl(ca, x509.RevocationList{ExtraExtensions: []pkix.Extension{idp([]byte{0x30, 0x04, 0x83, 0x02, 0x07, 0x80})}}), ca, "only some revocation reasons"},
		"indirect":          {crl(ca, x509.RevocationList{ExtraExtensions: []pkix.Extension{idp([]byte{0x30, 0x03, 0x84, 0x01, 0xff})}}), ca, "indirect"},
		"garbage":           {[]byte("<html>captive portal</html>"), ca, "malformed CRL"},
	} {
		if _, err := parseCRL(tt.der, tt.issuer.cert, now); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error %v, want one with %q", name, err, tt.wantErr)
		}
	}
}

func TestRevocationWithoutUsableURLs(t *testing.T) {
	ca := newRevRoot(t, "ca")
	for name, leaf := range map[string]*revCA{
		"no URL": newRevLeaf(t, ca, 1, nil, nil),
		"no http URL": newRevLeaf(t, ca, 2, []string{"ldap://ldap.example/cn=ca?certificateRevocationList"},
			[]string{"https://ocsp.example/"}),
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		start := time.Now()
		res, detail := NewRevocationChecker().Check(ctx, []*x509.Certificate{leaf.cert, ca.cert}, nil, RevocationSoftFail)
		cancel()
		if res != RevocationUnknown || res.Refuses(RevocationSoftFail) || !res.Refuses(RevocationHardFail) || time.Since(start) > time.Second {
			t.Errorf("%s: %s (%s)", name, res, detail)
		}
		if name == "no URL" && !strings.Contains(detail, "names no CRL distribution point and no OCSP responder") ||
			name != "no URL" && strings.Count(detail, "skipped: only http:// is fetched") != 2 {
			t.Errorf("%s: detail %q", name, detail)
		}
	}
}

func TestRevocationTrivialChains(t *testing.T) {
	ca := newRevRoot(t, "ca")
	rc := NewRevocationChecker()
	if res, _ := rc.Check(context.Background(), []*x509.Certificate{ca.cert}, nil, RevocationHardFail); res != RevocationNotChecked || res.Refuses(RevocationHardFail) {
		t.Errorf("anchor alone: %s", res)
	}
	if res, _ := rc.Check(context.Background(), nil, nil, RevocationHardFail); res != RevocationUnknown || !res.Refuses(RevocationHardFail) {
		t.Errorf("no chain: %s", res)
	}
}

func TestRevocationModeNames(t *testing.T) {
	var zero RevocationMode
	if zero != RevocationSoftFail {
		t.Error("the zero mode is not the default, softFail")
	}
	for _, m := range []RevocationMode{RevocationOff, RevocationStapleOnly, RevocationSoftFail, RevocationHardFail} {
		if got, ok := ParseRevocationMode(m.String()); !ok || got != m {
			t.Errorf("%s does not round-trip", m)
		}
	}
	if got := []string{RevocationOff.String(), RevocationStapleOnly.String(), RevocationSoftFail.String(), RevocationHardFail.String()}; strings.Join(got, ",") != "off,stapleOnly,softFail,hardFail" {
		t.Errorf("names %v", got)
	}
	if _, ok := ParseRevocationMode("soft"); ok {
		t.Error("parsed an unknown name")
	}
	if RevocationMode(9).String() != "RevocationMode(9)" {
		t.Error(RevocationMode(9).String())
	}
}

func TestRefuses(t *testing.T) {
	modes := []RevocationMode{RevocationOff, RevocationStapleOnly, RevocationSoftFail, RevocationHardFail, RevocationMode(9)}
	want := map[RevocationResult][]bool{
		RevocationGood:       {false, false, false, false, false},
		RevocationNotChecked: {false, false, false, false, false},
		RevocationRevoked:    {true, true, true, true, true},
		RevocationUnknown:    {false, false, false, true, true},
		"bogus":              {true, true, true, true, true},
	}
	for r, w := range want {
		for i, m := range modes {
			if r.Refuses(m) != w[i] {
				t.Errorf("%s.Refuses(%s) = %v", r, m, !w[i])
			}
		}
	}
}

// An unusable mode number is read as hard-fail, never as off.
func TestRevocationInvalidModeIsStrict(t *testing.T) {
	ca := newRevRoot(t, "ca")
	leaf := newRevLeaf(t, ca, 1, nil, nil)
	res, _ := NewRevocationChecker().Check(context.Background(), []*x509.Certificate{leaf.cert, ca.cert}, nil, RevocationMode(9))
	if res != RevocationUnknown || !res.Refuses(RevocationMode(9)) {
		t.Errorf("%s", res)
	}
}

func TestRevocationCachesExpireAndStayBounded(t *testing.T) {
	rc := NewRevocationChecker()
	var mu sync.Mutex
	now := time.Now()
	rc.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	key := verdictKey{serial: "1"}
	rc.storeOCSPVerdict(key, &ocsp.Response{Status: ocsp.Good, NextUpdate: now.Add(time.Minute)}, "test")
	if _, ok := rc.cachedVerdict(key); !ok {
		t.Fatal("not cached")
	}
	advance(time.Minute)
	if _, ok := rc.cachedVerdict(key); ok {
		t.Error("cached past nextUpdate")
	}
	// No nextUpdate: never cached.
	rc.storeOCSPVerdict(key, &ocsp.Response{Status: ocsp.Good}, "test")
	if _, ok := rc.cachedVerdict(key); ok {
		t.Error("cached without nextUpdate")
	}
	// nextUpdate far away: capped.
	rc.storeOCSPVerdict(key, &ocsp.Response{Status: ocsp.Good, NextUpdate: now.Add(100 * 365 * 24 * time.Hour)}, "test")
	if v, _ := rc.cachedVerdict(key); !v.until.Equal(now.Add(maxCacheTTL)) {
		t.Errorf("cached until %v", v.until)
	}

	rc.fail("u", os.ErrDeadlineExceeded)
	if _, bad := rc.failed("u"); !bad {
		t.Error("failure not remembered")
	}
	advance(failureTTL)
	if _, bad := rc.failed("u"); bad {
		t.Error("failure remembered past failureTTL")
	}

	for i := range maxVerdicts + 100 {
		rc.storeOCSPVerdict(verdictKey{serial: big.NewInt(int64(i)).Text(16)}, &ocsp.Response{Status: ocsp.Good, NextUpdate: now.Add(time.Hour)}, "test")
		rc.fail(big.NewInt(int64(i)).Text(16), os.ErrDeadlineExceeded)
		rc.storeCRL(big.NewInt(int64(i)).Text(16), &cachedCRL{until: now.Add(time.Hour)})
	}
	if len(rc.verdicts) > maxVerdicts || len(rc.failures) > maxFailures || len(rc.crls) > maxCRLs {
		t.Errorf("caches hold %d verdicts, %d failures, %d CRLs", len(rc.verdicts), len(rc.failures), len(rc.crls))
	}
}

func TestMustStapleExtension(t *testing.T) {
	ext := func(value ...byte) *x509.Certificate {
		return &x509.Certificate{Extensions: []pkix.Extension{{Id: oidTLSFeature, Value: value}}}
	}
	cases := []struct {
		name string
		cert *x509.Certificate
		want bool
	}{
		{"no extension", &x509.Certificate{}, false},
		{"status_request", ext(0x30, 0x03, 0x02, 0x01, 0x05), true},
		{"status_request_v2 only", ext(0x30, 0x03, 0x02, 0x01, 0x11), false},
		{"both", ext(0x30, 0x06, 0x02, 0x01, 0x11, 0x02, 0x01, 0x05), true},
		{"empty list", ext(0x30, 0x00), false},
		{"garbled", ext(0x04, 0x01, 0x05), true},
		{"trailing bytes", ext(0x30, 0x03, 0x02, 0x01, 0x11, 0x00), true},
	}
	for _, c := range cases {
		if got := mustStaple(c.cert); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// A must-staple leaf whose staple is present but not usable is refused the
// same way as one without a staple.
func TestMustStapleBadStaple(t *testing.T) {
	chain, _ := labChain(t, lab.MustStapleGood)
	rc := NewRevocationChecker()
	if why := rc.stapleProblem(nil, chain[0], chain[1]); why != "the server stapled none" {
		t.Errorf("no staple: %q", why)
	}
	if why := rc.stapleProblem([]byte{0x30, 0x00}, chain[0], chain[1]); !strings.HasPrefix(why, "the stapled one is unusable: ") {
		t.Errorf("garbage staple: %q", why)
	}
	// A valid staple about another certificate (the goodStaple leaf).
	other, staple := labChain(t, lab.GoodStaple)
	if len(staple) == 0 {
		t.Fatal("goodStaple sent no staple")
	}
	if why := rc.stapleProblem(staple, chain[0], chain[1]); why == "" {
		t.Errorf("a staple about %s accepted for %s", other[0].SerialNumber, chain[0].SerialNumber)
	}
	_, good := labChain(t, lab.MustStapleGood)
	if why := rc.stapleProblem(good, chain[0], chain[1]); why != "" {
		t.Errorf("its own staple: %q", why)
	}
}

// A stale CRL or OCSP response says nothing good any more, but a revocation
// it records still stands (revocation is permanent), unless it is a
// certificate hold.
func TestStaleAnswersKeepRevocations(t *testing.T) {
	ca := newRevRoot(t, "ca")
	now := time.Now()
	staleCRL := func(entries ...x509.RevocationListEntry) []byte {
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
			ThisUpdate: now.Add(-48 * time.Hour), NextUpdate: now.Add(-24 * time.Hour), RevokedCertificateEntries: entries},
			ca.cert, ca.key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	entry := func(serial int64, reason int) x509.RevocationListEntry {
		return x509.RevocationListEntry{SerialNumber: big.NewInt(serial), RevocationTime: now.Add(-72 * time.Hour), ReasonCode: reason}
	}
	c, err := parseCRL(staleCRL(entry(1, 1)), ca.cert, now)
	if err != nil || !strings.Contains(c.stale, "CRL is stale: expired at") || c.until.After(now.Add(failureTTL+time.Second)) {
		t.Fatalf("stale CRL: %v %+v", err, c)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/compromised.crl", func(w http.ResponseWriter, _ *http.Request) { w.Write(staleCRL(entry(1, 1))) })
	mux.HandleFunc("/hold.crl", func(w http.ResponseWriter, _ *http.Request) { w.Write(staleCRL(entry(2, reasonCertificateHold))) })
	mux.HandleFunc("/empty.crl", func(w http.ResponseWriter, _ *http.Request) { w.Write(staleCRL()) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	crlChecker := NewRevocationChecker() // shared by the cases: the second round uses its cache
	for _, tt := range []struct {
		name   string
		serial int64
		path   string
		want   RevocationResult
		words  string
	}{
		{"revoked, key compromise", 1, "/compromised.crl", RevocationRevoked, "the answer is stale, but a revocation is permanent"},
		{"on hold", 2, "/hold.crl", RevocationUnknown, "CRL is stale: expired at"},
		{"not listed", 3, "/empty.crl", RevocationUnknown, "CRL is stale: expired at"},
	} {
		leaf := newRevLeaf(t, ca, tt.serial, []string{srv.URL + tt.path}, nil)
		for round, mode := range []RevocationMode{RevocationSoftFail, RevocationSoftFail, RevocationStapleOnly} {
			res, detail := crlChecker.Check(context.Background(), []*x509.Certificate{leaf.cert, ca.cert}, nil, mode)
			if res != tt.want || !strings.Contains(detail, tt.words) || round > 0 && tt.want == RevocationRevoked && !strings.Contains(detail, ", cached") {
				t.Errorf("CRL %s, round %d (%s): %s (%s)", tt.name, round, mode, res, detail)
			}
		}
	}

	leaf := newRevLeaf(t, ca, 42, nil, nil)
	stale := func(status, reason int) []byte {
		return ocspResponse(t, ca, ca, false, ocsp.Response{Status: status, SerialNumber: big.NewInt(42), RevokedAt: now.Add(-72 * time.Hour),
			RevocationReason: reason, ThisUpdate: now.Add(-48 * time.Hour), NextUpdate: now.Add(-24 * time.Hour)})
	}
	for _, tt := range []struct {
		name   string
		staple []byte
		want   RevocationResult
		words  string
	}{
		{"revoked", stale(ocsp.Revoked, 1), RevocationRevoked, "OCSP response stapled by the server; the answer is stale, but a revocation is permanent"},
		{"on hold", stale(ocsp.Revoked, reasonCertificateHold), RevocationUnknown, "stapled OCSP response ignored: OCSP response is stale"},
		{"good", stale(ocsp.Good, 0), RevocationUnknown, "stapled OCSP response ignored: OCSP response is stale"},
	} {
		res, detail := NewRevocationChecker().Check(context.Background(), []*x509.Certificate{leaf.cert, ca.cert}, tt.staple, RevocationSoftFail)
		if res != tt.want || !strings.Contains(detail, tt.words) {
			t.Errorf("staple %s: %s (%s)", tt.name, res, detail)
		}
	}
	// The same from a responder: revoked stands, and is asked again next
	// time (neither a verdict nor a failure is cached).
	var asked atomic.Int32
	ocspSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		asked.Add(1)
		w.Write(stale(ocsp.Revoked, 1))
	}))
	defer ocspSrv.Close()
	fetched := newRevLeaf(t, ca, 42, nil, []string{ocspSrv.URL})
	rc := NewRevocationChecker()
	for i := range 2 {
		res, detail := rc.Check(context.Background(), []*x509.Certificate{fetched.cert, ca.cert}, nil, RevocationSoftFail)
		if res != RevocationRevoked || !strings.Contains(detail, "(OCSP "+ocspSrv.URL+"; the answer is stale, but a revocation is permanent") {
			t.Errorf("responder, check %d: %s (%s)", i, res, detail)
		}
	}
	if n := asked.Load(); n != 2 {
		t.Errorf("the responder was asked %d times for 2 checks", n)
	}
	// A must-staple certificate is not satisfied by a stale staple, except
	// one that proves a revocation: that one is refused as revoked.
	if why := NewRevocationChecker().stapleProblem(stale(ocsp.Good, 0), leaf.cert, ca.cert); !strings.Contains(why, "stale") {
		t.Errorf("stale good staple for must-staple: %q", why)
	}
	if why := NewRevocationChecker().stapleProblem(stale(ocsp.Revoked, 1), leaf.cert, ca.cert); why != "" {
		t.Errorf("stale revoked staple for must-staple: %q", why)
	}
}
