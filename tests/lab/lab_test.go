package lab

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// shared is one lab for the scenario tests; the lifecycle tests start their
// own.
var shared *Lab

func TestMain(m *testing.M) {
	var err error
	shared, err = Start("")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := shared.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		code = 1
	}
	os.Exit(code)
}

// pool loads a PEM file into a cert pool, the way a client trusts the lab.
func pool(t *testing.T, pemFile string) *x509.CertPool {
	t.Helper()
	data, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(data) {
		t.Fatalf("no certificate in %s", pemFile)
	}
	return p
}

// clientConfig trusts exactly the lab root, like a client whose
// SSL_CERT_FILE is the lab's CA file.
func clientConfig(t *testing.T) *tls.Config {
	return &tls.Config{RootCAs: pool(t, shared.CAFile)}
}

func dial(t *testing.T, name string, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", shared.Addr(name), cfg)
	if err == nil {
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(30 * time.Second))
	}
	return c, err
}

func mustDial(t *testing.T, name string) *tls.Conn {
	t.Helper()
	c, err := dial(t, name, clientConfig(t))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// verificationError returns the certificate verification failure of a
// handshake, with the chain the server sent.
func verificationError(t *testing.T, name string, cfg *tls.Config) *tls.CertificateVerificationError {
	t.Helper()
	_, err := dial(t, name, cfg)
	var ve *tls.CertificateVerificationError
	if !errors.As(err, &ve) {
		t.Fatalf("%s: want a certificate verification error, got %v", name, err)
	}
	return ve
}

func roundTrip(t *testing.T, c *tls.Conn, msg []byte) {
	t.Helper()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo: got %q, want %q", got, msg)
	}
}

func TestTrusted(t *testing.T) {
	t.Parallel()
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := clientConfig(t)
		cfg.MinVersion, cfg.MaxVersion = v, v
		c, err := dial(t, Trusted, cfg)
		if err != nil {
			t.Fatalf("%s: %v", tls.VersionName(v), err)
		}
		st := c.ConnectionState()
		if st.Version != v {
			t.Errorf("version %s, want %s", tls.VersionName(st.Version), tls.VersionName(v))
		}
		if n := len(st.PeerCertificates); n != 2 {
			t.Errorf("server sent %d certificates, want leaf + intermediate", n)
		}
		if got := st.VerifiedChains[0][len(st.VerifiedChains[0])-1].Subject.CommonName; got != "securesocket lab root" {
			t.Errorf("chain ends at %q", got)
		}
		roundTrip(t, c, []byte("hello lab"))
	}
}

// The leaves must verify by IP as well as by name: some clients connect to
// 127.0.0.1 directly.
func TestTrustedByIP(t *testing.T) {
	t.Parallel()
	cfg := clientConfig(t)
	c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", shared.Ports[Trusted]), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestCertificateFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		certs int // how many certificates the server sends
		check func(error) bool
	}{
		{Expired, 2, invalid(x509.Expired, "is after")},
		{NotYetValid, 2, invalid(x509.Expired, "is before")},
		{WrongHost, 2, func(err error) bool {
			var he x509.HostnameError
			return errors.As(err, &he) && strings.Contains(he.Error(), "wrong.example")
		}},
		{SelfSigned, 1, unknownAuthority},
		{UntrustedRoot, 2, unknownAuthority},
		{MissingIntermediate, 1, unknownAuthority},
		{ExpiredIntermediate, 2, invalid(x509.Expired, "is after")},
		{WrongKeyUsage, 2, invalid(x509.IncompatibleUsage, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ve := verificationError(t, tt.name, clientConfig(t))
			if !tt.check(ve.Err) {
				t.Errorf("unexpected verification error: %v", ve.Err)
			}
			if n := len(ve.UnverifiedCertificates); n != tt.certs {
				t.Errorf("server sent %d certificates, want %d", n, tt.certs)
			}
		})
	}
}

func invalid(reason x509.InvalidReason, detail string) func(error) bool {
	return func(err error) bool {
		var ie x509.CertificateInvalidError
		return errors.As(err, &ie) && ie.Reason == reason && strings.Contains(ie.Error(), detail)
	}
}

func unknownAuthority(err error) bool {
	var ue x509.UnknownAuthorityError
	return errors.As(err, &ue)
}

