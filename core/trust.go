package core

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/youmark/pkcs8"
)

// Trust beyond the platform store, all of it opt-in and none of it able to
// accept a certificate the checks refuse: extra anchors and intermediates
// (AIR 3's addBinaryChainBuildingCertificate), public-key pins, revocation
// modes, and a client certificate for servers that ask for one.

// trustSettings are a socket's trust choices; Connect takes a copy.
type trustSettings struct {
	anchors       []*x509.Certificate
	intermediates []*x509.Certificate
	pins          [][sha256.Size]byte
	client        *tls.Certificate
	revocation    RevocationMode
}

func (t trustSettings) clone() trustSettings {
	t.anchors = append([]*x509.Certificate(nil), t.anchors...)
	t.intermediates = append([]*x509.Certificate(nil), t.intermediates...)
	t.pins = append([][sha256.Size]byte(nil), t.pins...)
	return t
}

// AddBinaryChainBuildingCertificate adds a DER-encoded X.509 certificate for
// this socket's chain building, from the next Connect on: a trust anchor if
// trusted is true, else an intermediate that can complete a chain to an
// anchor (it grants no trust by itself). It lasts for the life of the
// socket. Bytes that are not one DER certificate are ArgumentError #2004;
// nil is TypeError #2007. der is copied: the caller may reuse it.
func (s *Socket) AddBinaryChainBuildingCertificate(der []byte, trusted bool) error {
	if der == nil {
		return paramErr(ErrNull, "certificate")
	}
	// The parsed certificate points into the bytes it was parsed from, and
	// it outlives this call (the socket's settings, the shared pools); the
	// C ABI hands over memory the caller frees when the call returns.
	c, err := x509.ParseCertificate(bytes.Clone(der))
	if err != nil {
		return newErr(ErrBadParam, "not a DER X.509 certificate: "+err.Error(), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if trusted {
		s.trust.anchors = append(s.trust.anchors, c)
	} else {
		s.trust.intermediates = append(s.trust.intermediates, c)
	}
	return nil
}

// AddPublicKeyPin pins the SHA-256 hash of a SubjectPublicKeyInfo (the
// value of an HPKP "pin-sha256", decoded). Once any pin is set, a server is
// accepted only if its verified chain holds a pinned key, on top of every
// other check: a pin never makes an untrusted chain acceptable. Anything
// but 32 bytes is ArgumentError #2004.
func (s *Socket) AddPublicKeyPin(sha256Hash []byte) error {
	if sha256Hash == nil {
		return paramErr(ErrNull, "pin")
	}
	if len(sha256Hash) != sha256.Size {
		return newErr(ErrBadParam, fmt.Sprintf("a pin is a 32-byte SHA-256 hash, got %d bytes", len(sha256Hash)), nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trust.pins = append(s.trust.pins, [sha256.Size]byte(sha256Hash))
	return nil
}

// ClearPublicKeyPins removes every pin.
func (s *Socket) ClearPublicKeyPins() {
	s.mu.Lock()
	s.trust.pins = nil
	s.mu.Unlock()
}

// PublicKeyPin returns the pin of a certificate: the SHA-256 of its
// SubjectPublicKeyInfo.
func PublicKeyPin(c *x509.Certificate) []byte {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return h[:]
}

// SetRevocationMode chooses how revocation is checked from the next
// Connect: RevocationSoftFail (the default), RevocationHardFail,
// RevocationStapleOnly or RevocationOff. Any other value is ArgumentError
// #2008.
func (s *Socket) SetRevocationMode(m RevocationMode) error {
	if !m.valid() {
		return paramErr(ErrBadEnum, "revocationMode")
	}
	s.mu.Lock()
	s.trust.revocation = m
	s.mu.Unlock()
	return nil
}

// RevocationMode returns the revocation mode.
func (s *Socket) RevocationMode() RevocationMode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trust.revocation
}

// RevocationStatus says how the last connect's revocation check came out:
// "good", "revoked", "unknown" (soft-fail accepted it; see RevocationDetail)
// or "notChecked" (mode off, or no certificate was checked).
func (s *Socket) RevocationStatus() RevocationResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revStatus
}

// RevocationDetail says, certificate by certificate, where the revocation
// verdict came from or why there was none.
func (s *Socket) RevocationDetail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revDetail
}

// SetClientCertificate sets the certificate (chain) and private key this
// socket presents when a server asks for one, from the next Connect. Both
// may be PEM or DER. The key may be PKCS#8, PKCS#1 (RSA) or SEC 1 (EC), and
// encrypted (PKCS#8 "ENCRYPTED PRIVATE KEY", or a legacy PEM with
// Proc-Type: 4,ENCRYPTED) with password. A key that does not match the
// certificate, a wrong password or unreadable bytes are ArgumentError #2004.
//
// In TLS 1.3 the client's handshake ends before the server has judged the
// client certificate, so a refusal arrives after the connect event, as an
// ioError; in TLS 1.2 it is the connect attempt's ioError. Both are copied:
// the caller may reuse them.
func (s *Socket) SetClientCertificate(cert, key []byte, password string) error {
	if cert == nil {
		return paramErr(ErrNull, "certificate")
	}
	if key == nil {
		return paramErr(ErrNull, "key")
	}
	// As in AddBinaryChainBuildingCertificate: what is parsed points into
	// the bytes, and a DER certificate is sent as it is, at every connect.
	tc, err := parseClientCertificate(bytes.Clone(cert), bytes.Clone(key), password)
	if err != nil {
		return newErr(ErrBadParam, err.Error(), err)
	}
	s.mu.Lock()
	s.trust.client = tc
	s.mu.Unlock()
	return nil
}

// ClearClientCertificate stops presenting a client certificate.
func (s *Socket) ClearClientCertificate() {
	s.mu.Lock()
	s.trust.client = nil
	s.mu.Unlock()
}

func parseClientCertificate(certBytes, keyBytes []byte, password string) (*tls.Certificate, error) {
	var chain [][]byte
	if bytes.Contains(certBytes, []byte("-----BEGIN")) {
		rest := certBytes
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type == "CERTIFICATE" {
				chain = append(chain, b.Bytes)
			}
		}
	} else {
		chain = [][]byte{certBytes}
	}
	if len(chain) == 0 {
		return nil, errors.New("no certificate in the certificate bytes")
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	key, err := parsePrivateKey(keyBytes, password)
	if err != nil {
		return nil, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return nil, errors.New("the private key does not match the client certificate")
	}
	return &tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

func parsePrivateKey(b []byte, password string) (crypto.Signer, error) {
	der := b
	if bytes.Contains(b, []byte("-----BEGIN")) {
		var block *pem.Block
		for rest := b; ; {
			if block, rest = pem.Decode(rest); block == nil || isKeyBlock(block.Type) {
				break
			}
		}
		if block == nil {
			return nil, errors.New("no private key in the key bytes")
		}
		der = block.Bytes
		// Legacy encrypted PEM is deprecated for good reasons, but it is what
		// many users' key files are; reading it is better than refusing.
		if x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck
			if password == "" {
				return nil, errors.New("the private key is encrypted and no password was given")
			}
			var err error
			if der, err = x509.DecryptPEMBlock(block, []byte(password)); err != nil { //nolint:staticcheck
				return nil, fmt.Errorf("decrypting the private key (wrong password?): %w", err)
			}
		}
		if block.Type == "ENCRYPTED PRIVATE KEY" {
			return parseEncryptedPKCS8(der, password)
		}
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return asSigner(k)
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	if password != "" {
		// DER of an encrypted PKCS#8 key.
		return parseEncryptedPKCS8(der, password)
	}
	return nil, errors.New("the key bytes hold no PKCS#8, PKCS#1 or SEC 1 private key (an encrypted key needs its password)")
}

func parseEncryptedPKCS8(der []byte, password string) (crypto.Signer, error) {
	if password == "" {
		return nil, errors.New("the private key is encrypted and no password was given")
	}
	k, err := pkcs8.ParsePKCS8PrivateKey(der, []byte(password))
	if err != nil {
		return nil, fmt.Errorf("decrypting the private key (wrong password?): %w", err)
	}
	return asSigner(k)
}

func asSigner(k any) (crypto.Signer, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("unsupported private key type %T", k)
}

func isKeyBlock(t string) bool {
	switch t {
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
		return true
	}
	return false
}

// connectRefusal is the handshake error of a certificate this library
// refused after Go's own checks passed (policy, pins, revocation), or of an
// extra-anchor verification; it carries the AS3 status.
type connectRefusal struct {
	status CertificateStatus
	detail string
}

func (e *connectRefusal) Error() string { return e.detail }

// attempt records what one connect's verification learned, for dial to
// publish when the handshake is over.
type attempt struct {
	verified   bool
	chain      []*x509.Certificate
	revocation RevocationResult
	revDetail  string
	resumed    bool // the handshake resumed a session (session.go)
	// Key-share prediction (session.go): the server's key in the memory
	// ("" with the session cache off), and whether this attempt offers
	// the classical groups only.
	shareKey  string
	predicted bool
	// The attempt's deadline, and what ends its waits in poll(2) when it is
	// abandoned (deadline.go).
	deadline time.Time
	intr     interrupter

	// Set by clientTLSConfig and prepare, read by the verification.
	trust      trustSettings
	roots      *x509.CertPool // nil: the platform's own verifier
	inter      *x509.CertPool
	storeNotes []string
	// gated holds the DER of each extra intermediate that the pool
	// crypto/tls sees holds as if it were a root (prepare): a chain of
	// crypto/tls's that ends there is not yet a chain to a trust anchor.
	gated map[string]bool
}

// prepare readies cfg for the handshake, within the connect's context: it
// loads the platform trust store (bounded by ctx; see store.go) and sets
// the roots with this socket's extra anchors and intermediates. Its error
// is the connect's: the store could not be read in time.
func (at *attempt) prepare(ctx context.Context, cfg *tls.Config) error {
	st, err := loadPlatformStore(ctx)
	if err != nil {
		return fmt.Errorf("reading the platform trust store: %w", err)
	}
	at.storeNotes = st.notes
	t := at.trust
	roots := st.pool
	if len(t.anchors) == 0 && len(t.intermediates) == 0 {
		cfg.RootCAs, at.roots = roots, roots
		return nil
	}
	pp := preparedFor(st, t)
	cfg.RootCAs, at.roots, at.inter, at.gated = pp.gate, pp.roots, pp.inter, pp.gated
	return nil
}

// preparedPools are the pools of one set of extra anchors and
// intermediates over the platform store: roots (the store and the anchors),
// inter (the extra intermediates) and gate, the pool crypto/tls's own
// verifier sees. None of them is changed once built, so every connect with
// the same certificates shares them.
type preparedPools struct {
	roots, inter, gate *x509.CertPool
	gated              map[string]bool
	key                [sha256.Size]byte
	built              time.Time
}

// Sockets that reconnect with the same extra certificates (often a new
// socket each time, with the same self-signed anchor) reuse the pools
// instead of copying the platform store on every connect. The gate depends
// on the clock (an extra intermediate is in it while it chains to an
// anchor), so an entry is rebuilt after preparedTTL; a stale one cannot
// widen trust, since a chain that ends at a gated intermediate is verified
// again to its anchor (serverChains).
const (
	preparedCacheSize = 32
	preparedTTL       = 5 * time.Minute
)

var preparedCache struct {
	sync.Mutex
	entries []*preparedPools // most recently used last
}

// preparedFor returns the pools for t's anchors and intermediates over st,
// from the cache or built now.
func preparedFor(st *platformStore, t trustSettings) *preparedPools {
	h := sha256.New()
	for _, set := range [][]*x509.Certificate{t.anchors, t.intermediates} {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(set))))
		for _, c := range set {
			h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(c.Raw))))
			h.Write(c.Raw)
		}
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	now := timeNow()
	c := &preparedCache
	c.Lock()
	for i, pp := range c.entries {
		if pp.key == key {
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			if age := now.Sub(pp.built); age >= 0 && age < preparedTTL {
				c.entries = append(c.entries, pp)
				c.Unlock()
				return pp
			}
			break
		}
	}
	c.Unlock()
	pp := buildPrepared(st, t, now)
	pp.key = key
	c.Lock()
	if len(c.entries) >= preparedCacheSize {
		c.entries = c.entries[1:]
	}
	c.entries = append(c.entries, pp)
	c.Unlock()
	return pp
}

