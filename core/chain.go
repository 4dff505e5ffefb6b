package core

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// PolicyError is a refusal by the policy layer that verifyServerChain runs
// over crypto/x509: a chain Go's verifier accepts, but that breaks a rule of
// RFC 5280 or the CA/Browser Forum Baseline Requirements that this library
// enforces. docs/x509-limbo.md lists the rules and why each one is safe for
// real servers.
type PolicyError struct {
	// Cert is the certificate that breaks the rule.
	Cert *x509.Certificate
	// Reason says which rule, in words fit for an ioError detail.
	Reason string
	// Status is the AS3 certificate status the refusal maps to.
	Status CertificateStatus
}

func (e *PolicyError) Error() string {
	name := "certificate"
	if e.Cert != nil {
		if s := e.Cert.Subject.String(); s != "" {
			name = fmt.Sprintf("certificate %q", s)
		} else {
			name = "certificate with an empty subject"
		}
	}
	return "x509 policy: " + name + ": " + e.Reason
}

// classifyPolicyError gives the status and detail of a policy-layer refusal,
// and ok=false for any other error so that classifyVerifyError goes on with
// the x509 error types. It exists because classifyVerifyError would otherwise
// call every PolicyError "invalid", also when the fault is an issuer
// (invalidChain) or the name (principalMismatch).
func classifyPolicyError(err error) (status CertificateStatus, detail string, ok bool) {
	var pe *PolicyError
	if !errors.As(err, &pe) {
		return "", "", false
	}
	return pe.Status, pe.Error(), true
}

// verifyServerChain verifies the certificates a server presented (leaf first) for host at time now:
// Go's x509 verification (roots, intermediates = presented certs[1:] plus extraIntermediates, DNSName/IP,
// ExtKeyUsage serverAuth), then the policy layer on the verified chains. Returns the verified chains or an
// error that classifyVerifyError (verify.go) can classify: x509 error types where Go's verifier refuses, a
// *PolicyError where the policy layer does.
//
// roots nil means the system roots, as in crypto/x509. Only the chains that
// pass the policy layer are returned: a server reachable through a good chain
// and a bad one (say a cross-sign to a weak root) still verifies. If no chain
// passes, the error is the first chain's refusal.
func verifyServerChain(certs []*x509.Certificate, host string, now time.Time, roots, extraIntermediates *x509.CertPool) ([][]*x509.Certificate, error) {
	chainVerifications.Add(1)
	if len(certs) == 0 || certs[0] == nil {
		return nil, errors.New("x509: the server presented no certificate")
	}
	// An empty DNSName makes crypto/x509 skip the name check; a socket always
	// knows the host it dialled, so an empty one is a caller bug and must not
	// turn into "any name will do".
	if host == "" {
		return nil, errors.New("x509: no host name to verify the server certificate against")
	}
	// Cloned so the caller's pool of extra intermediates is never changed by
	// what one server happened to send.
	intermediates := x509.NewCertPool()
	if extraIntermediates != nil {
		intermediates = extraIntermediates.Clone()
	}
	for _, c := range certs[1:] {
		if c != nil {
			intermediates.AddCert(c)
		}
	}
	chains, err := certs[0].Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: intermediates,
		// Certificate times have one-second resolution, and the web PKI
		// reads notAfter as covering its whole second (RFC 5280 4.1.2.5;
		// x509-limbo rfc5280::validity::notafter-fractional). Go compares
		// to the nanosecond and would refuse a certificate in the last
		// second of its life; comparing at the encoding's resolution
		// changes nothing else (notBefore still refuses the second before).
		CurrentTime: now.Truncate(time.Second),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, err
	}
	var good [][]*x509.Certificate
	var first error
	for _, chain := range chains {
		if err := checkChainPolicy(chain, host); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		good = append(good, chain)
	}
	if len(good) == 0 {
		return nil, first
	}
	return good, nil
}

// chainVerifications counts the calls of verifyServerChain, for the tests
// that a handshake verifies the server's chain once (crypto/tls's own
// verification) and a resumed one not at all.
var chainVerifications atomic.Int64

