package lab

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"time"

	"github.com/youmark/pkcs8"
)

// Client-certificate (mutual TLS) scenarios: servers like Trusted (the
// ordinary localhost leaf and the lab intermediate, then echo) that also
// ask for a client certificate issued by the lab client CA.
const (
	// ClientCert requires and verifies a client certificate; TLS 1.2 and
	// 1.3. In TLS 1.3 the client finishes its handshake before the server
	// has judged its certificate, so a refusal shows as an alert on the
	// client's first read.
	ClientCert = "clientCert"
	// ClientCertTLS12 is ClientCert limited to TLS 1.2, where a refusal
	// fails the client's handshake itself.
	ClientCertTLS12 = "clientCertTLS12"
	// ClientCertOptional asks for a client certificate and verifies one if
	// given (tls.VerifyClientCertIfGiven); TLS 1.2 and 1.3. After the
	// handshake it writes one line, "client: <CN>\n" or "client: none\n",
	// then echoes.
	ClientCertOptional = "clientCertOptional"
)

// Keys of Lab.Files for the client certificates. The keys are ECDSA P-256,
// like every lab key.
const (
	FileClientCertPEM               = "client_cert_pem"                 // the client leaf, PEM, nothing else
	FileClientKeyPEM                = "client_key_pem"                  // its key, PKCS#8 PEM ("PRIVATE KEY")
	FileClientCertDER               = "client_cert_der"                 // the client leaf, DER
	FileClientKeyDER                = "client_key_der"                  // its key, PKCS#8 DER
	FileClientKeyEncryptedPEM       = "client_key_encrypted_pem"        // PKCS#8 "ENCRYPTED PRIVATE KEY", PBES2 AES-256-CBC, ClientKeyPassword
	FileClientKeyECPEM              = "client_key_ec_pem"               // traditional "EC PRIVATE KEY" (SEC 1) PEM
	FileClientKeyLegacyEncryptedPEM = "client_key_legacy_encrypted_pem" // "EC PRIVATE KEY" with Proc-Type 4,ENCRYPTED and DEK-Info AES-256-CBC, ClientKeyPassword
	FileWrongClientCertPEM          = "wrong_client_cert_pem"           // a client leaf from a CA the servers do not know, PEM
	FileWrongClientKeyPEM           = "wrong_client_key_pem"            // its key, PKCS#8 PEM
	FileClientCAPEM                 = "client_ca_pem"                   // the lab client CA the servers accept, PEM (not in CAFile)
)

// ClientKeyPassword encrypts FileClientKeyEncryptedPEM and
// FileClientKeyLegacyEncryptedPEM.
const ClientKeyPassword = "lab-secret"

// ClientCommonName is the subject CN of both client leaves (the accepted
// one and the wrong one): the only difference between them is the issuer.
const ClientCommonName = "securesocket lab client"

// clientKeyPBKDF2Iterations is the PBKDF2 iteration count of the encrypted
// PKCS#8 file, OpenSSL 3's default for "openssl pkcs8 -topk8 -v2 aes-256-cbc".
const clientKeyPBKDF2Iterations = 2048

// clientLeaf issues a client certificate from ca: CN ClientCommonName, no
// names or addresses, extended key usage clientAuth only.
func (p *pki) clientLeaf(ca *authority) (*authority, error) {
	return ca.issueLeaf(leafSpec{
		commonName: ClientCommonName,
		extKeyUse:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		notBefore:  p.now.Add(-time.Hour),
		notAfter:   p.now.Add(30 * day),
	})
}

