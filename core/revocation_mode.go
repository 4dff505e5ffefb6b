package core

// Revocation modes (how hard a socket tries) and results (how a check came
// out), and which results refuse a connection in which mode.

import (
	"strconv"
)

// RevocationMode says how hard the socket tries to learn whether the
// server's certificates were revoked.
//
// The zero value is RevocationSoftFail, the default, so that a forgotten
// field or a zeroed struct never silently turns checking off.
//
// In every mode but RevocationOff, a server certificate with the OCSP
// must-staple extension (TLS Feature status_request, RFC 7633) is refused
// with status "invalid" unless the server staples a valid, fresh OCSP
// response about it: the certificate itself says it is not to be trusted
// otherwise. (A server certificate the application added as a trust anchor
// is exempt, as it is from revocation: nobody issued it.)
type RevocationMode int

const (
	// RevocationSoftFail checks the staple, then CRLs, then OCSP; when no
	// answer can be had the connection goes ahead and the result says
	// "unknown" (visible, never silent).
	RevocationSoftFail RevocationMode = iota
	// RevocationHardFail checks like soft-fail but refuses the connection
	// unless every certificate is known to be good.
	RevocationHardFail
	// RevocationStapleOnly judges the leaf by the server's stapled OCSP
	// response (and what the checker already has cached) and never makes a
	// network request of its own: no latency, and the CA does not learn which
	// server the application talks to. Unknown is accepted.
	RevocationStapleOnly
	// RevocationOff fetches and looks up nothing, must-staple included;
	// the result is "notChecked". Only a valid OCSP response the server
	// stapled saying its certificate is revoked still refuses (result
	// "revoked"): a revoked certificate is refused in every mode.
	RevocationOff
)

// String returns the mode's name as the bindings spell it.
func (m RevocationMode) String() string {
	switch m {
	case RevocationOff:
		return "off"
	case RevocationStapleOnly:
		return "stapleOnly"
	case RevocationSoftFail:
		return "softFail"
	case RevocationHardFail:
		return "hardFail"
	}
	return "RevocationMode(" + strconv.Itoa(int(m)) + ")"
}

// ParseRevocationMode is the inverse of String, for the C ABI and the
// bindings, which pass the mode by name. It reports false for any other
// string (the socket's setter turns that into ArgumentError #2008).
func ParseRevocationMode(s string) (RevocationMode, bool) {
	for _, m := range []RevocationMode{RevocationOff, RevocationStapleOnly, RevocationSoftFail, RevocationHardFail} {
		if m.String() == s {
			return m, true
		}
	}
	return RevocationSoftFail, false
}

func (m RevocationMode) valid() bool {
	return m >= RevocationSoftFail && m <= RevocationOff
}

// RevocationResult is how revocation checking came out for a connection.
type RevocationResult string

// The four revocation results.
const (
	// RevocationGood: every checked certificate is known not to be revoked.
	RevocationGood RevocationResult = "good"
	// RevocationRevoked: some certificate of the chain is revoked.
	RevocationRevoked RevocationResult = "revoked"
	// RevocationUnknown: for some certificate no valid, fresh answer could
	// be had (no URL, responder down or slow, stale or badly signed answer).
	RevocationUnknown RevocationResult = "unknown"
	// RevocationNotChecked: checking is off, or there was nothing to check
	// (the server's certificate is itself a trust anchor).
	RevocationNotChecked RevocationResult = "notChecked"
)

// Refuses reports whether a socket in mode must refuse the connection with
// this result: a revoked certificate always refuses; unknown refuses only in
// hard-fail (an invalid mode is treated as hard-fail, the safe reading);
// good and notChecked never do. A refused connection gets an ioError, and
// the certificate status "revoked" when the result is RevocationRevoked.
func (r RevocationResult) Refuses(mode RevocationMode) bool {
	switch r {
	case RevocationRevoked:
		return true
	case RevocationUnknown:
		return mode == RevocationHardFail || !mode.valid()
	case RevocationGood, RevocationNotChecked:
		return false
	}
	return true // not one of the four results: never connect on a verdict nobody made
}
