package amf

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// FromJSON returns the value that JSON text data describes in the format of
// JSON.md: plain JSON values map to AMF values (an object to an anonymous
// object, an array to a dense Array, an integer literal in the 29-bit range
// to an AMF3 integer, any other number to a double), and tagged objects
// {"$amf": ...} to the other types. Unknown tags and unknown keys in a
// tagged object are errors, and so is a reference to an id not defined
// before it in the text (it may still be open, which makes a cycle).
func FromJSON(data []byte) (Value, error) {
	p := jsonParser{data: data}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, p.errorf("text after the JSON value")
	}
	c := jsonConverter{ids: map[int64]Value{}}
	return c.value(&n)
}

// jnode is a parsed JSON value. Objects keep their keys in order.
type jnode struct {
	kind byte   // 'n' null, 't' true, 'f' false, '0' number, 's' string, 'a' array, 'o' object
	s    string // a string's value
	num  []byte // a number's literal, in the input
	kids []jnode
	keys []string
	off  int
}

type jsonParser struct {
	data []byte
	pos  int
	// Children of the containers being parsed, innermost last: a container
	// copies its own out when it closes, so each gets one exact allocation.
	kids []jnode
	keys []string
	strs map[string]string
}

// intern returns b as a string, sharing one allocation between equal short
// strings (member names and tags repeat throughout a document).
func (p *jsonParser) intern(b []byte) string {
	if len(b) > 32 {
		return string(b)
	}
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.strs == nil {
		p.strs = make(map[string]string, 32)
	}
	p.strs[s] = s
	return s
}

// close moves the children pushed since base into n.
func (p *jsonParser) close(n *jnode, base, keyBase int) {
	if len(p.kids) > base {
		n.kids = append([]jnode(nil), p.kids[base:]...)
		clear(p.kids[base:])
		p.kids = p.kids[:base]
	}
	if len(p.keys) > keyBase {
		n.keys = append([]string(nil), p.keys[keyBase:]...)
		p.keys = p.keys[:keyBase]
	}
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("amf: FromJSON: %s at offset %d", fmt.Sprintf(format, args...), p.pos)
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) literal(word string, kind byte) (jnode, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return jnode{}, p.errorf("invalid literal")
	}
	n := jnode{kind: kind, off: p.pos}
	p.pos += len(word)
	return n, nil
}

func (p *jsonParser) value(depth int) (jnode, error) {
	if depth > jsonMaxDepth {
		return jnode{}, p.errorf("nesting deeper than %d", jsonMaxDepth)
	}
	p.space()
	if p.pos >= len(p.data) {
		return jnode{}, p.errorf("unexpected end of JSON")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		n := jnode{kind: 'o', off: p.pos}
		base, keyBase := len(p.kids), len(p.keys)
		p.pos++
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return n, nil
		}
		for {
			p.space()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return jnode{}, p.errorf("expected a member name")
			}
			k, err := p.str()
			if err != nil {
				return jnode{}, err
			}
			p.space()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return jnode{}, p.errorf("expected ':'")
			}
			p.pos++
			v, err := p.value(depth + 1)
			if err != nil {
				return jnode{}, err
			}
			p.keys = append(p.keys, k)
			p.kids = append(p.kids, v)
			p.space()
			if p.pos < len(p.data) && p.data[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(p.data) && p.data[p.pos] == '}' {
				p.pos++
				p.close(&n, base, keyBase)
				return n, nil
			}
			return jnode{}, p.errorf("expected ',' or '}'")
		}
	case c == '[':
		n := jnode{kind: 'a', off: p.pos}
		base := len(p.kids)
		p.pos++
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return n, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return jnode{}, err
			}
			p.kids = append(p.kids, v)
			p.space()
			if p.pos < len(p.data) && p.data[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(p.data) && p.data[p.pos] == ']' {
				p.pos++
				p.close(&n, base, len(p.keys))
				return n, nil
			}
			return jnode{}, p.errorf("expected ',' or ']'")
		}
	case c == '"':
		off := p.pos
		s, err := p.str()
		return jnode{kind: 's', s: s, off: off}, err
	case c == 't':
		return p.literal("true", 't')
	case c == 'f':
		return p.literal("false", 'f')
	case c == 'n':
		return p.literal("null", 'n')
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return jnode{}, p.errorf("unexpected character %q", p.data[p.pos])
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and keeps the text.
func (p *jsonParser) number() (jnode, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(p.data) && p.data[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return jnode{}, p.errorf("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return jnode{}, p.errorf("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return jnode{}, p.errorf("invalid number")
		}
	}
	return jnode{kind: '0', num: p.data[start:p.pos], off: start}, nil
}

