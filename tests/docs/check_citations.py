#!/usr/bin/env python3
"""Checks that no code comment or document cites files outside the repository.

`make test-docs` runs it. The project's research notes were never part of the
repository, so a citation of them (the PATTERNS below: the
notes' folder, their file names, "the AS3 semantics checklist") sends a
reader nowhere. Cite a document in docs/ (docs/ffi-notes.md, docs/as3-semantics.md,
docs/divergences.md, ... or a new one carrying the facts you rely on) or a
public source (the AIR reference on airsdk.dev or help.adobe.com, Go's
documentation, koffi.dev, an RFC, an upstream issue).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SELF = os.path.relpath(os.path.abspath(__file__), ROOT)

PATTERNS = [
    r"\.\./shared\b",
    r"/work/shared\b",
    r"(?<![\w.-])shared/(?:reference|conformance|seed)\b",
    r"(?<![\w/.-])reference/(?:air|ffi|amf|as3|tls|README)",
    r"(?<![\w/.-])(?:ffi|amf|tls-anchors|as3-socket-semantics)\.md\b",
    r"(?<![\w/.-])seed/SecureSocket",
    r"AS3 semantics checklist",
]
RX = re.compile("|".join(PATTERNS))
EXTS = (".go", ".c", ".h", ".cpp", ".py", ".js", ".mjs", ".cjs", ".ts", ".md", ".sh", ".txt", ".toml", ".cmake")
NAMES = ("Makefile", "CMakeLists.txt")


def files():
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        out = []
        for d, dirs, fs in os.walk(ROOT):
            dirs[:] = [x for x in dirs if x not in (".git", "node_modules", "build")]
            out += [os.path.relpath(os.path.join(d, f), ROOT) for f in fs]
    for f in out:
        if f and (f.endswith(EXTS) or os.path.basename(f) in NAMES) and "node_modules/" not in f and f != SELF:
            yield f


def main() -> int:
    hits = []
    for f in files():
        try:
            with open(os.path.join(ROOT, f), encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    if RX.search(line):
                        hits.append(f"{f}:{n}: {line.strip()[:160]}")
        except OSError:
            continue
    if hits:
        print("check_citations: these cite files outside the repository; cite docs/ or a public source instead:")
        print("\n".join("    " + h for h in hits))
        return 1
    print("check_citations: no citation points outside the repository")
    return 0


if __name__ == "__main__":
    sys.exit(main())
