"""Trust against the lab: revocation (staple, CRL, OCSP; good, revoked, a
hanging responder), extra anchors and intermediates, public-key pins, and
client certificates. core/trust_test.go is the model: each case shows the
outcome event, the certificate status, the revocation result and the words
that say why."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from labutil import Lab, Recorder, wait_for

import securesocket
from securesocket import CertificateStatus, RevocationMode, RevocationStatus, SecureSocket

OUTCOMES = ("connect", "ioError", "securityError")


def outcome(sock: SecureSocket, lab: Lab, scenario: str, timeout: float = 15.0) -> tuple[Any, Recorder]:
    """Connects and returns the outcome event (connect, ioError or
    securityError) with the recorder, which keeps listening. A refused
    connect is the socket's last event; after a connect, an ioError may
    follow (a TLS 1.3 server refusing the client certificate)."""
    rec = Recorder(sock)
    sock.connect(lab.host, lab.port(scenario))
    wait_for(rec.has(*OUTCOMES), timeout)
    securesocket.dispatch(0.02)  # anything after a refusal would show up here
    outcomes = [e for e in rec.events if e.type in OUTCOMES]
    first = outcomes[0]
    assert first.type == "connect" or len(rec.events) == 1, rec.events
    assert [e.type for e in outcomes].count("connect") <= 1, rec.events
    return first, rec


def assert_refused(sock: SecureSocket, ev: Any) -> None:
    assert isinstance(ev, securesocket.IOErrorEvent), ev
    assert ev.type == "ioError" and ev.error_id == 2031 and ev.target is sock
    assert ev.detail and ev.detail == sock.failure_detail
    assert not sock.connected


def echoes(sock: SecureSocket, value: int) -> None:
    """The server echoes what we write: it accepted the connection."""
    sock.write_int(value)
    sock.flush()
    wait_for(lambda: sock.bytes_available >= 4)
    assert sock.read_int() == value


# ---- revocation ---------------------------------------------------------------

SOFT, HARD, OFF = RevocationMode.SOFT_FAIL, RevocationMode.HARD_FAIL, RevocationMode.OFF
STAPLE = "(OCSP response stapled by the server"

# scenario -> where the leaf's verdict comes from, as revocation_detail words
# it ({http}: the revocationHTTP port)
SOURCES = {
    "revokedStaple": STAPLE,
    "goodStaple": STAPLE,
    "revokedCRL": "(CRL http://127.0.0.1:{http}/revokedCRL/intermediate.crl",
    "goodCRL": "(CRL http://127.0.0.1:{http}/goodCRL/intermediate.crl",
    "revokedOCSP": "(OCSP http://127.0.0.1:{http}/revokedOCSP/ocsp",
    "goodOCSP": "(OCSP http://127.0.0.1:{http}/goodOCSP/ocsp",
}


@pytest.mark.parametrize("mode", [SOFT, HARD])
@pytest.mark.parametrize("scenario", ["revokedStaple", "revokedCRL", "revokedOCSP"])
def test_revoked(lab: Lab, sock: SecureSocket, scenario: str, mode: str) -> None:
    source = SOURCES[scenario].format(http=lab.port("revocationHTTP"))
    sock.revocation_mode = mode
    assert sock.revocation_mode == mode
    ev, _ = outcome(sock, lab, scenario)
    assert_refused(sock, ev)
    assert sock.server_certificate_status == CertificateStatus.REVOKED
    assert sock.revocation_status == RevocationStatus.REVOKED
    detail = sock.revocation_detail
    assert 'certificate "localhost": revoked at ' in detail
    assert "reason keyCompromise" in detail and source in detail
    assert "revoked" in ev.detail and source in ev.detail
    assert sock.server_certificate is None  # no verified connection


@pytest.mark.parametrize("mode", [SOFT, HARD])
@pytest.mark.parametrize("scenario", ["goodStaple", "goodCRL", "goodOCSP"])
def test_good(lab: Lab, sock: SecureSocket, scenario: str, mode: str) -> None:
    http = lab.port("revocationHTTP")
    source = SOURCES[scenario].format(http=http)
    sock.revocation_mode = mode
    ev, _ = outcome(sock, lab, scenario)
    assert ev.type == "connect", ev
    assert sock.connected and sock.failure_detail == ""
    assert sock.server_certificate_status == CertificateStatus.TRUSTED
    assert sock.revocation_status == RevocationStatus.GOOD
    detail = sock.revocation_detail
    # The leaf by its own source, the intermediate by the root's CRL.
    assert f'certificate "localhost": good {source}' in detail, detail
    assert f"good (CRL http://127.0.0.1:{http}/root.crl" in detail, detail
    echoes(sock, 12345)


@pytest.mark.parametrize(
    ("scenario", "mode", "event", "status", "result", "words"),
    [
        # Off checks nothing, not even a revoked leaf.
        ("revokedCRL", OFF, "connect", "trusted", "notChecked", "revocation checking is off"),
        # ...but a valid revoked staple is refused in every mode.
        ("revokedStaple", OFF, "ioError", "revoked", "revoked", "checking is off, but a valid revoked staple"),
        ("goodStaple", OFF, "connect", "trusted", "notChecked", "revocation checking is off"),
        # A leaf that names no revocation URL: unknown; only hard-fail refuses.
        ("trusted", SOFT, "connect", "trusted", "unknown", 'certificate "localhost": unknown ('),
        ("trusted", HARD, "ioError", "invalid", "unknown", 'certificate "localhost": unknown ('),
    ],
)
def test_revocation_other_modes(
    lab: Lab, sock: SecureSocket, scenario: str, mode: str, event: str, status: str, result: str, words: str
) -> None:
    sock.revocation_mode = mode
    ev, _ = outcome(sock, lab, scenario)
    assert ev.type == event, ev
    assert sock.server_certificate_status == status
    assert sock.revocation_status == result
    assert words in sock.revocation_detail
    if event == "ioError":
        assert_refused(sock, ev)
        if result == "unknown":
            assert "revocation could not be checked (hard-fail)" in ev.detail
        else:
            assert words in ev.detail


@pytest.mark.parametrize("mode", list(RevocationMode))
def test_must_staple(lab: Lab, sock: SecureSocket, mode: str) -> None:
    """OCSP must-staple (RFC 7633): without a valid staple the leaf is refused
    in every mode but off, although its responder says good."""
    sock.revocation_mode = mode
    ev, _ = outcome(sock, lab, "mustStapleMissing")
    if mode == OFF:
        assert ev.type == "connect", ev
        assert sock.server_certificate_status == CertificateStatus.TRUSTED
        assert sock.revocation_status == RevocationStatus.NOT_CHECKED
    else:
        assert_refused(sock, ev)
        assert sock.server_certificate_status == CertificateStatus.INVALID
        assert sock.revocation_status == RevocationStatus.UNKNOWN
        assert "requires a stapled OCSP response (OCSP must-staple, RFC 7633), but the server stapled none" in ev.detail

    other = SecureSocket()
    try:
        other.revocation_mode = mode
        ev, _ = outcome(other, lab, "mustStapleGood")
        assert ev.type == "connect", ev
        assert other.server_certificate_status == CertificateStatus.TRUSTED
        assert other.revocation_status == (RevocationStatus.NOT_CHECKED if mode == OFF else RevocationStatus.GOOD)
        echoes(other, 777)
    finally:
        other.free()


def test_revocation_mode_values(sock: SecureSocket) -> None:
    assert sock.revocation_mode == RevocationMode.SOFT_FAIL  # the default
    assert sock.revocation_status == RevocationStatus.NOT_CHECKED  # nothing connected yet
    for m in RevocationMode:
        sock.revocation_mode = m
        assert sock.revocation_mode == m
    with pytest.raises(securesocket.ArgumentError) as ei:
        sock.revocation_mode = "hard"
    assert ei.value.error_id == 2008
    assert sock.revocation_mode == RevocationMode.OFF  # unchanged


@pytest.mark.parametrize("mode", [SOFT, HARD])
def test_hanging_responder(lab: Lab, sock: SecureSocket, mode: str) -> None:
    """The leaf's only revocation URL never answers: soft-fail connects
    within the timeout budget with "unknown", hard-fail refuses."""
    url = f"OCSP http://127.0.0.1:{lab.port('hangingHTTP')}/"
    sock.revocation_mode = mode
    sock.timeout = 1500
    start = time.monotonic()
    ev, _ = outcome(sock, lab, "hangingResponder")
    took = time.monotonic() - start
    assert took < 2.5, f"{mode}: {took:.2f} s with a 1500 ms timeout"
    assert sock.revocation_status == RevocationStatus.UNKNOWN
    detail = sock.revocation_detail
    assert 'certificate "localhost": unknown (' in detail and url in detail, detail
    if mode == SOFT:
        assert ev.type == "connect", ev
        assert sock.server_certificate_status == CertificateStatus.TRUSTED
        echoes(sock, 7)
    else:
        assert_refused(sock, ev)
        assert sock.server_certificate_status == CertificateStatus.INVALID
        assert "revocation could not be checked (hard-fail)" in ev.detail and url in ev.detail


# ---- extra anchors and intermediates --------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "file", "trusted", "status", "top"),
    [
        pytest.param(
            "untrustedRoot", "untrusted_root_der", True, "trusted", "securesocket untrusted root", id="anchor"
        ),
        pytest.param("untrustedRoot", "untrusted_root_der", False, "untrustedSigners", None, id="root-not-anchor"),
        pytest.param(
            "missingIntermediate", "intermediate_der", False, "trusted", "securesocket lab root", id="intermediate"
        ),
        pytest.param("selfSigned", "self_signed_der", True, "trusted", "localhost", id="self-signed-anchor"),
        pytest.param("expired", "root_der", True, "expired", None, id="anchor-not-expired"),
        pytest.param("wrongHost", "root_der", True, "principalMismatch", None, id="anchor-not-host"),
    ],
)
def test_chain_building_certificate(
    lab: Lab, sock: SecureSocket, scenario: str, file: str, trusted: bool, status: str, top: str | None
) -> None:
    sock.revocation_mode = OFF
    sock.add_binary_chain_building_certificate(lab.read(file), trusted)
    ev, _ = outcome(sock, lab, scenario)
    assert sock.server_certificate_status == status
    if top is None:
        assert_refused(sock, ev)
        assert sock.server_certificate is None and sock.server_certificate_chain == []
        return
    assert ev.type == "connect", ev
    chain = sock.server_certificate_chain
    assert chain[0] == sock.server_certificate
    assert chain[-1].subject.common_name == top  # the chain ends at the anchor
    assert sock.server_certificate_der(len(chain) - 1) == lab.read(file if trusted else "root_der")
    echoes(sock, 1)


def test_anchor_belongs_to_its_socket(lab: Lab) -> None:
    with SecureSocket() as a, SecureSocket() as b:
        a.add_binary_chain_building_certificate(lab.read("untrusted_root_der"), True)
        ev, _ = outcome(a, lab, "untrustedRoot")
        assert ev.type == "connect", ev
        ev, _ = outcome(b, lab, "untrustedRoot")
        assert_refused(b, ev)
        assert b.server_certificate_status == CertificateStatus.UNTRUSTED_SIGNERS


def test_self_signed_anchor_is_not_revocation_checked(lab: Lab, sock: SecureSocket) -> None:
    sock.revocation_mode = HARD  # nothing to ask: it must still connect
    sock.add_binary_chain_building_certificate(lab.read("self_signed_der"), True)
    ev, _ = outcome(sock, lab, "selfSigned")
    assert ev.type == "connect", ev
    assert sock.revocation_status == RevocationStatus.NOT_CHECKED
    assert "trust anchor" in sock.revocation_detail


def test_chain_building_certificate_bad_input(sock: SecureSocket) -> None:
    with pytest.raises(securesocket.ArgumentError) as ei:
        sock.add_binary_chain_building_certificate(b"not DER", True)
    assert ei.value.error_id == 2004


# ---- public-key pins ------------------------------------------------------------------

NOBODY = hashlib.sha256(b"some other key").digest()


@pytest.mark.parametrize(
    ("scenario", "pin_files", "event", "status"),
    [
        pytest.param("trusted", ["root_der"], "connect", "trusted", id="root"),
        pytest.param("trusted", ["intermediate_der"], "connect", "trusted", id="intermediate"),
        pytest.param("trusted", [None, "root_der"], "connect", "trusted", id="one-of-two"),
        pytest.param("trusted", [None], "ioError", "untrustedSigners", id="mismatch"),
        # A pin never makes an untrusted chain trusted.
        pytest.param("selfSigned", ["self_signed_der"], "ioError", "untrustedSigners", id="no-trust-from-pin"),
    ],
)
def test_public_key_pins(
    lab: Lab, sock: SecureSocket, scenario: str, pin_files: list[str | None], event: str, status: str
) -> None:
    sock.revocation_mode = OFF
    for f in pin_files:
        sock.add_public_key_pin(NOBODY if f is None else SecureSocket.public_key_pin(lab.read(f)))
    ev, _ = outcome(sock, lab, scenario)
    assert ev.type == event, ev
    assert sock.server_certificate_status == status
    if event == "ioError":
        assert_refused(sock, ev)
        if scenario == "trusted":
            assert "pin mismatch" in ev.detail
    else:
        echoes(sock, 2)


def test_pin_of_the_leaf_and_clearing(lab: Lab, sock: SecureSocket) -> None:
    sock.revocation_mode = OFF
    ev, _ = outcome(sock, lab, "trusted")
    assert ev.type == "connect"
    leaf_pin = SecureSocket.public_key_pin(sock.server_certificate_der(0))
    assert len(leaf_pin) == 32
    assert leaf_pin not in (SecureSocket.public_key_pin(lab.read(f)) for f in ("root_der", "intermediate_der"))
    sock.close()
    sock.add_public_key_pin(NOBODY)
    ev, _ = outcome(sock, lab, "trusted")
    assert_refused(sock, ev)
    sock.add_public_key_pin(leaf_pin)  # the server's own key, among others
    ev, _ = outcome(sock, lab, "trusted")
    assert ev.type == "connect", ev
    sock.close()
    sock.clear_public_key_pins()
    sock.add_public_key_pin(NOBODY)
    ev, _ = outcome(sock, lab, "trusted")
    assert_refused(sock, ev)
    with pytest.raises(securesocket.ArgumentError):
        sock.add_public_key_pin(bytes(31))


# ---- client certificates -------------------------------------------------------------

KEY_FORMS = {
    "PEM": ("client_cert_pem", "client_key_pem", None),
    "DER": ("client_cert_der", "client_key_der", None),
    "SEC1": ("client_cert_pem", "client_key_ec_pem", None),
    "encrypted-PKCS8": ("client_cert_pem", "client_key_encrypted_pem", "lab-secret"),
    "encrypted-PKCS8-bytes-password": ("client_cert_pem", "client_key_encrypted_pem", b"lab-secret"),
    "legacy-encrypted-PEM": ("client_cert_pem", "client_key_legacy_encrypted_pem", "lab-secret"),
}


@pytest.mark.parametrize("scenario", ["clientCert", "clientCertTLS12"])
@pytest.mark.parametrize("form", list(KEY_FORMS))
def test_client_certificate_accepted(lab: Lab, sock: SecureSocket, form: str, scenario: str) -> None:
    cert, key, password = KEY_FORMS[form]
    sock.revocation_mode = OFF
    sock.set_client_certificate(lab.read(cert), lab.read(key), password)
    ev, _ = outcome(sock, lab, scenario)
    assert ev.type == "connect", ev
    echoes(sock, 4242)
    if scenario == "clientCertTLS12":
        assert sock.tls_version == "TLSv1.2"


@pytest.mark.parametrize(
    ("scenario", "wrong", "alert"),
    [
        pytest.param("clientCertTLS12", False, "handshake failure", id="missing-TLS1.2"),
        pytest.param("clientCert", False, "certificate required", id="missing-TLS1.3"),
        pytest.param("clientCertTLS12", True, "unknown certificate authority", id="wrong-CA-TLS1.2"),
        pytest.param("clientCert", True, "unknown certificate authority", id="wrong-CA-TLS1.3"),
    ],
)
def test_client_certificate_refused(lab: Lab, sock: SecureSocket, scenario: str, wrong: bool, alert: str) -> None:
    """TLS 1.2 fails the handshake (an ioError at connect); TLS 1.3 connects
    first and the server's alert is an ioError after. The server's own
    certificate was judged and trusted either way."""
    sock.revocation_mode = OFF
    if wrong:
        sock.set_client_certificate(lab.read("wrong_client_cert_pem"), lab.read("wrong_client_key_pem"))
    ev, rec = outcome(sock, lab, scenario)
    if scenario == "clientCert":
        assert ev.type == "connect", ev
        wait_for(rec.has("ioError"), 15)
        ev = rec.of("ioError")[0]
        assert isinstance(ev, securesocket.IOErrorEvent) and ev.error_id == 2031
        assert alert in ev.detail, ev.detail
        assert not sock.connected
    else:
        assert_refused(sock, ev)
        assert alert in ev.detail, ev.detail
    assert sock.server_certificate_status == CertificateStatus.TRUSTED


def test_cleared_client_certificate_is_not_sent(lab: Lab, sock: SecureSocket) -> None:
    sock.set_client_certificate(lab.read("client_cert_pem"), lab.read("client_key_pem"))
    sock.clear_client_certificate()
    ev, _ = outcome(sock, lab, "clientCertTLS12")
    assert_refused(sock, ev)
    assert "handshake failure" in ev.detail


@pytest.mark.parametrize(
    ("cert", "key", "password"),
    [
        pytest.param("client_cert_pem", "client_key_encrypted_pem", "wrong", id="wrong-password"),
        pytest.param("client_cert_pem", "client_key_encrypted_pem", None, id="no-password"),
        pytest.param("client_cert_pem", "wrong_client_key_pem", None, id="other-key"),
        pytest.param(None, "client_key_pem", None, id="junk-cert"),
    ],
)
def test_client_certificate_bad_input(
    lab: Lab, sock: SecureSocket, cert: str | None, key: str, password: str | None
) -> None:
    with pytest.raises(securesocket.ArgumentError) as ei:
        sock.set_client_certificate(b"junk" if cert is None else lab.read(cert), lab.read(key), password)
    assert ei.value.error_id == 2004
