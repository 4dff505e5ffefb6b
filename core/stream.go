package core

import (
	"encoding/binary"
	"math"
)

// Typed reads and writes: AS3's IDataInput and IDataOutput on the socket.
//
// The Go names follow AS3 with two exceptions forced by Go's conventions for
// ReadByte/WriteByte: AS3 readByte is ReadInt8 and writeByte is WriteInt8.
// Every read checks, in this order: the socket is open (else IOError #2002),
// enough input is buffered (else EOFError #2030, and nothing is consumed).

// peekLocked returns the next n unread bytes without consuming them. The
// caller uses the slice, then consumes the bytes (consumedLocked), all
// under s.mu: consuming the last of a stream buffer lends it to other
// sockets (releaseInputLocked), after which the slice is theirs.
func (s *Socket) peekLocked(n int) ([]byte, error) {
	if err := s.readableLocked(); err != nil {
		return nil, err
	}
	avail := len(s.in) - s.inR
	if n > avail {
		return nil, errEOF()
	}
	return s.in[s.inR : s.inR+n], nil
}

// readableLocked: input can be read while open, and after a peer close for
// as long as unread input remains (a deliberate divergence from AS3, which
// drops it: nothing the server sent is lost).
func (s *Socket) readableLocked() error {
	if s.st == stateOpen || (s.st == statePeerClosed && s.inR < len(s.in)) {
		return nil
	}
	return errInvalidSocket()
}

