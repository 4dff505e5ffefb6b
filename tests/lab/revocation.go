package lab

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Revocation scenarios: TLS servers like Trusted (a valid chain, then echo)
// whose leaves are revoked or good by staple, CRL or OCSP, or whose
// responders misbehave.
const (
	RevokedStaple    = "revokedStaple"    // staples a "revoked" OCSP response; leaf names no URL
	GoodStaple       = "goodStaple"       // staples a "good" OCSP response; leaf names no URL
	RevokedCRL       = "revokedCRL"       // leaf listed in the intermediate's CRL; CRL DP only
	GoodCRL          = "goodCRL"          // leaf not listed; CRL DP only
	RevokedOCSP      = "revokedOCSP"      // responder says revoked; OCSP URL only
	GoodOCSP         = "goodOCSP"         // responder says good; OCSP URL only
	HangingResponder = "hangingResponder" // the leaf's only URL (OCSP) accepts and never answers
	StaleOCSP        = "staleOCSP"        // responder's answers expired a day ago (nextUpdate)
	BadSignatureOCSP = "badSignatureOCSP" // responder's answers carry a signature that does not verify
	EndlessResponder = "endlessResponder" // responder streams an endless body
	// Leaves with the TLS Feature extension asking for status_request
	// (OCSP must-staple, RFC 7633); both name an OCSP responder that says
	// good.
	MustStapleGood    = "mustStapleGood"    // staples a "good" OCSP response
	MustStapleMissing = "mustStapleMissing" // staples nothing
)

// mustStapleExt is the TLS Feature extension (RFC 7633) listing
// status_request (5): SEQUENCE { INTEGER 5 }.
var mustStapleExt = pkix.Extension{Id: []int{1, 3, 6, 1, 5, 5, 7, 1, 24}, Value: []byte{0x30, 0x03, 0x02, 0x01, 0x05}}

// The revocation servers, keys of Lab.Ports like the scenarios.
const (
	// RevocationHTTP is a plain HTTP/1.1 server on 127.0.0.1 serving the
	// CRLs and the OCSP responder (paths below).
	RevocationHTTP = "revocationHTTP"
	// HangingHTTP accepts connections and never answers.
	HangingHTTP = "hangingHTTP"
)

// Paths on RevocationHTTP. Each scenario's leaf points at a path of its
// own, "/<scenario>/intermediate.crl" or "/<scenario>/ocsp", so a test can
// count the fetches one scenario caused (Lab.ResponderRequests).
const (
	PathRootCRL         = "/root.crl"         // the root's CRL, listing nothing; the intermediate's CRL DP
	PathIntermediateCRL = "/intermediate.crl" // the intermediate's CRL, listing every revoked lab leaf
	PathOCSP            = "/ocsp"             // the intermediate's OCSP responder (POST, or GET /ocsp/<base64>)
)

// Bounds of the responders, which must never be the lab's weak point.
const (
	maxResponderRequest = 16 << 10
	responseLifetime    = time.Hour // nextUpdate - now of every CRL and OCSP answer
	backdate            = 5 * time.Minute
)

// responders serves the revocation HTTP endpoints and counts requests.
type responders struct {
	base    string // "http://127.0.0.1:<port>" of RevocationHTTP
	hangURL string // the same for HangingHTTP

	// state is nil until the lab's PKI exists: the servers must listen
	// before it (their URLs go into the certificates). Requests in between
	// get 503.
	state atomic.Pointer[revocationState]

	mu     sync.Mutex
	counts map[string]int
}

// revocationState is what the responders sign with.
type revocationState struct {
	p         *pki
	responder *authority    // delegated OCSP responder of the intermediate
	impostor  crypto.Signer // signs BadSignatureOCSP's answers
	crlNumber atomic.Int64
}

func (r *responders) url(path string) string { return r.base + path }

func (r *responders) count(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[key]++
}

// ResponderRequests returns how many requests the revocation servers
// answered (or, for HangingHTTP, accepted) under key: a path on
// RevocationHTTP without the GET-encoded OCSP request ("/goodOCSP/ocsp",
// "/root.crl"), or HangingHTTP for connections to the hanging server. Tests
// use it to see whether a revocation checker used its cache.
func (l *Lab) ResponderRequests(key string) int {
	l.rev.mu.Lock()
	defer l.rev.mu.Unlock()
	return l.rev.counts[key]
}

// ResponderURL returns the URL of path on RevocationHTTP.
func (l *Lab) ResponderURL(path string) string { return l.rev.url(path) }

// startResponders starts RevocationHTTP and HangingHTTP.
func (l *Lab) startResponders() error {
	r := &responders{counts: map[string]int{}}
	l.rev = r
	if err := l.serveTCP(RevocationHTTP, r.serve); err != nil {
		return err
	}
	if err := l.serveTCP(HangingHTTP, r.hang); err != nil {
		return err
	}
	r.base = "http://127.0.0.1:" + strconv.Itoa(l.Ports[RevocationHTTP])
	r.hangURL = "http://127.0.0.1:" + strconv.Itoa(l.Ports[HangingHTTP])
	return nil
}

