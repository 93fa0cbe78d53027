"""The rule catalogue and every local rule check, at and just past each limit."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mobb_sdk import Batch, Bericht, Bijlage, InvalidValueError, Oin, Severity, VerwerkingsCode, make_pdf
from mobb_sdk._models import _CODE_RULES
from mobb_sdk._rules import (
    CHECKS,
    CLOCK_SKEW,
    MAX_BATCH_BYTES,
    MAX_BIJLAGEN_BYTES,
    RULES,
    WINDOW,
    EnforcedBy,
    Rule,
    SenderProfile,
    _fmt_delta,
    _ordinal,
    _redact,
    check_aanmaak_datum,
    check_afzender,
    check_batch,
    check_batch_size,
    check_bericht,
    check_bericht_id_used,
    check_bericht_ids_unique,
    check_bericht_type,
    check_bijlagen_pdf,
    check_bijlagen_size,
    check_eind_datum,
    check_publicatie_datum,
    check_tekst_escapes,
    check_urls,
    check_volgorde,
    estimate_batch_size,
)

from .conftest import FIXED_NOW, TEST_BSNS, TEST_OIN, make_batch, make_bericht
from .pdfs import encrypted_pdf, not_a_pdf, pdf_without_eof

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
OTHER_OIN = Oin("00000003273246180000")


def profile(**kwargs: Any) -> SenderProfile:
    return SenderProfile(clock=lambda: FIXED_NOW, **kwargs)


def rules_of(violations: Any) -> list[str]:
    return [v.rule for v in violations]


# --- the catalogue ------------------------------------------------------------------------------------------

_SPEC_CANDIDATES = [
    Path(__file__).resolve().parents[1] / ".." / "shared" / "spec" / "logius-interface.md",
    Path(__file__).resolve().parents[1] / "shared" / "spec" / "logius-interface.md",
]


def spec_rule_ids() -> set[str]:
    for candidate in _SPEC_CANDIDATES:
        if candidate.is_file():
            return set(re.findall(r"\b(?:BATCH|BER|BIJ|RES|ABO)-\d{2}\b", candidate.read_text("utf-8")))
    pytest.skip("the spec (shared/spec/logius-interface.md) is not beside the repository")


def test_every_rule_of_the_spec_is_in_the_catalogue():
    ids = spec_rule_ids()
    assert len(ids) >= 27
    assert ids <= set(RULES)
    assert set(RULES) - ids == {"XSD"}


def test_catalogue_entries_are_complete():
    expected = (
        [f"BATCH-{i:02d}" for i in range(1, 6)]
        + [f"BER-{i:02d}" for i in range(1, 11)]
        + [f"BIJ-{i:02d}" for i in range(1, 7)]
        + [f"RES-{i:02d}" for i in range(1, 5)]
        + ["ABO-01", "ABO-02", "XSD"]
    )
    assert list(RULES) == expected
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule.title
        assert rule.text
        assert rule.logius_answer
        assert isinstance(rule.enforced_by, EnforcedBy)


def test_every_rule_checked_here_has_a_check_function_and_back():
    by_rules = {r.id for r in RULES.values() if r.enforced_by is EnforcedBy.RULES}
    assert by_rules <= set(CHECKS)
    # A rule the model enforces may have an extra check here (BER-06's warning); its note says so.
    for rule_id in set(CHECKS) - by_rules:
        assert CHECKS[rule_id].__name__ in RULES[rule_id].note


def test_verwerkings_codes_of_the_catalogue_agree_with_the_model():
    for code, rule_id in _CODE_RULES.items():
        assert RULES[rule_id].verwerkings_code is code
    assert RULES["BER-05"].verwerkings_code is VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT
    assert RULES["XSD"].verwerkings_code is VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT
    assert RULES["BER-04"].verwerkings_code is None
    assert RULES["BATCH-02"].verwerkings_code is None


# --- the profile --------------------------------------------------------------------------------------------


def test_profile_converters_and_clock():
    p = SenderProfile(sender_oin=str(TEST_OIN), active_bericht_types=["WOZ", "AANSL"])
    assert p.sender_oin == TEST_OIN
    assert p.active_bericht_types == frozenset({"WOZ", "AANSL"})
    assert SenderProfile(active_bericht_types="WOZ").active_bericht_types == frozenset({"WOZ"})
    assert p.now().utcoffset() == timedelta(0)
    with pytest.raises(InvalidValueError, match="timezone-aware"):
        SenderProfile(clock=lambda: datetime(2026, 1, 1)).now()
    with pytest.raises(InvalidValueError) as info:
        SenderProfile(active_bericht_types=[1])  # type: ignore[list-item]
    assert (info.value.rule, info.value.field) == ("BER-02", "active_bericht_types")


# --- a valid batch ------------------------------------------------------------------------------------------


def test_a_valid_batch_reports_nothing():
    batch = make_batch(5, with_pdf=True, aanmaak_datum=FIXED_NOW)
    p = profile(sender_oin=TEST_OIN, active_bericht_types={"WOZ"}, pdfa_required=True)
    report = check_batch(batch, p, used_bericht_ids=set())
    assert report.violations == ()
    assert report.ok


def test_check_batch_without_a_profile_uses_the_real_clock():
    assert check_batch(make_batch(2)).violations == ()


# --- BATCH-02 -----------------------------------------------------------------------------------------------


def test_size_estimate_matches_write_batch_to_the_byte():
    codec = pytest.importorskip("mobb_sdk._codec")
    tekst = "Regel 1\nRegel 2 & <b> ü €\n\tx \\r\\n y"
    berichten = [
        make_bericht(0),
        make_bericht(
            1,
            onderwerp="Ond & <x> é\r",
            bericht_tekst=tekst,
            referentie="",
            publicatie_datum=FIXED_NOW + DAY,
            eind_datum_handelings_termijn=FIXED_NOW + 9 * DAY + timedelta(microseconds=5),
            bijlagen=[make_pdf("a"), Bijlage.from_bytes(b"%PDF-1.4 x" * 7, "Omschr & ë")],
        ),
        make_bericht(2, bericht_tekst="", referentie=None, bijlagen=[b"%PDF-1.7" + b"\0" * 1000]),
    ]
    for n in range(1, 4):
        batch = Batch(afzender=TEST_OIN, berichten=berichten[:n])
        estimate = estimate_batch_size(batch)
        assert estimate == codec.write_batch(batch, _Sink(), validate=False)
        # to_xml writes the same elements (its XML declaration differs by one newline).
        assert abs(estimate - len(codec.to_xml(batch))) <= 1


class _Sink:
    """A binary file that only counts, so a 100 MB batch is never held in memory."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return len(data)


