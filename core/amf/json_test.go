package amf

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFromJSONPlain(t *testing.T) {
	v, err := FromJSON([]byte(` {"a": 1, "b": [1, 2.5, "x", null, true, false, {}], "c": {"d": -0.0}} `))
	if err != nil {
		t.Fatal(err)
	}
	want := &Object{Dynamic: []Member{
		{"a", int32(1)},
		{"b", &Array{Dense: []Value{int32(1), 2.5, "x", nil, true, false, &Object{}}}},
		{"c", &Object{Dynamic: []Member{{"d", math.Copysign(0, -1)}}}},
	}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v", v)
	}
	b, err := Encode(v, AMF3, nil)
	if err != nil {
		t.Fatal(err)
	}
	// {} is 0a 0b 01 01 the first time, then a traits reference (0a 01 01).
	if !strings.HasSuffix(hexString(b), "0a0101"+"0363"+"0a01"+"0364"+"05"+"8000000000000000"+"0101") {
		t.Errorf("Encode = %s", hexString(b))
	}
}

func TestFromJSONNumbers(t *testing.T) {
	cases := []struct {
		in   string
		want Value
	}{
		{"0", int32(0)},
		{"268435455", int32(maxInt29)},
		{"-268435456", int32(minInt29)},
		{"268435456", float64(1 << 28)},
		{"-268435457", float64(-1<<28 - 1)},
		{"1.0", 1.0},
		{"1e2", 100.0},
		{"1E-2", 0.01},
		{"-0", math.Copysign(0, -1)},
		{"12345678901234567890", 12345678901234567890.0},
		{"1e400", math.Inf(1)},
		{`{"$amf":"double","value":"NaN"}`, math.NaN()},
		{`{"$amf":"double","value":"-Infinity"}`, math.Inf(-1)},
		{`{"$amf":"double","value":3}`, 3.0},
	}
	for _, tc := range cases {
		v, err := FromJSON([]byte(tc.in))
		if err != nil {
			t.Errorf("FromJSON(%s): %v", tc.in, err)
			continue
		}
		same := reflect.TypeOf(v) == reflect.TypeOf(tc.want)
		if f, ok := v.(float64); ok && same {
			w := tc.want.(float64)
			same = f == w && math.Signbit(f) == math.Signbit(w) || math.IsNaN(f) && math.IsNaN(w)
		} else if same {
			same = v == tc.want
		}
		if !same {
			t.Errorf("FromJSON(%s) = %T %v, want %T %v", tc.in, v, v, tc.want, tc.want)
		}
	}
}

