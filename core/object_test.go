package core

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/securesocket/securesocket/core/amf"
)

// amfSamples holds a value of every AMF type.
func amfSamples() map[string]amf.Value {
	cyclic := &amf.Object{Dynamic: []amf.Member{{Name: "name", Value: "loop"}}}
	cyclic.Set("self", cyclic)
	shared := &amf.Object{Dynamic: []amf.Member{{Name: "n", Value: int32(1)}}}
	return map[string]amf.Value{
		"undefined":     amf.Undefined{},
		"null":          nil,
		"true":          true,
		"false":         false,
		"int":           int32(-268435456),
		"int as double": float64(268435456),
		"double":        math.Pi,
		"NaN":           math.NaN(),
		"string":        "héllo wörld",
		"long string":   string(bytes.Repeat([]byte("x"), 70000)),
		"xml":           &amf.XML{Text: "<a><b/></a>"},
		"xmldocument":   &amf.XML{Text: "<doc/>", Document: true},
		"date":          amf.NewDate(time.Date(2026, 11, 26, 1, 2, 3, 4e6, time.UTC)),
		"array":         &amf.Array{Dense: []amf.Value{int32(1), "two", 3.5}},
		"mixed array":   &amf.Array{Dense: []amf.Value{true}, Assoc: []amf.Member{{Name: "k", Value: "v"}}},
		"anonymous":     &amf.Object{Dynamic: []amf.Member{{Name: "a", Value: int32(1)}, {Name: "b", Value: "x"}}},
		"typed": &amf.Object{Class: "com.example.Point", Static: true,
			Sealed: []amf.Member{{Name: "x", Value: int32(3)}, {Name: "y", Value: int32(4)}}},
		"typed dynamic": &amf.Object{Class: "com.example.Bag", Sealed: []amf.Member{{Name: "id", Value: int32(7)}},
			Dynamic: []amf.Member{{Name: "extra", Value: "yes"}}},
		"bytearray":       &amf.ByteArray{Bytes: []byte{0, 1, 2, 0xFF}},
		"vector int":      &amf.VectorInt{Items: []int32{-1, 0, 1}},
		"vector uint":     &amf.VectorUint{Fixed: true, Items: []uint32{0, 4000565000}},
		"vector double":   &amf.VectorDouble{Items: []float64{0.5, math.Inf(-1)}},
		"vector object":   &amf.VectorObject{Type: "String", Items: []amf.Value{"a", "b"}},
		"dictionary":      &amf.Dictionary{Entries: []amf.DictEntry{{Key: "k", Value: int32(1)}, {Key: int32(2), Value: "two"}}},
		"arraycollection": &amf.ArrayCollection{Source: &amf.Array{Dense: []amf.Value{"a", int32(1)}}},
		"objectproxy":     &amf.ObjectProxy{Object: &amf.Object{Dynamic: []amf.Member{{Name: "p", Value: "q"}}}},
		"cycle":           cyclic,
		"shared":          &amf.Array{Dense: []amf.Value{shared, shared}},
	}
}

// Every type, written to the echo server and read back, in AMF0 and AMF3:
// the value read re-encodes to the bytes that were written.
func TestObjectRoundTripThroughEcho(t *testing.T) {
	for _, enc := range []uint{0, 3} {
		t.Run(fmt.Sprintf("AMF%d", enc), func(t *testing.T) {
			s, q := connected(t, "echo")
			if err := s.SetObjectEncoding(enc); err != nil {
				t.Fatal(err)
			}
			for name, v := range amfSamples() {
				want, err := amf.Encode(v, int(enc), nil)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := s.WriteObject(v); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				s.mu.Lock()
				wrote := append([]byte(nil), s.out...)
				s.mu.Unlock()
				if !bytes.Equal(wrote, want) {
					t.Fatalf("%s: wrote % x, encoder says % x", name, head(wrote), head(want))
				}
				s.Flush()
				waitAvailable(t, s, q, len(want))
				got, err := s.ReadObject()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				again, err := amf.Encode(got, int(enc), nil)
				if err != nil || !bytes.Equal(again, want) {
					t.Fatalf("%s: read back %#v, re-encodes to % x, want % x (%v)", name, got, head(again), head(want), err)
				}
				if s.BytesAvailable() != 0 {
					t.Fatalf("%s: %d bytes left", name, s.BytesAvailable())
				}
			}
		})
	}
}

