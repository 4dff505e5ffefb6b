package core

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/securesocket/securesocket/tests/lab"
)

// verificationsDuring returns how many times f made the socket layer run
// its own x509 verification of a server chain (verifyServerChain).
func verificationsDuring(f func()) int64 {
	before := chainVerifications.Load()
	f()
	return chainVerifications.Load() - before
}

// TestOneVerificationPerHandshake: a full handshake verifies the server's
// chain once, in crypto/tls's own verifier (never switched off), and the
// socket judges the chains it built; a resumed one verifies no signature.
// The socket's own verification runs only for extra intermediates and to
// word a refusal.
func TestOneVerificationPerHandshake(t *testing.T) {
	t.Run("full handshake", func(t *testing.T) {
		s := New(nil)
		s.SetSessionCache(false)
		s.SetRevocationMode(RevocationOff)
		var e Event
		n := verificationsDuring(func() { e = connectTo(t, s, lab.Trusted) })
		if e.Type != EventConnect || s.ServerCertificateStatus() != StatusTrusted {
			t.Fatalf("%s %s (%s)", e.Type, s.ServerCertificateStatus(), e.Detail)
		}
		if n != 0 {
			t.Fatalf("the chain was verified %d more times after crypto/tls's verification", n)
		}
		// The verdict is on crypto/tls's chain, leaf to the lab's root.
		if chain := s.ServerCertificateChain(); len(chain) != 3 || !strings.Contains(chain[2].Subject.CommonName, "root") {
			t.Fatalf("chain of %d", len(chain))
		}
	})
	t.Run("resumed handshake", func(t *testing.T) {
		p := newSessionPKI(t, time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour), "")
		port := sessionServer(t, [][]byte{p.leaf}, p.leafKey)
		for i, resumed := range []bool{false, true} {
			s, q := newSessionSocket(t, p.trust, func(s *Socket) { s.SetRevocationMode(RevocationOff) })
			var e Event
			n := verificationsDuring(func() { e = roundTrip(t, s, q, port) })
			if e.Type != EventConnect || s.SessionResumed() != resumed {
				t.Fatalf("connect %d: %s resumed %v (%s)", i, e.Type, s.SessionResumed(), e.Detail)
			}
			if n != 0 {
				t.Fatalf("connect %d (resumed %v): %d verifications besides crypto/tls's", i, resumed, n)
			}
			if v := verdictOf(s); v.status != StatusTrusted || len(v.chain) != 2 {
				t.Fatalf("connect %d: %+v", i, v)
			}
			s.Close()
		}
	})
	t.Run("refused by crypto/tls", func(t *testing.T) {
		s := New(nil)
		s.SetSessionCache(false)
		var e Event
		n := verificationsDuring(func() { e = connectTo(t, s, lab.Expired) })
		if e.Type != EventIOError || s.ServerCertificateStatus() != StatusExpired || !strings.HasPrefix(e.Detail, "certificate expired at ") {
			t.Fatalf("%s %s (%s)", e.Type, s.ServerCertificateStatus(), e.Detail)
		}
		if n != 0 {
			t.Fatalf("%d verifications", n)
		}
	})
	t.Run("an extra intermediate completes the chain", func(t *testing.T) {
		// crypto/tls's chain ends at the intermediate (its pool holds it as
		// a root); the whole path to the anchor is verified once more, with
		// the constraints of every issuer above it.
		s := New(nil)
		s.SetSessionCache(false)
		s.SetRevocationMode(RevocationOff)
		if err := s.AddBinaryChainBuildingCertificate(labFile(t, lab.FileIntermediateDER), false); err != nil {
			t.Fatal(err)
		}
		var e Event
		n := verificationsDuring(func() { e = connectTo(t, s, lab.MissingIntermediate) })
		if e.Type != EventConnect || len(s.ServerCertificateChain()) != 3 {
			t.Fatalf("%s %s (%s), chain of %d", e.Type, s.ServerCertificateStatus(), e.Detail, len(s.ServerCertificateChain()))
		}
		if n != 1 {
			t.Fatalf("%d verifications, want 1", n)
		}
	})
}

