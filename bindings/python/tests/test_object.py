"""read_object/write_object: Python values <-> tagged JSON (securesocket._amf),
without a network, and through the lab's echo server in AMF3 and AMF0.

What AMF0 gives back is what the library really returns (tests/c/test_object.c
has the JSON): only doubles, XMLDocument for XML, typed objects without a
sealed part, no references to Dates or XML.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from labutil import Lab, connect

import securesocket
from securesocket import (
    XML,
    ArgumentError,
    ArrayCollection,
    ArrayList,
    Date,
    Dictionary,
    ECMAArray,
    EndOfFileError,
    InvalidSocketError,
    ObjectProxy,
    RangeError,
    SecureSocket,
    SmallMessage,
    TypedObject,
    Undefined,
    Vector,
)
from securesocket._amf import from_json, to_json

UTC = timezone.utc


def same(a: Any, b: Any, memo: set[tuple[int, int]] | None = None) -> bool:
    """Deep equality that also compares types (1 is not 1.0, bytes is not
    bytearray), dict order, NaN and the sign of zero; cycles end."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (str, int, bytes, datetime)) or a is None or a is Undefined:
        return bool(a == b) and (not isinstance(a, datetime) or a.tzinfo == b.tzinfo)
    memo = set() if memo is None else memo
    if (id(a), id(b)) in memo:
        return True
    memo.add((id(a), id(b)))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, memo) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k], memo) for k in a)
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name), memo) for f in dataclasses.fields(a))
    raise AssertionError(f"same(): no rule for {type(a)}")


def test_same_helper() -> None:
    assert same([1, {"a": 2.0}], [1, {"a": 2.0}])
    assert not same(1, 1.0) and not same(0.0, -0.0) and same(math.nan, math.nan)
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same(XML("<a/>"), XML("<a/>", document=True))


# ---- without a network: the JSON of each type ----------------------------------

# The JSON the library writes (tests/c/test_object.c and JSON.md); decoding
# and encoding again must give the same text (ToJSON's form is a fixpoint).
LIBRARY_JSON = [
    "null",
    "true",
    "-268435456",
    "268435456.0",
    "3.5",
    '"h\u00e9llo w\u00f6rld"',
    '[1,"two",3.5]',
    '{"a":1,"b":"x"}',
    '{"$amf":"undefined"}',
    '{"$amf":"double","value":"NaN"}',
    '{"$amf":"double","value":"-Infinity"}',
    '{"$amf":"date","ms":1764118923004}',
    '{"$amf":"date","ms":"NaN"}',
    '{"$amf":"xml","text":"<a><b/></a>"}',
    '{"$amf":"xmldoc","text":"<a><b/></a>"}',
    '{"$amf":"bytearray","base64":"AAEC/w=="}',
    '{"$amf":"bytearray","base64":""}',
    '{"$amf":"vector-int","items":[-1,0,1]}',
    '{"$amf":"vector-uint","fixed":true,"items":[0,4294967295]}',
    '{"$amf":"vector-double","items":[1,1.5,"NaN","-Infinity"]}',
    '{"$amf":"vector-object","type":"String","fixed":true,"items":["a",null]}',
    '{"$amf":"dictionary","entries":[["k",1],[2,"two"]]}',
    '{"$amf":"dictionary","weak":true,"entries":[[{"k":1},"v"],[{"$amf":"undefined"},null]]}',
    '{"$amf":"object","class":"com.example.Point","sealed":{"x":3,"y":4}}',
    '{"$amf":"object","class":"com.example.Point","dynamic":{"x":3.0,"y":4.0}}',
    '{"$amf":"object","class":"C","sealed":{"a":1},"dynamic":{"b":2}}',
    '{"$amf":"object","sealed":{"$amf":1}}',
    '{"$amf":"object"}',
    '{"$amf":"array","assoc":{"foo":"bar","1":2},"dense":[1,2]}',
    '{"$amf":"arraycollection","source":["a",1]}',
    '{"$amf":"arraylist","source":[1]}',
    '{"$amf":"objectproxy","object":{"a":1}}',
    '{"$$amf":"a plain member that looks like a tag"}',
    '{"$$$amf":1,"$amfx":2,"x$amf":3}',
    '{"$amf":"array","id":0,"dense":[{"$amf":"ref","id":0}]}',
    '{"$amf":"object","id":0,"dynamic":{"self":{"$amf":"ref","id":0}}}',
    '[{"$amf":"date","id":0,"ms":1111111111000},{"$amf":"ref","id":0}]',
    '{"$amf":"message","class":"DSK","body":[1,2],"headers":{"DSMessagingVersion":1.0},'
    '"timestamp":1250681083985.0,"clientIdBytes":{"$amf":"bytearray","base64":"7g0WHcEoJlvJgFJLm0XGxA=="}}',
    '{"$amf":"message","class":"DSC","operation":5,"correlationId":"","extra":[{"level":2,"bit":3,"value":true}]}',
]


