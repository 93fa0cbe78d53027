"""``compare_schema_sets`` and ``mobb schemas verify`` on deliberately altered copies of the bundled set."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from mobb_sdk import SchemaError, XmlError
from mobb_sdk._schema_compare import SchemaDifference, compare_schema_sets, read_schema_package
from mobb_sdk._schemas import SCHEMA_FILES, schema_dir
from mobb_sdk.cli._main import main

REQUEST_TYPES = "GLOBEBatchRequestTypes.xsd"
QUIRK = "GLOBEBatchRequestTypes_128ch.xsd"
XS = "http://www.w3.org/2001/XMLSchema"


def logius_like(tmp_path: Path) -> Path:
    """A copy of the bundled set laid out as Logius publishes it: only the _128ch letter file, no manifest."""
    package = tmp_path / "package"
    package.mkdir()
    for name in SCHEMA_FILES:
        if name != REQUEST_TYPES:
            shutil.copy(schema_dir() / name, package / name)
    return package


def edit(package: Path, name: str, old: str, new: str) -> None:
    path = package / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (name, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def changing(package: Path) -> list[tuple[str, str, str | None, str | None]]:
    comparison = compare_schema_sets(package)
    return [(d.location, d.aspect, d.bundled, d.package) for d in comparison.differences if d.changes_verdict]


def test_the_bundled_set_is_identical_to_itself() -> None:
    comparison = compare_schema_sets(schema_dir())
    assert comparison.identical
    assert not comparison.changes_verdict
    assert comparison.notes == ()


def test_a_package_with_only_the_128ch_file_passes(tmp_path: Path) -> None:
    package = logius_like(tmp_path)
    comparison = compare_schema_sets(package)
    assert comparison.identical
    assert len(comparison.notes) == 1
    assert "GLOBEBatchRequestTypes.xsd, served by GLOBEBatchRequestTypes_128ch.xsd" in comparison.notes[0]


def test_a_zip_in_subfolders_passes(tmp_path: Path) -> None:
    package = logius_like(tmp_path)
    archive = tmp_path / "logius.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in sorted(package.iterdir()):
            out.write(file, f"xsd/{file.name}")
        out.writestr("xsd/readme.txt", "not a schema")
    assert sorted(read_schema_package(archive)) == sorted(f"xsd/{file.name}" for file in package.iterdir())
    assert compare_schema_sets(archive).identical


# Each alteration of one fact, and what verify must say about it: (file, old, new, expected difference).
ALTERATIONS = {
    "maxLength": (
        QUIRK,
        '<xs:maxLength value="50"/>',
        '<xs:maxLength value="60"/>',
        ("element ber:Bericht/ber:BerichtInformatie/ber:Onderwerp", "maxLength", "50", "60"),
    ),
    "maxOccurs": (
        QUIRK,
        '<xs:element name="Bijlage" minOccurs="1" maxOccurs="2">',
        '<xs:element name="Bijlage" minOccurs="1" maxOccurs="3">',
        ("element ber:Bericht/ber:Bijlagen/ber:Bijlage", "maxOccurs", "2", "3"),
    ),
    "minOccurs": (
        "GLOBEBatchRequest.xsd",
        '<xs:element ref="ber:Bericht" minOccurs="1"',
        '<xs:element ref="ber:Bericht" minOccurs="0"',
        ("element bvs:Berichten/ref ber:Bericht", "minOccurs", "1", "0"),
    ),
    "nillable": (
        "GLOBEBatchResponseTypes.xsd",
        '<xs:element name="Stadium" type="xs:string" minOccurs="0" nillable="true"/>',
        '<xs:element name="Stadium" type="xs:string" minOccurs="0"/>',
        ("element res:Bericht/Stadium", "nillable", "true", "false"),
    ),
    "global-nillable": (
        "SharedTypes.xsd",
        '<xs:element name="ApplicationFault" type="sh:ApplicationFault" nillable="true"/>',
        '<xs:element name="ApplicationFault" type="sh:ApplicationFault"/>',
        ("element sh:ApplicationFault", "nillable", "true", "false"),
    ),
    "type": (
        "GLOBEBatchResponse.xsd",
        '<xs:element name="TotaalAantalOntvangenBerichten" type="xs:int"/>',
        '<xs:element name="TotaalAantalOntvangenBerichten" type="xs:long"/>',
        (
            "element bvs:BerichtVerwerkResponse/BatchInformatie/TotaalAantalOntvangenBerichten",
            "type",
            "xs:int",
            "xs:long",
        ),
    ),
    "named-type": (
        "GLOBEBatchRequest.xsd",
        '<xs:element name="BatchID" type="ber:guid"/>',
        '<xs:element name="BatchID" type="xs:string"/>',
        ("element bvs:Berichten/bvs:BatchInformatie/bvs:BatchID", "type", "ber:guid", "xs:string"),
    ),
    "enumeration": (
        "GLOBEBatchResponseTypes.xsd",
        '<xs:enumeration value="BijlageTeGroot"/>',
        '<xs:enumeration value="BijlageTeGroot"/><xs:enumeration value="BijlageOnleesbaar"/>',
        ("element res:Bericht/VerwerkingsCode", "enumeration", None, None),
    ),
    "pattern": (
        "GLOBEBatchResponseTypes.xsd",
        r'<xs:pattern value="[\da-fA-F]{8}-',
        r'<xs:pattern value="[\da-f]{8}-',
        ("simpleType res:guid", "pattern", None, None),
    ),
    "order": (
        "BerichtenboxValidatieServiceTypes.xsd",
        '<xs:element name="berichtleverancierCode" type="xs:string" nillable="true"/>\n'
        '      <xs:element name="berichtTypeCode" type="xs:string" nillable="true"/>',
        '<xs:element name="berichtTypeCode" type="xs:string" nillable="true"/>\n'
        '      <xs:element name="berichtleverancierCode" type="xs:string" nillable="true"/>',
        (
            "complexType valt:ValidateAbonnementenAanvraag",
            "children",
            "valt:berichtleverancierCode, valt:berichtTypeCode, valt:klanten",
            "valt:berichtTypeCode, valt:berichtleverancierCode, valt:klanten",
        ),
    ),
    "unqualified": (
        "SharedTypes.xsd",
        'elementFormDefault="qualified"',
        'elementFormDefault="unqualified"',
        ("complexType sh:Klant", "children", "sh:Key, sh:Rol", "Key, Rol"),
    ),
    "renamed-global-element": (
        "SharedTypes.xsd",
        '<xs:element name="Klant" type="sh:Klant" nillable="true"/>',
        '<xs:element name="Klanten" type="sh:Klant" nillable="true"/>',
        ("element sh:Klant", "global element", "declared in SharedTypes.xsd", None),
    ),
    "extra-global-element": (
        QUIRK,
        '<xs:simpleType name="guid">',
        '<xs:element name="BerichtInformatie" type="xs:string"/>\n  <xs:simpleType name="guid">',
        ("element ber:BerichtInformatie", "global element", None, f"declared in {QUIRK}"),
    ),
    "named-instead-of-anonymous": (
        QUIRK,
        '<xs:simpleType name="guid">',
        '<xs:simpleType name="Onderwerp"><xs:restriction base="xs:string"/></xs:simpleType>\n'
        '  <xs:simpleType name="guid">',
        ("simpleType ber:Onderwerp", "global simpleType", None, f"declared in {QUIRK}"),
    ),
}


@pytest.mark.parametrize("alteration", sorted(ALTERATIONS))
def test_each_altered_fact_is_caught(tmp_path: Path, alteration: str) -> None:
    file, old, new, expected = ALTERATIONS[alteration]
    package = logius_like(tmp_path)
    edit(package, file, old, new)
    found = changing(package)
    location, aspect, bundled, theirs = expected
    matches = [d for d in found if d[0] == location and d[1] == aspect]
    assert matches, found
    if bundled is not None or theirs is not None:
        assert matches[0][2:] == (bundled, theirs), found


def test_a_renamed_global_element_is_both_missing_and_extra(tmp_path: Path) -> None:
    package = logius_like(tmp_path)
    edit(
        package, "GLOBEBatchResponseTypes.xsd", '<xs:element name="Bericht">', '<xs:element name="Resultaat">'
    )
    found = {(d[0], d[1]) for d in changing(package)}
    assert ("element res:Bericht", "global element") in found
    assert ("element res:Resultaat", "global element") in found
    # The result root still refers to res:Bericht: the package no longer declares what it uses.
    assert (
        "element bvs:BerichtVerwerkResponse",
        "uses element res:Bericht, which the package does not declare",
    ) in found


def test_harmless_differences_do_not_change_the_verdict(tmp_path: Path) -> None:
    package = logius_like(tmp_path)
    # Another file name, other prefixes, documentation, a minLength of 0 left out, enumerations reordered.
    (package / "SharedTypes.xsd").rename(package / "Shared.xsd")
    edit(
        package,
        "BerichtenboxValidatieServiceTypes.xsd",
        'schemaLocation="SharedTypes.xsd"',
        'schemaLocation="Shared.xsd"',
    )
    edit(package, "Shared.xsd", 'xmlns:sh="http://', 'xmlns:gedeeld="http://')
    text = (package / "Shared.xsd").read_text().replace('"sh:', '"gedeeld:')
    (package / "Shared.xsd").write_text(text)
    edit(
        package,
        QUIRK,
        '<xs:minLength value="0"/>\n                    <xs:maxLength value="25"/>',
        '<xs:maxLength value="25"/>',
    )
    edit(
        package,
        "GLOBEBatchResponseTypes.xsd",
        '<xs:enumeration value="Verwerkt"/>\n              <xs:enumeration value="TechnischProbleem"/>',
        '<xs:enumeration value="TechnischProbleem"/>\n              <xs:enumeration value="Verwerkt"/>',
    )
    edit(package, "GLOBEBatchRequest.xsd", "Root Berichten: one BatchInformatie", "Het batchbericht")
    comparison = compare_schema_sets(package)
    assert not comparison.changes_verdict, [str(d) for d in comparison.differences]
    assert {(d.location, d.aspect) for d in comparison.differences} == {
        ("element ber:Bericht/ber:BerichtInformatie/ber:Referentie", "minLength"),
        ("element res:Bericht/VerwerkingsCode", "enumeration order"),
    }


def test_an_import_of_a_missing_file_is_reported(tmp_path: Path) -> None:
    package = logius_like(tmp_path)
    (package / "SharedTypes.xsd").unlink()
    found = changing(package)
    assert (
        "file BerichtenboxValidatieServiceTypes.xsd",
        "import of a file the package does not hold",
        None,
        "SharedTypes.xsd",
    ) in found
    assert any(d[0] == "element sh:Klant" and d[1] == "global element" for d in found)


def test_unreadable_packages(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="does not exist"):
        compare_schema_sets(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SchemaError, match=r"no \.xsd"):
        compare_schema_sets(empty)
    (tmp_path / "not.zip").write_bytes(b"plain text")
    with pytest.raises(SchemaError, match="neither a folder nor a zip"):
        compare_schema_sets(tmp_path / "not.zip")
    broken = logius_like(tmp_path)
    (broken / "SharedTypes.xsd").write_text("<xs:schema")
    with pytest.raises(XmlError, match=r"SharedTypes\.xsd"):
        compare_schema_sets(broken)
    (broken / "SharedTypes.xsd").write_text("<notaschema/>")
    with pytest.raises(SchemaError, match="not an XML Schema"):
        compare_schema_sets(broken)
    (broken / "SharedTypes.xsd").write_text(
        f'<xs:schema xmlns:xs="{XS}"><xs:simpleType name="T"><xs:restriction base="xs:string"/>'
        '<xs:list itemType="xs:int"/></xs:simpleType></xs:schema>'
    )
    with pytest.raises(SchemaError, match="simpleType 'T' is not a valid declaration"):
        compare_schema_sets(broken)


def test_difference_text() -> None:
    difference = SchemaDifference(
        "element ber:Bericht/ber:BerichtInformatie/ber:Onderwerp", "maxLength", "50", "60"
    )
    assert (
        str(difference)
        == "DIFFERS  element ber:Bericht/ber:BerichtInformatie/ber:Onderwerp: maxLength: bundled 50, package 60"
    )
    harmless = SchemaDifference("x", "minLength", None, "0", changes_verdict=False)
    assert str(harmless) == "harmless  x: minLength: bundled (absent), package 0"


# ------------------------------------------------------------------------------------------- the CLI


def test_cli_verify_passes_the_logius_layout(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schemas", "verify", str(logius_like(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "same verdicts" in result.output
    assert "note: package: GLOBEBatchRequest.xsd imports GLOBEBatchRequestTypes.xsd" in result.output


def test_cli_verify_prints_each_difference_and_exits_1(tmp_path: Path) -> None:
    package = logius_like(tmp_path)
    for key in ("maxLength", "nillable"):
        file, old, new, _ = ALTERATIONS[key]
        edit(package, file, old, new)
    result = CliRunner().invoke(main, ["schemas", "verify", str(package)])
    assert result.exit_code == 1, result.output
    assert (
        "DIFFERS  element ber:Bericht/ber:BerichtInformatie/ber:Onderwerp: maxLength: bundled 50, package 60"
        in result.output
    )
    assert "DIFFERS  element res:Bericht/Stadium: nillable: bundled true, package false" in result.output
    assert "VERDICTS DIFFER: 2 difference(s)" in result.output


def test_cli_verify_json_and_unreadable(tmp_path: Path) -> None:
    package = logius_like(tmp_path)
    file, old, new, _ = ALTERATIONS["maxOccurs"]
    edit(package, file, old, new)
    result = CliRunner().invoke(main, ["schemas", "verify", "--json", str(package)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["same_verdicts"] is False
    assert data["differences"] == [
        {
            "location": "element ber:Bericht/ber:Bijlagen/ber:Bijlage",
            "aspect": "maxOccurs",
            "bundled": "2",
            "package": "3",
            "changes_verdict": True,
        }
    ]
    missing = CliRunner().invoke(main, ["schemas", "verify", str(tmp_path / "nothing")])
    assert missing.exit_code == 3
    assert "does not exist" in missing.output
