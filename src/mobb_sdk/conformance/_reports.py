"""The reports of a run: JUnit XML for CI, JSON for machines, and a self-contained HTML page for people.

Each states the suite version, the catalogue version, the schema manifest hash, the product name and
version the vendor declared, the date, and per case its id, rule ids, verdict and evidence (the
violation, the element path, what the simulator saw). Evidence is masked when it is made (no full BSN
reaches a report); the HTML page needs no network, scripts or external files.
"""

from __future__ import annotations

import html
import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from lxml import etree

from mobb_sdk import ConfigurationError
from mobb_sdk.conformance._results import CaseResult, RunInfo, SuiteResult, Verdict

__all__ = [
    "LANGUAGES",
    "REPORT_FILES",
    "as_dict",
    "render_html",
    "reproduce_command",
    "write_html",
    "write_json",
    "write_junit",
    "write_reports",
]

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
        "complete": info.complete,
        "selected_cases": list(info.selected),
        "date": info.started.date().isoformat(),
        "started": info.started.isoformat(),
        "finished": info.finished.isoformat(),
        "ok": result.ok,
        "counts": result.counts,
        "cases": [
            {**_case(r), "reproduce": reproduce_command(result, r.case.id)}
            if r.verdict.unexpected
            else _case(r)
            for r in result.results
        ],
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
            ("complete", "true" if info.complete else "false"),
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
.scope{background:#fff3d6;color:#6b4a00;padding:.8rem 1rem;border-radius:6px;margin:1rem 0}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid #ddd;padding:.45rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;font-size:.92rem}
dl.facts dt{font-weight:600}
code,.mono{font-family:ui-monospace,Consolas,monospace;font-size:.85rem}
code{overflow-wrap:anywhere}
.id{white-space:nowrap}
.v{font-weight:600;white-space:nowrap;padding:.1rem .4rem;border-radius:4px}
.v-passed{background:#e3f4e6;color:#14522a}.v-failed,.v-unexpected{background:#fbe4e4;color:#7a1616}
.v-skipped{background:#eee;color:#444}.v-expected{background:#fff3d6;color:#6b4a00}
ul.ev{margin:.2rem 0;padding-left:1.1rem}ul.ev li{margin:.15rem 0}
li.good{color:#14522a}
pre.repro{background:#f4f4f4;padding:.3rem .5rem;margin:.3rem 0;white-space:pre-wrap;overflow-wrap:anywhere}
details summary{cursor:pointer}
"""

#: The page's own words in each language of ``--lang``; evidence messages stay as the checks wrote them.
TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "title": "Conformance report",
        "h1": "MijnOverheid Berichtenbox conformance report",
        "intro": "Produced by the mobb-sdk vendor conformance suite against the local Logius simulator.",
        "ok": "Conformant: no unexpected failures.",
        "nok": "Not conformant: {n} unexpected result(s).",
        "document_only": "Document mode only: the live cases (delivery, subscription checks, retries, results) "
        "did not run. This report is no claim of full conformance.",
        "live_only": "Live mode only: the document cases (the batch XML and the rules) did not run. This report "
        "is no claim of full conformance.",
        "selected": "Only the selected cases ran ({ids}). This report is no claim of full conformance.",
        "product": "Product",
        "date": "Date",
        "suite": "Suite",
        "suite_value": "mobb-sdk {suite}, catalogue {catalogue}",
        "schemas": "Schemas",
        "schemas_value": "{version}, manifest SHA-256 {hash}",
        "mode": "Mode",
        "adapter": "Adapter",
        "results": "Results",
        "failures": "Failures",
        "cases": "All cases",
        "case": "Case",
        "case_title": "Title",
        "rules": "Rules",
        "verdict": "Verdict",
        "evidence": "Evidence",
        "seen": "simulator saw",
        "reproduce": "Run this case alone",
        "footer": "Only unexpected failures and unexpected passes make a run fail. Expected failures are listed "
        "by the vendor with a reason; skipped cases need a capability the vendor does not declare. BSNs are "
        "masked.",
        "passed": "passed",
        "failed": "failed",
        "skipped": "skipped",
        "expected failure": "expected failure",
        "unexpected pass": "unexpected pass",
    },
    "nl": {
        "title": "Conformancerapport",
        "h1": "Conformancerapport MijnOverheid Berichtenbox",
        "intro": "Gemaakt door de conformancetest voor leveranciers van mobb-sdk, tegen de lokale simulator "
        "van Logius.",
        "ok": "Conform: geen onverwachte fouten.",
        "nok": "Niet conform: {n} onverwachte uitkomst(en).",
        "document_only": "Alleen documentmodus: de live cases (aflevering, abonnementscontrole, herhalingen, "
        "resultaten) zijn niet uitgevoerd. Dit rapport is geen bewijs van volledige conformiteit.",
        "live_only": "Alleen live modus: de documentcases (de batch-XML en de regels) zijn niet uitgevoerd. "
        "Dit rapport is geen bewijs van volledige conformiteit.",
        "selected": "Alleen de gekozen cases zijn uitgevoerd ({ids}). Dit rapport is geen bewijs van volledige "
        "conformiteit.",
        "product": "Product",
        "date": "Datum",
        "suite": "Testsuite",
        "suite_value": "mobb-sdk {suite}, catalogus {catalogue}",
        "schemas": "Schema's",
        "schemas_value": "{version}, manifest SHA-256 {hash}",
        "mode": "Modus",
        "adapter": "Adapter",
        "results": "Uitkomsten",
        "failures": "Fouten",
        "cases": "Alle cases",
        "case": "Case",
        "case_title": "Omschrijving",
        "rules": "Regels",
        "verdict": "Oordeel",
        "evidence": "Bewijs",
        "seen": "de simulator zag",
        "reproduce": "Deze case los uitvoeren",
        "footer": "Alleen onverwachte fouten en onverwachte successen laten een run falen. Verwachte fouten "
        "heeft de leverancier met een reden opgegeven; overgeslagen cases vragen een mogelijkheid die de "
        "leverancier niet opgeeft. BSN's zijn gemaskeerd. Het bewijs staat in het Engels, zoals de controles "
        "het schrijven.",
        "passed": "geslaagd",
        "failed": "gefaald",
        "skipped": "overgeslagen",
        "expected failure": "verwachte fout",
        "unexpected pass": "onverwacht geslaagd",
    },
}
LANGUAGES: Final = tuple(TEXTS)

#: Order of the rows: what needs attention first.
_ORDER: Final = {
    Verdict.FAILED: 0,
    Verdict.XPASSED: 1,
    Verdict.XFAILED: 2,
    Verdict.PASSED: 3,
    Verdict.SKIPPED: 4,
}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def reproduce_command(result: SuiteResult, case_id: str) -> str:
    """The command line that runs one case of this run again, with the same adapter."""
    adapter = result.info.adapter
    if adapter.startswith("offline: "):
        return f"mobb conformance check {shlex.quote(adapter.removeprefix('offline: '))}"
    spec = adapter.removeprefix("python:")
    return f"mobb conformance run --adapter {shlex.quote(spec)} --case {case_id}"


def _ids_html(ids: tuple[str, ...]) -> str:
    """Ids that never break inside: each one unbreakable, breaks only between them."""
    return ", ".join(f'<span class="id">{_e(i)}</span>' for i in ids)


def _evidence_html(r: CaseResult, t: Mapping[str, str], repro: str | None) -> str:
    if not r.evidence and not r.reason:
        return ""
    items = []
    if r.reason:
        items.append(f"<li>{_e(r.reason)}</li>")
    for e in r.evidence:
        parts = []
        if e.rule:
            parts.append(f'<strong class="id">{_e(e.rule)}</strong>')
        parts.append(f"[{_e(e.check)}]")
        if e.path:
            parts.append(f"at <code>{_e(e.path)}</code>")
        text = " ".join(parts) + f": {_e(e.message)}"
        if e.seen:
            text += f"<br><em>{_e(t['seen'])}:</em> {_e(e.seen)}"
        items.append(f'<li class="{"good" if e.ok else "bad"}">{text}</li>')
    body = f'<ul class="ev">{"".join(items)}</ul>'
    if repro is not None:
        body += f'<div>{_e(t["reproduce"])}:</div><pre class="repro">{_e(repro)}</pre>'
    if r.verdict in (Verdict.PASSED, Verdict.SKIPPED):
        return f"<details><summary>{_e(t['evidence'])}</summary>{body}</details>"
    return body


def _scope(info: RunInfo, t: Mapping[str, str]) -> str:
    if info.selected:
        return t["selected"].format(ids=", ".join(info.selected))
    if info.mode == "document":
        return t["document_only"]
    if info.mode == "live":
        return t["live_only"]
    return ""


def render_html(result: SuiteResult, lang: str = "en") -> str:
    """The report as one HTML page (inline CSS, no scripts, no external resources), in ``lang`` (en, nl).

    Failures come first, each with its evidence and the command that runs that case alone; a run that
    was not complete (document mode only, live mode only, selected cases) says it is no full
    conformance claim.
    """
    if lang not in TEXTS:
        raise ConfigurationError(f"the report language is one of {', '.join(LANGUAGES)}, not {lang!r}")
    t = TEXTS[lang]
    info = result.info
    counts = result.counts
    banner = (
        f'<div class="verdict-banner ok">{_e(t["ok"])}</div>'
        if result.ok
        else f'<div class="verdict-banner nok">{_e(t["nok"].format(n=len(result.unexpected)))}</div>'
    )
    scope = _scope(info, t)
    scope_html = f'<div class="scope">{_e(scope)}</div>' if scope else ""
    facts = [
        (t["product"], f"{info.product_name} {info.product_version}"),
        (t["date"], info.started.strftime("%Y-%m-%d %H:%M UTC")),
        (t["suite"], t["suite_value"].format(suite=info.suite_version, catalogue=info.catalogue_version)),
        (t["schemas"], t["schemas_value"].format(version=info.schema_version, hash=info.manifest_hash)),
        (t["mode"], info.mode),
        (t["adapter"], info.adapter),
        (t["results"], ", ".join(f"{n} {t[v]}" for v, n in counts.items() if n)),
    ]

    def rows(results: list[CaseResult]) -> str:
        out = []
        for r in results:
            css = r.verdict.value.split()[0]
            repro = reproduce_command(result, r.case.id) if r.verdict.unexpected else None
            out.append(
                "<tr>"
                f'<td class="mono id">{_e(r.case.id)}</td>'
                f"<td>{_e(r.case.title)}</td>"
                f'<td class="mono">{_ids_html(r.case.rules)}</td>'
                f'<td><span class="v v-{_e(css)}">{_e(t[r.verdict.value])}</span></td>'
                f"<td>{_evidence_html(r, t, repro)}</td>"
                "</tr>"
            )
        return "".join(out)

    head = (
        f"<thead><tr><th>{_e(t['case'])}</th><th>{_e(t['case_title'])}</th><th>{_e(t['rules'])}</th>"
        f"<th>{_e(t['verdict'])}</th><th>{_e(t['evidence'])}</th></tr></thead>"
    )
    ordered = sorted(result.results, key=lambda r: _ORDER[r.verdict])
    failures = [r for r in ordered if r.verdict.unexpected]
    failures_html = (
        f"<h2>{_e(t['failures'])}</h2><table>{head}<tbody>{rows(failures)}</tbody></table>"
        if failures
        else ""
    )
    facts_html = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(t['title'])}: {_e(info.product_name)} {_e(info.product_version)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{_e(t['h1'])}</h1>"
        f"<p>{_e(t['intro'])}</p>"
        f'{banner}{scope_html}<dl class="facts">{facts_html}</dl>'
        f"{failures_html}"
        f"<h2>{_e(t['cases'])}</h2>"
        f"<table>{head}<tbody>{rows(ordered)}</tbody></table>"
        f"<p><small>{_e(t['footer'])}</small></p>"
        "</body></html>\n"
    )


def write_html(result: SuiteResult, path: str | Path, lang: str = "en") -> Path:
    p = Path(path)
    p.write_text(render_html(result, lang), encoding="utf-8")
    return p


def write_reports(result: SuiteResult, directory: str | Path, lang: str = "en") -> dict[str, Path]:
    """Write the JUnit, JSON and HTML (in ``lang``) reports into ``directory`` (created); their paths by kind."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    return {
        "junit": write_junit(result, d / REPORT_FILES["junit"]),
        "json": write_json(result, d / REPORT_FILES["json"]),
        "html": write_html(result, d / REPORT_FILES["html"], lang),
    }