@pytest.mark.parametrize("text", LIBRARY_JSON)
def test_json_fixpoint(text: str) -> None:
    assert to_json(from_json(text)) == text


def test_json_types() -> None:
    assert same(from_json("[3, 3.0, 268435456, 1e3]"), [3, 3.0, 268435456, 1000.0])
    assert to_json([3, 3.0, -0.0, 2**28 - 1, -(2**28), 2**28, 2**40]) == (
        "[3,3.0,-0.0,268435455,-268435456,268435456.0,1099511627776.0]"
    )
    assert to_json([math.nan, math.inf]) == '[{"$amf":"double","value":"NaN"},{"$amf":"double","value":"Infinity"}]'
    assert from_json('{"$amf":"undefined"}') is Undefined
    assert to_json((1, (2,))) == "[1,[2]]"  # tuples write arrays
    assert to_json(bytearray(b"hi")) == to_json(memoryview(b"hi")) == '{"$amf":"bytearray","base64":"aGk="}'
    assert to_json(memoryview(b"abcd")[::2]) == to_json(b"ac")  # non-contiguous views too
    assert type(from_json('{"$amf":"bytearray","base64":"aGk="}')) is bytes
    assert same(from_json('{"$amf":"vector-double","items":[1,2.5]}').items, [1.0, 2.5])


def test_json_escaping() -> None:
    # A plain member named $amf, $$amf, ... gets one more "$"; no other name.
    assert to_json({"$amf": 1, "$$amf": 2, "amf": 3, "$amf$": 4, "$": 5}) == (
        '{"$$amf":1,"$$$amf":2,"amf":3,"$amf$":4,"$":5}'
    )
    assert from_json('{"$$amf":1,"$$$amf":2,"$amfx":3}') == {"$amf": 1, "$$amf": 2, "$amfx": 3}
    # Inside a tag's member maps names are literal.
    assert to_json(TypedObject("", {"$amf": 1}, {"$$amf": 2})) == (
        '{"$amf":"object","sealed":{"$amf":1},"dynamic":{"$$amf":2}}'
    )
    assert to_json(ECMAArray([], {"$amf": 1})) == '{"$amf":"array","assoc":{"$amf":1},"dense":[]}'
    assert from_json('{"$amf":"array","assoc":{"$amf":1},"dense":[]}') == ECMAArray([], {"$amf": 1})
    # A shared dict is written as a tag: its names are literal there.
    d = {"$amf": 1}
    text = to_json([d, d])
    assert text == '[{"$amf":"object","id":0,"dynamic":{"$amf":1}},{"$amf":"ref","id":0}]'
    back = from_json(text)
    assert back == [{"$amf": 1}, {"$amf": 1}] and back[0] is back[1]


def test_json_references_on_write() -> None:
    shared = {"k": 1}
    assert to_json([shared, shared, {"again": shared}]) == (
        '[{"$amf":"object","id":0,"dynamic":{"k":1}},{"$amf":"ref","id":0},{"again":{"$amf":"ref","id":0}}]'
    )
    cyc: list[Any] = []
    cyc.append(cyc)
    assert to_json(cyc) == '{"$amf":"array","id":0,"dense":[{"$amf":"ref","id":0}]}'
    t = TypedObject("com.x.Node", {"next": None})
    t["next"] = t
    assert to_json(t) == '{"$amf":"object","id":0,"class":"com.x.Node","sealed":{"next":{"$amf":"ref","id":0}}}'
    # Ids are numbered in order of appearance.
    a, b = [1], [2]
    assert to_json([b, a, a, b]) == (
        '[{"$amf":"array","id":0,"dense":[2]},{"$amf":"array","id":1,"dense":[1]},'
        '{"$amf":"ref","id":1},{"$amf":"ref","id":0}]'
    )
    # bytes and tuples are values, never references; bytearray is an object.
    bs, tp, ba = b"xy", (1,), bytearray(b"xy")
    assert '"id"' not in to_json([bs, bs, tp, tp])
    assert to_json([ba, ba]) == '[{"$amf":"bytearray","id":0,"base64":"eHk="},{"$amf":"ref","id":0}]'
    # A value seen once takes its plainest form.
    assert to_json([{"k": 1}, {"k": 1}]) == '[{"k":1},{"k":1}]'


