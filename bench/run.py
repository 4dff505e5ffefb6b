#!/usr/bin/env python3
"""The benchmark driver behind `make bench`: securesocket in each language
against that language's own TLS, in the same run, on the same loopback
servers (bench/server: TLS 1.3, TLS_AES_128_GCM_SHA256).

    bench/run.py [--langs c,go,python,node] [--smoke] [--json FILE] [--docs FILE]

For every language and metric it runs the language's client (bench/<lang>/)
once per side and round, alternating which side goes first (ours, theirs,
theirs, ours, ...), each run in a fresh process on fresh connections. The
figure of a side is the median of its rounds; the ratio is ours/theirs of the
medians. It prints one table, writes the JSON (--json) and, in a full run,
the table into docs/benchmarks.md between its result markers (--docs).

--smoke (or SECURESOCKET_BENCH_SMOKE=1): one round of tiny sizes; only
checks that every metric of every language produced a positive number (RSS
per connection: a number; at 10 connections a garbage collection between
the samples can make the difference negative).

A client is called as `CLIENT METRIC SIDE` (SIDE: ours or theirs) with
BENCH_CONFIG naming a JSON file of the servers and sizes, and prints one
JSON line: {"values": {name: number}, "info": {...}}.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("BUILD", ROOT / "build")).resolve()

FULL = {
    "upload_bytes": 64 << 20,
    "upload_chunk": 64 << 10,
    "download_bytes": 256 << 20,
    "download_chunk": 1 << 20,
    # 20,000 per round, half a second or more: a round of 5,000 (0.1-0.2 s
    # on the faster machines) let one pause of the machine move a median.
    "rtt_trips": 20000,
    "rtt_size": 64,
    "handshakes": 200,
    # 1,000 per round, the steady rate of a client that keeps reconnecting:
    # a round of 200 lasted about 0.12 s, of which a Go client's first heap
    # growth took a few percent (docs/benchmarks.md, "Reconnect rounds").
    "reconnects": 1000,
    "rss_conns": 1000,
    "conc_conns": 5000,
    "settle_ms": 200,
    "free_settle_ms": 2000,
    # The machine's speed shifts in phases of several seconds (both sides'
    # figures drop by a third together, then recover): fifteen alternating
    # rounds keep a phase from deciding a median (docs/benchmarks.md; nine
    # until 2026-12-05 left ratios near 1 moving by 0.1 between runs).
    "rounds": 15,
    "heavy_rounds": 3,
}
SMOKE = {
    "upload_bytes": 1 << 20,
    "upload_chunk": 64 << 10,
    "download_bytes": 2 << 20,
    "download_chunk": 1 << 20,
    "rtt_trips": 50,
    "rtt_size": 64,
    "handshakes": 3,
    "reconnects": 3,
    "rss_conns": 10,
    "conc_conns": 20,
    "settle_ms": 10,
    "free_settle_ms": 10,
    "rounds": 1,
    "heavy_rounds": 1,
}

# (run, value name, label, unit, better). One run of a client may give
# several values (rss, concurrent).
ROWS = [
    ("upload", "upload", "upload", "MB/s", "higher"),
    ("download", "download", "download", "MB/s", "higher"),
    ("rtt", "rtt", "64-byte round trips", "/s", "higher"),
    ("handshake", "handshake", "full handshakes", "/s", "higher"),
    ("reconnect", "reconnect", "reconnects vs peer with resumption", "/s", "higher"),
    ("reconnect_full", "reconnect_full", "reconnects vs peer without resumption", "/s", "higher"),
    ("rss", "rss_idle", "RSS per idle connection", "KiB", "lower"),
    ("rss", "rss_msg", "RSS per connection after a message", "KiB", "lower"),
    ("concurrent", "conc_total", "concurrent: total time", "s", "lower"),
    ("concurrent", "conc_p50", "concurrent: p50 latency", "ms", "lower"),
    ("concurrent", "conc_p99", "concurrent: p99 latency", "ms", "lower"),
    ("concurrent", "conc_rss_freed", "concurrent: RSS after all closed / before", "x", "lower"),
]
RUNS = list(dict.fromkeys(r[0] for r in ROWS))
SIGNED = {"rss_idle", "rss_msg"}
HEAVY = {"rss", "concurrent"}

LANGS = {
    "c": ("C ABI", "OpenSSL libssl"),
    "go": ("Go core", "crypto/tls"),
    "python": ("Python", "ssl"),
    "node": ("Node", "tls"),
}


def client_cmd(lang: str) -> list[str]:
    if lang == "c":
        return [str(BUILD / "bench" / "bench_c")]
    if lang == "go":
        return [str(BUILD / "bench" / "bench_go")]
    if lang == "python":
        return [os.environ.get("PYTHON", sys.executable), str(ROOT / "bench" / "python" / "bench.py")]
    if lang == "node":
        return [os.environ.get("NODE", "node"), str(ROOT / "bench" / "node" / "bench.js")]
    raise SystemExit(f"unknown language {lang!r}")


def client_env(tmp: Path, desc: dict, sizes: dict, build: Path) -> dict:
    """The environment of a bench client: the server's description and the
    sizes as BENCH_CONFIG (a JSON file in tmp), and the same, flat, for
    clients without a JSON reader (C); the tree's Python binding and, unless
    set, build's library."""
    cfg_path = tmp / "config.json"
    cfg_path.write_text(json.dumps(dict(desc, sizes=sizes)))
    env = dict(os.environ)
    env["BENCH_CONFIG"] = str(cfg_path)
    env["SSL_CERT_FILE"] = desc["ca_file"]
    env["BENCH_HOST"] = desc["host"]
    for name, port in desc["ports"].items():
        env["BENCH_PORT_" + name.upper()] = str(port)
    for k, v in sizes.items():
        env["BENCH_" + k.upper()] = str(v)
    env["PYTHONPATH"] = str(ROOT / "bindings" / "python") + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("SECURESOCKET_LIBRARY", str(build / "libsecuresocket.so.0"))
    return env


