package core

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" // OCSP CertIDs hash with SHA-1 (RFC 5019); linked for Hash.New
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"errors"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// The DER the parsers here read is what x/crypto/ocsp and crypto/x509 do not
// expose: the CertID of an OCSP response, and a CRL's issuing distribution
// point.

var errMalformedOCSP = errors.New("malformed OCSP response")

var certIDHashes = []struct {
	oid  encasn1.ObjectIdentifier
	hash crypto.Hash
}{
	{encasn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
	{encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
	{encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384},
	{encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
}

// ocspIssuerMatches finds the SingleResponse for serial (the first, as
// x/crypto/ocsp picks it) and checks that its CertID names issuer by name
// hash and key hash. The parser matches the serial only, so without this a
// response about the same serial from another CA would be taken as an
// answer about this certificate.
func ocspIssuerMatches(der []byte, serial *big.Int, issuer *x509.Certificate) error {
	in := cryptobyte.String(der)
	var resp, rb, basic, tbs, responses, responderID cryptobyte.String
	var status int
	var typ encasn1.ObjectIdentifier
	var tag asn1.Tag
	if !in.ReadASN1(&resp, asn1.SEQUENCE) ||
		!resp.ReadASN1Enum(&status) ||
		!resp.ReadASN1(&rb, asn1.Tag(0).Constructed().ContextSpecific()) ||
		!rb.ReadASN1(&rb, asn1.SEQUENCE) ||
		!rb.ReadASN1ObjectIdentifier(&typ) ||
		!rb.ReadASN1(&basic, asn1.OCTET_STRING) ||
		!basic.ReadASN1(&basic, asn1.SEQUENCE) ||
		!basic.ReadASN1(&tbs, asn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) || // version
		!tbs.ReadAnyASN1(&responderID, &tag) ||
		!tbs.SkipASN1(asn1.GeneralizedTime) || // producedAt
		!tbs.ReadASN1(&responses, asn1.SEQUENCE) {
		return errMalformedOCSP
	}
	for !responses.Empty() {
		var single, certID, alg cryptobyte.String
		var algOID encasn1.ObjectIdentifier
		var nameHash, keyHash []byte
		sn := new(big.Int)
		if !responses.ReadASN1(&single, asn1.SEQUENCE) ||
			!single.ReadASN1(&certID, asn1.SEQUENCE) ||
			!certID.ReadASN1(&alg, asn1.SEQUENCE) ||
			!alg.ReadASN1ObjectIdentifier(&algOID) ||
			!certID.ReadASN1Bytes(&nameHash, asn1.OCTET_STRING) ||
			!certID.ReadASN1Bytes(&keyHash, asn1.OCTET_STRING) ||
			!certID.ReadASN1Integer(sn) {
			return errMalformedOCSP
		}
		if sn.Cmp(serial) != 0 {
			continue
		}
		var h crypto.Hash
		for _, c := range certIDHashes {
			if c.oid.Equal(algOID) {
				h = c.hash
			}
		}
		if h == 0 {
			return errors.New("OCSP response uses an unsupported CertID hash")
		}
		key, err := subjectPublicKeyBits(issuer)
		if err != nil {
			return err
		}
		if !bytes.Equal(nameHash, digest(h, issuer.RawSubject)) || !bytes.Equal(keyHash, digest(h, key)) {
			return errors.New("OCSP response is about a certificate of another issuer")
		}
		return nil
	}
	return errors.New("OCSP response is not about this certificate's serial number")
}

func digest(h crypto.Hash, data []byte) []byte {
	w := h.New()
	w.Write(data)
	return w.Sum(nil)
}

// subjectPublicKeyBits returns the BIT STRING of the issuer's
// SubjectPublicKeyInfo, which is what an OCSP issuerKeyHash hashes.
func subjectPublicKeyBits(c *x509.Certificate) ([]byte, error) {
	in := cryptobyte.String(c.RawSubjectPublicKeyInfo)
	var spki cryptobyte.String
	var key []byte
	if !in.ReadASN1(&spki, asn1.SEQUENCE) ||
		!spki.SkipASN1(asn1.SEQUENCE) ||
		!spki.ReadASN1BitStringAsBytes(&key) {
		return nil, errors.New("issuer has a malformed public key")
	}
	return key, nil
}

// parseIssuingDistributionPoint reads the IssuingDistributionPoint
// extension of a CRL (RFC 5280 §5.2.5). A CRL limited to end-entity or to
// CA certificates is usable for those; one limited to some reasons, an
// indirect CRL, or one about attribute certificates is refused: it cannot
// say a certificate is good.
func parseIssuingDistributionPoint(v []byte) (onlyUser, onlyCA bool, err error) {
	bad := errors.New("CRL has a malformed issuing distribution point")
	in := cryptobyte.String(v)
	var idp cryptobyte.String
	if !in.ReadASN1(&idp, asn1.SEQUENCE) || !in.Empty() ||
		!idp.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) { // distributionPoint
		return false, false, bad
	}
	// flag reads an optional [n] IMPLICIT BOOLEAN DEFAULT FALSE.
	ok := true
	flag := func(n uint8) bool {
		var b cryptobyte.String
		var present bool
		if !idp.ReadOptionalASN1(&b, &present, asn1.Tag(n).ContextSpecific()) || present && len(b) != 1 {
			ok = false
			return false
		}
		return present && b[0] != 0
	}
	onlyUser = flag(1)
	onlyCA = flag(2)
	var reasons cryptobyte.String
	var someReasons bool
	if !idp.ReadOptionalASN1(&reasons, &someReasons, asn1.Tag(3).ContextSpecific()) {
		ok = false
	}
	indirect := flag(4)
	attributes := flag(5)
	if !ok || !idp.Empty() || onlyUser && onlyCA {
		return false, false, bad
	}
	switch {
	case someReasons:
		return false, false, errors.New("CRL covers only some revocation reasons")
	case indirect:
		return false, false, errors.New("indirect CRLs are not supported")
	case attributes:
		return false, false, errors.New("CRL is about attribute certificates")
	}
	return onlyUser, onlyCA, nil
}