def _batch_of_size(target: int) -> Batch:
    """A batch whose estimated size is exactly ``target`` (letters share one attachment object)."""
    shared = b"%PDF-1.7\n" + b"\0" * (333_333 - 9)
    berichten = [make_bericht(i, bijlagen=[shared], onderwerp="x") for i in range(224)]
    batch = Batch(afzender=TEST_OIN, berichten=berichten, aanmaak_datum=FIXED_NOW)
    deficit = target - estimate_batch_size(batch)
    assert deficit > 0
    # Grow the last attachment by whole base64 quanta, then the last Onderwerp by the remaining bytes.
    quanta, rest = divmod(deficit, 4)
    last = make_bericht(
        223, bijlagen=[b"%PDF-1.7\n" + b"\0" * (333_333 - 9 + 3 * quanta)], onderwerp="x" * (1 + rest)
    )
    batch = Batch(afzender=TEST_OIN, berichten=[*berichten[:223], last], aanmaak_datum=FIXED_NOW)
    assert estimate_batch_size(batch) == target
    return batch


def test_batch_size_at_and_past_the_limit():
    at_limit = _batch_of_size(MAX_BATCH_BYTES)
    assert list(check_batch_size(at_limit)) == []
    past = _batch_of_size(MAX_BATCH_BYTES + 1)
    (v,) = check_batch_size(past)
    assert v.rule == "BATCH-02"
    assert v.severity is Severity.ERROR
    assert "100,000,001 bytes estimated" in v.message
    assert "Batch.split" in v.message
    report = check_batch(past, profile(check_pdf=False))
    assert "BATCH-02" in report.rules


def test_batch_size_estimate_holds_at_the_limit_against_the_codec():
    codec = pytest.importorskip("mobb_sdk._codec")
    batch = _batch_of_size(MAX_BATCH_BYTES)
    written = codec.write_batch(batch, _Sink(), validate=False)
    assert written == estimate_batch_size(batch) == MAX_BATCH_BYTES


def test_a_known_serialized_size_overrides_the_estimate():
    batch = make_batch(1)
    assert list(check_batch_size(batch, serialized_size=MAX_BATCH_BYTES)) == []
    (v,) = check_batch_size(batch, serialized_size=MAX_BATCH_BYTES + 1)
    assert "serialized" in v.message
    assert "BATCH-02" in check_batch(batch, profile(), serialized_size=MAX_BATCH_BYTES + 1).rules


# --- BATCH-04, BATCH-05 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-13 * DAY, None),
        (-13 * DAY - SECOND, Severity.ERROR),
        (-400 * DAY, Severity.ERROR),
        (timedelta(0), None),
        (timedelta(minutes=5), None),
        (timedelta(minutes=5) + SECOND, Severity.WARNING),
        (timedelta(hours=1), Severity.WARNING),
    ],
)
def test_aanmaak_datum_window(offset, expected):
    batch = make_batch(1, aanmaak_datum=FIXED_NOW + offset)
    found = list(check_aanmaak_datum(batch, FIXED_NOW))
    assert [v.severity for v in found] == ([] if expected is None else [expected])
    assert all(v.rule == "BATCH-04" and v.path == "aanmaak_datum" for v in found)
    if expected is Severity.ERROR:
        assert "AanmaakDatumLigtTeVerInHetVerleden" in found[0].message


def test_afzender_must_match_the_oin_in_the_cpa():
    batch = make_batch(1)
    assert list(check_afzender(batch, profile())) == []
    assert list(check_afzender(batch, profile(sender_oin=TEST_OIN))) == []
    (v,) = check_afzender(batch, profile(sender_oin=OTHER_OIN))
    assert (v.rule, v.path, v.severity) == ("BATCH-05", "afzender", Severity.ERROR)
    assert str(OTHER_OIN) in v.message
    assert "OinInCPAKomtNietOvereenMetOinInBericht" in v.message


# --- BER-01 -------------------------------------------------------------------------------------------------


def test_bericht_ids_unique_within_the_batch():
    same = uuid.uuid4()
    batch = Batch(
        afzender=TEST_OIN,
        berichten=[make_bericht(0, bericht_id=same), make_bericht(1), make_bericht(2, bericht_id=same)],
        aanmaak_datum=FIXED_NOW,
    )
    report = check_batch(batch, profile())
    (v,) = report.violations
    assert (v.rule, v.path) == ("BER-01", "berichten[2].bericht_id")
    assert "berichten[0]" in v.message
    assert list(CHECKS["BER-01"](batch)) == [v]


@pytest.mark.parametrize("as_callable", [False, True])
def test_bericht_ids_used_before(as_callable):
    batch = make_batch(3, aanmaak_datum=FIXED_NOW)
    used_ids = {batch.berichten[1].bericht_id}
    used = used_ids.__contains__ if as_callable else used_ids
    report = check_batch(batch, profile(), used_bericht_ids=used)
    (v,) = report.violations
    assert (v.rule, v.path) == ("BER-01", "berichten[1].bericht_id")
    assert "BerichtBestaatAl" in v.message
    assert "RES-04" in v.message


# --- BER-02, BER-03, BER-04 ---------------------------------------------------------------------------------


def test_bericht_type_must_be_active():
    b = make_bericht(0, bericht_type="woz")
    assert list(check_bericht_type(b, profile())) == []
    assert list(check_bericht_type(b, profile(active_bericht_types={"woz"}))) == []
    (v,) = check_bericht_type(b, profile(active_bericht_types={"WOZ", "AANSL"}), "berichten[4]")
    assert (v.rule, v.path) == ("BER-02", "berichten[4].bericht_type")
    assert "did you mean 'WOZ'" in v.message
    assert "AANSL, WOZ" in v.message
    (v,) = check_bericht_type(b, profile(active_bericht_types=()))
    assert "active: none" in v.message


