from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import attrs
import pytest

from mobb_sdk import (
    NIL_GUID,
    Abonnement,
    AbonnementAanvraag,
    Batch,
    BerichtResultaat,
    BerichtResultaten,
    Bijlage,
    FaultKind,
    InvalidValueError,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    VerwerkingsCode,
    VerwerkingsResultaat,
)
from mobb_sdk._models import (
    _CODE_ACTIONS,
    _CODE_RULES,
    ENCODED_LINE_BREAK,
    MAX_BERICHTEN_PER_BATCH,
    MAX_BIJLAGEN,
    MAX_BSNS_PER_CHECK,
    STADIUM_OK,
    XS_INT_MAX,
    XS_INT_MIN,
    Bericht,
    BijlageType,
    SoortGebruiker,
    decode_tekst,
    encode_tekst,
    normalise_line_breaks,
)

from .conftest import FIXED_NOW, TEST_BSNS, TEST_OIN, make_batch, make_bericht


def refusal(callable_, *args, **kwargs) -> InvalidValueError:
    """The InvalidValueError ``callable_(*args, **kwargs)`` raises; callers assert its rule, field and message."""
    with pytest.raises(InvalidValueError) as info:
        callable_(*args, **kwargs)
    return info.value


def rule_and_field(callable_, *args, **kwargs) -> tuple[str, str]:
    error = refusal(callable_, *args, **kwargs)
    return error.rule, error.field


def test_models_are_frozen():
    bericht = make_bericht()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        bericht.onderwerp = "x"  # type: ignore[misc]
    assert bericht.onderwerp == "Aanslag 0"


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("onderwerp", "", "BER-05"),
        ("onderwerp", "x" * 51, "BER-05"),
        ("bericht_type", "", "BER-02"),
        ("bericht_type", "ABCDEFGHI", "BER-02"),
        ("referentie", "r" * 26, "BER-08"),
        ("bericht_tekst", "t" * 4001, "BER-06"),
        ("bericht_tekst", "a\x01b", "BER-06"),
        ("publicatie_datum", datetime(2026, 1, 1), "BER-03"),  # naive
        ("eind_datum_handelings_termijn", datetime(2026, 1, 1), "BER-04"),
    ],
)
def test_bericht_refuses_what_the_xsd_refuses(field, value, rule):
    assert rule_and_field(make_bericht, **{field: value}) == (rule, field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("onderwerp", "x"),
        ("onderwerp", "x" * 50),
        ("bericht_type", "ABCDEFGH"),
        ("referentie", ""),
        ("referentie", "r" * 25),
        ("bericht_tekst", ""),
        ("bericht_tekst", "t" * 4000),
    ],
)
def test_bericht_accepts_edge_lengths(field, value):
    assert getattr(make_bericht(**{field: value}), field) == value


def test_bericht_tekst_limit_counts_encoded_line_breaks():
    # 3996 characters + one line break = 4000 once the break is written as the four characters \r\n.
    ok = "a" * 1998 + "\n" + "b" * 1998
    assert len(encode_tekst(ok)) == 4000
    make_bericht(bericht_tekst=ok)
    error = refusal(make_bericht, bericht_tekst=ok + "c")
    assert (error.rule, error.field) == ("BER-06", "bericht_tekst")
    assert "4001 characters once line breaks are encoded" in error.message
    assert "at most 4000 allowed" in error.message


def test_bericht_tekst_line_breaks_are_normalised_and_round_trip():
    bericht = make_bericht(bericht_tekst="een\r\ntwee\rdrie\nvier")
    assert bericht.bericht_tekst == "een\ntwee\ndrie\nvier"
    encoded = encode_tekst(bericht.bericht_tekst)
    assert encoded == "een\\r\\ntwee\\r\\ndrie\\r\\nvier"
    assert "\n" not in encoded
    assert decode_tekst(encoded) == bericht.bericht_tekst


def test_bericht_create_numbers_attachments_and_accepts_paths(tmp_path):
    pdf = tmp_path / "aanslag.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF")
    bericht = make_bericht(bijlagen=[pdf, b"%PDF-1.7 second"])
    assert [b.volgorde for b in bericht.bijlagen] == [1, 2]
    assert bericht.bijlagen[0].omschrijving == "aanslag.pdf"
    assert bericht.bijlagen_size == len(b"%PDF-1.4\n%%EOF") + len(b"%PDF-1.7 second")


def test_bericht_refuses_three_attachments_and_empty_content():
    assert rule_and_field(make_bericht, bijlagen=[b"a", b"b", b"c"]) == ("BIJ-01", "bijlagen")
    assert rule_and_field(Bijlage, b"", "leeg") == ("BIJ-06", "inhoud")
    assert rule_and_field(Bijlage, b"x", "") == ("BIJ-04", "omschrijving")
    assert rule_and_field(Bijlage, b"x", "o" * 129) == ("BIJ-04", "omschrijving")
    assert rule_and_field(Bijlage, b"x", "ok", 2**31) == ("BIJ-05", "volgorde")


def test_bijlage_repr_hides_content():
    assert "<3 bytes>" in repr(Bijlage(b"abc", "x"))


def test_bericht_ids_are_generated_and_kept():
    a, b = make_bericht(), make_bericht()
    assert a.bericht_id != b.bericht_id
    fixed = uuid.uuid4()
    assert make_bericht(bericht_id=str(fixed)).bericht_id == fixed
    error = refusal(make_bericht, bericht_id="not-a-guid")
    assert (error.rule, error.field, error.message) == ("BER-01", "id", "'not-a-guid' is not a GUID")


def test_bericht_repr_masks_bsn():
    bericht = make_bericht()
    assert TEST_BSNS[0] not in repr(bericht)


