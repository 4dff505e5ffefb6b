package core

import (
	"crypto/tls"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// keyShareServer serves the leaf of its own PKI (p) on loopback. mode
// decides each handshake's configuration: the groups the server accepts and
// its ticket key (a new key refuses every earlier session). It records the
// groups each ClientHello offered.
type keyShareServer struct {
	p       sessionPKI
	port    int
	mode    atomic.Value // keyShareMode
	mu      sync.Mutex
	offered [][]tls.CurveID
}

type keyShareMode struct {
	groups    []tls.CurveID
	ticketKey byte
}

func newKeyShareServer(t *testing.T, mode keyShareMode) *keyShareServer {
	p := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")
	ks := &keyShareServer{p: p}
	ks.mode.Store(mode)
	ks.port = sessionServer(t, [][]byte{p.leaf}, p.leafKey, func(base *tls.Config) {
		base.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			ks.mu.Lock()
			ks.offered = append(ks.offered, slices.Clone(h.SupportedCurves))
			ks.mu.Unlock()
			m := ks.mode.Load().(keyShareMode)
			c := base.Clone()
			c.GetConfigForClient = nil
			c.CurvePreferences = m.groups
			c.SetSessionTicketKeys([][32]byte{{m.ticketKey}})
			return c, nil
		}
	})
	return ks
}

// offeredHybrid says whether the last ClientHello offered the post-quantum
// hybrid.
func (ks *keyShareServer) offeredHybrid(t *testing.T) bool {
	t.Helper()
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if len(ks.offered) == 0 {
		t.Fatal("no ClientHello reached the server")
	}
	last := ks.offered[len(ks.offered)-1]
	if !slices.Contains(last, tls.X25519) {
		t.Fatalf("a ClientHello without X25519: %v", last)
	}
	return slices.Contains(last, tls.X25519MLKEM768)
}

// connectOnce connects a fresh socket that trusts the server's anchor and
// returns whether it connected, whether it resumed and whether it offered
// the hybrid.
func (ks *keyShareServer) connectOnce(t *testing.T) (ok, resumed, hybrid bool) {
	t.Helper()
	s, q := newSessionSocket(t, ks.p.trust)
	e := roundTrip(t, s, q, ks.port)
	ok, resumed = e.Type == EventConnect, s.SessionResumed()
	if ok && s.ServerCertificateStatus() != StatusTrusted {
		t.Fatalf("status %s", s.ServerCertificateStatus())
	}
	s.Close()
	return ok, resumed, ks.offeredHybrid(t)
}

func TestKeySharePrediction(t *testing.T) {
	classical := keyShareMode{groups: []tls.CurveID{tls.X25519}, ticketKey: 1}
	hybrid := keyShareMode{groups: []tls.CurveID{tls.X25519MLKEM768, tls.X25519}, ticketKey: 1}
	step := func(t *testing.T, ks *keyShareServer, what string, wantOK, wantResumed, wantHybrid bool) {
		t.Helper()
		ok, resumed, hybrid := ks.connectOnce(t)
		if ok != wantOK || resumed != wantResumed || hybrid != wantHybrid {
			t.Fatalf("%s: connected %v resumed %v offered the hybrid %v; want %v %v %v",
				what, ok, resumed, hybrid, wantOK, wantResumed, wantHybrid)
		}
	}
	t.Run("a server that chose X25519", func(t *testing.T) {
		ks := newKeyShareServer(t, classical)
		step(t, ks, "first connect", true, false, true)
		step(t, ks, "resumption", true, true, false)
		step(t, ks, "resumption of the resumed connection's ticket", true, true, false)
		// The memory is as old as the handshake that offered every group,
		// not as the last ticket: it expires.
		setClock(t, keyShareMemory+time.Minute)
		step(t, ks, "after the memory expired", true, true, true)
		step(t, ks, "after it was learned again", true, true, false)
	})
	t.Run("a server that chose the hybrid", func(t *testing.T) {
		ks := newKeyShareServer(t, hybrid)
		for i := 0; i < 3; i++ {
			step(t, ks, "connect", true, i > 0, true)
		}
	})
	t.Run("a server that refused the session", func(t *testing.T) {
		ks := newKeyShareServer(t, classical)
		step(t, ks, "first connect", true, false, true)
		ks.mode.Store(keyShareMode{groups: hybrid.groups, ticketKey: 2})
		// Predicted, but the new ticket key refuses the session: a full
		// handshake that offered the classical groups only learns nothing.
		step(t, ks, "predicted connect, not resumed", true, false, false)
		step(t, ks, "next connect", true, true, true)
	})
	t.Run("a server that now accepts the hybrid only", func(t *testing.T) {
		ks := newKeyShareServer(t, classical)
		step(t, ks, "first connect", true, false, true)
		ks.mode.Store(keyShareMode{groups: []tls.CurveID{tls.X25519MLKEM768}, ticketKey: 1})
		step(t, ks, "predicted connect", false, false, false)
		// crypto/tls dropped the session whose handshake failed: every
		// group, full handshake.
		step(t, ks, "next connect", true, false, true)
	})
	t.Run("the session cache off", func(t *testing.T) {
		ks := newKeyShareServer(t, classical)
		step(t, ks, "first connect", true, false, true)
		off, q := newSessionSocket(t, ks.p.trust, func(s *Socket) { s.SetSessionCache(false) })
		if e := roundTrip(t, off, q, ks.port); e.Type != EventConnect || off.SessionResumed() {
			t.Fatalf("cache off: %s, resumed %v", e.Type, off.SessionResumed())
		}
		if !ks.offeredHybrid(t) {
			t.Fatal("a socket without the session cache did not offer the hybrid")
		}
	})
}
