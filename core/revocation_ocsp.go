package core

// OCSP (RFC 6960): asking a responder, judging a response (signer,
// freshness, subject), the stapled response, and OCSP must-staple (RFC 7633).

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/crypto/ocsp"
)

// ocspFor asks the OCSP responder at u about cert.
func (rc *RevocationChecker) ocspFor(ctx context.Context, u string, cert, issuer *x509.Certificate, vk verdictKey) (cachedVerdict, error) {
	key := "ocsp " + u + " " + vk.String()
	if why, bad := rc.failed(u, key); bad {
		return cachedVerdict{}, errors.New(why + " (remembered from an attempt less than " + failureTTL.String() + " ago)")
	}
	if ctx.Err() != nil {
		return cachedVerdict{}, errors.New("no time left to ask it")
	}
	v, err := rc.share(ctx, key, func(fctx context.Context) (any, error) {
		// A fetch that ended just before share stored its verdict.
		if v, ok := rc.cachedVerdict(vk); ok {
			return v, nil
		}
		// SHA-1 CertIDs are what every responder understands (RFC 5019);
		// they identify, they do not authenticate.
		req, err := ocsp.CreateRequest(cert, issuer, nil)
		if err != nil {
			return nil, err
		}
		der, err := rc.fetch(fctx, http.MethodPost, u, req, maxOCSPSize)
		if err != nil {
			rc.fail(u, err)
			return nil, err
		}
		resp, err := rc.judgeOCSP(der, cert, issuer)
		if staleRevocation(resp, err) {
			// Not cached as a verdict (it is stale), and not as a failure
			// either: asked again next time, it may have been refreshed.
			return cachedVerdict{revoked: true, at: resp.RevokedAt, reason: resp.RevocationReason,
				source: "OCSP " + u + staleWords}, nil
		}
		if err == nil && resp.Status == ocsp.Unknown {
			err = errors.New("the responder does not know the certificate")
		}
		if err != nil {
			rc.fail(key, err)
			return nil, err
		}
		return rc.storeOCSPVerdict(vk, resp, "OCSP "+u), nil
	})
	if err != nil {
		return cachedVerdict{}, err
	}
	return v.(cachedVerdict), nil
}

// judgeOCSP parses an OCSP response about cert and checks everything
// x/crypto/ocsp leaves to its caller: who signed it (the issuer, or a
// responder the issuer delegated with the OCSPSigning usage, valid now),
// that it is about this issuer and serial, and that it is fresh. A stale
// response that passes every other check comes back together with its
// staleError (use it only through staleRevocation).
func (rc *RevocationChecker) judgeOCSP(der []byte, cert, issuer *x509.Certificate) (*ocsp.Response, error) {
	now := rc.now()
	// A nil issuer makes the parser skip the issuer checks, done below in
	// full: its own accept a delegate without the OCSPSigning usage.
	resp, err := ocsp.ParseResponseForCert(der, cert, nil)
	if err != nil {
		var re ocsp.ResponseError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("the responder answered %q", re.Status.String())
		}
		if strings.Contains(err.Error(), "bad signature on embedded certificate") {
			// x/crypto's words for a response whose signature does not
			// verify under the responder certificate it carries.
			return nil, errors.New("OCSP response signature does not verify against the responder certificate it carries")
		}
		return nil, fmt.Errorf("invalid OCSP response: %v", err)
	}
	switch signer := resp.Certificate; {
	case signer == nil:
		if err := resp.CheckSignatureFrom(issuer); err != nil {
			return nil, errors.New("OCSP response not signed by the issuer: " + err.Error())
		}
	case signer.Equal(issuer):
		// Signed by the issuer, which included itself: the parser checked
		// the signature against it.
	default:
		if err := signer.CheckSignatureFrom(issuer); err != nil {
			return nil, errors.New("OCSP responder certificate not issued by the certificate's issuer: " + err.Error())
		}
		if !hasEKU(signer, x509.ExtKeyUsageOCSPSigning) {
			return nil, errors.New("OCSP responder certificate lacks the OCSPSigning extended key usage")
		}
		if now.Before(signer.NotBefore) || now.After(signer.NotAfter) {
			return nil, errors.New("OCSP responder certificate is outside its validity period")
		}
	}
	if err := ocspIssuerMatches(der, cert.SerialNumber, issuer); err != nil {
		return nil, err
	}
	if err := fresh(resp.ThisUpdate, resp.NextUpdate, now); err != nil {
		if isStale(err) {
			// Authentic but old: the caller may still use a revocation.
			return resp, fmt.Errorf("OCSP response %w", err)
		}
		return nil, fmt.Errorf("OCSP response %w", err)
	}
	return resp, nil
}

func hasEKU(c *x509.Certificate, want x509.ExtKeyUsage) bool {
	for _, u := range c.ExtKeyUsage {
		if u == want {
			return true
		}
	}
	return false
}

// staleRevocation reports whether judgeOCSP's answer is an authentic but
// stale response that records a permanent revocation.
func staleRevocation(resp *ocsp.Response, err error) bool {
	return resp != nil && isStale(err) && resp.Status == ocsp.Revoked && permanent(resp.RevocationReason)
}

// oidTLSFeature is the TLS Feature extension; tlsFeatureStatusRequest is
// the status_request extension number it lists for OCSP must-staple.
var oidTLSFeature = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 24}

const tlsFeatureStatusRequest = 5

// mustStaple reports whether cert demands a stapled OCSP response: its TLS
// Feature extension lists status_request. An extension that does not parse
// counts as demanding it: the strict reading of a garbled demand is the
// safe one.
func mustStaple(cert *x509.Certificate) bool {
	for _, e := range cert.Extensions {
		if !e.Id.Equal(oidTLSFeature) {
			continue
		}
		var features []int
		if rest, err := asn1.Unmarshal(e.Value, &features); err != nil || len(rest) > 0 {
			return true
		}
		for _, f := range features {
			if f == tlsFeatureStatusRequest {
				return true
			}
		}
	}
	return false
}

// revokedStaple judges a staple alone, without caches or fetches: ok when
// it is a valid OCSP answer, signed for issuer, that says cert is revoked
// (also past its nextUpdate, since a revocation is permanent, except a
// certificate hold).
func (rc *RevocationChecker) revokedStaple(staple []byte, cert, issuer *x509.Certificate) (certVerdict, bool) {
	resp, err := rc.judgeOCSP(staple, cert, issuer)
	source := "OCSP response stapled by the server"
	switch {
	case staleRevocation(resp, err):
		source += staleWords
	case err != nil || resp.Status != ocsp.Revoked:
		return certVerdict{}, false
	}
	return certVerdict{result: RevocationRevoked, source: source, at: revokedWords(resp.RevokedAt, resp.RevocationReason)}, true
}

// stapleProblem says what is wrong with the staple of a certificate that
// demands one, or "" when the server stapled a valid, fresh OCSP answer
// (good or revoked) about it, signed for its issuer.
func (rc *RevocationChecker) stapleProblem(staple []byte, cert, issuer *x509.Certificate) string {
	if len(staple) == 0 {
		return "the server stapled none"
	}
	resp, err := rc.judgeOCSP(staple, cert, issuer)
	if staleRevocation(resp, err) {
		return "" // proof of a revocation: Check refuses it as revoked
	}
	if err != nil {
		return "the stapled one is unusable: " + err.Error()
	}
	if resp.Status == ocsp.Unknown {
		return "the stapled one says the responder does not know the certificate"
	}
	return ""
}
