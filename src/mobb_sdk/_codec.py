"""The XML codec: every model to the wire format of the interface and back.

Writing follows spec sections 3-6 to the letter (element order, qualified request elements, unqualified
result children, the WUS SOAP 1.1 envelope). Reading accepts any namespace prefixes, goes through the
hardened parser, checks the document against the bundled XSD and only then builds the model, so a
document that is not valid raises :class:`~mobb_sdk.ValidationError` with every violation and its path.
``from_xml(to_xml(m)) == m`` holds for every model.
"""

from __future__ import annotations

import base64
import os
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import IO, Any, Final, TypeVar, overload
from zoneinfo import ZoneInfo

from lxml import etree

from mobb_sdk import _namespaces as ns
from mobb_sdk._errors import (
    ArgumentTypeError,
    DocumentTypeError,
    InvalidValueError,
    StorageError,
    ValidationError,
)
from mobb_sdk._ids import Bsn, Oin, checked_guids, guid_from_int, guids_from_bytes
from mobb_sdk._models import (
    Abonnement,
    AbonnementAanvraag,
    Batch,
    Bericht,
    BerichtResultaat,
    BerichtResultaten,
    Bijlage,
    FaultKind,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    VerwerkingsCode,
    VerwerkingsResultaat,
    decode_tekst,
    encode_tekst,
)
from mobb_sdk._schemas import DocumentKind, fault_kind, kind_of
from mobb_sdk._violations import Violation
from mobb_sdk._xml import XmlSource, parse_xml
from mobb_sdk._xsd_validation import guid_bytes, valid_but_guids, validate_tree

__all__ = [
    "BatchXml",
    "Model",
    "batch_skeleton_valid",
    "checked_guid",
    "from_soap",
    "from_xml",
    "read_bericht",
    "skeleton_violations",
    "soap_body_child",
    "to_soap",
    "to_xml",
    "write_batch",
]

Model = (
    Batch
    | VerwerkingsResultaat
    | ValidateAbonnementenAanvraag
    | ValidateAbonnementenAntwoord
    | AbonnementAanvraag
)
M = TypeVar("M", bound=Model)

#: Naive xs:dateTime values from a foreign document are read as Dutch local time.
DUTCH_TIME: Final = ZoneInfo("Europe/Amsterdam")

_Q = ns.qname
_BVS = {"bvs": ns.BVS, "ber": ns.BER}
_XSI_NIL = _Q(ns.XSI, "nil")

# Clark names, built once: the writers below run a thousand times per batch.
T_BERICHTEN = _Q(ns.BVS, "Berichten")
T_BATCH_INFO = _Q(ns.BVS, "BatchInformatie")
T_BATCH_ID = _Q(ns.BVS, "BatchID")
T_AANMAAK = _Q(ns.BVS, "AanmaakDatum")
T_LEVERANCIER = _Q(ns.BVS, "BerichtLeverancierID")
T_BERICHT = _Q(ns.BER, "Bericht")
T_INFO = _Q(ns.BER, "BerichtInformatie")
T_B_BATCH_ID = _Q(ns.BER, "BatchID")
T_B_ID = _Q(ns.BER, "BerichtID")
T_B_TYPE = _Q(ns.BER, "BerichtType")
T_PUBLICATIE = _Q(ns.BER, "PublicatieDatum")
T_EIND = _Q(ns.BER, "EindDatumHandelingsTermijn")
T_ONDERWERP = _Q(ns.BER, "Onderwerp")
T_TEKST = _Q(ns.BER, "BerichtTekst")
T_REFERENTIE = _Q(ns.BER, "Referentie")
T_GEBRUIKER = _Q(ns.BER, "GebruikerID")
T_SOORT = _Q(ns.BER, "SoortGebruiker")
T_BIJLAGEN = _Q(ns.BER, "Bijlagen")
T_BIJLAGE = _Q(ns.BER, "Bijlage")
T_INHOUD = _Q(ns.BER, "Inhoud")
T_BIJLAGE_TYPE = _Q(ns.BER, "BijlageType")
T_OMSCHRIJVING = _Q(ns.BER, "Omschrijving")
T_VOLGORDE = _Q(ns.BER, "Volgorde")

T_RESPONSE = _Q(ns.BVS, "BerichtVerwerkResponse")
T_RES_BERICHT = _Q(ns.RES, "Bericht")

T_ENVELOPE = _Q(ns.SOAP11, "Envelope")
T_BODY = _Q(ns.SOAP11, "Body")
T_FAULT = _Q(ns.SOAP11, "Fault")
T_VALIDATE = _Q(ns.VAL, "ValidateAbonnementen")
T_VALIDATE_AANVRAAG = _Q(ns.VAL, "validateAbonnementenAanvraag")
T_VALIDATE_RESPONSE = _Q(ns.VAL, "ValidateAbonnementenResponse")
T_VALIDATE_RESULT = _Q(ns.VAL, "ValidateAbonnementenResult")
T_LEVERANCIER_CODE = _Q(ns.VALT, "berichtleverancierCode")
T_TYPE_CODE = _Q(ns.VALT, "berichtTypeCode")
T_KLANTEN = _Q(ns.VALT, "klanten")
T_ABONNEMENT = _Q(ns.VALT, "Abonnement")
T_KLANT_LOWER = _Q(ns.VALT, "klant")
T_IS_BERICHT_STUREN = _Q(ns.VALT, "isBerichtSturen")
T_KEY = _Q(ns.SH, "Key")
T_ROL = _Q(ns.SH, "Rol")
T_MESSAGE = _Q(ns.SH, "Message")

T_ABO = _Q(ns.ABO, "AbonnementAanvraag")

_RESULT_COUNTERS: Final = (
    ("TotaalAantalOntvangenBerichten", "totaal_aantal_ontvangen"),
    ("AantalBerichtenSuccesvolVerwerkt", "aantal_succesvol_verwerkt"),
    ("AantalBerichtenGeenActieveBoxOfGeabonneertOpLeverancier", "aantal_geen_actieve_box_of_geabonneerd"),
    ("AantalBerichtenMetTechnischProbleem", "aantal_technisch_probleem"),
    ("AantalBerichtenBerichtTypeNietCorrect", "aantal_bericht_type_niet_correct"),
    ("AantalBerichtenPublicatieDatumNietCorrect", "aantal_publicatie_datum_niet_correct"),
    ("AantalBerichtenAanmaakDatumNietCorrect", "aantal_aanmaak_datum_niet_correct"),
)

