package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/securesocket/securesocket/core"
)

// readNum is the shape of every numeric read: handle, out pointer, one core
// call, store. Generic so each export stays one line of logic; the type
// parameter is instantiated per numeric kind, so there is no boxing.
func readNum[G any, T any](h *C.ss_socket, out *T, read func(*core.Socket) (G, error), conv func(G) T) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if out == nil {
			return nullArg(h, "out")
		}
		v, err := read(s)
		if err != nil {
			return fail(h, err)
		}
		store(out, conv(v))
		return codeOK
	})
}

//export ssgo_read_boolean
func ssgo_read_boolean(h *C.ss_socket, out *C.int) C.int {
	return readNum(h, out, (*core.Socket).ReadBoolean, cbool)
}

//export ssgo_read_byte
func ssgo_read_byte(h *C.ss_socket, out *C.int8_t) C.int {
	return readNum(h, out, (*core.Socket).ReadInt8, func(v int8) C.int8_t { return C.int8_t(v) })
}

//export ssgo_read_unsigned_byte
func ssgo_read_unsigned_byte(h *C.ss_socket, out *C.uint8_t) C.int {
	return readNum(h, out, (*core.Socket).ReadUnsignedByte, func(v uint8) C.uint8_t { return C.uint8_t(v) })
}

//export ssgo_read_short
func ssgo_read_short(h *C.ss_socket, out *C.int16_t) C.int {
	return readNum(h, out, (*core.Socket).ReadShort, func(v int16) C.int16_t { return C.int16_t(v) })
}

//export ssgo_read_unsigned_short
func ssgo_read_unsigned_short(h *C.ss_socket, out *C.uint16_t) C.int {
	return readNum(h, out, (*core.Socket).ReadUnsignedShort, func(v uint16) C.uint16_t { return C.uint16_t(v) })
}

//export ssgo_read_int
func ssgo_read_int(h *C.ss_socket, out *C.int32_t) C.int {
	return readNum(h, out, (*core.Socket).ReadInt, func(v int32) C.int32_t { return C.int32_t(v) })
}

//export ssgo_read_unsigned_int
func ssgo_read_unsigned_int(h *C.ss_socket, out *C.uint32_t) C.int {
	return readNum(h, out, (*core.Socket).ReadUnsignedInt, func(v uint32) C.uint32_t { return C.uint32_t(v) })
}

//export ssgo_read_float
func ssgo_read_float(h *C.ss_socket, out *C.double) C.int {
	return readNum(h, out, (*core.Socket).ReadFloat, func(v float64) C.double { return C.double(v) })
}

//export ssgo_read_double
func ssgo_read_double(h *C.ss_socket, out *C.double) C.int {
	return readNum(h, out, (*core.Socket).ReadDouble, func(v float64) C.double { return C.double(v) })
}

//export ssgo_read_bytes
func ssgo_read_bytes(h *C.ss_socket, buf unsafe.Pointer, capacity, length C.size_t, outN *C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if buf == nil && capacity != 0 {
			return nullArg(h, "buf")
		}
		if outN == nil {
			return nullArg(h, "out_n")
		}
		if length > maxIn {
			// One read moves at most 2 GiB (AS3 lengths are uint32 anyway).
			return rangeErr(h, "length over 2 GiB")
		}
		// core copies straight into the caller's buffer, no Go copy in between,
		// and checks length against it (RangeError) after the socket's state.
		var dst []byte
		if buf != nil {
			dst = unsafe.Slice((*byte)(buf), int(min(capacity, maxIn)))
		}
		n, err := s.ReadBytesInto(dst, int(length))
		if err != nil {
			return fail(h, err)
		}
		if valgrindBuild && n > 0 {
			C.ssi_go_wrote(buf, C.size_t(n))
		}
		store(outN, C.size_t(n))
		return codeOK
	})
}

//export ssgo_read_bytes_alloc
func ssgo_read_bytes_alloc(h *C.ss_socket, length C.size_t, out *unsafe.Pointer, outLen *C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if out == nil {
			return nullArg(h, "out")
		}
		if outLen == nil {
			return nullArg(h, "out_len")
		}
		if length > maxIn {
			return rangeErr(h, "length over 2 GiB")
		}
		// core checks the state (#2002) and the input (#2030) before it copies:
		// nothing is allocated for a read that cannot succeed.
		b, err := s.ReadBytes(int(length))
		if err != nil {
			return fail(h, err)
		}
		p := C.ssi_dup(cstr(unsafe.String(unsafe.SliceData(b), len(b))), C.size_t(len(b)))
		if p == nil {
			return noMem(h)
		}
		store(out, unsafe.Pointer(p))
		store(outLen, C.size_t(len(b)))
		return codeOK
	})
}

// readString is the shape of the string reads.
func readString(h *C.ss_socket, out **C.char, outLen *C.size_t, read func(*core.Socket) (string, error)) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if out == nil {
			return nullArg(h, "out")
		}
		if outLen == nil {
			return nullArg(h, "out_len")
		}
		v, err := read(s)
		if err != nil {
			return fail(h, err)
		}
		return outString(h, v, out, outLen)
	})
}

//export ssgo_read_utf
func ssgo_read_utf(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, (*core.Socket).ReadUTF)
}

//export ssgo_read_utf_bytes
func ssgo_read_utf_bytes(h *C.ss_socket, length C.uint32_t, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) {
		return s.ReadUTFBytes(uint32(length))
	})
}

//export ssgo_read_multi_byte
func ssgo_read_multi_byte(h *C.ss_socket, length C.uint32_t, charset *C.ssi_cchar, charsetLen C.size_t, out **C.char, outLen *C.size_t) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if charset == nil {
			return nullArg(h, "charset")
		}
		if out == nil {
			return nullArg(h, "out")
		}
		if outLen == nil {
			return nullArg(h, "out_len")
		}
		cs, rc := inString(h, charset, charsetLen, "charset")
		if rc != codeOK {
			return rc
		}
		v, err := s.ReadMultiByte(uint32(length), cs)
		if err != nil {
			return fail(h, err)
		}
		return outString(h, v, out, outLen)
	})
}
