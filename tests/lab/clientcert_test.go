package lab

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/youmark/pkcs8"
)

// keyPair loads a certificate and key file pair the way a client would.
func keyPair(t *testing.T, certKey, keyKey string) tls.Certificate {
	t.Helper()
	kp, err := tls.LoadX509KeyPair(shared.Files[certKey], shared.Files[keyKey])
	if err != nil {
		t.Fatalf("%s + %s: %v", certKey, keyKey, err)
	}
	return kp
}

// presenting makes a client that sends cert (nil: none) whatever the server
// asks for. A Go client given Certificates sends only one whose issuer the
// server lists as acceptable, so the wrong certificate would silently not
// be sent; GetClientCertificate sends it regardless, as OpenSSL does.
func presenting(t *testing.T, cert *tls.Certificate, version uint16) *tls.Config {
	cfg := clientConfig(t)
	cfg.MaxVersion = version
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		if cert == nil {
			return &tls.Certificate{}, nil
		}
		return cert, nil
	}
	return cfg
}

// remoteAlert reports whether err is the alert the server sent, e.g.
// "certificate required".
func remoteAlert(err error, alert string) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error" && strings.Contains(oe.Err.Error(), alert)
}

// refused dials scenario with cfg and checks that the server refuses the
// client certificate with alert: inside the handshake in TLS 1.2, on the
// first read in TLS 1.3 (the client has finished when the server judges).
// Before reading, the TLS 1.3 client writes, like a client that believes it
// is connected: the alert must still arrive, not a connection reset.
func refused(t *testing.T, scenario string, cfg *tls.Config, wantVersion uint16, alert string) {
	t.Helper()
	c, err := dial(t, scenario, cfg)
	if wantVersion == tls.VersionTLS12 {
		if !remoteAlert(err, alert) {
			t.Fatalf("TLS 1.2 handshake: want the alert %q, got %v", alert, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("TLS 1.3 handshake: %v", err)
	}
	if v := c.ConnectionState().Version; v != wantVersion {
		t.Fatalf("negotiated %s", tls.VersionName(v))
	}
	if _, err := c.Write([]byte("anyone there?")); err != nil {
		t.Fatalf("write: %v", err)
	}
	n, err := c.Read(make([]byte, 100))
	if n != 0 || !remoteAlert(err, alert) {
		t.Fatalf("first read: want the alert %q, got %d bytes, %v", alert, n, err)
	}
}

func TestClientCertAccepted(t *testing.T) {
	t.Parallel()
	kp := keyPair(t, FileClientCertPEM, FileClientKeyPEM)
	clientCA := readPEMCert(t, FileClientCAPEM).RawSubject
	for _, tt := range []struct {
		scenario string
		version  uint16
	}{
		{ClientCert, tls.VersionTLS13},
		{ClientCert, tls.VersionTLS12},
		{ClientCertTLS12, tls.VersionTLS12},
		{ClientCertTLS12, 0}, // a client that allows 1.3 gets 1.2
	} {
		name := "any"
		if tt.version != 0 {
			name = tls.VersionName(tt.version)
		}
		t.Run(tt.scenario+"/"+name, func(t *testing.T) {
			t.Parallel()
			cfg := clientConfig(t)
			cfg.MaxVersion = tt.version
			// Like a client given Certificates: send the certificate only
			// if the server lists its issuer as acceptable.
			var asked [][]byte
			cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
				asked = cri.AcceptableCAs
				if err := cri.SupportsCertificate(&kp); err != nil {
					return nil, err
				}
				return &kp, nil
			}
			c, err := dial(t, tt.scenario, cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.version
			if want == 0 {
				want = tls.VersionTLS12
			}
			if v := c.ConnectionState().Version; v != want {
				t.Errorf("negotiated %s, want %s", tls.VersionName(v), tls.VersionName(want))
			}
			if len(asked) != 1 || !bytes.Equal(asked[0], clientCA) {
				t.Errorf("server lists %d acceptable CAs, want only the lab client CA", len(asked))
			}
			if n := len(c.ConnectionState().PeerCertificates); n != 2 {
				t.Errorf("server sent %d certificates, want leaf + intermediate", n)
			}
			roundTrip(t, c, []byte("mutual"))
		})
	}
}

func TestClientCertMissing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		scenario string
		version  uint16
		alert    string
	}{
		{ClientCert, tls.VersionTLS13, "certificate required"},
		{ClientCert, tls.VersionTLS12, "handshake failure"},
		{ClientCertTLS12, tls.VersionTLS13, "handshake failure"}, // negotiates 1.2
	} {
		t.Run(tt.scenario+"/"+tls.VersionName(tt.version), func(t *testing.T) {
			t.Parallel()
			want := tt.version
			if tt.scenario == ClientCertTLS12 {
				want = tls.VersionTLS12
			}
			// A client with no certificate configured at all.
			cfg := clientConfig(t)
			cfg.MaxVersion = tt.version
			refused(t, tt.scenario, cfg, want, tt.alert)
		})
	}
}