SubElement = etree.SubElement


# --- values ---------------------------------------------------------------------------------------------


def format_datetime(value: datetime) -> str:
    """xs:dateTime with its offset (models hold timezone-aware datetimes only)."""
    return value.isoformat()


def parse_datetime(text: str) -> datetime:
    """An xs:dateTime as an aware datetime (naive values are Dutch time).

    ``T24:00:00`` (xs:dateTime's end of day) becomes midnight of the next day. Years outside 1..9999
    pass the XSD but have no Python datetime: they raise ``ValueError``, which readers report.
    """
    text = text.strip()
    end_of_day = "T24:00:00" in text
    if end_of_day:
        text = text.replace("T24:00:00", "T00:00:00", 1)
    value = datetime.fromisoformat(text)
    if end_of_day:
        value += timedelta(days=1)
    return value if value.tzinfo is not None else value.replace(tzinfo=DUTCH_TIME)


def _text(el: etree._Element) -> str:
    """An element's text as the XSD read it: with a comment inside, the text on both sides of it."""
    if len(el):  # children of a simple-typed element can only be comments (or PIs)
        return "".join(el.itertext())  # type: ignore[arg-type] # str for a str tree
    return el.text or ""


def _is_nil(el: etree._Element) -> bool:
    return el.get(_XSI_NIL) in ("true", "1")


# --- the batch request ------------------------------------------------------------------------------------


def _add_bericht(
    parent: etree._Element, bericht: Bericht, batch_id: str, inhoud: Callable[[Bijlage], str]
) -> None:
    el = SubElement(parent, T_BERICHT)
    info = SubElement(el, T_INFO)
    SubElement(info, T_B_BATCH_ID).text = batch_id
    SubElement(info, T_B_ID).text = str(bericht.bericht_id)
    SubElement(info, T_B_TYPE).text = bericht.bericht_type
    if bericht.publicatie_datum is not None:
        SubElement(info, T_PUBLICATIE).text = format_datetime(bericht.publicatie_datum)
    if bericht.eind_datum_handelings_termijn is not None:
        SubElement(info, T_EIND).text = format_datetime(bericht.eind_datum_handelings_termijn)
    SubElement(info, T_ONDERWERP).text = bericht.onderwerp
    if bericht.bericht_tekst is not None:
        SubElement(info, T_TEKST).text = encode_tekst(bericht.bericht_tekst)
    if bericht.referentie is not None:
        SubElement(info, T_REFERENTIE).text = bericht.referentie
    SubElement(info, T_GEBRUIKER).text = bericht.bsn.value
    SubElement(info, T_SOORT).text = bericht.soort_gebruiker.value
    if bericht.bijlagen:
        bijlagen = SubElement(el, T_BIJLAGEN)
        for bijlage in bericht.bijlagen:
            b = SubElement(bijlagen, T_BIJLAGE)
            SubElement(b, T_INHOUD).text = inhoud(bijlage)
            SubElement(b, T_BIJLAGE_TYPE).text = bijlage.bijlage_type.value
            SubElement(b, T_OMSCHRIJVING).text = bijlage.omschrijving
            SubElement(b, T_VOLGORDE).text = str(bijlage.volgorde)


def _batch_root(batch: Batch) -> etree._Element:
    root = etree.Element(T_BERICHTEN, nsmap=_BVS)
    info = SubElement(root, T_BATCH_INFO)
    SubElement(info, T_BATCH_ID).text = str(batch.batch_id)
    SubElement(info, T_AANMAAK).text = format_datetime(batch.aanmaak_datum)
    SubElement(info, T_LEVERANCIER).text = batch.afzender.value
    return root


def _base64(bijlage: Bijlage) -> str:
    return base64.b64encode(bijlage.inhoud).decode("ascii")


# Stands in for attachment content when only the rest of a batch needs the XSD's word: the content
# itself is base64 we encoded from non-empty bytes, valid by construction.
_PLACEHOLDER: Final = "AA=="


def _placeholder(_: Bijlage) -> str:
    return _PLACEHOLDER


def batch_tree(batch: Batch, *, with_content: bool = True) -> etree._Element:
    """The batch as an lxml tree (attachment content replaced by a placeholder when not ``with_content``)."""
    root = _batch_root(batch)
    batch_id = str(batch.batch_id)
    inhoud = _base64 if with_content else _placeholder
    for bericht in batch.berichten:
        _add_bericht(root, bericht, batch_id, inhoud)
    return root


def batch_skeleton_valid(batch: Batch) -> tuple[Violation, ...]:
    """XSD violations of the batch, checked without the attachment content (see :data:`_PLACEHOLDER`)."""
    return skeleton_violations(batch, batch_tree(batch, with_content=False))


def skeleton_violations(batch: Batch, skeleton: etree._Element) -> tuple[Violation, ...]:
    """What the XSD says of ``batch``, from its skeleton (``batch_tree(batch, with_content=False)``).

    The placeholder stands in for content we base64-encode ourselves, which the XSD can only refuse
    when it is empty (``Inhoud`` has minLength 1): that is checked here on the bytes, so the verdict is
    the XSD's on the whole document.
    """
    violations = list(validate_tree(skeleton, DocumentKind.BATCH).violations)
    for i, bericht in enumerate(batch.berichten, start=1):
        for j, bijlage in enumerate(bericht.bijlagen, start=1):
            if not bijlage.inhoud:
                violations.append(
                    Violation(
                        "BIJ-06",
                        f"/Berichten/Bericht[{i}]/Bijlagen/Bijlage[{j}]/Inhoud",
                        "an attachment's Inhoud is empty; the XSD asks for at least one byte",
                        letter=i - 1,
                    )
                )
    return tuple(violations)


def _decode_batch(root: etree._Element) -> Batch:
    problems: list[Violation] = []
    info = root[0]
    batch_id = uuid.UUID(_text(info[0]))
    afzender = _guarded(problems, "afzender", lambda: Oin(_text(info[2])))
    berichten: list[Bericht] = []
    for i, el in enumerate(root.iterchildren(T_BERICHT)):
        path = f"berichten[{i}]"
        fields = {child.tag: child for child in el[0]}
        if uuid.UUID(_text(fields[T_B_BATCH_ID])) != batch_id:
            problems.append(
                Violation(
                    "BATCH-03",
                    f"{path}.batch_id",
                    "the letter's BatchID differs from the batch's BatchID",
                    letter=i,
                )
            )
        bericht = _guarded(problems, path, partial(_decode_bericht, el, fields), letter=i)
        if bericht is not None:
            berichten.append(bericht)
    if problems or afzender is None:
        raise ValidationError(problems, f"{len(problems)} problem(s) in the batch")
    return Batch(
        afzender=afzender,
        berichten=berichten,
        batch_id=batch_id,
        aanmaak_datum=parse_datetime(_text(info[1])),
    )


