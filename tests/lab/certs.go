package lab

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"
)

// authority is a certificate together with the key that signs what it issues.
// Roots, intermediates and leaves are all authorities so that a later scenario
// can issue from any of them (for example an OCSP responder certificate).
type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// leafSpec describes a leaf certificate. The zero value of a field means the
// lab default, so scenarios only spell out what makes them special.
type leafSpec struct {
	commonName string
	dnsNames   []string
	ips        []net.IP
	extKeyUse  []x509.ExtKeyUsage
	notBefore  time.Time
	notAfter   time.Time
	crlURLs    []string // CRL distribution points
	ocspURLs   []string // OCSP responders (authority information access)
	extra      []pkix.Extension
}

// localhostLeaf is the default leaf: every way a client may name the lab host.
func localhostLeaf(now time.Time) leafSpec {
	return leafSpec{
		commonName: "localhost",
		dnsNames:   []string{"localhost"},
		ips:        []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		extKeyUse:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		notBefore:  now.Add(-time.Hour),
		notAfter:   now.Add(30 * 24 * time.Hour),
	}
}

// caValidity spans every leaf validity the scenarios use, so that a leaf is
// never rejected for outliving or predating its issuer: each scenario fails
// (or passes) for the one reason it is named after.
func caValidity(now time.Time) (time.Time, time.Time) {
	return now.Add(-90 * 24 * time.Hour), now.Add(365 * 24 * time.Hour)
}

func newKey() (crypto.Signer, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// newRoot creates a self-signed CA.
func newRoot(name string, now time.Time) (*authority, error) {
	nb, na := caValidity(now)
	return newCA(name, nb, na, nil, nil)
}

// newCA creates a CA certificate issued by parent, or a self-signed root when
// parent is nil. Intermediates get MaxPathLen 0 so that a chain can only be
// root -> intermediate -> leaf, which is what real public PKI looks like.
// crlURLs become its CRL distribution points: where its issuer's CRL is.
func newCA(name string, notBefore, notAfter time.Time, parent *authority, crlURLs []string) (*authority, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"securesocket lab"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		CRLDistributionPoints: crlURLs,
	}
	issuerCert, issuerKey := tmpl, key
	if parent != nil {
		tmpl.MaxPathLen = 0
		tmpl.MaxPathLenZero = true
		issuerCert, issuerKey = parent.cert, parent.key
	}
	cert, err := sign(tmpl, issuerCert, key.Public(), issuerKey)
	if err != nil {
		return nil, fmt.Errorf("lab: create CA %q: %w", name, err)
	}
	return &authority{cert: cert, key: key}, nil
}

