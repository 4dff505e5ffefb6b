package amf

import (
	"encoding/binary"
	"math"
	"reflect"
	"time"
)

// AMF3 type markers.
const (
	m3Undefined    = 0x00
	m3Null         = 0x01
	m3False        = 0x02
	m3True         = 0x03
	m3Integer      = 0x04
	m3Double       = 0x05
	m3String       = 0x06
	m3XMLDoc       = 0x07
	m3Date         = 0x08
	m3Array        = 0x09
	m3Object       = 0x0A
	m3XML          = 0x0B
	m3ByteArray    = 0x0C
	m3VectorInt    = 0x0D
	m3VectorUint   = 0x0E
	m3VectorDouble = 0x0F
	m3VectorObject = 0x10
	m3Dictionary   = 0x11
)

// The AMF3 integer range: 29-bit two's complement.
const (
	minInt29 = -1 << 28
	maxInt29 = 1<<28 - 1
)

// value3 reads one AMF3 value.
func (d *decoder) value3() (Value, error) {
	start := d.pos
	if err := d.node(start); err != nil {
		return nil, err
	}
	m, err := d.u8()
	if err != nil {
		return nil, err
	}
	if int(m) < len(readers3) {
		return readers3[m](d, start, m)
	}
	return nil, d.syntax(start, "unknown AMF3 type marker 0x%02x", m)
}

// reader3 reads the rest of an AMF3 value whose marker m started at start.
type reader3 func(d *decoder, start int, m byte) (Value, error)

// readers3 holds the reader of each AMF3 marker. Filled by init: the
// readers reach value3 again.
var readers3 [m3Dictionary + 1]reader3

func init() {
	readers3 = [m3Dictionary + 1]reader3{
		m3Undefined:    func(*decoder, int, byte) (Value, error) { return Undefined{}, nil },
		m3Null:         func(*decoder, int, byte) (Value, error) { return nil, nil },
		m3False:        func(*decoder, int, byte) (Value, error) { return false, nil },
		m3True:         func(*decoder, int, byte) (Value, error) { return true, nil },
		m3Integer:      (*decoder).integer3,
		m3Double:       func(d *decoder, _ int, _ byte) (Value, error) { return d.f64() },
		m3String:       func(d *decoder, _ int, _ byte) (Value, error) { return d.string3() },
		m3XMLDoc:       func(d *decoder, start int, _ byte) (Value, error) { return d.xml3(start, true) },
		m3Date:         func(d *decoder, _ int, _ byte) (Value, error) { return d.date3() },
		m3Array:        func(d *decoder, start int, _ byte) (Value, error) { return d.array3(start) },
		m3Object:       func(d *decoder, start int, _ byte) (Value, error) { return d.object3(start) },
		m3XML:          func(d *decoder, start int, _ byte) (Value, error) { return d.xml3(start, false) },
		m3ByteArray:    func(d *decoder, start int, _ byte) (Value, error) { return d.byteArray3(start) },
		m3VectorInt:    (*decoder).vectorNum3,
		m3VectorUint:   (*decoder).vectorNum3,
		m3VectorDouble: (*decoder).vectorNum3,
		m3VectorObject: func(d *decoder, start int, _ byte) (Value, error) { return d.vectorObject3(start) },
		m3Dictionary:   func(d *decoder, start int, _ byte) (Value, error) { return d.dictionary3(start) },
	}
}

// integer3 reads a U29 as a 29-bit two's complement integer.
func (d *decoder) integer3(int, byte) (Value, error) {
	u, err := d.u29()
	if err != nil {
		return nil, err
	}
	return int32(u<<3) >> 3, nil
}

// header reads a U29 header whose low bit tells an inline value (1) from an
// object reference (0). For a reference it returns the referenced value.
func (d *decoder) header(ref *Value) (u uint32, inline bool, err error) {
	off := d.pos
	u, err = d.u29()
	if err != nil {
		return 0, false, err
	}
	if u&1 == 1 {
		return u >> 1, true, nil
	}
	i := u >> 1
	if uint64(i) >= uint64(len(d.objs)) {
		return 0, false, d.syntax(off, "object reference %d out of range (%d objects so far)", i, len(d.objs))
	}
	*ref = d.objs[i]
	return 0, false, nil
}

