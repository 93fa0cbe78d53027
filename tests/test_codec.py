from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from mobb_sdk import (
    NIL_GUID,
    VALIDATE_ABONNEMENTEN_ACTION,
    Abonnement,
    AbonnementAanvraag,
    Batch,
    BerichtResultaat,
    Bijlage,
    DocumentTypeError,
    FaultKind,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    ValidationError,
    VerwerkingsCode,
    VerwerkingsResultaat,
    from_soap,
    from_xml,
    make_pdf,
    to_soap,
    to_xml,
    validate,
    write_batch,
)
from mobb_sdk import _codec as codec
from mobb_sdk import _namespaces as ns

from .conftest import FIXED_NOW, TEST_BSNS, TEST_OIN, make_batch, make_bericht

DATA = Path(__file__).parent / "data" / "xml"


def result_model(n: int = 3) -> VerwerkingsResultaat:
    codes = list(VerwerkingsCode)
    berichten = [BerichtResultaat(uuid.uuid4(), "WOZ", codes[i % len(codes)]) for i in range(n)]
    berichten.append(
        BerichtResultaat(NIL_GUID, "WOZ", VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT, None)
    )
    return VerwerkingsResultaat.tally(
        str(TEST_OIN), uuid.uuid4(), berichten, FIXED_NOW, FIXED_NOW + timedelta(hours=1)
    )


MODELS = {
    "batch": lambda: make_batch(3, with_pdf=True),
    "batch-full": lambda: Batch(
        TEST_OIN,
        [
            make_bericht(
                0,
                publicatie_datum=FIXED_NOW + timedelta(days=2),
                eind_datum_handelings_termijn=datetime(
                    2027, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))
                ),
                bericht_tekst="Zie https://example.nl \nvoor €uitleg & <meer>",
                referentie="",
                bijlagen=[b"%PDF-1.4 one", b"%PDF-1.4 two"],
            ),
            make_bericht(1, bericht_tekst=None, referentie=None),
        ],
    ),
    "result": result_model,
    "result-empty": lambda: result_model(0),
    "wus-request": lambda: ValidateAbonnementenAanvraag(TEST_OIN, "WOZ", TEST_BSNS[:5]),
    "wus-response": lambda: ValidateAbonnementenAntwoord(
        [Abonnement(TEST_BSNS[0], True), Abonnement(TEST_BSNS[1], False), Abonnement(None, False)]
    ),
    "abo-bsns": lambda: AbonnementAanvraag.voor_bsns(TEST_OIN, TEST_BSNS[:4]),
    "abo-mutaties": lambda: AbonnementAanvraag.mutaties_sinds(TEST_OIN, FIXED_NOW),
    "abo-volledig": lambda: AbonnementAanvraag.volledig(TEST_OIN),
}


@pytest.mark.parametrize("name", MODELS)
def test_round_trip_is_exact_and_schema_valid(name):
    model = MODELS[name]()
    xml = to_xml(model, validate=True)
    assert xml.startswith(b"<?xml")
    assert validate(xml).ok
    assert from_xml(xml) == model
    assert from_xml(xml, type(model)) == model


def test_batch_layout_is_qualified_and_in_spec_order():
    batch = MODELS["batch-full"]()
    root = etree.fromstring(to_xml(batch))
    assert root.tag == f"{{{ns.BVS}}}Berichten"
    assert [etree.QName(c).localname for c in root[0]] == ["BatchID", "AanmaakDatum", "BerichtLeverancierID"]
    bericht = root[1]
    assert bericht.tag == f"{{{ns.BER}}}Bericht"
    names = [etree.QName(c).localname for c in bericht[0]]
    assert names == [
        "BatchID",
        "BerichtID",
        "BerichtType",
        "PublicatieDatum",
        "EindDatumHandelingsTermijn",
        "Onderwerp",
        "BerichtTekst",
        "Referentie",
        "GebruikerID",
        "SoortGebruiker",
    ]
    assert all(etree.QName(el).namespace == ns.BER for el in bericht.iter())
    assert bericht[0][0].text == str(batch.batch_id)
    tekst = bericht[0][6].text
    assert "\\r\\n" in tekst and "\n" not in tekst and "\r" not in tekst
    assert [etree.QName(c).localname for c in bericht[1][1]] == [
        "Inhoud",
        "BijlageType",
        "Omschrijving",
        "Volgorde",
    ]
    # A letter without attachments has no Bijlagen element at all (BIJ-01).
    assert len(root[2]) == 1


