package core

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestCertificateMatrix connects to every scenario whose outcome the lab
// publishes (lab.Expectation: the one matrix every suite reads).
func TestCertificateMatrix(t *testing.T) {
	type matrixCase struct {
		scenario string
		event    EventType
		status   CertificateStatus
		detail   string // substring of the ioError detail
	}
	var cases []matrixCase
	for name, want := range theLab.Expect {
		c := matrixCase{name, EventIOError, CertificateStatus(want.Status), want.Detail}
		if want.Connects() {
			c.event = EventConnect
		}
		cases = append(cases, c)
	}
	if len(cases) < 10 {
		t.Fatalf("the lab publishes %d expectations", len(cases))
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			t.Parallel()
			q := NewQueue()
			s := New(q)
			defer s.Close()
			if got := s.ServerCertificateStatus(); got != StatusUnknown {
				t.Fatalf("status before connect = %q", got)
			}
			if c.scenario == "silent" {
				s.SetTimeout(500) // it ends only when the timeout does
			}
			if err := s.Connect("localhost", labPorts[c.scenario]); err != nil {
				t.Fatal(err)
			}
			e, skipped := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
			if len(skipped) != 0 {
				t.Errorf("unexpected events before %s: %s", e.Type, eventTypes(skipped))
			}
			if e.Type != c.event {
				t.Fatalf("event = %s (%s), want %s", e.Type, e.Detail, c.event)
			}
			if got := s.ServerCertificateStatus(); got != c.status {
				t.Fatalf("status = %q, want %q (detail %q)", got, c.status, e.Detail)
			}
			if e.Type == EventIOError {
				if e.ErrorID != 2031 || e.Text != "Error #2031: Socket Error. URL: localhost" {
					t.Errorf("ioError = %d %q", e.ErrorID, e.Text)
				}
				if !strings.Contains(e.Detail, c.detail) {
					t.Errorf("detail %q does not mention %q", e.Detail, c.detail)
				}
				if s.Connected() {
					t.Error("connected after ioError")
				}
				if s.FailureDetail() != e.Detail {
					t.Errorf("FailureDetail = %q, event detail %q", s.FailureDetail(), e.Detail)
				}
				return
			}
			if !s.Connected() {
				t.Fatal("not connected after connect event")
			}
			// close() keeps the status.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := s.ServerCertificateStatus(); got != StatusTrusted {
				t.Fatalf("status after close = %q", got)
			}
		})
	}
}

func TestConnectByIPAddress(t *testing.T) {
	q := NewQueue()
	s := New(q)
	defer s.Close()
	s.Connect("127.0.0.1", labPorts["trusted"])
	e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
	if e.Type != EventConnect || s.ServerCertificateStatus() != StatusTrusted {
		t.Fatalf("%s %s status %s", e.Type, e.Detail, s.ServerCertificateStatus())
	}
	if s.RemoteAddress() != "127.0.0.1" || s.RemotePort() != labPorts["trusted"] {
		t.Errorf("remote = %s:%d", s.RemoteAddress(), s.RemotePort())
	}
	if s.LocalAddress() != "127.0.0.1" || s.LocalPort() == 0 {
		t.Errorf("local = %s:%d", s.LocalAddress(), s.LocalPort())
	}
	if v := s.TLSVersion(); v != "TLSv1.3" {
		t.Errorf("TLS version %q", v)
	}
}

func TestTLS10OnlyWhenAllowed(t *testing.T) {
	q := NewQueue()
	s := New(q)
	defer s.Close()
	if err := s.SetMinTLSVersion(0x0300); !errors.Is(err, ErrBadEnum) {
		t.Fatalf("SSLv3 accepted: %v", err)
	}
	if err := s.SetMinTLSVersion(tls.VersionTLS10); err != nil {
		t.Fatal(err)
	}
	s.Connect("localhost", labPorts["tls10"])
	e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError)
	if e.Type != EventConnect {
		t.Fatalf("%s: %s", e.Type, e.Detail)
	}
	if v := s.TLSVersion(); v != "TLSv1.0" {
		t.Fatalf("version %q", v)
	}
}

