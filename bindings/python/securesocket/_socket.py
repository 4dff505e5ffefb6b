"""The SecureSocket class: AS3's flash.net.SecureSocket over the C ABI.

Every method is one library call plus marshalling: typed decoding, text
decoding the AS3 way, certificate checks and AMF all happen in the library.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
import threading
import weakref
from ctypes import (
    ArgumentError as CtypesArgumentError,
    addressof,
    c_char,
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
    c_char_p,
    string_at,
)
from typing import TYPE_CHECKING, Any, overload
from collections.abc import Callable

from . import _amf, _dispatch, _errors, _native
from ._constants import (
    CertificateStatus,
    Endian,
    ObjectEncoding,
    RevocationMode,
    RevocationStatus,
    TLSVersion,
)
from ._dispatch import attach, hub, running_loop
from ._certificate import X509Certificate
from ._errors import IllegalOperationError, InternalError, raise_for
from ._events import ErrorEvent, Event, EventDispatcher, IOErrorEvent, OutputProgressEvent, ProgressEvent, SecurityErrorEvent

if TYPE_CHECKING:
    import asyncio

    if sys.version_info >= (3, 12):
        from collections.abc import Buffer
    else:
        from typing_extensions import Buffer

    #: Anything with the buffer protocol: bytes, bytearray, memoryview,
    #: array, numpy arrays, mmap.
    BytesLike = Buffer
else:
    BytesLike = Any

__all__ = ["SecureSocket", "Socket"]

_U32 = 0xFFFFFFFF
_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1


#: Where an ioError or securityError that no listener handles is reported
#: (as asyncio reports an exception nobody retrieved): an ERROR record on
#: the ``securesocket`` logger, which Python prints to stderr when logging
#: is not configured. Silence it with a listener, or with
#: ``logging.getLogger("securesocket").setLevel(logging.CRITICAL)``.
logger = logging.getLogger("securesocket")


def _to_int32(value: Any) -> int:
    """AS3's ToInt32, as AS3 converts an ``int`` argument: wraps modulo
    2**32 (2**32 + 443 is 443), truncates a float, NaN and infinities give 0."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return 0
        value = int(value)
    v = int(value) & 0xFFFFFFFF
    return v - 2**32 if v >= 2**31 else v