def test_result_children_are_unqualified_and_stadium_always_written():
    root = etree.fromstring(to_xml(result_model(2)))
    assert root.tag == f"{{{ns.BVS}}}BerichtVerwerkResponse"
    assert root[0].tag == "BatchInformatie" and root[1].tag == "Berichten"
    for el in root[1]:
        assert el.tag == f"{{{ns.RES}}}Bericht"
        assert [c.tag for c in el] == ["BerichtID", "BerichtType", "VerwerkingsCode", "Stadium"]
    assert root[1][-1][3].get(f"{{{ns.XSI}}}nil") == "true"


def test_reading_accepts_any_prefixes():
    xml = (DATA / "batch_valid.xml").read_bytes()
    batch = from_xml(xml, Batch)
    assert len(batch) >= 1
    renamed = to_xml(batch).replace(b"bvs:", b"p1:").replace(b"xmlns:bvs", b"xmlns:p1")
    renamed = renamed.replace(b"ber:", b"x9:").replace(b"xmlns:ber", b"xmlns:x9")
    assert from_xml(renamed) == batch


# Fault details are not documents of their own (see the SOAP tests); the sample WUS request holds a nil
# Klant on purpose, which the XSD allows but no request model can carry (tested below).
SAMPLES = [
    p for p in sorted(DATA.glob("*_valid.xml")) if "fault" not in p.name and "wus_request" not in p.name
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_document_reads_and_writes_back_the_same_model(path):
    model = from_xml(path.read_bytes())
    assert from_xml(to_xml(model, validate=True)) == model


def test_a_wus_request_with_a_nil_klant_is_schema_valid_but_refused_as_a_model():
    xml = (DATA / "wus_request_valid.xml").read_bytes()
    from mobb_sdk._xml import parse_xml
    from mobb_sdk._xsd_validation import validate_tree

    assert validate_tree(parse_xml(xml)).ok
    assert validate(xml).rules == {"BER-09"}
    with pytest.raises(ValidationError) as info:
        from_xml(xml)
    assert [(v.rule, v.path) for v in info.value.violations] == [("BER-09", "bsns")]


def test_naive_datetimes_in_foreign_documents_are_dutch_time():
    xml = to_xml(make_batch(1)).decode()
    start = xml.index("<bvs:AanmaakDatum>") + len("<bvs:AanmaakDatum>")
    end = xml.index("</bvs:AanmaakDatum>")
    xml = xml[:start] + "2026-07-01T10:00:00" + xml[end:]
    batch = from_xml(xml.encode(), Batch)
    assert batch.aanmaak_datum == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_a_batch_with_a_bad_bsn_reports_the_path_without_the_number():
    xml = to_xml(make_batch(3)).decode().replace(TEST_BSNS[1], "123456789")
    with pytest.raises(ValidationError) as info:
        from_xml(xml.encode())
    [v] = info.value.violations
    assert (v.rule, v.path) == ("BER-09", "berichten[1].bsn")
    assert "123456789" not in str(info.value)


def test_a_letter_repeating_another_batch_id_breaks_batch_03():
    batch = make_batch(2)
    xml = to_xml(batch).decode()
    other = str(uuid.uuid4())
    head, _, tail = xml.rpartition(f"<ber:BatchID>{batch.batch_id}</ber:BatchID>")
    with pytest.raises(ValidationError) as info:
        from_xml(f"{head}<ber:BatchID>{other}</ber:BatchID>{tail}".encode())
    assert [(v.rule, v.path) for v in info.value.violations] == [("BATCH-03", "berichten[1].batch_id")]


def test_invalid_document_raises_with_violations_and_expected_type_is_checked():
    xml = to_xml(make_batch(1)).replace(b"<ber:SoortGebruiker>Burger", b"<ber:SoortGebruiker>Bedrijf")
    with pytest.raises(ValidationError) as info:
        from_xml(xml)
    assert "BER-10" in info.value.rules
    with pytest.raises(DocumentTypeError):
        from_xml(to_xml(result_model(1)), Batch)


def _batch_breaking_the_xsd() -> Batch:
    batch = make_batch(1)
    # Models refuse this themselves; bypass that on purpose to prove the XSD check still stands.
    object.__setattr__(batch.berichten[0], "onderwerp", "x" * 51)
    return batch


def test_to_xml_validate_refuses_to_return_an_invalid_document():
    batch = _batch_breaking_the_xsd()
    assert to_xml(batch)  # without validate, it is written as is
    with pytest.raises(ValidationError) as info:
        to_xml(batch, validate=True)
    assert [(v.rule, v.path) for v in info.value.violations] == [
        ("BER-05", "/Berichten/Bericht/BerichtInformatie/Onderwerp")
    ]


def test_soap_envelopes():
    request = MODELS["wus-request"]()
    envelope = to_soap(request)
    root = etree.fromstring(envelope)
    assert root.tag == f"{{{ns.SOAP11}}}Envelope"
    assert root[0][0].tag == f"{{{ns.VAL}}}ValidateAbonnementen"
    assert from_soap(envelope) == request
    assert from_xml(envelope) == request  # the envelope is unwrapped
    answer = MODELS["wus-response"]()
    assert from_soap(to_soap(answer)) == answer
    assert VALIDATE_ABONNEMENTEN_ACTION.endswith("/IBerichtenboxValidatieService/ValidateAbonnementen")


@pytest.mark.parametrize("kind", [*FaultKind, None])
def test_soap_faults_round_trip(kind):
    fault = SoapFault(
        "s:Server" if kind else "s:Client", "Er ging iets mis", kind, "detail" if kind else None
    )
    parsed = from_soap(to_soap(fault))
    assert parsed == fault
    assert parsed.retryable is (kind is FaultKind.DEPENDENT_SERVICE)


def test_from_soap_refuses_a_bare_document():
    with pytest.raises(DocumentTypeError):
        from_soap(to_xml(MODELS["wus-request"]()))


def test_write_batch_streams_the_same_document(tmp_path):
    batch = make_batch(4, with_pdf=True)
    target = tmp_path / "batch.xml"
    written = write_batch(batch, target)
    data = target.read_bytes()
    assert written == len(data)
    assert validate(data).ok
    assert from_xml(data) == batch
    buffer = io.BytesIO()
    write_batch(batch, buffer)
    assert buffer.getvalue() == data


def test_write_batch_writes_the_bytes_of_to_xml():
    # Markup-like text (escaped by lxml) must not be mistaken for the attachment placeholder.
    tricky = make_bericht(
        1, onderwerp="<ber:Inhoud>AA==</ber:Inhoud>", bijlagen=[Bijlage(b"%PDF-1.4 tiny", "Bijlage", 1)]
    )
    for batch in (make_batch(3), make_batch(3, with_pdf=True), Batch(TEST_OIN, [make_bericht(0), tricky])):
        buffer = io.BytesIO()
        assert write_batch(batch, buffer) == len(buffer.getvalue())
        assert buffer.getvalue() == to_xml(batch)


def test_stream_batch_groups_letters_and_writes_what_write_batch_writes(monkeypatch):
    # Groups end after a number of letters and after an amount of attachment content: both seams.
    monkeypatch.setattr(codec, "_GROUP_LETTERS", 3)
    monkeypatch.setattr(codec, "_GROUP_BYTES", 2 * len(make_pdf("Aanslag")))
    mixed = [make_bericht(i, bijlagen=[make_pdf("Aanslag")] * (i % 3)) for i in range(10)]
    for berichten in (mixed, [make_bericht(i) for i in range(7)]):
        batch = Batch(TEST_OIN, berichten)
        out = io.BytesIO()
        n = codec.stream_batch(
            out,
            batch_id=batch.batch_id,
            aanmaak_datum=batch.aanmaak_datum,
            afzender=batch.afzender.value,
            berichten=iter(berichten),
        )
        assert out.getvalue() == to_xml(batch) and n == len(out.getvalue())


def test_write_batch_large_attachment_is_chunked_correctly(tmp_path):
    big = bytes(range(256)) * 1500 + b"tail"  # not a multiple of the chunk size
    batch = Batch(TEST_OIN, [make_bericht(0, bijlagen=[big])])
    target = tmp_path / "big.xml"
    write_batch(batch, target)
    assert from_xml(target).berichten[0].bijlagen[0].inhoud == big


def test_write_batch_refuses_invalid_and_writes_nothing(tmp_path):
    batch = _batch_breaking_the_xsd()
    target = tmp_path / "never.xml"
    with pytest.raises(ValidationError) as info:
        write_batch(batch, target)
    assert "BER-05" in info.value.rules
    assert not target.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-03-03T08:09:08.790Z", datetime(2017, 3, 3, 8, 9, 8, 790000, tzinfo=UTC)),
        ("2017-03-03T08:09:08+01:00", datetime(2017, 3, 3, 7, 9, 8, tzinfo=UTC)),
        ("2017-03-03T24:00:00Z", datetime(2017, 3, 4, tzinfo=UTC)),
        ("2017-01-01T12:00:00", datetime(2017, 1, 1, 11, 0, tzinfo=UTC)),  # naive: Dutch winter time
    ],
)
def test_parse_datetime(text, expected):
    from mobb_sdk._codec import parse_datetime

    assert parse_datetime(text) == expected