// str reads a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes, valid UTF-8.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := p.intern(p.data[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c == '\\':
			if p.pos+1 >= len(p.data) {
				return "", p.errorf("unexpected end of JSON")
			}
			e := p.data[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.errorf("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
						save := p.pos
						p.pos += 2
						var ok2 bool
						if r2, ok2 = p.hex4(); !ok2 {
							return "", p.errorf("invalid \\u escape")
						}
						if utf16.DecodeRune(r, r2) == utf8.RuneError {
							p.pos = save
							r2 = -1
						}
					}
					if r2 < 0 {
						r = utf8.RuneError
					} else {
						r = utf16.DecodeRune(r, r2)
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", p.errorf("invalid escape")
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, p.data[p.pos:p.pos+size]...)
			}
			p.pos += size
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// jsonConverter turns parsed JSON into values.
type jsonConverter struct {
	ids map[int64]Value
}

func jerr(n *jnode, format string, args ...any) error {
	return fmt.Errorf("amf: FromJSON: %s at offset %d", fmt.Sprintf(format, args...), n.off)
}

func (c *jsonConverter) value(n *jnode) (Value, error) {
	switch n.kind {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 's':
		return n.s, nil
	case '0':
		return parseNumber(n)
	case 'a':
		a := &Array{}
		if len(n.kids) > 0 {
			a.Dense = make([]Value, len(n.kids))
		}
		for i := range n.kids {
			v, err := c.value(&n.kids[i])
			if err != nil {
				return nil, err
			}
			a.Dense[i] = v
		}
		return a, nil
	}
	for i, k := range n.keys {
		if k == tagKey {
			if n.kids[i].kind != 's' {
				return nil, jerr(n, `"$amf" must be a string`)
			}
			return c.tagged(n, n.kids[i].s)
		}
	}
	o := &Object{}
	if len(n.keys) > 0 {
		o.Dynamic = make([]Member, len(n.keys))
	}
	for i, k := range n.keys {
		if isTagLike(k) {
			k = k[1:]
		}
		v, err := c.value(&n.kids[i])
		if err != nil {
			return nil, err
		}
		o.Dynamic[i] = Member{k, v}
	}
	return o, nil
}

// parseNumber reads an integer literal in the 29-bit range as int32, any
// other number as float64.
func parseNumber(n *jnode) (Value, error) {
	if i, ok := smallInt(n.num); ok {
		return int32(i), nil
	}
	return parseFloat(n)
}

// smallInt reads an integer literal of at most 9 digits in the 29-bit range
// ("-0" is not one: it is the double -0).
func smallInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	var i int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int64(c-'0')
	}
	if neg {
		if i == 0 {
			return 0, false
		}
		i = -i
	}
	return i, i >= minInt29 && i <= maxInt29
}

func parseFloat(n *jnode) (float64, error) {
	f, err := strconv.ParseFloat(string(n.num), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, jerr(n, "invalid number %s", n.num)
	}
	return f, nil
}

// tagMap holds the keys of one tagged object (at most 16 allowed keys).
type tagMap struct {
	n    int
	keys [16]string
	vals [16]*jnode
}

// get returns the value of key, or nil.
func (f *tagMap) get(key string) *jnode {
	for i := range f.n {
		if f.keys[i] == key {
			return f.vals[i]
		}
	}
	return nil
}

// tagFields collects the keys of a tagged object; it checks that every key
// is allowed and none repeats.
func tagFields(n *jnode, tag string, allowed ...string) (f tagMap, err error) {
	for i, k := range n.keys {
		if k == tagKey {
			continue
		}
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			return f, jerr(n, "unknown key %q in a %q tag", k, tag)
		}
		if f.get(k) != nil {
			return f, jerr(n, "key %q repeated in a %q tag", k, tag)
		}
		f.keys[f.n], f.vals[f.n] = k, &n.kids[i]
		f.n++
	}
	return f, nil
}

// define records the value of a tag's "id", before its children are read.
func (c *jsonConverter) define(f *tagMap, v Value) error {
	idn := f.get("id")
	if idn == nil {
		return nil
	}
	id, err := jsonInt(idn, 0, math.MaxInt32)
	if err != nil {
		return err
	}
	if _, dup := c.ids[id]; dup {
		return jerr(idn, "id %d defined twice", id)
	}
	c.ids[id] = v
	return nil
}