func TestClientCertWrongCA(t *testing.T) {
	t.Parallel()
	wrong := keyPair(t, FileWrongClientCertPEM, FileWrongClientKeyPEM)
	for _, tt := range []struct {
		scenario string
		version  uint16
	}{
		{ClientCert, tls.VersionTLS13},
		{ClientCert, tls.VersionTLS12},
		{ClientCertTLS12, tls.VersionTLS12},
		{ClientCertOptional, tls.VersionTLS13}, // "if given" still verifies
		{ClientCertOptional, tls.VersionTLS12},
	} {
		t.Run(tt.scenario+"/"+tls.VersionName(tt.version), func(t *testing.T) {
			t.Parallel()
			refused(t, tt.scenario, presenting(t, &wrong, tt.version), tt.version, "unknown certificate authority")
		})
	}
}

// The server of ClientCertOptional tells which certificate it received.
func TestClientCertOptional(t *testing.T) {
	t.Parallel()
	kp := keyPair(t, FileClientCertPEM, FileClientKeyPEM)
	for _, tt := range []struct {
		name string
		cert *tls.Certificate
		want string
	}{
		{"none", nil, "client: none\n"},
		{"client", &kp, "client: securesocket lab client\n"},
	} {
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(tt.name+"/"+tls.VersionName(v), func(t *testing.T) {
				t.Parallel()
				c, err := dial(t, ClientCertOptional, presenting(t, tt.cert, v))
				if err != nil {
					t.Fatal(err)
				}
				got := make([]byte, len(tt.want))
				if _, err := io.ReadFull(c, got); err != nil || string(got) != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				roundTrip(t, c, []byte("then echo"))
			})
		}
	}
}

// The client certificate is for client authentication from the lab client
// CA only: the CA is not a server anchor, and the leaf is not a server.
func TestClientCertificates(t *testing.T) {
	t.Parallel()
	cert := readPEMCert(t, FileClientCertPEM)
	der, err := os.ReadFile(shared.Files[FileClientCertDER])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(der, cert.Raw) {
		t.Error("client_cert_der is not client_cert_pem")
	}
	ca := readPEMCert(t, FileClientCAPEM)
	if ca.Subject.CommonName != "securesocket lab client CA" || !ca.IsCA {
		t.Errorf("client CA: %v", ca.Subject)
	}
	if cert.Subject.CommonName != ClientCommonName {
		t.Errorf("client CN %q", cert.Subject.CommonName)
	}
	clientAuth := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: clientAuth}); err != nil {
		t.Errorf("client cert from the client CA: %v", err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots}); err == nil {
		t.Error("client cert verifies for server authentication")
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool(t, shared.CAFile), KeyUsages: clientAuth}); err == nil {
		t.Error("client cert verifies against the lab root")
	}
	wrong := readPEMCert(t, FileWrongClientCertPEM)
	if _, err := wrong.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: clientAuth}); err == nil {
		t.Error("wrong client cert verifies against the client CA")
	}
	if wrong.Subject.CommonName != ClientCommonName || wrong.Issuer.CommonName != "securesocket lab wrong client CA" {
		t.Errorf("wrong client cert: %v issued by %v", wrong.Subject, wrong.Issuer)
	}
	// The client CA does not make servers trusted.
	if _, err := dial(t, Trusted, &tls.Config{RootCAs: roots}); err == nil {
		t.Error("the client CA verifies a lab server")
	}
}

// readPEMCert reads a file that must hold exactly one CERTIFICATE block.
func readPEMCert(t *testing.T, key string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(shared.Files[key])
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || len(block.Headers) != 0 || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s: want exactly one CERTIFICATE block", key)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return cert
}

// readPEMKey reads a file that must hold exactly one PEM block of typ.
func readPEMKey(t *testing.T, key, typ string) *pem.Block {
	t.Helper()
	data, err := os.ReadFile(shared.Files[key])
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != typ || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s: want exactly one %q block", key, typ)
	}
	return block
}