func buildPrepared(st *platformStore, t trustSettings, now time.Time) *preparedPools {
	roots := st.pool
	var err error
	if roots != nil {
		roots = roots.Clone()
	} else if roots, err = x509.SystemCertPool(); err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	for _, a := range t.anchors {
		roots.AddCert(a)
	}
	inter := x509.NewCertPool()
	for _, c := range t.intermediates {
		inter.AddCert(c)
	}
	pp := &preparedPools{roots: roots, inter: inter, gate: roots, built: now}
	// crypto/tls's own verifier (never switched off) cannot take extra
	// intermediates, so the pool it sees also holds each extra intermediate
	// that itself chains to a trusted anchor now. That only lets its pass
	// through: VerifyConnection verifies a chain that ends at one of them
	// again, to the real anchor, with every constraint of the issuers above
	// (serverChains).
	if len(t.intermediates) > 0 {
		pp.gate = roots.Clone()
		for _, c := range t.intermediates {
			if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil && c.IsCA {
				pp.gate.AddCert(c)
				if pp.gated == nil {
					pp.gated = make(map[string]bool)
				}
				pp.gated[string(c.Raw)] = true
			}
		}
	}
	return pp
}

// explain adds to the detail of a refusal what the platform store left out,
// when that may be the reason: the chain reached no trusted root.
func (at *attempt) explain(st CertificateStatus, detail string) string {
	if st == StatusUntrustedSigners {
		return detail + storeWords(at.storeNotes)
	}
	return detail
}

