"""The bundled schema set: files and their facts, manifest, closed import resolution, compile-once."""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree

from mobb_sdk import _schemas
from mobb_sdk._errors import DocumentTypeError, SchemaError
from mobb_sdk._schemas import (
    MANIFEST_NAME,
    SCHEMA_FILES,
    SCHEMA_VERSION,
    DocumentKind,
    SchemaSet,
    default_schema_set,
    fault_kind,
    kind_of,
    lxml_schema,
    manifest_hash,
    schema_dir,
    schema_manifest,
    verify_manifest,
    write_manifest,
    xmlschema_schema,
)

REPO_SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
XS = "{http://www.w3.org/2001/XMLSchema}"
BVS = "http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01"
BER = "http://schemas.rdw.nl/GEB/BerichtenProsessor/Bericht/Types/2009/01"
RES = "http://schemas.rdw.nl/GEB/BerichtVerwerkService/BerichtResultaat/Types/2009/01"
VAL = "http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/2009/01"
VALT = "http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/Types/2009/01"
SH = "http://schemas.rdw.nl/GEB/Shared/Types/2009/01"
ABO = "http://schemas.overheid.nl/GEB/AbonnementServiceProcessor/2014/02"


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled schema directory to tamper with."""
    target = tmp_path / "schemas"
    shutil.copytree(schema_dir(), target)
    return target


def xsd(name: str) -> etree._Element:
    return etree.parse(str(REPO_SCHEMAS / name)).getroot()


# ------------------------------------------------------------------------------------ the files


def test_schema_dir_is_the_source_tree_here() -> None:
    directory = schema_dir()
    assert directory.resolve() == REPO_SCHEMAS.resolve()
    for name in SCHEMA_FILES:
        assert (directory / name).is_file()
    assert (directory / MANIFEST_NAME).is_file()


def test_every_import_names_a_file_of_the_set() -> None:
    # Logius' request schema imports GLOBEBatchRequestTypes.xsd (its package ships "_128ch"): the set has
    # the imported name, so any XSD processor compiles it from the directory.
    imports = xsd("GLOBEBatchRequest.xsd").findall(f"{XS}import")
    assert [(i.get("namespace"), i.get("schemaLocation")) for i in imports] == [
        (BER, "GLOBEBatchRequestTypes.xsd")
    ]
    for name in SCHEMA_FILES:
        for reference in xsd(name).iter(f"{XS}import", f"{XS}include", f"{XS}redefine"):
            assert reference.get("schemaLocation") in SCHEMA_FILES, (name, reference.get("schemaLocation"))


def test_the_128ch_copy_is_byte_identical() -> None:
    assert "GLOBEBatchRequestTypes_128ch.xsd" in SCHEMA_FILES
    assert (REPO_SCHEMAS / "GLOBEBatchRequestTypes_128ch.xsd").read_bytes() == (
        REPO_SCHEMAS / "GLOBEBatchRequestTypes.xsd"
    ).read_bytes()


@pytest.mark.parametrize(
    ("name", "namespace", "form"),
    [
        ("GLOBEBatchRequest.xsd", BVS, "qualified"),
        ("GLOBEBatchRequestTypes.xsd", BER, "qualified"),
        ("GLOBEBatchRequestTypes_128ch.xsd", BER, "qualified"),
        ("GLOBEBatchResponse.xsd", BVS, "unqualified"),
        ("GLOBEBatchResponseTypes.xsd", RES, "unqualified"),
        ("BerichtenboxValidatieService.xsd", VAL, "qualified"),
        ("BerichtenboxValidatieServiceTypes.xsd", VALT, "qualified"),
        ("SharedTypes.xsd", SH, "qualified"),
        ("AbonnementAanvraag.xsd", ABO, "unqualified"),
    ],
)
def test_namespace_form_and_version(name: str, namespace: str, form: str) -> None:
    root = xsd(name)
    assert root.get("targetNamespace") == namespace
    assert root.get("elementFormDefault") == form
    assert root.get("version") == SCHEMA_VERSION


def test_schema_version() -> None:
    assert SCHEMA_VERSION == "2026.2"


def _restriction(name: str, file: str) -> etree._Element:
    """The restriction of the named simple type, or of the anonymous simple type of element ``name``."""
    root = xsd(file)
    found = root.findall(f"{XS}simpleType[@name='{name}']/{XS}restriction") + root.findall(
        f".//{XS}element[@name='{name}']/{XS}simpleType/{XS}restriction"
    )
    assert len(found) == 1, (name, file, found)
    return found[0]


def _facets(name: str, file: str = "GLOBEBatchRequestTypes.xsd") -> dict[str, list[str]]:
    restriction = _restriction(name, file)
    facets: dict[str, list[str]] = {"base": [restriction.get("base", "")]}
    for facet in restriction:
        facets.setdefault(etree.QName(facet).localname, []).append(facet.get("value", ""))
    return facets


GUID = r"[\da-fA-F]{8}-[\da-fA-F]{4}-[\da-fA-F]{4}-[\da-fA-F]{4}-[\da-fA-F]{12}"


def test_facts_of_the_letter_types() -> None:
    # guid is the one named type of each letter file; the batch and result roots use it (spec section 3).
    assert _facets("guid") == {"base": ["xs:string"], "pattern": [GUID]}
    assert _facets("guid", "GLOBEBatchResponseTypes.xsd") == {"base": ["xs:string"], "pattern": [GUID]}
    request_batch_id = xsd("GLOBEBatchRequest.xsd").find(f".//{XS}element[@name='BatchID']")
    response_batch_id = xsd("GLOBEBatchResponse.xsd").find(f".//{XS}element[@name='BatchID']")
    assert request_batch_id is not None and response_batch_id is not None
    assert request_batch_id.get("type") == "ber:guid"
    assert response_batch_id.get("type") == "res:guid"
    assert _facets("BerichtLeverancierID", "GLOBEBatchRequest.xsd") == {
        "base": ["xs:string"],
        "minLength": ["1"],
        "maxLength": ["25"],
    }
    assert _facets("BerichtType") == {"base": ["xs:string"], "minLength": ["1"], "maxLength": ["8"]}
    assert _facets("Onderwerp") == {"base": ["xs:string"], "minLength": ["1"], "maxLength": ["50"]}
    assert _facets("BerichtTekst") == {"base": ["xs:string"], "minLength": ["0"], "maxLength": ["4000"]}
    assert _facets("Referentie") == {"base": ["xs:string"], "minLength": ["0"], "maxLength": ["25"]}
    assert _facets("GebruikerID") == {"base": ["xs:string"], "minLength": ["1"]}
    assert _facets("SoortGebruiker") == {"base": ["xs:string"], "enumeration": ["Burger"]}
    assert _facets("Inhoud") == {"base": ["xs:base64Binary"], "minLength": ["1"]}
    assert _facets("BijlageType") == {"base": ["xs:string"], "enumeration": ["Pdf"]}
    assert _facets("Omschrijving") == {"base": ["xs:string"], "minLength": ["1"], "maxLength": ["128"]}


def test_verwerkingscodes_are_exactly_the_enums() -> None:
    # The ten are pinned once, on the enum (test_models); the XSD lists the same, in the same order.
    from mobb_sdk import VerwerkingsCode

    assert _facets("VerwerkingsCode", "GLOBEBatchResponseTypes.xsd")["enumeration"] == [
        c.value for c in VerwerkingsCode
    ]


def _sequence(schema: Any, *path: str) -> list[tuple[str, int, int | None, bool]]:
    """(qualified name, minOccurs, maxOccurs, nillable) of the children of the element at ``path``.

    ``path`` starts at a global element and goes down by child names (types are anonymous where
    Logius leaves them so, spec section 3); a named type may be given as ``type:{ns}Name``.
    """
    if path[0].startswith("type:"):
        xsd_type = schema.maps.types[path[0][5:]]
    else:
        xsd_type = schema.maps.elements[path[0]].type
    for step in path[1:]:
        (child,) = [e for e in xsd_type.content.iter_elements() if e.name == step]
        xsd_type = child.type
    return [(e.name, e.min_occurs, e.max_occurs, e.nillable) for e in xsd_type.content.iter_elements()]


def test_element_order_and_cardinalities_of_the_batch() -> None:
    schema = xmlschema_schema(DocumentKind.BATCH)
    b = f"{{{BER}}}"
    root = f"{{{BVS}}}Berichten"
    assert _sequence(schema, root) == [
        (f"{{{BVS}}}BatchInformatie", 1, 1, False),
        (f"{b}Bericht", 1, 1000, False),
    ]
    assert [n for n, *_ in _sequence(schema, root, f"{{{BVS}}}BatchInformatie")] == [
        f"{{{BVS}}}BatchID",
        f"{{{BVS}}}AanmaakDatum",
        f"{{{BVS}}}BerichtLeverancierID",
    ]
    assert _sequence(schema, f"{b}Bericht") == [
        (f"{b}BerichtInformatie", 1, 1, False),
        (f"{b}Bijlagen", 0, 1, False),
    ]
    assert _sequence(schema, f"{b}Bericht", f"{b}BerichtInformatie") == [
        (f"{b}BatchID", 1, 1, False),
        (f"{b}BerichtID", 1, 1, False),
        (f"{b}BerichtType", 1, 1, False),
        (f"{b}PublicatieDatum", 0, 1, False),
        (f"{b}EindDatumHandelingsTermijn", 0, 1, False),
        (f"{b}Onderwerp", 1, 1, False),
        (f"{b}BerichtTekst", 0, 1, False),
        (f"{b}Referentie", 0, 1, False),
        (f"{b}GebruikerID", 1, 1, False),
        (f"{b}SoortGebruiker", 1, 1, False),
    ]
    assert _sequence(schema, f"{b}Bericht", f"{b}Bijlagen") == [(f"{b}Bijlage", 1, 2, False)]
    assert [n for n, *_ in _sequence(schema, f"{b}Bericht", f"{b}Bijlagen", f"{b}Bijlage")] == [
        f"{b}Inhoud",
        f"{b}BijlageType",
        f"{b}Omschrijving",
        f"{b}Volgorde",
    ]
    assert schema.maps.elements[f"{b}Bericht"].type.content[1].type.content[0].type.content[3].type.name == (
        "{http://www.w3.org/2001/XMLSchema}int"
    )


def test_result_and_wus_cardinalities() -> None:
    result = xmlschema_schema(DocumentKind.RESULT)
    assert _sequence(result, f"{{{BVS}}}BerichtVerwerkResponse", "Berichten") == [
        (f"{{{RES}}}Bericht", 0, 1000, False)
    ]
    assert _sequence(result, f"{{{RES}}}Bericht") == [
        ("BerichtID", 1, 1, False),
        ("BerichtType", 1, 1, False),
        ("VerwerkingsCode", 1, 1, False),
        ("Stadium", 0, 1, True),
    ]
    wus = xmlschema_schema(DocumentKind.WUS_REQUEST)
    assert _sequence(wus, f"{{{VAL}}}ValidateAbonnementen") == [
        (f"{{{VAL}}}validateAbonnementenAanvraag", 0, 1, True)
    ]
    assert _sequence(wus, f"{{{VAL}}}ValidateAbonnementenResponse") == [
        (f"{{{VAL}}}ValidateAbonnementenResult", 0, 1, True)
    ]
    for start in (f"type:{{{VALT}}}ValidateAbonnementenAanvraag", f"{{{VALT}}}ValidateAbonnementenAanvraag"):
        assert _sequence(wus, start) == [
            (f"{{{VALT}}}berichtleverancierCode", 1, 1, True),
            (f"{{{VALT}}}berichtTypeCode", 1, 1, True),
            (f"{{{VALT}}}klanten", 1, 1, True),
        ]
    assert _sequence(wus, f"type:{{{VALT}}}ArrayOfAbonnement") == [(f"{{{VALT}}}Abonnement", 0, None, True)]
    assert _sequence(wus, f"type:{{{VALT}}}Abonnement") == [
        (f"{{{VALT}}}klant", 1, 1, True),
        (f"{{{VALT}}}isBerichtSturen", 1, 1, False),
    ]
    assert _sequence(wus, f"type:{{{SH}}}ArrayOfKlant") == [(f"{{{SH}}}Klant", 0, None, True)]
    assert _sequence(wus, f"type:{{{SH}}}Klant") == [
        (f"{{{SH}}}Key", 0, 1, True),
        (f"{{{SH}}}Rol", 0, 1, False),
    ]
    shared = xmlschema_schema(DocumentKind.APPLICATION_FAULT)
    for fault in ("ApplicationFault", "DependentServiceFault"):
        assert _sequence(shared, f"type:{{{SH}}}{fault}") == [(f"{{{SH}}}Message", 1, 1, True)]
        assert shared.maps.elements[f"{{{SH}}}{fault}"].nillable


# ---------------------------------------------------------------------------------- document kinds


def test_document_kinds() -> None:
    assert [k.value for k in DocumentKind if not k.is_fault] == [
        "batch",
        "result",
        "wus_request",
        "wus_response",
        "abonnement_aanvraag",
    ]
    assert DocumentKind.BATCH.root == (BVS, "Berichten")
    assert DocumentKind.RESULT.root == (BVS, "BerichtVerwerkResponse")
    assert DocumentKind.WUS_REQUEST.root_tag == f"{{{VAL}}}ValidateAbonnementen"
    assert DocumentKind.ABONNEMENT_AANVRAAG.schema_file == "AbonnementAanvraag.xsd"
    assert DocumentKind.BATCH.schema_file == "GLOBEBatchRequest.xsd"
    for kind in DocumentKind:
        assert kind.value == kind.value.lower()
        assert kind.schema_file in SCHEMA_FILES


def test_kind_of() -> None:
    assert kind_of(etree.Element(f"{{{BVS}}}Berichten")) is DocumentKind.BATCH
    assert (
        kind_of(etree.ElementTree(etree.Element(f"{{{ABO}}}AbonnementAanvraag")))
        is DocumentKind.ABONNEMENT_AANVRAAG
    )
    with pytest.raises(DocumentTypeError, match="'Berichten' in namespace 'urn:other'"):
        kind_of(etree.Element("{urn:other}Berichten"))
    with pytest.raises(DocumentTypeError, match="'Berichten' in no namespace"):
        kind_of(etree.Element("Berichten"))
    # A fault detail is not a document root; fault_kind finds it.
    with pytest.raises(DocumentTypeError):
        kind_of(etree.Element(f"{{{SH}}}ApplicationFault"))
    assert fault_kind(etree.Element(f"{{{SH}}}ApplicationFault")) is DocumentKind.APPLICATION_FAULT
    assert fault_kind(etree.Element(f"{{{SH}}}DependentServiceFault")) is DocumentKind.DEPENDENT_SERVICE_FAULT
    with pytest.raises(DocumentTypeError):
        fault_kind(etree.Element(f"{{{BVS}}}Berichten"))


# ---------------------------------------------------------------------------------------- manifest


def test_manifest_is_current_and_complete() -> None:
    manifest = schema_manifest()
    assert sorted(manifest) == sorted(SCHEMA_FILES)
    for name, digest in manifest.items():
        assert hashlib.sha256((REPO_SCHEMAS / name).read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in REPO_SCHEMAS.glob("*.xsd")) == sorted(SCHEMA_FILES)
    verify_manifest()


def test_manifest_hash_is_the_hash_of_the_manifest_text() -> None:
    text = (REPO_SCHEMAS / MANIFEST_NAME).read_bytes()
    assert manifest_hash() == hashlib.sha256(text).hexdigest()
    assert len(manifest_hash()) == 64


def test_manifest_is_in_sha256sum_format() -> None:
    for line in (REPO_SCHEMAS / MANIFEST_NAME).read_text().splitlines():
        digest, name = line.split("  ")
        assert len(digest) == 64
        assert name in SCHEMA_FILES


def test_write_manifest_reproduces_the_shipped_one(schema_copy: Path) -> None:
    (schema_copy / MANIFEST_NAME).unlink()
    text = write_manifest(schema_copy)
    assert text == (REPO_SCHEMAS / MANIFEST_NAME).read_text()
    verify_manifest(schema_copy)


def test_tampered_schema_is_refused(schema_copy: Path) -> None:
    target = schema_copy / "GLOBEBatchRequestTypes_128ch.xsd"
    target.write_bytes(target.read_bytes().replace(b'value="50"', b'value="60"'))
    with pytest.raises(SchemaError, match=r"GLOBEBatchRequestTypes_128ch\.xsd"):
        verify_manifest(schema_copy)
    schemas = SchemaSet(schema_copy)
    with pytest.raises(SchemaError, match="changed"):
        schemas.lxml_schema(DocumentKind.BATCH)
    with pytest.raises(SchemaError):
        schemas.xmlschema_schema(DocumentKind.RESULT)
    # Re-writing the manifest accepts the change (that is how a schema edit is committed).
    write_manifest(schema_copy)
    assert SchemaSet(schema_copy).lxml_schema(DocumentKind.BATCH) is not None


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        ("delete-file", "cannot be read"),
        ("delete-manifest", "manifest"),
        ("unlisted-file", "not in MANIFEST"),
        ("drop-line", "does not list"),
        ("bad-line", "line 1"),
        ("path-in-manifest", "line 1"),
    ],
)
def test_broken_manifest_or_set_is_refused(schema_copy: Path, damage: str, match: str) -> None:
    manifest = schema_copy / MANIFEST_NAME
    lines = manifest.read_text().splitlines(keepends=True)
    if damage == "delete-file":
        (schema_copy / "SharedTypes.xsd").unlink()
    elif damage == "delete-manifest":
        manifest.unlink()
    elif damage == "unlisted-file":
        shutil.copy(schema_copy / "SharedTypes.xsd", schema_copy / "Extra.xsd")
    elif damage == "drop-line":
        manifest.write_text("".join(lines[1:]))
    elif damage == "bad-line":
        manifest.write_text("not a digest  SharedTypes.xsd\n" + "".join(lines))
    elif damage == "path-in-manifest":
        manifest.write_text(f"{'0' * 64}  ../SharedTypes.xsd\n" + "".join(lines))
    with pytest.raises(SchemaError, match=match):
        verify_manifest(schema_copy)
    with pytest.raises(SchemaError):
        SchemaSet(schema_copy).lxml_schema(DocumentKind.WUS_REQUEST)


def test_manifest_is_verified_once_per_set(monkeypatch: pytest.MonkeyPatch, schema_copy: Path) -> None:
    calls: list[Path] = []
    real = _schemas._read_verified

    def counting(directory: Path) -> dict[str, bytes]:
        calls.append(directory)
        return real(directory)

    monkeypatch.setattr(_schemas, "_read_verified", counting)
    schemas = SchemaSet(schema_copy)
    for kind in DocumentKind:
        schemas.lxml_schema(kind)
        schemas.xmlschema_schema(kind)
    assert calls == [schema_copy]


# -------------------------------------------------------------------------------- import resolution


def _redirect_import(directory: Path, file: str, old: str, new: str) -> None:
    path = directory / file
    text = path.read_text()
    assert f'schemaLocation="{old}"' in text
    path.write_text(text.replace(f'schemaLocation="{old}"', f'schemaLocation="{new}"'))
    write_manifest(directory)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network used in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:9/GLOBEBatchRequestTypes.xsd",
        "https://example.invalid/types.xsd",
        "Other.xsd",
        "../schemas/GLOBEBatchRequestTypes_128ch.xsd",
        "sub/GLOBEBatchRequestTypes_128ch.xsd",
    ],
)
def test_unresolvable_import_is_an_error(schema_copy: Path, no_network: list[object], location: str) -> None:
    _redirect_import(schema_copy, "GLOBEBatchRequest.xsd", "GLOBEBatchRequestTypes.xsd", location)
    with pytest.raises(SchemaError, match="cannot resolve schema location"):
        SchemaSet(schema_copy).lxml_schema(DocumentKind.BATCH)
    with pytest.raises(SchemaError, match="cannot resolve schema location"):
        SchemaSet(schema_copy).xmlschema_schema(DocumentKind.BATCH)
    assert no_network == []


def test_nested_import_is_resolved_and_checked(schema_copy: Path, no_network: list[object]) -> None:
    # SharedTypes.xsd is imported by the types file, not the service file: a second-level import.
    _redirect_import(
        schema_copy, "BerichtenboxValidatieServiceTypes.xsd", "SharedTypes.xsd", "http://x/Shared.xsd"
    )
    for compile_ in (SchemaSet.lxml_schema, SchemaSet.xmlschema_schema):
        with pytest.raises(SchemaError, match="cannot resolve"):
            compile_(SchemaSet(schema_copy), DocumentKind.WUS_REQUEST)
    assert no_network == []


def test_the_import_loads_the_file_it_names(schema_copy: Path) -> None:
    # Onderwerp at 60 in GLOBEBatchRequestTypes.xsd, 70 in the _128ch copy: the batch schema compiles the
    # file its import names, in both backends.
    for name, limit in (("GLOBEBatchRequestTypes.xsd", b"60"), ("GLOBEBatchRequestTypes_128ch.xsd", b"70")):
        target = schema_copy / name
        target.write_bytes(
            target.read_bytes().replace(
                b'<xs:maxLength value="50"/>', b'<xs:maxLength value="' + limit + b'"/>'
            )
        )
    write_manifest(schema_copy)
    schemas = SchemaSet(schema_copy)
    xs_schema = schemas.xmlschema_schema(DocumentKind.BATCH)
    informatie = xs_schema.maps.elements[f"{{{BER}}}Bericht"].type.content[0]
    onderwerp = informatie.type.content[5]
    assert onderwerp.name == f"{{{BER}}}Onderwerp"
    assert onderwerp.type.max_length == 60
    batch = etree.parse(str(Path(__file__).parent / "data" / "xml" / "batch_valid.xml"))
    onderwerpen = batch.findall(f".//{{{BER}}}Onderwerp")
    lxml_batch = schemas.lxml_schema(DocumentKind.BATCH)
    onderwerpen[0].text = "x" * 60
    assert lxml_batch.validate(batch)
    onderwerpen[0].text = "x" * 61
    assert not lxml_batch.validate(batch)


def test_schema_that_does_not_compile_is_a_schema_error(schema_copy: Path) -> None:
    path = schema_copy / "AbonnementAanvraag.xsd"
    path.write_text(path.read_text().replace('type="abo:VerzoekId"', 'type="abo:Missing"'))
    write_manifest(schema_copy)
    with pytest.raises(SchemaError, match=r"AbonnementAanvraag\.xsd does not compile"):
        SchemaSet(schema_copy).lxml_schema(DocumentKind.ABONNEMENT_AANVRAAG)
    with pytest.raises(SchemaError, match=r"AbonnementAanvraag\.xsd does not compile"):
        SchemaSet(schema_copy).xmlschema_schema(DocumentKind.ABONNEMENT_AANVRAAG)


# ------------------------------------------------------------------------------------ compile once


def test_compiled_once_and_shared() -> None:
    assert lxml_schema(DocumentKind.BATCH) is lxml_schema(DocumentKind.BATCH)
    assert xmlschema_schema(DocumentKind.RESULT) is xmlschema_schema(DocumentKind.RESULT)
    assert lxml_schema(DocumentKind.BATCH) is default_schema_set().lxml_schema(DocumentKind.BATCH)
    # The WUS request and response are one schema file, compiled once.
    assert lxml_schema(DocumentKind.WUS_REQUEST) is lxml_schema(DocumentKind.WUS_RESPONSE)
    assert xmlschema_schema(DocumentKind.WUS_REQUEST) is xmlschema_schema(DocumentKind.WUS_RESPONSE)
    assert isinstance(lxml_schema(DocumentKind.BATCH), etree.XMLSchema)
    assert isinstance(xmlschema_schema(DocumentKind.BATCH), xmlschema.XMLSchema10)


def test_concurrent_first_compilation_builds_one_object(schema_copy: Path) -> None:
    schemas = SchemaSet(schema_copy)
    barrier = threading.Barrier(8)
    results: list[tuple[object, object]] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(
                (schemas.lxml_schema(DocumentKind.BATCH), schemas.xmlschema_schema(DocumentKind.BATCH))
            )
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(results) == 8
    assert len({id(lx) for lx, _ in results}) == 1
    assert len({id(xs) for _, xs in results}) == 1


def test_manifest_lines_as_sha256sum_writes_them(tmp_path: Path) -> None:
    digest = "ab" * 32
    (tmp_path / MANIFEST_NAME).write_text(f"\n{digest}  A.xsd\n\n{digest.upper()} *B.xsd\n")
    assert schema_manifest(tmp_path) == {"A.xsd": digest, "B.xsd": digest}  # blank lines, binary marker
    for text, message in (
        (f"{digest}  A.xsd\n{digest}  A.xsd\n", f"{MANIFEST_NAME} lists A.xsd twice"),
        (f"{digest}  .\n", f"{MANIFEST_NAME} line 1 is not '<sha256>  <file name>'"),
        (f"{digest}  A.xsd\n{digest}  ..\n", f"{MANIFEST_NAME} line 2 is not '<sha256>  <file name>'"),
    ):
        (tmp_path / MANIFEST_NAME).write_text(text)
        with pytest.raises(SchemaError) as info:
            schema_manifest(tmp_path)
        assert str(info.value) == message
    (tmp_path / MANIFEST_NAME).unlink()
    with pytest.raises(SchemaError) as missing:
        schema_manifest(tmp_path)
    assert str(missing.value).startswith(f"cannot read the schema manifest {tmp_path / MANIFEST_NAME}: ")
    assert str(missing.value) != f"cannot read the schema manifest {tmp_path / MANIFEST_NAME}: "


def test_write_manifest_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as info:
        write_manifest(tmp_path)
    assert str(info.value) == f"cannot write the manifest: {SCHEMA_FILES[0]} is missing from {tmp_path}"
