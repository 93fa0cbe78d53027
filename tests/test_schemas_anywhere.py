"""The bundled set compiles in any XSD processor and they all give the same verdict (issue 9).

Four processors load the files straight from ``schemas/`` with their own import handling: lxml with no
resolver, xmllint, the JDK's ``javax.xml.validation`` (``tests/java/XsdVerdicts.java``) and xmlschema.
They, and mobb-sdk's own validation with both backends, judge one generated corpus: valid documents of
each kind written by the codec, each global element as the root (plain and nil), ``xsi:type`` naming each
global type of the set on every element, ``xsi:nil`` on every element (valid exactly where nillable), and
the usual mutants (element removed, repeated, emptied, made too long, moved to another namespace).

xmllint and the JDK tests skip, saying so, only when the tool is not installed; ``.ci/run`` installs
xmllint, and the JDK is there in CI.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest
import xmlschema
from lxml import etree

from mobb_sdk import (
    NIL_GUID,
    Abonnement,
    AbonnementAanvraag,
    Batch,
    Bericht,
    BerichtResultaat,
    Bijlage,
    FaultKind,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    VerwerkingsCode,
    VerwerkingsResultaat,
    make_pdf,
    to_soap,
    to_xml,
)
from mobb_sdk._errors import DocumentTypeError
from mobb_sdk._schemas import NAMESPACES, SCHEMA_FILES, DocumentKind, fault_kind, kind_of
from mobb_sdk._xsd_validation import Backend, validate_tree

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
JAVA_VALIDATOR = Path(__file__).parent / "java" / "XsdVerdicts.java"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI}}}type"
XSI_NIL = f"{{{XSI}}}nil"
OIN = "00000001001234567000"
BSNS = ("999993653", "999990019", "999991711")
SOAP_DETAIL = "detail"

XMLLINT = shutil.which("xmllint")
JAVA = shutil.which("java")
needs_xmllint = pytest.mark.skipif(XMLLINT is None, reason="xmllint is not installed (Debian: libxml2-utils)")
needs_java = pytest.mark.skipif(JAVA is None, reason="no JDK: `java` is not on PATH")


# ------------------------------------------------------------------------------- the global components

# Spec section 3, "How Logius' own schema files are built": per file, the global elements (True where
# nillable) and the named types. AbonnementAanvraag.xsd is not in the table (no Logius file is public).
SPEC_COMPONENTS: dict[str, tuple[dict[str, bool], set[str]]] = {
    "GLOBEBatchRequest.xsd": ({"Berichten": False}, set()),
    "GLOBEBatchRequestTypes.xsd": ({"Bericht": False}, {"simpleType guid"}),
    "GLOBEBatchResponse.xsd": ({"BerichtVerwerkResponse": False}, set()),
    "GLOBEBatchResponseTypes.xsd": ({"Bericht": False}, {"simpleType guid"}),
    "BerichtenboxValidatieService.xsd": (
        {"ValidateAbonnementen": False, "ValidateAbonnementenResponse": False},
        set(),
    ),
    "BerichtenboxValidatieServiceTypes.xsd": (
        {"ValidateAbonnementenAanvraag": True, "ArrayOfAbonnement": True, "Abonnement": True},
        {
            "complexType ValidateAbonnementenAanvraag",
            "complexType ArrayOfAbonnement",
            "complexType Abonnement",
        },
    ),
    "SharedTypes.xsd": (
        {
            "ArrayOfKlant": True,
            "Klant": True,
            "KlantRol": True,
            "DependentServiceFault": True,
            "ApplicationFault": True,
        },
        {
            "complexType ArrayOfKlant",
            "complexType Klant",
            "complexType DependentServiceFault",
            "complexType ApplicationFault",
            "simpleType KlantRol",
        },
    ),
}


def _xsd(name: str) -> etree._Element:
    return etree.parse(str(SCHEMAS / name), etree.XMLParser(no_network=True)).getroot()


def _globals(name: str) -> tuple[dict[str, bool], set[str]]:
    root = _xsd(name)
    elements = {e.get("name", ""): e.get("nillable") == "true" for e in root.iterchildren(f"{{{XS}}}element")}
    types = {
        f"{etree.QName(t).localname} {t.get('name')}"
        for t in root.iterchildren(f"{{{XS}}}complexType", f"{{{XS}}}simpleType")
    }
    return elements, types


@pytest.mark.parametrize("name", sorted(SPEC_COMPONENTS))
def test_global_components_are_logius(name: str) -> None:
    assert _globals(name) == SPEC_COMPONENTS[name]


def test_every_file_of_the_set_is_accounted_for() -> None:
    assert set(SCHEMA_FILES) == {
        *SPEC_COMPONENTS,
        "GLOBEBatchRequestTypes_128ch.xsd",
        "AbonnementAanvraag.xsd",
    }


def test_a_named_type_has_the_namespace_logius_gives_it() -> None:
    # BatchID of the batch is ber:guid, of the result res:guid; no bvs type exists.
    for name, namespace in (
        ("GLOBEBatchRequest.xsd", NAMESPACES["ber"]),
        ("GLOBEBatchResponse.xsd", NAMESPACES["res"]),
    ):
        root = _xsd(name)
        (batch_id,) = root.iterfind(f".//{{{XS}}}element[@name='BatchID']")
        prefix, _, local = batch_id.get("type", "").partition(":")
        assert (root.nsmap[prefix], local) == (namespace, "guid")


# ------------------------------------------------------------------------------------------ compiling

_NO_NETWORK = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


@cache
def lxml_direct(name: str, directory: Path = SCHEMAS) -> etree.XMLSchema:
    """The file compiled by lxml from its path, with libxml2's own import handling (no resolver)."""
    return etree.XMLSchema(etree.parse(str(directory / name), _NO_NETWORK))


