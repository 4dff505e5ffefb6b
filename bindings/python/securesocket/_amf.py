"""AMF values as Python values: the marshalling behind ``read_object`` and
``write_object``.

The library decodes and encodes AMF (AMF3 or AMF0, the socket's
``object_encoding``); values cross the C ABI as JSON with tagged objects
(core/amf/JSON.md). This module only turns that JSON into Python values and
back; it never sees AMF bytes.

=============================================  ==========================================
AMF / AS3 value                                Python
=============================================  ==========================================
null, Boolean, String                          None, bool, str
int (AMF3, 29-bit)                             int
Number                                         float (NaN and infinities too)
undefined                                      :data:`Undefined`
anonymous dynamic Object                       dict (str keys, in wire order)
dense Array                                    list (tuple also writes one)
Array with named keys (ECMA array)             :class:`ECMAArray`
typed / sealed / non-dynamic Object            :class:`TypedObject`
Date                                           datetime.datetime, UTC-aware;
                                               :class:`Date` for what datetime cannot hold
XML, XMLDocument                               :class:`XML` (a str), ``document`` flag
ByteArray                                      bytes (bytearray, memoryview also write one)
Vector.<int/uint/Number/Object>                :class:`Vector`
flash.utils.Dictionary                         :class:`Dictionary`
ArrayCollection, ArrayList, ObjectProxy        :class:`ArrayCollection`, :class:`ArrayList`,
                                               :class:`ObjectProxy`
BlazeDS small message (DSA, DSK, DSC)          :class:`SmallMessage`
=============================================  ==========================================

Numbers: an ``int`` from -2**28 to 2**28-1 is an AMF3 int; any other int is
sent as a Number and reads back as a float. A ``float`` always stays a
Number (``3.0`` is not the int 3). AMF0 has only Numbers: everything numeric
reads back as float there.

Identity: on read, a value the AMF graph holds more than once (shared or
cyclic) is one Python object, reached from each place. On write, a Python
object reached more than once is sent once and referenced after, cycles
included. That holds for every mutable value and for datetime, :class:`XML`
and :class:`Date`; ``bytes`` and tuples are values (CPython shares equal
constants), so each occurrence is a separate ByteArray or Array: use a
bytearray or a list to send one twice.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from . import _errors
from ._errors import ArgumentError

__all__ = [
    "Undefined",
    "UndefinedType",
    "XML",
    "Date",
    "TypedObject",
    "ECMAArray",
    "Vector",
    "VectorKind",
    "Dictionary",
    "ArrayCollection",
    "ArrayList",
    "ObjectProxy",
    "SmallMessage",
    "to_json",
    "from_json",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)
_INT29_MIN, _INT29_MAX = -(2**28), 2**28 - 1
_TAG = "$amf"


# ---- the types ---------------------------------------------------------------


class UndefinedType:
    """The type of :data:`Undefined`, AS3's ``undefined``. It has one
    instance: compare with ``is``."""

    __slots__ = ()
    _instance: ClassVar[UndefinedType | None] = None

    def __new__(cls) -> UndefinedType:
        if cls._instance is None:
            cls._instance = object.__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "Undefined"  # pickles as the module attribute: the same instance


#: AS3's ``undefined`` (AMF3 ``00``, AMF0 ``06``): falsy, distinct from None
#: (``null``), one instance.
Undefined = UndefinedType()


class XML(str):
    """AS3 XML as its text, never parsed: a ``str`` with a ``document`` flag.

    ``document=False`` is E4X ``XML`` (AMF3 ``0B``); ``document=True`` is the
    legacy ``flash.xml.XMLDocument`` (AMF3 ``07``, AMF0 ``0F``). AMF0 has only
    XMLDocument, so an ``XML`` written in AMF0 reads back with
    ``document=True``. Two XML values are equal when text and flag are; an XML
    equals a plain str with the same text.

    >>> XML("<a/>")
    XML('<a/>')
    """

    document: bool

    def __new__(cls, text: str = "", document: bool = False) -> XML:
        self = super().__new__(cls, text)
        self.document = bool(document)
        return self

    @property
    def text(self) -> str:
        """The text as a plain str."""
        return str.__str__(self)

    def __repr__(self) -> str:
        flag = ", document=True" if self.document else ""
        return f"XML({str.__repr__(self)}{flag})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, XML) and self.document != other.document:
            return False
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return str.__hash__(self)

    def __reduce__(self) -> tuple[type[XML], tuple[str, bool]]:
        return (XML, (self.text, self.document))


@dataclass
class Date:
    """An AS3 Date that :class:`datetime.datetime` cannot hold: the Invalid
    Date (``ms`` NaN) or one outside years 1..9999. ``ms`` is milliseconds
    since 1970-01-01T00:00:00Z. Other Dates read as ``datetime``; both
    write."""

    ms: float

    def __post_init__(self) -> None:
        self.ms = float(self.ms)


@dataclass
class TypedObject:
    """An AMF object that a plain dict cannot say: one of a class
    (``class_name``, e.g. a Java bean from BlazeDS), or one with sealed
    members, or one that is not dynamic.

    ``sealed`` are the members of the class's traits, in order. ``dynamic``
    are the dynamic members; ``None`` means the class is not dynamic (a Java
    bean is sealed only), ``{}`` a dynamic object that has none. Names are
    literal (no ``$amf`` escaping here).

    Item access looks in both parts, sealed first::

        p = TypedObject("com.example.Point", {"x": 1, "y": 2})
        p["x"]          # 1
        p["z"] = 3      # a new sealed member: Point is not dynamic

    AMF0 has no sealed members: a TypedObject written in AMF0 reads back with
    ``sealed`` empty and every member dynamic (an anonymous one as a dict).
    """

    class_name: str = ""
    sealed: dict[str, Any] = field(default_factory=dict)
    dynamic: dict[str, Any] | None = None

    def __getitem__(self, name: str) -> Any:
        if name in self.sealed:
            return self.sealed[name]
        if self.dynamic is not None and name in self.dynamic:
            return self.dynamic[name]
        raise KeyError(name)

    def __setitem__(self, name: str, value: Any) -> None:
        """Replaces a sealed or dynamic member, else adds a dynamic member
        (a sealed one when the object is not dynamic)."""
        if name in self.sealed or self.dynamic is None:
            self.sealed[name] = value
        else:
            self.dynamic[name] = value

    def __contains__(self, name: object) -> bool:
        return name in self.sealed or (self.dynamic is not None and name in self.dynamic)

    def get(self, name: str, default: Any = None) -> Any:
        """The member ``name`` (sealed first), else ``default``."""
        try:
            return self[name]
        except KeyError:
            return default


@dataclass
class ECMAArray:
    """An AS3 Array with named keys: ``dense`` is its index part (0..n-1),
    ``assoc`` its string-keyed part, in order (an AMF0 ECMA array, an AMF3
    array with an associative part). An Array without named keys is a list.

    ``a[i]`` indexes ``dense``, ``a["name"]`` looks in ``assoc``.
    """

    dense: list[Any] = field(default_factory=list)
    assoc: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self.assoc[key]
        return self.dense[key]

    def __len__(self) -> int:
        return len(self.dense)


#: The element type of a :class:`Vector`: ``Vector.<int>``, ``.<uint>``,
#: ``.<Number>`` or ``.<Object>`` / ``.<T>``.
VectorKind = Literal["int", "uint", "double", "object"]
_VECTOR_KINDS = ("int", "uint", "double", "object")


@dataclass
class Vector:
    """An AS3 Vector. ``kind`` is ``"int"``, ``"uint"``, ``"double"``
    (``Vector.<Number>``) or ``"object"``; ``fixed`` its fixed-length flag;
    ``type_name`` the element class of a ``Vector.<T>`` (``"object"`` kind
    only; None is ``Vector.<Object>``, or ``Vector.<*>`` as Flash writes it).

    ``items`` are ints (int32 / uint32 range) for the integer kinds, floats
    for ``"double"`` (ints are accepted on write), values for ``"object"``.

    >>> Vector("int", [1, 2, 3])
    Vector(kind='int', items=[1, 2, 3], fixed=False, type_name=None)
    """

    kind: VectorKind
    items: list[Any] = field(default_factory=list)
    fixed: bool = False
    type_name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _VECTOR_KINDS:
            raise ValueError(f"Vector kind must be one of {', '.join(_VECTOR_KINDS)}, not {self.kind!r}")
        if self.type_name and self.kind != "object":
            raise ValueError(f"type_name applies to object vectors only, not {self.kind!r}")

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Any:
        return self.items[index]


@dataclass
class Dictionary:
    """``flash.utils.Dictionary``: ``entries`` is a list of ``(key, value)``
    pairs in wire order; keys may be of any type, objects included (so this
    is not a dict: Python dicts need hashable keys and compare them by
    value). ``weak`` is the weak-keys flag.

    ``d[key]`` finds the first entry whose key is ``key`` itself, or an equal
    str, number, bool or None (AS3's strict equality).
    """

    entries: list[tuple[Any, Any]] = field(default_factory=list)
    weak: bool = False

    def __getitem__(self, key: Any) -> Any:
        primitive = key is None or isinstance(key, (str, int, float))
        for k, v in self.entries:
            if k is key or (primitive and isinstance(k, bool) == isinstance(key, bool) and k == key):
                return v
        raise KeyError(key)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass
class ArrayCollection:
    """``flex.messaging.io.ArrayCollection`` (an externalizable wrapper of an
    Array): ``source`` is the wrapped value, normally a list."""

    source: Any = field(default_factory=list)


@dataclass
class ArrayList:
    """``flex.messaging.io.ArrayList``: ``source`` is the wrapped value,
    normally a list."""

    source: Any = field(default_factory=list)


@dataclass
class ObjectProxy:
    """``flex.messaging.io.ObjectProxy``: ``object`` is the wrapped value,
    normally a dict."""

    object: Any = field(default_factory=dict)


@dataclass
class SmallMessage:
    """A BlazeDS small message: ``class_name`` ``"DSA"``
    (AsyncMessageExt), ``"DSK"`` (AcknowledgeMessageExt) or ``"DSC"``
    (CommandMessageExt).

    ``fields`` holds the fields that were sent, by their JSON.md names:
    ``body``, ``clientId``, ``destination``, ``headers``, ``messageId``,
    ``timestamp``, ``timeToLive``, ``clientIdBytes``, ``messageIdBytes``,
    ``correlationId``, ``correlationIdBytes``, ``operation`` (DSC only) and
    ``extra`` (values under flags unknown to the library, a list of
    ``{"level": l, "bit": b, "value": v}``, kept for re-encoding). A field
    that is absent was not sent; on write a field set to None is left out.
    ``msg["body"]`` reads ``fields``.
    """

    class_name: str
    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def __contains__(self, name: object) -> bool:
        return name in self.fields

    def get(self, name: str, default: Any = None) -> Any:
        """The field ``name``, else ``default``."""
        return self.fields.get(name, default)


# Values with identity on write (a second occurrence is a reference). bytes
# and tuple are left out on purpose: see the module docstring.
_TRACKED = (
    dict,
    list,
    bytearray,
    memoryview,
    datetime,
    XML,
    Date,
    TypedObject,
    ECMAArray,
    Vector,
    Dictionary,
    ArrayCollection,
    ArrayList,
    ObjectProxy,
    SmallMessage,
)

#: What json.dumps is given.
_Tree = None | bool | int | float | str | list[Any] | dict[str, Any]


# ---- Python -> JSON ----------------------------------------------------------


def _is_tag_like(name: str) -> bool:
    """One or more "$" and then "amf": escaped with one more "$" in a plain
    object (JSON.md, "Escaping the tag key")."""
    return len(name) > 3 and name.endswith("amf") and not name[:-3].strip("$")


def _double(f: float) -> float | str:
    """A double inside a tag that takes "NaN"/"Infinity" strings."""
    if math.isfinite(f):
        return f
    if math.isnan(f):
        return "NaN"
    return "Infinity" if f > 0 else "-Infinity"


def _plain_number(f: float) -> int | float | str:
    """A number in a tag that takes doubles only (a date's ms, a Vector of
    Number's items): integral values without ".0", as the library writes
    them (-0.0 keeps its sign)."""
    if math.isfinite(f) and f.is_integer() and abs(f) < 2**53 and not (f == 0 and math.copysign(1, f) < 0):
        return int(f)
    return _double(f)


def _type_error(value: object, where: str) -> TypeError:
    return TypeError(
        f"write_object: cannot send a {type(value).__module__}.{type(value).__qualname__}{where}: "
        "not an AMF value (see securesocket's type table)"
    )


def _argument_error(detail: str) -> ArgumentError:
    # The AS3 text is the library's (ss_error_text), never written here.
    err = _errors.error(-2004, detail)
    assert isinstance(err, ArgumentError)
    return err


class _Encoder:
    """One write: a first pass finds the objects reached more than once, the
    second builds the JSON tree, giving each of those an "id" where it first
    appears and a "ref" after."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.shared: set[int] = set()
        self.ids: dict[int, int] = {}

    # First pass. Lenient about shapes: the second pass reports them.
    def scan(self, v: Any) -> None:
        t = type(v)
        if t is str or t is int or t is float or t is bool or v is None:
            return
        if isinstance(v, _TRACKED):
            k = id(v)
            if k in self.seen:
                self.shared.add(k)
                return
            self.seen.add(k)
        children = _lookup(_SCAN_CHILDREN, v)
        if children is not None:
            scan = self.scan
            for x in children(v):
                scan(x)

    def _open(self, tag: str, v: object) -> dict[str, Any] | None:
        """A tag's head {"$amf": tag[, "id": n]}, or None when v was sent
        already and the caller must write a ref."""
        k = id(v)
        if k in self.shared:
            if k in self.ids:
                return None
            n = self.ids[k] = len(self.ids)
            return {_TAG: tag, "id": n}
        return {_TAG: tag}

    def _ref(self, v: object) -> dict[str, Any]:
        return {_TAG: "ref", "id": self.ids[id(v)]}

    def _members(self, m: Any, where: str) -> dict[str, Any]:
        if not isinstance(m, dict):
            raise TypeError(f"write_object: {where} must be a dict of str keys, not {type(m).__name__}")
        out: dict[str, Any] = {}
        conv = self.conv
        for k, x in m.items():
            if type(k) is not str:
                if not isinstance(k, str):
                    raise _type_error(k, f" as a member name in {where} (names are str)")
                k = str.__str__(k)
            out[k] = conv(x)
        return out

    def conv(self, v: Any) -> _Tree:
        t = type(v)
        if t is str or t is bool or v is None:
            return v  # type: ignore[no-any-return]
        if t is int:
            return v if _INT29_MIN <= v <= _INT29_MAX else self._big_int(v)
        if t is float:
            return v if math.isfinite(v) else {_TAG: "double", "value": _double(v)}
        if t is dict:
            return self._dict(v)
        if t is list:
            return self._list(v)
        return self._other(v)

    def _big_int(self, v: int) -> float:
        try:
            return float(v)
        except OverflowError:
            raise _argument_error(f"write_object: {v} is too large for an AMF Number") from None

    def _dict(self, v: dict[Any, Any]) -> _Tree:
        if id(v) in self.shared:
            head = self._open("object", v)
            if head is None:
                return self._ref(v)
            head["dynamic"] = self._members(v, "a dict")
            return head
        out: dict[str, Any] = {}
        conv = self.conv
        for k, x in v.items():
            if type(k) is not str:
                if not isinstance(k, str):
                    raise _type_error(k, " as a dict key (keys are str; use Dictionary for others)")
                k = str.__str__(k)
            if k.endswith("amf") and _is_tag_like(k):
                k = "$" + k
            out[k] = conv(x)
        return out

    def _list(self, v: list[Any]) -> _Tree:
        if id(v) in self.shared:
            head = self._open("array", v)
            if head is None:
                return self._ref(v)
            head["dense"] = [self.conv(x) for x in v]
            return head
        return [self.conv(x) for x in v]

    def _other(self, v: Any) -> _Tree:
        # Subclasses of the fast-path types, then the tagged ones.
        write: Callable[[_Encoder, Any], _Tree] | None = _lookup(_WRITERS, v)
        if write is None:
            raise _type_error(v, "")
        return write(self, v)

    # One writer per type (_WRITERS).

    def _write_xml(self, v: XML) -> _Tree:
        head = self._open("xmldoc" if v.document else "xml", v)
        if head is None:
            return self._ref(v)
        head["text"] = v.text
        return head

    def _write_str(self, v: str) -> _Tree:
        return str.__str__(v)

    def _write_int(self, v: int) -> _Tree:
        return self.conv(int(v))

    def _write_float(self, v: float) -> _Tree:
        return self.conv(float(v))

    def _write_tuple(self, v: tuple[Any, ...]) -> _Tree:
        return [self.conv(x) for x in v]

    def _write_undefined(self, v: UndefinedType) -> _Tree:
        return {_TAG: "undefined"}

    def _write_bytes(self, v: bytes | bytearray | memoryview) -> _Tree:
        head = {_TAG: "bytearray"} if isinstance(v, bytes) else self._open("bytearray", v)
        if head is None:
            return self._ref(v)
        data = v.tobytes() if isinstance(v, memoryview) else v
        head["base64"] = base64.b64encode(data).decode("ascii")
        return head

    def _write_datetime(self, v: datetime) -> _Tree:
        head = self._open("date", v)
        if head is None:
            return self._ref(v)
        aware = v if v.tzinfo is not None else v.replace(tzinfo=timezone.utc)
        # Whole milliseconds, rounded down, as AS3 Dates hold.
        head["ms"] = (aware - _EPOCH) // _MS
        return head

    def _write_date(self, v: Date) -> _Tree:
        head = self._open("date", v)
        if head is None:
            return self._ref(v)
        head["ms"] = _plain_number(float(v.ms))
        return head

    def _write_typed(self, v: TypedObject) -> _Tree:
        head = self._open("object", v)
        if head is None:
            return self._ref(v)
        if not isinstance(v.class_name, str):
            raise TypeError(f"write_object: TypedObject.class_name must be a str, not {type(v.class_name).__name__}")
        if v.class_name:
            head["class"] = v.class_name
        if v.sealed:
            head["sealed"] = self._members(v.sealed, "TypedObject.sealed")
        if v.dynamic is not None:
            head["dynamic"] = self._members(v.dynamic, "TypedObject.dynamic")
        return head

    def _write_ecma(self, v: ECMAArray) -> _Tree:
        head = self._open("array", v)
        if head is None:
            return self._ref(v)
        if v.assoc:
            head["assoc"] = self._members(v.assoc, "ECMAArray.assoc")
        head["dense"] = [self.conv(x) for x in v.dense]
        return head

    def _write_dictionary(self, v: Dictionary) -> _Tree:
        head = self._open("dictionary", v)
        if head is None:
            return self._ref(v)
        if v.weak:
            head["weak"] = True
        entries = []
        for e in v.entries:
            if not isinstance(e, (tuple, list)) or len(e) != 2:
                raise TypeError("write_object: Dictionary.entries must hold (key, value) pairs")
            entries.append([self.conv(e[0]), self.conv(e[1])])
        head["entries"] = entries
        return head

    def _write_collection(self, v: ArrayCollection | ArrayList) -> _Tree:
        head = self._open("arraycollection" if isinstance(v, ArrayCollection) else "arraylist", v)
        if head is None:
            return self._ref(v)
        head["source"] = self.conv(v.source)
        return head

    def _write_objectproxy(self, v: ObjectProxy) -> _Tree:
        head = self._open("objectproxy", v)
        if head is None:
            return self._ref(v)
        head["object"] = self.conv(v.object)
        return head

    def _vector(self, v: Vector) -> _Tree:
        head = self._open("vector-" + v.kind, v)
        if head is None:
            return self._ref(v)
        if v.kind == "object":
            if v.type_name:
                head["type"] = v.type_name
            if v.fixed:
                head["fixed"] = True
            head["items"] = [self.conv(x) for x in v.items]
            return head
        if v.fixed:
            head["fixed"] = True
        if v.kind == "double":
            items: list[Any] = []
            for x in v.items:
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    raise _type_error(x, " in a Vector of double")
                items.append(_plain_number(float(x)))
        else:
            for x in v.items:
                if isinstance(x, bool) or not isinstance(x, int):
                    raise _type_error(x, f" in a Vector of {v.kind}")
            items = [int(x) for x in v.items]
        head["items"] = items
        return head

    def _message(self, v: SmallMessage) -> _Tree:
        head = self._open("message", v)
        if head is None:
            return self._ref(v)
        head["class"] = v.class_name
        for name, x in v.fields.items():
            if x is None:
                continue  # absent: not sent
            if name == "extra":
                extra = []
                for e in x:
                    if not isinstance(e, dict):
                        raise TypeError('write_object: SmallMessage "extra" must hold {"level", "bit", "value"} dicts')
                    extra.append({k: (self.conv(y) if k == "value" else y) for k, y in e.items()})
                head["extra"] = extra
            else:
                head[name] = self.conv(x)
        return head


def _lookup(table: dict[type, Any], v: Any) -> Any:
    """The entry of v's class, or of its nearest base class, in table."""
    for cls in type(v).__mro__:
        entry = table.get(cls)
        if entry is not None:
            return entry
    return None


def _message_children(v: SmallMessage) -> list[Any]:
    out: list[Any] = []
    for name, x in v.fields.items():
        if name == "extra" and isinstance(x, (list, tuple)):
            out.extend(e.get("value") for e in x if isinstance(e, dict))
        else:
            out.append(x)
    return out


#: The values each type holds, for the first pass of a write.
_SCAN_CHILDREN: dict[type, Callable[[Any], Any]] = {
    dict: lambda v: v.values(),
    list: lambda v: v,
    tuple: lambda v: v,
    TypedObject: lambda v: [*v.sealed.values(), *(v.dynamic.values() if v.dynamic is not None else ())],
    ECMAArray: lambda v: [*v.assoc.values(), *v.dense],
    Vector: lambda v: v.items if v.kind == "object" else (),
    Dictionary: lambda v: [x for e in v.entries if isinstance(e, (tuple, list)) for x in e],
    ArrayCollection: lambda v: (v.source,),
    ArrayList: lambda v: (v.source,),
    ObjectProxy: lambda v: (v.object,),
    SmallMessage: _message_children,
}

#: The writer of each type that conv's fast path leaves out (subclasses of
#: the plain types, and the tagged ones); a subclass takes its nearest base
#: class's writer.
_WRITERS: dict[type, Callable[[_Encoder, Any], _Tree]] = {
    XML: _Encoder._write_xml,
    str: _Encoder._write_str,
    int: _Encoder._write_int,
    float: _Encoder._write_float,
    dict: _Encoder._dict,
    list: _Encoder._list,
    tuple: _Encoder._write_tuple,
    UndefinedType: _Encoder._write_undefined,
    bytes: _Encoder._write_bytes,
    bytearray: _Encoder._write_bytes,
    memoryview: _Encoder._write_bytes,
    datetime: _Encoder._write_datetime,
    Date: _Encoder._write_date,
    TypedObject: _Encoder._write_typed,
    ECMAArray: _Encoder._write_ecma,
    Vector: _Encoder._vector,
    Dictionary: _Encoder._write_dictionary,
    ArrayCollection: _Encoder._write_collection,
    ArrayList: _Encoder._write_collection,
    ObjectProxy: _Encoder._write_objectproxy,
    SmallMessage: _Encoder._message,
}


def to_json(value: Any) -> str:
    """The tagged JSON text (core/amf/JSON.md) of a Python value.

    Raises TypeError for a value of no AMF type (a set, an arbitrary object,
    a dict key that is not a str), :class:`ArgumentError` for an int too large
    for a double. The library checks the rest (ranges, message fields).
    """
    enc = _Encoder()
    try:
        enc.scan(value)
        tree = enc.conv(value)
        return json.dumps(tree, ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)
    except RecursionError:
        raise _argument_error("write_object: the value nests too deeply") from None


# ---- JSON -> Python ----------------------------------------------------------


def _number(n: Any) -> float:
    """A double inside a tag: a number, or "NaN", "Infinity", "-Infinity"."""
    if isinstance(n, str):
        return float(n.lower().replace("infinity", "inf"))
    return float(n)


def _datetime(ms: float) -> datetime | Date:
    """A Date's milliseconds as an aware UTC datetime (a fraction of a
    millisecond, which only other senders write, to the microsecond), or as
    a :class:`Date` when datetime cannot hold it."""
    try:
        if isinstance(ms, int):
            return _EPOCH + timedelta(milliseconds=ms)
        if math.isfinite(ms):
            return _EPOCH + timedelta(microseconds=round(ms * 1000))
    except OverflowError:
        pass
    return Date(ms)


class _Decoder:
    """One read: JSON values to Python values, top down, so that a value
    with an "id" is registered before its children are converted (a "ref"
    inside it is a cycle)."""

    def __init__(self) -> None:
        self.ids: dict[int, Any] = {}

    def value(self, n: Any) -> Any:
        t = type(n)
        if t is dict:
            tag = n.get(_TAG)
            if tag is None:
                out = {}
                value = self.value
                for k, x in n.items():
                    if k.endswith("amf") and _is_tag_like(k):
                        k = k[1:]
                    out[k] = value(x)
                return out
            return self.tagged(n, tag)
        if t is list:
            return [self.value(x) for x in n]
        return n

    def _define(self, n: dict[str, Any], v: Any) -> None:
        if "id" in n:
            self.ids[n["id"]] = v

    def _fill(self, target: dict[str, Any], members: dict[str, Any] | None) -> None:
        if members:
            value = self.value
            for k, x in members.items():
                target[k] = value(x)

    def tagged(self, n: dict[str, Any], tag: str) -> Any:
        read = _TAG_READERS.get(tag)
        if read is None:
            raise ValueError(f"read_object: unknown AMF JSON tag {tag!r} (a library newer than these bindings?)")
        return read(self, n, tag)

    # One reader per tag (_TAG_READERS): n is the tagged object, tag its tag.

    def _ref(self, n: dict[str, Any], tag: str) -> Any:
        try:
            return self.ids[n["id"]]
        except KeyError:
            raise ValueError(f"read_object: reference to an undefined id in {n!r}") from None

    def _undefined(self, n: dict[str, Any], tag: str) -> Any:
        return Undefined

    def _double(self, n: dict[str, Any], tag: str) -> Any:
        return _number(n["value"])

    def _array(self, n: dict[str, Any], tag: str) -> Any:
        assoc = n.get("assoc")
        dense = n.get("dense") or ()
        if assoc:
            arr = ECMAArray()
            self._define(n, arr)
            self._fill(arr.assoc, assoc)
            arr.dense.extend(self.value(x) for x in dense)
            return arr
        lst: list[Any] = []
        self._define(n, lst)
        lst.extend(self.value(x) for x in dense)
        return lst

    def _object(self, n: dict[str, Any], tag: str) -> Any:
        cls = n.get("class", "")
        sealed = n.get("sealed")
        dyn = n.get("dynamic")
        if not cls and not sealed and dyn is not None:
            d: dict[str, Any] = {}
            self._define(n, d)
            self._fill(d, dyn)
            return d
        obj = TypedObject(cls, {}, None if dyn is None else {})
        self._define(n, obj)
        self._fill(obj.sealed, sealed)
        if obj.dynamic is not None:
            self._fill(obj.dynamic, dyn)
        return obj

    def _date(self, n: dict[str, Any], tag: str) -> Any:
        ms = n["ms"]
        dt = _datetime(_number(ms) if isinstance(ms, str) else ms)
        self._define(n, dt)
        return dt

    def _xml(self, n: dict[str, Any], tag: str) -> Any:
        x = XML(n["text"], document=tag == "xmldoc")
        self._define(n, x)
        return x

    def _bytearray(self, n: dict[str, Any], tag: str) -> Any:
        b = binascii.a2b_base64(n.get("base64", ""))
        self._define(n, b)
        return b

    def _vector(self, n: dict[str, Any], tag: str) -> Any:
        kind = tag[7:]
        vec = Vector(kind, [], bool(n.get("fixed", False)), n.get("type") or None)  # type: ignore[arg-type]
        self._define(n, vec)
        items = n.get("items") or ()
        if kind == "object":
            vec.items.extend(self.value(x) for x in items)
        elif kind == "double":
            vec.items.extend(_number(x) for x in items)
        else:
            vec.items.extend(items)
        return vec

    def _dictionary(self, n: dict[str, Any], tag: str) -> Any:
        dic = Dictionary([], bool(n.get("weak", False)))
        self._define(n, dic)
        for k, x in n.get("entries") or ():
            key = self.value(k)
            dic.entries.append((key, self.value(x)))
        return dic

    def _collection(self, n: dict[str, Any], tag: str) -> Any:
        coll = ArrayCollection(None) if tag == "arraycollection" else ArrayList(None)
        self._define(n, coll)
        coll.source = self.value(n.get("source"))
        return coll

    def _objectproxy(self, n: dict[str, Any], tag: str) -> Any:
        proxy = ObjectProxy(None)
        self._define(n, proxy)
        proxy.object = self.value(n.get("object"))
        return proxy

    def _message(self, n: dict[str, Any], tag: str) -> Any:
        msg = SmallMessage(n["class"])
        self._define(n, msg)
        for k, x in n.items():
            if k in (_TAG, "id", "class"):
                continue
            if k == "extra":
                msg.fields[k] = [{**e, "value": self.value(e["value"])} for e in x]
            else:
                msg.fields[k] = self.value(x)
        return msg


#: The reader of each tag of the tagged JSON (core/amf/JSON.md). The tag
#: names are core/amf's: tests/test_corpus.py checks this table against the
#: shared corpus, whose list core/amf checks against its own.
_TAG_READERS: dict[str, Callable[[_Decoder, dict[str, Any], str], Any]] = {
    "ref": _Decoder._ref,
    "undefined": _Decoder._undefined,
    "double": _Decoder._double,
    "array": _Decoder._array,
    "object": _Decoder._object,
    "date": _Decoder._date,
    "xml": _Decoder._xml,
    "xmldoc": _Decoder._xml,
    "bytearray": _Decoder._bytearray,
    "vector-int": _Decoder._vector,
    "vector-uint": _Decoder._vector,
    "vector-double": _Decoder._vector,
    "vector-object": _Decoder._vector,
    "dictionary": _Decoder._dictionary,
    "arraycollection": _Decoder._collection,
    "arraylist": _Decoder._collection,
    "objectproxy": _Decoder._objectproxy,
    "message": _Decoder._message,
}


def from_json(text: str | bytes) -> Any:
    """The Python value of a tagged JSON text (core/amf/JSON.md)."""
    if isinstance(text, (bytes, bytearray)):
        if b"$amf" not in text:
            return json.loads(text)  # plain JSON: nothing is tagged or escaped
    elif "$amf" not in text:
        return json.loads(text)
    return _Decoder().value(json.loads(text))
