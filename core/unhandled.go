package core

import (
	"log"
	"sync/atomic"
)

// UnhandledErrorHandler receives the ioError and securityError events that
// Queue.Dispatch delivers to a socket with no listener for their type, so
// that a failure nobody listens for is never silent (AIR's debugger reports
// an unhandled IOErrorEvent; Node throws an unhandled 'error').
type UnhandledErrorHandler func(Event)

var unhandled atomic.Pointer[UnhandledErrorHandler]

func init() {
	h := UnhandledErrorHandler(LogUnhandledError)
	unhandled.Store(&h)
}

// LogUnhandledError is the default UnhandledErrorHandler: one line on the
// standard logger (stderr unless log.SetOutput changed it), e.g.
// "securesocket: unhandled ioError: Error #2031: Socket Error. URL: localhost
// (connection refused)".
func LogUnhandledError(e Event) {
	log.Printf("securesocket: unhandled %s: %s (%s)", e.Type, e.Text, e.Detail)
}

// SetUnhandledErrorHandler replaces the handler of unhandled error events
// and returns the previous one. nil switches the report off. Events taken
// with Queue.Wait or TryNext are the caller's and never reported; only
// Dispatch, which delivers to listeners, reports. Safe for concurrent use.
func SetUnhandledErrorHandler(h UnhandledErrorHandler) UnhandledErrorHandler {
	var p *UnhandledErrorHandler
	if h != nil {
		p = &h
	}
	if old := unhandled.Swap(p); old != nil {
		return *old
	}
	return nil
}

// reportUnhandled hands e to the handler if it is an error event that had no
// listener.
func reportUnhandled(e Event) {
	if e.Type != EventIOError && e.Type != EventSecurityError {
		return
	}
	if h := unhandled.Load(); h != nil {
		(*h)(e)
	}
}