// clientTLSConfig builds the handshake's configuration; at.prepare must
// complete it before the handshake. crypto/tls's own verifier checks the
// chain (it is never switched off); VerifyConnection then judges the chains
// it verified (serverChains): the policy layer, the pins and revocation,
// and it refuses the handshake (with a bad_certificate alert to the server)
// if any of them fails. crypto/tls calls VerifyConnection on every
// handshake, full or resumed, so a resumed session's certificates are
// judged again, with the current clock. The chain's signatures are verified
// once per full handshake, by crypto/tls, and not again on resumption.
func clientTLSConfig(ctx context.Context, host string, minVer uint16, t trustSettings, at *attempt) *tls.Config {
	cfg := newConnConfig() // memory.go: not in the size class of goroutines
	cfg.ServerName, cfg.MinVersion, cfg.Time = host, minVer, verifyClock
	if minVer >= tls.VersionTLS12 {
		cfg.CipherSuites = tls12Suites
	}
	at.trust = t
	if t.client != nil {
		client := t.client
		// Always offer the configured certificate, even when the server's
		// list of acceptable CAs does not name its issuer: the user chose
		// it, and the server's refusal then says so clearly.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return client, nil
		}
	}
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		now := verifyClock()
		chains, err := at.serverChains(cs, host, now)
		if err != nil {
			var leaf *x509.Certificate
			if len(cs.PeerCertificates) > 0 {
				leaf = cs.PeerCertificates[0]
			}
			st, d := classifyVerifyError(err, leaf, now)
			d = at.explain(st, d)
			return &connectRefusal{status: st, detail: d}
		}
		chain := chains[0]
		if len(t.pins) > 0 {
			chain = pinnedChain(chains, t.pins)
			if chain == nil {
				return &connectRefusal{status: StatusUntrustedSigners,
					detail: "public key pin mismatch: no key in the verified chain matches a pinned SHA-256"}
			}
		}
		// OCSP must-staple: the certificate itself says a connection
		// without a valid staple is not to be trusted, whatever other
		// sources would say, so nothing is fetched for it. Only "off" (no
		// revocation checking at all) skips it.
		if t.revocation != RevocationOff && len(chain) > 1 && mustStaple(chain[0]) {
			if why := SharedRevocationChecker().stapleProblem(cs.OCSPResponse, chain[0], chain[1]); why != "" {
				d := "the certificate requires a stapled OCSP response (OCSP must-staple, RFC 7633), but " + why
				at.chain, at.revocation, at.revDetail = chain, RevocationUnknown, d
				return &connectRefusal{status: StatusInvalid, detail: d}
			}
		}
		res, detail := SharedRevocationChecker().check(sync.OnceValue(func() context.Context { return revocationContext(ctx) }), chain, cs.OCSPResponse, t.revocation)
		at.chain, at.revocation, at.revDetail = chain, res, detail
		if res.Refuses(t.revocation) {
			st := StatusRevoked
			if res != RevocationRevoked {
				st = StatusInvalid
				detail = "revocation could not be checked (hard-fail): " + detail
			}
			return &connectRefusal{status: st, detail: detail}
		}
		at.verified = true
		return nil
	}
	return cfg
}

