package core

import (
	"crypto/tls"
	"strconv"
)

// Connected reports whether the socket is connected: false until the
// handshake and certificate checks pass, false again after close() or the
// peer's close.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st == stateOpen
}

// BytesAvailable is the number of unread input bytes. It is 0 on a socket
// that is not open (AIR throws #2002 there; 0 is what a caller polling it
// wants), and after a peer close it counts the input still unread.
func (s *Socket) BytesAvailable() int {
	s.mu.Lock()
	if l := s.link; l != nil && l.watching {
		// Host-driven (hostread.go): what the kernel holds is read now,
		// so that a host that only looks at bytesAvailable sees input
		// arrive, as with a reader goroutine.
		s.mu.Unlock()
		s.pumpLink(l)
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	return len(s.in) - s.inR
}

// BytesPending is the number of written bytes not yet handed to the
// network: unflushed output plus flushed output the writer has not taken
// yet (it takes at most 64 KiB at a time, just before writing it). Once a
// reply to some bytes has arrived, those bytes no longer count.
func (s *Socket) BytesPending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.unflushedLocked()
	if s.link != nil {
		n += s.link.queued + s.link.inBacklog
	}
	return n
}

// BytesPendingChecked is BytesPending with AIR's check: IOError #2002 on
// a socket that was never connected (connect was never called), where AIR
// throws. After the first connect it is BytesPending. The C ABI and the
// bindings report bytesPending through it.
func (s *Socket) BytesPendingChecked() (int, error) {
	s.mu.Lock()
	never := s.gen == 0
	s.mu.Unlock()
	if never {
		return 0, newErr(ErrInvalidSocket, "never connected", nil)
	}
	return s.BytesPending(), nil
}

// Endian returns "bigEndian" (the default) or "littleEndian".
func (s *Socket) Endian() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bigEnd {
		return BigEndian
	}
	return LittleEndian
}

// SetEndian sets the byte order of multi-byte reads and writes, including
// the length prefix of ReadUTF/WriteUTF. Any value other than "bigEndian"
// or "littleEndian" is ArgumentError #2008.
func (s *Socket) SetEndian(v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch v {
	case BigEndian:
		s.bigEnd = true
	case LittleEndian:
		s.bigEnd = false
	default:
		return paramErr(ErrBadEnum, "endian")
	}
	return nil
}

// ObjectEncoding returns the AMF version used by ReadObject/WriteObject: 3
// (the default) or 0.
func (s *Socket) ObjectEncoding() uint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.objEnc
}

// SetObjectEncoding sets the AMF version, 0 or 3; anything else is
// ArgumentError #2008.
func (s *Socket) SetObjectEncoding(v uint) error {
	if v != 0 && v != 3 {
		return paramErr(ErrBadEnum, "objectEncoding")
	}
	s.mu.Lock()
	s.objEnc = v
	s.mu.Unlock()
	return nil
}

// Timeout returns the connect timeout in milliseconds.
func (s *Socket) Timeout() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timeout
}

// SetTimeout sets the connect timeout in milliseconds; values under 250 are
// raised to 250, as in AS3. It covers DNS, TCP, the TLS handshake and the
// certificate checks, and applies to the next Connect.
func (s *Socket) SetTimeout(ms uint32) {
	s.mu.Lock()
	s.timeout = max(ms, MinTimeout)
	s.mu.Unlock()
}

// InputLimit returns the unread-input limit in bytes.
func (s *Socket) InputLimit() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inLimit
}

// SetInputLimit sets how many unread bytes may wait in the input buffer
// before the socket stops reading from the network (TCP then pushes back on
// the server; nothing is dropped). Values under 1024 are raised to 1024.
func (s *Socket) SetInputLimit(n int) {
	s.mu.Lock()
	s.inLimit = max(n, MinInputLimit)
	s.inLimitNow.Store(int64(s.inLimit))
	s.space.Broadcast()
	if len(s.in)-s.inR < s.inLimit {
		s.resumeLocked()
	}
	s.mu.Unlock()
}

// MinTLSVersion returns the lowest TLS version the next Connect accepts, as
// the TLS protocol number (0x0303 = TLS 1.2, the default).
func (s *Socket) MinTLSVersion() uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.minVer
}

// SetMinTLSVersion lowers or raises the minimum TLS version: 0x0301 (TLS
// 1.0) to 0x0304 (TLS 1.3). SSL 3.0 and anything else is ArgumentError #2008.
func (s *Socket) SetMinTLSVersion(v uint16) error {
	if v < tls.VersionTLS10 || v > tls.VersionTLS13 {
		return paramErr(ErrBadEnum, "minTLSVersion")
	}
	s.mu.Lock()
	s.minVer = v
	s.mu.Unlock()
	return nil
}

// ServerCertificateStatus returns the AS3 certificate status: "unknown"
// before a certificate was judged, "trusted" after every connect event, else
// why the last connect failed. Close does not reset it; Connect does.
func (s *Socket) ServerCertificateStatus() CertificateStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// FailureDetail says why the last connect or connection failed, in words:
// the Detail of the socket's last ioError, a refused connect or a
// connection that broke later (such as a TLS 1.3 server refusing the client
// certificate after connect). After a close event it says whether the
// server ended without a TLS close_notify, so the input may have been cut
// short (a clean close leaves it empty). Empty after a successful connect
// until then.
func (s *Socket) FailureDetail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.detail
}

// LocalAddress returns the local IP address of the connection, or "" when
// not connected (AS3 null; the C ABI gives NULL, the bindings None/null).
func (s *Socket) LocalAddress() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return addrIP(s.local)
}

// LocalPort returns the local port, or 0 when not connected.
func (s *Socket) LocalPort() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return addrPort(s.local)
}

// RemoteAddress returns the server's IP address, or "" when not connected
// (AS3 null, as for LocalAddress).
func (s *Socket) RemoteAddress() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return addrIP(s.remote)
}

// RemotePort returns the server's port, or 0 when not connected.
func (s *Socket) RemotePort() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return addrPort(s.remote)
}

// TLSVersion returns the negotiated TLS version as text ("TLSv1.3") while
// connected, else "".
func (s *Socket) TLSVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link == nil || s.link.tc == nil || s.st != stateOpen {
		return ""
	}
	switch v := s.link.tc.ConnectionState().Version; v {
	case tls.VersionTLS10:
		return "TLSv1.0"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	default:
		return "0x" + strconv.FormatUint(uint64(v), 16)
	}
}