def _optional(fields: dict[Any, etree._Element], tag: str, convert: Callable[[str], Any] = str) -> Any:
    el = fields.get(tag)
    return None if el is None else convert(_text(el))


def checked_guid(text: str) -> uuid.UUID:
    """The GUID of a text the XSD's guid pattern has checked: ``uuid.UUID(text)`` without re-checking
    (a third of the cost; a batch or result holds up to 1000)."""
    return guid_from_int(int(text.replace("-", ""), 16))


def _decode_bericht(
    el: etree._Element, fields: dict[Any, etree._Element], bericht_id: uuid.UUID | None = None
) -> Bericht:
    """The letter of ``el``; ``bericht_id`` when the caller has read (and checked) it already."""
    bijlagen: list[Bijlage] = []
    if len(el) > 1:
        for b in el[1]:
            parts = {child.tag: child for child in b}
            bijlagen.append(
                Bijlage(
                    inhoud=base64.b64decode(_text(parts[T_INHOUD])),
                    omschrijving=_text(parts[T_OMSCHRIJVING]),
                    volgorde=int(_text(parts[T_VOLGORDE])),
                    bijlage_type=_text(parts[T_BIJLAGE_TYPE]),
                )
            )
    return Bericht(
        bsn=_text(fields[T_GEBRUIKER]),
        bericht_type=_text(fields[T_B_TYPE]),
        onderwerp=_text(fields[T_ONDERWERP]),
        bericht_tekst=_optional(fields, T_TEKST, decode_tekst),
        referentie=_optional(fields, T_REFERENTIE),
        publicatie_datum=_optional(fields, T_PUBLICATIE, parse_datetime),
        eind_datum_handelings_termijn=_optional(fields, T_EIND, parse_datetime),
        bijlagen=bijlagen,
        bericht_id=_text(fields[T_B_ID]) if bericht_id is None else bericht_id,
        soort_gebruiker=_text(fields[T_SOORT]),
    )


def read_bericht(
    el: etree._Element, *, bericht_id: uuid.UUID | None = None, bsn: str | None = None
) -> Bericht:
    """The letter of one ``ber:Bericht`` element the XSD has passed, read on its own (not via its batch).

    ``bericht_id`` when the caller has read (and checked) it already; ``bsn`` reads the letter with that
    GebruikerID instead of its own, so a reader that judges BER-09 itself (the simulator) still gets the
    rest of the letter. A value the models refuse raises as the models do (a ``ValueError``).
    """
    fields = {child.tag: child for child in el[0]}
    if bsn is not None:
        gebruiker = etree.Element(T_GEBRUIKER)
        gebruiker.text = bsn
        fields[T_GEBRUIKER] = gebruiker
    return _decode_bericht(el, fields, bericht_id)


_G = TypeVar("_G")


def _guarded(
    problems: list[Violation], path: str, build: Callable[[], _G], *, letter: int | None = None
) -> _G | None:
    """Build a model part; a rule it breaks becomes a violation at ``path`` instead of an exception."""
    try:
        return build()
    except InvalidValueError as exc:
        problems.append(Violation(exc.rule, f"{path}.{exc.field}", exc.message, letter=letter))
        return None


# --- streaming a large batch -------------------------------------------------------------------------------

# A multiple of 9: base64 of each chunk joins without padding, and is itself a multiple of 3 bytes, so a
# second base64 (the ebMS JSON body) encodes it as it comes, without re-chunking.
_CHUNK: Final = 9 * 16 * 1024

#: A placeholder attachment as lxml serialises it. Only markup can hold these bytes: text and attribute
#: values escape ``<``. Splitting a skeleton's bytes on it leaves, between the parts, the places where the
#: attachments go, in document order.
_PLACEHOLDER_INHOUD: Final = f"<ber:Inhoud>{_PLACEHOLDER}</ber:Inhoud>".encode("ascii")
_INHOUD_OPEN: Final = b"<ber:Inhoud>"
_INHOUD_CLOSE: Final = b"</ber:Inhoud>"


def _root_tags() -> tuple[bytes, bytes]:
    """The batch root's start and end tag exactly as lxml serialises them (prefixes declared once)."""
    root = etree.Element(T_BERICHTEN, nsmap=_BVS)
    SubElement(root, T_BATCH_INFO)
    data = etree.tostring(root, encoding="utf-8")
    return data[: data.index(b"<bvs:BatchInformatie")], data[data.rindex(b"</") :]


_ROOT_OPEN, _ROOT_CLOSE = _root_tags()

#: Letters serialised at once by :func:`stream_batch`: per group one lxml call instead of one per letter;
#: a group also ends at :data:`_GROUP_BYTES` of attachment content, so memory stays bounded per letter.
_GROUP_LETTERS: Final = 100
_GROUP_BYTES: Final = 4 * 1024 * 1024


@contextmanager
def _open_target(target: str | os.PathLike[str] | IO[bytes]) -> Iterator[IO[bytes]]:
    if isinstance(target, str | os.PathLike):
        with Path(target).open("wb") as f:
            yield f
    else:
        yield target


def _spliced(skeleton: bytes, bijlagen: Iterable[Bijlage]) -> Iterator[bytes]:
    """The bytes of a serialised skeleton with each placeholder replaced by its attachment's base64,
    encoded in chunks as they are consumed (one attachment is never held encoded)."""
    parts = skeleton.split(_PLACEHOLDER_INHOUD)
    yield parts[0]
    # strict: a skeleton not built from these attachments raises ValueError rather than write a wrong batch
    for bijlage, part in zip(bijlagen, parts[1:], strict=True):
        yield _INHOUD_OPEN
        data = memoryview(bijlage.inhoud)
        for start in range(0, len(data), _CHUNK):
            yield base64.b64encode(data[start : start + _CHUNK])
        yield _INHOUD_CLOSE
        yield part


