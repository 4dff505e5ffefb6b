package amf

import (
	"encoding/binary"
	"math"
	"reflect"
	"strconv"
	"time"
)

// AMF0 type markers.
const (
	m0Number      = 0x00
	m0Boolean     = 0x01
	m0String      = 0x02
	m0Object      = 0x03
	m0MovieClip   = 0x04
	m0Null        = 0x05
	m0Undefined   = 0x06
	m0Reference   = 0x07
	m0ECMAArray   = 0x08
	m0ObjectEnd   = 0x09
	m0StrictArray = 0x0A
	m0Date        = 0x0B
	m0LongString  = 0x0C
	m0Unsupported = 0x0D
	m0RecordSet   = 0x0E
	m0XMLDocument = 0x0F
	m0TypedObject = 0x10
	m0AVMPlus     = 0x11
)

// value0 reads one AMF0 value.
//
// Reference slots (0x07) are taken by objects, typed objects, ECMA arrays
// and strict arrays, as in BlazeDS; not by dates or XML (Red5 and PyAMF give
// dates a slot, which no encoder references).
func (d *decoder) value0() (Value, error) {
	start := d.pos
	m, err := d.u8()
	if err != nil {
		return nil, err
	}
	if m == m0AVMPlus {
		// The AMF3 value counts as the node.
		return d.value3()
	}
	if err := d.node(start); err != nil {
		return nil, err
	}
	if int(m) < len(readers0) && readers0[m] != nil {
		return readers0[m](d, start, m)
	}
	return nil, d.syntax(start, "unknown AMF0 type marker 0x%02x", m)
}

// reader0 reads the rest of an AMF0 value whose marker m started at start.
type reader0 func(d *decoder, start int, m byte) (Value, error)

// readers0 holds the reader of each AMF0 marker (0x11, the switch to AMF3,
// is value0's own). Filled by init: the readers reach value0 again.
var readers0 [m0AVMPlus]reader0

func init() {
	readers0 = [m0AVMPlus]reader0{
		m0Number:      (*decoder).number0,
		m0Boolean:     (*decoder).boolean0,
		m0String:      (*decoder).string0,
		m0Object:      (*decoder).object0,
		m0MovieClip:   (*decoder).reserved0,
		m0Null:        (*decoder).null0,
		m0Undefined:   (*decoder).undefined0,
		m0Reference:   (*decoder).reference0,
		m0ECMAArray:   (*decoder).ecmaArray0,
		m0ObjectEnd:   (*decoder).objectEnd0,
		m0StrictArray: (*decoder).strictArray0,
		m0Date:        (*decoder).date0,
		m0LongString:  (*decoder).string0,
		m0Unsupported: (*decoder).undefined0,
		m0RecordSet:   (*decoder).reserved0,
		m0XMLDocument: (*decoder).xmlDocument0,
		m0TypedObject: (*decoder).object0,
	}
}

func (d *decoder) number0(int, byte) (Value, error) { return d.f64() }

func (d *decoder) boolean0(int, byte) (Value, error) {
	b, err := d.u8()
	return b != 0, err
}

// string0 reads a string (U16 length) or a long string (U32 length).
func (d *decoder) string0(start int, m byte) (Value, error) {
	n, err := d.length0(m)
	if err != nil {
		return nil, err
	}
	return d.text(start, n)
}

// length0 reads the length of a string: U16 for m0String, else U32.
func (d *decoder) length0(m byte) (uint64, error) {
	if m == m0String {
		n, err := d.u16()
		return uint64(n), err
	}
	n, err := d.u32()
	return uint64(n), err
}

func (d *decoder) xmlDocument0(start int, m byte) (Value, error) {
	n, err := d.length0(m)
	if err != nil {
		return nil, err
	}
	s, err := d.text(start, n)
	if err != nil {
		return nil, err
	}
	return &XML{Text: s, Document: true}, nil
}

