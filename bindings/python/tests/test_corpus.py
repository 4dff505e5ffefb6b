"""The shared AMF corpus (tests/corpus/amf-json.json), also run by core/amf
and the Node tests: each case both ways, without a network (tagged JSON <->
Python value) and through the lab's echo server (AMF bytes -> read_object,
write_object -> AMF bytes). A case added to the file runs here too.

The corpus describes the Python value of each case in a neutral notation
(its "native" key, in the notation the file describes); describe() below writes a Python
value in that notation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from labutil import ROOT, Lab, connect
from test_object import wait_available

from securesocket import (
    XML,
    ArrayCollection,
    ArrayList,
    Date,
    Dictionary,
    ECMAArray,
    ObjectProxy,
    SecureSocket,
    SmallMessage,
    TypedObject,
    Undefined,
    Vector,
)
from securesocket._amf import _EPOCH, _MS, _TAG_READERS, from_json, to_json

CORPUS = json.loads((ROOT / "tests" / "corpus" / "amf-json.json").read_text(encoding="utf-8"))
CASES = CORPUS["cases"]


def case_ids(c: dict[str, Any]) -> str:
    return str(c["id"])


def _float(f: float) -> Any:
    if math.isfinite(f):
        return f
    return {"$t": "float", "value": "NaN" if math.isnan(f) else ("Infinity" if f > 0 else "-Infinity")}


def _ms(ms: float) -> Any:
    return "NaN" if math.isnan(ms) else ms


def describe(v: Any) -> Any:
    """v in the corpus's neutral notation; an object reached more than once
    is {"$t": "shared", ...} the first time and {"$t": "ref", ...} after."""
    counts: dict[int, int] = {}

    def count(x: Any) -> None:
        if isinstance(x, (str, int, float, bool)) or x is None or x is Undefined or x == b"":
            return
        counts[id(x)] = counts.get(id(x), 0) + 1
        if counts[id(x)] > 1:
            return
        for c in children(x):
            count(c)

    ids: dict[int, int] = {}

    def desc(x: Any) -> Any:
        if counts.get(id(x), 0) > 1 and not isinstance(x, (str, int, float, bool)):
            if id(x) in ids:
                return {"$t": "ref", "id": ids[id(x)]}
            n = ids[id(x)] = len(ids)
            return {"$t": "shared", "id": n, "value": plain(x)}
        return plain(x)

    def members(m: dict[str, Any]) -> dict[str, Any]:
        return {k: desc(c) for k, c in m.items()}

    def plain(x: Any) -> Any:
        if x is None or isinstance(x, bool) or type(x) is int or type(x) is str:
            return x
        if x is Undefined:
            return {"$t": "undefined"}
        if type(x) is float:
            return _float(x)
        if isinstance(x, XML):
            return {"$t": "XML", "text": x.text, "document": x.document}
        if type(x) is list:
            return [desc(c) for c in x]
        if type(x) is dict:
            return members(x)
        if type(x) is bytes:
            return {"$t": "bytes", "hex": x.hex()}
        if isinstance(x, datetime):
            ms = (x - _EPOCH) / _MS
            return {"$t": "date", "ms": int(ms) if ms.is_integer() else ms}
        if isinstance(x, Date):
            return {"$t": "Date", "ms": _ms(x.ms)}
        if isinstance(x, ECMAArray):
            return {"$t": "ECMAArray", "dense": [desc(c) for c in x.dense], "assoc": members(x.assoc)}
        if isinstance(x, TypedObject):
            dyn = None if x.dynamic is None else members(x.dynamic)
            return {"$t": "TypedObject", "class": x.class_name, "sealed": members(x.sealed), "dynamic": dyn}
        if isinstance(x, Vector):
            items = [desc(c) for c in x.items]
            return {"$t": "Vector", "kind": x.kind, "fixed": x.fixed, "type": x.type_name or "", "items": items}
        if isinstance(x, Dictionary):
            return {"$t": "Dictionary", "weak": x.weak, "entries": [[desc(k), desc(c)] for k, c in x.entries]}
        if isinstance(x, (ArrayCollection, ArrayList)):
            return {"$t": type(x).__name__, "source": desc(x.source)}
        if isinstance(x, ObjectProxy):
            return {"$t": "ObjectProxy", "object": desc(x.object)}
        if isinstance(x, SmallMessage):
            return {"$t": "SmallMessage", "class": x.class_name, "fields": members(x.fields)}
        raise AssertionError(f"describe(): no rule for {type(x)}")

    count(v)
    return desc(v)


def children(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, dict):
        return list(x.values())
    if isinstance(x, ECMAArray):
        return list(x.assoc.values()) + x.dense
    if isinstance(x, TypedObject):
        return list(x.sealed.values()) + list((x.dynamic or {}).values())
    if isinstance(x, Vector):
        return x.items
    if isinstance(x, Dictionary):
        return [c for e in x.entries for c in e]
    if isinstance(x, (ArrayCollection, ArrayList)):
        return [x.source]
    if isinstance(x, ObjectProxy):
        return [x.object]
    if isinstance(x, SmallMessage):
        return list(x.fields.values())
    return []


def same(a: Any, b: Any) -> bool:
    """JSON trees equal with types (1 is not 1.0), dict order and the sign of
    zero."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def test_describe_helper() -> None:
    assert not same(describe([1]), [1.0]) and same(describe([1.0, -0.0]), [1.0, -0.0])
    assert not same(describe({"a": 1, "b": 2}), {"b": 2, "a": 1})
    d: dict[str, Any] = {}
    d["self"] = d
    assert describe([d]) == [{"$t": "shared", "id": 0, "value": {"self": {"$t": "ref", "id": 0}}}]


