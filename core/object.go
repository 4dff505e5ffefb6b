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
	if err := s.readableLocked(); err != nil {
		return nil, err
	}
	unread := s.in[s.inR:]
	// A value that arrives in many pieces would be decoded again on every
	// piece; the decoder's lower bound on the bytes it needs skips the
	// attempts that cannot succeed yet.
	if len(unread) < s.objNeed {
		return nil, s.incompleteObjectLocked()
	}
	v, n, err := amf.Decode(unread, int(s.objEnc), s.amfOpts)
	if err != nil {
		var inc *amf.IncompleteError
		if errors.As(err, &inc) {
			s.objNeed = inc.Need
			return nil, s.incompleteObjectLocked()
		}
		return nil, newErr(ErrRange, err.Error(), err)
	}
	s.consumedLocked(n)
	return v, nil
}

// incompleteObjectLocked is EOF, unless the value can never arrive because
// the unread input is already at the limit and the reader has paused.
func (s *Socket) incompleteObjectLocked() error {
	if len(s.in)-s.inR >= s.inLimit {
		return newErr(ErrRange, "the object is larger than the input limit; raise it with SetInputLimit", nil)
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
