"""The API without a network: defaults, setters, errors, lifecycle, misuse."""

from __future__ import annotations

import gc
import os
import pickle
import ssl
import sys
import weakref

import pytest
from labutil import Lab, Recorder, wait_for

import securesocket
from securesocket import (
    ArgumentError,
    CertificateStatus,
    EndOfFileError,
    Endian,
    Event,
    HandleError,
    InvalidSocketError,
    IOErrorEvent,
    NullParameterError,
    ObjectEncoding,
    OutputProgressEvent,
    ProgressEvent,
    RangeError,
    SecureSocket,
    SecureSocketError,
    SecurityError,
    SecurityErrorEvent,
    SocketIOError,
    TLSVersion,
)
from securesocket._dispatch import hub


def test_constants() -> None:
    assert Event.CONNECT == "connect"
    assert Event.CLOSE == "close"
    assert ProgressEvent.SOCKET_DATA == "socketData"
    assert IOErrorEvent.IO_ERROR == "ioError"
    assert SecurityErrorEvent.SECURITY_ERROR == "securityError"
    assert OutputProgressEvent.OUTPUT_PROGRESS == "outputProgress"
    assert Endian.BIG_ENDIAN == "bigEndian" and Endian.LITTLE_ENDIAN == "littleEndian"
    assert [str(c) for c in CertificateStatus] == [
        "trusted",
        "unknown",
        "expired",
        "notYetValid",
        "invalid",
        "invalidChain",
        "principalMismatch",
        "revoked",
        "untrustedSigners",
    ]
    assert ObjectEncoding.AMF0 == 0 and ObjectEncoding.AMF3 == ObjectEncoding.DEFAULT == 3
    # The same protocol numbers as the ssl module's.
    for v in TLSVersion:
        assert ssl.TLSVersion[v.name] == v


def test_library() -> None:
    assert securesocket.version() == "0.1.0"
    assert SecureSocket.is_supported is True
    assert os.path.basename(securesocket.library_path()) == "libsecuresocket.so.0"
    assert securesocket.event_fd() >= 0


def test_defaults(sock: SecureSocket) -> None:
    assert sock.connected is False
    assert sock.bytes_available == 0
    with pytest.raises(InvalidSocketError):  # AIR: #2002 before the first connect
        sock.bytes_pending  # noqa: B018
    assert sock.endian == Endian.BIG_ENDIAN == "bigEndian"
    assert sock.object_encoding == ObjectEncoding.AMF3
    assert sock.timeout == 20000 == SecureSocket.DEFAULT_TIMEOUT
    assert sock.local_address is None and sock.remote_address is None  # AS3 null
    assert sock.local_port == 0 and sock.remote_port == 0
    assert sock.server_certificate_status == CertificateStatus.UNKNOWN
    assert sock.failure_detail == ""
    assert sock.input_limit == 16 * 1024 * 1024
    assert sock.min_tls_version == TLSVersion.TLSv1_2
    assert sock.tls_version == ""
    assert sock.revocation_mode == "softFail"
    assert sock.server_certificate_chain == []
    assert sock.server_certificate is None
    assert sock.is_supported is True
    assert repr(sock) == "<SecureSocket not connected, certificate unknown>"


def test_setters(sock: SecureSocket) -> None:
    sock.endian = Endian.LITTLE_ENDIAN
    assert sock.endian == "littleEndian"
    sock.endian = "bigEndian"
    assert sock.endian == "bigEndian"
    with pytest.raises(ArgumentError) as ei:
        sock.endian = "BigEndian"  # exactly the AS3 strings
    assert ei.value.error_id == 2008 and isinstance(ei.value, ValueError)
    assert sock.endian == "bigEndian"  # unchanged
    with pytest.raises(NullParameterError):
        sock.endian = None  # type: ignore[assignment]

    sock.object_encoding = ObjectEncoding.AMF0
    assert sock.object_encoding == 0
    with pytest.raises(ArgumentError):
        sock.object_encoding = 1
    with pytest.raises(ValueError):
        sock.object_encoding = -1

    sock.timeout = 1000
    assert sock.timeout == 1000
    sock.timeout = 10  # raised to the AS3 minimum
    assert sock.timeout == 250
    # Set as AS3 sets a uint (ToUint32), as Node does.
    sock.timeout = 2**32 + 1000
    assert sock.timeout == 1000
    sock.timeout = -1
    assert sock.timeout == 2**32 - 1
    sock.timeout = 1500.9
    assert sock.timeout == 1500

    sock.input_limit = 10
    assert sock.input_limit == 1024
    sock.input_limit = 1 << 20
    assert sock.input_limit == 1 << 20

    sock.min_tls_version = ssl.TLSVersion.TLSv1_3  # the ssl module's enum works
    assert sock.min_tls_version == TLSVersion.TLSv1_3
    with pytest.raises(ArgumentError):
        sock.min_tls_version = 0x0300  # SSL 3.0: never

    sock.revocation_mode = securesocket.RevocationMode.HARD_FAIL
    assert sock.revocation_mode == "hardFail"
    with pytest.raises(ArgumentError):
        sock.revocation_mode = "sometimes"


