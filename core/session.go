package core

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TLS session resumption. Every socket shares one bounded, process-wide
// cache of TLS sessions (tickets), so reconnecting to a server skips the
// key exchange's certificate transfer and signature. Two rules keep it from
// ever widening trust:
//
//   - Entries are scoped by everything that decides trust: the host and
//     port dialled, the server name, the minimum TLS version, the revocation
//     mode, every extra anchor and intermediate, every pin and the client
//     certificate. A socket only ever finds sessions its own settings made.
//   - A resumed connection is judged again: crypto/tls calls
//     VerifyConnection on resumption with the session's verified chains and
//     staple, and the socket judges them there with the current clock
//     (every certificate's validity period, the host name, the policy
//     layer, pins, revocation; serverChains in trust.go). The signatures,
//     which cannot have changed, are not verified again. A refusal words
//     the same status and detail as a fresh connect and drops the entry, so
//     a session never outlives its verdict.

// sessionCacheSize bounds the process-wide cache. An entry holds a ticket
// and the server's parsed certificates, a few KiB at most.
const sessionCacheSize = 256

var (
	sharedSessionsOnce sync.Once
	sharedSessions     tls.ClientSessionCache
	sessionDefault     = true // SECURESOCKET_SESSION_CACHE=0 or off turns the default off
)

func sessionCache() tls.ClientSessionCache {
	sharedSessionsOnce.Do(func() {
		sharedSessions = tls.NewLRUClientSessionCache(sessionCacheSize)
		switch strings.ToLower(os.Getenv("SECURESOCKET_SESSION_CACHE")) {
		case "0", "off", "false", "no":
			sessionDefault = false
		}
	})
	return sharedSessions
}

// defaultSessionCache says whether new sockets resume sessions: yes, unless
// the environment variable SECURESOCKET_SESSION_CACHE is 0, off, false or no.
func defaultSessionCache() bool {
	sessionCache()
	return sessionDefault
}

// scopedSessions is one connect's view of the shared cache: crypto/tls keys
// sessions by server name only, so every key is prefixed with the scope of
// the socket's trust settings.
type scopedSessions struct {
	scope string
}

func (s *scopedSessions) Get(key string) (*tls.ClientSessionState, bool) {
	return sessionCache().Get(s.scope + key)
}

func (s *scopedSessions) Put(key string, cs *tls.ClientSessionState) {
	sessionCache().Put(s.scope+key, cs)
}

// Key-share prediction.
//
// A TLS 1.3 client sends a key share for the group it expects the server to
// choose; crypto/tls sends X25519MLKEM768 (post-quantum hybrid) and X25519.
// Generating the ML-KEM share costs about a twentieth of a full handshake's
// CPU and a tenth of a resumed reconnect's, and a server without ML-KEM
// (most servers still; OpenSSL before 3.5) discards it. So the process
// remembers, per server and trust scope (the session cache's scope: host,
// port, server name and every trust setting), which group the server chose
// in the last successful handshake that offered every group, and when. A
// connect to a server that chose X25519 less than keyShareMemory ago offers
// the classical groups only (one X25519 share), full handshake or
// resumption alike. A server that chose the hybrid is always offered it.
//
// Why this is safe: the choice is learned only from a completed handshake,
// whose transcript (covering the ClientHello that offered the hybrid and
// the ServerHello that declined it) the server's certificate signature and
// Finished authenticate, under the same trust settings. Offering a server
// what it chose anyway changes nothing it would negotiate. What a
// prediction can cost: a server that added ML-KEM in the meantime gets a
// classical exchange until the memory expires. A predicted handshake
// teaches nothing, and one that fails forgets the memory; a server that
// now accepts ML-KEM only refuses the predicted ClientHello with an alert,
// and the connect then tries once more, offering every group, within the
// same timeout (dial in socket.go; tested in keyshare_test.go).
//
// The memory goes with the session cache: a socket with the cache off
// offers every group, and learns nothing.
const keyShareMemory = 10 * time.Minute

