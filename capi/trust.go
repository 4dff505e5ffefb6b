package main

/*
#include "capi.h"
*/
import "C"

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"time"
	"unsafe"

	"github.com/securesocket/securesocket/core"
)

// inBytes views the caller's (p, n) as a Go slice for this call only, or nil
// for a NULL p, so that core's own checks (TypeError #2007 for a missing
// certificate, key or pin) decide, with core's parameter names.
func inBytes(h *C.ss_socket, p *C.ssi_cvoid, n C.size_t, param string) ([]byte, C.int) {
	if p == nil {
		return nil, codeOK
	}
	if n > maxIn {
		return nil, rangeErr(h, param+" longer than 2 GiB")
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)), codeOK
}

//export ssgo_add_binary_chain_building_certificate
func ssgo_add_binary_chain_building_certificate(h *C.ss_socket, der *C.ssi_cvoid, n C.size_t, trusted C.int) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		b, rc := inBytes(h, der, n, "der")
		if rc != codeOK {
			return rc
		}
		return result(h, s.AddBinaryChainBuildingCertificate(b, trusted != 0))
	})
}

//export ssgo_add_public_key_pin
func ssgo_add_public_key_pin(h *C.ss_socket, sha256 *C.ssi_cvoid, n C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		b, rc := inBytes(h, sha256, n, "sha256")
		if rc != codeOK {
			return rc
		}
		return result(h, s.AddPublicKeyPin(b))
	})
}

//export ssgo_clear_public_key_pins
func ssgo_clear_public_key_pins(h *C.ss_socket) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		s.ClearPublicKeyPins()
		return codeOK
	})
}

// ssgo_public_key_pin has no socket, so a failure has nowhere to keep its
// message: the code says it all (bad DER is the only way to fail).
//
//export ssgo_public_key_pin
func ssgo_public_key_pin(der *C.ssi_cvoid, n C.size_t, out *C.uint8_t) (rc C.int) {
	defer guard(nil, &rc)
	if forked() {
		return codeForked
	}
	if der == nil || out == nil {
		return -core.ErrIDNull
	}
	if n > maxIn {
		return -core.ErrIDRange
	}
	c, err := x509.ParseCertificate(unsafe.Slice((*byte)(unsafe.Pointer(der)), int(n)))
	if err != nil {
		return -core.ErrIDBadParam
	}
	pin := core.PublicKeyPin(c)
	dst := unsafe.Slice((*byte)(unsafe.Pointer(out)), len(pin))
	copy(dst, pin)
	if valgrindBuild {
		C.ssi_go_wrote(unsafe.Pointer(out), C.size_t(len(pin)))
	}
	return codeOK
}

//export ssgo_set_client_certificate
func ssgo_set_client_certificate(h *C.ss_socket, cert *C.ssi_cvoid, certLen C.size_t, key *C.ssi_cvoid, keyLen C.size_t, password *C.ssi_cchar, passwordLen C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		c, rc := inBytes(h, cert, certLen, "cert")
		if rc != codeOK {
			return rc
		}
		k, rc := inBytes(h, key, keyLen, "key")
		if rc != codeOK {
			return rc
		}
		pw, rc := inString(h, password, passwordLen, "password")
		if rc != codeOK {
			return rc
		}
		// core parses everything into its own structures; nothing of the
		// caller's memory is kept.
		return result(h, s.SetClientCertificate(c, k, pw))
	})
}

//export ssgo_clear_client_certificate
func ssgo_clear_client_certificate(h *C.ss_socket) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		s.ClearClientCertificate()
		return codeOK
	})
}

//export ssgo_set_revocation_mode
func ssgo_set_revocation_mode(h *C.ss_socket, mode *C.ssi_cchar, n C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if mode == nil {
			return nullArg(h, "mode")
		}
		name, rc := inString(h, mode, n, "mode")
		if rc != codeOK {
			return rc
		}
		m, ok := core.ParseRevocationMode(name)
		if !ok {
			// An invalid value: core's setter gives the AS3 error for it.
			m = -1
		}
		return result(h, s.SetRevocationMode(m))
	})
}

//export ssgo_get_revocation_mode
func ssgo_get_revocation_mode(h *C.ss_socket, out **C.ssi_cchar) C.int {
	return getStatic(h, out, func(s *core.Socket) string { return s.RevocationMode().String() })
}

//export ssgo_get_revocation_status
func ssgo_get_revocation_status(h *C.ss_socket, out **C.ssi_cchar) C.int {
	return getStatic(h, out, func(s *core.Socket) string { return string(s.RevocationStatus()) })
}