def test_not_open_is_2002(sock: SecureSocket) -> None:
    calls = [
        sock.read_boolean,
        sock.read_byte,
        sock.read_unsigned_byte,
        sock.read_short,
        sock.read_unsigned_short,
        sock.read_int,
        sock.read_unsigned_int,
        sock.read_float,
        sock.read_double,
        sock.read_utf,
        lambda: sock.read_utf_bytes(1),
        lambda: sock.read_multi_byte(1, "utf-8"),
        lambda: sock.read_bytes(1),
        lambda: sock.read_bytes_into(bytearray(4)),
        lambda: sock.write_boolean(True),
        lambda: sock.write_byte(1),
        lambda: sock.write_short(1),
        lambda: sock.write_int(1),
        lambda: sock.write_unsigned_int(1),
        lambda: sock.write_float(1.0),
        lambda: sock.write_double(1.0),
        lambda: sock.write_bytes(b"x"),
        lambda: sock.write_utf("x"),
        lambda: sock.write_utf_bytes("x"),
        lambda: sock.write_multi_byte("x", "utf-8"),
        sock.flush,
        sock.close,
    ]
    for call in calls:
        with pytest.raises(InvalidSocketError) as ei:
            call()
        e = ei.value
        assert e.error_id == 2002 and e.code == -2002 and e.as3_class == "IOError"
        assert str(e) == e.message == "Error #2002: Operation attempted on invalid socket."
        assert e.detail == ""
        assert isinstance(e, SocketIOError) and isinstance(e, OSError)
        assert not isinstance(e, EOFError)


def test_bad_port_is_security_error_2003(sock: SecureSocket) -> None:
    # The port goes through AS3's ToInt32 first, as in Node: these stay
    # outside 0..65535.
    for port in (-1, 65536, 70000, 2**31, 2**40 + 70000, -(2**40) - 1, 2**32 - 1):
        with pytest.raises(SecurityError) as ei:
            sock.connect("localhost", port)
        assert ei.value.error_id == 2003
        assert ei.value.message.startswith("Error #2003: ")
    assert hub.active.get(sock._addr) is None  # a failed connect holds nothing


def test_bad_host(sock: SecureSocket) -> None:
    with pytest.raises(ArgumentError) as ei:
        sock.connect("", 443)
    assert ei.value.error_id == 2004
    # AIR: connect(null, port) is TypeError #1009.
    with pytest.raises(NullParameterError) as ei2:
        sock.connect(None, 443)  # type: ignore[arg-type]
    assert ei2.value.error_id == 1009 and isinstance(ei2.value, TypeError)
    assert str(ei2.value).startswith("Error #1009: Cannot access a property or method of a null object reference.")


def test_port_wraps_as_as3_int(lab: Lab, sock: SecureSocket) -> None:
    # 2**32 + port is port after ToInt32, as AS3 and Node take it.
    rec = Recorder(sock)
    sock.connect(lab.host, 2**32 + lab.port("trusted"))
    wait_for(rec.has("connect", "ioError"), 15)
    assert rec.events[0].type == "connect", rec.events
    assert sock.remote_port == lab.port("trusted")


def test_argument_checks(sock: SecureSocket) -> None:
    with pytest.raises(ValueError):
        sock.read_bytes(-1)
    with pytest.raises(ValueError):
        sock.read_utf_bytes(-1)
    with pytest.raises(ValueError):
        sock.write_bytes(b"abc", offset=2**32)
    with pytest.raises(TypeError):
        sock.read_bytes_into(b"read-only")
    with pytest.raises(TypeError, match="writable"):
        sock.read_bytes_into(memoryview(b"read-only"))
    with pytest.raises(TypeError):  # not contiguous: no address to read into
        sock.read_bytes_into(memoryview(bytearray(8))[::2])
    with pytest.raises(TypeError):
        sock.write_bytes("text")  # type: ignore[arg-type]
    with pytest.raises(UnicodeEncodeError):
        sock.write_utf("\ud800")
    # None where a value is needed: TypeError (NullParameterError is one).
    for call in (
        lambda: sock.write_utf(None),
        lambda: sock.write_utf_bytes(None),
        lambda: sock.write_multi_byte("x", None),
        lambda: sock.read_multi_byte(1, None),
        lambda: sock.write_bytes(None),
        lambda: sock.read_bytes_into(None),
        lambda: sock.add_public_key_pin(None),
        lambda: sock.write_int(None),
        lambda: sock.write_double(None),
    ):
        with pytest.raises((TypeError, securesocket.SecureSocketError)):
            call()


