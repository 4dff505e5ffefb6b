"""The C ABI of libsecuresocket, declared for ctypes. Private.

Every ``ss_*`` function the package calls is declared here, once, with its
argtypes and restype (include/securesocket.h is the contract; ctypes without
argtypes truncates pointers and size_t). Nothing here knows AS3: this module
only finds the library, loads it once, and describes its functions.

Why the library is loaded lazily (on the first ``SecureSocket()``, or the
first ``dispatch()``/``is_supported``/``version()``) rather than at import: a
process that only imports the package and then forks (multiprocessing
"fork") never started the Go runtime, so the child is not affected.

``SSL_CERT_FILE`` set through ``os.environ`` (which changes the C environ)
is seen: the Go runtime keeps its own copy of the start-up environment
(golang/go#44108), so the library copies the trust variables from the C
environ into it at each ``connect()`` (capi/env.go), until the first
certificate check loads the store.

It is never unloaded: Go c-shared libraries cannot be (docs/ffi-notes.md).

Why CDLL and not PyDLL: CDLL releases the GIL around every call. The data
calls never block on the network, but one can wait for a scheduler slot
while the socket's goroutines are busy (a bulk download on two CPUs); with
the GIL held that would stall every Python thread. The price is tens of ns
per call.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.resources
import os
import threading
from ctypes import (
    POINTER,
    Structure,
    c_char_p,
    c_double,
    c_int,
    c_int8,
    c_int16,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import Any

__all__ = ["Lib", "SSEvent", "load", "loaded", "LIBRARY_ENV", "SONAME"]

#: Environment variable naming the library file to load instead of the
#: bundled or in-tree one (distribution packages, development builds).
LIBRARY_ENV = "SECURESOCKET_LIBRARY"
SONAME = "libsecuresocket.so.0"
#: The library's file name on this system: what a wheel bundles and what the
#: dynamic linker is asked for when nothing is bundled (an installed library,
#: ``make install`` or ``cmake --install``, is found by its SONAME).
LIBRARY_FILE = "securesocket.dll" if os.name == "nt" else SONAME

# The header this module was written against (SS_VERSION_NUMBER =
# MAJOR*1000000 + MINOR*1000 + PATCH; scripts/version.sh keeps it equal to
# VERSION). The library must have the same ABI: see abi_compatible().
HEADER_VERSION_NUMBER = 1000

# Return codes (include/securesocket.h, their one source: tests/test_header.py
# holds every table of this package against it). Failures that have an AS3
# error are -(AS3 id); these few have none.
SS_OK = 0
SS_ERR_HANDLE = -1
SS_ERR_PANIC = -2
SS_ERR_NOMEM = -3
SS_ERR_FORKED = -4
SS_ERR_INTERNAL = -5

# ss_event.type
SS_EVENT_CONNECT = 1
SS_EVENT_CLOSE = 2
SS_EVENT_SOCKET_DATA = 3
SS_EVENT_IO_ERROR = 4
SS_EVENT_SECURITY_ERROR = 5
SS_EVENT_OUTPUT_PROGRESS = 6

# size_t(-1): "NUL-terminated, measure it". The bindings always pass real
# lengths, so it is unused except to document that choice.
SS_NTS = ctypes.c_size_t(-1).value


class SSEvent(Structure):
    """``struct ss_event``. Its strings belong to the library and stay valid
    only until the next ``ss_next_event`` on the same thread: copy them out
    at once (the dispatcher does)."""

    _fields_ = [
        ("type", c_int32),
        ("error_id", c_int32),
        ("socket", c_void_p),
        ("type_name", c_char_p),
        # c_void_p + length, not c_char_p: the text is read with its length
        # (string_at), never scanned for a NUL.
        ("text", c_void_p),
        ("text_len", c_size_t),
        ("detail", c_void_p),
        ("detail_len", c_size_t),
        ("bytes_loaded", c_uint64),
        ("bytes_pending", c_uint64),
        ("bytes_total", c_uint64),
        ("queued", c_uint64),
        ("reserved", c_uint64 * 3),
    ]


_p = POINTER
_sock = c_void_p  # ss_socket *: opaque; the bindings hold it as c_void_p
_charpp = _p(c_void_p)  # char ** out: library-allocated, freed with ss_free
_ccharpp = _p(c_char_p)  # const char ** out: static, never freed

# name: (restype, argtypes). One table, so a reader can hold it against the
# header line by line.
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    # Library
    "ss_version": (c_char_p, []),
    "ss_version_number": (c_int, []),
    "ss_is_supported": (c_int, []),
    "ss_free": (None, [c_void_p]),
    # Lifecycle
    "ss_socket_new": (c_void_p, []),
    "ss_socket_free": (c_int, [_sock]),
    # Errors
    "ss_error_message": (c_char_p, [_sock]),
    "ss_error_id": (c_int, [_sock]),
    "ss_error_text": (c_char_p, [c_int]),
    # Connecting
    "ss_connect": (c_int, [_sock, c_char_p, c_size_t, c_int]),
    "ss_close": (c_int, [_sock]),
    "ss_flush": (c_int, [_sock]),
    # Properties
    "ss_get_connected": (c_int, [_sock, _p(c_int)]),
    "ss_get_bytes_available": (c_int, [_sock, _p(c_uint64)]),
    "ss_get_bytes_pending": (c_int, [_sock, _p(c_uint64)]),
    "ss_get_endian": (c_int, [_sock, _ccharpp]),
    "ss_set_endian": (c_int, [_sock, c_char_p, c_size_t]),
    "ss_get_object_encoding": (c_int, [_sock, _p(c_uint32)]),
    "ss_set_object_encoding": (c_int, [_sock, c_uint32]),
    "ss_get_timeout": (c_int, [_sock, _p(c_uint32)]),
    "ss_set_timeout": (c_int, [_sock, c_uint32]),
    "ss_get_local_address": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_get_remote_address": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_get_local_port": (c_int, [_sock, _p(c_int)]),
    "ss_get_remote_port": (c_int, [_sock, _p(c_int)]),
    "ss_get_server_certificate_status": (c_int, [_sock, _ccharpp]),
    "ss_get_failure_detail": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_get_input_limit": (c_int, [_sock, _p(c_uint64)]),
    "ss_set_input_limit": (c_int, [_sock, c_uint64]),
    "ss_get_min_tls_version": (c_int, [_sock, _p(c_int)]),
    "ss_set_min_tls_version": (c_int, [_sock, c_int]),
    "ss_get_tls_version": (c_int, [_sock, _ccharpp]),
    "ss_get_session_cache": (c_int, [_sock, _p(c_int)]),
    "ss_set_session_cache": (c_int, [_sock, c_int]),
    "ss_get_session_resumed": (c_int, [_sock, _p(c_int)]),
    "ss_set_event_mask": (c_int, [_sock, c_uint32]),
    "ss_get_event_mask": (c_int, [_sock, _p(c_uint32)]),
    # Protocol options and connection facts
    "ss_set_alpn_protocols": (c_int, [_sock, c_char_p, c_size_t]),
    "ss_get_alpn_protocols": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_get_negotiated_protocol": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_set_server_name": (c_int, [_sock, c_char_p, c_size_t]),
    "ss_get_server_name": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_get_cipher_suite": (c_int, [_sock, _ccharpp]),
    "ss_get_tcp_no_delay": (c_int, [_sock, _p(c_int)]),
    "ss_set_tcp_no_delay": (c_int, [_sock, c_int]),
    "ss_get_native_handle": (c_int, [_sock, _p(c_int64)]),
    "ss_set_proxy": (c_int, [_sock, c_char_p, c_size_t]),
    "ss_get_proxy": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_socket_new_plain": (c_void_p, []),
    "ss_start_tls": (c_int, [_sock, c_char_p, c_size_t]),
    "ss_get_secure": (c_int, [_sock, _p(c_int)]),
    "ss_get_plain": (c_int, [_sock, _p(c_int)]),
    # Typed reads
    "ss_read_boolean": (c_int, [_sock, _p(c_int)]),
    "ss_read_byte": (c_int, [_sock, _p(c_int8)]),
    "ss_read_unsigned_byte": (c_int, [_sock, _p(c_uint8)]),
    "ss_read_short": (c_int, [_sock, _p(c_int16)]),
    "ss_read_unsigned_short": (c_int, [_sock, _p(c_uint16)]),
    "ss_read_int": (c_int, [_sock, _p(c_int32)]),
    "ss_read_unsigned_int": (c_int, [_sock, _p(c_uint32)]),
    "ss_read_float": (c_int, [_sock, _p(c_double)]),
    "ss_read_double": (c_int, [_sock, _p(c_double)]),
    "ss_read_bytes": (c_int, [_sock, c_void_p, c_size_t, c_size_t, _p(c_size_t)]),
    "ss_read_bytes_alloc": (c_int, [_sock, c_size_t, _charpp, _p(c_size_t)]),
    "ss_read_utf": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_read_utf_bytes": (c_int, [_sock, c_uint32, _charpp, _p(c_size_t)]),
    "ss_read_multi_byte": (
        c_int,
        [_sock, c_uint32, c_char_p, c_size_t, _charpp, _p(c_size_t)],
    ),
    # Typed writes
    "ss_write_boolean": (c_int, [_sock, c_int]),
    "ss_write_byte": (c_int, [_sock, c_int32]),
    "ss_write_short": (c_int, [_sock, c_int32]),
    "ss_write_int": (c_int, [_sock, c_int32]),
    "ss_write_unsigned_int": (c_int, [_sock, c_uint32]),
    "ss_write_float": (c_int, [_sock, c_double]),
    "ss_write_double": (c_int, [_sock, c_double]),
    "ss_write_bytes": (c_int, [_sock, c_void_p, c_size_t, c_uint32, c_uint32]),
    "ss_write_utf": (c_int, [_sock, c_char_p, c_size_t]),
    "ss_write_utf_bytes": (c_int, [_sock, c_char_p, c_size_t]),
    "ss_write_multi_byte": (
        c_int,
        [_sock, c_char_p, c_size_t, c_char_p, c_size_t],
    ),
    # Trust
    "ss_add_binary_chain_building_certificate": (
        c_int,
        [_sock, c_void_p, c_size_t, c_int],
    ),
    "ss_add_public_key_pin": (c_int, [_sock, c_void_p, c_size_t]),
    "ss_clear_public_key_pins": (c_int, [_sock]),
    "ss_public_key_pin": (c_int, [c_void_p, c_size_t, _p(c_uint8)]),
    "ss_set_client_certificate": (
        c_int,
        [_sock, c_void_p, c_size_t, c_void_p, c_size_t, c_char_p, c_size_t],
    ),
    "ss_clear_client_certificate": (c_int, [_sock]),
    "ss_set_revocation_mode": (c_int, [_sock, c_char_p, c_size_t]),
    "ss_get_revocation_mode": (c_int, [_sock, _ccharpp]),
    "ss_get_revocation_status": (c_int, [_sock, _ccharpp]),
    "ss_get_revocation_detail": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_get_server_certificate_chain": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_describe_connection": (c_int, [_sock, c_int, _charpp, _p(c_size_t)]),
    "ss_get_server_certificate_der": (
        c_int,
        [_sock, c_size_t, _charpp, _p(c_size_t)],
    ),
    # Objects (AMF): values cross as tagged JSON (core/amf/JSON.md);
    # securesocket._amf turns it into Python values and back.
    "ss_read_object": (c_int, [_sock, _charpp, _p(c_size_t)]),
    "ss_write_object": (c_int, [_sock, c_char_p, c_size_t]),
    # Events
    "ss_set_callback": (c_int, [_sock, c_void_p, c_void_p]),
    "ss_event_fd": (c_int, []),
    "ss_next_event": (c_int, [_p(SSEvent)]),
    "ss_dispatch": (c_int, [c_int]),
    "ss_wake": (c_int, []),
    "ss_spin_events": (c_int, []),
}


class Lib:
    """The loaded library: one attribute per ``ss_*`` function, plus
    ``path``, the file it came from."""

    path: str
    pid: int

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.path = path
        self.pid = os.getpid()  # a child of fork() has another
        self._cdll = cdll  # kept for the life of the process (never unloaded)
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(cdll, name)
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)

    def _enter_forked_child(self) -> None:
        """Runs in the child of os.fork(): replaces every function with a
        stub that fails as the library would in a forked child, without
        calling it.

        The library answers SS_ERR_FORKED itself, checking in C before any
        call enters the Go runtime (capi/guard.c): entering Go in a child
        whose other threads vanished mid-operation can deadlock. The stubs
        add the same answer for a library built before that guard, and
        spare the child every foreign call.
        """
        version = self.ss_version()
        message = b"securesocket: the library cannot be used in a child created by fork()"
        stubs: dict[str, Any] = {
            "ss_version": lambda: version,
            "ss_version_number": lambda: HEADER_VERSION_NUMBER,
            "ss_is_supported": lambda: 0,
            "ss_free": lambda p: None,  # leaks in the child; it cannot free safely
            "ss_socket_new": lambda: None,
            "ss_error_message": lambda s: message,
            "ss_error_id": lambda s: 0,
            "ss_error_text": lambda code: message,
        }
        for name in _SIGNATURES:
            setattr(self, name, stubs.get(name, _forked_stub))

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - typing aid
        raise AttributeError(f"{name}: not declared in securesocket._native (add it to _SIGNATURES)")


def _forked_stub(*args: Any) -> int:
    return SS_ERR_FORKED


_lock = threading.Lock()
_lib: Lib | None = None
# Keeps importlib.resources' as_file() context open for the process: for a
# package inside a zip it is a temporary copy that must outlive the CDLL.
_resources = contextlib.ExitStack()


def _candidates() -> list[tuple[str, Any]]:
    """Where the library may be, in the order they are tried."""
    out: list[tuple[str, Any]] = []
    env = os.environ.get(LIBRARY_ENV)
    if env:
        out.append((f"${LIBRARY_ENV}", env))
    # A wheel carries the library inside the package.
    out.append(("package", importlib.resources.files(__package__).joinpath(LIBRARY_FILE)))
    # A source checkout: bindings/python/securesocket -> <repo>/build.
    out.append(("build", Path(__file__).resolve().parents[3] / "build" / LIBRARY_FILE))
    # An installed library, by its SONAME: the dynamic linker's own search
    # (LD_LIBRARY_PATH, the ldconfig cache, /usr/lib, ...).
    out.append(("system", LIBRARY_FILE))
    return out


def load() -> Lib:
    """Loads the library on first use and returns it; later calls return the
    same object. Raises OSError naming every place tried if it is nowhere,
    RuntimeError if its version does not match these bindings."""
    global _lib
    lib = _lib
    if lib is not None:
        return lib
    with _lock:
        if _lib is not None:
            return _lib
        tried: list[str] = []
        for where, ref in _candidates():
            if where == "package":
                if not ref.is_file():
                    tried.append(f"{where}: {ref} (absent)")
                    continue
                path = str(_resources.enter_context(importlib.resources.as_file(ref)))
            else:
                path = str(ref)
                if where == "build" and not os.path.exists(path):
                    tried.append(f"{where}: {path} (absent; run `make lib`)")
                    continue
            try:
                cdll = ctypes.CDLL(path)
            except OSError as e:
                if where == "system":
                    e = OSError(f"the dynamic linker found none: {e}; after `make install` into a prefix it does "
                                "not search, run ldconfig or set LD_LIBRARY_PATH")
                tried.append(f"{where}: {path} ({e})")
                if where.startswith("$"):
                    break  # an explicit choice that fails is an error, not a hint
                continue
            # Before declaring every function: a library of another version
            # may lack some, and the version is what the user must hear of.
            _check_version(cdll, path)
            lib = Lib(cdll, path)
            os.register_at_fork(after_in_child=lib._enter_forked_child)
            _lib = lib
            return lib
        raise OSError(
            "securesocket: cannot load the library; tried "
            + "; ".join(tried)
            + ". A wheel from PyPI or `make dist` carries it; `pip install` of the sources builds it when Go "
            + "is installed; or install the C library (`make install`)."
        )


def loaded() -> Lib | None:
    """The library if it is loaded already, else None (never loads it)."""
    return _lib


def abi_compatible(have: int, want: int = HEADER_VERSION_NUMBER) -> bool:
    """Whether a library of SS_VERSION_NUMBER ``have`` serves bindings
    written for ``want`` (docs/versioning.md): the same major, and while the
    major is 0 the same minor (a 0.x minor may break the ABI); from 1.0 on a
    minor at least ``want``'s (minors only add)."""
    major, minor = divmod(have // 1000, 1000)
    want_major, want_minor = divmod(want // 1000, 1000)
    if major != want_major:
        return False
    return minor == want_minor if major == 0 else minor >= want_minor


def _version_text(n: int) -> str:
    return f"{n // 1000000}.{n // 1000 % 1000}.{n % 1000}"


def _check_version(cdll: ctypes.CDLL, path: str) -> None:
    version_number, version = cdll.ss_version_number, cdll.ss_version
    version_number.restype, version_number.argtypes = c_int, []
    version.restype, version.argtypes = c_char_p, []
    have = version_number()
    if not abi_compatible(have):
        want = HEADER_VERSION_NUMBER
        need = f"{want // 1000000}.{want // 1000 % 1000}.x"
        if want // 1000000 > 0:
            need = f"{want // 1000000}.x with x >= {want // 1000 % 1000}"
        raise RuntimeError(
            f"securesocket: {path} is libsecuresocket {version().decode(errors='replace')} "
            f"(ABI {_version_text(have)}); these bindings (securesocket {_version_text(want)}) need "
            f"libsecuresocket {need}: a different minor version may change the ABI while the major is 0 "
            f"(docs/versioning.md). Install the matching library, or set {LIBRARY_ENV} to one."
        )
