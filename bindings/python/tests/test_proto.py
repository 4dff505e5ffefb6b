"""Protocol options and connection facts against the lab: ALPN offered and
chosen (or not), the server name override, version and cipher suite,
TCP_NODELAY read back from the kernel with getsockopt(), the SSLKEYLOGFILE
key log (written by a child process only when the variable is set)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import securesocket
from securesocket import SecureSocket, TLSVersion
from labutil import Lab, Recorder, connect, wait_for


def outcome(sock: SecureSocket, host: str, port: int) -> Recorder:
    rec = Recorder(sock)
    sock.connect(host, port)
    wait_for(rec.has("connect", "ioError"))
    return rec


def first_line(sock: SecureSocket) -> str:
    line = b""
    while not line.endswith(b"\n"):
        wait_for(lambda: sock.bytes_available > 0)
        line += bytes([sock.read_unsigned_byte()])
    return line.decode().rstrip("\n")


@pytest.mark.parametrize(
    "scenario,offer,chosen",
    [
        ("alpn", ["http/1.1", "ss-lab/1"], "ss-lab/1"),
        ("alpn", ["http/1.1"], "http/1.1"),
        ("alpn", [], None),
        ("alpnNone", ["ss-lab/1"], None),
    ],
)
def test_alpn(lab: Lab, sock: SecureSocket, scenario: str, offer: list[str], chosen: str | None) -> None:
    sock.alpn_protocols = offer
    assert sock.alpn_protocols == offer
    connect(sock, lab, scenario)
    assert sock.negotiated_protocol == chosen
    assert first_line(sock) == f"alpn={chosen or ''} sni=localhost"
    sock.close()
    assert sock.negotiated_protocol is None


def test_alpn_refused_and_bad_names(lab: Lab, sock: SecureSocket) -> None:
    sock.alpn_protocols = ["imap"]
    rec = outcome(sock, lab.host, lab.port("alpn"))
    err = rec.of("ioError")
    assert err and "no application protocol" in err[0].detail
    with pytest.raises(securesocket.ArgumentError):
        sock.alpn_protocols = ["x" * 256]
    with pytest.raises(ValueError):
        sock.alpn_protocols = [""]
    with pytest.raises(ValueError):
        sock.alpn_protocols = ["a,b"]
    assert sock.alpn_protocols == ["imap"]
    sock.alpn_protocols = None
    assert sock.alpn_protocols == []


def test_server_name(lab: Lab) -> None:
    with SecureSocket() as s:  # by address, verified for the certificate's name
        s.server_name = "wrong.example"
        assert s.server_name == "wrong.example"
        rec = outcome(s, "127.0.0.1", lab.port("wrongHost"))
        assert rec.of("connect") and s.server_certificate_status == "trusted"
    with SecureSocket() as s:  # the server sees it as SNI
        s.server_name = "localhost"
        outcome(s, "127.0.0.1", lab.port("alpn"))
        assert first_line(s) == "alpn= sni=localhost"
    with SecureSocket() as s:  # a name the certificate lacks: mismatch
        s.server_name = "wrong.example"
        rec = outcome(s, lab.host, lab.port("trusted"))
        assert rec.of("ioError") and "wrong.example" in rec.of("ioError")[0].detail
        assert s.server_certificate_status == "principalMismatch"
        with pytest.raises(securesocket.ArgumentError):
            s.server_name = "not a name"
        s.server_name = None
        assert s.server_name is None


def test_version_and_cipher(lab: Lab, sock: SecureSocket) -> None:
    assert sock.cipher_suite == ""
    connect(sock, lab, "trusted")
    assert sock.tls_version == "TLSv1.3"
    assert sock.cipher_suite in ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
    sock.close()
    assert sock.cipher_suite == ""
    with SecureSocket() as s:
        s.min_tls_version = TLSVersion.TLSv1
        connect(s, lab, "tls10")
        assert s.cipher_suite.startswith("TLS_ECDHE_ECDSA_WITH_AES_")


def kernel_nodelay(sock: SecureSocket) -> bool:
    h = sock.native_handle
    assert h >= 0
    with socket.socket(fileno=os.dup(h)) as view:
        return view.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_tcp_no_delay(lab: Lab, sock: SecureSocket) -> None:
    assert sock.native_handle == -1
    assert sock.tcp_no_delay is True
    connect(sock, lab, "echo")
    assert kernel_nodelay(sock)
    sock.tcp_no_delay = False
    assert sock.tcp_no_delay is False and not kernel_nodelay(sock)
    sock.tcp_no_delay = True
    assert kernel_nodelay(sock)
    sock.tcp_no_delay = False
    connect(sock, lab, "echo")  # a new connection starts with the setting
    assert not kernel_nodelay(sock)
    # The connection still works after the view of its handle was closed.
    sock.write_utf_bytes("still here")
    sock.flush()
    wait_for(lambda: sock.bytes_available >= 10)
    assert sock.read_utf_bytes(10) == "still here"
    sock.close()
    assert sock.native_handle == -1


# A child process: the library's Go runtime reads SSLKEYLOGFILE from the
# environment the process started with.
_KEYLOG_CHILD = """
import sys, securesocket
s = securesocket.SecureSocket()
s.add_event_listener("connect", lambda e: None)
s.connect(sys.argv[1], int(sys.argv[2]))
securesocket.run(until=lambda: s.connected or s.server_certificate_status != "unknown", timeout=10)
assert s.connected, s.failure_detail
s.close()
"""

NSS_LINE = re.compile(
    r"(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0"
    r"|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET|CLIENT_RANDOM) [0-9a-f]{64} [0-9a-f]{64,128}"
)


def test_key_log_only_when_asked(lab: Lab, tmp_path: Path) -> None:
    path = tmp_path / "keys.log"

    def child(keylog: Path | None) -> None:
        env = {k: v for k, v in os.environ.items() if k != "SSLKEYLOGFILE"}
        env["PYTHONPATH"] = str(Path(securesocket.__file__).resolve().parents[1])
        if keylog is not None:
            env["SSLKEYLOGFILE"] = str(keylog)
        subprocess.run(
            [sys.executable, "-c", _KEYLOG_CHILD, lab.host, str(lab.port("trusted"))],
            env=env, check=True, timeout=60,
        )

    child(None)
    assert not path.exists()
    child(path)
    assert path.stat().st_mode & 0o777 == 0o600
    lines = path.read_text().splitlines()
    assert len(lines) >= 4 and all(NSS_LINE.fullmatch(line) for line in lines), lines
    child(path)
    assert len(path.read_text().splitlines()) == 2 * len(lines)  # appended


def _proxy_url(lab: Lab, scheme: str, scenario: str, creds: str | None) -> str:
    from urllib.parse import quote

    user = "" if creds is None else f"{quote(lab.desc['proxy']['user'], safe='')}:{quote(creds, safe='')}@"
    return f"{scheme}://{user}127.0.0.1:{lab.port(scenario)}"


@pytest.mark.parametrize(
    "scheme,scenario,auth",
    [("http", "httpProxy", False), ("http", "httpProxyAuth", True), ("socks5", "socks5Proxy", False),
     ("socks5h", "socks5ProxyAuth", True)],
)
@pytest.mark.parametrize("behind", ["trusted_host", "expired_host"])
def test_proxy(lab: Lab, sock: SecureSocket, scheme: str, scenario: str, auth: bool, behind: str) -> None:
    p = lab.desc["proxy"]
    sock.proxy = _proxy_url(lab, scheme, scenario, p["password"] if auth else None)
    rec = outcome(sock, p[behind], p["port"])
    if behind == "trusted_host":
        assert rec.of("connect") and sock.server_certificate_status == "trusted"
        sock.write_utf_bytes("through the proxy\n")
        sock.flush()
        assert first_line(sock) == "through the proxy"
    else:
        assert rec.of("ioError") and "expired" in rec.of("ioError")[0].detail
        assert sock.server_certificate_status == "expired"


@pytest.mark.parametrize(
    "scheme,scenario,reason", [("http", "httpProxyAuth", "407"), ("socks5", "socks5ProxyAuth", "authentication failed")]
)
def test_proxy_refuses(lab: Lab, sock: SecureSocket, scheme: str, scenario: str, reason: str) -> None:
    p = lab.desc["proxy"]
    sock.proxy = _proxy_url(lab, scheme, scenario, "nope")
    assert sock.proxy is not None and "nope" not in sock.proxy and "xxxxx" in sock.proxy
    rec = outcome(sock, p["trusted_host"], p["port"])
    err = rec.of("ioError")
    assert err and reason in err[0].detail and "proxy 127.0.0.1:" in err[0].detail
    assert sock.server_certificate_status == "unknown"
    with pytest.raises(securesocket.ArgumentError):
        sock.proxy = "https://proxy.example:1"
    sock.proxy = None
    assert sock.proxy is None


def _plain_before_upgrade(lab: Lab, scenario: str) -> securesocket.Socket:
    s = securesocket.Socket()
    assert not isinstance(s, SecureSocket) and isinstance(SecureSocket(), securesocket.Socket)
    connect(s, lab, scenario)
    assert s.server_certificate_status == "unknown" and not s.secure and s.tls_version == ""
    assert first_line(s) == "220 securesocket lab ESMTP\r"
    s.write_utf_bytes("EHLO client\r\n")
    s.flush()
    s.write_utf_bytes("STARTTLS\r\n")  # start_tls flushes it
    s.flush()
    wait_for(lambda: s.bytes_available >= len("250 EHLO client\r\n220 ready\r\n"))
    return s


def test_start_tls(lab: Lab) -> None:
    with _plain_before_upgrade(lab, "starttls") as s:
        rec = Recorder(s)
        s.start_tls(lab.host)
        with pytest.raises(securesocket.SocketIOError):  # no second upgrade
            s.start_tls(lab.host)
        wait_for(rec.has("connect", "ioError"))
        assert rec.types()[-1] == "connect", rec.events
        assert s.secure and s.server_certificate_status == "trusted" and s.tls_version == "TLSv1.3"
        assert first_line(s) == "250 EHLO client\r"  # the plaintext first, in order
        assert first_line(s) == "220 ready\r"
        s.write_utf_bytes("secret after the upgrade\n")
        s.flush()
        assert first_line(s) == "secret after the upgrade"
    with SecureSocket() as s:
        connect(s, lab, "echo")
        with pytest.raises(securesocket.SocketIOError):
            s.start_tls(lab.host)
    with securesocket.Socket() as s, pytest.raises(securesocket.SocketIOError):
        s.start_tls(lab.host)


@pytest.mark.parametrize(
    "scenario,status", [("starttlsExpired", "expired"), ("starttlsWrongHost", "principalMismatch")]
)
def test_start_tls_refused(lab: Lab, scenario: str, status: str) -> None:
    with _plain_before_upgrade(lab, scenario) as s:
        rec = Recorder(s)
        s.start_tls(lab.host)
        wait_for(rec.has("connect", "ioError"))
        err = rec.of("ioError")
        assert err and not rec.of("connect") and err[0].error_id == 2031 and err[0].detail
        assert s.server_certificate_status == status
        assert not s.connected and s.bytes_available == 0
        with pytest.raises(securesocket.SocketIOError):
            s.read_unsigned_byte()


def test_start_tls_async(lab: Lab) -> None:
    import asyncio

    async def main() -> None:
        with _plain_before_upgrade(lab, "starttls") as s:
            await s.start_tls_async(lab.host)
            assert s.secure
        with _plain_before_upgrade(lab, "starttlsExpired") as s:
            with pytest.raises(securesocket.SocketIOError) as info:
                await s.start_tls_async(lab.host)
            assert info.value.certificate_status == "expired"

    asyncio.run(main())


@pytest.mark.parametrize("scenario,code,says", [
    ("starttls", 0, "upgraded to TLSv1.3\nS: hello over TLS\n"),
    ("starttlsExpired", 1, "refused: expired ("),
    ("starttlsWrongHost", 1, "refused: principalMismatch ("),
])
def test_starttls_sample(lab: Lab, scenario: str, code: int, says: str) -> None:
    """docs/starttls.md's Python sample, as it is, against the lab."""
    sample = Path(__file__).resolve().parents[3] / "examples" / "starttls" / "starttls.py"
    env = dict(os.environ, PYTHONPATH=str(Path(securesocket.__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, str(sample), lab.host, str(lab.port(scenario))],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stdout + done.stderr
    assert says in done.stdout
    assert done.stdout.startswith("S: 220 securesocket lab ESMTP\nS: 250 EHLO client.example\nS: 220 ready\n")
