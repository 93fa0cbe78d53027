"""Document mode: what a product produced from a case's inputs, checked against the XSDs, the rules and the
case's expectation.

For a case the product either produces one or more batch XML documents, or refuses with a refusal that
names a rule. A produced batch must pass the bundled XSDs and every local rule (judged at the delivery
moment), carry every input field unchanged (nothing truncated, nothing invented, line breaks as the
literal ``\\r\\n``, attachments byte for byte in their order), and stay within 1000 letters and
100,000,000 bytes per document. A refusal must name one of the rules the case's input breaks.

The same letter comparison serves live mode, on the batches the simulator received.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import attrs
from lxml import etree

from mobb_sdk import InvalidValueError, MobbError, Oin, SenderProfile, Severity, validate
from mobb_sdk._models import ENCODED_LINE_BREAK, normalise_line_breaks
from mobb_sdk._rules import MAX_BATCH_BYTES
from mobb_sdk.conformance._catalogue import PROTOCOL, Case, Catalogue, Expect
from mobb_sdk.conformance._evidence import Evidence
from mobb_sdk.conformance._inputs import AttachmentStore, make_letters, moment

__all__ = ["check_document_answer", "compare_letter", "document_request", "parse_batch", "read_documents"]

BVS: Final = "http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01"
BER: Final = "http://schemas.rdw.nl/GEB/BerichtenProsessor/Bericht/Types/2009/01"
MAX_LETTERS: Final = 1000


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


# The parser a product's output goes through: no DTD, no entities, no network; huge_tree because a
# 100 MB batch has long base64 text nodes (each at most ~667 kB for a 500,000-byte attachment).
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_blank_text=False
)


def document_request(
    case: Case,
    catalogue: Catalogue,
    delivery_moment: datetime,
    store: AttachmentStore,
    *,
    relative_to: Path | None = None,
    inline: bool = False,
) -> dict[str, Any]:
    """The request of a document case (also the exported input file): letters, sender, delivery moment."""
    inputs = case.inputs
    defaults = catalogue.defaults
    request: dict[str, Any] = {
        "protocol": PROTOCOL,
        "catalogue_version": catalogue.version,
        "case_id": case.id,
        "mode": "document",
        "title": case.title,
        "delivery_moment": delivery_moment.isoformat(),
        "sender_oin": str(inputs.get("sender_oin", defaults.get("sender_oin"))),
        "active_bericht_types": list(
            inputs.get("active_bericht_types", defaults.get("active_bericht_types", ()))
        ),
    }
    if "party_oin" in inputs:
        request["party_oin"] = str(inputs["party_oin"])
    if "aanmaak_datum" in inputs:
        request["aanmaak_datum"] = moment(str(inputs["aanmaak_datum"]), delivery_moment).isoformat()
    request["letters"] = make_letters(
        inputs["letters"],
        defaults.get("letter", {}),
        delivery_moment,
        store,
        repeat=inputs.get("repeat"),
        relative_to=relative_to,
        inline=inline,
    )
    return request


# --- reading what the product produced ------------------------------------------------------------------


def read_documents(answer: Mapping[str, Any], base_dir: Path) -> tuple[list[bytes], list[Evidence]]:
    """The XML bytes of each document of an answer (base64 or a file path relative to ``base_dir``)."""
    documents: list[bytes] = []
    problems: list[Evidence] = []
    for i, doc in enumerate(answer.get("documents", ())):
        where = f"documents[{i}]"
        if "xml_base64" in doc:
            try:
                documents.append(base64.b64decode(doc["xml_base64"], validate=True))
            except (binascii.Error, ValueError):
                problems.append(Evidence("protocol", "xml_base64 is not valid base64", path=where))
            continue
        path = Path(doc["path"])
        path = path if path.is_absolute() else base_dir / path
        try:
            documents.append(path.read_bytes())
        except OSError as exc:
            problems.append(Evidence("protocol", f"cannot read {path}: {exc.strerror or exc}", path=where))
    return documents, problems


def parse_batch(data: bytes, where: str) -> tuple[etree._Element | None, list[Evidence]]:
    """The root of a batch document, or the evidence of why it is not one."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return None, [Evidence("xml", f"not well-formed XML: {exc}", rule="XSD", path=where)]
    if root.tag != _q(BVS, "Berichten"):
        return None, [
            Evidence("xml", f"the root element is {root.tag}, not bvs:Berichten", rule="XSD", path=where)
        ]
    return root, []


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    return parent.find(_q(BER, name))


