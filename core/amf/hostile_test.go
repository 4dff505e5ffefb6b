package amf

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// repeat returns head followed by n copies of unit and then tail.
func repeat(head, unit []byte, n int, tail []byte) []byte {
	b := make([]byte, 0, len(head)+n*len(unit)+len(tail))
	b = append(b, head...)
	for range n {
		b = append(b, unit...)
	}
	return append(b, tail...)
}

// refAmplification builds amf.md's ref-amplification-L: level i is
// [level i+1, <reference to level i+1>], 2^L leaves when expanded.
func refAmplification(levels int) []byte {
	var b []byte
	for range levels {
		b = append(b, 0x09, 0x05, 0x01) // array, 2 dense, no assoc
	}
	b = append(b, 0x09, 0x01, 0x01) // innermost []
	// Closing from the inside: level i's second element refers to level i+1,
	// whose object index is i+1.
	for i := levels - 1; i >= 0; i-- {
		b = append(b, 0x09)
		b = appendU29(b, uint32(i+1)<<1)
	}
	return b
}

// errKind classifies a Decode error.
type errKind int

const (
	wantOK errKind = iota
	wantIncomplete
	wantLimit
	wantSyntax
	wantUnknownClass
)

func (k errKind) check(err error) bool {
	var se *SyntaxError
	switch k {
	case wantOK:
		return err == nil
	case wantIncomplete:
		return errors.Is(err, ErrIncomplete) && !errors.As(err, &se)
	case wantLimit:
		return errors.Is(err, ErrLimit)
	case wantSyntax:
		return errors.As(err, &se) && !errors.Is(err, ErrLimit)
	case wantUnknownClass:
		return errors.Is(err, ErrUnknownClass)
	}
	return false
}

func (k errKind) String() string {
	return [...]string{"success", "ErrIncomplete", "ErrLimit", "*SyntaxError", "ErrUnknownClass"}[k]
}

var acClass = []byte("\x43flex.messaging.io.ArrayCollection")