func TestTimeoutOnSilentServer(t *testing.T) {
	for _, scenario := range []string{"silent"} {
		q := NewQueue()
		s := New(q)
		s.SetTimeout(100)
		if s.Timeout() != 250 {
			t.Fatalf("timeout clamped to %d", s.Timeout())
		}
		start := time.Now()
		s.Connect("localhost", labPorts[scenario])
		e, _ := waitFor(t, q, 5*time.Second, EventConnect, EventIOError)
		took := time.Since(start)
		if e.Type != EventIOError || !strings.Contains(e.Detail, "timed out") {
			t.Fatalf("%s %q", e.Type, e.Detail)
		}
		if took < 240*time.Millisecond || took > 1250*time.Millisecond {
			t.Fatalf("timed out after %v, want 250ms..1.25s", took)
		}
		if s.ServerCertificateStatus() != StatusUnknown {
			t.Fatalf("status %s", s.ServerCertificateStatus())
		}
	}
}

func TestDefaults(t *testing.T) {
	s := New(nil)
	if s.Queue() == nil {
		t.Fatal("no private queue")
	}
	if s.Connected() || s.Endian() != "bigEndian" || s.ObjectEncoding() != 3 || s.Timeout() != 20000 ||
		s.BytesAvailable() != 0 || s.BytesPending() != 0 || s.LocalAddress() != "" || s.RemotePort() != 0 ||
		s.ServerCertificateStatus() != "unknown" || s.InputLimit() != 16<<20 || s.MinTLSVersion() != tls.VersionTLS12 {
		t.Fatal("unexpected defaults")
	}
	if err := s.SetEndian("middleEndian"); !errors.Is(err, ErrBadEnum) || err.(*Error).ID != 2008 {
		t.Fatalf("SetEndian: %v", err)
	}
	if err := s.SetObjectEncoding(1); !errors.Is(err, ErrBadEnum) {
		t.Fatalf("SetObjectEncoding: %v", err)
	}
	if !IsSupported() {
		t.Fatal("not supported")
	}
}

func TestPortRange(t *testing.T) {
	s := New(nil)
	for _, p := range []int{-1, 65536, 70000} {
		err := s.Connect("localhost", p)
		var e *Error
		if !errors.As(err, &e) || e.ID != 2003 || e.Class != "SecurityError" {
			t.Fatalf("port %d: %v", p, err)
		}
	}
	if s.Queue().Len() != 0 {
		t.Fatal("events after a refused port")
	}
	// Port 0 passes the check and fails asynchronously.
	if err := s.Connect("localhost", 0); err != nil {
		t.Fatal(err)
	}
	e, _ := waitFor(t, s.Queue(), 5*time.Second, EventConnect, EventIOError)
	if e.Type != EventIOError {
		t.Fatalf("port 0 gave %s", e.Type)
	}
	if err := s.Connect("", 443); err == nil {
		t.Fatal("empty host accepted")
	}
}

