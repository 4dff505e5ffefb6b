// Package amf encodes and decodes Action Message Format values, AMF0 and
// AMF3, as ActionScript 3's ByteArray.readObject and writeObject do. It knows
// nothing of sockets: it works on byte slices.
//
// # Decoding
//
// Decode reads exactly one value from the front of a buffer and reports how
// many bytes it used:
//
//	v, n, err := amf.Decode(buf, amf.AMF3, nil)
//	switch {
//	case errors.Is(err, amf.ErrIncomplete):
//		// buf holds the start of a value: wait for more bytes, consume nothing.
//	case err != nil:
//		// malformed or over a limit; *amf.SyntaxError carries the offset.
//	default:
//		buf = buf[n:]
//	}
//
// Every call starts with empty string, object and traits tables, as the
// Flash runtime does for each top-level readObject. A truncated value always
// gives an error for which errors.Is(err, ErrIncomplete) holds, never a
// *SyntaxError, so a stream reader can decode whatever is buffered and retry
// when more bytes arrive.
//
// Hostile input is harmless: every declared length is checked against the
// bytes present (and against Options.MaxLength) before anything is
// allocated, nesting is bounded by Options.MaxDepth, the number of decoded
// values by Options.MaxNodes, and every reference index is checked. The
// decoder recurses at most MaxDepth levels. Limits are described on Options.
//
// # Values
//
// A Value is an ordinary Go interface value whose dynamic type is one of:
//
//	Undefined        AS3 undefined
//	nil              null
//	bool             Boolean
//	int32            AMF3 integer (29-bit range)
//	float64          Number (AMF3 double, every AMF0 number)
//	string           String (bytes kept as sent; may be invalid UTF-8)
//	*XML             XML or legacy XMLDocument, kept as text, never parsed
//	*Date            Date, milliseconds since the epoch, UTC
//	*Array           Array with dense and associative parts (AMF0 ECMA and strict arrays)
//	*Object          anonymous, typed, sealed and dynamic objects
//	*ByteArray       ByteArray, never decompressed
//	*VectorInt       Vector.<int>
//	*VectorUint      Vector.<uint>
//	*VectorDouble    Vector.<Number>
//	*VectorObject    Vector.<Object> and Vector.<T>
//	*Dictionary      flash.utils.Dictionary
//	*ArrayCollection flex.messaging.io.ArrayCollection (externalizable)
//	*ArrayList       flex.messaging.io.ArrayList (externalizable)
//	*ObjectProxy     flex.messaging.io.ObjectProxy (externalizable)
//	*SmallMessage    BlazeDS small messages DSA, DSK and DSC (externalizable)
//
// plus, when Options.Registry maps a class alias to one, a pointer to an
// application struct type or an application Externalizable. The decoder
// returns only these types. Container values are pointers so that the
// object references of the wire format keep their identity: a value that was
// sent once and referenced twice decodes to one pointer seen twice, and a
// cycle decodes to a cyclic graph. Walk decoded graphs with that in mind.
//
// The encoder accepts the same types and, for convenience, Go values that
// have an obvious AMF form: every integer kind (AMF3 integer when it fits
// 29 bits, else a double), float32, time.Time (Date), []byte (ByteArray),
// other slices (dense Array), maps with string keys (anonymous object, keys
// sorted), and types defined on bool, string or number kinds. Such Go values
// have no identity, so they are never written as references.
//
// # Typed objects
//
// A typed object becomes an application type only through an explicit
// Registry that the caller creates and passes in Options. Without one, or
// for an alias it does not know, a typed object decodes to *Object with
// Class set: the wire never selects a Go type by itself. Externalizable
// classes carry class-defined bytes that cannot be skipped, so an unknown
// externalizable class is an error; ArrayCollection, ArrayList, ObjectProxy
// and the small messages DSA, DSK and DSC are built in, and a Registry can
// add others by implementing Externalizable.
//
// # JSON
//
// ToJSON and FromJSON convert values to and from the JSON form used across
// the C ABI: plain JSON for what JSON can say, tagged objects
// ({"$amf": ...}) for the rest, including references that make cycles.
// JSON.md in this directory specifies the format.
package amf
