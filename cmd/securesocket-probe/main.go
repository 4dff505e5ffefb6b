// Command securesocket-probe connects to a TLS server the way securesocket
// does, with the library's own verification, and says what it found: the
// outcome, the certificate status and why, the verified chain (subjects,
// issuers, validity, names, SPKI pins), the TLS version and cipher suite,
// and the revocation outcome.
//
//	securesocket-probe [--json] [--ca FILE]... [--pin BASE64]... [--revocation MODE] [--timeout MS] host port
//
// Exit status: 0 connected, 1 the library refused the server's certificate,
// 2 usage error, 3 no verdict (refused TCP connection, timeout, not TLS, no
// common version or suite). The same command is `python -m securesocket
// probe` and `npx securesocket`, through the bindings.
package main

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/securesocket/securesocket/core"
)

// Exit statuses besides core's report (0, 1, 3).
const exitUsage = 2

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

const usage = `usage: securesocket-probe [--json] [--ca FILE]... [--pin BASE64]... [--revocation MODE] [--timeout MS] host port

Connects to host:port with securesocket's own verification and prints the
outcome, certificate status and detail, TLS version and cipher suite,
revocation outcome and the verified chain with each certificate's SPKI pin.
Exit status: 0 connected, 1 certificate refused, 2 usage, 3 no verdict
(network failure, timeout, not TLS).
`

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("securesocket-probe", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print one line of JSON")
	var cas, pins multi
	fs.Var(&cas, "ca", "PEM or DER file of extra trust anchors")
	fs.Var(&pins, "pin", "SHA-256 of a SubjectPublicKeyInfo, base64 (\"sha256/\" prefix allowed)")
	revocation := fs.String("revocation", "softFail", "softFail, hardFail, stapleOnly or off")
	timeout := fs.Int("timeout", 20000, "connect timeout, ms")
	// Flags may come before, between or after the two operands.
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, usage)
				return 0
			}
			fmt.Fprintf(stderr, "securesocket-probe: %v\n%s", err, usage)
			return exitUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		operands = append(operands, args[0])
		args = args[1:]
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "securesocket-probe: "+format+"\n", a...)
		return exitUsage
	}
	if len(operands) != 2 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	host := operands[0]
	port, err := strconv.Atoi(operands[1])
	if err != nil {
		return fail("port %q is not a number", operands[1])
	}
	q := core.NewQueue()
	s := core.New(q)
	defer s.Close()
	if *timeout < 0 || *timeout > 1<<31 {
		return fail("timeout %d out of range", *timeout)
	}
	s.SetTimeout(uint32(*timeout))
	mode, ok := core.ParseRevocationMode(*revocation)
	if !ok {
		return fail("revocation mode %q: one of softFail, hardFail, stapleOnly, off", *revocation)
	}
	s.SetRevocationMode(mode)
	for _, f := range cas {
		ders, err := readCertificates(f)
		if err != nil {
			return fail("--ca %s: %v", f, err)
		}
		for _, der := range ders {
			if err := s.AddBinaryChainBuildingCertificate(der, true); err != nil {
				return fail("--ca %s: %v", f, err)
			}
		}
	}
	for _, p := range pins {
		b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(p, "sha256/"))
		if err == nil {
			err = s.AddPublicKeyPin(b)
		}
		if err != nil {
			return fail("--pin %s: %v", p, err)
		}
	}
	if err := s.Connect(host, port); err != nil {
		return fail("%v", err)
	}
	// The connect's own timeout ends the attempt; the wait only guards
	// against a bug.
	done := false
	s.On(core.EventConnect, func(core.Event) { done = true })
	s.On(core.EventIOError, func(core.Event) { done = true })
	deadline := time.Now().Add(time.Duration(s.Timeout())*time.Millisecond + 10*time.Second)
	for !done && time.Now().Before(deadline) {
		q.Dispatch(time.Until(deadline))
	}
	r := s.Describe()
	if *asJSON {
		fmt.Fprintln(stdout, r.JSON())
	} else {
		fmt.Fprint(stdout, r.Text())
	}
	return r.ExitCode
}

// readCertificates returns the DER certificates of a PEM file (every
// CERTIFICATE block) or a DER file (one certificate).
func readCertificates(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(string(b), "-----BEGIN") {
		return [][]byte{b}, nil
	}
	var ders [][]byte
	for rest := b; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			ders = append(ders, block.Bytes)
		}
	}
	if len(ders) == 0 {
		return nil, errors.New("no CERTIFICATE in the PEM file")
	}
	return ders, nil
}
