package core

import (
	"crypto/tls"
	"slices"
	"strconv"
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
	noTickets bool // every handshake is a full one
	// The server's certificate instead of the PKI's leaf (nil: the leaf).
	cert *tls.Certificate
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
			c.SessionTicketsDisabled = m.noTickets
			if m.cert != nil {
				c.Certificates = []tls.Certificate{*m.cert}
			}
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

// hellos counts the ClientHellos that reached the server.
func (ks *keyShareServer) hellos() int {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return len(ks.offered)
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
		// not as the last one: it expires.
		setClock(t, keyShareMemory+time.Minute)
		step(t, ks, "after the memory expired", true, true, true)
		step(t, ks, "after it was learned again", true, true, false)
	})
	t.Run("full handshakes to a server that chose X25519", func(t *testing.T) {
		ks := newKeyShareServer(t, keyShareMode{groups: classical.groups, noTickets: true})
		step(t, ks, "first connect", true, false, true)
		for i := 0; i < 3; i++ {
			step(t, ks, "full handshake", true, false, false)
		}
		setClock(t, keyShareMemory+time.Minute)
		step(t, ks, "after the memory expired", true, false, true)
		step(t, ks, "after it was learned again", true, false, false)
	})
	t.Run("a server that chose the hybrid", func(t *testing.T) {
		ks := newKeyShareServer(t, hybrid)
		for i := 0; i < 3; i++ {
			step(t, ks, "connect", true, i > 0, true)
		}
		full := newKeyShareServer(t, keyShareMode{groups: hybrid.groups, noTickets: true})
		for i := 0; i < 3; i++ {
			step(t, full, "full handshake", true, false, true)
		}
	})
	t.Run("a server that added the hybrid", func(t *testing.T) {
		ks := newKeyShareServer(t, classical)
		step(t, ks, "first connect", true, false, true)
		ks.mode.Store(keyShareMode{groups: hybrid.groups, ticketKey: 2})
		// The new ticket key refuses the session: a full handshake that
		// offers the classical groups only, until the memory expires.
		step(t, ks, "predicted connect, not resumed", true, false, false)
		step(t, ks, "next connect", true, true, false)
		setClock(t, keyShareMemory+time.Minute)
		step(t, ks, "after the memory expired", true, true, true)
		step(t, ks, "after the server chose the hybrid", true, true, true)
	})
	t.Run("a server that now accepts the hybrid only", func(t *testing.T) {
		for _, tickets := range []bool{true, false} {
			ks := newKeyShareServer(t, keyShareMode{groups: classical.groups, ticketKey: 1, noTickets: !tickets})
			step(t, ks, "first connect", true, false, true)
			ks.mode.Store(keyShareMode{groups: []tls.CurveID{tls.X25519MLKEM768}, ticketKey: 1, noTickets: !tickets})
			before := ks.hellos()
			// The server refuses the predicted ClientHello; the connect
			// tries once more with every group (and without the session,
			// which crypto/tls dropped with the failed handshake).
			step(t, ks, "predicted connect", true, false, true)
			if n := ks.hellos() - before; n != 2 {
				t.Fatalf("tickets %v: %d ClientHellos, want the predicted one and one retry", tickets, n)
			}
			step(t, ks, "next connect", true, tickets, true)
		}
	})
	t.Run("a refused certificate is not tried twice", func(t *testing.T) {
		mode := keyShareMode{groups: classical.groups, noTickets: true}
		ks := newKeyShareServer(t, mode)
		step(t, ks, "first connect", true, false, true)
		// The server now shows a certificate of another PKI.
		other := newSessionPKI(t, time.Now().Add(time.Hour), time.Now().Add(time.Hour), "")
		mode.cert = &tls.Certificate{Certificate: [][]byte{other.leaf}, PrivateKey: other.leafKey}
		ks.mode.Store(mode)
		before := ks.hellos()
		step(t, ks, "predicted connect to an untrusted certificate", false, false, false)
		if n := ks.hellos() - before; n != 1 {
			t.Fatalf("%d ClientHellos for a refused certificate, want 1", n)
		}
		// A predicted connect that failed forgets the memory.
		mode.cert = nil
		ks.mode.Store(mode)
		step(t, ks, "after the failure", true, false, true)
		step(t, ks, "learned again", true, false, false)
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

func TestKeyShareMemoryBounded(t *testing.T) {
	keyShares.Lock()
	saved := keyShares.m
	keyShares.m = map[string]keyShareMemo{}
	keyShares.Unlock()
	t.Cleanup(func() {
		keyShares.Lock()
		keyShares.m = saved
		keyShares.Unlock()
	})
	for i := 0; i < 3*keyShareBookSize; i++ {
		learnKeyShare(strconv.Itoa(i), tls.X25519)
	}
	keyShares.Lock()
	n := len(keyShares.m)
	keyShares.Unlock()
	if n != keyShareBookSize {
		t.Fatalf("%d entries, want %d", n, keyShareBookSize)
	}
	last := strconv.Itoa(3*keyShareBookSize - 1)
	if !predictKeyShare(last) {
		t.Fatal("the newest entry was evicted")
	}
	forgetKeyShare(last)
	if predictKeyShare(last) {
		t.Fatal("a forgotten entry still predicts")
	}
}