func TestToJSONNumbers(t *testing.T) {
	cases := []struct {
		v    Value
		want string
	}{
		{int32(5), "5"},
		{5.0, "5.0"},
		{0.0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{0.1, "0.1"},
		{1e21, "1e+21"},
		{1e20, "100000000000000000000.0"},
		{1e-7, "1e-7"},
		{1.5e-300, "1.5e-300"},
		{math.NaN(), `{"$amf":"double","value":"NaN"}`},
		{math.Inf(1), `{"$amf":"double","value":"Infinity"}`},
		{int64(1) << 40, "1099511627776"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{float32(0.5), "0.5"},
	}
	for _, tc := range cases {
		got, err := ToJSON(tc.v)
		if err != nil || string(got) != tc.want {
			t.Errorf("ToJSON(%T %v) = %s, %v; want %s", tc.v, tc.v, got, err, tc.want)
		}
	}
}

func TestJSONTagKeyEscaping(t *testing.T) {
	o := &Object{Dynamic: []Member{{"$amf", "a"}, {"$$amf", "b"}, {"$amfx", "c"}, {"amf", "d"}, {"$", "e"}, {"$x$amf", "f"}}}
	j, err := ToJSON(o)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"$$amf":"a","$$$amf":"b","$amfx":"c","amf":"d","$":"e","$x$amf":"f"}`
	if string(j) != want {
		t.Errorf("ToJSON = %s\nwant     %s", j, want)
	}
	back, err := FromJSON(j)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, o) {
		t.Errorf("FromJSON = %#v", back)
	}
	// Inside tags, member maps are literal: no escaping there.
	typed := &Object{Class: "C", Dynamic: []Member{{"$amf", 1.5}}}
	j, _ = ToJSON(typed)
	if string(j) != `{"$amf":"object","class":"C","dynamic":{"$amf":1.5}}` {
		t.Errorf("typed: %s", j)
	}
	if back, err := FromJSON(j); err != nil || !reflect.DeepEqual(back, typed) {
		t.Errorf("typed back: %#v %v", back, err)
	}
}

func TestJSONStrings(t *testing.T) {
	cases := []struct {
		s, want string
	}{
		{"plain", `"plain"`},
		{"q\"b\\s/", `"q\"b\\s/"`},
		{"\n\r\t\x00\x1f\x7f", `"\n\r\t\u0000\u001f` + "\x7f" + `"`},
		{"ƒøø 🎉 \u2028", "\"ƒøø 🎉 \u2028\""},
		{"bad\xff\xc3(", "\"bad\u00ff\u00c3(\""},
		{"<&>", `"<&>"`},
	}
	for _, tc := range cases {
		j, err := ToJSON(tc.s)
		if err != nil || string(j) != tc.want {
			t.Errorf("ToJSON(%q) = %s, want %s", tc.s, j, tc.want)
		}
		var viaStd string
		if err := json.Unmarshal(j, &viaStd); err != nil {
			t.Errorf("encoding/json cannot read %s: %v", j, err)
		}
		back, err := FromJSON(j)
		if err != nil || back != viaStd {
			t.Errorf("FromJSON(%s) = %q, encoding/json reads %q", j, back, viaStd)
		}
	}
	// Escapes read like encoding/json, surrogate pairs included.
	for _, in := range []string{`"\ud83c\udf89"`, `"\ud83c"`, `"\udf89x"`, `"\ud83c\u0041"`, `"\u00e9\/\b\f"`, "\"\xff\"", `"\uD83C\uDF89"`} {
		var std string
		if err := json.Unmarshal([]byte(in), &std); err != nil {
			t.Fatal(err)
		}
		got, err := FromJSON([]byte(in))
		if err != nil || got != std {
			t.Errorf("FromJSON(%s) = %q %v, encoding/json %q", in, got, err, std)
		}
	}
}

func TestJSONReferences(t *testing.T) {
	// A cycle and a shared value, written by hand.
	in := `{"$amf":"object","id":7,"dynamic":{"self":{"$amf":"ref","id":7},"d":{"$amf":"date","id":2,"ms":0},"d2":{"$amf":"ref","id":2}}}`
	v, err := FromJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if o.Dynamic[0].Value != o || o.Dynamic[1].Value != o.Dynamic[2].Value {
		t.Errorf("references not resolved: %#v", o)
	}
	// ToJSON renumbers ids from 0 in order of appearance.
	j, _ := ToJSON(v)
	if want := `{"$amf":"object","id":0,"dynamic":{"self":{"$amf":"ref","id":0},"d":{"$amf":"date","id":1,"ms":0},"d2":{"$amf":"ref","id":1}}}`; string(j) != want {
		t.Errorf("ToJSON = %s", j)
	}
	b, err := Encode(v, AMF3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if hexString(b) != "0a0b01"+"0973656c66"+"0a00"+"0364"+"0801"+"0000000000000000"+"056432"+"0802"+"01" {
		t.Errorf("Encode = %s", hexString(b))
	}
}

func TestJSONAllTags(t *testing.T) {
	in := `[
		{"$amf":"undefined"},
		{"$amf":"array","dense":[1],"assoc":{"k":"v"}},
		{"$amf":"array"},
		{"$amf":"object"},
		{"$amf":"object","class":"C","sealed":{"a":1},"dynamic":{}},
		{"$amf":"date","ms":"NaN"},
		{"$amf":"xml","text":"<a/>"},
		{"$amf":"xmldoc","text":"<b/>"},
		{"$amf":"bytearray","base64":"AAE="},
		{"$amf":"bytearray"},
		{"$amf":"vector-int","items":[-2147483648, 2147483647, 1.0]},
		{"$amf":"vector-uint","fixed":true,"items":[4294967295]},
		{"$amf":"vector-double","items":[0.5, "NaN", "Infinity", "-Infinity", 1]},
		{"$amf":"vector-object","type":"T","fixed":false,"items":[null]},
		{"$amf":"dictionary","weak":true,"entries":[[{"$amf":"undefined"}, 1], [[], {}]]},
		{"$amf":"arraycollection","source":[1]},
		{"$amf":"arraylist","source":[]},
		{"$amf":"objectproxy","object":{"a":1}},
		{"$amf":"message","class":"DSC","operation":5,"correlationId":"","extra":[{"level":2,"bit":3,"value":true}]}
	]`
	v, err := FromJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	items := v.(*Array).Dense
	if len(items) != 19 {
		t.Fatalf("%d items", len(items))
	}
	if d := items[5].(*Date); !math.IsNaN(d.Ms) {
		t.Errorf("date %v", d.Ms)
	}
	if vd := items[12].(*VectorDouble); !math.IsInf(vd.Items[2], 1) || vd.Items[4] != 1 {
		t.Errorf("vector-double %v", vd.Items)
	}
	if m := items[18].(*SmallMessage); m.Operation != int32(5) || m.Extra[0] != (MessageFlag{2, 3, true}) {
		t.Errorf("message %#v", m)
	}
	for _, enc := range []int{AMF3, AMF0} {
		b, err := Encode(v, enc, nil)
		if err != nil {
			t.Fatalf("AMF%d: %v", enc, err)
		}
		if _, _, err := Decode(b, enc, nil); err != nil {
			t.Fatalf("AMF%d: %v", enc, err)
		}
	}
	j, err := ToJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := FromJSON(j)
	if err != nil {
		t.Fatal(err)
	}
	if j2, _ := ToJSON(v2); string(j2) != string(j) {
		t.Errorf("not a fixpoint:\n%s\n%s", j, j2)
	}
}

func TestJSONErrors(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a"}`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `"\x"`, `"\u12"`,
		"\"a\x01\"", `"abc`, `nul`, `truex`, `[1] 2`, `NaN`, `Infinity`, `'s'`,
		`{"$amf":1}`, `{"$amf":"nope"}`, `{"$amf":"undefined","x":1}`,
		`{"$amf":"ref","id":0}`, `{"$amf":"ref"}`, `[{"$amf":"ref","id":1},{"$amf":"array","id":1}]`,
		`[{"$amf":"array","id":1},{"$amf":"array","id":1}]`, `{"$amf":"array","id":-1}`, `{"$amf":"array","id":1.5}`,
		`{"$amf":"array","id":"1"}`, `{"$amf":"array","dense":{}}`, `{"$amf":"array","assoc":[]}`,
		`{"$amf":"object","class":1}`, `{"$amf":"object","sealed":[]}`, `{"$amf":"object","id":1,"id":2}`,
		`{"$amf":"date"}`, `{"$amf":"date","ms":"soon"}`, `{"$amf":"xml"}`, `{"$amf":"xml","text":1}`,
		`{"$amf":"bytearray","base64":"!!"}`, `{"$amf":"vector-int","items":[1.5]}`,
		`{"$amf":"vector-int","items":[2147483648]}`, `{"$amf":"vector-uint","items":[-1]}`,
		`{"$amf":"vector-int","items":{}}`, `{"$amf":"vector-int","fixed":1}`, `{"$amf":"vector-double","items":["nan"]}`,
		`{"$amf":"dictionary","entries":[[1]]}`, `{"$amf":"dictionary","entries":{}}`,
		`{"$amf":"message"}`, `{"$amf":"message","class":"DSX"}`, `{"$amf":"message","class":"DSA","body":null}`,
		`{"$amf":"message","class":"DSA","extra":[{"level":0,"bit":9}]}`, `{"$amf":"message","class":"DSA","extra":[{"level":3,"bit":9,"value":1}]}`,
		`{"$amf":"double"}`, `{"$amf":"double","value":"inf"}`,
		strings.Repeat("[", jsonMaxDepth+2) + strings.Repeat("]", jsonMaxDepth+2),
	} {
		if v, err := FromJSON([]byte(in)); err == nil {
			t.Errorf("FromJSON(%.60s) = %#v, want an error", in, v)
		}
	}
	for _, v := range []Value{make(chan int), struct{}{}, &person{}, &Object{Static: true, Dynamic: []Member{{"a", 1}}}} {
		if _, err := ToJSON(v); err == nil {
			t.Errorf("ToJSON(%T) succeeded", v)
		}
	}
}

func TestToJSONConveniences(t *testing.T) {
	j, err := ToJSON(map[string]any{
		"t": time.UnixMilli(1500).UTC(), "b": []byte{1}, "l": []any{int32(1)}, "n": (*Object)(nil), "s": (*string)(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"b":{"$amf":"bytearray","base64":"AQ=="},"l":[1],"n":null,"s":null,"t":{"$amf":"date","ms":1500}}`; string(j) != want {
		t.Errorf("ToJSON = %s", j)
	}
}
