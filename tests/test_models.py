from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

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
from mobb_sdk._models import decode_tekst, encode_tekst

from .conftest import FIXED_NOW, TEST_BSNS, TEST_OIN, make_batch, make_bericht


def rule_of(callable_, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(InvalidValueError) as info:
        callable_(*args, **kwargs)
    return info.value.rule, info.value.field


def test_models_are_frozen():
    bericht = make_bericht()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        bericht.onderwerp = "x"  # type: ignore[misc]


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
    assert rule_of(make_bericht, **{field: value})[0] == rule


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
    assert rule_of(make_bericht, bericht_tekst=ok + "c")[0] == "BER-06"


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
    assert rule_of(make_bericht, bijlagen=[b"a", b"b", b"c"])[0] == "BIJ-01"
    assert rule_of(Bijlage, b"", "leeg")[0] == "BIJ-06"
    assert rule_of(Bijlage, b"x", "")[0] == "BIJ-04"
    assert rule_of(Bijlage, b"x", "o" * 129)[0] == "BIJ-04"
    assert rule_of(Bijlage, b"x", "ok", 2**31)[0] == "BIJ-05"


def test_bijlage_repr_hides_content():
    assert "<3 bytes>" in repr(Bijlage(b"abc", "x"))


def test_bericht_ids_are_generated_and_kept():
    a, b = make_bericht(), make_bericht()
    assert a.bericht_id != b.bericht_id
    fixed = uuid.uuid4()
    assert make_bericht(bericht_id=str(fixed)).bericht_id == fixed
    assert rule_of(make_bericht, bericht_id="not-a-guid")[0] == "BER-01"


def test_bericht_repr_masks_bsn():
    bericht = make_bericht()
    assert TEST_BSNS[0] not in repr(bericht)


def test_batch_counts_and_split():
    assert rule_of(Batch, TEST_OIN, [])[0] == "BATCH-01"
    letters = [make_bericht(i) for i in range(2501)]
    with pytest.raises(InvalidValueError):
        Batch(TEST_OIN, letters[:1001])
    batches = Batch.split(TEST_OIN, letters)
    assert [len(b) for b in batches] == [1000, 1000, 501]
    assert len({b.batch_id for b in batches}) == 3
    assert [bb.bericht_id for b in batches for bb in b] == [b.bericht_id for b in letters]
    assert rule_of(Batch.split, TEST_OIN, letters, 1001)[0] == "BATCH-01"


def test_batch_requires_aware_aanmaak_datum_and_a_valid_oin():
    assert rule_of(make_batch, aanmaak_datum=datetime(2026, 1, 1))[0] == "BATCH-04"
    assert rule_of(make_batch, afzender="123")[0] == "BATCH-05"
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
    with pytest.raises(ValueError):
        BerichtResultaat(uuid.uuid4(), "WOZ", "Onbekend")
    with pytest.raises(InvalidValueError):
        VerwerkingsResultaat("x", uuid.uuid4(), FIXED_NOW, FIXED_NOW, -1, 0)


def test_validate_abonnementen_models():
    aanvraag = ValidateAbonnementenAanvraag(TEST_OIN, "WOZ", TEST_BSNS[:3])
    assert len(aanvraag.bsns) == 3
    assert rule_of(ValidateAbonnementenAanvraag, TEST_OIN, "WOZ", [])[0] == "ABO-02"
    assert rule_of(ValidateAbonnementenAanvraag, TEST_OIN, "WOZ", TEST_BSNS[:251])[0] == "ABO-02"
    antwoord = ValidateAbonnementenAntwoord([Abonnement(TEST_BSNS[0], True), Abonnement(None, False)])
    assert list(antwoord.as_dict().values()) == [True]
    assert SoapFault("s:Server", "x", FaultKind.DEPENDENT_SERVICE).retryable
    assert not SoapFault("s:Client", "x", FaultKind.APPLICATION).retryable


def test_abonnement_aanvraag_variants():
    assert AbonnementAanvraag.voor_bsns(TEST_OIN, TEST_BSNS[:2]).bsns is not None
    assert AbonnementAanvraag.mutaties_sinds(TEST_OIN, FIXED_NOW).mutatie_datum == FIXED_NOW
    full = AbonnementAanvraag.volledig(TEST_OIN)
    assert full.bsns is None and full.mutatie_datum is None
    with pytest.raises(InvalidValueError):
        AbonnementAanvraag(TEST_OIN, "v", bsns=TEST_BSNS[:1], mutatie_datum=FIXED_NOW)
    with pytest.raises(InvalidValueError):
        AbonnementAanvraag(TEST_OIN, "v", bsns=[])


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
    with pytest.raises(IndexError):
        lazy[5]
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
