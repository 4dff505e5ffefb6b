package core

import "unicode/utf8"

// decodeUTF8AS3 decodes bytes exactly as the runtime's readUTFBytes does
// (avmplus DataInput::ReadUTFBytes and UnicodeUtils::Utf8ToUtf16 in
// non-strict mode), so text read by ported code is the same text:
//   - a leading UTF-8 BOM (EF BB BF) is skipped;
//   - the text ends at the first NUL byte (the caller has already consumed
//     the whole length);
//   - a byte that does not start a well-formed sequence (stray continuation,
//     truncated or overlong sequence) becomes the code unit of the same value
//     (U+0080..U+00FF), and decoding goes on at the next byte;
//   - lead bytes F8..FF are decoded like F0..F7 (a Flash Player 9/10 quirk
//     the runtime keeps), and a 4-byte value above U+10FFFF wraps into the
//     surrogate pair the runtime computes.
//
// The runtime builds UTF-16; strings here are UTF-8. A lone surrogate
// (ED A0..BF xx) cannot be carried by UTF-8 and becomes U+FFFD, which is
// also what the runtime writes when it turns such a string back into UTF-8.
func decodeUTF8AS3(b []byte) string {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
	}
	if i := indexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	// Fast path: plain valid UTF-8 without surrogates decodes to itself.
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	var pendingHigh rune = -1 // a high surrogate waiting for its low half
	emit := func(u rune) {
		switch {
		case u >= 0xD800 && u <= 0xDBFF:
			if pendingHigh >= 0 {
				out = utf8.AppendRune(out, utf8.RuneError)
			}
			pendingHigh = u
			return
		case u >= 0xDC00 && u <= 0xDFFF:
			if pendingHigh >= 0 {
				out = utf8.AppendRune(out, 0x10000+(pendingHigh-0xD800)<<10+(u-0xDC00))
				pendingHigh = -1
				return
			}
			out = utf8.AppendRune(out, utf8.RuneError)
			return
		}
		if pendingHigh >= 0 {
			out = utf8.AppendRune(out, utf8.RuneError)
			pendingHigh = -1
		}
		out = utf8.AppendRune(out, u)
	}
	for i := 0; i < len(b); {
		c := rune(b[i])
		rest := len(b) - i
		switch c >> 4 {
		case 12, 13:
			if rest >= 2 && b[i+1]&0xC0 == 0x80 {
				if u := (c<<6)&0x7C0 | rune(b[i+1])&0x3F; u >= 0x80 {
					emit(u)
					i += 2
					continue
				}
			}
		case 14:
			if rest >= 3 && b[i+1]&0xC0 == 0x80 && b[i+2]&0xC0 == 0x80 {
				if u := (c<<12)&0xF000 | (rune(b[i+1])<<6)&0xFC0 | rune(b[i+2])&0x3F; u >= 0x800 {
					emit(u)
					i += 3
					continue
				}
			}
		case 15:
			if rest >= 4 && b[i+1]&0xC0 == 0x80 && b[i+2]&0xC0 == 0x80 && b[i+3]&0xC0 == 0x80 {
				u := (c<<18)&0x1C0000 | (rune(b[i+1])<<12)&0x3F000 | (rune(b[i+2])<<6)&0xFC0 | rune(b[i+3])&0x3F
				if u >= 0x10000 {
					v := u - 0x10000
					emit(0xD800 + (v>>10)&0x3FF)
					emit(0xDC00 + v&0x3FF)
					i += 4
					continue
				}
			}
		}
		// ASCII, or a byte that does not start a valid sequence: one code
		// unit with the byte's value.
		emit(c)
		i++
	}
	if pendingHigh >= 0 {
		out = utf8.AppendRune(out, utf8.RuneError)
	}
	return string(out)
}
