package amf

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// corpusVector is one entry of testdata/amf-vectors.json, vectors derived
// from public sources: the test vectors of PyAMF and amf-cpp, and derived ones.
type corpusVector struct {
	ID, Hex, Desc, Src string
	encoding           int
	bytes              []byte
}

func loadVectors(t testing.TB) []corpusVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/amf-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var sets map[string][]corpusVector
	if err := json.Unmarshal(raw, &sets); err != nil {
		t.Fatal(err)
	}
	var all []corpusVector
	for _, set := range []struct {
		key string
		enc int
	}{{"V3", AMF3}, {"V0", AMF0}} {
		for _, v := range sets[set.key] {
			v.encoding = set.enc
			if v.bytes, err = hex.DecodeString(v.Hex); err != nil {
				t.Fatalf("%s: %v", v.ID, err)
			}
			all = append(all, v)
		}
	}
	return all
}

// vectorWant is the decoded value of every vector in JSON form (JSON.md),
// which shows types (1 is an AMF3 int, 1.0 a double), tags and shared
// references ("id"/"ref"). Long strings are written as strings.Repeat calls.
var vectorWant = map[string]string{
	"undefined":           `{"$amf":"undefined"}`,
	"null":                `null`,
	"false":               `false`,
	"true":                `true`,
	"int0":                `0`,
	"int127":              `127`,
	"int128":              `128`,
	"int3fff":             `16383`,
	"int4000":             `16384`,
	"int1fffff":           `2097151`,
	"int200000":           `2097152`,
	"int3fffff":           `4194303`,
	"int400000":           `4194304`,
	"int5ffeffe":          `100659198`,
	"intmax":              `268435455`,
	"int-1":               `-1`,
	"int-123":             `-123`,
	"int-129":             `-129`,
	"int-16384":           `-16384`,
	"intmin":              `-268435456`,
	"int2^28asdbl":        `268435456.0`,
	"int-2^28-1asdbl":     `-268435457.0`,
	"int7fffffffasdbl":    `2147483647.0`,
	"dbl0.2":              `0.2`,
	"dbl-123asdbl":        `-123.0`,
	"dblNaN":              `{"$amf":"double","value":"NaN"}`,
	"dbl-inf":             `{"$amf":"double","value":"-Infinity"}`,
	"str-empty":           `""`,
	"str-hello":           `"hello"`,
	"str-utf8":            `"ƒøø"`,
	"str-300a":            `"` + strings.Repeat("a", 300) + `"`,
	"str-ref":             `["hello","hello"]`,
	"str-empty-noref":     `["","a","a"]`,
	"date":                `{"$amf":"date","ms":1111111111000}`,
	"date-ref":            `[{"$amf":"date","id":0,"ms":1111111111000},{"$amf":"ref","id":0}]`,
	"arr-empty":           `[]`,
	"arr-dense":           `[0,1,2,3]`,
	"arr-mixed":           `{"$amf":"array","assoc":{"foo":"bar"},"dense":["hello"]}`,
	"arr-assoc":           `{"$amf":"array","assoc":{"bar":17,"foo":0},"dense":[]}`,
	"arr-nested-ref":      `[{"$amf":"array","id":0,"dense":[48879,"foobar"]},{"$amf":"ref","id":0}]`,
	"arr-selfref":         `{"$amf":"array","id":0,"assoc":{"foo":{"$amf":"ref","id":0}},"dense":[1,2,3]}`,
	"obj-empty":           `{}`,
	"obj-dyn":             `{"spam":"eggs"}`,
	"obj-sealed-anon":     `{"$amf":"object","sealed":{"baz":"hello"}}`,
	"obj-typed-sealed":    `{"$amf":"object","class":"org.pyamf.spam","sealed":{"baz":"hello"}}`,
	"obj-typed-dyn":       `{"$amf":"object","class":"abc.xyz","dynamic":{"spam":"eggs"}}`,
	"obj-sealed+dyn":      `{"$amf":"object","class":"abc.xyz","sealed":{"spam":"eggs"},"dynamic":{"baz":"nat"}}`,
	"obj-2sealed+strrefs": `{"$amf":"object","class":"spam.eggs.Person","sealed":{"family_name":"Doe","given_name":"Jane"},"dynamic":{"family_name":"Doe","given_name":"Jane"}}`,
	"obj-traitref":        `[{"$amf":"object","sealed":{"description":null,"id":1,"name":"foo"},"dynamic":{}},{"$amf":"object","sealed":{"description":null,"id":2,"name":"bar"},"dynamic":{}}]`,
	"obj-objref":          `[{"$amf":"object","id":0,"dynamic":{"a":1}},{"$amf":"ref","id":0}]`,
	"obj-cyclic":          `{"$amf":"object","id":0,"dynamic":{"self":{"$amf":"ref","id":0}}}`,
	"ext-arraycollection": `{"$amf":"arraycollection","source":[0,1,2,3]}`,
	"ext-objectproxy":     `{"$amf":"objectproxy","object":{"spam":"eggs"}}`,
	"ext-DSK":             `{"$amf":"message","class":"DSK","headers":{"DSMessagingVersion":1.0,"DSId":"EE0D161D-C11D-25CB-8DBE-3B77B54B55D9"},"timestamp":1250681083985.0,"clientIdBytes":{"$amf":"bytearray","base64":"7g0WHcEoJlvJgFJLm0XGxA=="},"messageIdBytes":{"$amf":"bytearray","base64":"7g0WHcE9jqPgEO+tO+XFag=="},"correlationIdBytes":{"$amf":"bytearray","base64":"U4SD26nIyk1glTJm21HJPA=="}}`,
	"ext-DSC":             `{"$amf":"message","class":"DSC","headers":{"DSId":"EE0D161D-C11D-25CB-8DBE-3B77B54B55D9"},"messageIdBytes":{"$amf":"bytearray","base64":"wN+3fNbuJDFzFTJm4TGoZg=="},"correlationId":"","operation":2}`,
	"ext-AC-source-obj":   `{"$amf":"arraycollection","source":{"source":["foo","bar"]}}`,
	"xml":                 `{"$amf":"xml","text":"<a><b>hello world</b></a>"}`,
	"xmldoc":              `{"$amf":"xmldoc","text":"<a><b>hello world</b></a>"}`,
	"xml-ref":             `[{"$amf":"xml","id":0,"text":"<a><b>hello world</b></a>"},{"$amf":"ref","id":0}]`,
	"bytearray":           `{"$amf":"bytearray","base64":"aGVsbG8="}`,
	"bytearray-empty":     `{"$amf":"bytearray","base64":""}`,
	"bytearray-ref":       `[{"$amf":"bytearray","id":0,"base64":"aGVsbG8="},{"$amf":"ref","id":0}]`,
	"vec-int":             `{"$amf":"vector-int","items":[1,2,3]}`,
	"vec-int-neg-fixed":   `{"$amf":"vector-int","fixed":true,"items":[-536870912,-1073741824,-2147483647,-2147483648]}`,
	"vec-int-empty":       `{"$amf":"vector-int","items":[]}`,
	"vec-uint":            `{"$amf":"vector-uint","fixed":true,"items":[536870912,1073741824,2147483647,2147483648,4294967295]}`,
	"vec-double":          `{"$amf":"vector-double","items":[0.5]}`,
	"vec-object":          `{"$amf":"vector-object","items":[{"prop":"val"}]}`,
	"vec-object-typed":    `{"$amf":"vector-object","type":"TestObject","items":[{"$amf":"object","class":"TestObject2","sealed":{"sealedProp":48879}}]}`,
	"dict-empty":          `{"$amf":"dictionary","entries":[]}`,
	"dict-intkey":         `{"$amf":"dictionary","entries":[[3,false]]}`,
	"dict-strkey-weak":    `{"$amf":"dictionary","weak":true,"entries":[["foo",{"$amf":"undefined"}]]}`,
	"dict-objkey":         `{"$amf":"dictionary","entries":[[{"bar":1},"foo"]]}`,
	"dict-selfref":        `{"$amf":"dictionary","id":0,"entries":[["x",{"$amf":"ref","id":0}]]}`,
	"a0-num1":             `1.0`,
	"a0-num-123":          `-123.0`,
	"a0-true":             `true`,
	"a0-str":              `"hello"`,
	"a0-str-empty":        `""`,
	"a0-obj":              `{"a":"b"}`,
	"a0-null":             `null`,
	"a0-undef":            `{"$amf":"undefined"}`,
	"a0-ecma":             `{"$amf":"array","assoc":{"a":1.0},"dense":[]}`,
	"a0-strict":           `[1.0,2.0,3.0]`,
	"a0-date":             `{"$amf":"date","ms":1111111111000}`,
	"a0-longstr":          `"` + strings.Repeat("a", 65537) + `"`,
	"a0-xml":              `{"$amf":"xmldoc","text":"<a><b>hello world</b></a>"}`,
	"a0-typed":            `{"$amf":"object","class":"org.pyamf.spam","dynamic":{"baz":"hello"}}`,
	"a0-ref":              `[[{"$amf":"object","id":0,"dynamic":{"a":"spam","b":"eggs"}},{"$amf":"ref","id":0}]]`,
	"a0-avmplus":          `{"spam":"eggs"}`,
	"a0-unsupported":      `{"$amf":"undefined"}`,
}

