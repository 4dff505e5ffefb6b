package core

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ConnectionReport is what a socket knows about its last connect: the
// outcome, the certificate status and detail, the negotiated protocol, the
// revocation outcome and the verified chain. It is what securesocket-probe
// prints (also through Python and Node, from the C ABI's
// ss_describe_connection), so its JSON field names are stable: fields are
// only ever added.
type ConnectionReport struct {
	// Outcome is "connected", "refused" (the library judged the server's
	// certificate and refused it), "failed" (no verdict: refused TCP
	// connection, timeout, no TLS, no common protocol version or cipher
	// suite; or the server broke off after its certificate was accepted),
	// "connecting" or "none" (never connected). "connected" stays after the
	// connection ends; TLSVersion, CipherSuite and the remote address are
	// then empty.
	Outcome string `json:"outcome"`
	// ExitCode is the probe's exit status for Outcome: 0 connected,
	// 1 refused, 3 otherwise (2 is left to usage errors).
	ExitCode int `json:"exitCode"`
	// Status is the AS3 certificate status (ServerCertificateStatus).
	Status CertificateStatus `json:"status"`
	// Detail says why the connect failed; "" when it succeeded.
	Detail string `json:"detail"`
	// TLSVersion ("TLSv1.3") and CipherSuite (IANA name) while connected.
	TLSVersion  string `json:"tlsVersion"`
	CipherSuite string `json:"cipherSuite"`
	// RemoteAddress and RemotePort of the server while connected.
	RemoteAddress string `json:"remoteAddress"`
	RemotePort    int    `json:"remotePort"`
	// Revocation is the socket's mode and the last connect's outcome.
	Revocation RevocationReport `json:"revocation"`
	// Chain is the verified chain, server certificate first; empty unless
	// the connect succeeded.
	Chain []CertificateReport `json:"chain"`
}

// RevocationReport is the revocation part of a ConnectionReport.
type RevocationReport struct {
	Mode   string           `json:"mode"`
	Status RevocationResult `json:"status"`
	Detail string           `json:"detail"`
}

// CertificateReport is one certificate of a ConnectionReport's chain.
type CertificateReport struct {
	Subject      string   `json:"subject"` // RFC 2253
	Issuer       string   `json:"issuer"`
	SerialNumber string   `json:"serialNumber"` // hexadecimal
	NotBefore    string   `json:"notBefore"`    // RFC 3339, UTC
	NotAfter     string   `json:"notAfter"`
	DNSNames     []string `json:"dnsNames"`
	IPAddresses  []string `json:"ipAddresses"`
	IsCA         bool     `json:"isCA"`
	// PinSHA256 is the SHA-256 of the SubjectPublicKeyInfo, base64: the
	// value of an HPKP pin-sha256, and what AddPublicKeyPin takes decoded.
	PinSHA256 string `json:"pinSha256"`
}

// Exit statuses of ConnectionReport.ExitCode.
const (
	ExitConnected = 0
	ExitRefused   = 1
	ExitFailed    = 3
)