var (
	oidExtKeyUsage        = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtNameConstraints = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidExtExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// emptySequence is the DER of an empty Name: a subject with no attributes.
var emptySequence = []byte{0x30, 0x00}

// minRSABits is the CA/B Forum minimum (BR 6.1.5), and what OpenSSL's
// security level 2, the default on Debian, Ubuntu and RHEL (and so of curl
// and Python there), already demands of every certificate in a chain.
const minRSABits = 2048

// checkChainPolicy applies the policy rules to one chain that crypto/x509
// verified: chain[0] is the leaf, the last certificate the trust anchor.
// Each rule closes a gap x509-limbo found in Go's verifier and is one that
// real servers already meet, because mainstream clients or the CA/B Forum
// enforce it; docs/x509-limbo.md gives the case for each.
func checkChainPolicy(chain []*x509.Certificate, host string) error {
	leaf := chain[0]
	// A chain of one is a certificate the application (or the system store)
	// trusts directly: typically a self-signed server certificate added with
	// addBinaryChainBuildingCertificate. Tools such as `openssl req -x509`
	// make those CA:TRUE, so the leaf-is-not-a-CA rules would refuse exactly
	// the servers that extra anchors exist for. The trust there is explicit.
	leafIsAnchor := len(chain) == 1

	if !leafIsAnchor {
		if err := checkLeaf(leaf); err != nil {
			return err
		}
	}
	if err := checkWildcardSpan(leaf, host); err != nil {
		return err
	}
	for i, c := range chain {
		status := StatusInvalid
		if i > 0 {
			status = StatusInvalidChain
		}
		if err := checkKey(c, status); err != nil {
			return err
		}
	}
	for _, c := range chain[1:] {
		if err := checkIssuer(c); err != nil {
			return err
		}
	}
	return nil
}

// checkLeaf holds the rules for a server certificate that a CA issued.
func checkLeaf(c *x509.Certificate) error {
	// A CA certificate serving as a TLS server holds a key that can sign
	// certificates; RFC 5280 4.2.1.9 ties keyCertSign to cA=TRUE and the BRs
	// (7.1.2.7.8, 7.1.2.7.11) forbid both in a subscriber certificate.
	// rustls refuses this outright (CaUsedAsEndEntity), so a public or
	// private server that does it is already broken for a large client
	// base; only the directly trusted certificate is exempt (see above).
	if c.BasicConstraintsValid && c.IsCA {
		return &PolicyError{Cert: c, Status: StatusInvalid,
			Reason: "the server certificate is a CA certificate (basicConstraints cA=TRUE); a CA must not act as a server unless it is itself a trust anchor"}
	}
	if c.KeyUsage&x509.KeyUsageCertSign != 0 {
		return &PolicyError{Cert: c, Status: StatusInvalid,
			Reason: "the server certificate asserts keyUsage keyCertSign without being a CA (RFC 5280 4.2.1.9)"}
	}
	// Name constraints bind a CA's issuance (RFC 5280 4.2.1.10: "MUST be
	// used only in a CA certificate"); in a leaf they constrain nothing, so
	// their presence means the issuer is confused. No CA profile emits them.
	if hasExtension(c, oidExtNameConstraints) {
		return &PolicyError{Cert: c, Status: StatusInvalid,
			Reason: "the server certificate carries a name constraints extension, which only CA certificates may carry (RFC 5280 4.2.1.10)"}
	}
	// An extKeyUsage that lists nothing is malformed (RFC 5280 4.2.1.12:
	// KeyPurposeId SIZE (1..MAX)). crypto/x509 reads it as no extension,
	// that is valid for any purpose, which turns a broken certificate into a
	// more powerful one.
	if hasExtension(c, oidExtExtKeyUsage) && len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return &PolicyError{Cert: c, Status: StatusInvalid,
			Reason: "the server certificate has an empty extended key usage extension (RFC 5280 4.2.1.12)"}
	}
	return nil
}

