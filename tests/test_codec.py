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
    with pytest.raises(DocumentTypeError, match="expected a Batch document"):
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
    with pytest.raises(DocumentTypeError, match=r"expected a SOAP 1\.1 Envelope, got <ValidateAbonnementen>"):
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
    with pytest.raises(ValueError, match="XML compatible"):
        to_xml(VerwerkingsResultaat.tally(TEST_OIN.value, uuid.uuid4(), [line], FIXED_NOW, FIXED_NOW))


# --- the wire text exactly, and every reading edge with its path and message ----------------------------------

FIXED_ID = uuid.UUID("12345678-1234-4234-8234-123456789abc")
OTHER_ID = uuid.UUID("87654321-4321-4321-8321-cba987654321")


def shape(xml: bytes) -> list[tuple[str | None, str, str | None, dict[str, str]]]:
    """(prefix, local name, text, attributes) of every element, in document order."""
    root = etree.fromstring(xml)
    return [
        (el.prefix, etree.QName(el).localname, el.text, dict(el.attrib))
        for el in root.iter()
        if isinstance(el.tag, str)
    ]


def test_documents_start_with_an_utf8_declaration():
    for model in (make_batch(1), result_model(1), MODELS["wus-request"](), MODELS["abo-volledig"]()):
        assert to_xml(model).startswith(b"<?xml version='1.0' encoding='utf-8'?>\n")
    assert to_soap(SoapFault("s:Client", "x")).startswith(b"<?xml version='1.0' encoding='utf-8'?>\n")


def test_a_result_is_written_exactly_as_the_spec_shows():
    rows = [
        BerichtResultaat(FIXED_ID, "WOZ", VerwerkingsCode.VERWERKT),
        BerichtResultaat(OTHER_ID, "AANSL", VerwerkingsCode.TECHNISCH_PROBLEEM, None),
    ]
    result = VerwerkingsResultaat.tally("LEV", FIXED_ID, rows, FIXED_NOW, FIXED_NOW + timedelta(minutes=1))
    xml = to_xml(result)
    assert etree.fromstring(xml).nsmap == {"bvs": ns.BVS, "res": ns.RES, "xsi": ns.XSI}
    nil = {f"{{{ns.XSI}}}nil": "true"}
    assert shape(xml) == [
        ("bvs", "BerichtVerwerkResponse", None, {}),
        (None, "BatchInformatie", None, {}),
        (None, "BerichtLeverancierCode", "LEV", {}),
        (None, "BatchID", str(FIXED_ID), {}),
        (None, "TotaalAantalOntvangenBerichten", "2", {}),
        (None, "AantalBerichtenSuccesvolVerwerkt", "1", {}),
        (None, "AantalBerichtenGeenActieveBoxOfGeabonneertOpLeverancier", "0", {}),
        (None, "AantalBerichtenMetTechnischProbleem", "1", {}),
        (None, "AantalBerichtenBerichtTypeNietCorrect", "0", {}),
        (None, "AantalBerichtenPublicatieDatumNietCorrect", "0", {}),
        (None, "AantalBerichtenAanmaakDatumNietCorrect", "0", {}),
        (None, "DatumOntvangen", "2026-11-28T12:00:00+00:00", {}),
        (None, "DatumVerwerkt", "2026-11-28T12:01:00+00:00", {}),
        (None, "Berichten", None, {}),
        ("res", "Bericht", None, {}),
        (None, "BerichtID", str(FIXED_ID), {}),
        (None, "BerichtType", "WOZ", {}),
        (None, "VerwerkingsCode", "Verwerkt", {}),
        (None, "Stadium", "NA", {}),
        ("res", "Bericht", None, {}),
        (None, "BerichtID", str(OTHER_ID), {}),
        (None, "BerichtType", "AANSL", {}),
        (None, "VerwerkingsCode", "TechnischProbleem", {}),
        (None, "Stadium", None, nil),
    ]