// The expired intermediate, not the leaf, must be what fails.
func TestExpiredIntermediateIsTheIntermediate(t *testing.T) {
	t.Parallel()
	ve := verificationError(t, ExpiredIntermediate, clientConfig(t))
	leaf, inter := ve.UnverifiedCertificates[0], ve.UnverifiedCertificates[1]
	now := time.Now()
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		t.Errorf("leaf is not currently valid: %v..%v", leaf.NotBefore, leaf.NotAfter)
	}
	if !now.After(inter.NotAfter) || !inter.IsCA {
		t.Errorf("second certificate is not an expired CA: %v..%v", inter.NotBefore, inter.NotAfter)
	}
}

// The files the later trust tests use as explicit anchors must make the
// failing chains pass.
func TestExtraAnchorsFixChains(t *testing.T) {
	t.Parallel()
	t.Run(UntrustedRoot, func(t *testing.T) {
		t.Parallel()
		cfg := &tls.Config{RootCAs: pool(t, shared.Files[FileUntrustedRootPEM])}
		c, err := dial(t, UntrustedRoot, cfg)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, []byte("anchored"))

		der, err := os.ReadFile(shared.Files[FileUntrustedRootDER])
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil || cert.Subject.CommonName != "securesocket untrusted root" {
			t.Fatalf("untrusted_root_der: %v %v", err, cert)
		}
	})
	t.Run(MissingIntermediate, func(t *testing.T) {
		t.Parallel()
		ve := verificationError(t, MissingIntermediate, clientConfig(t))
		der, err := os.ReadFile(shared.Files[FileIntermediateDER])
		if err != nil {
			t.Fatal(err)
		}
		inter, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		intermediates := x509.NewCertPool()
		intermediates.AddCert(inter)
		_, err = ve.UnverifiedCertificates[0].Verify(x509.VerifyOptions{
			DNSName:       "localhost",
			Roots:         pool(t, shared.CAFile),
			Intermediates: intermediates,
		})
		if err != nil {
			t.Fatalf("leaf with intermediate_der: %v", err)
		}
	})
	t.Run(SelfSigned, func(t *testing.T) {
		t.Parallel()
		der, err := os.ReadFile(shared.Files[FileSelfSignedDER])
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(cert)
		c, err := dial(t, SelfSigned, &tls.Config{RootCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, []byte("pinned"))
	})
}

func TestTLS10(t *testing.T) {
	t.Parallel()
	// A default (TLS 1.2+) client must refuse the server's version.
	if _, err := dial(t, TLS10, clientConfig(t)); err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("default client: want a protocol version failure, got %v", err)
	}
	// A client that allows TLS 1.0 must get a working TLS 1.0 connection,
	// proving the failure above is about the version only.
	cfg := clientConfig(t)
	cfg.MinVersion = tls.VersionTLS10
	c, err := dial(t, TLS10, cfg)
	if err != nil {
		t.Fatalf("TLS 1.0 client: %v", err)
	}
	if v := c.ConnectionState().Version; v != tls.VersionTLS10 {
		t.Errorf("negotiated %s", tls.VersionName(v))
	}
	roundTrip(t, c, []byte("old"))
}

func TestCBCSHA1(t *testing.T) {
	t.Parallel()
	// A client that offers only AEAD suites must fail the handshake...
	cfg := clientConfig(t)
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305}
	cfg.MaxVersion = tls.VersionTLS12
	if _, err := dial(t, CBCSHA1, cfg); err == nil || !strings.Contains(err.Error(), "handshake failure") {
		t.Errorf("AEAD-only client: want a handshake failure, got %v", err)
	}
	// ...and one that offers the CBC suite (Go's default list) connects
	// with it, so the failure is about the suite alone.
	c, err := dial(t, CBCSHA1, clientConfig(t))
	if err != nil {
		t.Fatalf("default client: %v", err)
	}
	if cs := c.ConnectionState().CipherSuite; cs != tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA {
		t.Errorf("negotiated %s", tls.CipherSuiteName(cs))
	}
	roundTrip(t, c, []byte("cbc"))
}

