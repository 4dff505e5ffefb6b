package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/securesocket/securesocket/tests/lab"
)

var theLab *lab.Lab

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "securesocket-probe-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	theLab, err = lab.Start(filepath.Join(dir, "lab"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(2)
	}
	// The platform store is read once per process: the lab root is it.
	os.Setenv("SSL_CERT_FILE", theLab.CAFile)
	os.Setenv("SSL_CERT_DIR", dir)
	code := m.Run()
	theLab.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// probe runs the command with args (the port of scenario appended) and
// returns its exit status, standard output and error.
func probe(t *testing.T, scenario string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "localhost", strconv.Itoa(theLab.Ports[scenario]))
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// report is the JSON the probe prints, read back field by field: a renamed
// or missing field fails the test.
type report struct {
	Outcome       *string `json:"outcome"`
	ExitCode      *int    `json:"exitCode"`
	Status        *string `json:"status"`
	Detail        *string `json:"detail"`
	TLSVersion    *string `json:"tlsVersion"`
	CipherSuite   *string `json:"cipherSuite"`
	RemoteAddress *string `json:"remoteAddress"`
	RemotePort    *int    `json:"remotePort"`
	Revocation    *struct {
		Mode   *string `json:"mode"`
		Status *string `json:"status"`
		Detail *string `json:"detail"`
	} `json:"revocation"`
	Chain []struct {
		Subject      *string  `json:"subject"`
		Issuer       *string  `json:"issuer"`
		SerialNumber *string  `json:"serialNumber"`
		NotBefore    *string  `json:"notBefore"`
		NotAfter     *string  `json:"notAfter"`
		DNSNames     []string `json:"dnsNames"`
		IPAddresses  []string `json:"ipAddresses"`
		IsCA         *bool    `json:"isCA"`
		PinSHA256    *string  `json:"pinSha256"`
	} `json:"chain"`
}

func parse(t *testing.T, out string) report {
	t.Helper()
	var r report
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if r.Outcome == nil || r.ExitCode == nil || r.Status == nil || r.Detail == nil || r.TLSVersion == nil ||
		r.CipherSuite == nil || r.RemoteAddress == nil || r.RemotePort == nil || r.Revocation == nil ||
		r.Revocation.Mode == nil || r.Revocation.Status == nil || r.Revocation.Detail == nil || r.Chain == nil {
		t.Fatalf("a field is missing: %s", out)
	}
	for _, c := range r.Chain {
		if c.Subject == nil || c.Issuer == nil || c.SerialNumber == nil || c.NotBefore == nil || c.NotAfter == nil ||
			c.DNSNames == nil || c.IPAddresses == nil || c.IsCA == nil || c.PinSHA256 == nil {
			t.Fatalf("a chain field is missing: %s", out)
		}
	}
	return r
}

