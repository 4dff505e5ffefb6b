package core

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/securesocket/securesocket/tests/lab"
)

// The typed server's payload, read value by value in both endians.
func TestTypedReads(t *testing.T) {
	s, q := connected(t, "typed")
	want := len(lab.TypedPayload())
	waitAvailable(t, s, q, want)
	check := func(name string, got, want any, err error) {
		t.Helper()
		if err != nil || got != want {
			t.Fatalf("%s = %v (%v), want %v", name, got, err, want)
		}
	}
	b, err := s.ReadBoolean()
	check("readBoolean", b, true, err)
	b, err = s.ReadBoolean()
	check("readBoolean", b, false, err)
	i8, err := s.ReadInt8()
	check("readByte", i8, int8(-1), err)
	u8, err := s.ReadUnsignedByte()
	check("readUnsignedByte", u8, uint8(200), err)
	for _, endian := range []string{BigEndian, LittleEndian} {
		if err := s.SetEndian(endian); err != nil {
			t.Fatal(err)
		}
		i16, err := s.ReadShort()
		check(endian+" readShort", i16, int16(-30562), err)
		u16, err := s.ReadUnsignedShort()
		check(endian+" readUnsignedShort", u16, uint16(65535), err)
		i32, err := s.ReadInt()
		check(endian+" readInt", i32, int32(-123456789), err)
		u32, err := s.ReadUnsignedInt()
		check(endian+" readUnsignedInt", u32, uint32(4000565000), err)
		f, err := s.ReadFloat()
		check(endian+" readFloat", f, 76.6500015258789, err)
		d, err := s.ReadDouble()
		check(endian+" readDouble", d, math.Pi, err)
		u, err := s.ReadUTF()
		check(endian+" readUTF", u, "héllo wörld", err)
		if endian == BigEndian {
			bom, err := s.ReadUTFBytes(7)
			check("readUTFBytes BOM", bom, "Text", err)
			nul, err := s.ReadUTFBytes(7)
			check("readUTFBytes NUL", nul, "ABC", err)
		}
	}
	if s.BytesAvailable() != 0 {
		t.Fatalf("%d bytes left over", s.BytesAvailable())
	}
}

// Every write, echoed back and read in the same endian.
func TestEchoRoundTrip(t *testing.T) {
	for _, endian := range []string{BigEndian, LittleEndian} {
		t.Run(endian, func(t *testing.T) {
			s, q := connected(t, "echo")
			s.SetEndian(endian)
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(s.WriteBoolean(true))
			must(s.WriteBoolean(false))
			must(s.WriteInt8(-1))
			must(s.WriteInt8(256))
			must(s.WriteShort(-30562))
			must(s.WriteShort(65535))
			must(s.WriteInt(math.MinInt32))
			must(s.WriteUnsignedInt(4000565000))
			must(s.WriteFloat(76.65))
			must(s.WriteDouble(-0.1))
			must(s.WriteDouble(math.Inf(1)))
			must(s.WriteBytes([]byte("abcdef"), 2, 3))
			must(s.WriteUTF("Hello from Ruffle Socket!"))
			must(s.WriteUTFBytes("ünïcödé"))
			must(s.WriteMultiByte("日本語", "shift_jis"))
			must(s.WriteMultiByte("AB", "unicode"))
			must(s.WriteMultiByte("plain", "no-such-charset"))
			total := s.BytesPending()
			must(s.Flush())
			waitAvailable(t, s, q, total)

			raw, _ := s.ReadBytes(0)
			// Check the layout of the endian-sensitive parts on the wire.
			wantShort := []byte{0x88, 0x9E}
			wantUTF := []byte{0, 25}
			if endian == LittleEndian {
				wantShort = []byte{0x9E, 0x88}
				wantUTF = []byte{25, 0}
			}
			if !bytes.Equal(raw[4:6], wantShort) {
				t.Fatalf("writeShort bytes % x", raw[4:6])
			}
			if raw[3] != 0 || raw[2] != 0xFF {
				t.Fatalf("writeByte bytes % x", raw[2:4])
			}
			i := bytes.Index(raw, []byte("Hello from"))
			if i < 2 || !bytes.Equal(raw[i-2:i], wantUTF) {
				t.Fatalf("writeUTF prefix % x", raw[i-2:i])
			}

			// Write the same bytes again and read them back typed.
			must(s.WriteBytes(raw, 0, 0))
			must(s.Flush())
			waitAvailable(t, s, q, len(raw))
			rb := func() bool { v, err := s.ReadBoolean(); must(err); return v }
			if !rb() || rb() {
				t.Fatal("booleans")
			}
			if v, _ := s.ReadInt8(); v != -1 {
				t.Fatal("byte", v)
			}
			if v, _ := s.ReadUnsignedByte(); v != 0 {
				t.Fatal("writeByte(256)", v)
			}
			if v, _ := s.ReadShort(); v != -30562 {
				t.Fatal("short", v)
			}
			if v, _ := s.ReadUnsignedShort(); v != 65535 {
				t.Fatal("ushort", v)
			}
			if v, _ := s.ReadInt(); v != math.MinInt32 {
				t.Fatal("int", v)
			}
			if v, _ := s.ReadUnsignedInt(); v != 4000565000 {
				t.Fatal("uint", v)
			}
			if v, _ := s.ReadFloat(); v != float64(float32(76.65)) {
				t.Fatal("float", v)
			}
			if v, _ := s.ReadDouble(); v != -0.1 {
				t.Fatal("double", v)
			}
			if v, _ := s.ReadDouble(); !math.IsInf(v, 1) {
				t.Fatal("inf", v)
			}
			if v, _ := s.ReadUTFBytes(3); v != "cde" {
				t.Fatal("bytes", v)
			}
			if v, _ := s.ReadUTF(); v != "Hello from Ruffle Socket!" {
				t.Fatal("utf", v)
			}
			if v, _ := s.ReadUTFBytes(uint32(len("ünïcödé"))); v != "ünïcödé" {
				t.Fatal("utfbytes", v)
			}
			if v, _ := s.ReadMultiByte(6, "Shift_JIS"); v != "日本語" {
				t.Fatal("shift_jis", v)
			}
			if v, _ := s.ReadMultiByte(4, "utf-16le"); v != "AB" {
				t.Fatal("unicode", v)
			}
			if v, _ := s.ReadMultiByte(5, "no-such-charset"); v != "plain" {
				t.Fatal("fallback", v)
			}
			if s.BytesAvailable() != 0 {
				t.Fatal("left over", s.BytesAvailable())
			}
		})
	}
}