// hostileCases holds the decoder attacks of amf.md §6 (names as in its
// table where they come from there) and a few more.
var hostileCases = []struct {
	name string
	enc  int
	data []byte
	opts *Options
	want errKind
}{
	// Declared sizes far beyond the input (amf.md §6.2).
	{"bytearray-len-2^28-1", AMF3, []byte{0x0c, 0xff, 0xff, 0xff, 0xff}, nil, wantLimit},
	{"bytearray-len-2^28-1 with MaxLength 1GiB", AMF3, []byte{0x0c, 0xff, 0xff, 0xff, 0xff}, &Options{MaxLength: 1 << 30}, wantIncomplete},
	{"string-len-2^28-1", AMF3, []byte{0x06, 0xff, 0xff, 0xff, 0xff}, nil, wantLimit},
	{"string-len-2^28-1 with MaxLength 1GiB", AMF3, []byte{0x06, 0xff, 0xff, 0xff, 0xff, 'a'}, &Options{MaxLength: 1 << 30}, wantIncomplete},
	{"xml-len-2^28-1", AMF3, []byte{0x0b, 0xff, 0xff, 0xff, 0xff}, nil, wantLimit},
	{"array-dense-2^28-1", AMF3, []byte{0x09, 0xff, 0xff, 0xff, 0xff, 0x01}, nil, wantLimit},
	{"array-dense-2^28-1 with MaxLength and MaxNodes 1G", AMF3, []byte{0x09, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01}, &Options{MaxLength: 1 << 30, MaxNodes: 1 << 30}, wantIncomplete},
	{"array-dense-1M over the node budget", AMF3, []byte{0x09, 0x80, 0xff, 0xff, 0xff, 0x01, 0x01}, nil, wantLimit},
	{"vector-int-2^28-1", AMF3, []byte{0x0d, 0xff, 0xff, 0xff, 0xff, 0x00}, nil, wantLimit},
	{"vector-int-2^28-1 with MaxLength 1GiB", AMF3, []byte{0x0d, 0xff, 0xff, 0xff, 0xff, 0x00, 0, 0, 0, 1}, &Options{MaxLength: 1 << 30}, wantIncomplete},
	{"vector-uint-2^28-1", AMF3, []byte{0x0e, 0xff, 0xff, 0xff, 0xff, 0x00}, nil, wantLimit},
	{"vector-double-2^28-1", AMF3, []byte{0x0f, 0xff, 0xff, 0xff, 0xff, 0x00}, nil, wantLimit},
	{"vector-double-1M", AMF3, []byte{0x0f, 0x80, 0xff, 0xff, 0xff, 0x00}, nil, wantIncomplete},
	{"vector-obj-2^28-1", AMF3, []byte{0x10, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01}, nil, wantLimit},
	{"dict-2^28-1", AMF3, []byte{0x11, 0xff, 0xff, 0xff, 0xff, 0x00}, nil, wantLimit},
	{"dict-600k over the node budget", AMF3, []byte{0x11, 0x80, 0xc9, 0xb8, 0xc1, 0x00}, nil, wantLimit},
	{"sealed-count-2^25-1", AMF3, []byte{0x0a, 0xff, 0xff, 0xff, 0xf3, 0x01}, nil, wantLimit},
	{"sealed-count-2^25-1 with MaxLength 1GiB", AMF3, []byte{0x0a, 0xff, 0xff, 0xff, 0xf3, 0x01, 0x03, 0x61}, &Options{MaxLength: 1 << 30}, wantIncomplete},
	{"sealed-count via traits-ref over node budget", AMF3,
		// [o1, o2]: o1 defines 4 sealed names, o2 reuses them with MaxNodes 6.
		[]byte{0x09, 0x05, 0x01, 0x0a, 0x43, 0x01, 0x03, 0x61, 0x03, 0x62, 0x03, 0x63, 0x03, 0x64, 0x01, 0x01, 0x01, 0x01, 0x0a, 0x01, 0x01, 0x01, 0x01, 0x01},
		&Options{MaxNodes: 6}, wantLimit},
	{"traits-ref reuse needs the bytes", AMF3,
		[]byte{0x09, 0x05, 0x01, 0x0a, 0x43, 0x01, 0x03, 0x61, 0x03, 0x62, 0x03, 0x63, 0x03, 0x64, 0x01, 0x01, 0x01, 0x01, 0x0a, 0x01, 0x01},
		nil, wantIncomplete},

	// Nesting.
	{"deep-nesting-200k", AMF3, repeat(nil, []byte{0x09, 0x03, 0x01}, 200000, []byte{0x01}), nil, wantLimit},
	{"deep-nesting-200k at MaxDepthCeiling", AMF3, repeat(nil, []byte{0x09, 0x03, 0x01}, 200000, []byte{0x01}), &Options{MaxDepth: 1 << 30}, wantLimit},
	{"deep-objects-200k", AMF3, repeat([]byte{0x0a, 0x0b, 0x01}, []byte{0x03, 0x61, 0x0a, 0x01}, 200000, []byte{0x01}), nil, wantLimit},
	{"deep-dictionary-keys", AMF3, repeat(nil, []byte{0x11, 0x03, 0x00}, 100000, []byte{0x01, 0x01}), nil, wantLimit},
	{"deep-vector-object", AMF3, repeat(nil, []byte{0x10, 0x03, 0x00, 0x01}, 100000, []byte{0x01}), nil, wantLimit},
	{"deep-arraycollection", AMF3, repeat(append([]byte{0x0a, 0x07}, acClass...), []byte{0x0a, 0x01}, 100000, []byte{0x01}), nil, wantLimit},
	{"deep-small-message-bodies", AMF3, repeat([]byte{0x0a, 0x07, 0x07, 'D', 'S', 'A', 0x01}, []byte{0x0a, 0x01, 0x01}, 100000, []byte{0x01}), nil, wantLimit},
	{"a0-deep-nesting-200k", AMF0, repeat(nil, []byte{0x0a, 0, 0, 0, 1}, 200000, []byte{0x05}), nil, wantLimit},
	{"a0-deep-objects-200k", AMF0, repeat(nil, []byte{0x03, 0x00, 0x01, 'a'}, 200000, []byte{0x05}), nil, wantLimit},
	{"a0-deep-through-avmplus", AMF0, append(repeat(nil, []byte{0x0a, 0, 0, 0, 1}, 200, []byte{0x11}), repeat(nil, []byte{0x09, 0x03, 0x01}, 100, []byte{0x01})...), nil, wantLimit},
	{"small-message-flag-flood", AMF3, repeat([]byte{0x0a, 0x07, 0x07, 'D', 'S', 'K'}, []byte{0x80}, 1<<20, nil), nil, wantIncomplete},

	// References.
	{"objref-out-of-range", AMF3, []byte{0x09, 0x03, 0x01, 0x0a, 0x04}, nil, wantSyntax},
	{"objref-huge", AMF3, []byte{0x0a, 0xff, 0xff, 0xff, 0xfe}, nil, wantSyntax},
	{"strref-out-of-range", AMF3, []byte{0x06, 0x02}, nil, wantSyntax},
	{"strref-in-key-out-of-range", AMF3, []byte{0x0a, 0x0b, 0x01, 0x04, 0x01, 0x01}, nil, wantSyntax},
	{"traitref-out-of-range", AMF3, []byte{0x0a, 0x05}, nil, wantSyntax},
	{"dateref-out-of-range", AMF3, []byte{0x08, 0x00}, nil, wantSyntax},
	{"cyclic-object", AMF3, []byte{0x0a, 0x0b, 0x01, 0x09, 0x73, 0x65, 0x6c, 0x66, 0x0a, 0x00, 0x01}, nil, wantOK},
	{"flash-stack-overflow-array", AMF3, []byte{0x09, 0x05, 0x01, 0x0a, 0x03, 0x01, 0x09, 0x00}, nil, wantOK},
	{"ref-amplification-40", AMF3, refAmplification(40), nil, wantOK},
	{"ref-amplification-5000", AMF3, refAmplification(5000), &Options{MaxDepth: 6000}, wantOK},
	{"a0-ref-out-of-range", AMF0, []byte{0x07, 0x00, 0x05}, nil, wantSyntax},
	{"a0-self-reference", AMF0, []byte{0x03, 0x00, 0x01, 'a', 0x07, 0x00, 0x00, 0x00, 0x00, 0x09}, nil, wantOK},

	// Framing.
	{"truncated-u29", AMF3, []byte{0x04, 0xff, 0xff}, nil, wantIncomplete},
	{"unknown-marker-0x12", AMF3, []byte{0x12}, nil, wantSyntax},
	{"unknown-marker-0xff", AMF3, []byte{0xff}, nil, wantSyntax},
	{"empty-input", AMF3, nil, nil, wantIncomplete},
	{"a0-strict-count-2^32-1", AMF0, []byte{0x0a, 0xff, 0xff, 0xff, 0xff}, nil, wantLimit},
	{"a0-longstring-2^32-1", AMF0, []byte{0x0c, 0xff, 0xff, 0xff, 0xff}, nil, wantLimit},
	{"a0-xmldoc-2^32-1", AMF0, []byte{0x0f, 0xff, 0xff, 0xff, 0xff}, nil, wantLimit},
	{"a0-ecma-count-2^32-1 is a hint", AMF0, []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x09}, nil, wantOK},
	{"a0-object-no-end", AMF0, []byte{0x03, 0x00, 0x01, 0x61, 0x05}, nil, wantIncomplete},
	{"a0-object-empty-name-bad-value", AMF0, []byte{0x03, 0x00, 0x01, 0x61, 0x05, 0x00, 0x00, 0x04}, nil, wantSyntax},
	{"a0-object-empty-name-then-eof", AMF0, []byte{0x03, 0x00, 0x01, 0x61, 0x05, 0x00, 0x00}, nil, wantIncomplete},
	{"a0-object-end-as-value", AMF0, []byte{0x09}, nil, wantSyntax},
	{"a0-movieclip", AMF0, []byte{0x04}, nil, wantSyntax},
	{"a0-recordset", AMF0, []byte{0x0e}, nil, wantSyntax},
	{"a0-unknown-marker", AMF0, []byte{0x12}, nil, wantSyntax},

	// Classes.
	{"unknown-externalizable", AMF3, []byte{0x0a, 0x07, 0x07, 'F', 'o', 'o', 0x01}, nil, wantUnknownClass},
	{"anonymous-externalizable", AMF3, []byte{0x0a, 0x07, 0x01, 0x01}, nil, wantUnknownClass},
	{"empty-sealed-name", AMF3, []byte{0x0a, 0x13, 0x01, 0x01, 0x01}, nil, wantSyntax},
	{"typed-alias-is-not-resolved", AMF3, []byte{0x0a, 0x0b, 0x0f, 'a', 'b', 'c', '.', 'x', 'y', 'z', 0x01}, nil, wantOK},

	// Budget over many small values.
	{"node-budget-dynamic-members", AMF3, repeat([]byte{0x0a, 0x0b, 0x01}, []byte{0x03, 0x61, 0x01}, 4000, []byte{0x01}), &Options{MaxNodes: 1000}, wantLimit},
	{"node-budget-assoc", AMF0, repeat([]byte{0x08, 0, 0, 0, 0}, []byte{0x00, 0x01, 0x61, 0x05}, 4000, []byte{0, 0, 9}), &Options{MaxNodes: 1000}, wantLimit},
	{"node-budget", AMF3, repeat([]byte{0x09, 0x9f, 0x41, 0x01}, []byte{0x01}, 4000, nil), &Options{MaxNodes: 1000}, wantLimit},
}