def test_error_texts_come_from_the_library() -> None:
    from securesocket import _errors

    assert _errors.text(-2030) == "Error #2030: End of file was encountered."
    assert _errors.text(2031) == "Error #2031: Socket Error."
    e = _errors.error(-2006, "index 7")
    assert type(e) is RangeError and str(e) == "Error #2006: The supplied index is out of bounds. (index 7)"
    assert e.detail == "index 7"
    with pytest.raises(ArgumentError) as ei:
        SecureSocket.public_key_pin(b"not a certificate")
    assert str(ei.value) == "Error #2004: One of the parameters is invalid. (not one DER certificate)"


def test_error_str_has_the_detail() -> None:
    # An ioError's text has no detail; str() adds it, as CPython's ssl does.
    e = SocketIOError("Error #2031: Socket Error. URL: h", 2031, "connection refused", -2031)
    assert str(e) == "Error #2031: Socket Error. URL: h (connection refused)"
    assert e.message == "Error #2031: Socket Error. URL: h"
    # A library message carries it already: not twice.
    r = securesocket._errors.make(-2006, "Error #2006: The supplied index is out of bounds. (why)", 0)
    assert str(r) == "Error #2006: The supplied index is out of bounds. (why)"


def test_error_classes() -> None:
    e = securesocket._errors.make(-2030, "Error #2030: End of file was encountered.", 0)
    assert type(e) is EndOfFileError
    assert isinstance(e, EOFError) and isinstance(e, OSError) and isinstance(e, SocketIOError)
    assert e.error_id == 2030 and e.as3_class == "EOFError" and e.errno is None
    r = securesocket._errors.make(-2006, "Error #2006: The supplied index is out of bounds. (length (x) too big)", 0)
    assert type(r) is RangeError and isinstance(r, ValueError)
    assert r.detail == "length (x) too big"
    u = securesocket._errors.make(-2999, "Error #2999: Something newer.", 0)
    assert type(u) is SecureSocketError and u.error_id == 2999
    for err in (e, r, u, SocketIOError("Error #2031: Socket Error. URL: h", 2031, "refused", -2031, "unknown")):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and back.message == err.message and back.error_id == err.error_id
        assert back.detail == err.detail
    assert back.certificate_status == "unknown"  # type: ignore[attr-defined]


def test_context_manager_frees() -> None:
    with SecureSocket() as s:
        assert not s.freed
        s.timeout = 500
    assert s.freed
    with pytest.raises(HandleError) as ei:
        _ = s.timeout
    assert ei.value.error_id == 0 and "freed" in ei.value.message
    s.free()  # idempotent
    assert repr(s) == "<SecureSocket freed>"


def test_freed_socket_raises_never_crashes() -> None:
    s = SecureSocket()
    s.add_event_listener(Event.CONNECT, lambda e: None)
    s.free()
    buf = bytearray(8)
    calls = [
        lambda: s.connect("localhost", 1),
        s.close,
        s.flush,
        lambda: s.connected,
        lambda: s.bytes_available,
        lambda: s.bytes_pending,
        lambda: s.endian,
        lambda: setattr(s, "endian", "bigEndian"),
        lambda: s.object_encoding,
        lambda: setattr(s, "timeout", 1000),
        lambda: s.local_address,
        lambda: s.remote_port,
        lambda: s.server_certificate_status,
        lambda: s.failure_detail,
        lambda: s.input_limit,
        lambda: s.min_tls_version,
        lambda: s.tls_version,
        s.read_int,
        s.read_double,
        s.read_utf,
        lambda: s.read_bytes_into(buf),
        lambda: s.read_bytes(4),
        lambda: s.write_int(1),
        lambda: s.write_bytes(buf),
        lambda: s.write_utf("x"),
        lambda: s.add_public_key_pin(bytes(32)),
        lambda: s.server_certificate_chain,
        lambda: s.server_certificate_der(0),
        lambda: s.revocation_status,
    ]
    for call in calls:
        with pytest.raises(HandleError):
            call()
    # The listener registry is plain Python and still works.
    assert s.has_event_listener(Event.CONNECT)


