package amf

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// ecma builds an AMF0 ECMA array with the given count and members (each
// member's value is a one-character string).
func ecma(count uint32, keys ...string) []byte {
	b := []byte{m0ECMAArray, byte(count >> 24), byte(count >> 16), byte(count >> 8), byte(count)}
	for i, k := range keys {
		b = append(b, byte(len(k)>>8), byte(len(k)))
		b = append(b, k...)
		b = append(b, m0String, 0, 1, byte('a'+i))
	}
	return append(b, 0, 0, m0ObjectEnd)
}

// TestECMAArrayIndices checks that index keys of an ECMA array are elements
// whatever the count says, as AS3 reads them.
func TestECMAArrayIndices(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		json string
	}{
		{"dense, count 0", ecma(0, "0", "1"), `["a","b"]`},
		{"dense, count n", ecma(2, "0", "1"), `["a","b"]`},
		{"dense, count < n", ecma(1, "0", "1"), `["a","b"]`},
		{"dense, count > n", ecma(9, "0", "1"), `["a","b"]`},
		{"dense, count 2^32-1", ecma(0xffffffff, "0", "1"), `["a","b"]`},
		{"empty", ecma(0), `[]`},
		{"keys out of order", ecma(2, "1", "0"), `["b","a"]`},
		{"mixed", ecma(2, "0", "1", "k"), `{"$amf":"array","assoc":{"k":"c"},"dense":["a","b"]}`},
		{"mixed, name first", ecma(0, "k", "0"), `{"$amf":"array","assoc":{"k":"a"},"dense":["b"]}`},
		{"sparse", ecma(3, "0", "1", "5"), `{"$amf":"array","assoc":{"5":"c"},"dense":["a","b"]}`},
		{"sparse, no 0", ecma(0, "1", "2"), `{"$amf":"array","assoc":{"1":"a","2":"b"},"dense":[]}`},
		{"index twice: last wins", ecma(2, "0", "1", "0"), `["c","b"]`},
		{"sparse index twice: last wins", ecma(0, "7", "x", "7"), `{"$amf":"array","assoc":{"x":"b","7":"c"},"dense":[]}`},
		{"not indices", ecma(0, "01", "-1", "4294967295", "1.0", " 1", "+1", "1e0"),
			`{"$amf":"array","assoc":{"01":"a","-1":"b","4294967295":"c","1.0":"d"," 1":"e","+1":"f","1e0":"g"},"dense":[]}`},
		{"largest index", ecma(0, "4294967294"), `{"$amf":"array","assoc":{"4294967294":"a"},"dense":[]}`},
		{"empty name is a key", ecma(0, "0", ""), `{"$amf":"array","assoc":{"":"b"},"dense":["a"]}`},
	}
	for _, tc := range cases {
		v, n, err := Decode(tc.data, AMF0, nil)
		if err != nil || n != len(tc.data) {
			t.Errorf("%s: Decode(% x) = %d, %v", tc.name, tc.data, n, err)
			continue
		}
		j, err := ToJSON(v)
		if err != nil || string(j) != tc.json {
			t.Errorf("%s: got %s (%v), want %s", tc.name, j, err, tc.json)
		}
	}
}

func TestArrayIndex(t *testing.T) {
	for s, want := range map[string]int64{
		"0": 0, "9": 9, "10": 10, "4294967294": 4294967294,
		"": -1, "01": -1, "00": -1, "-1": -1, "-0": -1, "4294967295": -1, "4294967296": -1,
		"99999999999": -1, "1a": -1, "a": -1, "１": -1,
	} {
		n, ok := arrayIndex(s)
		if got := int64(n); !ok {
			got = -1
			if got != want {
				t.Errorf("arrayIndex(%q) = not an index, want %d", s, want)
			}
		} else if got != want {
			t.Errorf("arrayIndex(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestAMF0EmptyMemberName checks that an empty name followed by a value is a
// member named "", in every AMF0 container with members, both ways.
func TestAMF0EmptyMemberName(t *testing.T) {
	num1 := "003ff0000000000000"
	cases := []struct {
		name, hex, json string
	}{
		{"object", "03" + "0000" + num1 + "000009", `{"":1.0}`},
		{"object, then a member", "03" + "0000" + num1 + "000161" + "05" + "000009", `{"":1.0,"a":null}`},
		{"typed object", "10" + "000143" + "0000" + num1 + "000009", `{"$amf":"object","class":"C","dynamic":{"":1.0}}`},
		{"ECMA array", "08" + "00000000" + "0000" + num1 + "000009", `{"$amf":"array","assoc":{"":1.0},"dense":[]}`},
		{"empty name, nested object value", "03" + "0000" + "03000009" + "000009", `{"":{}}`},
	}
	for _, tc := range cases {
		data, _ := hex.DecodeString(tc.hex)
		v, n, err := Decode(data, AMF0, nil)
		if err != nil || n != len(data) {
			t.Errorf("%s: Decode = %d, %v", tc.name, n, err)
			continue
		}
		if j, _ := ToJSON(v); string(j) != tc.json {
			t.Errorf("%s: got %s, want %s", tc.name, j, tc.json)
		}
		back, err := Encode(v, AMF0, nil)
		if err != nil || hex.EncodeToString(back) != tc.hex {
			t.Errorf("%s: Encode = %x, %v; want %s", tc.name, back, err, tc.hex)
		}
	}
	// An empty name followed by a marker that is not a value: the error
	// names the offending byte as found, not as expected.
	_, _, err := Decode([]byte{0x03, 0x00, 0x00, 0x04}, AMF0, nil)
	if err == nil || !strings.Contains(err.Error(), "0x04") || strings.Contains(err.Error(), "end marker (0x04)") {
		t.Errorf("empty name then 0x04: %v", err)
	}
}

// TestAMF0EmptyMemberNameRegistered checks the member named "" of a typed
// object whose class maps to a Go struct: it is a dynamic member like any
// name the struct does not declare.
func TestAMF0EmptyMemberNameRegistered(t *testing.T) {
	opts := &Options{Registry: testRegistry(t)}
	data, _ := hex.DecodeString("10" + "0013" + hex.EncodeToString([]byte("com.example.Address")) +
		"0006" + hex.EncodeToString([]byte("street")) + "020001" + "61" +
		"0000" + "020001" + "62" + "000009")
	v, n, err := Decode(data, AMF0, opts)
	if err != nil || n != len(data) {
		t.Fatalf("Decode = %d, %v", n, err)
	}
	a, ok := v.(*address)
	if !ok || a.Street != "a" || a.Extra[""] != "b" || len(a.Extra) != 1 {
		t.Fatalf("decoded %#v", v)
	}
	back, err := Encode(a, AMF0, opts)
	if err != nil || !bytes.Equal(back, data) {
		t.Errorf("Encode = %x, %v; want %x", back, err, data)
	}
}
