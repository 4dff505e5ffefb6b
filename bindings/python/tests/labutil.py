"""Helpers the Python tests share: the lab's description, its byte pattern,
and waiting for events with securesocket.run()."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from collections.abc import Callable

import pytest

ROOT = Path(__file__).resolve().parents[3]
PATTERN_PERIOD = 251


class Lab:
    def __init__(self, desc: dict[str, Any]) -> None:
        self.desc = desc
        self.host: str = desc["host"]
        self.ca_file: str = desc["ca_file"]
        self.ports: dict[str, int] = desc["ports"]
        self.files: dict[str, str] = desc["files"]
        #: scenario -> {"status", "detail"}: the outcome a client must see.
        self.expect: dict[str, dict[str, str]] = desc["expect"]

    def port(self, scenario: str) -> int:
        return self.ports[scenario]

    def read(self, key: str) -> bytes:
        return Path(self.files[key]).read_bytes()


def pattern(n: int, start: int = 0) -> bytes:
    """The lab's byte pattern: byte i is i % 251."""
    block = bytes(range(PATTERN_PERIOD))
    reps = (start % PATTERN_PERIOD + n) // PATTERN_PERIOD + 1
    s = start % PATTERN_PERIOD
    return (block * reps)[s : s + n]


def wait_for(cond: Callable[[], object], timeout: float = 10.0) -> None:
    """Dispatches events until cond() holds; fails the test on timeout."""
    import securesocket

    if not securesocket.run(until=cond, timeout=timeout):
        pytest.fail(f"timed out after {timeout} s waiting for {cond}")


class Recorder:
    """Listens to every socket event type and keeps the events."""

    TYPES = ("connect", "close", "socketData", "ioError", "securityError", "outputProgress")

    def __init__(self, sock: Any) -> None:
        self.events: list[Any] = []
        for t in self.TYPES:
            sock.add_event_listener(t, self.events.append)

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def of(self, t: str) -> list[Any]:
        return [e for e in self.events if e.type == t]

    def has(self, *types: str) -> Callable[[], bool]:
        return lambda: any(e.type in types for e in self.events)


def connect(sock: Any, lab: Lab, scenario: str, timeout: float = 10.0) -> Recorder:
    """Connects with dispatch(): returns the recorder after the outcome;
    fails unless the outcome is a connect event."""
    rec = Recorder(sock)
    sock.connect(lab.host, lab.port(scenario))
    wait_for(rec.has("connect", "ioError", "securityError"), timeout)
    outcome = next(e for e in rec.events if e.type in ("connect", "ioError", "securityError"))
    if outcome.type != "connect":
        pytest.fail(f"{scenario}: {outcome!r}")
    return rec