def test_batch_counts_and_split():
    error = refusal(Batch, TEST_OIN, [])
    assert (error.rule, error.field, error.message) == (
        "BATCH-01",
        "berichten",
        "0 berichten; 1..1000 allowed",
    )
    letters = [make_bericht(i) for i in range(2501)]
    error = refusal(Batch, TEST_OIN, letters[:1001])
    assert (error.rule, error.field, error.message) == (
        "BATCH-01",
        "berichten",
        "1001 berichten; 1..1000 allowed",
    )
    assert len(Batch(TEST_OIN, letters[:1000])) == 1000
    batches = Batch.split(TEST_OIN, letters)
    assert [len(b) for b in batches] == [1000, 1000, 501]
    assert len({b.batch_id for b in batches}) == 3
    assert [bb.bericht_id for b in batches for bb in b] == [b.bericht_id for b in letters]
    error = refusal(Batch.split, TEST_OIN, letters, 1001)
    assert (error.rule, error.field, error.message) == ("BATCH-01", "size", "a batch holds 1..1000 letters")


def test_batch_requires_aware_aanmaak_datum_and_a_valid_oin():
    assert rule_and_field(make_batch, aanmaak_datum=datetime(2026, 1, 1)) == ("BATCH-04", "aanmaak_datum")
    assert rule_and_field(make_batch, afzender="123") == ("BATCH-05", "oin")
    batch = make_batch(aanmaak_datum=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1))))
    assert batch.aanmaak_datum.utcoffset() == timedelta(hours=1)


def test_verwerkings_codes_know_what_they_mean():
    assert len(VerwerkingsCode) == 10
    assert [c for c in VerwerkingsCode if c.is_success] == [VerwerkingsCode.VERWERKT]
    assert [c for c in VerwerkingsCode if c.is_retryable] == [VerwerkingsCode.TECHNISCH_PROBLEEM]
    assert all(c.is_final for c in VerwerkingsCode if c is not VerwerkingsCode.TECHNISCH_PROBLEEM)
    assert VerwerkingsCode("BijlageTeGroot").rule == "BIJ-03"
    assert all(c.action for c in VerwerkingsCode)


def _result(berichten):
    return VerwerkingsResultaat.tally(
        "OIN", uuid.uuid4(), berichten, FIXED_NOW, FIXED_NOW + timedelta(minutes=3)
    )


def test_result_tally_and_matching():
    ids = [uuid.uuid4() for _ in range(3)]
    result = _result(
        [
            BerichtResultaat(ids[0], "WOZ", "Verwerkt"),
            BerichtResultaat(ids[1], "WOZ", VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD),
        ]
    )
    assert result.totaal_aantal_ontvangen == 2
    assert result.aantal_succesvol_verwerkt == 1
    assert result.aantal_geen_actieve_box_of_geabonneerd == 1
    assert not result.volledig_verwerkt
    matched = result.per_bericht(ids)
    assert matched[ids[0]].verwerkings_code is VerwerkingsCode.VERWERKT
    assert matched[ids[2]] is None


def test_result_nil_guid_falls_back_to_the_batch():
    bericht_id = uuid.uuid4()
    result = _result([BerichtResultaat(NIL_GUID, "WOZ", "XmlValidatieTegenXsdValtNegatiefUit")])
    assert result.berichten[0].is_nil
    found = result.resultaat_voor(bericht_id)
    assert found is not None
    assert found.verwerkings_code is VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT
    assert result.per_bericht([bericht_id])[bericht_id] is found


def test_result_refuses_unknown_code_and_negative_counts():
    # An unknown code is one of our typed errors (issue 12: only the MobbError tree leaves a public
    # constructor), still a ValueError for callers that catch that.
    with pytest.raises(ValueError, match="expected one of 'Verwerkt', 'TechnischProbleem'") as info:
        BerichtResultaat(uuid.uuid4(), "WOZ", "Onbekend")
    assert isinstance(info.value, InvalidValueError)
    assert (info.value.rule, info.value.field) == ("RES-01", "verwerkings_code")
    error = refusal(VerwerkingsResultaat, "x", uuid.uuid4(), FIXED_NOW, FIXED_NOW, -1, 0)
    assert (error.rule, error.field) == ("XSD", "totaal_aantal_ontvangen")
    assert error.message == "expected a count (0..2147483647), got -1"


def test_validate_abonnementen_models():
    aanvraag = ValidateAbonnementenAanvraag(TEST_OIN, "WOZ", TEST_BSNS[:3])
    assert len(aanvraag.bsns) == 3
    error = refusal(ValidateAbonnementenAanvraag, TEST_OIN, "WOZ", [])
    assert (error.rule, error.field, error.message) == ("ABO-02", "bsns", "0 bsns; 1..250 allowed")
    error = refusal(ValidateAbonnementenAanvraag, TEST_OIN, "WOZ", TEST_BSNS[:251])
    assert (error.rule, error.field, error.message) == ("ABO-02", "bsns", "251 bsns; 1..250 allowed")
    assert len(ValidateAbonnementenAanvraag(TEST_OIN, "WOZ", TEST_BSNS[:250]).bsns) == 250
    assert len(ValidateAbonnementenAanvraag(TEST_OIN, "WOZ", TEST_BSNS[:1]).bsns) == 1
    antwoord = ValidateAbonnementenAntwoord([Abonnement(TEST_BSNS[0], True), Abonnement(None, False)])
    assert list(antwoord.as_dict().values()) == [True]
    assert SoapFault("s:Server", "x", FaultKind.DEPENDENT_SERVICE).retryable
    assert not SoapFault("s:Client", "x", FaultKind.APPLICATION).retryable


