package core

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readNamedStore is the whole trust store off Linux when SSL_CERT_FILE or
// SSL_CERT_DIR is set (Windows and macOS then verify with Go's own verifier
// against it, store_other.go); it is built on every platform, so it is
// tested here directly. The TestMain's SSL_CERT_FILE is restored after.
func TestNamedStore(t *testing.T) {
	dir := tempDir(t)
	ours := filepath.Join(dir, "ours.pem")
	os.WriteFile(ours, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: testCA.Raw}), 0o600)
	certDir := filepath.Join(dir, "certs")
	os.Mkdir(certDir, 0o700)
	os.WriteFile(filepath.Join(certDir, "ours.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: testCA.Raw}), 0o600)
	missing := filepath.Join(dir, "missing")
	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("no certificate here\n"), 0o600)
	trusts := func(st *platformStore) bool {
		_, err := testCA.Verify(x509.VerifyOptions{Roots: st.pool})
		return err == nil
	}
	for _, c := range []struct {
		name, file, dirs string
		trusted          bool
		note             string // a word the notes must hold; "" for none
	}{
		{"file", ours, "", true, ""},
		{"other file", theLab.CAFile, "", false, ""},
		{"missing file", missing, "", false, "SSL_CERT_FILE " + missing + " does not exist"},
		{"directory", certDir, "", false, "SSL_CERT_FILE " + certDir + " is not a regular file"},
		{"not PEM", notPEM, "", false, "SSL_CERT_FILE " + notPEM + " holds no PEM certificate"},
		{"dirs", "", missing + string(os.PathListSeparator) + certDir, true, "SSL_CERT_DIR " + missing + " does not exist"},
		{"file and dir", theLab.CAFile, certDir, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SSL_CERT_FILE", c.file)
			t.Setenv("SSL_CERT_DIR", c.dirs)
			st := readNamedStore()
			if st == nil || st.pool == nil {
				t.Fatal("no store")
			}
			if got := trusts(st); got != c.trusted {
				t.Errorf("trusts the test CA: %v, want %v", got, c.trusted)
			}
			words := strings.Join(st.notes, "; ")
			if c.note == "" && words != "" || !strings.Contains(words, c.note) {
				t.Errorf("notes %q, want %q", words, c.note)
			}
		})
	}
	t.Setenv("SSL_CERT_FILE", "")
	t.Setenv("SSL_CERT_DIR", "")
	if st := readNamedStore(); st != nil {
		t.Fatalf("neither variable set: %+v, want nil (the platform's own store)", st)
	}
}
