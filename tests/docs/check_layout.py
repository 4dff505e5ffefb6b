#!/usr/bin/env python3
"""Checks that the README's Layout section names every file of core/.

`make test-docs` runs it. The Layout section is the first ```text block
after the "## Layout" heading of README.md; each entry of core/ (files and
directories directly in it) must appear there as a word, e.g.
"  socket.go   lifecycle: ...". When you add a file to core/, add its line.
core/amf/ is described by group in the README and file by file in
core/amf/README.md.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main() -> int:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Layout\n.*?^```text\n(.*?)^```", text, re.S | re.M)
    if not m:
        print("check_layout: README.md has no ## Layout section with a ```text block")
        return 1
    words = set(re.findall(r"[\w./-]+", m.group(1)))
    words |= {w.rstrip("/") for w in words}
    missing = []
    for name in sorted(os.listdir(os.path.join(ROOT, "core"))):
        if name.startswith(".") or name == "amf":
            continue
        if name not in words:
            missing.append("core/" + name)
    if missing:
        print("check_layout: README.md's Layout does not name: " + ", ".join(missing))
        return 1
    print(f"check_layout: README.md's Layout names every entry of core/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
