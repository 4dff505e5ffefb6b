// Command capi is libsecuresocket: the C ABI of package core, built with
// go build -buildmode=c-shared (see capi/build.sh). include/securesocket.h is
// the contract; this package only marshals: handles, C strings and buffers,
// errors as return codes, and events handed to the C queue in queue.c. No
// socket behaviour lives here.
//
// Rules every export follows:
//   - it fails fast with SS_ERR_FORKED in a forked child (ssi_forked);
//   - it recovers panics into SS_ERR_PANIC (guard), so a Go bug never aborts
//     a Python or Node process;
//   - it resolves the handle (lookup) before anything else, then checks
//     pointer arguments, then calls core exactly once;
//   - it never lets C keep a Go pointer, and never keeps a C pointer past the
//     call (except the handle, which is C memory owned by go-pointer).
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -std=gnu99 -Wall -Wextra -Werror=implicit-function-declaration
#cgo windows LDFLAGS: -lws2_32
#include "capi.h"
*/
import "C"

// main is never called: the package is built as a shared library.
func main() {}
