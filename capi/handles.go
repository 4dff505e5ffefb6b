package main

/*
#include "capi.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"unsafe"

	pointer "github.com/mattn/go-pointer"

	"github.com/securesocket/securesocket/core"
)

// entry is what a handle resolves to through go-pointer. The handle value is
// the 1-byte C allocation go-pointer makes in Save; C code sees only that.
//
// go-pointer's Unref frees that byte, and malloc soon hands the same address
// out again: a stale handle would then reach a newer socket (measured
// 1000/1000, docs/ffi-notes.md "Handles"). So a freed handle is never Unref'd; its
// entry is turned into a tombstone instead (sock set to nil), which keeps the
// address allocated and the stale handle resolvable to "dead" forever. The
// cost is the 1-byte allocation (a 32-byte malloc chunk), the map slot and
// this 8-byte entry, plus its 8-byte slot in tombstone.c's array (which
// keeps it reachable for leak checkers): about 120 bytes of resident memory
// per freed socket before that slot (measured over 200,000 ss_socket_new +
// ss_socket_free). The socket itself is garbage collected.
// go-pointer has no call to replace a saved value, hence the indirection
// through entry rather than re-pointing the map slot at a shared tombstone.
type entry struct {
	sock atomic.Pointer[core.Socket]
}

// newHandle creates a socket and its handle, registered on both sides.
func newHandle() *C.ss_socket { return newHandleWith(core.New) }

// newHandleWith is newHandle for a socket made by make (core.New or
// core.NewPlain).
func newHandleWith(make func(core.Sink) *core.Socket) *C.ss_socket {
	e := &entry{}
	h := pointer.Save(e)
	if C.ssi_register(h) != 0 {
		// Never handed out, so returning the address to malloc is safe.
		pointer.Unref(h)
		return nil
	}
	e.sock.Store(make(&sink{h: h}))
	return (*C.ss_socket)(h)
}

// lookup resolves a handle to its live socket, or nil for NULL, freed and
// foreign handles. It is on every call's path: a read-locked map lookup.
func lookup(h *C.ss_socket) *core.Socket {
	e, _ := pointer.Restore(unsafe.Pointer(h)).(*entry)
	if e == nil {
		return nil
	}
	return e.sock.Load()
}

// freeHandle tombstones the handle and returns the socket it held, or nil if
// it was not live. Of concurrent frees exactly one gets the socket.
func freeHandle(h *C.ss_socket) *core.Socket {
	e, _ := pointer.Restore(unsafe.Pointer(h)).(*entry)
	if e == nil {
		return nil
	}
	s := e.sock.Swap(nil)
	if s != nil {
		// From here no event of s is queued or delivered, and its callback
		// and last error are gone.
		C.ssi_unregister(unsafe.Pointer(h))
		tombstoneMu.Lock()
		C.ssi_tombstone(unsafe.Pointer(h))
		tombstoneMu.Unlock()
	}
	return s
}

// tombstoneMu serialises ssi_tombstone, which keeps each freed handle
// reachable from C (tombstone.c) so that leak checkers do not report it.
var tombstoneMu sync.Mutex