func (d *decoder) null0(int, byte) (Value, error) { return nil, nil }

// undefined0 reads undefined and "unsupported": PyAMF reads the latter as
// None, BlazeDS rejects it; undefined is the closest AS3 value for "could not
// be sent".
func (d *decoder) undefined0(int, byte) (Value, error) { return Undefined{}, nil }

func (d *decoder) date0(int, byte) (Value, error) {
	ms, err := d.f64()
	if err != nil {
		return nil, err
	}
	// A time-zone field follows; every reader ignores it.
	if _, err := d.u16(); err != nil {
		return nil, err
	}
	return &Date{Ms: ms}, nil
}

func (d *decoder) reference0(start int, _ byte) (Value, error) {
	i, err := d.u16()
	if err != nil {
		return nil, err
	}
	if int(i) >= len(d.objs0) {
		return nil, d.syntax(start, "reference %d out of range (%d objects so far)", i, len(d.objs0))
	}
	return d.objs0[i], nil
}

// object0 reads an anonymous or a typed object; a class the Registry maps to
// a Go struct gives that struct.
func (d *decoder) object0(start int, m byte) (Value, error) {
	class := ""
	if m == m0TypedObject {
		n, err := d.u16()
		if err != nil {
			return nil, err
		}
		if class, err = d.text(start, uint64(n)); err != nil {
			return nil, err
		}
		if ci := d.lim.reg.class(class); ci != nil {
			return d.struct0(start, ci)
		}
	}
	o := &Object{Class: class}
	d.objs0 = append(d.objs0, o)
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if err := d.members0(func(k string, v Value) error {
		o.Dynamic = append(o.Dynamic, Member{k, v})
		return nil
	}); err != nil {
		return nil, err
	}
	d.leave()
	return o, nil
}

func (d *decoder) ecmaArray0(start int, _ byte) (Value, error) {
	// The count is only a hint (PyAMF ignores it, BlazeDS sizes a map).
	if _, err := d.u32(); err != nil {
		return nil, err
	}
	a := &Array{}
	d.objs0 = append(d.objs0, a)
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if err := d.members0(func(k string, v Value) error {
		a.Assoc = append(a.Assoc, Member{k, v})
		return nil
	}); err != nil {
		return nil, err
	}
	d.leave()
	splitDense(a)
	return a, nil
}

func (d *decoder) strictArray0(start int, _ byte) (Value, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	a := &Array{}
	d.objs0 = append(d.objs0, a)
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if a.Dense, err = d.values(start, n, d.value0); err != nil {
		return nil, err
	}
	d.leave()
	return a, nil
}

func (d *decoder) objectEnd0(start int, _ byte) (Value, error) {
	return nil, d.syntax(start, "object-end marker outside an object")
}

func (d *decoder) reserved0(start int, m byte) (Value, error) {
	return nil, d.syntax(start, "AMF0 type marker 0x%02x (movieclip/recordset) is reserved and not supported", m)
}

// splitDense gives an ECMA array AS3's shape. AS3 reads an ECMA array as an
// Array whose keys are property names: a key that is an array index ("0",
// "1", ... as written by ToString, below 2^32-1) sets an element, any other
// key a named property. The elements 0..n-1 without a hole become the dense
// part; indices past the first hole stay in the associative part, as strings,
// which is how AMF3 carries the same sparse Array. The count field plays no
// part: it is only a hint, which encoders fill differently. For an index
// sent twice the last value wins, as in AS3.
func splitDense(a *Array) {
	last := map[uint32]int{} // index -> position of its last occurrence
	for i, m := range a.Assoc {
		if n, ok := arrayIndex(m.Name); ok {
			last[n] = i
		}
	}
	if len(last) == 0 {
		return
	}
	n := 0
	for {
		if _, ok := last[uint32(n)]; !ok {
			break
		}
		n++
	}
	if n > 0 {
		a.Dense = make([]Value, n)
		for i := range n {
			a.Dense[i] = a.Assoc[last[uint32(i)]].Value
		}
	}
	rest := a.Assoc[:0]
	for i, m := range a.Assoc {
		if k, ok := arrayIndex(m.Name); ok && (k < uint32(n) || last[k] != i) {
			continue
		}
		rest = append(rest, m)
	}
	clear(a.Assoc[len(rest):])
	a.Assoc = rest
	if len(a.Assoc) == 0 {
		a.Assoc = nil
	}
}