// string3 reads a UTF-8-vr: an inline string, entered in the string table
// unless empty, or a string reference.
func (d *decoder) string3() (string, error) {
	off := d.pos
	u, err := d.u29()
	if err != nil {
		return "", err
	}
	if u&1 == 0 {
		i := u >> 1
		if uint64(i) >= uint64(len(d.strs)) {
			return "", d.syntax(off, "string reference %d out of range (%d strings so far)", i, len(d.strs))
		}
		return d.strs[i], nil
	}
	if u == 1 {
		return "", nil
	}
	s, err := d.text(off, uint64(u>>1))
	if err != nil {
		return "", err
	}
	d.strs = append(d.strs, s)
	return s, nil
}

func (d *decoder) xml3(start int, document bool) (Value, error) {
	var ref Value
	n, inline, err := d.header(&ref)
	if err != nil || !inline {
		return ref, err
	}
	s, err := d.text(start+1, uint64(n))
	if err != nil {
		return nil, err
	}
	x := &XML{Text: s, Document: document}
	d.objs = append(d.objs, x)
	return x, nil
}

func (d *decoder) date3() (Value, error) {
	var ref Value
	_, inline, err := d.header(&ref)
	if err != nil || !inline {
		return ref, err
	}
	ms, err := d.f64()
	if err != nil {
		return nil, err
	}
	t := &Date{Ms: ms}
	d.objs = append(d.objs, t)
	return t, nil
}

func (d *decoder) array3(start int) (Value, error) {
	var ref Value
	n, inline, err := d.header(&ref)
	if err != nil || !inline {
		return ref, err
	}
	if uint64(n) > uint64(d.lim.maxLength) {
		return nil, d.limit(start, "declared length %d over the limit of %d", n, d.lim.maxLength)
	}
	a := &Array{}
	d.objs = append(d.objs, a)
	if err := d.enter(start); err != nil {
		return nil, err
	}
	for {
		k, err := d.string3()
		if err != nil {
			return nil, err
		}
		if k == "" {
			break
		}
		v, err := d.value3()
		if err != nil {
			return nil, err
		}
		a.Assoc = append(a.Assoc, Member{k, v})
	}
	if a.Dense, err = d.values(start, n, d.value3); err != nil {
		return nil, err
	}
	d.leave()
	return a, nil
}

// object3 reads an object: traits (inline, by reference or externalizable),
// then sealed values, then dynamic members.
func (d *decoder) object3(start int) (Value, error) {
	var ref Value
	u, inline, err := d.header(&ref)
	if err != nil || !inline {
		return ref, err
	}
	// u is the header without its low bit.
	var t *traits
	switch {
	case u&1 == 0: // traits reference
		i := u >> 1
		if uint64(i) >= uint64(len(d.traits)) {
			return nil, d.syntax(start+1, "traits reference %d out of range (%d traits so far)", i, len(d.traits))
		}
		t = d.traits[i]
	case u&2 != 0: // externalizable
		class, err := d.string3()
		if err != nil {
			return nil, err
		}
		t = &traits{class: class, external: true}
		d.traits = append(d.traits, t)
	default:
		t = &traits{dynamic: u&4 != 0}
		if t.class, err = d.string3(); err != nil {
			return nil, err
		}
		n, err := d.count(start, uint64(u>>3), 1, false)
		if err != nil {
			return nil, err
		}
		d.traits = append(d.traits, t)
		if n > 0 {
			t.names = make([]string, n)
			for i := range t.names {
				off := d.pos
				if t.names[i], err = d.string3(); err != nil {
					return nil, err
				}
				// No AS3 class has a property named "", and AMF0 could not
				// carry one.
				if t.names[i] == "" {
					return nil, d.syntax(off, "empty sealed member name")
				}
			}
		}
	}

	if t.external {
		return d.external(start, t.class)
	}
	if ci := d.lim.reg.class(t.class); ci != nil {
		return d.struct3(start, t, ci)
	}
	o := &Object{Class: t.class, Static: !t.dynamic}
	d.objs = append(d.objs, o)
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if len(t.names) > 0 {
		if _, err := d.count(start, uint64(len(t.names)), 1, true); err != nil {
			return nil, err
		}
		o.Sealed = make([]Member, len(t.names))
		for i, name := range t.names {
			v, err := d.value3()
			if err != nil {
				return nil, err
			}
			o.Sealed[i] = Member{name, v}
		}
	}
	if t.dynamic {
		for {
			k, err := d.string3()
			if err != nil {
				return nil, err
			}
			if k == "" {
				break
			}
			v, err := d.value3()
			if err != nil {
				return nil, err
			}
			o.Dynamic = append(o.Dynamic, Member{k, v})
		}
	}
	d.leave()
	return o, nil
}

