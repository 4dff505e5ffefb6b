// Command server is the loopback TLS server of `make bench` (bench/run.py).
// Every benchmark client, ours and each language's own TLS, talks to the
// same servers in the same run.
//
//	server -dir DIR -json FILE [-stdin]
//
// It makes a fresh ECDSA P-256 root and a leaf for 127.0.0.1 (and
// localhost), writes the root to DIR/ca.pem (give it to clients through
// SSL_CERT_FILE or as their CA file), starts the servers on 127.0.0.1 and then
// writes {"ca_file": ..., "ports": {...}} to FILE. Every server speaks
// TLS 1.3 only and refuses a handshake that did not pick
// TLS_AES_128_GCM_SHA256 and the X25519 key exchange, so every figure is for
// the same protocol, cipher and key exchange: Debian's OpenSSL 3.0 (the C
// and Python peers) has no post-quantum X25519MLKEM768, which Go's
// crypto/tls, and so securesocket, would otherwise negotiate (at about a
// third more CPU per handshake: docs/benchmarks.md). BENCH_SERVER_PQ=1 lets
// the server pick X25519MLKEM768 from clients that offer it, to measure that.
//
//	echo       echoes every byte until the client closes; issues session tickets
//	echo_full  the same without session tickets: every handshake is a full one
//	sink       C→S: 8-byte big-endian N, then N bytes; S→C: the 8-byte count
//	           once all N arrived; repeats until the client closes
//	source     C→S: 8-byte big-endian N; S→C: N bytes (256 KiB writes);
//	           repeats until the client closes
//
// It exits on SIGINT, SIGTERM or, with -stdin, when standard input ends.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	dir := flag.String("dir", "", "directory for ca.pem (created if needed)")
	jsonPath := flag.String("json", "", "write the ports and CA file here once listening")
	watchStdin := flag.Bool("stdin", false, "exit when standard input reaches end of file")
	flag.Parse()
	if *dir == "" || *jsonPath == "" {
		fmt.Fprintln(os.Stderr, "usage: server -dir DIR -json FILE [-stdin]")
		os.Exit(2)
	}
	if err := run(*dir, *jsonPath, *watchStdin); err != nil {
		fmt.Fprintln(os.Stderr, "bench server:", err)
		os.Exit(1)
	}
}

func run(dir, jsonPath string, watchStdin bool) error {
	signal.Ignore(syscall.SIGPIPE)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	caFile := filepath.Join(dir, "ca.pem")
	cert, err := makeCerts(caFile)
	if err != nil {
		return err
	}
	pq := os.Getenv("BENCH_SERVER_PQ") == "1"
	groups := []tls.CurveID{tls.X25519}
	if pq {
		groups = []tls.CurveID{tls.X25519MLKEM768, tls.X25519}
	}
	base := func(tickets bool) *tls.Config {
		return &tls.Config{
			Certificates:           []tls.Certificate{cert},
			MinVersion:             tls.VersionTLS13,
			MaxVersion:             tls.VersionTLS13,
			SessionTicketsDisabled: !tickets,
			CurvePreferences:       groups,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if cs.CipherSuite != tls.TLS_AES_128_GCM_SHA256 {
					return fmt.Errorf("bench server: cipher suite %s, want TLS_AES_128_GCM_SHA256",
						tls.CipherSuiteName(cs.CipherSuite))
				}
				if !pq && cs.CurveID != tls.X25519 {
					return fmt.Errorf("bench server: key exchange %s, want X25519", cs.CurveID)
				}
				return nil
			},
		}
	}
	ports := map[string]int{}
	for _, s := range []struct {
		name    string
		tickets bool
		handle  func(net.Conn)
	}{
		{"echo", true, echo},
		{"echo_full", false, echo},
		{"sink", true, sink},
		{"source", true, source},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ports[s.name] = ln.Addr().(*net.TCPAddr).Port
		go serve(tls.NewListener(ln, base(s.tickets)), s.handle)
	}
	desc, _ := json.Marshal(map[string]any{"ca_file": caFile, "host": "127.0.0.1", "ports": ports})
	tmp := jsonPath + ".tmp"
	if err := os.WriteFile(tmp, desc, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, jsonPath); err != nil {
		return err
	}
	defer os.Remove(jsonPath)
	done := make(chan os.Signal, 1)
	signal.Notify(done, os.Interrupt, syscall.SIGTERM)
	if watchStdin {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			done <- syscall.SIGTERM
		}()
	}
	<-done
	return nil
}

func serve(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. out of file descriptors
			continue
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Minute))
			handle(c)
		}()
	}
}

func echo(c net.Conn) {
	buf := make([]byte, 16<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func sink(c net.Conn) {
	buf := make([]byte, 256<<10)
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint64(hdr[:])
		for left := n; left > 0; {
			k, err := c.Read(buf[:min(uint64(len(buf)), left)])
			left -= uint64(k)
			if err != nil && left > 0 {
				return
			}
		}
		if _, err := c.Write(hdr[:]); err != nil {
			return
		}
	}
}

var pattern = func() []byte {
	b := make([]byte, 256<<10)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}()

func source(c net.Conn) {
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		for left := binary.BigEndian.Uint64(hdr[:]); left > 0; {
			k := min(uint64(len(pattern)), left)
			if _, err := c.Write(pattern[:k]); err != nil {
				return
			}
			left -= k
		}
	}
}

// makeCerts writes a new root to caFile and returns a leaf it issued for
// 127.0.0.1 and localhost, with the root's chain.
func makeCerts(caFile string) (tls.Certificate, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "securesocket bench root"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}, nil
}