@pytest.mark.parametrize(
    ("offset", "flagged"),
    [(None, False), (13 * DAY, False), (13 * DAY + SECOND, True), (30 * DAY, True), (-30 * DAY, False)],
)
def test_publicatie_datum_window(offset, flagged):
    b = make_bericht(0, publicatie_datum=None if offset is None else FIXED_NOW + offset)
    found = list(check_publicatie_datum(b, FIXED_NOW, "berichten[0]"))
    assert rules_of(found) == (["BER-03"] if flagged else [])
    if flagged:
        assert found[0].path == "berichten[0].publicatie_datum"
        assert "PublicatieDatumLigtTeVerInDeToekomst" in found[0].message


@pytest.mark.parametrize(
    ("publicatie", "eind", "words"),
    [
        (None, None, None),
        (None, timedelta(0), None),
        (None, 30 * DAY, None),
        (None, -SECOND, "passed"),
        (5 * DAY, 4 * DAY, "before the PublicatieDatum"),
        (5 * DAY, 5 * DAY, None),
        (5 * DAY, -DAY, "passed"),
    ],
)
def test_eind_datum_handelings_termijn(publicatie, eind, words):
    b = make_bericht(
        0,
        publicatie_datum=None if publicatie is None else FIXED_NOW + publicatie,
        eind_datum_handelings_termijn=None if eind is None else FIXED_NOW + eind,
    )
    found = list(check_eind_datum(b, FIXED_NOW))
    if words is None:
        assert found == []
    else:
        (v,) = found
        assert (v.rule, v.path, v.severity) == (
            "BER-04",
            "bericht.eind_datum_handelings_termijn",
            Severity.WARNING,
        )
        assert words in v.message


# --- BER-06, BER-07 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tekst", "words"),
    [
        ("Regel 1\nRegel 2", None),
        ("Pad C:\\map", None),
        ("Regel 1\\r\\nRegel 2", "literal \\r\\n"),
        ("Regel 1\\nRegel 2", "not part of \\r\\n"),
        ("Regel 1\\r\\nRegel 2\\n", "not part of \\r\\n"),
    ],
)
def test_escapes_typed_into_bericht_tekst(tekst, words):
    found = list(check_tekst_escapes(make_bericht(0, bericht_tekst=tekst)))
    if words is None:
        assert found == []
    else:
        (v,) = found
        assert (v.rule, v.severity) == ("BER-06", Severity.WARNING)
        assert words in v.message


URL_CASES = [
    # (text, number of URLs flagged, words in the first message)
    ("Zie https://example.nl voor meer", 0, None),
    ("https://example.nl", 0, None),
    ("Zie http://example.nl/pad?a=1&b=2 of www.example.nl/x nu", 0, None),
    ("tab\thttps://example.nl\ttab", 0, None),
    ("Mail info@www.example.nl of bel", 0, None),
    ("Geen URL: awww.example en http:// los", 0, None),
    ("Zie https://example.nl/ en", 0, None),
    ("Zie:https://example.nl voor meer", 1, "preceded directly by ':'"),
    ("Zie (https://example.nl) voor meer", 1, "preceded directly by '(' and followed directly by ')'"),
    ("Kijk op https://example.nl.", 1, "followed directly by '.'"),
    ("Kijk op https://example.nl, of bel", 1, "followed directly by ','"),
    ("Kijk op https://example.nl!", 1, "followed directly by '!'"),
    ('Kijk op "https://example.nl"', 1, "preceded directly by '\"'"),
    ("KIJK OP HTTPS://EXAMPLE.NL.", 1, "followed directly by '.'"),
    ("Zie:www.example.nl", 1, "preceded directly by ':'"),
    ("Kijk op www.example.nl.", 1, "followed directly by '.'"),
    ("Regel 1\nhttps://example.nl", 1, "preceded directly by a line break"),
    ("Zie https://example.nl\nRegel 2", 1, "followed directly by a line break"),
    ("Zie https://example.nl\\r\\nRegel 2", 1, "followed directly by a line break"),
    ("Zie\\r\\nhttps://example.nl", 1, "preceded directly by a line break"),
    ("Zie https://example.nl\u00a0nu", 1, "followed by '\\xa0' instead of a space"),
    ("a:https://a.nl b https://b.nl. c https://c.nl", 2, "preceded directly by ':'"),
]


@pytest.mark.parametrize(("tekst", "count", "words"), URL_CASES)
def test_urls_stand_apart(tekst, count, words):
    found = list(check_urls(make_bericht(0, bericht_tekst=tekst), "berichten[2]"))
    assert len(found) == count
    for v in found:
        assert (v.rule, v.path, v.severity) == ("BER-07", "berichten[2].bericht_tekst", Severity.WARNING)
        assert "renders it wrongly" in v.message
    if words is not None:
        assert words in found[0].message


def test_url_check_is_linear_on_hostile_text():
    tekst = ("https://" + "a" * 1000 + " www.") * 3 + "h" * 900
    assert len(list(check_urls(make_bericht(0, bericht_tekst=tekst)))) == 0


# --- BIJ-02, BIJ-03, BIJ-05 ---------------------------------------------------------------------------------


def bericht_with(*pdfs: bytes, volgorde: tuple[int, ...] | None = None) -> Bericht:
    numbers = volgorde or tuple(range(1, len(pdfs) + 1))
    bijlagen = [
        Bijlage(inhoud=p, omschrijving=f"B{n}", volgorde=n) for p, n in zip(pdfs, numbers, strict=True)
    ]
    return Bericht(bsn=TEST_BSNS[0], bericht_type="WOZ", onderwerp="Test", bijlagen=bijlagen)


@pytest.mark.parametrize(
    ("sizes", "flagged"),
    [
        ((500_000,), False),
        ((500_001,), True),
        ((250_000, 250_000), False),
        ((250_000, 250_001), True),
        ((400_000, 400_000), True),
    ],
)
def test_bijlagen_together_at_most_500000_bytes(sizes, flagged):
    b = bericht_with(*(make_pdf(pad_to=s) for s in sizes))
    found = list(check_bijlagen_size(b, "berichten[7]"))
    assert rules_of(found) == (["BIJ-03"] if flagged else [])
    if flagged:
        assert found[0].path == "berichten[7].bijlagen"
        assert f"{sum(sizes):,} bytes together" in found[0].message
        assert all(f"{s:,}" in found[0].message for s in sizes)
        assert "BijlageTeGroot" in found[0].message
    # No other rule fires on these padded PDF/A-2a files.
    assert rules_of(check_bericht(b, profile(), now=FIXED_NOW)) == rules_of(found)


