package main

/*
#include <stdlib.h>
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

func syncCertEnv() {
	if runtime.GOOS == "windows" {
		return
	}
	certEnvMu.Lock()
	defer certEnvMu.Unlock()
	for _, name := range [...]string{"SSL_CERT_FILE", "SSL_CERT_DIR"} {
		cname := C.CString(name)
		v := C.getenv(cname)
		C.free(unsafe.Pointer(cname))
		if v == nil {
			if _, ok := os.LookupEnv(name); ok {
				os.Unsetenv(name)
			}
			continue
		}
		if val := C.GoString(v); os.Getenv(name) != val {
			os.Setenv(name, val)
		}
	}
}