@cache
def xmlschema_direct(name: str, directory: Path = SCHEMAS) -> xmlschema.XMLSchema10:
    """The file compiled by xmlschema from its path; imports may only read files beside it."""
    return xmlschema.XMLSchema10(str(directory / name), allow="sandbox")


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_lxml_compiles_each_file_without_a_resolver(name: str) -> None:
    assert isinstance(lxml_direct(name), etree.XMLSchema)


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_xmlschema_compiles_each_file_from_the_directory(name: str) -> None:
    assert xmlschema_direct(name).validity == "valid"


@needs_xmllint
def test_xmllint_compiles_each_file(tmp_path: Path) -> None:
    probe = tmp_path / "probe.xml"
    probe.write_bytes(b"<probe/>")
    for name in SCHEMA_FILES:
        run = subprocess.run(
            [str(XMLLINT), "--noout", "--nonet", "--schema", str(SCHEMAS / name), str(probe)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        # A compiled schema rejects <probe/> (exit 3); a schema that does not compile exits 5.
        assert "failed to compile" not in run.stderr, run.stderr
        assert run.returncode == 3, (name, run.returncode, run.stderr)
        assert "fails to validate" in run.stderr


def java_verdicts(jobs: list[tuple[Path, Path | None]], workdir: Path) -> list[list[str]]:
    """Run the JDK validator once over every job; one output row per job, in order."""
    listing = workdir / "jobs.txt"
    listing.write_text(
        "".join(f"{schema}\t{document}\n" if document else f"{schema}\n" for schema, document in jobs),
        encoding="utf-8",
    )
    run = subprocess.run(
        [str(JAVA), str(JAVA_VALIDATOR), str(listing)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    rows = [line.split("\t") for line in run.stdout.splitlines()]
    assert len(rows) == len(jobs), run.stdout[-2000:]
    return rows


@needs_java
def test_the_jdk_compiles_each_file(tmp_path: Path) -> None:
    rows = java_verdicts([(SCHEMAS / name, None) for name in SCHEMA_FILES], tmp_path)
    assert rows == [["COMPILED", str(SCHEMAS / name)] for name in SCHEMA_FILES]


@needs_java
def test_the_jdk_reports_a_schema_that_does_not_compile(tmp_path: Path) -> None:
    # The validator must not pass what it could not compile: a set missing an imported file fails.
    broken = tmp_path / "broken"
    shutil.copytree(SCHEMAS, broken)
    (broken / "GLOBEBatchRequestTypes.xsd").unlink()
    rows = java_verdicts([(broken / "GLOBEBatchRequest.xsd", None)], tmp_path)
    assert rows[0][0] == "SCHEMA-ERROR"


# ------------------------------------------------------------------------------------------- corpus


class Case(NamedTuple):
    name: str
    schema: str  # the file of the set that judges it
    document: bytes


_ALL_PREFIXES = {**NAMESPACES, "xsi": XSI, "xs": XS}


def _declaring_file() -> dict[tuple[str, str], str]:
    """(namespace, local name) of each global element -> the file declaring it (copies left out)."""
    found: dict[tuple[str, str], str] = {}
    for name in SCHEMA_FILES:
        if name == "GLOBEBatchRequestTypes_128ch.xsd":
            continue
        root = _xsd(name)
        for element in root.iterchildren(f"{{{XS}}}element"):
            found[(root.get("targetNamespace", ""), element.get("name", ""))] = name
    return found


def _global_types() -> list[str]:
    """Every named type of the set as a prefixed QName, plus one built-in for contrast."""
    names = {"xs:string"}
    for name in SCHEMA_FILES:
        root = _xsd(name)
        prefix = next(p for p, uri in NAMESPACES.items() if uri == root.get("targetNamespace"))
        for xsd_type in root.iterchildren(f"{{{XS}}}complexType", f"{{{XS}}}simpleType"):
            names.add(f"{prefix}:{xsd_type.get('name')}")
    return sorted(names)


def _with_all_prefixes(root: etree._Element) -> etree._Element:
    """A copy of ``root`` that declares every prefix of the interface, so xsi:type can name any type."""
    fresh = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={**root.nsmap, **_ALL_PREFIXES})
    fresh.text = root.text
    for child in root:
        fresh.append(copy.deepcopy(child))
    return fresh


def _detail(fault: SoapFault) -> etree._Element:
    envelope = etree.fromstring(to_soap(fault))
    (detail,) = envelope.iter(SOAP_DETAIL)
    return copy.deepcopy(detail[0])


def codec_documents() -> list[tuple[str, etree._Element]]:
    """One valid document of each kind (and its variants), written by the codec."""
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    pdf = make_pdf("corpus")
    batch = Batch(
        OIN,
        [
            Bericht.create(
                BSNS[0],
                "WOZ2026",
                "Aanslag",
                "Zie de bijlage.\\r\\nMet vriendelijke groet",
                referentie="REF-1",
                publicatie_datum=moment,
                eind_datum_handelings_termijn=moment,
                bijlagen=[
                    Bijlage.from_bytes(pdf, "Aanslagbiljet"),
                    Bijlage.from_bytes(pdf, "Toelichting", 2),
                ],
            ),
            Bericht.create(BSNS[1], "WOZ2026", "Herinnering"),
        ],
        aanmaak_datum=moment,
    )
    result = VerwerkingsResultaat(
        berichtleverancier_code=OIN,
        batch_id=batch.batch_id,
        datum_ontvangen=moment,
        datum_verwerkt=moment,
        totaal_aantal_ontvangen=2,
        aantal_succesvol_verwerkt=1,
        berichten=[
            BerichtResultaat(batch.berichten[0].bericht_id, "WOZ2026", VerwerkingsCode.VERWERKT),
            BerichtResultaat(
                NIL_GUID, "WOZ2026", VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT, None
            ),
        ],
    )
    documents = [
        ("batch", to_xml(batch)),
        ("result", to_xml(result)),
        ("result-empty", to_xml(VerwerkingsResultaat(OIN, batch.batch_id, moment, moment, 0, 0))),
        ("wus-request", to_xml(ValidateAbonnementenAanvraag(OIN, "WOZ2026", BSNS[:2]))),
        (
            "wus-response",
            to_xml(ValidateAbonnementenAntwoord([Abonnement(BSNS[0], True), Abonnement(None, False)])),
        ),
        ("wus-response-empty", to_xml(ValidateAbonnementenAntwoord())),
        ("abo-bsns", to_xml(AbonnementAanvraag.voor_bsns(OIN, BSNS))),
        ("abo-mutaties", to_xml(AbonnementAanvraag.mutaties_sinds(OIN, moment))),
        ("abo-volledig", to_xml(AbonnementAanvraag.volledig(OIN))),
    ]
    trees = [(name, etree.fromstring(data)) for name, data in documents]
    trees += [
        ("application-fault", _detail(SoapFault("s:Client", "fout", FaultKind.APPLICATION, "Ongeldige BSN"))),
        ("dependent-fault-nil", _detail(SoapFault("s:Server", "storing", FaultKind.DEPENDENT_SERVICE, None))),
    ]
    return trees


# A global element that no codec document carries under its own name, and the element holding its type.
_SAME_TYPE_AS = {
    (NAMESPACES["valt"], "ValidateAbonnementenAanvraag"): (NAMESPACES["val"], "validateAbonnementenAanvraag"),
    (NAMESPACES["valt"], "ArrayOfAbonnement"): (NAMESPACES["val"], "ValidateAbonnementenResult"),
    (NAMESPACES["sh"], "ArrayOfKlant"): (NAMESPACES["valt"], "klanten"),
    (NAMESPACES["sh"], "KlantRol"): (NAMESPACES["sh"], "Rol"),
    (NAMESPACES["sh"], "DependentServiceFault"): (NAMESPACES["sh"], "DependentServiceFault"),
}


def global_element_documents(
    documents: list[tuple[str, etree._Element]],
) -> Iterator[tuple[str, etree._Element]]:
    """Each global element of the set as a document root: taken from a codec document, and nil."""
    for (namespace, local), _ in sorted(_declaring_file().items()):
        source_tag = "{{{}}}{}".format(*_SAME_TYPE_AS.get((namespace, local), (namespace, local)))
        source = next((e for _, d in documents for e in d.iter(source_tag)), None)
        assert source is not None, f"no codec document carries {source_tag}: extend the corpus"
        root = _with_all_prefixes(source)
        root.tag = f"{{{namespace}}}{local}"
        yield f"global-{local}", root
        nil = etree.Element(root.tag, nsmap=_ALL_PREFIXES)
        nil.set(XSI_NIL, "true")
        yield f"global-{local}-nil", nil


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _mutants(name: str, base: etree._Element, with_types: bool) -> Iterator[tuple[str, etree._Element]]:
    """Documents one change away from ``base``, for each of its elements."""
    count = len(_elements(base))

    def each(change: Callable[[etree._Element], bool], label: str) -> Iterator[tuple[str, etree._Element]]:
        for index in range(count):
            mutant = copy.deepcopy(base)
            if change(_elements(mutant)[index]):
                yield f"{name}/{label}@{index}", mutant

    def nil(element: etree._Element) -> bool:
        element.text = None
        for child in list(element):
            element.remove(child)
        element.set(XSI_NIL, "true")
        return True

    def remove(element: etree._Element) -> bool:
        parent = element.getparent()
        if parent is None:
            return False
        parent.remove(element)
        return True

    def repeat(element: etree._Element) -> bool:
        if element.getparent() is None:
            return False
        element.addnext(copy.deepcopy(element))
        return True

    def leaf_text(text: str) -> Callable[[etree._Element], bool]:
        def change(element: etree._Element) -> bool:
            if len(element) or element.get(XSI_NIL):
                return False
            element.text = text
            return True

        return change

    def other_namespace(element: etree._Element) -> bool:
        if element.getparent() is None:
            return False
        qname = etree.QName(element)
        element.tag = qname.localname if qname.namespace else f"{{{NAMESPACES['ber']}}}{qname.localname}"
        return True

    yield from each(nil, "nil")
    yield from each(remove, "remove")
    yield from each(repeat, "repeat")
    yield from each(leaf_text(""), "empty")
    yield from each(leaf_text("x" * 4001), "long")
    yield from each(other_namespace, "namespace")
    if with_types:
        for type_name in _global_types():

            def typed(element: etree._Element, type_name: str = type_name) -> bool:
                element.set(XSI_TYPE, type_name)
                return True

            yield from each(typed, f"xsi:type={type_name}")
    else:  # global-element documents: xsi:type on the root only
        for type_name in _global_types():
            mutant = copy.deepcopy(base)
            mutant.set(XSI_TYPE, type_name)
            yield f"{name}/xsi:type={type_name}@0", mutant


@cache
def corpus() -> tuple[Case, ...]:
    declaring = _declaring_file()
    documents = codec_documents()
    cases: list[Case] = []

    def add(name: str, root: etree._Element, schema: str) -> None:
        cases.append(Case(name, schema, etree.tostring(root, encoding="utf-8", xml_declaration=True)))

    for name, tree in documents:
        base = _with_all_prefixes(tree)
        schema = declaring[(etree.QName(tree).namespace or "", etree.QName(tree).localname)]
        add(name, base, schema)
        for mutant_name, mutant in _mutants(name, base, with_types=True):
            add(mutant_name, mutant, schema)
    for name, root in global_element_documents(documents):
        schema = declaring[(etree.QName(root).namespace or "", etree.QName(root).localname)]
        add(name, root, schema)
        if not name.endswith("-nil"):
            for mutant_name, mutant in _mutants(name, root, with_types=False):
                add(mutant_name, mutant, schema)
    return tuple(cases)


# ---------------------------------------------------------------------------------------- verdicts


def lxml_verdicts(cases: tuple[Case, ...]) -> list[bool]:
    return [lxml_direct(c.schema).validate(etree.fromstring(c.document)) for c in cases]


def _xmlschema_valid(case: Case) -> bool:
    resource = xmlschema.XMLResource(etree.fromstring(case.document), allow="none")
    try:
        return xmlschema_direct(case.schema).is_valid(resource, use_location_hints=False)
    except KeyError:
        # xmlschema's way to refuse an xsi:type naming no type it knows: it raises instead of reporting.
        return False


def xmlschema_verdicts(cases: tuple[Case, ...]) -> list[bool]:
    return [_xmlschema_valid(c) for c in cases]


def _kind(root: etree._Element) -> DocumentKind | None:
    """The document kind (or fault detail kind) of a root, None for a root that is neither."""
    try:
        return kind_of(root)
    except DocumentTypeError:
        try:
            return fault_kind(root)
        except DocumentTypeError:
            return None


def _write(cases: tuple[Case, ...], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, case in enumerate(cases):
        path = directory / f"d{number}.xml"
        path.write_bytes(case.document)
        paths.append(path)
    return paths


_XMLLINT_LINE = re.compile(r"^(?P<file>\S+) (?P<verdict>validates|fails to validate)$")


def xmllint_verdicts(cases: tuple[Case, ...], paths: list[Path]) -> list[bool]:
    verdicts: dict[str, bool] = {}
    by_schema: dict[str, list[Path]] = {}
    for case, path in zip(cases, paths, strict=True):
        by_schema.setdefault(case.schema, []).append(path)
    for schema, files in by_schema.items():
        for start in range(0, len(files), 500):
            chunk = files[start : start + 500]
            run = subprocess.run(
                [str(XMLLINT), "--noout", "--nonet", "--schema", str(SCHEMAS / schema), *map(str, chunk)],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert run.returncode in (0, 3), run.stderr[-2000:]
            for line in run.stderr.splitlines():
                match = _XMLLINT_LINE.match(line)
                if match:
                    verdicts[match.group("file")] = match.group("verdict") == "validates"
    return [verdicts[str(path)] for path in paths]


def _disagreements(cases: tuple[Case, ...], reference: list[bool], other: list[bool], who: str) -> list[str]:
    return [
        f"{who}: {case.name} ({case.schema}): lxml says {'valid' if r else 'invalid'}"
        for case, r, o in zip(cases, reference, other, strict=True)
        if r != o
    ]


@cache
def reference_verdicts() -> tuple[bool, ...]:
    return tuple(lxml_verdicts(corpus()))


def test_the_corpus_covers_what_it_should() -> None:
    cases = corpus()
    verdicts = dict(zip((c.name for c in cases), reference_verdicts(), strict=True))
    # Every codec document is valid; every global element is a valid root, and a valid nil root where
    # nillable (spec section 3); xsi:nil is accepted only where the schema says nillable.
    for name, _ in codec_documents():
        assert verdicts[name], name
    for (_, local), name in _declaring_file().items():
        assert verdicts[f"global-{local}"], local
        nillable = SPEC_COMPONENTS.get(name, ({}, set()))[0].get(local, False)
        assert verdicts[f"global-{local}-nil"] is nillable, local
    # xsi:type may name the declared type itself (valid), never an unrelated one (invalid).
    assert verdicts["wus-response/xsi:type=valt:ArrayOfAbonnement@1"]
    assert not verdicts["wus-response/xsi:type=sh:Klant@1"]
    assert verdicts["global-Klant/xsi:type=sh:Klant@0"]
    assert not verdicts["global-Klant/xsi:type=sh:ApplicationFault@0"]
    # Where Logius leaves a type anonymous there is nothing to name: a type of ours by that name would
    # have made these valid.
    assert "ber:Onderwerp" not in _global_types()
    assert "bvs:BatchInformatie" not in _global_types()
    # Both verdicts occur in quantity: the corpus tells processors apart if they differ.
    assert len(cases) > 1500
    assert 100 < sum(verdicts.values()) < len(cases) - 1000


def test_xmlschema_agrees_with_lxml() -> None:
    cases = corpus()
    assert _disagreements(cases, list(reference_verdicts()), xmlschema_verdicts(cases), "xmlschema") == []


def test_mobb_validation_agrees_with_lxml_in_both_backends() -> None:
    # mobb's validate_tree gives lxml's verdict with either backend, and both backends report the same
    # (rule, path) list, in the same order, for every document whose root is a document or fault detail.
    compared = 0
    wrong = []
    for case, reference in zip(corpus(), reference_verdicts(), strict=True):
        root = etree.fromstring(case.document)
        kind = _kind(root)
        if kind is None or kind.schema_file != case.schema:
            continue
        compared += 1
        lxml_pairs = [(v.rule, v.path) for v in validate_tree(root, kind, Backend.LXML)]
        xmlschema_pairs = [(v.rule, v.path) for v in validate_tree(root, kind, Backend.XMLSCHEMA)]
        if (not lxml_pairs) is not reference or lxml_pairs != xmlschema_pairs:
            wrong.append(f"{case.name}: lxml says {reference}, mobb {lxml_pairs} / {xmlschema_pairs}")
    assert compared > 1000
    assert wrong == []


@needs_xmllint
def test_xmllint_agrees_with_lxml(tmp_path: Path) -> None:
    cases = corpus()
    verdicts = xmllint_verdicts(cases, _write(cases, tmp_path / "corpus"))
    assert _disagreements(cases, list(reference_verdicts()), verdicts, "xmllint") == []


@needs_java
def test_the_jdk_agrees_with_lxml(tmp_path: Path) -> None:
    cases = corpus()
    paths = _write(cases, tmp_path / "corpus")
    rows = java_verdicts([(SCHEMAS / c.schema, p) for c, p in zip(cases, paths, strict=True)], tmp_path)
    assert [row[1] for row in rows] == [str(p) for p in paths]
    assert all(row[0] in ("VALID", "INVALID") for row in rows), [
        r for r in rows if r[0] not in ("VALID", "INVALID")
    ][:3]
    verdicts = [row[0] == "VALID" for row in rows]
    assert _disagreements(cases, list(reference_verdicts()), verdicts, "jdk") == []
