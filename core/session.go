package core

import (
	"bytes"
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
// the socket's trust settings. It also carries the connect's key-share
// memory (below) from the handshake to the tickets it receives.
type scopedSessions struct {
	scope string

	mu sync.Mutex
	// Set before the handshake (predictKeyShare): what the session offered
	// for resumption knew, when the connect offers classical groups only.
	predicted keyShareMemo
	// Set by the handshake (observe), read when its tickets arrive (Put).
	learned keyShareMemo
}

func (s *scopedSessions) Get(key string) (*tls.ClientSessionState, bool) {
	return sessionCache().Get(s.scope + key)
}

func (s *scopedSessions) Put(key string, cs *tls.ClientSessionState) {
	if cs != nil {
		s.mu.Lock()
		memo := s.learned
		s.mu.Unlock()
		memo.attach(cs)
	}
	sessionCache().Put(s.scope+key, cs)
}

// Key-share prediction for resumption.
//
// A TLS 1.3 client sends a key share for the group it expects the server to
// choose; crypto/tls sends X25519MLKEM768 (post-quantum hybrid) and X25519.
// Generating the ML-KEM share costs about a tenth of a resumed reconnect's
// CPU, and a server without ML-KEM discards it. So each cached session
// remembers which group the server chose in the last handshake that offered
// every group, and when. A connect that resumes a session whose server chose
// X25519 less than keyShareMemory ago offers the classical groups only (one
// X25519 share). Nothing is weakened for a server that uses ML-KEM: it chose
// the hybrid, and is always offered it.
//
// Why this is safe: the server's choice is authenticated (the handshake
// transcript covers the ClientHello that offered the hybrid, and the
// server's Finished covers the transcript), and the resumed session's
// secret itself came from that classical exchange. What a prediction can
// cost: a server that added ML-KEM in the meantime gets a classical
// exchange until the memory expires; a server that now accepts ML-KEM only
// refuses the predicted connect, and crypto/tls drops a session whose
// handshake failed, so the next connect offers every group (tested in
// keyshare_test.go). A prediction never learns anything:
// a predicted connect that was not resumed leaves its tickets without a
// memory, so a full handshake that offers the hybrid comes next.
const keyShareMemory = 10 * time.Minute

// classicalGroups are crypto/tls's default groups without the
// post-quantum hybrids (tls.Config.CurvePreferences filters the defaults,
// whose order crypto/tls keeps; X25519 comes first, so it gets the share).
var classicalGroups = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}

// keyShareMemo is what a session knows of its server's key exchange.
type keyShareMemo struct {
	group   tls.CurveID // 0: nothing known
	learned time.Time
}

// keyShareTag marks the memo among a session's Extra values (which
// crypto/tls keeps with the session and otherwise ignores).
var keyShareTag = []byte("securesocket/keyshare\x00")

func (m keyShareMemo) attach(cs *tls.ClientSessionState) {
	if m.group == 0 {
		return
	}
	_, st, err := cs.ResumptionState()
	if err != nil || st == nil {
		return
	}
	extra := st.Extra[:0:0]
	for _, e := range st.Extra {
		if !bytes.HasPrefix(e, keyShareTag) {
			extra = append(extra, e)
		}
	}
	b := append(append([]byte(nil), keyShareTag...), byte(m.group>>8), byte(m.group))
	st.Extra = append(extra, binary.BigEndian.AppendUint64(b, uint64(m.learned.UnixNano())))
}

func memoOf(cs *tls.ClientSessionState) keyShareMemo {
	_, st, err := cs.ResumptionState()
	if err != nil || st == nil {
		return keyShareMemo{}
	}
	for _, e := range st.Extra {
		if len(e) == len(keyShareTag)+10 && bytes.HasPrefix(e, keyShareTag) {
			e = e[len(keyShareTag):]
			return keyShareMemo{group: tls.CurveID(binary.BigEndian.Uint16(e)),
				learned: time.Unix(0, int64(binary.BigEndian.Uint64(e[2:])))}
		}
	}
	return keyShareMemo{}
}

// predictKeyShare looks at the session a connect to serverName will offer
// and says whether the connect should offer the classical groups only.
func (s *scopedSessions) predictKeyShare(serverName string) bool {
	cs, ok := s.Get(serverName)
	if !ok || cs == nil {
		return false
	}
	m := memoOf(cs)
	age := timeNow().Sub(m.learned)
	if m.group != tls.X25519 || age < 0 || age >= keyShareMemory {
		return false
	}
	s.mu.Lock()
	s.predicted = m
	s.mu.Unlock()
	return true
}

// observe records what the handshake tells about the server's key
// exchange, for the tickets it will receive: a handshake that offered
// every group learns the server's choice; a resumed predicted one keeps
// what its session knew; anything else knows nothing.
func (s *scopedSessions) observe(cs tls.ConnectionState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case cs.Version != tls.VersionTLS13:
		s.learned = keyShareMemo{}
	case s.predicted.group == 0:
		s.learned = keyShareMemo{group: cs.CurveID, learned: timeNow()}
	case cs.DidResume:
		s.learned = s.predicted
	default:
		s.learned = keyShareMemo{}
	}
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