// nonCanonical lists the vectors whose re-encoding differs from the vector,
// and why. Every other vector re-encodes to exactly its bytes.
var nonCanonical = map[string]string{
	"a0-avmplus": "AMF0 0x11 switch around a plain object: the AMF0 encoder writes an object with AMF0's own marker (0x03) " +
		"and switches to AMF3 only for types AMF0 lacks (ByteArray, Vector, Dictionary, externalizables)",
	"a0-unsupported": "AMF0 'unsupported' (0x0D) decodes to undefined, which encodes as 0x06; " +
		"no encoder should emit 0x0D",
}

func TestVectorTableComplete(t *testing.T) {
	vs := loadVectors(t)
	if len(vs) != 91 {
		t.Fatalf("corpus has %d vectors, want 91", len(vs))
	}
	seen := map[string]bool{}
	for _, v := range vs {
		seen[v.ID] = true
		if _, ok := vectorWant[v.ID]; !ok {
			t.Errorf("vector %s has no expected value", v.ID)
		}
	}
	for id := range vectorWant {
		if !seen[id] {
			t.Errorf("expected value for unknown vector %s", id)
		}
	}
	for id := range nonCanonical {
		if !seen[id] {
			t.Errorf("non-canonical entry for unknown vector %s", id)
		}
	}
}

