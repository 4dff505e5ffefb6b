package main

import (
	"os"
	"runtime"
)

// One more Go processor (P) than Go would choose, unless GOMAXPROCS is set.
//
// A thread of the host that calls into the library keeps a P when the call
// returns to C: Go marks it as in a system call, so that the next call
// resumes at once. While the host's thread waits in C (poll, epoll, its own
// event loop) and every other P is busy (a handshake, a pump), Go's sysmon
// takes that P back after 20 µs, keeps waking every 20 µs, and the host's
// next call has to find a P again. With one P to spare, that retake does
// not happen. (sysmon still retakes a P whose scheduling tick has not moved
// for 10 ms, which calls from C never move: docs/ffi-notes.md.)
// Measured on 2 CPUs (perf stat of bench/c reconnects): 10-20% less client
// CPU and a third fewer context switches per reconnect; less CPU per Python
// round trip in 4 of 4 pairs. Go programs that import the core keep their
// own runtime settings; this is the shared library's.
func init() {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
}
