"""Smoke test of an installed mobb-sdk wheel (run by ``nox -s wheel``, not collected by pytest).

Run it with the interpreter of a fresh venv that has only the wheel installed, in isolated mode and
from a directory outside the source tree::

    /tmp/venv/bin/python -I tests/smoke/wheel_smoke.py --source-tree /path/to/repo

It checks that the package and its bundled schemas come from the installed wheel (inside
site-packages, never from the repository), then builds, validates, writes and reads back a batch with
a PDF attachment. It prints ``OK`` and exits 0 on success; any failure raises.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import io
import sys
import sysconfig
from pathlib import Path


def _check(condition: object, message: str) -> None:
    if not condition:
        raise SystemExit(f"wheel smoke FAILED: {message}")


def _inside(path: Path, parent: Path) -> bool:
    return path.resolve().is_relative_to(parent.resolve())


def _compile_anywhere(directory: Path, source_tree: Path | None) -> None:
    """Every file of the installed set compiles from its directory in lxml (no resolver), xmlschema,
    xmllint and the JDK (the last two when installed), and it is the source tree's set, component by
    component."""
    import shutil
    import subprocess
    import tempfile

    import xmlschema
    from lxml import etree

    from mobb_sdk import SCHEMA_VERSION, compare_schema_sets, schema_manifest

    names = sorted(schema_manifest())
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    for name in names:
        etree.XMLSchema(etree.parse(str(directory / name), parser))
        xmlschema.XMLSchema10(str(directory / name), allow="sandbox")
    print(f"{len(names)} schemas compile from {directory} in lxml (no resolver) and xmlschema")
    xmllint, java = shutil.which("xmllint"), shutil.which("java")
    with tempfile.TemporaryDirectory() as work:
        probe = Path(work) / "probe.xml"
        probe.write_bytes(b"<probe/>")
        if xmllint:
            for name in names:
                run = subprocess.run(
                    [xmllint, "--noout", "--nonet", "--schema", str(directory / name), str(probe)],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                # 3: compiled, and <probe/> refused; 5 would be a schema that does not compile.
                _check(run.returncode == 3, f"xmllint cannot compile {name}: {run.stderr.strip()}")
            print("xmllint compiles every schema")
        else:
            print("xmllint: not installed, skipped")
        validator = source_tree / "tests" / "java" / "XsdVerdicts.java" if source_tree else None
        if java and validator is not None and validator.is_file():
            jobs = Path(work) / "jobs.txt"
            jobs.write_text("".join(f"{directory / name}\n" for name in names), encoding="utf-8")
            run = subprocess.run(
                [java, str(validator), str(jobs)], capture_output=True, text=True, timeout=300, check=False
            )
            expected = [f"COMPILED\t{directory / name}" for name in names]
            _check(
                run.stdout.splitlines() == expected,
                f"the JDK cannot compile the set: {run.stdout}{run.stderr}",
            )
            print("the JDK compiles every schema")
        else:
            print("JDK: no java or no tests/java/XsdVerdicts.java, skipped")
    if source_tree is not None:
        comparison = compare_schema_sets(directory, source_tree / "schemas")
        _check(
            comparison.identical,
            f"the installed set {SCHEMA_VERSION} differs from the source tree's: {comparison}",
        )
        print("the installed set declares the same components as the source tree's schemas/")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-tree", type=Path, help="the repository: nothing may be imported from it")
    args = parser.parse_args(argv)

    import mobb_sdk

    site_packages = Path(sysconfig.get_paths()["purelib"])
    package_dir = Path(mobb_sdk.__file__).parent
    _check(_inside(package_dir, site_packages), f"mobb_sdk imported from {package_dir}, not {site_packages}")
    if args.source_tree is not None:
        _check(
            not _inside(package_dir, args.source_tree),
            f"mobb_sdk imported from the source tree {package_dir}",
        )
    print(f"mobb_sdk {mobb_sdk.__version__} from {package_dir}")

    # The schemas ship inside the package, each file matching the manifest.
    schemas = importlib.resources.files("mobb_sdk") / "schemas"
    _check(schemas.is_dir(), "mobb_sdk/schemas is missing from the wheel")
    manifest = mobb_sdk.schema_manifest()
    _check(manifest, "the schema manifest is empty")
    for name, digest in sorted(manifest.items()):
        resource = schemas / name
        _check(resource.is_file(), f"schema {name} of the manifest is missing from mobb_sdk/schemas")
        _check(
            hashlib.sha256(resource.read_bytes()).hexdigest() == digest,
            f"schema {name} differs from the manifest",
        )
    shipped = sorted(r.name for r in schemas.iterdir() if r.name.endswith(".xsd"))
    _check(shipped == sorted(manifest), f"shipped schemas {shipped} != manifest {sorted(manifest)}")
    packaged_manifest = (schemas / "MANIFEST.sha256").read_bytes()
    _check(
        hashlib.sha256(packaged_manifest).hexdigest() == mobb_sdk.manifest_hash(),
        "manifest_hash() is not the hash of the packaged MANIFEST.sha256",
    )
    from mobb_sdk import _schemas

    loaded_from = Path(_schemas.schema_dir())
    _check(
        _inside(loaded_from, package_dir), f"schemas load from {loaded_from}, not from inside {package_dir}"
    )
    if args.source_tree is not None:
        _check(
            not _inside(loaded_from, args.source_tree), f"schemas load from the source tree: {loaded_from}"
        )
    print(
        f"{len(manifest)} schemas, set {mobb_sdk.SCHEMA_VERSION}, manifest sha256 {mobb_sdk.manifest_hash()}"
    )

    _compile_anywhere(loaded_from, args.source_tree)

    # A batch with a PDF: validate, write, read back.
    from mobb_sdk import Batch, Bericht, Bijlage, elfproef, from_xml, make_pdf, to_xml, validate, write_batch

    bsn = next(s for s in (f"9999{i:05d}" for i in range(1000)) if elfproef(s))
    pdf = make_pdf("Wheel smoke test")
    _check(pdf.startswith(b"%PDF-"), "make_pdf() did not return a PDF")
    bericht = Bericht.create(
        bsn,
        "SMOKE",
        "Smoke test",
        "Regel een\nRegel twee",
        bijlagen=[Bijlage.from_bytes(pdf, "Smoke test PDF")],
    )
    batch = Batch(afzender="00000001001234567000", berichten=[bericht])
    xml = to_xml(batch, validate=True)
    _check(xml.startswith(b"<?xml"), "to_xml did not write an XML document")
    again = from_xml(xml, Batch)
    _check(again == batch, "from_xml(to_xml(batch)) != batch")
    report = validate(xml)
    _check(report.ok, f"validate() refused the batch: {list(report)}")
    _check(validate(batch).ok, "validate() refused the batch model")
    buffer = io.BytesIO()
    written = write_batch(batch, buffer)
    _check(written == len(buffer.getvalue()) > 0, "write_batch() returned a wrong byte count")
    _check(from_xml(buffer.getvalue(), Batch) == batch, "write_batch() output does not read back")
    print(f"batch of {len(batch)} letter(s), {len(xml)} bytes, round trip and validation ok")

    from mobb_sdk.conformance import data_dir, load_catalogue

    conformance_dir = data_dir()
    _check(_inside(conformance_dir, package_dir), f"conformance data not from the wheel: {conformance_dir}")
    catalogue = load_catalogue()
    _check(len(catalogue.cases) > 0, "the conformance catalogue is empty")
    print(f"conformance catalogue {catalogue.version}: {len(catalogue.cases)} cases from {conformance_dir}")

    from mobb_sdk.streams import example_streams_path, load_streams

    _check(_inside(example_streams_path(), package_dir), "the example berichtstromen are not in the wheel")
    streams = load_streams()
    letter = streams["woz-beschikking"].render(bsn, {"zaak_identificatie": "ZAAK-1"}, [pdf])
    _check(letter.referentie == "ZAAK-1", "a stream did not render its Referentie")
    print(f"{len(streams)} example berichtstromen from {example_streams_path()}")
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