def start_server(tmp: Path) -> tuple[subprocess.Popen, dict]:
    exe = BUILD / "bench" / "bench_server"
    js = tmp / "server.json"
    proc = subprocess.Popen(
        [str(exe), "-dir", str(tmp), "-json", str(js), "-stdin"], stdin=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while not js.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("bench: the server did not start")
        time.sleep(0.02)
    return proc, json.loads(js.read_text())


def run_client(lang: str, run: str, side: str, env: dict, timeout: float) -> dict:
    cmd = client_cmd(lang) + [run, side]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise SystemExit(f"bench: {lang} {run} {side}: no answer in {timeout:.0f} s\n{e.stderr or ''}")
    if p.returncode != 0:
        raise SystemExit(f"bench: {lang} {run} {side} failed ({p.returncode}):\n{p.stderr}{p.stdout}")
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SystemExit(f"bench: {lang} {run} {side}: no JSON line in:\n{p.stdout}\n{p.stderr}")


def fmt(v: float) -> str:
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "loadavg": list(os.getloadavg()),
        "kernel": platform.release(),
    }


def versions(langs: list[str], env: dict) -> dict:
    """What each side ran on, as the clients' hosts report it."""

    def out(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            return "?"

    v = {"go": out([os.environ.get("GO", "go"), "version"])}
    if "c" in langs:
        v["c"] = out(client_cmd("c") + ["version"])
    if "python" in langs:
        v["python"] = out([client_cmd("python")[0], "-c",
                           "import sys, ssl; print('Python', sys.version.split()[0], ssl.OPENSSL_VERSION)"])
    if "node" in langs:
        v["node"] = out([client_cmd("node")[0], "-p",
                         "'Node ' + process.version + ', OpenSSL ' + process.versions.openssl"])
    return v


def table(results: dict, langs: list[str]) -> str:
    head = "| metric | better | " + " | ".join(f"{LANGS[l][0]} vs {LANGS[l][1]}" for l in langs) + " |"
    lines = [head, "|---|---|" + "---|" * len(langs)]
    for run, name, label, unit, better in ROWS:
        cells = []
        for l in langs:
            m = results.get(l, {}).get(name)
            if not m:
                cells.append("-")
                continue
            cells.append(f"{fmt(m['ours'])} vs {fmt(m['theirs'])} = **{m['ratio']:.2f}**")
        lines.append(f"| {label} ({unit}) | {better} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langs", default=os.environ.get("LANGS", "c,go,python,node"))
    ap.add_argument("--smoke", action="store_true", default=os.environ.get("SECURESOCKET_BENCH_SMOKE") == "1")
    ap.add_argument("--json", default=str(BUILD / "bench" / "results.json"))
    ap.add_argument("--docs", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--only", default="", help="comma-separated runs (upload,download,rtt,...) for development")
    args = ap.parse_args()
    langs = [l.strip() for l in args.langs.replace(" ", ",").split(",") if l.strip()]
    for l in langs:
        if l not in LANGS:
            raise SystemExit(f"bench: unknown language {l!r} (c, go, python, node)")
    sizes = dict(SMOKE if args.smoke else FULL)
    for k in sizes:
        if os.environ.get("BENCH_" + k.upper()):
            sizes[k] = int(os.environ["BENCH_" + k.upper()])
    runs = [r for r in RUNS if not args.only or r in args.only.split(",")]

    # The servers and the 5,000-connection clients need file descriptors.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    load_before = os.getloadavg()
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="securesocket-bench-") as tmpdir:
        tmp = Path(tmpdir)
        server, desc = start_server(tmp)
        try:
            env = client_env(tmp, desc, sizes, BUILD)
            timeout = 60 if args.smoke else 600
            vers = versions(langs, env)
            raw: dict = {}
            info: dict = {}
            for lang in langs:
                for run in runs:
                    rounds = sizes["heavy_rounds"] if run in HEAVY else sizes["rounds"]
                    for r in range(rounds):
                        order = ("ours", "theirs") if r % 2 == 0 else ("theirs", "ours")
                        for side in order:
                            out = run_client(lang, run, side, env, timeout)
                            for name, v in out["values"].items():
                                raw.setdefault(lang, {}).setdefault(name, {"ours": [], "theirs": []})[side].append(v)
                            if out.get("info"):
                                info.setdefault(lang, {}).setdefault(run, {})[side] = out["info"]
                            print(f"  {lang:6} {run:14} {side:6} " + " ".join(
                                f"{k}={fmt(v)}" for k, v in out["values"].items()), flush=True)
        finally:
            server.stdin.close()
            server.wait(10)

    results: dict = {}
    bad = []
    for lang, metrics in raw.items():
        for name, sides in metrics.items():
            for side in ("ours", "theirs"):
                for v in sides[side]:
                    # RSS per connection is a difference of two samples: with
                    # a few connections (smoke) a garbage collection in
                    # between can make it negative; it must be a number.
                    ok = isinstance(v, (int, float)) and math.isfinite(v) and (v > 0 or name in SIGNED)
                    if not ok:
                        bad.append(f"{lang} {name} {side}: {v!r}")
            if sides["ours"] and sides["theirs"]:
                mo, mt = statistics.median(sides["ours"]), statistics.median(sides["theirs"])
                results.setdefault(lang, {})[name] = {
                    "ours": mo, "theirs": mt, "ratio": mo / mt if mt else 0.0,
                    "rounds": sides,
                }
    expected = [(l, name) for l in langs for run, name, *_ in ROWS if run in runs]
    missing = [f"{l} {name}" for l, name in expected if name not in results.get(l, {})]

    command = "make bench" + (f" LANGS={','.join(langs)}" if langs != list(LANGS) else "")
    overrides = [f"BENCH_{k.upper()}={v}" for k, v in sizes.items() if os.environ.get("BENCH_" + k.upper())]
    if overrides:
        command = " ".join(overrides) + " " + command
    mach = machine()
    mach["loadavg_at_start"] = list(load_before)
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        commit = ""
    doc = {
        "command": command,
        "commit": commit,
        "smoke": args.smoke,
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "machine": mach,
        "sizes": sizes,
        "versions": vers,
        "server": "bench/server: Go crypto/tls, TLS 1.3 only, TLS_AES_128_GCM_SHA256 enforced, 127.0.0.1",
        "results": results,
        "info": info,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(doc, indent=1))

    tab = table(results, langs)
    print()
    print("ours vs theirs = ratio of medians, ours/theirs (" +
          ("smoke run" if args.smoke else f"{sizes['rounds']} rounds, {sizes['heavy_rounds']} for RSS and concurrency") + ")")
    print(tab)
    for lang in langs:
        for run, sides in info.get(lang, {}).items():
            if run.startswith("reconnect") or run == "handshake":
                print(f"  {lang} {run}: " + "; ".join(f"{s}: {json.dumps(v)}" for s, v in sides.items()))
    print(f"machine: {mach['nproc']} x {mach['cpu']}; load average {' '.join(f'{x:.2f}' for x in load_before)} "
          f"at start, {' '.join(f'{x:.2f}' for x in mach['loadavg'])} at end; {doc['seconds']} s")
    print(f"JSON: {args.json}")

    if bad or missing:
        for b in bad:
            print("bench: not a positive number:", b, file=sys.stderr)
        for m in missing:
            print("bench: no figure for", m, file=sys.stderr)
        return 1
    if not args.smoke and not args.only:
        write_docs(Path(args.docs), doc, tab)
    return 0


def write_docs(path: Path, doc: dict, tab: str) -> None:
    m = doc["machine"]
    s = doc["sizes"]
    body = "\n".join([
        f"Run `{doc['command']}` on {doc['date_utc']} ({doc['seconds']:.0f} s)"
        + (f" at commit {doc['commit']}." if doc.get("commit") else "."),
        "",
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, Linux {m['kernel']}; load average "
        f"{' / '.join(f'{x:.2f}' for x in m['loadavg_at_start'])} (1/5/15 min) at the start, "
        f"{' / '.join(f'{x:.2f}' for x in m['loadavg'])} at the end.",
        "",
        "Versions: " + "; ".join(v for v in doc["versions"].values() if v) + ".",
        "",
    ])
    if m["loadavg_at_start"][0] > m["nproc"]:
        body += "\n".join([
            "",
            f"**A loaded machine**: the 1-minute load average was above the {m['nproc']} CPUs (other work was "
            "running), so both sides of every figure ran short of CPU. The rounds alternate so that the load "
            "hits both alike: read the ratios, not the absolute figures.",
            "",
        ])
    body += "\n".join([
        "",
        f"Sizes: upload {s['upload_bytes'] >> 20} MiB in {s['upload_chunk'] >> 10} KiB flushes; download "
        f"{s['download_bytes'] >> 20} MiB with {s['download_chunk'] >> 20} MiB reads; {s['rtt_trips']} round trips "
        f"of {s['rtt_size']} bytes; {s['handshakes']} handshakes; {s['reconnects']} reconnects; RSS at "
        f"{s['rss_conns']} connections; {s['conc_conns']} concurrent connections. {s['rounds']} rounds per "
        f"metric, {s['heavy_rounds']} for RSS and concurrency.",
        "",
        "Cells: ours vs theirs = **ratio** (medians; ratio = ours/theirs, see the `better` column).",
        "",
        tab,
        "",
    ])
    resumed = []
    for lang, runs in doc["info"].items():
        for run in ("reconnect", "reconnect_full"):
            sides = runs.get(run, {})
            if "ours" in sides:
                resumed.append(f"{lang} {run}: ours {json.dumps(sides['ours'])}, theirs {json.dumps(sides.get('theirs'))}")
    if resumed:
        body += "\nSession resumption as each client saw it (last round):\n\n" + "\n".join(f"- {r}" for r in resumed) + "\n"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n<!-- results:begin -->\n<!-- results:end -->\n"
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < 0:
        text = text.rstrip("\n") + f"\n\n{begin}\n{end}\n"
        i, j = text.find(begin), text.find(end)
    text = text[: i + len(begin)] + "\n" + body + text[j:]
    path.write_text(text)
    print(f"updated {path}")


if __name__ == "__main__":
    sys.exit(main())
