package amf

import (
	"errors"
	"fmt"
	"slices"
)

// Externalizable is a class that writes its own bytes (AS3's
// flash.utils.IExternalizable, BlazeDS's java.io.Externalizable). On the wire
// it is an object with externalizable traits, its class alias, and then
// whatever WriteExternal wrote; nothing says how long that is, so a decoder
// must know every externalizable class it meets.
//
// Register a type whose pointer implements Externalizable in a Registry to
// decode and encode it. ReadExternal is called on a new zero value that is
// already in the reference table, so nested values may refer back to it.
type Externalizable interface {
	ReadExternal(in *ExternalInput) error
	WriteExternal(out *ExternalOutput) error
}

// ExternalInput reads the class-defined bytes of an externalizable object.
// Nested values share the reference tables and the limits of the value being
// decoded. Errors it returns should be returned unchanged from ReadExternal.
type ExternalInput struct {
	d *decoder
}

// ReadByte reads one byte.
func (in *ExternalInput) ReadByte() (byte, error) { return in.d.u8() }

// ReadBytes reads n bytes into a new slice.
func (in *ExternalInput) ReadBytes(n int) ([]byte, error) {
	if n < 0 || n > in.d.lim.maxLength {
		return nil, in.d.limit(in.d.pos, "external byte count %d out of range", n)
	}
	b, err := in.d.take(n)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// ReadValue reads one AMF3 value.
func (in *ExternalInput) ReadValue() (Value, error) { return in.d.value3() }

// ExternalOutput writes the class-defined bytes of an externalizable object.
// Nested values share the reference tables and the limits of the value being
// encoded.
type ExternalOutput struct {
	e *encoder
}

// WriteByte writes one byte.
func (out *ExternalOutput) WriteByte(c byte) error {
	out.e.buf = append(out.e.buf, c)
	return nil
}

// Write writes p; it implements io.Writer.
func (out *ExternalOutput) Write(p []byte) (int, error) {
	out.e.buf = append(out.e.buf, p...)
	return len(p), nil
}

// WriteValue writes one AMF3 value.
func (out *ExternalOutput) WriteValue(v Value) error { return out.e.value3(v) }

// builtinExternal returns a new instance of a built-in externalizable class.
func builtinExternal(class string) Externalizable {
	switch class {
	case classArrayCollection:
		return &ArrayCollection{}
	case classArrayList:
		return &ArrayList{}
	case classObjectProxy:
		return &ObjectProxy{}
	case "DSA", "DSK", "DSC":
		return &SmallMessage{Class: class}
	}
	return nil
}

// external reads the payload of an externalizable object of class.
func (d *decoder) external(start int, class string) (Value, error) {
	var x Externalizable
	if ci := d.lim.reg.class(class); ci != nil {
		if !ci.external {
			return nil, d.syntax(start, "class %q is sent as externalizable but registered as a struct", class)
		}
		x = newOf(ci).(Externalizable)
	} else if x = builtinExternal(class); x == nil {
		return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("unknown externalizable class %q", class), Err: ErrUnknownClass}
	}
	d.objs = append(d.objs, x)
	if err := d.enter(start); err != nil {
		return nil, err
	}
	if err := x.ReadExternal(&ExternalInput{d: d}); err != nil {
		var se *SyntaxError
		if errors.Is(err, ErrIncomplete) || errors.As(err, &se) {
			return nil, err
		}
		return nil, &SyntaxError{Offset: d.pos, Msg: fmt.Sprintf("readExternal of %s: %v", class, err), Err: err}
	}
	d.leave()
	return x, nil
}

// Aliases of the built-in externalizable classes.
const (
	classArrayCollection = "flex.messaging.io.ArrayCollection"
	classArrayList       = "flex.messaging.io.ArrayList"
	classObjectProxy     = "flex.messaging.io.ObjectProxy"
)

