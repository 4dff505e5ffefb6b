//go:build ssdebug

package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/securesocket/securesocket/core"
)

// Test and benchmark hooks, only in the ssdebug build (capi/build.sh
// --debug): the production library does not export them. They let the C
// tests and benchmarks drive paths the network cannot drive on demand.

// ss_debug_post posts count events of the given SS_EVENT_* type through the
// socket's real sink, as core's goroutines would: to test coalescing and to
// measure dispatch throughput without network noise.
//
//export ss_debug_post
func ss_debug_post(h *C.ss_socket, typ C.int, count C.uint32_t) C.int {
	return withSocket(h, func(*core.Socket) C.int {
		k := &sink{h: unsafe.Pointer(h)}
		types := map[C.int]core.EventType{
			C.SS_EVENT_CONNECT: core.EventConnect, C.SS_EVENT_CLOSE: core.EventClose,
			C.SS_EVENT_SOCKET_DATA: core.EventSocketData, C.SS_EVENT_IO_ERROR: core.EventIOError,
			C.SS_EVENT_SECURITY_ERROR: core.EventSecurityError, C.SS_EVENT_OUTPUT_PROGRESS: core.EventOutputProgress,
		}
		t, ok := types[typ]
		if !ok {
			t = "futureEvent"
		}
		e := core.Event{Type: t, BytesLoaded: 1, BytesPending: 2, BytesTotal: 3}
		if t == core.EventIOError {
			e.ErrorID, e.Text, e.Detail = core.ErrIDSocketError, "Error #2031: Socket Error. URL: debug", "posted by ss_debug_post"
		}
		for i := C.uint32_t(0); i < count; i++ {
			k.Post(e)
		}
		return codeOK
	})
}

// ss_debug_offers_run returns how many connects ss_dispatch has run on its
// own thread (core's offer.go, queue.c's offer_take_locked).
//
//export ss_debug_offers_run
func ss_debug_offers_run() C.int64_t { return C.int64_t(offersRun.Load()) }

// ss_debug_panic dereferences nil inside an export, to show that a runtime
// panic becomes SS_ERR_PANIC rather than killing the host.
//
//export ss_debug_panic
func ss_debug_panic(h *C.ss_socket) C.int {
	return withSocket(h, func(*core.Socket) C.int {
		var p *core.Socket
		_ = p.Connected()
		return codeOK
	})
}
