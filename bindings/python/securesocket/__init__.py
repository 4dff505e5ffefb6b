"""ActionScript 3's ``flash.net.SecureSocket`` for Python.

A TLS client socket that connects only to servers with a valid, trusted
certificate, says why it refused one (``server_certificate_status``), reads
and writes typed values exactly as the AS3 runtime does, buffers output until
``flush()``, and reports what happens through AS3 events. The work is done by
the native library libsecuresocket (a Go core behind a C ABI); this package
only marshals.

>>> import securesocket
>>> from securesocket import SecureSocket, Event, ProgressEvent, IOErrorEvent
>>> sock = SecureSocket()
>>> sock.add_event_listener(Event.CONNECT, lambda e: print("connected", sock.tls_version))
>>> sock.add_event_listener(IOErrorEvent.IO_ERROR,
...     lambda e: print(e.text, sock.server_certificate_status, e.detail))
>>> sock.connect("localhost", 8443)          # doctest: +SKIP
>>> securesocket.run(timeout=10)             # doctest: +SKIP
connected TLSv1.3

AS3's ``readObject``/``writeObject`` are :meth:`SecureSocket.read_object` and
:meth:`SecureSocket.write_object`: AMF3 (or AMF0) values as Python values,
dicts, lists, datetimes, bytes, and for what Python lacks :data:`Undefined`,
:class:`XML`, :class:`TypedObject`, :class:`ECMAArray`, :class:`Vector`,
:class:`Dictionary`, :class:`ArrayCollection`, :class:`ArrayList`,
:class:`ObjectProxy`, :class:`SmallMessage` and :class:`Date`.

Events are delivered on a thread of yours: by :func:`dispatch` / :func:`run`,
or by asyncio (:func:`attach`; automatic when ``connect`` is called in a
running loop; ``await sock.connect_async(host, port)``).

Host facts (from the Go runtime inside the library):

- **Trust store**: the platform's; on Linux ``SSL_CERT_FILE`` and
  ``SSL_CERT_DIR``. The library copies them from the process environment
  at each ``connect()`` until the first certificate check loads the store,
  so ``os.environ["SSL_CERT_FILE"] = ...`` before the first connect works;
  later changes have no effect. Per socket, trust can also be extended
  with ``add_binary_chain_building_certificate(der, True)``.
- **fork()**: unsafe once the library is loaded (a forked child has none of
  the runtime's threads): in such a child ``SecureSocket()`` and every call
  raise :class:`ForkedError` instead of hanging. With
  multiprocessing use the "spawn" or "forkserver" start method.
- **faulthandler**: enable it *before* the library is loaded, or not at all.
  Enabled afterwards it replaces the runtime's SIGSEGV handler, and an error
  the runtime would recover from kills the process. (pytest and
  ``python -X faulthandler`` enable it at startup: fine.)
- **Unloading**: impossible; the library stays mapped for the life of the
  process. One Go runtime per process: do not load another Go c-shared
  library alongside.

The library is looked for, in order, at ``$SECURESOCKET_LIBRARY``, inside
this package (wheels carry it), and in the source tree's ``build/``.
"""

from __future__ import annotations

from . import _native
from ._amf import (
    XML,
    ArrayCollection,
    ArrayList,
    Date,
    Dictionary,
    ECMAArray,
    ObjectProxy,
    SmallMessage,
    TypedObject,
    Undefined,
    UndefinedType,
    Vector,
    VectorKind,
)
from ._certificate import X500DistinguishedName, X509Certificate
from ._constants import (
    CertificateStatus,
    Endian,
    ObjectEncoding,
    RevocationMode,
    RevocationStatus,
    TLSVersion,
)
from ._dispatch import attach, detach, dispatch, event_fd, run, wake
from ._errors import (
    ArgumentError,
    EndOfFileError,
    ForkedError,
    HandleError,
    IllegalOperationError,
    InternalError,
    InvalidSocketError,
    NullParameterError,
    RangeError,
    SecureSocketError,
    SecurityError,
    SocketIOError,
)
from ._events import (
    ErrorEvent,
    Event,
    EventDispatcher,
    EventPhase,
    IOErrorEvent,
    OutputProgressEvent,
    ProgressEvent,
    SecurityErrorEvent,
    TextEvent,
)
from ._socket import SecureSocket, Socket

__version__ = "0.1.0"

__all__ = [
    # the socket
    "SecureSocket",
    "Socket",
    # delivery
    "dispatch",
    "run",
    "attach",
    "detach",
    "wake",
    "event_fd",
    # events
    "Event",
    "ProgressEvent",
    "TextEvent",
    "ErrorEvent",
    "IOErrorEvent",
    "SecurityErrorEvent",
    "OutputProgressEvent",
    "EventDispatcher",
    "EventPhase",
    # constants
    "Endian",
    "CertificateStatus",
    "ObjectEncoding",
    "TLSVersion",
    "RevocationMode",
    "RevocationStatus",
    # certificates
    "X509Certificate",
    "X500DistinguishedName",
    # AMF values (read_object / write_object)
    "Undefined",
    "UndefinedType",
    "XML",
    "Date",
    "TypedObject",
    "ECMAArray",
    "Vector",
    "VectorKind",
    "Dictionary",
    "ArrayCollection",
    "ArrayList",
    "ObjectProxy",
    "SmallMessage",
    # errors
    "SecureSocketError",
    "SocketIOError",
    "InvalidSocketError",
    "EndOfFileError",
    "SecurityError",
    "ArgumentError",
    "RangeError",
    "NullParameterError",
    "IllegalOperationError",
    "HandleError",
    "ForkedError",
    "InternalError",
    # library
    "version",
    "library_path",
]


def version() -> str:
    """The native library's version string, e.g. ``"0.1.0"`` (loads it)."""
    return str(_native.load().ss_version().decode("ascii"))


def library_path() -> str:
    """The file the native library was loaded from (loads it)."""
    return _native.load().path
