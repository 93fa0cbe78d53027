"""Identifiers of the interface: the citizen's BSN, an organisation's OIN, and the GUIDs of batches and letters."""

from __future__ import annotations

import os
import re
import struct
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Final, Self

import attrs

from mobb_sdk._errors import InvalidValueError

__all__ = [
    "GUID_LENGTH",
    "NIL_GUID",
    "OIN_PREFIXES",
    "Bsn",
    "Oin",
    "ascii_guid_bytes",
    "checked_guids",
    "elfproef",
    "guid_from_int",
    "guids_from_bytes",
    "mask_bsn",
    "new_guid",
]

#: The BerichtID Logius answers with when it could not read the letter (RES-01).
NIL_GUID: Final = uuid.UUID(int=0)

_BSN_RE: Final = re.compile(r"[0-9]{9}")
_OIN_RE: Final = re.compile(r"[0-9]{8}[0-9A-Za-z]{8,9}0{3,4}")

#: OIN prefixes of the OIN register (spec section 7) and what kind of number follows them.
OIN_PREFIXES: Final[dict[str, str]] = {
    "00000001": "RSIN",
    "00000002": "Fi-nummer",
    "00000003": "KvK-nummer",
    "00000004": "SubOIN",
    "00000006": "Logius-issued",
    "00000007": "BRIN",
    "00000008": "foreign",
    "00000009": "Dezi",
    "00000010": "TRR-BD",
    "00000011": "Dezi",
    "00000099": "test OIN",
}


_new = object.__new__
_set = object.__setattr__
_UNKNOWN_SAFETY: Final = uuid.SafeUUID.unknown
# uuid4: version 4 in bits 76..79, the RFC 4122 variant (0b10) in bits 62..63.
_V4_MASK: Final = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_V4_BITS: Final = (0x4000 << 64) | (0x8000 << 48)


def guid_from_int(value: int) -> uuid.UUID:
    """``uuid.UUID(int=value)`` for a 128-bit ``value`` known to be in range, at a third of the cost
    (what UUID's ``__init__`` ends with, without its argument checks): a batch makes a thousand."""
    guid: uuid.UUID = _new(uuid.UUID)
    _set(guid, "int", value)
    _set(guid, "is_safe", _UNKNOWN_SAFETY)
    return guid


#: The length of a GUID as the interface writes it: 8-4-4-4-12 hex digits.
GUID_LENGTH: Final = 36
_DASHES: Final = (8, 13, 18, 23)

# The slots' own setters (UUID refuses __setattr__): the bulk builders below map them over a column.
_set_int = uuid.UUID.__dict__["int"].__set__
_set_is_safe = uuid.UUID.__dict__["is_safe"].__set__


def _drain(steps: Iterable[object]) -> None:
    deque(steps, maxlen=0)


def ascii_guid_bytes(texts: Sequence[object]) -> bytes | None:
    """The 16 bytes of each of ``texts`` (``uuid.UUID(text).bytes``), joined in order, when every one is a
    ``str`` of 8-4-4-4-12 ASCII hex digits in either case; ``None`` when any is not.

    A few passes in C over all of them together (a result holds up to 1000 GUIDs). Whatever it accepts
    matches the XSD's guid pattern; ``None`` leaves the decision to the XSD itself, whose ``\\d`` also
    takes the digits of other scripts.
    """
    n = len(texts)
    try:
        joined = "".join(texts)  # type: ignore[arg-type] # a TypeError is the answer for a non-str
    except TypeError:
        return None
    if len(joined) != GUID_LENGTH * n or (n and set(map(len, texts)) != {GUID_LENGTH}):  # type: ignore[arg-type]
        return None
    # Each text is one 36-character stretch: its dashes where the pattern has them, and no others.
    if any(joined[at::GUID_LENGTH] != "-" * n for at in _DASHES):
        return None
    digits = joined.replace("-", "")
    if len(digits) != 32 * n:
        return None
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        return None
    # fromhex skips ASCII white space: 16 bytes a GUID means there was none.
    return raw if len(raw) == 16 * n else None


def guids_from_bytes(raw: bytes) -> list[uuid.UUID]:
    """A UUID for each 16 bytes of ``raw`` (``uuid.UUID(bytes=...)``), built a column at a time: a fifth
    of the cost of the checked constructor. (``int.from_bytes`` reads big-endian by default.)"""
    n, rest = divmod(len(raw), 16)
    if rest:
        raise ValueError(f"{len(raw)} bytes are not whole GUIDs of 16")
    guids: list[uuid.UUID] = list(map(_new, repeat(uuid.UUID, n)))
    _drain(map(_set_int, guids, map(int.from_bytes, struct.unpack("16s" * n, raw))))
    _drain(map(_set_is_safe, guids, repeat(_UNKNOWN_SAFETY, n)))
    return guids


