"""The Logius rules beyond the XSD: the catalogue of every rule id, and the checks that can run locally.

:data:`RULES` is the one catalogue of the spec's rule ids (``BATCH-01`` ... ``ABO-02`` and ``XSD``): what
each says, what Logius answers when it is broken, and where mobb-sdk enforces it (``enforced_by``). The
docs render it; nothing else keeps a second list.

The models already refuse what the XSD would refuse (lengths, counts, a BSN failing the elfproef). What
is left depends on the sender's setup or on the moment of delivery, and is checked here by one generator
per rule, each yielding :class:`~mobb_sdk.Violation` with a path in model terms
(``berichten[3].bijlagen[1].inhoud``). :func:`check_batch` runs them all on a batch; :func:`check_bericht`
runs the per-letter ones on one letter (the simulator maps each violation's rule to a VerwerkingsCode).
A :class:`SenderProfile` carries the setup: the OIN in the CPA, the active BerichtTypes, the clock.

Everything here is pure and fast: a 1000-letter batch without attachments checks in a few milliseconds.
No message ever holds a full BSN; user text quoted in a message has any nine-digit run masked.
"""

from __future__ import annotations

import enum
import math
import re
import uuid
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

import attrs

from mobb_sdk._errors import ArgumentTypeError, InvalidValueError
from mobb_sdk._ids import Oin, mask_bsn
from mobb_sdk._models import MAX_BIJLAGEN_BYTES, Batch, Bericht, Bijlage, VerwerkingsCode, utc_now
from mobb_sdk._pdf import inspect_pdf
from mobb_sdk._violations import Report, Severity, Violation

__all__ = [
    "CHECKS",
    "MAX_BATCH_BYTES",
    "MAX_BIJLAGEN_BYTES",
    "RULES",
    "WINDOW",
    "EnforcedBy",
    "Rule",
    "SenderProfile",
    "batch_header_size",
    "bericht_size",
    "check_aanmaak_datum",
    "check_afzender",
    "check_batch",
    "check_batch_size",
    "check_bericht",
    "check_bericht_id_used",
    "check_bericht_ids_unique",
    "check_bericht_type",
    "check_bijlagen_pdf",
    "check_bijlagen_size",
    "check_eind_datum",
    "check_publicatie_datum",
    "check_tekst_escapes",
    "check_urls",
    "check_volgorde",
    "estimate_batch_size",
]

#: BATCH-02: the largest batch, serialised (the spec's 100 MB, read as 100,000,000 bytes).
MAX_BATCH_BYTES: Final = 100_000_000
#: BATCH-04 and BER-03: AanmaakDatum at most this long before delivery, PublicatieDatum this long after.
WINDOW: Final = timedelta(days=13)
#: BATCH-04: how far in the future an AanmaakDatum may lie before it looks like a wrong clock or time zone.
CLOCK_SKEW: Final = timedelta(minutes=5)


