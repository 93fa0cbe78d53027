"""The domain model: batches of letters, their attachments, processing results, subscription checks.

Models are frozen ``attrs`` classes, checked when they are built: a value the Logius XSDs would refuse
raises :class:`~mobb_sdk.InvalidValueError` naming the rule and the field. Rules that depend on the
sender's setup or on the moment of delivery (active BerichtTypes, the 13-day windows, attachment sizes,
PDF/A) are checked by :mod:`mobb_sdk.rules`, so a model can still describe a letter Logius will answer
with a business code. The model knows nothing of the wire format; :mod:`mobb_sdk.codec` maps it.
"""

from __future__ import annotations

import enum
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Self, TypeVar, overload

import attrs

from mobb_sdk._errors import InvalidValueError, StorageError
from mobb_sdk._ids import NIL_GUID, Bsn, Oin, new_guid

__all__ = [
    "MAX_BERICHTEN_PER_BATCH",
    "MAX_BIJLAGEN",
    "MAX_BSNS_PER_CHECK",
    "Abonnement",
    "AbonnementAanvraag",
    "Batch",
    "Bericht",
    "BerichtResultaat",
    "BerichtResultaten",
    "Bijlage",
    "BijlageType",
    "FaultKind",
    "SoapFault",
    "SoortGebruiker",
    "ValidateAbonnementenAanvraag",
    "ValidateAbonnementenAntwoord",
    "VerwerkingsCode",
    "VerwerkingsResultaat",
]

MAX_BERICHTEN_PER_BATCH: Final = 1000  # BATCH-01
MAX_BIJLAGEN: Final = 2  # BIJ-01
#: BIJ-03: all attachments of one letter together, before base64 (sources say 500 kB or 512,000 bytes).
MAX_BIJLAGEN_BYTES: Final = 500_000
MAX_BSNS_PER_CHECK: Final = 250  # ABO-02
XS_INT_MIN: Final = -(2**31)
XS_INT_MAX: Final = 2**31 - 1

#: BER-06: how a line break travels in BerichtTekst (four characters, not CR/LF).
ENCODED_LINE_BREAK: Final = "\\r\\n"

# Characters XML 1.0 cannot carry at all; lxml would refuse them only when serialising.
_XML_ILLEGAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def encode_tekst(tekst: str) -> str:
    """BerichtTekst as it travels: each line break becomes the literal ``\\r\\n`` (BER-06)."""
    return tekst.replace("\n", ENCODED_LINE_BREAK)


def decode_tekst(encoded: str) -> str:
    """The inverse of :func:`encode_tekst`; real CR/LF a foreign sender left in are normalised too."""
    return normalise_line_breaks(encoded.replace(ENCODED_LINE_BREAK, "\n"))


def normalise_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- field checks -------------------------------------------------------------------------------------


def _text(rule: str, field: str, *, min_len: int, max_len: int | None) -> Any:
    """A validator for a text field of ``min_len..max_len`` characters holding only XML characters."""

    def check(_: object, __: attrs.Attribute[Any], value: str | None) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            raise InvalidValueError(rule, field, f"expected text, got {type(value).__name__}")
        n = len(value)
        if n < min_len or (max_len is not None and n > max_len):
            limit = f"{min_len}..{max_len}" if max_len is not None else f"at least {min_len}"
            raise InvalidValueError(rule, field, f"{field} is {n} characters; {limit} allowed")
        bad = _XML_ILLEGAL.search(value)
        if bad:
            raise InvalidValueError(
                rule,
                field,
                f"character U+{ord(bad.group()):04X} at position {bad.start()} cannot be sent in XML",
            )

    return check


