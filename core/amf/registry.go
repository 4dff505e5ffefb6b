package amf

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Registry maps class aliases to application types. It is the only way a
// typed object on the wire becomes a Go type: the caller creates it, fills it
// with Register before use and passes it in Options. A Registry is not safe
// for concurrent Register calls, but once filled it may be shared by any
// number of concurrent Decode and Encode calls.
//
// A registered struct's exported fields are its sealed members, in
// declaration order (fields of embedded structs included, as encoding/json
// promotes them). A field tag `amf:"name"` renames a member, `amf:"-"` skips
// the field, and `amf:",dynamic"` marks a field of type map[string]T or
// []Member that holds the dynamic members; with one, the class is dynamic,
// and members that no field names land there. Without one, a member that no
// field names is an error.
//
// A registered type whose pointer implements Externalizable is an
// externalizable class instead: it reads and writes its own bytes.
type Registry struct {
	byAlias map[string]*classInfo
	byType  map[reflect.Type]*classInfo
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{byAlias: map[string]*classInfo{}, byType: map[reflect.Type]*classInfo{}}
}

// Register maps alias to the type of prototype, a struct value or a pointer
// to one (or, for an externalizable class, any type whose pointer implements
// Externalizable). Decoding a typed object with that alias yields a *T;
// encoding a T or *T writes it under that alias. Registering an alias or a
// type twice is an error. An alias may name a built-in externalizable
// (flex.messaging.io.ArrayCollection, ...) to replace it.
func (r *Registry) Register(alias string, prototype any) error {
	if alias == "" {
		return errors.New("amf: Register: empty alias (anonymous objects cannot be mapped)")
	}
	t := reflect.TypeOf(prototype)
	if t == nil {
		return errors.New("amf: Register: nil prototype")
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if r.byAlias[alias] != nil {
		return fmt.Errorf("amf: Register: alias %q already registered", alias)
	}
	if r.byType[t] != nil {
		return fmt.Errorf("amf: Register: type %v already registered as %q", t, r.byType[t].alias)
	}
	ci := &classInfo{alias: alias, typ: t, dynIndex: nil}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[Externalizable]()) {
		ci.external = true
	} else if t.Kind() != reflect.Struct {
		return fmt.Errorf("amf: Register: %v is neither a struct nor Externalizable", t)
	} else if err := ci.fields(); err != nil {
		return err
	}
	if r.byAlias == nil {
		r.byAlias = map[string]*classInfo{}
		r.byType = map[reflect.Type]*classInfo{}
	}
	r.byAlias[alias] = ci
	r.byType[t] = ci
	return nil
}

// class returns the class registered under alias, or nil.
func (r *Registry) class(alias string) *classInfo {
	if r == nil || alias == "" {
		return nil
	}
	return r.byAlias[alias]
}

// classFor returns the class of a value of type t, a registered type or a
// pointer to one (ptr reports which).
func (r *Registry) classFor(t reflect.Type) (ci *classInfo, ptr bool) {
	if r == nil {
		return nil, false
	}
	if ci := r.byType[t]; ci != nil {
		return ci, false
	}
	if t.Kind() == reflect.Pointer {
		if ci := r.byType[t.Elem()]; ci != nil {
			return ci, true
		}
	}
	return nil, false
}

// classInfo describes one registered type.
type classInfo struct {
	alias    string
	typ      reflect.Type
	external bool
	members  []fieldInfo
	byName   map[string]int
	dynIndex []int // the dynamic field, or nil
}

type fieldInfo struct {
	name  string
	index []int
}

var memberSliceType = reflect.TypeFor[[]Member]()

