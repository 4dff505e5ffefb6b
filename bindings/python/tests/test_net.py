"""Against the lab: certificates, typed data, EOF, timeouts, close, bulk, trust."""

from __future__ import annotations

import array
import dataclasses
import math
import struct
import time
import tracemalloc
from datetime import datetime, timezone

import pytest
from labutil import Lab, Recorder, connect, pattern, wait_for

import securesocket
from securesocket import (
    CertificateStatus,
    EndOfFileError,
    Endian,
    InvalidSocketError,
    RangeError,
    SecureSocket,
    TLSVersion,
)

def test_certificate_matrix(lab: Lab) -> None:
    """Every scenario whose outcome the lab publishes (its "expect": the one
    matrix every suite reads) gives that status and detail."""
    assert len(lab.expect) >= 10
    for scenario, want in sorted(lab.expect.items()):
        with SecureSocket() as sock:
            try:
                _check_outcome(lab, sock, scenario, want["status"], want["detail"])
            except AssertionError as e:
                raise AssertionError(f"{scenario}: {e}") from e


def _check_outcome(lab: Lab, sock: SecureSocket, scenario: str, status: str, detail_has: str) -> None:
    if scenario == "silent":
        sock.timeout = 500
    rec = Recorder(sock)
    sock.connect(lab.host, lab.port(scenario))
    # No outcome event before connect() returns (listeners run only inside
    # dispatch); `connected` itself may already be true if the handshake
    # finished meanwhile, so it is not checked here.
    assert rec.events == []
    wait_for(rec.has("connect", "ioError"), 15)
    securesocket.dispatch(0.05)  # anything more would be a second outcome
    outcomes = [e for e in rec.events if e.type in ("connect", "ioError", "securityError")]
    assert len(outcomes) == 1, rec.events
    ev = outcomes[0]
    assert ev.target is sock
    assert sock.server_certificate_status == status
    if status == CertificateStatus.TRUSTED:
        assert ev.type == "connect" and type(ev) is securesocket.Event
        assert sock.connected and sock.failure_detail == ""
    else:
        assert isinstance(ev, securesocket.IOErrorEvent), ev
        assert ev.type == "ioError" and ev.error_id == 2031
        assert ev.text == f"Error #2031: Socket Error. URL: {lab.host}"
        assert ev.detail and ev.detail == sock.failure_detail
        if detail_has:
            assert detail_has in ev.detail
        assert not sock.connected


def test_connection_properties(lab: Lab, sock: SecureSocket) -> None:
    connect(sock, lab, "echo")
    assert sock.connected
    assert sock.remote_address == "127.0.0.1" and sock.remote_port == lab.port("echo")
    assert sock.local_address == "127.0.0.1" and 0 < sock.local_port < 65536
    assert sock.tls_version in ("TLSv1.2", "TLSv1.3")
    assert repr(sock).startswith("<SecureSocket connected to 127.0.0.1:")
    chain = sock.server_certificate_chain
    assert len(chain) >= 2 and chain[0].subject.common_name == "localhost"
    leaf = sock.server_certificate
    assert leaf == chain[0]
    # A proper object, as Node's: bytes, aware UTC datetimes, snake_case.
    assert isinstance(leaf, securesocket.X509Certificate)
    assert leaf.valid_not_before.tzinfo is not None
    assert leaf.valid_not_before < datetime.now(timezone.utc) < leaf.valid_not_after
    assert leaf.version == 2 and int(leaf.serial_number, 16) > 0
    assert leaf.issuer.common_name == chain[1].subject.common_name
    assert isinstance(leaf.subject, securesocket.X500DistinguishedName) and "CN=localhost" in leaf.subject.dn
    assert leaf.signature_algorithm_oid.startswith("1.2.840.10045.4.3")  # ECDSA with SHA-2
    with pytest.raises(dataclasses.FrozenInstanceError):
        leaf.version = 3  # type: ignore[misc]
    der = sock.server_certificate_der(0)
    assert der[0] == 0x30 and leaf.encoded == der
    with pytest.raises(RangeError):
        sock.server_certificate_der(len(chain))
    with pytest.raises(RangeError):  # not wrapped to index 0 by ctypes
        sock.server_certificate_der(2**64)
    sock.close()
    assert not sock.connected
    assert sock.server_certificate_status == "trusted"  # close() keeps it
    with pytest.raises(InvalidSocketError):
        sock.close()  # AS3: closing a socket that is not open is #2002