class BatchXml:
    """A batch's XML ready to be streamed: its serialised skeleton (everything but the attachments'
    content) and the attachments, base64-encoded in chunks only as :meth:`chunks` is consumed.

    The bytes are those of :func:`to_xml`; memory holds the skeleton, not the encoded attachments.
    ``skeleton`` is ``batch_tree(batch, with_content=False)`` when the caller has it (after its XSD
    check, say). :meth:`chunks` can be iterated again and gives the same bytes (a retry, RES-04).
    """

    __slots__ = ("_bijlagen", "_skeleton", "size")

    def __init__(self, batch: Batch, skeleton: etree._Element | None = None) -> None:
        tree = batch_tree(batch, with_content=False) if skeleton is None else skeleton
        self._skeleton = etree.tostring(tree, encoding="utf-8", xml_declaration=True)
        self._bijlagen = tuple(bijlage for bericht in batch.berichten for bijlage in bericht.bijlagen)
        #: The document's size in bytes: each placeholder's four characters become 4·⌈n/3⌉.
        self.size = len(self._skeleton) + sum(
            4 * -(-len(b.inhoud) // 3) - len(_PLACEHOLDER) for b in self._bijlagen
        )

    def chunks(self) -> Iterator[bytes]:
        """The document in pieces (large ones a multiple of 3 bytes: see :data:`_CHUNK`)."""
        return _spliced(self._skeleton, self._bijlagen)


def write_batch(batch: Batch, target: str | os.PathLike[str] | IO[bytes], *, validate: bool = True) -> int:
    """Stream ``batch`` as XML to a file path or binary file and return the number of bytes written.

    The bytes are those of :func:`to_xml`. Attachment content is base64-encoded in chunks straight into
    the output, so memory holds the letters' skeleton (everything but that content), not the encoded
    document. With ``validate`` (the default) the skeleton is first checked against the XSD (the content
    itself is base64 encoded from non-empty bytes here, valid by construction, see
    :func:`batch_skeleton_valid`); on a violation nothing is written and
    :class:`~mobb_sdk.ValidationError` is raised.
    """
    if not isinstance(batch, Batch):
        raise ArgumentTypeError(f"write_batch writes a Batch, got {type(batch).__name__}")
    skeleton = batch_tree(batch, with_content=False)
    if validate:
        violations = skeleton_violations(batch, skeleton)
        if violations:
            raise ValidationError(violations, "the batch does not satisfy the XSD; nothing was written")
    written = 0
    try:
        with _open_target(target) as out:
            for chunk in BatchXml(batch, skeleton).chunks():
                out.write(chunk)
                written += len(chunk)
    except OSError as exc:
        raise StorageError(
            f"cannot write the batch to {target}: {exc.strerror or exc}", path=target
        ) from None
    return written


def stream_batch(
    out: IO[bytes],
    *,
    batch_id: uuid.UUID,
    aanmaak_datum: datetime,
    afzender: str,
    berichten: Iterable[Bericht],
) -> int:
    """Write a batch from its parts, pulling one letter at a time from ``berichten``; the bytes written.

    What :func:`write_batch` writes, for callers that hold the letters elsewhere (the outbox reads them
    from its store): no check is made here. Letters are serialised in small groups (see
    :data:`_GROUP_LETTERS`), so at most a group's letters are held at a time.
    """
    header = etree.Element(T_BERICHTEN, nsmap=_BVS)
    info = SubElement(header, T_BATCH_INFO)
    SubElement(info, T_BATCH_ID).text = str(batch_id)
    SubElement(info, T_AANMAAK).text = format_datetime(aanmaak_datum)
    SubElement(info, T_LEVERANCIER).text = afzender
    head = etree.tostring(header, encoding="utf-8", xml_declaration=True)[: -len(_ROOT_CLOSE)]
    out.write(head)
    written = len(head)
    key = str(batch_id)
    group: list[Bericht] = []
    group_bytes = 0
    for bericht in berichten:
        group.append(bericht)
        group_bytes += sum(len(b.inhoud) for b in bericht.bijlagen)
        if len(group) >= _GROUP_LETTERS or group_bytes >= _GROUP_BYTES:
            written += _write_group(out, group, key)
            group, group_bytes = [], 0
    if group:
        written += _write_group(out, group, key)
    out.write(_ROOT_CLOSE)
    return written + len(_ROOT_CLOSE)


def _write_group(out: IO[bytes], group: list[Bericht], batch_id: str) -> int:
    holder = etree.Element(T_BERICHTEN, nsmap=_BVS)  # the real root's namespace scope, so tags match
    for bericht in group:
        _add_bericht(holder, bericht, batch_id, _placeholder)
    data = etree.tostring(holder, encoding="utf-8")
    if not (data.startswith(_ROOT_OPEN) and data.endswith(_ROOT_CLOSE)):  # pragma: no cover - lxml's form
        raise RuntimeError("unexpected serialisation of the batch root")
    body = data[len(_ROOT_OPEN) : -len(_ROOT_CLOSE)]
    written = 0
    for chunk in _spliced(body, (bijlage for bericht in group for bijlage in bericht.bijlagen)):
        out.write(chunk)
        written += len(chunk)
    return written


# --- the processing result --------------------------------------------------------------------------------


def _result_tree(result: VerwerkingsResultaat) -> etree._Element:
    root = etree.Element(T_RESPONSE, nsmap={"bvs": ns.BVS, "res": ns.RES, "xsi": ns.XSI})
    info = SubElement(root, "BatchInformatie")
    SubElement(info, "BerichtLeverancierCode").text = result.berichtleverancier_code
    SubElement(info, "BatchID").text = str(result.batch_id)
    for tag, attr in _RESULT_COUNTERS:
        SubElement(info, tag).text = str(getattr(result, attr))
    SubElement(info, "DatumOntvangen").text = format_datetime(result.datum_ontvangen)
    SubElement(info, "DatumVerwerkt").text = format_datetime(result.datum_verwerkt)
    try:
        # Up to 1000 letters of four children: written as text and parsed once, four times faster than
        # an element at a time. lxml drops the wrapper's declarations that root already makes. An empty
        # text would come back as <X/> where the element path writes <X></X>: those go that way.
        if not all(b.bericht_type and b.stadium != "" for b in result.berichten):
            raise ValueError("an empty text")
        root.append(etree.fromstring(_RESULT_BERICHTEN.format("".join(map(_result_line, result.berichten)))))
    except (etree.XMLSyntaxError, ValueError):
        # Or a text XML cannot carry (a control character): build it element by element, where lxml
        # refuses it with its own ValueError, as it always has.
        berichten = SubElement(root, "Berichten")
        for b in result.berichten:
            el = SubElement(berichten, T_RES_BERICHT)
            SubElement(el, "BerichtID").text = str(b.bericht_id)
            SubElement(el, "BerichtType").text = b.bericht_type
            SubElement(el, "VerwerkingsCode").text = b.verwerkings_code.value
            stadium = SubElement(el, "Stadium")  # always written (spec section 4)
            if b.stadium is None:
                stadium.set(_XSI_NIL, "true")
            else:
                stadium.text = b.stadium
    return root


_RESULT_BERICHTEN: Final = f'<Berichten xmlns:res="{ns.RES}" xmlns:xsi="{ns.XSI}">{{}}</Berichten>'
_NEEDS_ESCAPE: Final = re.compile("[&<>\r]")
_ESCAPES: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def _escape(text: str) -> str:
    """Text for element content (a CR as a reference, or parsing would turn it into LF)."""
    return _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], text) if _NEEDS_ESCAPE.search(text) else text


