//go:build !linux || android

package core

import "os"

// Elsewhere crypto/x509 uses the platform's own verifier (macOS, Windows)
// or its own reading of the store: a nil pool keeps Go's default.
func readPlatformStore() *platformStore { return &platformStore{} }

func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
