package amf

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

type person struct {
	Name     string
	Age      int
	Email    *string
	Born     time.Time
	Tags     []string
	Scores   map[string]float64
	Photo    []byte
	Friend   *person
	Any      Value
	Ignored  string `amf:"-"`
	Renamed  bool   `amf:"is_active"`
	internal int
}

type address struct {
	Street string         `amf:"street"`
	Extra  map[string]any `amf:",dynamic"`
}

type base struct{ ID int32 }

type employee struct {
	base
	Dept string
	More []Member `amf:",dynamic"`
}

// point is an application externalizable: two float64s as raw bytes.
type point struct{ X, Y float64 }

func (p *point) ReadExternal(in *ExternalInput) error {
	b, err := in.ReadBytes(16)
	if err != nil {
		return err
	}
	d := decoder{data: b}
	p.X, _ = d.f64()
	p.Y, _ = d.f64()
	return nil
}

func (p *point) WriteExternal(out *ExternalOutput) error {
	out.Write(appendF64(appendF64(nil, p.X), p.Y))
	return nil
}

func testRegistry(t *testing.T) *Registry {
	r := NewRegistry()
	for alias, proto := range map[string]any{
		"com.example.Person":   person{},
		"com.example.Address":  &address{},
		"com.example.Employee": employee{},
		"com.example.Point":    &point{},
	} {
		if err := r.Register(alias, proto); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestRegistryRoundTrip(t *testing.T) {
	opts := &Options{Registry: testRegistry(t)}
	email := "a@example.com"
	p := &person{
		Name: "Ann", Age: 42, Email: &email, Born: time.Date(1980, 1, 2, 3, 4, 5, 0, time.UTC),
		Tags: []string{"x", "y"}, Scores: map[string]float64{"m": 1.5}, Photo: []byte{1, 2},
		Any: &Array{Dense: []Value{"free"}}, Ignored: "not sent", Renamed: true,
	}
	p.Friend = p // a cycle through a registered pointer
	for _, enc := range []int{AMF3, AMF0} {
		b, err := Encode(p, enc, opts)
		if err != nil {
			t.Fatalf("AMF%d Encode: %v", enc, err)
		}
		if bytes.Contains(b, []byte("not sent")) {
			t.Errorf("AMF%d: amf:\"-\" field was sent", enc)
		}
		v, _, err := Decode(b, enc, opts)
		if err != nil {
			t.Fatalf("AMF%d Decode: %v", enc, err)
		}
		got, ok := v.(*person)
		if !ok {
			t.Fatalf("AMF%d: decoded %T, want *person", enc, v)
		}
		if got.Friend != got {
			t.Errorf("AMF%d: cycle not kept", enc)
		}
		want := *p
		want.Friend, got.Friend = nil, nil
		want.Ignored = ""
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("AMF%d:\n got %+v\nwant %+v", enc, *got, want)
		}
		// Without the registry the same bytes are a plain typed object.
		v, _, err = Decode(b, enc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if o, ok := v.(*Object); !ok || o.Class != "com.example.Person" {
			t.Errorf("AMF%d without registry: %#v", enc, v)
		}
	}
}

func TestRegistryWireForm(t *testing.T) {
	opts := &Options{Registry: testRegistry(t)}
	// Sealed members in declaration order; the class is static.
	b, err := Encode(&address{Street: "Main"}, AMF3, opts)
	if err != nil {
		t.Fatal(err)
	}
	// dynamic (0x1b: 1 sealed + dynamic) because of the dynamic field.
	if want := "0a1b" + "27636f6d2e6578616d706c652e41646472657373" + "0d737472656574" + "06094d61696e" + "01"; hexString(b) != want {
		t.Errorf("address = %s\nwant      %s", hexString(b), want)
	}
	// Unknown members land in the dynamic field.
	in := &Object{Class: "com.example.Address", Sealed: []Member{{"street", "S"}}, Dynamic: []Member{{"zip", "123"}, {"n", int32(4)}}}
	b, _ = Encode(in, AMF3, nil)
	v, _, err := Decode(b, AMF3, opts)
	if err != nil {
		t.Fatal(err)
	}
	a := v.(*address)
	if a.Street != "S" || a.Extra["zip"] != "123" || a.Extra["n"] != int32(4) {
		t.Errorf("address = %+v", a)
	}
	// Embedded fields are promoted; []Member keeps dynamic order.
	e := &employee{base: base{ID: 7}, Dept: "R&D", More: []Member{{"z", "1"}, {"a", "2"}}}
	b, err = Encode(e, AMF3, opts)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err = Decode(b, AMF3, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, e) {
		t.Errorf("employee = %+v, want %+v", v, e)
	}
	plain, _, _ := Decode(b, AMF3, nil)
	if j, _ := ToJSON(plain); string(j) != `{"$amf":"object","class":"com.example.Employee","sealed":{"ID":7,"Dept":"R&D"},"dynamic":{"z":"1","a":"2"}}` {
		t.Errorf("employee as JSON: %s", j)
	}
}

func TestRegistryExternalizable(t *testing.T) {
	opts := &Options{Registry: testRegistry(t)}
	p := &point{X: 1.5, Y: -2}
	in := []any{p, p, point{X: 3}}
	for _, enc := range []int{AMF3, AMF0} {
		b, err := Encode(in, enc, opts)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := Decode(b, enc, opts)
		if err != nil {
			t.Fatalf("AMF%d: %v", enc, err)
		}
		items := v.(*Array).Dense
		if *items[0].(*point) != *p || items[0] != items[1] || *items[2].(*point) != (point{X: 3}) {
			t.Errorf("AMF%d: decoded %#v", enc, items)
		}
		// Unknown without the registry: a clear error.
		if _, _, err := Decode(b, enc, nil); !errors.Is(err, ErrUnknownClass) || !strings.Contains(err.Error(), "com.example.Point") {
			t.Errorf("AMF%d without registry: %v", enc, err)
		}
	}
	// An incomplete payload is incomplete, not malformed.
	b, _ := Encode(p, AMF3, opts)
	if _, _, err := Decode(b[:len(b)-1], AMF3, opts); !errors.Is(err, ErrIncomplete) {
		t.Errorf("truncated externalizable: %v", err)
	}
	// A registered alias may replace a built-in externalizable.
	r := NewRegistry()
	if err := r.Register("flex.messaging.io.ArrayCollection", &point{}); err != nil {
		t.Fatal(err)
	}
	b = append([]byte{0x0a, 0x07}, acClass...)
	b = appendF64(appendF64(b, 1), 2)
	if v, _, err := Decode(b, AMF3, &Options{Registry: r}); err != nil || *v.(*point) != (point{1, 2}) {
		t.Errorf("override: %#v %v", v, err)
	}
}

func TestRegistryErrors(t *testing.T) {
	r := testRegistry(t)
	for _, tc := range []struct {
		alias string
		proto any
	}{
		{"", person{}},
		{"x", nil},
		{"x", 5},
		{"com.example.Person", struct{}{}},
		{"other", person{}},
		{"twodyn", struct {
			A map[string]any `amf:",dynamic"`
			B []Member       `amf:",dynamic"`
		}{}},
		{"baddyn", struct {
			A []int `amf:",dynamic"`
		}{}},
		{"dupname", struct {
			A int `amf:"x"`
			B int `amf:"x"`
		}{}},
	} {
		if err := r.Register(tc.alias, tc.proto); err == nil {
			t.Errorf("Register(%q, %T) succeeded", tc.alias, tc.proto)
		}
	}
	opts := &Options{Registry: r}
	for name, o := range map[string]*Object{
		"unknown member":  {Class: "com.example.Person", Static: true, Sealed: []Member{{"Nope", int32(1)}}},
		"wrong type":      {Class: "com.example.Person", Static: true, Sealed: []Member{{"Age", "old"}}},
		"fraction in int": {Class: "com.example.Person", Static: true, Sealed: []Member{{"Age", 1.5}}},
		"overflow":        {Class: "com.example.Person", Static: true, Sealed: []Member{{"Age", 1e300}}},
	} {
		b, err := Encode(o, AMF3, nil)
		if err != nil {
			t.Fatal(err)
		}
		var se *SyntaxError
		if _, _, err := Decode(b, AMF3, opts); !errors.As(err, &se) {
			t.Errorf("%s: %v, want a *SyntaxError", name, err)
		}
	}
	// A struct class sent as externalizable, and the reverse.
	b := []byte{0x0a, 0x07, 0x25}
	b = append(b, "com.example.Person"...)
	if _, _, err := Decode(b, AMF3, opts); err == nil {
		t.Error("struct class as externalizable decoded")
	}
	b, _ = Encode(&Object{Class: "com.example.Point"}, AMF3, nil)
	if _, _, err := Decode(b, AMF3, opts); err == nil {
		t.Error("externalizable class as traits decoded")
	}
	// An unregistered Externalizable cannot be encoded.
	if _, err := Encode(&point{}, AMF3, nil); err == nil {
		t.Error("unregistered externalizable encoded")
	}
}

// TestAssignConversions covers the member conversions a registered struct
// gets from the value model.
func TestAssignConversions(t *testing.T) {
	type all struct {
		I8    int8
		U16   uint16
		F32   float32
		S     string
		X     string
		T     time.Time
		B     []byte
		Ints  []int
		Uints []uint32
		Dbls  []float64
		Objs  []map[string]int
		AC    []string
		Dict  map[int32]string
		Arr   map[string]bool
		Proxy map[string]string
		PP    **int
		U     Value
		N     *int
	}
	r := NewRegistry()
	if err := r.Register("all", all{}); err != nil {
		t.Fatal(err)
	}
	seven := 7
	in := &Object{Class: "all", Static: true, Sealed: []Member{
		{"I8", int32(-5)}, {"U16", 65535.0}, {"F32", int32(2)}, {"S", "s"}, {"X", &XML{Text: "<x/>"}},
		{"T", &Date{Ms: 1000}}, {"B", &ByteArray{Bytes: []byte("b")}},
		{"Ints", &VectorInt{Items: []int32{1, 2}}}, {"Uints", &VectorUint{Items: []uint32{3}}},
		{"Dbls", &VectorDouble{Items: []float64{0.5}}},
		{"Objs", &VectorObject{Items: []Value{&Object{Dynamic: []Member{{"a", int32(1)}}}}}},
		{"AC", &ArrayCollection{Source: &Array{Dense: []Value{"p", "q"}}}},
		{"Dict", &Dictionary{Entries: []DictEntry{{int32(1), "one"}}}},
		{"Arr", &Array{Assoc: []Member{{"yes", true}}}},
		{"Proxy", &ObjectProxy{Object: &Object{Dynamic: []Member{{"k", "v"}}}}},
		{"PP", int32(7)}, {"U", Undefined{}}, {"N", nil},
	}}
	b, err := Encode(in, AMF3, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := Decode(b, AMF3, &Options{Registry: r})
	if err != nil {
		t.Fatal(err)
	}
	pseven := &seven
	want := &all{I8: -5, U16: 65535, F32: 2, S: "s", X: "<x/>", T: time.Unix(1, 0).UTC(), B: []byte("b"),
		Ints: []int{1, 2}, Uints: []uint32{3}, Dbls: []float64{0.5}, Objs: []map[string]int{{"a": 1}},
		AC: []string{"p", "q"}, Dict: map[int32]string{1: "one"}, Arr: map[string]bool{"yes": true},
		Proxy: map[string]string{"k": "v"}, PP: &pseven, U: Undefined{}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got  %+v\nwant %+v", v, want)
	}
}

// TestConcurrentUse shares one Options and Registry between goroutines.
func TestConcurrentUse(t *testing.T) {
	opts := &Options{Registry: testRegistry(t)}
	p := &person{Name: "Ann", Tags: []string{"a"}}
	want, err := Encode(p, AMF3, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for range 8 {
		go func() {
			for range 200 {
				v, _, err := Decode(want, AMF3, opts)
				if err != nil {
					done <- err
					return
				}
				b, err := Encode(v, AMF3, opts)
				if err != nil || !bytes.Equal(b, want) {
					done <- fmt.Errorf("re-encoding differs: %v", err)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
