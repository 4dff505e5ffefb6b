package main

/*
#include "capi.h"
*/
import "C"

import (
	"github.com/securesocket/securesocket/core"
)

// Objects cross the ABI as core/amf's tagged JSON: core does the decoding,
// the JSON conversion and the rule that nothing is consumed on failure.

//export ssgo_read_object
func ssgo_read_object(h *C.ss_socket, out **C.char, outLen *C.size_t) C.int {
	return readString(h, out, outLen, func(s *core.Socket) (string, error) {
		js, err := s.ReadObjectJSON()
		return string(js), err
	})
}

//export ssgo_write_object
func ssgo_write_object(h *C.ss_socket, json *C.ssi_cchar, n C.size_t) C.int {
	return writeString(h, json, n, func(s *core.Socket, v string) error {
		return s.WriteObjectJSON([]byte(v))
	})
}
