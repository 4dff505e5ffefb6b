#!/usr/bin/env python3
"""Runs every code sample of the documentation against the loopback lab.

`make test-docs` (part of `make test`) calls it. It reads README.md,
bindings/*/README.md and docs/*.md, finds every fenced code block, and for
each one either runs it, checks it, or lists it as declared non-code. A block
that is none of these fails the run: no sample is skipped silently.

HOW TO WRITE A SAMPLE THAT PASSES (the convention, for everyone adding docs)

1. Tag every fence with its language. What happens to a block depends on it:

   c                        compiled (cc -std=c99 -Wall -Wextra -Werror, with
                            include/, linked against build/libsecuresocket.so)
                            and run
   python, py               run with PYTHONPATH=bindings/python
   js, javascript, cjs      run with node (CommonJS); require('securesocket')
   mjs                      run with node as an ES module; import 'securesocket'
                            (both resolve to bindings/node)
   go                       built as package main inside this module (so
                            "github.com/securesocket/securesocket/core"
                            imports work) and run
   sh, shell, bash          checked, not run: `sh -n` syntax, every `make X`
                            names a target of the Makefile, and the paths a
                            line runs (./x, a/b.sh, `cd DIR`, `python3 F`,
                            `node F`, `go test ./p`) exist from the repository
                            root or the document's directory (a `cd` holds for
                            the rest of its line). `<!-- sample: run -->` runs
                            the block with bash from the repository root.
   text, console, json, actionscript, as3, output, diff, ...
                            declared non-code by the tag itself: listed, never
                            run (AS3 code cannot run here; it sits next to the
                            runnable ports)

   A fence without a tag, or with a tag not listed here, is an error.

2. The lab stands in for the internet. In a runnable block, a host
   "example.net" (in quotes) followed by the port 443 as the next argument -
   connect("example.net", 443), ss_connect(s, "example.net", SS_NTS, 443) -
   becomes the lab's host and the port of its `echo` server (it sends back
   every byte it receives). "SCENARIO.example.net" picks another lab
   scenario: "expired.example.net", 443 connects to the server with an
   expired certificate (scenarios: tests/lab/scenarios.go). A block can change
   its default scenario with `<!-- sample: lab SCENARIO -->`. Every sample
   runs with SSL_CERT_FILE set to the lab's root CA and SS_LAB_JSON to the
   lab's JSON map (tests/lab/README.md).

3. A sample must end by itself (default limit 20 s; `<!-- sample: timeout 40
   -->` to change it) with exit status 0. Close the socket when done: a
   Python run() or Node process returns once no socket is open.

4. What it must print: `<!-- expect: TEXT -->` in an HTML comment right above
   the fence (one per line; several allowed), or a comment inside the code:
   `# expect: TEXT` (Python, sh) or `// expect: TEXT` (C, Go, JS). The
   output (stdout and stderr together) must contain each TEXT.

5. A fragment that cannot run alone (no imports, no main, uses a `sock` from
   an earlier block) says so with `<!-- sample: fragment of NAME -->`: the
   runner puts the block into tests/docs/wrappers/NAME.EXT at the line that
   holds `SAMPLE` (the wrapper's comment line `# SAMPLE` / `// SAMPLE`), and
   runs the result. Add a wrapper there when none fits; keep it small and
   say in its first lines what it provides.

6. A block that is code but must not run here (it builds the project, needs
   a real server, ...) says so with `<!-- sample: not run: REASON -->`. It is
   listed with its reason. Prefer making it runnable.

Directives are HTML comments (invisible on GitHub) on the lines right above
the fence; blank lines between them and the fence are allowed, other text
is not. `<!-- sample: a; b -->` holds several directives.

Usage: run_samples.py [--list] [--keep] [FILE.md ...]
  --list   only list the blocks and what would happen to them
  --keep   keep the generated sources (build/_docs-samples)
Environment: BUILD (default build), CC, GO, NODE, PYTHON, NPM, SS_LAB_JSON and
SSL_CERT_FILE (use a running lab instead of starting one).
"""

from __future__ import annotations

import concurrent.futures
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.path.join(ROOT, os.environ.get("BUILD", "build")))
# A directory whose name starts with "_" is outside `go ... ./...`, so the
# generated Go programs never reach `go vet ./...` or `go test ./...`.
WORK = os.path.join(BUILD, "_docs-samples")
WRAPPERS = os.path.join(ROOT, "tests", "docs", "wrappers")
MODULE = "github.com/securesocket/securesocket"