func TestSilent(t *testing.T) {
	t.Parallel()
	c, err := net.DialTimeout("tcp", shared.Addr(Silent), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc := tls.Client(c, &tls.Config{RootCAs: pool(t, shared.CAFile), ServerName: shared.Host})
	c.SetDeadline(time.Now().Add(300 * time.Millisecond))
	err = tc.Handshake()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a timeout, got %v", err)
	}
}

func TestGarbage(t *testing.T) {
	t.Parallel()
	t.Run("raw", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", shared.Addr(Garbage), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		got := make([]byte, len(garbageResponse))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if string(got) != "HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS\n" {
			t.Fatalf("got %q", got)
		}
		// The server keeps the connection open after its answer.
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		var ne net.Error
		if _, err := c.Read(got); !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("want the connection to stay open, got %v", err)
		}
	})
	t.Run("tls", func(t *testing.T) {
		_, err := dial(t, Garbage, clientConfig(t))
		var rhe tls.RecordHeaderError
		if !errors.As(err, &rhe) {
			t.Fatalf("want a record header error, got %v", err)
		}
	})
}

func TestRefused(t *testing.T) {
	t.Parallel()
	for range 3 { // stays refused, not just the first time
		_, err := net.DialTimeout("tcp", shared.Addr(Refused), 5*time.Second)
		if !errors.Is(err, errRefused) {
			t.Fatalf("want connection refused, got %v", err)
		}
	}
}

func TestCloseAfter(t *testing.T) {
	t.Parallel()
	c := mustDial(t, CloseAfter)
	got, err := io.ReadAll(c) // io.EOF, which ReadAll hides, only after close_notify
	if err != nil {
		t.Fatalf("after %d bytes: %v", len(got), err)
	}
	if !bytes.Equal(got, Pattern(1000)) {
		t.Fatalf("got %d bytes, not the 1000-byte pattern", len(got))
	}
}

// A TCP close without close_notify would show as io.ErrUnexpectedEOF; check
// that the server really sent the alert rather than relying on ReadAll.
func TestCloseAfterSendsCloseNotify(t *testing.T) {
	t.Parallel()
	c := mustDial(t, CloseAfter)
	buf := make([]byte, 2000)
	n, err := io.ReadAtLeast(c, buf, CloseAfterLen)
	if err != nil || n != CloseAfterLen {
		t.Fatalf("read %d: %v", n, err)
	}
	if _, err := c.Read(buf); err != io.EOF {
		t.Fatalf("want io.EOF (close_notify), got %v", err)
	}
}

func TestEcho(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			c, err := dial(t, Echo, clientConfig(t))
			if err != nil {
				t.Error(err)
				return
			}
			for _, n := range []int{1, 100, 16384, 100000} {
				msg := bytes.Repeat([]byte{byte(i)}, n)
				if _, err := c.Write(msg); err != nil {
					t.Error(err)
					return
				}
				got := make([]byte, n)
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					t.Errorf("echo of %d bytes: %v", n, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// typedHex is the payload README.md documents, written out independently of
// TypedPayload so that a change to either is caught.
const typedHex = "" +
	"01" + "00" + "ff" + "c8" + // true, false, byte -1, ubyte 200
	"889e" + "ffff" + "f8a432eb" + "ee73c708" + // short, ushort, int, uint
	"42994ccd" + "400921fb54442d18" + // float 76.65, double pi
	"000d" + "68c3a96c6c6f2077c3b6726c64" + // UTF "héllo wörld"
	"efbbbf54657874" + "41424300444546" + // BOM "Text", "ABC" NUL "DEF"
	"9e88" + "ffff" + "eb32a4f8" + "08c773ee" + // little-endian numbers
	"cd4c9942" + "182d4454fb210940" +
	"0d00" + "68c3a96c6c6f2077c3b6726c64"

func TestTypedPayload(t *testing.T) {
	t.Parallel()
	if got := hex.EncodeToString(TypedPayload()); got != typedHex {
		t.Fatalf("TypedPayload\n got %s\nwant %s", got, typedHex)
	}
	if n := len(TypedPayload()); n != 96 {
		t.Fatalf("payload is %d bytes", n)
	}
}

func TestTyped(t *testing.T) {
	t.Parallel()
	c := mustDial(t, Typed)
	want := TypedPayload()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x", got)
	}
	// Nothing follows, and the server waits for the client to close.
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	var ne net.Error
	if n, err := c.Read(got); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("after the payload: %d bytes, %v", n, err)
	}
}

func request(n uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, n)
}

