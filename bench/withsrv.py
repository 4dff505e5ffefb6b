"""Runs one bench client command against a fresh bench server, for profiling.

    ROOT=<tree> python3 bench/withsrv.py CLIENT METRIC ours|theirs

Starts bench/server as bench/run.py does (from $BUILD, default build/), gives
the command the same environment as the driver (BENCH_CONFIG, SSL_CERT_FILE,
BENCH_HOST, BENCH_PORT_*, the full sizes as BENCH_*), runs it once and stops
the server. OVR_<SIZE>=N overrides one size, e.g. OVR_RECONNECTS=1000 for a
longer reconnect loop. The C client takes the library from LD_LIBRARY_PATH,
Python and Node from SECURESOCKET_LIBRARY (default: the tree's build), the Go
client is built from the tree. Wrap the command to measure it, e.g.:

    OVR_RECONNECTS=1000 python3 bench/withsrv.py perf stat -e task-clock,context-switches \
        -x, build/bench/bench_go reconnect ours
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(os.environ.get("ROOT", Path(__file__).resolve().parents[1]))
spec = importlib.util.spec_from_file_location("run", ROOT / "bench" / "run.py")
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)

with tempfile.TemporaryDirectory() as d:
    tmp = Path(d)
    server, desc = run.start_server(tmp)
    try:
        sizes = dict(run.FULL)
        for k, v in os.environ.items():
            if k.startswith("OVR_"):
                sizes[k[4:].lower()] = int(v)
        env = run.client_env(tmp, desc, sizes, ROOT / "build")
        rc = subprocess.run(sys.argv[1:], env=env).returncode
    finally:
        server.kill()
sys.exit(rc)