// Every lab scenario: the outcome, status, exit status and detail.
func TestScenarios(t *testing.T) {
	cases := []struct {
		scenario string
		outcome  string
		code     int
		status   string
		detail   string // in the detail, alternatives split by | ("" = empty detail)
		revoked  string // revocation status
	}{
		{lab.Trusted, "connected", 0, "trusted", "", "unknown"},
		{lab.Echo, "connected", 0, "trusted", "", "unknown"},
		{lab.Expired, "refused", 1, "expired", "certificate expired at ", "notChecked"},
		{lab.NotYetValid, "refused", 1, "notYetValid", "not valid before", "notChecked"},
		{lab.WrongHost, "refused", 1, "principalMismatch", "localhost", "notChecked"},
		{lab.SelfSigned, "refused", 1, "untrustedSigners", "self-signed", "notChecked"},
		{lab.UntrustedRoot, "refused", 1, "untrustedSigners", "unknown authority", "notChecked"},
		{lab.MissingIntermediate, "refused", 1, "untrustedSigners", "intermediate", "notChecked"},
		{lab.ExpiredIntermediate, "refused", 1, "invalidChain", "issuing certificate", "notChecked"},
		{lab.WrongKeyUsage, "refused", 1, "invalid", "not for TLS servers", "notChecked"},
		{lab.TLS10, "failed", 3, "unknown", "protocol version", "notChecked"},
		{lab.CBCSHA1, "failed", 3, "unknown", "handshake failure", "notChecked"},
		{lab.Garbage, "failed", 3, "unknown", "does not speak TLS", "notChecked"},
		{lab.Refused, "failed", 3, "unknown", "connection refused by 127.0.0.1:", "notChecked"},
		{lab.Silent, "failed", 3, "unknown", "timed out after 1000 ms", "notChecked"},
		{lab.RevokedStaple, "refused", 1, "revoked", "revoked", "revoked"},
		{lab.RevokedCRL, "refused", 1, "revoked", "revoked", "revoked"},
		{lab.RevokedOCSP, "refused", 1, "revoked", "revoked", "revoked"},
		{lab.GoodStaple, "connected", 0, "trusted", "", "good"},
		{lab.GoodCRL, "connected", 0, "trusted", "", "good"},
		{lab.GoodOCSP, "connected", 0, "trusted", "", "good"},
		{lab.MustStapleGood, "connected", 0, "trusted", "", "good"},
		{lab.MustStapleMissing, "refused", 1, "invalid", "OCSP must-staple", "unknown"},
		{lab.StaleOCSP, "connected", 0, "trusted", "", "unknown"},
		{lab.BadSignatureOCSP, "connected", 0, "trusted", "", "unknown"},
		{lab.EndlessResponder, "connected", 0, "trusted", "", "unknown"},
		{lab.HangingResponder, "connected", 0, "trusted", "", "unknown"},
		{lab.CloseAfter, "connected", 0, "trusted", "", "unknown"},
		{lab.Truncated, "connected", 0, "trusted", "", "unknown"},
		{lab.Typed, "connected", 0, "trusted", "", "unknown"},
		{lab.Source, "connected", 0, "trusted", "", "unknown"},
		{lab.Sink, "connected", 0, "trusted", "", "unknown"},
		// TLS 1.3: the client's handshake ends before the server judges
		// the (missing) client certificate; TLS 1.2: the server ends it.
		{lab.ClientCert, "connected", 0, "trusted", "", "unknown"},
		{lab.ClientCertOptional, "connected", 0, "trusted", "", "unknown"},
		{lab.ClientCertTLS12, "failed", 3, "trusted", "the server ended the handshake after its certificate was accepted", "unknown"},
		{lab.RevocationHTTP, "failed", 3, "unknown", "does not speak TLS|closed the connection during the TLS handshake", "notChecked"},
		{lab.HangingHTTP, "failed", 3, "unknown", "timed out after 1000 ms", "notChecked"},
		{lab.ALPN, "connected", 0, "trusted", "", "unknown"},
		{lab.ALPNNone, "connected", 0, "trusted", "", "unknown"},
		// Plain-text servers (STARTTLS before its upgrade, the proxies): a
		// TLS client meets a line protocol, or a proxy that gives up on it.
		{lab.StartTLS, "failed", 3, "unknown", "does not speak TLS|closed the connection during the TLS handshake|timed out after 1000 ms|connection reset", "notChecked"},
		{lab.StartTLSExpired, "failed", 3, "unknown", "does not speak TLS|closed the connection during the TLS handshake|timed out after 1000 ms|connection reset", "notChecked"},
		{lab.StartTLSWrongHost, "failed", 3, "unknown", "does not speak TLS|closed the connection during the TLS handshake|timed out after 1000 ms|connection reset", "notChecked"},
		{lab.HTTPProxy, "failed", 3, "unknown", "does not speak TLS|closed the connection during the TLS handshake|timed out after 1000 ms|connection reset", "notChecked"},
		{lab.HTTPProxyAuth, "failed", 3, "unknown", "does not speak TLS|closed the connection during the TLS handshake|timed out after 1000 ms|connection reset", "notChecked"},
		{lab.SOCKS5Proxy, "failed", 3, "unknown", "does not speak TLS|closed the connection during the TLS handshake|timed out after 1000 ms|connection reset", "notChecked"},
		{lab.SOCKS5ProxyAuth, "failed", 3, "unknown", "does not speak TLS|closed the connection during the TLS handshake|timed out after 1000 ms|connection reset", "notChecked"},
	}
	// Every scenario of the lab has a row: one added without is caught.
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.scenario] = true
	}
	for name := range theLab.Ports {
		if !covered[name] {
			t.Errorf("lab scenario %s has no expected probe outcome here", name)
		}
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := probe(t, c.scenario, "--json", "--timeout", "1000")
			r := parse(t, out)
			if code != c.code || *r.ExitCode != c.code || *r.Outcome != c.outcome || *r.Status != c.status {
				t.Fatalf("exit %d, %s; want exit %d, outcome %s, status %s (stderr %q)", code, out, c.code, c.outcome, c.status, errOut)
			}
			// clientCert (TLS 1.3): the server's refusal of the missing
			// client certificate comes after connect, and may already have
			// arrived (and closed the connection) when the report is made.
			// truncated: the server ends TCP right after the handshake, and
			// the close (with its detail) may come before the report too.
			refusedLate := c.scenario == lab.ClientCert && strings.Contains(*r.Detail, "certificate required")
			cutLate := c.scenario == lab.Truncated && strings.Contains(*r.Detail, "without a TLS close_notify")
			if refusedLate || cutLate {
				return
			}
			found := false
			for _, d := range strings.Split(c.detail, "|") {
				found = found || strings.Contains(*r.Detail, d)
			}
			if (c.detail == "") != (*r.Detail == "") || !found {
				t.Errorf("detail %q, want %q", *r.Detail, c.detail)
			}
			if *r.Revocation.Status != c.revoked || *r.Revocation.Mode != "softFail" {
				t.Errorf("revocation %+v", *r.Revocation)
			}
			if c.outcome != "connected" {
				if len(r.Chain) != 0 || *r.TLSVersion != "" || *r.CipherSuite != "" {
					t.Errorf("facts of a connection that failed: %s", out)
				}
				return
			}
			// closeAfter and truncated may have closed by the time the
			// report is made: the connection's own facts are gone then.
			// (The remote address stays until close or the next connect.)
			closing := c.scenario == lab.CloseAfter || c.scenario == lab.Truncated
			gone := closing && *r.TLSVersion == "" && *r.CipherSuite == ""
			if !gone && (*r.TLSVersion != "TLSv1.3" || !strings.HasPrefix(*r.CipherSuite, "TLS_") ||
				*r.RemoteAddress != "127.0.0.1" || *r.RemotePort != theLab.Ports[c.scenario]) {
				t.Errorf("connection facts: %s", out)
			}
			if len(r.Chain) != 3 {
				t.Fatalf("chain of %d", len(r.Chain))
			}
			leaf, root := r.Chain[0], r.Chain[2]
			if !strings.Contains(*leaf.Subject, "CN=localhost") || !strings.Contains(*leaf.Issuer, "securesocket lab intermediate") ||
				*leaf.IsCA || strings.Join(leaf.DNSNames, ",") != "localhost" || strings.Join(leaf.IPAddresses, ",") != "127.0.0.1,::1" {
				t.Errorf("leaf %s", out)
			}
			if !*root.IsCA || *root.Subject != *root.Issuer {
				t.Errorf("root %s", out)
			}
		})
	}
}