func TestSource(t *testing.T) {
	t.Parallel()
	c := mustDial(t, Source)
	// Several requests on one connection, including sizes that straddle the
	// server's chunk size and the pattern period.
	for _, n := range []int{0, 1, 250, 251, 252, chunkSize - 1, chunkSize + 1, 3*chunkSize + 7} {
		if _, err := c.Write(request(uint64(n))); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, n)
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("source %d: %v", n, err)
		}
		if !bytes.Equal(got, Pattern(n)) {
			t.Fatalf("source %d: wrong pattern", n)
		}
	}
	// Exactly n bytes: nothing is left over after the last request.
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	var ne net.Error
	if _, err := c.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("extra data after the last request: %v", err)
	}
}

func TestSink(t *testing.T) {
	t.Parallel()
	c := mustDial(t, Sink)
	reply := make([]byte, 9)
	for _, tt := range []struct {
		data  []byte
		match byte
	}{
		{nil, 1},
		{Pattern(1), 1},
		{Pattern(3*chunkSize + 7), 1},
		{append(Pattern(1000), 7), 0}, // wrong last byte
		{append([]byte{1}, Pattern(chunkSize)...), 0}, // shifted by one
		{Pattern(252), 1}, // a good request after bad ones
	} {
		if _, err := c.Write(append(request(uint64(len(tt.data))), tt.data...)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, reply); err != nil {
			t.Fatal(err)
		}
		if n := binary.BigEndian.Uint64(reply); n != uint64(len(tt.data)) || reply[8] != tt.match {
			t.Fatalf("sink of %d bytes: reply count %d, match %d, want match %d", len(tt.data), n, reply[8], tt.match)
		}
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	if !filepath.IsAbs(shared.CAFile) || !filepath.IsAbs(shared.Dir) {
		t.Errorf("paths must be absolute: %q %q", shared.CAFile, shared.Dir)
	}
	data, err := os.ReadFile(shared.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	var certs []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	if len(certs) != 1 || certs[0].Subject.CommonName != "securesocket lab root" || !certs[0].IsCA {
		t.Errorf("ca_file must hold only the lab root, holds %d certificates", len(certs))
	}
	for key, path := range shared.Files {
		if filepath.Dir(path) != shared.Dir {
			t.Errorf("%s: %s is not in %s", key, path, shared.Dir)
		}
		if _, err := os.Stat(path); err != nil {
			t.Error(err)
		}
	}
	for _, key := range []string{FileRootDER, FileIntermediateDER, FileUntrustedRootDER, FileUntrustedRootPEM, FileSelfSignedDER} {
		if shared.Files[key] == "" {
			t.Errorf("files[%q] missing", key)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	path := filepath.Join(tempDir(t), "lab.json")
	if err := shared.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Host   string            `json:"host"`
		CAFile string            `json:"ca_file"`
		Dir    string            `json:"dir"`
		Ports  map[string]int    `json:"ports"`
		Files  map[string]string `json:"files"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Host != "localhost" || got.CAFile != shared.CAFile || got.Dir != shared.Dir {
		t.Errorf("got %+v", got)
	}
	names := []string{Trusted, Expired, NotYetValid, WrongHost, SelfSigned, UntrustedRoot,
		MissingIntermediate, ExpiredIntermediate, WrongKeyUsage, TLS10, Silent, Garbage,
		Refused, CloseAfter, Truncated, Echo, Typed, Source, Sink,
		RevokedStaple, GoodStaple, RevokedCRL, GoodCRL, RevokedOCSP, GoodOCSP, HangingResponder,
		StaleOCSP, BadSignatureOCSP, EndlessResponder, MustStapleGood, MustStapleMissing, RevocationHTTP, HangingHTTP,
		ClientCert, ClientCertTLS12, ClientCertOptional,
		CBCSHA1,
		ALPN, ALPNNone, StartTLS, StartTLSExpired, StartTLSWrongHost, HTTPProxy, HTTPProxyAuth, SOCKS5Proxy, SOCKS5ProxyAuth}
	if len(got.Ports) != len(names) {
		t.Errorf("%d ports, want %d: %v", len(got.Ports), len(names), got.Ports)
	}
	seen := map[int]bool{}
	for _, name := range names {
		p := got.Ports[name]
		if p <= 0 || seen[p] {
			t.Errorf("port of %s: %d", name, p)
		}
		seen[p] = true
	}
	files := []string{FileRootDER, FileIntermediateDER, FileUntrustedRootDER, FileUntrustedRootPEM,
		FileSelfSignedDER, FileClientCertPEM, FileClientKeyPEM, FileClientCertDER, FileClientKeyDER,
		FileClientKeyEncryptedPEM, FileClientKeyECPEM, FileClientKeyLegacyEncryptedPEM,
		FileWrongClientCertPEM, FileWrongClientKeyPEM, FileClientCAPEM}
	if len(got.Files) != len(files) {
		t.Errorf("%d files, want %d: %v", len(got.Files), len(files), got.Files)
	}
	for _, key := range files {
		if got.Files[key] == "" || got.Files[key] != shared.Files[key] {
			t.Errorf("files[%q] = %q, want %q", key, got.Files[key], shared.Files[key])
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestCloseEndsEverything opens a connection of each kind, some of them
// stuck mid-handshake or mid-transfer, and checks Close ends them all
// promptly and leaves no goroutine behind.
func TestCloseEndsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	l, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	dir := l.Dir
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for name := range l.Ports {
		if name == Refused {
			continue
		}
		c, err := net.Dial("tcp", l.Addr(name))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c) // never sends a ClientHello: stuck in the handshake
	}
	for _, name := range []string{Echo, Typed, Source, Sink} {
		c, err := tls.Dial("tcp", l.Addr(name), &tls.Config{RootCAs: pool(t, l.CAFile)})
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// A source transfer the client never reads: the server blocks in Write.
	big := conns[len(conns)-2].(*tls.Conn)
	if _, err := big.Write(request(1 << 40)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)

	start := time.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary dir %s not removed: %v", dir, err)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	for name, port := range l.Ports {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			t.Errorf("%s still accepts after Close", name)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before Start, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestStartInDir(t *testing.T) {
	dir := filepath.Join(tempDir(t), "nested", "lab")
	l, err := Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Dir != dir {
		t.Errorf("Dir %q, want %q", l.Dir, dir)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// A caller's directory is the caller's: Close keeps it.
	if _, err := os.Stat(filepath.Join(dir, "ca.pem")); err != nil {
		t.Error(err)
	}
}

// Two labs in one process share the root, so an in-process client that
// loaded the first lab's CA file (Go caches SSL_CERT_FILE) trusts the second.
func TestLabsShareRoot(t *testing.T) {
	l, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := tls.Dial("tcp", l.Addr(Trusted), clientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// eofConn records whether the raw TCP stream reached its end.
type eofConn struct {
	net.Conn
	eof bool
}

func (c *eofConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// truncated ends the stream after its bytes without a close_notify, on a
// record boundary, which crypto/tls reports as io.EOF too: only the raw
// stream shows the difference from closeAfter.
func TestTruncatedSendsNoCloseNotify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		wantEOF bool
	}{{Truncated, true}, {CloseAfter, false}} {
		raw, err := net.DialTimeout("tcp", shared.Addr(tc.name), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		raw.SetDeadline(time.Now().Add(30 * time.Second))
		ec := &eofConn{Conn: raw}
		cfg := clientConfig(t)
		cfg.ServerName = "localhost"
		c := tls.Client(ec, cfg)
		buf := make([]byte, CloseAfterLen)
		if _, err := io.ReadFull(c, buf); err != nil || !bytes.Equal(buf, Pattern(CloseAfterLen)) {
			t.Fatalf("%s: read %v", tc.name, err)
		}
		if n, err := c.Read(buf); n != 0 || err != io.EOF {
			t.Fatalf("%s: after the data: %d %v", tc.name, n, err)
		}
		if ec.eof != tc.wantEOF {
			t.Fatalf("%s: TLS ended by the TCP end: %v, want %v", tc.name, ec.eof, tc.wantEOF)
		}
		raw.Close()
	}
}

// tempDir is t.TempDir, removed by RemoveAll, which also works under wine
// (make test-windows), where the testing package's os.RemoveAll fails.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "securesocket-lab-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	return dir
}
