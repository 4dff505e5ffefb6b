package core

import (
	"compress/gzip"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// The x509-limbo harness: every case of testdata/x509-limbo.json.gz
// (C2SP/x509-limbo, see testdata/README.md) that is server-certificate path
// validation goes through verifyServerChain, and the outcome is compared with
// the case's expected result. docs/x509-limbo.md explains the numbers.
//
// The test fails when
//   - fewer cases than limboConformantFloor are conformant,
//   - a case outside knownLimboNonConformant is non-conformant (a regression,
//     or a policy rule that refuses what it should not),
//   - a case in knownLimboNonConformant has become conformant (the list must
//     stay true: remove the entry here and in docs/x509-limbo.md),
//   - we are conformant on fewer cases than Go's crypto/x509 alone.
//
// Run with -v to see the verdict and reason of every case.

// limboConformantFloor is what verifyServerChain achieves today; raise it
// when a change makes more cases conformant.
const limboConformantFloor = 143

// knownLimboNonConformant lists every evaluated case where verifyServerChain
// disagrees with x509-limbo, with the reason. docs/x509-limbo.md repeats the
// list (TestLimboDocumentedNonConformance keeps the two in step).
var knownLimboNonConformant = map[string]string{
	// x509-limbo pairs that contradict each other: one side must lose.
	"rfc5280::ca-as-leaf":                          "conflicts with webpki::ca-as-leaf; we refuse a CA certificate as the server certificate unless it is itself a trust anchor",
	"pathlen::validation-ignores-pathlen-in-leaf":  "the same rule: the server certificate is a CA (pathlen:0 intermediate in leaf position), valid per RFC 5280, refused per CA/B BR 7.1.2.7.8",
	"webpki::eku::ee-without-eku":                  "conflicts with rfc5280::eku::ee-without-eku; a leaf without extKeyUsage is common in private PKI and RFC 5280 reads it as any purpose",
	"rfc5280::nc::permitted-dns-match-noncritical": "conflicts with webpki::nc::permitted-dns-match-noncritical; non-critical name constraints are widespread (Apple once failed on critical ones) and Go enforces them either way",

	// Go refuses a valid chain; the policy layer only adds refusals.
	"pathlen::self-issued-certs-pathlen":     "crypto/x509 counts self-issued intermediates against pathLenConstraint (RFC 5280 6.1.4 says not to); key-rollover chains only",
	"rfc5280::nc::permitted-self-issued":     "crypto/x509 applies name constraints to self-issued intermediates (RFC 5280 6.1.3 exempts them); key-rollover chains only",
	"rfc5280::nc::nc-forbids-othername-noop": "crypto/x509 does not parse otherName name constraints and refuses the critical extension; fails closed",

	// Accepted by design: Go is standards-compliant where others hit limits.
	"pathological::nc-dos-1": "standards-compliant chain; other verifiers refuse it only at a quadratic-work limit, Go checks it in linear time",
	"pathological::nc-dos-2": "standards-compliant chain; other verifiers refuse it only at a quadratic-work limit, Go checks it in linear time",

	// RFC 5280 "MUST" for CAs that refusing would break real servers over.
	"rfc5280::aki::leaf-missing-aki":               "leaves without AKI are common from private CAs (openssl x509 -req without an AKI extension); Python 3.13's X509_STRICT default broke on exactly this",
	"rfc5280::aki::intermediate-missing-aki":       "intermediates without AKI exist in private PKI; AKI only helps path building, which works by name",
	"rfc5280::aki::cross-signed-root-missing-aki":  "same as intermediate-missing-aki; x509-limbo itself calls the rule ambiguous (pedantic-rfc5280)",
	"rfc5280::ski::root-missing-ski":               "legacy and private roots lack SKI; SKI only helps path building",
	"rfc5280::ski::intermediate-missing-ski":       "private CAs (e.g. Go before 1.15) issued intermediates without SKI; SKI only helps path building",
	"rfc5280::serial::too-long":                    "pedantic-serial-number; a serial's length means nothing to a verifier, and CAs have issued 21-octet serials (20 random bytes plus a sign octet)",
	"rfc5280::serial::zero":                        "pedantic-serial-number; serial 0 occurs in device certificates and means nothing to a verifier",
	"rfc5280::root-non-critical-basic-constraints": "Go reads basicConstraints whatever its criticality; roots with a non-critical one exist and broke Python 3.13 users",
	"rfc5280::pc::ica-noncritical-pc":              "criticality only matters to a verifier that ignores the extension; Go processes policy constraints either way",
	"rfc5280::san::noncritical-with-empty-subject": "criticality only matters to a verifier that ignores SAN; Go always reads SAN",
	"rfc5280::san::underscore-dns":                 "underscores appear in private host names (Docker/Compose services, Windows hosts) that private CAs certify",
	"rfc5280::nc::invalid-dnsname-leading-period":  "leading-period DNS constraints are widely issued and accepted (OpenSSL, Go); Go reads them as subdomain constraints",

	// CA/B Forum profile rules with no security effect for this verifier.
	"webpki::aki::root-with-aki-missing-keyidentifier":          "root profile detail (BR 7.1.2.1.3); legacy roots carry such AKIs and a trust anchor's AKI is never used",
	"webpki::aki::root-with-aki-authoritycertissuer":            "root profile detail (BR 7.1.2.1.3); legacy roots carry such AKIs and a trust anchor's AKI is never used",
	"webpki::aki::root-with-aki-authoritycertserialnumber":      "root profile detail (BR 7.1.2.1.3); legacy roots carry such AKIs and a trust anchor's AKI is never used",
	"webpki::aki::root-with-aki-all-fields":                     "root profile detail (BR 7.1.2.1.3); legacy roots carry such AKIs and a trust anchor's AKI is never used",
	"webpki::aki::root-with-aki-ski-mismatch":                   "root profile detail (BR 7.1.2.1.3); a trust anchor's AKI is never used",
	"webpki::eku::ee-anyeku":                                    "pedantic-webpki-eku; the leaf also lists serverAuth, which is what is checked",
	"webpki::eku::ee-critical-eku":                              "pedantic-webpki-eku; private CAs mark extKeyUsage critical and Go processes it either way",
	"webpki::eku::root-has-eku":                                 "pedantic-webpki-eku; Go already applies a root's extKeyUsage as a constraint",
	"webpki::san::san-critical-with-nonempty-subject":           "BR profile detail; private CAs mark SAN critical and Go always reads SAN",
	"webpki::san::public-suffix-multi-label-wildcard-san":       "needs the Public Suffix List (golang.org/x/net/publicsuffix), not yet a dependency; *.tld is refused",
	"webpki::san::public-suffix-private-namespace-wildcard-san": "must stay accepted: S3 serves *.s3.amazonaws.com (online::s3.amazonaws.com) and Chrome accepts private-registry wildcards",
	"webpki::cn::ipv4-hex-mismatch":                             "Go ignores the legacy Common Name (SAN only), so a non-conforming CN cannot cause a match",
	"webpki::cn::ipv4-leading-zeros-mismatch":                   "Go ignores the legacy Common Name (SAN only), so a non-conforming CN cannot cause a match",
	"webpki::cn::ipv6-uppercase-mismatch":                       "Go ignores the legacy Common Name (SAN only), so a non-conforming CN cannot cause a match",
	"webpki::cn::ipv6-uncompressed-mismatch":                    "Go ignores the legacy Common Name (SAN only), so a non-conforming CN cannot cause a match",
	"webpki::cn::ipv6-non-rfc5952-mismatch":                     "Go ignores the legacy Common Name (SAN only), so a non-conforming CN cannot cause a match",
	"webpki::cn::punycode-not-in-san":                           "Go ignores the legacy Common Name (SAN only); private CAs put descriptive names in the CN",
	"webpki::cn::utf8-vs-punycode-mismatch":                     "Go ignores the legacy Common Name (SAN only), so a non-conforming CN cannot cause a match",
	"webpki::cn::not-in-san":                                    "Go ignores the legacy Common Name (SAN only); private CAs put descriptive names in the CN",
	"webpki::cn::case-mismatch":                                 "Go ignores the legacy Common Name (SAN only), so a non-conforming CN cannot cause a match",
}

// limboSuite is the part of x509-limbo's schema (limbo-schema.json) the
// harness reads.
type limboSuite struct {
	Version   int         `json:"version"`
	Testcases []limboCase `json:"testcases"`
}

type limboPeerName struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type limboCase struct {
	ID                     string          `json:"id"`
	ConflictsWith          []string        `json:"conflicts_with"`
	Features               []string        `json:"features"`
	Description            string          `json:"description"`
	ValidationKind         string          `json:"validation_kind"`
	TrustedCerts           []string        `json:"trusted_certs"`
	UntrustedIntermediates []string        `json:"untrusted_intermediates"`
	PeerCertificate        string          `json:"peer_certificate"`
	ValidationTime         *string         `json:"validation_time"`
	SignatureAlgorithms    []string        `json:"signature_algorithms"`
	KeyUsage               []string        `json:"key_usage"`
	ExtendedKeyUsage       []string        `json:"extended_key_usage"`
	ExpectedResult         string          `json:"expected_result"`
	ExpectedPeerName       *limboPeerName  `json:"expected_peer_name"`
	ExpectedPeerNames      []limboPeerName `json:"expected_peer_names"`
	MaxChainDepth          *int            `json:"max_chain_depth"`
	CRLs                   []string        `json:"crls"`
}

func loadLimbo(t testing.TB) []limboCase {
	t.Helper()
	f, err := os.Open("testdata/x509-limbo.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var suite limboSuite
	if err := json.NewDecoder(zr).Decode(&suite); err != nil {
		t.Fatalf("x509-limbo.json: %v", err)
	}
	if suite.Version != 1 {
		t.Fatalf("x509-limbo.json: schema version %d, the harness reads version 1", suite.Version)
	}
	return suite.Testcases
}

// limboSkip says why a case is not server-certificate path validation as a
// SecureSocket does it, or "" when the harness evaluates it. The reasons are
// the categories reported in the summary and in docs/x509-limbo.md.
func limboSkip(tc limboCase) string {
	switch {
	case tc.ValidationKind != "SERVER":
		return "client-certificate validation: a SecureSocket only verifies servers"
	case slices.Contains(tc.Features, "has-crl") || len(tc.CRLs) > 0:
		return "revocation (CRL): a separate layer, not path validation"
	case slices.Contains(tc.Features, "max-chain-depth"):
		return "caller-set maximum chain depth: not a SecureSocket setting"
	case tc.ExpectedPeerName == nil:
		return "no peer name: a SecureSocket always verifies the host it dialled"
	case tc.ExpectedPeerName.Kind != "DNS" && tc.ExpectedPeerName.Kind != "IP":
		return "peer name kind " + tc.ExpectedPeerName.Kind + ": servers are named by DNS name or IP address"
	case len(tc.SignatureAlgorithms) > 0:
		return "caller-set signature algorithms: not a SecureSocket setting"
	case len(tc.KeyUsage) > 0 && !slices.Equal(tc.KeyUsage, []string{"digitalSignature"}):
		return "caller-set key usage other than digitalSignature: not a SecureSocket setting"
	case len(tc.ExtendedKeyUsage) > 0 && !slices.Equal(tc.ExtendedKeyUsage, []string{"serverAuth"}):
		return "extended key usage other than serverAuth: a server is always checked for serverAuth"
	}
	return ""
}

// limboInputs is a case parsed the way a TLS client meets it: the leaf and
// the intermediates on the wire, and the trust anchors in a pool.
type limboInputs struct {
	certs []*x509.Certificate // leaf first, then the untrusted intermediates
	roots *x509.CertPool
	host  string
	now   time.Time
}

// parseLimbo returns the inputs, or a parse error for a presented
// certificate: crypto/tls aborts the handshake when a server's certificate
// does not parse, so that counts as a refusal (as in Go's own limbo test).
func parseLimbo(tc limboCase) (limboInputs, error) {
	in := limboInputs{roots: x509.NewCertPool(), now: time.Now()}
	if tc.ValidationTime != nil {
		vt, err := time.Parse(time.RFC3339, *tc.ValidationTime)
		if err != nil {
			return in, fmt.Errorf("harness: validation_time: %w", err)
		}
		in.now = vt
	}
	if tc.ExpectedPeerName != nil {
		in.host = tc.ExpectedPeerName.Value
	}
	for _, p := range tc.TrustedCerts {
		// A trust anchor that does not parse is one the application could
		// never have added; like AppendCertsFromPEM, leave it out.
		in.roots.AppendCertsFromPEM([]byte(p))
	}
	for _, p := range append([]string{tc.PeerCertificate}, tc.UntrustedIntermediates...) {
		c, err := parsePEMCert(p)
		if err != nil {
			return in, err
		}
		in.certs = append(in.certs, c)
	}
	return in, nil
}

func parsePEMCert(p string) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(p))
	if block == nil || block.Type != "CERTIFICATE" || len(strings.TrimSpace(string(rest))) > 0 {
		return nil, errors.New("harness: not exactly one PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// limboVerdict runs one evaluated case through verifyServerChain.
func limboVerdict(tc limboCase) error {
	in, err := parseLimbo(tc)
	if err != nil {
		return err
	}
	_, err = verifyServerChain(in.certs, in.host, in.now, in.roots, nil)
	return err
}

// goPlainVerdict runs the same case through crypto/x509 alone, with the
// options a TLS client would give it: the baseline the policy layer is
// measured against.
func goPlainVerdict(tc limboCase) error {
	in, err := parseLimbo(tc)
	if err != nil {
		return err
	}
	intermediates := x509.NewCertPool()
	for _, c := range in.certs[1:] {
		intermediates.AddCert(c)
	}
	_, err = in.certs[0].Verify(x509.VerifyOptions{
		DNSName:       in.host,
		Roots:         in.roots,
		Intermediates: intermediates,
		CurrentTime:   in.now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err
}

func conformant(tc limboCase, err error) bool {
	return (err == nil) == (tc.ExpectedResult == "SUCCESS")
}

func TestLimboConformance(t *testing.T) {
	cases := loadLimbo(t)
	ids := map[string]bool{}
	var ours, oursBad, goPlain, goPlainBad int
	skips := map[string]int{}
	for _, tc := range cases {
		ids[tc.ID] = true
		t.Run(tc.ID, func(t *testing.T) {
			if why := limboSkip(tc); why != "" {
				skips[why]++
				t.Skip(why)
			}
			if conformant(tc, goPlainVerdict(tc)) {
				goPlain++
			} else {
				goPlainBad++
			}
			err := limboVerdict(tc)
			reason, known := knownLimboNonConformant[tc.ID]
			if conformant(tc, err) {
				ours++
				if known {
					t.Errorf("conformant now (expected %s, got %v): remove it from knownLimboNonConformant and docs/x509-limbo.md", tc.ExpectedResult, err)
				}
				return
			}
			oursBad++
			if known {
				t.Logf("known non-conformant (expected %s, got %v): %s", tc.ExpectedResult, err, reason)
				return
			}
			t.Errorf("non-conformant: expected %s, got %v\n%s", tc.ExpectedResult, err, tc.Description)
		})
	}
	for id := range knownLimboNonConformant {
		if !ids[id] {
			t.Errorf("knownLimboNonConformant lists %q, which is not in x509-limbo.json", id)
		}
	}
	skipped := 0
	for _, why := range slices.Sorted(maps.Keys(skips)) {
		skipped += skips[why]
		t.Logf("skipped %3d: %s", skips[why], why)
	}
	up := goUpstreamBaseline(cases)
	t.Logf("x509-limbo, %d cases: verifyServerChain %d conformant, %d non-conformant, %d skipped", len(cases), ours, oursBad, skipped)
	t.Logf("crypto/x509 alone on the same %d cases: %d conformant, %d non-conformant", ours+oursBad, goPlain, goPlainBad)
	t.Logf("crypto/x509 alone under Go's own limbo harness rules: %d conformant, %d non-conformant, %d skipped", up.conformant, up.nonConformant, up.skipped)
	if ours < limboConformantFloor {
		t.Errorf("verifyServerChain is conformant on %d cases, below the floor of %d", ours, limboConformantFloor)
	}
	if ours < goPlain || ours < up.conformant {
		t.Errorf("verifyServerChain (%d conformant) does worse than crypto/x509 alone (%d on the same cases, %d under Go's rules)", ours, goPlain, up.conformant)
	}
}

type limboCounts struct{ conformant, nonConformant, skipped int }

// goUpstreamBaseline counts crypto/x509 alone the way Go's own
// src/crypto/x509/x509limbo_test.go runs the suite: CLIENT cases verified for
// the case's EKUs, a SERVER case without a peer name verified without a name,
// intermediates from a pool, client cases with RFC 822 names skipped. The
// shared conformance README quotes 134 of 208 from a harness whose rules for
// the client cases were not recorded; this is the reproducible count.
func goUpstreamBaseline(cases []limboCase) limboCounts {
	var n limboCounts
	ekus := map[string]x509.ExtKeyUsage{
		"anyExtendedKeyUsage": x509.ExtKeyUsageAny,
		"clientAuth":          x509.ExtKeyUsageClientAuth,
		"codeSigning":         x509.ExtKeyUsageCodeSigning,
		"emailProtection":     x509.ExtKeyUsageEmailProtection,
		"OCSPSigning":         x509.ExtKeyUsageOCSPSigning,
		"serverAuth":          x509.ExtKeyUsageServerAuth,
		"timeStamping":        x509.ExtKeyUsageTimeStamping,
	}
	for _, tc := range cases {
		if slices.Contains(tc.Features, "has-crl") || slices.Contains(tc.Features, "max-chain-depth") ||
			len(tc.SignatureAlgorithms) > 0 ||
			len(tc.KeyUsage) > 0 && !slices.Contains(tc.KeyUsage, "digitalSignature") {
			n.skipped++
			continue
		}
		var name string
		if tc.ExpectedPeerName != nil && tc.ValidationKind == "SERVER" {
			switch tc.ExpectedPeerName.Kind {
			case "DNS":
				name = tc.ExpectedPeerName.Value
			case "IP":
				name = "[" + tc.ExpectedPeerName.Value + "]"
			default:
				n.skipped++
				continue
			}
		}
		var usages []x509.ExtKeyUsage
		unsupported := false
		for _, e := range tc.ExtendedKeyUsage {
			u, ok := ekus[e]
			unsupported = unsupported || !ok
			usages = append(usages, u)
		}
		if unsupported {
			n.skipped++
			continue
		}
		peer, err := parsePEMCert(tc.PeerCertificate)
		if err == nil {
			roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
			for _, p := range tc.TrustedCerts {
				roots.AppendCertsFromPEM([]byte(p))
			}
			for _, p := range tc.UntrustedIntermediates {
				intermediates.AppendCertsFromPEM([]byte(p))
			}
			now := time.Now()
			if tc.ValidationTime != nil {
				now, _ = time.Parse(time.RFC3339, *tc.ValidationTime)
			}
			_, err = peer.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: intermediates, CurrentTime: now, KeyUsages: usages})
		}
		if !conformant(tc, err) {
			n.nonConformant++
			continue
		}
		if tc.ValidationKind == "CLIENT" && peer != nil {
			// Go's harness checks client names after path building, and
			// skips at the first kind VerifyHostname cannot judge (RFC 822).
			verdict := ""
			for _, pn := range tc.ExpectedPeerNames {
				if pn.Kind != "DNS" && pn.Kind != "IP" {
					verdict = "skip"
					break
				}
				if !conformant(tc, peer.VerifyHostname(pn.Value)) {
					verdict = "bad"
					break
				}
			}
			if verdict == "skip" {
				n.skipped++
				continue
			}
			if verdict == "bad" {
				n.nonConformant++
				continue
			}
		}
		n.conformant++
	}
	return n
}

// TestLimboDocumentedNonConformance keeps docs/x509-limbo.md true: every
// known non-conformant case is listed there.
func TestLimboDocumentedNonConformance(t *testing.T) {
	doc, err := os.ReadFile("../docs/x509-limbo.md")
	if err != nil {
		t.Fatal(err)
	}
	for id := range knownLimboNonConformant {
		if !strings.Contains(string(doc), "`"+id+"`") {
			t.Errorf("docs/x509-limbo.md does not list the known non-conformant case `%s`", id)
		}
	}
}