def test_tag_table_matches_core() -> None:
    """The tags this binding reads are core/amf's (the corpus holds its list,
    which core/amf's TestCorpusTags checks against its own table)."""
    assert sorted(_TAG_READERS) == sorted(CORPUS["tags"])


def native(case: dict[str, Any]) -> Any:
    return case.get("py_native", case["native"])


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_from_json(case: dict[str, Any]) -> None:
    got = describe(from_json(json.dumps(case["json"], ensure_ascii=False)))
    assert same(got, native(case)), f"got {got!r}"


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_to_json(case: dict[str, Any]) -> None:
    text = to_json(from_json(json.dumps(case["json"], ensure_ascii=False)))
    got = json.loads(text)
    assert same(got, case.get("py_json", case["json"])), f"got {text}"


@pytest.fixture(scope="module")
def echo_sock(lab: Lab) -> Iterator[SecureSocket]:
    s = SecureSocket()
    connect(s, lab, "echo")
    yield s
    s.free()


def _roundtrip(sock: SecureSocket, case: dict[str, Any], data: bytes) -> None:
    sock.object_encoding = case["encoding"]
    assert sock.bytes_available == 0 and sock.bytes_pending == 0
    sock.write_bytes(data)
    sock.flush()
    wait_available(sock, len(data))


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_read_object(echo_sock: SecureSocket, case: dict[str, Any]) -> None:
    """The AMF bytes, read by the library: the corpus's Python value."""
    _roundtrip(echo_sock, case, bytes.fromhex(case["hex"]))
    got = describe(echo_sock.read_object())
    assert echo_sock.bytes_available == 0
    assert same(got, native(case)), f"got {got!r}"


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_write_object(echo_sock: SecureSocket, case: dict[str, Any]) -> None:
    """The Python value, written by the library: the corpus's AMF bytes."""
    echo_sock.object_encoding = case["encoding"]
    value = from_json(json.dumps(case["json"], ensure_ascii=False))
    echo_sock.write_object(value)
    n = echo_sock.bytes_pending
    echo_sock.flush()
    wait_available(echo_sock, n)
    got = echo_sock.read_bytes(n).hex()
    assert got == case.get("py_hex", case.get("reencoded", case["hex"]))