// checkIssuer holds the rules for a certificate that signed another one in
// the chain (intermediates and the trust anchor).
func checkIssuer(c *x509.Certificate) error {
	// RFC 5280 4.1.2.6: a CA's subject MUST be a non-empty name. Path
	// building matches issuer to subject by name, and an empty one matches
	// every other empty one; no real CA is nameless.
	if bytes.Equal(c.RawSubject, emptySequence) {
		return &PolicyError{Cert: c, Status: StatusInvalidChain,
			Reason: "an issuing certificate has an empty subject (RFC 5280 4.1.2.6)"}
	}
	// crypto/x509 already refuses an issuer whose keyUsage lacks keyCertSign,
	// but reads a keyUsage with no bits at all as "no extension". That is a
	// malformed extension (RFC 5280 4.2.1.3: at least one bit MUST be set)
	// that denies certificate signing; OpenSSL (anchors included) and
	// Chromium refuse such an issuer.
	if hasExtension(c, oidExtKeyUsage) && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		return &PolicyError{Cert: c, Status: StatusInvalidChain,
			Reason: "an issuing certificate has a key usage extension without keyCertSign (RFC 5280 4.2.1.3)"}
	}
	return nil
}

// checkKey holds the rules for the public key of any certificate in the
// chain, the trust anchor included: a weak anchor key lets anyone who
// factors it mint certificates.
func checkKey(c *x509.Certificate, status CertificateStatus) error {
	switch c.PublicKeyAlgorithm {
	case x509.DSA, x509.UnknownPublicKeyAlgorithm:
		// crypto/tls cannot use a DSA server key, nor crypto/x509 verify a
		// DSA signature, so no working server has one; the BRs (6.1.5)
		// allow only RSA and ECDSA. Refusing here says why, instead of
		// failing later in the handshake.
		return &PolicyError{Cert: c, Status: status,
			Reason: fmt.Sprintf("the certificate's public key algorithm (%v) is not allowed; use RSA, ECDSA or Ed25519", c.PublicKeyAlgorithm)}
	}
	if k, ok := c.PublicKey.(*rsa.PublicKey); ok {
		bits := k.N.BitLen()
		if bits < minRSABits {
			return &PolicyError{Cert: c, Status: status,
				Reason: fmt.Sprintf("the certificate's RSA key has %d bits; at least %d are required (CA/B BR 6.1.5)", bits, minRSABits)}
		}
		// BR 6.1.5: "the modulus size, in bits, is evenly divisible by 8".
		// Every mainstream key generator makes 2048/3072/4096-bit keys; an
		// odd size comes only from a hand-picked parameter.
		if bits%8 != 0 {
			return &PolicyError{Cert: c, Status: status,
				Reason: fmt.Sprintf("the certificate's RSA key has %d bits, not a multiple of 8 (CA/B BR 6.1.5)", bits)}
		}
	}
	return nil
}

// checkWildcardSpan refuses a host name that matched only through a wildcard
// directly under a top-level domain, like *.com. crypto/x509 matches those;
// the BRs forbid issuing them (3.2.2.6), and Chrome refuses them at match
// time (no wildcard over a registry-controlled or unknown TLD), so no server
// can depend on one. Wildcards under a multi-label
// public suffix (*.co.uk) need the Public Suffix List and are not refused
// here; private-registry suffixes (*.s3.amazonaws.com) must not be: S3
// serves exactly that name, and Chrome accepts it too.
func checkWildcardSpan(leaf *x509.Certificate, host string) error {
	var kept []string
	dropped := false
	for _, name := range leaf.DNSNames {
		labels := strings.Split(strings.TrimSuffix(name, "."), ".")
		if len(labels) < 3 && labels[0] == "*" {
			dropped = true
			continue
		}
		kept = append(kept, name)
	}
	if !dropped {
		return nil
	}
	// Re-run crypto/x509's own matching without the offending patterns, so
	// that the rules for exact names, IP addresses and case stay Go's.
	narrowed := *leaf
	narrowed.DNSNames = kept
	if narrowed.VerifyHostname(host) == nil {
		return nil
	}
	return &PolicyError{Cert: leaf, Status: StatusPrincipalMismatch,
		Reason: fmt.Sprintf("%q matches only a wildcard that spans a whole top-level domain; such names are not valid for any server", host)}
}

func hasExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}