// ArrayCollection is Flex's mx.collections.ArrayCollection, sent as
// flex.messaging.io.ArrayCollection. Its payload is one value, the source
// Array. Source keeps whatever a peer sent (PyAMF also accepts an object with
// a "source" member), so that it re-encodes to the same bytes.
type ArrayCollection struct {
	Source Value
}

// ReadExternal reads the source value.
func (c *ArrayCollection) ReadExternal(in *ExternalInput) (err error) {
	c.Source, err = in.ReadValue()
	return err
}

// WriteExternal writes the source value.
func (c *ArrayCollection) WriteExternal(out *ExternalOutput) error { return out.WriteValue(c.Source) }

func (c *ArrayCollection) externalClass() (string, error) { return classArrayCollection, nil }

// ArrayList is Flex's mx.collections.ArrayList, sent as
// flex.messaging.io.ArrayList, with the same payload as ArrayCollection.
type ArrayList struct {
	Source Value
}

// ReadExternal reads the source value.
func (c *ArrayList) ReadExternal(in *ExternalInput) (err error) {
	c.Source, err = in.ReadValue()
	return err
}

// WriteExternal writes the source value.
func (c *ArrayList) WriteExternal(out *ExternalOutput) error { return out.WriteValue(c.Source) }

func (c *ArrayList) externalClass() (string, error) { return classArrayList, nil }

// ObjectProxy is Flex's mx.utils.ObjectProxy, sent as
// flex.messaging.io.ObjectProxy. Its payload is the wrapped value, normally
// an anonymous object.
type ObjectProxy struct {
	Object Value
}

// ReadExternal reads the wrapped value.
func (p *ObjectProxy) ReadExternal(in *ExternalInput) (err error) {
	p.Object, err = in.ReadValue()
	return err
}

// WriteExternal writes the wrapped value.
func (p *ObjectProxy) WriteExternal(out *ExternalOutput) error { return out.WriteValue(p.Object) }

func (p *ObjectProxy) externalClass() (string, error) { return classObjectProxy, nil }

// SmallMessage is one of the compact BlazeDS messages: "DSA"
// (AsyncMessageExt), "DSK" (AcknowledgeMessageExt) or "DSC"
// (CommandMessageExt).
//
// Its payload is one flag group per class level: AbstractMessage, then
// AsyncMessage, then (DSK, DSC) AcknowledgeMessage or CommandMessage. A group
// is flag bytes whose bit 7 says another byte follows; each set bit 0..6 of
// byte i stands for one AMF3 value, written in bit order. A nil field is
// absent (its flag is clear). UUIDs usually travel as 16-byte ByteArrays in
// the *Bytes fields.
type SmallMessage struct {
	Class string

	// AbstractMessage, flag byte 0.
	Body        Value // bit 0
	ClientID    Value // bit 1
	Destination Value // bit 2
	Headers     Value // bit 3
	MessageID   Value // bit 4
	Timestamp   Value // bit 5
	TimeToLive  Value // bit 6
	// AbstractMessage, flag byte 1.
	ClientIDBytes  Value // bit 0
	MessageIDBytes Value // bit 1

	// AsyncMessage, flag byte 0.
	CorrelationID      Value // bit 0
	CorrelationIDBytes Value // bit 1

	// CommandMessage (DSC only), flag byte 0.
	Operation Value // bit 0

	// Extra holds values sent under flags this codec does not know, which
	// BlazeDS and Flex read and drop "for forwards compatibility"; they are
	// kept so that the message re-encodes to the same bytes.
	Extra []MessageFlag
}

// MessageFlag is a SmallMessage value under an unknown flag.
type MessageFlag struct {
	// Level is the class level: 0 AbstractMessage, 1 AsyncMessage,
	// 2 AcknowledgeMessage or CommandMessage.
	Level int
	// Bit is 7*flagByte + bit within the group. Like BlazeDS and Flex, the
	// decoder reads unknown flags only at bits 0..5 of a byte (a set bit 6
	// there is ignored), so Bit%7 is never 6.
	Bit   int
	Value Value
}

