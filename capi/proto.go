package main

/*
#include "capi.h"
*/
import "C"

import (
	"strings"

	"github.com/securesocket/securesocket/core"
)

// The protocol options and connection facts (core/options.go): ALPN, server
// name, cipher suite, TCP_NODELAY, the native handle.

//export ssgo_set_alpn_protocols
func ssgo_set_alpn_protocols(h *C.ss_socket, list *C.ssi_cchar, n C.size_t) (rc C.int) {
	defer guard(h, &rc)
	s, rc := enter(h)
	if s == nil {
		return rc
	}
	v, rc := inString(h, list, n, "protocols")
	if rc != codeOK {
		return rc
	}
	var protocols []string
	if v != "" {
		// Comma-separated, as libtls's tls_config_set_alpn; core copies.
		protocols = strings.Split(v, ",")
	}
	return result(h, s.SetALPNProtocols(protocols))
}

//export ssgo_get_alpn_protocols
func ssgo_get_alpn_protocols(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) {
		return strings.Join(s.ALPNProtocols(), ","), nil
	})
}

//export ssgo_get_negotiated_protocol
func ssgo_get_negotiated_protocol(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) { return s.NegotiatedProtocol(), nil })
}

//export ssgo_set_server_name
func ssgo_set_server_name(h *C.ss_socket, name *C.ssi_cchar, n C.size_t) (rc C.int) {
	defer guard(h, &rc)
	s, rc := enter(h)
	if s == nil {
		return rc
	}
	v, rc := inStringCopy(h, name, n, "name")
	if rc != codeOK {
		return rc
	}
	return result(h, s.SetServerName(v))
}

//export ssgo_get_server_name
func ssgo_get_server_name(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) { return s.ServerName(), nil })
}

//export ssgo_get_cipher_suite
func ssgo_get_cipher_suite(h *C.ss_socket, out **C.ssi_cchar) C.int {
	return getStatic(h, out, func(s *core.Socket) string { return s.CipherSuite() })
}

//export ssgo_get_tcp_no_delay
func ssgo_get_tcp_no_delay(h *C.ss_socket, out *C.int) C.int {
	return getNum(h, out, func(s *core.Socket) C.int { return cbool(s.TCPNoDelay()) })
}

//export ssgo_set_tcp_no_delay
func ssgo_set_tcp_no_delay(h *C.ss_socket, on C.int) (rc C.int) {
	defer guard(h, &rc)
	s, rc := enter(h)
	if s == nil {
		return rc
	}
	return result(h, s.SetTCPNoDelay(on != 0))
}

//export ssgo_get_native_handle
func ssgo_get_native_handle(h *C.ss_socket, out *C.int64_t) C.int {
	return getNum(h, out, func(s *core.Socket) C.int64_t { return C.int64_t(s.NativeHandle()) })
}

//export ssgo_set_proxy
func ssgo_set_proxy(h *C.ss_socket, u *C.ssi_cchar, n C.size_t) (rc C.int) {
	defer guard(h, &rc)
	s, rc := enter(h)
	if s == nil {
		return rc
	}
	v, rc := inStringCopy(h, u, n, "url")
	if rc != codeOK {
		return rc
	}
	return result(h, s.SetProxy(v))
}

//export ssgo_get_proxy
func ssgo_get_proxy(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) { return s.Proxy(), nil })
}

//export ssgo_socket_new_plain
func ssgo_socket_new_plain() (h *C.ss_socket) {
	defer func() {
		if recover() != nil {
			h = nil
		}
	}()
	if forked() || !core.IsSupported() {
		return nil
	}
	return newHandleWith(core.NewPlain)
}

//export ssgo_start_tls
func ssgo_start_tls(h *C.ss_socket, host *C.ssi_cchar, n C.size_t) (rc C.int) {
	defer guard(h, &rc)
	s, rc := enter(h)
	if s == nil {
		return rc
	}
	if host == nil {
		return nullObject(h, "host is NULL") // as ss_connect
	}
	v, rc := inStringCopy(h, host, n, "host")
	if rc != codeOK {
		return rc
	}
	syncCertEnv()
	return result(h, s.StartTLS(v))
}

//export ssgo_get_secure
func ssgo_get_secure(h *C.ss_socket, out *C.int) C.int {
	return getNum(h, out, func(s *core.Socket) C.int { return cbool(s.Secure()) })
}

//export ssgo_get_plain
func ssgo_get_plain(h *C.ss_socket, out *C.int) C.int {
	return getNum(h, out, func(s *core.Socket) C.int { return cbool(s.IsPlain()) })
}
