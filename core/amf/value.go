package amf

import (
	"math"
	"time"
)

// Value is one AMF value. The package documentation lists the dynamic types
// the decoder produces and the encoder accepts.
type Value = any

// Encodings, as AS3's ObjectEncoding.AMF0 and ObjectEncoding.AMF3.
const (
	AMF0 = 0
	AMF3 = 3
)

// Undefined is AS3's undefined. Compare with amf.Undefined{}.
type Undefined struct{}

// Member is one named member of an Object or of an Array's associative part.
type Member struct {
	Name  string
	Value Value
}

// Object is an AS3 object: anonymous when Class is empty, typed otherwise.
//
// Sealed members are the ones the class declares; their names travel once per
// traits definition and their values with every instance, in this order.
// Dynamic members follow them. The zero value is an anonymous dynamic object,
// like AS3's Object; set Static for an instance of a sealed class, which has
// no dynamic part on the wire (Dynamic must then be empty).
//
// AMF0 has no sealed members: AMF0 objects decode with every member in
// Dynamic, and encoding to AMF0 writes Sealed then Dynamic.
type Object struct {
	Class   string
	Static  bool
	Sealed  []Member
	Dynamic []Member
}

// Get returns the value of the first member called name, sealed members first.
func (o *Object) Get(name string) (Value, bool) {
	for _, m := range o.Sealed {
		if m.Name == name {
			return m.Value, true
		}
	}
	for _, m := range o.Dynamic {
		if m.Name == name {
			return m.Value, true
		}
	}
	return nil, false
}

// Set replaces the value of the member called name, or adds it: as a dynamic
// member, or as a sealed one when the object is Static.
func (o *Object) Set(name string, v Value) {
	for i := range o.Sealed {
		if o.Sealed[i].Name == name {
			o.Sealed[i].Value = v
			return
		}
	}
	for i := range o.Dynamic {
		if o.Dynamic[i].Name == name {
			o.Dynamic[i].Value = v
			return
		}
	}
	if o.Static {
		o.Sealed = append(o.Sealed, Member{name, v})
	} else {
		o.Dynamic = append(o.Dynamic, Member{name, v})
	}
}

// Array is an AS3 Array. Dense holds the elements 0..n-1; Assoc holds every
// other key (names, and numeric keys after a hole) in wire order. On the wire
// the associative part comes first. AMF3 cannot carry the key "" (AMF0 can).
//
// In AMF0 an Array without associative part is a strict array (0x0A) and one
// with it an ECMA array (0x08) whose dense elements are sent as keys "0".."n-1".
// An ECMA array decodes as AS3 reads it: its keys "0".."n-1" (in any order,
// whatever its count field says) are Dense, other keys, and indices after a
// hole, stay in Assoc.
type Array struct {
	Dense []Value
	Assoc []Member
}

// Date is an AS3 Date: milliseconds since 1970-01-01T00:00:00Z. NaN is an
// invalid date. AMF carries no time zone.
type Date struct {
	Ms float64
}

// NewDate returns the Date for t, to the millisecond.
func NewDate(t time.Time) *Date {
	return &Date{Ms: float64(t.UnixMilli())}
}

// Time returns the date as a time.Time in UTC, with sub-millisecond parts
// rounded to the nanosecond. An invalid (NaN or infinite) date gives the zero
// time.Time and false.
func (d *Date) Time() (time.Time, bool) {
	if math.IsNaN(d.Ms) || math.IsInf(d.Ms, 0) {
		return time.Time{}, false
	}
	sec, frac := math.Modf(d.Ms / 1000)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), true
}

// XML is an E4X XML value (AMF3 0x0B) or, when Document is set, a legacy
// flash.xml.XMLDocument (AMF3 0x07, AMF0 0x0F). The text is never parsed, so
// no entity or DTD processing happens here. AMF0 has only the document form:
// both encode to 0x0F there, and 0x0F decodes with Document set.
type XML struct {
	Text     string
	Document bool
}

// ByteArray is an AS3 ByteArray. Its bytes are kept as sent: a compressed
// payload is never inflated.
type ByteArray struct {
	Bytes []byte
}

// VectorInt is Vector.<int>. Fixed is the vector's fixed-length flag.
type VectorInt struct {
	Fixed bool
	Items []int32
}

// VectorUint is Vector.<uint>.
type VectorUint struct {
	Fixed bool
	Items []uint32
}

// VectorDouble is Vector.<Number>.
type VectorDouble struct {
	Fixed bool
	Items []float64
}

// VectorObject is Vector.<Object> or Vector.<T>. Type is the element type
// name as sent: "" for Object in Flash's own output, "*" for the any type in
// the specification, a class alias for typed vectors.
type VectorObject struct {
	Fixed bool
	Type  string
	Items []Value
}

// Dictionary is flash.utils.Dictionary: entries with keys of any type, in
// wire order. Weak is the weak-keys flag (any non-zero byte on the wire).
type Dictionary struct {
	Weak    bool
	Entries []DictEntry
}

// DictEntry is one Dictionary entry.
type DictEntry struct {
	Key   Value
	Value Value
}
