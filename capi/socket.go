package main

/*
#include "capi.h"
*/
import "C"

import "github.com/securesocket/securesocket/core"

// enter is the common start of every export on a socket: the fork guard and
// the handle.
func enter(h *C.ss_socket) (*core.Socket, C.int) {
	if forked() {
		return nil, codeForked
	}
	if s := lookup(h); s != nil {
		return s, codeOK
	}
	return nil, codeHandle
}

// withSocket is the common start of every export on a socket: a panic
// becomes SS_ERR_PANIC with its message on the handle (guard), then the fork
// guard and the handle (enter); fn runs only with the live socket, and its
// result is the export's.
func withSocket(h *C.ss_socket, fn func(s *core.Socket) C.int) (rc C.int) {
	defer guard(h, &rc)
	s, rc := enter(h)
	if s == nil {
		return rc
	}
	return fn(s)
}

// result turns a core error into the export's return code.
func result(h *C.ss_socket, err error) C.int {
	if err != nil {
		return fail(h, err)
	}
	return codeOK
}

//export ssgo_is_supported
func ssgo_is_supported() (ok C.int) {
	defer func() {
		if recover() != nil {
			ok = 0
		}
	}()
	if !forked() && core.IsSupported() {
		return 1
	}
	return 0
}

//export ssgo_socket_new
func ssgo_socket_new() (h *C.ss_socket) {
	defer func() {
		if recover() != nil {
			h = nil
		}
	}()
	if forked() || !core.IsSupported() {
		return nil
	}
	return newHandle()
}

//export ssgo_socket_free
func ssgo_socket_free(h *C.ss_socket) (rc C.int) {
	defer guard(h, &rc)
	if forked() {
		return codeForked
	}
	if h == nil {
		return codeOK
	}
	s := freeHandle(h)
	if s == nil {
		return codeHandle
	}
	// Not open is fine here: freeing an idle socket is normal.
	_ = s.Close()
	return codeOK
}

//export ssgo_connect
func ssgo_connect(h *C.ss_socket, host *C.ssi_cchar, n C.size_t, port C.int) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		if host == nil {
			// AIR: connect(null, port) is TypeError #1009, whatever len says.
			return nullObject(h, "host is NULL")
		}
		name, rc := inStringCopy(h, host, n, "host")
		if rc != codeOK {
			return rc
		}
		syncCertEnv()
		return result(h, s.Connect(name, int(port)))
	})
}

//export ssgo_close
func ssgo_close(h *C.ss_socket) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		return result(h, s.Close())
	})
}

//export ssgo_flush
func ssgo_flush(h *C.ss_socket) C.int {
	return withSocket(h, func(s *core.Socket) (rc C.int) {
		return result(h, s.Flush())
	})
}