func (ci *classInfo) fields() error {
	ci.byName = map[string]int{}
	for _, f := range reflect.VisibleFields(ci.typ) {
		if f.Anonymous || !f.IsExported() || throughPointer(ci.typ, f.Index) {
			continue
		}
		tag := f.Tag.Get("amf")
		if tag == "-" {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		if opt == "dynamic" {
			if ci.dynIndex != nil {
				return fmt.Errorf("amf: Register: %v has two dynamic fields", ci.typ)
			}
			ft := f.Type
			if ft != memberSliceType && (ft.Kind() != reflect.Map || ft.Key().Kind() != reflect.String) {
				return fmt.Errorf("amf: Register: dynamic field %s of %v must be map[string]T or []amf.Member", f.Name, ci.typ)
			}
			ci.dynIndex = f.Index
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := ci.byName[name]; dup {
			return fmt.Errorf("amf: Register: %v has two members named %q", ci.typ, name)
		}
		ci.byName[name] = len(ci.members)
		ci.members = append(ci.members, fieldInfo{name, f.Index})
	}
	return nil
}

// throughPointer reports whether a promoted field is reached through an
// embedded pointer, which may be nil; such fields are not members.
func throughPointer(t reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Pointer {
			return true
		}
		t = f.Type
	}
	return false
}

// toObject returns the *Object that sv, a value of the registered struct,
// is written as.
func (ci *classInfo) toObject(sv reflect.Value) *Object {
	o := &Object{Class: ci.alias, Static: ci.dynIndex == nil}
	o.Sealed = make([]Member, len(ci.members))
	for i, f := range ci.members {
		o.Sealed[i] = Member{f.name, sv.FieldByIndex(f.index).Interface()}
	}
	if ci.dynIndex != nil {
		dv := sv.FieldByIndex(ci.dynIndex)
		if dv.Type() == memberSliceType {
			o.Dynamic = dv.Interface().([]Member)
		} else {
			keys := make([]string, 0, dv.Len())
			for it := dv.MapRange(); it.Next(); {
				keys = append(keys, it.Key().String())
			}
			slices.Sort(keys)
			for _, k := range keys {
				o.Dynamic = append(o.Dynamic, Member{k, dv.MapIndex(reflect.ValueOf(k).Convert(dv.Type().Key())).Interface()})
			}
		}
	}
	return o
}

// setMember stores the decoded member name=v in sv, a value of the struct.
func (ci *classInfo) setMember(sv reflect.Value, name string, v Value, maxDepth int) error {
	if i, ok := ci.byName[name]; ok {
		f := sv.FieldByIndex(ci.members[i].index)
		if err := assign(f, v, maxDepth); err != nil {
			return fmt.Errorf("member %q of %s: %w", name, ci.alias, err)
		}
		return nil
	}
	if ci.dynIndex == nil {
		return fmt.Errorf("class %s (%v) has no field for member %q", ci.alias, ci.typ, name)
	}
	dv := sv.FieldByIndex(ci.dynIndex)
	if dv.Type() == memberSliceType {
		dv.Set(reflect.Append(dv, reflect.ValueOf(Member{name, v})))
		return nil
	}
	if dv.IsNil() {
		dv.Set(reflect.MakeMap(dv.Type()))
	}
	ev := reflect.New(dv.Type().Elem()).Elem()
	if err := assign(ev, v, maxDepth); err != nil {
		return fmt.Errorf("dynamic member %q of %s: %w", name, ci.alias, err)
	}
	dv.SetMapIndex(reflect.ValueOf(name).Convert(dv.Type().Key()), ev)
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// assign stores the decoded value v in dst, converting between the value
// model and the field's Go type. Containers are copied element by element;
// depth bounds the recursion (Go types like `type L []L` nest without end).
func assign(dst reflect.Value, v Value, depth int) error {
	if depth <= 0 {
		return errors.New("conversion nests too deeply")
	}
	if v == nil || v == (Undefined{}) {
		if dst.Kind() == reflect.Interface {
			if v == nil {
				dst.SetZero()
			} else {
				dst.Set(reflect.ValueOf(v))
			}
			return nil
		}
		dst.SetZero()
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Type().AssignableTo(dst.Type()) {
		dst.Set(rv)
		return nil
	}
	fail := func() error { return fmt.Errorf("cannot store %s in a Go %v", describe(v), dst.Type()) }
	switch dst.Kind() {
	case reflect.Bool:
		if b, ok := v.(bool); ok {
			dst.SetBool(b)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if f, ok := number(v); ok && f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 && !dst.OverflowInt(int64(f)) {
			dst.SetInt(int64(f))
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if f, ok := number(v); ok && f == math.Trunc(f) && f >= 0 && f < 1<<64 && !dst.OverflowUint(uint64(f)) {
			dst.SetUint(uint64(f))
			return nil
		}
	case reflect.Float32, reflect.Float64:
		if f, ok := number(v); ok {
			dst.SetFloat(f)
			return nil
		}
	case reflect.String:
		switch x := v.(type) {
		case string:
			dst.SetString(x)
			return nil
		case *XML:
			dst.SetString(x.Text)
			return nil
		}
	case reflect.Struct:
		if dst.Type() == timeType {
			if d, ok := v.(*Date); ok {
				t, _ := d.Time()
				dst.Set(reflect.ValueOf(t))
				return nil
			}
		}
		if rv.Kind() == reflect.Pointer && rv.Type().Elem() == dst.Type() {
			dst.Set(rv.Elem())
			return nil
		}
	case reflect.Pointer:
		p := reflect.New(dst.Type().Elem())
		if err := assign(p.Elem(), v, depth-1); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	case reflect.Slice:
		if dst.Type().Elem().Kind() == reflect.Uint8 {
			if b, ok := v.(*ByteArray); ok {
				dst.SetBytes(append([]byte(nil), b.Bytes...))
				return nil
			}
		}
		items, ok := sequence(v)
		if !ok {
			return fail()
		}
		s := reflect.MakeSlice(dst.Type(), len(items), len(items))
		for i, it := range items {
			if err := assign(s.Index(i), it, depth-1); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		return assignMap(dst, v, depth)
	}
	return fail()
}

func assignMap(dst reflect.Value, v Value, depth int) error {
	t := dst.Type()
	m := reflect.MakeMap(t)
	put := func(k, val Value) error {
		kv := reflect.New(t.Key()).Elem()
		if err := assign(kv, k, depth-1); err != nil {
			return fmt.Errorf("key: %w", err)
		}
		ev := reflect.New(t.Elem()).Elem()
		if err := assign(ev, val, depth-1); err != nil {
			return fmt.Errorf("[%v]: %w", k, err)
		}
		m.SetMapIndex(kv, ev)
		return nil
	}
	var members []Member
	switch x := v.(type) {
	case *Object:
		members = append(slices.Clip(x.Sealed), x.Dynamic...)
	case *ObjectProxy:
		return assignMap(dst, x.Object, depth-1)
	case *Array:
		members = x.Assoc
	case *Dictionary:
		for _, e := range x.Entries {
			if err := put(e.Key, e.Value); err != nil {
				return err
			}
		}
		dst.Set(m)
		return nil
	default:
		return fmt.Errorf("cannot store %s in a Go %v", describe(v), t)
	}
	for _, mb := range members {
		if err := put(mb.Name, mb.Value); err != nil {
			return err
		}
	}
	dst.Set(m)
	return nil
}

// number returns v as a float64 when it is an AMF number.
func number(v Value) (float64, bool) {
	switch x := v.(type) {
	case int32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// sequence returns the elements of an array-like value.
func sequence(v Value) ([]Value, bool) {
	switch x := v.(type) {
	case *Array:
		return x.Dense, true
	case *VectorObject:
		return x.Items, true
	case *VectorInt:
		s := make([]Value, len(x.Items))
		for i, n := range x.Items {
			s[i] = n
		}
		return s, true
	case *VectorUint:
		s := make([]Value, len(x.Items))
		for i, n := range x.Items {
			s[i] = float64(n)
		}
		return s, true
	case *VectorDouble:
		s := make([]Value, len(x.Items))
		for i, f := range x.Items {
			s[i] = f
		}
		return s, true
	case *ArrayCollection:
		if a, ok := x.Source.(*Array); ok {
			return a.Dense, true
		}
	case *ArrayList:
		if a, ok := x.Source.(*Array); ok {
			return a.Dense, true
		}
	}
	return nil, false
}

// describe names the AMF type of a decoded value for error messages.
func describe(v Value) string {
	switch x := v.(type) {
	case int32:
		return "an integer"
	case float64:
		return "a number"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case *Object:
		if x.Class != "" {
			return "an object of class " + x.Class
		}
		return "an anonymous object"
	}
	return fmt.Sprintf("a %T", v)
}

// newOf returns a pointer to a new zero value of the registered type.
func newOf(ci *classInfo) any { return reflect.New(ci.typ).Interface() }