// struct3 reads the members of a typed object whose class the Registry maps
// to a Go struct.
func (d *decoder) struct3(start int, t *traits, ci *classInfo) (Value, error) {
	if ci.external {
		return nil, d.syntax(start, "class %q is registered as externalizable but sent with traits", t.class)
	}
	p := reflect.New(ci.typ)
	d.objs = append(d.objs, p.Interface())
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if _, err := d.count(start, uint64(len(t.names)), 1, true); err != nil {
		return nil, err
	}
	for _, name := range t.names {
		off := d.pos
		v, err := d.value3()
		if err != nil {
			return nil, err
		}
		if err := ci.setMember(p.Elem(), name, v, d.lim.maxDepth); err != nil {
			return nil, d.syntax(off, "%v", err)
		}
	}
	if t.dynamic {
		for {
			k, err := d.string3()
			if err != nil {
				return nil, err
			}
			if k == "" {
				break
			}
			off := d.pos
			v, err := d.value3()
			if err != nil {
				return nil, err
			}
			if err := ci.setMember(p.Elem(), k, v, d.lim.maxDepth); err != nil {
				return nil, d.syntax(off, "%v", err)
			}
		}
	}
	d.leave()
	return p.Interface(), nil
}

func (d *decoder) byteArray3(start int) (Value, error) {
	var ref Value
	n, inline, err := d.header(&ref)
	if err != nil || !inline {
		return ref, err
	}
	if uint64(n) > uint64(d.lim.maxLength) {
		return nil, d.limit(start, "declared length %d over the limit of %d", n, d.lim.maxLength)
	}
	b, err := d.take(int(n))
	if err != nil {
		return nil, err
	}
	ba := &ByteArray{Bytes: append([]byte(nil), b...)}
	d.objs = append(d.objs, ba)
	return ba, nil
}

func (d *decoder) vectorNum3(start int, m byte) (Value, error) {
	var ref Value
	n, inline, err := d.header(&ref)
	if err != nil || !inline {
		return ref, err
	}
	fixed, err := d.u8()
	if err != nil {
		return nil, err
	}
	size := uint64(4)
	if m == m3VectorDouble {
		size = 8
	}
	cnt, err := d.count(start, uint64(n), size, false)
	if err != nil {
		return nil, err
	}
	b, _ := d.take(cnt * int(size))
	var v Value
	switch m {
	case m3VectorInt:
		vi := &VectorInt{Fixed: fixed != 0, Items: make([]int32, cnt)}
		for i := range vi.Items {
			vi.Items[i] = int32(binary.BigEndian.Uint32(b[4*i:]))
		}
		v = vi
	case m3VectorUint:
		vu := &VectorUint{Fixed: fixed != 0, Items: make([]uint32, cnt)}
		for i := range vu.Items {
			vu.Items[i] = binary.BigEndian.Uint32(b[4*i:])
		}
		v = vu
	default:
		vd := &VectorDouble{Fixed: fixed != 0, Items: make([]float64, cnt)}
		for i := range vd.Items {
			vd.Items[i] = math.Float64frombits(binary.BigEndian.Uint64(b[8*i:]))
		}
		v = vd
	}
	d.objs = append(d.objs, v)
	return v, nil
}