def test_abonnement_aanvraag_variants():
    assert AbonnementAanvraag.voor_bsns(TEST_OIN, TEST_BSNS[:2]).bsns is not None
    assert AbonnementAanvraag.mutaties_sinds(TEST_OIN, FIXED_NOW).mutatie_datum == FIXED_NOW
    full = AbonnementAanvraag.volledig(TEST_OIN)
    assert full.bsns is None and full.mutatie_datum is None
    error = refusal(AbonnementAanvraag, TEST_OIN, "v", bsns=TEST_BSNS[:1], mutatie_datum=FIXED_NOW)
    assert (error.rule, error.field) == ("ABO-02", "bsns")
    assert "not both" in error.message
    error = refusal(AbonnementAanvraag, TEST_OIN, "v", bsns=[])
    assert (error.rule, error.field) == ("ABO-02", "bsns")
    assert "at least one BSN" in error.message


def test_now_is_aware():
    assert make_batch().aanmaak_datum.tzinfo is UTC


def _rows(n: int) -> list[BerichtResultaat]:
    return [BerichtResultaat(uuid.uuid4(), "WOZ", list(VerwerkingsCode)[i % 10]) for i in range(n)]


def test_bericht_resultaten_lazy_equals_eager_and_builds_on_first_use():
    eager = _rows(5)
    built: list[int] = []

    def build(i: int) -> BerichtResultaat:
        built.append(i)
        return eager[i]

    fetched: list[bool] = []

    def rows() -> list[int]:
        fetched.append(True)
        return list(range(5))

    lazy = BerichtResultaten.lazy(5, rows, build)
    assert len(lazy) == 5 and built == [] and fetched == []
    assert lazy[-1] is eager[4] and built == [4]
    assert lazy[1:3] == tuple(eager[1:3])
    assert lazy[4] is eager[4] and built.count(4) == 1  # built once, then kept
    assert fetched == [True]  # the rows were read once
    assert lazy == BerichtResultaten(eager) == tuple(eager)
    assert lazy == eager
    assert hash(lazy) == hash(BerichtResultaten(eager))
    assert lazy != eager[:4]
    with pytest.raises(IndexError, match="out of range"):
        lazy[5]
    assert len(built) == 5  # each letter built once (the comparisons above read them all), none for index 5
    assert "BerichtResultaten([" in repr(lazy)


def test_bericht_resultaten_refuses_other_items():
    with pytest.raises(InvalidValueError) as info:
        BerichtResultaten([_rows(1)[0], "Verwerkt"])  # type: ignore[list-item]
    assert info.value.field == "berichten[1]"


def test_a_result_read_from_xml_equals_the_one_written():
    result = VerwerkingsResultaat.tally("x", uuid.uuid4(), _rows(30), FIXED_NOW, FIXED_NOW)
    from mobb_sdk import from_dict, from_xml, to_dict, to_xml

    read = from_xml(to_xml(result), VerwerkingsResultaat)
    assert read == result
    assert [b.verwerkings_code for b in read.berichten] == [b.verwerkings_code for b in result.berichten]
    assert from_dict(to_dict(read), VerwerkingsResultaat) == result


# --- every limit below, at and above; every branch of the field checks ---------------------------------------


def test_limits_are_pinned():
    assert (MAX_BERICHTEN_PER_BATCH, MAX_BIJLAGEN, MAX_BSNS_PER_CHECK) == (1000, 2, 250)
    assert (XS_INT_MIN, XS_INT_MAX) == (-2147483648, 2147483647)
    assert ENCODED_LINE_BREAK == "\\r\\n"
    assert len(ENCODED_LINE_BREAK) == 4
    assert STADIUM_OK == "NA"
    assert BijlageType.PDF.value == "Pdf"
    assert SoortGebruiker.BURGER.value == "Burger"
    assert [f.value for f in FaultKind] == ["ApplicationFault", "DependentServiceFault"]


@pytest.mark.parametrize(
    ("field", "rule", "low", "high"),
    [("onderwerp", "BER-05", 1, 50), ("bericht_type", "BER-02", 1, 8), ("referentie", "BER-08", 0, 25)],
)
def test_text_fields_at_and_beyond_both_limits(field, rule, low, high):
    for n in (low, high):
        assert getattr(make_bericht(**{field: "x" * n}), field) == "x" * n
    for n in (low - 1, high + 1):
        if n < 0:
            continue
        error = refusal(make_bericht, **{field: "x" * n})
        assert (error.rule, error.field) == (rule, field)
        assert error.message == f"{field} is {n} characters; {low}..{high} allowed"


def test_omschrijving_limits():
    assert Bijlage(b"x", "o").omschrijving == "o"
    assert Bijlage(b"x", "o" * 128).omschrijving == "o" * 128
    for n in (0, 129):
        error = refusal(Bijlage, b"x", "o" * n)
        assert (error.rule, error.field, error.message) == (
            "BIJ-04",
            "omschrijving",
            f"omschrijving is {n} characters; 1..128 allowed",
        )


def test_a_text_without_an_upper_limit_names_its_lower_one():
    error = refusal(AbonnementAanvraag, TEST_OIN, "")
    assert (error.rule, error.field, error.message) == (
        "XSD",
        "verzoek_id",
        "verzoek_id is 0 characters; at least 1 allowed",
    )
    assert AbonnementAanvraag(TEST_OIN, "v").verzoek_id == "v"


@pytest.mark.parametrize("value", [5, b"WOZ", ["WOZ"]])
def test_a_text_field_given_something_else_names_its_type(value):
    error = refusal(make_bericht, bericht_type=value)
    assert (error.rule, error.field) == ("BER-02", "bericht_type")
    assert error.message == f"expected text, got {type(value).__name__}"


