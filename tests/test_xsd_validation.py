"""XSD validation with both backends: valid samples, one-defect documents, limits, paths and agreement."""

from __future__ import annotations

import base64
import copy
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from mobb_sdk._errors import DocumentTypeError
from mobb_sdk._schemas import DocumentKind, default_schema_set, fault_kind, kind_of
from mobb_sdk._violations import Report
from mobb_sdk._xml import parse_xml
from mobb_sdk._xsd_validation import Backend, _element_at, _Walker, element_path, is_valid, validate_tree

DATA = Path(__file__).parent / "data" / "xml"

NS = {
    "bvs": "http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01",
    "ber": "http://schemas.rdw.nl/GEB/BerichtenProsessor/Bericht/Types/2009/01",
    "res": "http://schemas.rdw.nl/GEB/BerichtVerwerkService/BerichtResultaat/Types/2009/01",
    "val": "http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/2009/01",
    "valt": "http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/Types/2009/01",
    "sh": "http://schemas.rdw.nl/GEB/Shared/Types/2009/01",
    "abo": "http://schemas.overheid.nl/GEB/AbonnementServiceProcessor/2014/02",
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
}

VALID = {
    "batch_valid.xml": DocumentKind.BATCH,
    "result_valid.xml": DocumentKind.RESULT,
    "wus_request_valid.xml": DocumentKind.WUS_REQUEST,
    "wus_response_valid.xml": DocumentKind.WUS_RESPONSE,
    "abonnement_bsnlijst_valid.xml": DocumentKind.ABONNEMENT_AANVRAAG,
    "abonnement_mutatiedatum_valid.xml": DocumentKind.ABONNEMENT_AANVRAAG,
    "abonnement_volledig_valid.xml": DocumentKind.ABONNEMENT_AANVRAAG,
}

BACKENDS = list(Backend)

# Paths of the valid batch sample (two Bericht elements, the first with two Bijlage elements).
B1 = "/Berichten/Bericht[1]"
B2 = "/Berichten/Bericht[2]"
INFO1 = f"{B1}/BerichtInformatie"
INFO2 = f"{B2}/BerichtInformatie"


def load(name: str) -> etree._ElementTree:
    return parse_xml(DATA / name)


def one(tree: etree._ElementTree, xpath: str) -> etree._Element:
    found = tree.xpath(xpath, namespaces=NS)
    assert isinstance(found, list)
    assert len(found) == 1, (xpath, found)
    element = found[0]
    assert isinstance(element, etree._Element)
    return element


def set_text(xpath: str, text: str) -> Callable[[etree._ElementTree], None]:
    def mutate(tree: etree._ElementTree) -> None:
        one(tree, xpath).text = text

    return mutate


def pairs(report: Report) -> set[tuple[str, str]]:
    return {(v.rule, v.path) for v in report}


def both(tree: etree._ElementTree, kind: DocumentKind | None = None) -> dict[Backend, Report]:
    return {backend: validate_tree(tree, kind, backend) for backend in BACKENDS}


# ------------------------------------------------------------------------------------------ valid


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_samples(name: str, backend: Backend) -> None:
    tree = load(name)
    assert kind_of(tree) is VALID[name]
    report = validate_tree(tree, None, backend)
    assert report.ok, [str(v) for v in report]
    assert report.violations == ()
    assert is_valid(tree)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("application_fault_valid.xml", DocumentKind.APPLICATION_FAULT),
        ("dependent_service_fault_valid.xml", DocumentKind.DEPENDENT_SERVICE_FAULT),
    ],
)
def test_fault_details(name: str, kind: DocumentKind, backend: Backend) -> None:
    tree = load(name)
    assert fault_kind(tree.getroot()) is kind
    assert validate_tree(tree, kind, backend).ok
    one(tree, "sh:Message").tag = f"{{{NS['sh']}}}Bericht"
    assert pairs(validate_tree(tree, kind, backend)) == {("XSD", f"/{kind.root[1]}/Bericht")}


def test_batch_sample_has_what_the_tests_rely_on() -> None:
    tree = load("batch_valid.xml")
    assert len(tree.xpath("ber:Bericht", namespaces=NS)) == 2
    assert len(tree.xpath("ber:Bericht[1]/ber:Bijlagen/ber:Bijlage", namespaces=NS)) == 2
    assert tree.xpath("ber:Bericht[2]/ber:Bijlagen", namespaces=NS) == []
    # The letters use different prefixes: libxml2's own error path counts siblings by prefix.
    assert {e.prefix for e in tree.xpath("ber:Bericht", namespaces=NS)} == {"ns2", "b"}


def test_result_sample_has_the_nil_guid_and_several_codes() -> None:
    tree = load("result_valid.xml")
    ids = [e.text for e in tree.xpath("Berichten/res:Bericht/BerichtID", namespaces=NS)]
    assert "00000000-0000-0000-0000-000000000000" in ids
    codes = {e.text for e in tree.xpath("Berichten/res:Bericht/VerwerkingsCode", namespaces=NS)}
    assert len(codes) >= 4


# ------------------------------------------------------------------------------------ one defect


def _many_berichten(tree: etree._ElementTree, total: int) -> None:
    root = tree.getroot()
    template = one(tree, "ber:Bericht[2]")
    for _ in range(total - 2):
        root.append(copy.deepcopy(template))


def _third_bijlage(tree: etree._ElementTree) -> None:
    bijlagen = one(tree, "ber:Bericht[1]/ber:Bijlagen")
    bijlagen.append(copy.deepcopy(bijlagen[0]))


def _empty_bijlagen(tree: etree._ElementTree) -> None:
    etree.SubElement(one(tree, "ber:Bericht[2]"), f"{{{NS['ber']}}}Bijlagen")


def _swap_type_and_onderwerp(tree: etree._ElementTree) -> None:
    onderwerp = one(tree, "ber:Bericht[2]/ber:BerichtInformatie/ber:Onderwerp")
    one(tree, "ber:Bericht[2]/ber:BerichtInformatie/ber:BerichtType").addprevious(onderwerp)


def _remove(xpath: str) -> Callable[[etree._ElementTree], None]:
    def mutate(tree: etree._ElementTree) -> None:
        element = one(tree, xpath)
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)

    return mutate