// arrayIndex reports whether name is an array index in ECMAScript's sense:
// the canonical decimal form (no sign, no leading zero) of an integer from 0
// to 2^32-2.
func arrayIndex(name string) (uint32, bool) {
	if name == "" || len(name) > 10 || (name[0] == '0' && len(name) > 1) {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v >= math.MaxUint32 {
		return 0, false
	}
	return uint32(v), true
}

// members0 reads key/value pairs up to the end marker 00 00 09. Only an
// empty name followed by 0x09 ends the members: an empty name followed by
// any other marker is a member named "" (the AMF0 grammar allows it, and
// AS3 writes {"": v} that way).
func (d *decoder) members0(put func(string, Value) error) error {
	for {
		off := d.pos
		n, err := d.u16()
		if err != nil {
			return err
		}
		k := ""
		if n == 0 {
			if d.pos >= len(d.data) {
				return d.incomplete(d.pos + 1)
			}
			if d.data[d.pos] == m0ObjectEnd {
				d.pos++
				return nil
			}
		} else if k, err = d.text(off, uint64(n)); err != nil {
			return err
		}
		vo := d.pos
		v, err := d.value0()
		if err != nil {
			return err
		}
		if err := put(k, v); err != nil {
			return d.syntax(vo, "%v", err)
		}
	}
}

// struct0 reads an AMF0 typed object whose class the Registry maps to a Go
// struct.
func (d *decoder) struct0(start int, ci *classInfo) (Value, error) {
	if ci.external {
		return nil, d.syntax(start, "class %q is registered as externalizable but sent as an AMF0 typed object", ci.alias)
	}
	p := reflect.New(ci.typ)
	d.objs0 = append(d.objs0, p.Interface())
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if err := d.members0(func(k string, v Value) error {
		return ci.setMember(p.Elem(), k, v, d.lim.maxDepth)
	}); err != nil {
		return nil, err
	}
	d.leave()
	return p.Interface(), nil
}

// encoder side

// value0 writes one AMF0 value. Types AMF0 cannot carry (ByteArray, vectors,
// Dictionary, externalizables) switch to AMF3 with the 0x11 marker; all such
// sections of one top-level value share one set of AMF3 tables, as BlazeDS
// and PyAMF read them. One function per type.
func (e *encoder) value0(v Value) error {
	switch x := v.(type) {
	case *ByteArray, []byte, *VectorInt, *VectorUint, *VectorDouble, *VectorObject, *Dictionary, builtin:
		if !reflect.ValueOf(x).IsNil() {
			e.buf = append(e.buf, m0AVMPlus)
			return e.value3(x)
		}
		v = nil
	}
	if err := e.node(); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, m0Null)
	case Undefined:
		e.buf = append(e.buf, m0Undefined)
	case bool:
		e.bool0(x)
	case float64:
		e.number0(x)
	case int32:
		e.number0(float64(x))
	case int:
		e.number0(float64(x))
	case int64:
		e.number0(float64(x))
	case int8:
		e.number0(float64(x))
	case int16:
		e.number0(float64(x))
	case uint8:
		e.number0(float64(x))
	case uint16:
		e.number0(float64(x))
	case uint32:
		e.number0(float64(x))
	case uint:
		e.number0(float64(x))
	case uint64:
		e.number0(float64(x))
	case float32:
		e.number0(float64(x))
	case string:
		return e.string0(x)
	case *XML:
		return e.xml0(x)
	case *Date:
		e.date0(x)
	case time.Time:
		e.dateMs0(float64(x.UnixMilli()))
	case *Array:
		return e.arrayOf0(x)
	case []Value:
		return e.list0(x)
	case *Object:
		return e.objectOf0(x)
	case map[string]Value:
		return e.map0(x)
	default:
		return e.other0(v)
	}
	return nil
}