// issueLeaf creates an end-entity certificate signed by a. A nil a makes the
// leaf self-signed.
func (a *authority) issueLeaf(spec leafSpec) (*authority, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: spec.commonName, Organization: []string{"securesocket lab"}},
		DNSNames:              spec.dnsNames,
		IPAddresses:           spec.ips,
		NotBefore:             spec.notBefore,
		NotAfter:              spec.notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           spec.extKeyUse,
		BasicConstraintsValid: true,
		CRLDistributionPoints: spec.crlURLs,
		OCSPServer:            spec.ocspURLs,
		ExtraExtensions:       spec.extra,
	}
	issuerCert, issuerKey := tmpl, key
	if a != nil {
		issuerCert, issuerKey = a.cert, a.key
	}
	cert, err := sign(tmpl, issuerCert, key.Public(), issuerKey)
	if err != nil {
		return nil, fmt.Errorf("lab: create leaf %q: %w", spec.commonName, err)
	}
	return &authority{cert: cert, key: key}, nil
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// serverCert is the tls.Certificate a server presents: the leaf followed by
// exactly the chain given, so a scenario controls what goes on the wire.
func serverCert(leaf *authority, chain ...*authority) tls.Certificate {
	c := tls.Certificate{
		Certificate: [][]byte{leaf.cert.Raw},
		PrivateKey:  leaf.key,
		Leaf:        leaf.cert,
	}
	for _, a := range chain {
		c.Certificate = append(c.Certificate, a.cert.Raw)
	}
	return c
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// The lab root is created once per process and shared by every Lab in it.
// Go's x509.SystemCertPool reads SSL_CERT_FILE only once per process, so a
// second Lab with a fresh root would be untrusted by an in-process client that
// already loaded the first one's CA file. Sharing the root costs nothing: all
// other certificates are still fresh per Start.
var (
	labRootOnce sync.Once
	labRoot     *authority
	labRootErr  error
)

func sharedRoot() (*authority, error) {
	labRootOnce.Do(func() {
		labRoot, labRootErr = newRoot("securesocket lab root", time.Now())
	})
	return labRoot, labRootErr
}

// pki holds every authority of a lab run, so scenarios added later (OCSP and
// CRL responders, client certificates) can issue from the same hierarchy.
type pki struct {
	now          time.Time
	root         *authority // in ca_file
	intermediate *authority // signs the leaves of the ordinary scenarios
	expiredInter *authority // expired intermediate for expiredIntermediate
	otherRoot    *authority // not in ca_file, for untrustedRoot
	otherInter   *authority

	// Client certificates (clientcert.go). Both are roots of their own,
	// never trusted for servers and never in ca_file: clientCA is the
	// only CA the client-certificate scenarios accept, wrongClientCA one
	// they do not know.
	clientCA      *authority
	wrongClientCA *authority

	// The intermediate's revocation state, which its CRL, its OCSP
	// responder and the staples publish. Written only while the lab starts
	// (before Start returns), read by the responders afterwards.
	mu      sync.Mutex
	issued  map[string]bool                     // serials the intermediate issued, by serialKey
	revoked map[string]x509.RevocationListEntry // revoked serials, by serialKey
}

// newPKI creates the lab's hierarchy. rootCRL is the URL of the root's CRL,
// named in the intermediate so that a revocation checker can judge the
// intermediate too (the root, a trust anchor, needs no check).
func newPKI(now time.Time, rootCRL string) (*pki, error) {
	p := &pki{now: now, issued: map[string]bool{}, revoked: map[string]x509.RevocationListEntry{}}
	var err error
	if p.root, err = sharedRoot(); err != nil {
		return nil, err
	}
	nb, na := caValidity(now)
	if p.intermediate, err = newCA("securesocket lab intermediate", nb, na, p.root, []string{rootCRL}); err != nil {
		return nil, err
	}
	// Expired well before now but still after the root's notBefore, so the
	// only fault in that chain is the intermediate's expiry.
	if p.expiredInter, err = newCA("securesocket lab expired intermediate",
		now.Add(-60*24*time.Hour), now.Add(-30*24*time.Hour), p.root, nil); err != nil {
		return nil, err
	}
	if p.otherRoot, err = newRoot("securesocket untrusted root", now); err != nil {
		return nil, err
	}
	if p.otherInter, err = newCA("securesocket untrusted intermediate", nb, na, p.otherRoot, nil); err != nil {
		return nil, err
	}
	if p.clientCA, err = newRoot("securesocket lab client CA", now); err != nil {
		return nil, err
	}
	if p.wrongClientCA, err = newRoot("securesocket lab wrong client CA", now); err != nil {
		return nil, err
	}
	return p, nil
}

// leaf issues a localhost leaf from issuer (nil: self-signed) after letting
// modify adjust the default spec.
func (p *pki) leaf(issuer *authority, modify func(*leafSpec)) (*authority, error) {
	spec := localhostLeaf(p.now)
	if modify != nil {
		modify(&spec)
	}
	leaf, err := issuer.issueLeaf(spec)
	if err == nil && issuer == p.intermediate {
		p.mu.Lock()
		p.issued[serialKey(leaf.cert.SerialNumber)] = true
		p.mu.Unlock()
	}
	return leaf, err
}

// revokedReason is the CRLReason the lab gives every revocation.
const revokedReason = 1 // keyCompromise

// revoke marks a certificate of the intermediate revoked, an hour ago, for
// key compromise.
func (p *pki) revoke(a *authority) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked[serialKey(a.cert.SerialNumber)] = x509.RevocationListEntry{
		SerialNumber:   a.cert.SerialNumber,
		RevocationTime: p.now.Add(-time.Hour).Truncate(time.Second),
		ReasonCode:     revokedReason,
	}
}

// status reports what the intermediate's revocation services say about a
// serial: issued or not, revoked or not (and when).
func (p *pki) status(serial *big.Int) (issued bool, revokedAt time.Time, revoked bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := serialKey(serial)
	e, revoked := p.revoked[k]
	return p.issued[k], e.RevocationTime, revoked
}

// revokedEntries lists the intermediate's revoked certificates for its CRL.
func (p *pki) revokedEntries() []x509.RevocationListEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := make([]x509.RevocationListEntry, 0, len(p.revoked))
	for _, e := range p.revoked {
		list = append(list, e)
	}
	return list
}

func serialKey(n *big.Int) string { return n.Text(16) }

// issueOCSPResponder creates a delegated OCSP responder certificate of a
// (RFC 6960 §4.2.2.2): extended key usage OCSPSigning, and id-pkix-ocsp-nocheck
// so that clients do not ask about the responder's own revocation.
func (a *authority) issueOCSPResponder(name string, notBefore, notAfter time.Time) (*authority, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"securesocket lab"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		BasicConstraintsValid: true,
		ExtraExtensions: []pkix.Extension{{
			Id:    asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}, // id-pkix-ocsp-nocheck
			Value: []byte{0x05, 0x00},                                   // NULL
		}},
	}
	cert, err := sign(tmpl, a.cert, key.Public(), a.key)
	if err != nil {
		return nil, fmt.Errorf("lab: create OCSP responder %q: %w", name, err)
	}
	return &authority{cert: cert, key: key}, nil
}
