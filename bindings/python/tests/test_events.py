"""Event delivery: dispatch(), run(), asyncio, listeners on real events, threads."""

from __future__ import annotations

import asyncio
import gc
import signal
import struct
import threading
import time
from typing import Any

import pytest
from labutil import Lab, Recorder, connect, pattern, wait_for

import securesocket
from securesocket import (
    EndOfFileError,
    Event,
    HandleError,
    InvalidSocketError,
    IOErrorEvent,
    ProgressEvent,
    SecureSocket,
    SecureSocketError,
    SocketIOError,
)
from securesocket._dispatch import hub


def test_dispatch_timeout_and_count(lab: Lab, sock: SecureSocket) -> None:
    start = time.monotonic()
    assert securesocket.dispatch(0) == 0
    assert securesocket.dispatch(0.1) == 0
    assert 0.09 <= time.monotonic() - start < 2
    rec = Recorder(sock)
    sock.connect(lab.host, lab.port("echo"))
    n = 0
    deadline = time.monotonic() + 10
    while not rec.events and time.monotonic() < deadline:
        n += securesocket.dispatch(1.0)
    assert n == 1 and rec.types() == ["connect"]


def test_run_without_until_ends_when_sockets_are_done(lab: Lab) -> None:
    socks = [SecureSocket() for _ in range(3)]
    recs = [Recorder(s) for s in socks]
    socks[0].connect(lab.host, lab.port("closeAfter"))  # connect, data, close
    socks[1].connect(lab.host, lab.port("refused"))  # ioError
    socks[2].connect(lab.host, lab.port("expired"))  # ioError
    assert securesocket.run(timeout=15) is True
    assert not hub.active
    assert recs[0].types()[0] == "connect" and recs[0].types()[-1] == "close"
    assert recs[1].types() == ["ioError"] and recs[2].types() == ["ioError"]
    for s in socks:
        s.free()


def test_priorities_and_removal_on_socket_events(lab: Lab, sock: SecureSocket) -> None:
    order: list[str] = []

    def low(e: Event) -> None:
        order.append("low")

    def high(e: Event) -> None:
        order.append("high")
        assert e.target is sock and e.current_target is sock

    def removed(e: Event) -> None:
        order.append("removed")

    sock.add_event_listener(Event.CONNECT, low, priority=-5)
    sock.add_event_listener(Event.CONNECT, high, priority=10)
    sock.add_event_listener(Event.CONNECT, lambda e: order.append("default"))
    sock.add_event_listener(Event.CONNECT, removed)
    sock.remove_event_listener(Event.CONNECT, removed)
    connect(sock, lab, "echo")
    assert order == ["high", "default", "low"]


def test_listener_exception_propagates_from_dispatch(lab: Lab, sock: SecureSocket) -> None:
    def boom(e: Event) -> None:
        raise ValueError("listener failed")

    sock.add_event_listener(Event.CONNECT, boom)
    sock.connect(lab.host, lab.port("echo"))
    with pytest.raises(ValueError, match="listener failed"):
        securesocket.run(until=lambda: False, timeout=10)
    assert sock.connected  # the socket is fine; only the listener failed


def test_unreferenced_connected_socket_keeps_getting_events(lab: Lab) -> None:
    got: list[Any] = []

    def start() -> None:
        s = SecureSocket()  # no reference kept, as in AS3 code
        s.add_event_listener(Event.CLOSE, got.append)
        s.add_event_listener(ProgressEvent.SOCKET_DATA, lambda e: e.target.read_bytes())
        s.connect(lab.host, lab.port("closeAfter"))

    start()
    gc.collect()
    wait_for(lambda: got)
    assert got[0].type == "close"
    sock = got[0].target
    assert isinstance(sock, SecureSocket) and sock._addr not in hub.active
    sock.free()


