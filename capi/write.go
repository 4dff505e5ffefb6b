package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/securesocket/securesocket/core"
)

// writeNum is the shape of every numeric write.
func writeNum[T any](h *C.ss_socket, v T, write func(*core.Socket, T) error) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		return result(h, write(s, v))
	})
}

//export ssgo_write_boolean
func ssgo_write_boolean(h *C.ss_socket, v C.int) C.int {
	return writeNum(h, v != 0, (*core.Socket).WriteBoolean)
}

//export ssgo_write_byte
func ssgo_write_byte(h *C.ss_socket, v C.int32_t) C.int {
	return writeNum(h, int32(v), (*core.Socket).WriteInt8)
}

//export ssgo_write_short
func ssgo_write_short(h *C.ss_socket, v C.int32_t) C.int {
	return writeNum(h, int32(v), (*core.Socket).WriteShort)
}

//export ssgo_write_int
func ssgo_write_int(h *C.ss_socket, v C.int32_t) C.int {
	return writeNum(h, int32(v), (*core.Socket).WriteInt)
}

//export ssgo_write_unsigned_int
func ssgo_write_unsigned_int(h *C.ss_socket, v C.uint32_t) C.int {
	return writeNum(h, uint32(v), (*core.Socket).WriteUnsignedInt)
}

//export ssgo_write_float
func ssgo_write_float(h *C.ss_socket, v C.double) C.int {
	return writeNum(h, float64(v), (*core.Socket).WriteFloat)
}

//export ssgo_write_double
func ssgo_write_double(h *C.ss_socket, v C.double) C.int {
	return writeNum(h, float64(v), (*core.Socket).WriteDouble)
}

//export ssgo_write_bytes
func ssgo_write_bytes(h *C.ss_socket, bytes *C.ssi_cvoid, size C.size_t, offset, length C.uint32_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if bytes == nil && size != 0 {
			return nullArg(h, "bytes")
		}
		if size > maxIn {
			// A range of a larger buffer is fine: only the range is viewed.
			// Writing more than 2 GiB at once is not (length 0 means to the
			// end).
			if length == 0 || C.size_t(length) > maxIn {
				return rangeErr(h, "more than 2 GiB at once")
			}
			if C.size_t(offset)+C.size_t(length) > size {
				return rangeErr(h, "offset+length past the end of bytes")
			}
			p := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(bytes), uintptr(offset))), int(length))
			return result(h, s.WriteBytes(p, 0, uint32(length)))
		}
		// A view of the caller's memory for this call only: core copies the
		// selected range into the output buffer.
		var p []byte
		if bytes != nil {
			p = unsafe.Slice((*byte)(unsafe.Pointer(bytes)), int(size))
		}
		return result(h, s.WriteBytes(p, uint32(offset), uint32(length)))
	})
}

// writeString is the shape of the string writes. The string is a view of
// the caller's memory for this call only; core copies its bytes.
func writeString(h *C.ss_socket, p *C.ssi_cchar, n C.size_t, write func(*core.Socket, string) error) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		v, rc := inString(h, p, n, "utf8")
		if rc != codeOK {
			return rc
		}
		return result(h, write(s, v))
	})
}

//export ssgo_write_utf
func ssgo_write_utf(h *C.ss_socket, utf8 *C.ssi_cchar, n C.size_t) C.int {
	return writeString(h, utf8, n, (*core.Socket).WriteUTF)
}

//export ssgo_write_utf_bytes
func ssgo_write_utf_bytes(h *C.ss_socket, utf8 *C.ssi_cchar, n C.size_t) C.int {
	return writeString(h, utf8, n, (*core.Socket).WriteUTFBytes)
}

//export ssgo_write_multi_byte
func ssgo_write_multi_byte(h *C.ss_socket, utf8 *C.ssi_cchar, n C.size_t, charset *C.ssi_cchar, charsetLen C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if charset == nil {
			return nullArg(h, "charset")
		}
		v, rc := inString(h, utf8, n, "utf8")
		if rc != codeOK {
			return rc
		}
		cs, rc := inString(h, charset, charsetLen, "charset")
		if rc != codeOK {
			return rc
		}
		return result(h, s.WriteMultiByte(v, cs))
	})
}
