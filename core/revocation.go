package core

// Revocation checking of a verified chain: the checker, its limits, and how
// one certificate is judged (the staple, the caches, CRLs, then OCSP).
// The modes are in revocation_mode.go, the caches in revocation_cache.go,
// fetching in revocation_fetch.go, CRLs in revocation_crl.go and OCSP
// (responses, staples, must-staple) in revocation_ocsp.go.

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Limits of the checker. Revocation data comes from whoever the CA names in
// the certificate, over plain HTTP, so every fetch is bounded in time and
// size, and every cache in entries.
const (
	// revocationFetchTimeout bounds one HTTP fetch (connect, headers, body).
	// The caller's ctx usually ends sooner: it never waits past it.
	revocationFetchTimeout = 5 * time.Second
	// maxCRLSize and maxOCSPSize bound a response body. A CRL of 1 MiB holds
	// some 25 000 entries; web PKI CAs shard bigger lists. An OCSP response
	// is a few KiB at most.
	maxCRLSize  = 1 << 20
	maxOCSPSize = 64 << 10
	// failureTTL is how long a failed fetch is remembered, so that a dead or
	// hanging responder costs one timeout per failureTTL, not one per
	// connection.
	failureTTL = 30 * time.Second
	// maxCacheTTL caps how long a verdict or CRL is kept even when its
	// nextUpdate is later: a response valid "until 2099" is still refreshed.
	maxCacheTTL = 7 * 24 * time.Hour
	// clockSkew is the slack on thisUpdate and nextUpdate, as OpenSSL's
	// OCSP_check_validity allows, for clients whose clock is a bit off.
	clockSkew = 5 * time.Minute
	// maxAgeWithoutNextUpdate: a response without nextUpdate claims newer
	// information is always available; it is used only while it is young,
	// and never cached.
	maxAgeWithoutNextUpdate = 24 * time.Hour
	// Cache bounds. CRLs are held as serial sets, so 32 CRLs of the maximum
	// size cost a few tens of MiB at worst.
	maxVerdicts = 4096
	maxCRLs     = 32
	maxFailures = 1024
	maxRedirect = 3
)

// RevocationChecker judges verified chains. One checker can (and should) be
// shared by every socket of the process: its caches are what make checking
// cheap. It is safe for concurrent use.
type RevocationChecker struct {
	client       *http.Client
	now          func() time.Time
	fetchTimeout time.Duration

	mu       sync.Mutex
	verdicts map[verdictKey]cachedVerdict // by (issuer, serial), from OCSP
	crls     map[string]*cachedCRL        // by URL
	failures map[string]cachedFailure     // by URL, or by URL and certificate
	inflight map[string]*flight           // fetches running now, by fetch key
}

// NewRevocationChecker returns a checker with empty caches and its own HTTP
// client.
func NewRevocationChecker() *RevocationChecker {
	tr := &http.Transport{
		// The socket dials servers directly, so its revocation fetches do
		// too; a proxy would also be one more party seeing every fetch.
		Proxy:                  nil,
		DialContext:            (&net.Dialer{Timeout: revocationFetchTimeout}).DialContext,
		ResponseHeaderTimeout:  revocationFetchTimeout,
		MaxResponseHeaderBytes: 16 << 10,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        30 * time.Second,
	}
	return &RevocationChecker{
		client: &http.Client{
			Transport: tr,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				// Some CAs redirect CRL URLs; https would need a TLS
				// connection whose own revocation would need checking.
				if len(via) >= maxRedirect {
					return fmt.Errorf("more than %d redirects", maxRedirect)
				}
				if req.URL.Scheme != "http" {
					return fmt.Errorf("redirect to %s: only http is fetched", req.URL.Scheme)
				}
				return nil
			},
		},
		now:          time.Now,
		fetchTimeout: revocationFetchTimeout,
		verdicts:     map[verdictKey]cachedVerdict{},
		crls:         map[string]*cachedCRL{},
		failures:     map[string]cachedFailure{},
		inflight:     map[string]*flight{},
	}
}

