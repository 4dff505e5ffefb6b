"""Exceptions that carry the AS3 error id and class.

A failed ``ss_*`` call returns a negative code: ``-(AS3 error id)`` for the
errors the AS3 runtime throws, a small number for the few it has no id for.
:func:`raise_for` turns that code and the handle's message (``ss_error_message``,
in the runtime's words: ``"Error #2030: End of file was encountered."``) into
one of the classes below.

========================  ===========  =================  ===========================
exception                 AS3 id       AS3 class          also a Python
========================  ===========  =================  ===========================
SecureSocketError         (any)        Error              Exception
SocketIOError             2031         IOError            OSError
InvalidSocketError        2002         IOError            OSError
EndOfFileError            2030         EOFError           OSError, EOFError
SecurityError             2003, 2048   SecurityError      --
ArgumentError             2004, 2008   ArgumentError      ValueError
RangeError                2006         RangeError         ValueError
NullParameterError        2007, 1009   TypeError          TypeError
IllegalOperationError     --           IllegalOperation.. -- (not supported here)
HandleError               --           --                 -- (freed socket)
ForkedError               --           IllegalOperation.. -- (used after fork())
InternalError             --           --                 -- (a bug: please report)
========================  ===========  =================  ===========================

The names avoid Python's builtins (``IOError`` and ``EOFError`` are builtins),
and each class also derives from the builtin a Python programmer would catch,
so ``except EOFError`` and ``except ValueError`` work as expected.

The texts are the library's (``ss_error_message``, ``ss_error_text``): none
is written here. ``str(e)`` always says why: the AS3 sentence followed by the
detail in parentheses, as CPython's ``ssl`` errors do.
"""

from __future__ import annotations

from typing import NoReturn

from . import _native

__all__ = [
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
]


class SecureSocketError(Exception):
    """Base of every error this package raises for a failed library call.

    Attributes:
        error_id: the AS3 error id (2030, 2002, ...), 0 if there is none.
        message: the full text, in the AS3 runtime's form, e.g.
            ``"Error #2006: The supplied index is out of bounds. (length
            exceeds the destination)"``.
        detail: why, in words, when the library said (the part in
            parentheses above, or an ioError's detail); else ``""``.
        as3_class: the AS3 error class name, e.g. ``"EOFError"``.
        code: the library's return code (negative), 0 if not from a call.

    >>> try:
    ...     SecureSocket().read_int()
    ... except SecureSocketError as e:
    ...     print(e.error_id, e.as3_class, e)
    2002 IOError Error #2002: Operation attempted on invalid socket.
    """

    as3_class = "Error"

    def __init__(self, message: str, error_id: int = 0, detail: str = "", code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.error_id = error_id
        self.detail = detail
        self.code = code

    def __str__(self) -> str:
        # The library's messages carry the detail already ("... (why)");
        # an event's text does not ("Error #2031: Socket Error. URL: h").
        if self.detail and not self.message.endswith(f"({self.detail})"):
            return f"{self.message} ({self.detail})"
        return self.message

    # OSError's own __reduce__ would rebuild from (errno, strerror); keep ours.
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.__class__, (self.message, self.error_id, self.detail, self.code))


class SocketIOError(SecureSocketError, OSError):
    """AS3 ``flash.errors.IOError``: #2031, a socket error (a failed connect
    raised by :meth:`SecureSocket.connect_async`), and the base of
    :class:`InvalidSocketError` and :class:`EndOfFileError`.

    ``certificate_status`` is the socket's ``server_certificate_status`` when
    a connect failed (``"unknown"`` if no certificate was judged), else None.
    """

    as3_class = "IOError"

    def __init__(
        self,
        message: str,
        error_id: int = 0,
        detail: str = "",
        code: int = 0,
        certificate_status: str | None = None,
    ) -> None:
        SecureSocketError.__init__(self, message, error_id, detail, code)
        self.certificate_status = certificate_status

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (
            self.__class__,
            (self.message, self.error_id, self.detail, self.code, self.certificate_status),
        )


class InvalidSocketError(SocketIOError):
    """#2002: the socket is not open (never connected, closed, or closed by
    the server after its input was read)."""


class EndOfFileError(SocketIOError, EOFError):
    """#2030: not enough input buffered for the read. Nothing was consumed:
    wait for the next ``socketData`` event and read again."""

    as3_class = "EOFError"


class SecurityError(SecureSocketError):
    """AS3 ``SecurityError``: #2003, a port outside 0..65535; #2048 in a
    securityError event."""

    as3_class = "SecurityError"


