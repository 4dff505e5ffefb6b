"""``python -m securesocket [probe] host port``: the probe through this
binding, checked on a few lab scenarios (status, exit status, JSON fields).
Each run is a child process, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from labutil import ROOT, Lab

FIELDS = {"outcome", "exitCode", "status", "detail", "tlsVersion", "cipherSuite", "remoteAddress",
          "remotePort", "revocation", "chain"}
CERT_FIELDS = {"subject", "issuer", "serialNumber", "notBefore", "notAfter", "dnsNames", "ipAddresses",
               "isCA", "pinSha256"}


def probe(lab: Lab, scenario: str, *args: str, sub: bool = True) -> tuple[int, str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "bindings" / "python")
    cmd = [sys.executable, "-m", "securesocket", *(["probe"] if sub else []), *args,
           lab.host, str(lab.port(scenario))]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize(
    ("scenario", "outcome", "code", "status", "detail"),
    [
        ("trusted", "connected", 0, "trusted", ""),
        ("expired", "refused", 1, "expired", "certificate expired at "),
        ("selfSigned", "refused", 1, "untrustedSigners", "self-signed"),
        ("revokedStaple", "refused", 1, "revoked", "revoked"),
        ("refused", "failed", 3, "unknown", "connection refused by 127.0.0.1:"),
    ],
)
def test_scenarios(lab: Lab, scenario: str, outcome: str, code: int, status: str, detail: str) -> None:
    rc, out, err = probe(lab, scenario, "--json", "--timeout", "2000")
    r: dict[str, Any] = json.loads(out)
    assert set(r) == FIELDS, r
    assert (rc, r["exitCode"], r["outcome"], r["status"]) == (code, code, outcome, status), (r, err)
    assert detail in r["detail"] and (detail == "") == (r["detail"] == "")
    assert set(r["revocation"]) == {"mode", "status", "detail"}
    if outcome == "connected":
        assert r["tlsVersion"] == "TLSv1.3" and r["cipherSuite"].startswith("TLS_")
        assert len(r["chain"]) == 3 and all(set(c) == CERT_FIELDS for c in r["chain"])
        assert r["chain"][0]["dnsNames"] == ["localhost"] and r["chain"][0]["ipAddresses"] == ["127.0.0.1", "::1"]
    else:
        assert r["chain"] == []


def test_text_pin_and_ca(lab: Lab) -> None:
    rc, out, _ = probe(lab, "trusted", sub=False)
    assert rc == 0
    assert "outcome:     connected\nstatus:      trusted\n" in out
    pin = out.split("pin-sha256: ")[1].split()[0]
    rc, out, _ = probe(lab, "trusted", "--pin", "sha256/" + pin)
    assert rc == 0, out
    rc, out, _ = probe(lab, "trusted", "--json", "--pin", "A" * 43 + "=")
    assert rc == 1 and json.loads(out)["status"] == "untrustedSigners"
    rc, out, _ = probe(lab, "selfSigned", "--ca", lab.files["self_signed_der"])
    assert rc == 0, out


@pytest.mark.parametrize("args", [["--revocation", "sometimes"], ["--pin", "short"], ["--ca", "/nonexistent"]])
def test_usage(lab: Lab, args: list[str]) -> None:
    rc, out, err = probe(lab, "trusted", *args)
    assert rc == 2 and out == "" and "usage:" in err