def _result_line(b: BerichtResultaat) -> str:
    stadium = '<Stadium xsi:nil="true"/>' if b.stadium is None else f"<Stadium>{_escape(b.stadium)}</Stadium>"
    return (
        f"<res:Bericht><BerichtID>{b.bericht_id}</BerichtID><BerichtType>{_escape(b.bericht_type)}"
        f"</BerichtType><VerwerkingsCode>{b.verwerkings_code.value}</VerwerkingsCode>{stadium}</res:Bericht>"
    )


_CODES: Final = {c.value: c for c in VerwerkingsCode}
_new = object.__new__
# The slots' own setters: BerichtResultaat is frozen, and these bypass its refusing __setattr__ (as
# guid_from_int does for a UUID); the loop over a thousand letters runs a column at a time in C.
_set_id, _set_type, _set_code, _set_stadium = (
    BerichtResultaat.__dict__[name].__set__
    for name in ("bericht_id", "bericht_type", "verwerkings_code", "stadium")
)

#: The elements of a result whose GUID pattern :func:`_result_guids` checks (valid_but_guids leaves it).
_RESULT_GUIDS: Final = frozenset({"BatchID", "BerichtID"})

# Run on Berichten. One XPath gathers every letter's texts in C, far cheaper than touching a thousand
# elements from Python: node(), not text(), so that a comment inside a text shows (as an element).
_RESULT_TEXTS = etree.XPath("*/*/node()", smart_strings=False)
_COUNT = etree.XPath("count(*)")


def _found(path: etree.XPath, el: etree._Element) -> list[Any]:
    """The node-set ``path`` selects from ``el``: texts as ``str``, anything else as an element."""
    return path(el)  # type: ignore[return-value] # a node-set is a list


def _elements(el: etree._Element) -> int:
    """How many child elements ``el`` has (comments and PIs not counted, as ``len`` would)."""
    return int(_COUNT(el))  # type: ignore[arg-type] # count() is a float


class _ResultRows(Sequence[tuple[str, str, str, str | None]]):
    """The letters' BerichtID, BerichtType, VerwerkingsCode and Stadium (``None`` when nil or absent),
    kept as one flat list of four texts per letter; a row is made only when one is asked for. ``guids``,
    when known, holds the BerichtIDs as 16 bytes each (:func:`_result_guids`)."""

    __slots__ = ("guids", "texts")

    def __init__(self, texts: list[str | None], guids: bytes | None = None) -> None:
        self.texts = texts
        self.guids = guids

    def __len__(self) -> int:
        return len(self.texts) // 4

    @overload
    def __getitem__(self, i: int) -> tuple[str, str, str, str | None]: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[tuple[str, str, str, str | None]]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        start = 4 * range(len(self))[i]
        return tuple(self.texts[start : start + 4])


def _trusted_row(row: tuple[str, str, str, str | None]) -> BerichtResultaat:
    """One row of :class:`_ResultRows` as a BerichtResultaat (see :func:`_trusted_rows`)."""
    return _trusted_rows(_ResultRows(list(row)))[0]


def _trusted_rows(rows: Sequence[tuple[str, str, str, str | None]]) -> list[BerichtResultaat]:
    """BerichtResultaat objects from texts the XSD has just checked, all at once: no attrs converters,
    no UUID argument checks (the guid pattern held); what ``uuid.UUID(text)`` and the attrs
    ``__init__`` end with. Each step is a ``map`` over a column, a loop in C: a third of the cost of
    the checked constructors (a result holds up to 1000 letters)."""
    assert isinstance(rows, _ResultRows)  # noqa: S101 - the only rows the codec makes
    texts = rows.texts
    n = len(rows)
    ids: list[str] = texts[0::4]  # type: ignore[assignment] # never None
    guids = checked_guids(ids) if rows.guids is None else guids_from_bytes(rows.guids)
    built: list[BerichtResultaat] = list(map(_new, repeat(BerichtResultaat, n)))
    _drain(map(_set_id, built, guids))
    _drain(map(_set_type, built, texts[1::4]))
    _drain(map(_set_code, built, map(_CODES.__getitem__, texts[2::4])))  # type: ignore[arg-type]
    _drain(map(_set_stadium, built, texts[3::4]))
    return built


def _drain(steps: Iterator[object]) -> None:
    deque(steps, maxlen=0)


def _child(parent: etree._Element, tag: str) -> etree._Element:
    """The child element ``tag`` (a comment or PI may stand before it, so not by position)."""
    found = parent.find(tag)
    if found is None:
        raise KeyError(tag)
    return found


def _all_texts(nodes: list[Any]) -> bool:
    """Whether every node an XPath gave is a text (a comment or PI comes as an element)."""
    try:
        "".join(nodes)
    except TypeError:
        return False
    return True


def _result_rows(berichten: etree._Element, n: int, guids: bytes | None, parsed_here: bool) -> _ResultRows:
    """Every letter's BerichtID, BerichtType, VerwerkingsCode and Stadium, of a checked result.

    ``parsed_here``: the tree comes straight from :func:`~mobb_sdk._xml.parse_xml`, whose parser joins
    the text of an element into one node (no CDATA node, no PI). The XSD gave each letter at most four
    children without elements inside, so 4n nodes that are all texts are every letter's four texts in
    order: one XPath. Otherwise (an empty text, a nil or absent Stadium, a comment inside a text, a tree
    built elsewhere): letter by letter.
    """
    if parsed_here:
        nodes = _found(_RESULT_TEXTS, berichten)
        if len(nodes) == 4 * n and _all_texts(nodes):
            return _ResultRows(nodes, guids)
    return _ResultRows(_texts_by_letter(berichten), guids)