func (m *SmallMessage) levels() (int, error) {
	switch m.Class {
	case "DSA":
		return 2, nil
	case "DSK", "DSC":
		return 3, nil
	}
	return 0, fmt.Errorf("small message class %q is not DSA, DSK or DSC", m.Class)
}

func (m *SmallMessage) externalClass() (string, error) {
	_, err := m.levels()
	return m.Class, err
}

// slot returns the field for a known flag, or nil.
func (m *SmallMessage) slot(level, bit int) *Value {
	switch level {
	case 0:
		switch bit {
		case 0:
			return &m.Body
		case 1:
			return &m.ClientID
		case 2:
			return &m.Destination
		case 3:
			return &m.Headers
		case 4:
			return &m.MessageID
		case 5:
			return &m.Timestamp
		case 6:
			return &m.TimeToLive
		case 7:
			return &m.ClientIDBytes
		case 8:
			return &m.MessageIDBytes
		}
	case 1:
		switch bit {
		case 0:
			return &m.CorrelationID
		case 1:
			return &m.CorrelationIDBytes
		}
	case 2:
		if bit == 0 && m.Class == "DSC" {
			return &m.Operation
		}
	}
	return nil
}

// ReadExternal reads the flag groups and their values.
func (m *SmallMessage) ReadExternal(in *ExternalInput) error {
	levels, err := m.levels()
	if err != nil {
		return err
	}
	var flags []byte
	for level := range levels {
		// All flag bytes of a group come first, then the values they announce.
		flags = flags[:0]
		for {
			f, err := in.ReadByte()
			if err != nil {
				return err
			}
			flags = append(flags, f)
			if f&0x80 == 0 {
				break
			}
		}
		for i, f := range flags {
			for b := range 7 {
				if f&(1<<b) == 0 {
					continue
				}
				bit := 7*i + b
				if p := m.slot(level, bit); p != nil {
					if *p, err = in.ReadValue(); err != nil {
						return err
					}
				} else if b < 6 {
					v, err := in.ReadValue()
					if err != nil {
						return err
					}
					m.Extra = append(m.Extra, MessageFlag{level, bit, v})
				}
			}
		}
	}
	return nil
}

// WriteExternal writes the flag groups and their values.
func (m *SmallMessage) WriteExternal(out *ExternalOutput) error {
	levels, err := m.levels()
	if err != nil {
		return err
	}
	for _, x := range m.Extra {
		if x.Level < 0 || x.Level >= levels || x.Bit < 0 || x.Bit > 7*64 || x.Bit%7 == 6 || m.slot(x.Level, x.Bit) != nil {
			return fmt.Errorf("small message extra flag (level %d, bit %d) cannot be sent", x.Level, x.Bit)
		}
	}
	type flagged struct {
		bit int
		v   Value
	}
	var vals []flagged
	for level := range levels {
		vals = vals[:0]
		for bit := 0; bit < 9; bit++ {
			if p := m.slot(level, bit); p != nil && *p != nil {
				vals = append(vals, flagged{bit, *p})
			}
		}
		for _, x := range m.Extra {
			if x.Level == level {
				vals = append(vals, flagged{x.Bit, x.Value})
			}
		}
		slices.SortStableFunc(vals, func(a, b flagged) int { return a.bit - b.bit })
		nbytes := 1
		if len(vals) > 0 {
			nbytes = vals[len(vals)-1].bit/7 + 1
		}
		flags := make([]byte, nbytes)
		for i := range nbytes - 1 {
			flags[i] = 0x80
		}
		for j, f := range vals {
			if j > 0 && vals[j-1].bit == f.bit {
				return fmt.Errorf("small message flag (level %d, bit %d) given twice", level, f.bit)
			}
			flags[f.bit/7] |= 1 << (f.bit % 7)
		}
		out.Write(flags)
		for _, f := range vals {
			if err := out.WriteValue(f.v); err != nil {
				return err
			}
		}
	}
	return nil
}