func head(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}

// The runtime's own bytes for writeObject({}) (docs/as3-semantics.md, "Objects").
func TestWriteObjectEmptyObjectBytes(t *testing.T) {
	for enc, want := range map[uint][]byte{3: {0x0A, 0x0B, 0x01, 0x01}, 0: {0x03, 0x00, 0x00, 0x09}} {
		s, _ := connected(t, "echo")
		s.SetObjectEncoding(enc)
		s.WriteObject(&amf.Object{})
		s.mu.Lock()
		got := append([]byte(nil), s.out...)
		s.mu.Unlock()
		if !bytes.Equal(got, want) {
			t.Fatalf("AMF%d: % x, want % x", enc, got, want)
		}
	}
}

// A value that has not fully arrived is EOF and consumes nothing; a
// malformed one is RangeError #2006 with the offset and consumes nothing.
func TestReadObjectPartialAndMalformed(t *testing.T) {
	s, q := connected(t, "echo")
	v := &amf.Array{Dense: []amf.Value{"a long enough string", int32(42), amf.NewDate(time.Unix(0, 0))}}
	b, _ := amf.Encode(v, 3, nil)
	s.WriteBytes(b[:len(b)/2], 0, 0)
	s.Flush()
	waitAvailable(t, s, q, len(b)/2)
	for i := 0; i < 2; i++ { // twice: the second attempt takes the shortcut
		if _, err := s.ReadObject(); !errors.Is(err, ErrEOF) {
			t.Fatalf("partial: %v", err)
		}
	}
	if s.BytesAvailable() != len(b)/2 {
		t.Fatal("partial read consumed input")
	}
	s.WriteBytes(b[len(b)/2:], 0, 0)
	s.Flush()
	waitAvailable(t, s, q, len(b))
	if got, err := s.ReadObject(); err != nil || got.(*amf.Array).Dense[1] != int32(42) {
		t.Fatalf("complete: %v %v", got, err)
	}

	s.WriteBytes([]byte{0x0A, 0x07, 0x00}, 0, 0) // a trait reference to a trait that does not exist
	s.Flush()
	waitAvailable(t, s, q, 3)
	_, err := s.ReadObject()
	var e *Error
	if !errors.As(err, &e) || e.ID != 2006 || e.Detail == "" {
		t.Fatalf("malformed: %v", err)
	}
	if s.BytesAvailable() != 3 {
		t.Fatal("malformed read consumed input")
	}
	if err := s.WriteObject(make(chan int)); err == nil || err.(*Error).ID != 2004 {
		t.Fatalf("unencodable: %v", err)
	}
	if _, err := New(nil).ReadObject(); !errors.Is(err, ErrInvalidSocket) {
		t.Fatalf("not open: %v", err)
	}
}

// A long string referenced many times costs two bytes per reference in
// AMF3 but its whole length in JSON, which has no references: the JSON form
// is bounded (8 times the input limit, at least 64 MiB). Past that,
// ReadObjectJSON is RangeError #2006 with nothing consumed, and ReadObject,
// whose Go strings share memory, still reads the value.
func TestReadObjectJSONExpansionIsBounded(t *testing.T) {
	s, q := connected(t, "echo")
	long := strings.Repeat("x", 512<<10)
	vs := make([]amf.Value, 201) // 100 MiB of JSON
	for i := range vs {
		vs[i] = long
	}
	if err := s.WriteObject(vs); err != nil {
		t.Fatal(err)
	}
	sent := s.BytesPending()
	if sent > 600<<10 {
		t.Fatalf("the encoder wrote %d bytes: no string references?", sent)
	}
	s.Flush()
	s.SetInputLimit(2 << 20) // budget: 64 MiB
	waitAvailable(t, s, q, sent)
	_, err := s.ReadObjectJSON()
	var e *Error
	if !errors.As(err, &e) || e.ID != ErrIDRange || !strings.Contains(err.Error(), "longer than 67108864 bytes") {
		t.Fatalf("ReadObjectJSON: %v", err)
	}
	if s.BytesAvailable() != sent {
		t.Fatalf("%d of %d bytes left after the failure", s.BytesAvailable(), sent)
	}
	v, err := s.ReadObject()
	if err != nil {
		t.Fatal(err)
	}
	if got := v.(*amf.Array).Dense; len(got) != 201 || got[200] != long {
		t.Fatalf("read back %d values", len(got))
	}
}