// Every form of the client key is the key of client_cert_pem.
func TestClientKeyFiles(t *testing.T) {
	t.Parallel()
	cert := readPEMCert(t, FileClientCertPEM)
	want, err := x509.ParsePKCS8PrivateKey(readPEMKey(t, FileClientKeyPEM, "PRIVATE KEY").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !want.(*ecdsa.PrivateKey).PublicKey.Equal(cert.PublicKey) {
		t.Fatal("client_key_pem is not the key of client_cert_pem")
	}
	same := func(name string, got any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if k, ok := got.(*ecdsa.PrivateKey); !ok || !k.Equal(want) {
			t.Errorf("%s: not the client key", name)
		}
	}

	der, err := os.ReadFile(shared.Files[FileClientKeyDER])
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	same(FileClientKeyDER, k, err)

	k, err = x509.ParseECPrivateKey(readPEMKey(t, FileClientKeyECPEM, "EC PRIVATE KEY").Bytes)
	same(FileClientKeyECPEM, k, err)

	enc := readPEMKey(t, FileClientKeyEncryptedPEM, "ENCRYPTED PRIVATE KEY").Bytes
	k, err = decryptPBES2(enc, ClientKeyPassword)
	same(FileClientKeyEncryptedPEM+" (stdlib PBES2)", k, err)
	k, err = pkcs8.ParsePKCS8PrivateKey(enc, []byte(ClientKeyPassword))
	same(FileClientKeyEncryptedPEM+" (youmark/pkcs8)", k, err)
	if _, err := decryptPBES2(enc, "wrong-secret"); err == nil {
		t.Errorf("%s decrypts with a wrong password", FileClientKeyEncryptedPEM)
	}

	legacy := readPEMKey(t, FileClientKeyLegacyEncryptedPEM, "EC PRIVATE KEY")
	if legacy.Headers["Proc-Type"] != "4,ENCRYPTED" || !strings.HasPrefix(legacy.Headers["DEK-Info"], "AES-256-CBC,") {
		t.Errorf("%s headers: %v", FileClientKeyLegacyEncryptedPEM, legacy.Headers)
	}
	plain, err := x509.DecryptPEMBlock(legacy, []byte(ClientKeyPassword)) //nolint:staticcheck
	if err != nil {
		t.Fatalf("%s: %v", FileClientKeyLegacyEncryptedPEM, err)
	}
	k, err = x509.ParseECPrivateKey(plain)
	same(FileClientKeyLegacyEncryptedPEM, k, err)

	wrongCert := readPEMCert(t, FileWrongClientCertPEM)
	wk, err := x509.ParsePKCS8PrivateKey(readPEMKey(t, FileWrongClientKeyPEM, "PRIVATE KEY").Bytes)
	if err != nil || !wk.(*ecdsa.PrivateKey).PublicKey.Equal(wrongCert.PublicKey) {
		t.Errorf("wrong_client_key_pem is not the key of wrong_client_cert_pem: %v", err)
	}
}

// OpenSSL, what most non-Go clients use, reads every key file.
func TestClientKeyFilesOpenSSL(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	want, err := os.ReadFile(shared.Files[FileClientKeyDER])
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{FileClientKeyPEM, FileClientKeyEncryptedPEM, FileClientKeyECPEM, FileClientKeyLegacyEncryptedPEM} {
		out, err := exec.Command("openssl", "pkey", "-in", shared.Files[key], "-passin", "pass:"+ClientKeyPassword, "-outform", "DER").Output()
		if err != nil {
			t.Errorf("openssl pkey %s: %v", key, err)
			continue
		}
		// OpenSSL 3 writes DER EC keys in their traditional (SEC 1) form.
		got, err := x509.ParseECPrivateKey(out)
		if err != nil {
			t.Errorf("%s: openssl output: %v", key, err)
			continue
		}
		w, _ := x509.ParsePKCS8PrivateKey(want)
		if !got.Equal(w) {
			t.Errorf("%s: openssl read another key", key)
		}
	}
}

var (
	oidPBES2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9} // hmacWithSHA256
	oidAES256CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// decryptPBES2 decrypts an EncryptedPrivateKeyInfo (RFC 5958) with only the
// standard library, and only if it is PBES2 with PBKDF2-HMAC-SHA256 and
// AES-256-CBC: the README's promise, checked independently of the library
// that wrote it.
func decryptPBES2(der []byte, password string) (any, error) {
	var info struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, err
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, errors.New("not PBES2")
	}
	var params struct {
		KDF, Cipher pkix.AlgorithmIdentifier
	}
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &params); err != nil {
		return nil, err
	}
	var kdf struct {
		Salt       []byte
		Iterations int
		KeyLength  int                      `asn1:"optional"`
		PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, errors.New("not PBKDF2")
	}
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, err
	}
	if !kdf.PRF.Algorithm.Equal(oidHMACSHA) {
		return nil, errors.New("PRF is not HMAC-SHA256")
	}
	var iv []byte
	if !params.Cipher.Algorithm.Equal(oidAES256CBC) {
		return nil, errors.New("not AES-256-CBC")
	}
	if _, err := asn1.Unmarshal(params.Cipher.Parameters.FullBytes, &iv); err != nil {
		return nil, err
	}
	key, err := pbkdf2.Key(sha256.New, password, kdf.Salt, kdf.Iterations, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(iv) != aes.BlockSize || len(info.Data) == 0 || len(info.Data)%aes.BlockSize != 0 {
		return nil, errors.New("bad IV or ciphertext length")
	}
	plain := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, info.Data)
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, errors.New("bad padding (wrong password?)")
	}
	return x509.ParsePKCS8PrivateKey(plain[:len(plain)-pad])
}

// After refusing a TLS 1.3 client the server ends the connection itself
// (alert, then FIN), so a client waiting for data is not left hanging.
func TestClientCertRefusedServerCloses(t *testing.T) {
	t.Parallel()
	c, err := dial(t, ClientCert, clientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !remoteAlert(err, "certificate required") {
		t.Fatalf("want the alert, got %v", err)
	}
	raw := c.NetConn()
	if _, err := raw.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after the alert: want the server's FIN, got %v", err)
	}
}