def test_typed_payload(lab: Lab, sock: SecureSocket) -> None:
    connect(sock, lab, "typed")
    wait_for(lambda: sock.bytes_available >= 96)
    assert sock.bytes_available == 96
    assert sock.read_boolean() is True
    assert sock.read_boolean() is False
    assert sock.read_byte() == -1
    assert sock.read_unsigned_byte() == 200
    assert sock.read_short() == -30562
    assert sock.read_unsigned_short() == 65535
    assert sock.read_int() == -123456789
    assert sock.read_unsigned_int() == 4000565000
    assert sock.read_float() == 76.6500015258789 == struct.unpack(">f", struct.pack(">f", 76.65))[0]
    assert sock.read_double() == 3.141592653589793
    assert sock.read_utf() == "héllo wörld"
    assert sock.read_utf_bytes(7) == "Text"  # BOM dropped
    assert sock.read_utf_bytes(7) == "ABC"  # stops at NUL, consumes 7
    sock.endian = Endian.LITTLE_ENDIAN
    assert sock.read_short() == -30562
    assert sock.read_unsigned_short() == 65535
    assert sock.read_int() == -123456789
    assert sock.read_unsigned_int() == 4000565000
    assert sock.read_float() == 76.6500015258789
    assert sock.read_double() == math.pi
    assert sock.read_utf() == "héllo wörld"
    assert sock.bytes_available == 0


def test_eof_consumes_nothing(lab: Lab, sock: SecureSocket) -> None:
    connect(sock, lab, "typed")
    wait_for(lambda: sock.bytes_available >= 96)
    head = sock.read_bytes(28)  # up to the readUTF length
    assert head[:4] == bytes.fromhex("0100ffc8")
    rest = sock.read_bytes(96 - 28 - 1)
    assert sock.bytes_available == 1
    for read in (sock.read_short, sock.read_int, sock.read_double, sock.read_utf, lambda: sock.read_bytes(2)):
        with pytest.raises(EndOfFileError) as ei:
            read()
        assert ei.value.error_id == 2030 and isinstance(ei.value, EOFError)
        assert ei.value.message.startswith("Error #2030: End of file was encountered.")
        assert sock.bytes_available == 1
    # A read that cannot succeed allocates nothing first (1 GB here, which
    # would cost a GB before the #2030); over 2 GiB is #2006, as in the
    # library.
    tracemalloc.start()
    try:
        with pytest.raises(EndOfFileError):
            sock.read_bytes(10**9)
        assert tracemalloc.get_traced_memory()[1] < 1 << 20
    finally:
        tracemalloc.stop()
    with pytest.raises(RangeError):
        sock.read_bytes(2**40)
    assert sock.bytes_available == 1
    with pytest.raises(RangeError) as er:
        sock.read_bytes_into(bytearray(1), 2)  # longer than the buffer
    assert er.value.error_id == 2006 and sock.bytes_available == 1
    assert sock.read_bytes_into(bytearray(0)) == 0  # length 0, nothing fits
    assert sock.read_unsigned_byte() == 0x64  # the last byte: "d"
    assert len(rest) == 67


