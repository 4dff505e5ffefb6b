package lab

import "crypto/tls"

// CBCSHA1 is the scenario of a server that speaks TLS 1.2 with one suite
// only, ECDHE-ECDSA-AES128-CBC-SHA (CBC mode with an HMAC-SHA1 record MAC),
// which current server guidance (Mozilla's intermediate profile) has
// dropped: a client that still offers it connects, one that follows the
// guidance gets a handshake failure.
const CBCSHA1 = "cbcSHA1"

// startCBCScenario starts CBCSHA1: the ordinary trusted chain, then echo.
func (l *Lab) startCBCScenario() error {
	leaf, err := l.pki.leaf(l.pki.intermediate, nil)
	if err != nil {
		return err
	}
	cfg := serverTLSConfig(serverCert(leaf, l.pki.intermediate))
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	return l.serveTLS(CBCSHA1, cfg, echo)
}
