package main

/*
#include "capi.h"
*/
import "C"

import (
	"math"

	"github.com/securesocket/securesocket/core"
)

// getNum is the shape of every numeric getter: handle, out pointer, one
// core call that cannot fail, store.
func getNum[T any](h *C.ss_socket, out *T, get func(*core.Socket) T) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if out == nil {
			return nullArg(h, "out")
		}
		store(out, get(s))
		return codeOK
	})
}

// getStatic is the shape of the getters whose value is one of a fixed set
// of strings (returned as interned static C strings).
func getStatic(h *C.ss_socket, out **C.ssi_cchar, get func(*core.Socket) string) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if out == nil {
			return nullArg(h, "out")
		}
		return staticString(h, get(s), out)
	})
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

//export ssgo_get_connected
func ssgo_get_connected(h *C.ss_socket, out *C.int) C.int {
	return getNum(h, out, func(s *core.Socket) C.int { return cbool(s.Connected()) })
}

//export ssgo_get_bytes_available
func ssgo_get_bytes_available(h *C.ss_socket, out *C.uint64_t) C.int {
	return getNum(h, out, func(s *core.Socket) C.uint64_t { return C.uint64_t(s.BytesAvailable()) })
}

//export ssgo_get_bytes_pending
func ssgo_get_bytes_pending(h *C.ss_socket, out *C.uint64_t) C.int {
	return readNum(h, out, (*core.Socket).BytesPendingChecked, func(v int) C.uint64_t { return C.uint64_t(v) })
}

//export ssgo_get_endian
func ssgo_get_endian(h *C.ss_socket, out **C.ssi_cchar) C.int {
	return getStatic(h, out, func(s *core.Socket) string { return s.Endian() })
}

//export ssgo_set_endian
func ssgo_set_endian(h *C.ss_socket, endian *C.ssi_cchar, n C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if endian == nil {
			return nullArg(h, "endian")
		}
		v, rc := inString(h, endian, n, "endian")
		if rc != codeOK {
			return rc
		}
		return result(h, s.SetEndian(v))
	})
}

//export ssgo_get_object_encoding
func ssgo_get_object_encoding(h *C.ss_socket, out *C.uint32_t) C.int {
	return getNum(h, out, func(s *core.Socket) C.uint32_t { return C.uint32_t(s.ObjectEncoding()) })
}

//export ssgo_set_object_encoding
func ssgo_set_object_encoding(h *C.ss_socket, v C.uint32_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		return result(h, s.SetObjectEncoding(uint(v)))
	})
}

//export ssgo_get_timeout
func ssgo_get_timeout(h *C.ss_socket, out *C.uint32_t) C.int {
	return getNum(h, out, func(s *core.Socket) C.uint32_t { return C.uint32_t(s.Timeout()) })
}

//export ssgo_set_timeout
func ssgo_set_timeout(h *C.ss_socket, ms C.uint32_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		s.SetTimeout(uint32(ms))
		return codeOK
	})
}

// getAddress is the shape of the address getters: AS3 has null where there
// is no connection, so "" from core becomes *out = NULL, *out_len = 0.
func getAddress(h *C.ss_socket, out **C.char, outLen *C.size_t, get func(*core.Socket) string) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if out == nil {
			return nullArg(h, "out")
		}
		if outLen == nil {
			return nullArg(h, "out_len")
		}
		v := get(s)
		if v == "" {
			store(out, nil)
			store(outLen, 0)
			return codeOK
		}
		return outString(h, v, out, outLen)
	})
}

//export ssgo_get_local_address
func ssgo_get_local_address(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return getAddress(h, out, outLen, (*core.Socket).LocalAddress)
}

//export ssgo_get_remote_address
func ssgo_get_remote_address(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return getAddress(h, out, outLen, (*core.Socket).RemoteAddress)
}

//export ssgo_get_local_port
func ssgo_get_local_port(h *C.ss_socket, out *C.int) C.int {
	return getNum(h, out, func(s *core.Socket) C.int { return C.int(s.LocalPort()) })
}

//export ssgo_get_remote_port
func ssgo_get_remote_port(h *C.ss_socket, out *C.int) C.int {
	return getNum(h, out, func(s *core.Socket) C.int { return C.int(s.RemotePort()) })
}

//export ssgo_get_server_certificate_status
func ssgo_get_server_certificate_status(h *C.ss_socket, out **C.ssi_cchar) C.int {
	return getStatic(h, out, func(s *core.Socket) string { return string(s.ServerCertificateStatus()) })
}

//export ssgo_get_failure_detail
func ssgo_get_failure_detail(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) { return s.FailureDetail(), nil })
}

//export ssgo_get_input_limit
func ssgo_get_input_limit(h *C.ss_socket, out *C.uint64_t) C.int {
	return getNum(h, out, func(s *core.Socket) C.uint64_t { return C.uint64_t(s.InputLimit()) })
}

//export ssgo_set_input_limit
func ssgo_set_input_limit(h *C.ss_socket, n C.uint64_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		// Beyond MaxInt means "no practical limit"; core takes an int.
		s.SetInputLimit(int(min(uint64(n), math.MaxInt)))
		return codeOK
	})
}

//export ssgo_get_min_tls_version
func ssgo_get_min_tls_version(h *C.ss_socket, out *C.int) C.int {
	return getNum(h, out, func(s *core.Socket) C.int { return C.int(s.MinTLSVersion()) })
}

//export ssgo_set_min_tls_version
func ssgo_set_min_tls_version(h *C.ss_socket, v C.int) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if v < 0 || v > math.MaxUint16 {
			// Out of uint16 range: let core reject a value it can see.
			v = 0
		}
		return result(h, s.SetMinTLSVersion(uint16(v)))
	})
}

//export ssgo_get_tls_version
func ssgo_get_tls_version(h *C.ss_socket, out **C.ssi_cchar) C.int {
	return getStatic(h, out, func(s *core.Socket) string { return s.TLSVersion() })
}

//export ssgo_describe_connection
func ssgo_describe_connection(h *C.ss_socket, format C.int, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) { return s.DescribeAs(int(format)) })
}
