package main

/*
#include "capi.h"
*/
import "C"

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/securesocket/securesocket/core"
)

// sink is a socket's core.Sink: it hands each event to the C queue
// (queue.c), which copies the strings, coalesces data events and wakes the
// host's fd. Post runs on the socket's goroutines, often under the socket's
// lock; ssi_push only takes the queue's own lock briefly and never calls
// back, so it cannot deadlock with anything. Events of a freed handle are
// dropped by ssi_push, which looks the handle up under that lock.
type sink struct {
	h unsafe.Pointer // the handle: C memory owned by go-pointer, never freed
}

// eventType maps the AS3 type string to the header's SS_EVENT_* number; 0
// for a type newer than this file (C then keeps its name).
func eventType(t core.EventType) C.int {
	switch t {
	case core.EventConnect:
		return C.SS_EVENT_CONNECT
	case core.EventClose:
		return C.SS_EVENT_CLOSE
	case core.EventSocketData:
		return C.SS_EVENT_SOCKET_DATA
	case core.EventIOError:
		return C.SS_EVENT_IO_ERROR
	case core.EventSecurityError:
		return C.SS_EVENT_SECURITY_ERROR
	case core.EventOutputProgress:
		return C.SS_EVENT_OUTPUT_PROGRESS
	}
	return 0
}

// Discard drops the socket's waiting events: core calls it when close() or
// a new connect() makes them stale, under the lock its posts take, so no
// event of the old connection can slip in after.
func (k *sink) Discard(*core.Socket) { C.ssi_purge(k.h) }

func (k *sink) Post(e core.Event) {
	name := string(e.Type)
	C.ssi_push(k.h, eventType(e.Type),
		cstr(name), C.size_t(len(name)),
		cstr(e.Text), C.size_t(len(e.Text)),
		cstr(e.Detail), C.size_t(len(e.Detail)),
		C.int32_t(e.ErrorID),
		C.uint64_t(e.BytesLoaded), C.uint64_t(e.BytesPending), C.uint64_t(e.BytesTotal))
}

// WatchInput puts the socket's TCP descriptor in the epoll set behind
// ss_event_fd (queue.c): the host's own wait then sees the connection's
// input, and ss_dispatch / ss_next_event pump it on the host's thread
// (core's hostread.go). False where there is no such set (not Linux, or
// the pipe build): the socket then reads with a goroutine.
func (k *sink) WatchInput(_ *core.Socket, fd uintptr) bool {
	return C.ssi_watch(k.h, C.int(fd)) != 0
}

// DetachGoPoller: the host watches a socket's descriptor until the socket
// is closed (a C host never stops), so a host-driven link may leave Go's
// network poller (core's gopoller_linux.go).
func (k *sink) DetachGoPoller() bool { return true }

// offered is the newest connect attempt offered to the host (core's
// offer.go), with its handle: a blocking wait of ss_dispatch may run it
// (queue.c, ssi_offer).
var offered atomic.Pointer[offer]

type offer struct {
	h unsafe.Pointer
	o *core.ConnectOffer
}

// OfferConnect makes o the attempt the host's next blocking wait may run.
func (k *sink) OfferConnect(o *core.ConnectOffer) {
	offered.Store(&offer{k.h, o})
	C.ssi_offer(k.h, C.int64_t(time.Until(o.Deadline).Milliseconds()))
}

// ssgo_run_offer runs h's offered attempt on the host's thread, called by
// queue.c's wait when it may (offer_take_locked); 1 if it ran it, 0 if the
// connector had taken it, or the newest offer is another socket's (two
// threads offering at once). Not part of the public ABI.
//
//export ssgo_run_offer
func ssgo_run_offer(h unsafe.Pointer) C.int {
	p := offered.Load()
	if p == nil || p.h != h || !offered.CompareAndSwap(p, nil) || !p.o.Run() {
		return 0
	}
	offersRun.Add(1)
	return 1
}

// offersRun counts the connects ss_dispatch ran (ss_debug_offers_run).
var offersRun atomic.Int64

// UnwatchInput takes the descriptor out of the set again.
func (k *sink) UnwatchInput(*core.Socket) { C.ssi_unwatch(k.h) }

// ssgo_pump is called by queue.c, on the host's thread, when the descriptor
// of h's connection is readable: it decrypts what waits and posts the
// events. Returns 0 when the socket no longer wants it watched, 2 when the
// pump decrypted a stream's batch (PumpBatch), else 1. Not
// part of the public ABI (exports.map exports ss_* only).
//
//export ssgo_pump
func ssgo_pump(h unsafe.Pointer) (rc C.int) {
	defer func() {
		if recover() != nil {
			rc = 0
		}
	}()
	s := lookup((*C.ss_socket)(h))
	if s == nil {
		return 0
	}
	switch keep, stream := s.PumpBatch(); {
	case !keep:
		return 0
	case stream:
		return 2
	}
	return 1
}