// TestResumedChainsJudgedWithoutSignatures drives serverChains with the
// connection state of a resumed handshake: the session's chains pass as
// they are while valid, and anything they cannot pass goes to the whole
// verification, which words the refusal exactly as a fresh connect.
func TestResumedChainsJudgedWithoutSignatures(t *testing.T) {
	caUntil := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	p := newSessionPKI(t, caUntil, time.Now().Add(24*time.Hour), "")
	leaf, err := x509.ParseCertificate(p.leaf)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	at := &attempt{roots: roots, inter: x509.NewCertPool()}
	cs := tls.ConnectionState{DidResume: true, PeerCertificates: []*x509.Certificate{leaf},
		VerifiedChains: [][]*x509.Certificate{{leaf, p.ca}}}

	var chains [][]*x509.Certificate
	n := verificationsDuring(func() { chains, err = at.serverChains(cs, "localhost", time.Now().Truncate(time.Second)) })
	if err != nil || len(chains) != 1 || n != 0 {
		t.Fatalf("valid session: %v, %d chains, %d verifications", err, len(chains), n)
	}
	// The CA's last second still counts (notAfter covers its whole second).
	if _, err := at.serverChains(cs, "localhost", caUntil); err != nil {
		t.Fatalf("at the CA's notAfter: %v", err)
	}

	refusals := []struct {
		name   string
		host   string
		now    time.Time
		status CertificateStatus
		detail string
	}{
		{"the CA expired since", "localhost", caUntil.Add(time.Second), StatusInvalidChain, "an issuing certificate in the chain is outside its validity period"},
		{"another host", "other.example", time.Now().Truncate(time.Second), StatusPrincipalMismatch, "other.example"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			n := verificationsDuring(func() { _, err = at.serverChains(cs, c.host, c.now) })
			if err == nil {
				t.Fatal("accepted")
			}
			if st, d := classifyVerifyError(err, leaf, c.now); st != c.status || !strings.Contains(d, c.detail) {
				t.Fatalf("%s: %s", st, d)
			}
			if n != 1 {
				t.Fatalf("%d verifications to word the refusal, want 1", n)
			}
		})
	}

	// A chain that ends at an extra intermediate held as a root is not
	// judged alone.
	gated := &attempt{roots: roots, inter: x509.NewCertPool(), gated: map[string]bool{string(p.ca.Raw): true}}
	if n := verificationsDuring(func() { _, err = gated.serverChains(cs, "localhost", time.Now()) }); err != nil || n != 1 {
		t.Fatalf("gated: %v, %d verifications", err, n)
	}
}

// TestNotAfterCoversItsLastSecond: crypto/tls's own verification compares
// at one-second resolution too (verifyClock), so a connect in the last
// second of a certificate's life succeeds and one a second later is
// refused (x509-limbo rfc5280::validity::notafter-fractional).
func TestNotAfterCoversItsLastSecond(t *testing.T) {
	leafUntil := time.Now().Add(time.Hour).Truncate(time.Second)
	p := newSessionPKI(t, time.Now().Add(24*time.Hour), leafUntil, "")
	port := sessionServer(t, [][]byte{p.leaf}, p.leafKey)
	t.Cleanup(func() { timeNow = time.Now })
	for _, c := range []struct {
		after time.Duration
		want  CertificateStatus
	}{{900 * time.Millisecond, StatusTrusted}, {1100 * time.Millisecond, StatusExpired}} {
		timeNow = func() time.Time { return leafUntil.Add(c.after) }
		s, q := newSessionSocket(t, p.trust, func(s *Socket) {
			s.SetSessionCache(false)
			s.SetRevocationMode(RevocationOff)
		})
		roundTrip(t, s, q, port)
		timeNow = time.Now
		if s.ServerCertificateStatus() != c.want {
			t.Fatalf("%v after notAfter: %s (%s)", c.after, s.ServerCertificateStatus(), s.FailureDetail())
		}
	}
}

// TestPreparedPoolsShared: connects with the same extra certificates share
// the pools built over the platform store (no copy of the store per
// connect); other certificates get their own, and an entry is rebuilt once
// preparedTTL has passed, since the gate depends on the clock.
func TestPreparedPoolsShared(t *testing.T) {
	st, err := loadPlatformStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := newSessionPKI(t, time.Now().Add(time.Hour), time.Now().Add(time.Hour), "")
	other := newSessionPKI(t, time.Now().Add(time.Hour), time.Now().Add(time.Hour), "")
	a := trustSettings{anchors: []*x509.Certificate{p.ca}}
	first := preparedFor(st, a)
	if again := preparedFor(st, a.clone()); again != first {
		t.Fatal("the same anchors built the pools again")
	}
	b := trustSettings{anchors: []*x509.Certificate{p.ca}, intermediates: []*x509.Certificate{other.ca}}
	if pb := preparedFor(st, b); pb == first || pb.inter == first.inter {
		t.Fatal("other settings shared the pools")
	}
	// The pools hold what they must: the anchor verifies its leaf.
	leaf, _ := x509.ParseCertificate(p.leaf)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: first.gate, DNSName: "localhost"}); err != nil {
		t.Fatal(err)
	}
	setClock(t, preparedTTL+time.Second)
	if later := preparedFor(st, a); later == first {
		t.Fatal("an entry older than preparedTTL was used")
	}
}