def _to_types(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        # One type given bare: "WOZ" means {"WOZ"}, never {"W", "O", "Z"}.
        return frozenset((value,))
    if not isinstance(value, Iterable):
        raise InvalidValueError(
            "BER-02", "active_bericht_types", f"expected BerichtType codes, got {type(value).__name__}"
        )
    items = tuple(value)
    for t in items:
        if not isinstance(t, str):
            raise InvalidValueError(
                "BER-02", "active_bericht_types", f"expected BerichtType codes, got {t!r}"
            )
    return frozenset(items)


def _to_optional_oin(value: Oin | str | None) -> Oin | None:
    return value if value is None or isinstance(value, Oin) else Oin(value)


@attrs.frozen
class SenderProfile:
    """What the rules need to know about the sender and the moment of delivery.

    - ``sender_oin``: the sender's OIN as registered in the CPA (BATCH-05); ``None`` skips that check.
    - ``active_bericht_types``: the BerichtTypes configured and active in the Leveranciersportaal
      (BER-02); ``None`` skips that check. Any iterable of codes; a single string is one code.
    - ``clock``: returns the delivery moment, timezone-aware (default: now in UTC). The 13-day windows
      of BATCH-04 and BER-03 are measured from it; tests pass a fixed clock.
    - ``pdfa_required``: when True an attachment that does not declare PDF/A-1a or PDF/A-2a is an error
      (BIJ-02); otherwise a warning, since Logius asks for it but does not refuse the letter.
    - ``check_pdf``: inspect attachment bytes at all (BIJ-02).
    """

    sender_oin: Oin | None = attrs.field(default=None, converter=_to_optional_oin)
    active_bericht_types: frozenset[str] | None = attrs.field(default=None, converter=_to_types)
    clock: Callable[[], datetime] = utc_now
    pdfa_required: bool = False
    check_pdf: bool = True

    def now(self) -> datetime:
        """Read the clock once; a naive datetime is refused since the windows need an offset."""
        now = self.clock()
        if not isinstance(now, datetime) or now.utcoffset() is None:
            raise InvalidValueError(
                "BATCH-04", "clock", "the profile's clock must return a timezone-aware datetime"
            )
        return now


# --- the catalogue ---------------------------------------------------------------------------------------


class EnforcedBy(enum.Enum):
    """Where mobb-sdk enforces a rule."""

    MODEL = "model"  #: a model refuses the value when it is built (InvalidValueError)
    RULES = "rules"  #: a check function of this module reports it (check_batch / check_bericht)
    XSD = "xsd"  #: only the bundled XSD catches it (documents read from elsewhere)
    CLIENT = "client"  #: the client and result models implement the behaviour the rule asks for
    NOT_CHECKED = "not checked locally"  #: needs knowledge only Logius or the sender's records have


@attrs.frozen
class Rule:
    """One rule of the spec: its id, what it says, what Logius answers, where mobb-sdk enforces it.

    ``logius_answer`` is the VerwerkingsCode value Logius answers with, or a short text (``"XSD failure"``,
    ``"rejected"``, ``"rendered wrongly"``, ``"—"`` for no answer). ``note`` says how mobb-sdk handles it.
    """

    id: str
    title: str
    text: str
    logius_answer: str
    enforced_by: EnforcedBy
    severity: Severity = Severity.ERROR
    note: str = ""

    @property
    def verwerkings_code(self) -> VerwerkingsCode | None:
        """The VerwerkingsCode a letter breaking this rule gets, when the spec names one."""
        if self.logius_answer.startswith("XSD failure"):
            return VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT
        try:
            return VerwerkingsCode(self.logius_answer)
        except ValueError:
            return None


_M, _R, _X, _C, _N = (
    EnforcedBy.MODEL,
    EnforcedBy.RULES,
    EnforcedBy.XSD,
    EnforcedBy.CLIENT,
    EnforcedBy.NOT_CHECKED,
)
_W = Severity.WARNING

_CATALOGUE: Final = (
    Rule(
        "BATCH-01",
        "1..1000 letters per batch",
        "A batch (Berichten) holds 1..1000 letters (Bericht).",
        "XSD failure",
        _M,
        note="Batch refuses 0 or more than 1000 letters; Batch.split() packs any number into batches.",
    ),
    Rule(
        "BATCH-02",
        "Batch at most 100 MB",
        "A batch is at most 100 MB serialized; read as 100,000,000 bytes.",
        "rejected",
        _R,
        note="check_batch_size estimates the serialized size without serializing (estimate_batch_size).",
    ),
    Rule(
        "BATCH-03",
        "One BatchID per batch",
        "The BatchID is unique per batch, and every Bericht repeats the batch's BatchID.",
        "—",
        _M,
        note="Structural: a Batch holds one batch_id (uuid4 by default) and the codec writes it into every "
        "Bericht; reading a document whose letters carry another BatchID reports BATCH-03.",
    ),
    Rule(
        "BATCH-04",
        "AanmaakDatum at most 13 days old",
        "AanmaakDatum is at most 13 days before delivery.",
        "AanmaakDatumLigtTeVerInHetVerleden",
        _R,
        note="Measured against the profile's clock; an AanmaakDatum more than 5 minutes in the future is "
        "a warning (a wrong clock or time zone).",
    ),
    Rule(
        "BATCH-05",
        "BerichtLeverancierID matches the CPA",
        "BerichtLeverancierID is the formal sender's OIN and must match the OIN in the CPA. An "
        "intermediary's own OIN goes in the ebMS PartyId and certificate, the client's in the body, and the "
        "link is registered at Logius.",
        "OinInCPAKomtNietOvereenMetOinInBericht",
        _R,
        note="The model checks the OIN's form; check_afzender compares it with SenderProfile.sender_oin.",
    ),
    Rule(
        "BER-01",
        "BerichtID unique, never reused",
        "The BerichtID is generated by the sender, unique per letter and never reused for another letter.",
        "BerichtBestaatAl",
        _R,
        note="Unique within the batch, and against the ids the caller says were used before.",
    ),
    Rule(
        "BER-02",
        "BerichtType active",
        "The BerichtType (1..8 characters) must be configured and active for this sender in the "
        "Leveranciersportaal.",
        "BerichtTypeNietOndersteund",
        _R,
        note="The model checks the length; check_bericht_type the profile's active BerichtTypes.",
    ),
    Rule(
        "BER-03",
        "PublicatieDatum at most 13 days ahead",
        "PublicatieDatum is at most 13 days after delivery; absent or empty means publish at once.",
        "PublicatieDatumLigtTeVerInDeToekomst",
        _R,
    ),
    Rule(
        "BER-04",
        "EindDatumHandelingsTermijn",
        "EindDatumHandelingsTermijn is the deadline of the action asked (payment date, reply date); it "
        "drives reminder notifications.",
        "—",
        _R,
        _W,
        note="Warns when the deadline has passed or lies before the PublicatieDatum.",
    ),
    Rule(
        "BER-05",
        "Onderwerp 1..50 characters",
        "Onderwerp is 1..50 characters.",
        "XSD failure",
        _M,
    ),
    Rule(
        "BER-06",
        "BerichtTekst plain text, \\r\\n line breaks",
        "BerichtTekst is plain text. A line break is the literal four characters \\r\\n (backslash, r, "
        "backslash, n); real CR/LF characters are not rendered. The 4000 limit counts the encoded text.",
        "XSD failure (length)",
        _M,
        note="The model normalises CR/LF to \\n, the codec writes each as \\r\\n, and the 4000 limit counts "
        "that encoded form. check_tekst_escapes warns about \\r or \\n typed as text.",
    ),
    Rule(
        "BER-07",
        "URLs stand apart",
        "Every URL in BerichtTekst has a space (or the start/end of the text) before and after it.",
        "rendered wrongly",
        _R,
        _W,
        note="check_urls flags http(s):// and www. URLs glued to a character, to punctuation after them "
        "(a full stop, comma, bracket) or to a line break.",
    ),
    Rule(
        "BER-08",
        "Referentie at most 25 characters",
        "Referentie is at most 25 characters; it is shown to the citizen.",
        "XSD failure",
        _M,
    ),
    Rule(
        "BER-09",
        "GebruikerID is a valid BSN",
        "GebruikerID is a BSN: exactly 9 digits passing the elfproef "
        "(9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 mod 11).",
        "letter not delivered",
        _M,
        note="Bsn refuses anything else; a BSN is only ever shown masked.",
    ),
    Rule(
        "BER-10",
        "SoortGebruiker is Burger",
        "SoortGebruiker is Burger.",
        "XSD failure",
        _M,
    ),
    Rule(
        "BIJ-01",
        "0..2 attachments",
        "A letter has 0..2 attachments (Bijlage); with none, Bijlagen is omitted entirely.",
        "XSD failure",
        _M,
        note="Bericht refuses more than 2; the codec omits Bijlagen when there are none.",
    ),
    Rule(
        "BIJ-02",
        "Attachments are PDF, preferably PDF/A-1a or PDF/A-2a",
        "Attachments are PDF with BijlageType Pdf; Logius asks for PDF/A-1a or PDF/A-2a (accessible).",
        "—",
        _R,
        _W,
        note="BijlageType has only Pdf. check_bijlagen_pdf: not a PDF or encrypted is an error; no "
        "PDF/A-1a/2a declaration a warning (an error with SenderProfile.pdfa_required).",
    ),
    Rule(
        "BIJ-03",
        "Attachments together at most 500,000 bytes",
        "All attachments of one letter together are at most 500 kB before base64 (sources differ on "
        "500,000 vs 512,000 bytes: 500,000 is used).",
        "BijlageTeGroot",
        _R,
    ),
    Rule(
        "BIJ-04",
        "Omschrijving 1..128 characters",
        "Omschrijving is 1..128 characters (handleiding 1.6.3 said 40; the 2022 schema allows 128).",
        "XSD failure",
        _M,
    ),
    Rule(
        "BIJ-05",
        "Volgorde 1, then 2",
        "Volgorde is 1 for a single attachment; 1 then 2 for two.",
        "—",
        _R,
        note="The model checks that Volgorde fits an xs:int; Bericht.create numbers attachments 1, 2.",
    ),
    Rule(
        "BIJ-06",
        "Inhoud is non-empty base64",
        "Inhoud is non-empty base64.",
        "XSD failure",
        _M,
        note="Bijlage holds non-empty bytes; the codec base64-encodes them.",
    ),
    Rule(
        "RES-01",
        "Match results on BerichtID",
        "Match per-letter results on BerichtID. When Logius could not read the letter (XSD failure, OIN "
        "mismatch) it answers with the nil GUID 00000000-0000-0000-0000-000000000000 as BerichtID; the "
        "BatchID is always echoed, so fall back to the batch.",
        "nil GUID",
        _C,
        note="VerwerkingsResultaat.per_bericht() and resultaat_voor() apply the nil-GUID fallback.",
    ),
    Rule(
        "RES-02",
        "Delivered only when all Verwerkt",
        "A batch is fully delivered only when every letter is Verwerkt.",
        "—",
        _C,
        note="VerwerkingsResultaat.volledig_verwerkt.",
    ),
    Rule(
        "RES-03",
        "Alert after 24 h without a result",
        "No result after 24 h: raise an alert; do not resend blindly.",
        "—",
        _C,
    ),
    Rule(
        "RES-04",
        "Resend with the same ids",
        "A resend after a transport failure reuses the same BatchID and BerichtIDs; a stored letter then "
        "answers BerichtBestaatAl, which means 'already there', not 'failed'.",
        "BerichtBestaatAl",
        _C,
    ),
    Rule(
        "ABO-01",
        "Check the subscription first",
        "Before delivery, each recipient's subscription for (sender, BerichtType) must be checked, and the "
        "check may be at most 7 days old when the batch is made. After the GLOBE→BBO migration Logius "
        "delivers every letter regardless of preference and the sender alone answers for wrong "
        "deliveries: the check is the sender's duty.",
        "NietActiefOfGeabonneerd",
        _N,
        note="The client offers ValidateAbonnementen and the AbonnementService; whether every recipient "
        "was checked within 7 days is the sender's own record.",
    ),
    Rule(
        "ABO-02",
        "ValidateAbonnementen takes 1..250 BSNs",
        "ValidateAbonnementen takes 1..250 BSNs per call and is rationed; for large numbers use the "
        "AbonnementService.",
        "ApplicationFault",
        _M,
        note="ValidateAbonnementenAanvraag refuses 0 or more than 250 BSNs.",
    ),
    Rule(
        "XSD",
        "The bundled XSD",
        "A document breaks the bundled XSD in a way no named rule covers (element order, a missing or "
        "unknown element, a wrong type).",
        "XmlValidatieTegenXsdValtNegatiefUit",
        _X,
    ),
)

#: Every rule of the spec by id, in the spec's order.
RULES: Final[Mapping[str, Rule]] = MappingProxyType({r.id: r for r in _CATALOGUE})


# --- helpers ---------------------------------------------------------------------------------------------

_NINE_DIGITS: Final = re.compile(r"(?<!\d)\d{9}(?!\d)")


def _redact(text: str, limit: int = 60) -> str:
    """User text fit for a message: cut to ``limit`` characters, every nine-digit run masked."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _NINE_DIGITS.sub(lambda m: mask_bsn(m.group()), text)


def _fmt_delta(delta: timedelta) -> str:
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds % 60} s"


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


# --- BATCH-02: size ----------------------------------------------------------------------------------------

# The codec's output, tag by tag: "<p:Name>" + "</p:Name>" is 2·len("p:Name") + 5 bytes. write_batch
# declares both prefixes once, on the root, so the count below is exact for what it writes.
_BVS_DECL: Final = len(' xmlns:bvs="http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01"')
_BER_DECL: Final = len(' xmlns:ber="http://schemas.rdw.nl/GEB/BerichtenProsessor/Bericht/Types/2009/01"')
_XML_DECLARATION: Final = len("<?xml version='1.0' encoding='utf-8'?>\n")


def _tag(name: str) -> int:
    return 2 * len(name) + 5


_BATCH_FIXED: Final = (
    _XML_DECLARATION
    + _tag("bvs:Berichten")
    + _BVS_DECL
    + _BER_DECL
    + _tag("bvs:BatchInformatie")
    + _tag("bvs:BatchID")
    + 36
    + _tag("bvs:AanmaakDatum")
    + _tag("bvs:BerichtLeverancierID")
    + 20
)
_BERICHT_FIXED: Final = (
    _tag("ber:Bericht")
    + _tag("ber:BerichtInformatie")
    + _tag("ber:BatchID")
    + 36
    + _tag("ber:BerichtID")
    + 36
    + _tag("ber:BerichtType")
    + _tag("ber:Onderwerp")
    + _tag("ber:GebruikerID")
    + 9
    + _tag("ber:SoortGebruiker")
    + len("Burger")
)
_PUBLICATIE: Final = _tag("ber:PublicatieDatum")
_EIND: Final = _tag("ber:EindDatumHandelingsTermijn")
_TEKST: Final = _tag("ber:BerichtTekst")
_REFERENTIE: Final = _tag("ber:Referentie")
_BIJLAGEN: Final = _tag("ber:Bijlagen")
_BIJLAGE_FIXED: Final = (
    _tag("ber:Bijlage")
    + _tag("ber:Inhoud")
    + _tag("ber:BijlageType")
    + len("Pdf")
    + _tag("ber:Omschrijving")
    + _tag("ber:Volgorde")
)


def _xml_text_len(text: str) -> int:
    """UTF-8 bytes of ``text`` as element content, with the escapes lxml writes (&amp; &lt; &gt; &#13;)."""
    n = len(text) if text.isascii() else len(text.encode("utf-8"))
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        n += 4 * text.count("&") + 3 * (text.count("<") + text.count(">")) + 4 * text.count("\r")
    return n


def _base64_len(n: int) -> int:
    return 4 * math.ceil(n / 3)


def bericht_size(b: Bericht) -> int:
    """Bytes one letter adds to a batch as :func:`~mobb_sdk.write_batch` writes it (exact; BATCH-02)."""
    size = _BERICHT_FIXED + _xml_text_len(b.bericht_type) + _xml_text_len(b.onderwerp)
    if b.publicatie_datum is not None:
        size += _PUBLICATIE + len(b.publicatie_datum.isoformat())
    if b.eind_datum_handelings_termijn is not None:
        size += _EIND + len(b.eind_datum_handelings_termijn.isoformat())
    if b.bericht_tekst is not None:
        # Each "\n" travels as the four characters \r\n (BER-06).
        size += _TEKST + _xml_text_len(b.bericht_tekst) + 3 * b.bericht_tekst.count("\n")
    if b.referentie is not None:
        size += _REFERENTIE + _xml_text_len(b.referentie)
    if b.bijlagen:
        size += _BIJLAGEN
        for bijlage in b.bijlagen:
            size += (
                _BIJLAGE_FIXED
                + _base64_len(len(bijlage.inhoud))
                + _xml_text_len(bijlage.omschrijving)
                + len(str(bijlage.volgorde))
            )
    return size


def batch_header_size(aanmaak_datum: datetime) -> int:
    """Bytes of a batch without its letters (declaration, root, BatchInformatie) as written by the codec."""
    return _BATCH_FIXED + len(aanmaak_datum.isoformat())


def estimate_batch_size(batch: Batch) -> int:
    """The size in bytes of ``batch`` as :func:`~mobb_sdk.write_batch` writes it, computed without writing.

    Base64 content counts exactly (4·⌈n/3⌉ per attachment), and so does all text (``\\r\\n`` line
    breaks, XML escapes, UTF-8). Markup is counted as :func:`~mobb_sdk.write_batch` writes it, so the
    figure is that function's output to the byte; a test holds the two together. A document written by
    other software may differ by its prefixes and whitespace: pass its real size to :func:`check_batch_size` or :func:`check_batch` instead.
    """
    return batch_header_size(batch.aanmaak_datum) + sum(bericht_size(b) for b in batch.berichten)


def check_batch_size(batch: Batch, *, serialized_size: int | None = None) -> Iterator[Violation]:
    """BATCH-02: the batch is at most 100,000,000 bytes serialised (``serialized_size`` when known)."""
    size = estimate_batch_size(batch) if serialized_size is None else serialized_size
    if size <= MAX_BATCH_BYTES:
        return
    how = "estimated" if serialized_size is None else "serialized"
    per_batch = max(1, len(batch) * MAX_BATCH_BYTES // size)
    yield Violation(
        "BATCH-02",
        "",
        f"the batch is {size:,} bytes {how}; Logius rejects batches over {MAX_BATCH_BYTES:,} bytes. "
        f"Split it, e.g. Batch.split(afzender, berichten, size={per_batch}).",
    )


# --- BATCH-04, BATCH-05: the batch header ---------------------------------------------------------------


def check_aanmaak_datum(batch: Batch, now: datetime) -> Iterator[Violation]:
    """BATCH-04: AanmaakDatum at most 13 days before ``now``; a warning when it lies in the future.

    Logius documents only the lower bound. An AanmaakDatum more than :data:`CLOCK_SKEW` ahead of the
    clock is still reported, as a warning: it means a wrong clock or a local time labelled with the wrong
    offset (10:00 Dutch time written as 10:00Z is an hour ahead), and how Logius treats it is undocumented.
    """
    age = now - batch.aanmaak_datum
    if age > WINDOW:
        yield Violation(
            "BATCH-04",
            "aanmaak_datum",
            f"AanmaakDatum is {_fmt_delta(age)} before delivery; at most 13 days allowed. Logius answers "
            "AanmaakDatumLigtTeVerInHetVerleden: rebuild the batch with a current AanmaakDatum.",
        )
    elif -age > CLOCK_SKEW:
        yield Violation(
            "BATCH-04",
            "aanmaak_datum",
            f"AanmaakDatum lies {_fmt_delta(age)} in the future; check the clock and the time zone "
            "(use timezone-aware datetimes in UTC or with the right offset).",
            Severity.WARNING,
        )


def check_afzender(batch: Batch, profile: SenderProfile) -> Iterator[Violation]:
    """BATCH-05: BerichtLeverancierID (``afzender``) is the OIN in the CPA, when the profile knows it."""
    if profile.sender_oin is None or batch.afzender == profile.sender_oin:
        return
    yield Violation(
        "BATCH-05",
        "afzender",
        f"BerichtLeverancierID {batch.afzender} is not the OIN in the CPA ({profile.sender_oin}); Logius "
        "answers OinInCPAKomtNietOvereenMetOinInBericht. Use the formal sender's OIN; an intermediary's own "
        "OIN goes in the ebMS PartyId, and the link must be registered at Logius.",
    )


# --- BER-01: BerichtID --------------------------------------------------------------------------------------

UsedIds = Container[uuid.UUID] | Callable[[uuid.UUID], bool]


def _was_used(used: UsedIds, bericht_id: uuid.UUID) -> bool:
    # A set, dict or database-backed container answers `in`; a plain function is called.
    if isinstance(used, Container):
        return bericht_id in used
    return bool(used(bericht_id))


def check_bericht_ids_unique(batch: Batch) -> Iterator[Violation]:
    """BER-01: no two letters of the batch share a BerichtID."""
    seen: dict[uuid.UUID, int] = {}
    for i, b in enumerate(batch.berichten):
        first = seen.setdefault(b.bericht_id, i)
        if first != i:
            yield _duplicate(f"berichten[{i}]", b.bericht_id, first)


def _duplicate(path: str, bericht_id: uuid.UUID, first: int) -> Violation:
    return Violation(
        "BER-01",
        f"{path}.bericht_id",
        f"BerichtID {bericht_id} is also the BerichtID of berichten[{first}]; every letter needs its own "
        "(leave bericht_id out to get a fresh uuid4). Logius answers BerichtBestaatAl for the second.",
    )


def check_bericht_id_used(bericht: Bericht, used: UsedIds, path: str = "bericht") -> Iterator[Violation]:
    """BER-01: the BerichtID was not used before (``used``: a container of ids or a predicate)."""
    if _was_used(used, bericht.bericht_id):
        yield Violation(
            "BER-01",
            f"{path}.bericht_id",
            f"BerichtID {bericht.bericht_id} was used before; Logius answers BerichtBestaatAl and never "
            "delivers it again. Give a new letter a new BerichtID; only a resend of the very same letter "
            "after a transport failure keeps its id (RES-04).",
        )


# --- per-letter rules ---------------------------------------------------------------------------------------


def check_bericht_type(
    bericht: Bericht, profile: SenderProfile, path: str = "bericht"
) -> Iterator[Violation]:
    """BER-02: the BerichtType is one of the profile's active BerichtTypes, when the profile lists them."""
    active = profile.active_bericht_types
    if active is None or bericht.bericht_type in active:
        return
    folded = [t for t in active if t.casefold() == bericht.bericht_type.casefold()]
    hint = f" (did you mean {folded[0]!r}? codes are case-sensitive)" if folded else ""
    listed = ", ".join(sorted(active)[:10]) + (", …" if len(active) > 10 else "")
    yield Violation(
        "BER-02",
        f"{path}.bericht_type",
        f"BerichtType {bericht.bericht_type!r} is not active for this sender{hint}; "
        f"active: {listed or 'none'}. Logius answers BerichtTypeNietOndersteund: activate it in the "
        "Leveranciersportaal or fix the type.",
    )


def check_publicatie_datum(bericht: Bericht, now: datetime, path: str = "bericht") -> Iterator[Violation]:
    """BER-03: PublicatieDatum at most 13 days after ``now`` (a past date means: publish at once)."""
    if bericht.publicatie_datum is None:
        return
    ahead = bericht.publicatie_datum - now
    if ahead > WINDOW:
        yield Violation(
            "BER-03",
            f"{path}.publicatie_datum",
            f"PublicatieDatum is {_fmt_delta(ahead)} after delivery; at most 13 days allowed. Logius answers "
            "PublicatieDatumLigtTeVerInDeToekomst: deliver it later, or choose an earlier PublicatieDatum.",
        )


def check_eind_datum(bericht: Bericht, now: datetime, path: str = "bericht") -> Iterator[Violation]:
    """BER-04 (warning): the EindDatumHandelingsTermijn has not passed and is not before publication."""
    eind = bericht.eind_datum_handelings_termijn
    if eind is None:
        return
    field = f"{path}.eind_datum_handelings_termijn"
    if eind < now:
        yield Violation(
            "BER-04",
            field,
            f"EindDatumHandelingsTermijn passed {_fmt_delta(now - eind)} ago; the citizen would be "
            "reminded of a deadline that is over. Set the real deadline or leave it out.",
            Severity.WARNING,
        )
    elif bericht.publicatie_datum is not None and eind < bericht.publicatie_datum:
        yield Violation(
            "BER-04",
            field,
            "EindDatumHandelingsTermijn lies before the PublicatieDatum: the deadline is over before the "
            "citizen can see the letter. Set the real deadline or publish earlier.",
            Severity.WARNING,
        )


_ESCAPE_RE: Final = re.compile(r"\\r\\n|\\[rn]")


def check_tekst_escapes(bericht: Bericht, path: str = "bericht") -> Iterator[Violation]:
    """BER-06 (warning): BerichtTekst holds ``\\r`` or ``\\n`` typed as backslash sequences.

    Write line breaks as ordinary newlines; the codec encodes each as the literal ``\\r\\n``. A text that
    already holds ``\\r\\n`` travels as is (Logius shows a line break) but reads back as a newline, so the
    letter no longer round-trips; a lone ``\\n`` or ``\\r`` is shown to the citizen as those characters.
    """
    tekst = bericht.bericht_tekst
    if not tekst or "\\" not in tekst:
        return
    found = _ESCAPE_RE.findall(tekst)
    if not found:
        return
    if all(f == "\\r\\n" for f in found):
        message = (
            f"BerichtTekst holds {len(found)} literal \\r\\n sequence(s): write line breaks as ordinary "
            "newlines; mobb-sdk encodes them as \\r\\n on the wire (BER-06)."
        )
    else:
        message = (
            "BerichtTekst holds a literal \\n or \\r that is not part of \\r\\n: the citizen sees those "
            "characters. Write line breaks as ordinary newlines; mobb-sdk encodes them (BER-06)."
        )
    yield Violation("BER-06", f"{path}.bericht_tekst", message, Severity.WARNING)


# A URL starts at http(s):// or at www. (not inside a word, an address or a host name) and runs to the
# next whitespace. Two regexes with literal prefixes, not one alternation: the regex engine then skips to
# candidates at C speed. One character class each, no nesting: linear time on any input.
_HTTP_RE: Final = re.compile(r"https?://\S+")
_WWW_RE: Final = re.compile(r"(?<![\w.@/-])www\.\S+")
_HTTP_RE_I: Final = re.compile(_HTTP_RE.pattern, re.IGNORECASE)
_WWW_RE_I: Final = re.compile(_WWW_RE.pattern, re.IGNORECASE)
# Punctuation a renderer would take as part of the URL when glued to its end.
_TRAILING: Final = ".,;:!?)]}>'\"’”»"
_LITERAL_BREAK: Final = "\\r\\n"


def _urls(tekst: str) -> list[tuple[int, int]]:
    """Spans of the URLs in ``tekst``, in order; http(s) and www. in any letter case."""
    low = tekst.lower()
    if "http" not in low and "www." not in low:
        return []
    # Lower-casing keeps the indices of an ASCII text; any other text takes the slower case-blind regexes.
    if tekst.isascii():
        scan, http_re, www_re = low, _HTTP_RE, _WWW_RE
    else:
        scan, http_re, www_re = tekst, _HTTP_RE_I, _WWW_RE_I
    spans = [m.span() for m in http_re.finditer(scan)]
    if "www." not in low:
        return spans
    spans.extend(m.span() for m in www_re.finditer(scan))
    spans.sort()
    # A URL that starts inside another (www.x.nl in http://www.x.nl, or the reverse) is part of it.
    merged: list[tuple[int, int]] = []
    for span in spans:
        if not merged or span[0] >= merged[-1][1]:
            merged.append(span)
    return merged


def _is_url(text: str) -> bool:
    # Something is left after the scheme or www. once trailing punctuation is gone.
    return bool(_HTTP_RE_I.fullmatch(text) or _WWW_RE_I.fullmatch(text))


def check_urls(bericht: Bericht, path: str = "bericht") -> Iterator[Violation]:
    """BER-07 (warning): every URL in BerichtTekst has a space, a tab or the text's start/end around it.

    Flagged: a character glued before (``zie:https://x.nl``, ``(https://x.nl``), punctuation glued after
    (``https://x.nl.``, ``https://x.nl,`` ``https://x.nl)``), and a line break next to the URL. On the wire
    a line break is the literal text ``\\r\\n``, not whitespace, so ``…\\r\\nhttps://x.nl`` glues the
    URL to it; the spec asks for a space, so put one between the URL and the line break.
    """
    tekst = bericht.bericht_tekst
    if not tekst:
        return
    for start, end in _urls(tekst):
        url = tekst[start:end]
        problems: list[str] = []
        cut = url.find(_LITERAL_BREAK)
        if cut >= 0:
            url, end = url[:cut], start + cut
        stripped = url.rstrip(_TRAILING)
        if len(stripped) < len(url) and _is_url(stripped):
            problems.append(f"followed directly by {url[len(stripped) :]!r}")
            url = stripped
        else:
            after = tekst[end] if end < len(tekst) else ""
            if cut >= 0 or after == "\n":
                problems.append("followed directly by a line break")
            elif after not in ("", " ", "\t"):
                problems.append(f"followed by {after!r} instead of a space")
        before = tekst[start - 1] if start else ""
        if before == "\n" or tekst.endswith(_LITERAL_BREAK, 0, start):
            problems.insert(0, "preceded directly by a line break")
        elif before not in ("", " ", "\t"):
            problems.insert(0, f"preceded directly by {before!r}")
        if problems:
            yield Violation(
                "BER-07",
                f"{path}.bericht_tekst",
                f"the URL {_redact(url)!r} is {' and '.join(problems)}; Logius renders it wrongly. "
                "Put a space before and after every URL.",
                Severity.WARNING,
            )


def check_bijlagen_size(bericht: Bericht, path: str = "bericht") -> Iterator[Violation]:
    """BIJ-03: all attachments of the letter together at most 500,000 bytes before base64."""
    total = bericht.bijlagen_size
    if total <= MAX_BIJLAGEN_BYTES:
        return
    parts = ", ".join(f"Bijlage {b.volgorde}: {b.size:,}" for b in bericht.bijlagen)
    yield Violation(
        "BIJ-03",
        f"{path}.bijlagen",
        f"the Bijlagen are {total:,} bytes together ({parts}); at most {MAX_BIJLAGEN_BYTES:,} "
        "allowed. Logius answers BijlageTeGroot: make the PDFs smaller (e.g. lower image resolution) or "
        "split the letter.",
    )


def check_volgorde(bericht: Bericht, path: str = "bericht") -> Iterator[Violation]:
    """BIJ-05: Volgorde is 1 for a single attachment, 1 then 2 for two, in that order."""
    n = len(bericht.bijlagen)
    for i, b in enumerate(bericht.bijlagen):
        if b.volgorde != i + 1:
            context = (
                "with one Bijlage it must be 1"
                if n == 1
                else f"the {_ordinal(i + 1)} Bijlage must be {i + 1}"
            )
            yield Violation(
                "BIJ-05",
                f"{path}.bijlagen[{i}].volgorde",
                f"Volgorde is {b.volgorde}; {context} (Bijlagen are numbered 1, 2 in order). "
                "Bericht.create() numbers them for you.",
            )


def _check_pdf(bijlage: Bijlage, field: str, profile: SenderProfile) -> Iterator[Violation]:
    info = inspect_pdf(bijlage.inhoud)
    name = f"Bijlage {bijlage.volgorde}"
    if not info.is_pdf:
        yield Violation(
            "BIJ-02",
            field,
            f"{name} is not a PDF (no %PDF- header in its first 1024 bytes); BijlageType Pdf is the only "
            "type. Convert the document to PDF/A-2a.",
        )
        return
    if info.encrypted:
        yield Violation(
            "BIJ-02",
            field,
            f"{name} is an encrypted PDF (password or permissions); the citizen may be unable to open it "
            "and PDF/A forbids encryption. Save it without security settings.",
        )
    if not info.has_eof:
        yield Violation(
            "BIJ-02",
            field,
            f"{name} has no %%EOF marker at its end: the PDF looks truncated. Check it was copied whole.",
            Severity.WARNING,
        )
    if not info.is_accessible_pdfa:
        found = f"declares {info.pdfa}" if info.pdfa else "declares no PDF/A conformance"
        yield Violation(
            "BIJ-02",
            field,
            f"{name} {found}; Logius asks for PDF/A-1a or PDF/A-2a (accessible). Export it as PDF/A-2a.",
            Severity.ERROR if profile.pdfa_required else Severity.WARNING,
        )


def check_bijlagen_pdf(
    bericht: Bericht, profile: SenderProfile, path: str = "bericht"
) -> Iterator[Violation]:
    """BIJ-02: each attachment is an unencrypted PDF that declares PDF/A-1a or PDF/A-2a.

    Not a PDF or encrypted: an error. No ``%%EOF``: a warning. No PDF/A-1a/2a declaration: a warning, or
    an error with ``profile.pdfa_required``. Skipped entirely when ``profile.check_pdf`` is False.
    """
    if not profile.check_pdf:
        return
    for i, bijlage in enumerate(bericht.bijlagen):
        yield from _check_pdf(bijlage, f"{path}.bijlagen[{i}].inhoud", profile)


#: Rule id → the function that checks it (the rules enforced here; see :attr:`Rule.enforced_by`).
CHECKS: Final[Mapping[str, Callable[..., Iterator[Violation]]]] = MappingProxyType(
    {
        "BATCH-02": check_batch_size,
        "BATCH-04": check_aanmaak_datum,
        "BATCH-05": check_afzender,
        "BER-01": check_bericht_ids_unique,
        "BER-02": check_bericht_type,
        "BER-03": check_publicatie_datum,
        "BER-04": check_eind_datum,
        "BER-06": check_tekst_escapes,
        "BER-07": check_urls,
        "BIJ-02": check_bijlagen_pdf,
        "BIJ-03": check_bijlagen_size,
        "BIJ-05": check_volgorde,
    }
)


# --- running them ---------------------------------------------------------------------------------------


def check_bericht(
    bericht: Bericht,
    profile: SenderProfile,
    *,
    path: str = "bericht",
    now: datetime | None = None,
    used_bericht_ids: UsedIds | None = None,
) -> Iterator[Violation]:
    """Every per-letter rule on one letter (BER-01 against ``used_bericht_ids``, BER-02..07, BIJ-02/03/05).

    ``now`` is the delivery moment (default: ``profile.clock()``); ``path`` prefixes every violation's path.
    Batch-level rules (BATCH-02/04/05, BerichtIDs unique within the batch) are in :func:`check_batch`.
    """
    if now is None:
        now = profile.now()
    if used_bericht_ids is not None:
        yield from check_bericht_id_used(bericht, used_bericht_ids, path)
    yield from check_bericht_type(bericht, profile, path)
    yield from check_publicatie_datum(bericht, now, path)
    yield from check_eind_datum(bericht, now, path)
    if bericht.bericht_tekst:
        yield from check_tekst_escapes(bericht, path)
        yield from check_urls(bericht, path)
    if bericht.bijlagen:
        yield from check_volgorde(bericht, path)
        yield from check_bijlagen_size(bericht, path)
        yield from check_bijlagen_pdf(bericht, profile, path)


def check_batch(
    batch: Batch,
    profile: SenderProfile | None = None,
    *,
    used_bericht_ids: UsedIds | None = None,
    serialized_size: int | None = None,
) -> Report:
    """Every local rule on a batch; the clock is read once, so all letters are judged at one moment.

    ``used_bericht_ids`` (a container or a predicate) holds BerichtIDs already offered to Logius (BER-01);
    ``serialized_size`` is the real size when the caller has serialised the batch already (BATCH-02),
    otherwise it is estimated. Batch-level violations come first, then each letter's in order.
    """
    if not isinstance(batch, Batch) or not isinstance(profile, SenderProfile | None):
        raise ArgumentTypeError("check_batch judges a Batch (with a SenderProfile or None)")
    profile = profile if profile is not None else SenderProfile()
    now = profile.now()
    found: list[Violation] = []
    found.extend(check_batch_size(batch, serialized_size=serialized_size))
    found.extend(check_aanmaak_datum(batch, now))
    found.extend(check_afzender(batch, profile))
    seen: dict[uuid.UUID, int] = {}
    for i, bericht in enumerate(batch.berichten):
        path = f"berichten[{i}]"
        first = seen.setdefault(bericht.bericht_id, i)
        if first != i:
            found.append(attrs.evolve(_duplicate(path, bericht.bericht_id, first), letter=i))
        found.extend(
            attrs.evolve(v, letter=i)
            for v in check_bericht(bericht, profile, path=path, now=now, used_bericht_ids=used_bericht_ids)
        )
    # Through merged(): mypy cannot type a call through Report's bare `tuple` converter.
    return Report().merged(found)