def _retag(xpath: str, namespace: str | None) -> Callable[[etree._ElementTree], None]:
    def mutate(tree: etree._ElementTree) -> None:
        for element in one(tree, xpath).iter():
            local = etree.QName(element).localname
            element.tag = local if namespace is None else f"{{{namespace}}}{local}"

    return mutate


def _root_namespace(namespace: str) -> Callable[[etree._ElementTree], None]:
    def mutate(tree: etree._ElementTree) -> None:
        root = tree.getroot()
        root.tag = f"{{{namespace}}}{etree.QName(root).localname}"

    return mutate


INFO = "ber:Bericht[1]/ber:BerichtInformatie"
BIJ1 = "ber:Bericht[1]/ber:Bijlagen/ber:Bijlage[1]"
BIJ2 = "ber:Bericht[1]/ber:Bijlagen/ber:Bijlage[2]"

# (id, sample, mutation, expected {(rule, path)})
DEFECTS: list[tuple[str, str, Callable[[etree._ElementTree], None], set[tuple[str, str]]]] = [
    (
        "onderwerp-51",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:Onderwerp", "x" * 51),
        {("BER-05", f"{INFO1}/Onderwerp")},
    ),
    (
        "onderwerp-empty",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:Onderwerp", ""),
        {("BER-05", f"{INFO1}/Onderwerp")},
    ),
    (
        "berichttype-9",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:BerichtType", "ABCDEFGHI"),
        {("BER-02", f"{INFO1}/BerichtType")},
    ),
    (
        "berichttype-empty",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:BerichtType", ""),
        {("BER-02", f"{INFO1}/BerichtType")},
    ),
    (
        "berichten-1001",
        "batch_valid.xml",
        lambda t: _many_berichten(t, 1001),
        {("BATCH-01", "/Berichten/Bericht[1001]")},
    ),
    (
        "berichten-0",
        "batch_valid.xml",
        lambda t: [t.getroot().remove(b) for b in t.xpath("ber:Bericht", namespaces=NS)],
        {("BATCH-01", "/Berichten")},
    ),
    ("bijlagen-3", "batch_valid.xml", _third_bijlage, {("BIJ-01", f"{B1}/Bijlagen/Bijlage[3]")}),
    ("bijlagen-empty", "batch_valid.xml", _empty_bijlagen, {("BIJ-01", f"{B2}/Bijlagen")}),
    (
        "bijlagetype-doc",
        "batch_valid.xml",
        set_text(f"{BIJ2}/ber:BijlageType", "Doc"),
        {("BIJ-02", f"{B1}/Bijlagen/Bijlage[2]/BijlageType")},
    ),
    (
        "soortgebruiker-bedrijf",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:SoortGebruiker", "Bedrijf"),
        {("BER-10", f"{INFO1}/SoortGebruiker")},
    ),
    (
        "berichtid-bad-guid",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:BerichtID", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4"),
        {("BER-01", f"{INFO1}/BerichtID")},
    ),
    (
        "berichtid-guid-braces",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:BerichtID", "{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}"),
        {("BER-01", f"{INFO1}/BerichtID")},
    ),
    (
        "batchid-bad-guid",
        "batch_valid.xml",
        set_text("bvs:BatchInformatie/bvs:BatchID", "not-a-guid"),
        {("BATCH-03", "/Berichten/BatchInformatie/BatchID")},
    ),
    (
        "bericht-batchid-bad-guid",
        "batch_valid.xml",
        set_text(
            "ber:Bericht[2]/ber:BerichtInformatie/ber:BatchID", "g" * 8 + "-0000-0000-0000-000000000000"
        ),
        {("BATCH-03", f"{INFO2}/BatchID")},
    ),
    (
        "aanmaakdatum-date-only",
        "batch_valid.xml",
        set_text("bvs:BatchInformatie/bvs:AanmaakDatum", "2026-03-03"),
        {("BATCH-04", "/Berichten/BatchInformatie/AanmaakDatum")},
    ),
    (
        "leverancier-26",
        "batch_valid.xml",
        set_text("bvs:BatchInformatie/bvs:BerichtLeverancierID", "0" * 26),
        {("BATCH-05", "/Berichten/BatchInformatie/BerichtLeverancierID")},
    ),
    (
        "publicatiedatum-empty",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:PublicatieDatum", ""),
        {("BER-03", f"{INFO1}/PublicatieDatum")},
    ),
    (
        "einddatum-bad",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:EindDatumHandelingsTermijn", "30-04-2026"),
        {("BER-04", f"{INFO1}/EindDatumHandelingsTermijn")},
    ),
    ("wrong-order", "batch_valid.xml", _swap_type_and_onderwerp, {("XSD", f"{INFO2}/Onderwerp")}),
    (
        "missing-gebruikerid",
        "batch_valid.xml",
        _remove("ber:Bericht[2]/ber:BerichtInformatie/ber:GebruikerID"),
        {("XSD", f"{INFO2}/SoortGebruiker")},
    ),
    (
        "missing-soortgebruiker",
        "batch_valid.xml",
        _remove("ber:Bericht[2]/ber:BerichtInformatie/ber:SoortGebruiker"),
        {("XSD", INFO2)},
    ),
    (
        "gebruikerid-empty",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:GebruikerID", ""),
        {("BER-09", f"{INFO1}/GebruikerID")},
    ),
    (
        "referentie-26",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:Referentie", "R" * 26),
        {("BER-08", f"{INFO1}/Referentie")},
    ),
    (
        "berichttekst-4001",
        "batch_valid.xml",
        set_text(f"{INFO}/ber:BerichtTekst", "t" * 4001),
        {("BER-06", f"{INFO1}/BerichtTekst")},
    ),
    (
        "omschrijving-129",
        "batch_valid.xml",
        set_text(f"{BIJ1}/ber:Omschrijving", "o" * 129),
        {("BIJ-04", f"{B1}/Bijlagen/Bijlage[1]/Omschrijving")},
    ),
    (
        "omschrijving-empty",
        "batch_valid.xml",
        set_text(f"{BIJ1}/ber:Omschrijving", ""),
        {("BIJ-04", f"{B1}/Bijlagen/Bijlage[1]/Omschrijving")},
    ),
    (
        "inhoud-empty",
        "batch_valid.xml",
        set_text(f"{BIJ2}/ber:Inhoud", ""),
        {("BIJ-06", f"{B1}/Bijlagen/Bijlage[2]/Inhoud")},
    ),
    (
        "inhoud-not-base64",
        "batch_valid.xml",
        set_text(f"{BIJ2}/ber:Inhoud", "not base64!"),
        {("BIJ-06", f"{B1}/Bijlagen/Bijlage[2]/Inhoud")},
    ),
    (
        "volgorde-word",
        "batch_valid.xml",
        set_text(f"{BIJ1}/ber:Volgorde", "een"),
        {("BIJ-05", f"{B1}/Bijlagen/Bijlage[1]/Volgorde")},
    ),
    (
        "volgorde-overflow",
        "batch_valid.xml",
        set_text(f"{BIJ1}/ber:Volgorde", "2147483648"),
        {("BIJ-05", f"{B1}/Bijlagen/Bijlage[1]/Volgorde")},
    ),
    (
        "request-children-unqualified",
        "batch_valid.xml",
        _retag("bvs:BatchInformatie", None),
        {("XSD", "/Berichten/BatchInformatie")},
    ),
    (
        "bericht-children-unqualified",
        "batch_valid.xml",
        _retag("ber:Bericht[2]/ber:BerichtInformatie", None),
        {("XSD", f"{INFO2}")},
    ),
    ("bericht-in-bvs-namespace", "batch_valid.xml", _retag("ber:Bericht[2]", NS["bvs"]), {("XSD", B2)}),
    (
        "unknown-element",
        "batch_valid.xml",
        lambda t: etree.SubElement(one(t, INFO), f"{{{NS['ber']}}}Extra"),
        {("XSD", f"{INFO1}/Extra")},
    ),
    (
        "text-in-element-only",
        "batch_valid.xml",
        lambda t: setattr(one(t, "ber:Bericht[2]"), "text", "tekst"),
        {("XSD", B2)},
    ),
    ("wrong-namespace-root", "batch_valid.xml", _root_namespace(NS["res"]), {("XSD", "/Berichten")}),
    # The processing result.
    (
        "result-unknown-code",
        "result_valid.xml",
        set_text("Berichten/res:Bericht[2]/VerwerkingsCode", "Onbekend"),
        {("XSD", "/BerichtVerwerkResponse/Berichten/Bericht[2]/VerwerkingsCode")},
    ),
    (
        "result-children-qualified",
        "result_valid.xml",
        _retag("BatchInformatie", NS["bvs"]),
        {("XSD", "/BerichtVerwerkResponse/BatchInformatie")},
    ),
    (
        "result-bericht-children-qualified",
        "result_valid.xml",
        _retag("Berichten/res:Bericht[3]/BerichtID", NS["res"]),
        {("XSD", "/BerichtVerwerkResponse/Berichten/Bericht[3]/BerichtID")},
    ),
    (
        "result-bad-guid",
        "result_valid.xml",
        set_text("Berichten/res:Bericht[4]/BerichtID", "22222222-3333-4444-8555"),
        {("XSD", "/BerichtVerwerkResponse/Berichten/Bericht[4]/BerichtID")},
    ),
    (
        "result-count-not-int",
        "result_valid.xml",
        set_text("BatchInformatie/TotaalAantalOntvangenBerichten", "vijf"),
        {("XSD", "/BerichtVerwerkResponse/BatchInformatie/TotaalAantalOntvangenBerichten")},
    ),
    (
        "result-stadium-nil-with-text",
        "result_valid.xml",
        set_text("Berichten/res:Bericht[5]/Stadium", "NA"),
        {("XSD", "/BerichtVerwerkResponse/Berichten/Bericht[5]/Stadium")},
    ),
    (
        "result-missing-berichten",
        "result_valid.xml",
        _remove("Berichten"),
        {("XSD", "/BerichtVerwerkResponse")},
    ),
    # WUS.
    (
        "wus-rol-bedrijf",
        "wus_request_valid.xml",
        set_text("val:validateAbonnementenAanvraag/valt:klanten/sh:Klant[1]/sh:Rol", "Bedrijf"),
        {("XSD", "/ValidateAbonnementen/validateAbonnementenAanvraag/klanten/Klant[1]/Rol")},
    ),
    (
        "wus-missing-typecode",
        "wus_request_valid.xml",
        _remove("val:validateAbonnementenAanvraag/valt:berichtTypeCode"),
        {("XSD", "/ValidateAbonnementen/validateAbonnementenAanvraag/klanten")},
    ),
    (
        "wus-klant-unqualified",
        "wus_request_valid.xml",
        _retag("val:validateAbonnementenAanvraag/valt:klanten/sh:Klant[2]", None),
        {("XSD", "/ValidateAbonnementen/validateAbonnementenAanvraag/klanten/Klant[2]")},
    ),
    (
        "wus-response-boolean",
        "wus_response_valid.xml",
        set_text("val:ValidateAbonnementenResult/valt:Abonnement[2]/valt:isBerichtSturen", "ja"),
        {("XSD", "/ValidateAbonnementenResponse/ValidateAbonnementenResult/Abonnement[2]/isBerichtSturen")},
    ),
    (
        "wus-response-missing-boolean",
        "wus_response_valid.xml",
        _remove("val:ValidateAbonnementenResult/valt:Abonnement[3]/valt:isBerichtSturen"),
        {("XSD", "/ValidateAbonnementenResponse/ValidateAbonnementenResult/Abonnement[3]")},
    ),
    # AbonnementAanvraag.
    (
        "abo-bsn-8-digits",
        "abonnement_bsnlijst_valid.xml",
        set_text("BSNLijst/BSN[2]", "99999002"),
        {("XSD", "/AbonnementAanvraag/BSNLijst/BSN[2]")},
    ),
    (
        "abo-empty-bsnlijst",
        "abonnement_bsnlijst_valid.xml",
        lambda t: [one(t, "BSNLijst").remove(b) for b in t.xpath("BSNLijst/BSN")],
        {("XSD", "/AbonnementAanvraag/BSNLijst")},
    ),
    (
        "abo-bsnlijst-and-mutatiedatum",
        "abonnement_bsnlijst_valid.xml",
        lambda t: etree.SubElement(t.getroot(), "MutatieDatum").__setattr__("text", "2026-01-01T00:00:00Z"),
        {("XSD", "/AbonnementAanvraag/MutatieDatum")},
    ),
    (
        "abo-qualified-child",
        "abonnement_mutatiedatum_valid.xml",
        _retag("VerzoekId", NS["abo"]),
        {("XSD", "/AbonnementAanvraag/VerzoekId")},
    ),
    (
        "abo-oin-short",
        "abonnement_volledig_valid.xml",
        set_text("BerichtLeverancier/OIN", "0000000100123456700"),
        {("XSD", "/AbonnementAanvraag/BerichtLeverancier/OIN")},
    ),
    (
        "abo-mutatiedatum-bad",
        "abonnement_mutatiedatum_valid.xml",
        set_text("MutatieDatum", "gisteren"),
        {("XSD", "/AbonnementAanvraag/MutatieDatum")},
    ),
]