func (d *decoder) vectorObject3(start int) (Value, error) {
	var ref Value
	n, inline, err := d.header(&ref)
	if err != nil || !inline {
		return ref, err
	}
	if uint64(n) > uint64(d.lim.maxLength) {
		return nil, d.limit(start, "declared length %d over the limit of %d", n, d.lim.maxLength)
	}
	fixed, err := d.u8()
	if err != nil {
		return nil, err
	}
	typ, err := d.string3()
	if err != nil {
		return nil, err
	}
	vo := &VectorObject{Fixed: fixed != 0, Type: typ}
	d.objs = append(d.objs, vo)
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if vo.Items, err = d.values(start, n, d.value3); err != nil {
		return nil, err
	}
	d.leave()
	return vo, nil
}

func (d *decoder) dictionary3(start int) (Value, error) {
	var ref Value
	n, inline, err := d.header(&ref)
	if err != nil || !inline {
		return ref, err
	}
	if uint64(n) > uint64(d.lim.maxLength) {
		return nil, d.limit(start, "declared length %d over the limit of %d", n, d.lim.maxLength)
	}
	weak, err := d.u8()
	if err != nil {
		return nil, err
	}
	dict := &Dictionary{Weak: weak != 0}
	d.objs = append(d.objs, dict)
	if err := d.enter(start); err != nil {
		return nil, err
	}
	// Each entry is two values of at least one byte each.
	if uint64(n)*2 > uint64(d.lim.maxNodes-d.nodes) {
		return nil, d.limit(start, "declared count %d over the remaining budget of %d values", n, d.lim.maxNodes-d.nodes)
	}
	cnt, err := d.count(start, uint64(n), 2, false)
	if err != nil {
		return nil, err
	}
	if cnt > 0 {
		dict.Entries = make([]DictEntry, cnt)
		for i := range dict.Entries {
			e := &dict.Entries[i]
			if e.Key, err = d.value3(); err != nil {
				return nil, err
			}
			if e.Value, err = d.value3(); err != nil {
				return nil, err
			}
		}
	}
	d.leave()
	return dict, nil
}

// encoder side

// appendU29 appends v (at most 0x1FFFFFFF) as a U29.
func appendU29(b []byte, v uint32) []byte {
	switch {
	case v < 1<<7:
		return append(b, byte(v))
	case v < 1<<14:
		return append(b, byte(v>>7)|0x80, byte(v)&0x7f)
	case v < 1<<21:
		return append(b, byte(v>>14)|0x80, byte(v>>7)|0x80, byte(v)&0x7f)
	default:
		return append(b, byte(v>>22)|0x80, byte(v>>15)|0x80, byte(v>>8)|0x80, byte(v))
	}
}

func appendF64(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

// value3 writes one AMF3 value.
func (e *encoder) value3(v Value) error {
	if err := e.node(); err != nil {
		return err
	}
	return e.value3Body(v)
}

// value3Body writes v after value3 counted it: one function per type.
func (e *encoder) value3Body(v Value) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, m3Null)
	case Undefined:
		e.buf = append(e.buf, m3Undefined)
	case bool:
		e.bool3(x)
	case int32:
		e.int3(int64(x))
	case int:
		e.int3(int64(x))
	case int64:
		e.int3(x)
	case int8:
		e.int3(int64(x))
	case int16:
		e.int3(int64(x))
	case uint8:
		e.int3(int64(x))
	case uint16:
		e.int3(int64(x))
	case uint32:
		e.int3(int64(x))
	case uint:
		e.uint3(uint64(x))
	case uint64:
		e.uint3(x)
	case float64:
		e.double3(x)
	case float32:
		e.double3(float64(x))
	case string:
		e.buf = append(e.buf, m3String)
		return e.string3(x)
	case *XML:
		return e.xml3(x)
	case *Date:
		e.date3(x)
	case time.Time:
		e.time3(x)
	case *Array:
		return e.arrayOf3(x)
	case []Value:
		return e.list3(x)
	case *Object:
		return e.objectOf3(x)
	case map[string]Value:
		return e.map3(x)
	case *ByteArray:
		return e.byteArray3(x)
	case []byte:
		return e.byteSlice3(x)
	case *VectorInt:
		return e.vectorInt3(x)
	case *VectorUint:
		return e.vectorUint3(x)
	case *VectorDouble:
		return e.vectorDouble3(x)
	case *VectorObject:
		return e.vectorObject3(x)
	case *Dictionary:
		return e.dictionary3(x)
	default:
		return e.other3(v)
	}
	return nil
}