@pytest.mark.parametrize(
    ("volgorde", "bad"),
    [((1,), []), ((2,), [0]), ((0,), [0]), ((1, 2), []), ((2, 1), [0, 1]), ((1, 1), [1]), ((1, 3), [1])],
)
def test_volgorde(volgorde, bad):
    pdf = make_pdf()
    found = list(check_volgorde(bericht_with(*(pdf for _ in volgorde), volgorde=volgorde)))
    assert [v.path for v in found] == [f"bericht.bijlagen[{i}].volgorde" for i in bad]
    assert all(v.rule == "BIJ-05" and v.severity is Severity.ERROR for v in found)
    if len(volgorde) == 1 and bad:
        assert "with one Bijlage it must be 1" in found[0].message


@pytest.mark.parametrize(
    ("pdf", "required", "expected"),
    [
        (make_pdf(), False, []),
        (make_pdf(pdfa="1a"), True, []),
        (make_pdf(pdfa="2b"), False, [(Severity.WARNING, "declares PDF/A-2b")]),
        (make_pdf(pdfa="1b"), True, [(Severity.ERROR, "declares PDF/A-1b")]),
        (make_pdf(pdfa=None), False, [(Severity.WARNING, "declares no PDF/A")]),
        (make_pdf(pdfa=None), True, [(Severity.ERROR, "declares no PDF/A")]),
        (not_a_pdf(), False, [(Severity.ERROR, "is not a PDF")]),
        (encrypted_pdf(pdfa="2a"), False, [(Severity.ERROR, "encrypted")]),
        (encrypted_pdf(), False, [(Severity.ERROR, "encrypted"), (Severity.WARNING, "declares no PDF/A")]),
        (pdf_without_eof(), False, [(Severity.WARNING, "%%EOF")]),
    ],
)
def test_bijlagen_are_pdf_and_pdfa(pdf, required, expected):
    found = list(check_bijlagen_pdf(bericht_with(make_pdf(), pdf), profile(pdfa_required=required)))
    assert [(v.severity, v.path) for v in found] == [(s, "bericht.bijlagen[1].inhoud") for s, _ in expected]
    for v, (_, words) in zip(found, expected, strict=True):
        assert v.rule == "BIJ-02"
        assert words in v.message
        assert "Bijlage 2" in v.message


def test_pdf_checks_can_be_switched_off():
    b = bericht_with(not_a_pdf())
    assert list(check_bijlagen_pdf(b, profile(check_pdf=False))) == []
    assert rules_of(check_bericht(b, profile())) == ["BIJ-02"]


# --- check_bericht / check_batch ----------------------------------------------------------------------------


def test_check_bericht_runs_every_letter_rule_with_its_path():
    b = Bericht(
        bsn=TEST_BSNS[3],
        bericht_type="ONBEKEND",
        onderwerp="Test",
        bericht_tekst="Zie:https://example.nl.",
        publicatie_datum=FIXED_NOW + 14 * DAY,
        eind_datum_handelings_termijn=FIXED_NOW + DAY,
        bijlagen=[Bijlage(inhoud=make_pdf(pad_to=500_001), omschrijving="Groot", volgorde=2)],
    )
    found = list(
        check_bericht(
            b, profile(active_bericht_types={"WOZ"}), path="berichten[9]", used_bericht_ids={b.bericht_id}
        )
    )
    assert rules_of(found) == ["BER-01", "BER-02", "BER-03", "BER-04", "BER-07", "BIJ-05", "BIJ-03"]
    assert all(v.path.startswith("berichten[9].") for v in found)


def test_check_bericht_reads_the_clock_unless_given_now():
    b = make_bericht(0, publicatie_datum=FIXED_NOW + 14 * DAY)
    assert rules_of(check_bericht(b, profile())) == ["BER-03"]
    assert rules_of(check_bericht(b, profile(), now=FIXED_NOW + 2 * DAY)) == []


def test_check_batch_reads_the_clock_once():
    ticks: list[datetime] = []

    def clock() -> datetime:
        ticks.append(FIXED_NOW)
        return FIXED_NOW

    check_batch(make_batch(20, aanmaak_datum=FIXED_NOW), SenderProfile(clock=clock))
    assert len(ticks) == 1


def test_batch_violations_come_first_then_letters_in_order():
    berichten = [make_bericht(i, publicatie_datum=FIXED_NOW + 20 * DAY) for i in range(3)]
    batch = Batch(afzender=TEST_OIN, berichten=berichten, aanmaak_datum=FIXED_NOW - 20 * DAY)
    report = check_batch(batch, profile(sender_oin=OTHER_OIN))
    assert [(v.rule, v.path) for v in report] == [
        ("BATCH-04", "aanmaak_datum"),
        ("BATCH-05", "afzender"),
        ("BER-03", "berichten[0].publicatie_datum"),
        ("BER-03", "berichten[1].publicatie_datum"),
        ("BER-03", "berichten[2].publicatie_datum"),
    ]
    assert not report.ok


def test_each_error_maps_to_the_code_the_simulator_answers():
    b = bericht_with(make_pdf(pad_to=300_000), make_pdf(pad_to=300_000))
    (v,) = check_bericht(b, profile())
    assert RULES[v.rule].verwerkings_code is VerwerkingsCode.BIJLAGE_TE_GROOT


