#!/usr/bin/env python3
"""Benchmarks of the Python binding, against the loopback lab. Not run by tests.

    python3 bindings/python/bench.py [--mib 128] [--rounds 3]

Measures, in one run:
  1. ns per call: read_int (the typed-read hot path), write_int, a property,
     and a bare ctypes call into the library for scale;
  2. events per second through the asyncio drain (loop.add_reader on the
     event fd) and through dispatch(), with events injected by the debug
     library's ss_debug_post, so the network does not limit the rate;
  3. bulk download MB/s from the lab's `source` server: SecureSocket
     (read_bytes_into a reused buffer, and read_bytes) next to Python's own
     ssl module (recv_into), alternating rounds; prints medians and ratios.

It needs the debug build of the library (capi/build.sh build/debug --debug:
the production library plus the ss_debug_* hooks), which it builds if
missing, and the lab, which it builds and starts. The library's Go runtime
reads SSL_CERT_FILE only from the environment the process started with, so
the script re-executes itself once with SSL_CERT_FILE pointing at the
certificate directory the lab will use.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import os
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Receive buffer of the read_bytes_into and recv_into loops, reused.
BUF = 4 << 20

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))


def ensure_env() -> None:
    """Re-executes with SSL_CERT_FILE and the debug library set at exec."""
    if os.environ.get("SS_BENCH_CERT_DIR"):
        return
    debug_lib = ROOT / "build" / "debug" / "libsecuresocket.so.0"
    prod_lib = ROOT / "build" / "libsecuresocket.so.0"
    if not debug_lib.exists() or (prod_lib.exists() and debug_lib.stat().st_mtime < prod_lib.stat().st_mtime):
        print("building the debug library (capi/build.sh build/debug --debug) ...", flush=True)
        subprocess.run(["capi/build.sh", "build/debug", "--debug"], cwd=ROOT, check=True)
    cert_dir = Path(tempfile.mkdtemp(prefix="securesocket-bench-")) / "certs"
    env = dict(os.environ)
    env["SS_BENCH_CERT_DIR"] = str(cert_dir)
    env["SSL_CERT_FILE"] = str(cert_dir / "ca.pem")
    env["SECURESOCKET_LIBRARY"] = str(debug_lib)
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)


def start_lab(cert_dir: Path) -> tuple[subprocess.Popen[bytes], dict]:
    exe = ROOT / "build" / "python-lab" / "lab"
    exe.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [os.environ.get("GO", "go"), "build", "-trimpath", "-o", str(exe), "./tests/lab/cmd/lab"],
        cwd=ROOT,
        check=True,
    )
    json_path = cert_dir.parent / "lab.json"
    proc = subprocess.Popen(
        [str(exe), "-json", str(json_path), "-dir", str(cert_dir), "-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not json_path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the lab did not start")
        time.sleep(0.05)
    return proc, json.loads(json_path.read_text())


def connect(ss, sock, host: str, port: int) -> None:
    done: list = []
    for t in ("connect", "ioError"):
        sock.add_event_listener(t, done.append)
    sock.connect(host, port)
    if not ss.run(until=lambda: done, timeout=10) or done[0].type != "connect":
        raise SystemExit(f"connect failed: {done}")


def ns_per_call(fn, n: int) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter_ns() - t0) / n)
    return best


def bench_calls(ss, lab: dict) -> None:
    print("\n== per call (best of 3) ==")
    n = 1_000_000
    with ss.SecureSocket() as s:
        connect(ss, s, lab["host"], lab["ports"]["echo"])
        lib = ss._native.load()
        # Input for every timed read: 3 rounds of n wrapped reads, 3 of n/4
        # bare ones; echoed back, so it all sits in the input buffer.
        s.input_limit = 64 << 20
        payload = struct.pack(f">{n}i", *range(n))
        for _ in range(4):
            s.write_bytes(payload)
        s.flush()
        ss.run(until=lambda: s.bytes_available >= 16 * n, timeout=60)
        rd = ns_per_call(s.read_int, n)
        print(f"read_int                         {rd:7.0f} ns/call")
        out = ctypes.c_int32()
        h = s._h
        f = lib.ss_read_int
        bare = ns_per_call(lambda: f(h, out), n // 4)
        print(f"  of which the ctypes call alone {bare:7.0f} ns/call (ss_read_int, shared out, no wrapper)")
        wr = ns_per_call(lambda: s.write_int(7), n // 4)
        print(f"write_int                        {wr:7.0f} ns/call")
        ba = ns_per_call(lambda: s.bytes_available, n // 4)
        print(f"bytes_available (property)       {ba:7.0f} ns/call")
        raw = ns_per_call(lib.ss_version_number, n)
        print(f"ctypes call that stays in C (ss_version_number) {raw:4.0f} ns/call")
        buf = payload[:4]
        up = ns_per_call(lambda: struct.unpack_from(">i", buf), n)
        print(f"(for scale: struct.unpack_from   {up:7.0f} ns/call)")


def bench_events(ss, lab: dict) -> None:
    print("\n== events (injected with ss_debug_post, one listener each) ==")
    lib = ss._native.load()
    post = lib._cdll.ss_debug_post
    post.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    post.restype = ctypes.c_int
    n = 200_000
    with ss.SecureSocket() as s:
        count = [0]

        def on(e) -> None:
            count[0] += 1

        s.add_event_listener("connect", on)  # connect events never coalesce

        async def via_asyncio() -> float:
            loop = asyncio.get_running_loop()
            ss.attach(loop)
            done = loop.create_future()

            def check(e) -> None:
                if count[0] >= n and not done.done():
                    done.set_result(None)

            s.add_event_listener("connect", check, priority=-1)
            count[0] = 0
            rc = post(s._h, 1, n)  # queued before the clock starts
            assert rc == 0, rc
            t0 = time.perf_counter()
            await done
            dt = time.perf_counter() - t0
            s.remove_event_listener("connect", check)
            ss.detach()
            return dt

        dt = asyncio.run(via_asyncio())
        print(f"asyncio add_reader drain   {n / dt:10,.0f} events/s  ({dt / n * 1e9:5.0f} ns/event)")

        count[0] = 0
        post(s._h, 1, n)
        t0 = time.perf_counter()
        while count[0] < n:
            ss.dispatch(1.0)
        dt = time.perf_counter() - t0
        print(f"securesocket.dispatch()    {n / dt:10,.0f} events/s  ({dt / n * 1e9:5.0f} ns/event)")


def download_securesocket(ss, lab: dict, nbytes: int, into: bool) -> float:
    with ss.SecureSocket() as s:
        connect(ss, s, lab["host"], lab["ports"]["source"])
        buf = bytearray(BUF)
        t0 = time.perf_counter()
        s.write_bytes(struct.pack(">Q", nbytes))
        s.flush()
        got = 0
        while got < nbytes:
            n = s.read_bytes_into(buf) if into else len(s.read_bytes())
            if n == 0:
                ss.dispatch(1.0)
            got += n
        return nbytes / (time.perf_counter() - t0) / 1e6


def download_ssl(lab: dict, nbytes: int) -> float:
    ctx = ssl.create_default_context(cafile=lab["ca_file"])
    with (
        socket.create_connection(("127.0.0.1", lab["ports"]["source"])) as raw,
        ctx.wrap_socket(raw, server_hostname=lab["host"]) as s,
    ):
        buf = bytearray(BUF)
        t0 = time.perf_counter()
        s.sendall(struct.pack(">Q", nbytes))
        got = 0
        while got < nbytes:
            n = s.recv_into(buf)
            if n == 0:
                raise SystemExit("ssl: early EOF")
            got += n
        return nbytes / (time.perf_counter() - t0) / 1e6


def bench_bulk(ss, lab: dict, mib: int, rounds: int) -> None:
    print(f"\n== bulk download from `source`, {mib} MiB per round, {rounds} rounds, median ==")
    nbytes = mib << 20
    res: dict[str, list[float]] = {"into": [], "bytes": [], "ssl": []}
    for _ in range(rounds):
        res["ssl"].append(download_ssl(lab, nbytes))
        res["into"].append(download_securesocket(ss, lab, nbytes, True))
        res["bytes"].append(download_securesocket(ss, lab, nbytes, False))
    med = {k: statistics.median(v) for k, v in res.items()}
    for k, v in res.items():
        print(f"  {k:6} rounds: " + ", ".join(f"{x:.0f}" for x in v))
    print(f"Python ssl (recv_into, {BUF >> 20} MiB buffer)    {med['ssl']:8.1f} MB/s")
    ratio = med["into"] / med["ssl"]
    print(f"SecureSocket.read_bytes_into ({BUF >> 20} MiB) {med['into']:8.1f} MB/s   ratio {ratio:.2f}x")
    print(f"SecureSocket.read_bytes              {med['bytes']:8.1f} MB/s   ratio {med['bytes'] / med['ssl']:.2f}x")
    print(f"(OpenSSL: {ssl.OPENSSL_VERSION}; TLS version of both: TLS 1.3)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mib", type=int, default=128, help="MiB per download round (default 128)")
    ap.add_argument("--rounds", type=int, default=3, help="download rounds (default 3)")
    args = ap.parse_args()
    ensure_env()
    cert_dir = Path(os.environ["SS_BENCH_CERT_DIR"])
    proc, lab = start_lab(cert_dir)
    try:
        import securesocket as ss

        print(f"securesocket {ss.version()} from {ss.library_path()}; Python {sys.version.split()[0]}")
        bench_calls(ss, lab)
        bench_events(ss, lab)
        bench_bulk(ss, lab, args.mib, args.rounds)
    finally:
        proc.stdin.close()
        proc.wait(10)
        import shutil

        shutil.rmtree(cert_dir.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
