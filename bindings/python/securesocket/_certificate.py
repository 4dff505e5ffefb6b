"""AS3 ``flash.security.X509Certificate`` and ``X500DistinguishedName`` as
frozen dataclasses, made from the library's certificate JSON
(``ss_get_server_certificate_chain``): binary fields as bytes, dates as
aware UTC datetimes, names in snake_case. The same record the Node binding
gives (Buffer, Date, camelCase there)."""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime, timezone
from typing import Any

__all__ = ["X509Certificate", "X500DistinguishedName"]


@dataclasses.dataclass(frozen=True)
class X500DistinguishedName:
    """AS3 ``X500DistinguishedName``: the parts of a subject or issuer name
    (``""`` when absent) and the whole name (``dn``)."""

    common_name: str = ""
    country_name: str = ""
    locality_name: str = ""
    organization_name: str = ""
    organizational_unit_name: str = ""
    state_or_province_name: str = ""
    dn: str = ""

    @classmethod
    def _from_json(cls, d: dict[str, Any]) -> X500DistinguishedName:
        return cls(
            common_name=d.get("commonName", ""),
            country_name=d.get("countryName", ""),
            locality_name=d.get("localityName", ""),
            organization_name=d.get("organizationName", ""),
            organizational_unit_name=d.get("organizationalUnitName", ""),
            state_or_province_name=d.get("stateOrProvinceName", ""),
            dn=d.get("dn", ""),
        )


def _time(text: str) -> datetime:
    # RFC 3339 in UTC ("2026-01-02T03:04:05Z"); fromisoformat before 3.11
    # does not take "Z".
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@dataclasses.dataclass(frozen=True)
class X509Certificate:
    """AS3 ``X509Certificate``: one certificate of the verified chain
    (:attr:`SecureSocket.server_certificate`,
    :attr:`SecureSocket.server_certificate_chain`).

    >>> cert = sock.server_certificate          # doctest: +SKIP
    >>> cert.subject.common_name, cert.valid_not_after.year
    ('localhost', 2027)
    """

    #: 0-based X.509 version, as AS3 gives it: 2 for a v3 certificate.
    version: int
    #: Hexadecimal.
    serial_number: str
    signature_algorithm_oid: str
    #: The parameters' DER, or None when there are none.
    signature_algorithm_params: bytes | None
    issuer: X500DistinguishedName
    subject: X500DistinguishedName
    issuer_unique_id: str
    subject_unique_id: str
    #: Hexadecimal.
    subject_public_key: str
    subject_public_key_algorithm_oid: str
    #: Aware datetimes in UTC.
    valid_not_before: datetime
    valid_not_after: datetime
    #: The whole certificate, DER.
    encoded: bytes

    @classmethod
    def _from_json(cls, d: dict[str, Any]) -> X509Certificate:
        params = d.get("signatureAlgorithmParams")
        return cls(
            version=d.get("version", 0),
            serial_number=d.get("serialNumber", ""),
            signature_algorithm_oid=d.get("signatureAlgorithmOID", ""),
            signature_algorithm_params=None if params is None else base64.b64decode(params),
            issuer=X500DistinguishedName._from_json(d.get("issuer") or {}),
            subject=X500DistinguishedName._from_json(d.get("subject") or {}),
            issuer_unique_id=d.get("issuerUniqueID", ""),
            subject_unique_id=d.get("subjectUniqueID", ""),
            subject_public_key=d.get("subjectPublicKey", ""),
            subject_public_key_algorithm_oid=d.get("subjectPublicKeyAlgorithmOID", ""),
            valid_not_before=_time(d["validNotBefore"]),
            valid_not_after=_time(d["validNotAfter"]),
            encoded=base64.b64decode(d.get("encoded", "")),
        )

    def __repr__(self) -> str:
        return (
            f"<X509Certificate subject={self.subject.dn!r} issuer={self.issuer.dn!r} "
            f"serial={self.serial_number} valid_not_after={self.valid_not_after.isoformat()}>"
        )
