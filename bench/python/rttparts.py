#!/usr/bin/env python3
"""The Python binding's share of a 64-byte round trip, for development.

    ROOT=<tree> python3 bench/withsrv.py python3 bench/python/rttparts.py [OTHER_TREE ...]

Runs bench.py's round trip (class Ours: write_bytes + flush, then
read_bytes_into / connected / dispatch until the reply is read) on one
connection per variant, all in this one process, alternating blocks of
BLOCK trips (default 500) for ROUNDS rounds (default 40), and prints the
process's CPU time per trip (all threads, Go's included) and the trips per
second of each variant:

- ``package``: this tree's securesocket package;
- ``ctypes``: the same library calls made straight through ctypes with their
  arguments built once (ss_write_bytes, ss_flush, ss_read_bytes,
  ss_next_event, poll() of ss_event_fd()): what the round trip costs without
  the binding's Python, the floor the package can approach;
- ``ssl``: bench.py's Theirs loop (the standard library's ssl) in the same
  process (its blocks also carry the Go runtime's idle threads, a little);
- one ``other<N>`` per OTHER_TREE: that tree's package, loaded under another
  name (an A/B comparison with, e.g., a checkout of main; the library is the
  one this process loaded first, SECURESOCKET_LIBRARY).

Variants in one process see the same load at nearly the same moments, so
their differences hold up on a busy machine where separate runs swing by
tens of percent. Each variant's socket has no listeners: its events are
taken by whichever variant dispatches, which is harmless because every
trip ends with its reply read and its socketData taken.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import statistics
import sys
import time
from ctypes import addressof, byref, c_char, c_size_t
from pathlib import Path
from types import ModuleType
from typing import Any
from collections.abc import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CFG = json.loads(Path(os.environ["BENCH_CONFIG"]).read_text())
HOST, PORT, SIZE = CFG["host"], CFG["ports"]["echo"], CFG["sizes"]["rtt_size"]
BLOCK = int(os.environ.get("BLOCK", "500"))
ROUNDS = int(os.environ.get("ROUNDS", "40"))


def load_package(name: str, tree: str) -> ModuleType:
    pkg = Path(tree) / "bindings" / "python" / "securesocket"
    spec = importlib.util.spec_from_file_location(name, pkg / "__init__.py", submodule_search_locations=[str(pkg)])
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def dial(ss: ModuleType) -> Any:
    s = ss.SecureSocket()
    outcome: list[Any] = []
    for t in ("connect", "ioError", "securityError"):
        s.add_event_listener(t, outcome.append)
    s.connect(HOST, PORT)
    if not ss.run(until=lambda: outcome, timeout=30) or outcome[0].type != "connect":
        raise SystemExit(f"connect failed: {outcome}")
    for t in ("connect", "ioError", "securityError"):
        s.remove_event_listener(t, outcome.append)
    return s


def package_trips(ss: ModuleType, msg: bytes, back: memoryview) -> Callable[[int], None]:
    """bench.py's Ours loop, with the given package."""
    import bench

    side = bench.Ours()
    side.ss = ss
    return side_trips(side, dial(ss), msg, back)


def side_trips(side: Any, s: Any, msg: bytes, back: memoryview) -> Callable[[int], None]:
    """k round trips of bench.py's loop on side (Ours or Theirs)."""
    write, read_full = side.write, side.read_full

    def run(k: int) -> None:
        for _ in range(k):
            write(s, msg)
            read_full(s, back)

    return run


def ctypes_trips(ss: ModuleType, msg: bytes, back: memoryview) -> Callable[[int], None]:
    s = dial(ss)
    lib, h = s._lib, s._h
    native = sys.modules[ss.__name__ + "._native"]
    ev = native.SSEvent()
    ref = byref(ev)
    got = c_size_t()
    anchor = c_char.from_buffer(back)
    addr, n = addressof(anchor), len(back)
    poller = select.poll()
    poller.register(lib.ss_event_fd(), select.POLLIN)
    write, flush, read, next_event, poll = (
        lib.ss_write_bytes,
        lib.ss_flush,
        lib.ss_read_bytes,
        lib.ss_next_event,
        poller.poll,
    )

    def run(k: int) -> None:
        for _ in range(k):
            write(h, msg, len(msg), 0, 0)
            flush(h)
            while True:
                read(h, addr, n, 0, got)
                if got.value:
                    break
                while next_event(ref) == 0:
                    poll(30000)

    run.anchor = anchor  # type: ignore[attr-defined]  # keeps the buffer's address valid
    return run


def ssl_trips(msg: bytes, back: memoryview) -> Callable[[int], None]:
    """bench.py's Theirs loop: the standard library's ssl, blocking."""
    import bench

    side = bench.Theirs()
    return side_trips(side, side.dial(PORT), msg, back)


def main() -> None:
    import securesocket

    msg = bytes(SIZE)
    back = memoryview(bytearray(SIZE))
    variants: dict[str, Callable[[int], None]] = {
        "package": package_trips(securesocket, msg, back),
        "ctypes": ctypes_trips(securesocket, msg, back),
        "ssl": ssl_trips(msg, back),
    }
    for i, tree in enumerate(sys.argv[1:]):
        variants[f"other{i}"] = package_trips(load_package(f"securesocket_other{i}", tree), msg, back)
    for run in variants.values():
        run(200)  # warm up
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    rate: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(ROUNDS):
        for name, run in variants.items():
            c0, t0 = time.process_time(), time.perf_counter()
            run(BLOCK)
            cpu[name].append((time.process_time() - c0) / BLOCK * 1e6)
            rate[name].append(BLOCK / (time.perf_counter() - t0))
    print(f"{BLOCK} trips x {ROUNDS} rounds per variant; load average {os.getloadavg()[0]:.2f}")
    for name in variants:
        c = sorted(cpu[name])
        print(
            f"{name:8s} CPU per trip: q25 {c[len(c) // 4]:5.1f} us, median {statistics.median(c):5.1f} us;"
            f" trips/s median {statistics.median(rate[name]):7.0f}"
        )


if __name__ == "__main__":
    main()
