#!/usr/bin/env python3
"""The Python client of `make bench` (bench/run.py): the securesocket package
(ours) next to the standard library's ssl module (theirs), one measurement
per process.

    bench.py METRIC ours|theirs      (BENCH_CONFIG names the run's JSON)

Prints one JSON line: {"values": {...}, "info": {...}}. Trust comes from
SSL_CERT_FILE on both sides (ssl.create_default_context reads it too).

Ours uses the documented styles: listeners with securesocket.run() and
dispatch() for one connection at a time, asyncio (connect_async, wait_bytes)
for the concurrent metric. Theirs: blocking ssl sockets, and asyncio streams
(asyncio.open_connection with ssl=) for the concurrent metric.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import struct
import sys
import time

CFG = json.load(open(os.environ["BENCH_CONFIG"]))
HOST = CFG["host"]
PORTS = CFG["ports"]
SZ = CFG["sizes"]


def rss_kib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024


# ---- theirs: ssl ---------------------------------------------------------


class Theirs:
    def __init__(self) -> None:
        self.ctx = ssl.create_default_context()
        self.session = None  # kept for the peer "with resumption"

    def dial(self, port: int, resume: bool = False):
        raw = socket.create_connection((HOST, port))
        # As securesocket (Go) and asyncio do: Nagle's algorithm would hold
        # a small write behind the handshake's last flight for a delayed ACK.
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s = self.ctx.wrap_socket(raw, server_hostname=HOST, session=self.session if resume else None)
        return s

    def write(self, s, data) -> None:
        s.sendall(data)

    def read_full(self, s, buf: memoryview) -> None:
        got, n = 0, len(buf)
        while got < n:
            k = s.recv_into(buf[got:])
            if k == 0:
                raise SystemExit("ssl: early end of stream")
            got += k

    def resumed(self, s) -> bool:
        self.session = s.session  # the newest ticket, read by now
        return s.session_reused

    def close(self, s) -> None:
        s.close()

    async def one(self, port: int, msg: bytes) -> float:
        t0 = time.perf_counter()
        reader, writer = await asyncio.open_connection(HOST, port, ssl=self.ctx, server_hostname=HOST)
        writer.write(msg)
        await reader.readexactly(len(msg))
        dt = time.perf_counter() - t0
        writer.close()
        return dt


# ---- ours: securesocket --------------------------------------------------


class Ours:
    def __init__(self) -> None:
        import securesocket

        self.ss = securesocket

    def dial(self, port: int, resume: bool = False):
        ss = self.ss
        s = ss.SecureSocket()
        outcome: list = []
        s.add_event_listener("connect", outcome.append)
        s.add_event_listener("ioError", outcome.append)
        s.add_event_listener("securityError", outcome.append)
        s.connect(HOST, port)
        if not ss.run(until=lambda: outcome, timeout=30) or outcome[0].type != "connect":
            raise SystemExit(f"securesocket: connect failed: {outcome}")
        return s

    def write(self, s, data) -> None:
        s.write_bytes(data)
        s.flush()

    def read_full(self, s, buf: memoryview) -> None:
        got, n = 0, len(buf)
        while got < n:
            k = s.read_bytes_into(buf[got:])
            got += k
            if got < n and k == 0:
                if not s.connected:
                    raise SystemExit("securesocket: connection closed")
                self.ss.dispatch(30)

    def resumed(self, s) -> bool:
        return bool(getattr(s, "session_resumed", False))

    def close(self, s) -> None:
        s.close()
        s.free()

    async def one(self, port: int, msg: bytes) -> float:
        t0 = time.perf_counter()
        s = self.ss.SecureSocket()
        await s.connect_async(HOST, port)
        s.write_bytes(msg)
        s.flush()
        await s.wait_bytes(len(msg))
        s.read_bytes(len(msg))
        dt = time.perf_counter() - t0
        s.close()
        s.free()
        return dt


def measure(side, metric: str) -> dict:
    msg = bytes(SZ["rtt_size"])
    back = memoryview(bytearray(SZ["rtt_size"]))

    def warm_up(port: int, resume: bool = False) -> None:
        # One connection with a round trip before the clock starts: loading
        # the trust store and first-use setup are not timed (and a side that
        # resumes has a session to offer).
        s = side.dial(port, resume)
        side.write(s, msg)
        side.read_full(s, back)
        side.resumed(s)
        side.close(s)

    if metric == "upload":
        n, chunk = SZ["upload_bytes"], bytes(SZ["upload_chunk"])
        s = side.dial(PORTS["sink"])
        t0 = time.perf_counter()
        side.write(s, struct.pack(">Q", n))
        left = n
        while left > 0:
            k = min(left, len(chunk))
            side.write(s, chunk if k == len(chunk) else chunk[:k])
            left -= k
        ack = memoryview(bytearray(8))
        side.read_full(s, ack)
        if struct.unpack(">Q", ack)[0] != n:
            raise SystemExit("sink acknowledged a different count")
        v = n / (time.perf_counter() - t0) / 1e6
        side.close(s)
        return {"values": {"upload": v}}
    if metric == "download":
        n = SZ["download_bytes"]
        buf = memoryview(bytearray(SZ["download_chunk"]))
        s = side.dial(PORTS["source"])
        t0 = time.perf_counter()
        side.write(s, struct.pack(">Q", n))
        left = n
        while left > 0:
            k = min(left, len(buf))
            side.read_full(s, buf[:k])
            left -= k
        v = n / (time.perf_counter() - t0) / 1e6
        side.close(s)
        return {"values": {"download": v}}
    if metric == "rtt":
        trips = SZ["rtt_trips"]
        s = side.dial(PORTS["echo"])
        t0 = time.perf_counter()
        for _ in range(trips):
            side.write(s, msg)
            side.read_full(s, back)
        v = trips / (time.perf_counter() - t0)
        side.close(s)
        return {"values": {"rtt": v}}
    if metric == "handshake":
        n = SZ["handshakes"]
        warm_up(PORTS["echo_full"])
        t0 = time.perf_counter()
        for _ in range(n):
            side.close(side.dial(PORTS["echo_full"]))
        return {"values": {"handshake": n / (time.perf_counter() - t0)}}
    if metric in ("reconnect", "reconnect_full"):
        # Theirs offers its kept session only against the peer "with
        # resumption"; ours does what it does by default.
        resume = metric == "reconnect"
        n, resumed = SZ["reconnects"], 0
        warm_up(PORTS["echo"], resume)
        t0 = time.perf_counter()
        for _ in range(n):
            s = side.dial(PORTS["echo"], resume)
            side.write(s, msg)  # one round trip; lets the ticket arrive
            side.read_full(s, back)
            resumed += bool(side.resumed(s))
            side.close(s)
        return {"values": {metric: n / (time.perf_counter() - t0)}, "info": {"resumed": f"{resumed}/{n}"}}
    if metric == "rss":
        n, port = SZ["rss_conns"], PORTS["echo_full"]
        w = side.dial(port)  # warm up: libraries loaded and initialised
        side.write(w, msg)
        side.read_full(w, back)
        side.close(w)
        settle = SZ["settle_ms"] / 1000
        time.sleep(settle)
        base = rss_kib()
        conns = [side.dial(port) for _ in range(n)]
        time.sleep(settle)
        idle = rss_kib()
        for s in conns:
            side.write(s, msg)
        for s in conns:
            side.read_full(s, back)
        time.sleep(settle)
        after = rss_kib()
        for s in conns:
            side.close(s)
        return {"values": {"rss_idle": (idle - base) / n, "rss_msg": (after - base) / n}, "info": {"base_kib": base}}
    if metric == "concurrent":
        n, port = SZ["conc_conns"], PORTS["echo_full"]

        async def all_at_once() -> list[float]:
            return await asyncio.gather(*(side.one(port, msg) for _ in range(n)))

        warm_up(port)
        before = rss_kib()
        t0 = time.perf_counter()
        lat = sorted(asyncio.run(all_at_once()))
        total = time.perf_counter() - t0
        done = rss_kib()
        time.sleep(SZ["free_settle_ms"] / 1000)
        freed = rss_kib()
        return {
            "values": {
                "conc_total": total,
                "conc_p50": lat[n // 2] * 1e3,
                "conc_p99": lat[n * 99 // 100] * 1e3,
                "conc_rss_freed": freed / before,
            },
            "info": {"rss_before_kib": before, "rss_done_kib": done, "rss_freed_kib": freed},
        }
    raise SystemExit(f"unknown metric {metric!r}")


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[2] not in ("ours", "theirs"):
        raise SystemExit("usage: bench.py METRIC ours|theirs")
    side = Ours() if sys.argv[2] == "ours" else Theirs()
    print(json.dumps(measure(side, sys.argv[1])))


if __name__ == "__main__":
    main()
