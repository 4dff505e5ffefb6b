package amf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Decode reads one value in the given encoding (AMF0 or AMF3) from the front
// of data and returns it with the number of bytes it used. Bytes after the
// value are not looked at. Reference tables start empty, as for one AS3
// readObject call.
//
// When data ends inside the value the error matches ErrIncomplete (type
// *IncompleteError) and nothing should be consumed; malformed data, or data
// over a limit, gives a *SyntaxError with the offset of the fault. opts may
// be nil.
func Decode(data []byte, encoding int, opts *Options) (v Value, n int, err error) {
	d := decoder{data: data, lim: opts.limits()}
	switch encoding {
	case AMF0:
		v, err = d.value0()
	case AMF3:
		v, err = d.value3()
	default:
		return nil, 0, fmt.Errorf("amf: unknown object encoding %d (want 0 or 3)", encoding)
	}
	if err != nil {
		return nil, 0, err
	}
	return v, d.pos, nil
}

// decoder holds the state of one top-level Decode call.
type decoder struct {
	data  []byte
	pos   int
	lim   limits
	depth int
	nodes int

	// AMF3 reference tables. An AMF0 value shares one set across all of its
	// 0x11 sections, as BlazeDS and PyAMF do.
	strs   []string
	objs   []Value
	traits []*traits

	// AMF0 reference table.
	objs0 []Value
}

// traits is one AMF3 traits definition.
type traits struct {
	class    string
	names    []string
	dynamic  bool
	external bool
}

func (d *decoder) incomplete(need int) error {
	return &IncompleteError{Offset: d.pos, Need: need}
}

func (d *decoder) syntax(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) limit(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...), Err: ErrLimit}
}

// enter opens one nesting level for a container that starts at off.
func (d *decoder) enter(off int) error {
	d.depth++
	if d.depth > d.lim.maxDepth {
		return d.limit(off, "nesting deeper than %d levels", d.lim.maxDepth)
	}
	return nil
}

func (d *decoder) leave() { d.depth-- }

// node counts one value that starts at off.
func (d *decoder) node(off int) error {
	d.nodes++
	if d.nodes > d.lim.maxNodes {
		return d.limit(off, "more than %d values", d.lim.maxNodes)
	}
	return nil
}

// values reads n values with read (value0 or value3) once count has vetted
// n: the dense part of an array, the items of a Vector.<Object>. Nil for 0.
func (d *decoder) values(start int, n uint32, read func() (Value, error)) ([]Value, error) {
	cnt, err := d.count(start, uint64(n), 1, true)
	if err != nil || cnt == 0 {
		return nil, err
	}
	vs := make([]Value, cnt)
	for i := range vs {
		if vs[i], err = read(); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// count vets a declared element count before anything is allocated for it:
// against MaxLength, against the node budget when each element is a value
// (nodes), and against the bytes left, given the least size of one element.
func (d *decoder) count(off int, n uint64, minSize uint64, nodes bool) (int, error) {
	if n > uint64(d.lim.maxLength) {
		return 0, d.limit(off, "declared length %d over the limit of %d", n, d.lim.maxLength)
	}
	if nodes && n > uint64(d.lim.maxNodes-d.nodes) {
		return 0, d.limit(off, "declared count %d over the remaining budget of %d values", n, d.lim.maxNodes-d.nodes)
	}
	if need := n * minSize; need > uint64(len(d.data)-d.pos) {
		return 0, d.incomplete(d.pos + int(need))
	}
	return int(n), nil
}

func (d *decoder) u8() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, d.incomplete(d.pos + 1)
	}
	b := d.data[d.pos]
	d.pos++
	return b, nil
}

// take returns the next n bytes, without copying.
func (d *decoder) take(n int) ([]byte, error) {
	if n > len(d.data)-d.pos {
		return nil, d.incomplete(d.pos + n)
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) u16() (uint16, error) {
	b, err := d.take(2)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(b), nil
}

func (d *decoder) u32() (uint32, error) {
	b, err := d.take(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

func (d *decoder) f64() (float64, error) {
	b, err := d.take(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
}

// u29 reads AMF3's variable-length unsigned 29-bit integer: up to three
// bytes of seven bits with a continuation bit, then one of eight bits.
func (d *decoder) u29() (uint32, error) {
	var v uint32
	for i := 0; i < 4; i++ {
		if d.pos >= len(d.data) {
			return 0, d.incomplete(d.pos + 1)
		}
		b := d.data[d.pos]
		d.pos++
		if i == 3 {
			return v<<8 | uint32(b), nil
		}
		v = v<<7 | uint32(b&0x7f)
		if b&0x80 == 0 {
			break
		}
	}
	return v, nil
}

// text reads n bytes as a string, after checking n against MaxLength.
func (d *decoder) text(off int, n uint64) (string, error) {
	if n > uint64(d.lim.maxLength) {
		return "", d.limit(off, "declared length %d over the limit of %d", n, d.lim.maxLength)
	}
	b, err := d.take(int(n))
	if err != nil {
		return "", err
	}
	return string(b), nil
}