func (e *encoder) null0() error {
	e.buf = append(e.buf, m0Null)
	return nil
}

func (e *encoder) bool0(b bool) {
	if b {
		e.buf = append(e.buf, m0Boolean, 1)
	} else {
		e.buf = append(e.buf, m0Boolean, 0)
	}
}

// string0 writes a string, or a long string past 65535 bytes.
func (e *encoder) string0(s string) error {
	if len(s) <= math.MaxUint16 {
		e.buf = append(e.buf, m0String)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(len(s)))
	} else if err := e.long0(m0LongString, len(s)); err != nil {
		return err
	}
	e.buf = append(e.buf, s...)
	return nil
}

// xml0 writes either kind of XML as an XML document, AMF0's only kind.
func (e *encoder) xml0(x *XML) error {
	if x == nil {
		return e.null0()
	}
	if err := e.long0(m0XMLDocument, len(x.Text)); err != nil {
		return err
	}
	e.buf = append(e.buf, x.Text...)
	return nil
}

func (e *encoder) date0(x *Date) {
	if x == nil {
		e.null0()
		return
	}
	e.dateMs0(x.Ms)
}

// dateMs0 writes a date and a time-zone field of 0.
func (e *encoder) dateMs0(ms float64) {
	e.buf = appendF64(append(e.buf, m0Date), ms)
	e.buf = append(e.buf, 0, 0)
}

func (e *encoder) arrayOf0(x *Array) error {
	if x == nil {
		return e.null0()
	}
	if !fits0(x.Assoc) {
		return e.switch3(x)
	}
	if e.ref0(x) {
		return nil
	}
	return e.array0(x.Dense, x.Assoc)
}

func (e *encoder) list0(x []Value) error {
	if x == nil {
		return e.null0()
	}
	e.ref0(nil)
	return e.array0(x, nil)
}

func (e *encoder) objectOf0(x *Object) error {
	if x == nil {
		return e.null0()
	}
	if len(x.Class) > math.MaxUint16 || !fits0(x.Sealed) || !fits0(x.Dynamic) {
		return e.switch3(x)
	}
	if e.ref0(x) {
		return nil
	}
	return e.object0(x)
}

func (e *encoder) map0(x map[string]Value) error {
	if x == nil {
		return e.null0()
	}
	o := mapObject(x)
	if !fits0(o.Dynamic) {
		return e.switch3(o)
	}
	e.ref0(nil)
	return e.object0(o)
}

// fits0 reports whether AMF0 can carry these member names: a name longer
// than 65535 bytes needs AMF3. (The empty name fits AMF0, not AMF3.)
func fits0(ms []Member) bool {
	for _, m := range ms {
		if len(m.Name) > math.MaxUint16 {
			return false
		}
	}
	return true
}

// switch3 writes v as an AMF3 value after the 0x11 marker. The node was
// counted by value0.
func (e *encoder) switch3(v Value) error {
	e.buf = append(e.buf, m0AVMPlus)
	return e.value3Body(v)
}

func (e *encoder) number0(f float64) {
	e.buf = appendF64(append(e.buf, m0Number), f)
}

// long0 writes marker m and a U32 length.
func (e *encoder) long0(m byte, n int) error {
	if uint64(n) > math.MaxUint32 {
		return &EncodeError{Msg: "text longer than 2^32-1 bytes"}
	}
	e.buf = append(e.buf, m)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	return nil
}

