package core

import (
	"crypto/tls"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// keyShareServer serves p's leaf on loopback. mode decides each handshake's
// configuration: the groups the server accepts and its ticket key (a new
// key refuses every earlier session). It records the groups each
// ClientHello offered.
type keyShareServer struct {
	port    int
	mode    atomic.Value // keyShareMode
	mu      sync.Mutex
	offered [][]tls.CurveID
}

type keyShareMode struct {
	groups    []tls.CurveID
	ticketKey byte
}

func newKeyShareServer(t *testing.T, p sessionPKI, mode keyShareMode) *keyShareServer {
	ks := &keyShareServer{}
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

// last says whether the last ClientHello offered the post-quantum hybrid.
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

// connectOnce connects a fresh socket with p's anchor and returns whether
// it connected, whether it resumed and whether it offered the hybrid.
func (ks *keyShareServer) connectOnce(t *testing.T, p sessionPKI) (ok, resumed, hybrid bool) {
	t.Helper()
	s, q := newSessionSocket(t, p.trust)
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
	step := func(t *testing.T, ks *keyShareServer, p sessionPKI, what string, wantOK, wantResumed, wantHybrid bool) {
		t.Helper()
		ok, resumed, hybrid := ks.connectOnce(t, p)
		if ok != wantOK || resumed != wantResumed || hybrid != wantHybrid {
			t.Fatalf("%s: connected %v resumed %v offered the hybrid %v; want %v %v %v",
				what, ok, resumed, hybrid, wantOK, wantResumed, wantHybrid)
		}
	}
	t.Run("a server that chose X25519", func(t *testing.T) {
		p := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")
		ks := newKeyShareServer(t, p, classical)
		step(t, ks, p, "first connect", true, false, true)
		step(t, ks, p, "resumption", true, true, false)
		step(t, ks, p, "resumption of the resumed connection's ticket", true, true, false)
		// The memory is as old as the handshake that offered every group,
		// not as the last ticket: it expires.
		setClock(t, keyShareMemory+time.Minute)
		step(t, ks, p, "after the memory expired", true, true, true)
		step(t, ks, p, "after it was learned again", true, true, false)
	})
	t.Run("a server that chose the hybrid", func(t *testing.T) {
		p := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")
		ks := newKeyShareServer(t, p, keyShareMode{groups: []tls.CurveID{tls.X25519MLKEM768, tls.X25519}, ticketKey: 1})
		for i := 0; i < 3; i++ {
			step(t, ks, p, "connect", true, i > 0, true)
		}
	})
	t.Run("a server that refused the session", func(t *testing.T) {
		p := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")
		ks := newKeyShareServer(t, p, classical)
		step(t, ks, p, "first connect", true, false, true)
		ks.mode.Store(keyShareMode{groups: []tls.CurveID{tls.X25519MLKEM768, tls.X25519}, ticketKey: 2})
		// Predicted, but the new ticket key refuses the session: a full
		// handshake that offered the classical groups only learns nothing.
		step(t, ks, p, "predicted connect, not resumed", true, false, false)
		step(t, ks, p, "next connect", true, true, true)
	})
	t.Run("a server that now accepts the hybrid only", func(t *testing.T) {
		p := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")
		ks := newKeyShareServer(t, p, classical)
		step(t, ks, p, "first connect", true, false, true)
		ks.mode.Store(keyShareMode{groups: []tls.CurveID{tls.X25519MLKEM768}, ticketKey: 1})
		step(t, ks, p, "predicted connect", false, false, false)
		// The failure dropped the session: every group, full handshake.
		step(t, ks, p, "next connect", true, false, true)
	})
	t.Run("the session cache off", func(t *testing.T) {
		p := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")
		ks := newKeyShareServer(t, p, classical)
		step(t, ks, p, "first connect", true, false, true)
		off, q := newSessionSocket(t, p.trust, func(s *Socket) { s.SetSessionCache(false) })
		if e := roundTrip(t, off, q, ks.port); e.Type != EventConnect || off.SessionResumed() {
			t.Fatalf("cache off: %s, resumed %v", e.Type, off.SessionResumed())
		}
		if !ks.offeredHybrid(t) {
			t.Fatal("a socket without the session cache did not offer the hybrid")
		}
	})
}