def _aware(rule: str, field: str) -> Any:
    def check(_: object, __: attrs.Attribute[Any], value: datetime | None) -> None:
        if value is None:
            return
        if not isinstance(value, datetime):
            raise InvalidValueError(rule, field, f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidValueError(rule, field, "a datetime must be timezone-aware (e.g. tzinfo=UTC)")

    return check


def _xs_int(rule: str, field: str) -> Any:
    def check(_: object, __: attrs.Attribute[Any], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidValueError(rule, field, f"expected an integer, got {type(value).__name__}")
        if not XS_INT_MIN <= value <= XS_INT_MAX:
            raise InvalidValueError(rule, field, f"{value} does not fit an xs:int")

    return check


def _count(rule: str, field: str, low: int, high: int) -> Any:
    def check(_: object, __: attrs.Attribute[Any], value: Sequence[object]) -> None:
        if not low <= len(value) <= high:
            raise InvalidValueError(rule, field, f"{len(value)} {field}; {low}..{high} allowed")

    return check


def _items(rule: str, field: str, kind: type) -> Any:
    def check(_: object, __: attrs.Attribute[Any], value: Sequence[object]) -> None:
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                raise InvalidValueError(
                    rule, f"{field}[{i}]", f"expected {kind.__name__}, got {type(item).__name__}"
                )

    return check


def _to_uuid(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidValueError("BER-01", "id", f"{value!r} is not a GUID") from None


def _to_bsn(value: Bsn | str | int) -> Bsn:
    return value if isinstance(value, Bsn) else Bsn(value)


def _to_oin(value: Oin | str) -> Oin:
    return value if isinstance(value, Oin) else Oin(value)


def _sequence(rule: str, field: str, value: object) -> tuple[Any, ...]:
    """``value`` as a tuple; a lone text, bytes or non-iterable is refused (never split per character)."""
    if isinstance(value, str | bytes | bytearray | Path) or not isinstance(value, Iterable):
        raise InvalidValueError(
            rule, field, f"expected a list, got a single {type(value).__name__}: wrap it as [value]"
        )
    return tuple(value)


def _bijlagen(value: Iterable[Bijlage]) -> tuple[Bijlage, ...]:
    return _sequence("BIJ-01", "bijlagen", value)


def _berichten(value: Iterable[Bericht]) -> tuple[Bericht, ...]:
    return _sequence("BATCH-01", "berichten", value)


def _resultaten(value: Iterable[BerichtResultaat]) -> BerichtResultaten:
    if isinstance(value, BerichtResultaten):
        return value
    items = _sequence("RES-01", "berichten", value)
    for i, item in enumerate(items):
        if not isinstance(item, BerichtResultaat):
            raise InvalidValueError(
                "RES-01", f"berichten[{i}]", f"expected BerichtResultaat, got {type(item).__name__}"
            )
    return BerichtResultaten(items)


def _abonnementen(value: Iterable[Abonnement]) -> tuple[Abonnement, ...]:
    return _sequence("ABO-02", "abonnementen", value)


def _bsns(value: Iterable[Bsn | str | int]) -> tuple[Bsn, ...]:
    return tuple(_to_bsn(b) for b in _sequence("ABO-02", "bsns", value))


E = TypeVar("E", bound=enum.Enum)


def _enum(kind: type[E], rule: str, field: str, value: object) -> E:
    """``value`` as a member of ``kind`` (a member or its wire value); anything else is ``rule``'s error."""
    if isinstance(value, kind):  # isinstance first: 10x an enum call
        return value
    try:
        return kind(value)
    except (ValueError, TypeError):
        allowed = ", ".join(repr(m.value) for m in kind)
        raise InvalidValueError(rule, field, f"expected one of {allowed}") from None


def _bool(rule: str, field: str) -> Any:
    def check(_: object, __: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, bool):
            raise InvalidValueError(rule, field, f"expected True or False, got {type(value).__name__}")

    return check


def _optional_bsns(value: Iterable[Bsn | str | int] | None) -> tuple[Bsn, ...] | None:
    return None if value is None else _bsns(value)


def _to_tekst(value: str | None) -> str | None:
    return normalise_line_breaks(value) if isinstance(value, str) else value


def utc_now() -> datetime:
    """Now, timezone-aware in UTC: the default clock of models, rules, the outbox and the simulator."""
    return datetime.now(UTC)


# --- the batch request ----------------------------------------------------------------------------------


class BijlageType(enum.Enum):
    """BijlageType: the interface knows only PDF (BIJ-02)."""

    PDF = "Pdf"


class SoortGebruiker(enum.Enum):
    """SoortGebruiker: the recipient is a citizen (BER-10)."""

    BURGER = "Burger"


def _to_bijlage_type(value: object) -> BijlageType:
    return _enum(BijlageType, "BIJ-02", "bijlage_type", value)


def _to_soort_gebruiker(value: object) -> SoortGebruiker:
    return _enum(SoortGebruiker, "BER-10", "soort_gebruiker", value)


def _check_inhoud(_: object, __: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes):
        raise InvalidValueError("BIJ-06", "inhoud", f"expected bytes, got {type(value).__name__}")
    if not value:
        raise InvalidValueError("BIJ-06", "inhoud", "an attachment cannot be empty")


@attrs.frozen
class Bijlage:
    """An attachment (Bijlage): a PDF of at most 500,000 bytes together per letter (BIJ-03).

    Build one with :meth:`from_path` or :meth:`from_bytes`; ``volgorde`` is its place (1 or 2, BIJ-05).
    """

    inhoud: bytes = attrs.field(validator=_check_inhoud, repr=lambda b: f"<{len(b)} bytes>")
    omschrijving: str = attrs.field(validator=_text("BIJ-04", "omschrijving", min_len=1, max_len=128))
    volgorde: int = attrs.field(default=1, validator=_xs_int("BIJ-05", "volgorde"))
    bijlage_type: BijlageType = attrs.field(default=BijlageType.PDF, converter=_to_bijlage_type)

    @classmethod
    def from_bytes(cls, inhoud: bytes, omschrijving: str, volgorde: int = 1) -> Self:
        return cls(inhoud=inhoud, omschrijving=omschrijving, volgorde=volgorde)

    @classmethod
    def from_path(cls, path: str | Path, omschrijving: str | None = None, volgorde: int = 1) -> Self:
        """Read a PDF from disk; the description defaults to the file name.

        Refused before anything is read in full: a name not ending in ``.pdf`` (BIJ-02), a file over
        the 500,000 bytes all attachments of a letter may have together (BIJ-03), and a path that is
        missing, a directory or unreadable (:class:`~mobb_sdk.StorageError`).
        """
        if not isinstance(path, str | Path):
            raise InvalidValueError(
                "BIJ-02", "bijlagen", f"expected a path to a PDF, got {type(path).__name__}"
            )
        p = Path(path)
        if p.suffix.lower() != ".pdf":
            raise InvalidValueError(
                "BIJ-02", "bijlagen", f"{p.name}: attachments are PDF files (.pdf), this is not one"
            )
        try:
            with p.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size > MAX_BIJLAGEN_BYTES:
                    raise InvalidValueError(
                        "BIJ-03",
                        "bijlagen",
                        f"{p.name} is {size:,} bytes; all attachments of a letter together may have "
                        f"{MAX_BIJLAGEN_BYTES:,}",
                    )
                inhoud = f.read(MAX_BIJLAGEN_BYTES + 1)
        except IsADirectoryError:
            raise StorageError(f"{p.name} is a directory, not a PDF file", path=p) from None
        except OSError as exc:
            raise StorageError(
                f"cannot read the attachment {p.name}: {exc.strerror or exc}", path=p
            ) from None
        if len(inhoud) > MAX_BIJLAGEN_BYTES:  # it grew while we looked
            raise InvalidValueError("BIJ-03", "bijlagen", f"{p.name} is over {MAX_BIJLAGEN_BYTES:,} bytes")
        return cls(inhoud=inhoud, omschrijving=omschrijving or p.name[:128], volgorde=volgorde)

    @property
    def size(self) -> int:
        """Size in bytes before base64, as BIJ-03 counts it."""
        return len(self.inhoud)


_check_tekst_chars: Final = _text("BER-06", "bericht_tekst", min_len=0, max_len=None)


def _check_bericht_tekst(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    _check_tekst_chars(_, __, value)
    encoded = len(value) + (len(ENCODED_LINE_BREAK) - 1) * value.count("\n")  # len(encode_tekst(value))
    if encoded > 4000:
        raise InvalidValueError(
            "BER-06",
            "bericht_tekst",
            f"bericht_tekst is {encoded} characters once line breaks are encoded as \\r\\n; at most 4000 allowed",
        )


@attrs.frozen
class Bericht:
    """A letter (Bericht) for one citizen's Berichtenbox.

    ``bericht_tekst`` holds ordinary text with ``\\n`` line breaks; the codec writes them as the literal
    ``\\r\\n`` the interface asks for (BER-06), and the 4000-character limit counts that encoded form.
    ``bericht_id`` is generated (uuid4) unless given; it must never be reused for another letter (BER-01).
    """

    bsn: Bsn = attrs.field(converter=_to_bsn)
    bericht_type: str = attrs.field(validator=_text("BER-02", "bericht_type", min_len=1, max_len=8))
    onderwerp: str = attrs.field(validator=_text("BER-05", "onderwerp", min_len=1, max_len=50))
    bericht_tekst: str | None = attrs.field(default=None, converter=_to_tekst, validator=_check_bericht_tekst)
    referentie: str | None = attrs.field(
        default=None, validator=_text("BER-08", "referentie", min_len=0, max_len=25)
    )
    publicatie_datum: datetime | None = attrs.field(
        default=None, validator=_aware("BER-03", "publicatie_datum")
    )
    eind_datum_handelings_termijn: datetime | None = attrs.field(
        default=None, validator=_aware("BER-04", "eind_datum_handelings_termijn")
    )
    bijlagen: tuple[Bijlage, ...] = attrs.field(
        default=(),
        converter=_bijlagen,
        validator=[_count("BIJ-01", "bijlagen", 0, MAX_BIJLAGEN), _items("BIJ-01", "bijlagen", Bijlage)],
    )
    bericht_id: uuid.UUID = attrs.field(factory=new_guid, converter=_to_uuid)
    soort_gebruiker: SoortGebruiker = attrs.field(
        default=SoortGebruiker.BURGER, converter=_to_soort_gebruiker
    )

    @classmethod
    def create(
        cls,
        bsn: Bsn | str | int,
        bericht_type: str,
        onderwerp: str,
        bericht_tekst: str | None = None,
        *,
        referentie: str | None = None,
        publicatie_datum: datetime | None = None,
        eind_datum_handelings_termijn: datetime | None = None,
        bijlagen: Iterable[Bijlage | bytes | str | Path] = (),
        bericht_id: uuid.UUID | str | None = None,
    ) -> Self:
        """Build a letter; attachments may be given as paths or PDF bytes and are numbered 1, 2 in order."""
        given = _sequence("BIJ-01", "bijlagen", bijlagen)
        numbered = tuple(_as_bijlage(b, i) for i, b in enumerate(given, start=1))
        return cls(
            bsn=bsn,
            bericht_type=bericht_type,
            onderwerp=onderwerp,
            bericht_tekst=bericht_tekst,
            referentie=referentie,
            publicatie_datum=publicatie_datum,
            eind_datum_handelings_termijn=eind_datum_handelings_termijn,
            bijlagen=numbered,
            bericht_id=bericht_id if bericht_id is not None else new_guid(),
        )

    @property
    def bijlagen_size(self) -> int:
        """All attachments together in bytes before base64 (BIJ-03 allows 500,000)."""
        return sum(b.size for b in self.bijlagen)


def _as_bijlage(value: Bijlage | bytes | str | Path, volgorde: int) -> Bijlage:
    if isinstance(value, Bijlage):
        return attrs.evolve(value, volgorde=volgorde)
    if isinstance(value, bytes):
        return Bijlage(inhoud=value, omschrijving=f"Bijlage {volgorde}", volgorde=volgorde)
    if isinstance(value, str | Path):
        return Bijlage.from_path(value, volgorde=volgorde)
    raise InvalidValueError(
        "BIJ-01",
        f"bijlagen[{volgorde - 1}]",
        f"expected a Bijlage, PDF bytes or a path, got {type(value).__name__}",
    )


@attrs.frozen
class Batch:
    """A batch (Berichten): 1..1000 letters from one sender, delivered as one ebMS message.

    ``afzender`` is the formal sender's OIN (BerichtLeverancierID, BATCH-05). ``batch_id`` is generated
    (uuid4) unless given and is repeated in every letter on the wire (BATCH-03); keep it for resends.
    """

    afzender: Oin = attrs.field(converter=_to_oin)
    berichten: tuple[Bericht, ...] = attrs.field(
        converter=_berichten,
        validator=[
            _count("BATCH-01", "berichten", 1, MAX_BERICHTEN_PER_BATCH),
            _items("BATCH-01", "berichten", Bericht),
        ],
    )
    batch_id: uuid.UUID = attrs.field(factory=new_guid, converter=_to_uuid)
    aanmaak_datum: datetime = attrs.field(factory=utc_now, validator=_aware("BATCH-04", "aanmaak_datum"))

    @classmethod
    def split(
        cls, afzender: Oin | str, berichten: Iterable[Bericht], size: int = MAX_BERICHTEN_PER_BATCH
    ) -> list[Self]:
        """Pack any number of letters into batches of at most ``size`` (each with its own BatchID)."""
        if not 1 <= size <= MAX_BERICHTEN_PER_BATCH:
            raise InvalidValueError("BATCH-01", "size", f"a batch holds 1..{MAX_BERICHTEN_PER_BATCH} letters")
        batches: list[Self] = []
        chunk: list[Bericht] = []
        for bericht in berichten:
            chunk.append(bericht)
            if len(chunk) == size:
                batches.append(cls(afzender=afzender, berichten=chunk))
                chunk = []
        if chunk:
            batches.append(cls(afzender=afzender, berichten=chunk))
        return batches

    @property
    def bericht_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(b.bericht_id for b in self.berichten)

    def __iter__(self) -> Iterator[Bericht]:
        return iter(self.berichten)

    def __len__(self) -> int:
        return len(self.berichten)


# --- the processing result ------------------------------------------------------------------------------


class VerwerkingsCode(enum.Enum):
    """The outcome Logius reports per letter (spec section 4), with what it means for the sender."""

    VERWERKT = "Verwerkt"
    TECHNISCH_PROBLEEM = "TechnischProbleem"
    NIET_ACTIEF_OF_GEABONNEERD = "NietActiefOfGeabonneerd"
    BERICHT_TYPE_NIET_ONDERSTEUND = "BerichtTypeNietOndersteund"
    PUBLICATIE_DATUM_LIGT_TE_VER_IN_DE_TOEKOMST = "PublicatieDatumLigtTeVerInDeToekomst"
    AANMAAK_DATUM_LIGT_TE_VER_IN_HET_VERLEDEN = "AanmaakDatumLigtTeVerInHetVerleden"
    BERICHT_BESTAAT_AL = "BerichtBestaatAl"
    BIJLAGE_TE_GROOT = "BijlageTeGroot"
    OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT = "OinInCPAKomtNietOvereenMetOinInBericht"
    XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT = "XmlValidatieTegenXsdValtNegatiefUit"

    @property
    def is_success(self) -> bool:
        """The letter is in the citizen's box."""
        return self is VerwerkingsCode.VERWERKT

    @property
    def is_retryable(self) -> bool:
        """Sending the same letter again (same ids, RES-04) may succeed without changing anything."""
        return self is VerwerkingsCode.TECHNISCH_PROBLEEM

    @property
    def is_final(self) -> bool:
        """Nothing changes by waiting or resending as is: done, or needs paper, data or configuration."""
        return not self.is_retryable

    @property
    def rule(self) -> str | None:
        """The spec rule the code answers, if any."""
        return _CODE_RULES.get(self)

    @property
    def action(self) -> str:
        """What the sender does next (spec section 4)."""
        return _CODE_ACTIONS[self]


_CODE_RULES: Final[Mapping[VerwerkingsCode, str]] = {
    VerwerkingsCode.PUBLICATIE_DATUM_LIGT_TE_VER_IN_DE_TOEKOMST: "BER-03",
    VerwerkingsCode.AANMAAK_DATUM_LIGT_TE_VER_IN_HET_VERLEDEN: "BATCH-04",
    VerwerkingsCode.BERICHT_BESTAAT_AL: "BER-01",
    VerwerkingsCode.BIJLAGE_TE_GROOT: "BIJ-03",
    VerwerkingsCode.OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT: "BATCH-05",
    VerwerkingsCode.BERICHT_TYPE_NIET_ONDERSTEUND: "BER-02",
    VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD: "ABO-01",
}

_CODE_ACTIONS: Final[Mapping[VerwerkingsCode, str]] = {
    VerwerkingsCode.VERWERKT: "done: the letter is in the box",
    VerwerkingsCode.TECHNISCH_PROBLEEM: "investigate with Logius; resend only with the same ids once sure it was not stored",
    VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD: "send the letter on paper",
    VerwerkingsCode.BERICHT_TYPE_NIET_ONDERSTEUND: "fix the BerichtType configuration in the Leveranciersportaal",
    VerwerkingsCode.PUBLICATIE_DATUM_LIGT_TE_VER_IN_DE_TOEKOMST: "fix the PublicatieDatum and send with new ids",
    VerwerkingsCode.AANMAAK_DATUM_LIGT_TE_VER_IN_HET_VERLEDEN: "rebuild the batch with a current AanmaakDatum",
    VerwerkingsCode.BERICHT_BESTAAT_AL: "never resend it: a letter with this BerichtID is already there",
    VerwerkingsCode.BIJLAGE_TE_GROOT: "make the attachments smaller (500,000 bytes together at most)",
    VerwerkingsCode.OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT: "fix the sender OIN or the CPA configuration",
    VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT: "fix the sending software: the XML failed the XSD",
}

#: Stadium value for "no problem".
STADIUM_OK: Final = "NA"


def _to_verwerkings_code(value: object) -> VerwerkingsCode:
    return _enum(VerwerkingsCode, "RES-01", "verwerkings_code", value)


@attrs.frozen
class BerichtResultaat:
    """Logius' answer for one letter: its BerichtID (the nil GUID when unreadable, RES-01) and the code."""

    bericht_id: uuid.UUID = attrs.field(converter=_to_uuid)
    bericht_type: str
    verwerkings_code: VerwerkingsCode = attrs.field(converter=_to_verwerkings_code)
    stadium: str | None = STADIUM_OK

    @property
    def is_nil(self) -> bool:
        """True when Logius could not read the letter and answered with the nil GUID (RES-01)."""
        return self.bericht_id == NIL_GUID


class BerichtResultaten(Sequence[BerichtResultaat]):
    """The per-letter results of a batch: an immutable sequence of :class:`BerichtResultaat`.

    Read from a document (:func:`~mobb_sdk.from_xml`), it holds the letters' texts, already checked by
    the XSD, and builds each :class:`BerichtResultaat` the first time it is used, as lxml builds its
    element proxies: a result of 1000 letters costs little until its letters are read. Equal to any
    sequence with the same results in the same order.
    """

    __slots__ = ("_build", "_build_all", "_built", "_complete", "_fetch", "_rows")

    def __init__(self, berichten: Iterable[BerichtResultaat] = ()) -> None:
        built = list(berichten)
        for i, item in enumerate(built):
            if not isinstance(item, BerichtResultaat):
                raise InvalidValueError(
                    "XSD", f"berichten[{i}]", f"expected BerichtResultaat, got {type(item).__name__}"
                )
        self._built: list[BerichtResultaat | None] = list(built)
        self._complete = True  # no None slot left
        self._rows: Sequence[Any] | None = None
        self._fetch: Callable[[], Sequence[Any]] | None = None
        self._build: Callable[[Any], BerichtResultaat] | None = None
        self._build_all: Callable[[Sequence[Any]], list[BerichtResultaat]] | None = None

    @classmethod
    def lazy(
        cls,
        count: int,
        rows: Callable[[], Sequence[Any]],
        build: Callable[[Any], BerichtResultaat],
        build_all: Callable[[Sequence[Any]], list[BerichtResultaat]] | None = None,
    ) -> BerichtResultaten:
        """``count`` results, built on first use by ``build(rows()[i])``; ``rows()`` is called once, on
        the first use of any of them. What ``rows`` returns must be checked already (by the XSD).
        ``build_all(rows())``, when given, builds them all at once, for a pass over every letter."""
        made = cls()
        made._built = [None] * count
        made._complete = count == 0
        made._fetch = rows
        made._build = build
        made._build_all = build_all
        return made

    def __len__(self) -> int:
        return len(self._built)

    def _at(self, i: int) -> BerichtResultaat:
        item = self._built[i]
        if item is None:
            # A None slot exists only in a lazy sequence, so _build and (until fetched) _fetch are set.
            if self._rows is None:
                self._rows, self._fetch = self._fetch() if self._fetch else (), None  # frees the tree
            assert self._build is not None  # noqa: S101
            item = self._built[i] = self._build(self._rows[i])
        return item

    @overload
    def __getitem__(self, index: int) -> BerichtResultaat: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[BerichtResultaat, ...]: ...
    def __getitem__(self, index: int | slice) -> BerichtResultaat | tuple[BerichtResultaat, ...]:
        if isinstance(index, slice):
            return tuple(self._at(i) for i in range(len(self))[index])
        return self._at(range(len(self))[index])

    def _all(self) -> list[BerichtResultaat]:
        """Every result, the missing ones built in one pass; the rows are released afterwards."""
        if not self._complete:
            if self._rows is None:
                self._rows, self._fetch = self._fetch() if self._fetch else (), None
            build = self._build
            assert build is not None  # noqa: S101 - set together with the None slots
            rows = self._rows
            if self._build_all is not None and self._built.count(None) == len(self._built):
                self._built = self._build_all(rows)  # type: ignore[assignment]
            else:
                self._built = [
                    item if item is not None else build(row)
                    for item, row in zip(self._built, rows, strict=True)
                ]
            self._complete, self._rows, self._build, self._build_all = True, None, None, None
        return self._built  # type: ignore[return-value] # complete: no None left

    def __iter__(self) -> Iterator[BerichtResultaat]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"BerichtResultaten({list(self)!r})"


def _non_negative(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= XS_INT_MAX:
        raise InvalidValueError("XSD", attribute.name, f"expected a count (0..{XS_INT_MAX}), got {value!r}")


@attrs.frozen
class VerwerkingsResultaat:
    """The processing result of a batch (BerichtVerwerkResponse), from a ``GLOBE-R-BV-Result`` message."""

    berichtleverancier_code: str
    batch_id: uuid.UUID = attrs.field(converter=_to_uuid)
    datum_ontvangen: datetime = attrs.field(validator=_aware("XSD", "datum_ontvangen"))
    datum_verwerkt: datetime = attrs.field(validator=_aware("XSD", "datum_verwerkt"))
    totaal_aantal_ontvangen: int = attrs.field(validator=_non_negative)
    aantal_succesvol_verwerkt: int = attrs.field(validator=_non_negative)
    aantal_geen_actieve_box_of_geabonneerd: int = attrs.field(default=0, validator=_non_negative)
    aantal_technisch_probleem: int = attrs.field(default=0, validator=_non_negative)
    aantal_bericht_type_niet_correct: int = attrs.field(default=0, validator=_non_negative)
    aantal_publicatie_datum_niet_correct: int = attrs.field(default=0, validator=_non_negative)
    aantal_aanmaak_datum_niet_correct: int = attrs.field(default=0, validator=_non_negative)
    berichten: BerichtResultaten = attrs.field(
        factory=lambda: BerichtResultaten(),
        converter=_resultaten,
        validator=_count("XSD", "berichten", 0, MAX_BERICHTEN_PER_BATCH),
    )

    @classmethod
    def tally(
        cls,
        berichtleverancier_code: str,
        batch_id: uuid.UUID,
        berichten: Sequence[BerichtResultaat],
        datum_ontvangen: datetime,
        datum_verwerkt: datetime,
        totaal_aantal_ontvangen: int | None = None,
    ) -> Self:
        """Build a result whose counters are computed from the per-letter codes, as Logius fills them."""
        counts = dict.fromkeys(VerwerkingsCode, 0)
        for b in berichten:
            counts[b.verwerkings_code] += 1
        c = VerwerkingsCode
        return cls(
            berichtleverancier_code=berichtleverancier_code,
            batch_id=batch_id,
            datum_ontvangen=datum_ontvangen,
            datum_verwerkt=datum_verwerkt,
            totaal_aantal_ontvangen=len(berichten)
            if totaal_aantal_ontvangen is None
            else totaal_aantal_ontvangen,
            aantal_succesvol_verwerkt=counts[c.VERWERKT],
            aantal_geen_actieve_box_of_geabonneerd=counts[c.NIET_ACTIEF_OF_GEABONNEERD],
            aantal_technisch_probleem=counts[c.TECHNISCH_PROBLEEM],
            aantal_bericht_type_niet_correct=counts[c.BERICHT_TYPE_NIET_ONDERSTEUND],
            aantal_publicatie_datum_niet_correct=counts[c.PUBLICATIE_DATUM_LIGT_TE_VER_IN_DE_TOEKOMST],
            aantal_aanmaak_datum_niet_correct=counts[c.AANMAAK_DATUM_LIGT_TE_VER_IN_HET_VERLEDEN],
            berichten=berichten,
        )

    @property
    def volledig_verwerkt(self) -> bool:
        """RES-02: the batch is fully delivered only when every letter is ``Verwerkt``."""
        return bool(self.berichten) and all(b.verwerkings_code.is_success for b in self.berichten)

    def resultaat_voor(self, bericht_id: uuid.UUID) -> BerichtResultaat | None:
        """The result for one letter of this batch, by BerichtID.

        RES-01: when Logius could not read the letter it answers with the nil GUID; such an answer (the
        only one, or the only nil one) then stands for every letter of the batch it does not name.
        """
        nil: BerichtResultaat | None = None
        for b in self.berichten:
            if b.bericht_id == bericht_id:
                return b
            if b.is_nil:
                nil = b
        return nil

    def per_bericht(self, bericht_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, BerichtResultaat | None]:
        """Match every letter of the sent batch to its result (RES-01 fallback included); ``None`` = no answer."""
        by_id = {b.bericht_id: b for b in self.berichten}
        nil = by_id.get(NIL_GUID)
        return {i: by_id.get(i, nil) for i in bericht_ids}


# --- ValidateAbonnementen (WUS) --------------------------------------------------------------------------


@attrs.frozen
class ValidateAbonnementenAanvraag:
    """Which of 1..250 citizens may receive ``bericht_type`` letters from ``berichtleverancier`` (ABO-02)."""

    berichtleverancier: Oin = attrs.field(converter=_to_oin)
    bericht_type: str = attrs.field(validator=_text("BER-02", "bericht_type", min_len=1, max_len=8))
    bsns: tuple[Bsn, ...] = attrs.field(
        converter=_bsns,
        validator=_count("ABO-02", "bsns", 1, MAX_BSNS_PER_CHECK),
    )


@attrs.frozen
class Abonnement:
    """One line of the answer: may this citizen receive the letter (``isBerichtSturen``)?"""

    bsn: Bsn | None = attrs.field(converter=attrs.converters.optional(_to_bsn))
    mag_ontvangen: bool = attrs.field(validator=_bool("ABO-01", "mag_ontvangen"))


@attrs.frozen
class ValidateAbonnementenAntwoord:
    """The answer to :class:`ValidateAbonnementenAanvraag`."""

    abonnementen: tuple[Abonnement, ...] = attrs.field(
        default=(), converter=_abonnementen, validator=_items("ABO-02", "abonnementen", Abonnement)
    )

    def as_dict(self) -> dict[Bsn, bool]:
        """BSN → may receive; lines without a BSN (nil ``Key``) are left out."""
        return {a.bsn: a.mag_ontvangen for a in self.abonnementen if a.bsn is not None}


class FaultKind(enum.Enum):
    """The two SOAP fault details of the WUS service."""

    APPLICATION = "ApplicationFault"
    DEPENDENT_SERVICE = "DependentServiceFault"

    @property
    def retryable(self) -> bool:
        """A back-end outage (DependentServiceFault) may pass; wrong input (ApplicationFault) will not."""
        return self is FaultKind.DEPENDENT_SERVICE


@attrs.frozen
class SoapFault:
    """A SOAP 1.1 Fault answered by the WUS service; ``kind`` is ``None`` when the detail is neither."""

    faultcode: str
    faultstring: str
    kind: FaultKind | None = None
    message: str | None = None

    @property
    def retryable(self) -> bool:
        return self.kind is not None and self.kind.retryable


# --- AbonnementService (bulk) ----------------------------------------------------------------------------


def _check_selectie(instance: AbonnementAanvraag, _: attrs.Attribute[Any], __: object) -> None:
    if instance.bsns is not None and instance.mutatie_datum is not None:
        raise InvalidValueError(
            "ABO-02", "bsns", "ask either for a BSN list or for mutations since a date, not both"
        )
    if instance.bsns is not None and not instance.bsns:
        raise InvalidValueError("ABO-02", "bsns", "a BSN list holds at least one BSN")


@attrs.frozen
class AbonnementAanvraag:
    """A bulk subscription request (``GLOBE-R-A-Request``): for a BSN list, mutations since a date, or all.

    Use :meth:`voor_bsns`, :meth:`mutaties_sinds` or :meth:`volledig`.
    """

    berichtleverancier: Oin = attrs.field(converter=_to_oin)
    verzoek_id: str = attrs.field(
        factory=lambda: str(new_guid()), validator=_text("XSD", "verzoek_id", min_len=1, max_len=None)
    )
    bsns: tuple[Bsn, ...] | None = attrs.field(
        default=None,
        converter=_optional_bsns,
        validator=_check_selectie,
    )
    mutatie_datum: datetime | None = attrs.field(default=None, validator=_aware("XSD", "mutatie_datum"))

    @classmethod
    def voor_bsns(
        cls, berichtleverancier: Oin | str, bsns: Iterable[Bsn | str], verzoek_id: str | None = None
    ) -> Self:
        return cls(berichtleverancier, verzoek_id or str(new_guid()), bsns=tuple(_to_bsn(b) for b in bsns))

    @classmethod
    def mutaties_sinds(
        cls, berichtleverancier: Oin | str, sinds: datetime, verzoek_id: str | None = None
    ) -> Self:
        return cls(berichtleverancier, verzoek_id or str(new_guid()), mutatie_datum=sinds)

    @classmethod
    def volledig(cls, berichtleverancier: Oin | str, verzoek_id: str | None = None) -> Self:
        return cls(berichtleverancier, verzoek_id or str(new_guid()))