def _write_all_types(sock: SecureSocket) -> bytes:
    """Writes one of each type; returns the bytes of the raw parts."""
    sock.write_boolean(True)
    sock.write_boolean(0)
    sock.write_byte(-1)
    sock.write_byte(256)  # low 8 bits: 00
    sock.write_short(-30562)
    sock.write_short(65535)  # FF FF
    sock.write_int(-123456789)
    sock.write_int(2**32 + 7)  # modulo 2**32, as AS3's ToInt32
    sock.write_unsigned_int(4000565000)
    sock.write_float(76.65)
    sock.write_double(math.pi)
    sock.write_utf("héllo wörld")
    sock.write_utf_bytes("ünïcode")
    sock.write_multi_byte("é", "iso-8859-1")
    raw = bytes(range(10))
    sock.write_bytes(raw, 2, 3)  # 02 03 04
    sock.write_bytes(bytearray(raw), 8)  # 08 09
    sock.write_bytes(memoryview(raw)[1:3])  # read-only view: 01 02
    sock.write_bytes(array.array("H", [0x0102]))  # native order, 2 bytes
    return bytes([2, 3, 4, 8, 9, 1, 2]) + array.array("H", [0x0102]).tobytes()


@pytest.mark.parametrize("endian", [Endian.BIG_ENDIAN, Endian.LITTLE_ENDIAN])
def test_echo_round_trip(lab: Lab, sock: SecureSocket, endian: str) -> None:
    connect(sock, lab, "echo")
    sock.endian = endian
    raw = _write_all_types(sock)
    pending = sock.bytes_pending
    assert pending > 0
    sock.flush()
    wait_for(lambda: sock.bytes_available >= pending)
    assert sock.bytes_available == pending
    assert sock.read_boolean() is True
    assert sock.read_boolean() is False
    assert sock.read_byte() == -1
    assert sock.read_byte() == 0
    assert sock.read_short() == -30562
    assert sock.read_short() == -1
    assert sock.read_int() == -123456789
    assert sock.read_int() == 7
    assert sock.read_unsigned_int() == 4000565000
    assert sock.read_float() == 76.6500015258789
    assert sock.read_double() == math.pi
    assert sock.read_utf() == "héllo wörld"
    assert sock.read_utf_bytes(len("ünïcode".encode())) == "ünïcode"
    assert sock.read_multi_byte(1, "iso-8859-1") == "é"
    assert sock.read_bytes(len(raw)) == raw
    assert sock.bytes_available == 0


def test_endian_changes_the_bytes(lab: Lab, sock: SecureSocket) -> None:
    connect(sock, lab, "echo")
    sock.write_int(0x01020304)
    sock.endian = "littleEndian"
    sock.write_int(0x01020304)
    sock.write_utf("ab")
    sock.flush()
    wait_for(lambda: sock.bytes_available >= 12)
    assert sock.read_bytes() == bytes.fromhex("01020304 04030201 0200 6162")


def test_write_utf_too_long_writes_nothing(lab: Lab, sock: SecureSocket) -> None:
    connect(sock, lab, "echo")
    with pytest.raises(RangeError) as ei:
        sock.write_utf("x" * 65536)
    assert ei.value.error_id == 2006 and isinstance(ei.value, ValueError)
    assert sock.bytes_pending == 0
    with pytest.raises(RangeError):
        sock.write_bytes(b"abc", 4)
    assert sock.bytes_pending == 0


def test_read_bytes_into_buffers(lab: Lab, sock: SecureSocket) -> None:
    connect(sock, lab, "echo")
    sock.write_bytes(pattern(64))
    sock.flush()
    wait_for(lambda: sock.bytes_available >= 64)
    buf = bytearray(16)
    assert sock.read_bytes_into(buf, 4) == 4 and buf[:4] == pattern(4)
    mv = memoryview(buf)
    assert sock.read_bytes_into(mv[4:], 4) == 4 and buf[4:8] == pattern(8)[4:]
    arr = array.array("B", bytes(8))
    assert sock.read_bytes_into(arr) == 8 and arr.tobytes() == pattern(16)[8:]
    wide = memoryview(array.array("H", bytes(8)))  # a view of 2-byte items: 8 bytes
    assert sock.read_bytes_into(wide) == 8 and wide.tobytes() == pattern(24)[16:]
    big = bytearray(1000)
    assert sock.read_bytes_into(big) == 40 and big[:40] == pattern(64)[24:]
    assert sock.read_bytes_into(big) == 0