// startRevocationScenarios issues the revocation leaves and starts their
// servers. Every revoked leaf is revoked everywhere (CRL, OCSP and staple
// agree), as at a real CA; what differs is the URLs the leaf names.
func (l *Lab) startRevocationScenarios() error {
	p := l.pki
	inter := p.intermediate
	nb, na := caValidity(p.now)
	responder, err := inter.issueOCSPResponder("securesocket lab OCSP responder", nb, na)
	if err != nil {
		return err
	}
	impostor, err := newKey()
	if err != nil {
		return err
	}
	st := &revocationState{p: p, responder: responder, impostor: impostor}
	l.rev.state.Store(st)

	r := l.rev
	own := func(name, kind string) []string { return []string{r.url("/" + name + "/" + kind)} }
	scenarios := []struct {
		name       string
		crl, ocsp  []string
		staple     bool
		revoked    bool
		mustStaple bool
	}{
		{RevokedStaple, nil, nil, true, true, false},
		{GoodStaple, nil, nil, true, false, false},
		{RevokedCRL, own(RevokedCRL, "intermediate.crl"), nil, false, true, false},
		{GoodCRL, own(GoodCRL, "intermediate.crl"), nil, false, false, false},
		{RevokedOCSP, nil, own(RevokedOCSP, "ocsp"), false, true, false},
		{GoodOCSP, nil, own(GoodOCSP, "ocsp"), false, false, false},
		{HangingResponder, nil, []string{r.hangURL + "/" + HangingResponder + "/ocsp"}, false, false, false},
		{StaleOCSP, nil, own(StaleOCSP, "ocsp"), false, false, false},
		{BadSignatureOCSP, nil, own(BadSignatureOCSP, "ocsp"), false, false, false},
		{EndlessResponder, nil, own(EndlessResponder, "ocsp"), false, false, false},
		{MustStapleGood, nil, own(MustStapleGood, "ocsp"), true, false, true},
		{MustStapleMissing, nil, own(MustStapleMissing, "ocsp"), false, false, true},
	}
	for _, s := range scenarios {
		leaf, err := p.leaf(inter, func(spec *leafSpec) {
			spec.crlURLs, spec.ocspURLs = s.crl, s.ocsp
			if s.mustStaple {
				spec.extra = []pkix.Extension{mustStapleExt}
			}
		})
		if err != nil {
			return err
		}
		if s.revoked {
			p.revoke(leaf)
		}
		cfg := serverTLSConfig(serverCert(leaf, inter))
		if s.staple {
			base := cfg.Certificates[0]
			// A fresh staple per handshake, so a lab that runs for days
			// never staples a stale answer.
			cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				c := base
				var err error
				if c.OCSPStaple, err = st.staple(leaf.cert); err != nil {
					return nil, err
				}
				return &c, nil
			}
		}
		if err := l.serveTLS(s.name, cfg, echo); err != nil {
			return err
		}
	}
	return nil
}

// hang accepts a connection and never answers: a revocation fetch to it can
// only end by the client's own timeout.
func (r *responders) hang(c net.Conn) {
	r.count(HangingHTTP)
	discard(c)
}

// serve is a minimal HTTP/1.1 server (keep-alive, one request at a time)
// over a lab connection, so it ends when Close closes the connection like
// every other lab handler.
func (r *responders) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, maxResponderRequest))
		if err != nil {
			return
		}
		if !r.answer(c, req, body) || req.Close {
			return
		}
	}
}

// answer writes the response to one request. It reports whether the
// connection may carry another request.
func (r *responders) answer(c net.Conn, req *http.Request, body []byte) bool {
	st := r.state.Load()
	if st == nil {
		return reply(c, http.StatusServiceUnavailable, "text/plain", []byte("starting\n"))
	}
	path, encoded := req.URL.Path, ""
	if i := strings.Index(path, PathOCSP+"/"); i >= 0 {
		path, encoded = path[:i+len(PathOCSP)], path[i+len(PathOCSP)+1:]
	}
	r.count(path)
	scenario, kind := "", strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(kind, '/'); i >= 0 {
		scenario, kind = kind[:i], kind[i+1:]
	}
	switch {
	case path == PathRootCRL:
		return reply(c, http.StatusOK, "application/pkix-crl", st.crl(st.p.root, nil))
	case "/"+kind == PathIntermediateCRL:
		return reply(c, http.StatusOK, "application/pkix-crl", st.crl(st.p.intermediate, st.p.revokedEntries()))
	case "/"+kind == PathOCSP:
		var der []byte
		switch {
		case req.Method == http.MethodPost && encoded == "":
			der = body
		case req.Method == http.MethodGet && encoded != "":
			var err error
			if der, err = base64.StdEncoding.DecodeString(encoded); err != nil {
				return reply(c, http.StatusOK, "application/ocsp-response", ocsp.MalformedRequestErrorResponse)
			}
		default:
			return reply(c, http.StatusMethodNotAllowed, "text/plain", []byte("POST a request, or GET /ocsp/<base64>\n"))
		}
		if scenario == EndlessResponder {
			endless(c)
			return false
		}
		return reply(c, http.StatusOK, "application/ocsp-response", st.ocspAnswer(der, scenario))
	}
	return reply(c, http.StatusNotFound, "text/plain", []byte("not found\n"))
}