@pytest.mark.parametrize(
    "char", ["\x00", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ufffe", "\uffff", "\ud800", chr(0xDFFF)]
)
def test_characters_xml_cannot_carry_are_refused_with_their_code_and_position(char):
    error = refusal(make_bericht, onderwerp="ab" + char + "c")
    assert (error.rule, error.field) == ("BER-05", "onderwerp")
    assert error.message == f"character U+{ord(char):04X} at position 2 cannot be sent in XML"
    error = refusal(make_bericht, bericht_tekst="x" + char)
    assert (error.rule, error.field) == ("BER-06", "bericht_tekst")
    assert "at position 1" in error.message


@pytest.mark.parametrize("char", ["\t", "\x7f", "\x20", "\ue000", "\ufffd", "é", "\U0001f600"])
def test_characters_xml_can_carry_are_kept(char):
    assert make_bericht(onderwerp="a" + char).onderwerp == "a" + char


def test_bericht_tekst_may_be_empty_or_absent_and_is_checked_like_any_text():
    assert make_bericht(bericht_tekst="").bericht_tekst == ""
    assert make_bericht(bericht_tekst=None).bericht_tekst is None
    error = refusal(make_bericht, bericht_tekst=42)
    assert (error.rule, error.field, error.message) == ("BER-06", "bericht_tekst", "expected text, got int")
    error = refusal(make_bericht, bericht_tekst="t" * 4001)
    assert error.message == (
        "bericht_tekst is 4001 characters once line breaks are encoded as \\r\\n; at most 4000 allowed"
    )


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: the datetime is as good as naive."""

    def utcoffset(self, dt):
        return None


@pytest.mark.parametrize(
    ("build", "rule", "field"),
    [
        (lambda v: make_bericht(publicatie_datum=v), "BER-03", "publicatie_datum"),
        (lambda v: make_bericht(eind_datum_handelings_termijn=v), "BER-04", "eind_datum_handelings_termijn"),
        (lambda v: make_batch(aanmaak_datum=v), "BATCH-04", "aanmaak_datum"),
        (lambda v: VerwerkingsResultaat("x", uuid.uuid4(), v, FIXED_NOW, 0, 0), "XSD", "datum_ontvangen"),
        (lambda v: VerwerkingsResultaat("x", uuid.uuid4(), FIXED_NOW, v, 0, 0), "XSD", "datum_verwerkt"),
        (lambda v: AbonnementAanvraag.mutaties_sinds(TEST_OIN, v), "XSD", "mutatie_datum"),
    ],
)
def test_every_datetime_field_wants_an_aware_datetime(build, rule, field):
    for naive in (datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=_NoOffset())):
        error = refusal(build, naive)
        assert (error.rule, error.field) == (rule, field)
        assert error.message == "a datetime must be timezone-aware (e.g. tzinfo=UTC)"
    error = refusal(build, "2026-01-01T00:00:00Z")
    assert (error.rule, error.field, error.message) == (rule, field, "expected a datetime, got str")
    build(FIXED_NOW)
    build(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))))


def test_volgorde_is_an_xs_int():
    for ok in (XS_INT_MIN, -1, 0, 1, 2, XS_INT_MAX):
        assert Bijlage(b"x", "o", ok).volgorde == ok
    for bad in (XS_INT_MAX + 1, XS_INT_MIN - 1):
        error = refusal(Bijlage, b"x", "o", bad)
        assert (error.rule, error.field, error.message) == (
            "BIJ-05",
            "volgorde",
            f"{bad} does not fit an xs:int",
        )
    for bad in (True, 1.0, "1"):
        error = refusal(Bijlage, b"x", "o", bad)
        assert (error.rule, error.field) == ("BIJ-05", "volgorde")
        assert error.message == f"expected an integer, got {type(bad).__name__}"


def test_inhoud_must_be_non_empty_bytes():
    for bad in ("%PDF-", bytearray(b"%PDF-"), None):
        error = refusal(Bijlage, bad, "o")
        assert (error.rule, error.field) == ("BIJ-06", "inhoud")
        assert error.message == f"expected bytes, got {type(bad).__name__}"
    error = refusal(Bijlage, b"", "o")
    assert (error.rule, error.field, error.message) == ("BIJ-06", "inhoud", "an attachment cannot be empty")
    assert Bijlage(b"x", "o").inhoud == b"x"


def test_bijlage_builders_and_repr():
    b = Bijlage.from_bytes(b"%PDF-abc", "Aanslag")
    assert (b.inhoud, b.omschrijving, b.volgorde, b.bijlage_type, b.size) == (
        b"%PDF-abc",
        "Aanslag",
        1,
        BijlageType.PDF,
        8,
    )
    assert Bijlage.from_bytes(b"x", "o", 2).volgorde == 2
    assert (
        repr(Bijlage(b"abc", "x"))
        == "Bijlage(inhoud=<3 bytes>, omschrijving='x', volgorde=1, bijlage_type=<BijlageType.PDF: 'Pdf'>)"
    )


def test_bijlage_from_path_names_it_after_the_file_cut_to_128(tmp_path):
    long_name = "a" * 130 + ".pdf"
    path = tmp_path / long_name
    path.write_bytes(b"%PDF-1.7")
    b = Bijlage.from_path(path)
    assert (b.inhoud, b.omschrijving, b.volgorde) == (b"%PDF-1.7", long_name[:128], 1)
    named = Bijlage.from_path(str(path), "Aanslag", 2)
    assert (named.omschrijving, named.volgorde) == ("Aanslag", 2)


def test_bericht_create_numbers_given_bijlagen_and_names_bytes(tmp_path):
    first = Bijlage(b"%PDF-1", "Eerste", volgorde=7)
    bericht = make_bericht(bijlagen=[b"%PDF-0", first])
    assert [(b.omschrijving, b.volgorde) for b in bericht.bijlagen] == [("Bijlage 1", 1), ("Eerste", 2)]
    assert bericht.bijlagen[1].inhoud == b"%PDF-1"
    assert bericht.bijlagen_size == 12
    assert make_bericht().bijlagen == ()
    assert make_bericht().bijlagen_size == 0
    path = tmp_path / "brief.pdf"
    path.write_bytes(b"%PDF-2")
    only = make_bericht(bijlagen=[path]).bijlagen[0]
    assert (only.omschrijving, only.volgorde, only.inhoud) == ("brief.pdf", 1, b"%PDF-2")


def test_bericht_defaults_and_conversions():
    fixed = uuid.uuid4()
    bericht = Bericht(TEST_BSNS[0], "WOZ", "Onderwerp", bericht_id=fixed)
    assert bericht.bericht_id is fixed
    assert bericht.soort_gebruiker is SoortGebruiker.BURGER
    assert bericht.bsn.value == TEST_BSNS[0]
    assert (bericht.bericht_tekst, bericht.referentie, bericht.publicatie_datum) == (None, None, None)
    assert Bericht(TEST_BSNS[0], "WOZ", "O", bijlagen=[Bijlage(b"x", "o")]).bijlagen == (Bijlage(b"x", "o"),)
    error = refusal(Bericht, TEST_BSNS[0], "WOZ", "O", bijlagen=[b"%PDF-"])
    assert (error.rule, error.field, error.message) == (
        "BIJ-01",
        "bijlagen[0]",
        "expected Bijlage, got bytes",
    )
    assert Bericht.create(TEST_BSNS[0], "WOZ", "O").bericht_id.version == 4


def test_line_break_helpers():
    assert normalise_line_breaks("a\r\nb\rc\nd") == "a\nb\nc\nd"
    assert decode_tekst("a\\r\\nb\r\nc") == "a\nb\nc"
    assert encode_tekst("a\nb") == "a\\r\\nb"
    assert make_bericht(bericht_tekst="a\r\nb").bericht_tekst == "a\nb"


def test_batch_items_defaults_and_iteration():
    letters = [make_bericht(i) for i in range(3)]
    batch = Batch(str(TEST_OIN), letters)
    assert batch.afzender == TEST_OIN
    assert batch.berichten == tuple(letters)
    assert list(batch) == letters
    assert len(batch) == 3
    assert batch.bericht_ids == tuple(b.bericht_id for b in letters)
    assert batch.batch_id.version == 4
    assert abs(batch.aanmaak_datum - datetime.now(UTC)) < timedelta(minutes=1)
    error = refusal(Batch, TEST_OIN, [letters[0], "x"])
    assert (error.rule, error.field, error.message) == (
        "BATCH-01",
        "berichten[1]",
        "expected Bericht, got str",
    )


def test_batch_split_at_its_edges():
    letters = [make_bericht(i) for i in range(5)]
    assert Batch.split(TEST_OIN, []) == []
    assert [len(b) for b in Batch.split(TEST_OIN, letters, size=1)] == [1, 1, 1, 1, 1]
    assert [len(b) for b in Batch.split(TEST_OIN, letters, size=5)] == [5]
    assert [len(b) for b in Batch.split(TEST_OIN, letters, size=2)] == [2, 2, 1]
    assert all(b.afzender == TEST_OIN for b in Batch.split(str(TEST_OIN), letters, size=2))
    assert [len(b) for b in Batch.split(TEST_OIN, letters * 400)] == [1000, 1000]
    for bad in (0, -1, 1001):
        error = refusal(Batch.split, TEST_OIN, letters, bad)
        assert (error.rule, error.field, error.message) == (
            "BATCH-01",
            "size",
            "a batch holds 1..1000 letters",
        )


def test_verwerkings_codes_are_pinned_with_their_rules_and_actions():
    assert [c.value for c in VerwerkingsCode] == [
        "Verwerkt",
        "TechnischProbleem",
        "NietActiefOfGeabonneerd",
        "BerichtTypeNietOndersteund",
        "PublicatieDatumLigtTeVerInDeToekomst",
        "AanmaakDatumLigtTeVerInHetVerleden",
        "BerichtBestaatAl",
        "BijlageTeGroot",
        "OinInCPAKomtNietOvereenMetOinInBericht",
        "XmlValidatieTegenXsdValtNegatiefUit",
    ]
    assert {c.value: r for c, r in _CODE_RULES.items()} == {
        "PublicatieDatumLigtTeVerInDeToekomst": "BER-03",
        "AanmaakDatumLigtTeVerInHetVerleden": "BATCH-04",
        "BerichtBestaatAl": "BER-01",
        "BijlageTeGroot": "BIJ-03",
        "OinInCPAKomtNietOvereenMetOinInBericht": "BATCH-05",
        "BerichtTypeNietOndersteund": "BER-02",
        "NietActiefOfGeabonneerd": "ABO-01",
    }
    assert VerwerkingsCode.VERWERKT.rule is None
    assert VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD.rule == "ABO-01"
    key_words = {
        "Verwerkt": "in the box",
        "TechnischProbleem": "same ids",
        "NietActiefOfGeabonneerd": "on paper",
        "BerichtTypeNietOndersteund": "Leveranciersportaal",
        "PublicatieDatumLigtTeVerInDeToekomst": "new ids",
        "AanmaakDatumLigtTeVerInHetVerleden": "current AanmaakDatum",
        "BerichtBestaatAl": "never resend",
        "BijlageTeGroot": "500,000 bytes",
        "OinInCPAKomtNietOvereenMetOinInBericht": "sender OIN",
        "XmlValidatieTegenXsdValtNegatiefUit": "XSD",
    }
    assert set(_CODE_ACTIONS) == set(VerwerkingsCode)
    for code in VerwerkingsCode:
        assert key_words[code.value] in code.action
    assert VerwerkingsCode.VERWERKT.is_success is True
    assert VerwerkingsCode.TECHNISCH_PROBLEEM.is_success is False
    assert VerwerkingsCode.TECHNISCH_PROBLEEM.is_retryable is True
    assert VerwerkingsCode.VERWERKT.is_retryable is False
    assert VerwerkingsCode.TECHNISCH_PROBLEEM.is_final is False
    assert VerwerkingsCode.BIJLAGE_TE_GROOT.is_final is True


def test_bericht_resultaat_defaults_and_nil():
    b = BerichtResultaat(str(NIL_GUID), "WOZ", "Verwerkt")
    assert b.stadium == "NA"
    assert b.bericht_id == NIL_GUID
    assert b.is_nil is True
    assert BerichtResultaat(uuid.uuid4(), "WOZ", "Verwerkt").is_nil is False


def test_bericht_resultaten_compare_only_with_sequences():
    rows = _rows(2)
    res = BerichtResultaten(rows)
    assert (res == "ab") is False
    assert (res == 5) is False
    assert (res == rows) is True
    assert (res == rows[:1]) is False
    assert (res == list(reversed(rows))) is False
    assert res != [rows[0], rows[0]]
    assert repr(res) == f"BerichtResultaten({rows!r})"
    assert res[0] is rows[0]
    assert res[-1] is rows[1]
    assert res[0:2] == tuple(rows)
    assert list(iter(res)) == rows
    assert len(BerichtResultaten()) == 0
    error = refusal(BerichtResultaten, [rows[0], 3])
    assert (error.rule, error.field, error.message) == (
        "XSD",
        "berichten[1]",
        "expected BerichtResultaat, got int",
    )


COUNTERS = (
    "totaal_aantal_ontvangen",
    "aantal_succesvol_verwerkt",
    "aantal_geen_actieve_box_of_geabonneerd",
    "aantal_technisch_probleem",
    "aantal_bericht_type_niet_correct",
    "aantal_publicatie_datum_niet_correct",
    "aantal_aanmaak_datum_niet_correct",
)


def _counts(**counts):
    fields = dict.fromkeys(COUNTERS[:2], 0) | counts
    return VerwerkingsResultaat("x", uuid.uuid4(), FIXED_NOW, FIXED_NOW, **fields)


@pytest.mark.parametrize("counter", COUNTERS)
def test_every_counter_is_a_count_of_an_xs_int(counter):
    for ok in (0, 1, XS_INT_MAX):
        assert getattr(_counts(**{counter: ok}), counter) == ok
    for bad in (-1, XS_INT_MAX + 1, True, 1.0, "1"):
        error = refusal(_counts, **{counter: bad})
        assert (error.rule, error.field) == ("XSD", counter)
        assert error.message == f"expected a count (0..2147483647), got {bad!r}"


def test_result_defaults_and_its_letter_limit():
    result = _counts()
    assert [getattr(result, c) for c in COUNTERS[2:]] == [0, 0, 0, 0, 0]
    assert result.berichten == ()
    assert result.volledig_verwerkt is False
    many = _rows(1001)
    assert len(_counts(berichten=many[:1000]).berichten) == 1000
    error = refusal(_counts, berichten=many)
    assert (error.rule, error.field, error.message) == ("XSD", "berichten", "1001 berichten; 0..1000 allowed")


def test_tally_counts_every_code_into_its_counter():
    c = VerwerkingsCode
    codes = [
        c.VERWERKT,
        c.VERWERKT,
        c.NIET_ACTIEF_OF_GEABONNEERD,
        c.TECHNISCH_PROBLEEM,
        c.TECHNISCH_PROBLEEM,
        c.TECHNISCH_PROBLEEM,
        c.BERICHT_TYPE_NIET_ONDERSTEUND,
        c.PUBLICATIE_DATUM_LIGT_TE_VER_IN_DE_TOEKOMST,
        c.AANMAAK_DATUM_LIGT_TE_VER_IN_HET_VERLEDEN,
        c.AANMAAK_DATUM_LIGT_TE_VER_IN_HET_VERLEDEN,
        c.BIJLAGE_TE_GROOT,
    ]
    rows = [BerichtResultaat(uuid.uuid4(), "WOZ", code) for code in codes]
    batch_id = uuid.uuid4()
    result = VerwerkingsResultaat.tally("OIN-x", batch_id, rows, FIXED_NOW, FIXED_NOW + timedelta(minutes=1))
    assert [getattr(result, name) for name in COUNTERS] == [11, 2, 1, 3, 1, 1, 2]
    assert (result.berichtleverancier_code, result.batch_id, result.datum_ontvangen) == (
        "OIN-x",
        batch_id,
        FIXED_NOW,
    )
    assert result.datum_verwerkt == FIXED_NOW + timedelta(minutes=1)
    assert result.berichten == rows
    assert (
        VerwerkingsResultaat.tally("x", batch_id, rows, FIXED_NOW, FIXED_NOW, 40).totaal_aantal_ontvangen
        == 40
    )
    assert VerwerkingsResultaat.tally("x", batch_id, [], FIXED_NOW, FIXED_NOW).aantal_succesvol_verwerkt == 0


def test_volledig_verwerkt_needs_letters_and_every_one_verwerkt():
    ok = [BerichtResultaat(uuid.uuid4(), "WOZ", "Verwerkt") for _ in range(2)]
    assert _result(ok).volledig_verwerkt is True
    assert _result([]).volledig_verwerkt is False
    assert _result([*ok, BerichtResultaat(uuid.uuid4(), "WOZ", "BijlageTeGroot")]).volledig_verwerkt is False


def test_resultaat_voor_prefers_the_letters_own_result_over_a_nil_one():
    own, other = uuid.uuid4(), uuid.uuid4()
    nil = BerichtResultaat(NIL_GUID, "WOZ", "XmlValidatieTegenXsdValtNegatiefUit")
    mine = BerichtResultaat(own, "WOZ", "Verwerkt")
    result = _result([nil, mine])
    assert result.resultaat_voor(own) is mine
    assert result.resultaat_voor(other) is nil
    assert _result([mine]).resultaat_voor(other) is None
    assert result.per_bericht([own, other]) == {own: mine, other: nil}
    assert _result([mine]).per_bericht([other]) == {other: None}


def test_validate_abonnementen_edges():
    assert (
        ValidateAbonnementenAanvraag(str(TEST_OIN), "ABCDEFGH", [TEST_BSNS[0]]).berichtleverancier == TEST_OIN
    )
    for bad in ("", "ABCDEFGHI"):
        error = refusal(ValidateAbonnementenAanvraag, TEST_OIN, bad, TEST_BSNS[:1])
        assert (error.rule, error.field) == ("BER-02", "bericht_type")
        assert f"bericht_type is {len(bad)} characters; 1..8 allowed" == error.message
    antwoord = ValidateAbonnementenAntwoord([Abonnement(TEST_BSNS[0], True), Abonnement(TEST_BSNS[1], False)])
    assert {b.value: v for b, v in antwoord.as_dict().items()} == {TEST_BSNS[0]: True, TEST_BSNS[1]: False}
    assert ValidateAbonnementenAntwoord().abonnementen == ()
    assert SoapFault("s:Client", "x").retryable is False
    assert FaultKind.DEPENDENT_SERVICE.retryable is True
    assert FaultKind.APPLICATION.retryable is False


def test_abonnement_aanvraag_keeps_a_given_verzoek_id_and_makes_one_otherwise():
    assert AbonnementAanvraag.voor_bsns(TEST_OIN, TEST_BSNS[:1], "v1").verzoek_id == "v1"
    assert AbonnementAanvraag.mutaties_sinds(TEST_OIN, FIXED_NOW, "v2").verzoek_id == "v2"
    assert AbonnementAanvraag.volledig(TEST_OIN, "v3").verzoek_id == "v3"
    for made in (
        AbonnementAanvraag.voor_bsns(TEST_OIN, TEST_BSNS[:1]),
        AbonnementAanvraag.mutaties_sinds(TEST_OIN, FIXED_NOW),
        AbonnementAanvraag.volledig(TEST_OIN),
        AbonnementAanvraag(TEST_OIN),
    ):
        assert uuid.UUID(made.verzoek_id).version == 4
    voor = AbonnementAanvraag.voor_bsns(str(TEST_OIN), [TEST_BSNS[0]])
    assert (voor.berichtleverancier, [b.value for b in voor.bsns or ()], voor.mutatie_datum) == (
        TEST_OIN,
        [TEST_BSNS[0]],
        None,
    )
    sinds = AbonnementAanvraag.mutaties_sinds(TEST_OIN, FIXED_NOW)
    assert (sinds.bsns, sinds.mutatie_datum) == (None, FIXED_NOW)


def _lazy(n: int, *, bulk: bool, rows_len: int | None = None):
    eager = _rows(n)
    calls: dict[str, list[object]] = {"rows": [], "build": [], "build_all": []}

    def rows() -> list[int]:
        calls["rows"].append(True)
        return list(range(n if rows_len is None else rows_len))

    def build(i: int) -> BerichtResultaat:
        calls["build"].append(i)
        return eager[i]

    def build_all(all_rows) -> list[BerichtResultaat]:
        calls["build_all"].append(list(all_rows))
        return [eager[i] for i in all_rows]

    return BerichtResultaten.lazy(n, rows, build, build_all if bulk else None), eager, calls


def test_a_lazy_sequence_builds_every_letter_in_one_pass_when_it_can():
    lazy, eager, calls = _lazy(4, bulk=True)
    assert list(lazy) == eager
    assert calls == {"rows": [True], "build": [], "build_all": [[0, 1, 2, 3]]}
    assert list(lazy) == eager  # built once
    assert len(calls["build_all"]) == 1


def test_a_lazy_sequence_with_some_letters_built_builds_only_the_others():
    lazy, eager, calls = _lazy(4, bulk=True)
    assert lazy[2] is eager[2]
    assert list(lazy) == eager
    assert calls == {"rows": [True], "build": [2, 0, 1, 3], "build_all": []}
    plain, eager, calls = _lazy(3, bulk=False)
    assert list(plain) == eager
    assert calls == {"rows": [True], "build": [0, 1, 2], "build_all": []}


def test_a_lazy_sequence_of_one_or_none():
    one, eager, calls = _lazy(1, bulk=False)
    assert list(one) == eager
    assert calls["build"] == [0]
    none, _, calls = _lazy(0, bulk=True)
    assert list(none) == []
    assert calls == {"rows": [], "build": [], "build_all": []}  # nothing to fetch


def test_a_lazy_sequence_whose_rows_do_not_match_its_count_refuses_to_guess():
    lazy, _, _ = _lazy(3, bulk=False, rows_len=2)
    with pytest.raises(ValueError, match="zip"):
        list(lazy)


@pytest.mark.parametrize("value", [b"%PDF-", "brief.pdf", bytearray(b"%PDF-"), 5])
def test_bijlagen_must_be_a_list_not_a_single_value(value, tmp_path):
    error = refusal(Bericht, TEST_BSNS[0], "WOZ", "O", bijlagen=value)
    assert (error.rule, error.field) == ("BIJ-01", "bijlagen")
    assert error.message == f"expected a list, got a single {type(value).__name__}: wrap it as [value]"
    path = tmp_path / "brief.pdf"
    error = refusal(Bericht, TEST_BSNS[0], "WOZ", "O", bijlagen=path)
    assert error.message.startswith("expected a list, got a single ")
    assert error.message.endswith("Path: wrap it as [value]")


def test_the_attachment_limit_is_pinned_where_it_lives():
    from mobb_sdk import _models

    assert _models.MAX_BIJLAGEN_BYTES == 500_000


def test_every_list_field_refuses_a_single_value_with_its_rule():
    letter = make_bericht(0)
    cases = [
        (lambda: Batch(TEST_OIN, letter), "BATCH-01", "berichten", "Bericht"),
        (
            lambda: _counts(berichten=BerichtResultaat(NIL_GUID, "WOZ", "Verwerkt")),
            "RES-01",
            "berichten",
            "BerichtResultaat",
        ),
        (
            lambda: ValidateAbonnementenAntwoord(Abonnement(TEST_BSNS[0], True)),
            "ABO-02",
            "abonnementen",
            "Abonnement",
        ),
        (lambda: ValidateAbonnementenAanvraag(TEST_OIN, "WOZ", TEST_BSNS[0]), "ABO-02", "bsns", "str"),
        (lambda: AbonnementAanvraag(TEST_OIN, "v", bsns=TEST_BSNS[0]), "ABO-02", "bsns", "str"),
    ]
    for build, rule, field, kind in cases:
        error = refusal(build)
        assert (error.rule, error.field) == (rule, field)
        assert error.message == f"expected a list, got a single {kind}: wrap it as [value]"


def test_result_letters_must_be_results():
    error = refusal(_counts, berichten=[BerichtResultaat(NIL_GUID, "WOZ", "Verwerkt"), "Verwerkt"])
    assert (error.rule, error.field, error.message) == (
        "RES-01",
        "berichten[1]",
        "expected BerichtResultaat, got str",
    )
    kept = BerichtResultaten(_rows(2))
    assert _counts(berichten=kept).berichten is kept


def test_from_path_reads_up_to_the_attachment_limit_and_names_a_bigger_file(tmp_path):
    at_limit = tmp_path / "precies.pdf"
    at_limit.write_bytes(b"%PDF-" + bytes(500_000 - 5))
    assert Bijlage.from_path(at_limit).size == 500_000
    over = tmp_path / "groot.pdf"
    over.write_bytes(b"%PDF-" + bytes(500_001 - 5))
    error = refusal(Bijlage.from_path, over)
    assert (error.rule, error.field) == ("BIJ-03", "bijlagen")
    assert error.message.startswith("groot.pdf is 500,001 bytes")
    assert error.message.endswith("may have 500,000")


def test_from_path_refuses_a_file_that_grew_while_it_was_read(tmp_path, monkeypatch):
    import os as os_module

    grown = tmp_path / "groeit.pdf"
    grown.write_bytes(b"%PDF-" + bytes(600_000))
    real_fstat = os_module.fstat

    class _Small:
        st_size = 10

    monkeypatch.setattr(os_module, "fstat", lambda fd: _Small() if fd > 2 else real_fstat(fd))
    error = refusal(Bijlage.from_path, grown)
    assert (error.rule, error.field, error.message) == (
        "BIJ-03",
        "bijlagen",
        "groeit.pdf is over 500,000 bytes",
    )


def test_from_path_names_a_file_it_cannot_read(tmp_path, monkeypatch):
    from pathlib import Path

    from mobb_sdk import StorageError

    secret = tmp_path / "geheim.pdf"
    secret.write_bytes(b"%PDF-1")
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(StorageError) as info:
        Bijlage.from_path(secret)
    assert str(info.value).startswith("cannot read the attachment geheim.pdf: Permission denied")

    def refuse_without_text(self, *args, **kwargs):
        raise OSError("kapot")

    monkeypatch.setattr(Path, "open", refuse_without_text)
    with pytest.raises(StorageError) as info:
        Bijlage.from_path(secret)
    assert str(info.value).startswith("cannot read the attachment geheim.pdf: kapot")


def test_bericht_create_refuses_a_single_attachment_not_in_a_list():
    error = refusal(Bericht.create, TEST_BSNS[0], "WOZ", "O", bijlagen=b"%PDF-1")
    assert (error.rule, error.field) == ("BIJ-01", "bijlagen")
    assert error.message == "expected a list, got a single bytes: wrap it as [value]"


def test_bericht_create_names_an_attachment_of_no_known_kind():
    error = refusal(Bericht.create, TEST_BSNS[0], "WOZ", "O", bijlagen=[b"%PDF-1", 42])
    assert (error.rule, error.field) == ("BIJ-01", "bijlagen[1]")
    assert error.message == "expected a Bijlage, PDF bytes or a path, got int"


@pytest.mark.parametrize("value", [1, "true", None])
def test_mag_ontvangen_is_a_bool(value):
    error = refusal(Abonnement, TEST_BSNS[0], value)
    assert (error.rule, error.field) == ("ABO-01", "mag_ontvangen")
    assert error.message == f"expected True or False, got {type(value).__name__}"


def test_an_answer_holds_abonnementen_only():
    error = refusal(ValidateAbonnementenAntwoord, [Abonnement(TEST_BSNS[0], True), (TEST_BSNS[1], False)])
    assert (error.rule, error.field) == ("ABO-02", "abonnementen[1]")
    assert error.message == "expected Abonnement, got tuple"


def test_enum_fields_name_a_value_of_no_known_kind():
    error = refusal(Bijlage, b"%PDF-", "o", 1, "Docx")
    assert (error.rule, error.field, error.message) == ("BIJ-02", "bijlage_type", "expected one of 'Pdf'")
    error = refusal(Bericht, TEST_BSNS[0], "WOZ", "O", soort_gebruiker="Bedrijf")
    assert (error.rule, error.field, error.message) == (
        "BER-10",
        "soort_gebruiker",
        "expected one of 'Burger'",
    )


def test_from_path_wants_a_path_to_a_pdf(tmp_path):
    from mobb_sdk import StorageError

    error = refusal(Bijlage.from_path, 5)
    assert (error.rule, error.field, error.message) == (
        "BIJ-02",
        "bijlagen",
        "expected a path to a PDF, got int",
    )
    error = refusal(Bijlage.from_path, tmp_path / "brief.docx")
    assert (error.rule, error.field) == ("BIJ-02", "bijlagen")
    assert error.message == "brief.docx: attachments are PDF files (.pdf), this is not one"
    (tmp_path / "map.pdf").mkdir()
    with pytest.raises(StorageError) as info:
        Bijlage.from_path(tmp_path / "map.pdf")
    assert str(info.value).startswith("map.pdf is a directory, not a PDF file")