def _text(el: etree._Element | None) -> str | None:
    return None if el is None else (el.text or "")


def _moment(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.utcoffset() is not None else None


def _describe_difference(expected: str, produced: str) -> str:
    if expected.startswith(produced) and len(produced) < len(expected):
        return f"truncated silently from {len(expected)} to {len(produced)} characters"
    at = next((i for i, (a, b) in enumerate(zip(expected, produced, strict=False)) if a != b), None)
    if at is None:
        return f"{len(produced)} characters instead of {len(expected)}"
    return (
        f"differs from character {at + 1} on: expected {expected[at : at + 20]!r}, "
        f"produced {produced[at : at + 20]!r}"
    )


def _attachment_bytes(item: Mapping[str, Any], base_dir: Path) -> bytes | None:
    if "content_base64" in item:
        return base64.b64decode(item["content_base64"])
    path = Path(item["path"])
    try:
        return (path if path.is_absolute() else base_dir / path).read_bytes()
    except OSError:
        return None


_TEXT_RULES: Final = {
    "BerichtType": ("bericht_type", "BER-02"),
    "Onderwerp": ("onderwerp", "BER-05"),
    "Referentie": ("referentie", "BER-08"),
}
_DATE_RULES: Final = {
    "PublicatieDatum": ("publicatie_datum", "BER-03"),
    "EindDatumHandelingsTermijn": ("eind_datum_handelings_termijn", "BER-04"),
}


def compare_letter(
    expected: Mapping[str, Any], bericht: etree._Element, path: str, base_dir: Path
) -> list[Evidence]:
    """Every difference between a requested letter and the ``ber:Bericht`` produced for it."""
    found: list[Evidence] = []
    info = _child(bericht, "BerichtInformatie")
    if info is None:
        return [Evidence("field unchanged", "no BerichtInformatie", rule="XSD", path=path)]
    ipath = f"{path}/BerichtInformatie"
    gebruiker = _text(_child(info, "GebruikerID"))
    if gebruiker != expected["bsn"]:
        found.append(
            Evidence(
                "field unchanged",
                f"GebruikerID is {gebruiker!r}, expected {expected['bsn']!r}",
                rule="BER-09",
                path=f"{ipath}/GebruikerID",
            )
        )
    for element, (field, rule) in _TEXT_RULES.items():
        produced = _text(_child(info, element))
        wanted = expected.get(field)
        if wanted is None and produced is not None:
            found.append(
                Evidence(
                    "nothing invented",
                    f"{element} is present but the letter has none",
                    rule=rule,
                    path=f"{ipath}/{element}",
                )
            )
        elif wanted is not None and produced is None:
            found.append(
                Evidence("field unchanged", f"{element} is missing", rule=rule, path=f"{ipath}/{element}")
            )
        elif wanted is not None and produced != wanted:
            assert produced is not None  # noqa: S101
            found.append(
                Evidence(
                    "field unchanged",
                    f"{element} {_describe_difference(wanted, produced)}",
                    rule=rule,
                    path=f"{ipath}/{element}",
                )
            )
    found.extend(_compare_tekst(expected.get("bericht_tekst"), _child(info, "BerichtTekst"), ipath))
    for element, (field, rule) in _DATE_RULES.items():
        produced = _text(_child(info, element))
        wanted = expected.get(field)
        where = f"{ipath}/{element}"
        if wanted is None and produced is not None:
            found.append(
                Evidence(
                    "nothing invented", f"{element} is present but the letter has none", rule=rule, path=where
                )
            )
        elif wanted is not None and produced is None:
            found.append(
                Evidence(
                    "field unchanged", f"{element} is missing (expected {wanted})", rule=rule, path=where
                )
            )
        elif (
            wanted is not None
            and produced is not None
            and _moment(produced) != datetime.fromisoformat(wanted)
        ):
            found.append(
                Evidence(
                    "field unchanged",
                    f"{element} is {produced}, expected the moment {wanted}",
                    rule=rule,
                    path=where,
                )
            )
    found.extend(
        _compare_bijlagen(expected.get("attachments", ()), _child(bericht, "Bijlagen"), path, base_dir)
    )
    return found


def _compare_tekst(wanted: str | None, element: etree._Element | None, ipath: str) -> list[Evidence]:
    where = f"{ipath}/BerichtTekst"
    produced = _text(element)
    if wanted is None:
        if produced:
            return [
                Evidence(
                    "nothing invented",
                    "BerichtTekst is present but the letter has none",
                    rule="BER-06",
                    path=where,
                )
            ]
        return []
    if produced is None:
        return [Evidence("field unchanged", "BerichtTekst is missing", rule="BER-06", path=where)]
    found = []
    if "\n" in produced or "\r" in produced:
        found.append(
            Evidence(
                "line breaks encoded",
                "BerichtTekst holds real CR/LF characters; a line break must travel as the four characters "
                "\\r\\n (backslash r backslash n), which Logius renders",
                rule="BER-06",
                path=where,
            )
        )
    decoded = normalise_line_breaks(produced.replace(ENCODED_LINE_BREAK, "\n"))
    if decoded != normalise_line_breaks(wanted):
        found.append(
            Evidence(
                "field unchanged",
                f"BerichtTekst (line breaks decoded) {_describe_difference(normalise_line_breaks(wanted), decoded)}",
                rule="BER-06",
                path=where,
            )
        )
    return found


def _compare_bijlagen(
    wanted: Sequence[Mapping[str, Any]], bijlagen: etree._Element | None, path: str, base_dir: Path
) -> list[Evidence]:
    where = f"{path}/Bijlagen"
    produced = [] if bijlagen is None else list(bijlagen.iterchildren(_q(BER, "Bijlage")))
    if not wanted:
        if bijlagen is not None:
            return [
                Evidence(
                    "nothing invented",
                    "Bijlagen is present for a letter without attachments",
                    rule="BIJ-01",
                    path=where,
                )
            ]
        return []
    if len(produced) != len(wanted):
        return [
            Evidence(
                "attachments",
                f"{len(produced)} Bijlage element(s), expected {len(wanted)}",
                rule="BIJ-01",
                path=where,
            )
        ]
    found = []
    for i, (item, el) in enumerate(zip(wanted, produced, strict=True), start=1):
        bpath = f"{where}/Bijlage[{i}]"
        volgorde = (_text(_child(el, "Volgorde")) or "").strip()
        if volgorde != str(i):
            found.append(
                Evidence(
                    "attachment order",
                    f"Volgorde is {volgorde!r}, expected {i}",
                    rule="BIJ-05",
                    path=f"{bpath}/Volgorde",
                )
            )
        soort = _text(_child(el, "BijlageType"))
        if soort != "Pdf":
            found.append(
                Evidence(
                    "attachments",
                    f"BijlageType is {soort!r}, expected 'Pdf'",
                    rule="BIJ-02",
                    path=f"{bpath}/BijlageType",
                )
            )
        omschrijving = _text(_child(el, "Omschrijving"))
        if omschrijving != item["omschrijving"]:
            detail = _describe_difference(item["omschrijving"], omschrijving or "")
            found.append(
                Evidence(
                    "field unchanged", f"Omschrijving {detail}", rule="BIJ-04", path=f"{bpath}/Omschrijving"
                )
            )
        found.extend(
            _compare_inhoud(
                item, _text(_child(el, "Inhoud")) or "", i, len(wanted), f"{bpath}/Inhoud", base_dir
            )
        )
    return found


def _compare_inhoud(
    item: Mapping[str, Any], text: str, position: int, count: int, where: str, base_dir: Path
) -> list[Evidence]:
    try:
        content = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return [Evidence("attachments", "Inhoud is not valid base64", rule="BIJ-06", path=where)]
    expected = _attachment_bytes(item, base_dir)
    if expected is None:
        return [
            Evidence("attachments", f"the input file {item['path']} cannot be read to compare", path=where)
        ]
    if content == expected:
        return []
    if count > 1:
        # Which input file does it hold? Naming the swap is the useful evidence for BIJ-05.
        return [
            Evidence(
                "attachment order",
                f"Inhoud of Bijlage {position} is not the {position}. attachment of the input "
                f"({len(content):,} bytes, SHA-256 {hashlib.sha256(content).hexdigest()[:12]}; expected "
                f"{len(expected):,} bytes, {hashlib.sha256(expected).hexdigest()[:12]})",
                rule="BIJ-05",
                path=where,
            )
        ]
    return [
        Evidence(
            "field unchanged",
            f"Inhoud differs from the input file: {len(content):,} bytes instead of {len(expected):,}",
            rule="BIJ-06",
            path=where,
        )
    ]


# --- a whole answer ------------------------------------------------------------------------------------


def _profile(request: Mapping[str, Any], judged_at: datetime) -> SenderProfile:
    try:
        sender: Oin | None = Oin(request["sender_oin"])
    except InvalidValueError:
        sender = None
    return SenderProfile(
        sender_oin=sender,
        active_bericht_types=request.get("active_bericht_types"),
        clock=lambda: judged_at,
    )


def _berichten(root: etree._Element) -> Iterator[etree._Element]:
    return root.iterchildren(_q(BER, "Bericht"))


@attrs.define
class _Seen:
    """What the documents of one answer showed so far: their ids (BATCH-03 and BER-01 hold across
    documents) and the letters produced, in order."""

    batch_ids: dict[str, int] = attrs.Factory(dict)
    bericht_ids: dict[str, str] = attrs.Factory(dict)
    letters: list[tuple[str, etree._Element]] = attrs.Factory(list)


def check_documents(
    request: Mapping[str, Any], documents: Sequence[bytes], base_dir: Path, judged_at: datetime
) -> list[Evidence]:
    """Every problem of the produced documents: XSD, rules, limits, and each letter against its input."""
    found: list[Evidence] = []
    profile = _profile(request, judged_at)
    seen = _Seen()
    for d, data in enumerate(documents, start=1):
        doc = f"document {d}" if len(documents) > 1 else "document"
        found.extend(_check_document(d, doc, data, request, profile, seen))
    wanted = request["letters"]
    if seen.letters and len(seen.letters) != len(wanted):
        found.append(
            Evidence(
                "every letter", f"{len(seen.letters)} letters produced, {len(wanted)} asked", rule="BATCH-01"
            )
        )
    for expected, (path, bericht) in zip(wanted, seen.letters, strict=False):
        found.extend(compare_letter(expected, bericht, path, base_dir))
    return found


def _check_document(
    d: int, doc: str, data: bytes, request: Mapping[str, Any], profile: SenderProfile, seen: _Seen
) -> list[Evidence]:
    """One document: its size, XSD and rules, its batch's sender and ids; its letters go to ``seen``."""
    found: list[Evidence] = []
    if len(data) > MAX_BATCH_BYTES:
        message = f"{doc} is {len(data):,} bytes; at most {MAX_BATCH_BYTES:,} allowed"
        found.append(Evidence("batch size", message, rule="BATCH-02"))
    root, problems = parse_batch(data, doc)
    found.extend(problems)
    if root is None:
        return found
    try:
        report = validate(root, profile=profile)
    except MobbError as exc:
        found.append(Evidence("xsd", f"{doc} cannot be checked: {exc}", rule="XSD"))
        return found
    for v in report.violations:
        found.append(
            Evidence(
                "xsd" if v.rule == "XSD" else "rules",
                v.message,
                rule=v.rule,
                path=f"{doc}: {v.xpath or v.path or '/'}",
                ok=v.severity is Severity.WARNING,
            )
        )
    info = root.find(_q(BVS, "BatchInformatie"))
    batch_id = (info.findtext(_q(BVS, "BatchID")) or "").strip() if info is not None else ""
    leverancier = (info.findtext(_q(BVS, "BerichtLeverancierID")) or "").strip() if info is not None else ""
    if leverancier != request["sender_oin"]:
        found.append(
            Evidence(
                "field unchanged",
                f"BerichtLeverancierID is {leverancier!r}, expected the sender's OIN {request['sender_oin']}",
                rule="BATCH-05",
                path=f"{doc}: /Berichten/BatchInformatie/BerichtLeverancierID",
            )
        )
    if batch_id in seen.batch_ids:
        message = f"{doc} repeats the BatchID of document {seen.batch_ids[batch_id]}"
        found.append(Evidence("unique ids", message, rule="BATCH-03"))
    seen.batch_ids[batch_id] = d
    letters = list(_berichten(root))
    if len(letters) > MAX_LETTERS:
        found.append(
            Evidence("batch size", f"{doc} holds {len(letters)} letters; at most 1000", rule="BATCH-01")
        )
    for n, bericht in enumerate(letters, start=1):
        path = f"{doc}: /Berichten/Bericht[{n}]"
        info_el = _child(bericht, "BerichtInformatie")
        if info_el is not None:
            found.extend(_check_letter_ids(info_el, path, batch_id, seen))
            seen.letters.append((path, bericht))
    return found


def _check_letter_ids(info: etree._Element, path: str, batch_id: str, seen: _Seen) -> list[Evidence]:
    """A letter's BatchID is its batch's (BATCH-03) and its BerichtID is not used before (BER-01)."""
    found: list[Evidence] = []
    own_batch = (_text(_child(info, "BatchID")) or "").strip()
    if own_batch != batch_id:
        found.append(
            Evidence(
                "unique ids",
                f"BatchID {own_batch} is not the batch's {batch_id}",
                rule="BATCH-03",
                path=f"{path}/BerichtInformatie/BatchID",
            )
        )
    bericht_id = (_text(_child(info, "BerichtID")) or "").strip().lower()
    if bericht_id in seen.bericht_ids:
        found.append(
            Evidence(
                "unique ids",
                f"BerichtID {bericht_id} is also used at {seen.bericht_ids[bericht_id]}",
                rule="BER-01",
                path=f"{path}/BerichtInformatie/BerichtID",
            )
        )
    seen.bericht_ids[bericht_id] = path
    return found


def check_document_answer(
    case: Case,
    request: Mapping[str, Any],
    answer: Mapping[str, Any],
    base_dir: Path,
    judged_at: datetime | None = None,
) -> list[Evidence]:
    """The evidence of one document case; the case passes when no evidence is a problem (``ok=False``).

    ``answer`` is a well-formed document response (documents or a refusal). The 13-day windows are
    judged at ``judged_at`` (default: the request's delivery moment, as the product judged them).
    """
    assert case.expect is not None  # noqa: S101  (a document case)
    if judged_at is None:
        judged_at = datetime.fromisoformat(request["delivery_moment"])
    refusal = answer.get("refusal")
    if refusal is not None:
        said = f"refused: {refusal['rule']}: {refusal['reason']}"
        where = refusal.get("field")
        if case.expect is Expect.ACCEPT:
            return [
                Evidence(
                    "refusal",
                    f"{said}; but the input breaks no rule and must be sent",
                    rule=refusal["rule"],
                    path=where,
                )
            ]
        if refusal["rule"] in case.refuse_rules:
            return [Evidence("refusal", said, rule=refusal["rule"], path=where, ok=True)]
        return [
            Evidence(
                "refusal",
                f"{said}; the input breaks {', '.join(case.refuse_rules)}, and the refusal must name it",
                rule=refusal["rule"],
                path=where,
            )
        ]
    documents, found = read_documents(answer, base_dir)
    found.extend(check_documents(request, documents, base_dir, judged_at))
    if case.expect is Expect.REFUSE:
        found.insert(
            0,
            Evidence(
                "refusal",
                f"a batch was produced, but the input breaks {', '.join(case.refuse_rules)}: the product must "
                "refuse it (not repair or truncate it silently)",
                rule=case.refuse_rules[0],
            ),
        )
    elif not any(not e.ok for e in found):
        found.append(
            Evidence("document", f"{len(documents)} valid document(s), every input field unchanged", ok=True)
        )
    return found
