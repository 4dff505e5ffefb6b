"""The platform trust store is read within the connect's timeout and with a
size bound, and a store that cannot be used is named in the failure detail.
The store is read once per process, so each case runs in a child process
with its own SSL_CERT_FILE and SSL_CERT_DIR."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labutil import ROOT, Lab

CHILD = """
import json, sys, time
import securesocket
s = securesocket.SecureSocket()
s.timeout = 2000
got = []
for t in ("connect", "ioError"):
    s.add_event_listener(t, got.append)
start = time.monotonic()
s.connect(sys.argv[1], int(sys.argv[2]))
securesocket.run(until=lambda: got, timeout=30)
e = got[0] if got else None
print(json.dumps({"event": e.type if e else None, "detail": getattr(e, "detail", ""),
                  "status": str(s.server_certificate_status), "ms": (time.monotonic() - start) * 1000}))
"""


def child(lab: Lab, cert_file: str, cert_dir: Path) -> dict[str, object]:
    env = dict(os.environ)
    env["SSL_CERT_FILE"] = cert_file
    env["SSL_CERT_DIR"] = str(cert_dir)
    env["PYTHONPATH"] = str(ROOT / "bindings" / "python")
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, lab.host, str(lab.port("trusted"))],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    assert time.monotonic() - start < 30, "the child hung"
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("fifo", "is not a regular file (a named pipe)"),
        ("/dev/zero", "is not a regular file (a character device)"),
        ("missing", "does not exist"),
    ],
)
def test_unusable_cert_file(lab: Lab, tmp_path: Path, kind: str, words: str) -> None:
    if kind == "fifo":
        path = str(tmp_path / "fifo.pem")
        os.mkfifo(path)
    elif kind == "missing":
        path = str(tmp_path / "missing.pem")
    else:
        path = kind
    got = child(lab, path, tmp_path)
    assert got["event"] == "ioError", got
    assert got["status"] == "untrustedSigners", got
    assert f"the platform trust store left out: SSL_CERT_FILE {path} {words}" in str(got["detail"]), got
    assert float(str(got["ms"])) < 2000, got


def test_lab_ca_control(lab: Lab, tmp_path: Path) -> None:
    got = child(lab, lab.ca_file, tmp_path)
    assert got["event"] == "connect", got
