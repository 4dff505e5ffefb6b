"""Rules shared across languages: the header is the one source of codes,
events and status names; a failure nobody listens for is reported."""

from __future__ import annotations

import logging
import re

from labutil import ROOT, Lab, Recorder, wait_for

import securesocket
from securesocket import (
    CertificateStatus,
    Endian,
    RevocationMode,
    RevocationStatus,
    SecureSocket,
    TLSVersion,
    _errors,
    _native,
)

HEADER = ROOT / "include" / "securesocket.h"
_DEFINE = re.compile(r"^#define (SS_[A-Z0-9_]+) +(\S+)[ \t]*(?:/\*(.*))?$", re.M)


def header_defines() -> dict[str, tuple[str, str]]:
    """name -> (value, comment) of every SS_ #define in the header."""
    out = {m[1]: (m[2], (m[3] or "").strip()) for m in _DEFINE.finditer(HEADER.read_text())}
    assert len(out) > 20, "the header's #defines were not found"
    return out


def group(defs: dict[str, tuple[str, str]], prefix: str) -> dict[str, str]:
    return {name: value.strip('"') for name, (value, _) in defs.items() if name.startswith(prefix)}


def test_return_codes_match_the_header() -> None:
    defs = header_defines()
    codes = {name: int(value.strip("()")) for name, value in group(defs, "SS_ERR_").items()}
    # Exactly the header's codes map to a class, the AS3 class its comment names.
    assert set(_errors._BY_CODE) == set(codes.values())
    for name, code in codes.items():
        cls = _errors._BY_CODE[code]
        if code <= -1000:
            assert defs[name][1].startswith(cls.as3_class), (name, cls)
        else:
            assert getattr(_native, name) == code, name
    assert _native.SS_OK == int(defs["SS_OK"][0])
    # Every code has its text in the library.
    for code in codes.values():
        assert "not a code" not in _errors.text(code)


def test_events_and_statuses_match_the_header() -> None:
    defs = header_defines()
    events = group(defs, "SS_EVENT_")
    assert {name: int(v) for name, v in events.items()} == {
        name: getattr(_native, name) for name in events
    }
    assert {n for n in dir(_native) if n.startswith("SS_EVENT_")} == set(events)
    # The AS3 type string opens each comment: the Python event classes use the same.
    names = {re.match(r'"(\w+)"', defs[n][1])[1] for n in events}  # type: ignore[index]
    assert names == {"connect", "close", "socketData", "ioError", "securityError", "outputProgress"}
    assert {securesocket.Event.CONNECT, securesocket.Event.CLOSE, securesocket.ProgressEvent.SOCKET_DATA,
            securesocket.IOErrorEvent.IO_ERROR, securesocket.SecurityErrorEvent.SECURITY_ERROR,
            securesocket.OutputProgressEvent.OUTPUT_PROGRESS} == names

    assert {m.value for m in CertificateStatus} == set(group(defs, "SS_CERT_").values())
    assert {m.value for m in Endian} == {defs["SS_BIG_ENDIAN"][0].strip('"'), defs["SS_LITTLE_ENDIAN"][0].strip('"')}
    revocation = group(defs, "SS_REVOCATION_")
    modes = {revocation[f"SS_REVOCATION_{k}"] for k in ("SOFT_FAIL", "HARD_FAIL", "STAPLE_ONLY", "OFF")}
    assert {m.value for m in RevocationMode} == modes
    assert {m.value for m in RevocationStatus} == set(revocation.values()) - modes
    assert {m.value for m in TLSVersion} == {int(v, 16) for v in group(defs, "SS_TLS1_").values()}


def test_unhandled_io_error_is_logged(lab: Lab, sock: SecureSocket, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.ERROR, logger="securesocket")
    sock.connect(lab.host, lab.port("refused"))
    wait_for(lambda: any("unhandled ioError" in r.getMessage() for r in caplog.records), 10)
    (record,) = [r for r in caplog.records if "unhandled" in r.getMessage()]
    assert record.name == "securesocket" and record.levelno == logging.ERROR
    msg = record.getMessage()
    assert f"Error #2031: Socket Error. URL: {lab.host}" in msg and "refused" in msg
    # With a listener the event is handled: nothing is logged.
    caplog.clear()
    rec = Recorder(sock)
    sock.connect(lab.host, lab.port("refused"))
    wait_for(rec.has("ioError"), 10)
    assert not [r for r in caplog.records if "unhandled" in r.getMessage()]


def test_constructor_raises_illegal_operation_where_unsupported(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The library is always supported here: make it answer as an
    # unsupported one would (ss_socket_new NULL, ss_is_supported 0).
    lib = _native.load()
    monkeypatch.setattr(lib, "ss_socket_new", lambda: None)
    monkeypatch.setattr(lib, "ss_is_supported", lambda: 0)
    try:
        SecureSocket()
    except securesocket.IllegalOperationError as e:
        assert isinstance(e, securesocket.SecureSocketError) and e.as3_class == "IllegalOperationError"
    else:
        raise AssertionError("no IllegalOperationError")


def test_detail_is_split_at_the_library_text() -> None:
    # The library's text for the code is the prefix; a detail may itself
    # hold ". (".
    e = _errors.make(-2006, "Error #2006: The supplied index is out of bounds. (a. (b))", 0)
    assert e.detail == "a. (b)"
    assert str(e) == "Error #2006: The supplied index is out of bounds. (a. (b))"
