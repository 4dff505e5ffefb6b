"""AS3 constant classes as Python enums.

String-valued ones are ``str`` subclasses, so a member equals its AS3 string
(``Endian.BIG_ENDIAN == "bigEndian"``) and plain strings are accepted
wherever a member is.
"""

from __future__ import annotations

import enum
import sys

__all__ = [
    "Endian",
    "CertificateStatus",
    "ObjectEncoding",
    "TLSVersion",
    "RevocationMode",
    "RevocationStatus",
]

if sys.version_info >= (3, 11):
    _StrEnum = enum.StrEnum
else:

    class _StrEnum(str, enum.Enum):
        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


class Endian(_StrEnum):
    """AS3 ``flash.utils.Endian``: the byte order of multi-byte reads and
    writes, and of the length prefix of ``read_utf``/``write_utf``."""

    BIG_ENDIAN = "bigEndian"
    LITTLE_ENDIAN = "littleEndian"


class CertificateStatus(_StrEnum):
    """AS3 ``flash.security.CertificateStatus``: the value of
    ``SecureSocket.server_certificate_status``."""

    #: Valid and trusted for the host: every ``connect`` event has it.
    TRUSTED = "trusted"
    #: Not judged: before a connect, or the connect failed before a
    #: certificate arrived (refused, timed out, not TLS; the ioError's detail
    #: says which). AIR reports "invalid" there; see docs/divergences.md.
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    NOT_YET_VALID = "notYetValid"
    #: Invalid for another reason, e.g. a leaf not meant for servers.
    INVALID = "invalid"
    #: A certificate that issues another in the chain is itself invalid.
    INVALID_CHAIN = "invalidChain"
    #: Not issued for the host name or address connected to.
    PRINCIPAL_MISMATCH = "principalMismatch"
    REVOKED = "revoked"
    #: No chain to a trusted root: self-signed, unknown root, or a server
    #: that leaves out its intermediate.
    UNTRUSTED_SIGNERS = "untrustedSigners"


class ObjectEncoding(enum.IntEnum):
    """AS3 ``flash.net.ObjectEncoding``: the AMF version of object reads and
    writes."""

    AMF0 = 0
    AMF3 = 3
    DEFAULT = 3


class TLSVersion(enum.IntEnum):
    """Protocol numbers for ``SecureSocket.min_tls_version``: the same names
    and values as :class:`ssl.TLSVersion`, which is accepted too."""

    TLSv1 = 0x0301
    TLSv1_1 = 0x0302
    TLSv1_2 = 0x0303
    TLSv1_3 = 0x0304


class RevocationMode(_StrEnum):
    """How ``connect`` checks revocation (``SecureSocket.revocation_mode``).
    A revoked certificate is refused in every mode but ``OFF`` (which still
    refuses a valid OCSP staple saying "revoked"), and so is a
    certificate with the OCSP must-staple extension (RFC 7633) that arrives
    without a valid stapled OCSP response (status "invalid"; a server
    certificate added as a trust anchor is exempt)."""

    #: The default: the server's staple, then CRLs, then OCSP; connect when no
    #: answer can be had (``revocation_status`` then says "unknown").
    SOFT_FAIL = "softFail"
    #: Refuse unless every certificate is known good.
    HARD_FAIL = "hardFail"
    #: The server's staple only; no requests of the library's own.
    STAPLE_ONLY = "stapleOnly"
    #: No checking (``revocation_status`` "notChecked"), except that a valid
    #: stapled OCSP answer saying "revoked" is still refused.
    OFF = "off"


class RevocationStatus(_StrEnum):
    """How the last connect's revocation check came out."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    NOT_CHECKED = "notChecked"