def test_read_bytes_as3_form(lab: Lab, sock: SecureSocket) -> None:
    """AS3's readBytes(bytes, offset, length) for ported code: a bytearray
    grows as a ByteArray does; a fixed buffer that is too small is #2006."""
    connect(sock, lab, "echo")
    sock.write_bytes(pattern(40))
    sock.flush()
    wait_for(lambda: sock.bytes_available >= 40)
    ba = bytearray(b"xy")
    assert sock.read_bytes(ba, 0, 5) is None
    assert ba == pattern(5)  # written at 0, grown from 2 to 5
    ba = bytearray(b"ab")
    sock.read_bytes(ba, 4, 3)  # past the end: zero-filled, as a ByteArray
    assert ba == b"ab\x00\x00" + pattern(8)[5:]
    with pytest.raises(EndOfFileError):
        sock.read_bytes(memoryview(bytearray(64)), 0, 33)  # 32 are there
    fixed = memoryview(bytearray(6))
    with pytest.raises(RangeError):
        sock.read_bytes(fixed, 7, 1)  # offset past the buffer
    with pytest.raises(RangeError):
        sock.read_bytes(fixed)  # 32 available do not fit in 6
    assert sock.bytes_available == 32  # nothing consumed
    sock.read_bytes(fixed, 2, 4)
    assert bytes(fixed) == b"\x00\x00" + pattern(12)[8:]
    rest = bytearray()
    sock.read_bytes(rest)  # length 0: everything available
    assert rest == pattern(40)[12:]
    sock.read_bytes(rest, 0, 0)  # nothing left: no change, no error
    assert len(rest) == 28
    # The number-first form still returns new bytes.
    assert sock.read_bytes() == b""


def test_addresses_are_none_when_not_connected(lab: Lab, sock: SecureSocket) -> None:
    assert sock.local_address is None and sock.remote_address is None
    connect(sock, lab, "echo")
    assert sock.remote_address == "127.0.0.1"
    assert sock.bytes_pending == 0
    sock.close()
    assert sock.local_address is None and sock.remote_address is None
    assert sock.bytes_pending == 0  # no #2002 once it has connected


def test_timeout_on_silent(lab: Lab, sock: SecureSocket) -> None:
    sock.timeout = 300
    rec = Recorder(sock)
    start = time.monotonic()
    sock.connect(lab.host, lab.port("silent"))
    wait_for(rec.has("ioError", "connect"), 10)
    elapsed = time.monotonic() - start
    ev = rec.events[-1]
    assert ev.type == "ioError" and "timed out" in ev.detail
    assert sock.server_certificate_status == "unknown"
    assert 0.25 <= elapsed < 5, elapsed


def test_peer_close(lab: Lab, sock: SecureSocket) -> None:
    rec = connect(sock, lab, "closeAfter")
    wait_for(rec.has("close"))
    close = rec.of("close")[0]
    assert type(close) is securesocket.Event and close.target is sock
    assert sock.connected is False
    # The data stays readable after the server's close.
    assert sock.bytes_available == 1000
    assert sum(e.bytes_loaded for e in rec.of("socketData")) == 1000
    assert all(e.bytes_total == 0 for e in rec.of("socketData"))
    assert sock.read_bytes(1000) == pattern(1000)
    with pytest.raises(InvalidSocketError):
        sock.read_int()
    with pytest.raises(InvalidSocketError):
        sock.write_int(1)
    with pytest.raises(InvalidSocketError):
        sock.close()
    assert rec.types().count("close") == 1


