package core

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/securesocket/securesocket/tests/lab"
)

// plainTo connects a plain Socket to the STARTTLS scenario and returns it
// after its greeting was read.
func plainTo(t *testing.T, scenario string) (*Socket, *Queue) {
	t.Helper()
	q := NewQueue()
	s := NewPlain(q)
	t.Cleanup(func() { s.Close() })
	if err := s.Connect("localhost", labPorts[scenario]); err != nil {
		t.Fatal(err)
	}
	if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	if !s.IsPlain() || s.Secure() || s.ServerCertificateStatus() != StatusUnknown || s.TLSVersion() != "" || s.CipherSuite() != "" {
		t.Fatalf("a plain socket looks secure: %v %v %s", s.IsPlain(), s.Secure(), s.ServerCertificateStatus())
	}
	if got := readLine(t, s, q); got+"\r\n" != lab.StartTLSGreeting {
		t.Fatalf("greeting %q", got)
	}
	return s, q
}

// askStartTLS sends EHLO and STARTTLS in the clear and waits until both
// answers arrived, leaving them unread.
func askStartTLS(t *testing.T, s *Socket, q *Queue) {
	t.Helper()
	s.WriteUTFBytes("EHLO client\r\n")
	s.Flush()
	s.WriteUTFBytes("STARTTLS\r\n") // StartTLS flushes it
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, s, q, len("250 EHLO client\r\n"+lab.StartTLSReady))
}

func TestStartTLS(t *testing.T) {
	s, q := plainTo(t, lab.StartTLS)
	if r := s.Describe(); r.Outcome != "connected" || r.TLSVersion != "" || r.Status != StatusUnknown {
		t.Fatalf("report of a plain connection: %+v", r)
	}
	askStartTLS(t, s, q)
	if err := s.StartTLS("localhost"); err != nil {
		t.Fatal(err)
	}
	if err := s.StartTLS("localhost"); !errors.Is(err, ErrInvalidSocket) {
		t.Errorf("a second StartTLS: %v", err)
	}
	e, skipped := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
	if e.Type != EventConnect {
		t.Fatalf("%s %s (after %s)", e.Type, e.Detail, eventTypes(skipped))
	}
	if !s.Secure() || s.ServerCertificateStatus() != StatusTrusted || s.TLSVersion() != "TLSv1.3" || len(s.ServerCertificateChain()) == 0 {
		t.Fatalf("after StartTLS: secure %v, status %s, version %q", s.Secure(), s.ServerCertificateStatus(), s.TLSVersion())
	}
	// The plaintext answers come first, in order, then the decrypted echo.
	if got := readLine(t, s, q); got != "250 EHLO client" {
		t.Fatalf("first line %q", got)
	}
	if got := readLine(t, s, q); got+"\r\n" != lab.StartTLSReady {
		t.Fatalf("second line %q", got)
	}
	s.WriteUTFBytes("secret after the upgrade\n")
	s.Flush()
	if got := readLine(t, s, q); got != "secret after the upgrade" {
		t.Fatalf("echo %q", got)
	}
	if err := s.StartTLS("localhost"); !errors.Is(err, ErrInvalidSocket) {
		t.Errorf("StartTLS after the upgrade: %v", err)
	}
	s.Close()
	// Connecting again is plain again.
	s.Connect("localhost", labPorts[lab.StartTLS])
	if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect || s.Secure() {
		t.Fatalf("reconnect: %s secure %v", e.Type, s.Secure())
	}
}

func TestStartTLSRefused(t *testing.T) {
	for _, c := range []struct {
		scenario string
		status   CertificateStatus
		detail   string
	}{
		{lab.StartTLSExpired, StatusExpired, "expired"},
		{lab.StartTLSWrongHost, StatusPrincipalMismatch, "localhost"},
	} {
		s, q := plainTo(t, c.scenario)
		askStartTLS(t, s, q)
		s.StartTLS("localhost")
		e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
		if e.Type != EventIOError || s.ServerCertificateStatus() != c.status || e.Text != "Error #2031: Socket Error. URL: localhost" {
			t.Fatalf("%s: %s %q status %s", c.scenario, e.Type, e.Detail, s.ServerCertificateStatus())
		}
		// The same status and detail as a SecureSocket connecting to the
		// same kind of server.
		ss, _, se := connectWith(t, "localhost", map[string]string{lab.StartTLSExpired: lab.Expired, lab.StartTLSWrongHost: lab.WrongHost}[c.scenario], nil)
		if ss.ServerCertificateStatus() != c.status || se.Type != EventIOError {
			t.Fatalf("SecureSocket: %s", ss.ServerCertificateStatus())
		}
		if e.Detail == "" || !strings.Contains(e.Detail, c.detail) || s.FailureDetail() != e.Detail {
			t.Fatalf("detail %q", e.Detail)
		}
		// Closed: the unread plaintext is gone, nothing more is read.
		if s.Connected() || s.BytesAvailable() != 0 {
			t.Fatalf("connected %v, %d bytes", s.Connected(), s.BytesAvailable())
		}
		if _, err := s.ReadUnsignedByte(); !errors.Is(err, ErrInvalidSocket) {
			t.Fatalf("read after the refusal: %v", err)
		}
		if e, ok := q.Wait(200 * time.Millisecond); ok {
			t.Fatalf("an event after the refusal: %s", e.Type)
		}
	}
}

func TestStartTLSMisuse(t *testing.T) {
	s := NewPlain(nil)
	if err := s.StartTLS("localhost"); !errors.Is(err, ErrInvalidSocket) {
		t.Errorf("not connected: %v", err)
	}
	if err := s.StartTLS(""); !errors.Is(err, ErrBadParam) {
		t.Errorf("empty host: %v", err)
	}
	sec, _ := connected(t, lab.Echo)
	if err := sec.StartTLS("localhost"); !errors.Is(err, ErrInvalidSocket) {
		t.Errorf("on a SecureSocket: %v", err)
	}
	// Close while the handshake runs (the silent server never answers): no
	// event at all.
	q := NewQueue()
	p := NewPlain(q)
	p.Connect("localhost", labPorts[lab.Silent])
	if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	p.StartTLS("localhost")
	time.Sleep(50 * time.Millisecond)
	p.Close()
	if e, ok := q.Wait(300 * time.Millisecond); ok {
		t.Fatalf("an event after close: %s %s", e.Type, e.Detail)
	}
}
