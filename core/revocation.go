package core

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// RevocationMode says how hard the socket tries to learn whether the
// server's certificates were revoked.
//
// The zero value is RevocationSoftFail, the default, so that a forgotten
// field or a zeroed struct never silently turns checking off.
//
// In every mode but RevocationOff, a server certificate with the OCSP
// must-staple extension (TLS Feature status_request, RFC 7633) is refused
// with status "invalid" unless the server staples a valid, fresh OCSP
// response about it: the certificate itself says it is not to be trusted
// otherwise. (A server certificate the application added as a trust anchor
// is exempt, as it is from revocation: nobody issued it.)
type RevocationMode int

const (
	// RevocationSoftFail checks the staple, then CRLs, then OCSP; when no
	// answer can be had the connection goes ahead and the result says
	// "unknown" (visible, never silent).
	RevocationSoftFail RevocationMode = iota
	// RevocationHardFail checks like soft-fail but refuses the connection
	// unless every certificate is known to be good.
	RevocationHardFail
	// RevocationStapleOnly judges the leaf by the server's stapled OCSP
	// response (and what the checker already has cached) and never makes a
	// network request of its own: no latency, and the CA does not learn which
	// server the application talks to. Unknown is accepted.
	RevocationStapleOnly
	// RevocationOff fetches and looks up nothing, must-staple included;
	// the result is "notChecked". Only a valid OCSP response the server
	// stapled saying its certificate is revoked still refuses (result
	// "revoked"): a revoked certificate is refused in every mode.
	RevocationOff
)

// String returns the mode's name as the bindings spell it.
func (m RevocationMode) String() string {
	switch m {
	case RevocationOff:
		return "off"
	case RevocationStapleOnly:
		return "stapleOnly"
	case RevocationSoftFail:
		return "softFail"
	case RevocationHardFail:
		return "hardFail"
	}
	return "RevocationMode(" + strconv.Itoa(int(m)) + ")"
}

// ParseRevocationMode is the inverse of String, for the C ABI and the
// bindings, which pass the mode by name. It reports false for any other
// string (the socket's setter turns that into ArgumentError #2008).
func ParseRevocationMode(s string) (RevocationMode, bool) {
	for _, m := range []RevocationMode{RevocationOff, RevocationStapleOnly, RevocationSoftFail, RevocationHardFail} {
		if m.String() == s {
			return m, true
		}
	}
	return RevocationSoftFail, false
}

func (m RevocationMode) valid() bool {
	return m >= RevocationSoftFail && m <= RevocationOff
}

// RevocationResult is how revocation checking came out for a connection.
type RevocationResult string

// The four revocation results.
const (
	// RevocationGood: every checked certificate is known not to be revoked.
	RevocationGood RevocationResult = "good"
	// RevocationRevoked: some certificate of the chain is revoked.
	RevocationRevoked RevocationResult = "revoked"
	// RevocationUnknown: for some certificate no valid, fresh answer could
	// be had (no URL, responder down or slow, stale or badly signed answer).
	RevocationUnknown RevocationResult = "unknown"
	// RevocationNotChecked: checking is off, or there was nothing to check
	// (the server's certificate is itself a trust anchor).
	RevocationNotChecked RevocationResult = "notChecked"
)

// Refuses reports whether a socket in mode must refuse the connection with
// this result: a revoked certificate always refuses; unknown refuses only in
// hard-fail (an invalid mode is treated as hard-fail, the safe reading);
// good and notChecked never do. A refused connection gets an ioError, and
// the certificate status "revoked" when the result is RevocationRevoked.
func (r RevocationResult) Refuses(mode RevocationMode) bool {
	switch r {
	case RevocationRevoked:
		return true
	case RevocationUnknown:
		return mode == RevocationHardFail || !mode.valid()
	case RevocationGood, RevocationNotChecked:
		return false
	}
	return true // not one of the four results: never connect on a verdict nobody made
}

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
		// worst case one fetch timeout, not one per certificate.
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
func (rc *RevocationChecker) checkOne(ctx context.Context, cert, issuer *x509.Certificate, leaf bool, staple []byte, mode RevocationMode) certVerdict {
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
		crl, cached, err := rc.crlFor(ctx, u, issuer, fetch)
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
		v, err := rc.ocspFor(ctx, u, cert, issuer, key)
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

// ---- caches ----

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

// ---- fetching ----

// flight is one fetch that callers with the same key share, so a hundred
// sockets connecting at once to one server cause one CRL download.
type flight struct {
	done chan struct{}
	val  any
	err  error
}

// share runs fn once per key at a time, detached from the callers: fn gets
// its own context bounded by the fetch timeout. Each caller waits for the
// result or for its own ctx, whichever comes first.
func (rc *RevocationChecker) share(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	rc.mu.Lock()
	f, ok := rc.inflight[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		rc.inflight[key] = f
		go func() {
			fctx, cancel := context.WithTimeout(context.Background(), rc.fetchTimeout)
			defer cancel()
			f.val, f.err = fn(fctx)
			rc.mu.Lock()
			delete(rc.inflight, key)
			rc.mu.Unlock()
			close(f.done)
		}()
	}
	rc.mu.Unlock()
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, errors.New("no answer within the connect timeout")
		}
		return nil, errors.New("the connect attempt ended first")
	}
}

var errTooLarge = errors.New("response too large")

// fetch makes one HTTP request and returns the body of a 200 response, at
// most limit bytes.
func (rc *RevocationChecker) fetch(ctx context.Context, method, u string, body []byte, limit int64) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/ocsp-request")
		req.Header.Set("Accept", "application/ocsp-response")
	}
	resp, err := rc.client.Do(req)
	if err != nil {
		return nil, plainFetchError(err)
	}
	// Closing without draining drops the connection: right for a server
	// that sends more than asked for.
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes announced, the limit is %d", errTooLarge, resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	}
	if err != nil {
		return nil, plainFetchError(err)
	}
	return data, nil
}

// plainFetchError words a transport error without Go's "Post \"url\":"
// prefix; the detail already names the URL.
func plainFetchError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("timed out")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out")
		}
		return ue.Err
	}
	return err
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

// ---- judging responses ----

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

// staleRevocation reports whether judgeOCSP's answer is an authentic but
// stale response that records a permanent revocation.
func staleRevocation(resp *ocsp.Response, err error) bool {
	return resp != nil && isStale(err) && resp.Status == ocsp.Revoked && permanent(resp.RevocationReason)
}

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

// ---- OCSP must-staple (RFC 7633) ----

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