// startClientCertScenarios issues the client certificates, writes their
// files and starts the client-certificate scenarios.
func (l *Lab) startClientCertScenarios() error {
	p := l.pki
	client, err := p.clientLeaf(p.clientCA)
	if err != nil {
		return err
	}
	wrong, err := p.clientLeaf(p.wrongClientCA)
	if err != nil {
		return err
	}
	files, err := clientFiles(client, wrong, p.clientCA)
	if err != nil {
		return err
	}
	for _, f := range files {
		if l.Files[f.key], err = l.writeFile(f.name, f.data); err != nil {
			return err
		}
	}

	leaf, err := p.leaf(p.intermediate, nil)
	if err != nil {
		return err
	}
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(p.clientCA.cert)
	config := func(auth tls.ClientAuthType, maxVersion uint16) *tls.Config {
		cfg := serverTLSConfig(serverCert(leaf, p.intermediate))
		cfg.ClientAuth, cfg.ClientCAs, cfg.MaxVersion = auth, clientCAs, maxVersion
		return cfg
	}
	for _, s := range []struct {
		name       string
		auth       tls.ClientAuthType
		maxVersion uint16
		h          func(*tls.Conn)
	}{
		{ClientCert, tls.RequireAndVerifyClientCert, tls.VersionTLS13, echo},
		{ClientCertTLS12, tls.RequireAndVerifyClientCert, tls.VersionTLS12, echo},
		{ClientCertOptional, tls.VerifyClientCertIfGiven, tls.VersionTLS13, reportClient},
	} {
		if err := l.serveTLSLinger(s.name, config(s.auth, s.maxVersion), s.h, failLinger); err != nil {
			return err
		}
	}
	return nil
}

// reportClient writes "client: <CN of the client certificate>\n", or
// "client: none\n" when the client sent none, then echoes.
func reportClient(c *tls.Conn) {
	who := "none"
	if certs := c.ConnectionState().PeerCertificates; len(certs) > 0 {
		who = certs[0].Subject.CommonName
	}
	if _, err := io.WriteString(c, "client: "+who+"\n"); err != nil {
		return
	}
	echo(c)
}

type labFile struct {
	key, name string
	data      []byte
}

// clientFiles encodes the client certificates and keys in every form a
// user may hold them in.
func clientFiles(client, wrong, ca *authority) ([]labFile, error) {
	key, ok := client.key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("lab: client key is %T, not ECDSA", client.key)
	}
	pkcs8DER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("lab: client key: %w", err)
	}
	encrypted, err := pkcs8.MarshalPrivateKey(key, []byte(ClientKeyPassword), &pkcs8.Opts{
		Cipher: pkcs8.AES256CBC,
		KDFOpts: pkcs8.PBKDF2Opts{
			SaltSize:       16,
			IterationCount: clientKeyPBKDF2Iterations,
			HMACHash:       crypto.SHA256,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("lab: encrypt client key: %w", err)
	}
	sec1DER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("lab: client key: %w", err)
	}
	// Deprecated (RFC 1423 encryption is unauthenticated and its key
	// derivation weak), but users still have such files.
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", sec1DER, //nolint:staticcheck
		[]byte(ClientKeyPassword), x509.PEMCipherAES256)
	if err != nil {
		return nil, fmt.Errorf("lab: encrypt client key: %w", err)
	}
	wrongKey, err := x509.MarshalPKCS8PrivateKey(wrong.key)
	if err != nil {
		return nil, fmt.Errorf("lab: wrong client key: %w", err)
	}
	pemOf := func(typ string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	}
	return []labFile{
		{FileClientCertPEM, "client-cert.pem", certPEM(client.cert)},
		{FileClientKeyPEM, "client-key.pem", pemOf("PRIVATE KEY", pkcs8DER)},
		{FileClientCertDER, "client-cert.der", client.cert.Raw},
		{FileClientKeyDER, "client-key.der", pkcs8DER},
		{FileClientKeyEncryptedPEM, "client-key-encrypted.pem", pemOf("ENCRYPTED PRIVATE KEY", encrypted)},
		{FileClientKeyECPEM, "client-key-ec.pem", pemOf("EC PRIVATE KEY", sec1DER)},
		{FileClientKeyLegacyEncryptedPEM, "client-key-legacy-encrypted.pem", pem.EncodeToMemory(legacy)},
		{FileWrongClientCertPEM, "wrong-client-cert.pem", certPEM(wrong.cert)},
		{FileWrongClientKeyPEM, "wrong-client-key.pem", pemOf("PRIVATE KEY", wrongKey)},
		{FileClientCAPEM, "client-ca.pem", certPEM(ca.cert)},
	}, nil
}