func (e *encoder) null3() error {
	e.buf = append(e.buf, m3Null)
	return nil
}

func (e *encoder) bool3(b bool) {
	if b {
		e.buf = append(e.buf, m3True)
	} else {
		e.buf = append(e.buf, m3False)
	}
}

func (e *encoder) double3(f float64) {
	e.buf = appendF64(append(e.buf, m3Double), f)
}

func (e *encoder) xml3(x *XML) error {
	if x == nil {
		return e.null3()
	}
	m := byte(m3XML)
	if x.Document {
		m = m3XMLDoc
	}
	if e.ref3(m, x) {
		return nil
	}
	return e.text3(x.Text)
}

func (e *encoder) date3(x *Date) {
	if x == nil {
		e.null3()
		return
	}
	if e.ref3(m3Date, x) {
		return
	}
	e.buf = appendF64(append(e.buf, 0x01), x.Ms)
}

// time3 writes a time.Time as a Date (a value: it is never referenced).
func (e *encoder) time3(t time.Time) {
	e.ref3(m3Date, nil)
	e.buf = appendF64(append(e.buf, 0x01), float64(t.UnixMilli()))
}

func (e *encoder) arrayOf3(x *Array) error {
	if x == nil {
		return e.null3()
	}
	if e.ref3(m3Array, x) {
		return nil
	}
	return e.array3(x.Dense, x.Assoc)
}

// list3 writes a []Value as a dense Array (a slice has no identity here).
func (e *encoder) list3(x []Value) error {
	if x == nil {
		return e.null3()
	}
	e.ref3(m3Array, nil)
	return e.array3(x, nil)
}

func (e *encoder) objectOf3(x *Object) error {
	if x == nil {
		return e.null3()
	}
	return e.object3(x, x)
}

// map3 writes a map as an anonymous dynamic object, keys sorted.
func (e *encoder) map3(x map[string]Value) error {
	if x == nil {
		return e.null3()
	}
	return e.object3(nil, mapObject(x))
}

func (e *encoder) byteArray3(x *ByteArray) error {
	if x == nil {
		return e.null3()
	}
	if e.ref3(m3ByteArray, x) {
		return nil
	}
	return e.bytes3(x.Bytes)
}

// byteSlice3 writes a []byte as a ByteArray (never referenced).
func (e *encoder) byteSlice3(x []byte) error {
	if x == nil {
		return e.null3()
	}
	e.ref3(m3ByteArray, nil)
	return e.bytes3(x)
}

func (e *encoder) vectorInt3(x *VectorInt) error {
	if x == nil {
		return e.null3()
	}
	if e.ref3(m3VectorInt, x) {
		return nil
	}
	if err := e.vecHeader(len(x.Items), x.Fixed); err != nil {
		return err
	}
	for _, n := range x.Items {
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	}
	return nil
}

func (e *encoder) vectorUint3(x *VectorUint) error {
	if x == nil {
		return e.null3()
	}
	if e.ref3(m3VectorUint, x) {
		return nil
	}
	if err := e.vecHeader(len(x.Items), x.Fixed); err != nil {
		return err
	}
	for _, n := range x.Items {
		e.buf = binary.BigEndian.AppendUint32(e.buf, n)
	}
	return nil
}

func (e *encoder) vectorDouble3(x *VectorDouble) error {
	if x == nil {
		return e.null3()
	}
	if e.ref3(m3VectorDouble, x) {
		return nil
	}
	if err := e.vecHeader(len(x.Items), x.Fixed); err != nil {
		return err
	}
	for _, f := range x.Items {
		e.buf = appendF64(e.buf, f)
	}
	return nil
}