def dispatch_in_a_thread() -> tuple[threading.Thread, list[int]]:
    """Starts dispatch(30) in another thread and returns once it waits
    (wake() wakes the threads already waiting); the list gets its result."""
    result: list[int] = []
    t = threading.Thread(target=lambda: result.append(securesocket.dispatch(30)))
    t.start()
    deadline = time.monotonic() + 10
    while not hub._waiters and time.monotonic() < deadline:
        time.sleep(0.01)
    assert hub._waiters
    return t, result


def test_wake_ends_a_blocking_dispatch() -> None:
    t, result = dispatch_in_a_thread()
    start = time.monotonic()
    securesocket.wake()
    t.join(5)
    assert not t.is_alive() and result == [0]
    assert time.monotonic() - start < 2


def test_run_sees_events_another_thread_delivered(lab: Lab) -> None:
    # Two threads in run(): whichever takes the event runs the listener; the
    # other must notice its condition without waiting for its timeout.
    a, b = SecureSocket(), SecureSocket()
    ra, rb = Recorder(a), Recorder(b)
    done: dict[str, float] = {}

    def runner(name: str, rec: Recorder) -> None:
        t0 = time.monotonic()
        securesocket.run(until=rec.has("connect", "ioError"), timeout=20)
        done[name] = time.monotonic() - t0

    threads = [threading.Thread(target=runner, args=("a", ra)), threading.Thread(target=runner, args=("b", rb))]
    for t in threads:
        t.start()
    time.sleep(0.1)
    a.connect(lab.host, lab.port("echo"))
    b.connect(lab.host, lab.port("echo"))
    for t in threads:
        t.join(25)
    assert ra.types() == ["connect"] and rb.types() == ["connect"]
    assert max(done.values()) < 10, done
    a.free()
    b.free()


# ---- asyncio -------------------------------------------------------------------


def test_asyncio_connect_async_and_data(lab: Lab) -> None:
    async def main() -> list[str]:
        async with SecureSocket() as s:
            rec = Recorder(s)
            await s.connect_async(lab.host, lab.port("echo"))
            assert s.connected and s.server_certificate_status == "trusted"
            s.write_int(-7)
            s.write_utf("héllo")
            s.flush()
            await s.wait_bytes(4 + 2 + 6, timeout=10)
            assert s.read_int() == -7
            assert s.read_utf() == "héllo"
            ev = asyncio.ensure_future(s.wait_event(ProgressEvent.SOCKET_DATA, timeout=10))
            await asyncio.sleep(0)
            s.write_byte(1)
            s.flush()
            data = await ev
            assert isinstance(data, ProgressEvent) and data.bytes_loaded == 1 and data.bytes_total == 0
            return rec.types()

    types = asyncio.run(main())
    assert types[0] == "connect" and "socketData" in types and "outputProgress" in types


@pytest.mark.parametrize("scenario", ["expired", "refused", "wrongHost"])
def test_asyncio_connect_failure_raises(lab: Lab, scenario: str) -> None:
    status = lab.expect[scenario]["status"]  # the lab publishes the outcome

    async def main() -> SocketIOError:
        with SecureSocket() as s:
            with pytest.raises(SocketIOError) as ei:
                await s.connect_async(lab.host, lab.port(scenario))
            assert s.server_certificate_status == status
            return ei.value

    e = asyncio.run(main())
    assert e.error_id == 2031 and e.code == -2031
    assert e.message == f"Error #2031: Socket Error. URL: {lab.host}"
    assert e.detail and e.certificate_status == status
    assert isinstance(e, OSError)


def test_asyncio_cancel_aborts_connect(lab: Lab) -> None:
    async def main() -> None:
        with SecureSocket() as s:
            s.timeout = 5000
            task = asyncio.ensure_future(s.connect_async(lab.host, lab.port("silent")))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not s.connected and s._addr not in hub.active
            # Nothing else follows the aborted attempt.
            with pytest.raises(asyncio.TimeoutError):
                await s.wait_event(Event.CONNECT, IOErrorEvent.IO_ERROR, timeout=0.3)

    asyncio.run(main())