func TestHostile(t *testing.T) {
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			v, _, err := Decode(tc.data, tc.enc, tc.opts)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !tc.want.check(err) {
				t.Fatalf("got error %v, want %v", err, tc.want)
			}
			// Decoding allocates a small multiple of the input, whatever the
			// input claims.
			allocated := after.TotalAlloc - before.TotalAlloc
			if bound := uint64(64<<10 + 64*len(tc.data)); allocated > bound {
				t.Errorf("allocated %d bytes for %d bytes of input (bound %d)", allocated, len(tc.data), bound)
			}
			if elapsed > 2*time.Second {
				t.Errorf("took %v", elapsed)
			}
			if err == nil {
				// The decoded graph converts to JSON of its own size, even when
				// its expansion is huge or infinite.
				j, err := ToJSON(v)
				if err != nil {
					t.Fatalf("ToJSON: %v", err)
				}
				if len(j) > 100*len(tc.data)+100 {
					t.Errorf("JSON form is %d bytes for %d bytes of AMF", len(j), len(tc.data))
				}
				if _, err := Encode(v, tc.enc, tc.opts); err != nil {
					t.Errorf("Encode: %v", err)
				}
			}
		})
	}
}

// TestHostileOffsets checks that errors point at the fault.
func TestHostileOffsets(t *testing.T) {
	cases := []struct {
		data   []byte
		enc    int
		offset int
	}{
		{[]byte{0x09, 0x05, 0x01, 0x04, 0x01, 0x12}, AMF3, 5},
		{[]byte{0x09, 0x03, 0x01, 0x0a, 0x04}, AMF3, 4},
		{[]byte{0x09, 0x03, 0x01, 0x06, 0x02}, AMF3, 4},
		{[]byte{0x0a, 0x00, 0x00, 0x00, 0x02, 0x05, 0x07, 0x00, 0x09}, AMF0, 6},
		{[]byte{0x03, 0x00, 0x01, 0x61, 0x05, 0x00, 0x00, 0x04}, AMF0, 7},
	}
	for _, tc := range cases {
		_, _, err := Decode(tc.data, tc.enc, nil)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != tc.offset {
			t.Errorf("Decode(% x): %v, want a *SyntaxError at offset %d", tc.data, err, tc.offset)
		}
	}
	_, _, err := Decode([]byte{0x09, 0x05, 0x01, 0x04}, AMF3, nil)
	var ie *IncompleteError
	if !errors.As(err, &ie) || ie.Offset != 3 || ie.Need != 5 {
		t.Errorf("truncated array: %v, want *IncompleteError{Offset: 3, Need: 5}", err)
	}
	_, _, err = Decode([]byte{0x0c, 0x82, 0x01, 'a'}, AMF3, nil)
	if !errors.As(err, &ie) || ie.Need != 3+128 {
		t.Errorf("truncated ByteArray: %v, want Need %d", err, 3+128)
	}
}

