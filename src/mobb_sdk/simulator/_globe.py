"""GLOBE's processing of a delivered batch: the ``BerichtVerwerkResponse`` Logius would answer.

It runs in two steps so a large batch does not hold the simulator's lock while it is validated:
:func:`examine` (pure: parse, XSD, batch header, the per-letter rules that need no state) and
:func:`decide` (under the lock: BerichtIDs stored before, subscriptions, injected TechnischProbleem).

What Logius checks, and so what the simulator answers (spec section 3 and 4):

- the XSD (BATCH-01, BER-05/06/08/10, BIJ-01/04/06 and structure) -> ``XmlValidatieTegenXsdValtNegatiefUit``,
  one line with the nil GUID (RES-01);
- BATCH-05 BerichtLeverancierID vs the CPA -> ``OinInCPAKomtNietOvereenMetOinInBericht``, nil GUID;
- BATCH-04 AanmaakDatum more than 13 days old -> ``AanmaakDatumLigtTeVerInHetVerleden`` for every letter;
- per letter, in this order: BER-01 -> ``BerichtBestaatAl``, BER-02 -> ``BerichtTypeNietOndersteund``,
  BER-03 -> ``PublicatieDatumLigtTeVerInDeToekomst``, BIJ-03 -> ``BijlageTeGroot``, ABO-01 ->
  ``NietActiefOfGeabonneerd``, then an injected ``TechnischProbleem``, else ``Verwerkt``.

What Logius does not refuse, so the simulator ignores it too: BATCH-03 (a letter repeating another
BatchID), BER-04 (deadline), BER-06 escapes and BER-07 URLs (rendered wrongly, still delivered), BIJ-02
(PDF/A; not even inspected), BIJ-05 (Volgorde), and an AanmaakDatum in the future. A GebruikerID that
fails the elfproef (BER-09) passes the XSD and is simply nobody's box: ``NietActiefOfGeabonneerd``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, MutableSet
from datetime import datetime
from typing import Final

import attrs
from lxml import etree

from mobb_sdk._codec import (
    T_AANMAAK,
    T_B_ID,
    T_B_TYPE,
    T_BATCH_ID,
    T_BATCH_INFO,
    T_BERICHT,
    T_GEBRUIKER,
    T_LEVERANCIER,
    T_ONDERWERP,
    checked_guid,
    parse_datetime,
    read_bericht,
)
from mobb_sdk._errors import InvalidValueError, XmlError
from mobb_sdk._ids import NIL_GUID, Bsn, Oin
from mobb_sdk._models import (
    STADIUM_OK,
    Batch,
    Bericht,
    BerichtResultaat,
    VerwerkingsCode,
    VerwerkingsResultaat,
)
from mobb_sdk._rules import SenderProfile, check_aanmaak_datum, check_bericht, check_bericht_id_used
from mobb_sdk._schemas import DocumentKind
from mobb_sdk._violations import Severity, Violation
from mobb_sdk._xml import parse_xml
from mobb_sdk._xsd_validation import validate_tree
from mobb_sdk.simulator._world import Cpa, World

__all__ = ["Examined", "Letter", "StoredLetter", "decide", "examine"]

C = VerwerkingsCode

#: The per-letter codes the stateless rules can produce, in the order GLOBE checks them.
_RULE_ORDER: Final = (
    C.BERICHT_TYPE_NIET_ONDERSTEUND,
    C.PUBLICATIE_DATUM_LIGT_TE_VER_IN_DE_TOEKOMST,
    C.BIJLAGE_TE_GROOT,
)

# Stands in for a GebruikerID that fails the elfproef, so the letter's other rules can still be checked
# (the model refuses such a BSN). "000000000" passes the elfproef and is never a person of a world.
_NOBODY: Final = "000000000"

#: Stadium of a letter the simulator could not read although it passed the XSD.
STADIUM_READ: Final = "ValidatieBericht"


@attrs.frozen
class Letter:
    """One letter as GLOBE read it: ids, the recipient as sent, and the verdict of the stateless rules."""

    bericht_id: uuid.UUID
    bericht_type: str
    bsn: str = attrs.field(repr=False)
    onderwerp: str
    bericht: Bericht | None = attrs.field(repr=False)
    code: VerwerkingsCode | None


@attrs.frozen
class Examined:
    """A batch after the stateless checks. ``batch_code`` is set when the whole batch is refused."""

    batch_id: uuid.UUID | None
    leverancier: str
    letters: tuple[Letter, ...]
    total: int
    batch_code: VerwerkingsCode | None
    violations: tuple[Violation, ...]

    @property
    def bericht_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(letter.bericht_id for letter in self.letters)


@attrs.frozen
class StoredLetter:
    """A letter GLOBE placed in a box (what :meth:`Inspection.letters` lists)."""

    bericht_id: uuid.UUID
    batch_id: uuid.UUID
    afzender: str
    bsn: Bsn
    bericht_type: str
    onderwerp: str


def _text(el: etree._Element | None) -> str:
    return "" if el is None else (el.text or "").strip()


def _guid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _refused(
    batch_id: uuid.UUID | None,
    leverancier: str,
    total: int,
    code: VerwerkingsCode,
    violations: Iterable[Violation],
) -> Examined:
    return Examined(batch_id, leverancier, (), total, code, tuple(violations))


def examine(payload: bytes, world: World, cpa: Cpa, now: datetime) -> Examined:
    """Read a delivered batch and apply every check that needs no simulator state (pure)."""
    xsd = C.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT
    try:
        root = parse_xml(payload).getroot()
    except XmlError as exc:
        return _refused(None, "", 0, xsd, [Violation("XSD", "/", str(exc))])
    info = root.find(T_BATCH_INFO)
    batch_id = _guid(_text(info.find(T_BATCH_ID))) if info is not None else None
    leverancier = _text(info.find(T_LEVERANCIER)) if info is not None else ""
    total = sum(1 for _ in root.iterchildren(T_BERICHT))
    report = validate_tree(root, DocumentKind.BATCH)
    if not report.ok:
        return _refused(batch_id, leverancier, total, xsd, report.errors)
    assert info is not None and batch_id is not None  # noqa: S101  (the XSD requires both)
    # BATCH-05: check_afzender compares with one OIN; a CPA of an intermediary carries several.
    if leverancier not in cpa.afzenders:
        message = f"BerichtLeverancierID {leverancier!r} is not linked to CPA {cpa.cpa_id} ({cpa.party})"
        return _refused(
            batch_id,
            leverancier,
            total,
            C.OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT,
            [Violation("BATCH-05", "afzender", message)],
        )
    sender = world.sender(leverancier)
    assert sender is not None  # noqa: S101  (World checks every OIN of a CPA is a sender)
    try:
        aanmaak = parse_datetime(_text(info.find(T_AANMAAK)))
    except ValueError as exc:  # valid xs:dateTime Python cannot read (24:00:00, year 0)
        return _refused(
            batch_id,
            leverancier,
            total,
            C.TECHNISCH_PROBLEEM,
            [Violation("XSD", "aanmaak_datum", f"cannot read AanmaakDatum: {exc}")],
        )
    profile = SenderProfile(sender_oin=None, active_bericht_types=sender.bericht_types, check_pdf=False)
    letters = [_letter(el, i, profile, now) for i, el in enumerate(root.iterchildren(T_BERICHT))]
    decoded = [letter.bericht for letter in letters if letter.bericht is not None]
    if decoded:
        header = Batch(afzender=Oin(leverancier), berichten=decoded, batch_id=batch_id, aanmaak_datum=aanmaak)
        late = [v for v in check_aanmaak_datum(header, now) if v.severity is Severity.ERROR]
        if late:
            code = C.AANMAAK_DATUM_LIGT_TE_VER_IN_HET_VERLEDEN
            letters = [attrs.evolve(letter, code=code) for letter in letters]
            return Examined(batch_id, leverancier, tuple(letters), total, code, tuple(late))
    return Examined(batch_id, leverancier, tuple(letters), total, None, ())


def _letter(el: etree._Element, index: int, profile: SenderProfile, now: datetime) -> Letter:
    fields = {child.tag: child for child in el[0]}
    bericht_id = checked_guid(_text(fields[T_B_ID]))  # examine() has run the XSD
    bericht_type = _text(fields[T_B_TYPE])
    bsn = _text(fields[T_GEBRUIKER])
    onderwerp = fields[T_ONDERWERP].text or ""
    try:
        try:
            bericht = read_bericht(el, bericht_id=bericht_id)
        except InvalidValueError as exc:
            if exc.rule != "BER-09":
                raise
            bericht = read_bericht(el, bericht_id=bericht_id, bsn=_NOBODY)
    except ValueError:
        # Passed the XSD, yet the codec cannot read it (e.g. an xs:dateTime hour 24): a technical problem.
        return Letter(bericht_id, bericht_type, bsn, onderwerp, None, C.TECHNISCH_PROBLEEM)
    broken = {
        v.rule
        for v in check_bericht(bericht, profile, path=f"berichten[{index}]", now=now)
        if v.severity is Severity.ERROR
    }
    code = next((c for c in _RULE_ORDER if c.rule in broken), None) if broken else None
    return Letter(bericht_id, bericht_type, bsn, onderwerp, bericht, code)


TechnischProbleem = Callable[[uuid.UUID], "tuple[str, bool] | None"]


def decide(
    examined: Examined,
    world: World,
    stored_ids: MutableSet[uuid.UUID],
    technisch: TechnischProbleem,
    received: datetime,
    processed: datetime,
) -> tuple[VerwerkingsResultaat, tuple[StoredLetter, ...]]:
    """The result of the batch; letters placed in a box are added to ``stored_ids`` (call under a lock).

    A BerichtID counts as seen (BER-01) once its letter was stored: ``Verwerkt``, or a TechnischProbleem
    injected with ``stored=True``. A letter refused for its data or recipient was not stored, so sending
    the same id again after fixing the cause is processed afresh.
    """
    batch_id = examined.batch_id or NIL_GUID
    leverancier = examined.leverancier
    if examined.batch_code is not None and not examined.letters:
        # RES-01: the letters could not be read (or were not looked at): one line with the nil GUID.
        line = BerichtResultaat(NIL_GUID, "", examined.batch_code, _stadium(examined.batch_code))
        result = VerwerkingsResultaat.tally(
            leverancier, batch_id, [line], received, processed, examined.total
        )
        return result, ()
    if examined.batch_code is not None:
        # BATCH-04: the whole batch is refused, every letter named with the batch's code.
        lines = [
            BerichtResultaat(x.bericht_id, x.bericht_type, examined.batch_code) for x in examined.letters
        ]
        return VerwerkingsResultaat.tally(
            leverancier, batch_id, lines, received, processed, examined.total
        ), ()
    lines = []
    stored: list[StoredLetter] = []
    for letter in examined.letters:
        code, stadium = _verdict(letter, leverancier, world, stored_ids, technisch)
        lines.append(BerichtResultaat(letter.bericht_id, letter.bericht_type, code, stadium))
        if code is C.VERWERKT and letter.bericht is not None:
            stored.append(
                StoredLetter(
                    letter.bericht_id,
                    batch_id,
                    leverancier,
                    letter.bericht.bsn,
                    letter.bericht_type,
                    letter.onderwerp,
                )
            )
    return VerwerkingsResultaat.tally(
        leverancier, batch_id, lines, received, processed, examined.total
    ), tuple(stored)


def _stadium(code: VerwerkingsCode) -> str:
    return STADIUM_READ if code is C.TECHNISCH_PROBLEEM else STADIUM_OK


def _verdict(
    letter: Letter,
    leverancier: str,
    world: World,
    stored_ids: MutableSet[uuid.UUID],
    technisch: TechnischProbleem,
) -> tuple[VerwerkingsCode, str]:
    if letter.bericht is not None:
        if any(check_bericht_id_used(letter.bericht, stored_ids)):
            return C.BERICHT_BESTAAT_AL, STADIUM_OK
    elif letter.bericht_id in stored_ids:
        return C.BERICHT_BESTAAT_AL, STADIUM_OK
    if letter.code is not None:
        return letter.code, _stadium(letter.code)
    if not world.may_receive(letter.bsn, leverancier, letter.bericht_type):
        return C.NIET_ACTIEF_OF_GEABONNEERD, STADIUM_OK
    injected = technisch(letter.bericht_id)
    if injected is not None:
        stadium, was_stored = injected
        if was_stored:
            stored_ids.add(letter.bericht_id)
        return C.TECHNISCH_PROBLEEM, stadium
    stored_ids.add(letter.bericht_id)
    return C.VERWERKT, STADIUM_OK


def malformed(payload: bytes, how: str) -> bytes:
    """A broken copy of a result document: cut in half, or with a counter that is not an xs:int."""
    if how == "truncated":
        return payload[: len(payload) // 2]
    tag = b"<TotaalAantalOntvangenBerichten>"
    start = payload.index(tag) + len(tag)
    end = payload.index(b"<", start)
    return payload[:start] + b"onbekend" + payload[end:]
