"""Event delivery: from the library's one queue to each socket's listeners.

The library never calls Python from its own threads (a ctypes callback from
a foreign thread costs ~10 us and runs on a thread Python does not know).
Events wait in one process-wide C queue behind one file descriptor, readable
while events wait (on Linux also while a connection's input waits: then
``ss_next_event`` decrypts it on the calling thread first, see the header's
"Input on Linux"). This module takes them with ``ss_next_event`` and runs
each socket's listeners on the thread that asked:

- :func:`dispatch` waits on the fd with poll() (the GIL is released while it
  waits; Ctrl-C interrupts it), then runs what waits;
- :func:`run` calls :func:`dispatch` until a condition holds or a timeout;
- :func:`attach` registers the fd with an asyncio loop (``loop.add_reader``),
  which then runs listeners as part of the loop. ``SecureSocket.connect()``
  attaches automatically when called inside a running loop.

One hub per process routes records to sockets by handle address. It holds a
socket strongly from ``connect()`` until it is done (``close()``, ``free()``,
or a ``close``/``ioError``/``securityError`` event), so listeners keep
getting events while it is connecting or connected even if the program keeps
no reference, as in AS3; otherwise weakly, so an unused socket can be
collected.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
import time
import weakref
from ctypes import byref, string_at
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from . import _errors, _native
from ._events import (
    Event,
    IOErrorEvent,
    OutputProgressEvent,
    ProgressEvent,
    SecurityErrorEvent,
)

if TYPE_CHECKING:
    import asyncio

    from ._socket import Socket

__all__ = ["dispatch", "run", "attach", "detach", "wake", "event_fd", "hub"]

# Events taken per drain before returning to the caller (dispatch() or the
# asyncio loop). A busy socket keeps producing socketData; the bound keeps one
# drain from running forever and lets the loop serve its other work. The fd
# stays readable, so the next call continues.
DRAIN_LIMIT = 256

# Event types after which a socket is done: no connection, no attempt.
_FINAL = frozenset({_native.SS_EVENT_CLOSE, _native.SS_EVENT_IO_ERROR, _native.SS_EVENT_SECURITY_ERROR})

# The AS3 names of the event types that may be taken without an event object
# when the socket has no listener for them (drain): dispatching them would
# run nothing and report nothing. Not the error types (an unhandled one is
# logged) nor types newer than these bindings.
_QUIET_NAMES = {
    _native.SS_EVENT_CONNECT: Event.CONNECT,
    _native.SS_EVENT_CLOSE: Event.CLOSE,
    _native.SS_EVENT_SOCKET_DATA: ProgressEvent.SOCKET_DATA,
    _native.SS_EVENT_OUTPUT_PROGRESS: OutputProgressEvent.OUTPUT_PROGRESS,
}
# Socket.dispatch_event, set by _socket (which imports this module): a
# subclass that overrides it sees every event, listened to or not.
_plain_dispatch: Any = None


def _text(ptr: int | None, n: int) -> str:
    return string_at(ptr, n).decode("utf-8", "replace") if n and ptr else ""


def _to_event(ev: _native.SSEvent) -> Event:
    """A Python event object with copies of the record's fields (its strings
    die with the next ss_next_event on this thread)."""
    t = ev.type
    if t == _native.SS_EVENT_SOCKET_DATA:
        # bytesTotal is 0 for socketData in AS3.
        return ProgressEvent(ProgressEvent.SOCKET_DATA, bytes_loaded=ev.bytes_loaded)
    if t == _native.SS_EVENT_CONNECT:
        return Event(Event.CONNECT)
    if t == _native.SS_EVENT_OUTPUT_PROGRESS:
        return OutputProgressEvent(
            OutputProgressEvent.OUTPUT_PROGRESS,
            bytes_pending=ev.bytes_pending,
            bytes_total=ev.bytes_total,
        )
    if t == _native.SS_EVENT_CLOSE:
        return Event(Event.CLOSE)
    if t == _native.SS_EVENT_IO_ERROR:
        return IOErrorEvent(
            IOErrorEvent.IO_ERROR,
            text=_text(ev.text, ev.text_len),
            error_id=ev.error_id,
            detail=_text(ev.detail, ev.detail_len),
        )
    if t == _native.SS_EVENT_SECURITY_ERROR:
        return SecurityErrorEvent(
            SecurityErrorEvent.SECURITY_ERROR,
            text=_text(ev.text, ev.text_len),
            error_id=ev.error_id,
            detail=_text(ev.detail, ev.detail_len),
        )
    # A type newer than these bindings: pass its AS3 name on.
    return Event((ev.type_name or b"").decode("utf-8", "replace"))


ErrorHandler = Callable[[BaseException, Event, "Socket"], None]


class _Hub:
    """The process's one route from the C queue to sockets."""

    def __init__(self) -> None:
        # handle address -> socket. Weak for every live socket; strong for
        # those connecting or connected (see the module docstring).
        # A plain dict of weak references rather than a WeakValueDictionary:
        # its get() is a Python method, and this lookup is on every event.
        # The entry goes when the socket is freed (forget), collected or not.
        self.sockets: dict[int, weakref.ref[Socket]] = {}
        self.active: dict[int, Socket] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._fd = -1
        self._spin: Any = None
        # Threads waiting in dispatch(), by their wake fd, and a count of
        # changes (deliveries, wake()) that run() conditions are checked at.
        self._waiters: set[int] = set()
        self._gen = 0
        self._local = threading.local()

    # ---- registry -------------------------------------------------------

    def add(self, addr: int, sock: Socket) -> None:
        self.sockets[addr] = weakref.ref(sock)

    def activate(self, addr: int, sock: Socket) -> None:
        self.active[addr] = sock

    def deactivate(self, addr: int) -> None:
        self.active.pop(addr, None)

    def forget(self, addr: int) -> None:
        self.active.pop(addr, None)
        self.sockets.pop(addr, None)

    # ---- fds ------------------------------------------------------------

    def event_fd(self) -> int:
        fd = self._fd
        if fd >= 0:
            return fd
        lib = _native.load()
        fd = int(lib.ss_event_fd())
        if fd < 0:
            raise _errors.make(fd, "securesocket: ss_event_fd failed", 0)
        self._fd = fd
        return fd

    def _thread_wake(self) -> _WakeFd:
        """This thread's own eventfd, polled next to the event fd so that
        another thread can end this thread's wait (see _bump)."""
        w = getattr(self._local, "wake", None)
        if w is None:
            w = self._local.wake = _WakeFd()
        return w

    def _bump(self) -> None:
        """Something changed (events were delivered, or wake()): wake every
        thread waiting in dispatch() so that run() conditions are re-checked
        there. A listener may have made them true in this thread."""
        with self._lock:
            self._gen += 1
            # Under the lock: a waiter leaves the set under it before its
            # thread can exit and close the fd (whose number could then be
            # reused by some other file).
            for fd in self._waiters:
                _WakeFd.signal(fd)

    # ---- draining -------------------------------------------------------

    def drain(self, limit: int = DRAIN_LIMIT, on_error: ErrorHandler | None = None) -> int:
        """Takes up to ``limit`` waiting events and runs their listeners.
        Returns how many it took. A listener's exception propagates (the
        events not yet taken stay queued) unless ``on_error`` takes it."""
        # Per thread, like ss_next_event's strings; each record is copied
        # into an event object before a listener runs (which may drain too).
        try:
            ev, ref, next_event = self._local.taker
        except AttributeError:
            ev = _native.SSEvent()
            ev, ref, next_event = self._local.taker = (ev, byref(ev), _native.load().ss_next_event)
        sockets = self.sockets
        plain_dispatch = _plain_dispatch
        n = 0
        try:
            while n < limit:
                rc = next_event(ref)
                if rc <= 0:
                    if rc < 0:
                        raise _errors.make(rc, "securesocket: ss_next_event failed", 0)
                    break
                n += 1
                # Read before a listener can take events too. None waited
                # behind this one: stop without another call (later events
                # and input make the event fd readable).
                last = not ev.queued
                addr = ev.socket
                t = ev.type
                wref = sockets.get(addr)
                if t in _FINAL:
                    self.active.pop(addr, None)
                sock = wref() if wref is not None else None
                # Else freed or collected: nobody listens. And nobody listens
                # to an event whose type has no listener on a socket whose
                # class keeps the standard dispatch_event: taken without an
                # event object (errors are always dispatched: an unhandled
                # one is logged).
                if sock is not None and (
                    (name := _QUIET_NAMES.get(t)) is None
                    or name in sock._listeners
                    or type(sock).dispatch_event is not plain_dispatch
                ):
                    event = _to_event(ev)
                    if on_error is None:
                        sock.dispatch_event(event)
                    else:
                        try:
                            sock.dispatch_event(event)
                        except Exception as exc:
                            on_error(exc, event, sock)
                if last:
                    break
        finally:
            if n:
                self._bump()
        return n

    def dispatch(self, timeout: float | None, seen_gen: int | None = None) -> int:
        """dispatch() below; ``seen_gen`` is the generation the caller's
        condition was checked at: if anything happened since, do not wait."""
        if seen_gen is None:
            seen_gen = self._gen
        n = self.drain()
        if n:
            return n
        if timeout is not None and timeout <= 0:
            return 0
        # A reply that comes back within the library's spin time (50 us)
        # costs no sleep and no wake-up of an idle processor, and after a
        # stream's batch the library pauses there so that the next records
        # are decrypted in one batch (ss_spin_events; the GIL is released
        # meanwhile).
        spin = self._spin
        if spin is None:
            spin = self._spin = _native.load().ss_spin_events
        if spin() > 0:
            return self.drain()
        fd = self._fd
        if fd < 0:
            fd = self.event_fd()
        w = getattr(self._local, "wake", None)
        if w is None:
            w = self._thread_wake()
        me = w.fd
        with self._lock:
            if self._gen != seen_gen:
                return 0
            self._waiters.add(me)
        woke = True
        try:
            woke = _wait_readable(fd, w, timeout)
        finally:
            with self._lock:
                self._waiters.discard(me)
            if woke:
                # A wake that lands after this point leaves the fd readable:
                # the next wait returns at once, which callers allow.
                _WakeFd.drain(me)
        return self.drain()

    def wake(self) -> None:
        self._bump()

    # ---- asyncio ----------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop | None) -> asyncio.AbstractEventLoop:
        import asyncio

        if loop is None:
            loop = asyncio.get_running_loop()
        if sys.platform == "win32" and not isinstance(loop, asyncio.SelectorEventLoop):
            # The default ProactorEventLoop has no add_reader.
            raise RuntimeError(
                "securesocket: on Windows, asyncio needs a SelectorEventLoop to watch the "
                "library's event socket (asyncio.WindowsSelectorEventLoopPolicy())"
            )
        fd = self.event_fd()
        with self._lock:
            old = self._loop
            if old is loop and not loop.is_closed():
                return loop
            self._loop = loop
        if old is not None and not old.is_closed():
            _in_loop(old, old.remove_reader, fd)
        _in_loop(loop, loop.add_reader, fd, self._on_readable, loop)
        return loop

    def detach(self) -> None:
        with self._lock:
            old, self._loop = self._loop, None
        if old is not None and not old.is_closed():
            _in_loop(old, old.remove_reader, self.event_fd())

    def attached_loop(self) -> asyncio.AbstractEventLoop | None:
        loop = self._loop
        return None if loop is None or loop.is_closed() else loop

    def _on_readable(self, loop: asyncio.AbstractEventLoop) -> None:
        def report(exc: BaseException, event: Event, sock: Socket) -> None:
            loop.call_exception_handler(
                {
                    "message": f"securesocket: exception in a {event.type!r} listener",
                    "exception": exc,
                    "event": event,
                    "socket": sock,
                }
            )

        self.drain(DRAIN_LIMIT, report)