// A read that finds too little input is EOFError #2030 and consumes nothing.
func TestEOFConsumesNothing(t *testing.T) {
	s, q := connected(t, "echo")
	s.WriteBytes([]byte{0, 5, 'a', 'b', 'c'}, 0, 0)
	s.Flush()
	waitAvailable(t, s, q, 5)
	reads := map[string]func() error{
		"readDouble":    func() error { _, err := s.ReadDouble(); return err },
		"readUTF":       func() error { _, err := s.ReadUTF(); return err },
		"readUTFBytes":  func() error { _, err := s.ReadUTFBytes(6); return err },
		"readMultiByte": func() error { _, err := s.ReadMultiByte(6, "utf-8"); return err },
		"readBytes":     func() error { _, err := s.ReadBytes(6); return err },
		"readBytesInto": func() error { _, err := s.ReadBytesInto(make([]byte, 8), 6); return err },
	}
	for name, read := range reads {
		err := read()
		var e *Error
		if !errors.As(err, &e) || e.ID != 2030 || e.Class != "EOFError" ||
			e.Error() != "Error #2030: End of file was encountered." {
			t.Fatalf("%s: %v", name, err)
		}
		if s.BytesAvailable() != 5 {
			t.Fatalf("%s consumed input", name)
		}
	}
	if _, err := s.ReadBytesInto(make([]byte, 2), 3); !errors.Is(err, ErrRange) {
		t.Fatalf("length over destination: %v", err)
	}
	if n, err := s.ReadBytesInto(make([]byte, 4), 0); n != 4 || err != nil {
		t.Fatalf("length 0 read %d %v", n, err)
	}
	if v, err := s.ReadUTFBytes(1); v != "c" || err != nil {
		t.Fatal(v, err)
	}
}

func TestWriteUTFTooLong(t *testing.T) {
	s, _ := connected(t, "echo")
	s.WriteInt8(1)
	err := s.WriteUTF(strings.Repeat("é", 32768)) // 65536 bytes
	var e *Error
	if !errors.As(err, &e) || e.ID != 2006 || e.Class != "RangeError" {
		t.Fatalf("%v", err)
	}
	if s.BytesPending() != 1 {
		t.Fatalf("pending %d: something was written", s.BytesPending())
	}
	if err := s.WriteUTF(strings.Repeat("x", 65535)); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteBytes([]byte{1, 2}, 3, 0); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
	if err := s.WriteBytes([]byte{1, 2}, 1, 2); !errors.Is(err, ErrRange) {
		t.Fatal(err)
	}
}