def test_json_references_on_read() -> None:
    v = from_json(
        '[{"$amf":"object","id":7,"class":"N","sealed":{"me":{"$amf":"ref","id":7}}},'
        '{"$amf":"ref","id":7},{"$amf":"dictionary","id":3,"entries":[[{"$amf":"ref","id":3},{"$amf":"ref","id":7}]]}]'
    )
    node, again, dic = v
    assert node is again and node["me"] is node
    assert dic.entries[0][0] is dic and dic.entries[0][1] is node
    with pytest.raises(ValueError):
        from_json('[{"$amf":"ref","id":1}]')


def test_dates() -> None:
    aware = datetime(2025, 11, 26, 1, 2, 3, 4000, tzinfo=UTC)
    assert to_json(aware) == '{"$amf":"date","ms":1764118923004}'
    assert from_json('{"$amf":"date","ms":1764118923004}') == aware
    assert from_json('{"$amf":"date","ms":1764118923004}').tzinfo is UTC
    # Naive datetimes are taken as UTC; other zones keep the instant.
    assert to_json(aware.replace(tzinfo=None)) == to_json(aware)
    assert to_json(aware.astimezone(timezone(timedelta(hours=-5)))) == to_json(aware)
    # Whole milliseconds, rounded down (also before 1970).
    assert to_json(aware + timedelta(microseconds=999)) == to_json(aware)
    assert to_json(datetime(1969, 12, 31, 23, 59, 59, 999500, tzinfo=UTC)) == '{"$amf":"date","ms":-1}'
    # Fractions other senders write: to the microsecond.
    assert from_json('{"$amf":"date","ms":1.5}') == datetime(1970, 1, 1, 0, 0, 0, 1500, tzinfo=UTC)
    # What datetime cannot hold is a Date, and writes back as it came.
    for text in ('{"$amf":"date","ms":"NaN"}', '{"$amf":"date","ms":8640000000000000}', '{"$amf":"date","ms":-1e15}'):
        d = from_json(text)
        assert type(d) is Date
        assert json_same(to_json(d), text)
    assert math.isnan(from_json('{"$amf":"date","ms":"NaN"}').ms)
    with pytest.raises(TypeError):
        to_json(date(2025, 1, 1))  # a date without a time: say which instant


def json_same(a: str, b: str) -> bool:
    import json

    return bool(json.loads(a) == json.loads(b))


def test_value_types() -> None:
    assert repr(Undefined) == "undefined" and not Undefined
    assert type(Undefined)() is Undefined
    assert pickle.loads(pickle.dumps(Undefined)) is Undefined and copy.deepcopy(Undefined) is Undefined

    x = XML("<a/>")
    doc = XML("<a/>", document=True)
    assert isinstance(x, str) and x == "<a/>" and x.text == "<a/>" and type(x.text) is str
    assert x != doc and (x == doc) is False and x == XML("<a/>") and hash(x) == hash(doc)
    assert repr(doc) == "XML('<a/>', document=True)"
    assert pickle.loads(pickle.dumps(doc)) == doc and pickle.loads(pickle.dumps(doc)).document

    p = TypedObject("com.example.Point", {"x": 1})
    assert p["x"] == 1 and "x" in p and "z" not in p and p.get("z", 0) == 0
    p["z"] = 3  # not dynamic: a sealed member
    assert p.sealed == {"x": 1, "z": 3}
    q = TypedObject("C", {"a": 1}, {})
    q["b"] = 2
    assert q.dynamic == {"b": 2} and q["b"] == 2
    with pytest.raises(KeyError):
        p["nope"]

    arr = ECMAArray([10, 20], {"k": "v"})
    assert arr[1] == 20 and arr["k"] == "v" and len(arr) == 2

    key = {"id": 1}
    d = Dictionary([(key, "by object"), (1, "int"), (True, "bool"), ("s", "str")])
    assert d[key] == "by object" and d[1] == "int" and d[True] == "bool" and d["s"] == "str" and len(d) == 4
    with pytest.raises(KeyError):
        d[{"id": 1}]  # an equal but other object is another key

    v = Vector("int", [1, 2])
    assert len(v) == 2 and v[1] == 2
    with pytest.raises(ValueError):
        Vector("float", [])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Vector("int", [], type_name="String")

    m = SmallMessage("DSK", {"body": 1})
    assert m["body"] == 1 and "body" in m and m.get("headers") is None


