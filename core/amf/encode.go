package amf

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
)

// Encode returns the encoding (AMF0 or AMF3) of v, with fresh reference
// tables as for one AS3 writeObject call. opts may be nil; its limits apply
// (a Go graph deeper than MaxDepth or with more than MaxNodes values is an
// error, so a cyclic map cannot loop), and its Registry names application
// types. Errors are *EncodeError.
func Encode(v Value, encoding int, opts *Options) ([]byte, error) {
	return AppendEncode(nil, v, encoding, opts)
}

// AppendEncode appends the encoding of v to dst, as Encode. On error it
// returns dst unchanged in length.
func AppendEncode(dst []byte, v Value, encoding int, opts *Options) ([]byte, error) {
	e := encoder{buf: dst, lim: opts.limits()}
	var err error
	switch encoding {
	case AMF0:
		err = e.value0(v)
	case AMF3:
		err = e.value3(v)
	default:
		return dst, &EncodeError{Msg: fmt.Sprintf("unknown object encoding %d (want 0 or 3)", encoding)}
	}
	if err != nil {
		return dst, err
	}
	return e.buf, nil
}

// encoder holds the state of one top-level Encode call.
type encoder struct {
	buf   []byte
	lim   limits
	depth int
	nodes int

	// AMF3 tables: strings by value, objects by identity (pointer), traits by
	// value. nobjs also counts objects without identity, which take a slot in
	// the reader's table all the same.
	strs       map[string]int
	objs       map[any]int
	nobjs      int
	traits     map[traitsHead][]int
	traitNames [][]string

	// AMF0 object table.
	objs0  map[any]int
	nobjs0 int
}

func (e *encoder) node() error {
	e.nodes++
	if e.nodes > e.lim.maxNodes {
		return &EncodeError{Msg: fmt.Sprintf("more than %d values", e.lim.maxNodes), Err: ErrLimit}
	}
	return nil
}

func (e *encoder) enter() error {
	e.depth++
	if e.depth > e.lim.maxDepth {
		return &EncodeError{Msg: fmt.Sprintf("nesting deeper than %d levels (a cycle without identity?)", e.lim.maxDepth), Err: ErrLimit}
	}
	return nil
}

func (e *encoder) leave() { e.depth-- }

func asEncodeError(err error, target **EncodeError) bool { return errors.As(err, target) }

// atIndex and atMember prefix the path of an *EncodeError as it unwinds.
func atIndex(err error, i int) error {
	if ee, ok := err.(*EncodeError); ok {
		ee.Path = "[" + strconv.Itoa(i) + "]" + ee.Path
	}
	return err
}

func atMember(err error, name string) error {
	if ee, ok := err.(*EncodeError); ok {
		ee.Path = "." + name + ee.Path
	}
	return err
}

// mapObject turns a Go map into an anonymous dynamic object, keys sorted so
// that the output does not depend on map order.
func mapObject(m map[string]Value) *Object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o := &Object{Dynamic: make([]Member, len(keys))}
	for i, k := range keys {
		o.Dynamic[i] = Member{k, m[k]}
	}
	return o
}

// builtin is implemented by the built-in externalizable types.
type builtin interface {
	Externalizable
	externalClass() (string, error)
}

// encodeKind says how the encoder writes a value the main type switches do
// not know.
type encodeKind int

const (
	kindUnsupported encodeKind = iota
	kindNull                   // a nil pointer, slice or map
	kindExternal               // an Externalizable with its class alias
	kindStruct                 // a registered struct, as an *Object
	kindPlain                  // a Go value normalized to a type the switches know
)

// classify resolves a value outside the main type switches: built-in and
// registered externalizables, registered structs (key is the pointer when
// the value has identity), and Go conveniences normalized to plain types.
func (e *encoder) classify(v Value) (k encodeKind, key any, alias string, x Externalizable, o *Object, plain Value, err error) {
	if b, ok := v.(builtin); ok {
		if reflect.ValueOf(v).IsNil() {
			return kindNull, nil, "", nil, nil, nil, nil
		}
		alias, err = b.externalClass()
		if err != nil {
			return 0, nil, "", nil, nil, nil, &EncodeError{Msg: err.Error()}
		}
		return kindExternal, v, alias, b, nil, nil, nil
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	if ci, ptr := e.lim.reg.classFor(t); ci != nil {
		if ptr {
			if rv.IsNil() {
				return kindNull, nil, "", nil, nil, nil, nil
			}
			key = v
		} else {
			p := reflect.New(t)
			p.Elem().Set(rv)
			rv = p
		}
		if ci.external {
			return kindExternal, key, ci.alias, rv.Interface().(Externalizable), nil, nil, nil
		}
		return kindStruct, key, ci.alias, nil, ci.toObject(rv.Elem()), nil, nil
	}
	if x, ok := v.(Externalizable); ok {
		return 0, nil, "", nil, nil, nil, &EncodeError{Msg: fmt.Sprintf("externalizable type %T is not in the Registry", x)}
	}
	switch rv.Kind() {
	case reflect.Bool:
		return kindPlain, nil, "", nil, nil, rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kindPlain, nil, "", nil, nil, rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return kindPlain, nil, "", nil, nil, rv.Uint(), nil
	case reflect.Float32, reflect.Float64:
		return kindPlain, nil, "", nil, nil, rv.Float(), nil
	case reflect.String:
		return kindPlain, nil, "", nil, nil, rv.String(), nil
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return kindNull, nil, "", nil, nil, nil, nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			return kindPlain, nil, "", nil, nil, b, nil
		}
		if rv.Len() > e.lim.maxNodes-e.nodes {
			return 0, nil, "", nil, nil, nil, &EncodeError{Msg: fmt.Sprintf("more than %d values", e.lim.maxNodes), Err: ErrLimit}
		}
		s := make([]Value, rv.Len())
		for i := range s {
			s[i] = rv.Index(i).Interface()
		}
		return kindPlain, nil, "", nil, nil, s, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		if rv.IsNil() {
			return kindNull, nil, "", nil, nil, nil, nil
		}
		m := make(map[string]Value, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return kindPlain, nil, "", nil, nil, m, nil
	case reflect.Pointer:
		if rv.IsNil() {
			return kindNull, nil, "", nil, nil, nil, nil
		}
		return kindPlain, nil, "", nil, nil, rv.Elem().Interface(), nil
	}
	return 0, nil, "", nil, nil, nil, &EncodeError{Msg: fmt.Sprintf("cannot encode Go type %T", v)}
}

// other3 writes what value3Body's switch does not know.
func (e *encoder) other3(v Value) error {
	k, key, alias, x, o, plain, err := e.classify(v)
	if err != nil {
		return err
	}
	switch k {
	case kindNull:
		e.buf = append(e.buf, m3Null)
		return nil
	case kindExternal:
		return e.external3(key, alias, x)
	case kindStruct:
		return e.object3(key, o)
	}
	// A pointer's target may be another pointer: count the step as nesting.
	if err := e.enter(); err != nil {
		return err
	}
	err = e.value3Body(plain)
	e.leave()
	return err
}
