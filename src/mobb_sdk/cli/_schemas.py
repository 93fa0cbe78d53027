"""``mobb schemas``: the bundled XSD set, and a check of Logius' own package against it."""

from __future__ import annotations

from pathlib import Path

import click

from mobb_sdk._errors import SchemaError, XmlError
from mobb_sdk._schema_compare import compare_schema_sets
from mobb_sdk._schemas import SCHEMA_VERSION, manifest_hash
from mobb_sdk.cli._output import Exit, emit_json, fail


@click.group("schemas")
def schemas_group() -> None:
    """The bundled XSD set (version, and a check of a Logius package against it)."""


@schemas_group.command("verify")
@click.argument("package", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def verify_command(package: Path, as_json: bool) -> None:
    """Compare a Logius XSD package (a zip or a folder) with the bundled schema set.

    Compares component by component: global elements and types, element names, namespaces, order,
    minOccurs/maxOccurs, nillable, types and every facet. File names do not matter, and an import of
    GLOBEBatchRequestTypes.xsd served by GLOBEBatchRequestTypes_128ch.xsd is accepted. Prints each
    difference with its location. Exit 0 when no difference can change a verdict (harmless ones are
    listed), 1 when one can, 3 when the package cannot be read.
    """
    try:
        comparison = compare_schema_sets(package)
    except (SchemaError, XmlError, OSError) as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    code = Exit.VIOLATIONS if comparison.changes_verdict else Exit.OK
    if as_json:
        emit_json(
            {
                "package": comparison.package,
                "schema_version": SCHEMA_VERSION,
                "manifest_sha256": manifest_hash(),
                "same_verdicts": not comparison.changes_verdict,
                "differences": [
                    {
                        "location": d.location,
                        "aspect": d.aspect,
                        "bundled": d.bundled,
                        "package": d.package,
                        "changes_verdict": d.changes_verdict,
                    }
                    for d in comparison.differences
                ],
                "notes": list(comparison.notes),
            }
        )
        raise SystemExit(int(code))
    click.echo(
        f"{package} against the bundled schema set {SCHEMA_VERSION} (manifest sha256 {manifest_hash()})"
    )
    for difference in comparison.differences:
        click.echo(f"  {difference}")
    for note in comparison.notes:
        click.echo(f"  note: {note}")
    changing = sum(1 for d in comparison.differences if d.changes_verdict)
    harmless = len(comparison.differences) - changing
    if changing:
        click.echo(f"VERDICTS DIFFER: {changing} difference(s) can change a verdict, {harmless} harmless")
    elif harmless:
        click.echo(f"same verdicts: {harmless} harmless difference(s)")
    else:
        click.echo("same verdicts: the package declares the same components as the bundled set")
    raise SystemExit(int(code))
