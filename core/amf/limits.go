package amf

// Default limits. They are generous for real traffic (a Flex message rarely
// nests 20 deep or holds 100 000 values) and keep a hostile value's cost
// small: a decoded value costs at most about 100 bytes of memory per node.
const (
	// DefaultMaxDepth bounds how deeply containers may nest.
	DefaultMaxDepth = 256
	// DefaultMaxNodes bounds how many values one top-level value may hold.
	DefaultMaxNodes = 1 << 20
	// DefaultMaxLength bounds one declared length: bytes of a string, XML text
	// or ByteArray, elements of an array, vector or dictionary. It matches the
	// socket's default input bound (16 MiB), beyond which a value could never
	// arrive.
	DefaultMaxLength = 16 << 20
	// MaxDepthCeiling is the largest MaxDepth honoured; larger settings are
	// lowered to it so that the recursion stays well inside a goroutine stack.
	MaxDepthCeiling = 10000
)

// Options tunes Decode and Encode. A nil *Options, and any zero field, means
// the default. Options are read, never modified, so one value may be shared
// by concurrent calls.
type Options struct {
	// MaxDepth bounds nesting: each Array, Object, Vector.<Object>, Dictionary
	// and externalizable payload opens one level, and the top-level value is
	// at depth 1. Default DefaultMaxDepth, at most MaxDepthCeiling.
	MaxDepth int

	// MaxNodes bounds the values in one top-level value, counting every
	// element, member, key and reference (not the items of the int, uint and
	// double vectors, which cost no more memory than their bytes). Encode
	// applies it too, so that a Go graph that shares maps or slices cannot
	// expand without bound. Default DefaultMaxNodes.
	MaxNodes int

	// MaxLength bounds every declared length (see DefaultMaxLength). Default
	// DefaultMaxLength.
	MaxLength int

	// Registry maps class aliases to application types. Nil decodes every
	// typed object to *Object and knows only the built-in externalizables.
	Registry *Registry
}

// limits are Options with the defaults filled in.
type limits struct {
	maxDepth  int
	maxNodes  int
	maxLength int
	reg       *Registry
}

func (o *Options) limits() limits {
	l := limits{maxDepth: DefaultMaxDepth, maxNodes: DefaultMaxNodes, maxLength: DefaultMaxLength}
	if o == nil {
		return l
	}
	if o.MaxDepth > 0 {
		l.maxDepth = min(o.MaxDepth, MaxDepthCeiling)
	}
	if o.MaxNodes > 0 {
		l.maxNodes = o.MaxNodes
	}
	if o.MaxLength > 0 {
		l.maxLength = o.MaxLength
	}
	l.reg = o.Registry
	return l
}