def _texts_by_letter(berichten: etree._Element) -> list[str | None]:
    """The four texts of each letter, read from its elements (``None`` for a nil or absent Stadium)."""
    texts: list[str | None] = []
    for el in berichten.iterchildren(T_RES_BERICHT):
        children = list(el.iterchildren(etree.Element))
        stadium = None if len(children) < 4 or _is_nil(children[3]) else _text(children[3])
        texts += (_text(children[0]), _text(children[1]), _text(children[2]), stadium)
    return texts


def _result_guids(root: etree._Element) -> bytes | None:
    """The BatchID and then every BerichtID as 16 bytes each, when the result satisfies the XSD; ``None``
    when the full check (:func:`validate_tree`) has to decide, for a document that fails it or a GUID
    not written in ASCII.

    What validate_tree does first for any document (libxml2 without the guid pattern, then the GUIDs
    in one pass: see :func:`valid_but_guids`), here keeping the GUIDs it reads for the letters' UUIDs.
    Only documents the XSD accepts pass; the few it accepts that fail here (a GUID in another script's
    digits) go through the full check, which accepts them.
    """
    names = valid_but_guids(root, DocumentKind.RESULT)
    if names != _RESULT_GUIDS:
        return None
    raw = guid_bytes(root, names)  # document order: BatchInformatie's BatchID comes first
    if raw is None or len(raw) != 16 * (1 + _elements(_child(root, "Berichten"))):
        return None
    return raw


def _decode_result(
    root: etree._Element, *, trusted: bool, guids: bytes | None, parsed_here: bool
) -> VerwerkingsResultaat:
    """The result model. ``trusted`` when the XSD has just passed the document: the letters are then
    built on first use (see :class:`~mobb_sdk.BerichtResultaten`), through the checked-already path;
    ``guids`` are those :func:`_result_guids` read, ``parsed_here`` as for :func:`_result_rows`."""
    info_el, berichten_el = _child(root, "BatchInformatie"), _child(root, "Berichten")
    info = {child.tag: child for child in info_el}
    berichten: BerichtResultaten | list[BerichtResultaat]
    if trusted:
        n = _elements(berichten_el)
        letters = guids[16:] if guids is not None else None
        berichten = BerichtResultaten.lazy(
            n, partial(_result_rows, berichten_el, n, letters, parsed_here), _trusted_row, _trusted_rows
        )
    else:
        rows = _ResultRows(_texts_by_letter(berichten_el))
        berichten = [BerichtResultaat(uuid.UUID(i), t, _CODES[c], s) for i, t, c, s in rows]
    counters = {attr: int(_text(info[tag])) for tag, attr in _RESULT_COUNTERS}
    return VerwerkingsResultaat(
        berichtleverancier_code=_text(info["BerichtLeverancierCode"]),
        batch_id=_text(info["BatchID"]),
        datum_ontvangen=parse_datetime(_text(info["DatumOntvangen"])),
        datum_verwerkt=parse_datetime(_text(info["DatumVerwerkt"])),
        berichten=berichten,
        **counters,
    )


# --- ValidateAbonnementen (WUS) ----------------------------------------------------------------------------


def _add_klant(parent: etree._Element, tag: str, bsn: Bsn | None) -> None:
    klant = SubElement(parent, tag)
    key = SubElement(klant, T_KEY)
    if bsn is None:
        key.set(_XSI_NIL, "true")
    else:
        key.text = bsn.value
    SubElement(klant, T_ROL).text = "Burger"


def _validate_request_tree(request: ValidateAbonnementenAanvraag) -> etree._Element:
    root = etree.Element(T_VALIDATE, nsmap={"val": ns.VAL, "valt": ns.VALT, "sh": ns.SH})
    aanvraag = SubElement(root, T_VALIDATE_AANVRAAG)
    SubElement(aanvraag, T_LEVERANCIER_CODE).text = request.berichtleverancier.value
    SubElement(aanvraag, T_TYPE_CODE).text = request.bericht_type
    # Up to 250 Klanten: written as text and parsed once, ten times faster than an element at a time.
    # Safe as text: a Bsn holds nine ASCII digits and nothing else.
    klanten = "".join(
        f"<sh:Klant><sh:Key>{bsn.value}</sh:Key><sh:Rol>Burger</sh:Rol></sh:Klant>" for bsn in request.bsns
    )
    aanvraag.append(
        etree.fromstring(f'<valt:klanten xmlns:valt="{ns.VALT}" xmlns:sh="{ns.SH}">{klanten}</valt:klanten>')
    )
    return root


def _validate_response_tree(answer: ValidateAbonnementenAntwoord) -> etree._Element:
    root = etree.Element(
        T_VALIDATE_RESPONSE, nsmap={"val": ns.VAL, "valt": ns.VALT, "sh": ns.SH, "xsi": ns.XSI}
    )
    result = SubElement(root, T_VALIDATE_RESULT)
    for abonnement in answer.abonnementen:
        el = SubElement(result, T_ABONNEMENT)
        _add_klant(el, T_KLANT_LOWER, abonnement.bsn)
        SubElement(el, T_IS_BERICHT_STUREN).text = "true" if abonnement.mag_ontvangen else "false"
    return root


def _nillable_text(el: etree._Element | None) -> str | None:
    return None if el is None or _is_nil(el) else _text(el)


def _decode_validate_request(root: etree._Element) -> ValidateAbonnementenAanvraag:
    problems: list[Violation] = []
    aanvraag = root.find(T_VALIDATE_AANVRAAG)
    fields = {} if aanvraag is None or _is_nil(aanvraag) else {child.tag: child for child in aanvraag}
    leverancier = _nillable_text(fields.get(T_LEVERANCIER_CODE))
    bericht_type = _nillable_text(fields.get(T_TYPE_CODE))
    klanten = fields.get(T_KLANTEN)
    keys = [] if klanten is None else [_nillable_text(k.find(T_KEY)) for k in klanten]
    bsns = [k for k in keys if k is not None]
    if leverancier is None:
        problems.append(Violation("XSD", "berichtleverancier", "berichtleverancierCode is missing or nil"))
    if bericht_type is None:
        problems.append(Violation("XSD", "bericht_type", "berichtTypeCode is missing or nil"))
    if len(bsns) != len(keys):
        problems.append(Violation("BER-09", "bsns", "a Klant has no Key (BSN)"))
    if leverancier is None or bericht_type is None or problems:
        raise ValidationError(problems, "the ValidateAbonnementen request is incomplete")
    oin, type_code = leverancier, bericht_type
    result = _guarded(
        problems,
        "aanvraag",
        lambda: ValidateAbonnementenAanvraag(berichtleverancier=oin, bericht_type=type_code, bsns=bsns),
    )
    if result is None:
        raise ValidationError(problems, "the ValidateAbonnementen request breaks a rule")
    return result