// TestTrustInputsAreCopied: the bytes of an extra certificate or a client
// certificate may be reused (or freed, over the C ABI) once the call
// returns; the socket and the pools shared between connects keep their own.
func TestTrustInputsAreCopied(t *testing.T) {
	clobber := func(b []byte) {
		for i := range b {
			b[i] = 0xA5
		}
	}
	der := bytes.Clone(labFile(t, lab.FileUntrustedRootDER))
	s := New(nil)
	s.SetSessionCache(false)
	s.SetRevocationMode(RevocationOff)
	if err := s.AddBinaryChainBuildingCertificate(der, true); err != nil {
		t.Fatal(err)
	}
	clobber(der)
	if e := connectTo(t, s, lab.UntrustedRoot); e.Type != EventConnect {
		t.Fatalf("anchor: %s %s (%s)", e.Type, s.ServerCertificateStatus(), e.Detail)
	}

	cert, key := bytes.Clone(labFile(t, lab.FileClientCertDER)), bytes.Clone(labFile(t, lab.FileClientKeyDER))
	c := New(nil)
	c.SetSessionCache(false)
	c.SetRevocationMode(RevocationOff)
	if err := c.SetClientCertificate(cert, key, ""); err != nil {
		t.Fatal(err)
	}
	clobber(cert)
	clobber(key)
	if e := connectTo(t, c, lab.ClientCertTLS12); e.Type != EventConnect {
		t.Fatalf("client certificate: %s (%s)", e.Type, e.Detail)
	}
}

// TestHandshakerKept: a connect attempt runs on a kept goroutine when one
// is idle, and every attempt runs, also when more run at once than are kept.
func TestHandshakerKept(t *testing.T) {
	keep := 2 * runtime.GOMAXPROCS(0)
	release := make(chan struct{})
	var done sync.WaitGroup
	var ran atomic.Int32
	for range 3 * keep {
		done.Add(1)
		runHandshake(func() {
			defer done.Done()
			<-release
			ran.Add(1)
		})
	}
	close(release)
	done.Wait()
	if ran.Load() != int32(3*keep) {
		t.Fatalf("%d of %d jobs ran", ran.Load(), 3*keep)
	}
	// Wait (a cliff guard, not a timing) for a worker to be idle.
	for deadline := time.Now().Add(5 * time.Second); handshakersIdle.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no worker was kept")
		}
	}
	if n := handshakersIdle.Load(); n > int32(keep) {
		t.Fatalf("%d idle workers kept, at most %d", n, keep)
	}
	// A worker counts itself idle just before it waits for a job, so a
	// job can come a moment too early; one of a few must find it waiting.
	for try := 0; ; try++ {
		started := handshakersStarted.Load()
		ch := make(chan struct{})
		runHandshake(func() { close(ch) })
		<-ch
		if handshakersStarted.Load() == started {
			break
		}
		if try == 100 {
			t.Fatal("new goroutines ran the jobs while kept ones were idle")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHandshakersSwept: kept goroutines wait without a timer and leave at a
// garbage collection once no attempt started for handshakerIdle.
func TestHandshakersSwept(t *testing.T) {
	ch := make(chan struct{})
	runHandshake(func() { close(ch) })
	<-ch
	for deadline := time.Now().Add(5 * time.Second); handshakersIdle.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no worker was kept")
		}
	}
	// Not idle for long enough: a sweep keeps them.
	sweepHandshakers(time.Now())
	if handshakersIdle.Load() == 0 {
		t.Fatal("a sweep let workers go although an attempt just started")
	}
	// The sweep that finds them idle long enough lets every idle one go.
	for deadline := time.Now().Add(5 * time.Second); handshakersIdle.Load() != 0; time.Sleep(time.Millisecond) {
		sweepHandshakers(time.Now().Add(handshakerIdle + time.Second))
		if time.Now().After(deadline) {
			t.Fatalf("%d workers still idle after the sweep", handshakersIdle.Load())
		}
	}
	// Armed by keeping a worker, a collection runs the sweep.
	runHandshake(func() {})
	for deadline := time.Now().Add(5 * time.Second); !sweepArmed.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("keeping a worker did not arm the sweep")
		}
	}
	swept := handshakerSweeps.Load()
	for deadline := time.Now().Add(5 * time.Second); handshakerSweeps.Load() == swept; time.Sleep(time.Millisecond) {
		runtime.GC()
		if time.Now().After(deadline) {
			t.Fatal("no collection ran the sweep")
		}
	}
}