if hasattr(select, "poll"):

    def _wait_readable(fd: int, w: _WakeFd, timeout: float | None) -> bool:
        """Waits until fd or the thread's wake fd is readable; says whether
        the wake fd was."""
        poller = w.poller
        if poller is None:  # one per thread: the event fd never changes
            poller = w.poller = select.poll()
            poller.register(fd, select.POLLIN)
            poller.register(w.fd, select.POLLIN)
        # poll() releases the GIL; on a signal it runs Python's handlers
        # (a KeyboardInterrupt propagates) and otherwise resumes (PEP 475).
        me = w.fd
        for f, _ in poller.poll(None if timeout is None else max(1, int(timeout * 1000 + 0.999))):
            if f == me:
                return True
        return False

else:  # Windows: both are sockets there (ss_event_fd is one, see _WakeFd)

    def _wait_readable(fd: int, w: _WakeFd, timeout: float | None) -> bool:
        r, _, _ = select.select([fd, w.fd], [], [], None if timeout is None else max(0.001, timeout))
        return w.fd in r


class _WakeFd:
    """A thread's wake descriptor, closed when the thread's locals go: an
    eventfd where the os module has one (Linux), else a socket pair (macOS,
    the BSDs, and Windows, where select() takes only sockets). ``fd`` is
    what waits; signal(fd) and drain(fd) take it, so that waiters are plain
    numbers."""

    _writers: dict[int, Any] = {}  # fd -> (reader, writer) sockets, no eventfd

    def __init__(self) -> None:
        self.poller: Any = None  # _wait_readable's, made on first use
        if hasattr(os, "eventfd"):
            self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
            self._pair: tuple[Any, Any] | None = None
        else:
            import socket

            r, w = socket.socketpair()
            r.setblocking(False)
            w.setblocking(False)
            self._pair = (r, w)
            self.fd = r.fileno()
            _WakeFd._writers[self.fd] = self._pair

    @staticmethod
    def signal(fd: int) -> None:
        pair = _WakeFd._writers.get(fd)
        with contextlib.suppress(BlockingIOError):  # full: readable anyway
            if pair is None:
                os.eventfd_write(fd, 1)
            else:
                pair[1].send(b"\x01")

    @staticmethod
    def drain(fd: int) -> None:
        pair = _WakeFd._writers.get(fd)
        with contextlib.suppress(BlockingIOError):
            if pair is None:
                os.eventfd_read(fd)
            else:
                while pair[0].recv(64):
                    pass

    def __del__(self) -> None:
        if self._pair is None:
            os.close(self.fd)
        else:
            _WakeFd._writers.pop(self.fd, None)
            for sock in self._pair:
                sock.close()