@pytest.mark.parametrize(
    "value",
    [
        {1, 2},
        object(),
        {"a": [1, {"b": frozenset()}]},
        {1: "int key"},
        TypedObject("C", {1: "x"}),  # type: ignore[dict-item]
        Vector("int", ["1"]),
        Vector("double", [True]),
        Dictionary([(1, 2, 3)]),  # type: ignore[list-item]
        complex(1, 2),
    ],
    ids=repr,
)
def test_unencodable_type(value: Any) -> None:
    with pytest.raises(TypeError):
        to_json(value)


def test_unencodable_value() -> None:
    with pytest.raises(ArgumentError) as e:
        to_json([10**400])
    assert e.value.error_id == 2004 and "too large" in e.value.detail


# ---- through the echo server --------------------------------------------------


@pytest.fixture(scope="module")
def echo_sock(lab: Lab) -> Iterator[SecureSocket]:
    s = SecureSocket()
    connect(s, lab, "echo")
    yield s
    s.free()


@pytest.fixture(params=[3, 0], ids=["amf3", "amf0"])
def es(request: pytest.FixtureRequest, echo_sock: SecureSocket) -> SecureSocket:
    """The echo socket in AMF3, then in AMF0; nothing left unread."""
    echo_sock.object_encoding = request.param
    assert echo_sock.bytes_available == 0 and echo_sock.bytes_pending == 0
    return echo_sock


def wait_available(sock: SecureSocket, n: int) -> None:
    deadline = time.monotonic() + 10
    while sock.bytes_available < n:
        if time.monotonic() > deadline:
            pytest.fail(f"{sock.bytes_available} of {n} bytes after 10 s")
        securesocket.dispatch(0.05)


def echo(sock: SecureSocket, value: Any) -> Any:
    """write_object, flush, and read_object once all of it is back."""
    sock.write_object(value)
    sent = sock.bytes_pending
    assert sent > 0
    sock.flush()
    wait_available(sock, sent)
    got = sock.read_object()
    assert sock.bytes_available == 0, "read_object left bytes unread"
    return got


POINT = TypedObject("com.example.Point", {"x": 3, "y": 4})
STAMP = datetime(2025, 11, 26, 1, 2, 3, 4000, tzinfo=UTC)
DSK = SmallMessage(
    "DSK",
    {
        "body": [1, "x"],
        "headers": {"DSMessagingVersion": 1.0, "DSId": "EE0D161D"},
        "timestamp": 1250681083985.0,
        "clientIdBytes": bytes(range(16)),
        "correlationId": "c-1",
    },
)

# The expected result is the value sent, unless said otherwise.
SAME: Any = object()

