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


def _installed_prefix(tmp_path: Path) -> Path:
    """`make install`'s tree of the checkout's library, in tmp_path/prefix."""
    built = ROOT / "build"
    if not (built / _native.SONAME).is_file():
        pytest.skip("no build/libsecuresocket.so.0 (make lib)")
    prefix = tmp_path / "prefix"
    subprocess.run([str(ROOT / "scripts" / "c-tree.sh"), "install", str(built), str(prefix)], check=True,
                   capture_output=True)
    return prefix


def _package_copy(tmp_path: Path) -> Path:
    """The package alone, outside the checkout: no bundled library, no build/."""
    site = tmp_path / "site"
    shutil.copytree(HERE.parent / "securesocket", site / "securesocket",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so*", "*.dll"))
    return site


_PROBE = "import securesocket, securesocket._native as n; print(n.load().path, securesocket.version())"


def test_installed_library_found_by_soname(tmp_path: Path) -> None:
    prefix = _installed_prefix(tmp_path)
    site = _package_copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != _native.LIBRARY_ENV}
    env.update(PYTHONPATH=str(site), LD_LIBRARY_PATH=str(prefix / "lib"))
    r = subprocess.run([sys.executable, "-c", _PROBE], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [_native.SONAME, (ROOT / "VERSION").read_text().strip()]


def test_no_library_anywhere_says_where_it_looked(tmp_path: Path) -> None:
    site = _package_copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in (_native.LIBRARY_ENV, "LD_LIBRARY_PATH")}
    env.update(PYTHONPATH=str(site))
    r = subprocess.run([sys.executable, "-c", _PROBE], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    if "OSError" not in r.stderr:
        pytest.skip("a libsecuresocket.so.0 is installed system-wide")
    for where in ("package:", "build:", "system: libsecuresocket.so.0 (the dynamic linker found none"):
        assert where in r.stderr
