package core

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Unit tests of verifyServerChain and its policy layer, on small PKIs made
// with crypto/x509.CreateCertificate. Each rule has a chain that must pass and
// one that must fail; TestChainModernServers and TestChainPrivatePKIQuirks pin
// that ordinary servers, public and private, still verify.

// pkiNode is a certificate with the key that signs what it issues.
type pkiNode struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// certSpec describes a certificate; zero fields take the defaults of a
// modern leaf or CA (see issue).
type certSpec struct {
	cn            string
	emptySubject  bool
	ca            bool
	noBasicConstr bool
	maxPathLen    int // -1: none
	keyUsage      x509.KeyUsage
	extKeyUsage   []x509.ExtKeyUsage
	dnsNames      []string
	ips           []net.IP
	permittedDNS  []string
	extra         []pkix.Extension
	key           crypto.Signer    // the subject's key; default a new P-256 key
	pub           crypto.PublicKey // a public key without its private half (leaves only)
	notBefore     time.Time
	notAfter      time.Time
}

// chainNow is the verification time of every test here; certificates are
// valid an hour either side by default.
var chainNow = time.Now().Truncate(time.Second)

func newP256(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rsaKeys caches generated RSA keys by name: RSA generation is the slow part
// of these tests (seconds under -race for 3072 bits and up, so nothing here
// asks for more than 2048), and nothing depends on a key being fresh.
var rsaKeys sync.Map

func rsaKey(t testing.TB, name string, bits int) *rsa.PrivateKey {
	t.Helper()
	if k, ok := rsaKeys.Load(name); ok {
		return k.(*rsa.PrivateKey)
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	rsaKeys.Store(name, k)
	return k
}

// rsaPublicOnly is an RSA public key of exactly bits bits with no private
// half: enough for a leaf, whose key signs nothing in path validation. The
// modulus is a random odd number, not a product of primes; nothing here
// factors or uses it.
func rsaPublicOnly(t testing.TB, bits int) *rsa.PublicKey {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	if err != nil {
		t.Fatal(err)
	}
	n.SetBit(n, bits-1, 1)
	n.SetBit(n, 0, 1)
	return &rsa.PublicKey{N: n, E: 65537}
}

// issue makes the certificate that spec describes, signed by parent, or
// self-signed when parent is nil.
func issue(t testing.TB, spec certSpec, parent *pkiNode) *pkiNode {
	t.Helper()
	key := spec.key
	var pub crypto.PublicKey
	switch {
	case spec.pub != nil:
		pub = spec.pub
	case key != nil:
		pub = key.Public()
	default:
		key = newP256(t)
		pub = key.Public()
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		NotBefore:             spec.notBefore,
		NotAfter:              spec.notAfter,
		BasicConstraintsValid: !spec.noBasicConstr,
		IsCA:                  spec.ca,
		KeyUsage:              spec.keyUsage,
		ExtKeyUsage:           spec.extKeyUse(),
		DNSNames:              spec.dnsNames,
		IPAddresses:           spec.ips,
		PermittedDNSDomains:   spec.permittedDNS,
		ExtraExtensions:       spec.extra,
	}
	if !spec.emptySubject {
		tmpl.Subject = pkix.Name{CommonName: spec.cn, Organization: []string{"securesocket chain test"}}
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = chainNow.Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = chainNow.Add(time.Hour)
	}
	if spec.ca {
		if tmpl.KeyUsage == 0 {
			tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		}
		if spec.maxPathLen >= 0 {
			tmpl.MaxPathLen, tmpl.MaxPathLenZero = spec.maxPathLen, spec.maxPathLen == 0
		} else {
			tmpl.MaxPathLen = -1
		}
	} else if tmpl.KeyUsage == 0 {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	issuerCert, issuerKey := tmpl, key
	if parent != nil {
		issuerCert, issuerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuerCert, pub, issuerKey)
	if err != nil {
		t.Fatalf("create %q: %v", spec.cn, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse %q: %v", spec.cn, err)
	}
	return &pkiNode{cert: c, key: key}
}

// extKeyUse defaults a leaf to serverAuth, the modern profile; CAs get none.
func (s certSpec) extKeyUse() []x509.ExtKeyUsage {
	if s.extKeyUsage == nil && !s.ca {
		return []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	return s.extKeyUsage
}

func rootSpec(cn string) certSpec { return certSpec{cn: cn, ca: true, maxPathLen: -1} }
func interSpec(cn string) certSpec {
	return certSpec{cn: cn, ca: true, maxPathLen: 0, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
}
func leafSpec(names ...string) certSpec {
	return certSpec{cn: names[0], dnsNames: names, maxPathLen: -1}
}

// pki is the usual shape: root -> intermediate (pathlen 0) -> leaf.
type pki struct{ root, inter *pkiNode }

func newPKI(t testing.TB) pki {
	root := issue(t, rootSpec("Chain Test Root"), nil)
	return pki{root: root, inter: issue(t, interSpec("Chain Test Intermediate"), root)}
}

// verifyChain verifies leaf, presented with the given intermediates, for
// host against the given roots.
func verifyChain(leaf *pkiNode, host string, roots []*pkiNode, presented ...*pkiNode) ([][]*x509.Certificate, error) {
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r.cert)
	}
	certs := []*x509.Certificate{leaf.cert}
	for _, p := range presented {
		certs = append(certs, p.cert)
	}
	return verifyServerChain(certs, host, chainNow, pool, nil)
}

// wantPolicy checks that err is a PolicyError with status want, or nil when
// want is "".
func wantPolicy(t *testing.T, err error, want CertificateStatus) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	var pe *PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("want a PolicyError (%s), got %v", want, err)
	}
	if pe.Status != want {
		t.Fatalf("status %s, want %s: %v", pe.Status, want, err)
	}
	t.Logf("refused as wanted: %v", err)
}

func TestChainModernServers(t *testing.T) {
	t.Run("ECDSA", func(t *testing.T) {
		rk, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		root := issue(t, certSpec{cn: "ECDSA Root", ca: true, maxPathLen: -1, key: rk}, nil)
		inter := issue(t, interSpec("ECDSA Intermediate"), root)
		leaf := issue(t, certSpec{cn: "www.example.com", dnsNames: []string{"www.example.com", "example.com"}, ips: []net.IP{net.ParseIP("192.0.2.7"), net.ParseIP("2001:db8::7")}}, inter)
		for _, host := range []string{"www.example.com", "EXAMPLE.com", "www.example.com.", "192.0.2.7", "2001:db8::7", "[2001:db8::7]"} {
			chains, err := verifyChain(leaf, host, []*pkiNode{root}, inter)
			if err != nil {
				t.Fatalf("%s: %v", host, err)
			}
			if len(chains) != 1 || len(chains[0]) != 3 || !chains[0][2].Equal(root.cert) {
				t.Fatalf("%s: unexpected chains %v", host, chains)
			}
		}
	})
	t.Run("RSA", func(t *testing.T) {
		root := issue(t, certSpec{cn: "RSA Root", ca: true, maxPathLen: -1, key: rsaKey(t, "rsa root", 2048)}, nil)
		inter := issue(t, certSpec{cn: "RSA Intermediate", ca: true, maxPathLen: 0, key: rsaKey(t, "rsa intermediate", 2048)}, root)
		leaf := issue(t, certSpec{cn: "rsa.example.com", dnsNames: []string{"rsa.example.com"},
			keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, pub: rsaPublicOnly(t, 2048)}, inter)
		if _, err := verifyChain(leaf, "rsa.example.com", []*pkiNode{root}, inter); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Ed25519 leaf", func(t *testing.T) {
		p := newPKI(t)
		_, ek, _ := ed25519.GenerateKey(rand.Reader)
		leaf := issue(t, certSpec{cn: "ed.example.com", dnsNames: []string{"ed.example.com"}, key: ek}, p.inter)
		if _, err := verifyChain(leaf, "ed.example.com", []*pkiNode{p.root}, p.inter); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("intermediate from extraIntermediates", func(t *testing.T) {
		// A server that leaves out its intermediate verifies once the
		// application supplied it (addBinaryChainBuildingCertificate with
		// trusted=false).
		p := newPKI(t)
		leaf := issue(t, leafSpec("www.example.com"), p.inter)
		roots, extra := x509.NewCertPool(), x509.NewCertPool()
		roots.AddCert(p.root.cert)
		extra.AddCert(p.inter.cert)
		if _, err := verifyServerChain([]*x509.Certificate{leaf.cert}, "www.example.com", chainNow, roots, nil); err == nil {
			t.Fatal("verified without the intermediate")
		}
		if _, err := verifyServerChain([]*x509.Certificate{leaf.cert}, "www.example.com", chainNow, roots, extra); err != nil {
			t.Fatal(err)
		}
	})
}

// TestChainPrivatePKIQuirks pins the RFC 5280 / BR deviations the policy layer
// deliberately lets through (docs/x509-limbo.md says why): private CAs emit
// them, and refusing them would refuse real servers.
func TestChainPrivatePKIQuirks(t *testing.T) {
	rootKey := newP256(t)
	oidBasicConstraints := asn1.ObjectIdentifier{2, 5, 29, 19}
	bc, _ := asn1.Marshal(struct{ IsCA bool }{true})
	root := issue(t, certSpec{cn: "Old Private Root", ca: true, maxPathLen: -1, key: rootKey, noBasicConstr: true,
		// non-critical basicConstraints, as some older roots have
		extra: []pkix.Extension{{Id: oidBasicConstraints, Critical: false, Value: bc}}}, nil)
	leaf := issue(t, certSpec{cn: "My NAS", dnsNames: []string{"nas.lan", "my_service"},
		extKeyUsage: []x509.ExtKeyUsage{}, // no extKeyUsage at all
		extra: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true,
			Value: mustMarshal(t, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 1}})}}, // critical EKU serverAuth
	}, root)
	if extCritical(root.cert, oidBasicConstraints) || !extCritical(leaf.cert, oidEKU) {
		t.Fatal("the quirks are missing: want a non-critical basicConstraints in the root, a critical extKeyUsage in the leaf")
	}
	leafNoEKU := issue(t, certSpec{cn: "printer", dnsNames: []string{"printer.corp.example"}, extKeyUsage: []x509.ExtKeyUsage{}}, root)
	for _, c := range []struct {
		leaf *pkiNode
		host string
	}{{leaf, "nas.lan"}, {leaf, "my_service"}, {leafNoEKU, "printer.corp.example"}} {
		if _, err := verifyChain(c.leaf, c.host, []*pkiNode{root}); err != nil {
			t.Errorf("%s: %v", c.host, err)
		}
	}
	// A self-signed CA:TRUE certificate, as `openssl req -x509` makes it,
	// trusted directly as the extra anchor of a private server.
	self := issue(t, certSpec{cn: "device.local", ca: true, maxPathLen: -1, dnsNames: []string{"device.local"},
		keyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, extKeyUsage: []x509.ExtKeyUsage{}}, nil)
	if _, err := verifyChain(self, "device.local", []*pkiNode{self}); err != nil {
		t.Errorf("self-signed CA server certificate trusted as an anchor: %v", err)
	}
}

