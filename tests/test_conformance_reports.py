"""The report writers: JUnit XML, JSON and the self-contained HTML page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from lxml import etree

from mobb_sdk import SCHEMA_VERSION, ConfigurationError, __version__, manifest_hash
from mobb_sdk.conformance import (
    CaseResult,
    Evidence,
    RunInfo,
    SuiteResult,
    Verdict,
    load_catalogue,
    write_html,
    write_json,
    write_junit,
    write_reports,
)

CATALOGUE = load_catalogue()
STARTED = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _result(product: str = "Zaak <&> Systeem") -> SuiteResult:
    info = RunInfo(
        suite_version=__version__,
        catalogue_version=CATALOGUE.version,
        schema_version=SCHEMA_VERSION,
        manifest_hash=manifest_hash(),
        product_name=product,
        product_version="5.1.0",
        adapter="cmd:./adapter.sh",
        mode="all",
        started=STARTED,
        finished=STARTED,
    )
    failing = Evidence(
        "field unchanged",
        "GebruikerID is '999900006', expected '999900018'",
        rule="BER-09",
        path="/Berichten/Bericht[1]/BerichtInformatie/GebruikerID",
        seen="sent 1 time(s); Logius answered Verwerkt",
    )
    results = (
        CaseResult(
            CATALOGUE.get("MOBB-DOC-001"),
            Verdict.PASSED,
            (Evidence("document", "1 valid document", ok=True),),
            0.01,
        ),
        CaseResult(CATALOGUE.get("MOBB-DOC-015"), Verdict.FAILED, (failing,), 0.02),
        CaseResult(
            CATALOGUE.get("MOBB-DOC-032"),
            Verdict.SKIPPED,
            (),
            0.0,
            "needs attachments, which the product does not declare",
        ),
        CaseResult(
            CATALOGUE.get("MOBB-DOC-016"), Verdict.XFAILED, (failing,), 0.01, "counted in bytes (ZS-1234)"
        ),
        CaseResult(
            CATALOGUE.get("MOBB-LIVE-001"),
            Verdict.XPASSED,
            (),
            0.2,
            "listed as an expected failure (x) but passed",
        ),
    )
    return SuiteResult(info, results)


def test_evidence_masks_bsns_when_it_is_made() -> None:
    e = Evidence("x", "BSN 999900006 and 99990000 and 9999000060", path="/a/999900018", seen="999900031")
    assert "999900006" not in e.message and "*****0006" in e.message
    assert "****0000" in e.message and "******0060" in e.message
    assert e.path == "/a/*****0018" and e.seen == "*****0031"
    # OINs (20 digits) and GUIDs stay readable.
    assert Evidence("x", "OIN 00000099000000001000").message.endswith("00000099000000001000")


def test_junit_counts_and_states_the_run(tmp_path: Path) -> None:
    path = write_junit(_result(), tmp_path / "junit.xml")
    root = etree.parse(str(path)).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "2", "2")
    document = root.find("testsuite[@name='mobb-conformance.document']")
    props = {p.get("name"): p.get("value") for p in document.find("properties")}
    assert props["suite_version"] == __version__
    assert props["schema_manifest_sha256"] == manifest_hash()
    assert props["product_name"] == "Zaak <&> Systeem" and props["product_version"] == "5.1.0"
    assert props["catalogue_version"] == CATALOGUE.version
    cases = {c.get("name").split()[0]: c for c in root.iter("testcase")}
    failure = cases["MOBB-DOC-015"].find("failure")
    assert failure.get("type") == "unexpected failure"
    assert (
        "BER-09" in failure.text and "/Berichten/Bericht[1]" in failure.text and "*****0006" in failure.text
    )
    assert cases["MOBB-DOC-032"].find("skipped").get("message").startswith("needs attachments")
    assert cases["MOBB-DOC-016"].find("skipped").get("type") == "expected failure"
    assert cases["MOBB-LIVE-001"].find("failure").get("type") == "unexpected pass"
    assert cases["MOBB-DOC-001"].find("failure") is None
    rules = {p.get("name"): p.get("value") for p in cases["MOBB-DOC-015"].find("properties")}
    assert rules["rules"] == "BER-05"
    assert b"999900006" not in path.read_bytes()


def test_json_report_holds_every_case_with_rules_verdict_and_evidence(tmp_path: Path) -> None:
    data = json.loads(write_json(_result(), tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["suite_version"] == __version__
    assert data["schema_manifest_sha256"] == manifest_hash()
    assert data["product"] == {"name": "Zaak <&> Systeem", "version": "5.1.0"}
    assert data["date"] == "2026-11-28"
    assert data["ok"] is False
    assert data["counts"]["failed"] == 1 and data["counts"]["unexpected pass"] == 1
    case = next(c for c in data["cases"] if c["id"] == "MOBB-DOC-015")
    assert case["rules"] == ["BER-05"] and case["verdict"] == "failed"
    assert case["evidence"][0]["path"] == "/Berichten/Bericht[1]/BerichtInformatie/GebruikerID"
    assert case["evidence"][0]["seen"].startswith("sent 1 time")
    assert "999900006" not in json.dumps(data)


def test_html_report_is_self_contained_escaped_and_complete(tmp_path: Path) -> None:
    text = write_html(_result(), tmp_path / "r.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    lowered = text.lower()
    assert "<script" not in lowered and "http://" not in lowered and "https://" not in lowered
    assert "<link" not in lowered and "src=" not in lowered
    assert "Zaak &lt;&amp;&gt; Systeem" in text and "Zaak <&> Systeem" not in text
    assert manifest_hash() in text and __version__ in text and "2026-11-28" in text
    for case_id in ("MOBB-DOC-001", "MOBB-DOC-015", "MOBB-DOC-032", "MOBB-DOC-016", "MOBB-LIVE-001"):
        assert case_id in text
    assert "Not conformant" in text
    assert "999900006" not in text and "*****0006" in text
    assert "simulator saw" in text


def test_write_reports_writes_all_three(tmp_path: Path) -> None:
    ok = SuiteResult(_result("P").info, _result().results[:1])
    written = write_reports(ok, tmp_path / "reports")
    assert sorted(p.name for p in written.values()) == [
        "conformance-junit.xml",
        "conformance.html",
        "conformance.json",
    ]
    assert "Conformant" in written["html"].read_text(encoding="utf-8")
    assert json.loads(written["json"].read_text(encoding="utf-8"))["ok"] is True


def test_html_report_puts_failures_first_with_a_command_to_reproduce_them(tmp_path: Path) -> None:
    text = write_html(_result(), tmp_path / "r.html").read_text(encoding="utf-8")
    failures = text.index("<h2>Failures</h2>")
    everything = text.index("<h2>All cases</h2>")
    assert failures < text.index("MOBB-DOC-015") < everything
    rows = text[everything:]
    assert rows.index("MOBB-DOC-015") < rows.index("MOBB-LIVE-001") < rows.index("MOBB-DOC-001")
    assert "mobb conformance run --adapter cmd:./adapter.sh --case MOBB-DOC-015" in text
    # Ids never break inside: no break-all anywhere, each id and rule id in an unbreakable span.
    assert "break-all" not in text
    assert '<span class="id">BER-05</span>' in text and '<td class="mono id">MOBB-DOC-015</td>' in text
    report = json.loads(write_json(_result(), tmp_path / "r.json").read_text(encoding="utf-8"))
    failed = next(c for c in report["cases"] if c["id"] == "MOBB-DOC-015")
    assert failed["reproduce"].endswith("--case MOBB-DOC-015")
    assert report["complete"] is True


def test_a_partial_run_says_it_is_no_full_conformance_claim(tmp_path: Path) -> None:
    base = _result()
    document = SuiteResult(attrs.evolve(base.info, mode="document"), base.results[:1])
    text = write_html(document, tmp_path / "d.html").read_text(encoding="utf-8")
    assert "live cases" in text and "no claim of full conformance" in text
    selected = SuiteResult(attrs.evolve(base.info, selected=("MOBB-DOC-001",)), base.results[:1])
    assert "Only the selected cases ran (MOBB-DOC-001)" in write_html(
        selected, tmp_path / "s.html"
    ).read_text(encoding="utf-8")
    assert (
        json.loads(write_json(document, tmp_path / "d.json").read_text(encoding="utf-8"))["complete"] is False
    )
    full = write_html(SuiteResult(base.info, base.results[:1]), tmp_path / "f.html").read_text(
        encoding="utf-8"
    )
    assert "no claim of full conformance" not in full


def test_html_report_in_dutch(tmp_path: Path) -> None:
    base = _result()
    document = SuiteResult(attrs.evolve(base.info, mode="document"), base.results)
    text = write_html(document, tmp_path / "nl.html", lang="nl").read_text(encoding="utf-8")
    assert '<html lang="nl">' in text
    assert "Niet conform" in text and "Fouten" in text and "gefaald" in text
    assert "geen bewijs van volledige conformiteit" in text
    assert "Not conformant" not in text
    with pytest.raises(ConfigurationError, match="language"):
        write_html(document, tmp_path / "x.html", lang="de")