def _result_by_elements(result: VerwerkingsResultaat) -> bytes:
    """The result document built element by element: what to_xml must write, byte for byte."""
    root = etree.Element(
        f"{{{ns.BVS}}}BerichtVerwerkResponse", nsmap={"bvs": ns.BVS, "res": ns.RES, "xsi": ns.XSI}
    )
    info = etree.SubElement(root, "BatchInformatie")
    etree.SubElement(info, "BerichtLeverancierCode").text = result.berichtleverancier_code
    etree.SubElement(info, "BatchID").text = str(result.batch_id)
    for tag, attr in codec._RESULT_COUNTERS:
        etree.SubElement(info, tag).text = str(getattr(result, attr))
    etree.SubElement(info, "DatumOntvangen").text = result.datum_ontvangen.isoformat()
    etree.SubElement(info, "DatumVerwerkt").text = result.datum_verwerkt.isoformat()
    berichten = etree.SubElement(root, "Berichten")
    for b in result.berichten:
        el = etree.SubElement(berichten, f"{{{ns.RES}}}Bericht")
        etree.SubElement(el, "BerichtID").text = str(b.bericht_id)
        etree.SubElement(el, "BerichtType").text = b.bericht_type
        etree.SubElement(el, "VerwerkingsCode").text = b.verwerkings_code.value
        stadium = etree.SubElement(el, "Stadium")
        if b.stadium is None:
            stadium.set(f"{{{ns.XSI}}}nil", "true")
        else:
            stadium.text = b.stadium
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