// keyShareBookSize bounds the memory; entries are a few dozen bytes.
const keyShareBookSize = 1024

// classicalGroups are crypto/tls's default groups without the
// post-quantum hybrids (tls.Config.CurvePreferences filters the defaults,
// whose order crypto/tls keeps; X25519 comes first, so it gets the share).
var classicalGroups = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}

// keyShareMemo is what the process knows of a server's key exchange.
type keyShareMemo struct {
	group   tls.CurveID
	learned time.Time
}

var keyShares = struct {
	sync.Mutex
	m map[string]keyShareMemo
}{m: map[string]keyShareMemo{}}

// predictKeyShare says whether a connect to the server that key names
// should offer the classical groups only.
func predictKeyShare(key string) bool {
	keyShares.Lock()
	m, ok := keyShares.m[key]
	keyShares.Unlock()
	age := timeNow().Sub(m.learned)
	return ok && m.group == tls.X25519 && age >= 0 && age < keyShareMemory
}

// learnKeyShare records the group a server chose in a handshake that
// offered every group. When the memory is full, expired entries go, then
// the oldest.
func learnKeyShare(key string, group tls.CurveID) {
	now := timeNow()
	keyShares.Lock()
	defer keyShares.Unlock()
	if _, ok := keyShares.m[key]; !ok && len(keyShares.m) >= keyShareBookSize {
		oldest := ""
		for k, m := range keyShares.m {
			if age := now.Sub(m.learned); age < 0 || age >= keyShareMemory {
				delete(keyShares.m, k)
			} else if oldest == "" || m.learned.Before(keyShares.m[oldest].learned) {
				oldest = k
			}
		}
		if len(keyShares.m) >= keyShareBookSize {
			delete(keyShares.m, oldest)
		}
	}
	keyShares.m[key] = keyShareMemo{group: group, learned: now}
}

// forgetKeyShare drops what the process knows of a server's key exchange.
func forgetKeyShare(key string) {
	keyShares.Lock()
	delete(keyShares.m, key)
	keyShares.Unlock()
}

// sessionScope is a digest of everything that decides whether a server is
// trusted, plus where the socket connects.
func sessionScope(host string, port int, serverName string, minVer uint16, t trustSettings) string {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	field([]byte(host))
	field([]byte(strconv.Itoa(port)))
	field([]byte(serverName))
	field(binary.BigEndian.AppendUint16(nil, minVer))
	field([]byte(strconv.Itoa(int(t.revocation))))
	field([]byte("anchors"))
	for _, c := range t.anchors {
		field(c.Raw)
	}
	field([]byte("intermediates"))
	for _, c := range t.intermediates {
		field(c.Raw)
	}
	field([]byte("pins"))
	for _, p := range t.pins {
		field(p[:])
	}
	field([]byte("client"))
	if t.client != nil {
		for _, der := range t.client.Certificate {
			field(der)
		}
	}
	return string(h.Sum(nil)) + "\x00"
}

// SetSessionCache turns TLS session resumption on (the default) or off for
// this socket's next connects. When on, a connect offers a session that an
// earlier connection with the very same trust settings to the same host
// and port left in the process-wide cache; the server's certificate is
// judged again either way, with the current clock. Off, every connect is a
// full handshake and leaves nothing in the cache.
func (s *Socket) SetSessionCache(on bool) {
	s.mu.Lock()
	s.sessions = on
	s.mu.Unlock()
}

// SessionCache reports whether session resumption is on for this socket.
func (s *Socket) SessionCache() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// SessionResumed reports whether the last successful connect resumed an
// earlier TLS session instead of a full handshake. Like
// ServerCertificateStatus it stays after close() and changes with the next
// Connect; it is false after a failed connect.
func (s *Socket) SessionResumed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumed
}
