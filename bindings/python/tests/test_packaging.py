"""Packaging facts the Python loader owns: the ABI check (docs/versioning.md)
and where the library is looked for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labutil import ROOT
from securesocket import _native

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize(
    ("have", "want", "ok"),
    [
        (1000, 1000, True),  # 0.1.0 serves 0.1.0
        (1005, 1000, True),  # a patch never changes the ABI
        (1000, 1007, True),
        (2000, 1000, False),  # 0.x: another minor may break it
        (0, 1000, False),
        (1000000, 1000, False),  # another major
        (1002000, 1001000, True),  # 1.x: a newer minor only adds
        (1000000, 1001000, False),  # an older minor lacks what 1.1 added
        (2001000, 1001000, False),
    ],
)
def test_abi_compatible(have: int, want: int, ok: bool) -> None:
    assert _native.abi_compatible(have, want) is ok


def _fake_library(tmp_path: Path, number: int, text: str) -> Path:
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) to build a library of another version")
    out = tmp_path / f"libfake-{number}.so"
    subprocess.run(
        [cc, "-shared", "-fPIC", f"-DFAKE_NUMBER={number}", f'-DFAKE_TEXT="{text}"', "-o", str(out),
         str(ROOT / "tests" / "packaging" / "fakeversion.c")],
        check=True,
    )
    return out


@pytest.mark.parametrize(("number", "text"), [(2000, "0.2.0"), (1000000, "1.0.0")])
def test_loader_refuses_another_abi(tmp_path: Path, number: int, text: str) -> None:
    fake = _fake_library(tmp_path, number, text)
    env = {**os.environ, _native.LIBRARY_ENV: str(fake), "PYTHONPATH": str(HERE.parent)}
    r = subprocess.run(
        [sys.executable, "-c", "import securesocket; securesocket.SecureSocket()"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert r.returncode != 0
    want = _native.HEADER_VERSION_NUMBER
    assert "RuntimeError" in r.stderr
    assert f"{fake} is libsecuresocket {text}" in r.stderr
    assert f"need libsecuresocket {want // 1000000}.{want // 1000 % 1000}.x" in r.stderr