func jsonInt(n *jnode, lo, hi int64) (int64, error) {
	if n.kind != '0' {
		return 0, jerr(n, "expected an integer")
	}
	f, err := strconv.ParseFloat(string(n.num), 64)
	if err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, jerr(n, "expected an integer in [%d, %d], got %s", lo, hi, n.num)
	}
	return int64(f), nil
}

func jsonString(n *jnode) (string, error) {
	if n.kind != 's' {
		return "", jerr(n, "expected a string")
	}
	return n.s, nil
}

func jsonBool(n *jnode) (bool, error) {
	switch n.kind {
	case 't':
		return true, nil
	case 'f':
		return false, nil
	}
	return false, jerr(n, "expected true or false")
}

// canonicalNaN is the NaN that "NaN" stands for: the quiet NaN with the sign
// bit set (ff f8 00 .. 00), which x86 produces for 0/0 and PyAMF writes.
func canonicalNaN() float64 { return math.Float64frombits(0xfff8000000000000) }

// jsonDouble reads a number or one of "NaN", "Infinity", "-Infinity".
func jsonDouble(n *jnode) (float64, error) {
	switch n.kind {
	case '0':
		return parseFloat(n)
	case 's':
		switch n.s {
		case "NaN":
			return canonicalNaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	return 0, jerr(n, `expected a number, "NaN", "Infinity" or "-Infinity"`)
}

func (c *jsonConverter) list(n *jnode) ([]Value, error) {
	if n.kind != 'a' {
		return nil, jerr(n, "expected an array")
	}
	if len(n.kids) == 0 {
		return nil, nil
	}
	vs := make([]Value, len(n.kids))
	for i := range n.kids {
		v, err := c.value(&n.kids[i])
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

func (c *jsonConverter) members(n *jnode) ([]Member, error) {
	if n.kind != 'o' {
		return nil, jerr(n, "expected an object")
	}
	if len(n.keys) == 0 {
		return nil, nil
	}
	ms := make([]Member, len(n.keys))
	for i, k := range n.keys {
		v, err := c.value(&n.kids[i])
		if err != nil {
			return nil, err
		}
		ms[i] = Member{k, v}
	}
	return ms, nil
}

// optional converts f[key] when present.
func (c *jsonConverter) optional(f *tagMap, key string) (Value, error) {
	if n := f.get(key); n != nil {
		return c.value(n)
	}
	return nil, nil
}

// jsonTag reads one tagged object n whose tag is tag.
type jsonTag func(c *jsonConverter, n *jnode, tag string) (Value, error)

// jsonTags maps every tag of JSON.md to its reader. It is the one list of
// the tags: the shared corpus (tests/corpus/amf-json.json) lists the same
// names, checked by TestCorpusTags, and the bindings check theirs against
// the corpus. Filled by init, as the readers reach it again through value.
var jsonTags map[string]jsonTag

func init() {
	jsonTags = map[string]jsonTag{
		"undefined":       (*jsonConverter).tagUndefined,
		"double":          (*jsonConverter).tagDouble,
		"ref":             (*jsonConverter).tagRef,
		"array":           (*jsonConverter).tagArray,
		"object":          (*jsonConverter).tagObject,
		"date":            (*jsonConverter).tagDate,
		"xml":             (*jsonConverter).tagXML,
		"xmldoc":          (*jsonConverter).tagXML,
		"bytearray":       (*jsonConverter).tagByteArray,
		"vector-int":      (*jsonConverter).vectorNum,
		"vector-uint":     (*jsonConverter).vectorNum,
		"vector-double":   (*jsonConverter).vectorNum,
		"vector-object":   (*jsonConverter).tagVectorObject,
		"dictionary":      (*jsonConverter).tagDictionary,
		"arraycollection": (*jsonConverter).tagArrayCollection,
		"arraylist":       (*jsonConverter).tagArrayList,
		"objectproxy":     (*jsonConverter).tagObjectProxy,
		"message":         (*jsonConverter).message,
	}
}

func (c *jsonConverter) tagged(n *jnode, tag string) (Value, error) {
	if read, ok := jsonTags[tag]; ok {
		return read(c, n, tag)
	}
	return nil, jerr(n, "unknown tag %q", tag)
}

func (c *jsonConverter) tagUndefined(n *jnode, tag string) (Value, error) {
	if _, err := tagFields(n, tag); err != nil {
		return nil, err
	}
	return Undefined{}, nil
}

func (c *jsonConverter) tagDouble(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "value")
	if err != nil {
		return nil, err
	}
	if f.get("value") == nil {
		return nil, jerr(n, `"double" tag without "value"`)
	}
	return jsonDouble(f.get("value"))
}

func (c *jsonConverter) tagRef(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id")
	if err != nil {
		return nil, err
	}
	if f.get("id") == nil {
		return nil, jerr(n, `"ref" tag without "id"`)
	}
	id, err := jsonInt(f.get("id"), 0, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	v, ok := c.ids[id]
	if !ok {
		return nil, jerr(n, "reference to id %d, not defined before", id)
	}
	return v, nil
}

func (c *jsonConverter) tagArray(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "assoc", "dense")
	if err != nil {
		return nil, err
	}
	a := &Array{}
	if err := c.define(&f, a); err != nil {
		return nil, err
	}
	if f.get("assoc") != nil {
		if a.Assoc, err = c.members(f.get("assoc")); err != nil {
			return nil, err
		}
	}
	if f.get("dense") != nil {
		if a.Dense, err = c.list(f.get("dense")); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (c *jsonConverter) tagObject(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "class", "sealed", "dynamic")
	if err != nil {
		return nil, err
	}
	o := &Object{Static: f.get("dynamic") == nil}
	if err := c.define(&f, o); err != nil {
		return nil, err
	}
	if f.get("class") != nil {
		if o.Class, err = jsonString(f.get("class")); err != nil {
			return nil, err
		}
	}
	if f.get("sealed") != nil {
		if o.Sealed, err = c.members(f.get("sealed")); err != nil {
			return nil, err
		}
	}
	if f.get("dynamic") != nil {
		if o.Dynamic, err = c.members(f.get("dynamic")); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (c *jsonConverter) tagDate(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "ms")
	if err != nil {
		return nil, err
	}
	if f.get("ms") == nil {
		return nil, jerr(n, `"date" tag without "ms"`)
	}
	ms, err := jsonDouble(f.get("ms"))
	if err != nil {
		return nil, err
	}
	d := &Date{Ms: ms}
	return d, c.define(&f, d)
}

// tagXML reads "xml" and "xmldoc".
func (c *jsonConverter) tagXML(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "text")
	if err != nil {
		return nil, err
	}
	if f.get("text") == nil {
		return nil, jerr(n, `%q tag without "text"`, tag)
	}
	s, err := jsonString(f.get("text"))
	if err != nil {
		return nil, err
	}
	x := &XML{Text: s, Document: tag == "xmldoc"}
	return x, c.define(&f, x)
}

func (c *jsonConverter) tagByteArray(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "base64")
	if err != nil {
		return nil, err
	}
	b := &ByteArray{}
	if f.get("base64") != nil {
		s, err := jsonString(f.get("base64"))
		if err != nil {
			return nil, err
		}
		if b.Bytes, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, jerr(f.get("base64"), "invalid base64: %v", err)
		}
	}
	if len(b.Bytes) == 0 {
		b.Bytes = nil
	}
	return b, c.define(&f, b)
}

func (c *jsonConverter) tagVectorObject(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "fixed", "type", "items")
	if err != nil {
		return nil, err
	}
	v := &VectorObject{}
	if err := c.define(&f, v); err != nil {
		return nil, err
	}
	if f.get("fixed") != nil {
		if v.Fixed, err = jsonBool(f.get("fixed")); err != nil {
			return nil, err
		}
	}
	if f.get("type") != nil {
		if v.Type, err = jsonString(f.get("type")); err != nil {
			return nil, err
		}
	}
	if f.get("items") != nil {
		if v.Items, err = c.list(f.get("items")); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (c *jsonConverter) tagDictionary(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "weak", "entries")
	if err != nil {
		return nil, err
	}
	d := &Dictionary{}
	if err := c.define(&f, d); err != nil {
		return nil, err
	}
	if f.get("weak") != nil {
		if d.Weak, err = jsonBool(f.get("weak")); err != nil {
			return nil, err
		}
	}
	en := f.get("entries")
	if en == nil {
		return d, nil
	}
	if en.kind != 'a' {
		return nil, jerr(en, "expected an array of [key, value] pairs")
	}
	for i := range en.kids {
		pair := &en.kids[i]
		if pair.kind != 'a' || len(pair.kids) != 2 {
			return nil, jerr(pair, "expected a [key, value] pair")
		}
		k, err := c.value(&pair.kids[0])
		if err != nil {
			return nil, err
		}
		v, err := c.value(&pair.kids[1])
		if err != nil {
			return nil, err
		}
		d.Entries = append(d.Entries, DictEntry{k, v})
	}
	return d, nil
}

func (c *jsonConverter) tagArrayCollection(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "source")
	if err != nil {
		return nil, err
	}
	ac := &ArrayCollection{}
	if err := c.define(&f, ac); err != nil {
		return nil, err
	}
	ac.Source, err = c.optional(&f, "source")
	return ac, err
}

func (c *jsonConverter) tagArrayList(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "source")
	if err != nil {
		return nil, err
	}
	l := &ArrayList{}
	if err := c.define(&f, l); err != nil {
		return nil, err
	}
	l.Source, err = c.optional(&f, "source")
	return l, err
}

