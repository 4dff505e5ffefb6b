package amf

import (
	"errors"
	"fmt"
)

// ErrIncomplete reports that the bytes end inside a value: more input may
// complete it. Decode's error matches it with errors.Is; its concrete type is
// *IncompleteError. A stream reader should consume nothing and retry later.
var ErrIncomplete = errors.New("amf: incomplete value")

// ErrLimit is wrapped by the *SyntaxError of a value that passes one of the
// Options limits (depth, nodes, length). Raising the limit may let it decode.
var ErrLimit = errors.New("amf: limit exceeded")

// ErrUnknownClass is wrapped by the *SyntaxError of an externalizable object
// whose class neither the Registry nor the built-in set knows. Its bytes are
// class-defined, so the rest of the value cannot be read.
var ErrUnknownClass = errors.New("amf: unknown externalizable class")

// IncompleteError is the error of a value cut short by the end of the input.
type IncompleteError struct {
	// Offset is where the decoder needed the missing bytes.
	Offset int
	// Need is the least total input length that could complete the value as
	// far as the decoder got; the whole value may need more.
	Need int
}

// Error describes where the input ended and how much is needed at least.
func (e *IncompleteError) Error() string {
	return fmt.Sprintf("amf: incomplete value: need at least %d bytes (stopped at offset %d)", e.Need, e.Offset)
}

// Is reports whether target is ErrIncomplete.
func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

// SyntaxError reports malformed input, or input over a limit, at a byte
// offset from the start of the decoded buffer.
type SyntaxError struct {
	Offset int
	Msg    string
	// Err is ErrLimit, ErrUnknownClass, an error returned by an application
	// Externalizable, or nil.
	Err error
}

// Error returns the message with the offset.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("amf: %s (offset %d)", e.Msg, e.Offset)
}

// Unwrap returns e.Err.
func (e *SyntaxError) Unwrap() error { return e.Err }

// EncodeError reports a value that cannot be encoded: an unsupported Go type,
// a name AMF cannot carry, or a graph over the limits.
type EncodeError struct {
	// Path locates the value, such as "[2].items[0].name"; "" is the root.
	Path string
	Msg  string
	// Err is ErrLimit, an error returned by an application Externalizable, or nil.
	Err error
}

// Error returns the message with the path of the value.
func (e *EncodeError) Error() string {
	if e.Path == "" {
		return "amf: encode: " + e.Msg
	}
	return "amf: encode " + e.Path + ": " + e.Msg
}

// Unwrap returns e.Err.
func (e *EncodeError) Unwrap() error { return e.Err }
