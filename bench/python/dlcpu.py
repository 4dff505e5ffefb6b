#!/usr/bin/env python3
"""CPU of bench.py's download loop alone, for development.

    ROOT=<tree> python3 bench/withsrv.py python3 bench/python/dlcpu.py ours|theirs

Runs the download of bench.py (one 8-byte request, then the source's bytes
read in download_chunk reads) with the given side and prints MB/s, the
process's CPU time during the loop only (getrusage: all threads, Go's
included; not the interpreter's start, the imports or the connect) and its
voluntary and involuntary context switches. OVR_DOWNLOAD_BYTES (withsrv.py)
makes the download longer.
"""

import importlib.util
import os
import resource
import struct
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("ROOT", Path(__file__).resolve().parents[2]))
spec = importlib.util.spec_from_file_location("bench", ROOT / "bench" / "python" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

side = bench.Ours() if sys.argv[1:] == ["ours"] else bench.Theirs()
n = bench.SZ["download_bytes"]
buf = memoryview(bytearray(bench.SZ["download_chunk"]))
s = side.dial(bench.PORTS["source"])
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
side.write(s, struct.pack(">Q", n))
left = n
while left > 0:
    k = min(left, len(buf))
    side.read_full(s, buf[:k])
    left -= k
dt = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
side.close(s)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print(f"{sys.argv[1]}: {n / dt / 1e6:.0f} MB/s, CPU {cpu * 1000:.0f} ms "
      f"(user {(r1.ru_utime - r0.ru_utime) * 1000:.0f}), "
      f"context switches {r1.ru_nvcsw - r0.ru_nvcsw} voluntary, {r1.ru_nivcsw - r0.ru_nivcsw} involuntary")