def _defect_tree(name: str, mutate: Callable[[etree._ElementTree], None]) -> etree._ElementTree:
    tree = copy.deepcopy(load(name))
    mutate(tree)
    return tree


@pytest.mark.parametrize(
    ("sample", "mutate", "expected"), [d[1:] for d in DEFECTS], ids=[d[0] for d in DEFECTS]
)
def test_one_defect(
    sample: str, mutate: Callable[[etree._ElementTree], None], expected: set[tuple[str, str]]
) -> None:
    tree = _defect_tree(sample, mutate)
    kind = VALID[sample]
    reports = both(tree, kind)
    for backend, report in reports.items():
        assert not report.ok, backend
        assert pairs(report) == expected, (backend, [str(v) for v in report])
        for violation in report:
            assert violation.xpath == violation.path
            assert violation.message
            assert not violation.message.startswith("Element '")
            assert "{http" not in violation.message or "{http://www.w3.org" in violation.message
    assert pairs(reports[Backend.LXML]) == pairs(reports[Backend.XMLSCHEMA])
    assert not is_valid(tree, kind)


def test_defect_ids_are_unique() -> None:
    assert len({d[0] for d in DEFECTS}) == len(DEFECTS)


def test_wrong_root_without_kind_is_a_document_type_error() -> None:
    tree = _defect_tree("batch_valid.xml", _root_namespace(NS["res"]))
    with pytest.raises(DocumentTypeError) as info:
        validate_tree(tree)
    assert NS["res"] in str(info.value)
    assert "Berichten" in str(info.value)
    with pytest.raises(DocumentTypeError):
        is_valid(tree)