# (name, value sent, AMF3 result, AMF0 result); an AMF0 SAME is the AMF3 result.
ROUND_TRIPS: list[tuple[str, Any, Any, Any]] = [
    ("null", None, SAME, SAME),
    ("true", True, SAME, SAME),
    ("false", False, SAME, SAME),
    ("int", 7, SAME, 7.0),
    ("int29 min", -(2**28), SAME, -268435456.0),
    ("int29 max", 2**28 - 1, SAME, 268435455.0),
    ("int beyond 29 bits", 2**28, 268435456.0, 268435456.0),
    ("int beyond 32 bits", 2**40, 1099511627776.0, 1099511627776.0),
    ("float that looks integral", 3.0, SAME, SAME),
    ("float", 3.5, SAME, SAME),
    ("negative zero", -0.0, SAME, SAME),
    ("tiny", 5e-324, SAME, SAME),
    ("huge", 1.7976931348623157e308, SAME, SAME),
    ("NaN", math.nan, SAME, SAME),
    ("Infinity", math.inf, SAME, SAME),
    ("-Infinity", -math.inf, SAME, SAME),
    ("str", "h\u00e9llo w\u00f6rld \U0001f600 \x00 end", SAME, SAME),
    ("empty str", "", SAME, SAME),
    ("list", [1, "two", 3.5, None, True], SAME, [1.0, "two", 3.5, None, True]),
    ("tuple", (1, (2,)), [1, [2]], [1.0, [2.0]]),
    ("dict in order", {"b": 1, "a": "x", "c": [1]}, SAME, {"b": 1.0, "a": "x", "c": [1.0]}),
    ("empty dict", {}, SAME, SAME),
    ("undefined", Undefined, SAME, SAME),
    ("undefined inside", [Undefined, {"u": Undefined}], SAME, SAME),
    ("datetime", STAMP, SAME, SAME),
    ("Date NaN", Date(math.nan), SAME, SAME),
    ("Date past 9999", Date(8.64e15), SAME, SAME),
    ("xml", XML("<a><b/></a>"), SAME, XML("<a><b/></a>", document=True)),
    ("xmldoc", XML("<a/>", document=True), SAME, SAME),
    ("bytes", b"\x00\x01\x02\xff", SAME, SAME),
    ("bytearray", bytearray(b"ba"), b"ba", b"ba"),
    ("memoryview", memoryview(b"mv"), b"mv", b"mv"),
    ("empty bytes", b"", SAME, SAME),
    ("vector int", Vector("int", [-(2**31), 0, 2**31 - 1]), SAME, SAME),
    ("vector uint", Vector("uint", [0, 2**32 - 1], fixed=True), SAME, SAME),
    ("vector double", Vector("double", [1.0, 1.5, math.nan, -math.inf]), SAME, SAME),
    ("vector double from ints", Vector("double", [1, 2]), Vector("double", [1.0, 2.0]), Vector("double", [1.0, 2.0])),
    ("vector object", Vector("object", ["a", 1, {"k": None}], type_name="String"), SAME, SAME),
    ("vector *", Vector("object", [POINT], fixed=True), SAME, SAME),
    ("dictionary", Dictionary([("k", 1), (2, "two")]), SAME, SAME),
    ("dictionary object keys", Dictionary([({"k": 1}, "v"), (Undefined, None)], weak=True), SAME, SAME),
    ("typed sealed", POINT, SAME, TypedObject("com.example.Point", {}, {"x": 3.0, "y": 4.0})),
    ("typed dynamic", TypedObject("C", {"a": 1}, {"b": "x"}), SAME, TypedObject("C", {}, {"a": 1.0, "b": "x"})),
    ("typed without members", TypedObject("C"), SAME, TypedObject("C", {}, {})),
    ("anonymous sealed", TypedObject("", {"a": 1}), SAME, {"a": 1.0}),
    ("anonymous dynamic", TypedObject("", {}, {"a": 1}), {"a": 1}, {"a": 1.0}),
    ("ecma array", ECMAArray([1, 2], {"foo": "bar", "7": 2}), SAME, ECMAArray([1.0, 2.0], {"foo": "bar", "7": 2.0})),
    ("ecma array, assoc only", ECMAArray([], {"k": True}), SAME, SAME),
    ("ecma array, dense only", ECMAArray([1]), [1], [1.0]),
    ("arraycollection", ArrayCollection(["a", 1]), SAME, SAME),
    ("arraylist", ArrayList([1]), SAME, SAME),
    ("objectproxy", ObjectProxy({"a": 1}), SAME, SAME),
    ("message DSK", DSK, SAME, SAME),
    ("message DSC", SmallMessage("DSC", {"operation": 5, "body": None}), SmallMessage("DSC", {"operation": 5}), SAME),
    ("message DSA", SmallMessage("DSA", {"body": math.nan, "destination": "d"}), SAME, SAME),
    ("member named $amf", {"$amf": "not a tag", "$$amf": 2}, SAME, {"$amf": "not a tag", "$$amf": 2.0}),
    ("member named $amf in a tag", TypedObject("C", {"$amf": 1}), SAME, TypedObject("C", {}, {"$amf": 1.0})),
]


