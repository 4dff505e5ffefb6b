package core

// The checker's caches: verdicts per certificate (by issuer and serial, as
// OCSP names them), CRLs per URL, and recent failures, each bounded in
// entries and kept no longer than its source's next update.

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"time"

	"golang.org/x/crypto/ocsp"
)

// verdictKey names a certificate the way OCSP does: by its issuer (name and
// key, hashed) and serial number.
type verdictKey struct {
	issuer [32]byte
	serial string
}

func issuerID(issuer *x509.Certificate) [32]byte {
	h := sha256.New()
	h.Write(issuer.RawSubject)
	h.Write(issuer.RawSubjectPublicKeyInfo)
	var id [32]byte
	h.Sum(id[:0])
	return id
}

func newVerdictKey(cert, issuer *x509.Certificate) verdictKey {
	return verdictKey{issuer: issuerID(issuer), serial: serialKey(cert.SerialNumber)}
}

func (k verdictKey) String() string {
	return hex.EncodeToString(k.issuer[:]) + "/" + k.serial
}

type cachedVerdict struct {
	revoked bool
	at      time.Time
	reason  int
	source  string
	until   time.Time
}

func (v cachedVerdict) verdict() certVerdict {
	if v.revoked {
		return certVerdict{result: RevocationRevoked, source: v.source, at: revokedWords(v.at, v.reason)}
	}
	return certVerdict{result: RevocationGood, source: v.source}
}

type cachedFailure struct {
	why   string
	until time.Time
}

// cacheUntil is how long an answer valid until next may be kept; zero means
// not at all.
func cacheUntil(now, next time.Time) time.Time {
	if next.IsZero() {
		return time.Time{}
	}
	if limit := now.Add(maxCacheTTL); next.After(limit) {
		return limit
	}
	return next
}

func (rc *RevocationChecker) cachedVerdict(key verdictKey) (cachedVerdict, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	v, ok := rc.verdicts[key]
	if !ok {
		return v, false
	}
	if !rc.now().Before(v.until) {
		delete(rc.verdicts, key)
		return v, false
	}
	return v, true
}

// storeOCSPVerdict caches a good or revoked OCSP answer until its
// nextUpdate and returns it.
func (rc *RevocationChecker) storeOCSPVerdict(key verdictKey, resp *ocsp.Response, source string) cachedVerdict {
	now := rc.now()
	v := cachedVerdict{
		revoked: resp.Status == ocsp.Revoked,
		at:      resp.RevokedAt,
		reason:  resp.RevocationReason,
		source:  source,
		until:   cacheUntil(now, resp.NextUpdate),
	}
	if v.until.After(now) {
		rc.mu.Lock()
		makeRoom(rc.verdicts, maxVerdicts, now, func(v cachedVerdict) time.Time { return v.until })
		rc.verdicts[key] = v
		rc.mu.Unlock()
	}
	return v
}

func (rc *RevocationChecker) storeCRL(u string, c *cachedCRL) {
	now := rc.now()
	if !c.until.After(now) {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	makeRoom(rc.crls, maxCRLs, now, func(c *cachedCRL) time.Time { return c.until })
	rc.crls[u] = c
}

// fail remembers a failed fetch under key for failureTTL.
func (rc *RevocationChecker) fail(key string, err error) {
	now := rc.now()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	makeRoom(rc.failures, maxFailures, now, func(f cachedFailure) time.Time { return f.until })
	rc.failures[key] = cachedFailure{why: err.Error(), until: now.Add(failureTTL)}
}

// failed reports a remembered failure under any of keys.
func (rc *RevocationChecker) failed(keys ...string) (string, bool) {
	now := rc.now()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, k := range keys {
		if f, ok := rc.failures[k]; ok {
			if now.Before(f.until) {
				return f.why, true
			}
			delete(rc.failures, k)
		}
	}
	return "", false
}

// makeRoom keeps m below limit before an insertion: expired entries go
// first; if that is not enough, arbitrary ones (Go's map order is random,
// which makes this random eviction, cheap and good enough for a cache whose
// misses only cost a fetch). The caller holds rc.mu.
func makeRoom[K comparable, V any](m map[K]V, limit int, now time.Time, until func(V) time.Time) {
	if len(m) < limit {
		return
	}
	for k, v := range m {
		if !now.Before(until(v)) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) < limit {
			break
		}
		delete(m, k)
	}
}