def test_finalizer_frees_unreferenced_socket() -> None:
    s = SecureSocket()
    addr = s._addr
    fin = s._finalizer
    ref = weakref.ref(s)
    del s
    gc.collect()
    assert ref() is None
    assert not fin.alive
    assert addr not in hub.sockets
    # The handle is dead for the library too: a new socket is another handle.
    with SecureSocket() as t:
        assert t._addr != addr


def test_many_sockets_churn() -> None:
    addrs = set()
    for _ in range(200):
        with SecureSocket() as s:
            addrs.add(s._addr)
    assert len(addrs) == 200  # handle values are never reused


def test_event_dispatcher_rules() -> None:
    d = securesocket.EventDispatcher()
    order: list[str] = []

    def a(e: Event) -> None:
        order.append("a")

    def b(e: Event) -> None:
        order.append("b")
        # Removing a listener during dispatch: it still runs for this event.
        d.remove_event_listener("t", c)
        # Adding one during dispatch: it runs from the next event on.
        d.add_event_listener("t", late)

    def c(e: Event) -> None:
        order.append("c")

    def late(e: Event) -> None:
        order.append("late")

    d.add_event_listener("t", a)
    d.add_event_listener("t", b, priority=5)
    d.add_event_listener("t", c, priority=-1)
    d.add_event_listener("t", a, priority=100)  # already registered: ignored
    assert d.has_event_listener("t") and d.will_trigger("t")
    assert not d.has_event_listener("u")
    ev = Event("t")
    assert d.dispatch_event(ev) is True
    assert order == ["b", "a", "c"]
    assert ev.target is d and ev.current_target is d and ev.event_phase == 2
    order.clear()
    # Re-dispatching a dispatched event clones it.
    d.dispatch_event(ev)
    assert order == ["b", "a", "late"]
    d.remove_event_listener("t", a)
    d.remove_event_listener("t", b)
    d.remove_event_listener("t", late)
    d.remove_event_listener("t", late)  # not registered: nothing
    assert not d.has_event_listener("t")
    with pytest.raises(TypeError):
        d.add_event_listener("t", "not callable")  # type: ignore[arg-type]


def test_stop_immediate_propagation_and_prevent_default() -> None:
    d = securesocket.EventDispatcher()
    seen: list[int] = []

    def first(e: Event) -> None:
        seen.append(1)
        e.prevent_default()
        e.stop_immediate_propagation()

    d.add_event_listener("x", first, priority=1)
    d.add_event_listener("x", lambda e: seen.append(2))
    assert d.dispatch_event(Event("x", cancelable=True)) is False
    assert seen == [1]
    assert d.dispatch_event(Event("x", cancelable=False)) is True  # not cancelable


def test_event_repr_and_clone() -> None:
    e = IOErrorEvent(IOErrorEvent.IO_ERROR, text="Error #2031: Socket Error. URL: h", error_id=2031, detail="refused")
    assert repr(e) == (
        '[IOErrorEvent type="ioError" bubbles=false cancelable=false eventPhase=0 '
        'text="Error #2031: Socket Error. URL: h" errorID=2031 detail="refused"]'
    )
    c = e.clone()
    assert type(c) is IOErrorEvent and c.text == e.text and c.error_id == 2031 and c.detail == "refused"
    p = ProgressEvent(ProgressEvent.SOCKET_DATA, bytes_loaded=5)
    assert repr(p).endswith("bytesLoaded=5 bytesTotal=0]")


def test_listener_exception_propagates_from_dispatch_event() -> None:
    d = securesocket.EventDispatcher()
    ran: list[str] = []

    def boom(e: Event) -> None:
        raise RuntimeError("boom")

    d.add_event_listener("x", boom, priority=1)
    d.add_event_listener("x", lambda e: ran.append("second"))
    with pytest.raises(RuntimeError):
        d.dispatch_event(Event("x"))
    assert ran == []


@pytest.mark.skipif(sys.platform != "linux", reason="fork semantics measured on Linux")
def test_fork_child_fails_fast() -> None:
    # The library is loaded (earlier tests); a forked child must get errors,
    # not hang. The alarm turns a hang into a failure.
    live = SecureSocket()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        import signal

        signal.alarm(10)
        code = 0
        try:
            live.read_int()  # a socket from before the fork
            code = 4
        except securesocket.ForkedError:
            pass
        except BaseException:
            code = 5
        if code:
            os._exit(code)
        try:
            SecureSocket()
            code = 1
        except securesocket.ForkedError as e:
            code = 0 if isinstance(e, securesocket.IllegalOperationError) and SecureSocket.is_supported is False else 2
        except BaseException:
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    live.free()
    assert os.WIFEXITED(status), status
    assert os.WEXITSTATUS(status) == 0