func (s *Socket) consumedLocked(n int) {
	before := len(s.in) - s.inR
	s.inR += n
	s.objNeed = 0
	if s.inR == len(s.in) && !s.inReserved {
		if l := s.link; l != nil && cap(s.in) >= minChunk && !l.hostDriven {
			// Drained while a reader goroutine reads a stream: the
			// buffer is kept for its next batch; readLoop lets go of it
			// when the stream pauses. Slices taken from it are only used
			// under the lock (peekLocked).
			s.in, s.inR = s.in[:0], 0
		} else {
			// Drained: the connection keeps no input buffer (a stream
			// buffer goes back to streamBufs for the next batch).
			s.releaseInputLocked()
		}
	}
	if before >= s.inLimit && before-n < s.inLimit {
		s.space.Broadcast()
		s.resumeLocked()
	}
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func (s *Socket) order() byteOrder {
	if s.bigEnd {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (s *Socket) read(n int) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.peekLocked(n)
	if err != nil {
		return 0, err
	}
	defer s.consumedLocked(n) // after p is read
	o := s.order()
	switch n {
	case 1:
		return uint64(p[0]), nil
	case 2:
		return uint64(o.Uint16(p)), nil
	case 4:
		return uint64(o.Uint32(p)), nil
	default:
		return o.Uint64(p), nil
	}
}

// ReadBoolean reads one byte; any non-zero byte is true.
func (s *Socket) ReadBoolean() (bool, error) {
	v, err := s.read(1)
	return v != 0, err
}

// ReadInt8 reads a signed byte (AS3 readByte).
func (s *Socket) ReadInt8() (int8, error) {
	v, err := s.read(1)
	return int8(v), err
}

// ReadUnsignedByte reads an unsigned byte.
func (s *Socket) ReadUnsignedByte() (uint8, error) {
	v, err := s.read(1)
	return uint8(v), err
}

// ReadShort reads a signed 16-bit integer in the socket's endian.
func (s *Socket) ReadShort() (int16, error) {
	v, err := s.read(2)
	return int16(v), err
}

// ReadUnsignedShort reads an unsigned 16-bit integer.
func (s *Socket) ReadUnsignedShort() (uint16, error) {
	v, err := s.read(2)
	return uint16(v), err
}

// ReadInt reads a signed 32-bit integer.
func (s *Socket) ReadInt() (int32, error) {
	v, err := s.read(4)
	return int32(v), err
}

// ReadUnsignedInt reads an unsigned 32-bit integer.
func (s *Socket) ReadUnsignedInt() (uint32, error) {
	v, err := s.read(4)
	return uint32(v), err
}

// ReadFloat reads an IEEE-754 single and widens it exactly, as AS3 does
// (76.65f reads back as 76.6500015258789).
func (s *Socket) ReadFloat() (float64, error) {
	v, err := s.read(4)
	return float64(math.Float32frombits(uint32(v))), err
}

// ReadDouble reads an IEEE-754 double.
func (s *Socket) ReadDouble() (float64, error) {
	v, err := s.read(8)
	return math.Float64frombits(v), err
}

// ReadBytesInto copies length unread bytes into dst. A length of 0 reads
// everything available that fits in dst (AS3: length 0 reads all). A length
// larger than len(dst) is RangeError #2006; larger than what is available
// is EOFError #2030. It returns the number of bytes copied.
//
// On a host-driven link (hostread.go), a read of everything available into
// a destination of directReadMin or more reads what waits in the kernel too,
// as BytesAvailable would, decrypting it straight into dst.
func (s *Socket) ReadBytesInto(dst []byte, length int) (int, error) {
	if length == 0 && len(dst) >= directReadMin {
		s.mu.Lock()
		l := s.link
		direct := s.st == stateOpen && l != nil && l.watching && s.inR == len(s.in)
		s.mu.Unlock()
		if direct {
			if n, ok := s.readDirect(l, dst); ok {
				return n, nil
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.readableLocked(); err != nil {
		return 0, err
	}
	if length < 0 || length > len(dst) {
		return 0, newErr(ErrRange, "length exceeds the destination", nil)
	}
	if length == 0 {
		length = min(len(s.in)-s.inR, len(dst))
	}
	p, err := s.peekLocked(length)
	if err != nil {
		return 0, err
	}
	k := copy(dst, p)
	s.consumedLocked(length)
	return k, nil
}

// ReadBytes returns length unread bytes in a new slice; 0 means all that is
// available (possibly none).
func (s *Socket) ReadBytes(length int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.readableLocked(); err != nil {
		return nil, err
	}
	if length < 0 {
		return nil, newErr(ErrRange, "negative length", nil)
	}
	if length == 0 {
		length = len(s.in) - s.inR
	}
	p, err := s.peekLocked(length)
	if err != nil {
		return nil, err
	}
	b := append([]byte(nil), p...)
	s.consumedLocked(length)
	return b, nil
}

// ReadUTF reads a 16-bit length in the socket's endian, then that many bytes
// of UTF-8 as ReadUTFBytes does. If the body is not all there yet, it is
// EOFError #2030 and the length prefix is not consumed either.
func (s *Socket) ReadUTF() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.readableLocked(); err != nil {
		return "", err
	}
	if len(s.in)-s.inR < 2 {
		return "", errEOF()
	}
	n := int(s.order().Uint16(s.in[s.inR:]))
	if len(s.in)-s.inR < 2+n {
		return "", errEOF()
	}
	p, _ := s.peekLocked(2 + n)
	text := decodeUTF8AS3(p[2:])
	s.consumedLocked(2 + n)
	return text, nil
}

// ReadUTFBytes reads length bytes and decodes them as the runtime does: a
// leading BOM is skipped, the text ends at the first NUL (all length bytes
// are consumed anyway), and bytes that are not valid UTF-8 become the
// characters U+0080..U+00FF of the same value.
func (s *Socket) ReadUTFBytes(length uint32) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.peekLocked(int(length))
	if err != nil {
		return "", err
	}
	text := decodeUTF8AS3(p)
	s.consumedLocked(int(length))
	return text, nil
}

// ReadMultiByte reads length bytes and decodes them in the named charset
// (any label or alias of the runtime's table; unknown names read as UTF-8).
// The text ends at the first NUL.
func (s *Socket) ReadMultiByte(length uint32, charset string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.peekLocked(int(length))
	if err != nil {
		return "", err
	}
	text := decodeMultiByte(p, charset)
	s.consumedLocked(int(length))
	return text, nil
}

// writable: output can be written only while open.
func (s *Socket) writable() error {
	if s.st != stateOpen {
		return errInvalidSocket()
	}
	return nil
}

func (s *Socket) write(n int, v uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	o := s.order()
	switch n {
	case 1:
		s.out = append(s.out, byte(v))
	case 2:
		s.out = o.AppendUint16(s.out, uint16(v))
	case 4:
		s.out = o.AppendUint32(s.out, uint32(v))
	default:
		s.out = o.AppendUint64(s.out, v)
	}
	return nil
}

// WriteBoolean writes 1 for true, 0 for false.
func (s *Socket) WriteBoolean(v bool) error {
	var b uint64
	if v {
		b = 1
	}
	return s.write(1, b)
}

// WriteInt8 writes the low 8 bits of v (AS3 writeByte).
func (s *Socket) WriteInt8(v int32) error { return s.write(1, uint64(uint32(v))) }

// WriteShort writes the low 16 bits of v in the socket's endian.
func (s *Socket) WriteShort(v int32) error { return s.write(2, uint64(uint32(v))) }

// WriteInt writes a 32-bit integer.
func (s *Socket) WriteInt(v int32) error { return s.write(4, uint64(uint32(v))) }

// WriteUnsignedInt writes an unsigned 32-bit integer.
func (s *Socket) WriteUnsignedInt(v uint32) error { return s.write(4, uint64(v)) }

// WriteFloat writes v rounded to an IEEE-754 single.
func (s *Socket) WriteFloat(v float64) error {
	return s.write(4, uint64(math.Float32bits(float32(v))))
}

// WriteDouble writes an IEEE-754 double.
func (s *Socket) WriteDouble(v float64) error { return s.write(8, math.Float64bits(v)) }

// WriteBytes writes p[offset:offset+length]; a length of 0 writes from offset
// to the end. An offset or length outside p is RangeError #2006 and nothing
// is written.
func (s *Socket) WriteBytes(p []byte, offset, length uint32) error {
	s.mu.Lock()
	if err := s.writable(); err != nil {
		s.mu.Unlock()
		return err
	}
	if uint64(offset) > uint64(len(p)) {
		s.mu.Unlock()
		return newErr(ErrRange, "offset beyond the end of the bytes", nil)
	}
	if length == 0 {
		length = uint32(len(p)) - offset
	}
	if uint64(offset)+uint64(length) > uint64(len(p)) {
		s.mu.Unlock()
		return newErr(ErrRange, "offset+length beyond the end of the bytes", nil)
	}
	b := p[offset : offset+length]
	if len(b) < copyUnlocked || (len(b) < outBlockMin && s.unflushedLocked() > 0) {
		s.out = append(s.out, b...)
		s.mu.Unlock()
		return nil
	}
	gen := s.gen
	s.mu.Unlock()
	own := copyOut(b) // outbuf.go
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		// Closed (and perhaps connected again) meanwhile: as if written
		// just before the close, which discards what was not flushed.
		releaseSegs(own)
		return nil
	}
	if err := s.writable(); err != nil {
		releaseSegs(own)
		return err // the peer closed meanwhile
	}
	// After whatever another thread wrote meanwhile.
	if len(s.out) > 0 {
		s.outSegs = append(s.outSegs, outSeg{b: s.out})
		s.out = nil
	}
	s.outSegs = append(s.outSegs, own...)
	return nil
}

// copyUnlocked: WriteBytes copies a write of at least this many bytes into
// an output segment of its own without holding the socket's lock (when
// nothing is unflushed, as after a Flush; from outBlockMin on, always, into
// output blocks: outbuf.go), so that the writer goroutine, which takes the
// lock for every chunk it sends, never waits for the copy (a large copy
// into new memory is mostly page faults).
const copyUnlocked = 16 << 10

// WriteUTF writes a 16-bit byte length in the socket's endian, then the
// UTF-8 bytes of v. Over 65535 bytes it is RangeError #2006 and nothing is
// written.
func (s *Socket) WriteUTF(v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if len(v) > 65535 {
		return newErr(ErrRange, "string longer than 65535 UTF-8 bytes", nil)
	}
	s.out = s.order().AppendUint16(s.out, uint16(len(v)))
	s.out = append(s.out, v...)
	return nil
}

// WriteUTFBytes writes the UTF-8 bytes of v, without a length or terminator.
func (s *Socket) WriteUTFBytes(v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	s.out = append(s.out, v...)
	return nil
}

// WriteMultiByte writes v in the named charset (unknown names write UTF-8);
// characters the charset cannot hold become its replacement character.
func (s *Socket) WriteMultiByte(v, charset string) error {
	b := encodeMultiByte(v, charset)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	s.out = append(s.out, b...)
	return nil
}