def test_asyncio_wait_bytes_eof_on_close(lab: Lab) -> None:
    async def main() -> None:
        with SecureSocket() as s:
            await s.connect_async(lab.host, lab.port("closeAfter"))
            with pytest.raises(EndOfFileError):
                await s.wait_bytes(1001, timeout=10)
            assert s.read_bytes() == pattern(1000)
            with pytest.raises(InvalidSocketError):
                s.read_byte()

    asyncio.run(main())


def test_asyncio_many_sockets_and_listener_errors(lab: Lab) -> None:
    errors: list[dict[str, Any]] = []

    async def one(i: int) -> int:
        s = SecureSocket()
        try:
            await s.connect_async(lab.host, lab.port("source"))
            n = 64 * 1024 * (i + 1)
            s.write_bytes(struct.pack(">Q", n))
            s.flush()
            buf = bytearray(n)
            got = 0
            while got < n:
                await s.wait_bytes(1, timeout=10)
                got += s.read_bytes_into(memoryview(buf)[got:])
            assert buf == pattern(n)
            return got
        finally:
            s.free()

    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, ctx: errors.append(ctx))
        # A listener that raises goes to the loop's handler; delivery goes on.
        bad = SecureSocket()
        bad.add_event_listener(Event.CONNECT, lambda e: 1 / 0)
        await bad.connect_async(lab.host, lab.port("echo"))
        bad.free()
        return await asyncio.gather(*(one(i) for i in range(8)))

    sizes = asyncio.run(main())
    assert sizes == [64 * 1024 * (i + 1) for i in range(8)]
    assert len(errors) == 1 and isinstance(errors[0]["exception"], ZeroDivisionError)
    assert errors[0]["event"].type == "connect"


def test_asyncio_attach_follows_new_loops(lab: Lab) -> None:
    # Each asyncio.run() makes a new loop; connect() moves delivery there.
    for _ in range(2):

        async def main() -> None:
            with SecureSocket() as s:
                await s.connect_async(lab.host, lab.port("echo"))
                assert hub.attached_loop() is asyncio.get_running_loop()

        asyncio.run(main())
    securesocket.detach()
    assert hub.attached_loop() is None


# ---- threads ---------------------------------------------------------------------


def test_threads_on_separate_sockets(lab: Lab) -> None:
    # Eight threads, each with a socket, all in run() at once: events of one
    # socket may be delivered by another thread; every thread finishes.
    failures: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            with SecureSocket() as s:
                rec = Recorder(s)
                s.connect(lab.host, lab.port("echo"))
                if not securesocket.run(until=rec.has("connect", "ioError"), timeout=20):
                    raise AssertionError("no connect")
                for k in range(200):
                    s.write_int(i * 1000 + k)
                s.flush()
                if not securesocket.run(until=lambda: s.bytes_available >= 800, timeout=20):
                    raise AssertionError("no echo")
                assert [s.read_int() for _ in range(200)] == [i * 1000 + k for k in range(200)]
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures


