#!/usr/bin/env python3
"""CPU of bench.py's download, for development.

    ROOT=<tree> python3 bench/withsrv.py python3 bench/python/dlcpu.py ours|theirs

Runs bench.py's download metric (measure(side, "download")) after one
connection to the source that loads the trust store, and prints its MB/s,
the process's CPU time during it (getrusage: all threads, Go's included;
the interpreter's start, the imports and the first connection left out, the
metric's own connect, about a millisecond, in) and its voluntary and
involuntary context switches. OVR_DOWNLOAD_BYTES (withsrv.py) makes the
download longer.
"""

import importlib.util
import os
import resource
import sys
from pathlib import Path

ROOT = Path(os.environ.get("ROOT", Path(__file__).resolve().parents[2]))
spec = importlib.util.spec_from_file_location("bench", ROOT / "bench" / "python" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

side = bench.Ours() if sys.argv[1:] == ["ours"] else bench.Theirs()
side.close(side.dial(bench.PORTS["source"]))
r0 = resource.getrusage(resource.RUSAGE_SELF)
mbs = bench.measure(side, "download")["values"]["download"]
r1 = resource.getrusage(resource.RUSAGE_SELF)
user = r1.ru_utime - r0.ru_utime
cpu = user + r1.ru_stime - r0.ru_stime
print(f"{sys.argv[1]}: {mbs:.0f} MB/s, CPU {cpu * 1000:.0f} ms (user {user * 1000:.0f}), "
      f"context switches {r1.ru_nvcsw - r0.ru_nvcsw} voluntary, {r1.ru_nivcsw - r0.ru_nivcsw} involuntary")
