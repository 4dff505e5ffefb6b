package main

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"os"
	"runtime"
	"sync"
	"unsafe"
)

// A Go c-shared library takes its environment from the block the process
// started with (golang/go#44108): a host that sets SSL_CERT_FILE after
// starting (Python's os.environ, Node's process.env, setenv) would be
// ignored, and Go reads the trust store once, at the first verification.
// So before each connect, the trust-store variables are copied from the C
// environment into Go's. After the store is loaded, changes have no effect,
// as the header says.
//
// Not on Windows: there Go reads the live process environment
// (GetEnvironmentVariableW), which setenv-like calls of every host update
// (msvcrt's _putenv, the UCRT's used by Python, libuv's used by Node), while
// msvcrt's getenv, the C environment this DLL sees, is a copy that a host
// built with another C runtime does not update: copying from it would
// remove a variable the host set.
var certEnvMu sync.Mutex

// certEnv are the variables copied: their C names (made once, never freed)
// and what was last copied, so that a connect whose C environment did not
// change costs two getenv calls and no allocation (under certEnvMu).
var certEnv = [...]struct {
	name  string
	cname *C.char
	known bool   // the Go environment holds what the C one had last time
	set   bool   // the C variable was set
	val   string // and its value
}{
	{name: "SSL_CERT_FILE", cname: C.CString("SSL_CERT_FILE")},
	{name: "SSL_CERT_DIR", cname: C.CString("SSL_CERT_DIR")},
}

func syncCertEnv() {
	if runtime.GOOS == "windows" {
		return
	}
	certEnvMu.Lock()
	defer certEnvMu.Unlock()
	for i := range certEnv {
		e := &certEnv[i]
		v := C.getenv(e.cname)
		if v == nil {
			if e.known && !e.set {
				continue
			}
			if _, ok := os.LookupEnv(e.name); ok {
				os.Unsetenv(e.name)
			}
			e.known, e.set, e.val = true, false, ""
			continue
		}
		// Compared in place: the C string is not kept.
		if e.known && e.set && unsafe.String((*byte)(unsafe.Pointer(v)), int(C.strlen(v))) == e.val {
			continue
		}
		val := C.GoString(v)
		if os.Getenv(e.name) != val {
			os.Setenv(e.name, val)
		}
		e.known, e.set, e.val = true, true, val
	}
}
