package amf

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// JSON limits. A decoded value nests at most MaxDepthCeiling levels, and a
// tagged object adds at most two JSON levels per AMF level.
const (
	jsonMaxDepth = 3*MaxDepthCeiling + 8
	jsonMaxNodes = 1 << 26
)

// The reserved key of tagged objects. A member name made of one or more
// "$" and then "amf" is escaped with one more "$".
const tagKey = "$amf"

// ToJSON returns the JSON form of v described in JSON.md: plain JSON where
// JSON can say it, tagged objects {"$amf": ...} for the rest. A value that
// appears more than once in the graph (a shared or cyclic reference) is
// written in tagged form with an "id" the first time and as
// {"$amf":"ref","id":n} after, so such values are not expanded. Strings,
// class names and member names have no JSON references and are written out
// each time; ToJSON bounds the output (DefaultJSONMaxBytes, or ToJSONLimit).
//
// v may hold the types Decode returns and the plain Go values Encode accepts
// (numbers, strings, time.Time, []byte, []any, map[string]any), but not
// Registry types, which have no alias here. Strings are written as UTF-8;
// a byte that is not part of valid UTF-8 becomes the character U+0000+byte,
// as Flash does with bad bytes. ToJSON fails on graphs nested deeper than
// about 3*MaxDepthCeiling.
func ToJSON(v Value) ([]byte, error) {
	return ToJSONLimit(v, DefaultJSONMaxBytes)
}

// DefaultJSONMaxBytes bounds what ToJSON writes.
const DefaultJSONMaxBytes = 1 << 30

// ToJSONLimit is ToJSON with a bound on the output: it fails once the JSON
// text passes maxBytes (by at most one string). The bound matters because
// JSON has no string references: a decoded string, class name or member
// name that the AMF input references n times (two bytes each) is written n
// times, so a few MiB of AMF can ask for terabytes of JSON.
func ToJSONLimit(v Value, maxBytes int) ([]byte, error) {
	w := jsonWriter{seen: map[any]int8{}, max: maxBytes}
	if err := w.scan(v, 0); err != nil {
		return nil, err
	}
	w.ids = map[any]int{}
	w.buf = make([]byte, 0, 64)
	if err := w.value(v, 0); err != nil {
		return nil, err
	}
	if err := w.budget(); err != nil {
		return nil, err
	}
	return w.buf, nil
}

type jsonWriter struct {
	buf   []byte
	seen  map[any]int8 // identity values: 1 seen once, 2 seen again
	ids   map[any]int
	nodes int
	max   int // output bound in bytes
}

// budget fails once the output has passed its bound.
func (w *jsonWriter) budget() error {
	if len(w.buf) > w.max {
		return fmt.Errorf("amf: ToJSON: the JSON text would be longer than %d bytes (strings referenced many times are written out each time)", w.max)
	}
	return nil
}

// identity reports whether v is a value with identity (one that Decode can
// return twice), and whether it is a nil pointer.
func identity(v Value) (ok, isNil bool) {
	switch x := v.(type) {
	case *Array:
		return true, x == nil
	case *Object:
		return true, x == nil
	case *Date:
		return true, x == nil
	case *XML:
		return true, x == nil
	case *ByteArray:
		return true, x == nil
	case *VectorInt:
		return true, x == nil
	case *VectorUint:
		return true, x == nil
	case *VectorDouble:
		return true, x == nil
	case *VectorObject:
		return true, x == nil
	case *Dictionary:
		return true, x == nil
	case *ArrayCollection:
		return true, x == nil
	case *ArrayList:
		return true, x == nil
	case *ObjectProxy:
		return true, x == nil
	case *SmallMessage:
		return true, x == nil
	}
	return false, false
}

// scan marks the identity values seen more than once. It walks children in
// wire order, so its depth is the depth at which they were decoded.
func (w *jsonWriter) scan(v Value, depth int) error {
	if depth > jsonMaxDepth {
		return fmt.Errorf("amf: ToJSON: nesting deeper than %d", jsonMaxDepth)
	}
	w.nodes++
	if w.nodes > jsonMaxNodes {
		return fmt.Errorf("amf: ToJSON: more than %d values", jsonMaxNodes)
	}
	if id, isNil := identity(v); id {
		if isNil {
			return nil
		}
		if w.seen[v] > 0 {
			w.seen[v] = 2
			return nil
		}
		w.seen[v] = 1
	}
	return children(v, func(c Value) error { return w.scan(c, depth+1) })
}

