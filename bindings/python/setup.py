"""The wheel tag and the native library; everything else is in pyproject.toml.

The wheel carries the library (libsecuresocket.so.0, or securesocket.dll on
Windows), which is platform code but does not link libpython (it is loaded
with ctypes), so the right tag is py3-none-<platform>: any Python 3, no ABI,
this platform. setuptools would call a package without extension modules
pure (py3-none-any). SECURESOCKET_WHEEL_PLATFORM overrides the platform part
(make dist: manylinux2014_x86_64 for a library built against glibc 2.17).

Where the library comes from, in order:
  1. already in securesocket/ (make dist and build_wheel.sh copy it in);
  2. built here with Go from the sources next to this file: the repository
     (`pip install ./bindings/python` from a checkout) or gosrc/ inside the
     sdist (the sdist command copies them in), by capi/build.sh, the one
     place that knows the flags. That needs Go and a C compiler; without
     them the build stops and says exactly what is missing.
SECURESOCKET_NO_BUILD=1 skips step 2 (a wheel without the library, which
then needs an installed one: SECURESOCKET_LIBRARY or libsecuresocket.so.0 on
the linker's path).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

try:
    from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
except ImportError:  # older setuptools: the wheel package's command
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
LIBRARY_FILE = "securesocket.dll" if os.name == "nt" else "libsecuresocket.so.0"
# What the library is built from, relative to the module root.
GO_SOURCES = ["go.mod", "go.sum", "VERSION", "LICENSE", "capi", "core", "include"]


class BinaryDistribution(Distribution):
    """Platform code inside: install into platlib, the wheel's root."""

    def has_ext_modules(self) -> bool:
        return True


class PlatformWheel(bdist_wheel):  # type: ignore[misc, valid-type]
    def get_tag(self) -> tuple[str, str, str]:
        plat = os.environ.get("SECURESOCKET_WHEEL_PLATFORM")
        if not plat:
            # linux-x86_64 -> linux_x86_64: this machine's glibc, which
            # package indexes refuse; make dist builds manylinux wheels.
            plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        return "py3", "none", plat


def _go_root() -> Path | None:
    """The Go module the library is built from, if these sources have it."""
    for root in (HERE / "gosrc", HERE.parent.parent):
        if (root / "go.mod").is_file() and (root / "capi" / "build.sh").is_file():
            return root
    return None


def _which(cmd: str) -> str | None:
    first = cmd.split()[0] if cmd.split() else cmd
    return shutil.which(first)


def _go_version_needed(root: Path) -> str:
    m = re.search(r"^go (\S+)", (root / "go.mod").read_text(), re.M)
    return m.group(1) if m else "?"


def build_library(out_dir: Path) -> None:
    """Builds the library into out_dir with capi/build.sh, or stops with a
    message that names everything missing."""
    root = _go_root()
    go = os.environ.get("GO", "go")
    cc = os.environ.get("CC", "cc")
    missing = []
    if root is None:
        missing.append(
            "the library's Go sources (go.mod, capi/, core/, include/): neither in gosrc/ (an sdist made by "
            "`make dist`) nor in the repository around bindings/python"
        )
    if _which(go) is None:
        need = _go_version_needed(root) if root else "the go.mod version"
        missing.append(f"Go {need} or newer (`{go}` is not on PATH; https://go.dev/dl/, or set GO)")
    if _which(cc) is None:
        missing.append(f"a C compiler for cgo (`{cc}` is not on PATH: install gcc or clang, or set CC)")
    if os.name == "nt" or shutil.which("sh") is None:
        missing.append("a POSIX shell (`sh`) to run capi/build.sh")
    if missing:
        sys.exit(
            "securesocket: this package needs its native library, and there is none to bundle.\n"
            "To build it from the Go sources the build is missing:\n  - " + "\n  - ".join(missing) + "\n"
            "Or install a wheel that carries it (manylinux x86_64/aarch64, win_amd64), or set "
            "SECURESOCKET_NO_BUILD=1 to build without it and use an installed libsecuresocket "
            "(`make install`; SECURESOCKET_LIBRARY)."
        )
    assert root is not None
    env = dict(os.environ, GO=go, CC=cc)
    # capi/build.sh also checks the public header as C++; without a C++
    # compiler that one check is skipped, the library is the same.
    if _which(env.get("CXX", "c++")) is None:
        env["CXX"] = "true"
    out_dir = out_dir.resolve()
    tmp = out_dir / "_gobuild"
    print(f"securesocket: building {LIBRARY_FILE} with Go from {root}", flush=True)
    subprocess.run(["sh", str(root / "capi" / "build.sh"), str(tmp)], cwd=root, env=env, check=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp / LIBRARY_FILE, out_dir / LIBRARY_FILE)
    shutil.rmtree(tmp, ignore_errors=True)


class BuildPyWithLibrary(build_py):
    """build_py, then the library into the built package unless it is there."""

    def run(self) -> None:
        super().run()
        if self.dry_run:
            return
        pkg = Path(self.build_lib) / "securesocket"
        if (pkg / LIBRARY_FILE).is_file() or os.environ.get("SECURESOCKET_NO_BUILD"):
            return
        build_library(pkg)


class SdistWithGoSources(sdist):
    """An sdist that can build the library: the Go module's sources go into
    gosrc/ (tests and testdata left out)."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        root = _go_root()
        if root is None:
            raise SystemExit("securesocket: the sdist needs the Go sources (go.mod, capi/, core/) around it")
        dst = Path(base_dir) / "gosrc"
        ignore = shutil.ignore_patterns("*_test.go", "testdata", "*.test", "__pycache__")
        for name in GO_SOURCES:
            src = root / name
            if src.is_dir():
                shutil.copytree(src, dst / name, ignore=ignore, dirs_exist_ok=True)
            elif src.is_file():
                dst.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst / name)


setup(
    distclass=BinaryDistribution,
    cmdclass={"bdist_wheel": PlatformWheel, "build_py": BuildPyWithLibrary, "sdist": SdistWithGoSources},
)