_WUS_NS: Final = {"val": ns.VAL, "valt": ns.VALT, "sh": ns.SH}
_ANSWER_KEYS = etree.XPath(
    "val:ValidateAbonnementenResult/valt:Abonnement/valt:klant/sh:Key/text()",
    namespaces=_WUS_NS,
    smart_strings=False,
)
_ANSWER_FLAGS = etree.XPath(
    "val:ValidateAbonnementenResult/valt:Abonnement/valt:isBerichtSturen/text()",
    namespaces=_WUS_NS,
    smart_strings=False,
)


def _decode_validate_response(root: etree._Element) -> ValidateAbonnementenAntwoord:
    result = root.find(T_VALIDATE_RESULT)
    if result is None:
        return ValidateAbonnementenAntwoord()
    keys: list[str] = _ANSWER_KEYS(root)  # type: ignore[assignment]
    flags: list[str] = _ANSWER_FLAGS(root)  # type: ignore[assignment]
    if len(keys) == len(flags) == len(result):
        # Every line has a BSN and a flag (nothing nil): take the columns, as for results.
        try:
            return ValidateAbonnementenAntwoord(
                [Abonnement(Bsn(k), f.strip() in ("true", "1")) for k, f in zip(keys, flags, strict=True)]
            )
        except InvalidValueError:
            pass  # a bad BSN: the line-by-line path below names it
    abonnementen = []
    problems: list[Violation] = []
    for i, el in enumerate(result.iterchildren(T_ABONNEMENT)):
        if _is_nil(el):
            continue
        klant = el.find(T_KLANT_LOWER)
        key = None if klant is None or _is_nil(klant) else _nillable_text(klant.find(T_KEY))
        sturen_el = el.find(T_IS_BERICHT_STUREN)
        sturen = sturen_el is not None and _text(sturen_el).strip() in ("true", "1")
        a = _guarded(problems, f"abonnementen[{i}]", partial(Abonnement, key, sturen))
        if a is not None:
            abonnementen.append(a)
    if problems:
        raise ValidationError(problems, "the ValidateAbonnementen answer names an invalid BSN")
    return ValidateAbonnementenAntwoord(abonnementen)


# --- AbonnementAanvraag (bulk) -----------------------------------------------------------------------------


def _abonnement_aanvraag_tree(aanvraag: AbonnementAanvraag) -> etree._Element:
    root = etree.Element(T_ABO, nsmap={"abo": ns.ABO})
    leverancier = SubElement(root, "BerichtLeverancier")
    SubElement(leverancier, "OIN").text = aanvraag.berichtleverancier.value
    SubElement(root, "VerzoekId").text = aanvraag.verzoek_id
    if aanvraag.bsns is not None:
        lijst = SubElement(root, "BSNLijst")
        for bsn in aanvraag.bsns:
            SubElement(lijst, "BSN").text = bsn.value
    elif aanvraag.mutatie_datum is not None:
        SubElement(root, "MutatieDatum").text = format_datetime(aanvraag.mutatie_datum)
    return root


def _decode_abonnement_aanvraag(root: etree._Element) -> AbonnementAanvraag:
    problems: list[Violation] = []
    oin = _text(root[0][0])
    verzoek_id = _text(root[1])
    bsns: list[str] | None = None
    mutatie: datetime | None = None
    if len(root) > 2:
        sel = root[2]
        if sel.tag == "BSNLijst":
            bsns = [_text(b) for b in sel]
        else:
            mutatie = parse_datetime(_text(sel))
    result = _guarded(
        problems, "aanvraag", lambda: AbonnementAanvraag(oin, verzoek_id, bsns=bsns, mutatie_datum=mutatie)
    )
    if result is None:
        raise ValidationError(problems, "the AbonnementAanvraag breaks a rule")
    return result


# --- the public functions ----------------------------------------------------------------------------------

_WRITERS: Final[dict[type, Callable[[Any], etree._Element]]] = {
    Batch: batch_tree,
    VerwerkingsResultaat: _result_tree,
    ValidateAbonnementenAanvraag: _validate_request_tree,
    ValidateAbonnementenAntwoord: _validate_response_tree,
    AbonnementAanvraag: _abonnement_aanvraag_tree,
}

_READERS: Final[dict[DocumentKind, Callable[[etree._Element], Any]]] = {
    DocumentKind.BATCH: _decode_batch,
    DocumentKind.WUS_REQUEST: _decode_validate_request,
    DocumentKind.WUS_RESPONSE: _decode_validate_response,
    DocumentKind.ABONNEMENT_AANVRAAG: _decode_abonnement_aanvraag,
}

_KIND_OF_MODEL: Final[dict[type, DocumentKind]] = {
    Batch: DocumentKind.BATCH,
    VerwerkingsResultaat: DocumentKind.RESULT,
    ValidateAbonnementenAanvraag: DocumentKind.WUS_REQUEST,
    ValidateAbonnementenAntwoord: DocumentKind.WUS_RESPONSE,
    AbonnementAanvraag: DocumentKind.ABONNEMENT_AANVRAAG,
}


def document_kind(model: Model) -> DocumentKind:
    """The kind of document a model is written as."""
    return _KIND_OF_MODEL[type(model)]


def to_tree(model: Model) -> etree._Element:
    """The model as an lxml element (the document root; WUS models without the SOAP envelope)."""
    try:
        writer = _WRITERS[type(model)]
    except KeyError:
        raise ArgumentTypeError(f"no XML form for {type(model).__name__}") from None
    return writer(model)


def to_xml(model: Model, *, validate: bool = False) -> bytes:
    """Serialise ``model`` as UTF-8 XML bytes.

    With ``validate`` the document is checked against the bundled XSD first and
    :class:`~mobb_sdk.ValidationError` is raised instead of returning an invalid document.
    """
    root = to_tree(model)
    if validate:
        report = validate_tree(root, _KIND_OF_MODEL[type(model)])
        if not report.ok:
            raise ValidationError(report.violations, "the document does not satisfy the XSD")
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def from_tree(root: etree._Element, *, validate: bool = True) -> Model:
    """The model of a parsed document (checked against the XSD first unless ``validate`` is false)."""
    return _from_tree(root, validate=validate, parsed_here=False)