def test_wus_and_abonnement_documents_are_written_exactly():
    request = ValidateAbonnementenAanvraag(TEST_OIN, "WOZ", TEST_BSNS[:2])
    xml = to_xml(request)
    assert etree.fromstring(xml).nsmap == {"val": ns.VAL, "valt": ns.VALT, "sh": ns.SH}
    klant = [("sh", "Klant", None, {}), ("sh", "Key", None, {}), ("sh", "Rol", "Burger", {})]
    assert shape(xml) == [
        ("val", "ValidateAbonnementen", None, {}),
        ("val", "validateAbonnementenAanvraag", None, {}),
        ("valt", "berichtleverancierCode", str(TEST_OIN), {}),
        ("valt", "berichtTypeCode", "WOZ", {}),
        ("valt", "klanten", None, {}),
        klant[0],
        ("sh", "Key", TEST_BSNS[0], {}),
        klant[2],
        klant[0],
        ("sh", "Key", TEST_BSNS[1], {}),
        klant[2],
    ]
    answer = ValidateAbonnementenAntwoord([Abonnement(TEST_BSNS[0], True), Abonnement(None, False)])
    xml = to_xml(answer)
    assert etree.fromstring(xml).nsmap == {"val": ns.VAL, "valt": ns.VALT, "sh": ns.SH, "xsi": ns.XSI}
    assert shape(xml) == [
        ("val", "ValidateAbonnementenResponse", None, {}),
        ("val", "ValidateAbonnementenResult", None, {}),
        ("valt", "Abonnement", None, {}),
        ("valt", "klant", None, {}),
        ("sh", "Key", TEST_BSNS[0], {}),
        ("sh", "Rol", "Burger", {}),
        ("valt", "isBerichtSturen", "true", {}),
        ("valt", "Abonnement", None, {}),
        ("valt", "klant", None, {}),
        ("sh", "Key", None, {f"{{{ns.XSI}}}nil": "true"}),
        ("sh", "Rol", "Burger", {}),
        ("valt", "isBerichtSturen", "false", {}),
    ]
    head = [("abo", "AbonnementAanvraag", None, {}), (None, "BerichtLeverancier", None, {})]
    head += [(None, "OIN", str(TEST_OIN), {}), (None, "VerzoekId", "v1", {})]
    assert etree.fromstring(to_xml(AbonnementAanvraag.volledig(TEST_OIN, "v1"))).nsmap == {"abo": ns.ABO}
    assert shape(to_xml(AbonnementAanvraag.volledig(TEST_OIN, "v1"))) == head
    assert shape(to_xml(AbonnementAanvraag.voor_bsns(TEST_OIN, TEST_BSNS[:2], "v1"))) == [
        *head,
        (None, "BSNLijst", None, {}),
        (None, "BSN", TEST_BSNS[0], {}),
        (None, "BSN", TEST_BSNS[1], {}),
    ]
    assert shape(to_xml(AbonnementAanvraag.mutaties_sinds(TEST_OIN, FIXED_NOW, "v1"))) == [
        *head,
        (None, "MutatieDatum", "2026-11-28T12:00:00+00:00", {}),
    ]


def test_a_batch_and_its_attachments_are_written_exactly():
    bericht = make_bericht(0, bericht_id=FIXED_ID, bijlagen=[b"%PDF-1", b"%PDF-22"], referentie=None)
    batch = Batch(TEST_OIN, [bericht], batch_id=OTHER_ID, aanmaak_datum=FIXED_NOW)
    xml = to_xml(batch)
    assert etree.fromstring(xml).nsmap == {"bvs": ns.BVS, "ber": ns.BER}
    assert shape(xml) == [
        ("bvs", "Berichten", None, {}),
        ("bvs", "BatchInformatie", None, {}),
        ("bvs", "BatchID", str(OTHER_ID), {}),
        ("bvs", "AanmaakDatum", "2026-11-28T12:00:00+00:00", {}),
        ("bvs", "BerichtLeverancierID", str(TEST_OIN), {}),
        ("ber", "Bericht", None, {}),
        ("ber", "BerichtInformatie", None, {}),
        ("ber", "BatchID", str(OTHER_ID), {}),
        ("ber", "BerichtID", str(FIXED_ID), {}),
        ("ber", "BerichtType", "WOZ", {}),
        ("ber", "Onderwerp", "Aanslag 0", {}),
        ("ber", "BerichtTekst", "Beste inwoner,\\r\\nUw aanslag staat klaar.", {}),
        ("ber", "GebruikerID", TEST_BSNS[0], {}),
        ("ber", "SoortGebruiker", "Burger", {}),
        ("ber", "Bijlagen", None, {}),
        ("ber", "Bijlage", None, {}),
        ("ber", "Inhoud", "JVBERi0x", {}),
        ("ber", "BijlageType", "Pdf", {}),
        ("ber", "Omschrijving", "Bijlage 1", {}),
        ("ber", "Volgorde", "1", {}),
        ("ber", "Bijlage", None, {}),
        ("ber", "Inhoud", "JVBERi0yMg==", {}),
        ("ber", "BijlageType", "Pdf", {}),
        ("ber", "Omschrijving", "Bijlage 2", {}),
        ("ber", "Volgorde", "2", {}),
    ]
    streamed = io.BytesIO()
    assert write_batch(batch, streamed) == len(streamed.getvalue())
    assert shape(streamed.getvalue()) == shape(xml)