var (
	sharedCheckerOnce sync.Once
	sharedChecker     *RevocationChecker
)

// SharedRevocationChecker returns the process-wide checker sockets use
// unless given another, created on first use.
func SharedRevocationChecker() *RevocationChecker {
	sharedCheckerOnce.Do(func() { sharedChecker = NewRevocationChecker() })
	return sharedChecker
}

// Check judges a verified chain (leaf first, trust anchor last): every
// certificate but the anchor, each against the next one as its issuer. The
// leaf is judged first by staple (the stapled OCSP response from the
// handshake, may be nil), then by the checker's caches, then by its CRL
// distribution points, then by its OCSP responders; an intermediate the
// same way without the staple. Only http:// URLs are fetched.
//
// ctx bounds the whole check (pass the socket's remaining connect timeout):
// Check returns by its deadline even when a responder hangs. A fetch that
// is still running then goes on in the background, bounded by its own
// timeout, so its answer lands in the cache for the next connection.
//
// The result is revoked if any certificate is revoked, else unknown if any
// is unknown, else good. The detail says, certificate by certificate, what
// was found and from where; it is meant for the ioError's detail and for
// the application, so a soft-fail is visible. Whether to connect is
// result.Refuses(mode).
func (rc *RevocationChecker) Check(ctx context.Context, chain []*x509.Certificate, staple []byte, mode RevocationMode) (RevocationResult, string) {
	return rc.check(func() context.Context { return ctx }, chain, staple, mode)
}

// check is Check with the context made only when a certificate needs a
// fetch: most checks are answered by the staple or the cache, and a
// connect's context for fetches (revocationContext) costs a timer.
func (rc *RevocationChecker) check(ctx func() context.Context, chain []*x509.Certificate, staple []byte, mode RevocationMode) (RevocationResult, string) {
	if mode == RevocationOff {
		// Nothing is fetched or looked up, but a valid revoked staple is
		// proof the server itself handed over: accepting it would contradict
		// "a revoked certificate is always refused".
		if len(chain) > 1 && len(staple) > 0 {
			if v, ok := rc.revokedStaple(staple, chain[0], chain[1]); ok {
				return RevocationRevoked, describeCert(chain[0], true) + ": " + v.words() +
					"; revocation checking is off, but a valid revoked staple is refused in every mode"
			}
		}
		return RevocationNotChecked, "revocation checking is off"
	}
	if len(chain) == 0 {
		// A caller bug; refusing in hard-fail is the safe outcome.
		return RevocationUnknown, "no verified certificate chain to check"
	}
	if len(chain) == 1 {
		// The server's certificate is itself an anchor the application
		// trusts explicitly; there is no issuer to ask.
		return RevocationNotChecked, "the server's certificate is itself a trust anchor; nobody can revoke it"
	}
	if !mode.valid() {
		mode = RevocationHardFail
	}
	n := len(chain) - 1
	verdicts := make([]certVerdict, n)
	var wg sync.WaitGroup
	for i := range n {
		var st []byte
		if i == 0 {
			st = staple
		}
		// Certificates are independent: judging them side by side makes the
		// worst case one fetch timeout, not one per certificate. The last
		// one is judged on this goroutine, so the usual chain (a leaf and
		// its issuer) starts none.
		if i == n-1 {
			verdicts[i] = rc.checkOne(ctx, chain[i], chain[i+1], i == 0, st, mode)
			break
		}
		wg.Go(func() { verdicts[i] = rc.checkOne(ctx, chain[i], chain[i+1], i == 0, st, mode) })
	}
	wg.Wait()

	result := RevocationNotChecked
	parts := make([]string, n)
	for i, v := range verdicts {
		if resultRank[v.result] > resultRank[result] {
			result = v.result
		}
		parts[i] = describeCert(chain[i], i == 0) + ": " + v.words()
	}
	return result, strings.Join(parts, "; ")
}

