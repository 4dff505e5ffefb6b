package lab

import (
	"encoding/binary"
	"math"
)

// PatternModulus is the period of the bulk pattern: byte i of a closeAfter,
// source or sink stream is byte(i % PatternModulus). A prime that is not a
// power of two makes an off-by-one, a dropped or a repeated chunk show up
// at once, where 256 would hide any shift by a multiple of 256.
const PatternModulus = 251

// CloseAfterLen is how many pattern bytes the closeAfter server sends before
// its close_notify.
const CloseAfterLen = 1000

// chunkSize is the write size of the bulk servers: large, so the TLS layer
// and not the handler is what limits throughput.
const chunkSize = 256 << 10

// patternTable holds the pattern from every possible phase on: the bytes of
// a stream from offset off, n <= chunkSize long, are
// patternTable[off%PatternModulus:][:n], so no handler computes a byte twice.
var patternTable = Pattern(chunkSize + PatternModulus)

// Pattern returns the first n bytes of the bulk pattern (byte i = i % 251).
// Clients use it to build what they send to sink and to check what source
// and closeAfter send.
func Pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % PatternModulus)
	}
	return b
}

// patternAt is the pattern of a stream from offset off on, n <= chunkSize.
func patternAt(off uint64, n int) []byte {
	return patternTable[off%PatternModulus:][:n]
}

// The values of the typed payload, one per AS3 IDataInput read.
const (
	typedShort  int16   = -30562
	typedUShort uint16  = 65535
	typedInt    int32   = -123456789
	typedUInt   uint32  = 4000565000
	typedFloat  float32 = 76.65
	typedDouble float64 = 3.141592653589793
	typedUTF            = "héllo wörld"
)

// TypedPayload returns the bytes the typed server sends right after its
// handshake (README.md lists them byte by byte). The first part is big-endian,
// AS3's default endian, and reads back with readBoolean, readBoolean,
// readByte, readUnsignedByte, readShort, readUnsignedShort, readInt,
// readUnsignedInt, readFloat, readDouble, readUTF, readUTFBytes(7) (a UTF-8
// BOM then "Text") and readBytes(7) ("ABC" NUL "DEF"). The second part
// repeats the numbers and the UTF string little-endian, for a client that
// switched its endian to LITTLE_ENDIAN.
func TypedPayload() []byte {
	b := []byte{0x01, 0x00, 0xFF, 200} // true, false, byte -1, unsigned byte 200
	b = appendTypedNumbers(b, binary.BigEndian)
	b = append(b, "\xEF\xBB\xBFText"...)
	b = append(b, "ABC\x00DEF"...)
	return appendTypedNumbers(b, binary.LittleEndian)
}

// appendTypedNumbers appends the part of the payload that exists in both
// endians: short, unsigned short, int, unsigned int, float, double, UTF.
func appendTypedNumbers(b []byte, o binary.AppendByteOrder) []byte {
	// Variables, because converting a negative constant to an unsigned type
	// does not compile; at run time it is the two's complement we want.
	short, integer := typedShort, typedInt
	b = o.AppendUint16(b, uint16(short))
	b = o.AppendUint16(b, typedUShort)
	b = o.AppendUint32(b, uint32(integer))
	b = o.AppendUint32(b, typedUInt)
	b = o.AppendUint32(b, math.Float32bits(typedFloat))
	b = o.AppendUint64(b, math.Float64bits(typedDouble))
	b = o.AppendUint16(b, uint16(len(typedUTF)))
	return append(b, typedUTF...)
}