// TestNoDecompression checks that a zlib-looking ByteArray stays as sent.
func TestNoDecompression(t *testing.T) {
	// zlib stream of 1 MiB of zeros would inflate 1000×; the codec must not.
	payload := []byte{0x78, 0x9c, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00, 0x00, 0xc2, 0xa0, 0xf7, 0x4f, 0x6d, 0x0e, 0x37, 0xa0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xab, 0x01, 0x00, 0x10, 0x00, 0x01}
	data := appendU29([]byte{0x0c}, uint32(len(payload))<<1|1)
	data = append(data, payload...)
	v, _, err := Decode(data, AMF3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := v.(*ByteArray).Bytes; !bytes.Equal(b, payload) {
		t.Errorf("ByteArray changed: % x", b)
	}
}

// TestXMLNotParsed checks that XML with entity declarations is kept as text.
func TestXMLNotParsed(t *testing.T) {
	text := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&x;&b;</r>`
	for _, enc := range []int{AMF0, AMF3} {
		for _, doc := range []bool{false, true} {
			b, err := Encode(&XML{Text: text, Document: doc}, enc, nil)
			if err != nil {
				t.Fatal(err)
			}
			v, _, err := Decode(b, enc, nil)
			if err != nil {
				t.Fatal(err)
			}
			if x := v.(*XML); x.Text != text {
				t.Errorf("AMF%d XML text changed to %q", enc, x.Text)
			}
		}
	}
}

// TestDepthLimits checks the depth boundary exactly, and the ceiling.
func TestDepthLimits(t *testing.T) {
	nested := func(levels int) []byte {
		return repeat(nil, []byte{0x09, 0x03, 0x01}, levels, []byte{0x01})
	}
	for _, depth := range []int{1, 2, 10, DefaultMaxDepth} {
		opts := &Options{MaxDepth: depth}
		if depth == DefaultMaxDepth {
			opts = nil
		}
		if _, _, err := Decode(nested(depth), AMF3, opts); err != nil {
			t.Errorf("depth %d with MaxDepth %d: %v", depth, depth, err)
		}
		if _, _, err := Decode(nested(depth+1), AMF3, opts); !errors.Is(err, ErrLimit) {
			t.Errorf("depth %d with MaxDepth %d: %v, want ErrLimit", depth+1, depth, err)
		}
	}
	// The ceiling holds even when asked for more, and the recursion to it
	// fits the stack.
	big := &Options{MaxDepth: 1 << 40}
	if _, _, err := Decode(nested(MaxDepthCeiling), AMF3, big); err != nil {
		t.Errorf("depth %d: %v", MaxDepthCeiling, err)
	}
	if _, _, err := Decode(nested(MaxDepthCeiling+1), AMF3, big); !errors.Is(err, ErrLimit) {
		t.Errorf("depth %d: %v, want ErrLimit", MaxDepthCeiling+1, err)
	}
	// A value decoded at the ceiling converts to JSON and back.
	v, _, _ := Decode(nested(MaxDepthCeiling), AMF3, big)
	j, err := ToJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromJSON(j); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(j), "[[[[") {
		t.Errorf("JSON %.20s", j)
	}
}

// TestEncodeLimits checks that the encoder survives hostile Go graphs.
func TestEncodeLimits(t *testing.T) {
	cyclic := []any{nil}
	cyclic[0] = cyclic
	m := map[string]any{}
	m["self"] = m
	// A DAG of shared maps expands to 2^40 values.
	var dag any = "leaf"
	for range 40 {
		dag = []any{dag, dag}
	}
	for _, enc := range []int{AMF0, AMF3} {
		for name, v := range map[string]any{"cyclic slice": cyclic, "cyclic map": m, "shared DAG": dag} {
			_, err := Encode(v, enc, nil)
			if !errors.Is(err, ErrLimit) {
				t.Errorf("AMF%d %s: %v, want ErrLimit", enc, name, err)
			}
		}
	}
	// The same graph with identity encodes as references.
	a := &Array{}
	a.Dense = []Value{a, a}
	for _, enc := range []int{AMF0, AMF3} {
		b, err := Encode(a, enc, nil)
		if err != nil {
			t.Errorf("AMF%d cyclic *Array: %v", enc, err)
		}
		if len(b) > 20 {
			t.Errorf("AMF%d cyclic *Array: % x", enc, b)
		}
	}
}