def test_no_message_or_path_holds_a_full_bsn():
    bsns = TEST_BSNS[:6]
    berichten = [
        make_bericht(
            i,
            bsn=bsn,
            bericht_type="X",
            bericht_tekst=f"Uw nummer:https://example.nl/?bsn={bsn}. \\n",
            publicatie_datum=FIXED_NOW + 20 * DAY,
            eind_datum_handelings_termijn=FIXED_NOW - DAY,
            bijlagen=[not_a_pdf(), make_pdf(pad_to=500_000)],
        )
        for i, bsn in enumerate(bsns)
    ]
    batch = Batch(afzender=TEST_OIN, berichten=berichten, aanmaak_datum=FIXED_NOW - 20 * DAY)
    report = check_batch(
        batch,
        profile(sender_oin=OTHER_OIN, active_bericht_types={"WOZ"}, pdfa_required=True),
        used_bericht_ids={b.bericht_id for b in berichten},
    )
    assert {
        "BATCH-04",
        "BATCH-05",
        "BER-01",
        "BER-02",
        "BER-03",
        "BER-04",
        "BER-06",
        "BER-07",
    } <= report.rules
    assert {"BIJ-02", "BIJ-03"} <= report.rules
    text = "\n".join(f"{v.path} {v.message} {v}" for v in report)
    for bsn in bsns:
        assert bsn not in text
    assert f"bsn=*****{bsns[0][-4:]}" in text


# --- tables pinned, and every message's key facts ------------------------------------------------------------


def test_limits_are_pinned():
    assert (MAX_BATCH_BYTES, MAX_BIJLAGEN_BYTES) == (100_000_000, 500_000)
    assert (timedelta(days=13), timedelta(minutes=5)) == (WINDOW, CLOCK_SKEW)
    assert [e.value for e in EnforcedBy] == ["model", "rules", "xsd", "client", "not checked locally"]


def test_checks_map_each_rule_to_its_function():
    assert {rule_id: f.__name__ for rule_id, f in CHECKS.items()} == {
        "BATCH-02": "check_batch_size",
        "BATCH-04": "check_aanmaak_datum",
        "BATCH-05": "check_afzender",
        "BER-01": "check_bericht_ids_unique",
        "BER-02": "check_bericht_type",
        "BER-03": "check_publicatie_datum",
        "BER-04": "check_eind_datum",
        "BER-06": "check_tekst_escapes",
        "BER-07": "check_urls",
        "BIJ-02": "check_bijlagen_pdf",
        "BIJ-03": "check_bijlagen_size",
        "BIJ-05": "check_volgorde",
    }


#: Where each rule is enforced and how severe breaking it is: a change here is a change of the design.
PINNED_ENFORCEMENT = {
    "BATCH-01": ("model", "error"),
    "BATCH-02": ("rules", "error"),
    "BATCH-03": ("model", "error"),
    "BATCH-04": ("rules", "error"),
    "BATCH-05": ("rules", "error"),
    "BER-01": ("rules", "error"),
    "BER-02": ("rules", "error"),
    "BER-03": ("rules", "error"),
    "BER-04": ("rules", "warning"),
    "BER-05": ("model", "error"),
    "BER-06": ("model", "error"),
    "BER-07": ("rules", "warning"),
    "BER-08": ("model", "error"),
    "BER-09": ("model", "error"),
    "BER-10": ("model", "error"),
    "BIJ-01": ("model", "error"),
    "BIJ-02": ("rules", "warning"),
    "BIJ-03": ("rules", "error"),
    "BIJ-04": ("model", "error"),
    "BIJ-05": ("rules", "error"),
    "BIJ-06": ("model", "error"),
    "RES-01": ("client", "error"),
    "RES-02": ("client", "error"),
    "RES-03": ("client", "error"),
    "RES-04": ("client", "error"),
    "ABO-01": ("not checked locally", "error"),
    "ABO-02": ("model", "error"),
    "XSD": ("xsd", "error"),
}


def test_enforcement_and_severity_of_every_rule_are_pinned():
    assert {r.id: (r.enforced_by.value, r.severity.value) for r in RULES.values()} == PINNED_ENFORCEMENT
    bare = Rule("X-01", "t", "x", "—", EnforcedBy.RULES)
    assert (bare.severity, bare.note) == (Severity.ERROR, "")


def _spec_text() -> str:
    for candidate in _SPEC_CANDIDATES:
        if candidate.is_file():
            return candidate.read_text("utf-8")
    pytest.skip("the spec (shared/spec/logius-interface.md) is not beside the repository")


def test_logius_answers_are_the_spec_tables():
    rows = re.findall(r"^\| ((?:BATCH|BER|BIJ)-\d\d) \| .+ \| (.+?) \|$", _spec_text(), re.MULTILINE)
    assert len(rows) == 21
    for rule_id, answer in rows:
        assert RULES[rule_id].logius_answer == answer.strip("`"), rule_id
    others = {r.id: r.logius_answer for r in RULES.values() if not r.id.startswith(("BATCH", "BER", "BIJ"))}
    assert others == {
        "RES-01": "nil GUID",
        "RES-02": "—",
        "RES-03": "—",
        "RES-04": "BerichtBestaatAl",
        "ABO-01": "NietActiefOfGeabonneerd",
        "ABO-02": "ApplicationFault",
        "XSD": "XmlValidatieTegenXsdValtNegatiefUit",
    }
    assert RULES["BER-06"].verwerkings_code is VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT


def test_each_rule_text_keeps_the_numbers_of_the_spec():
    spec = _spec_text()
    for rule_id in ("BATCH-01", "BATCH-02", "BATCH-04", "BER-03", "BER-05", "BER-08", "BIJ-03", "BIJ-04"):
        row = re.search(rf"^\| {rule_id} \| (.+?) \|", spec, re.MULTILINE)
        assert row is not None
        numbers = set(re.findall(r"\d[\d,]*\d|\d", row.group(1)))
        shown = RULES[rule_id].title + " " + RULES[rule_id].text
        assert {n for n in numbers if n not in shown} == set(), rule_id


#: The rules whose notes say how mobb-sdk handles them, and the code names each note promises.
NOTE_NAMES = {
    "BATCH-01": ["Batch.split"],
    "BATCH-02": ["check_batch_size", "estimate_batch_size"],
    "BATCH-03": ["Batch"],
    "BATCH-04": [],
    "BATCH-05": ["check_afzender", "SenderProfile.sender_oin"],
    "BER-01": [],
    "BER-02": ["check_bericht_type"],
    "BER-04": [],
    "BER-06": ["check_tekst_escapes"],
    "BER-07": ["check_urls"],
    "BER-09": ["Bsn"],
    "BIJ-01": ["Bericht"],
    "BIJ-02": ["check_bijlagen_pdf", "SenderProfile.pdfa_required"],
    "BIJ-05": ["Bericht.create"],
    "BIJ-06": ["Bijlage"],
    "RES-01": ["VerwerkingsResultaat.per_bericht", "resultaat_voor"],
    "RES-02": ["VerwerkingsResultaat.volledig_verwerkt"],
    "ABO-01": [],
    "ABO-02": ["ValidateAbonnementenAanvraag"],
}


