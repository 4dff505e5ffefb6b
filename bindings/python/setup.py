"""Only the wheel tag lives here; everything else is in pyproject.toml.

The wheel carries libsecuresocket.so.0, which is platform code but does not
link libpython (it is loaded with ctypes), so the right tag is
py3-none-<platform>: any Python 3, no ABI, this platform. setuptools would
call a package without extension modules pure (py3-none-any).
"""

import sysconfig

from setuptools import Distribution, setup

try:
    from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
except ImportError:  # older setuptools: the wheel package's command
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]


class BinaryDistribution(Distribution):
    """Platform code inside: install into platlib, the wheel's root."""

    def has_ext_modules(self) -> bool:
        return True


class PlatformWheel(bdist_wheel):  # type: ignore[misc, valid-type]
    def get_tag(self) -> tuple[str, str, str]:
        # linux-x86_64 -> linux_x86_64. A build for distribution would use a
        # manylinux tag from an old-glibc build (docs/ffi-notes.md); this
        # machine's glibc makes the library need GLIBC_2.34.
        return "py3", "none", sysconfig.get_platform().replace("-", "_").replace(".", "_")


setup(distclass=BinaryDistribution, cmdclass={"bdist_wheel": PlatformWheel})
