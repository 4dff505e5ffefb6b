package lab

// Expectation is what a securesocket client (any language) must see when it
// connects to a scenario with default settings (the lab CA in
// SSL_CERT_FILE, revocation as the default), published once here so that no
// suite writes the matrix again: the certificate status after the outcome
// ("trusted" means a connect event; anything else an ioError #2031) and a
// substring the ioError's detail must contain ("" for a connect).
type Expectation struct {
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// Connects reports whether the scenario must end in a connect event.
func (e Expectation) Connects() bool { return e.Status == "trusted" }

// expectations is the certificate matrix. The statuses are AS3
// CertificateStatus values; "unknown" where no certificate was judged (the
// server sent none or the connection failed first). The details are words
// the library's reason must contain, chosen to stay true when its wording
// around them changes. silent needs a short timeout on the socket: it only
// ends when the timeout does.
var expectations = map[string]Expectation{
	Trusted:             {"trusted", ""},
	Expired:             {"expired", "expired"},
	NotYetValid:         {"notYetValid", "not valid before"},
	WrongHost:           {"principalMismatch", "wrong.example"},
	SelfSigned:          {"untrustedSigners", "self-signed"},
	UntrustedRoot:       {"untrustedSigners", "unknown authority"},
	MissingIntermediate: {"untrustedSigners", "intermediate"},
	ExpiredIntermediate: {"invalidChain", "issuing certificate"},
	WrongKeyUsage:       {"invalid", "not for TLS servers"},
	TLS10:               {"unknown", "below the socket's minimum"},
	Silent:              {"unknown", "timed out"},
	Garbage:             {"unknown", "does not speak TLS"},
	Refused:             {"unknown", "refused"},
}

// expectCopy returns a copy of the table for one Lab.
func expectCopy() map[string]Expectation {
	m := make(map[string]Expectation, len(expectations))
	for k, v := range expectations {
		m[k] = v
	}
	return m
}
