package core

// Certificate revocation lists (RFC 5280): fetching one for an issuer and
// checking it before any of its entries counts.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"time"
)

type crlRevocation struct {
	at     time.Time
	reason int
}

type cachedCRL struct {
	issuer   [32]byte
	revoked  map[string]crlRevocation // by serialKey
	onlyUser bool                     // issuing distribution point: end-entity certificates only
	onlyCA   bool                     // issuing distribution point: CA certificates only
	stale    string                   // why the CRL is stale, or ""
	until    time.Time
}

// covers reports whether the CRL's scope includes cert: a CRL partitioned to
// CA certificates says nothing about a leaf, and vice versa.
func (c *cachedCRL) covers(cert *x509.Certificate) bool {
	isCA := cert.BasicConstraintsValid && cert.IsCA
	return !(c.onlyUser && isCA) && !(c.onlyCA && !isCA)
}

// errNotCached: stapleOnly mode found nothing in the cache and fetches
// nothing.
var errNotCached = errors.New("not cached")

// crlFor returns the CRL at u, verified against issuer, from the cache
// (cached is then true) or, when fetch is set, from the network.
func (rc *RevocationChecker) crlFor(ctx context.Context, u string, issuer *x509.Certificate, fetch bool) (c *cachedCRL, cached bool, err error) {
	id := issuerID(issuer)
	now := rc.now()
	rc.mu.Lock()
	c, ok := rc.crls[u]
	if ok && !now.Before(c.until) {
		delete(rc.crls, u)
		ok = false
	}
	rc.mu.Unlock()
	if ok && c.issuer == id {
		return c, true, nil
	}
	if !fetch {
		return nil, false, errNotCached
	}
	key := "crl " + u + " " + hex.EncodeToString(id[:])
	if why, bad := rc.failed(u, key); bad {
		return nil, false, errors.New(why + " (remembered from an attempt less than " + failureTTL.String() + " ago)")
	}
	if ctx.Err() != nil {
		return nil, false, errors.New("no time left to fetch it")
	}
	v, err := rc.share(ctx, key, func(fctx context.Context) (any, error) {
		// A fetch that ended between the cache check above and share
		// stored its CRL: use it rather than fetch it again.
		rc.mu.Lock()
		stored, ok := rc.crls[u]
		rc.mu.Unlock()
		if ok && stored.issuer == id && rc.now().Before(stored.until) {
			return stored, nil
		}
		der, err := rc.fetch(fctx, http.MethodGet, u, nil, maxCRLSize)
		if err != nil {
			rc.fail(u, err) // the server's fault: whatever certificate asks
			return nil, err
		}
		c, err := parseCRL(der, issuer, rc.now())
		if err != nil {
			rc.fail(key, err)
			return nil, err
		}
		rc.storeCRL(u, c)
		return c, nil
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*cachedCRL), false, nil
}

// Extensions of a CRL (RFC 5280 §5.2, §5.3) the checker understands.
var (
	oidAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidIssuingDistPoint = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidFreshestCRL      = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidAuthorityInfo    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidReasonCode       = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidInvalidityDate   = asn1.ObjectIdentifier{2, 5, 29, 24}
	understoodCRLExts   = []asn1.ObjectIdentifier{oidAuthorityKeyID, oidCRLNumber, oidIssuingDistPoint, oidFreshestCRL, oidAuthorityInfo}
	understoodEntryExts = []asn1.ObjectIdentifier{oidReasonCode, oidInvalidityDate}
)

const reasonRemoveFromCRL = 8

var errCRLCriticalUnknown = errors.New("CRL has a critical extension this checker does not understand")

// parseCRL checks a CRL against the issuer of the certificate being judged
// and returns its revoked serials. Delta CRLs, indirect CRLs and CRLs that
// cover only some reasons are refused: each says nothing complete about a
// certificate on its own.
func parseCRL(der []byte, issuer *x509.Certificate, now time.Time) (*cachedCRL, error) {
	// RFC 5280 publishes DER; a CA made with `openssl ca -gencrl` and a
	// static web server often serves PEM. The signature check below is
	// the same either way.
	if b, _ := pem.Decode(der); b != nil && b.Type == "X509 CRL" {
		der = b.Bytes
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("malformed CRL: %v", err)
	}
	if !bytes.Equal(rl.RawIssuer, issuer.RawSubject) {
		return nil, fmt.Errorf("CRL issued by %q, not by the certificate's issuer %q", rl.Issuer.String(), issuer.Subject.String())
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		return nil, errors.New("CRL signature does not verify against the issuer: " + err.Error())
	}
	c := &cachedCRL{issuer: issuerID(issuer), revoked: make(map[string]crlRevocation, len(rl.RevokedCertificateEntries)),
		until: cacheUntil(now, rl.NextUpdate)}
	if err := fresh(rl.ThisUpdate, rl.NextUpdate, now); err != nil {
		if !isStale(err) {
			return nil, fmt.Errorf("CRL %w", err)
		}
		// Authentic but old: kept as briefly as a failure, for the
		// revocations it records (see permanent); it says nothing good.
		c.stale, c.until = "CRL "+err.Error(), now.Add(failureTTL)
	}
	for _, ext := range rl.Extensions {
		if ext.Id.Equal(oidIssuingDistPoint) {
			if c.onlyUser, c.onlyCA, err = parseIssuingDistributionPoint(ext.Value); err != nil {
				return nil, err
			}
			continue
		}
		if ext.Critical && !oidIn(ext.Id, understoodCRLExts) {
			// This includes the delta CRL indicator (2.5.29.27).
			return nil, errCRLCriticalUnknown
		}
	}
	for _, e := range rl.RevokedCertificateEntries {
		for _, ext := range e.Extensions {
			// certificateIssuer (indirect CRLs) is critical and not
			// understood: such an entry could be about another CA's serial.
			if ext.Critical && !oidIn(ext.Id, understoodEntryExts) {
				return nil, errCRLCriticalUnknown
			}
		}
		if e.ReasonCode == reasonRemoveFromCRL {
			continue // only meaningful in delta CRLs: not revoked
		}
		c.revoked[serialKey(e.SerialNumber)] = crlRevocation{at: e.RevocationTime, reason: e.ReasonCode}
	}
	return c, nil
}

func oidIn(id asn1.ObjectIdentifier, list []asn1.ObjectIdentifier) bool {
	for _, o := range list {
		if id.Equal(o) {
			return true
		}
	}
	return false
}

// serialKey is a serial number as a map key; Text keeps the sign, which
// non-conforming (negative) serials have.
func serialKey(n *big.Int) string { return n.Text(16) }
