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
    MAX_BATCH_BYTES,
    RULES,
    EnforcedBy,
    SenderProfile,
    check_aanmaak_datum,
    check_afzender,
    check_batch,
    check_batch_size,
    check_bericht,
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
    with pytest.raises(InvalidValueError):
        SenderProfile(active_bericht_types=[1])  # type: ignore[list-item]


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