RUN_LANGS = {
    "c": "c",
    "python": "python", "py": "python", "python3": "python",
    "js": "node", "javascript": "node", "cjs": "node", "node": "node",
    "mjs": "mjs",
    "go": "go", "golang": "go",
    "sh": "sh", "shell": "sh", "bash": "sh",
}
TEXT_LANGS = {
    "text", "txt", "plain", "plaintext", "console", "output", "json", "jsonc", "actionscript", "as3",
    "actionscript3", "diff", "yaml", "toml", "ini", "xml", "html", "csv",
}
EXT = {"c": ".c", "python": ".py", "node": ".js", "mjs": ".mjs", "go": ".go", "sh": ".sh"}
DEFAULT_TIMEOUT = 20.0
DEFAULT_SCENARIO = "echo"


@dataclass
class Block:
    path: str  # relative to ROOT
    line: int  # line of the opening fence, 1-based
    tag: str
    code: str
    directives: list[str] = field(default_factory=list)
    expects: list[str] = field(default_factory=list)
    kind: str = ""  # c, python, node, mjs, go, sh, text, error
    mode: str = ""  # run, check, text, notrun, error
    reason: str = ""
    fragment: str = ""
    scenario: str = DEFAULT_SCENARIO
    timeout: float = DEFAULT_TIMEOUT
    # results
    status: str = ""
    output: str = ""
    seconds: float = 0.0

    @property
    def name(self) -> str:
        base = re.sub(r"[^A-Za-z0-9]+", "_", self.path.rsplit(".", 1)[0]).strip("_")
        return f"{base}_L{self.line}"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")
COMMENT = re.compile(r"^\s*<!--\s*(.*?)\s*-->\s*$")


def parse(path: str) -> list[Block]:
    rel = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, tag = m.group(1), m.group(2), m.group(3).lower()
        start = i
        body = []
        i += 1
        while i < len(lines) and not (lines[i].strip().startswith(fence) and lines[i].strip().strip(fence[0]) == ""):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        # Directives: HTML comments right above the fence (blank lines allowed).
        comments = []
        j = start - 1
        while j >= 0:
            if lines[j].strip() == "":
                j -= 1
                continue
            c = COMMENT.match(lines[j])
            if not c:
                break
            comments.insert(0, c.group(1))
            j -= 1
        b = Block(rel, start + 1, tag, "\n".join(body) + "\n")
        for c in comments:
            if c.startswith("expect:"):
                b.expects.append(c[len("expect:"):].strip())
            elif c.startswith("sample:"):
                b.directives += [d.strip() for d in c[len("sample:"):].split(";") if d.strip()]
        classify(b)
        blocks.append(b)
    return blocks


def classify(b: Block) -> None:
    if b.tag in TEXT_LANGS:
        b.kind, b.mode = "text", "text"
    elif b.tag in RUN_LANGS:
        b.kind = RUN_LANGS[b.tag]
        b.mode = "check" if b.kind == "sh" else "run"
    elif b.tag == "":
        b.kind, b.mode = "error", "error"
        b.reason = "fence without a language tag: tag it (text, console, json, sh, c, python, js, go, ...)"
        return
    else:
        b.kind, b.mode = "error", "error"
        b.reason = f"unknown fence tag {b.tag!r}: add it to RUN_LANGS or TEXT_LANGS in tests/docs/run_samples.py"
        return
    for d in b.directives:
        if d.startswith("not run:"):
            b.mode, b.reason = "notrun", d[len("not run:"):].strip()
            if not b.reason:
                b.mode, b.reason = "error", "`sample: not run:` needs a reason"
        elif d.startswith("fragment of "):
            b.fragment = d[len("fragment of "):].strip()
        elif d.startswith("lab "):
            b.scenario = d[len("lab "):].strip()
        elif d.startswith("timeout "):
            b.timeout = float(d[len("timeout "):])
        elif d == "run":
            if b.kind == "sh":
                b.mode = "run"
        else:
            b.mode, b.reason = "error", f"unknown directive {d!r}"
    if b.mode == "text" and (b.fragment or b.expects):
        b.mode, b.reason = "error", "a non-code block cannot have expect or fragment directives"
    marker = "#" if b.kind in ("python", "sh") else "//"
    for m in re.finditer(r"^.*?" + re.escape(marker) + r"\s*expect:\s*(.+?)\s*$", b.code, re.M):
        if b.mode in ("run", "check", "notrun"):
            b.expects.append(m.group(1))