// verifyClock is the time certificates are judged at, crypto/tls's
// included (tls.Config.Time): timeNow at one-second resolution.
// Certificate times have one-second resolution, and the web PKI reads
// notAfter as covering its whole second (RFC 5280 4.1.2.5; x509-limbo
// rfc5280::validity::notafter-fractional); compared to the nanosecond, a
// certificate in the last second of its life would be refused. notBefore
// still refuses the second before. crypto/tls's other uses of the clock
// on a client are ticket ages and lifetimes, which it keeps in whole
// seconds already.
func verifyClock() time.Time { return timeNow().Truncate(time.Second) }

// serverChains returns the server's chains that pass every check but pins
// and revocation, or the error that classifyVerifyError words.
//
// On a full handshake, cs.VerifiedChains are what crypto/tls's verifier
// just built and checked (signatures, validity at verifyClock, the host
// name, serverAuth, name constraints) against the trust anchors; only the
// policy layer is left. On a resumed one they are the chains of the
// handshake that made the session: their signatures still hold, so they
// are judged without verifying them again, on what can have changed since:
// each certificate's validity period at now and the host name (the policy
// layer depends on neither but runs too).
//
// The x509 verification runs here (verifyServerChain, the authoritative
// verification of extra anchors and intermediates) only where those chains
// cannot decide alone: when a chain ends at an extra intermediate that the
// pool crypto/tls saw held as a root (buildPrepared), since the constraints of
// the issuers above it (name constraints, path length, extended key usage)
// apply to the leaf too and only a verification of the whole path checks
// them; and when no chain passes, so that a refusal keeps the status and
// detail of the whole verification, and a server reachable through another
// path than crypto/tls's still connects.
func (at *attempt) serverChains(cs tls.ConnectionState, host string, now time.Time) ([][]*x509.Certificate, error) {
	if len(cs.VerifiedChains) > 0 && len(cs.PeerCertificates) > 0 {
		if chains, ok := at.judgeVerified(cs.VerifiedChains, cs.PeerCertificates[0], host, now, cs.DidResume); ok {
			return chains, nil
		}
	}
	return verifyServerChain(cs.PeerCertificates, host, now, at.roots, at.inter)
}