def test_wrong_kind_given_is_one_xsd_violation() -> None:
    tree = load("result_valid.xml")
    for backend in BACKENDS:
        report = validate_tree(tree, DocumentKind.BATCH, backend)
        assert pairs(report) == {("XSD", "/BerichtVerwerkResponse")}
        assert "bvs:Berichten" in report.violations[0].message
    # WUS request and response share one schema file: the kind still decides the root.
    assert pairs(validate_tree(load("wus_request_valid.xml"), DocumentKind.WUS_RESPONSE)) == {
        ("XSD", "/ValidateAbonnementen")
    }
    assert not is_valid(load("wus_request_valid.xml"), DocumentKind.WUS_RESPONSE)


# ------------------------------------------------------------------------------------ at limits

LIMITS: list[tuple[str, str, str]] = [
    ("onderwerp-50", f"{INFO}/ber:Onderwerp", "o" * 50),
    ("onderwerp-1", f"{INFO}/ber:Onderwerp", "o"),
    ("berichttype-8", f"{INFO}/ber:BerichtType", "ABCDEFGH"),
    ("berichttype-1", f"{INFO}/ber:BerichtType", "A"),
    ("leverancier-25", "bvs:BatchInformatie/bvs:BerichtLeverancierID", "0" * 25),
    ("leverancier-1", "bvs:BatchInformatie/bvs:BerichtLeverancierID", "0"),
    ("berichttekst-4000", f"{INFO}/ber:BerichtTekst", "t" * 4000),
    ("berichttekst-empty", f"{INFO}/ber:BerichtTekst", ""),
    ("referentie-25", f"{INFO}/ber:Referentie", "R" * 25),
    ("referentie-empty", f"{INFO}/ber:Referentie", ""),
    ("omschrijving-128", f"{BIJ1}/ber:Omschrijving", "o" * 128),
    ("omschrijving-1", f"{BIJ1}/ber:Omschrijving", "o"),
    ("inhoud-1-byte", f"{BIJ1}/ber:Inhoud", base64.b64encode(b"%").decode()),
    ("gebruikerid-1", f"{INFO}/ber:GebruikerID", "9"),
    ("volgorde-max-int", f"{BIJ1}/ber:Volgorde", "2147483647"),
    ("volgorde-negative", f"{BIJ1}/ber:Volgorde", "-1"),
    ("guid-upper", f"{INFO}/ber:BerichtID", "ABCDEF01-2345-6789-ABCD-EF0123456789"),
    ("publicatiedatum-no-zone", f"{INFO}/ber:PublicatieDatum", "2026-03-04T09:00:00"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("xpath", "text"), [d[1:] for d in LIMITS], ids=[d[0] for d in LIMITS])
def test_values_at_the_limits_are_accepted(xpath: str, text: str, backend: Backend) -> None:
    tree = _defect_tree("batch_valid.xml", set_text(xpath, text))
    report = validate_tree(tree, DocumentKind.BATCH, backend)
    assert report.ok, [str(v) for v in report]


@pytest.mark.parametrize("backend", BACKENDS)
def test_1000_berichten_are_accepted(backend: Backend) -> None:
    tree = _defect_tree("batch_valid.xml", lambda t: _many_berichten(t, 1000))
    assert validate_tree(tree, DocumentKind.BATCH, backend).ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_optional_elements_may_be_left_out(backend: Backend) -> None:
    tree = load("batch_valid.xml")
    for name in ("PublicatieDatum", "EindDatumHandelingsTermijn", "BerichtTekst", "Referentie"):
        _remove(f"{INFO}/ber:{name}")(tree)
    _remove("ber:Bericht[1]/ber:Bijlagen")(tree)
    assert validate_tree(tree, DocumentKind.BATCH, backend).ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_result_with_no_berichten_and_wus_nils(backend: Backend) -> None:
    result = load("result_valid.xml")
    for bericht in result.xpath("Berichten/res:Bericht", namespaces=NS):
        bericht.getparent().remove(bericht)
    assert validate_tree(result, None, backend).ok
    request = etree.fromstring(
        f'<v:ValidateAbonnementen xmlns:v="{NS["val"]}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
        '<v:validateAbonnementenAanvraag i:nil="true"/></v:ValidateAbonnementen>'
    )
    assert validate_tree(request, None, backend).ok
    response = etree.fromstring(f'<ValidateAbonnementenResponse xmlns="{NS["val"]}"/>')
    assert validate_tree(response, None, backend).ok


# ------------------------------------------------------------------------------ paths and messages


@pytest.mark.parametrize("backend", BACKENDS)
def test_several_defects_are_all_reported_in_document_order(backend: Backend) -> None:
    tree = load("batch_valid.xml")
    set_text("ber:Bericht[2]/ber:BerichtInformatie/ber:Onderwerp", "")(tree)  # prefix "b"
    set_text(f"{INFO}/ber:Referentie", "R" * 26)(tree)  # prefix "ns2"
    set_text(f"{BIJ2}/ber:BijlageType", "Doc")(tree)
    set_text("bvs:BatchInformatie/bvs:BatchID", "x")(tree)
    report = validate_tree(tree, DocumentKind.BATCH, backend)
    assert [(v.rule, v.path) for v in report] == [
        ("BATCH-03", "/Berichten/BatchInformatie/BatchID"),
        ("BER-08", f"{INFO1}/Referentie"),
        ("BIJ-02", f"{B1}/Bijlagen/Bijlage[2]/BijlageType"),
        ("BER-05", f"{INFO2}/Onderwerp"),
    ]


XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@pytest.mark.parametrize("backend", BACKENDS)
def test_xsi_type_naming_no_type_of_the_set(backend: Backend) -> None:
    # The letter types are anonymous, as in Logius' files (spec section 3): "ber:Onderwerp" names nothing.
    # An unknown xsi:type is one error at its element; other defects are still reported. xmlschema raises
    # on such a type instead of reporting it: the backend turns it into the same violation as lxml's.
    tree = load("batch_valid.xml")
    root = tree.getroot()
    onderwerp = one(tree, f"{INFO}/ber:Onderwerp")
    onderwerp.set(XSI_TYPE, f"{onderwerp.prefix}:Onderwerp")
    set_text("bvs:BatchInformatie/bvs:BatchID", "x")(tree)
    report = validate_tree(root, DocumentKind.BATCH, backend)
    assert [(v.rule, v.path) for v in report] == [
        ("BATCH-03", "/Berichten/BatchInformatie/BatchID"),
        ("BER-05", f"{INFO1}/Onderwerp"),
    ]
    # ber:guid is the one type the letter file names: BerichtID may say so.
    bericht_id = one(tree, f"{INFO}/ber:BerichtID")
    bericht_id.set(XSI_TYPE, f"{bericht_id.prefix}:guid")
    onderwerp.attrib.pop(XSI_TYPE)
    onderwerp.text = "Onderwerp"
    set_text("bvs:BatchInformatie/bvs:BatchID", one(tree, f"{INFO}/ber:BatchID").text or "")(tree)
    assert validate_tree(root, DocumentKind.BATCH, backend).ok
    # A type that cannot stand in for the declared one is one error, at the element (xmlschema also
    # reports it at the parent's content model: the backend drops that echo, as libxml2 has none).
    text = etree.tostring(load("batch_valid.xml"))
    declared = etree.ElementTree(
        etree.fromstring(
            text.replace(b"<ns1:Berichten ", f'<ns1:Berichten xmlns:b="{NS["ber"]}" '.encode(), 1)
        )
    )
    one(declared, "bvs:BatchInformatie/bvs:AanmaakDatum").set(XSI_TYPE, "b:guid")
    report = validate_tree(declared, DocumentKind.BATCH, backend)
    assert [(v.rule, v.path) for v in report] == [("BATCH-04", "/Berichten/BatchInformatie/AanmaakDatum")]
    assert (
        "cannot substitute" in report.violations[0].message
        or "not validly derived" in report.violations[0].message
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_path_of_a_default_namespace_document(backend: Backend) -> None:
    # Every element in a default namespace: libxml2 writes its path as "*[n]" steps.
    tree = load("batch_valid.xml")
    text = etree.tostring(tree).decode()
    for prefix in ("ns1:", "ns2:", "b:"):
        text = text.replace(f"<{prefix}", "<").replace(f"</{prefix}", "</")
    text = text.replace("xmlns:ns1=", "xmlns=").replace("xmlns:ns2=", "xmlns=").replace("xmlns:b=", "xmlns=")
    tree = parse_xml(text)
    assert validate_tree(tree, None, backend).ok
    set_text("ber:Bericht[1]/ber:Bijlagen/ber:Bijlage[2]/ber:Omschrijving", "")(tree)
    assert pairs(validate_tree(tree, None, backend)) == {("BIJ-04", f"{B1}/Bijlagen/Bijlage[2]/Omschrijving")}


@pytest.mark.parametrize("backend", BACKENDS)
def test_single_line_document_and_comments(backend: Backend) -> None:
    # Line numbers cannot tell elements apart here, and comments must not shift positions.
    tree = load("batch_valid.xml")
    for bericht in tree.xpath("ber:Bericht", namespaces=NS):
        bericht.addprevious(etree.Comment("letter"))
    set_text(f"{BIJ2}/ber:Volgorde", "twee")(tree)
    for element in tree.getroot().iter():
        if element.tail is not None and not element.tail.strip():
            element.tail = None
        if len(element) and element.text is not None and not element.text.strip():
            element.text = None
    tree = parse_xml(etree.tostring(tree.getroot()))
    assert {element.sourceline for element in tree.getroot().iter()} == {1}
    assert pairs(validate_tree(tree, None, backend)) == {("BIJ-05", f"{B1}/Bijlagen/Bijlage[2]/Volgorde")}


@pytest.mark.parametrize("backend", BACKENDS)
def test_body_child_inside_a_soap_envelope(backend: Backend) -> None:
    envelope = etree.Element(f"{{{NS['soap']}}}Envelope")
    body = etree.SubElement(envelope, f"{{{NS['soap']}}}Body")
    request = load("wus_request_valid.xml").getroot()
    body.append(request)
    assert validate_tree(request, None, backend).ok
    one(envelope.getroottree(), "//sh:Klant[1]/sh:Rol").text = "Bedrijf"
    report = validate_tree(request, None, backend)
    assert pairs(report) == {
        ("XSD", "/ValidateAbonnementen/validateAbonnementenAanvraag/klanten/Klant[1]/Rol")
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_messages_are_clean_and_mask_bsns(backend: Backend) -> None:
    tree = _defect_tree("abonnement_bsnlijst_valid.xml", set_text("BSNLijst/BSN[1]", "99999001X"))
    set_text("BSNLijst/BSN[2]", "9999900200")(tree)
    report = validate_tree(tree, None, backend)
    assert pairs(report) == {
        ("XSD", "/AbonnementAanvraag/BSNLijst/BSN[1]"),
        ("XSD", "/AbonnementAanvraag/BSNLijst/BSN[2]"),
    }
    for violation in report:
        assert "99999001" not in violation.message
        assert "999990020" not in violation.message
    tree = _defect_tree("batch_valid.xml", set_text(f"{BIJ1}/ber:Omschrijving", "o" * 129))
    (violation,) = validate_tree(tree, None, backend).violations
    assert "128" in violation.message
    assert "Omschrijving" not in violation.message or backend is Backend.XMLSCHEMA
    tree = _defect_tree("batch_valid.xml", _remove("ber:Bericht[2]/ber:BerichtInformatie/ber:GebruikerID"))
    (violation,) = validate_tree(tree, None, backend).violations
    assert "GebruikerID" in violation.message


def test_lxml_message_text() -> None:
    tree = _defect_tree("batch_valid.xml", set_text(f"{INFO}/ber:Onderwerp", "x" * 51))
    (violation,) = validate_tree(tree).violations
    assert (
        violation.message
        == "The value has a length of '51'; this exceeds the allowed maximum length of '50'."
    )
    tree = _defect_tree("batch_valid.xml", _swap_type_and_onderwerp)
    (violation,) = validate_tree(tree).violations
    assert (
        violation.message == "ber:Onderwerp: This element is not expected. Expected is ( ber:BerichtType )."
    )
    tree = _defect_tree("batch_valid.xml", _retag("bvs:BatchInformatie", None))
    (violation,) = validate_tree(tree).violations
    assert violation.message == (
        "BatchInformatie (no namespace): This element is not expected. Expected is ( bvs:BatchInformatie )."
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_count_rules_have_the_same_message_on_both_backends(backend: Backend) -> None:
    (violation,) = validate_tree(
        _defect_tree("batch_valid.xml", lambda t: _many_berichten(t, 1001)), None, backend
    )
    assert violation.message == (
        "a batch holds at most 1000 Bericht elements; split it into several batches (this is number 1001)"
    )
    (violation,) = validate_tree(_defect_tree("batch_valid.xml", _empty_bijlagen), None, backend)
    assert violation.message.startswith("Bijlagen without a Bijlage")


def test_element_path() -> None:
    tree = load("batch_valid.xml")
    element = one(tree, f"{BIJ2}/ber:Omschrijving")
    assert element_path(element) == f"{B1}/Bijlagen/Bijlage[2]/Omschrijving"
    assert element_path(tree.getroot()) == "/Berichten"
    assert element_path(element, one(tree, "ber:Bericht[1]")) == "/Bericht/Bijlagen/Bijlage[2]/Omschrijving"
    result = load("result_valid.xml")
    # Siblings share the local name whatever their prefix: positions count them all.
    assert (
        element_path(one(result, "Berichten/*[5]/BerichtID"))
        == "/BerichtVerwerkResponse/Berichten/Bericht[5]/BerichtID"
    )


def test_validate_tree_accepts_tree_or_element() -> None:
    tree = _defect_tree("batch_valid.xml", set_text(f"{INFO}/ber:Onderwerp", ""))
    assert pairs(validate_tree(tree)) == pairs(validate_tree(tree.getroot()))
    assert validate_tree(tree) == validate_tree(tree, DocumentKind.BATCH, Backend.LXML)


# ------------------------------------------------------------------- what each violation says


def _single_line(tree: etree._ElementTree) -> etree._ElementTree:
    """The document on one line: line numbers cannot tell its elements apart."""
    for element in tree.getroot().iter():
        if element.tail is not None and not element.tail.strip():
            element.tail = None
        if len(element) and element.text is not None and not element.text.strip():
            element.text = None
    return parse_xml(etree.tostring(tree.getroot()))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_wrong_root_names_what_it_found_and_what_the_kind_wants(backend: Backend) -> None:
    wanted = "a batch document has root bvs:Berichten"
    for root, found in (
        (etree.Element("{urn:elsewhere}Brief"), "{urn:elsewhere}Brief"),
        (etree.Element("Brief"), "Brief"),
        (load("result_valid.xml").getroot(), "bvs:BerichtVerwerkResponse"),
    ):
        (violation,) = validate_tree(root, DocumentKind.BATCH, backend).violations
        assert violation.message == f"the root element is {found}, but {wanted}"
        assert (violation.rule, violation.path) == ("XSD", f"/{etree.QName(root).localname}")
        assert is_valid(root, DocumentKind.BATCH) is False
    assert is_valid(load("batch_valid.xml"), DocumentKind.BATCH) is True


def test_the_backends_are_named_as_the_command_line_names_them() -> None:
    assert Backend("lxml") is Backend.LXML
    assert Backend("xmlschema") is Backend.XMLSCHEMA


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_third_bijlage_says_how_many_a_letter_may_have(backend: Backend) -> None:
    (violation,) = validate_tree(_defect_tree("batch_valid.xml", _third_bijlage), None, backend).violations
    assert violation.message == "a letter has at most 2 Bijlage elements (this is number 3)"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_batch_without_any_child_misses_its_batchinformatie_not_a_bericht(backend: Backend) -> None:
    root = etree.Element(f"{{{NS['bvs']}}}Berichten")
    (violation,) = validate_tree(root, DocumentKind.BATCH, backend).violations
    assert (violation.rule, violation.path) == ("XSD", "/Berichten")
    assert "BatchInformatie" in violation.message


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_content_error_per_element_then_the_rest_of_the_document(backend: Backend) -> None:
    tree = load("batch_valid.xml")
    bericht = one(tree, "ber:Bericht[1]")
    bericht.text = "tekst"  # character data in element-only content ...
    etree.SubElement(bericht, f"{{{NS['ber']}}}Extra")  # ... and an unexpected child of the same element
    set_text(f"{INFO}/ber:BerichtID", "not-a-guid")(tree)  # libxml2 reports this one twice
    set_text("ber:Bericht[2]/ber:BerichtInformatie/ber:Onderwerp", "")(tree)
    etree.SubElement(one(tree, "ber:Bericht[2]/ber:BerichtInformatie"), f"{{{NS['ber']}}}Extra")
    report = validate_tree(tree, DocumentKind.BATCH, backend)
    assert [(v.rule, v.path, v.letter) for v in report] == [
        ("XSD", B1, 0),
        ("BER-01", f"{INFO1}/BerichtID", 0),
        ("BER-05", f"{INFO2}/Onderwerp", 1),
        ("XSD", f"{INFO2}/Extra", 1),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_violation_says_which_letter_it_concerns(backend: Backend) -> None:
    tree = load("batch_valid.xml")
    set_text("bvs:BatchInformatie/bvs:BatchID", "x")(tree)
    set_text(f"{BIJ2}/ber:Omschrijving", "")(tree)
    set_text("ber:Bericht[2]/ber:BerichtInformatie/ber:Onderwerp", "")(tree)
    report = validate_tree(tree, DocumentKind.BATCH, backend)
    assert [(v.path, v.letter) for v in report] == [
        ("/Berichten/BatchInformatie/BatchID", None),
        (f"{B1}/Bijlagen/Bijlage[2]/Omschrijving", 0),
        (f"{INFO2}/Onderwerp", 1),
    ]
    # Only a batch has letters.
    result = copy.deepcopy(load("result_valid.xml"))
    set_text("Berichten/res:Bericht[2]/VerwerkingsCode", "Onbekend")(result)
    assert [v.letter for v in validate_tree(result, None, backend)] == [None]


def test_lxml_messages_of_a_missing_child_an_attribute_and_a_foreign_element() -> None:
    tree = _defect_tree("batch_valid.xml", _remove("ber:Bericht[2]/ber:BerichtInformatie/ber:SoortGebruiker"))
    (violation,) = validate_tree(tree).violations
    assert violation.message == "Missing child element(s). Expected is ( ber:SoortGebruiker )."
    tree = load("batch_valid.xml")
    one(tree, f"{INFO}/ber:Onderwerp").set("kleur", "rood")
    (violation,) = validate_tree(tree).violations
    assert violation.message == "attribute 'kleur': The attribute 'kleur' is not allowed."
    tree = load("batch_valid.xml")
    etree.SubElement(one(tree, INFO), "{urn:elsewhere}Extra")
    (violation,) = validate_tree(tree).violations
    assert violation.path == f"{INFO1}/Extra"
    assert violation.message == "{urn:elsewhere}Extra: This element is not expected."


def test_every_unexpected_element_is_reported() -> None:
    tree = load("batch_valid.xml")
    for info in (INFO, "ber:Bericht[2]/ber:BerichtInformatie"):
        etree.SubElement(one(tree, info), f"{{{NS['ber']}}}Extra")
    report = validate_tree(tree)
    assert [(v.rule, v.path) for v in report] == [("XSD", f"{INFO1}/Extra"), ("XSD", f"{INFO2}/Extra")]
    assert all(v.message.startswith("ber:Extra: This element is not expected.") for v in report)


def test_xmlschema_messages_name_no_python_class() -> None:
    tree = _defect_tree("batch_valid.xml", set_text("bvs:BatchInformatie/bvs:AanmaakDatum", "2026-03-03"))
    (violation,) = validate_tree(tree, None, Backend.XMLSCHEMA).violations
    # xmlschema says "... '2026-03-03' for <class 'elementpath...DateTime10'>": the class is not for a vendor.
    assert violation.message.endswith("'2026-03-03'")
    assert "<class" not in violation.message


def test_a_long_message_is_cut_at_600_characters() -> None:
    def message(length: int) -> str:
        tree = _defect_tree("batch_valid.xml", set_text(f"{INFO}/ber:SoortGebruiker", "x" * length))
        (violation,) = validate_tree(tree).violations
        return violation.message

    short = message(1)
    assert short.startswith("The value 'x' is not an element of the set {")
    fits = 600 - len(short) + 1  # the value that makes the message exactly 600 characters
    assert message(fits) == short.replace("'x'", f"'{'x' * fits}'")
    assert len(message(fits)) == 600
    cut = message(fits + 1)
    assert len(cut) == 600
    assert cut == short.replace("'x'", f"'{'x' * (fits + 1)}'")[:597] + "..."


def test_a_value_of_a_key_is_masked_in_a_message_whatever_its_length() -> None:
    text = (DATA / "wus_request_valid.xml").read_text()
    text = text.replace("xmlns:xsi=", 'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi=', 1)
    text = text.replace("<sh:Key>999990019</sh:Key>", '<sh:Key xsi:type="xs:language">1234567890</sh:Key>')
    (violation,) = validate_tree(parse_xml(text.encode())).violations
    assert violation.path == "/ValidateAbonnementen/validateAbonnementenAanvraag/klanten/Klant[1]/Key"
    assert "1234567890" not in violation.message
    assert "'******7890'" in violation.message


@pytest.mark.parametrize("backend", BACKENDS)
def test_paths_of_a_default_namespace_document_on_one_line(backend: Backend) -> None:
    # libxml2's "*[n]" steps are all there is to find the element by: one line, the same tag twice.
    text = etree.tostring(load("batch_valid.xml")).decode()
    for prefix in ("ns1:", "ns2:", "b:"):
        text = text.replace(f"<{prefix}", "<").replace(f"</{prefix}", "</")
    text = text.replace("xmlns:ns1=", "xmlns=").replace("xmlns:ns2=", "xmlns=").replace("xmlns:b=", "xmlns=")
    tree = parse_xml(text)
    set_text(f"{BIJ2}/ber:Omschrijving", "")(tree)
    tree = _single_line(tree)
    assert {element.sourceline for element in tree.getroot().iter()} == {1}
    assert pairs(validate_tree(tree, None, backend)) == {("BIJ-04", f"{B1}/Bijlagen/Bijlage[2]/Omschrijving")}


def test_an_error_its_path_cannot_place_is_placed_by_its_line_and_the_element_it_names() -> None:
    tree = _single_line(load("batch_valid.xml"))
    root = tree.getroot()
    walker = _Walker(root)
    second = one(tree, f"{BIJ2}/ber:Omschrijving")
    named = f"Element '{second.tag}': [facet 'minLength'] too short."
    # The first Omschrijving on that (only) line: the message names the tag, not which one.
    first = one(tree, f"{BIJ1}/ber:Omschrijving")
    assert _element_at(walker, root, None, 1, named) is first
    assert _element_at(walker, root, "/ns1:Berichten/ns2:Nothing", 1, named) is first
    assert _element_at(walker, root, "", 1, named) is first
    # A message naming no element: the first element on the line; no element on the line: the root.
    assert _element_at(walker, root, None, 1, "no element named") is root
    lines = load("batch_valid.xml")
    inhoud = one(lines, f"{BIJ2}/ber:Inhoud")
    assert _element_at(_Walker(lines.getroot()), lines.getroot(), None, inhoud.sourceline, "x") is inhoud
    assert _element_at(walker, root, None, 2, named) is root
    # A path it can follow wins.
    assert _element_at(walker, root, "/ns1:Berichten/b:Bericht", 1, named) is one(tree, "ber:Bericht[2]")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_document_naming_other_schemas_is_checked_against_the_bundled_ones_only(backend: Backend) -> None:
    tree = load("batch_valid.xml")
    tree.getroot().set(
        "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", f"{NS['bvs']} https://example.org/x.xsd"
    )
    assert validate_tree(tree, None, backend).ok
    set_text(f"{INFO}/ber:Onderwerp", "")(tree)
    assert pairs(validate_tree(tree, None, backend)) == {("BER-05", f"{INFO1}/Onderwerp")}


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unknown_xsi_type_leaves_the_rest_of_the_document_checked(backend: Backend) -> None:
    tree = load("batch_valid.xml")
    onderwerp = one(tree, f"{INFO}/ber:Onderwerp")
    onderwerp.set(XSI_TYPE, f"{onderwerp.prefix}:Onderwerp")
    onderwerp.text = ""  # not checked: its type is unknown
    _third_bijlage(tree)  # a count rule after it
    set_text("ber:Bericht[2]/ber:BerichtInformatie/ber:Onderwerp", "")(tree)
    foreign = etree.SubElement(one(tree, "ber:Bericht[2]/ber:BerichtInformatie"), "{urn:elsewhere}Extra")
    foreign.set(XSI_TYPE, f"{onderwerp.prefix}:Nothing")  # a type on an element that is not expected
    report = validate_tree(tree, DocumentKind.BATCH, backend)
    assert [(v.rule, v.path) for v in report] == [
        ("BER-05", f"{INFO1}/Onderwerp"),
        ("BIJ-01", f"{B1}/Bijlagen/Bijlage[3]"),
        ("BER-05", f"{INFO2}/Onderwerp"),
        ("XSD", f"{INFO2}/Extra"),
    ]
    if backend is Backend.XMLSCHEMA:
        prefix = onderwerp.prefix
        assert report.violations[0].message == (
            f"the xsi:type '{prefix}:Onderwerp' does not name a type of the schema"
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_type_that_cannot_stand_in_is_one_error_among_the_others(backend: Backend) -> None:
    text = etree.tostring(load("batch_valid.xml"))
    tree = etree.ElementTree(
        etree.fromstring(
            text.replace(b"<ns1:Berichten ", f'<ns1:Berichten xmlns:b="{NS["ber"]}" '.encode(), 1)
        )
    )
    one(tree, "bvs:BatchInformatie/bvs:AanmaakDatum").set(XSI_TYPE, "b:guid")
    set_text(f"{INFO}/ber:Onderwerp", "")(tree)
    set_text("ber:Bericht[2]/ber:BerichtInformatie/ber:Onderwerp", "")(tree)
    report = validate_tree(tree, DocumentKind.BATCH, backend)
    assert [(v.rule, v.path) for v in report] == [
        ("BATCH-04", "/Berichten/BatchInformatie/AanmaakDatum"),
        ("BER-05", f"{INFO1}/Onderwerp"),
        ("BER-05", f"{INFO2}/Onderwerp"),
    ]


# ------------------------------------------------------------------------------------- threads


def test_concurrent_validation_keeps_reports_apart() -> None:
    valid = load("batch_valid.xml")
    invalid = {
        n: _defect_tree("batch_valid.xml", set_text(f"{INFO}/ber:Onderwerp", "x" * n)) for n in range(51, 59)
    }
    errors: list[str] = []
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        barrier.wait()
        for i in range(30):
            backend = BACKENDS[i % 2]
            if validate_tree(valid, None, backend).violations:
                errors.append(f"valid doc reported invalid ({backend})")
            (violation,) = validate_tree(invalid[n], None, backend).violations
            if violation.path != f"{INFO1}/Onderwerp" or (
                backend is Backend.LXML and f"'{n}'" not in violation.message
            ):
                errors.append(f"thread {n}: {violation}")

    threads = [threading.Thread(target=work, args=(n,)) for n in invalid]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_default_schema_set_is_shared() -> None:
    assert default_schema_set() is default_schema_set()