def test_notes_exist_where_pinned_and_name_code_that_exists():
    import attrs

    import mobb_sdk
    from mobb_sdk import _rules

    assert {r.id for r in RULES.values() if r.note} == set(NOTE_NAMES)
    for rule_id, names in NOTE_NAMES.items():
        note = RULES[rule_id].note
        assert len(note) > 20, rule_id
        for name in names:
            assert name in note, (rule_id, name)
            owner, _, attr = name.partition(".")
            target = getattr(mobb_sdk, owner, None) or getattr(_rules, owner, None)
            if owner == "resultaat_voor":
                target = mobb_sdk.VerwerkingsResultaat.resultaat_voor
            assert target is not None, name
            if attr:
                fields = {f.name for f in attrs.fields(target)} if attrs.has(target) else set()
                assert hasattr(target, attr) or attr in fields, name


@pytest.mark.parametrize("value", [5, 2.5, True])
def test_a_profile_refuses_types_that_are_not_a_collection(value):
    with pytest.raises(InvalidValueError) as info:
        SenderProfile(active_bericht_types=value)  # type: ignore[arg-type]
    assert (info.value.rule, info.value.field) == ("BER-02", "active_bericht_types")
    assert info.value.message == f"expected BerichtType codes, got {type(value).__name__}"


def test_a_profile_refuses_a_type_code_that_is_not_text():
    with pytest.raises(InvalidValueError) as info:
        SenderProfile(active_bericht_types=["WOZ", 7])  # type: ignore[list-item]
    assert (info.value.rule, info.value.field) == ("BER-02", "active_bericht_types")
    assert info.value.message == "expected BerichtType codes, got 7"


@pytest.mark.parametrize("now", [datetime(2026, 1, 1), "2026-01-01T00:00:00Z", None])
def test_a_profile_clock_must_give_an_aware_datetime(now):
    with pytest.raises(InvalidValueError) as info:
        SenderProfile(clock=lambda: now).now()  # type: ignore[arg-type, return-value]
    assert (info.value.rule, info.value.field) == ("BATCH-04", "clock")
    assert "timezone-aware datetime" in info.value.message


def test_profile_defaults():
    p = SenderProfile()
    assert (p.sender_oin, p.active_bericht_types, p.pdfa_required, p.check_pdf) == (None, None, False, True)
    assert abs(p.now() - datetime.now(FIXED_NOW.tzinfo)) < timedelta(minutes=1)
    (v,) = check_bijlagen_pdf(bericht_with(make_pdf(pdfa="2b")), p)
    assert v.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(0), "0 min 0 s"),
        (timedelta(seconds=59), "0 min 59 s"),
        (timedelta(seconds=61), "1 min 1 s"),
        (timedelta(minutes=59, seconds=59), "59 min 59 s"),
        (timedelta(hours=1), "1 h 0 min"),
        (timedelta(hours=2, minutes=5, seconds=30), "2 h 5 min"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
        (timedelta(days=1), "1 d 0 h"),
        (timedelta(days=13, hours=5, minutes=7), "13 d 5 h"),
        (-timedelta(hours=3, minutes=1), "3 h 1 min"),
    ],
)
def test_durations_in_messages(delta, shown):
    assert _fmt_delta(delta) == shown


def test_ordinals():
    assert [_ordinal(n) for n in (1, 2, 3, 4, 11)] == ["1st", "2nd", "3rd", "4th", "11th"]


def test_redact_cuts_user_text_at_60_and_masks_nine_digit_runs():
    assert _redact("x" * 60) == "x" * 60
    assert _redact("x" * 61) == "x" * 59 + "…"
    assert len(_redact("x" * 200)) == 60
    assert _redact("abc", limit=2) == "a…"
    assert _redact("bsn 999900006 en 1234567890 en 12345678") == "bsn *****0006 en 1234567890 en 12345678"


def test_size_estimate_counts_every_escape_lxml_writes():
    codec = pytest.importorskip("mobb_sdk._codec")
    for onderwerp in ("a && b", "x < y", "x > y", "a\rb", "<<>>", "&", "plain", "ë & ü", "€<"):
        batch = Batch(
            afzender=TEST_OIN, berichten=[make_bericht(0, onderwerp=onderwerp)], aanmaak_datum=FIXED_NOW
        )
        assert estimate_batch_size(batch) == codec.write_batch(batch, _Sink(), validate=False), onderwerp


def test_batch_size_suggests_a_split_that_fits():
    batch = make_batch(10)
    (v,) = check_batch_size(batch, serialized_size=250_000_000)
    assert (v.rule, v.path, v.severity) == ("BATCH-02", "", Severity.ERROR)
    assert "the batch is 250,000,000 bytes serialized" in v.message
    assert "over 100,000,000 bytes" in v.message
    assert v.message.endswith("Batch.split(afzender, berichten, size=4).")
    (v,) = check_batch_size(make_batch(1), serialized_size=10**12)
    assert "size=1)" in v.message


def test_aanmaak_datum_messages_say_how_far_off_it_is():
    (v,) = check_aanmaak_datum(
        make_batch(1, aanmaak_datum=FIXED_NOW - 14 * DAY - timedelta(hours=2)), FIXED_NOW
    )
    assert (v.rule, v.path, v.severity) == ("BATCH-04", "aanmaak_datum", Severity.ERROR)
    assert "AanmaakDatum is 14 d 2 h before delivery; at most 13 days allowed" in v.message
    (v,) = check_aanmaak_datum(make_batch(1, aanmaak_datum=FIXED_NOW + timedelta(minutes=10)), FIXED_NOW)
    assert (v.rule, v.path, v.severity) == ("BATCH-04", "aanmaak_datum", Severity.WARNING)
    assert "AanmaakDatum lies 10 min 0 s in the future" in v.message
    assert "time zone" in v.message


