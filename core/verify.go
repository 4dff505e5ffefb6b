package core

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// timeNow is the clock of certificate verification (and of crypto/tls's
// session expiry checks); tests move it to judge a resumed session later.
var timeNow = time.Now

// CertificateStatus is one of the AS3 flash.security.CertificateStatus strings.
type CertificateStatus string

// The nine AS3 certificate statuses.
const (
	StatusTrusted           CertificateStatus = "trusted"
	StatusUnknown           CertificateStatus = "unknown"
	StatusExpired           CertificateStatus = "expired"
	StatusNotYetValid       CertificateStatus = "notYetValid"
	StatusInvalid           CertificateStatus = "invalid"
	StatusInvalidChain      CertificateStatus = "invalidChain"
	StatusPrincipalMismatch CertificateStatus = "principalMismatch"
	StatusRevoked           CertificateStatus = "revoked"
	StatusUntrustedSigners  CertificateStatus = "untrustedSigners"
)

// classifyConnectError turns a dial or handshake failure into the
// certificate status and a detail for the ioError. The status stays
// "unknown" unless the server's certificate was received and judged: AIR
// says "invalid" for a refused connection, which claims a verdict nobody
// made (a documented divergence).
func classifyConnectError(err error, now time.Time) (CertificateStatus, string) {
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		var leaf *x509.Certificate
		if len(cve.UnverifiedCertificates) > 0 {
			leaf = cve.UnverifiedCertificates[0]
		}
		return classifyVerifyError(cve.Err, leaf, now)
	}
	return StatusUnknown, describeNetError(err)
}

func classifyVerifyError(err error, leaf *x509.Certificate, now time.Time) (CertificateStatus, string) {
	if st, d, ok := classifyPolicyError(err); ok {
		return st, d
	}
	var inv x509.CertificateInvalidError
	var host x509.HostnameError
	var ua x509.UnknownAuthorityError
	var sre x509.SystemRootsError
	switch {
	case errors.As(err, &inv):
		isLeaf := inv.Cert == nil || leaf == nil || inv.Cert.Equal(leaf)
		switch inv.Reason {
		case x509.Expired:
			c := inv.Cert
			if c == nil {
				c = leaf
			}
			if !isLeaf {
				return StatusInvalidChain, "an issuing certificate in the chain is outside its validity period: " + err.Error()
			}
			if c != nil && now.Before(c.NotBefore) {
				return StatusNotYetValid, fmt.Sprintf("certificate is not valid before %s", c.NotBefore.UTC().Format(time.RFC3339))
			}
			if c != nil {
				return StatusExpired, fmt.Sprintf("certificate expired at %s", c.NotAfter.UTC().Format(time.RFC3339))
			}
			return StatusExpired, err.Error()
		case x509.NotAuthorizedToSign, x509.TooManyIntermediates, x509.CANotAuthorizedForThisName,
			x509.CANotAuthorizedForExtKeyUsage, x509.NameConstraintsWithoutSANs, x509.TooManyConstraints:
			return StatusInvalidChain, err.Error()
		case x509.IncompatibleUsage:
			// Go names the leaf whichever certificate's extended key usage
			// left serverAuth out: look at the leaf's own.
			if leaf != nil && !allowsServerAuth(leaf) {
				return StatusInvalid, "the server's certificate is not for TLS servers (its extended key usage lacks serverAuth): " + err.Error()
			}
			return StatusInvalidChain, "an issuing certificate's extended key usage does not allow TLS servers: " + err.Error()
		default:
			if !isLeaf {
				return StatusInvalidChain, err.Error()
			}
			return StatusInvalid, err.Error()
		}
	case errors.As(err, &host):
		return StatusPrincipalMismatch, err.Error()
	case errors.As(err, &ua):
		d := err.Error()
		switch {
		case leaf != nil && isSelfIssued(leaf):
			d = "the server's certificate is self-signed and not a trust anchor of this socket " +
				"(addBinaryChainBuildingCertificate(der, true) makes it one): " + d
		case leaf != nil:
			d += " (the chain does not reach a trusted root; the server may also have left out its intermediate certificate)"
		}
		return StatusUntrustedSigners, d
	case errors.As(err, &sre):
		return StatusUntrustedSigners, err.Error()
	}
	return StatusInvalid, err.Error()
}

func isSelfIssued(c *x509.Certificate) bool {
	return string(c.RawIssuer) == string(c.RawSubject)
}

// describeNetError words a dial or handshake error for the ioError detail.
func describeNetError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timed out"
	case isAny(err, errConnRefused):
		return refusedDetail(err)
	case isAny(err, errConnReset):
		return "connection reset by peer"
	case isAny(err, errUnreachable):
		return "host unreachable"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout {
			return "timed out"
		}
		return "DNS lookup failed: " + dnsErr.Err
	}
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return "TLS alert from server: " + err.Error()
	}
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) {
		return "the server does not speak TLS: " + rhe.Msg
	}
	msg := err.Error()
	if strings.Contains(msg, "protocol version not supported") {
		return msg + " (the server offers only TLS versions below the socket's minimum, TLS 1.2 unless minTLSVersion is lowered)"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.HasSuffix(msg, "EOF") {
		return handshakeEOF
	}
	return msg
}

func isCleanEOF(err error) bool {
	return errors.Is(err, io.EOF)
}

// allowsServerAuth reports whether c's own extended key usage allows TLS
// server authentication (no extension allows every purpose).
func allowsServerAuth(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

// handshakeEOF is describeNetError's words for a stream that ended early.
const handshakeEOF = "the server closed the connection during the TLS handshake"