func TestVectors(t *testing.T) {
	for _, vec := range loadVectors(t) {
		t.Run(vec.ID, func(t *testing.T) {
			v, n, err := Decode(vec.bytes, vec.encoding, nil)
			if err != nil {
				t.Fatalf("Decode(%s): %v", vec.Desc, err)
			}
			if n != len(vec.bytes) {
				t.Errorf("Decode used %d bytes, want %d", n, len(vec.bytes))
			}
			got, err := ToJSON(v)
			if err != nil {
				t.Fatalf("ToJSON: %v", err)
			}
			want := vectorWant[vec.ID]
			if string(got) != want {
				t.Errorf("decoded %s\n got %s\nwant %s", vec.Desc, trunc(got), trunc([]byte(want)))
			}

			re, err := Encode(v, vec.encoding, nil)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			why, nc := nonCanonical[vec.ID]
			switch {
			case !nc && !bytes.Equal(re, vec.bytes):
				t.Errorf("re-encoding differs\n got %x\nwant %x", trunc(re), trunc(vec.bytes))
			case nc && bytes.Equal(re, vec.bytes):
				t.Errorf("listed as non-canonical (%s) but re-encodes exactly", why)
			case nc:
				// Not the same bytes, but the same value.
				v2, _, err := Decode(re, vec.encoding, nil)
				if err != nil {
					t.Fatalf("Decode(re-encoding): %v", err)
				}
				if j, _ := ToJSON(v2); string(j) != want {
					t.Errorf("re-encoding %x decodes to %s, want %s", re, j, want)
				}
			}

			// The JSON form encodes to the same bytes as the decoded value.
			fromJSON, err := FromJSON([]byte(want))
			if err != nil {
				t.Fatalf("FromJSON: %v", err)
			}
			re2, err := Encode(fromJSON, vec.encoding, nil)
			if err != nil {
				t.Fatalf("Encode(FromJSON): %v", err)
			}
			if !bytes.Equal(re2, re) {
				t.Errorf("FromJSON then Encode\n got %x\nwant %x", trunc(re2), trunc(re))
			}
		})
	}
}

// TestVectorPrefixesIncomplete checks the stream contract: every strict
// prefix of a valid value is incomplete, never malformed and never a value.
func TestVectorPrefixesIncomplete(t *testing.T) {
	for _, vec := range loadVectors(t) {
		step := 1
		if len(vec.bytes) > 4096 {
			step = 997
		}
		for k := 0; k < len(vec.bytes); k += step {
			_, _, err := Decode(vec.bytes[:k], vec.encoding, nil)
			var se *SyntaxError
			if !errors.Is(err, ErrIncomplete) || errors.As(err, &se) {
				t.Errorf("%s: prefix of %d bytes: got %v, want ErrIncomplete", vec.ID, k, err)
			}
		}
	}
}

// TestVectorTrailingBytes checks that Decode stops after one value.
func TestVectorTrailingBytes(t *testing.T) {
	for _, vec := range loadVectors(t) {
		data := append(append([]byte(nil), vec.bytes...), 0x01, 0x02, 0x03)
		_, n, err := Decode(data, vec.encoding, nil)
		if err != nil || n != len(vec.bytes) {
			t.Errorf("%s: with trailing bytes: n=%d err=%v, want n=%d", vec.ID, n, err, len(vec.bytes))
		}
	}
}

func trunc(b []byte) []byte {
	if len(b) > 400 {
		return append(b[:400:400], "..."...)
	}
	return b
}