def _in_loop(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> None:
    """Runs fn(*args) in loop's thread: add_reader/remove_reader are not
    thread-safe while the loop runs elsewhere."""
    import asyncio

    if loop.is_running() and asyncio._get_running_loop() is not loop:
        loop.call_soon_threadsafe(fn, *args)
    else:
        fn(*args)


hub = _Hub()


def _reset_in_child() -> None:
    # Another thread may have held the lock or waited in dispatch() at the
    # fork; in the child those threads are gone.
    hub._lock = threading.Lock()
    hub._waiters = set()
    hub._local = threading.local()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_reset_in_child)


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop running in this thread, or None. Cheap when asyncio
    was never imported (then no loop can be running)."""
    mod = sys.modules.get("asyncio")
    if mod is None:
        return None
    loop: asyncio.AbstractEventLoop | None = mod._get_running_loop()
    return loop


def dispatch(timeout: float | None = None) -> int:
    """Waits up to ``timeout`` seconds (None: no limit, 0: do not wait) until
    events wait, then runs their listeners on this thread. Returns how many
    events it delivered (0 after a timeout or :func:`wake`).

    Safe from several threads: each event goes to one of them. Listener
    exceptions propagate; the events not yet delivered stay queued.

    >>> sock.connect("localhost", 443)       # doctest: +SKIP
    >>> while sock.connected is False:       # doctest: +SKIP
    ...     securesocket.dispatch(1.0)
    """
    return hub.dispatch(timeout)


def run(until: Callable[[], object] | None = None, timeout: float | None = None) -> bool:
    """Dispatches events until ``until()`` is true (checked before each wait)
    or, without ``until``, until no socket is connecting or connected.
    Returns True when the condition was met, False if ``timeout`` seconds
    passed first.

    >>> done = []                                             # doctest: +SKIP
    >>> sock.add_event_listener(Event.CLOSE, done.append)     # doctest: +SKIP
    >>> securesocket.run(until=lambda: done, timeout=10)      # doctest: +SKIP
    True
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        # Read before the check: if another thread delivers events after it,
        # the wait below does not start (or ends at once).
        gen = hub._gen
        if until is not None:
            if until():
                return True
        elif not hub.active:
            return True
        if deadline is None:
            hub.dispatch(None, gen)
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        hub.dispatch(remaining, gen)


def attach(loop: asyncio.AbstractEventLoop | None = None) -> asyncio.AbstractEventLoop:
    """Delivers events through ``loop`` (default: the running loop) with
    ``loop.add_reader`` on the library's event fd; listeners then run in the
    loop's thread as ordinary callbacks, and their exceptions go to the loop's
    exception handler. One loop at a time: attaching another moves delivery
    there. ``connect()`` and the ``*_async`` methods attach by themselves.
    Returns the loop."""
    return hub.attach(loop)


def detach() -> None:
    """Stops delivering events through the attached asyncio loop."""
    hub.detach()


def wake() -> None:
    """Makes every :func:`dispatch` that is waiting, in any thread, return
    early (0), and every :func:`run` re-check its condition: for a thread that
    changed what a condition looks at. (Deliveries do this by themselves: a
    thread in ``run(until=...)`` notices events another thread delivered.)"""
    hub.wake()


def event_fd() -> int:
    """The library's event file descriptor: readable while events wait. For
    event loops other than asyncio: wait on it for reading, then call
    ``dispatch(0)``. Never read, write or close it."""
    return hub.event_fd()
