package amf

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite generated testdata: the fuzz seed corpus and the benchmark message")

// fuzzOpts keeps fuzzing fast: real limits, smaller lengths.
var fuzzOpts = &Options{MaxLength: 1 << 16, MaxNodes: 1 << 16}

func FuzzDecodeAMF3(f *testing.F) { fuzzDecode(f, AMF3) }

func FuzzDecodeAMF0(f *testing.F) { fuzzDecode(f, AMF0) }

// fuzzDecode checks, for any input: Decode never panics and reports either
// ErrIncomplete or a *SyntaxError; a decoded value encodes, decodes back to
// the same value, re-encodes to the same bytes, converts to JSON and back;
// and every strict prefix of the value's bytes is incomplete.
func fuzzDecode(f *testing.F, enc int) {
	f.Fuzz(func(t *testing.T, data []byte) {
		v, n, err := Decode(data, enc, fuzzOpts)
		if err != nil {
			var se *SyntaxError
			if !errors.Is(err, ErrIncomplete) && !errors.As(err, &se) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if n <= 0 || n > len(data) {
			t.Fatalf("n = %d for %d bytes", n, len(data))
		}
		b, err := Encode(v, enc, fuzzOpts)
		if err != nil {
			t.Fatalf("Encode(decoded): %v", err)
		}
		v2, n2, err := Decode(b, enc, fuzzOpts)
		if err != nil || n2 != len(b) {
			t.Fatalf("Decode(Encode(v)) = %d/%d, %v\n% x", n2, len(b), err, b)
		}
		b2, err := Encode(v2, enc, fuzzOpts)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("encoding not stable: %v\n% x\n% x", err, b, b2)
		}
		j, err := ToJSON(v)
		if err != nil {
			t.Fatalf("ToJSON: %v", err)
		}
		j2, err := ToJSON(v2)
		if err != nil {
			t.Fatalf("ToJSON(v2): %v", err)
		}
		// AMF0 turns AMF3 sealed members (from 0x11 sections) into plain members
		// on re-encoding; AMF3 keeps every distinction.
		if enc == AMF3 && !bytes.Equal(j, j2) {
			t.Fatalf("value changed by a round trip:\n%s\n%s", j, j2)
		}
		w, err := FromJSON(j)
		if err != nil {
			t.Fatalf("FromJSON(ToJSON(v)): %v\n%s", err, j)
		}
		jw, err := ToJSON(w)
		if err != nil || !bytes.Equal(jw, j) {
			t.Fatalf("JSON not a fixpoint: %v\n%s\n%s", err, j, jw)
		}
		bw, err := Encode(w, enc, fuzzOpts)
		if err != nil {
			t.Fatalf("Encode(FromJSON(ToJSON(v))): %v", err)
		}
		// JSON is UTF-8: strings with bad bytes come back changed, but the
		// value still decodes to the same JSON.
		if jsonExact(v, map[any]bool{}) && !bytes.Equal(bw, b) {
			t.Fatalf("JSON round trip changed the encoding:\n% x\n% x", b, bw)
		}
		vw, _, err := Decode(bw, enc, fuzzOpts)
		if err != nil {
			t.Fatalf("Decode(Encode(FromJSON(ToJSON(v)))): %v", err)
		}
		if jvw, _ := ToJSON(vw); enc == AMF3 && !bytes.Equal(jvw, j) {
			t.Fatalf("JSON round trip changed the value:\n%s\n%s", j, jvw)
		}
		// The stream contract.
		step := 1
		if n > 64 {
			step = n/64 + 1
		}
		for k := 0; k < n; k += step {
			if _, _, err := Decode(data[:k], enc, fuzzOpts); !errors.Is(err, ErrIncomplete) {
				t.Fatalf("prefix %d of %d: %v, want ErrIncomplete", k, n, err)
			}
		}
	})
}