def test_output_progress(lab: Lab, sock: SecureSocket) -> None:
    rec = connect(sock, lab, "sink")
    n = 256 * 1024
    sock.write_bytes(struct.pack(">Q", n))
    sock.write_bytes(pattern(n))
    sock.flush()
    wait_for(lambda: sock.bytes_available >= 9)
    assert sock.read_bytes(9) == struct.pack(">Q", n) + b"\x01"
    wait_for(lambda: rec.of("outputProgress") and rec.of("outputProgress")[-1].bytes_pending == 0)
    last = rec.of("outputProgress")[-1]
    assert isinstance(last, securesocket.OutputProgressEvent)
    assert last.bytes_total >= n + 8
    assert sock.bytes_pending == 0


def test_bulk_download(lab: Lab, sock: SecureSocket) -> None:
    connect(sock, lab, "source")
    n = 8 * 1024 * 1024
    sock.write_bytes(struct.pack(">Q", n))
    sock.flush()
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0

    def pull() -> bool:
        nonlocal got
        got += sock.read_bytes_into(view[got:])
        return got >= n

    wait_for(pull, 30)
    assert buf == pattern(n)


def test_tls10_needs_opt_in(lab: Lab, sock: SecureSocket) -> None:
    sock.min_tls_version = TLSVersion.TLSv1
    connect(sock, lab, "tls10")
    assert sock.tls_version == "TLSv1.0"


def test_extra_anchor_and_pins(lab: Lab) -> None:
    with SecureSocket() as s:
        s.add_binary_chain_building_certificate(lab.read("untrusted_root_der"), True)
        connect(s, lab, "untrustedRoot")
    with pytest.raises(securesocket.ArgumentError):
        SecureSocket().add_binary_chain_building_certificate(b"not a certificate", True)
    root_pin = SecureSocket.public_key_pin(lab.read("root_der"))
    assert len(root_pin) == 32
    with pytest.raises(securesocket.ArgumentError):
        SecureSocket.public_key_pin(b"junk")
    with SecureSocket() as s:
        s.add_public_key_pin(root_pin)
        connect(s, lab, "trusted")
    with SecureSocket() as s:
        s.add_public_key_pin(bytes(32))  # nobody's key
        rec = Recorder(s)
        s.connect(lab.host, lab.port("trusted"))
        wait_for(rec.has("ioError", "connect"))
        assert rec.events[-1].type == "ioError"
        assert s.server_certificate_status == "untrustedSigners"
        s.clear_public_key_pins()
        connect(s, lab, "trusted")


def test_client_certificate(lab: Lab) -> None:
    with SecureSocket() as s:
        s.set_client_certificate(lab.read("client_cert_pem"), lab.read("client_key_encrypted_pem"), "lab-secret")
        connect(s, lab, "clientCertOptional")
        wait_for(lambda: s.bytes_available >= len(b"client: securesocket lab client\n"))
        assert s.read_utf_bytes(s.bytes_available) == "client: securesocket lab client\n"
    with SecureSocket() as s, pytest.raises(securesocket.ArgumentError):
        s.set_client_certificate(lab.read("client_cert_pem"), lab.read("client_key_encrypted_pem"), "wrong")


def test_session_resumption(lab: Lab) -> None:
    """On by default: a second connection with the same settings resumes and
    is trusted as before; session_cache = False makes a full handshake."""

    def echo_one(s: SecureSocket) -> None:
        s.write_byte(5)
        s.flush()
        wait_for(lambda: s.bytes_available >= 1)  # the session ticket came first
        assert s.read_byte() == 5

    socks = [SecureSocket() for _ in range(3)]
    try:
        first, second, off = socks
        assert first.session_cache is True and first.session_resumed is False
        connect(first, lab, "echo")
        echo_one(first)
        first.close()
        connect(second, lab, "echo")
        assert second.session_resumed is True
        assert second.server_certificate_status == "trusted"
        echo_one(second)
        off.session_cache = False
        assert off.session_cache is False
        connect(off, lab, "echo")
        assert off.session_resumed is False
        assert off.server_certificate_chain == second.server_certificate_chain
    finally:
        for s in socks:
            s.free()