@pytest.mark.parametrize("with_empty", [False, True])
def test_result_document_is_written_exactly_whatever_the_texts(with_empty):
    types = ["WOZ", "A&B", "<x>", "a\rb", "é€", "x]]>y", "tab\tq", "nl\nx", "'\""]
    stadia = [None, "NA", "Validatie & <b>", "cr\r\n", "ValidatieBericht"]
    codes = list(VerwerkingsCode)
    lines = [
        BerichtResultaat(uuid.UUID(int=i * 7919), types[i % len(types)], codes[i % len(codes)], stadia[i % 5])
        for i in range(60)
    ]
    if with_empty:  # the nil-GUID line of RES-01 has an empty type; an empty Stadium is allowed
        lines += [BerichtResultaat(NIL_GUID, "", codes[0], ""), BerichtResultaat(uuid.uuid4(), "", codes[1])]
    result = VerwerkingsResultaat.tally(TEST_OIN.value, uuid.uuid4(), lines, FIXED_NOW, FIXED_NOW)
    assert to_xml(result) == _result_by_elements(result)
    assert from_xml(to_xml(result)) == result


def test_result_with_a_text_xml_cannot_carry_is_refused():
    line = BerichtResultaat(uuid.uuid4(), "a\x01", VerwerkingsCode.VERWERKT)
    with pytest.raises(ValueError):
        to_xml(VerwerkingsResultaat.tally(TEST_OIN.value, uuid.uuid4(), [line], FIXED_NOW, FIXED_NOW))
