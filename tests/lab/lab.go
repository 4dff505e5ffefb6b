// Package lab is the loopback TLS lab every test suite of securesocket runs
// against: real TLS (and a few deliberately non-TLS) servers on 127.0.0.1,
// one per scenario, with a certificate hierarchy generated afresh each run.
//
// Go tests use it in-process:
//
//	l, err := lab.Start("")
//	...
//	defer l.Close()
//	os.Setenv("SSL_CERT_FILE", l.CAFile) // before anything loads the system pool
//	conn := connect(l.Host, l.Ports["trusted"])
//
// Other languages start the command ./tests/lab/cmd/lab, which writes the
// same information as JSON (see WriteJSON). README.md describes each
// scenario and the byte protocols of the data servers.
//
// Clients trust the lab by its root CA file, never by turning verification
// off.
package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Lab is a running set of scenario servers. Its exported fields are filled
// by Start and must not be changed.
type Lab struct {
	// Host is the name clients connect to; the leaves are issued for it.
	Host string
	// CAFile is a PEM file holding the lab root, the only trust anchor
	// clients need (SSL_CERT_FILE).
	CAFile string
	// Dir is the absolute directory holding the generated files.
	Dir string
	// Ports maps a scenario name to its TCP port on 127.0.0.1.
	Ports map[string]int
	// Files maps a name to the absolute path of an extra generated file
	// (see the File* constants).
	Files map[string]string
	// Expect maps a scenario to the outcome a securesocket client must see
	// (expect.go): every suite's certificate matrix reads it.
	Expect map[string]Expectation

	pki    *pki
	rev    *responders // the CRL and OCSP servers of the revocation scenarios
	ownDir bool        // Dir was created by Start and is removed by Close

	mu        sync.Mutex
	closed    bool
	listeners []net.Listener
	conns     map[net.Conn]struct{}
	closers   []func() error
	wg        sync.WaitGroup // accept loops and connection handlers
}

// Keys of Lab.Files.
const (
	FileRootDER          = "root_der"           // the lab root (also in CAFile), DER
	FileIntermediateDER  = "intermediate_der"   // the lab intermediate missingIntermediate omits, DER
	FileUntrustedRootDER = "untrusted_root_der" // the root of untrustedRoot, not in CAFile, DER
	FileUntrustedRootPEM = "untrusted_root_pem" // the same root, PEM
	FileSelfSignedDER    = "self_signed_der"    // the leaf of selfSigned, DER
)

// Start generates the certificates into dir (a new temporary directory if
// dir is empty, removed again by Close) and starts every scenario. It returns
// once all servers listen.
func Start(dir string) (*Lab, error) {
	l := &Lab{
		Host:   "localhost",
		Ports:  map[string]int{},
		Files:  map[string]string{},
		Expect: expectCopy(),
		conns:  map[net.Conn]struct{}{},
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "securesocket-lab-")
		if err != nil {
			return nil, fmt.Errorf("lab: %w", err)
		}
		dir, l.ownDir = d, true
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	l.Dir = abs
	if err := l.start(); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func (l *Lab) start() error {
	// The revocation servers listen first: their URLs go into the
	// certificates (the intermediate names the root's CRL).
	if err := l.startResponders(); err != nil {
		return err
	}
	p, err := newPKI(time.Now(), l.rev.url(PathRootCRL))
	if err != nil {
		return err
	}
	l.pki = p
	if l.CAFile, err = l.writeFile("ca.pem", certPEM(p.root.cert)); err != nil {
		return err
	}
	for _, f := range []struct {
		key, name string
		data      []byte
	}{
		{FileRootDER, "root.der", p.root.cert.Raw},
		{FileIntermediateDER, "intermediate.der", p.intermediate.cert.Raw},
		{FileUntrustedRootDER, "untrusted-root.der", p.otherRoot.cert.Raw},
		{FileUntrustedRootPEM, "untrusted-root.pem", certPEM(p.otherRoot.cert)},
	} {
		if l.Files[f.key], err = l.writeFile(f.name, f.data); err != nil {
			return err
		}
	}
	if err := l.startScenarios(); err != nil {
		return err
	}
	return l.startClientCertScenarios()
}

func (l *Lab) writeFile(name string, data []byte) (string, error) {
	path := filepath.Join(l.Dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", fmt.Errorf("lab: %w", err)
	}
	return path, nil
}

// Addr returns "localhost:<port>" of scenario name, the address a client
// dials so that the name it verifies is the one the leaves carry.
func (l *Lab) Addr(name string) string {
	return net.JoinHostPort(l.Host, strconv.Itoa(l.Ports[name]))
}

// Close stops every server, interrupts every live connection and waits for
// all of the lab's goroutines to end. A directory created by Start is
// removed. Calling Close again does nothing.
func (l *Lab) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	var errs []error
	for _, ln := range l.listeners {
		errs = append(errs, ln.Close())
	}
	for c := range l.conns {
		c.Close() // the handler notices, untracks and ends
	}
	for _, release := range l.closers {
		errs = append(errs, release())
	}
	l.mu.Unlock()
	l.wg.Wait()
	if l.ownDir {
		errs = append(errs, RemoveAll(l.Dir))
	}
	return errors.Join(errs...)
}

// labJSON is the shape of the JSON file that non-Go suites read.
type labJSON struct {
	Host   string            `json:"host"`
	CAFile string            `json:"ca_file"`
	Dir    string            `json:"dir"`
	Ports  map[string]int    `json:"ports"`
	Files  map[string]string `json:"files"`
	Proxy  ProxyJSON         `json:"proxy"` // the hosts behind the proxy scenarios
	// Last: the C tests find a scenario's port by the first `"name":`.
	Expect map[string]Expectation `json:"expect"`
}

// JSON returns the lab description WriteJSON writes.
func (l *Lab) JSON() ([]byte, error) {
	return json.Marshal(labJSON{Host: l.Host, CAFile: l.CAFile, Dir: l.Dir, Ports: l.Ports, Files: l.Files,
		Proxy: l.Proxy(), Expect: l.Expect})
}

// WriteJSON writes the lab description to path atomically: a reader polling
// for path sees either nothing or the complete file, never a partial one.
func (l *Lab) WriteJSON(path string) error {
	data, err := l.JSON()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".lab-*.json.tmp")
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("lab: write %s: %w", path, err)
	}
	return nil
}
