//go:build linux && !android

package core

import (
	"os"
	"syscall"
)

// The default locations, as crypto/x509 has them for Linux (go1.26
// src/crypto/x509/root_linux.go).
var (
	storeFiles = []string{
		"/etc/ssl/certs/ca-certificates.crt",                // Debian/Ubuntu/Gentoo etc.
		"/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora/RHEL 6
		"/etc/ssl/ca-bundle.pem",                            // OpenSUSE
		"/etc/pki/tls/cacert.pem",                           // OpenELEC
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS/RHEL 7
		"/etc/ssl/cert.pem",                                 // Alpine Linux
	}
	storeDirs = []string{
		"/etc/ssl/certs",     // SLES10/SLES11
		"/etc/pki/tls/certs", // Fedora/RHEL
	}
)

func readPlatformStore() *platformStore { return readStoreFiles(storeFiles, storeDirs) }

func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
