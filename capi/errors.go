package main

/*
#include "capi.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/securesocket/securesocket/core"
)

// Return codes that are not -(AS3 id), taken from the header itself
// (include/securesocket.h is their one source).
const (
	codeOK       = C.int(C.SS_OK)
	codeHandle   = C.int(C.SS_ERR_HANDLE)
	codePanic    = C.int(C.SS_ERR_PANIC)
	codeNoMem    = C.int(C.SS_ERR_NOMEM)
	codeForked   = C.int(C.SS_ERR_FORKED)
	codeInternal = C.int(C.SS_ERR_INTERNAL)
)

// ownTexts are the texts of the return codes without an AS3 id, for
// ss_error_text.
var ownTexts = map[C.int]string{
	codeOK:       "securesocket: no error",
	codeHandle:   "securesocket: invalid handle (NULL, freed, or not from ss_socket_new)",
	codePanic:    "securesocket: internal error (a bug: please report it with ss_error_message's text)",
	codeNoMem:    "securesocket: out of memory",
	codeForked:   "securesocket: the library cannot be used in a child created by fork()",
	codeInternal: "securesocket: a failure without an AS3 error id (ss_error_message says which)",
}

//export ssgo_error_text
func ssgo_error_text(code C.int) (text *C.ssi_cchar) {
	defer func() {
		if recover() != nil {
			text = (*C.ssi_cchar)(unsafe.Pointer(&C.ssi_text_nomem))
		}
	}()
	var msg string
	if t, ok := ownTexts[code]; ok {
		msg = t
	} else {
		id := int(code)
		if id < 0 {
			id = -id
		}
		var known bool
		if msg, known = core.ErrorText(id); !known {
			// A fixed text: interning "Error #<id>" for every id a caller
			// tries would grow without bound.
			msg = "securesocket: not a code of this library"
		}
	}
	p := C.ssi_intern(cstr(msg), C.size_t(len(msg)))
	if p == nil {
		// Out of memory for a new interned string: a static C literal.
		return (*C.ssi_cchar)(unsafe.Pointer(&C.ssi_text_nomem))
	}
	return p
}

// forked reports whether this process is a child created by fork(). Reading
// a C variable is a plain load, not a cgo call.
func forked() bool { return C.ssi_forked != 0 }

// guard is deferred by every export that returns a code: it turns a panic
// into SS_ERR_PANIC with the panic value recorded on the handle.
func guard(h *C.ss_socket, rc *C.int) {
	if r := recover(); r != nil {
		*rc = codePanic
		setError(h, 0, fmt.Sprintf("securesocket: internal error, please report: panic: %v", r))
	}
}

// setError records a failure on the handle (the C side copies it).
func setError(h *C.ss_socket, id int, msg string) {
	C.ssi_set_error(unsafe.Pointer(h), C.int(id), cstr(msg), C.size_t(len(msg)))
}

// fail records err on the handle and returns its code: -(AS3 id) for a core
// error, SS_ERR_INTERNAL for anything else.
func fail(h *C.ss_socket, err error) C.int {
	var ce *core.Error
	if errors.As(err, &ce) && ce.ID > 0 {
		setError(h, ce.ID, ce.Error())
		return C.int(-ce.ID)
	}
	setError(h, 0, "securesocket: "+err.Error())
	return codeInternal
}

// nullArg is AS3's TypeError #2007 for a NULL pointer argument.
func nullArg(h *C.ss_socket, param string) C.int {
	e := *core.ErrNull
	e.Msg = strings.Replace(e.Msg, "%1", param, 1)
	return fail(h, &e)
}

func rangeErr(h *C.ss_socket, detail string) C.int {
	e := *core.ErrRange
	e.Detail = detail
	return fail(h, &e)
}

// nullObject is AS3's TypeError #1009, what AIR throws for connect(null, port).
func nullObject(h *C.ss_socket, detail string) C.int {
	e := *core.ErrNullObject
	e.Detail = detail
	return fail(h, &e)
}

func noMem(h *C.ss_socket) C.int {
	setError(h, 0, "securesocket: out of memory")
	return codeNoMem
}

// cstr passes a Go string's bytes to C for the duration of one call; C
// copies what it keeps.
func cstr(s string) *C.char {
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s)))
}

// maxIn bounds the length of any string or buffer passed in: lengths are
// uint32 in AS3, and a length near SIZE_MAX is a caller bug, not data.
const maxIn = math.MaxInt32

const nts = ^C.size_t(0) // SS_NTS

// inString views the caller's (p, n) as a Go string without copying; valid
// only during the call, for core calls that copy what they keep. ok is false
// with the code already recorded.
func inString(h *C.ss_socket, p *C.ssi_cchar, n C.size_t, param string) (s string, rc C.int) {
	if p == nil {
		if n == 0 {
			return "", codeOK
		}
		return "", nullArg(h, param)
	}
	if n == nts {
		n = C.size_t(C.strlen(p))
	}
	if n > maxIn {
		return "", rangeErr(h, param+" longer than 2 GiB")
	}
	return unsafe.String((*byte)(unsafe.Pointer(p)), int(n)), codeOK
}

// inStringCopy is inString for values core may keep (host names, settings).
func inStringCopy(h *C.ss_socket, p *C.ssi_cchar, n C.size_t, param string) (string, C.int) {
	s, rc := inString(h, p, n, param)
	return strings.Clone(s), rc
}

// outString hands s to the caller as a NUL-terminated C copy it frees with
// ss_free.
func outString(h *C.ss_socket, s string, out **C.char, outLen *C.size_t) C.int {
	p := C.ssi_dup(cstr(s), C.size_t(len(s)))
	if p == nil {
		return noMem(h)
	}
	store(out, p)
	store(outLen, C.size_t(len(s)))
	return codeOK
}

// staticString hands out a string that lives as long as the process; for
// getters whose values come from a small fixed set.
func staticString(h *C.ss_socket, s string, out **C.ssi_cchar) C.int {
	p := C.ssi_intern(cstr(s), C.size_t(len(s)))
	if p == nil {
		return noMem(h)
	}
	store(out, p)
	return codeOK
}

// valgrindBuild is true in the library built for the valgrind pass
// (capi/build.sh --valgrind); a constant, so store costs nothing elsewhere.
const valgrindBuild = C.SSI_VALGRIND != 0

// store writes v through a caller's out-pointer. In the valgrind build it
// also tells memcheck the value is defined: it comes from Go memory, whose
// state memcheck cannot track (capi.h, SSI_GO_MEMORY).
func store[T any](p *T, v T) {
	*p = v
	if valgrindBuild {
		C.ssi_go_wrote(unsafe.Pointer(p), C.size_t(unsafe.Sizeof(v)))
	}
}
