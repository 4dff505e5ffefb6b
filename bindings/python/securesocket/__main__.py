"""``python -m securesocket [probe] [options] host port``: the probe.

Connects to ``host:port`` with the library's own verification, through this
binding, and prints what the library reports (the outcome, certificate
status and detail, TLS version and cipher suite, revocation outcome, and the
verified chain with each certificate's SPKI pin), exactly as
``securesocket-probe`` does. Exit status: 0 connected, 1 the certificate was
refused, 2 usage error, 3 no verdict (network failure, timeout, not TLS).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from . import SecureSocket, run
from ._errors import SecureSocketError

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def _certificates(data: bytes) -> list[bytes]:
    """The DER certificates of a PEM file (every CERTIFICATE block) or a DER
    file (one certificate)."""
    if b"-----BEGIN" not in data:
        return [data]
    ders = [base64.b64decode(b"".join(m.group(1).split())) for m in _PEM.finditer(data)]
    if not ders:
        raise ValueError("no CERTIFICATE in the PEM file")
    return ders


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m securesocket probe",
        description="Connects with securesocket's own verification and prints the outcome, "
        "certificate status and detail, TLS version and suite, revocation outcome and the "
        "verified chain. Exit status: 0 connected, 1 certificate refused, 2 usage, 3 no verdict.",
    )
    p.add_argument("--json", action="store_true", help="print one line of JSON")
    p.add_argument("--ca", action="append", default=[], metavar="FILE", help="PEM or DER file of extra trust anchors")
    p.add_argument("--pin", action="append", default=[], metavar="BASE64",
                   help='SHA-256 of a SubjectPublicKeyInfo, base64 ("sha256/" prefix allowed)')
    p.add_argument("--revocation", default="softFail", metavar="MODE", help="softFail, hardFail, stapleOnly or off")
    p.add_argument("--timeout", type=int, default=20000, metavar="MS", help="connect timeout, ms")
    p.add_argument("host")
    p.add_argument("port", type=int)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["probe"]:
        args = args[1:]
    parser = _parser()
    ns = parser.parse_args(args)
    sock = SecureSocket()
    try:
        sock.timeout = ns.timeout
        sock.revocation_mode = ns.revocation
        for f in ns.ca:
            for der in _certificates(Path(f).read_bytes()):
                sock.add_binary_chain_building_certificate(der, True)
        for pin in ns.pin:
            sock.add_public_key_pin(base64.b64decode(pin.removeprefix("sha256/"), validate=True))
        outcome: list[object] = []
        sock.add_event_listener("connect", outcome.append)
        sock.add_event_listener("ioError", outcome.append)
        sock.connect(ns.host, ns.port)
    except (SecureSocketError, OSError, ValueError, binascii.Error) as e:
        parser.error(str(e))  # exits 2
    # The connect's own timeout ends the attempt; this only guards a bug.
    run(until=lambda: outcome, timeout=sock.timeout / 1000 + 10)
    report = json.loads(sock.describe_connection())
    if ns.json:
        print(sock.describe_connection())
    else:
        print(sock.describe_connection(text=True), end="")
    if sock.connected:
        sock.close()
    return int(report["exitCode"])


if __name__ == "__main__":
    sys.exit(main())