def checked_guids(texts: Sequence[str]) -> list[uuid.UUID]:
    """``[uuid.UUID(t) for t in texts]`` for texts the XSD's guid pattern has checked (any script's
    digits included), without checking them again: :func:`guid_from_int` for a column."""
    n = len(texts)
    guids: list[uuid.UUID] = list(map(_new, repeat(uuid.UUID, n)))
    _drain(map(_set_int, guids, map(int, map(str.replace, texts, repeat("-"), repeat("")), repeat(16))))
    _drain(map(_set_is_safe, guids, repeat(_UNKNOWN_SAFETY, n)))
    return guids


def new_guid() -> uuid.UUID:
    """A fresh BatchID or BerichtID (uuid4, from ``os.urandom`` as :func:`uuid.uuid4`); keep it stable
    across resends (RES-04)."""
    return guid_from_int((int.from_bytes(os.urandom(16)) & _V4_MASK) | _V4_BITS)


def elfproef(digits: str) -> bool:
    """True when nine digits pass the BSN elfproef: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 (mod 11)."""
    if not isinstance(digits, str) or len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    # Unrolled over the ASCII codes (digit = code - 48; the weights 9..2 and -1 add up to 43): this runs
    # for every BSN of a subscription check, twice, so it is worth being quick.
    b = digits.encode("ascii")
    total = (
        9 * b[0] + 8 * b[1] + 7 * b[2] + 6 * b[3] + 5 * b[4] + 4 * b[5] + 3 * b[6] + 2 * b[7] - b[8] - 43 * 48
    )
    return total % 11 == 0


def mask_bsn(value: str) -> str:
    """``*****2345``: the only form in which a BSN may appear in a log, message or repr."""
    return "*" * max(len(value) - 4, 0) + value[-4:] if len(value) > 4 else "*" * len(value)


def _check_bsn(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _BSN_RE.fullmatch(value):
        # The rejected value is never echoed: it may be a real BSN with a typo.
        raise InvalidValueError("BER-09", "bsn", "a BSN is exactly 9 digits")
    if not elfproef(value):
        raise InvalidValueError("BER-09", "bsn", f"BSN {mask_bsn(value)} fails the elfproef")


def _bsn_from(value: str | int) -> str:
    # An int loses leading zeros; give them back so 012345678-style numbers survive.
    return f"{value:09d}" if isinstance(value, int) and not isinstance(value, bool) else value  # type: ignore[return-value]


@attrs.frozen(repr=False, order=True, cache_hash=True)
class Bsn:
    """A burgerservicenummer (BER-09): nine digits passing the elfproef.

    ``str()`` and ``repr()`` show only the last four digits (``Bsn(*****2345)``); ``.value`` holds the
    number for the wire. It is special personal data: never log ``.value``.
    """

    value: str = attrs.field(converter=_bsn_from, validator=_check_bsn)

    def __str__(self) -> str:
        return mask_bsn(self.value)

    def __repr__(self) -> str:
        return f"Bsn({mask_bsn(self.value)})"

    @property
    def masked(self) -> str:
        return mask_bsn(self.value)


def _check_oin(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or len(value) != 20:
        raise InvalidValueError("BATCH-05", "oin", "an OIN has exactly 20 positions")
    if value[:8] not in OIN_PREFIXES:
        raise InvalidValueError("BATCH-05", "oin", f"OIN {value}: unknown prefix {value[:8]}")
    if not _OIN_RE.fullmatch(value):
        raise InvalidValueError(
            "BATCH-05",
            "oin",
            f"OIN {value}: expected an 8-digit prefix, an 8-9 position main number and a 000/0000 suffix",
        )


class Oin(str):
    """An organisatie-identificatienummer: 20 positions, a known prefix, a main number, a zero suffix.

    An ``Oin`` is a ``str`` (checked when made), so it prints, compares and serialises to JSON as the
    number itself: ``json.dumps({"afzender": DEFAULT_SENDER_OIN})`` works. ``.value`` is the plain
    string.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Self:
        if isinstance(value, cls):
            return value
        _check_oin(None, None, value)
        return super().__new__(cls, value)

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Oin(value={str.__repr__(self)})"

    @property
    def prefix(self) -> str:
        return self.value[:8]

    @property
    def kind(self) -> str:
        """What the main number is (``RSIN``, ``KvK-nummer``, ``test OIN``, ...)."""
        return OIN_PREFIXES[self.prefix]

    @property
    def party_id(self) -> str:
        """The ebMS PartyId of this organisation: ``urn:osb:oin:<OIN>``."""
        return f"urn:osb:oin:{self.value}"


#: Logius' own OIN, the ebMS party on the other side of every CPA.
LOGIUS_OIN: Final = Oin("00000001822477348000")