def _to_uint32(value: Any) -> int:
    """AS3's ToUint32, as AS3 converts a ``uint`` argument (-1 is 4294967295)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return 0
        value = int(value)
    return int(value) & 0xFFFFFFFF


def _u32(name: str, value: int) -> int:
    # uint32 arguments: ctypes would wrap a larger value silently.
    if not 0 <= value <= _U32:
        raise ValueError(f"{name} must be in 0..{_U32}, not {value}")
    return value


def _byte_view(data: Any) -> memoryview:
    """A flat byte view of any buffer (raises TypeError for non-buffers,
    ValueError for non-contiguous ones)."""
    mv = data if isinstance(data, memoryview) else memoryview(data)
    if mv.ndim != 1 or mv.itemsize != 1 or mv.format not in ("B", "b", "c"):
        mv = mv.cast("B")
    return mv


def _enum_or_str(cls: Any, value: str) -> Any:
    try:
        return cls(value)
    except ValueError:  # a value newer than these bindings: pass it on
        return value


class _ClassProperty:
    """A read-only property that works on the class too (AS3 statics)."""

    def __init__(self, fget: Callable[[Any], Any]) -> None:
        self.fget = fget
        self.__doc__ = fget.__doc__

    def __get__(self, obj: Any, owner: type) -> Any:
        return self.fget(owner)


def _free_handle(lib: _native.Lib, addr: int) -> None:
    """Frees a handle exactly once: weakref.finalize runs this either from
    free() (explicitly) or when the socket is collected, never both."""
    hub.forget(addr)
    lib.ss_socket_free(c_void_p(addr))


# Event types that are logged when no listener handles them (dispatch_event).
_REPORTED = frozenset({IOErrorEvent.IO_ERROR, SecurityErrorEvent.SECURITY_ERROR})

# ss_set_event_mask values (securesocket.h): everything, or all but outputProgress.
_EVENT_MASK_ALL = 0xFFFFFFFF
_EVENT_MASK_NO_PROGRESS = _EVENT_MASK_ALL & ~(1 << _native.SS_EVENT_OUTPUT_PROGRESS)


class Socket(EventDispatcher):
    """AS3's ``flash.net.Socket``: plain TCP, upgraded to TLS by
    :meth:`start_tls`; and the base of :class:`SecureSocket`, which has all
    of its API and is TLS from the start. What follows is about both.

    A TLS client socket with AS3 ``flash.net.SecureSocket`` semantics.

    It connects only to servers whose certificate is valid and trusted for
    the host (there is no switch to connect anyway) and says why it refused
    one (:attr:`server_certificate_status`). Connecting is asynchronous: the
    result arrives as a ``connect`` or ``ioError`` event. Writes are buffered
    until :meth:`flush`; reads take from input already received and raise
    :class:`EndOfFileError` (consuming nothing) when too little is there.

    With listeners, the AS3 way (events are delivered by
    :func:`securesocket.dispatch`/:func:`securesocket.run`, or by asyncio)::

        sock = SecureSocket()
        def on_connect(e):
            sock.write_utf("hello")
            sock.flush()
        def on_data(e):
            print(sock.read_utf())
        def on_error(e):
            print(e.text, e.detail, sock.server_certificate_status)
        sock.add_event_listener(Event.CONNECT, on_connect)
        sock.add_event_listener(ProgressEvent.SOCKET_DATA, on_data)
        sock.add_event_listener(IOErrorEvent.IO_ERROR, on_error)
        sock.connect("example.net", 443)
        securesocket.run(timeout=10)

    With asyncio::

        async with SecureSocket() as sock:   # or: with SecureSocket() as sock
            await sock.connect_async("example.net", 443)
            sock.write_int(42); sock.flush()
            await sock.wait_bytes(4)
            print(sock.read_int())

    Lifetime: :meth:`free` (or the end of a ``with`` block) closes the socket
    and releases the native handle; any later call raises
    :class:`HandleError`. A socket that is collected without ``free()`` is
    freed by a finalizer. While connecting or connected it is kept alive by
    the event hub (its listeners still get events), as in AS3.

    Threads: every method may be called from any thread; calls on one socket
    are serialised inside the library.
    """

    #: AS3's default connect timeout, in milliseconds.
    DEFAULT_TIMEOUT = 20000

    #: True for a plain socket (``flash.net.Socket``), False for SecureSocket.
    _PLAIN = True

    def __init__(self) -> None:
        lib = _native.load()
        addr = lib.ss_socket_new_plain() if self._PLAIN else lib.ss_socket_new()
        if not addr:
            if os.getpid() != lib.pid:
                raise _errors.ForkedError(
                    "securesocket: the library was loaded before fork(); a forked child "
                    "cannot use it (use the multiprocessing start method 'spawn' or 'forkserver')"
                )
            if not lib.ss_is_supported():
                # As the AS3 constructor does where secure sockets are missing.
                raise IllegalOperationError(
                    "securesocket: secure sockets are not supported here (SecureSocket.is_supported is False)"
                )
            raise InternalError("securesocket: out of memory creating a socket")
        super().__init__()
        self._lib = lib
        self._addr: int = addr
        # Passed to every call: an instance of the argtype is passed as is,
        # an int would be converted on each call. After free() it stays the
        # same value, which the library rejects with SS_ERR_HANDLE forever
        # (handle values are never reused).
        self._h = c_void_p(addr)
        hub.add(addr, self)
        self._finalizer = weakref.finalize(self, _free_handle, lib, addr)
        # At interpreter exit the process is going away: do not call into the
        # Go runtime from Python's shutdown.
        self._finalizer.atexit = False
        self._progress_wanted: bool | None = None
        self._listeners_changed(OutputProgressEvent.OUTPUT_PROGRESS)

    def _listeners_changed(self, type: str) -> None:
        # outputProgress costs an event and a wake-up per write: the library
        # posts it only while this socket has a listener for it (wait_event
        # registers one too).
        if type != OutputProgressEvent.OUTPUT_PROGRESS or not hasattr(self, "_progress_wanted"):
            return
        want = self.has_event_listener(type)
        if want is not self._progress_wanted:
            self._progress_wanted = want
            # The mask only saves work; a freed handle fails the next real call.
            self._lib.ss_set_event_mask(self._h, _EVENT_MASK_ALL if want else _EVENT_MASK_NO_PROGRESS)

    # ---- lifecycle --------------------------------------------------------

    @_ClassProperty
    def is_supported(cls) -> bool:  # noqa: N805 - a class property
        """AS3 ``SecureSocket.isSupported``: True if secure sockets work here
        (False in a child created by fork() after the library was loaded).
        Readable on the class: ``SecureSocket.is_supported``."""
        return bool(_native.load().ss_is_supported())

    def connect(self, host: str, port: int) -> None:
        """Starts connecting to ``host:port`` over TLS and returns at once.

        Exactly one event follows: ``connect`` once the handshake and every
        certificate check passed, or ``ioError`` (#2031, the reason in its
        ``detail`` and in :attr:`failure_detail`). The whole attempt is bounded
        by :attr:`timeout`. Connecting while connected closes the old
        connection first. Called inside a running asyncio loop, it attaches
        event delivery to that loop.

        ``port`` is converted as AS3 converts an ``int`` argument (ToInt32:
        2**32 + 443 is 443; 65536 stays 65536 and is refused).

        Raises:
            SecurityError: #2003, port outside 0..65535.
            ArgumentError: #2004, empty host.
            NullParameterError: #1009 (a TypeError), host is None, as AIR's
                ``connect(null, port)``.
        """
        data = None if host is None else host.encode("utf-8")
        port = _to_int32(port)
        # Held strongly before the call: the outcome event can be taken by a
        # dispatcher in another thread before ss_connect returns. A call that
        # fails changes nothing, so an open connection stays held.
        was_active = self._addr in hub.active
        hub.activate(self._addr, self)
        rc = self._lib.ss_connect(self._h, data, 0 if data is None else len(data), port)
        if rc:
            if not was_active:
                hub.deactivate(self._addr)
            raise_for(self._lib, self._h, rc)
        loop = running_loop()
        if loop is not None and hub.attached_loop() is not loop:
            attach(loop)

    def close(self) -> None:
        """Closes the connection: flushed bytes are still delivered, then a
        TLS close_notify; bytes written but not flushed are discarded. No
        ``close`` event follows (AS3 sends it only when the server closes).
        :attr:`server_certificate_status` keeps its value.

        Raises :class:`InvalidSocketError` (#2002) if the socket is not open,
        as AS3 does; :meth:`free` and ``with`` never raise.
        """
        rc = self._lib.ss_close(self._h)
        hub.deactivate(self._addr)
        if rc:
            raise_for(self._lib, self._h, rc)

    def free(self) -> None:
        """Closes the socket (as :meth:`close`, silently), drops its waiting
        events and releases the native handle. Idempotent. Any later call
        raises :class:`HandleError`."""
        self._finalizer()

    @property
    def freed(self) -> bool:
        """True once :meth:`free` ran (or the ``with`` block ended)."""
        return not self._finalizer.alive

    def __enter__(self) -> Socket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.free()

    async def __aenter__(self) -> Socket:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.free()

    def dispatch_event(self, event: Event) -> bool:
        """Runs the listeners of ``event`` (see :class:`EventDispatcher`). An
        ``ioError`` or ``securityError`` that no listener handles is not
        dropped silently: it is logged (:data:`logger`), as AIR's debugger
        reports an unhandled IOErrorEvent."""
        kind = event.type
        handled = kind in self._listeners  # has_event_listener, on every event
        result = super().dispatch_event(event)
        if not handled and kind in _REPORTED and isinstance(event, ErrorEvent):
            detail = getattr(event, "detail", "")
            logger.error("unhandled %s on %r: %s (%s)", event.type, self, event.text, detail)
        return result

    def flush(self) -> None:
        """Hands every written byte to the connection and returns at once;
        ``outputProgress`` events follow. Nothing is sent without it.
        Raises :class:`InvalidSocketError` if not open."""
        rc = self._lib.ss_flush(self._h)
        if rc:
            raise_for(self._lib, self._h, rc)

    def __repr__(self) -> str:
        if self.freed:
            return f"<{type(self).__name__} freed>"
        try:
            if self.connected:
                where = f"{self.remote_address}:{self.remote_port}"
                return f"<{type(self).__name__} connected to {where} ({self.tls_version or 'plain'})>"
            return f"<{type(self).__name__} not connected, certificate {self.server_certificate_status}>"
        except _errors.SecureSocketError:
            return f"<{type(self).__name__}>"

    # ---- property helpers ---------------------------------------------------

    def _get(self, fn: Any, out: Any) -> Any:
        rc = fn(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def _set(self, fn: Any, *args: Any) -> None:
        rc = fn(self._h, *args)
        if rc:
            raise_for(self._lib, self._h, rc)

    def _static_str(self, fn: Any) -> str:
        out = c_char_p()
        rc = fn(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return (out.value or b"").decode("utf-8")

    def _take_str(self, fn: Any, *args: Any) -> str:
        """Calls fn(handle, *args, char **out, size_t *len) and returns the
        string, freeing the library's copy."""
        p = c_void_p()
        n = c_size_t()
        rc = fn(self._h, *args, p, n)
        if rc:
            raise_for(self._lib, self._h, rc)
        try:
            return string_at(p, n.value).decode("utf-8") if n.value else ""
        finally:
            self._lib.ss_free(p)

    # ---- properties -------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True after the ``connect`` event until closed by either side."""
        # Inlined (no _get): read in every polling loop.
        out = c_int()
        rc = self._lib.ss_get_connected(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value != 0

    @property
    def bytes_available(self) -> int:
        """Unread input bytes (still counted after the server closed)."""
        # Inlined (no _get): read in every polling loop.
        out = c_uint64()
        rc = self._lib.ss_get_bytes_available(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    @property
    def bytes_pending(self) -> int:
        """Written bytes not yet handed to the network (unflushed, or flushed
        and not yet sent). Raises :class:`InvalidSocketError` (#2002) on a
        socket that never connected, as AIR does."""
        return self._get(self._lib.ss_get_bytes_pending, c_uint64())  # type: ignore[no-any-return]

    @property
    def endian(self) -> str:
        """Byte order of multi-byte values: ``"bigEndian"`` (default) or
        ``"littleEndian"`` (:class:`Endian`). Anything else raises
        :class:`ArgumentError` (#2008).

        >>> sock.endian = Endian.LITTLE_ENDIAN   # doctest: +SKIP
        """
        return _enum_or_str(Endian, self._static_str(self._lib.ss_get_endian))  # type: ignore[no-any-return]

    @endian.setter
    def endian(self, value: str) -> None:
        data = str(value).encode("utf-8") if isinstance(value, str) else value
        self._set(self._lib.ss_set_endian, data, 0 if data is None else len(data))

    @property
    def object_encoding(self) -> int:
        """AMF version for object reads and writes: 3 (default) or 0
        (:class:`ObjectEncoding`); other values raise :class:`ArgumentError`."""
        return _enum_or_str(ObjectEncoding, self._get(self._lib.ss_get_object_encoding, c_uint32()))  # type: ignore[no-any-return]

    @object_encoding.setter
    def object_encoding(self, value: int) -> None:
        self._set(self._lib.ss_set_object_encoding, _u32("object_encoding", value))

    @property
    def timeout(self) -> int:
        """Connect timeout in milliseconds (default 20000; values under 250
        become 250). Covers DNS, TCP, handshake and certificate checks, and
        applies to the next :meth:`connect`. Set as AS3 sets a ``uint``
        (ToUint32: -1 is 4294967295)."""
        return self._get(self._lib.ss_get_timeout, c_uint32())  # type: ignore[no-any-return]

    @timeout.setter
    def timeout(self, ms: int) -> None:
        self._set(self._lib.ss_set_timeout, _to_uint32(ms))

    def _address(self, fn: Any) -> str | None:
        p = c_void_p()
        n = c_size_t()
        rc = fn(self._h, p, n)
        if rc:
            raise_for(self._lib, self._h, rc)
        if p.value is None:
            return None
        try:
            return string_at(p, n.value).decode("utf-8")
        finally:
            self._lib.ss_free(p)

    @property
    def local_address(self) -> str | None:
        """Local IP address of the connection; None when not connected (AS3
        null)."""
        return self._address(self._lib.ss_get_local_address)

    @property
    def remote_address(self) -> str | None:
        """Remote IP address of the connection; None when not connected (AS3
        null)."""
        return self._address(self._lib.ss_get_remote_address)

    @property
    def local_port(self) -> int:
        """Local port; 0 when not connected."""
        return self._get(self._lib.ss_get_local_port, c_int())  # type: ignore[no-any-return]

    @property
    def remote_port(self) -> int:
        """Remote port; 0 when not connected."""
        return self._get(self._lib.ss_get_remote_port, c_int())  # type: ignore[no-any-return]

    @property
    def server_certificate_status(self) -> str:
        """AS3 ``serverCertificateStatus`` (:class:`CertificateStatus`):
        ``"trusted"`` after every ``connect`` event, else why the last
        connect was refused; ``"unknown"`` if no certificate was judged.
        :meth:`close` keeps it; :meth:`connect` resets it."""
        return _enum_or_str(  # type: ignore[no-any-return]
            CertificateStatus, self._static_str(self._lib.ss_get_server_certificate_status)
        )

    @property
    def failure_detail(self) -> str:
        """Why the last connect or connection failed, in words: the detail
        of the socket's last ioError (a refused connect, or a connection that
        broke later, such as a TLS 1.3 server refusing the client certificate
        after ``connect``); ``""`` after a successful connect until then."""
        return self._take_str(self._lib.ss_get_failure_detail)

    @property
    def input_limit(self) -> int:
        """Unread input, in bytes, at which the socket stops reading until
        the program reads (TCP pushes back; nothing is dropped). Default
        16 MiB; values under 1024 become 1024."""
        return self._get(self._lib.ss_get_input_limit, c_uint64())  # type: ignore[no-any-return]

    @input_limit.setter
    def input_limit(self, nbytes: int) -> None:
        if not 0 <= nbytes < 2**64:
            raise ValueError(f"input_limit must be in 0..2**64-1, not {nbytes}")
        self._set(self._lib.ss_set_input_limit, nbytes)

    @property
    def min_tls_version(self) -> int:
        """Lowest TLS version the next connect accepts (:class:`TLSVersion`,
        default TLSv1_2). Accepts TLSv1..TLSv1_3, also as ``ssl.TLSVersion``;
        anything else raises :class:`ArgumentError`."""
        return _enum_or_str(TLSVersion, self._get(self._lib.ss_get_min_tls_version, c_int()))  # type: ignore[no-any-return]

    @min_tls_version.setter
    def min_tls_version(self, version: int) -> None:
        if not _I32_MIN <= int(version) <= _I32_MAX:
            raise ValueError(f"min_tls_version must be a TLS protocol number, not {version}")
        self._set(self._lib.ss_set_min_tls_version, int(version))

    @property
    def tls_version(self) -> str:
        """Negotiated protocol, e.g. ``"TLSv1.3"``, while connected; else ``""``."""
        return self._static_str(self._lib.ss_get_tls_version)

    @property
    def session_cache(self) -> bool:
        """TLS session resumption for the next connects (default True, unless
        the environment variable ``SECURESOCKET_SESSION_CACHE`` is ``0``). A
        connect resumes only a session left by an earlier connection to the
        same host and port with exactly the same trust settings, and verifies
        the server's certificate again; False makes every connect a full
        handshake."""
        return bool(self._get(self._lib.ss_get_session_cache, c_int()))

    @session_cache.setter
    def session_cache(self, on: bool) -> None:
        self._set(self._lib.ss_set_session_cache, 1 if on else 0)

    @property
    def session_resumed(self) -> bool:
        """True if the last successful connect resumed a TLS session. Kept
        after ``close()``, reset by ``connect()``."""
        return bool(self._get(self._lib.ss_get_session_resumed, c_int()))

    # ---- protocol options and connection facts -----------------------------

    @property
    def alpn_protocols(self) -> list[str]:
        """Application protocols (ALPN, RFC 7301) the next connect offers, in
        order of preference; ``[]`` (the default) offers none. Each name is at
        most 255 bytes of UTF-8 (else :class:`ArgumentError`) and, since the
        list crosses the C ABI comma-separated, non-empty and without a comma
        (else ``ValueError``). A server that speaks none of them may refuse the
        handshake (an ``ioError``)."""
        text = self._take_str(self._lib.ss_get_alpn_protocols)
        return text.split(",") if text else []

    @alpn_protocols.setter
    def alpn_protocols(self, protocols: list[str] | tuple[str, ...] | None) -> None:
        names = list(protocols or [])
        for p in names:
            if not isinstance(p, str):
                raise TypeError(f"alpn_protocols must hold str, not {type(p).__name__}")
            if "," in p or not p:
                # The list crosses the C ABI comma-separated.
                raise ValueError(f"an ALPN protocol name must be non-empty and hold no comma: {p!r}")
        data = ",".join(names).encode("utf-8")
        self._set(self._lib.ss_set_alpn_protocols, data, len(data))

    @property
    def negotiated_protocol(self) -> str | None:
        """The protocol the server chose by ALPN while connected; ``None``
        when it chose none, none was offered, or the socket is not connected
        (like ``ssl.SSLSocket.selected_alpn_protocol()``)."""
        return self._take_str(self._lib.ss_get_negotiated_protocol) or None

    @property
    def server_name(self) -> str | None:
        """The name the next connect sends as SNI and verifies the
        certificate against, instead of the host it connects to (servers
        reached by IP address, tunnels, load balancers); ``None`` (the
        default) uses the connect host. Verification is otherwise unchanged:
        the certificate must be valid for this name. Not a DNS name or an IP
        address: :class:`ArgumentError`."""
        return self._take_str(self._lib.ss_get_server_name) or None

    @server_name.setter
    def server_name(self, name: str | None) -> None:
        data = (name or "").encode("utf-8")
        self._set(self._lib.ss_set_server_name, data, len(data))

    @property
    def cipher_suite(self) -> str:
        """The negotiated cipher suite's IANA name, e.g.
        ``"TLS_AES_128_GCM_SHA256"``, while connected; else ``""``."""
        return self._static_str(self._lib.ss_get_cipher_suite)

    @property
    def tcp_no_delay(self) -> bool:
        """TCP_NODELAY (AIR 51's ``Socket.tcpNoDelay``): ``True`` (the
        default; AIR's is ``False``) sends each flush at once, Nagle's
        algorithm off. Setting applies to the live connection at once and to
        later ones."""
        return bool(self._get(self._lib.ss_get_tcp_no_delay, c_int()))

    @tcp_no_delay.setter
    def tcp_no_delay(self, on: bool) -> None:
        self._set(self._lib.ss_set_tcp_no_delay, 1 if on else 0)

    @property
    def native_handle(self) -> int:
        """The OS handle of the live TCP connection (a file descriptor; a
        SOCKET on Windows), ``-1`` when there is none. It stays the
        library's: valid only until the connection ends, for
        ``getsockopt``/``setsockopt`` only (e.g. through
        ``socket.socket(fileno=os.dup(h))``); never read, write or close it."""
        return int(self._get(self._lib.ss_get_native_handle, c_int64()))

    # ---- STARTTLS ------------------------------------------------------------

    def start_tls(self, host: str) -> None:
        """Upgrades a connected plain :class:`Socket` to TLS for ``host``
        (STARTTLS of SMTP, IMAP, XMPP...), and returns at once. What was
        written is flushed and sent in the clear first; then the handshake
        runs with exactly :class:`SecureSocket`'s verification of ``host``
        (anchors, pins, revocation, client certificate, minimum version,
        ``server_name``, ALPN), bounded by :attr:`timeout`. Meanwhile the
        socket is not connected. Success: a second ``connect`` event, status
        ``"trusted"``, and it is a SecureSocket from then on; input that
        arrived before the handshake stays readable, in order, before the
        decrypted input. Failure (a certificate problem included): the
        ``ioError`` (status and detail) a SecureSocket would get, and the
        connection is closed, its unread input discarded. There is no way
        back and no way to skip verification. Call it once the server said to
        go ahead. Not a connected plain socket: :class:`SocketIOError` #2002."""
        data = None if host is None else str(host).encode("utf-8")
        self._set(self._lib.ss_start_tls, data, 0 if data is None else len(data))

    async def start_tls_async(self, host: str) -> None:
        """:meth:`start_tls`, then waits for its outcome: returns after the
        ``connect`` event, raises :class:`SocketIOError` (with
        ``certificate_status``) after an ``ioError``. Cancelling the wait
        closes the socket."""
        import asyncio

        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Event] = loop.create_future()
        done = _settler(loop, fut)
        types = (Event.CONNECT, IOErrorEvent.IO_ERROR)
        for t in types:
            self.add_event_listener(t, done, priority=_ASYNC_PRIORITY)
        try:
            attach(loop)
            self.start_tls(host)
            try:
                event = await fut
            except asyncio.CancelledError:
                with contextlib.suppress(_errors.SecureSocketError):
                    self.close()
                raise
        finally:
            for t in types:
                self.remove_event_listener(t, done)
        if isinstance(event, IOErrorEvent):
            raise _errors.SocketIOError(
                event.text,
                event.error_id,
                event.detail,
                -event.error_id,
                certificate_status=self.server_certificate_status,
            )

    @property
    def secure(self) -> bool:
        """True while the live connection is TLS: a connected SecureSocket, or
        a Socket after a successful :meth:`start_tls`."""
        return bool(self._get(self._lib.ss_get_secure, c_int()))

    @property
    def proxy(self) -> str | None:
        """The proxy of the next connects, as a URL: ``http://[user:password@]host:port``
        (HTTP CONNECT) or ``socks5://...``/``socks5h://...`` (SOCKS5; the proxy
        resolves the name); ``None`` (the default) connects directly. Reads
        back with the password replaced by ``xxxxx``. The TLS handshake and
        every certificate check run end to end with the connect host, never
        with the proxy. Proxy failures are the connect's ``ioError`` with
        status ``unknown`` and a detail naming the proxy. ``ALL_PROXY`` and
        ``HTTPS_PROXY`` are never read. A bad URL: :class:`ArgumentError`."""
        return self._take_str(self._lib.ss_get_proxy) or None

    @proxy.setter
    def proxy(self, url: str | None) -> None:
        data = (url or "").encode("utf-8")
        self._set(self._lib.ss_set_proxy, data, len(data))

    # ---- typed reads (AS3 IDataInput) --------------------------------------
    #
    # Each: one call, then the value. The out-variable is made per call (a
    # shared one would race between threads reading the same socket). The
    # ctypes object of the pointee type is passed where argtypes says
    # POINTER(T): ctypes passes it by reference.

    def read_boolean(self) -> bool:
        """One byte; any non-zero byte is True. Raises
        :class:`EndOfFileError` (#2030) if no input is buffered (nothing is
        consumed), :class:`InvalidSocketError` (#2002) if not open."""
        out = c_int()
        rc = self._lib.ss_read_boolean(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value != 0

    def read_byte(self) -> int:
        """A signed byte, -128..127."""
        out = c_int8()
        rc = self._lib.ss_read_byte(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def read_unsigned_byte(self) -> int:
        """An unsigned byte, 0..255."""
        out = c_uint8()
        rc = self._lib.ss_read_unsigned_byte(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def read_short(self) -> int:
        """A signed 16-bit integer in the socket's :attr:`endian`."""
        out = c_int16()
        rc = self._lib.ss_read_short(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def read_unsigned_short(self) -> int:
        """An unsigned 16-bit integer."""
        out = c_uint16()
        rc = self._lib.ss_read_unsigned_short(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def read_int(self) -> int:
        """A signed 32-bit integer.

        >>> if sock.bytes_available >= 4:   # doctest: +SKIP
        ...     n = sock.read_int()
        """
        out = c_int32()
        rc = self._lib.ss_read_int(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def read_unsigned_int(self) -> int:
        """An unsigned 32-bit integer."""
        out = c_uint32()
        rc = self._lib.ss_read_unsigned_int(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def read_float(self) -> float:
        """An IEEE-754 single, widened exactly (76.65 reads back as
        76.6500015258789)."""
        out = c_double()
        rc = self._lib.ss_read_float(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def read_double(self) -> float:
        """An IEEE-754 double."""
        out = c_double()
        rc = self._lib.ss_read_double(self._h, out)
        if rc:
            raise_for(self._lib, self._h, rc)
        return out.value

    def read_bytes_into(self, buffer: BytesLike, length: int = 0) -> int:
        """Reads into a writable buffer (bytearray, memoryview, array, numpy
        array, mmap) without an intermediate copy; returns the byte count.

        ``length`` 0 reads everything available that fits (possibly nothing);
        otherwise exactly ``length`` bytes. Use a memoryview slice to read at
        an offset (AS3 ``readBytes(bytes, offset, length)``)::

            buf = bytearray(65536)
            n = sock.read_bytes_into(buf)
            sock.read_bytes_into(memoryview(buf)[n:], 4)

        Raises :class:`RangeError` (#2006) if ``length`` exceeds the buffer,
        :class:`EndOfFileError` (#2030) if fewer bytes are available; nothing
        is consumed then. TypeError for a read-only buffer.
        """
        if length < 0:
            raise ValueError(f"length must be >= 0, not {length}")
        # The common buffers without a cast: c_char.from_buffer takes any
        # writable C-contiguous buffer and refuses others (TypeError).
        if isinstance(buffer, bytearray):
            mv: Any = buffer
            cap = len(buffer)
        elif isinstance(buffer, memoryview) and not buffer.readonly:
            mv = buffer
            cap = buffer.nbytes
        else:
            mv = _byte_view(buffer)
            if mv.readonly:
                raise TypeError("read_bytes_into needs a writable buffer")
            cap = mv.nbytes
        # c_char.from_buffer exports the buffer for as long as `anchor` lives
        # (so it cannot be resized under the call) and gives its address
        # without copying. One fixed ctypes type: (c_char * n) would create and
        # cache a new array type for every distinct n.
        anchor = c_char.from_buffer(mv) if cap else None
        n = c_size_t()
        rc = self._lib.ss_read_bytes(self._h, addressof(anchor) if anchor is not None else None, cap, length, n)
        del anchor
        if rc:
            raise_for(self._lib, self._h, rc)
        return n.value

    @overload
    def read_bytes(self, length: int = 0) -> bytes: ...

    @overload
    def read_bytes(self, buffer: BytesLike, offset: int = 0, length: int = 0) -> None: ...

    def read_bytes(self, *args: Any, **kwargs: Any) -> bytes | None:
        """Two forms, told apart by the first argument:

        ``read_bytes(length=0) -> bytes``: ``length`` bytes, or with 0 every
        byte available, as new bytes (one library call; the library
        allocates). For bulk data prefer :meth:`read_bytes_into` with a
        reused buffer.

        ``read_bytes(buffer, offset=0, length=0) -> None``: AS3's
        ``readBytes(bytes, offset, length)`` for ported code: the bytes go
        to ``buffer[offset:]``; ``length`` 0 reads every byte available. A
        ``bytearray`` grows as an AS3 ByteArray does (zero-filled up to
        ``offset`` if shorter); any other writable buffer (memoryview,
        array, numpy, mmap) cannot grow, so bytes that do not fit raise
        :class:`RangeError` (#2006) and nothing is consumed.

        Both raise :class:`EndOfFileError` (#2030) if fewer than ``length``
        bytes are available and :class:`InvalidSocketError` (#2002) if not
        open; nothing is consumed then.
        """
        if args and not isinstance(args[0], int) or "buffer" in kwargs:
            return self._read_bytes_as3(*args, **kwargs)
        return self._read_bytes_new(*args, **kwargs)

    def _read_bytes_new(self, length: int = 0) -> bytes:
        if length < 0:
            raise ValueError(f"length must be >= 0, not {length}")
        if length > 2**64 - 1:
            raise _errors.error(-2006, "length over 2 GiB")
        p = c_void_p()
        n = c_size_t()
        rc = self._lib.ss_read_bytes_alloc(self._h, length, p, n)
        if rc:
            raise_for(self._lib, self._h, rc)
        try:
            return string_at(p, n.value)
        finally:
            self._lib.ss_free(p)

    def _read_bytes_as3(self, buffer: BytesLike, offset: int = 0, length: int = 0) -> None:
        offset = _to_uint32(offset)
        length = _to_uint32(length)
        if isinstance(buffer, bytearray):
            # Grows like a ByteArray: take the bytes, then place them.
            data = self._read_bytes_new(length)
            if len(buffer) < offset:
                buffer.extend(bytes(offset - len(buffer)))
            buffer[offset : offset + len(data)] = data
            return None
        mv = _byte_view(buffer)
        if mv.readonly:
            raise TypeError("read_bytes needs a writable buffer")
        if offset > mv.nbytes:
            raise _errors.error(-2006, "offset exceeds the buffer")
        dst = mv[offset:]
        if length == 0:
            # Every byte available, as AS3; a buffer too small is #2006.
            length = self.bytes_available
            if length > dst.nbytes:
                raise _errors.error(-2006, "the available bytes exceed the buffer")
            if length == 0:
                # Still check the state: a socket that is not open is #2002.
                self.read_bytes_into(dst, 0)
                return None
        self.read_bytes_into(dst, length)
        return None

    def read_utf(self) -> str:
        """A 16-bit length in the socket's endian, then that many bytes of
        UTF-8, decoded as AS3 does (BOM skipped, text ends at NUL, invalid
        bytes kept as U+0080..U+00FF). Raises :class:`EndOfFileError` if the
        whole string is not there yet (the length is not consumed either)."""
        return self._take_str(self._lib.ss_read_utf)

    def read_utf_bytes(self, length: int) -> str:
        """``length`` bytes of UTF-8 decoded as :meth:`read_utf` does; all
        ``length`` bytes are consumed even if the text ends at a NUL."""
        return self._take_str(self._lib.ss_read_utf_bytes, _u32("length", length))

    def read_multi_byte(self, length: int, charset: str) -> str:
        """``length`` bytes decoded from ``charset`` (any label of the AS3
        runtime's table, e.g. ``"iso-8859-1"``, ``"shift_jis"``; unknown
        names read as UTF-8); the text ends at the first NUL."""
        cs = str.encode(charset, "utf-8")
        return self._take_str(self._lib.ss_read_multi_byte, _u32("length", length), cs, len(cs))

    # ---- typed writes (AS3 IDataOutput) --------------------------------------
    #
    # Integers are taken modulo 2**32 as AS3 does (write_byte(256) writes 00):
    # ctypes' conversion to int32/uint32 keeps the low bits. Nothing is sent
    # until flush(). Each raises InvalidSocketError (#2002) if not open.

    def write_boolean(self, value: object) -> None:
        """One byte: 1 if ``value`` is true, else 0."""
        rc = self._lib.ss_write_boolean(self._h, 1 if value else 0)
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_byte(self, value: int) -> None:
        """The low 8 bits of ``value``."""
        try:
            rc = self._lib.ss_write_byte(self._h, value)
        except CtypesArgumentError as e:  # ctypes' own; a Python caller expects TypeError
            raise TypeError(f"write_byte: {e}") from None
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_short(self, value: int) -> None:
        """The low 16 bits of ``value`` (65535 writes FF FF)."""
        try:
            rc = self._lib.ss_write_short(self._h, value)
        except CtypesArgumentError as e:  # ctypes' own; a Python caller expects TypeError
            raise TypeError(f"write_short: {e}") from None
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_int(self, value: int) -> None:
        """A 32-bit integer (the low 32 bits of ``value``)."""
        try:
            rc = self._lib.ss_write_int(self._h, value)
        except CtypesArgumentError as e:  # ctypes' own; a Python caller expects TypeError
            raise TypeError(f"write_int: {e}") from None
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_unsigned_int(self, value: int) -> None:
        """An unsigned 32-bit integer (``value`` modulo 2**32)."""
        try:
            rc = self._lib.ss_write_unsigned_int(self._h, value)
        except CtypesArgumentError as e:  # ctypes' own; a Python caller expects TypeError
            raise TypeError(f"write_unsigned_int: {e}") from None
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_float(self, value: float) -> None:
        """``value`` rounded to an IEEE-754 single."""
        try:
            rc = self._lib.ss_write_float(self._h, value)
        except CtypesArgumentError as e:  # ctypes' own; a Python caller expects TypeError
            raise TypeError(f"write_float: {e}") from None
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_double(self, value: float) -> None:
        """An IEEE-754 double."""
        try:
            rc = self._lib.ss_write_double(self._h, value)
        except CtypesArgumentError as e:  # ctypes' own; a Python caller expects TypeError
            raise TypeError(f"write_double: {e}") from None
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_bytes(self, data: BytesLike, offset: int = 0, length: int = 0) -> None:
        """Writes ``data[offset:offset+length]`` (``length`` 0: to the end),
        as AS3 ``writeBytes(bytes, offset, length)``. ``data`` is any
        bytes-like object; bytes and writable buffers are passed without a
        copy (other read-only buffers are copied once).

        Raises :class:`RangeError` (#2006) if offset or offset+length is past
        the end; nothing is written then.
        """
        if offset == 0 and length == 0 and type(data) is bytes:
            # The common call, without the checks that cannot fail for it.
            rc = self._lib.ss_write_bytes(self._h, data, len(data), 0, 0)
            if rc:
                raise_for(self._lib, self._h, rc)
            return
        _u32("offset", offset)
        _u32("length", length)
        anchor: Any = None
        if isinstance(data, bytes):
            ptr: Any = data  # ctypes passes a bytes object's own buffer
            size = len(data)
        else:
            mv = _byte_view(data)
            size = mv.nbytes
            if size == 0:
                ptr = None
            elif mv.readonly:
                ptr = mv.tobytes()  # ctypes cannot take the address of read-only memory
            else:
                anchor = c_char.from_buffer(mv)
                ptr = addressof(anchor)
        rc = self._lib.ss_write_bytes(self._h, ptr, size, offset, length)
        del anchor
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_utf(self, value: str) -> None:
        """A 16-bit byte length in the socket's endian, then ``value`` as
        UTF-8. Over 65535 bytes raises :class:`RangeError` (#2006) and writes
        nothing."""
        data = str.encode(value, "utf-8")  # TypeError (not AttributeError) for None
        rc = self._lib.ss_write_utf(self._h, data, len(data))
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_utf_bytes(self, value: str) -> None:
        """``value`` as UTF-8, without length or terminator."""
        data = str.encode(value, "utf-8")
        rc = self._lib.ss_write_utf_bytes(self._h, data, len(data))
        if rc:
            raise_for(self._lib, self._h, rc)

    def write_multi_byte(self, value: str, charset: str) -> None:
        """``value`` encoded in ``charset`` (unknown names write UTF-8);
        characters the charset cannot hold become its replacement character."""
        data = str.encode(value, "utf-8")
        cs = str.encode(charset, "utf-8")
        rc = self._lib.ss_write_multi_byte(self._h, data, len(data), cs, len(cs))
        if rc:
            raise_for(self._lib, self._h, rc)

    # ---- objects (AS3 readObject/writeObject) ----------------------------------
    #
    # The library decodes and encodes AMF in the socket's object_encoding;
    # the value crosses the ABI as tagged JSON, which _amf turns into Python
    # values and back.

    def read_object(self) -> Any:
        """AS3 ``readObject``: decodes the next AMF value (AMF3, or AMF0 per
        :attr:`object_encoding`) and returns it as a Python value (the type
        table: ``help(securesocket._amf)`` or the README). Shared and cyclic
        values come back as one Python object reached from each place.

        Raises :class:`EndOfFileError` (#2030) if the value has not fully
        arrived (nothing is consumed: read again after the next
        ``socketData``), :class:`RangeError` (#2006) for malformed input or
        input over the AMF limits (nesting 256, 1 Mi values, 16 MiB per
        length; nothing is consumed either, so the bad bytes stay first in
        the input), :class:`InvalidSocketError` (#2002) if not open.

        >>> while sock.bytes_available:          # doctest: +SKIP
        ...     try:
        ...         handle(sock.read_object())
        ...     except EndOfFileError:
        ...         break                         # the rest comes with the next socketData
        """
        return _amf.from_json(self._take_str(self._lib.ss_read_object))

    def write_object(self, value: Any) -> None:
        """AS3 ``writeObject``: encodes ``value`` as AMF (:attr:`object_encoding`)
        into the output buffer; :meth:`flush` sends it.

        ``value`` is made of None, bool, int, float, str, dict (str keys),
        list, tuple, bytes/bytearray/memoryview (a ByteArray), datetime (a
        Date; a naive one is taken as UTC; whole milliseconds are sent),
        :data:`Undefined` and the AMF types of this package (:class:`XML`,
        :class:`TypedObject`, :class:`ECMAArray`, :class:`Vector`,
        :class:`Dictionary`, ...). An object reached twice is sent once and
        referenced (cycles work); bytes and tuples are values, never
        references.

        Raises TypeError for anything else (a set, an arbitrary object, a dict
        key that is not a str), :class:`ArgumentError` (#2004) for a value the
        AMF encoding cannot carry (an int beyond a double, a Vector item out
        of range, an empty member name, a message field unknown to BlazeDS);
        nothing is written then. :class:`InvalidSocketError` if not open.
        """
        text = _amf.to_json(value)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: escaped, they arrive as U+FFFD
            data = json.dumps(json.loads(text), ensure_ascii=True, separators=(",", ":")).encode("ascii")
        rc = self._lib.ss_write_object(self._h, data, len(data))
        if rc:
            raise_for(self._lib, self._h, rc)

    # ---- trust ----------------------------------------------------------------
    #
    # Ways to trust more than the platform store (none can accept a
    # certificate that fails its checks) and to demand more. They apply from
    # the next connect() and last for the life of the socket.

    def add_binary_chain_building_certificate(self, der: bytes, trusted: bool) -> None:
        """AS3 ``addBinaryChainBuildingCertificate``: adds a DER certificate
        for chain building: a trust anchor if ``trusted``, else an
        intermediate that can complete a chain (it grants no trust itself).
        Raises :class:`ArgumentError` for bytes that are not one certificate."""
        data = bytes(der)
        self._set(self._lib.ss_add_binary_chain_building_certificate, data, len(data), 1 if trusted else 0)

    def add_public_key_pin(self, sha256: bytes) -> None:
        """Pins the SHA-256 of a SubjectPublicKeyInfo (32 bytes; see
        :meth:`public_key_pin`). Once any pin is set, a server is accepted only
        if its verified chain holds a pinned key; a mismatch is an ioError
        with status ``"untrustedSigners"``."""
        data = bytes(sha256)
        self._set(self._lib.ss_add_public_key_pin, data, len(data))

    def clear_public_key_pins(self) -> None:
        """Removes every pin."""
        self._set(self._lib.ss_clear_public_key_pins)

    @staticmethod
    def public_key_pin(der: bytes) -> bytes:
        """The pin of a DER certificate: SHA-256 of its SubjectPublicKeyInfo.

        >>> sock.add_public_key_pin(SecureSocket.public_key_pin(der))  # doctest: +SKIP
        """
        lib = _native.load()
        data = bytes(der)
        out = (c_uint8 * 32)()
        rc = lib.ss_public_key_pin(data, len(data), out)
        if rc:
            # No socket records a message: the library's text for the code.
            raise _errors.error(rc, "not one DER certificate" if rc == -2004 else "")
        return bytes(out)

    def set_client_certificate(self, cert: bytes, key: bytes, password: str | bytes | None = None) -> None:
        """Presents a client certificate (chain) and its private key when a
        server asks. PEM or DER; PKCS#8, PKCS#1 or SEC 1 keys, encrypted ones
        with ``password``. Raises :class:`ArgumentError` for a key that does
        not match, a wrong password or unreadable bytes."""
        c = bytes(cert)
        k = bytes(key)
        pw = password.encode("utf-8") if isinstance(password, str) else password
        self._set(self._lib.ss_set_client_certificate, c, len(c), k, len(k), pw, 0 if pw is None else len(pw))

    def clear_client_certificate(self) -> None:
        """Stops presenting a client certificate."""
        self._set(self._lib.ss_clear_client_certificate)

    @property
    def revocation_mode(self) -> str:
        """How revocation is checked (:class:`RevocationMode`, default
        ``"softFail"``). Other values raise :class:`ArgumentError`."""
        return _enum_or_str(RevocationMode, self._static_str(self._lib.ss_get_revocation_mode))  # type: ignore[no-any-return]

    @revocation_mode.setter
    def revocation_mode(self, mode: str) -> None:
        data = str(mode).encode("utf-8")
        self._set(self._lib.ss_set_revocation_mode, data, len(data))

    @property
    def revocation_status(self) -> str:
        """How the last connect's revocation check came out
        (:class:`RevocationStatus`)."""
        return _enum_or_str(RevocationStatus, self._static_str(self._lib.ss_get_revocation_status))  # type: ignore[no-any-return]

    @property
    def revocation_detail(self) -> str:
        """Where the last revocation verdict came from, or why there was none."""
        return self._take_str(self._lib.ss_get_revocation_detail)

    @property
    def server_certificate_chain(self) -> list[X509Certificate]:
        """The verified chain of the last successful connect, server
        certificate first, as :class:`X509Certificate` records (bytes,
        datetimes in UTC, snake_case names). ``[]`` if there was none."""
        raw = json.loads(self._take_str(self._lib.ss_get_server_certificate_chain))
        return [X509Certificate._from_json(c) for c in raw]

    @property
    def server_certificate(self) -> X509Certificate | None:
        """AS3 ``serverCertificate``: the server's own certificate of the last
        successful connect (the first of :attr:`server_certificate_chain`), or
        None."""
        chain = self.server_certificate_chain
        return chain[0] if chain else None

    def describe_connection(self, text: bool = False) -> str:
        """Everything the socket knows about its last connect, as
        ``securesocket-probe`` prints it (the library builds it): one line of
        JSON with stable field names (``outcome``, ``exitCode``, ``status``,
        ``detail``, ``tlsVersion``, ``cipherSuite``, ``remoteAddress``,
        ``remotePort``, ``revocation``, ``chain``; see
        ``ss_describe_connection`` in securesocket.h) or, with ``text``, the
        same facts for people, one per line."""
        return self._take_str(self._lib.ss_describe_connection, 1 if text else 0)

    def server_certificate_der(self, index: int = 0) -> bytes:
        """The DER of certificate ``index`` of the verified chain (0: the
        server's). Raises :class:`RangeError` past the end."""
        if index < 0:
            raise ValueError(f"index must be >= 0, not {index}")
        if index >= 2**64:
            # ctypes would wrap it to a valid index; no chain is that long.
            raise _errors.error(-2006, f"index {index}")
        p = c_void_p()
        n = c_size_t()
        rc = self._lib.ss_get_server_certificate_der(self._h, index, p, n)
        if rc:
            raise_for(self._lib, self._h, rc)
        try:
            return string_at(p, n.value)
        finally:
            self._lib.ss_free(p)

    # ---- asyncio helpers ---------------------------------------------------------

    async def wait_event(self, *types: str, timeout: float | None = None) -> Event:
        """Waits for the next event of one of ``types`` (e.g.
        ``Event.CONNECT``) and returns it. Attaches event delivery to the
        running loop. Raises :class:`asyncio.TimeoutError` after ``timeout``
        seconds.

        >>> ev = await sock.wait_event(ProgressEvent.SOCKET_DATA)  # doctest: +SKIP
        """
        import asyncio

        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Event] = loop.create_future()
        done = _settler(loop, fut)
        for t in types:
            self.add_event_listener(t, done, priority=_ASYNC_PRIORITY)
        try:
            attach(loop)
            return await asyncio.wait_for(fut, timeout)
        finally:
            for t in types:
                self.remove_event_listener(t, done)

    async def connect_async(self, host: str, port: int) -> None:
        """Connects and waits for the outcome: returns after the ``connect``
        event, raises :class:`SocketIOError` (#2031; ``detail`` says why,
        ``certificate_status`` is :attr:`server_certificate_status`) after an
        ``ioError``, :class:`SecurityError` after a ``securityError``.
        Cancelling the wait aborts the attempt.

        >>> await sock.connect_async("localhost", 443)   # doctest: +SKIP
        """
        import asyncio

        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Event] = loop.create_future()
        done = _settler(loop, fut)
        types = (Event.CONNECT, IOErrorEvent.IO_ERROR, SecurityErrorEvent.SECURITY_ERROR)
        # Listening before connect(): another thread's dispatch() may take
        # the outcome before connect() returns.
        for t in types:
            self.add_event_listener(t, done, priority=_ASYNC_PRIORITY)
        try:
            attach(loop)
            self.connect(host, port)
            try:
                event = await fut
            except asyncio.CancelledError:
                with contextlib.suppress(_errors.SecureSocketError):
                    self.close()  # closing while connecting aborts silently
                raise
        finally:
            for t in types:
                self.remove_event_listener(t, done)
        if event.type == IOErrorEvent.IO_ERROR:
            assert isinstance(event, IOErrorEvent)
            raise _errors.SocketIOError(
                event.text,
                event.error_id,
                event.detail,
                -event.error_id,
                certificate_status=self.server_certificate_status,
            )
        if event.type == SecurityErrorEvent.SECURITY_ERROR:
            assert isinstance(event, SecurityErrorEvent)
            raise _errors.SecurityError(event.text, event.error_id, event.detail, -event.error_id)

    async def wait_bytes(self, count: int = 1, timeout: float | None = None) -> int:
        """Waits until at least ``count`` unread bytes are buffered and
        returns :attr:`bytes_available`. Raises :class:`EndOfFileError` if the
        server closes first with fewer, :class:`SocketIOError` on an
        ``ioError``, :class:`asyncio.TimeoutError` after ``timeout`` seconds.

        >>> await sock.wait_bytes(4); n = sock.read_int()   # doctest: +SKIP
        """
        import asyncio

        async def wait() -> int:
            while True:
                have = self.bytes_available
                if have >= count:
                    return have
                # Closed (perhaps already delivered, in the drain that
                # delivered the connect): no event follows.
                if not self.connected and self._addr not in hub.active:
                    if have == 0:
                        raise _errors.error(-2002, "the socket is not open and no input is buffered")
                    raise _errors.error(-2030, f"the socket is closed with {have} of {count} bytes buffered")
                event = await self.wait_event(ProgressEvent.SOCKET_DATA, Event.CLOSE, IOErrorEvent.IO_ERROR)
                if isinstance(event, IOErrorEvent):
                    raise _errors.SocketIOError(event.text, event.error_id, event.detail, -event.error_id)

        return await asyncio.wait_for(wait(), timeout)


# Events nobody listens to are taken without dispatching them while a
# socket's class keeps this dispatch_event (_dispatch.Hub.drain).
_dispatch._plain_dispatch = Socket.dispatch_event


class SecureSocket(Socket):
    """AS3's ``flash.net.SecureSocket``: a :class:`Socket` that is TLS from
    the start, connecting only to servers whose certificate is valid and
    trusted for the host. See :class:`Socket` for the whole API."""

    _PLAIN = False


# Listeners of the asyncio helpers run before the program's own (priority 0),
# so a future is settled even if a program listener raises.
_ASYNC_PRIORITY = 2**31 - 1


def _settler(loop: asyncio.AbstractEventLoop, fut: asyncio.Future[Event]) -> Callable[[Event], None]:
    """A listener that settles ``fut`` with the first event it gets, from
    whichever thread delivers it (futures are not thread-safe)."""
    owner = threading.get_ident()

    def settle(event: Event) -> None:
        if fut.done():
            return
        fut.set_result(event)

    def listener(event: Event) -> None:
        if threading.get_ident() == owner and running_loop() is loop:
            settle(event)
        else:
            loop.call_soon_threadsafe(settle, event)

    return listener
