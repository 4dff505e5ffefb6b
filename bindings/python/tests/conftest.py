"""The loopback TLS lab (tests/lab) for the Python suite.

One lab per test session: built with ``go build`` into build/python-lab/ (Go's
cache makes that quick after the first time) and started with ``-stdin`` on a
pipe this process never writes, so the lab dies with the tests however they
end. If ``SS_LAB_JSON`` names a running lab (tests/c/lab.sh run ...), that one
is used instead.

Trust: the library's Go runtime takes its environment from the block the
process was started with (runtime.goenvs reads the slots after argv), not
from the C environ that ``os.environ[...] = ...`` changes. A variable set from
Python is invisible to it unless it existed at exec and glibc still updates
it in place, which stops as soon as any variable is added (pytest adds
PYTEST_CURRENT_TEST). So ``SSL_CERT_FILE`` must be in the environment when
the process starts: unless it already names the lab's CA, pytest_configure
picks the directory the lab will write its certificates to and restarts
pytest once (exec) with ``SSL_CERT_FILE=<dir>/ca.pem``; the fixture then
starts the lab with ``-dir <dir>``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

from labutil import ROOT, Lab


_CERT_DIR_ENV = "SS_PYTEST_CERT_DIR"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("SS_LAB_JSON") or os.environ.get(_CERT_DIR_ENV):
        return
    cert_dir = Path(tempfile.mkdtemp(prefix="securesocket-pytest-")) / "certs"
    env = dict(os.environ)
    env[_CERT_DIR_ENV] = str(cert_dir)
    env["SSL_CERT_FILE"] = str(cert_dir / "ca.pem")
    # Give the terminal back before exec: pytest is capturing fds 1 and 2.
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        capman.stop_global_capturing()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)


def _start_lab(tmp: Path, cert_dir: Path) -> tuple[subprocess.Popen[bytes], Path]:
    go = os.environ.get("GO", "go")
    bindir = ROOT / "build" / "python-lab"
    bindir.mkdir(parents=True, exist_ok=True)
    exe = bindir / "lab"
    # -trimpath as capi/build.sh and tests/c/lab.sh do: one shared build cache.
    subprocess.run(
        [go, "build", "-trimpath", "-o", str(exe), "./tests/lab/cmd/lab"],
        cwd=ROOT,
        check=True,
    )
    json_path = tmp / "lab.json"
    with open(tmp / "lab.log", "wb") as log:  # the child keeps its own copy
        proc = subprocess.Popen(
            [str(exe), "-json", str(json_path), "-dir", str(cert_dir), "-stdin"],
            stdin=subprocess.PIPE,  # never written: its EOF (our death) ends the lab
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + 60
    while not json_path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the lab did not start: " + (tmp / "lab.log").read_text())
        time.sleep(0.05)
    return proc, json_path


@pytest.fixture(scope="session", autouse=True)
def lab() -> Iterator[Lab]:
    import securesocket._native as native

    given = os.environ.get("SS_LAB_JSON")
    proc = None
    tmp = None
    if given:
        desc = json.loads(Path(given).read_text())
    else:
        cert_dir = Path(os.environ[_CERT_DIR_ENV])
        tmp = cert_dir.parent
        proc, json_path = _start_lab(tmp, cert_dir)
        desc = json.loads(json_path.read_text())
    lab = Lab(desc)
    # The library reads the trust store once per process, from the
    # environment the process started with (see the module docstring).
    assert native.loaded() is None, "the library was loaded before the lab started"
    if os.path.realpath(os.environ.get("SSL_CERT_FILE", "")) != os.path.realpath(lab.ca_file):
        pytest.exit(f"SSL_CERT_FILE must name the lab's CA ({lab.ca_file}) when the process starts", 2)
    try:
        yield lab
    finally:
        if proc is not None:
            proc.stdin.close()  # type: ignore[union-attr]
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def sock() -> Iterator[Any]:
    import securesocket

    s = securesocket.SecureSocket()
    try:
        yield s
    finally:
        s.free()