func (e *encoder) vectorObject3(x *VectorObject) error {
	if x == nil {
		return e.null3()
	}
	if e.ref3(m3VectorObject, x) {
		return nil
	}
	if err := e.vecHeader(len(x.Items), x.Fixed); err != nil {
		return err
	}
	if err := e.string3(x.Type); err != nil {
		return err
	}
	if err := e.enter(); err != nil {
		return err
	}
	for i, it := range x.Items {
		if err := e.value3(it); err != nil {
			return atIndex(err, i)
		}
	}
	e.leave()
	return nil
}

func (e *encoder) dictionary3(x *Dictionary) error {
	if x == nil {
		return e.null3()
	}
	if e.ref3(m3Dictionary, x) {
		return nil
	}
	if err := e.length3(len(x.Entries)); err != nil {
		return err
	}
	if x.Weak {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
	if err := e.enter(); err != nil {
		return err
	}
	for i, en := range x.Entries {
		if err := e.value3(en.Key); err != nil {
			return atIndex(err, i)
		}
		if err := e.value3(en.Value); err != nil {
			return atIndex(err, i)
		}
	}
	e.leave()
	return nil
}

// ref3 writes marker m and, when key was written before, the reference to
// it, reporting true. Otherwise it enters key in the object table (a nil key
// takes a slot that can never be referenced) and reports false.
func (e *encoder) ref3(m byte, key any) bool {
	e.buf = append(e.buf, m)
	if key != nil {
		if i, ok := e.objs[key]; ok && i < 1<<28 {
			e.buf = appendU29(e.buf, uint32(i)<<1)
			return true
		}
		if e.objs == nil {
			e.objs = make(map[any]int, 16)
		}
		e.objs[key] = e.nobjs
	}
	e.nobjs++
	return false
}

// length3 writes an inline-value header for length n.
func (e *encoder) length3(n int) error {
	if uint64(n) >= 1<<28 {
		return &EncodeError{Msg: "length over 2^28-1 cannot be sent in AMF3"}
	}
	e.buf = appendU29(e.buf, uint32(n)<<1|1)
	return nil
}

func (e *encoder) vecHeader(n int, fixed bool) error {
	if err := e.length3(n); err != nil {
		return err
	}
	if fixed {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
	return nil
}

func (e *encoder) text3(s string) error {
	if err := e.length3(len(s)); err != nil {
		return err
	}
	e.buf = append(e.buf, s...)
	return nil
}

func (e *encoder) bytes3(b []byte) error {
	if err := e.length3(len(b)); err != nil {
		return err
	}
	e.buf = append(e.buf, b...)
	return nil
}

// string3 writes a UTF-8-vr: "" inline, a string seen before as a reference.
func (e *encoder) string3(s string) error {
	if s == "" {
		e.buf = append(e.buf, 0x01)
		return nil
	}
	if i, ok := e.strs[s]; ok {
		e.buf = appendU29(e.buf, uint32(i)<<1)
		return nil
	}
	if err := e.text3(s); err != nil {
		return err
	}
	if len(e.strs) < 1<<28 {
		if e.strs == nil {
			e.strs = make(map[string]int, 32)
		}
		e.strs[s] = len(e.strs)
	}
	return nil
}

func (e *encoder) int3(i int64) {
	if i >= minInt29 && i <= maxInt29 {
		e.buf = appendU29(append(e.buf, m3Integer), uint32(i)&0x1fffffff)
		return
	}
	e.buf = appendF64(append(e.buf, m3Double), float64(i))
}

func (e *encoder) uint3(u uint64) {
	if u <= maxInt29 {
		e.int3(int64(u))
		return
	}
	e.buf = appendF64(append(e.buf, m3Double), float64(u))
}

func (e *encoder) array3(dense []Value, assoc []Member) error {
	if err := e.length3(len(dense)); err != nil {
		return err
	}
	if err := e.enter(); err != nil {
		return err
	}
	for _, m := range assoc {
		if m.Name == "" {
			return atMember(&EncodeError{Msg: `AMF3 cannot carry the array key ""`}, m.Name)
		}
		if err := e.string3(m.Name); err != nil {
			return err
		}
		if err := e.value3(m.Value); err != nil {
			return atMember(err, m.Name)
		}
	}
	e.buf = append(e.buf, 0x01)
	for i, v := range dense {
		if err := e.value3(v); err != nil {
			return atIndex(err, i)
		}
	}
	e.leave()
	return nil
}

// object3 writes o, entered in the object table under key (nil: no identity).
func (e *encoder) object3(key any, o *Object) error {
	if e.ref3(m3Object, key) {
		return nil
	}
	if o.Static && len(o.Dynamic) > 0 {
		return &EncodeError{Msg: "static object has dynamic members"}
	}
	if err := e.traits3(o); err != nil {
		return err
	}
	if err := e.enter(); err != nil {
		return err
	}
	for _, m := range o.Sealed {
		if err := e.value3(m.Value); err != nil {
			return atMember(err, m.Name)
		}
	}
	if !o.Static {
		for _, m := range o.Dynamic {
			if m.Name == "" {
				return atMember(&EncodeError{Msg: `AMF3 cannot carry the dynamic member name ""`}, m.Name)
			}
			if err := e.string3(m.Name); err != nil {
				return err
			}
			if err := e.value3(m.Value); err != nil {
				return atMember(err, m.Name)
			}
		}
		e.buf = append(e.buf, 0x01)
	}
	e.leave()
	return nil
}

// traits3 writes o's traits, by reference when equal traits (class,
// dynamic flag, sealed names) were written before, as Flash, BlazeDS and
// PyAMF do, anonymous objects included.
func (e *encoder) traits3(o *Object) error {
	head := traitsHead{class: o.Class, dynamic: !o.Static, n: len(o.Sealed)}
	for _, i := range e.traits[head] {
		if sameNames(e.traitNames[i], o.Sealed) {
			e.buf = appendU29(e.buf, uint32(i)<<2|1)
			return nil
		}
	}
	if len(o.Sealed) >= 1<<25 {
		return &EncodeError{Msg: "more than 2^25-1 sealed members"}
	}
	names := make([]string, len(o.Sealed))
	for i, m := range o.Sealed {
		if m.Name == "" {
			return &EncodeError{Msg: `empty sealed member name`}
		}
		names[i] = m.Name
	}
	e.addTraits(head, names)
	h := uint32(len(o.Sealed))<<4 | 0x03
	if !o.Static {
		h |= 0x08
	}
	e.buf = appendU29(e.buf, h)
	if err := e.string3(o.Class); err != nil {
		return err
	}
	for _, name := range names {
		if err := e.string3(name); err != nil {
			return err
		}
	}
	return nil
}

// traitsHead is the part of a traits definition that indexes the table;
// definitions that share it differ in their sealed names.
type traitsHead struct {
	class    string
	dynamic  bool
	external bool
	n        int
}

// addTraits enters a traits definition in the table (references reach the
// first 2^27 only).
func (e *encoder) addTraits(head traitsHead, names []string) {
	i := len(e.traitNames)
	e.traitNames = append(e.traitNames, names)
	if i < 1<<27 {
		if e.traits == nil {
			e.traits = make(map[traitsHead][]int, 8)
		}
		e.traits[head] = append(e.traits[head], i)
	}
}

func sameNames(names []string, sealed []Member) bool {
	for i, m := range sealed {
		if names[i] != m.Name {
			return false
		}
	}
	return true
}

// external3 writes an externalizable object under class alias.
func (e *encoder) external3(key any, class string, x Externalizable) error {
	if e.ref3(m3Object, key) {
		return nil
	}
	head := traitsHead{class: class, external: true}
	if is := e.traits[head]; len(is) > 0 {
		e.buf = appendU29(e.buf, uint32(is[0])<<2|1)
	} else {
		e.addTraits(head, nil)
		e.buf = append(e.buf, 0x07)
		if err := e.string3(class); err != nil {
			return err
		}
	}
	if err := e.enter(); err != nil {
		return err
	}
	if err := x.WriteExternal(&ExternalOutput{e: e}); err != nil {
		var ee *EncodeError
		if asEncodeError(err, &ee) {
			return err
		}
		return &EncodeError{Msg: "writeExternal of " + class + ": " + err.Error(), Err: err}
	}
	e.leave()
	return nil
}