# ---- lab --------------------------------------------------------------------

class Lab:
    def __init__(self) -> None:
        self.dir = None
        self.map = None

    def start(self) -> None:
        if os.environ.get("SS_LAB_JSON") and os.environ.get("SSL_CERT_FILE"):
            with open(os.environ["SS_LAB_JSON"]) as f:
                self.map = json.load(f)
            self.ca = os.environ["SSL_CERT_FILE"]
            return
        self.dir = os.path.join(BUILD, "lab-docs")
        subprocess.run([os.path.join(ROOT, "tests", "c", "lab.sh"), "start", self.dir], check=True)
        with open(os.path.join(self.dir, "lab.json")) as f:
            self.map = json.load(f)
        self.ca = self.map["ca_file"]

    def stop(self) -> None:
        if self.dir:
            subprocess.run([os.path.join(ROOT, "tests", "c", "lab.sh"), "stop", self.dir])
            self.dir = None

    @property
    def json_path(self) -> str:
        return os.environ.get("SS_LAB_JSON") or os.path.join(self.dir, "lab.json")

    def port(self, scenario: str) -> int:
        ports = self.map["ports"]
        if scenario not in ports:
            raise KeyError(f"no lab scenario {scenario!r} (have: {', '.join(sorted(ports))})")
        return ports[scenario]


HOSTPORT = re.compile(r"""(["'])(?:([A-Za-z][A-Za-z0-9]*)\.)?example\.net\1(\s*,\s*(?:SS_NTS\s*,\s*)?)443\b""")


def substitute(b: Block, code: str, lab: Lab) -> str:
    def repl(m: re.Match) -> str:
        return f"{m.group(1)}{lab.map['host']}{m.group(1)}{m.group(3)}{lab.port(m.group(2) or b.scenario)}"
    return HOSTPORT.sub(repl, code)


def wrap(b: Block) -> str:
    if not b.fragment:
        return b.code
    path = os.path.join(WRAPPERS, b.fragment + EXT[b.kind])
    if not os.path.exists(path):
        raise FileNotFoundError(f"no wrapper {os.path.relpath(path, ROOT)} for `fragment of {b.fragment}`")
    with open(path) as f:
        text = f.read()
    out, done = [], False
    for line in text.split("\n"):
        s = line.strip()
        if not done and s in ("# SAMPLE", "// SAMPLE", "/* SAMPLE */"):
            indent = line[: len(line) - len(line.lstrip())]
            out += [(indent + l if l else l) for l in b.code.rstrip("\n").split("\n")]
            done = True
        else:
            out.append(line)
    if not done:
        raise ValueError(f"wrapper {os.path.relpath(path, ROOT)} has no SAMPLE line")
    return "\n".join(out)


# ---- checks of sh blocks ------------------------------------------------------

def make_targets() -> set[str]:
    targets = set()
    with open(os.path.join(ROOT, "Makefile")) as f:
        for line in f:
            m = re.match(r"^([A-Za-z0-9_.%/ -]+?)\s*:(?!=)", line)
            if m and not line.startswith("\t"):
                targets.update(m.group(1).split())
            if line.startswith(".PHONY:"):
                targets.update(line.split(":", 1)[1].split())
    return targets