// ref0 writes a reference when key was written before, reporting true;
// otherwise it gives key the next slot (nil: a slot nothing refers to).
// Indexes past 65535 cannot be referenced, so such objects are repeated.
func (e *encoder) ref0(key any) bool {
	if key != nil {
		if i, ok := e.objs0[key]; ok {
			e.buf = append(e.buf, m0Reference)
			e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(i))
			return true
		}
		if e.nobjs0 <= math.MaxUint16 {
			if e.objs0 == nil {
				e.objs0 = make(map[any]int)
			}
			e.objs0[key] = e.nobjs0
		}
	}
	e.nobjs0++
	return false
}

// key0 writes a member name. The name "" is written as 00 00 before its
// value, which never starts with the object-end marker 0x09.
func (e *encoder) key0(k string) error {
	if len(k) > math.MaxUint16 {
		return atMember(&EncodeError{Msg: "AMF0 member name longer than 65535 bytes"}, k[:32]+"...")
	}
	e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(len(k)))
	e.buf = append(e.buf, k...)
	return nil
}

// array0 writes a strict array, or an ECMA array when there are named keys
// (the dense elements then go first, under keys "0".."n-1", and the count is
// the dense length, as Flash writes it).
func (e *encoder) array0(dense []Value, assoc []Member) error {
	if uint64(len(dense)) > math.MaxUint32 {
		return &EncodeError{Msg: "array longer than 2^32-1"}
	}
	if err := e.enter(); err != nil {
		return err
	}
	if len(assoc) == 0 {
		e.buf = append(e.buf, m0StrictArray)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(dense)))
		for i, v := range dense {
			if err := e.value0(v); err != nil {
				return atIndex(err, i)
			}
		}
		e.leave()
		return nil
	}
	e.buf = append(e.buf, m0ECMAArray)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(dense)))
	for i, v := range dense {
		if err := e.key0(strconv.Itoa(i)); err != nil {
			return err
		}
		if err := e.value0(v); err != nil {
			return atIndex(err, i)
		}
	}
	if err := e.members0(assoc); err != nil {
		return err
	}
	e.buf = append(e.buf, 0, 0, m0ObjectEnd)
	e.leave()
	return nil
}

func (e *encoder) members0(ms []Member) error {
	for _, m := range ms {
		if err := e.key0(m.Name); err != nil {
			return err
		}
		if err := e.value0(m.Value); err != nil {
			return atMember(err, m.Name)
		}
	}
	return nil
}

func (e *encoder) object0(o *Object) error {
	if o.Class == "" {
		e.buf = append(e.buf, m0Object)
	} else {
		if len(o.Class) > math.MaxUint16 {
			return &EncodeError{Msg: "AMF0 class name longer than 65535 bytes"}
		}
		e.buf = append(e.buf, m0TypedObject)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(len(o.Class)))
		e.buf = append(e.buf, o.Class...)
	}
	if err := e.enter(); err != nil {
		return err
	}
	if err := e.members0(o.Sealed); err != nil {
		return err
	}
	if err := e.members0(o.Dynamic); err != nil {
		return err
	}
	e.buf = append(e.buf, 0, 0, m0ObjectEnd)
	e.leave()
	return nil
}

// other0 writes what value0's switch does not know.
func (e *encoder) other0(v Value) error {
	k, key, alias, x, o, plain, err := e.classify(v)
	if err != nil {
		return err
	}
	switch k {
	case kindNull:
		e.buf = append(e.buf, m0Null)
		return nil
	case kindExternal:
		e.buf = append(e.buf, m0AVMPlus)
		return e.external3(key, alias, x)
	case kindStruct:
		if len(o.Class) > math.MaxUint16 || !fits0(o.Sealed) || !fits0(o.Dynamic) {
			e.buf = append(e.buf, m0AVMPlus)
			return e.object3(key, o)
		}
		if e.ref0(key) {
			return nil
		}
		return e.object0(o)
	}
	if err := e.enter(); err != nil {
		return err
	}
	e.nodes-- // value0 counts plain again
	err = e.value0(plain)
	e.leave()
	return err
}
