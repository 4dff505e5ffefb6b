package core

import "testing"

func TestDecodeUTF8AS3(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"ascii", []byte("hello"), "hello"},
		{"bom skipped", []byte("\xEF\xBB\xBFText"), "Text"},
		{"only leading bom", []byte("a\xEF\xBB\xBF"), "a\uFEFF"},
		{"stop at NUL", []byte("ABC\x00DEF\x00\x00GHI"), "ABC"},
		{"stray continuation", []byte("a\x80b"), "a\u0080b"},
		{"lone 0xFF", []byte{0xFF}, "\u00FF"},
		{"truncated 2-byte", []byte{0xC3}, "\u00C3"},
		{"bad continuation", []byte{0xC3, 0x41}, "\u00C3A"},
		{"overlong 2-byte", []byte{0xC0, 0xAF}, "\u00C0\u00AF"},
		{"overlong 3-byte", []byte{0xE0, 0x80, 0xAF}, "\u00E0\u0080\u00AF"},
		{"valid 2-byte", []byte("é"), "é"},
		{"valid 4-byte", []byte("😀"), "😀"},
		{"F8 decoded like F0", []byte{0xF8, 0x9F, 0x98, 0x80}, "😀"},
		{"above U+10FFFF wraps", []byte{0xF4, 0x90, 0x80, 0x80}, "\U00010000"},
		{"lone surrogate", []byte{0xED, 0xA0, 0x80, 'x'}, "\uFFFDx"},
		{"surrogate pair in CESU form", []byte{0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}, "😀"},
		{"truncated 4-byte", []byte{0xF0, 0x9F, 0x98}, "\u00F0\u009F\u0098"},
		{"empty", nil, ""},
	}
	for _, c := range cases {
		if got := decodeUTF8AS3(c.in); got != c.want {
			t.Errorf("%s: got %+q, want %+q", c.name, got, c.want)
		}
	}
}

func TestCharsets(t *testing.T) {
	cases := []struct {
		charset string
		text    string
		bytes   string
	}{
		{"utf-8", "é", "\xC3\xA9"},
		{"UTF-8", "é", "\xC3\xA9"},
		{"unicode-1-1-utf-8", "é", "\xC3\xA9"},
		{"iso-8859-1", "é", "\xE9"},
		{"latin1", "é", "\xE9"},
		{"windows-1252", "€", "\x80"},
		{"unicode", "A", "A\x00"},
		{"utf-16", "A", "A\x00"},
		{"unicodeFFFE", "A", "\x00A"},
		{"utf-16be", "A", "\x00A"},
		{"shift_jis", "日", "\x93\xfa"},
		{"x-sjis", "日", "\x93\xfa"},
		{"euc-jp", "日", "\xc6\xfc"},
		{"gb2312", "中", "\xd6\xd0"},
		{"GBK", "中", "\xd6\xd0"},
		{"big5", "中", "\xa4\xa4"},
		{"euc-kr", "한", "\xc7\xd1"},
		{"koi8-r", "Ж", "\xf6"},
		{"windows-1251", "Ж", "\xc6"},
		{"ibm437", "é", "\x82"},
		{"no-such-charset", "é", "\xC3\xA9"},
		{"", "é", "\xC3\xA9"},
	}
	for _, c := range cases {
		if got := string(encodeMultiByte(c.text, c.charset)); got != c.bytes {
			t.Errorf("encode %q in %q = %q, want %q", c.text, c.charset, got, c.bytes)
		}
		if got := decodeMultiByte([]byte(c.bytes), c.charset); got != c.text {
			t.Errorf("decode %q in %q = %q, want %q", c.bytes, c.charset, got, c.text)
		}
	}
	// The text ends at the first NUL, and at the first 00 00 unit in UTF-16.
	if got := decodeMultiByte([]byte("AB\x00CD"), "iso-8859-1"); got != "AB" {
		t.Errorf("NUL: %q", got)
	}
	if got := decodeMultiByte([]byte("A\x00\x00\x00B\x00"), "unicode"); got != "A" {
		t.Errorf("UTF-16 NUL: %q", got)
	}
	if got := decodeMultiByte([]byte("A\x00\x01B"), "unicode"); got != "A\u4201" {
		t.Errorf("UTF-16 unaligned zero: %q", got)
	}
	if CharsetSupported("x-iscii-de") || !CharsetSupported("utf-8") || !CharsetSupported("Shift_JIS") {
		t.Error("CharsetSupported")
	}
}
