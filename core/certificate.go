package core

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"time"
)

// X500DistinguishedName is AIR's flash.security.X500DistinguishedName: the
// common attributes of a certificate's subject or issuer name. Where an
// attribute repeats, the first value is given; String has them all.
type X500DistinguishedName struct {
	CommonName             string
	CountryName            string
	LocalityName           string
	OrganizationName       string
	OrganizationalUnitName string
	StateOrProvinceName    string
	dn                     string
}

// String returns the whole name in RFC 2253 form, e.g.
// "CN=localhost,O=securesocket lab".
func (n X500DistinguishedName) String() string { return n.dn }

// X509Certificate is AIR 3's flash.security.X509Certificate: what the
// server's certificate says, read from its DER.
type X509Certificate struct {
	Encoded                      []byte // the whole certificate, DER
	Version                      uint   // 0-based, as in the DER: 2 means X.509 v3
	SerialNumber                 string // hexadecimal, lower case, no separators
	SignatureAlgorithmOID        string
	SignatureAlgorithmParams     []byte // DER of the parameters; nil when absent or NULL
	Issuer                       X500DistinguishedName
	IssuerUniqueID               string // hexadecimal; "" when absent
	Subject                      X500DistinguishedName
	SubjectUniqueID              string // hexadecimal; "" when absent
	SubjectPublicKey             string // the subjectPublicKey bits, hexadecimal
	SubjectPublicKeyAlgorithmOID string
	ValidNotBefore               time.Time
	ValidNotAfter                time.Time
}

// tbsFields is the part of TBSCertificate that crypto/x509 does not expose.
type tbsFields struct {
	Raw          asn1.RawContent
	Version      int `asn1:"optional,explicit,default:0,tag:0"`
	SerialNumber *big.Int
	SigAlg       pkix.AlgorithmIdentifier
	Issuer       asn1.RawValue
	Validity     asn1.RawValue
	Subject      asn1.RawValue
	PublicKey    struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	IssuerUniqueID  asn1.BitString `asn1:"optional,tag:1"`
	SubjectUniqueID asn1.BitString `asn1:"optional,tag:2"`
	Extensions      asn1.RawValue  `asn1:"optional,explicit,tag:3"`
}

type certFields struct {
	TBS    tbsFields
	SigAlg pkix.AlgorithmIdentifier
	Sig    asn1.BitString
}

// NewX509Certificate describes c in AIR's terms.
func NewX509Certificate(c *x509.Certificate) *X509Certificate {
	out := &X509Certificate{
		Encoded:        append([]byte(nil), c.Raw...),
		Version:        uint(max(c.Version-1, 0)),
		SerialNumber:   c.SerialNumber.Text(16),
		Issuer:         x500(c.Issuer),
		Subject:        x500(c.Subject),
		ValidNotBefore: c.NotBefore,
		ValidNotAfter:  c.NotAfter,
	}
	var f certFields
	if _, err := asn1.Unmarshal(c.Raw, &f); err == nil {
		out.SignatureAlgorithmOID = f.SigAlg.Algorithm.String()
		if p := f.SigAlg.Parameters; len(p.FullBytes) > 0 && !(p.Tag == asn1.TagNull && len(p.Bytes) == 0) {
			out.SignatureAlgorithmParams = append([]byte(nil), p.FullBytes...)
		}
		out.SubjectPublicKeyAlgorithmOID = f.TBS.PublicKey.Algorithm.Algorithm.String()
		out.SubjectPublicKey = hex.EncodeToString(f.TBS.PublicKey.PublicKey.Bytes)
		out.IssuerUniqueID = hex.EncodeToString(f.TBS.IssuerUniqueID.Bytes)
		out.SubjectUniqueID = hex.EncodeToString(f.TBS.SubjectUniqueID.Bytes)
	}
	return out
}

func x500(n pkix.Name) X500DistinguishedName {
	first := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	return X500DistinguishedName{
		CommonName:             n.CommonName,
		CountryName:            first(n.Country),
		LocalityName:           first(n.Locality),
		OrganizationName:       first(n.Organization),
		OrganizationalUnitName: first(n.OrganizationalUnit),
		StateOrProvinceName:    first(n.Province),
		dn:                     n.String(),
	}
}

// ServerCertificate returns the server's certificate from the last
// successful connect, or nil if there was none. Like ServerCertificateStatus
// it stays after close() and changes with the next Connect.
func (s *Socket) ServerCertificate() *X509Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.peerChain) == 0 {
		return nil
	}
	return NewX509Certificate(s.peerChain[0])
}

// ServerCertificateChain returns the verified chain of the last successful
// connect, from the server's certificate to the trust anchor.
func (s *Socket) ServerCertificateChain() []*X509Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*X509Certificate, len(s.peerChain))
	for i, c := range s.peerChain {
		out[i] = NewX509Certificate(c)
	}
	return out
}