def check_sh(b: Block) -> str | None:
    """sh -n, make targets, and the paths of the commands a block runs: the
    command itself (./x, a/b), the directory of `cd`, the script given to
    python/node/sh/bash, and ./paths given to `go run|test|build|vet`. Other
    arguments (output paths, globs, URLs) are not checked."""
    r = subprocess.run(["sh", "-n"], input=b.code, text=True, capture_output=True)
    if r.returncode != 0:
        return "sh -n: " + r.stderr.strip()
    targets = make_targets()
    start = [ROOT, os.path.dirname(os.path.join(ROOT, b.path))]
    bases = start
    problems = []

    def exists(w: str) -> bool:
        return any(os.path.exists(os.path.join(d, w)) for d in bases)

    def checkpath(w: str) -> None:
        if "$" in w or "*" in w or "~" in w or w.startswith(("-", "/", "http")) or "=" in w:
            return
        if not exists(w):
            problems.append(f"{w}: no such file or directory (from {', '.join(os.path.relpath(d, ROOT) for d in bases)})")

    for raw in b.code.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        bases = start  # each line on its own: a `cd` holds for the rest of its line
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words = list(lexer)
        except ValueError as e:
            problems.append(f"{line!r}: {e}")
            continue
        cmds, cur = [], []
        for w in words:
            if w and set(w) <= set("&|;()<>"):
                cmds.append(cur)
                cur = []
            else:
                cur.append(w)
        cmds.append(cur)
        for cmd in cmds:
            while cmd and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", cmd[0]):
                cmd = cmd[1:]  # VAR=value prefixes
            if not cmd:
                continue
            head, args = cmd[0], cmd[1:]
            if "/" in head:
                checkpath(head)
            if head == "make" and not any(a in ("-C", "-f") or a.startswith(("-C", "-f")) for a in args):
                for w in args:
                    if not w.startswith("-") and "=" not in w and w not in targets:
                        problems.append(f"make {w}: no such target in the Makefile")
            elif head == "cd" and args:
                checkpath(args[0])
                if "$" not in args[0] and exists(args[0]):
                    bases = [os.path.join(d, args[0]) for d in bases if os.path.exists(os.path.join(d, args[0]))]
            elif re.match(r"^(python[0-9.]*|node|sh|bash)$", head):
                script = next((a for a in args if not a.startswith("-")), None)
                if script and ("/" in script or script.endswith((".py", ".js", ".mjs", ".sh"))):
                    checkpath(script)
            elif head == "go" and args and args[0] in ("run", "test", "build", "vet"):
                for a in args[1:]:
                    if a.startswith("./"):
                        checkpath(a.rstrip("."))
    return "; ".join(problems) or None


# ---- running ------------------------------------------------------------------