class _NoCount:
    """A binary target whose write() answers None, as raw files may."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data


def test_write_batch_counts_bytes_whatever_the_target_answers(tmp_path):
    batch = make_batch(2, with_pdf=True)
    target = _NoCount()
    written = write_batch(batch, target)  # type: ignore[arg-type]
    assert written == len(target.data) > 0
    as_str = tmp_path / "as-str.xml"
    assert write_batch(batch, str(as_str)) == written
    assert as_str.read_bytes() == bytes(target.data)
    assert from_xml(bytes(target.data)) == batch


def test_write_batch_without_validation_writes_what_the_xsd_refuses(tmp_path):
    batch = _batch_breaking_the_xsd()
    target = tmp_path / "unchecked.xml"
    assert write_batch(batch, target, validate=False) == target.stat().st_size
    assert b"x" * 51 in target.read_bytes()
    with pytest.raises(ValidationError) as info:
        write_batch(batch, tmp_path / "checked.xml")
    assert "nothing was written" in str(info.value)
    assert [(v.rule, v.path) for v in info.value.violations] == [
        ("BER-05", "/Berichten/Bericht/BerichtInformatie/Onderwerp")
    ]


def test_parse_datetime_edges():
    from mobb_sdk._codec import DUTCH_TIME, format_datetime, parse_datetime

    assert str(DUTCH_TIME) == "Europe/Amsterdam"
    assert parse_datetime(" 2017-03-03T24:00:00+01:00 ") == datetime(2017, 3, 3, 23, 0, tzinfo=UTC)
    assert parse_datetime("2017-07-01T12:00:00").utcoffset() == timedelta(hours=2)  # summer time
    assert parse_datetime("2017-07-01T12:00:00+05:00").utcoffset() == timedelta(hours=5)
    assert format_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05+00:00"


def _result_xml(**replace: str) -> bytes:
    rows = [
        BerichtResultaat(FIXED_ID, "WOZ", VerwerkingsCode.VERWERKT, "ValidatieGebruiker"),
        BerichtResultaat(OTHER_ID, "AANSL", VerwerkingsCode.BIJLAGE_TE_GROOT),
    ]
    xml = to_xml(VerwerkingsResultaat.tally("LEV", FIXED_ID, rows, FIXED_NOW, FIXED_NOW)).decode()
    for old, new in replace.items():
        assert old in xml
        xml = xml.replace(old, new)
    return xml.encode()


@pytest.mark.parametrize("validate_", [True, False])
def test_a_result_read_fast_or_row_by_row_gives_the_same_letters(validate_):
    fast = from_xml(_result_xml(), VerwerkingsResultaat, validate=validate_)
    assert [(b.bericht_id, b.bericht_type, b.verwerkings_code, b.stadium) for b in fast.berichten] == [
        (FIXED_ID, "WOZ", VerwerkingsCode.VERWERKT, "ValidatieGebruiker"),
        (OTHER_ID, "AANSL", VerwerkingsCode.BIJLAGE_TE_GROOT, "NA"),
    ]
    got = fast.berichten[0].bericht_id
    assert (type(got), got.int, got.is_safe, hash(got)) == (
        uuid.UUID,
        FIXED_ID.int,
        uuid.SafeUUID.unknown,
        hash(FIXED_ID),
    )
    assert fast.batch_id == FIXED_ID
    assert (fast.totaal_aantal_ontvangen, fast.aantal_succesvol_verwerkt) == (2, 1)
    assert fast.datum_ontvangen == FIXED_NOW
    # Row by row: one letter has a nil Stadium, the other none at all.
    nil = _result_xml(**{"<Stadium>ValidatieGebruiker</Stadium>": '<Stadium xsi:nil="1"/>'})
    absent = _result_xml(**{"<Stadium>NA</Stadium>": ""})
    for xml, stadia in ((nil, [None, "NA"]), (absent, ["ValidatieGebruiker", None])):
        read = from_xml(xml, VerwerkingsResultaat, validate=validate_)
        assert [b.stadium for b in read.berichten] == stadia
        assert [b.bericht_type for b in read.berichten] == ["WOZ", "AANSL"]
        assert [b.bericht_id for b in read.berichten] == [FIXED_ID, OTHER_ID]
        assert [b.verwerkings_code for b in read.berichten] == [
            VerwerkingsCode.VERWERKT,
            VerwerkingsCode.BIJLAGE_TE_GROOT,
        ]
    not_nil = from_xml(
        _result_xml(**{"<Stadium>NA</Stadium>": '<Stadium xsi:nil="false"/>'}), VerwerkingsResultaat
    )
    assert [b.stadium for b in not_nil.berichten] == ["ValidatieGebruiker", ""]


def test_reading_a_batch_reports_every_letter_problem_with_its_path():
    batch = make_batch(3)
    xml = to_xml(batch).decode().replace(TEST_BSNS[0], "123456789").replace(TEST_BSNS[2], "111111111")
    with pytest.raises(ValidationError) as info:
        from_xml(xml.encode())
    assert [(v.rule, v.path) for v in info.value.violations] == [
        ("BER-09", "berichten[0].bsn"),
        ("BER-09", "berichten[2].bsn"),
    ]
    assert "2 problem(s) in the batch" in str(info.value)
    bad_oin = to_xml(batch).replace(str(TEST_OIN).encode(), b"00000005001234567000")
    with pytest.raises(ValidationError) as info:
        from_xml(bad_oin)
    ((v),) = info.value.violations
    assert (v.rule, v.path) == ("BATCH-05", "afzender.oin")
    assert "unknown prefix 00000005" in v.message


def test_batch_03_names_the_letter_and_what_differs():
    batch = make_batch(2)
    xml = to_xml(batch).decode()
    head, _, tail = xml.partition(f"<ber:BatchID>{batch.batch_id}</ber:BatchID>")
    with pytest.raises(ValidationError) as info:
        from_xml(f"{head}<ber:BatchID>{OTHER_ID}</ber:BatchID>{tail}".encode())
    ((v),) = info.value.violations
    assert (v.rule, v.path) == ("BATCH-03", "berichten[0].batch_id")
    assert v.message == "the letter's BatchID differs from the batch's BatchID"


def _wus_request(body: str) -> bytes:
    return (
        f'<val:ValidateAbonnementen xmlns:val="{ns.VAL}" xmlns:valt="{ns.VALT}" xmlns:sh="{ns.SH}" '
        f'xmlns:xsi="{ns.XSI}">{body}</val:ValidateAbonnementen>'
    ).encode()


KLANT = "<sh:Klant><sh:Key>{}</sh:Key><sh:Rol>Burger</sh:Rol></sh:Klant>"


def test_a_wus_request_missing_its_parts_names_each():
    with pytest.raises(ValidationError) as info:
        from_xml(_wus_request(""), validate=False)
    assert [(v.rule, v.path, v.message) for v in info.value.violations] == [
        ("XSD", "berichtleverancier", "berichtleverancierCode is missing or nil"),
        ("XSD", "bericht_type", "berichtTypeCode is missing or nil"),
    ]
    assert "the ValidateAbonnementen request is incomplete" in str(info.value)
    nil_aanvraag = _wus_request('<val:validateAbonnementenAanvraag xsi:nil="true"/>')
    with pytest.raises(ValidationError) as info:
        from_xml(nil_aanvraag, validate=False)
    assert [v.path for v in info.value.violations] == ["berichtleverancier", "bericht_type"]
    only_type = _wus_request(
        "<val:validateAbonnementenAanvraag><valt:berichtTypeCode>WOZ</valt:berichtTypeCode>"
        "</val:validateAbonnementenAanvraag>"
    )
    with pytest.raises(ValidationError) as info:
        from_xml(only_type, validate=False)
    assert [v.path for v in info.value.violations] == ["berichtleverancier"]
    nil_key = _wus_request(
        f"<val:validateAbonnementenAanvraag><valt:berichtleverancierCode>{TEST_OIN}</valt:berichtleverancierCode>"
        "<valt:berichtTypeCode>WOZ</valt:berichtTypeCode><valt:klanten>"
        f'{KLANT.format(TEST_BSNS[0])}<sh:Klant><sh:Key xsi:nil="true"/><sh:Rol>Burger</sh:Rol></sh:Klant>'
        "</valt:klanten></val:validateAbonnementenAanvraag>"
    )
    with pytest.raises(ValidationError) as info:
        from_xml(nil_key, validate=False)
    assert [(v.rule, v.path, v.message) for v in info.value.violations] == [
        ("BER-09", "bsns", "a Klant has no Key (BSN)")
    ]


def test_a_wus_request_breaking_a_model_rule_names_it_under_aanvraag():
    def request(oin: str, bsns: list[str]) -> bytes:
        return _wus_request(
            f"<val:validateAbonnementenAanvraag><valt:berichtleverancierCode>{oin}</valt:berichtleverancierCode>"
            f"<valt:berichtTypeCode>WOZ</valt:berichtTypeCode><valt:klanten>{''.join(KLANT.format(b) for b in bsns)}"
            "</valt:klanten></val:validateAbonnementenAanvraag>"
        )

    assert from_xml(request(str(TEST_OIN), TEST_BSNS[:2])) == ValidateAbonnementenAanvraag(
        TEST_OIN, "WOZ", TEST_BSNS[:2]
    )
    with pytest.raises(ValidationError) as info:
        from_xml(request("00000005001234567000", TEST_BSNS[:1]), validate=False)
    ((v),) = info.value.violations
    assert (v.rule, v.path) == ("BATCH-05", "aanvraag.oin")
    assert "the ValidateAbonnementen request breaks a rule" in str(info.value)
    with pytest.raises(ValidationError) as info:
        from_xml(request(str(TEST_OIN), []), validate=False)
    assert [(v.rule, v.path) for v in info.value.violations] == [("ABO-02", "aanvraag.bsns")]


def _wus_answer(lines: str) -> bytes:
    return (
        f'<val:ValidateAbonnementenResponse xmlns:val="{ns.VAL}" xmlns:valt="{ns.VALT}" xmlns:sh="{ns.SH}" '
        f'xmlns:xsi="{ns.XSI}"><val:ValidateAbonnementenResult>{lines}</val:ValidateAbonnementenResult>'
        "</val:ValidateAbonnementenResponse>"
    ).encode()


def _line(key: str | None, flag: str | None, *, nil_klant: bool = False) -> str:
    key_el = '<sh:Key xsi:nil="true"/>' if key is None else f"<sh:Key>{key}</sh:Key>"
    klant = (
        '<valt:klant xsi:nil="true"/>'
        if nil_klant
        else f"<valt:klant>{key_el}<sh:Rol>Burger</sh:Rol></valt:klant>"
    )
    sturen = "" if flag is None else f"<valt:isBerichtSturen>{flag}</valt:isBerichtSturen>"
    return f"<valt:Abonnement>{klant}{sturen}</valt:Abonnement>"


def test_a_wus_answer_reads_flags_fast_and_line_by_line():
    a, b, c = TEST_BSNS[:3]
    fast = from_xml(_wus_answer(_line(a, "true") + _line(b, " 1 ") + _line(c, "false")), validate=False)
    assert [(x.bsn.value if x.bsn else None, x.mag_ontvangen) for x in fast.abonnementen] == [
        (a, True),
        (b, True),
        (c, False),
    ]
    slow = from_xml(
        _wus_answer(
            '<valt:Abonnement xsi:nil="true"/>'
            + _line(None, "true")
            + _line(a, " 1 ")
            + _line(b, None)
            + _line(None, "true", nil_klant=True)
            + _line(c, "0")
        ),
        validate=False,
    )
    assert [(x.bsn.value if x.bsn else None, x.mag_ontvangen) for x in slow.abonnementen] == [
        (None, True),
        (a, True),
        (b, False),
        (None, True),
        (c, False),
    ]
    empty = _wus_answer("").replace(b"<val:ValidateAbonnementenResult></val:ValidateAbonnementenResult>", b"")
    assert from_xml(empty, validate=False) == ValidateAbonnementenAntwoord()


def test_a_wus_answer_with_a_bad_bsn_names_its_line():
    for lines in (
        _line(TEST_BSNS[0], "true") + _line("123456789", "true"),
        _line(None, "true") + _line("123456789", "1"),
    ):
        with pytest.raises(ValidationError) as info:
            from_xml(_wus_answer(lines), validate=False)
        ((v),) = info.value.violations
        assert (v.rule, v.path) == ("BER-09", "abonnementen[1].bsn")
        assert "the ValidateAbonnementen answer names an invalid BSN" in str(info.value)
        assert "123456789" not in str(info.value)


def test_an_abonnement_aanvraag_with_a_bad_bsn_names_it():
    xml = to_xml(AbonnementAanvraag.voor_bsns(TEST_OIN, TEST_BSNS[:2], "v1")).replace(
        TEST_BSNS[1].encode(), b"123456789"
    )
    with pytest.raises(ValidationError) as info:
        from_xml(xml)
    ((v),) = info.value.violations
    assert (v.rule, v.path) == ("BER-09", "aanvraag.bsn")
    assert "the AbonnementAanvraag breaks a rule" in str(info.value)
    read = from_xml(to_xml(AbonnementAanvraag.mutaties_sinds(TEST_OIN, FIXED_NOW, "v2")))
    assert (read.bsns, read.mutatie_datum, read.verzoek_id) == (None, FIXED_NOW, "v2")
    read = from_xml(to_xml(AbonnementAanvraag.voor_bsns(TEST_OIN, TEST_BSNS[:1], "v3")))
    assert ([b.value for b in read.bsns], read.mutatie_datum, read.berichtleverancier) == (
        [TEST_BSNS[0]],
        None,
        TEST_OIN,
    )


def test_model_kinds_and_a_model_without_xml():
    from mobb_sdk._codec import document_kind, to_tree
    from mobb_sdk._schemas import DocumentKind

    assert document_kind(make_batch(1)) is DocumentKind.BATCH
    assert document_kind(result_model(1)) is DocumentKind.RESULT
    assert document_kind(MODELS["wus-request"]()) is DocumentKind.WUS_REQUEST
    assert document_kind(MODELS["wus-response"]()) is DocumentKind.WUS_RESPONSE
    assert document_kind(MODELS["abo-volledig"]()) is DocumentKind.ABONNEMENT_AANVRAAG
    with pytest.raises(TypeError, match=r"^no XML form for SoapFault$"):
        to_tree(SoapFault("s:Client", "x"))  # type: ignore[arg-type]


def test_an_unreadable_document_without_validation_says_so_at_the_root():
    broken = to_xml(make_batch(1)).replace(b"<ber:Onderwerp>Aanslag 0</ber:Onderwerp>", b"")
    with pytest.raises(ValidationError) as info:
        from_xml(broken, validate=False)
    ((v),) = info.value.violations
    assert (v.rule, v.path) == ("XSD", "/")
    assert v.message.startswith("cannot read the document: ")
    with pytest.raises(ValidationError) as info:
        from_xml(broken)
    assert "the batch document does not satisfy the XSD" in str(info.value)


def test_the_expected_model_and_soap_envelopes_are_checked_with_clear_messages():
    with pytest.raises(DocumentTypeError, match="expected a Batch document, got a VerwerkingsResultaat"):
        from_xml(to_xml(result_model(1)), Batch)
    fault = to_soap(SoapFault("s:Client", "fout"))
    with pytest.raises(DocumentTypeError, match="holds a Fault, not a document: use from_soap"):
        from_xml(fault)
    empty = f'<s:Envelope xmlns:s="{ns.SOAP11}"><s:Body/></s:Envelope>'.encode()
    no_body = f'<s:Envelope xmlns:s="{ns.SOAP11}"><s:Header/></s:Envelope>'.encode()
    for envelope in (empty, no_body):
        with pytest.raises(DocumentTypeError, match="the SOAP envelope has no Body content"):
            from_soap(envelope)
        with pytest.raises(DocumentTypeError, match="the SOAP envelope has no Body content"):
            from_xml(envelope)
    with pytest.raises(DocumentTypeError) as info:
        from_soap(to_xml(make_batch(1)))
    assert str(info.value).startswith(f"expected a SOAP 1.1 Envelope, got <Berichten> in namespace {ns.BVS}")
    batch_in_soap = (
        f'<s:Envelope xmlns:s="{ns.SOAP11}"><s:Body>'.encode() + to_xml(make_batch(1)).split(b"?>", 1)[1]
    )
    batch_in_soap += b"</s:Body></s:Envelope>"
    with pytest.raises(DocumentTypeError) as info:
        from_soap(batch_in_soap)
    assert str(info.value).startswith(
        f"a SOAP body of the WUS service cannot hold <Berichten> in namespace {ns.BVS}"
    )
    plain = b"<Plain/>"
    with pytest.raises(DocumentTypeError) as info:
        from_soap(plain)
    assert str(info.value).startswith("expected a SOAP 1.1 Envelope, got <Plain> in namespace (none)")
    assert from_soap(b"\n" + to_soap(MODELS["wus-request"]()).split(b"?>", 1)[1]) == MODELS["wus-request"]()


def test_soap_faults_are_written_and_read_exactly():
    xml = to_soap(SoapFault("s:Server", "Storing", FaultKind.DEPENDENT_SERVICE, None))
    assert etree.fromstring(xml).nsmap == {"s": ns.SOAP11}
    assert shape(xml) == [
        ("s", "Envelope", None, {}),
        ("s", "Body", None, {}),
        ("s", "Fault", None, {}),
        (None, "faultcode", "s:Server", {}),
        (None, "faultstring", "Storing", {}),
        (None, "detail", None, {}),
        ("sh", "DependentServiceFault", None, {}),
        ("sh", "Message", None, {f"{{{ns.XSI}}}nil": "true"}),
    ]
    assert from_soap(xml) == SoapFault("s:Server", "Storing", FaultKind.DEPENDENT_SERVICE, None)
    assert shape(to_soap(SoapFault("s:Client", "x")))[3:] == [
        (None, "faultcode", "s:Client", {}),
        (None, "faultstring", "x", {}),
    ]
    bare = f'<s:Envelope xmlns:s="{ns.SOAP11}"><s:Body><s:Fault><faultcode> s:Client </faultcode></s:Fault></s:Body></s:Envelope>'
    assert from_soap(bare.encode()) == SoapFault("s:Client", "")
    nothing = f'<s:Envelope xmlns:s="{ns.SOAP11}"><s:Body><s:Fault><detail><other/></detail></s:Fault></s:Body></s:Envelope>'
    assert from_soap(nothing.encode()) == SoapFault("", "", None, None)
    with_message = to_soap(SoapFault("s:Client", "x", FaultKind.APPLICATION, "BSN-lijst te lang"))
    assert from_soap(with_message).message == "BSN-lijst te lang"


def test_batch_skeleton_check_ignores_attachment_content():
    from mobb_sdk._codec import batch_skeleton_valid, batch_tree

    batch = make_batch(2, with_pdf=True)
    assert batch_skeleton_valid(batch) == ()
    assert batch_skeleton_valid(_batch_breaking_the_xsd())[0].rule == "BER-05"
    skeleton = batch_tree(batch, with_content=False)
    full = batch_tree(batch)
    inhoud = f"{{{ns.BER}}}Inhoud"
    assert [el.text for el in skeleton.iter(inhoud)] == ["AA==", "AA=="]
    assert [el.text for el in full.iter(inhoud)] == [base64_of(b.inhoud) for m in batch for b in m.bijlagen]


def base64_of(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def test_batch_xml_is_to_xml_in_pieces_and_knows_its_size():
    from mobb_sdk._codec import BatchXml, batch_tree

    for batch in (
        make_batch(3, with_pdf=True),
        make_batch(2),
        Batch(TEST_OIN, [make_bericht(0, bijlagen=[b"%PDF-1", b"%PDF-22"])]),
    ):
        xml = BatchXml(batch)
        assert b"".join(xml.chunks()) == to_xml(batch)
        assert b"".join(xml.chunks()) == to_xml(batch)  # again: the same bytes (a retry)
        assert xml.size == len(to_xml(batch))
        given = BatchXml(batch, batch_tree(batch, with_content=False))
        assert b"".join(given.chunks()) == to_xml(batch)
        assert given.size == xml.size


def test_batch_xml_refuses_a_skeleton_of_other_letters():
    from mobb_sdk._codec import BatchXml, batch_tree

    two = Batch(TEST_OIN, [make_bericht(0, bijlagen=[b"%PDF-1", b"%PDF-2"])])
    one = Batch(TEST_OIN, [make_bericht(0, bijlagen=[b"%PDF-1"])])
    with pytest.raises(ValueError, match="zip"):
        b"".join(BatchXml(two, batch_tree(one, with_content=False)).chunks())
    with pytest.raises(ValueError, match="zip"):
        b"".join(BatchXml(one, batch_tree(two, with_content=False)).chunks())


def test_checked_guid_reads_a_guid_text():
    from mobb_sdk._codec import checked_guid

    for text in (str(FIXED_ID), str(FIXED_ID).upper(), "00000000-0000-0000-0000-000000000000"):
        got = checked_guid(text)
        assert got == uuid.UUID(text)
        assert (type(got), str(got), got.is_safe) == (uuid.UUID, str(uuid.UUID(text)), uuid.SafeUUID.unknown)


def test_stream_batch_writes_the_bytes_of_to_xml_in_groups():
    from mobb_sdk._codec import stream_batch

    batch = make_batch(230, aanmaak_datum=FIXED_NOW)  # more letters than one group
    big = Batch(TEST_OIN, [make_bericht(i, bijlagen=[b"%PDF-" + bytes(300_000)]) for i in range(15)])
    for b in (batch, big, make_batch(1)):
        out = io.BytesIO()
        n = stream_batch(
            out,
            batch_id=b.batch_id,
            aanmaak_datum=b.aanmaak_datum,
            afzender=str(b.afzender),
            berichten=iter(b.berichten),
        )
        assert out.getvalue() == to_xml(b)
        assert n == len(out.getvalue())


def test_a_result_letter_read_by_index_first_is_built_alone():
    result = from_xml(_result_xml(), VerwerkingsResultaat)
    second = result.berichten[1]
    assert (second.bericht_id, second.bericht_type, second.verwerkings_code, second.stadium) == (
        OTHER_ID,
        "AANSL",
        VerwerkingsCode.BIJLAGE_TE_GROOT,
        "NA",
    )
    assert result.berichten[-2].bericht_id == FIXED_ID
    assert [b.stadium for b in result.berichten[0:2]] == ["ValidatieGebruiker", "NA"]


def test_result_rows_slice_like_a_sequence():
    from mobb_sdk._codec import _ResultRows

    rows = _ResultRows(["a", "WOZ", "Verwerkt", "NA", "b", "X", "Verwerkt", None])
    assert len(rows) == 2
    assert rows[1] == ("b", "X", "Verwerkt", None)
    assert rows[0:2] == [("a", "WOZ", "Verwerkt", "NA"), ("b", "X", "Verwerkt", None)]
    assert rows[-1:] == [("b", "X", "Verwerkt", None)]


@pytest.mark.parametrize(("bericht_type", "stadium"), [("", "NA"), ("WOZ", ""), ("", None)])
def test_a_result_with_one_empty_text_is_written_as_the_elements_are(bericht_type, stadium):
    line = BerichtResultaat(FIXED_ID, bericht_type, VerwerkingsCode.VERWERKT, stadium)
    result = VerwerkingsResultaat.tally("LEV", FIXED_ID, [line], FIXED_NOW, FIXED_NOW)
    assert to_xml(result) == _result_by_elements(result)
    assert from_xml(to_xml(result)) == result


@pytest.mark.parametrize("validate_", [True, False])
def test_a_result_without_letters_reads_back(validate_):
    result = VerwerkingsResultaat.tally("LEV", FIXED_ID, [], FIXED_NOW, FIXED_NOW)
    read = from_xml(to_xml(result), VerwerkingsResultaat, validate=validate_)
    assert read == result
    assert (len(read.berichten), read.totaal_aantal_ontvangen, read.volledig_verwerkt) == (0, 0, False)


def _envelope(body: str) -> bytes:
    return (
        f'<s:Envelope xmlns:s="{ns.SOAP11}" xmlns:sh="{ns.SH}" xmlns:xsi="{ns.XSI}"><s:Body>{body}</s:Body></s:Envelope>'
    ).encode()


def test_soap_parts_are_checked_against_the_xsd_unless_told_not_to():
    answer = _wus_answer(_line(TEST_BSNS[0], None)).decode().split("?>", 1)[-1]
    with pytest.raises(ValidationError) as info:
        from_soap(_envelope(answer))
    assert "the wus_response document does not satisfy the XSD" in str(info.value)
    assert info.value.violations
    unchecked = from_soap(_envelope(answer), validate=False)
    assert [(a.bsn.value if a.bsn else None, a.mag_ontvangen) for a in unchecked.abonnementen] == [
        (TEST_BSNS[0], False)
    ]
    detail = "<s:Fault><faultcode>s:Server</faultcode><faultstring>x</faultstring><detail><sh:DependentServiceFault><sh:Other/></sh:DependentServiceFault></detail></s:Fault>"
    with pytest.raises(ValidationError) as info:
        from_soap(_envelope(detail))
    assert "the dependent_service_fault in the SOAP body does not satisfy the XSD" in str(info.value)
    loose = from_soap(_envelope(detail), validate=False)
    assert (loose.kind, loose.message, loose.faultcode) == (FaultKind.DEPENDENT_SERVICE, None, "s:Server")


def test_empty_fault_texts_read_as_empty():
    fault = from_soap(_envelope("<s:Fault><faultcode/><faultstring/></s:Fault>"))
    assert (fault.faultcode, fault.faultstring, fault.kind, fault.message) == ("", "", None, None)


def test_from_tree_checks_the_xsd_by_default():
    from mobb_sdk._codec import from_tree

    tree = etree.fromstring(
        to_xml(make_batch(1)).replace(b"<ber:SoortGebruiker>Burger", b"<ber:SoortGebruiker>Bedrijf")
    )
    with pytest.raises(ValidationError) as info:
        from_tree(tree)
    assert "BER-10" in info.value.rules
    assert "the batch document does not satisfy the XSD" in str(info.value)


def test_a_wus_answer_pairs_keys_and_flags_per_line():
    a, b = TEST_BSNS[:2]
    # As many keys as flags, but not on the same lines: only reading line by line pairs them right.
    odd = from_xml(_wus_answer(_line(None, "true") + _line(a, None) + _line(b, "1")), validate=False)
    assert [(x.bsn.value if x.bsn else None, x.mag_ontvangen) for x in odd.abonnementen] == [
        (None, True),
        (a, False),
        (b, True),
    ]
    no_klant = from_xml(
        _wus_answer("<valt:Abonnement><valt:isBerichtSturen>true</valt:isBerichtSturen></valt:Abonnement>"),
        validate=False,
    )
    assert [(x.bsn, x.mag_ontvangen) for x in no_klant.abonnementen] == [(None, True)]


def test_to_xml_says_why_it_refuses():
    with pytest.raises(ValidationError) as info:
        to_xml(_batch_breaking_the_xsd(), validate=True)
    assert "the document does not satisfy the XSD" in str(info.value)


def test_an_unreadable_document_names_what_was_missing():
    broken = to_xml(make_batch(1)).replace(b"<ber:Onderwerp>Aanslag 0</ber:Onderwerp>", b"")
    with pytest.raises(ValidationError) as info:
        from_xml(broken, validate=False)
    ((v),) = info.value.violations
    assert "Onderwerp" in v.message


def test_an_empty_attachment_is_refused_on_the_skeleton_path_with_its_place():
    bericht = make_bericht(1, bijlagen=[b"%PDF-1", b"%PDF-2"])
    object.__setattr__(bericht.bijlagen[1], "inhoud", b"")  # the model refuses this; the writer must too
    batch = Batch(TEST_OIN, [make_bericht(0), bericht])
    with pytest.raises(ValidationError) as info:
        write_batch(batch, io.BytesIO())
    ((v),) = info.value.violations
    assert (v.rule, v.path, v.letter) == ("BIJ-06", "/Berichten/Bericht[2]/Bijlagen/Bijlage[2]/Inhoud", 1)
    assert "Inhoud is empty" in v.message
    assert "at least one byte" in v.message


def test_read_bericht_reads_one_letter_element():
    from mobb_sdk._codec import read_bericht

    batch = make_batch(2, with_pdf=True)
    root = etree.fromstring(to_xml(batch))
    letters = root.findall(f"{{{ns.BER}}}Bericht")
    assert [read_bericht(el) for el in letters] == list(batch.berichten)
    other = uuid.uuid4()
    assert read_bericht(letters[1], bericht_id=other).bericht_id == other
    read = read_bericht(letters[1], bsn=TEST_BSNS[7])
    assert read.bsn.value == TEST_BSNS[7]
    assert read.onderwerp == batch.berichten[1].onderwerp
    assert read.bijlagen == batch.berichten[1].bijlagen


def test_write_batch_names_a_wrong_argument_and_a_target_it_cannot_write(tmp_path):
    from mobb_sdk import ArgumentTypeError, StorageError

    with pytest.raises(ArgumentTypeError) as info:
        write_batch("batch.xml", tmp_path / "x.xml")  # type: ignore[arg-type]
    assert str(info.value) == "write_batch writes a Batch, got str"
    with pytest.raises(StorageError) as info:
        write_batch(make_batch(1), tmp_path)
    assert str(info.value).startswith(f"cannot write the batch to {tmp_path}: Is a directory")

    class Broken:
        def write(self, data: bytes) -> int:
            raise OSError("schijf vol")

    with pytest.raises(StorageError) as info:
        write_batch(make_batch(1), Broken())  # type: ignore[arg-type]
    assert str(info.value).endswith(": schijf vol")