def expected(case: tuple[str, Any, Any, Any], encoding: int) -> Any:
    _, value, amf3, amf0 = case
    if amf3 is SAME:
        amf3 = value
    return amf3 if encoding == 3 or amf0 is SAME else amf0


@pytest.mark.parametrize("case", ROUND_TRIPS, ids=[c[0] for c in ROUND_TRIPS])
def test_round_trip(es: SecureSocket, case: tuple[str, Any, Any, Any]) -> None:
    want = expected(case, es.object_encoding)
    got = echo(es, case[1])
    assert same(got, want), f"AMF{es.object_encoding}: sent {case[1]!r}, got {got!r}, want {want!r}"


def test_round_trip_everything_at_once(es: SecureSocket) -> None:
    # One value holding one of each gives what the parts give one by one.
    got = echo(es, {c[0]: c[1] for c in ROUND_TRIPS})
    assert list(got) == [c[0] for c in ROUND_TRIPS]
    for case in ROUND_TRIPS:
        assert same(got[case[0]], expected(case, es.object_encoding)), case[0]


def test_ints_and_floats_stay_apart(es: SecureSocket) -> None:
    got = echo(es, [3, 3.0, 2**28 - 1, 2**28])
    if es.object_encoding == 3:
        assert [type(x) for x in got] == [int, float, int, float]
    else:
        assert [type(x) for x in got] == [float] * 4
    assert got == [3, 3.0, 2**28 - 1, 2**28]


