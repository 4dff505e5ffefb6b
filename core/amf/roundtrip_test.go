package amf

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// roundTripCases are values of every type. Each must survive Encode then
// Decode in AMF3 unchanged, and in AMF0 as want0 (JSON form) when AMF0
// cannot carry the distinction, else unchanged.
func roundTripCases() []struct {
	name  string
	v     Value
	want0 string
} {
	shared := &Object{Dynamic: []Member{{"n", int32(1)}}}
	cyclic := &Object{Class: "com.example.Node", Static: true}
	cyclic.Sealed = []Member{{"next", cyclic}, {"label", "self"}}
	selfArr := &Array{Dense: []Value{int32(1)}}
	selfArr.Assoc = []Member{{"me", selfArr}}
	dict := &Dictionary{Weak: true}
	dict.Entries = []DictEntry{{shared, "object key"}, {int32(3), false}, {"x", dict}, {Undefined{}, nil}}
	date := &Date{Ms: 1111111111000}
	ba := &ByteArray{Bytes: []byte{0, 1, 2, 0xff}}
	return []struct {
		name  string
		v     Value
		want0 string
	}{
		{"undefined", Undefined{}, ""},
		{"null", nil, ""},
		{"true", true, ""},
		{"false", false, ""},
		{"int 0", int32(0), "0.0"},
		{"int max", int32(maxInt29), "268435455.0"},
		{"int min", int32(minInt29), "-268435456.0"},
		{"double", 0.1, ""},
		{"double integral", 3.0, ""},
		{"double -0", math.Copysign(0, -1), ""},
		{"double +Inf", math.Inf(1), ""},
		{"double -Inf", math.Inf(-1), ""},
		{"double NaN", math.NaN(), ""},
		{"double max", math.MaxFloat64, ""},
		{"double smallest", math.SmallestNonzeroFloat64, ""},
		{"string", "hello", ""},
		{"string empty", "", ""},
		{"string unicode", "ƒøø 日本 🎉", ""},
		{"string 65535", strings.Repeat("x", 65535), ""},
		{"string 65536 (AMF0 long string)", strings.Repeat("y", 65536), ""},
		{"string invalid utf-8", "a\xffb\xc3", ""},
		{"long member name (AMF0 switches to AMF3)", &Object{Class: "C", Dynamic: []Member{{strings.Repeat("k", 70000), int32(1)}}}, ""},
		{"long class name (AMF0 switches to AMF3)", &Object{Class: strings.Repeat("c", 70000)}, ""},
		{"long assoc key (AMF0 switches to AMF3)", &Array{Assoc: []Member{{strings.Repeat("k", 70000), int32(1)}}}, ""},
		{"xml", &XML{Text: "<a b='1'>x</a>"}, `{"$amf":"xmldoc","text":"<a b='1'>x</a>"}`},
		{"xmldoc", &XML{Text: "<doc/>", Document: true}, ""},
		{"date", date, ""},
		{"date NaN", &Date{Ms: math.NaN()}, ""},
		{"date fractional", &Date{Ms: -1.5}, ""},
		{"array empty", &Array{}, ""},
		{"array dense", &Array{Dense: []Value{int32(1), "two", 3.5, nil, Undefined{}}}, `[1.0,"two",3.5,null,{"$amf":"undefined"}]`},
		{"array assoc", &Array{Assoc: []Member{{"b", int32(1)}, {"a", "x"}}}, `{"$amf":"array","assoc":{"b":1.0,"a":"x"},"dense":[]}`},
		{"array mixed", &Array{Dense: []Value{"d0"}, Assoc: []Member{{"k", true}}}, `{"$amf":"array","assoc":{"k":true},"dense":["d0"]}`},
		{"array self", selfArr, `{"$amf":"array","id":0,"assoc":{"me":{"$amf":"ref","id":0}},"dense":[1.0]}`},
		{"object empty", &Object{}, ""},
		{"object dynamic", &Object{Dynamic: []Member{{"z", int32(26)}, {"a", "first?"}}}, `{"z":26.0,"a":"first?"}`},
		{"object static anonymous", &Object{Static: true, Sealed: []Member{{"s", "v"}}}, `{"s":"v"}`},
		{"object typed sealed", &Object{Class: "com.example.P", Static: true, Sealed: []Member{{"name", "n"}, {"age", int32(3)}}},
			`{"$amf":"object","class":"com.example.P","dynamic":{"name":"n","age":3.0}}`},
		{"object typed dynamic", &Object{Class: "abc.xyz", Dynamic: []Member{{"spam", "eggs"}}}, ""},
		{"object sealed+dynamic", &Object{Class: "abc.xyz", Sealed: []Member{{"spam", "eggs"}}, Dynamic: []Member{{"baz", "nat"}}},
			`{"$amf":"object","class":"abc.xyz","dynamic":{"spam":"eggs","baz":"nat"}}`},
		{"object $amf keys", &Object{Dynamic: []Member{{"$amf", "date"}, {"$$amf", int32(1)}, {"$x", nil}}}, `{"$$amf":"date","$$$amf":1.0,"$x":null}`},
		{"object cyclic typed", cyclic, `{"$amf":"object","id":0,"class":"com.example.Node","dynamic":{"next":{"$amf":"ref","id":0},"label":"self"}}`},
		{"shared references", &Array{Dense: []Value{shared, shared, date, date, ba, ba}},
			`[{"$amf":"object","id":0,"dynamic":{"n":1.0}},{"$amf":"ref","id":0},{"$amf":"date","ms":1111111111000},{"$amf":"date","ms":1111111111000},` +
				`{"$amf":"bytearray","id":1,"base64":"AAEC/w=="},{"$amf":"ref","id":1}]`},
		{"traits reuse", &Array{Dense: []Value{
			&Object{Class: "T", Static: true, Sealed: []Member{{"a", int32(1)}}},
			&Object{Class: "T", Static: true, Sealed: []Member{{"a", int32(2)}}},
			&Object{Class: "T", Static: true, Sealed: []Member{{"b", int32(3)}}},
		}}, `[{"$amf":"object","class":"T","dynamic":{"a":1.0}},{"$amf":"object","class":"T","dynamic":{"a":2.0}},{"$amf":"object","class":"T","dynamic":{"b":3.0}}]`},
		{"bytearray", ba, ""},
		{"bytearray empty", &ByteArray{}, ""},
		{"vector int", &VectorInt{Items: []int32{math.MinInt32, -1, 0, math.MaxInt32}}, ""},
		{"vector int fixed empty", &VectorInt{Fixed: true}, ""},
		{"vector uint", &VectorUint{Fixed: true, Items: []uint32{0, math.MaxUint32}}, ""},
		{"vector double", &VectorDouble{Items: []float64{0.5, math.Inf(1), math.Copysign(0, -1), 1e300}}, ""},
		{"vector object", &VectorObject{Type: "com.example.P", Items: []Value{shared, shared, nil}}, ""},
		{"vector object any", &VectorObject{Type: "*", Fixed: true, Items: []Value{"s", int32(1)}}, ""},
		{"dictionary", dict, ""},
		{"dictionary empty", &Dictionary{}, ""},
		{"arraycollection", &ArrayCollection{Source: &Array{Dense: []Value{int32(1), "a"}}}, ""},
		{"arraylist", &ArrayList{Source: &Array{}}, ""},
		{"objectproxy", &ObjectProxy{Object: &Object{Dynamic: []Member{{"k", "v"}}}}, ""},
		{"small message DSA", &SmallMessage{Class: "DSA", Body: &Array{Dense: []Value{"x"}}, Destination: "dest",
			MessageID: "8B2CA8E2-1D0C-4A3B-9E0B-5C3A1D2E4F60", Timestamp: 1.7e12, TimeToLive: int32(0),
			CorrelationID: "", Headers: &Object{Dynamic: []Member{{"DSId", "abc"}}}}, ""},
		{"small message DSK with extras", &SmallMessage{Class: "DSK", ClientIDBytes: &ByteArray{Bytes: make([]byte, 16)},
			Extra: []MessageFlag{{0, 9, "unknown"}, {1, 19, int32(5)}, {2, 0, true}}}, ""},
		{"small message DSC", &SmallMessage{Class: "DSC", Operation: int32(5), Body: shared, Headers: shared}, ""},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range roundTripCases() {
		for _, enc := range []int{AMF3, AMF0} {
			want, err := ToJSON(tc.v)
			if err != nil {
				t.Fatalf("%s: ToJSON: %v", tc.name, err)
			}
			if enc == AMF0 && tc.want0 != "" {
				want = []byte(tc.want0)
			}
			b, err := Encode(tc.v, enc, nil)
			if err != nil {
				t.Errorf("%s AMF%d: Encode: %v", tc.name, enc, err)
				continue
			}
			v, n, err := Decode(b, enc, nil)
			if err != nil || n != len(b) {
				t.Errorf("%s AMF%d: Decode(% x): n=%d/%d %v", tc.name, enc, trunc(b), n, len(b), err)
				continue
			}
			got, err := ToJSON(v)
			if err != nil {
				t.Fatalf("%s: ToJSON(decoded): %v", tc.name, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s AMF%d:\n got %s\nwant %s", tc.name, enc, trunc(got), trunc(want))
			}
			// Decoded values re-encode to the same bytes.
			b2, err := Encode(v, enc, nil)
			if err != nil || !bytes.Equal(b2, b) {
				t.Errorf("%s AMF%d: re-encoding differs: %v\n got % x\nwant % x", tc.name, enc, err, trunc(b2), trunc(b))
			}
		}
	}
}

// TestRoundTripIdentity checks that shared values decode to shared pointers.
func TestRoundTripIdentity(t *testing.T) {
	o := &Object{}
	d := &Date{Ms: 1}
	x := &XML{Text: "<a/>"}
	ba := &ByteArray{Bytes: []byte("b")}
	vi := &VectorInt{Items: []int32{1}}
	dict := &Dictionary{}
	in := &Array{Dense: []Value{o, o, d, d, x, x, ba, ba, vi, vi, dict, dict}}
	b, err := Encode(in, AMF3, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := Decode(b, AMF3, nil)
	if err != nil {
		t.Fatal(err)
	}
	items := v.(*Array).Dense
	for i := 0; i < len(items); i += 2 {
		if items[i] != items[i+1] {
			t.Errorf("items %d and %d (%T) are not the same pointer", i, i+1, items[i])
		}
	}
	// Each was sent once.
	if got := bytes.Count(b, []byte("<a/>")); got != 1 {
		t.Errorf("XML text sent %d times", got)
	}
}

// TestEncodeConveniences checks the Go values Encode accepts besides the
// value model.
func TestEncodeConveniences(t *testing.T) {
	type myString string
	type myInt int16
	when := time.Date(2005, 3, 18, 1, 58, 31, 0, time.UTC)
	str := "pointed"
	cases := []struct {
		v    any
		want string // AMF3 hex
	}{
		{int(5), "0405"},
		{int64(1 << 28), "0541b0000000000000"},
		{int64(-1 << 28), "04c0808000"},
		{uint32(1 << 28), "0541b0000000000000"},
		{uint64(math.MaxUint64), "0543f0000000000000"},
		{int8(-1), "04ffffffff"},
		{uint8(200), "048148"},
		{float32(0.5), "053fe0000000000000"},
		{myString("hi"), "06056869"},
		{myInt(7), "0407"},
		{when, "080142702b3621158000"},
		{[]byte("hi"), "0c056869"},
		{[]any{int32(1), "a"}, "09050104010603" + "61"},
		{[]string{"a", "a"}, "0905010603610600"},
		{map[string]any{"b": int32(2), "a": int32(1)}, "0a0b0103610401036204020" + "1"},
		{map[string]int{"k": 1}, "0a0b01036b040101"},
		{&str, "060f706f696e746564"},
		{(*Object)(nil), "01"},
		{([]any)(nil), "01"},
		{(map[string]any)(nil), "01"},
		{(*string)(nil), "01"},
	}
	for _, tc := range cases {
		b, err := Encode(tc.v, AMF3, nil)
		if err != nil {
			t.Errorf("Encode(%T %v): %v", tc.v, tc.v, err)
			continue
		}
		if got := hexString(b); got != tc.want {
			t.Errorf("Encode(%T %v) = %s, want %s", tc.v, tc.v, got, tc.want)
		}
	}
	for _, bad := range []any{struct{ A int }{1}, make(chan int), map[int]string{1: "x"}, func() {}, complex(1, 2)} {
		if _, err := Encode(bad, AMF3, nil); err == nil {
			t.Errorf("Encode(%T) succeeded", bad)
		}
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	s := make([]byte, 0, 2*len(b))
	for _, c := range b {
		s = append(s, digits[c>>4], digits[c&15])
	}
	return string(s)
}

// TestEncodeErrors checks what AMF cannot carry.
func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		name string
		enc  int
		v    Value
		path string
	}{
		{"empty assoc key", AMF3, &Array{Assoc: []Member{{"", 1}}}, "."},
		{"empty dynamic name", AMF3, &Array{Dense: []Value{&Object{Dynamic: []Member{{"", 1}}}}}, "[0]."},
		{"empty sealed name", AMF3, &Object{Static: true, Sealed: []Member{{"", 1}}}, ""},
		{"static with dynamic", AMF3, &Object{Static: true, Dynamic: []Member{{"a", 1}}}, ""},
		{"bad small message class", AMF3, &SmallMessage{Class: "DSX"}, ""},
		{"operation on DSA", AMF3, &SmallMessage{Class: "DSA", Extra: []MessageFlag{{2, 0, 1}}}, ""},
		{"extra on known flag", AMF3, &SmallMessage{Class: "DSK", Extra: []MessageFlag{{0, 3, 1}}}, ""},
		{"extra on bit 6", AMF3, &SmallMessage{Class: "DSK", Extra: []MessageFlag{{1, 13, 1}}}, ""},
		{"unsupported type", AMF3, &Array{Dense: []Value{1, &Object{Dynamic: []Member{{"c", make(chan int)}}}}}, "[1].c"},
		{"unknown encoding", 1, nil, ""},
	}
	for _, tc := range cases {
		_, err := Encode(tc.v, tc.enc, nil)
		ee, ok := err.(*EncodeError)
		if !ok {
			t.Errorf("%s: got %v, want an *EncodeError", tc.name, err)
			continue
		}
		if !strings.HasPrefix(ee.Path, tc.path) {
			t.Errorf("%s: path %q, want prefix %q (%v)", tc.name, ee.Path, tc.path, err)
		}
	}
	if _, _, err := Decode([]byte{0}, 1, nil); err == nil {
		t.Error("Decode with encoding 1 succeeded")
	}
}

// TestAppendEncode checks that AppendEncode appends and leaves dst alone on
// error.
func TestAppendEncode(t *testing.T) {
	dst := []byte("prefix")
	out, err := AppendEncode(dst, "x", AMF3, nil)
	if err != nil || string(out) != "prefix\x06\x03x" {
		t.Errorf("AppendEncode = %q, %v", out, err)
	}
	out, err = AppendEncode(dst, make(chan int), AMF3, nil)
	if err == nil || string(out) != "prefix" {
		t.Errorf("AppendEncode(bad) = %q, %v", out, err)
	}
}

// TestAMF0Decisions pins the AMF0 choices README.md documents.
func TestAMF0Decisions(t *testing.T) {
	// Dates and XML take no reference slot (BlazeDS): in [date, obj, ref 0]
	// the reference is the array itself... so use [obj-a, date, xml, obj-b, ref 1].
	data := []byte{0x0a, 0, 0, 0, 5,
		0x03, 0, 1, 'a', 0x05, 0, 0, 9, // slot 1
		0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // date: no slot
		0x0f, 0, 0, 0, 4, '<', 'a', '/', '>', // xml: no slot
		0x03, 0, 1, 'b', 0x05, 0, 0, 9, // slot 2
		0x07, 0, 2, // → obj-b
	}
	v, _, err := Decode(data, AMF0, nil)
	if err != nil {
		t.Fatal(err)
	}
	items := v.(*Array).Dense
	if items[4] != items[3] {
		t.Errorf("reference 2 resolved to %#v, want the second object", items[4])
	}
	// Several 0x11 sections share one AMF3 string table.
	data = []byte{0x0a, 0, 0, 0, 2, 0x11, 0x06, 0x07, 'a', 'b', 'c', 0x11, 0x06, 0x00}
	v, _, err = Decode(data, AMF0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := v.(*Array).Dense[1]; s != "abc" {
		t.Errorf("string reference across 0x11 sections = %#v", s)
	}
	// The encoder matches: two ByteArrays in one AMF0 value share tables.
	ba := &ByteArray{Bytes: []byte("z")}
	b, err := Encode([]any{ba, ba, "s", ba}, AMF0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hexString(b), "0a00000004"+"110c037a"+"110c00"+"02000173"+"110c00"; got != want {
		t.Errorf("Encode = %s, want %s", got, want)
	}
	// The date time zone is ignored on read and written as 0.
	v, _, err = Decode([]byte{0x0b, 0x42, 0x70, 0x2b, 0x36, 0x21, 0x15, 0x80, 0x00, 0xfe, 0x20}, AMF0, nil)
	if err != nil || v.(*Date).Ms != 1111111111000 {
		t.Errorf("date with time zone: %v %v", v, err)
	}
	// Booleans: any non-zero byte is true.
	if v, _, _ := Decode([]byte{0x01, 0x7f}, AMF0, nil); v != true {
		t.Errorf("boolean 0x7f = %v", v)
	}
}

// TestEncodeKinds covers every Go kind and nil pointer in both encodings.
func TestEncodeKinds(t *testing.T) {
	values := []any{
		int(1), int8(1), int16(1), int32(1), int64(1), uint(1), uint8(1), uint16(1), uint32(1), uint64(1),
		uint(1 << 40), float32(1), 1.0,
		(*XML)(nil), (*Date)(nil), (*Array)(nil), (*Object)(nil), (*ByteArray)(nil), (*VectorInt)(nil),
		(*VectorUint)(nil), (*VectorDouble)(nil), (*VectorObject)(nil), (*Dictionary)(nil),
		(*ArrayCollection)(nil), (*ArrayList)(nil), (*ObjectProxy)(nil), (*SmallMessage)(nil),
		([]byte)(nil), ([]Value)(nil), (map[string]Value)(nil), (*person)(nil),
		time.Unix(1, 0), [2]int{1, 2}, map[string]string{"k": "v"},
	}
	r := NewRegistry()
	if err := r.Register("P", person{}); err != nil {
		t.Fatal(err)
	}
	for _, enc := range []int{AMF0, AMF3} {
		for _, v := range values {
			b, err := Encode(v, enc, &Options{Registry: r})
			if err != nil {
				t.Errorf("AMF%d %T: %v", enc, v, err)
				continue
			}
			got, _, err := Decode(b, enc, nil)
			if err != nil {
				t.Errorf("AMF%d %T: Decode: %v", enc, v, err)
				continue
			}
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() || rv.Kind() == reflect.Slice && rv.IsNil() || rv.Kind() == reflect.Map && rv.IsNil() {
				if got != nil {
					t.Errorf("AMF%d nil %T decoded as %#v", enc, v, got)
				}
			}
		}
	}
}

func TestObjectGetSet(t *testing.T) {
	o := &Object{Sealed: []Member{{"s", 1}}}
	o.Set("s", 2)
	o.Set("d", 3)
	o.Set("d", 4)
	if v, ok := o.Get("s"); !ok || v != 2 {
		t.Errorf("Get(s) = %v %v", v, ok)
	}
	if v, ok := o.Get("d"); !ok || v != 4 || len(o.Dynamic) != 1 {
		t.Errorf("Get(d) = %v %v, %d dynamic", v, ok, len(o.Dynamic))
	}
	if _, ok := o.Get("x"); ok {
		t.Error("Get(x) found")
	}
	st := &Object{Static: true}
	st.Set("a", 1)
	if len(st.Sealed) != 1 || len(st.Dynamic) != 0 {
		t.Errorf("Set on a static object: %+v", st)
	}
}

func TestDate(t *testing.T) {
	when := time.Date(2005, 3, 18, 1, 58, 31, 0, time.UTC)
	d := NewDate(when)
	if d.Ms != 1111111111000 {
		t.Errorf("NewDate = %v", d.Ms)
	}
	if got, ok := d.Time(); !ok || !got.Equal(when) {
		t.Errorf("Time() = %v %v", got, ok)
	}
	if _, ok := (&Date{Ms: math.NaN()}).Time(); ok {
		t.Error("NaN date is valid")
	}
	if got, _ := (&Date{Ms: -1.5}).Time(); got.UnixNano() != -1500000 {
		t.Errorf("Time() of -1.5 ms = %v", got.UnixNano())
	}
}

func TestErrorStrings(t *testing.T) {
	for _, err := range []error{
		&IncompleteError{Offset: 3, Need: 9},
		&SyntaxError{Offset: 4, Msg: "bad"},
		&EncodeError{Msg: "no"},
		&EncodeError{Path: "[1].a", Msg: "no"},
	} {
		if s := err.Error(); !strings.HasPrefix(s, "amf: ") {
			t.Errorf("%T.Error() = %q", err, s)
		}
	}
	if !errors.Is(&IncompleteError{}, ErrIncomplete) || errors.Is(&SyntaxError{}, ErrIncomplete) {
		t.Error("errors.Is(ErrIncomplete) is wrong")
	}
}