// children calls f on each child of v in wire order.
func children(v Value, f func(Value) error) error {
	each := func(vs []Value) error {
		for _, c := range vs {
			if err := f(c); err != nil {
				return err
			}
		}
		return nil
	}
	members := func(ms []Member) error {
		for _, m := range ms {
			if err := f(m.Value); err != nil {
				return err
			}
		}
		return nil
	}
	switch x := v.(type) {
	case []Value:
		return each(x)
	case map[string]Value:
		for _, k := range sortedKeys(x) {
			if err := f(x[k]); err != nil {
				return err
			}
		}
	case *Array:
		if err := members(x.Assoc); err != nil {
			return err
		}
		return each(x.Dense)
	case *Object:
		if err := members(x.Sealed); err != nil {
			return err
		}
		return members(x.Dynamic)
	case *VectorObject:
		return each(x.Items)
	case *Dictionary:
		for _, e := range x.Entries {
			if err := f(e.Key); err != nil {
				return err
			}
			if err := f(e.Value); err != nil {
				return err
			}
		}
	case *ArrayCollection:
		return f(x.Source)
	case *ArrayList:
		return f(x.Source)
	case *ObjectProxy:
		return f(x.Object)
	case *SmallMessage:
		for _, mf := range messageFields(x) {
			if err := f(*mf.p); err != nil {
				return err
			}
		}
		for _, e := range x.Extra {
			if err := f(e.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// messageField names a SmallMessage field in JSON.
type messageField struct {
	name string
	p    *Value
}

// messageFields lists m's fields in wire order.
func messageFields(m *SmallMessage) []messageField {
	return []messageField{
		{"body", &m.Body}, {"clientId", &m.ClientID}, {"destination", &m.Destination},
		{"headers", &m.Headers}, {"messageId", &m.MessageID}, {"timestamp", &m.Timestamp},
		{"timeToLive", &m.TimeToLive}, {"clientIdBytes", &m.ClientIDBytes},
		{"messageIdBytes", &m.MessageIDBytes}, {"correlationId", &m.CorrelationID},
		{"correlationIdBytes", &m.CorrelationIDBytes}, {"operation", &m.Operation},
	}
}

// tag opens a tagged object; with a shared value it adds the "id".
func (w *jsonWriter) tag(name string, id int) {
	w.buf = append(w.buf, `{"$amf":"`...)
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '"')
	if id >= 0 {
		w.buf = append(w.buf, `,"id":`...)
		w.buf = strconv.AppendInt(w.buf, int64(id), 10)
	}
}

// key writes ,"name": (the comma always: it follows the tag).
func (w *jsonWriter) key(name string) {
	w.buf = append(w.buf, ',')
	w.buf = appendJSONString(w.buf, name)
	w.buf = append(w.buf, ':')
}

func (w *jsonWriter) value(v Value, depth int) error {
	if depth > jsonMaxDepth {
		return fmt.Errorf("amf: ToJSON: nesting deeper than %d", jsonMaxDepth)
	}
	if err := w.budget(); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		w.buf = append(w.buf, "null"...)
	case Undefined:
		w.buf = append(w.buf, `{"$amf":"undefined"}`...)
	case bool:
		w.buf = strconv.AppendBool(w.buf, x)
	case int32:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int64:
		w.buf = strconv.AppendInt(w.buf, x, 10)
	case int8:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int16:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case uint8:
		w.buf = strconv.AppendUint(w.buf, uint64(x), 10)
	case uint16:
		w.buf = strconv.AppendUint(w.buf, uint64(x), 10)
	case uint32:
		w.buf = strconv.AppendUint(w.buf, uint64(x), 10)
	case uint:
		w.buf = strconv.AppendUint(w.buf, uint64(x), 10)
	case uint64:
		w.buf = strconv.AppendUint(w.buf, x, 10)
	case float64:
		w.double(x)
	case float32:
		w.double(float64(x))
	case string:
		w.buf = appendJSONString(w.buf, x)
	case time.Time:
		w.dateMs(float64(x.UnixMilli()), -1)
	case []byte:
		w.byteArray(x, -1)
	case []Value:
		return w.list(x, depth)
	case map[string]Value:
		return w.mapObject(x, depth)
	default:
		return w.shared(v, depth)
	}
	return nil
}

// shared writes a value of a type with identity: as a "ref" when it was
// written before, with an "id" when it appears again later, else plain.
// One function per type.
func (w *jsonWriter) shared(v Value, depth int) error {
	ok, isNil := identity(v)
	if !ok {
		if reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil() {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		return fmt.Errorf("amf: ToJSON: cannot represent Go type %T", v)
	}
	if isNil {
		w.buf = append(w.buf, "null"...)
		return nil
	}
	id := -1
	if w.seen[v] == 2 {
		if n, done := w.ids[v]; done {
			w.buf = append(w.buf, `{"$amf":"ref","id":`...)
			w.buf = strconv.AppendInt(w.buf, int64(n), 10)
			w.buf = append(w.buf, '}')
			return nil
		}
		id = len(w.ids)
		w.ids[v] = id
	}
	switch x := v.(type) {
	case *Array:
		return w.array(x, id, depth)
	case *Object:
		return w.object(x, id, depth)
	case *Date:
		w.dateMs(x.Ms, id)
	case *XML:
		w.xml(x, id)
	case *ByteArray:
		w.byteArray(x.Bytes, id)
	case *VectorInt:
		w.vectorInt(x, id)
	case *VectorUint:
		w.vectorUint(x, id)
	case *VectorDouble:
		w.vectorDouble(x, id)
	case *VectorObject:
		return w.vectorObject(x, id, depth)
	case *Dictionary:
		return w.dictionary(x, id, depth)
	case *ArrayCollection:
		return w.wrapper("arraycollection", "source", x.Source, id, depth)
	case *ArrayList:
		return w.wrapper("arraylist", "source", x.Source, id, depth)
	case *ObjectProxy:
		return w.wrapper("objectproxy", "object", x.Object, id, depth)
	case *SmallMessage:
		return w.message(x, id, depth)
	}
	return nil
}

// mapObject writes a Go map as a plain object, keys sorted.
func (w *jsonWriter) mapObject(x map[string]Value, depth int) error {
	keys := sortedKeys(x)
	ms := make([]Member, len(keys))
	for i, k := range keys {
		ms[i] = Member{k, x[k]}
	}
	return w.plainObject(ms, depth)
}

func (w *jsonWriter) array(x *Array, id, depth int) error {
	if id < 0 && len(x.Assoc) == 0 {
		return w.list(x.Dense, depth)
	}
	w.tag("array", id)
	if len(x.Assoc) > 0 {
		w.key("assoc")
		if err := w.members(x.Assoc, depth); err != nil {
			return err
		}
	}
	w.key("dense")
	if err := w.list(x.Dense, depth); err != nil {
		return err
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *jsonWriter) object(x *Object, id, depth int) error {
	if id < 0 && x.Class == "" && !x.Static && len(x.Sealed) == 0 {
		return w.plainObject(x.Dynamic, depth)
	}
	w.tag("object", id)
	if x.Class != "" {
		w.key("class")
		w.buf = appendJSONString(w.buf, x.Class)
	}
	if len(x.Sealed) > 0 {
		w.key("sealed")
		if err := w.members(x.Sealed, depth); err != nil {
			return err
		}
	}
	if !x.Static {
		w.key("dynamic")
		if err := w.members(x.Dynamic, depth); err != nil {
			return err
		}
	} else if len(x.Dynamic) > 0 {
		return fmt.Errorf("amf: ToJSON: static object has dynamic members")
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *jsonWriter) dateMs(ms float64, id int) {
	w.tag("date", id)
	w.buf = append(w.buf, `,"ms":`...)
	w.buf = appendNumber(w.buf, ms)
	w.buf = append(w.buf, '}')
}

func (w *jsonWriter) xml(x *XML, id int) {
	if x.Document {
		w.tag("xmldoc", id)
	} else {
		w.tag("xml", id)
	}
	w.key("text")
	w.buf = appendJSONString(w.buf, x.Text)
	w.buf = append(w.buf, '}')
}

func (w *jsonWriter) byteArray(b []byte, id int) {
	w.tag("bytearray", id)
	w.key("base64")
	w.buf = appendBase64(w.buf, b)
	w.buf = append(w.buf, '}')
}

func (w *jsonWriter) vectorInt(x *VectorInt, id int) {
	w.vectorHead("vector-int", id, x.Fixed)
	for i, n := range x.Items {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	}
	w.buf = append(w.buf, "]}"...)
}

func (w *jsonWriter) vectorUint(x *VectorUint, id int) {
	w.vectorHead("vector-uint", id, x.Fixed)
	for i, n := range x.Items {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = strconv.AppendUint(w.buf, uint64(n), 10)
	}
	w.buf = append(w.buf, "]}"...)
}

func (w *jsonWriter) vectorDouble(x *VectorDouble, id int) {
	w.vectorHead("vector-double", id, x.Fixed)
	for i, f := range x.Items {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendNumber(w.buf, f)
	}
	w.buf = append(w.buf, "]}"...)
}

func (w *jsonWriter) vectorObject(x *VectorObject, id, depth int) error {
	w.tag("vector-object", id)
	if x.Type != "" {
		w.key("type")
		w.buf = appendJSONString(w.buf, x.Type)
	}
	if x.Fixed {
		w.buf = append(w.buf, `,"fixed":true`...)
	}
	w.key("items")
	if err := w.list(x.Items, depth); err != nil {
		return err
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *jsonWriter) dictionary(x *Dictionary, id, depth int) error {
	w.tag("dictionary", id)
	if x.Weak {
		w.buf = append(w.buf, `,"weak":true`...)
	}
	w.key("entries")
	w.buf = append(w.buf, '[')
	for i, e := range x.Entries {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, '[')
		if err := w.value(e.Key, depth+1); err != nil {
			return err
		}
		w.buf = append(w.buf, ',')
		if err := w.value(e.Value, depth+1); err != nil {
			return err
		}
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, "]}"...)
	return nil
}

// wrapper writes a Flex wrapper (ArrayCollection, ArrayList, ObjectProxy):
// the tag and its one wrapped value.
func (w *jsonWriter) wrapper(tag, key string, inner Value, id, depth int) error {
	w.tag(tag, id)
	w.key(key)
	if err := w.value(inner, depth+1); err != nil {
		return err
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *jsonWriter) message(x *SmallMessage, id, depth int) error {
	w.tag("message", id)
	w.key("class")
	w.buf = appendJSONString(w.buf, x.Class)
	for _, f := range messageFields(x) {
		if *f.p == nil {
			continue
		}
		w.key(f.name)
		if err := w.value(*f.p, depth+1); err != nil {
			return err
		}
	}
	if len(x.Extra) > 0 {
		w.key("extra")
		w.buf = append(w.buf, '[')
		for i, e := range x.Extra {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = fmt.Appendf(w.buf, `{"level":%d,"bit":%d,"value":`, e.Level, e.Bit)
			if err := w.value(e.Value, depth+2); err != nil {
				return err
			}
			w.buf = append(w.buf, '}')
		}
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *jsonWriter) vectorHead(name string, id int, fixed bool) {
	w.tag(name, id)
	if fixed {
		w.buf = append(w.buf, `,"fixed":true`...)
	}
	w.buf = append(w.buf, `,"items":[`...)
}

func (w *jsonWriter) list(vs []Value, depth int) error {
	w.buf = append(w.buf, '[')
	for i, c := range vs {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if err := w.value(c, depth+1); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, ']')
	return nil
}

// members writes a name-to-value map (names literal: it is never a tag).
func (w *jsonWriter) members(ms []Member, depth int) error {
	w.buf = append(w.buf, '{')
	for i, m := range ms {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendJSONString(w.buf, m.Name)
		w.buf = append(w.buf, ':')
		if err := w.value(m.Value, depth+1); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

// plainObject writes an anonymous dynamic object as a plain JSON object,
// escaping member names that look like the tag key.
func (w *jsonWriter) plainObject(ms []Member, depth int) error {
	w.buf = append(w.buf, '{')
	for i, m := range ms {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		name := m.Name
		if isTagLike(name) {
			name = "$" + name
		}
		w.buf = appendJSONString(w.buf, name)
		w.buf = append(w.buf, ':')
		if err := w.value(m.Value, depth+1); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

// isTagLike reports whether name is one or more "$" followed by "amf".
func isTagLike(name string) bool {
	n := len(name)
	if n < 4 || name[n-3:] != "amf" {
		return false
	}
	for i := 0; i < n-3; i++ {
		if name[i] != '$' {
			return false
		}
	}
	return true
}

// double writes a number in value position: it always shows a fraction or
// an exponent, so that FromJSON reads it back as a double, not an integer.
func (w *jsonWriter) double(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.buf = append(w.buf, `{"$amf":"double","value":`...)
		w.buf = appendNumber(w.buf, f)
		w.buf = append(w.buf, '}')
		return
	}
	start := len(w.buf)
	w.buf = appendNumber(w.buf, f)
	for _, c := range w.buf[start:] {
		if c == '.' || c == 'e' {
			return
		}
	}
	w.buf = append(w.buf, ".0"...)
}

// appendNumber writes f as JSON does (shortest form that reads back the
// same; -0 as "-0.0"), or as the string "NaN", "Infinity" or "-Infinity".
func appendNumber(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	if f == 0 && math.Signbit(f) {
		return append(b, "-0.0"...) // "-0" would read as the integer 0 in Python
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func appendBase64(b []byte, p []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string. Bytes that are not valid
// UTF-8 become U+0080..U+00FF (Latin-1), as Flash reads bad bytes.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = utf8.AppendRune(b, rune(c))
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
