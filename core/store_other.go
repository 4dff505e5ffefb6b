//go:build !linux || android

package core

import "os"

// Elsewhere than Linux, the store SSL_CERT_FILE or SSL_CERT_DIR names, when
// either is set, verified by Go's own verifier (store.go); otherwise a nil
// pool keeps Go's default: the platform's own verifier (macOS, Windows) or
// crypto/x509's own reading of the store (the BSDs).
func readPlatformStore() *platformStore {
	if st := readNamedStore(); st != nil {
		return st
	}
	return &platformStore{}
}

func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