def test_datetime_precision(es: SecureSocket) -> None:
    ms = datetime(2009, 8, 19, 10, 4, 43, 985000, tzinfo=UTC)
    sent = [
        ms,
        ms.replace(microsecond=985999),  # below a millisecond: dropped
        ms.replace(tzinfo=None),  # naive: UTC
        ms.astimezone(timezone(timedelta(hours=9, minutes=30))),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    got = echo(es, sent)
    assert got[:4] == [ms] * 4
    assert all(d.tzinfo is UTC for d in got)
    assert got[4:] == [sent[4], sent[5], sent[6].replace(microsecond=999000)]


def test_cycles(es: SecureSocket) -> None:
    d: dict[str, Any] = {"name": "root"}
    d["self"] = d
    got = echo(es, d)
    assert got["self"] is got and got["name"] == "root"

    lst: list[Any] = [1]
    lst.append(lst)
    got = echo(es, lst)
    assert got[1] is got

    node = TypedObject("com.x.Node", {"next": None})
    node["next"] = node
    got = echo(es, node)
    assert got["next"] is got and got.class_name == "com.x.Node"

    ac = ArrayCollection([])
    ac.source.append(ac)
    got = echo(es, ac)
    assert got.source[0] is got

    dic = Dictionary([])
    dic.entries.append((dic, dic))
    got = echo(es, dic)
    assert got.entries[0][0] is got and got.entries[0][1] is got

    # Two objects that hold each other.
    a: dict[str, Any] = {}
    b: dict[str, Any] = {"a": a}
    a["b"] = b
    got = echo(es, [a, b])
    assert got[0]["b"] is got[1] and got[1]["a"] is got[0]


def test_shared_references(es: SecureSocket) -> None:
    shared = {"k": 1}
    ba = bytearray(b"xy")
    vec = Vector("int", [1])
    dt = datetime(2020, 1, 1, tzinfo=UTC)
    x = XML("<a/>")
    bs = b"value"
    got = echo(es, [shared, shared, {"again": shared}, ba, ba, vec, vec, dt, dt, x, x, bs, bs])
    assert got[0] is got[1] is got[2]["again"]
    assert got[3] is got[4] and got[5] is got[6]  # AMF3 values inside AMF0 keep theirs
    assert got[11] == got[12] == bs and got[11] is not got[12]  # bytes are values
    if es.object_encoding == 3:
        assert got[7] is got[8] and got[9] is got[10]
    else:
        # AMF0 has no references to Dates or XML: equal copies.
        assert got[7] == got[8] == dt and got[7] is not got[8]
        assert got[9] == got[10] == XML("<a/>", document=True) and got[9] is not got[10]
    # Equal but distinct objects stay distinct.
    got = echo(es, [{"k": 1}, {"k": 1}])
    assert got[0] == got[1] and got[0] is not got[1]


def test_deep_nesting(es: SecureSocket) -> None:
    v: Any = "leaf"
    for i in range(200):
        v = TypedObject("N", {"c": v}) if i % 2 else [v]
    got = echo(es, v)
    depth = 0
    while not isinstance(got, str):
        got = got[0] if isinstance(got, list) else (got.sealed or got.dynamic)["c"]
        depth += 1
    assert depth == 200 and got == "leaf"


def test_partial_value_is_eof_and_consumes_nothing(es: SecureSocket) -> None:
    value = {"a": [1, 2, 3], "when": STAMP, "text": "hello " * 20, "p": POINT}
    # The AMF bytes, from the library's own encoder through the echo.
    es.write_object(value)
    n = es.bytes_pending
    es.flush()
    wait_available(es, n)
    amf = es.read_bytes(n)
    half = n // 2
    es.write_bytes(amf, 0, half)
    es.flush()
    wait_available(es, half)
    for _ in range(2):
        with pytest.raises(EndOfFileError) as e:
            es.read_object()
        assert e.value.error_id == 2030
        assert es.bytes_available == half
    es.write_bytes(amf, half)
    es.flush()
    wait_available(es, n)
    got = es.read_object()
    want = echo(es, value)  # what this encoding gives for it
    assert same(got, want)
    assert es.bytes_available == 0


def test_malformed_input_is_range_error(es: SecureSocket) -> None:
    # AMF3: an object whose trait reference names no trait. AMF0: an unknown
    # type marker. Nothing is consumed: the bytes stay until read otherwise.
    bad = b"\x0a\x07\x00" if es.object_encoding == 3 else b"\x42\x00\x00"
    es.write_bytes(bad)
    es.flush()
    wait_available(es, len(bad))
    with pytest.raises(RangeError) as e:
        es.read_object()
    assert e.value.error_id == 2006 and "offset" in e.value.message
    assert es.bytes_available == len(bad)
    assert es.read_bytes(len(bad)) == bad


@pytest.mark.parametrize(
    "value",
    [{1, 2}, object(), [1, "ok", {"deep": [set()]}], {1: "x"}, date(2025, 1, 1), Vector("uint", [1.5])],
    ids=repr,
)
def test_unencodable_writes_nothing(es: SecureSocket, value: Any) -> None:
    with pytest.raises(TypeError):
        es.write_object(value)
    assert es.bytes_pending == 0


@pytest.mark.parametrize(
    "value",
    [
        10**400,
        Vector("int", [2**31]),
        Vector("uint", [-1]),
        SmallMessage("XYZ"),
        SmallMessage("DSK", {"nonsense": 1}),
    ],
    ids=repr,
)
def test_rejected_value_writes_nothing(es: SecureSocket, value: Any) -> None:
    with pytest.raises(ArgumentError) as e:
        es.write_object([1, value])
    assert e.value.error_id == 2004
    assert es.bytes_pending == 0


@pytest.mark.parametrize("value", [{"": 1}, ECMAArray([], {"": 1})], ids=repr)
def test_empty_member_name(es: SecureSocket, value: Any) -> None:
    """AMF3 cannot carry the name "" (01 ends the member list): refused,
    nothing written. AMF0 can (00 00 then the value): it comes back."""
    if es.object_encoding == 3:
        with pytest.raises(ArgumentError) as e:
            es.write_object([1, value])
        assert e.value.error_id == 2004
        assert es.bytes_pending == 0
    else:
        assert same(echo(es, value), {"": 1.0} if isinstance(value, dict) else ECMAArray([], {"": 1.0}))


def test_lone_surrogates_arrive_replaced(es: SecureSocket) -> None:
    assert echo(es, "a\ud800b") == "a\ufffdb"


def test_not_open(sock: SecureSocket) -> None:
    with pytest.raises(InvalidSocketError):
        sock.read_object()
    with pytest.raises(InvalidSocketError):
        sock.write_object({"a": 1})
    with pytest.raises(TypeError):  # a bad value is found before the socket is asked
        sock.write_object({1, 2})