// FuzzJSON checks FromJSON against encoding/json: it accepts only valid
// JSON, reads strings the same way, and what it accepts converts to a
// JSON fixpoint and, when encodable, through AMF3 back to the same JSON.
func FuzzJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := FromJSON(data)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("FromJSON accepted invalid JSON %q", data)
		}
		var s string
		if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '"' && json.Unmarshal(data, &s) == nil && v != s {
			t.Fatalf("string %q read as %q, encoding/json %q", data, v, s)
		}
		j, err := ToJSON(v)
		if err != nil {
			t.Fatalf("ToJSON(FromJSON): %v", err)
		}
		v2, err := FromJSON(j)
		if err != nil {
			t.Fatalf("FromJSON(ToJSON): %v\n%s", err, j)
		}
		if j2, _ := ToJSON(v2); !bytes.Equal(j, j2) {
			t.Fatalf("not a fixpoint:\n%s\n%s", j, j2)
		}
		b, err := Encode(v, AMF3, nil)
		if err != nil {
			return // e.g. an empty member name, which AMF cannot carry
		}
		v3, _, err := Decode(b, AMF3, nil)
		if err != nil {
			t.Fatalf("Decode(Encode(FromJSON)): %v", err)
		}
		if j3, _ := ToJSON(v3); !bytes.Equal(j, j3) {
			t.Fatalf("AMF3 round trip changed the value:\n%s\n%s", j, j3)
		}
	})
}

// TestWriteFuzzSeeds writes the seed corpus with -update; otherwise it
// checks that every vector has its seed file.
func TestWriteFuzzSeeds(t *testing.T) {
	seeds := map[string]map[string][]byte{"FuzzDecodeAMF3": {}, "FuzzDecodeAMF0": {}, "FuzzJSON": {}}
	for _, v := range loadVectors(t) {
		// Large seeds make the fuzzer's minimization crawl; a0-longstr is
		// covered by TestVectors.
		if len(v.bytes) > 4096 {
			continue
		}
		target := "FuzzDecodeAMF3"
		if v.encoding == AMF0 {
			target = "FuzzDecodeAMF0"
		}
		seeds[target]["vector-"+v.ID] = v.bytes
		seeds["FuzzJSON"]["vector-"+v.ID] = []byte(vectorWant[v.ID])
	}
	for _, h := range hostileCases {
		if len(h.data) > 4096 {
			continue
		}
		target := "FuzzDecodeAMF3"
		if h.enc == AMF0 {
			target = "FuzzDecodeAMF0"
		}
		seeds[target]["hostile-"+h.name] = h.data
	}
	for i, in := range []string{`{"a":[1,2.5,"x",null,true,{}]}`, `"\ud83c\udf89\u0000"`, `{"$$amf":{"$amf":"undefined"}}`, `-0`, `1e400`} {
		seeds["FuzzJSON"]["plain-"+strconv.Itoa(i)] = []byte(in)
	}
	for target, files := range seeds {
		dir := filepath.Join("testdata", "fuzz", target)
		for name, data := range files {
			name = filepath.Join(dir, safeName(name))
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if strings, err := os.ReadFile(name); err != nil || string(strings) != content {
				t.Errorf("seed %s missing or stale (run go test -run TestWriteFuzzSeeds -update)", name)
			}
		}
	}
}

// jsonExact reports whether v's graph survives JSON byte for byte: every
// string (values, names, class names, XML text) is valid UTF-8 and every NaN
// is the canonical one (JSON.md: NaN payloads are not kept).
func jsonExact(v Value, seen map[any]bool) bool {
	if ok, isNil := identity(v); ok {
		if isNil || seen[v] {
			return true
		}
		seen[v] = true
	}
	names := func(ms []Member) bool {
		for _, m := range ms {
			if !utf8.ValidString(m.Name) {
				return false
			}
		}
		return true
	}
	nan := func(f float64) bool { return f != f && math.Float64bits(f) != 0xfff8000000000000 }
	switch x := v.(type) {
	case float64:
		return !nan(x)
	case *Date:
		return !nan(x.Ms)
	case *VectorDouble:
		for _, f := range x.Items {
			if nan(f) {
				return false
			}
		}
	case string:
		return utf8.ValidString(x)
	case *XML:
		return utf8.ValidString(x.Text)
	case *Object:
		if !utf8.ValidString(x.Class) || !names(x.Sealed) || !names(x.Dynamic) {
			return false
		}
	case *Array:
		if !names(x.Assoc) {
			return false
		}
	case *VectorObject:
		if !utf8.ValidString(x.Type) {
			return false
		}
	}
	ok := true
	children(v, func(c Value) error {
		if !jsonExact(c, seen) {
			ok = false
			return errors.New("invalid")
		}
		return nil
	})
	return ok
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}