//export ssgo_get_revocation_detail
func ssgo_get_revocation_detail(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) { return s.RevocationDetail(), nil })
}

// x500JSON and certJSON are AIR's X500DistinguishedName and X509Certificate
// with AIR's property names, the form the bindings turn into their own
// objects: bytes in base64, dates in RFC 3339 UTC.
type x500JSON struct {
	CommonName             string `json:"commonName"`
	CountryName            string `json:"countryName"`
	LocalityName           string `json:"localityName"`
	OrganizationName       string `json:"organizationName"`
	OrganizationalUnitName string `json:"organizationalUnitName"`
	StateOrProvinceName    string `json:"stateOrProvinceName"`
	DN                     string `json:"dn"`
}

type certJSON struct {
	Version                      uint     `json:"version"`
	SerialNumber                 string   `json:"serialNumber"`
	SignatureAlgorithmOID        string   `json:"signatureAlgorithmOID"`
	SignatureAlgorithmParams     *string  `json:"signatureAlgorithmParams"`
	Issuer                       x500JSON `json:"issuer"`
	IssuerUniqueID               string   `json:"issuerUniqueID"`
	Subject                      x500JSON `json:"subject"`
	SubjectUniqueID              string   `json:"subjectUniqueID"`
	SubjectPublicKey             string   `json:"subjectPublicKey"`
	SubjectPublicKeyAlgorithmOID string   `json:"subjectPublicKeyAlgorithmOID"`
	ValidNotBefore               string   `json:"validNotBefore"`
	ValidNotAfter                string   `json:"validNotAfter"`
	Encoded                      string   `json:"encoded"`
}

func toX500JSON(n core.X500DistinguishedName) x500JSON {
	return x500JSON{n.CommonName, n.CountryName, n.LocalityName, n.OrganizationName,
		n.OrganizationalUnitName, n.StateOrProvinceName, n.String()}
}

func toCertJSON(c *core.X509Certificate) certJSON {
	j := certJSON{
		Version:                      c.Version,
		SerialNumber:                 c.SerialNumber,
		SignatureAlgorithmOID:        c.SignatureAlgorithmOID,
		Issuer:                       toX500JSON(c.Issuer),
		IssuerUniqueID:               c.IssuerUniqueID,
		Subject:                      toX500JSON(c.Subject),
		SubjectUniqueID:              c.SubjectUniqueID,
		SubjectPublicKey:             c.SubjectPublicKey,
		SubjectPublicKeyAlgorithmOID: c.SubjectPublicKeyAlgorithmOID,
		ValidNotBefore:               c.ValidNotBefore.UTC().Format(time.RFC3339),
		ValidNotAfter:                c.ValidNotAfter.UTC().Format(time.RFC3339),
		Encoded:                      base64.StdEncoding.EncodeToString(c.Encoded),
	}
	if c.SignatureAlgorithmParams != nil {
		p := base64.StdEncoding.EncodeToString(c.SignatureAlgorithmParams)
		j.SignatureAlgorithmParams = &p
	}
	return j
}

//export ssgo_get_server_certificate_chain
func ssgo_get_server_certificate_chain(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if out == nil {
			return nullArg(h, "out")
		}
		if outLen == nil {
			return nullArg(h, "out_len")
		}
		chain := s.ServerCertificateChain()
		js := make([]certJSON, len(chain))
		for i, c := range chain {
			js[i] = toCertJSON(c)
		}
		b, err := json.Marshal(js)
		if err != nil {
			return fail(h, err)
		}
		return outString(h, string(b), out, outLen)
	})
}

//export ssgo_get_server_certificate_der
func ssgo_get_server_certificate_der(h *C.ss_socket, index C.size_t, out *unsafe.Pointer, outLen *C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if out == nil {
			return nullArg(h, "out")
		}
		if outLen == nil {
			return nullArg(h, "out_len")
		}
		chain := s.ServerCertificateChain()
		if index >= C.size_t(len(chain)) {
			return rangeErr(h, "no certificate at that index of the server's chain")
		}
		der := chain[index].Encoded
		p := C.ssi_dup(cstr(unsafe.String(unsafe.SliceData(der), len(der))), C.size_t(len(der)))
		if p == nil {
			return noMem(h)
		}
		store(out, unsafe.Pointer(p))
		store(outLen, C.size_t(len(der)))
		return codeOK
	})
}
