"""AS3 events and the EventDispatcher, in Python.

The classes mirror ``flash.events``: :class:`Event` (``connect``, ``close``),
:class:`ProgressEvent` (``socketData``), :class:`IOErrorEvent` (``ioError``),
:class:`SecurityErrorEvent` (``securityError``) and
:class:`OutputProgressEvent` (``outputProgress``), with AS3's fields in PEP 8
spelling (``bytesLoaded`` -> ``bytes_loaded``, ``errorID`` -> ``error_id``)
and one addition, ``detail`` on error events: why, in words.

:class:`EventDispatcher` is AS3's listener registry, without the display
list's capture and bubble phases (a socket is always the target):

>>> d = EventDispatcher()
>>> d.add_event_listener(Event.CONNECT, lambda e: print("second"))
>>> d.add_event_listener(Event.CONNECT, lambda e: print("first"), priority=1)
>>> d.dispatch_event(Event(Event.CONNECT))
first
second
True

Rules, as in AS3: higher priority first, equal priorities in the order
added; adding a listener that is already registered for the type does
nothing; a listener added or removed while an event is being dispatched
takes effect from the next event; an event that is dispatched again is
cloned first.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar
from collections.abc import Callable

__all__ = [
    "Event",
    "ProgressEvent",
    "TextEvent",
    "ErrorEvent",
    "IOErrorEvent",
    "SecurityErrorEvent",
    "OutputProgressEvent",
    "EventDispatcher",
    "Listener",
    "EventPhase",
]

E = TypeVar("E", bound="Event")

#: A listener: any callable taking the event. Its return value is ignored.
Listener = Callable[[Any], Any]


class EventPhase:
    """AS3 ``EventPhase``. Socket events are always ``AT_TARGET``."""

    CAPTURING_PHASE = 1
    AT_TARGET = 2
    BUBBLING_PHASE = 3


class Event:
    """AS3 ``flash.events.Event``: ``connect`` and ``close`` on a socket.

    Attributes:
        type: the event type string, e.g. ``"connect"``.
        target: the object that dispatched it (the :class:`SecureSocket`);
            None until dispatched.
        current_target: the object whose listeners are running.
        bubbles, cancelable: always False for socket events.
        event_phase: :attr:`EventPhase.AT_TARGET` while dispatched.
    """

    #: The connection succeeded: the handshake and every certificate check
    #: passed (``server_certificate_status`` is ``"trusted"``).
    CONNECT = "connect"
    #: The server closed the connection. Never sent for your own ``close()``.
    CLOSE = "close"

    _fields: tuple[str, ...] = ()

    def __init__(self, type: str, bubbles: bool = False, cancelable: bool = False) -> None:
        self.type = type
        self.bubbles = bubbles
        self.cancelable = cancelable
        self.target: Any = None
        self.current_target: Any = None
        self.event_phase = 0
        self._default_prevented = False
        self._stop = 0  # 1: stop_propagation, 2: stop_immediate_propagation

    def clone(self: E) -> E:
        """A copy with the same type and fields, not yet dispatched."""
        copy = self.__class__.__new__(self.__class__)
        Event.__init__(copy, self.type, self.bubbles, self.cancelable)
        for name in self._fields:
            setattr(copy, name, getattr(self, name))
        return copy

    def prevent_default(self) -> None:
        """Cancels the default behaviour if the event is cancelable (no socket
        event is)."""
        if self.cancelable:
            self._default_prevented = True

    def is_default_prevented(self) -> bool:
        return self._default_prevented

    def stop_propagation(self) -> None:
        """No further nodes. A socket is the only node: same as the next."""
        self._stop = max(self._stop, 1)

    def stop_immediate_propagation(self) -> None:
        """No further listeners for this event, not even on this object."""
        self._stop = 2

    def __repr__(self) -> str:
        # AS3 toString(): [Event type="connect" bubbles=false cancelable=false eventPhase=2]
        parts = [
            f'type="{self.type}"',
            f"bubbles={str(self.bubbles).lower()}",
            f"cancelable={str(self.cancelable).lower()}",
            f"eventPhase={self.event_phase}",
        ]
        for name in self._fields:
            value = getattr(self, name)
            parts.append(f'{_as3_name(name)}="{value}"' if isinstance(value, str) else f"{_as3_name(name)}={value}")
        return f"[{self.__class__.__name__} {' '.join(parts)}]"


def _as3_name(name: str) -> str:
    head, *rest = name.split("_")
    out = head + "".join(w.capitalize() for w in rest)
    return "errorID" if out == "errorId" else out


class ProgressEvent(Event):
    """AS3 ``flash.events.ProgressEvent``: ``socketData``.

    Attributes:
        bytes_loaded: bytes that arrived since the last ``socketData`` (events
            waiting in the queue merge, so this may cover several arrivals).
        bytes_total: always 0 for ``socketData``, as in AS3.
    """

    #: Input arrived: read it with the read_* methods.
    SOCKET_DATA = "socketData"
    PROGRESS = "progress"

    _fields = ("bytes_loaded", "bytes_total")

    def __init__(
        self,
        type: str,
        bubbles: bool = False,
        cancelable: bool = False,
        bytes_loaded: int = 0,
        bytes_total: int = 0,
    ) -> None:
        super().__init__(type, bubbles, cancelable)
        self.bytes_loaded = bytes_loaded
        self.bytes_total = bytes_total


class TextEvent(Event):
    """AS3 ``flash.events.TextEvent``: the base of the error events."""

    _fields: tuple[str, ...] = ("text",)

    def __init__(self, type: str, bubbles: bool = False, cancelable: bool = False, text: str = "") -> None:
        super().__init__(type, bubbles, cancelable)
        self.text = text


class ErrorEvent(TextEvent):
    """AS3 ``flash.events.ErrorEvent``.

    Attributes:
        text: the AS3 text, e.g. ``"Error #2031: Socket Error. URL: localhost"``.
        error_id: the AS3 error id (2031 for ioError, 2048 for securityError).
        detail: why, in words (``"connection refused"``, an x509 reason, a TLS
            alert). An addition to AS3.
    """

    ERROR = "error"

    _fields = ("text", "error_id", "detail")

    def __init__(
        self,
        type: str,
        bubbles: bool = False,
        cancelable: bool = False,
        text: str = "",
        error_id: int = 0,
        detail: str = "",
    ) -> None:
        super().__init__(type, bubbles, cancelable, text)
        self.error_id = error_id
        self.detail = detail


class IOErrorEvent(ErrorEvent):
    """AS3 ``flash.events.IOErrorEvent``: ``ioError``, a connect that failed
    (see the socket's ``server_certificate_status`` for a refused
    certificate) or a connection that broke."""

    IO_ERROR = "ioError"


class SecurityErrorEvent(ErrorEvent):
    """AS3 ``flash.events.SecurityErrorEvent``: ``securityError`` (#2048)."""

    SECURITY_ERROR = "securityError"


class OutputProgressEvent(Event):
    """AS3 ``flash.events.OutputProgressEvent``: ``outputProgress``, flushed
    bytes moved to the network.

    Attributes:
        bytes_pending: flushed bytes not yet sent.
        bytes_total: bytes sent plus pending.
    """

    OUTPUT_PROGRESS = "outputProgress"

    _fields = ("bytes_pending", "bytes_total")

    def __init__(
        self,
        type: str,
        bubbles: bool = False,
        cancelable: bool = False,
        bytes_pending: int = 0,
        bytes_total: int = 0,
    ) -> None:
        super().__init__(type, bubbles, cancelable)
        self.bytes_pending = bytes_pending
        self.bytes_total = bytes_total


class _Entry:
    __slots__ = ("listener", "priority")

    def __init__(self, listener: Listener, priority: int) -> None:
        self.listener = listener
        self.priority = priority


class EventDispatcher:
    """AS3 ``flash.events.EventDispatcher``. Thread-safe: listeners may be
    added and removed from any thread while another dispatches.

    Each type's listeners live in a tuple that is replaced, never changed, so
    a dispatch iterates a snapshot without holding the lock while listeners
    run (they may add, remove and dispatch themselves).
    """

    def __init__(self, target: Any = None) -> None:
        self._listeners: dict[str, tuple[_Entry, ...]] = {}
        self._listeners_lock = threading.Lock()
        # AS3's EventDispatcher(target): events carry this as their target.
        self._dispatch_target = self if target is None else target

    def add_event_listener(self, type: str, listener: Listener, priority: int = 0) -> None:
        """Registers ``listener(event)`` for events of ``type``. Higher
        ``priority`` runs first; equal ones in the order added. Registering
        a listener that is already registered for ``type`` does nothing
        (its priority stays).

        >>> sock.add_event_listener(ProgressEvent.SOCKET_DATA, on_data)  # doctest: +SKIP
        """
        if not callable(listener):
            raise TypeError(f"listener must be callable, not {listener.__class__.__name__}")
        with self._listeners_lock:
            entries = self._listeners.get(type, ())
            if any(e.listener == listener for e in entries):
                return
            new = _Entry(listener, priority)
            # Insert after every entry of the same or higher priority.
            i = len(entries)
            while i > 0 and entries[i - 1].priority < priority:
                i -= 1
            self._listeners[type] = (*entries[:i], new, *entries[i:])
        self._listeners_changed(type)

    def remove_event_listener(self, type: str, listener: Listener) -> None:
        """Unregisters ``listener`` for ``type``; nothing if it is not
        registered. A dispatch already running still calls it."""
        with self._listeners_lock:
            entries = self._listeners.get(type, ())
            kept = tuple(e for e in entries if e.listener != listener)
            if len(kept) != len(entries):
                if kept:
                    self._listeners[type] = kept
                else:
                    del self._listeners[type]
        self._listeners_changed(type)

    def _listeners_changed(self, type: str) -> None:
        """Called after listeners of ``type`` were added or removed; a
        subclass that can skip work nobody listens to overrides it."""

    def has_event_listener(self, type: str) -> bool:
        """True if any listener is registered for ``type``."""
        return type in self._listeners

    def will_trigger(self, type: str) -> bool:
        """Same as :meth:`has_event_listener`: a socket has no ancestors."""
        return self.has_event_listener(type)

    def dispatch_event(self, event: Event) -> bool:
        """Runs the listeners of ``event.type`` on this thread, in priority
        order, with ``event.target`` set to this object. An exception from a
        listener propagates at once (the remaining listeners do not run).
        Returns False if a listener called ``prevent_default()`` on a
        cancelable event, else True.

        An event that was dispatched before is cloned first, as in AS3.
        """
        if event.target is not None:
            event = event.clone()
        event.target = self._dispatch_target
        event.current_target = self._dispatch_target
        event.event_phase = EventPhase.AT_TARGET
        for entry in self._listeners.get(event.type, ()):
            entry.listener(event)
            if event._stop == 2:
                break
        return not event._default_prevented
