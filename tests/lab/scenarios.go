package lab

import (
	"crypto/tls"
	"crypto/x509"
	"time"
)

// Scenario names: the keys of Lab.Ports and of "ports" in the JSON file.
const (
	Trusted             = "trusted"
	Expired             = "expired"
	NotYetValid         = "notYetValid"
	WrongHost           = "wrongHost"
	SelfSigned          = "selfSigned"
	UntrustedRoot       = "untrustedRoot"
	MissingIntermediate = "missingIntermediate"
	ExpiredIntermediate = "expiredIntermediate"
	WrongKeyUsage       = "wrongKeyUsage"
	TLS10               = "tls10"
	Silent              = "silent"
	Garbage             = "garbage"
	Refused             = "refused"
	CloseAfter          = "closeAfter"
	Truncated           = "truncated"
	Echo                = "echo"
	Typed               = "typed"
	Source              = "source"
	Sink                = "sink"
)

const day = 24 * time.Hour

// startScenarios issues each scenario's certificates and starts its server.
// Every certificate scenario echoes after a successful handshake, so a client
// that wrongly accepts a bad chain is caught by a working connection, not
// just by a missing error.
func (l *Lab) startScenarios() error {
	p := l.pki
	inter := p.intermediate
	now := p.now

	// certServer starts a certificate scenario: a leaf from issuer (after
	// modify), presented with chain.
	certServer := func(name string, issuer *authority, modify func(*leafSpec), chain ...*authority) (*authority, error) {
		leaf, err := p.leaf(issuer, modify)
		if err != nil {
			return nil, err
		}
		return leaf, l.serveTLS(name, serverTLSConfig(serverCert(leaf, chain...)), echo)
	}
	certScenarios := []struct {
		name   string
		issuer *authority
		modify func(*leafSpec)
		chain  []*authority
	}{
		{Trusted, inter, nil, []*authority{inter}},
		{Expired, inter, func(s *leafSpec) {
			s.notBefore, s.notAfter = now.Add(-60*day), now.Add(-30*day)
		}, []*authority{inter}},
		{NotYetValid, inter, func(s *leafSpec) {
			s.notBefore, s.notAfter = now.Add(30*day), now.Add(60*day)
		}, []*authority{inter}},
		{WrongHost, inter, func(s *leafSpec) {
			s.commonName, s.dnsNames, s.ips = "wrong.example", []string{"wrong.example"}, nil
		}, []*authority{inter}},
		{UntrustedRoot, p.otherInter, nil, []*authority{p.otherInter}},
		{MissingIntermediate, inter, nil, nil},
		{ExpiredIntermediate, p.expiredInter, nil, []*authority{p.expiredInter}},
		{WrongKeyUsage, inter, func(s *leafSpec) {
			s.extKeyUse = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}, []*authority{inter}},
	}
	for _, s := range certScenarios {
		if _, err := certServer(s.name, s.issuer, s.modify, s.chain...); err != nil {
			return err
		}
	}

	// selfSigned: not from any lab CA, sent alone.
	self, err := certServer(SelfSigned, nil, nil)
	if err != nil {
		return err
	}
	if l.Files[FileSelfSignedDER], err = l.writeFile("self-signed.der", self.cert.Raw); err != nil {
		return err
	}

	// tls10: a valid chain but only TLS 1.0. With an ECDSA leaf the only
	// TLS 1.0 suites are ECDHE-ECDSA-AES-CBC-SHA, which Go still enables by
	// default, so no RSA key is needed for a permissive client to connect.
	leaf, err := p.leaf(inter, nil)
	if err != nil {
		return err
	}
	cfg := serverTLSConfig(serverCert(leaf, inter))
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
	if err := l.serveTLS(TLS10, cfg, echo); err != nil {
		return err
	}
	if err := l.startCBCScenario(); err != nil {
		return err
	}

	// The data servers share one ordinary leaf.
	if leaf, err = p.leaf(inter, nil); err != nil {
		return err
	}
	dataCfg := serverTLSConfig(serverCert(leaf, inter))
	for name, h := range map[string]func(*tls.Conn){
		CloseAfter: closeAfter,
		Truncated:  truncated,
		Echo:       echo,
		Typed:      typed,
		Source:     source,
		Sink:       sink,
	} {
		if err := l.serveTLS(name, dataCfg, h); err != nil {
			return err
		}
	}

	if err := l.serveTCP(Silent, silent); err != nil {
		return err
	}
	if err := l.serveTCP(Garbage, garbage); err != nil {
		return err
	}

	port, release, err := reserveRefusedPort()
	if err != nil {
		return err
	}
	l.onClose(release)
	l.Ports[Refused] = port
	if err := l.startProtoScenarios(); err != nil {
		return err
	}
	return l.startRevocationScenarios()
}