// The pins the probe prints are what --pin takes: the leaf's pin connects,
// any other key's is refused.
func TestPin(t *testing.T) {
	_, out, _ := probe(t, lab.Trusted, "--json")
	r := parse(t, out)
	pin := *r.Chain[0].PinSHA256
	if code, out, _ := probe(t, lab.Trusted, "--pin", "sha256/"+pin); code != 0 || !strings.Contains(out, "pin-sha256: "+pin) {
		t.Errorf("right pin: exit %d\n%s", code, out)
	}
	code, out, _ := probe(t, lab.Trusted, "--json", "--pin", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	if r := parse(t, out); code != 1 || *r.Status != "untrustedSigners" || !strings.Contains(*r.Detail, "pin mismatch") {
		t.Errorf("wrong pin: exit %d %s", code, out)
	}
}

// --ca adds anchors: the self-signed server and the untrusted root connect.
func TestCA(t *testing.T) {
	for scenario, file := range map[string]string{
		lab.SelfSigned:    theLab.Files[lab.FileSelfSignedDER],
		lab.UntrustedRoot: theLab.Files[lab.FileUntrustedRootPEM],
	} {
		code, out, errOut := probe(t, scenario, "--ca", file)
		if code != 0 || !strings.Contains(out, "status:      trusted") {
			t.Errorf("%s with --ca: exit %d\n%s%s", scenario, code, out, errOut)
		}
	}
}

func TestRevocationModes(t *testing.T) {
	code, out, _ := probe(t, lab.RevokedCRL, "--json", "--revocation", "off")
	if r := parse(t, out); code != 0 || *r.Revocation.Mode != "off" || *r.Revocation.Status != "notChecked" {
		t.Errorf("off: exit %d %s", code, out)
	}
	code, out, _ = probe(t, lab.Trusted, "--json", "--revocation", "hardFail")
	if r := parse(t, out); code != 1 || *r.Status != "invalid" || *r.Revocation.Status != "unknown" {
		t.Errorf("hardFail: exit %d %s", code, out)
	}
}

// The text form has every fact, one per line.
func TestText(t *testing.T) {
	code, out, _ := probe(t, lab.Trusted)
	for _, want := range []string{"outcome:     connected\n", "status:      trusted\n", "tls:         TLSv1.3 TLS_",
		"revocation:  unknown (mode softFail): ", "certificate 0:\n  subject:    CN=localhost", "  names:      localhost, 127.0.0.1, ::1\n",
		"  valid:      ", "  pin-sha256: ", "certificate 2:\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	code, out, _ = probe(t, lab.Expired)
	if code != 1 || !strings.Contains(out, "outcome:     refused\nstatus:      expired\ndetail:      certificate expired at ") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"localhost"},
		{"localhost", "x"},
		{"--revocation", "sometimes", "localhost", "443"},
		{"--pin", "short", "localhost", "443"},
		{"--ca", "/nonexistent", "localhost", "443"},
		{"--bogus", "localhost", "443"},
		{"localhost", "70000"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != exitUsage || errOut.Len() == 0 || out.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out.String(), errOut.String())
		}
	}
}