// resultRank orders per-certificate results: the chain's result is the
// worst of them.
var resultRank = map[RevocationResult]int{RevocationNotChecked: 0, RevocationGood: 1, RevocationUnknown: 2, RevocationRevoked: 3}

// certVerdict is how one certificate came out, with the evidence in words.
type certVerdict struct {
	result RevocationResult
	source string   // where a good or revoked verdict came from
	at     string   // revocation time and reason, for revoked
	why    []string // for unknown: what was tried and how it failed
}

func (v certVerdict) words() string {
	switch v.result {
	case RevocationRevoked:
		return "revoked " + v.at + " (" + v.source + ")"
	case RevocationGood:
		return "good (" + v.source + ")"
	case RevocationNotChecked:
		return "not checked (" + strings.Join(v.why, "; ") + ")"
	}
	return "unknown (" + strings.Join(v.why, "; ") + ")"
}

func describeCert(c *x509.Certificate, leaf bool) string {
	name := c.Subject.CommonName
	if name == "" {
		name = c.Subject.String()
	}
	if leaf {
		return "certificate " + strconv.Quote(name)
	}
	return "issuing CA " + strconv.Quote(name)
}

// checkOne judges one certificate against its issuer.
func (rc *RevocationChecker) checkOne(ctx func() context.Context, cert, issuer *x509.Certificate, leaf bool, staple []byte, mode RevocationMode) certVerdict {
	var why []string
	key := newVerdictKey(cert, issuer)

	// The staple first: it costs nothing, and a fresh revoked staple must
	// win over an older cached "good".
	if leaf && len(staple) > 0 {
		resp, err := rc.judgeOCSP(staple, cert, issuer)
		switch {
		case staleRevocation(resp, err):
			return certVerdict{result: RevocationRevoked, source: "OCSP response stapled by the server" + staleWords,
				at: revokedWords(resp.RevokedAt, resp.RevocationReason)}
		case err != nil:
			why = append(why, "stapled OCSP response ignored: "+err.Error())
		case resp.Status == ocsp.Unknown:
			why = append(why, "stapled OCSP response says the responder does not know the certificate")
		case resp.Status == ocsp.Good:
			// A server may staple a "good" answer that is still within
			// its validity but older than what the checker learnt since:
			// a revocation already known wins.
			if v, ok := rc.cachedVerdict(key); ok && v.revoked {
				vd := v.verdict()
				vd.source += ", cached; it overrides the \"good\" the server stapled"
				return vd
			}
			fallthrough
		default:
			v := rc.storeOCSPVerdict(key, resp, "OCSP response stapled by the server")
			return v.verdict()
		}
	}
	// A staple that was ignored is still worth saying when another source
	// decides.
	noted := func(v certVerdict) certVerdict {
		if len(why) > 0 && len(staple) > 0 && leaf {
			v.source += "; " + why[0]
		}
		return v
	}
	if v, ok := rc.cachedVerdict(key); ok {
		vd := v.verdict()
		vd.source += ", cached"
		return noted(vd)
	}

	fetch := mode != RevocationStapleOnly
	tried, skipped := false, false
	for _, u := range cert.CRLDistributionPoints {
		if !httpURL(u) {
			why = append(why, "CRL "+u+" skipped: only http:// is fetched")
			skipped = true
			continue
		}
		tried = true
		crl, cached, err := rc.crlFor(ctx(), u, issuer, fetch)
		if errors.Is(err, errNotCached) {
			continue // said once below, for the whole certificate
		}
		if err != nil {
			why = append(why, "CRL "+u+": "+err.Error())
			continue
		}
		if !crl.covers(cert) {
			why = append(why, "CRL "+u+": its issuing distribution point does not cover this kind of certificate")
			continue
		}
		source := "CRL " + u
		if cached {
			source += ", cached"
		}
		e, revoked := crl.revoked[serialKey(cert.SerialNumber)]
		if crl.stale != "" {
			if revoked && permanent(e.reason) {
				return noted(certVerdict{result: RevocationRevoked, source: source + staleWords, at: revokedWords(e.at, e.reason)})
			}
			why = append(why, "CRL "+u+": "+crl.stale)
			continue
		}
		if revoked {
			return noted(certVerdict{result: RevocationRevoked, source: source, at: revokedWords(e.at, e.reason)})
		}
		return noted(certVerdict{result: RevocationGood, source: source})
	}
	for _, u := range cert.OCSPServer {
		if !httpURL(u) {
			why = append(why, "OCSP "+u+" skipped: only http:// is fetched")
			skipped = true
			continue
		}
		tried = true
		if !fetch {
			break
		}
		v, err := rc.ocspFor(ctx(), u, cert, issuer, key)
		if err != nil {
			why = append(why, "OCSP "+u+": "+err.Error())
			continue
		}
		return noted(v.verdict())
	}

	if !fetch {
		if !leaf {
			// A staple covers only the leaf; without fetching, an issuing
			// CA can only be judged from the cache. Not knowing is not a
			// failure of this mode.
			return certVerdict{result: RevocationNotChecked,
				why: []string{"stapleOnly mode fetches nothing and nothing is cached"}}
		}
		if len(staple) == 0 {
			why = append(why, "the server stapled no OCSP response")
		}
		why = append(why, "stapleOnly mode fetches nothing")
		return certVerdict{result: RevocationUnknown, why: why}
	}
	if !tried && !skipped {
		why = append(why, "the certificate names no CRL distribution point and no OCSP responder")
	}
	return certVerdict{result: RevocationUnknown, why: why}
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "http" && u.Host != ""
}

