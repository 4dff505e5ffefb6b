package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
)

// AS3 runtime error ids used by the socket. The texts are the runtime's own
// (https://airsdk.dev/reference/actionscript/3.0/runtimeErrors.html), so code
// ported from AS3 that compares
// messages keeps working.
const (
	ErrIDNullObject   = 1009 // TypeError: null object reference
	ErrIDInvalidSock  = 2002 // IOError: operation attempted on invalid socket
	ErrIDBadPort      = 2003 // SecurityError: invalid socket port number
	ErrIDBadParam     = 2004 // ArgumentError: one of the parameters is invalid
	ErrIDRange        = 2006 // RangeError: the supplied index is out of bounds
	ErrIDNull         = 2007 // TypeError: parameter must be non-null
	ErrIDBadEnum      = 2008 // ArgumentError: parameter must be one of the accepted values
	ErrIDEOF          = 2030 // EOFError: end of file was encountered
	ErrIDSocketError  = 2031 // IOErrorEvent: socket error
	ErrIDSecurity     = 2048 // SecurityErrorEvent: security sandbox violation
	ErrIDInvalidState = 2037 // IllegalOperationError: functions called in incorrect sequence
)

// Error is a failure with the AS3 error id and class name, the runtime's
// message and, where the runtime says nothing useful, a detail that says why.
type Error struct {
	ID     int    // AS3 error id, e.g. 2030
	Class  string // AS3 error class, e.g. "EOFError"
	Msg    string // AS3 message text without the "Error #id: " prefix
	Detail string // why, in words; may be empty
	Err    error  // the underlying cause, if any
}

// Error returns the AS3 form "Error #2030: End of file was encountered."
// followed by the detail in parentheses when there is one.
func (e *Error) Error() string {
	s := fmt.Sprintf("Error #%d: %s", e.ID, e.Msg)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same id, so callers can
// write errors.Is(err, core.ErrEOF).
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.ID == e.ID && t.Detail == "" && t.Err == nil
	}
	return false
}

// Sentinels for errors.Is. Returned errors are fresh values that may carry a
// detail; compare with errors.Is, never with ==.
var (
	ErrInvalidSocket = &Error{ID: ErrIDInvalidSock, Class: "IOError", Msg: "Operation attempted on invalid socket."}
	ErrEOF           = &Error{ID: ErrIDEOF, Class: "EOFError", Msg: "End of file was encountered."}
	ErrRange         = &Error{ID: ErrIDRange, Class: "RangeError", Msg: "The supplied index is out of bounds."}
	ErrBadPort       = &Error{ID: ErrIDBadPort, Class: "SecurityError", Msg: "Invalid socket port number specified."}
	ErrBadEnum       = &Error{ID: ErrIDBadEnum, Class: "ArgumentError", Msg: "Parameter %1 must be one of the accepted values."}
	ErrNull          = &Error{ID: ErrIDNull, Class: "TypeError", Msg: "Parameter %1 must be non-null."}
	ErrBadParam      = &Error{ID: ErrIDBadParam, Class: "ArgumentError", Msg: "One of the parameters is invalid."}
	ErrNullObject    = &Error{ID: ErrIDNullObject, Class: "TypeError", Msg: "Cannot access a property or method of a null object reference."}
)

// errorTable holds every AS3 error the library reports, by id: the returned
// errors above and the ids events carry (ioError 2031, securityError 2048).
var errorTable = map[int]*Error{
	ErrIDNullObject:  ErrNullObject,
	ErrIDInvalidSock: ErrInvalidSocket,
	ErrIDBadPort:     ErrBadPort,
	ErrIDBadParam:    ErrBadParam,
	ErrIDRange:       ErrRange,
	ErrIDNull:        ErrNull,
	ErrIDBadEnum:     ErrBadEnum,
	ErrIDEOF:         ErrEOF,
	ErrIDSocketError: {ID: ErrIDSocketError, Class: "IOError", Msg: "Socket Error."},
	ErrIDSecurity:    {ID: ErrIDSecurity, Class: "SecurityError", Msg: "Security sandbox violation: %1 cannot load data from %2."},
}

// ErrorText returns the AS3 runtime's text for error id, without detail:
// ErrorText(2030) is "Error #2030: End of file was encountered.". Parameter
// placeholders stay as the runtime's table has them ("%1"). An id the
// library never reports gives "Error #<id>", as the runtime prints an id
// it has no text for; ok is false then.
func ErrorText(id int) (text string, ok bool) {
	if e := errorTable[id]; e != nil {
		return e.Error(), true
	}
	return fmt.Sprintf("Error #%d", id), false
}

// ErrorClass returns the AS3 error class of id ("EOFError"), or "Error" for
// an id the library never reports.
func ErrorClass(id int) string {
	if e := errorTable[id]; e != nil {
		return e.Class
	}
	return "Error"
}

func newErr(proto *Error, detail string, cause error) *Error {
	e := *proto
	e.Detail = detail
	e.Err = cause
	return &e
}

// paramErr fills the runtime's %1 placeholder with the parameter name.
func paramErr(proto *Error, param string) *Error {
	e := *proto
	e.Msg = replace1(e.Msg, param)
	return &e
}

func replace1(msg, v string) string {
	for i := 0; i+1 < len(msg); i++ {
		if msg[i] == '%' && msg[i+1] == '1' {
			return msg[:i] + v + msg[i+2:]
		}
	}
	return msg
}

func errInvalidSocket() error { return newErr(ErrInvalidSocket, "", nil) }
func errEOF() error           { return newErr(ErrEOF, "", nil) }

// isTimeout reports whether a dial or handshake error is a deadline that
// passed. The connect's context is not always done yet when the dialer's
// own deadline (the same instant) fires first, so ctx.Err() alone would word
// the same timeout two ways.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// isAny says whether err is one of targets (errors.Is).
func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// refusedDetail words a refused TCP connection with the address and port
// that refused it, e.g. "connection refused by 127.0.0.1:5000".
func refusedDetail(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		return "connection refused by " + op.Addr.String()
	}
	return "connection refused"
}