// Describe returns the report of the socket's last connect. Call it after
// the connect or ioError event (while connected for the protocol facts).
func (s *Socket) Describe() ConnectionReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := ConnectionReport{
		Status: s.status,
		Detail: s.detail,
		Revocation: RevocationReport{Mode: s.trust.revocation.String(), Status: s.revStatus,
			Detail: s.revDetail},
		Chain:         []CertificateReport{},
		RemoteAddress: addrIP(s.remote),
		RemotePort:    addrPort(s.remote),
	}
	switch {
	case s.link != nil && s.st == stateOpen:
		r.Outcome, r.ExitCode = "connected", ExitConnected
		if s.link.tc != nil { // nil: a plain Socket before StartTLS (plain.go)
			cs := s.link.tc.ConnectionState()
			r.TLSVersion = tls.VersionName(cs.Version)
			r.TLSVersion = strings.Replace(r.TLSVersion, "TLS 1.", "TLSv1.", 1)
			r.CipherSuite = tls.CipherSuiteName(cs.CipherSuite)
		}
	case s.st == stateConnecting:
		r.Outcome, r.ExitCode = "connecting", ExitFailed
	case len(s.peerChain) > 0:
		// The connect succeeded; the connection has ended since (the
		// detail says why if it broke).
		r.Outcome, r.ExitCode = "connected", ExitConnected
	case s.detail == "":
		r.Outcome, r.ExitCode = "none", ExitFailed
	case s.status == StatusUnknown || s.status == StatusTrusted:
		// No verdict, or the server broke off after ours (it refused our
		// client certificate): not a refusal by this library.
		r.Outcome, r.ExitCode = "failed", ExitFailed
	default:
		r.Outcome, r.ExitCode = "refused", ExitRefused
	}
	for _, c := range s.peerChain {
		r.Chain = append(r.Chain, certificateReport(c))
	}
	return r
}

func certificateReport(c *x509.Certificate) CertificateReport {
	pin := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	r := CertificateReport{
		Subject:      c.Subject.String(),
		Issuer:       c.Issuer.String(),
		SerialNumber: fmt.Sprintf("%x", c.SerialNumber),
		NotBefore:    c.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:     c.NotAfter.UTC().Format(time.RFC3339),
		DNSNames:     append([]string{}, c.DNSNames...),
		IPAddresses:  []string{},
		IsCA:         c.IsCA,
		PinSHA256:    base64.StdEncoding.EncodeToString(pin[:]),
	}
	for _, ip := range c.IPAddresses {
		r.IPAddresses = append(r.IPAddresses, ip.String())
	}
	return r
}

// JSON returns the report as one line of JSON.
func (r ConnectionReport) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// Text returns the report for people, one fact per line.
func (r ConnectionReport) Text() string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-12s %s\n", k+":", v)
		}
	}
	line("outcome", r.Outcome)
	line("status", string(r.Status))
	line("detail", r.Detail)
	if r.RemoteAddress != "" {
		line("server", fmt.Sprintf("%s port %d", r.RemoteAddress, r.RemotePort))
	}
	line("tls", strings.TrimSpace(r.TLSVersion+" "+r.CipherSuite))
	rev := fmt.Sprintf("%s (mode %s)", r.Revocation.Status, r.Revocation.Mode)
	if r.Revocation.Detail != "" {
		rev += ": " + r.Revocation.Detail
	}
	line("revocation", rev)
	for i, c := range r.Chain {
		fmt.Fprintf(&b, "certificate %d:\n", i)
		fmt.Fprintf(&b, "  subject:    %s\n", c.Subject)
		fmt.Fprintf(&b, "  issuer:     %s\n", c.Issuer)
		fmt.Fprintf(&b, "  serial:     %s\n", c.SerialNumber)
		fmt.Fprintf(&b, "  valid:      %s to %s\n", c.NotBefore, c.NotAfter)
		if names := append(append([]string{}, c.DNSNames...), c.IPAddresses...); len(names) > 0 {
			fmt.Fprintf(&b, "  names:      %s\n", strings.Join(names, ", "))
		}
		if c.IsCA {
			fmt.Fprintf(&b, "  ca:         yes\n")
		}
		fmt.Fprintf(&b, "  pin-sha256: %s\n", c.PinSHA256)
	}
	return b.String()
}

// Formats of DescribeAs, as the C ABI numbers them.
const (
	ReportJSON = 0
	ReportText = 1
)

// DescribeAs returns Describe's report as JSON (ReportJSON) or text
// (ReportText); any other format is ArgumentError #2008.
func (s *Socket) DescribeAs(format int) (string, error) {
	switch format {
	case ReportJSON:
		return s.Describe().JSON(), nil
	case ReportText:
		return s.Describe().Text(), nil
	}
	return "", paramErr(ErrBadEnum, "format")
}