// reasonNames are the CRLReason values of RFC 5280 §5.3.1 (7 is unused).
var reasonNames = map[int]string{
	0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL",
	9: "privilegeWithdrawn", 10: "aACompromise",
}

func revokedWords(at time.Time, reason int) string {
	s := "at " + at.UTC().Format(time.RFC3339)
	if name, ok := reasonNames[reason]; ok && reason != 0 {
		s += ", reason " + name
	}
	return s
}

// fresh checks thisUpdate and nextUpdate against now.
func fresh(this, next, now time.Time) error {
	switch {
	case this.After(now.Add(clockSkew)):
		return fmt.Errorf("is not valid before %s (thisUpdate)", this.UTC().Format(time.RFC3339))
	case !next.IsZero() && next.Before(this):
		return errors.New("has nextUpdate before thisUpdate")
	case !next.IsZero() && now.After(next.Add(clockSkew)):
		return staleError(fmt.Sprintf("is stale: expired at %s (nextUpdate)", next.UTC().Format(time.RFC3339)))
	case next.IsZero() && now.Sub(this) > maxAgeWithoutNextUpdate:
		return staleError(fmt.Sprintf("has no nextUpdate and is older than %s", maxAgeWithoutNextUpdate))
	}
	return nil
}

// staleError: a CRL or OCSP response that was valid once but is past its
// time. It no longer says a certificate is good; a revocation it records
// still stands (see permanent).
type staleError string

func (e staleError) Error() string { return string(e) }

func isStale(err error) bool {
	var s staleError
	return errors.As(err, &s)
}

// reasonCertificateHold is the one CRLReason that may be lifted later.
const reasonCertificateHold = 6

// permanent reports whether a revocation recorded in a stale CRL or OCSP
// response still counts: revocation is permanent (RFC 5280 5.3.1), except a
// certificate hold, which the CA may have released since.
func permanent(reason int) bool { return reason != reasonCertificateHold }

// staleWords is what a verdict from a stale source adds to its source.
const staleWords = "; the answer is stale, but a revocation is permanent"
