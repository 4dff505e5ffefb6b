package core

import (
	"errors"

	"github.com/securesocket/securesocket/core/amf"
)

// AMFOptions returns the options ReadObject and WriteObject use (nil means
// core/amf's defaults).
func (s *Socket) AMFOptions() *amf.Options {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.amfOpts
}

// SetAMFOptions sets the AMF limits (depth, node budget, lengths) and the
// class alias registry for ReadObject and WriteObject. The options are read,
// never modified; do not change them after passing them in.
func (s *Socket) SetAMFOptions(o *amf.Options) {
	s.mu.Lock()
	s.amfOpts = o
	s.mu.Unlock()
}

// ReadObject decodes one AMF value, in the socket's ObjectEncoding, from the
// unread input. If the value has not fully arrived it is EOFError #2030 and
// nothing is consumed, so a socketData listener can simply try again on the
// next event. Malformed input, or a value over the AMF limits, is RangeError
// #2006 with the byte offset in the detail, and nothing is consumed either.
func (s *Socket) ReadObject() (amf.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, n, err := s.decodeObjectLocked()
	if err != nil {
		return nil, err
	}
	s.consumedLocked(n)
	return v, nil
}

// decodeObjectLocked decodes the next value without consuming it.
func (s *Socket) decodeObjectLocked() (amf.Value, int, error) {
	if err := s.readableLocked(); err != nil {
		return nil, 0, err
	}
	unread := s.in[s.inR:]
	// A value that arrives in many pieces would be decoded again on every
	// piece; the decoder's lower bound on the bytes it needs skips the
	// attempts that cannot succeed yet.
	if len(unread) < s.objNeed {
		return nil, 0, s.incompleteObjectLocked()
	}
	v, n, err := amf.Decode(unread, int(s.objEnc), s.amfOpts)
	if err != nil {
		var inc *amf.IncompleteError
		if errors.As(err, &inc) {
			s.objNeed = inc.Need
			return nil, 0, s.incompleteObjectLocked()
		}
		return nil, 0, newErr(ErrRange, err.Error(), err)
	}
	return v, n, nil
}

// incompleteObjectLocked is EOF, unless the value can never arrive because
// the unread input is already at the limit and the reader has paused.
func (s *Socket) incompleteObjectLocked() error {
	if len(s.in)-s.inR >= s.inLimit {
		return newErr(ErrRange, "the object is larger than the input limit; raise the input limit", nil)
	}
	return errEOF()
}

// WriteObject encodes v in AMF, in the socket's ObjectEncoding, into the
// output buffer. A value AMF cannot carry is ArgumentError #2004 and nothing
// is written.
func (s *Socket) WriteObject(v amf.Value) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	out, err := amf.AppendEncode(s.out, v, int(s.objEnc), s.amfOpts)
	if err != nil {
		return newErr(ErrBadParam, err.Error(), err)
	}
	s.out = out
	return nil
}

// ReadObjectJSON is ReadObject for hosts that take values as JSON (the C ABI
// and the bindings): the value comes in core/amf's tagged JSON form
// (core/amf/JSON.md). The value is consumed only once its JSON exists, so a
// value that cannot be turned into JSON is an error with nothing lost.
func (s *Socket) ReadObjectJSON() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, n, err := s.decodeObjectLocked()
	if err != nil {
		return nil, err
	}
	js, err := amf.ToJSONLimit(v, jsonBudget(s.inLimit))
	if err != nil {
		return nil, newErr(ErrRange, "the value has no JSON form: "+err.Error(), err)
	}
	s.consumedLocked(n)
	return js, nil
}

// WriteObjectJSON is WriteObject for a value in core/amf's tagged JSON form.
// JSON that is not valid, or not a valid tagged value, is ArgumentError
// #2004 and nothing is written.
func (s *Socket) WriteObjectJSON(js []byte) error {
	v, err := amf.FromJSON(js)
	if err != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.writable(); err != nil {
			return err
		}
		return newErr(ErrBadParam, "not a tagged AMF JSON value: "+err.Error(), err)
	}
	return s.WriteObject(v)
}

// jsonBudget bounds the JSON form of one value read from a socket: 8 times
// the input limit, at least 64 MiB. Real values grow a few times in JSON
// (tags, numbers as text, base64); a hostile one, a long string referenced
// thousands of times, would grow without end. Past the budget ReadObjectJSON
// fails with RangeError #2006 and consumes nothing; raising the input limit
// raises the budget.
func jsonBudget(inputLimit int) int {
	return max(64<<20, min(inputLimit, 1<<40)*8)
}