func extCritical(c *x509.Certificate, id asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(id) {
			return e.Critical
		}
	}
	return false
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	oidKU  = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidEKU = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// TestPolicyRules has, per rule, a chain that must pass and one that the
// rule must refuse with the given status.
func TestPolicyRules(t *testing.T) {
	p := newPKI(t)
	type scenario struct {
		leaf      *pkiNode
		host      string
		roots     []*pkiNode
		presented []*pkiNode
	}
	usual := func(leaf *pkiNode, host string) scenario {
		return scenario{leaf, host, []*pkiNode{p.root}, []*pkiNode{p.inter}}
	}
	tests := []struct {
		rule  string
		build func(t *testing.T) scenario
		want  CertificateStatus // "" must pass
	}{
		{"leaf is not a CA/pass", func(t *testing.T) scenario {
			return usual(issue(t, leafSpec("a.example.com"), p.inter), "a.example.com")
		}, ""},
		{"leaf is not a CA/fail: cA=TRUE leaf", func(t *testing.T) scenario {
			// The shape of x509-limbo webpki::ee-basicconstraints-ca.
			leaf := issue(t, certSpec{cn: "a.example.com", ca: true, maxPathLen: -1, dnsNames: []string{"a.example.com"},
				keyUsage: x509.KeyUsageDigitalSignature, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, p.root)
			return scenario{leaf, "a.example.com", []*pkiNode{p.root}, nil}
		}, StatusInvalid},
		{"leaf is not a CA/fail: intermediate as leaf", func(t *testing.T) scenario {
			ca := issue(t, certSpec{cn: "ca.example.com", ca: true, maxPathLen: -1, dnsNames: []string{"ca.example.com"}}, p.root)
			return scenario{ca, "ca.example.com", []*pkiNode{p.root}, nil}
		}, StatusInvalid},
		{"leaf is not a CA/pass: the CA leaf is itself the trust anchor", func(t *testing.T) scenario {
			self := issue(t, certSpec{cn: "self.example.com", ca: true, maxPathLen: -1, dnsNames: []string{"self.example.com"}}, nil)
			return scenario{self, "self.example.com", []*pkiNode{self}, nil}
		}, ""},
		{"leaf without keyCertSign/fail", func(t *testing.T) scenario {
			leaf := issue(t, certSpec{cn: "k.example.com", dnsNames: []string{"k.example.com"},
				keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}, p.inter)
			return usual(leaf, "k.example.com")
		}, StatusInvalid},
		{"leaf without name constraints/pass: constraints in the intermediate", func(t *testing.T) scenario {
			inter := issue(t, certSpec{cn: "Constrained Intermediate", ca: true, maxPathLen: 0, permittedDNS: []string{"example.com"}}, p.root)
			leaf := issue(t, leafSpec("nc.example.com"), inter)
			return scenario{leaf, "nc.example.com", []*pkiNode{p.root}, []*pkiNode{inter}}
		}, ""},
		{"leaf without name constraints/fail", func(t *testing.T) scenario {
			leaf := issue(t, certSpec{cn: "nc.example.com", dnsNames: []string{"nc.example.com"}, permittedDNS: []string{"example.com"}}, p.inter)
			return usual(leaf, "nc.example.com")
		}, StatusInvalid},
		{"non-empty extKeyUsage/fail: empty SEQUENCE", func(t *testing.T) scenario {
			leaf := issue(t, certSpec{cn: "eku.example.com", dnsNames: []string{"eku.example.com"}, extKeyUsage: []x509.ExtKeyUsage{},
				extra: []pkix.Extension{{Id: oidEKU, Value: []byte{0x30, 0x00}}}}, p.inter)
			return usual(leaf, "eku.example.com")
		}, StatusInvalid},
		{"non-empty extKeyUsage/pass: serverAuth", func(t *testing.T) scenario {
			return usual(issue(t, leafSpec("eku.example.com"), p.inter), "eku.example.com")
		}, ""},
		{"issuer subject not empty/fail: nameless root", func(t *testing.T) scenario {
			// x509-limbo rfc5280::ca-empty-subject: the root's name is
			// empty, and so is the leaf's issuer.
			root := issue(t, certSpec{ca: true, maxPathLen: -1, emptySubject: true, dnsNames: []string{"root.example.com"}}, nil)
			leaf := issue(t, leafSpec("e.example.com"), root)
			return scenario{leaf, "e.example.com", []*pkiNode{root}, nil}
		}, StatusInvalidChain},
		{"issuer subject not empty/pass", func(t *testing.T) scenario {
			return scenario{issue(t, leafSpec("e.example.com"), p.root), "e.example.com", []*pkiNode{p.root}, nil}
		}, ""},
		{"issuer keyUsage asserts keyCertSign/fail: empty keyUsage in the root", func(t *testing.T) scenario {
			// x509-limbo rfc5280::root-inconsistent-ca-extensions: a
			// keyUsage BIT STRING with no bits, which Go reads as absent.
			root := issue(t, certSpec{cn: "Empty KU Root", ca: true, maxPathLen: -1,
				extra: []pkix.Extension{{Id: oidKU, Critical: true, Value: []byte{0x03, 0x01, 0x00}}}}, nil)
			leaf := issue(t, leafSpec("ku.example.com"), root)
			return scenario{leaf, "ku.example.com", []*pkiNode{root}, nil}
		}, StatusInvalidChain},
		{"issuer keyUsage asserts keyCertSign/pass: root without keyUsage", func(t *testing.T) scenario {
			root := issueNoKU(t, "No KU Root")
			leaf := issue(t, leafSpec("ku.example.com"), root)
			return scenario{leaf, "ku.example.com", []*pkiNode{root}, nil}
		}, ""},
		{"RSA at least 2048 bits/fail: 1024-bit leaf", func(t *testing.T) scenario {
			leaf := issue(t, certSpec{cn: "rsa.example.com", dnsNames: []string{"rsa.example.com"}, pub: rsaPublicOnly(t, 1024)}, p.inter)
			return usual(leaf, "rsa.example.com")
		}, StatusInvalid},
		{"RSA at least 2048 bits/fail: 1024-bit root", func(t *testing.T) scenario {
			root := issue(t, certSpec{cn: "Weak Root", ca: true, maxPathLen: -1, key: rsaKey(t, "weak root", 1024)}, nil)
			leaf := issue(t, leafSpec("rsa.example.com"), root)
			return scenario{leaf, "rsa.example.com", []*pkiNode{root}, nil}
		}, StatusInvalidChain},
		{"RSA at least 2048 bits/pass: 2048-bit leaf", func(t *testing.T) scenario {
			leaf := issue(t, certSpec{cn: "rsa.example.com", dnsNames: []string{"rsa.example.com"}, pub: rsaPublicOnly(t, 2048)}, p.inter)
			return usual(leaf, "rsa.example.com")
		}, ""},
		{"RSA size a multiple of 8/fail: 2052-bit leaf", func(t *testing.T) scenario {
			leaf := issue(t, certSpec{cn: "rsa.example.com", dnsNames: []string{"rsa.example.com"}, pub: rsaPublicOnly(t, 2052)}, p.inter)
			return usual(leaf, "rsa.example.com")
		}, StatusInvalid},
		{"RSA size a multiple of 8/pass: 3072-bit leaf", func(t *testing.T) scenario {
			leaf := issue(t, certSpec{cn: "rsa.example.com", dnsNames: []string{"rsa.example.com"}, pub: rsaPublicOnly(t, 3072)}, p.inter)
			return usual(leaf, "rsa.example.com")
		}, ""},
		{"no DSA keys/fail: DSA leaf", func(t *testing.T) scenario {
			return usual(dsaLeaf(t, "dsa.example.com", p.inter), "dsa.example.com")
		}, StatusInvalid},
		{"no wildcard over a TLD/fail: *.com", func(t *testing.T) scenario {
			return usual(issue(t, leafSpec("*.com"), p.inter), "example.com")
		}, StatusPrincipalMismatch},
		{"no wildcard over a TLD/pass: *.example.com", func(t *testing.T) scenario {
			return usual(issue(t, leafSpec("*.example.com"), p.inter), "www.example.com")
		}, ""},
		{"no wildcard over a TLD/pass: *.com beside an exact name", func(t *testing.T) scenario {
			return usual(issue(t, leafSpec("example.com", "*.com"), p.inter), "example.com")
		}, ""},
		{"no wildcard over a TLD/pass: private-registry suffix", func(t *testing.T) scenario {
			// S3's own certificate; refusing it would refuse S3.
			return usual(issue(t, leafSpec("s3.amazonaws.com", "*.s3.amazonaws.com"), p.inter), "bucket.s3.amazonaws.com")
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			s := tc.build(t)
			_, err := verifyChain(s.leaf, s.host, s.roots, s.presented...)
			wantPolicy(t, err, tc.want)
		})
	}
}

// issueNoKU makes a self-signed CA without a keyUsage extension (legal: RFC
// 5280 lets a CA omit it, and Go then lets it sign).
func issueNoKU(t testing.TB, cn string) *pkiNode {
	t.Helper()
	key := newP256(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             chainNow.Add(-time.Hour),
		NotAfter:              chainNow.Add(time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if hasExtension(c, oidKU) {
		t.Fatal("CreateCertificate added a keyUsage extension")
	}
	return &pkiNode{cert: c, key: key}
}

// dsaLeaf makes a leaf whose subject key is DSA. CreateCertificate cannot
// marshal DSA keys, so an ECDSA leaf is made and its SubjectPublicKeyInfo
// swapped before re-signing. The DSA numbers are tiny: the certificate only
// has to parse, and no signature is ever checked with this key.
func dsaLeaf(t testing.TB, host string, parent *pkiNode) *pkiNode {
	t.Helper()
	base := issue(t, leafSpec(host), parent)
	type spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	type tbs struct {
		Raw        asn1.RawContent
		Version    int `asn1:"optional,explicit,default:0,tag:0"`
		Serial     *big.Int
		SigAlg     pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		Validity   asn1.RawValue
		Subject    asn1.RawValue
		PublicKey  spki
		Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
	}
	var body tbs
	if rest, err := asn1.Unmarshal(base.cert.RawTBSCertificate, &body); err != nil || len(rest) > 0 {
		t.Fatalf("tbs: %v", err)
	}
	params := mustMarshal(t, struct{ P, Q, G *big.Int }{big.NewInt(23), big.NewInt(11), big.NewInt(4)})
	y := mustMarshal(t, big.NewInt(9))
	body.Raw = nil
	body.PublicKey = spki{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}, Parameters: asn1.RawValue{FullBytes: params}},
		PublicKey: asn1.BitString{Bytes: y, BitLength: 8 * len(y)},
	}
	tbsDER := mustMarshal(t, body)
	digest := sha256.Sum256(tbsDER)
	sig, err := parent.key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	der := mustMarshal(t, struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}{asn1.RawValue{FullBytes: tbsDER}, body.SigAlg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicKeyAlgorithm != x509.DSA {
		t.Fatalf("public key algorithm %v, want DSA", c.PublicKeyAlgorithm)
	}
	return &pkiNode{cert: c}
}

// TestPolicyValiditySecondResolution: notAfter covers its whole second, and
// notBefore still refuses the second before.
func TestPolicyValiditySecondResolution(t *testing.T) {
	p := newPKI(t)
	nb, na := chainNow.Add(-time.Minute), chainNow.Add(time.Minute)
	leaf := issue(t, certSpec{cn: "v.example.com", dnsNames: []string{"v.example.com"}, notBefore: nb, notAfter: na}, p.inter)
	certs := []*x509.Certificate{leaf.cert, p.inter.cert}
	roots := x509.NewCertPool()
	roots.AddCert(p.root.cert)
	for _, c := range []struct {
		at time.Time
		ok bool
	}{
		{na, true},
		{na.Add(999 * time.Millisecond), true}, // x509-limbo rfc5280::validity::notafter-fractional
		{na.Add(time.Second), false},
		{nb, true},
		{nb.Add(-time.Millisecond), false}, // rfc5280::validity::notbefore-fractional
	} {
		_, err := verifyServerChain(certs, "v.example.com", c.at, roots, nil)
		if (err == nil) != c.ok {
			t.Errorf("at %s: err = %v, want ok=%v", c.at.Format(time.RFC3339Nano), err, c.ok)
		}
		var inv x509.CertificateInvalidError
		if err != nil && (!errors.As(err, &inv) || inv.Reason != x509.Expired) {
			t.Errorf("at %s: want x509.Expired, got %v", c.at.Format(time.RFC3339Nano), err)
		}
	}
}

// TestPolicyKeepsGoodChains: with a cross-signed intermediate, a chain to a
// weak root is dropped while the chain to a good root verifies; with only the
// weak root trusted, the policy error is returned.
func TestPolicyKeepsGoodChains(t *testing.T) {
	good := issue(t, rootSpec("Good Root"), nil)
	weak := issue(t, certSpec{cn: "Weak Root", ca: true, maxPathLen: -1, key: rsaKey(t, "weak root", 1024)}, nil)
	key := newP256(t)
	viaGood := issue(t, certSpec{cn: "Cross Intermediate", ca: true, maxPathLen: 0, key: key}, good)
	viaWeak := issue(t, certSpec{cn: "Cross Intermediate", ca: true, maxPathLen: 0, key: key}, weak)
	leaf := issue(t, leafSpec("x.example.com"), viaGood)

	chains, err := verifyChain(leaf, "x.example.com", []*pkiNode{good, weak}, viaGood, viaWeak)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chains {
		if !ch[len(ch)-1].Equal(good.cert) {
			t.Errorf("a chain to %q survived the policy layer", ch[len(ch)-1].Subject.CommonName)
		}
	}
	_, err = verifyChain(leaf, "x.example.com", []*pkiNode{weak}, viaGood, viaWeak)
	wantPolicy(t, err, StatusInvalidChain)
}

// TestChainErrorsClassify: what verifyServerChain returns classifies to the
// AS3 status, with classifyPolicyError hooked in front of classifyVerifyError
// as verify.go is to do it.
func TestChainErrorsClassify(t *testing.T) {
	classify := func(err error, leaf *x509.Certificate) CertificateStatus {
		if st, _, ok := classifyPolicyError(err); ok {
			return st
		}
		st, _ := classifyVerifyError(err, leaf, chainNow)
		return st
	}
	p := newPKI(t)
	stranger := issue(t, rootSpec("Stranger Root"), nil)
	good := issue(t, leafSpec("c.example.com"), p.inter)
	expired := issue(t, certSpec{cn: "c.example.com", dnsNames: []string{"c.example.com"},
		notBefore: chainNow.Add(-2 * time.Hour), notAfter: chainNow.Add(-time.Hour)}, p.inter)
	caLeaf := issue(t, certSpec{cn: "c.example.com", ca: true, maxPathLen: -1, dnsNames: []string{"c.example.com"}}, p.inter)
	wild := issue(t, leafSpec("*.com"), p.inter)
	for _, c := range []struct {
		name  string
		leaf  *pkiNode
		host  string
		roots []*pkiNode
		want  CertificateStatus
	}{
		{"trusted", good, "c.example.com", []*pkiNode{p.root}, StatusTrusted},
		{"expired", expired, "c.example.com", []*pkiNode{p.root}, StatusExpired},
		{"wrong host", good, "d.example.com", []*pkiNode{p.root}, StatusPrincipalMismatch},
		{"unknown root", good, "c.example.com", []*pkiNode{stranger}, StatusUntrustedSigners},
		{"policy: CA leaf", caLeaf, "c.example.com", []*pkiNode{p.root}, StatusInvalid},
		{"policy: wildcard TLD", wild, "c.com", []*pkiNode{p.root}, StatusPrincipalMismatch},
	} {
		_, err := verifyChain(c.leaf, c.host, c.roots, p.inter)
		got := StatusTrusted
		if err != nil {
			got = classify(err, c.leaf.cert)
		}
		if got != c.want {
			t.Errorf("%s: status %s, want %s (%v)", c.name, got, c.want, err)
		}
	}
	if _, _, ok := classifyPolicyError(x509.UnknownAuthorityError{}); ok {
		t.Error("classifyPolicyError claimed an x509 error")
	}

	// A wrong extended key usage: Go blames the leaf whichever certificate
	// lacks serverAuth; the status and the words follow the real culprit.
	clientLeaf := issue(t, certSpec{cn: "c.example.com", dnsNames: []string{"c.example.com"}, maxPathLen: -1,
		extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, p.inter)
	clientInter := issue(t, certSpec{cn: "Client Intermediate", ca: true, maxPathLen: 0,
		extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, p.root)
	serverLeaf := issue(t, certSpec{cn: "c.example.com", dnsNames: []string{"c.example.com"}, maxPathLen: -1,
		extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, clientInter)
	for _, c := range []struct {
		name  string
		leaf  *pkiNode
		inter *pkiNode
		want  CertificateStatus
		words string
	}{
		{"leaf for clients", clientLeaf, p.inter, StatusInvalid, "the server's certificate is not for TLS servers"},
		{"intermediate for clients", serverLeaf, clientInter, StatusInvalidChain, "an issuing certificate's extended key usage does not allow TLS servers"},
	} {
		_, err := verifyChain(c.leaf, "c.example.com", []*pkiNode{p.root}, c.inter)
		st, d := classifyVerifyError(err, c.leaf.cert, chainNow)
		if st != c.want || !strings.Contains(d, c.words) {
			t.Errorf("%s: %s %q", c.name, st, d)
		}
	}
}

func TestChainArguments(t *testing.T) {
	p := newPKI(t)
	leaf := issue(t, leafSpec("a.example.com"), p.inter)
	roots := x509.NewCertPool()
	roots.AddCert(p.root.cert)
	if _, err := verifyServerChain(nil, "a.example.com", chainNow, roots, nil); err == nil {
		t.Error("no certificates: verified")
	}
	// An empty host would make crypto/x509 skip the name check.
	if _, err := verifyServerChain([]*x509.Certificate{leaf.cert, p.inter.cert}, "", chainNow, roots, nil); err == nil {
		t.Error("empty host: verified")
	}
	// What a server presents must not leak into the caller's pool.
	extra := x509.NewCertPool()
	before := extra.Equal(x509.NewCertPool())
	if _, err := verifyServerChain([]*x509.Certificate{leaf.cert, p.inter.cert}, "a.example.com", chainNow, roots, extra); err != nil {
		t.Fatal(err)
	}
	if !before || !extra.Equal(x509.NewCertPool()) {
		t.Error("verifyServerChain added the presented intermediates to extraIntermediates")
	}
}