class ArgumentError(SecureSocketError, ValueError):
    """AS3 ``ArgumentError``: #2004 (e.g. an empty host), #2008 (a value not in
    the accepted set, e.g. ``endian = "middleEndian"``)."""

    as3_class = "ArgumentError"


class RangeError(SecureSocketError, ValueError):
    """AS3 ``RangeError`` #2006: an index or length out of bounds (``write_utf``
    over 65535 bytes, ``read_bytes_into`` longer than the buffer). Nothing was
    read or written."""

    as3_class = "RangeError"


class NullParameterError(SecureSocketError, TypeError):
    """AS3 ``TypeError`` #2007/#1009: a required value was missing."""

    as3_class = "TypeError"


class IllegalOperationError(SecureSocketError):
    """AS3 ``IllegalOperationError``: ``SecureSocket()`` where secure sockets
    are not supported (``is_supported`` is False), as the AS3 constructor
    throws; and the base of :class:`ForkedError`."""

    as3_class = "IllegalOperationError"


class HandleError(SecureSocketError):
    """The socket was freed (``free()``, or the end of a ``with`` block): every
    later call raises this. Never a crash, never another socket."""


class ForkedError(IllegalOperationError):
    """The library was used in a child created by ``fork()`` after it was
    loaded (``SecureSocket()`` there, or any call on a socket). Use the
    multiprocessing start methods "spawn" or "forkserver"."""


class InternalError(SecureSocketError):
    """A failure with no AS3 counterpart: out of memory, or an internal error
    the library caught (a bug: please report the message)."""


# Return code -> class: exactly the SS_ERR_* codes of the header (checked by
# tests/test_header.py), with the AS3 class its comment names.
_BY_CODE: dict[int, type[SecureSocketError]] = {
    _native.SS_ERR_HANDLE: HandleError,
    _native.SS_ERR_PANIC: InternalError,
    _native.SS_ERR_NOMEM: InternalError,
    _native.SS_ERR_FORKED: ForkedError,
    _native.SS_ERR_INTERNAL: InternalError,
    -1009: NullParameterError,
    -2002: InvalidSocketError,
    -2003: SecurityError,
    -2004: ArgumentError,
    -2006: RangeError,
    -2007: NullParameterError,
    -2008: ArgumentError,
    -2030: EndOfFileError,
}


def split_detail(message: str, code: int = 0) -> str:
    """The detail of a library message: the text in the final parentheses
    after the AS3 sentence (``"Error #2006: ... bounds. (why)"`` -> ``"why"``).

    The library writes ``text + " (" + detail + ")"`` where ``text`` is
    ``ss_error_text(code)``, so that prefix is cut when it matches. Texts
    with a parameter filled in ("Parameter endian must be ...") do not
    match it; every AS3 sentence ends with ".", so those split at the first
    ". (".
    """
    if code:
        lead = text(code) + " ("
        if message.startswith(lead) and message.endswith(")"):
            return message[len(lead) : -1]
    _, sep, tail = message.partition(". (")
    if sep and tail.endswith(")"):
        return tail[:-1]
    return ""


def make(code: int, message: str, error_id: int) -> SecureSocketError:
    """The exception for a failed call's return code and recorded message."""
    if error_id == 0 and code <= -1000:
        error_id = -code
    cls = _BY_CODE.get(code, SecureSocketError)
    return cls(message, error_id, split_detail(message, code), code)


def text(code: int) -> str:
    """The library's text for a return code or AS3 id, without a socket
    (``ss_error_text``): ``text(-2030)`` is ``"Error #2030: End of file was
    encountered."``."""
    raw = _native.load().ss_error_text(code)
    return raw.decode("utf-8", "replace") if raw else ""


def error(code: int, detail: str = "") -> SecureSocketError:
    """The exception for ``code`` where no socket recorded a message: the
    library's text, then ``detail`` in parentheses as the library writes it."""
    message = text(code)
    if detail:
        message = f"{message} ({detail})"
    return make(code, message, -code if code <= -1000 else 0)


def raise_for(lib: _native.Lib, handle: object, code: int) -> NoReturn:
    """Raises the exception for ``code``, returned by a call on ``handle``.

    The class comes from the return code, not from ``ss_error_id``: the
    handle's last message can be overwritten by another thread's failing call
    on the same socket between the two calls, the code cannot.
    """
    raw = lib.ss_error_message(handle)
    message = raw.decode("utf-8", "replace") if raw else ""
    error_id = -code if code <= -1000 else 0
    raise make(code, message, error_id)