func (c *jsonConverter) tagObjectProxy(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "object")
	if err != nil {
		return nil, err
	}
	p := &ObjectProxy{}
	if err := c.define(&f, p); err != nil {
		return nil, err
	}
	p.Object, err = c.optional(&f, "object")
	return p, err
}

// vectorNum reads "vector-int", "vector-uint" and "vector-double".
func (c *jsonConverter) vectorNum(n *jnode, tag string) (Value, error) {
	f, err := tagFields(n, tag, "id", "fixed", "items")
	if err != nil {
		return nil, err
	}
	fixed := false
	if f.get("fixed") != nil {
		if fixed, err = jsonBool(f.get("fixed")); err != nil {
			return nil, err
		}
	}
	var items []jnode
	if it := f.get("items"); it != nil {
		if it.kind != 'a' {
			return nil, jerr(it, "expected an array")
		}
		items = it.kids
	}
	var v Value
	switch tag {
	case "vector-int":
		x := &VectorInt{Fixed: fixed, Items: make([]int32, len(items))}
		for i := range items {
			k, err := jsonInt(&items[i], math.MinInt32, math.MaxInt32)
			if err != nil {
				return nil, err
			}
			x.Items[i] = int32(k)
		}
		v = x
	case "vector-uint":
		x := &VectorUint{Fixed: fixed, Items: make([]uint32, len(items))}
		for i := range items {
			k, err := jsonInt(&items[i], 0, math.MaxUint32)
			if err != nil {
				return nil, err
			}
			x.Items[i] = uint32(k)
		}
		v = x
	default:
		x := &VectorDouble{Fixed: fixed, Items: make([]float64, len(items))}
		for i := range items {
			if x.Items[i], err = jsonDouble(&items[i]); err != nil {
				return nil, err
			}
		}
		v = x
	}
	return v, c.define(&f, v)
}