// judgeVerified applies the policy layer (and, on resumption, the clock and
// the host name) to chains crypto/tls verified. ok=false asks for the
// whole verification instead: a chain ends at a gated intermediate, or no
// chain passes.
func (at *attempt) judgeVerified(verified [][]*x509.Certificate, leaf *x509.Certificate, host string, now time.Time, resumed bool) ([][]*x509.Certificate, bool) {
	if resumed && leaf.VerifyHostname(host) != nil {
		return nil, false
	}
	var good [][]*x509.Certificate
	for _, chain := range verified {
		if len(chain) == 0 || chain[0] != leaf && !chain[0].Equal(leaf) {
			return nil, false
		}
		if at.gated[string(chain[len(chain)-1].Raw)] {
			return nil, false
		}
		if resumed && !withinValidity(chain, now) {
			continue
		}
		if checkChainPolicy(chain, host) != nil {
			continue
		}
		good = append(good, chain)
	}
	return good, len(good) > 0
}

// withinValidity reports whether every certificate of chain is within its
// validity period at now (verifyClock's resolution).
func withinValidity(chain []*x509.Certificate, now time.Time) bool {
	for _, c := range chain {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return false
		}
	}
	return true
}

// tls12Suites are the TLS 1.2 suites a socket offers unless minTLSVersion
// was lowered: ECDHE with an AEAD cipher only, Mozilla's "intermediate"
// server profile (https://wiki.mozilla.org/Security/Server_Side_TLS). Go's
// default list (go1.26) still has the ECDHE AES-CBC suites with HMAC-SHA1,
// which that guidance dropped (CBC's MAC-then-encrypt record protection has
// a long history of padding-oracle attacks, Lucky13 among them). TLS 1.3
// suites are not configurable and all AEAD. A socket whose minimum is TLS
// 1.0 or 1.1 keeps Go's list: those versions have no AEAD suites, and the
// application asked for legacy servers (docs/divergences.md).
var tls12Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// revocationContext bounds the revocation check inside the connect timeout,
// leaving a quarter of what remains (at most 2 s) for the rest of the
// handshake, so a responder that hangs costs a soft-fail connect time but
// never the connection.
func revocationContext(ctx context.Context) context.Context {
	deadline, ok := ctx.Deadline()
	if !ok {
		return ctx
	}
	reserve := min(time.Until(deadline)/4, 2*time.Second)
	c, cancel := context.WithDeadline(ctx, deadline.Add(-reserve))
	// The check's own fetches end with it; cancel is dropped with the
	// handshake's context, which ends when dial returns.
	context.AfterFunc(ctx, cancel)
	return c
}

// pinnedChain returns the first verified chain that holds a pinned key.
func pinnedChain(chains [][]*x509.Certificate, pins [][sha256.Size]byte) []*x509.Certificate {
	for _, chain := range chains {
		for _, c := range chain {
			h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
			for _, p := range pins {
				if h == p {
					return chain
				}
			}
		}
	}
	return nil
}