def test_afzender_message_names_both_oins():
    (v,) = check_afzender(make_batch(1), profile(sender_oin=str(OTHER_OIN)))
    assert f"BerichtLeverancierID {TEST_OIN} is not the OIN in the CPA ({OTHER_OIN})" in v.message


def test_duplicate_and_used_ids_name_the_id_and_the_first_letter():
    same = uuid.uuid4()
    batch = Batch(
        afzender=TEST_OIN,
        berichten=[make_bericht(0), make_bericht(1, bericht_id=same), make_bericht(2, bericht_id=same)],
        aanmaak_datum=FIXED_NOW,
    )
    (v,) = check_bericht_ids_unique(batch)
    assert (v.rule, v.path, v.severity) == ("BER-01", "berichten[2].bericht_id", Severity.ERROR)
    assert f"BerichtID {same} is also the BerichtID of berichten[1]" in v.message
    assert "BerichtBestaatAl" in v.message
    assert list(check_batch(batch, profile()).violations) == [v]
    (u,) = check_bericht_id_used(batch.berichten[1], {same}, "berichten[1]")
    assert (u.rule, u.path) == ("BER-01", "berichten[1].bericht_id")
    assert f"BerichtID {same} was used before" in u.message
    assert list(check_bericht_id_used(batch.berichten[0], {same})) == []
    assert list(check_bericht_id_used(batch.berichten[0], lambda i: 0)) == []
    (u,) = check_bericht_id_used(batch.berichten[0], lambda i: 1)
    assert u.path == "bericht.bericht_id"


def test_bericht_type_lists_at_most_ten_active_types():
    b = make_bericht(0, bericht_type="OTHER")
    ten = {f"T{i:02d}" for i in range(10)}
    (v,) = check_bericht_type(b, profile(active_bericht_types=ten))
    assert "active: T00, T01, T02, T03, T04, T05, T06, T07, T08, T09. Logius answers" in v.message
    (v,) = check_bericht_type(b, profile(active_bericht_types=ten | {"T10", "T11"}))
    assert "active: T00, T01, T02, T03, T04, T05, T06, T07, T08, T09, …. Logius answers" in v.message
    assert "did you mean" not in v.message
    assert "BerichtType 'OTHER' is not active for this sender;" in v.message
    assert "BerichtTypeNietOndersteund" in v.message
    (v,) = check_bericht_type(make_bericht(0, bericht_type="t03"), profile(active_bericht_types=ten))
    assert "(did you mean 'T03'? codes are case-sensitive)" in v.message


def test_publicatie_and_eind_datum_messages_say_how_far():
    b = make_bericht(0, publicatie_datum=FIXED_NOW + 14 * DAY + timedelta(hours=3))
    (v,) = check_publicatie_datum(b, FIXED_NOW)
    assert (v.rule, v.path) == ("BER-03", "bericht.publicatie_datum")
    assert "PublicatieDatum is 14 d 3 h after delivery; at most 13 days allowed" in v.message
    b = make_bericht(0, eind_datum_handelings_termijn=FIXED_NOW - timedelta(hours=2, minutes=30))
    (v,) = check_eind_datum(b, FIXED_NOW, "berichten[5]")
    assert (v.rule, v.path) == ("BER-04", "berichten[5].eind_datum_handelings_termijn")
    assert "EindDatumHandelingsTermijn passed 2 h 30 min ago" in v.message
    b = make_bericht(
        0, publicatie_datum=FIXED_NOW + 3 * DAY, eind_datum_handelings_termijn=FIXED_NOW + 2 * DAY
    )
    (v,) = check_eind_datum(b, FIXED_NOW, "berichten[5]")
    assert v.path == "berichten[5].eind_datum_handelings_termijn"
    assert "lies before the PublicatieDatum" in v.message


def test_escape_messages_count_and_name_the_path():
    (v,) = check_tekst_escapes(make_bericht(0, bericht_tekst="a\\r\\nb\\r\\nc"), "berichten[3]")
    assert (v.rule, v.path, v.severity) == ("BER-06", "berichten[3].bericht_tekst", Severity.WARNING)
    assert "BerichtTekst holds 2 literal \\r\\n sequence(s)" in v.message
    (v,) = check_tekst_escapes(make_bericht(0, bericht_tekst="a\\rb"))
    assert v.path == "bericht.bericht_tekst"
    assert "literal \\n or \\r that is not part of \\r\\n" in v.message
    assert list(check_tekst_escapes(make_bericht(0, bericht_tekst=None))) == []
    assert list(check_tekst_escapes(make_bericht(0, bericht_tekst="a\\tb"))) == []


@pytest.mark.parametrize(
    ("tekst", "url", "problem"),
    [
        ("Zie:https://example.nl nu", "https://example.nl", "preceded directly by ':'"),
        ("Zie https://example.nl. Nu", "https://example.nl", "followed directly by '.'"),
        ("Zie https://example.nl).", "https://example.nl", "followed directly by ').'"),
        ("Zie https://example.nl\nnu", "https://example.nl", "followed directly by a line break"),
        ("Zie:www.é.nl nu", "www.é.nl", "preceded directly by ':'"),
        ("Ga naar:HTTPS://voorbeeld.nl/ë nu", "HTTPS://voorbeeld.nl/ë", "preceded directly by ':'"),
        (
            "Zie https://x.nl/" + "p" * 80 + ". nu",
            "https://x.nl/" + "p" * 46 + "…",
            "followed directly by '.'",
        ),
    ],
)
def test_url_messages_quote_the_url_redacted_and_say_what_is_wrong(tekst, url, problem):
    (v,) = check_urls(make_bericht(0, bericht_tekst=tekst))
    assert (v.rule, v.path, v.severity) == ("BER-07", "bericht.bericht_tekst", Severity.WARNING)
    assert v.message == (
        f"the URL {url!r} is {problem}; Logius renders it wrongly. Put a space before and after every URL."
    )