func reply(c net.Conn, status int, contentType string, body []byte) bool {
	resp := &http.Response{
		StatusCode:    status,
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {contentType}},
		ContentLength: int64(len(body)),
		Body:          io.NopCloser(bytes.NewReader(body)),
	}
	w := bufio.NewWriter(c)
	return resp.Write(w) == nil && w.Flush() == nil
}

// endless answers 200 with a body that never ends (no length, no chunks),
// until the client goes away or the lab closes.
func endless(c net.Conn) {
	if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nConnection: close\r\n\r\n"); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte{0x30}, 32<<10)
	for {
		if _, err := c.Write(chunk); err != nil {
			return
		}
	}
}

// crl is a fresh CRL of issuer listing entries.
func (st *revocationState) crl(issuer *authority, entries []x509.RevocationListEntry) []byte {
	now := time.Now()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(st.crlNumber.Add(1)),
		ThisUpdate:                now.Add(-backdate),
		NextUpdate:                now.Add(responseLifetime),
		RevokedCertificateEntries: entries,
	}, issuer.cert, issuer.key)
	if err != nil {
		panic(fmt.Sprintf("lab: CRL: %v", err)) // a bug in the lab, not a condition
	}
	return der
}

// ocspAnswer answers an OCSP request about a certificate of the lab
// intermediate, signed by its delegated responder; scenario picks the
// misbehaviour of StaleOCSP and BadSignatureOCSP.
func (st *revocationState) ocspAnswer(reqDER []byte, scenario string) []byte {
	req, err := ocsp.ParseRequest(reqDER)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse
	}
	inter := st.p.intermediate.cert
	if !names(req, inter) {
		// Not a certificate of this CA: RFC 5019's answer.
		return ocsp.UnauthorizedErrorResponse
	}
	now := time.Now()
	tmpl := ocsp.Response{
		SerialNumber: req.SerialNumber,
		IssuerHash:   req.HashAlgorithm,
		ThisUpdate:   now.Add(-backdate),
		NextUpdate:   now.Add(responseLifetime),
		Certificate:  st.responder.cert,
	}
	issued, at, revoked := st.p.status(req.SerialNumber)
	switch {
	case revoked:
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, revokedReason
	case issued:
		tmpl.Status = ocsp.Good
	default:
		tmpl.Status = ocsp.Unknown
	}
	signer := st.responder.key
	switch scenario {
	case StaleOCSP:
		tmpl.ThisUpdate, tmpl.NextUpdate = now.Add(-2*day), now.Add(-day)
	case BadSignatureOCSP:
		// Claims the delegated responder, signed by another key.
		signer = st.impostor
	}
	der, err := ocsp.CreateResponse(inter, st.responder.cert, tmpl, signer)
	if err != nil {
		return ocsp.InternalErrorErrorResponse
	}
	return der
}

// staple is a fresh OCSP response about leaf signed by the intermediate
// itself (not the delegate), so clients meet both kinds of signer.
func (st *revocationState) staple(leaf *x509.Certificate) ([]byte, error) {
	now := time.Now()
	tmpl := ocsp.Response{
		Status:       ocsp.Good,
		SerialNumber: leaf.SerialNumber,
		ThisUpdate:   now.Add(-backdate),
		NextUpdate:   now.Add(responseLifetime),
	}
	if _, at, revoked := st.p.status(leaf.SerialNumber); revoked {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, revokedReason
	}
	inter := st.p.intermediate
	return ocsp.CreateResponse(inter.cert, inter.cert, tmpl, inter.key)
}

// names reports whether an OCSP request's CertID names issuer.
func names(req *ocsp.Request, issuer *x509.Certificate) bool {
	if !req.HashAlgorithm.Available() {
		return false
	}
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h := req.HashAlgorithm.New()
	h.Write(issuer.RawSubject)
	nameHash := h.Sum(nil)
	h.Reset()
	h.Write(spki.PublicKey.RightAlign())
	return bytes.Equal(nameHash, req.IssuerNameHash) && bytes.Equal(h.Sum(nil), req.IssuerKeyHash)
}
