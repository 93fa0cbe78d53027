"""The reports of a run: JUnit XML for CI, JSON for machines, and a self-contained HTML page for people.

Each states the suite version, the catalogue version, the schema manifest hash, the product name and
version the vendor declared, the date, and per case its id, rule ids, verdict and evidence (the
violation, the element path, what the simulator saw). Evidence is masked when it is made (no full BSN
reaches a report); the HTML page needs no network, scripts or external files.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from lxml import etree

from mobb_sdk.conformance._results import CaseResult, SuiteResult, Verdict

__all__ = ["REPORT_FILES", "as_dict", "write_html", "write_json", "write_junit", "write_reports"]

#: The file names :func:`write_reports` writes into its directory.
REPORT_FILES: Final[Mapping[str, str]] = {
    "junit": "conformance-junit.xml",
    "json": "conformance.json",
    "html": "conformance.html",
}


def _case(result: CaseResult) -> dict[str, Any]:
    case = result.case
    return {
        "id": case.id,
        "title": case.title,
        "mode": case.mode.value,
        "rules": list(case.rules),
        "needs": sorted(case.needs),
        "verdict": result.verdict.value,
        "reason": result.reason,
        "seconds": round(result.seconds, 3),
        "evidence": [e.to_dict() for e in result.evidence],
    }


def as_dict(result: SuiteResult) -> dict[str, Any]:
    """The JSON report as a dict."""
    info = result.info
    return {
        "report": "mobb-sdk conformance report",
        "suite_version": info.suite_version,
        "catalogue_version": info.catalogue_version,
        "schema_version": info.schema_version,
        "schema_manifest_sha256": info.manifest_hash,
        "product": {"name": info.product_name, "version": info.product_version},
        "adapter": info.adapter,
        "mode": info.mode,
        "date": info.started.date().isoformat(),
        "started": info.started.isoformat(),
        "finished": info.finished.isoformat(),
        "ok": result.ok,
        "counts": result.counts,
        "cases": [_case(r) for r in result.results],
    }


def write_json(result: SuiteResult, path: str | Path) -> Path:
    p = Path(path)
    p.write_text(json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return p


def _evidence_text(result: CaseResult) -> str:
    return "\n".join(("ok: " if e.ok else "") + str(e) for e in result.evidence)


def write_junit(result: SuiteResult, path: str | Path) -> Path:
    """JUnit XML: one testsuite per mode; expected failures are skipped tests, unexpected passes failures."""
    info = result.info
    root = etree.Element("testsuites", name="mobb-sdk conformance")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for mode in ("document", "live"):
        results = [r for r in result.results if r.case.mode.value == mode]
        if not results:
            continue
        suite = etree.SubElement(
            root, "testsuite", name=f"mobb-conformance.{mode}", timestamp=info.started.isoformat()
        )
        props = etree.SubElement(suite, "properties")
        for name, value in (
            ("suite_version", info.suite_version),
            ("catalogue_version", info.catalogue_version),
            ("schema_version", info.schema_version),
            ("schema_manifest_sha256", info.manifest_hash),
            ("product_name", info.product_name),
            ("product_version", info.product_version),
            ("adapter", info.adapter),
        ):
            etree.SubElement(props, "property", name=name, value=value)
        failures = skipped = 0
        for r in results:
            case = etree.SubElement(
                suite,
                "testcase",
                classname=f"mobb-conformance.{mode}",
                name=f"{r.case.id} {r.case.title}",
                time=f"{r.seconds:.3f}",
            )
            cprops = etree.SubElement(case, "properties")
            etree.SubElement(cprops, "property", name="rules", value=", ".join(r.case.rules))
            etree.SubElement(cprops, "property", name="verdict", value=r.verdict.value)
            if r.verdict is Verdict.FAILED:
                failures += 1
                failure = etree.SubElement(case, "failure", type="unexpected failure", message=r.summary)
                failure.text = _evidence_text(r)
            elif r.verdict is Verdict.XPASSED:
                failures += 1
                etree.SubElement(case, "failure", type="unexpected pass", message=r.reason or "")
            elif r.verdict is Verdict.SKIPPED:
                skipped += 1
                etree.SubElement(case, "skipped", message=r.reason or "")
            elif r.verdict is Verdict.XFAILED:
                skipped += 1
                node = etree.SubElement(
                    case, "skipped", type="expected failure", message=f"expected failure: {r.reason}"
                )
                node.text = _evidence_text(r)
            if r.evidence and r.verdict in (Verdict.PASSED, Verdict.XPASSED):
                etree.SubElement(case, "system-out").text = _evidence_text(r)
        seconds = sum(r.seconds for r in results)
        suite.set("tests", str(len(results)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        suite.set("time", f"{seconds:.3f}")
        totals["tests"] += len(results)
        totals["failures"] += failures
        totals["skipped"] += skipped
    for key, total in totals.items():
        root.set(key, str(total))
    root.set("errors", "0")
    p = Path(path)
    p.write_bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True))
    return p


_STYLE: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;color:#1b1b1b;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}
.verdict-banner{padding:.8rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
.ok{background:#e3f4e6;color:#14522a}.nok{background:#fbe4e4;color:#7a1616}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid #ddd;padding:.45rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;font-size:.92rem}
dl.facts dt{font-weight:600}
code,.mono{font-family:ui-monospace,Consolas,monospace;font-size:.85rem;word-break:break-all}
.v{font-weight:600;white-space:nowrap;padding:.1rem .4rem;border-radius:4px}
.v-passed{background:#e3f4e6;color:#14522a}.v-failed,.v-unexpected{background:#fbe4e4;color:#7a1616}
.v-skipped{background:#eee;color:#444}.v-expected{background:#fff3d6;color:#6b4a00}
ul.ev{margin:.2rem 0;padding-left:1.1rem}ul.ev li{margin:.15rem 0}
li.good{color:#14522a}
details summary{cursor:pointer}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _evidence_html(r: CaseResult) -> str:
    if not r.evidence and not r.reason:
        return ""
    items = []
    if r.reason:
        items.append(f"<li>{_e(r.reason)}</li>")
    for e in r.evidence:
        parts = []
        if e.rule:
            parts.append(f"<strong>{_e(e.rule)}</strong>")
        parts.append(f"[{_e(e.check)}]")
        if e.path:
            parts.append(f"at <code>{_e(e.path)}</code>")
        text = " ".join(parts) + f": {_e(e.message)}"
        if e.seen:
            text += f"<br><em>simulator saw:</em> {_e(e.seen)}"
        items.append(f'<li class="{"good" if e.ok else "bad"}">{text}</li>')
    body = f'<ul class="ev">{"".join(items)}</ul>'
    if r.verdict in (Verdict.PASSED, Verdict.SKIPPED):
        return f"<details><summary>evidence</summary>{body}</details>"
    return body


def render_html(result: SuiteResult) -> str:
    """The report as one HTML page (inline CSS, no scripts, no external resources)."""
    info = result.info
    counts = result.counts
    banner = (
        '<div class="verdict-banner ok">Conformant: no unexpected failures.</div>'
        if result.ok
        else f'<div class="verdict-banner nok">Not conformant: {len(result.unexpected)} unexpected result(s).</div>'
    )
    facts = [
        ("Product", f"{info.product_name} {info.product_version}"),
        ("Date", info.started.strftime("%Y-%m-%d %H:%M UTC")),
        ("Suite", f"mobb-sdk {info.suite_version}, catalogue {info.catalogue_version}"),
        ("Schemas", f"{info.schema_version}, manifest SHA-256 {info.manifest_hash}"),
        ("Mode", info.mode),
        ("Adapter", info.adapter),
        ("Results", ", ".join(f"{n} {v}" for v, n in counts.items() if n)),
    ]
    rows = []
    for r in result.results:
        css = r.verdict.value.split()[0]
        rows.append(
            "<tr>"
            f'<td class="mono">{_e(r.case.id)}</td>'
            f"<td>{_e(r.case.title)}</td>"
            f'<td class="mono">{_e(", ".join(r.case.rules))}</td>'
            f'<td><span class="v v-{_e(css)}">{_e(r.verdict.value)}</span></td>'
            f"<td>{_evidence_html(r)}</td>"
            "</tr>"
        )
    facts_html = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Conformance report: {_e(info.product_name)} {_e(info.product_version)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>MijnOverheid Berichtenbox conformance report</h1>"
        "<p>Produced by the mobb-sdk vendor conformance suite against the local Logius simulator.</p>"
        f'{banner}<dl class="facts">{facts_html}</dl>'
        "<h2>Cases</h2>"
        "<table><thead><tr><th>Case</th><th>Title</th><th>Rules</th><th>Verdict</th><th>Evidence</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<p><small>Only unexpected failures and unexpected passes make a run fail. Expected failures are "
        "listed by the vendor with a reason; skipped cases need a capability the vendor does not declare. "
        "BSNs are masked.</small></p>"
        "</body></html>\n"
    )


def write_html(result: SuiteResult, path: str | Path) -> Path:
    p = Path(path)
    p.write_text(render_html(result), encoding="utf-8")
    return p


def write_reports(result: SuiteResult, directory: str | Path) -> dict[str, Path]:
    """Write the JUnit, JSON and HTML reports into ``directory`` (created); their paths by kind."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    return {
        "junit": write_junit(result, d / REPORT_FILES["junit"]),
        "json": write_json(result, d / REPORT_FILES["json"]),
        "html": write_html(result, d / REPORT_FILES["html"]),
    }