func (c *jsonConverter) message(n *jnode, _ string) (Value, error) {
	m := &SmallMessage{}
	fields := messageFields(m)
	allowed := []string{"id", "class", "extra"}
	for _, mf := range fields {
		allowed = append(allowed, mf.name)
	}
	f, err := tagFields(n, "message", allowed...)
	if err != nil {
		return nil, err
	}
	if f.get("class") == nil {
		return nil, jerr(n, `"message" tag without "class"`)
	}
	if m.Class, err = jsonString(f.get("class")); err != nil {
		return nil, err
	}
	if _, err := m.levels(); err != nil {
		return nil, jerr(f.get("class"), "%v", err)
	}
	if err := c.define(&f, m); err != nil {
		return nil, err
	}
	for _, mf := range fields {
		if *mf.p, err = c.optional(&f, mf.name); err != nil {
			return nil, err
		}
		if f.get(mf.name) != nil && *mf.p == nil {
			return nil, jerr(f.get(mf.name), "message field %q is null; leave it out instead", mf.name)
		}
	}
	if ex := f.get("extra"); ex != nil {
		if ex.kind != 'a' {
			return nil, jerr(ex, "expected an array")
		}
		for i := range ex.kids {
			en := &ex.kids[i]
			if en.kind != 'o' {
				return nil, jerr(en, "expected an object")
			}
			ef, err := tagFields(en, "extra", "level", "bit", "value")
			if err != nil {
				return nil, err
			}
			if ef.get("level") == nil || ef.get("bit") == nil || ef.get("value") == nil {
				return nil, jerr(en, `an extra flag needs "level", "bit" and "value"`)
			}
			level, err := jsonInt(ef.get("level"), 0, 2)
			if err != nil {
				return nil, err
			}
			bit, err := jsonInt(ef.get("bit"), 0, 7*64)
			if err != nil {
				return nil, err
			}
			v, err := c.value(ef.get("value"))
			if err != nil {
				return nil, err
			}
			m.Extra = append(m.Extra, MessageFlag{int(level), int(bit), v})
		}
	}
	return m, nil
}