// Every read, write, flush and close on a socket that is not open is
// IOError #2002, before any EOF check.
func TestInvalidSocketFirst(t *testing.T) {
	s := New(nil)
	calls := map[string]func() error{
		"readBoolean":       func() error { _, err := s.ReadBoolean(); return err },
		"readByte":          func() error { _, err := s.ReadInt8(); return err },
		"readUnsignedByte":  func() error { _, err := s.ReadUnsignedByte(); return err },
		"readShort":         func() error { _, err := s.ReadShort(); return err },
		"readUnsignedShort": func() error { _, err := s.ReadUnsignedShort(); return err },
		"readInt":           func() error { _, err := s.ReadInt(); return err },
		"readUnsignedInt":   func() error { _, err := s.ReadUnsignedInt(); return err },
		"readFloat":         func() error { _, err := s.ReadFloat(); return err },
		"readDouble":        func() error { _, err := s.ReadDouble(); return err },
		"readBytes":         func() error { _, err := s.ReadBytes(0); return err },
		"readBytesInto":     func() error { _, err := s.ReadBytesInto(make([]byte, 4), 0); return err },
		"readUTF":           func() error { _, err := s.ReadUTF(); return err },
		"readUTFBytes":      func() error { _, err := s.ReadUTFBytes(0); return err },
		"readMultiByte":     func() error { _, err := s.ReadMultiByte(0, "utf-8"); return err },
		"writeBoolean":      func() error { return s.WriteBoolean(true) },
		"writeByte":         func() error { return s.WriteInt8(1) },
		"writeShort":        func() error { return s.WriteShort(1) },
		"writeInt":          func() error { return s.WriteInt(1) },
		"writeUnsignedInt":  func() error { return s.WriteUnsignedInt(1) },
		"writeFloat":        func() error { return s.WriteFloat(1) },
		"writeDouble":       func() error { return s.WriteDouble(1) },
		"writeBytes":        func() error { return s.WriteBytes([]byte{1}, 5, 0) },
		"writeUTF":          func() error { return s.WriteUTF(strings.Repeat("x", 70000)) },
		"writeUTFBytes":     func() error { return s.WriteUTFBytes("x") },
		"writeMultiByte":    func() error { return s.WriteMultiByte("x", "utf-8") },
		"flush":             func() error { return s.Flush() },
		"close":             func() error { return s.Close() },
	}
	for name, call := range calls {
		err := call()
		var e *Error
		if !errors.As(err, &e) || e.ID != 2002 || e.Class != "IOError" ||
			e.Error() != "Error #2002: Operation attempted on invalid socket." {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPeerCloseKeepsUnreadInput(t *testing.T) {
	s, q := connected(t, "closeAfter")
	var loaded uint64
	for {
		e, _ := waitFor(t, q, 10*time.Second, EventSocketData, EventClose)
		if e.Type == EventClose {
			break
		}
		loaded += e.BytesLoaded
	}
	if loaded != 1000 {
		t.Fatalf("socketData announced %d bytes, want 1000", loaded)
	}
	if s.Connected() {
		t.Fatal("connected after close event")
	}
	if err := s.WriteInt(1); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("write after peer close: %v", err)
	}
	if err := s.Flush(); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("flush after peer close: %v", err)
	}
	if s.BytesAvailable() != 1000 {
		t.Fatalf("available %d", s.BytesAvailable())
	}
	if _, err := s.ReadBytes(1001); !errors.Is(err, ErrEOF) {
		t.Fatalf("over-read: %v", err)
	}
	b, err := s.ReadBytes(0)
	if err != nil || len(b) != 1000 {
		t.Fatalf("read %d: %v", len(b), err)
	}
	for i, c := range b {
		if c != byte(i%251) {
			t.Fatalf("byte %d = %d", i, c)
		}
	}
	if _, err := s.ReadInt8(); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("read after draining: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("close after peer close: %v", err)
	}
}

func TestLocalCloseSendsFlushedThenCloseNotify(t *testing.T) {
	got := make(chan []byte, 1)
	port := testServer(t, func(c *tls.Conn) {
		b, err := io.ReadAll(c)
		if err != nil {
			b = append(b, []byte("ERR:"+err.Error())...)
		}
		got <- b
	})
	q := NewQueue()
	s := New(q)
	s.Connect("localhost", port)
	if e, _ := waitFor(t, q, 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatal(e.Detail)
	}
	payload := make([]byte, 3<<20)
	for i := range payload {
		payload[i] = byte(i % 253)
	}
	s.WriteBytes(payload, 0, 0)
	s.Flush()
	s.WriteUTFBytes("never flushed")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Connected() {
		t.Fatal("connected after close")
	}
	if err := s.Close(); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("second close: %v", err)
	}
	select {
	case b := <-got:
		if len(b) != len(payload) || string(b) != string(payload) {
			t.Fatalf("server got %d bytes, want %d (tail %q)", len(b), len(payload), tail(b))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server saw no close")
	}
	// No close event for a local close, and nothing else either.
	if e, ok := q.Wait(200 * time.Millisecond); ok && e.Type != EventOutputProgress {
		t.Fatalf("event after close(): %s", e.Type)
	}
}

func tail(b []byte) []byte {
	if len(b) > 40 {
		return b[len(b)-40:]
	}
	return b
}

func TestCloseWhileConnectingIsSilent(t *testing.T) {
	q := NewQueue()
	s := New(q)
	s.Connect("localhost", labPorts["silent"])
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if e, ok := q.Wait(500 * time.Millisecond); ok {
		t.Fatalf("event after aborting: %s %s", e.Type, e.Detail)
	}
}

func TestReconnectClosesOldConnection(t *testing.T) {
	s, q := connected(t, "echo")
	s.WriteUTFBytes("first")
	s.Flush()
	waitAvailable(t, s, q, 5)
	firstPort := s.LocalPort()
	s.Connect("localhost", labPorts["echo"])
	if s.Connected() || s.BytesAvailable() != 0 {
		t.Fatal("old connection state kept")
	}
	e, skipped := waitFor(t, q, 10*time.Second, EventConnect, EventIOError, EventClose)
	if e.Type != EventConnect {
		t.Fatalf("%s %s", e.Type, e.Detail)
	}
	for _, x := range skipped {
		if x.Type == EventClose {
			t.Fatal("close event for the replaced connection")
		}
	}
	if s.LocalPort() == firstPort {
		t.Fatal("same local port: not a new connection")
	}
	s.WriteUTFBytes("second")
	s.Flush()
	waitAvailable(t, s, q, 6)
	if v, _ := s.ReadUTFBytes(6); v != "second" {
		t.Fatalf("got %q", v)
	}
}

func TestOutputProgress(t *testing.T) {
	s, q := connected(t, "sink")
	const n = 2 << 20
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(n)
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i % 251)
	}
	s.WriteBytes(p, 0, 0)
	if s.BytesPending() != n+8 {
		t.Fatalf("pending before flush %d", s.BytesPending())
	}
	s.Flush()
	var last Event
	for last.BytesPending != 0 || last.Type == "" {
		last, _ = waitFor(t, q, 10*time.Second, EventOutputProgress)
	}
	if last.BytesTotal != n+8 {
		t.Fatalf("bytesTotal %d", last.BytesTotal)
	}
	waitAvailable(t, s, q, 9)
	cnt0, _ := s.ReadUnsignedInt()
	cnt1, _ := s.ReadUnsignedInt()
	ok, _ := s.ReadBoolean()
	if cnt0 != 0 || cnt1 != n || !ok {
		t.Fatalf("sink reply %d %d %v", cnt0, cnt1, ok)
	}
	if s.BytesPending() != 0 {
		t.Fatal("pending after everything was sent")
	}
}