def prepare_node() -> None:
    node_dir = os.path.join(ROOT, "bindings", "node")
    if not os.path.isdir(os.path.join(node_dir, "node_modules", "koffi")):
        subprocess.run([os.environ.get("NPM", "npm"), "ci", "--prefer-offline", "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=node_dir, check=True)
    mods = os.path.join(WORK, "node", "node_modules")
    os.makedirs(mods, exist_ok=True)
    link = os.path.join(mods, "securesocket")
    if not os.path.islink(link):
        os.symlink(node_dir, link)


def write_sources(blocks: list[Block], lab: Lab) -> None:
    for b in blocks:
        try:
            code = substitute(b, wrap(b), lab)
        except (OSError, ValueError, KeyError) as e:
            b.status, b.output = "FAIL", str(e)
            continue
        if b.kind == "go":
            d = os.path.join(WORK, "go", b.name)
            os.makedirs(d, exist_ok=True)
            b.src = os.path.join(d, "main.go")
        else:
            d = os.path.join(WORK, "node" if b.kind in ("node", "mjs") else b.kind)
            os.makedirs(d, exist_ok=True)
            b.src = os.path.join(d, b.name + EXT[b.kind])
        with open(b.src, "w") as f:
            f.write(code)


def compile_c(b: Block) -> None:
    cc = os.environ.get("CC", "cc")
    b.exe = b.src[:-2]
    cmd = [cc, "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-O0",
           "-I" + os.path.join(ROOT, "include"), "-o", b.exe, b.src, "-L" + BUILD, "-lsecuresocket",
           "-Wl,-rpath," + BUILD]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        b.status, b.output = "FAIL", "compile: " + r.stdout + r.stderr


def compile_go(blocks: list[Block]) -> None:
    if not blocks:
        return
    out = os.path.join(WORK, "go-bin")
    os.makedirs(out, exist_ok=True)
    pkgs = ["./" + os.path.relpath(os.path.dirname(b.src), ROOT) for b in blocks]
    r = subprocess.run([os.environ.get("GO", "go"), "build", "-o", out + "/"] + pkgs, cwd=ROOT,
                       capture_output=True, text=True)
    for b in blocks:
        b.exe = os.path.join(out, b.name)
        if r.returncode != 0:
            # Build each alone to blame the right sample.
            r1 = subprocess.run([os.environ.get("GO", "go"), "build", "-o", b.exe,
                                 "./" + os.path.relpath(os.path.dirname(b.src), ROOT)],
                                cwd=ROOT, capture_output=True, text=True)
            if r1.returncode != 0:
                b.status, b.output = "FAIL", "go build: " + r1.stderr


def run_one(b: Block, lab: Lab) -> None:
    if b.status:
        return
    env = dict(os.environ, SSL_CERT_FILE=lab.ca, SS_LAB_JSON=lab.json_path,
               PYTHONPATH=os.path.join(ROOT, "bindings", "python"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("NODE_OPTIONS", None)
    cwd = os.path.dirname(b.src)
    if b.kind == "c" or b.kind == "go":
        cmd = [b.exe]
    elif b.kind == "python":
        cmd = [os.environ.get("PYTHON", sys.executable), b.src]
    elif b.kind in ("node", "mjs"):
        cmd = [os.environ.get("NODE", "node"), b.src]
    else:  # sh with `sample: run`
        cmd, cwd = ["bash", "-eu", b.src], ROOT
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=b.timeout,
                           stdin=subprocess.DEVNULL)
        out, rc = r.stdout + r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        b.seconds = time.monotonic() - t0
        b.status, b.output = "FAIL", f"timed out after {b.timeout:g} s\n{out}"
        return
    b.seconds = time.monotonic() - t0
    b.output = out
    missing = [e for e in b.expects if e not in out]
    if rc != 0:
        b.status = "FAIL"
        b.output = f"exit status {rc}\n{out}"
    elif missing:
        b.status = "FAIL"
        b.output = "missing from the output: " + ", ".join(repr(m) for m in missing) + "\n" + out
    else:
        b.status = "ok"


def main(argv: list[str]) -> int:
    list_only = "--list" in argv
    keep = "--keep" in argv
    files = [a for a in argv if not a.startswith("--")]
    if not files:
        files = [os.path.join(ROOT, "README.md")]
        files += sorted(glob.glob(os.path.join(ROOT, "bindings", "*", "README.md")))
        files += sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    blocks = [b for f in files for b in parse(os.path.abspath(f))]

    for b in blocks:
        if b.mode == "error":
            b.status, b.output = "FAIL", b.reason
        elif b.mode == "text":
            b.status = "text"
        elif b.mode == "notrun":
            b.status = "not run"
        elif b.mode == "check":
            problem = check_sh(b)
            b.status, b.output = ("FAIL", problem) if problem else ("checked", "")

    runnable = [b for b in blocks if b.mode == "run" and not b.status]
    lab = Lab()
    t0 = time.monotonic()
    if runnable and not list_only:
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)
        try:
            lab.start()
            if any(b.kind in ("node", "mjs") for b in runnable):
                prepare_node()
            write_sources(runnable, lab)
            with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
                gos = pool.submit(compile_go, [b for b in runnable if b.kind == "go" and not b.status])
                list(pool.map(compile_c, [b for b in runnable if b.kind == "c" and not b.status]))
                # Python and Node need no build: run them while Go compiles.
                list(pool.map(lambda b: run_one(b, lab), [b for b in runnable if b.kind not in ("go", "c")]))
                gos.result()
                list(pool.map(lambda b: run_one(b, lab), [b for b in runnable if b.kind in ("go", "c")]))
        finally:
            lab.stop()
            if not keep:
                shutil.rmtree(WORK, ignore_errors=True)
    elif list_only:
        for b in runnable:
            b.status = "would run"

    width = max((len(b.where) for b in blocks), default=10)
    fails = 0
    for b in blocks:
        what = {"text": f"declared non-code ({b.tag})", "not run": f"not run: {b.reason}"}.get(b.status, "")
        extra = f"{b.seconds:5.1f}s" if b.seconds else ""
        frag = f" [fragment of {b.fragment}]" if b.fragment else ""
        print(f"{b.where:<{width}}  {b.tag or '(none)':<10} {b.status:<9} {extra:>6} {what}{frag}")
        if b.status == "FAIL":
            fails += 1
            for line in b.output.rstrip().split("\n")[-40:]:
                print("    | " + line)
    counts = {}
    for b in blocks:
        counts[b.status] = counts.get(b.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    print(f"docs samples: {len(blocks)} blocks in {len(files)} files: {summary} ({time.monotonic() - t0:.1f} s)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
