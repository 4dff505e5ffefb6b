package core

import (
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// charsetEncodings gives the golang.org/x/text codec for each row label of the
// runtime's charset table. Rows without a codec here (EBCDIC national pages,
// ISCII, UTF-7, some DOS and Mac pages) fall back to UTF-8, as unknown names do.
var charsetEncodings = map[string]encoding.Encoding{
	"unicode":             unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	"utf-16le":            unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	"unicodeFFFE":         unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"utf-16be":            unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"us-ascii":            charmap.Windows1252, // the table lists ascii as a Windows-1252 alias
	"Windows-1252":        charmap.Windows1252,
	"iso-8859-1":          charmap.ISO8859_1,
	"iso-8859-2":          charmap.ISO8859_2,
	"iso-8859-3":          charmap.ISO8859_3,
	"iso-8859-4":          charmap.ISO8859_4,
	"iso-8859-5":          charmap.ISO8859_5,
	"iso-8859-6":          charmap.ISO8859_6,
	"iso-8859-7":          charmap.ISO8859_7,
	"iso-8859-8":          charmap.ISO8859_8,
	"iso-8859-8-i":        charmap.ISO8859_8I,
	"iso-8859-9":          charmap.ISO8859_9,
	"iso-8859-15":         charmap.ISO8859_15,
	"windows-874":         charmap.Windows874,
	"windows-1250":        charmap.Windows1250,
	"windows-1251":        charmap.Windows1251,
	"windows-1253":        charmap.Windows1253,
	"windows-1254":        charmap.Windows1254,
	"windows-1255":        charmap.Windows1255,
	"windows-1256":        charmap.Windows1256,
	"windows-1257":        charmap.Windows1257,
	"windows-1258":        charmap.Windows1258,
	"koi8-r":              charmap.KOI8R,
	"koi8-u":              charmap.KOI8U,
	"IBM437":              charmap.CodePage437,
	"ibm850":              charmap.CodePage850,
	"ibm852":              charmap.CodePage852,
	"cp866":               charmap.CodePage866,
	"DOS-862":             charmap.CodePage862,
	"macintosh":           charmap.Macintosh,
	"x-mac-cyrillic":      charmap.MacintoshCyrillic,
	"ebcdic-cp-us":        charmap.CodePage037,
	"x-ebcdic-cp-us-euro": charmap.CodePage1140,
	"shift_jis":           japanese.ShiftJIS,
	"euc-jp":              japanese.EUCJP,
	"iso-2022-jp":         japanese.ISO2022JP,
	"csISO2022JP":         japanese.ISO2022JP,
	"euc-kr":              korean.EUCKR,
	"ks_c_5601-1987":      korean.EUCKR,
	"gb2312":              simplifiedchinese.GBK, // GBK is a superset of GB 2312, as on Windows
	"EUC-CN":              simplifiedchinese.GBK,
	"gb18030":             simplifiedchinese.GB18030,
	"hz-gb-2312":          simplifiedchinese.HZGB2312,
	"big5":                traditionalchinese.Big5,
}

// lookupCharset resolves a charset name as the runtime does: any label or
// alias of its table, case-insensitively. It returns nil for UTF-8, for an
// unknown name and for a table row we have no codec for: all of those are
// read and written as UTF-8, the same on every system (the runtime would use
// the system code page, which differs from machine to machine).
func lookupCharset(name string) (enc encoding.Encoding, utf16 bool) {
	label, ok := charsetLabels[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, false
	}
	enc = charsetEncodings[label]
	switch label {
	case "unicode", "utf-16le", "unicodeFFFE", "utf-16be":
		utf16 = true
	}
	return enc, utf16
}

// CharsetSupported reports whether name selects a codec of its own rather
// than the UTF-8 fallback.
func CharsetSupported(name string) bool {
	enc, _ := lookupCharset(name)
	if enc != nil {
		return true
	}
	return charsetLabels[strings.ToLower(strings.TrimSpace(name))] == "utf-8"
}

// decodeMultiByte decodes b in the named charset the way readMultiByte does:
// the text stops at the first NUL (a 00 00 code unit for UTF-16), and bytes
// that are not valid in the charset become U+FFFD. UTF-8 goes through the
// runtime's own lenient decoder (decodeUTF8AS3).
func decodeMultiByte(b []byte, charset string) string {
	enc, utf16 := lookupCharset(charset)
	if enc == nil {
		return decodeUTF8AS3(b)
	}
	if utf16 {
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				b = b[:i]
				break
			}
		}
	} else if i := indexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		// x/text decoders replace bad input themselves; an error here means
		// a transformer failure, so keep what the runtime keeps: something.
		return string(out)
	}
	return string(out)
}

// encodeMultiByte encodes s in the named charset; characters the charset
// cannot represent become the charset's replacement byte.
func encodeMultiByte(s string, charset string) []byte {
	enc, _ := lookupCharset(charset)
	if enc == nil {
		return []byte(s)
	}
	out, err := encoding.ReplaceUnsupported(enc.NewEncoder()).Bytes([]byte(s))
	if err != nil {
		return []byte(s)
	}
	return out
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
