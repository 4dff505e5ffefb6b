#!/usr/bin/env python3
"""The sample runner's own test: `make test-docs` runs it first.

run_samples.py --list classifies and checks every block without running
any, so this needs no lab: testdata/good.md must pass, and each
testdata/bad-*.md must fail (a runner that let one through would skip a
sample silently).
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run_samples.py")


def run(path: str) -> int:
    return subprocess.run([sys.executable, RUNNER, "--list", path], capture_output=True, text=True).returncode


def main() -> int:
    failures = []
    good = os.path.join(HERE, "testdata", "good.md")
    if run(good) != 0:
        failures.append("testdata/good.md should pass")
    bad = sorted(glob.glob(os.path.join(HERE, "testdata", "bad-*.md")))
    for path in bad:
        if run(path) == 0:
            failures.append(f"testdata/{os.path.basename(path)} should fail")
    if failures:
        print("selftest: " + "; ".join(failures))
        return 1
    print(f"selftest: the runner passes good.md and fails all {len(bad)} bad-*.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