def _from_tree(root: etree._Element, *, validate: bool, parsed_here: bool) -> Model:
    """:func:`from_tree`; ``parsed_here`` when ``root`` comes straight from :func:`parse_xml`."""
    kind = kind_of(root)
    guids = None
    if validate:
        guids = _result_guids(root) if kind is DocumentKind.RESULT else None
        if guids is None:
            report = validate_tree(root, kind)
            if not report.ok:
                raise ValidationError(
                    report.violations, f"the {kind.value} document does not satisfy the XSD"
                )
    try:
        if kind is DocumentKind.RESULT:
            model: Model = _decode_result(root, trusted=validate, guids=guids, parsed_here=parsed_here)
        else:
            model = _READERS[kind](root)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        if isinstance(exc, ValidationError):
            raise
        # Only reachable with validate=False: the XSD guarantees what the readers rely on.
        raise ValidationError([Violation("XSD", "/", f"cannot read the document: {exc}")]) from None
    return model


@overload
def from_xml(source: XmlSource, expected: type[M], *, validate: bool = True) -> M: ...
@overload
def from_xml(source: XmlSource, expected: None = None, *, validate: bool = True) -> Model: ...
def from_xml(source: XmlSource, expected: type[M] | None = None, *, validate: bool = True) -> Model:
    """Read a document of the interface (any prefixes) into its model.

    ``expected`` names the model wanted; another kind of document raises
    :class:`~mobb_sdk.DocumentTypeError`. A WUS document may come with or without its SOAP envelope.
    """
    root = parse_xml(source).getroot()
    if root.tag == T_ENVELOPE:
        root = soap_body_child(root)
        if root.tag == T_FAULT:
            raise DocumentTypeError("the SOAP envelope holds a Fault, not a document: use from_soap")
    model = _from_tree(root, validate=validate, parsed_here=True)
    if expected is not None and not isinstance(model, expected):
        raise DocumentTypeError(f"expected a {expected.__name__} document, got a {type(model).__name__}")
    return model


# --- SOAP 1.1 --------------------------------------------------------------------------------------------


def soap_body_child(envelope: etree._Element) -> etree._Element:
    """The one element inside a SOAP envelope's Body (the envelope unwrapped)."""
    body = envelope.find(T_BODY)
    if body is None or len(body) == 0:
        raise DocumentTypeError("the SOAP envelope has no Body content")
    return body[0]


def _check_soap_part(element: etree._Element, kind: DocumentKind) -> None:
    report = validate_tree(element, kind)
    if not report.ok:
        raise ValidationError(
            report.violations, f"the {kind.value} in the SOAP body does not satisfy the XSD"
        )


def to_soap(
    body: ValidateAbonnementenAanvraag | ValidateAbonnementenAntwoord | SoapFault, *, validate: bool = True
) -> bytes:
    """A SOAP 1.1 envelope around a WUS request, answer or fault (send it with SOAPAction
    :data:`~mobb_sdk.VALIDATE_ABONNEMENTEN_ACTION`).

    With ``validate`` (the default) the request, the answer or the fault's detail is checked against
    the bundled XSD first, and :class:`~mobb_sdk.ValidationError` is raised instead of writing it.
    """
    envelope = etree.Element(T_ENVELOPE, nsmap={"s": ns.SOAP11})
    soap_body = SubElement(envelope, T_BODY)
    if isinstance(body, SoapFault):
        fault = _fault_tree(body)
        if validate and body.kind is not None:
            detail_child = fault[-1][0]
            _check_soap_part(detail_child, fault_kind(detail_child))
        soap_body.append(fault)
    else:
        child = to_tree(body)
        if validate:
            _check_soap_part(child, _KIND_OF_MODEL[type(body)])
        soap_body.append(child)
    return etree.tostring(envelope, encoding="utf-8", xml_declaration=True)


def _fault_tree(fault: SoapFault) -> etree._Element:
    el = etree.Element(T_FAULT)
    SubElement(el, "faultcode").text = fault.faultcode
    SubElement(el, "faultstring").text = fault.faultstring
    if fault.kind is not None:
        detail = SubElement(el, "detail")
        kind_el = SubElement(detail, _Q(ns.SH, fault.kind.value), nsmap={"sh": ns.SH, "xsi": ns.XSI})
        message = SubElement(kind_el, T_MESSAGE)
        if fault.message is None:
            message.set(_XSI_NIL, "true")
        else:
            message.text = fault.message
    return el


def _decode_fault(el: etree._Element, *, validate: bool = True) -> SoapFault:
    code = el.find("faultcode")
    string = el.find("faultstring")
    kind: FaultKind | None = None
    message: str | None = None
    detail = el.find("detail")
    if detail is not None:
        for child in detail:
            for candidate in FaultKind:
                if child.tag == _Q(ns.SH, candidate.value):
                    if validate:
                        _check_soap_part(child, fault_kind(child))
                    kind = candidate
                    message = _nillable_text(child.find(T_MESSAGE))
    return SoapFault(
        faultcode=_text(code).strip() if code is not None else "",
        faultstring=_text(string) if string is not None else "",
        kind=kind,
        message=message,
    )


def from_soap(
    source: XmlSource, *, validate: bool = True
) -> ValidateAbonnementenAanvraag | ValidateAbonnementenAntwoord | SoapFault:
    """Read a SOAP 1.1 envelope of the WUS service: its request, its answer, or a :class:`SoapFault`.

    With ``validate`` (the default) the request, the answer or the fault's ``sh:ApplicationFault`` /
    ``sh:DependentServiceFault`` detail is checked against the bundled XSD first
    (:class:`~mobb_sdk.ValidationError` when it fails).
    """
    root = parse_xml(source).getroot()
    if root.tag != T_ENVELOPE:
        raise DocumentTypeError(f"expected a SOAP 1.1 Envelope, got {_describe(root)}")
    child = soap_body_child(root)
    if child.tag == T_FAULT:
        return _decode_fault(child, validate=validate)
    model = from_tree(child, validate=validate)
    if not isinstance(model, ValidateAbonnementenAanvraag | ValidateAbonnementenAntwoord):
        raise DocumentTypeError(f"a SOAP body of the WUS service cannot hold {_describe(child)}")
    return model


def _describe(el: etree._Element) -> str:
    q = etree.QName(el)
    return f"<{q.localname}> in namespace {q.namespace or '(none)'}"
