package core

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"sync"
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

func (s scopedSessions) Get(key string) (*tls.ClientSessionState, bool) {
	return sessionCache().Get(s.scope + key)
}

func (s scopedSessions) Put(key string, cs *tls.ClientSessionState) {
	sessionCache().Put(s.scope+key, cs)
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