def test_a_url_inside_another_is_one_url():
    assert list(check_urls(make_bericht(0, bericht_tekst="Zie http://www.example.nl nu"))) == []
    (v,) = check_urls(make_bericht(0, bericht_tekst="Zie:http://www.example.nl nu"))
    assert "'http://www.example.nl'" in v.message
    found = list(check_urls(make_bericht(0, bericht_tekst="a www.x.nl, b www.y.nl. c")))
    assert [f.message.split("'")[1] for f in found] == ["www.x.nl", "www.y.nl"]
    assert list(check_urls(make_bericht(0, bericht_tekst="Zie ë www.é.nl en http://x.nl nu"))) == []
    assert list(check_urls(make_bericht(0, bericht_tekst="geen adres, wel http"))) == []


def test_bijlagen_size_message_lists_each_bijlage():
    b = bericht_with(make_pdf(pad_to=300_000), make_pdf(pad_to=250_000))
    (v,) = check_bijlagen_size(b)
    assert (v.rule, v.path) == ("BIJ-03", "bericht.bijlagen")
    assert "the Bijlagen are 550,000 bytes together (Bijlage 1: 300,000, Bijlage 2: 250,000)" in v.message
    assert "at most 500,000 allowed" in v.message


def test_volgorde_messages_say_what_each_place_must_hold():
    pdf = make_pdf()
    (v,) = check_volgorde(bericht_with(pdf, volgorde=(2,)), "berichten[4]")
    assert v.path == "berichten[4].bijlagen[0].volgorde"
    assert v.message.startswith("Volgorde is 2; with one Bijlage it must be 1 (Bijlagen are numbered 1, 2")
    first, second = check_volgorde(bericht_with(pdf, pdf, volgorde=(2, 1)))
    assert first.message.startswith("Volgorde is 2; the 1st Bijlage must be 1 (")
    assert second.message.startswith("Volgorde is 1; the 2nd Bijlage must be 2 (")
    (only,) = check_volgorde(bericht_with(pdf, pdf, volgorde=(1, 3)))
    assert only.message.startswith("Volgorde is 3; the 2nd Bijlage must be 2 (")
    assert "Bericht.create()" in only.message


def test_pdf_messages_name_the_bijlage_and_the_problem():
    b = bericht_with(not_a_pdf(), encrypted_pdf(pdfa="2a"))
    found = list(check_bijlagen_pdf(b, profile(), "berichten[6]"))
    assert [(v.path, v.severity) for v in found] == [
        ("berichten[6].bijlagen[0].inhoud", Severity.ERROR),
        ("berichten[6].bijlagen[1].inhoud", Severity.ERROR),
    ]
    assert found[0].message.startswith("Bijlage 1 is not a PDF (no %PDF- header in its first 1024 bytes)")
    assert found[1].message.startswith("Bijlage 2 is an encrypted PDF (password or permissions)")
    (v,) = check_bijlagen_pdf(bericht_with(pdf_without_eof()), profile())
    assert v.message.startswith("Bijlage 1 has no %%EOF marker at its end")
    (v,) = check_bijlagen_pdf(bericht_with(make_pdf(pdfa="1b")), profile())
    assert v.message.startswith("Bijlage 1 declares PDF/A-1b; Logius asks for PDF/A-1a or PDF/A-2a")
    (v,) = check_bijlagen_pdf(bericht_with(make_pdf(pdfa=None)), profile())
    assert v.message.startswith("Bijlage 1 declares no PDF/A conformance; Logius asks for")


def test_in_a_batch_every_letter_rule_points_at_its_letter():
    berichten = [
        make_bericht(0),
        make_bericht(1, bericht_tekst="Regel\\r\\nZie:https://x.nl", bijlagen=[not_a_pdf()]),
        make_bericht(2, bijlagen=[make_pdf(pad_to=500_001)]),
    ]
    batch = Batch(afzender=TEST_OIN, berichten=berichten, aanmaak_datum=FIXED_NOW)
    report = check_batch(batch, profile())
    assert [(v.rule, v.path) for v in report] == [
        ("BER-06", "berichten[1].bericht_tekst"),
        ("BER-07", "berichten[1].bericht_tekst"),
        ("BIJ-02", "berichten[1].bijlagen[0].inhoud"),
        ("BIJ-03", "berichten[2].bijlagen"),
    ]
    used = check_batch(batch, profile(), used_bericht_ids={berichten[2].bericht_id})
    assert ("BER-01", "berichten[2].bericht_id") in [(v.rule, v.path) for v in used]
    paths = [v.path for v in check_bericht(berichten[1], profile(), now=FIXED_NOW)]
    assert paths == ["bericht.bericht_tekst", "bericht.bericht_tekst", "bericht.bijlagen[0].inhoud"]


def test_check_batch_passes_a_known_size_and_works_without_a_profile():
    batch = make_batch(2)
    (v,) = check_batch(batch, serialized_size=MAX_BATCH_BYTES + 1).violations
    assert (v.rule, v.path) == ("BATCH-02", "")
    assert "100,000,001 bytes serialized" in v.message
    assert check_batch(batch, None, serialized_size=MAX_BATCH_BYTES).violations == ()


def test_bericht_type_with_eleven_active_types_lists_ten_and_says_there_are_more():
    b = make_bericht(0, bericht_type="OTHER")
    eleven = {f"T{i:02d}" for i in range(11)}
    (v,) = check_bericht_type(b, profile(active_bericht_types=eleven))
    assert v.path == "bericht.bericht_type"
    assert "active: T00, T01, T02, T03, T04, T05, T06, T07, T08, T09, …. Logius answers" in v.message


def test_a_url_right_after_a_literal_break_at_the_very_start():
    (v,) = check_urls(make_bericht(0, bericht_tekst="\\r\\nhttps://example.nl"))
    assert "is preceded directly by a line break;" in v.message


def test_check_batch_names_what_it_judges():
    from mobb_sdk import ArgumentTypeError

    for batch, prof in (("batch.xml", None), (make_batch(1), "profiel")):
        with pytest.raises(ArgumentTypeError) as info:
            check_batch(batch, prof)  # type: ignore[arg-type]
        assert str(info.value).startswith("check_batch judges a Batch (with a SenderProfile or None)")


def test_a_url_with_a_problem_on_each_side_names_the_one_before_first():
    (v,) = check_urls(make_bericht(0, bericht_tekst="Zie\nhttps://example.nl. Nu"))
    assert "is preceded directly by a line break and followed directly by '.';" in v.message