def test_threads_on_one_socket_with_free(lab: Lab) -> None:
    # Readers, writers and property getters hammer one socket while another
    # thread frees it: every call returns or raises a SecureSocketError.
    s = SecureSocket()
    connect(s, lab, "echo")
    stop = threading.Event()
    unexpected: list[BaseException] = []
    ok = [0] * 6  # per thread: no shared counter to race on
    ended_by_handle_error = [False] * 6

    def hammer(k: int) -> None:
        buf = bytearray(64)
        while not stop.is_set():
            try:
                if k % 3 == 0:
                    s.write_int(k)
                    s.flush()
                elif k % 3 == 1:
                    s.read_bytes_into(buf)
                else:
                    _ = (s.bytes_available, s.connected, s.endian, s.server_certificate_status)
                ok[k] += 1
            except HandleError:
                ended_by_handle_error[k] = True
                return
            except SecureSocketError:
                pass
            except BaseException as e:
                unexpected.append(e)
                return

    threads = [threading.Thread(target=hammer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        securesocket.dispatch(0.05)
    s.free()
    for t in threads:
        t.join(10)
    stop.set()
    assert not unexpected, unexpected
    assert sum(ok) > 0 and all(ended_by_handle_error)


def test_output_progress_interest_follows_listeners() -> None:
    """The library posts outputProgress only while the socket has a listener
    for it; every other event type is always posted."""
    from ctypes import c_uint32

    s = securesocket.SecureSocket()
    try:
        mask = c_uint32()

        def progress_on() -> bool:
            assert s._lib.ss_get_event_mask(s._h, mask) == 0
            assert mask.value & (1 << 3)  # socketData is never masked by the binding
            return bool(mask.value & (1 << 6))

        assert not progress_on()
        f = lambda e: None  # noqa: E731
        s.add_event_listener("outputProgress", f)
        assert progress_on()
        s.add_event_listener("socketData", f)
        s.remove_event_listener("outputProgress", f)
        assert not progress_on()
    finally:
        s.free()


def _take_one(timeout: float = 10.0) -> int:
    """Dispatches until at least one event was taken; returns how many."""
    taken = 0
    deadline = time.monotonic() + timeout
    while not taken and time.monotonic() < deadline:
        taken += securesocket.dispatch(1.0)
    return taken


def test_events_nobody_listens_to_are_still_taken(lab: Lab, sock: SecureSocket) -> None:
    """The dispatcher takes an event that no listener wants without building
    an event object: it still counts, leaves the queue, and never reaches a
    listener added afterwards (which sees only later events)."""
    sock.connect(lab.host, lab.port("echo"))
    assert _take_one() == 1  # the connect, to nobody
    assert sock.connected
    assert securesocket.dispatch(0) == 0
    sock.write_bytes(b"ping")
    sock.flush()
    assert _take_one() == 1  # its socketData, to nobody
    assert securesocket.dispatch(0) == 0
    assert sock.read_bytes() == b"ping"
    rec = Recorder(sock)
    sock.write_bytes(b"pong!")
    sock.flush()
    wait_for(rec.has("socketData"))
    # Only the new arrival: the earlier socketData was taken, not left to
    # merge with this one.
    assert [e.bytes_loaded for e in rec.of("socketData")] == [5]
    assert sock.read_bytes() == b"pong!"


def test_a_subclass_dispatch_event_sees_every_event(lab: Lab) -> None:
    """A socket class that overrides dispatch_event gets every event, also
    those no listener wants."""

    class Traced(SecureSocket):
        seen: list[str]

        def dispatch_event(self, event: Event) -> bool:
            self.seen.append(event.type)
            return super().dispatch_event(event)

    s = Traced()
    s.seen = []
    try:
        s.connect(lab.host, lab.port("echo"))
        wait_for(lambda: "connect" in s.seen)
        s.write_bytes(b"ping")
        s.flush()
        wait_for(lambda: "socketData" in s.seen)
        assert s.seen == ["connect", "socketData"]
    finally:
        s.free()


def test_wake_ends_a_dispatch_that_waits_on_a_quiet_connection(lab: Lab, sock: SecureSocket) -> None:
    """wake() from another thread ends a dispatch() that waits while a
    connection is open and silent (its descriptor is watched too)."""
    connect(sock, lab, "echo")
    t, result = dispatch_in_a_thread()
    securesocket.wake()
    t.join(10)
    assert not t.is_alive() and result == [0]
    assert sock.connected


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no setitimer (Windows)")
def test_a_signal_handler_that_raises_ends_a_waiting_dispatch(lab: Lab, sock: SecureSocket) -> None:
    """A signal's Python handler runs while dispatch() waits, and its
    exception ends the wait (as Ctrl-C's KeyboardInterrupt does)."""

    class Interrupted(Exception):
        pass

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted

    connect(sock, lab, "echo")
    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        start = time.monotonic()
        with pytest.raises(Interrupted):
            securesocket.dispatch(30)
        assert time.monotonic() - start < 10
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert sock.connected