// Unread input stops at the limit (plus at most one record) while the server
// keeps sending, and every byte still arrives once the host reads.
func TestBoundedInput(t *testing.T) {
	s, q := connected(t, "source")
	const limit = 64 << 10
	const total = 8 << 20
	s.SetInputLimit(limit)
	s.WriteUnsignedInt(0)
	s.WriteUnsignedInt(total)
	s.Flush()
	waitAvailable(t, s, q, limit)
	time.Sleep(300 * time.Millisecond)
	if got := s.BytesAvailable(); got > limit+16<<10 {
		t.Fatalf("buffered %d bytes past a %d limit", got, limit)
	}
	readPattern(t, s, q, total)
	if q.Len() > 100 {
		t.Fatalf("%d events waiting: socketData did not coalesce", q.Len())
	}
}

// close() and a new connect() drop the socket's events that still wait in
// the queue: none of the old connection is delivered after them.
func TestStaleEventsDropped(t *testing.T) {
	q := NewQueue()
	s := New(q)
	other := New(q)
	defer other.Close()
	s.Connect("localhost", labPorts["echo"])
	waitFor(t, q, 10*time.Second, EventConnect)
	other.Connect("localhost", labPorts["echo"])
	waitFor(t, q, 10*time.Second, EventConnect)
	for _, x := range []*Socket{s, other} {
		x.WriteUTFBytes("data")
		x.Flush()
	}
	// Wait for the echo without taking events, so they stay queued.
	deadline := time.Now().Add(10 * time.Second)
	for s.BytesAvailable() < 4 || other.BytesAvailable() < 4 {
		if time.Now().After(deadline) {
			t.Fatal("no echo")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if q.Len() < 2 {
		t.Fatalf("only %d events queued: the test would prove nothing", q.Len())
	}
	s.Close()
	var others int
	for {
		e, ok := q.TryNext()
		if !ok {
			break
		}
		if e.Socket == s {
			t.Fatalf("%s event of a closed socket delivered", e.Type)
		}
		others++
	}
	if others == 0 {
		t.Fatal("the other socket's events were dropped too")
	}
}

// close() on a socket whose connect failed drops the ioError still waiting.
func TestCloseAfterFailedConnectDropsItsError(t *testing.T) {
	q := NewQueue()
	s := New(q)
	s.Connect("localhost", labPorts["refused"])
	deadline := time.Now().Add(10 * time.Second)
	for s.FailureDetail() == "" {
		if time.Now().After(deadline) {
			t.Fatal("connect did not fail")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if q.Len() != 1 {
		t.Fatalf("%d events waiting, want the ioError", q.Len())
	}
	if err := s.Close(); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("close: %v", err)
	}
	if q.Len() != 0 {
		t.Fatal("the ioError of the failed attempt survived close()")
	}
}

// Once the echo of some bytes is readable, those bytes no longer count as
// pending: the writer stops counting them before it writes them, as in AIR,
// where the thread that writes is the one that reads.
func TestPendingIsZeroOnceTheReplyArrived(t *testing.T) {
	s, q := connected(t, "echo")
	for i := range 500 {
		s.WriteUTF("twenty-two bytes, too")
		s.Flush()
		waitAvailable(t, s, q, 23)
		if p := s.BytesPending(); p != 0 {
			t.Fatalf("round %d: %d bytes pending after their echo arrived", i, p)
		}
		if _, err := s.ReadBytes(0); err != nil {
			t.Fatal(err)
		}
	}
}

// burstConn passes writes through until collect is set, then keeps them
// for flush to send with one write, so a whole burst of TLS records lands
// in the client's kernel buffer at once.
type burstConn struct {
	net.Conn
	collect bool
	buf     []byte
}

func (c *burstConn) Write(p []byte) (int, error) {
	if c.collect {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *burstConn) flush() error {
	_, err := c.Conn.Write(c.buf)
	c.buf = nil
	return err
}

// An input limit lowered while the reader waits for data (its room was
// reserved under the old limit) holds as soon as a burst arrives: unread
// input passes it by at most one TLS record, and every byte still arrives.
func TestInputLimitLoweredWhileReading(t *testing.T) {
	const total = 2 << 20
	node, ln := serveOnce(t, func(raw net.Conn, cfg *tls.Config) {
		bc := &burstConn{Conn: raw}
		tc := tls.Server(bc, cfg)
		one := make([]byte, 1)
		if _, err := io.ReadFull(tc, one); err != nil { // the client lowered its limit
			return
		}
		bc.collect = true
		payload := make([]byte, total)
		for i := range payload {
			payload[i] = byte(i % 251)
		}
		tc.Write(payload)
		bc.collect = false
		if bc.flush() == nil {
			io.Copy(io.Discard, tc) // until the client closes
		}
	})

	s, q := connectAnchored(t, node, ln)
	defer s.Close()
	time.Sleep(50 * time.Millisecond) // the reader has reserved its room and waits in Read
	const limit = 64 << 10
	s.SetInputLimit(limit)
	s.WriteInt8(1)
	s.Flush()
	waitAvailable(t, s, q, limit)
	time.Sleep(200 * time.Millisecond)
	if got := s.BytesAvailable(); got > limit+maxRecordPlaintext {
		t.Fatalf("buffered %d bytes past a %d limit", got, limit)
	}
	readPattern(t, s, q, total)
}

// readPattern reads total bytes of the lab's source pattern (byte i is
// i % 251) as they arrive, and fails on any other byte.
func readPattern(t *testing.T, s *Socket, q *Queue, total int) {
	t.Helper()
	readPatternFrom(t, s, q, 0, total)
}

// readPatternFrom is readPattern of a stream whose first from bytes were
// read already.
func readPatternFrom(t *testing.T, s *Socket, q *Queue, from, total int) {
	t.Helper()
	buf := make([]byte, 32<<10)
	deadline := time.Now().Add(20 * time.Second)
	for read := from; read < total; {
		if time.Now().After(deadline) {
			t.Fatalf("read %d of %d", read, total)
		}
		n, err := s.ReadBytesInto(buf, 0)
		if err != nil {
			t.Fatal(err)
		}
		checkPattern(t, buf[:n], read)
		read += n
		if n == 0 {
			q.Wait(20 * time.Millisecond)
		}
	}
}

// checkPattern checks that b is the lab's pattern (byte i is i%251) from
// offset at of the stream.
func checkPattern(t *testing.T, b []byte, at int) {
	t.Helper()
	for i := range b {
		if b[i] != byte((at+i)%251) {
			t.Fatalf("byte %d = %d", at+i, b[i])
		}
	}
}

// A connection that ends inside a TLS record after the handshake is an
// ioError that says so (not "during the TLS handshake"), then close; the
// data before it is kept.
func TestStreamEndsInsideARecord(t *testing.T) {
	node, ln := serveOnce(t, func(raw net.Conn, cfg *tls.Config) {
		tc := tls.Server(raw, cfg)
		if tc.Handshake() != nil {
			return
		}
		tc.Write([]byte("kept"))
		raw.Write([]byte{0x17, 0x03, 0x03}) // the start of a record header, then FIN
	})
	s, q := connectAnchored(t, node, ln)
	e, _ := waitFor(t, q, 10*time.Second, EventIOError)
	if e.Detail != "the server closed the connection in the middle of a TLS record" || s.FailureDetail() != e.Detail {
		t.Fatalf("detail %q", e.Detail)
	}
	waitFor(t, q, 10*time.Second, EventClose)
	if got, err := s.ReadUTFBytes(4); err != nil || got != "kept" {
		t.Fatalf("%q %v", got, err)
	}
}

// connectAnchored connects a new socket to the test server on ln, whose
// self-signed certificate node it trusts as an anchor, and waits for connect.
func connectAnchored(t *testing.T, node *pkiNode, ln net.Listener) (*Socket, *Queue) {
	t.Helper()
	s := New(nil)
	s.SetRevocationMode(RevocationOff)
	if err := s.AddBinaryChainBuildingCertificate(node.cert.Raw, true); err != nil {
		t.Fatal(err)
	}
	s.Connect("localhost", ln.Addr().(*net.TCPAddr).Port)
	if e, _ := waitFor(t, s.Queue(), 10*time.Second, EventConnect, EventIOError); e.Type != EventConnect {
		t.Fatalf("%s (%s)", e.Type, e.Detail)
	}
	return s, s.Queue()
}

// serveOnce starts a listener for one connection, served by serve with a
// TLS config for a new self-signed localhost certificate (node); the
// connection and the listener are closed after the test.
func serveOnce(t *testing.T, serve func(raw net.Conn, cfg *tls.Config)) (*pkiNode, net.Listener) {
	t.Helper()
	node := issue(t, leafSpec("localhost"), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{node.cert.Raw}, PrivateKey: node.key}}}
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			return
		}
		defer raw.Close()
		serve(raw, cfg)
	}()
	return node, ln
}
