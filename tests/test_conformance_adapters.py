"""Driving a product: a command run per case (a shell script, another process), an HTTP endpoint, the
offline document mode, capabilities and expected failures, the CLI and the pytest plugin; and the
catalogue loader's checks."""

from __future__ import annotations

import base64
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("jsonschema")

from click.testing import CliRunner

from mobb_sdk import ConfigurationError
from mobb_sdk.cli._conformance import conformance_group
from mobb_sdk.conformance import (
    AdapterContext,
    Capabilities,
    ExpectedFailures,
    HttpAdapter,
    Verdict,
    check_exported,
    export_cases,
    load_adapter,
    load_catalogue,
    run_suite,
)
from mobb_sdk.conformance.reference import ReferenceAdapter

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(ROOT)])}
#: A few cases across both modes, a refusal, attachments and a transport fault with a resend.
SAMPLE = ("MOBB-DOC-015", "MOBB-DOC-018", "MOBB-DOC-032", "MOBB-LIVE-002", "MOBB-LIVE-010")


@pytest.fixture
def adapter_script(tmp_path: Path) -> Path:
    """A product that is not Python as far as the suite can tell: a shell script run per case."""
    script = tmp_path / "product.sh"
    script.write_text(
        "#!/bin/sh\n"
        "# Reads one request on stdin and answers on stdout, from a separate process over the network.\n"
        f'exec "{sys.executable}" -m mobb_sdk.conformance.stdio mobb_sdk.conformance.reference:ReferenceAdapter\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_a_command_adapter_drives_a_foreign_product(
    adapter_script: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", ENV["PYTHONPATH"])
    adapter = load_adapter(f"cmd:{adapter_script}")
    assert not adapter.in_process  # live cases use the served simulator on a loopback port
    result = run_suite(adapter, case_ids=SAMPLE)
    assert {r.case.id: r.verdict for r in result.results} == dict.fromkeys(SAMPLE, Verdict.PASSED)
    assert result.info.adapter == f"cmd:{adapter_script}"


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_a_command_that_crashes_or_prints_no_json_fails_the_case_with_evidence(tmp_path: Path) -> None:
    crash = tmp_path / "crash.sh"
    crash.write_text("#!/bin/sh\necho 'boom for 999900006' >&2\nexit 3\n", encoding="utf-8")
    crash.chmod(0o755)
    result = run_suite(load_adapter(f"cmd:{crash}"), case_ids=["MOBB-DOC-001"])
    evidence = result.results[0].evidence[0]
    assert result.results[0].verdict is Verdict.FAILED
    assert "exited with status 3" in evidence.message and "*****0006" in evidence.message
    chatty = tmp_path / "chatty.sh"
    chatty.write_text("#!/bin/sh\necho hello\n", encoding="utf-8")
    chatty.chmod(0o755)
    result = run_suite(load_adapter(f"cmd:{chatty}"), case_ids=["MOBB-LIVE-001"])
    assert "no JSON" in result.results[0].evidence[0].message


NODE_ADAPTER = ROOT / "conformance" / "examples" / "node" / "adapter.mjs"
#: Cases across both modes for the Node.js example: refusals, attachments, a leading-zero BSN, a resend,
#: a nil-GUID result and a per-type subscription check (the whole catalogue runs in nox -s conformance).
NODE_SAMPLE = (
    "MOBB-DOC-015",
    "MOBB-DOC-024",
    "MOBB-DOC-033",
    "MOBB-DOC-049",
    "MOBB-LIVE-010",
    "MOBB-LIVE-017",
    "MOBB-LIVE-025",
    "MOBB-LIVE-029",
    "MOBB-LIVE-032",
)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js 20 (node on PATH)")
def test_the_nodejs_example_adapter_passes_without_mobb_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """A product in another language: string-built XML, ebms-core REST and WUS over the network."""
    assert "mobb_sdk" not in NODE_ADAPTER.read_text(encoding="utf-8")
    monkeypatch.chdir(ROOT)
    result = run_suite(load_adapter("cmd:node conformance/examples/node/adapter.mjs"), case_ids=NODE_SAMPLE)
    assert {r.case.id: r.verdict for r in result.results} == dict.fromkeys(NODE_SAMPLE, Verdict.PASSED), [
        r.summary for r in result.results if r.verdict is not Verdict.PASSED
    ]


@pytest.fixture
def http_adapter() -> Iterator[str]:
    """The reference adapter behind an HTTP endpoint, as a product's test harness would serve it."""
    adapter = ReferenceAdapter()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body = json.dumps(adapter.run_case(request, AdapterContext(Path.cwd()))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/conformance"
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_adapter_drives_a_product(http_adapter: str) -> None:
    adapter = load_adapter(http_adapter)
    assert isinstance(adapter, HttpAdapter)
    result = run_suite(
        adapter, case_ids=["MOBB-DOC-001", "MOBB-DOC-024", "MOBB-LIVE-012"], inline_attachments=True
    )
    assert all(r.verdict is Verdict.PASSED for r in result.results), [r.summary for r in result.results]


def _produce_offline(directory: Path, skip: str) -> None:
    """The product's offline step: a document or a refusal for every exported input but ``skip``."""
    adapter = ReferenceAdapter()
    for path in sorted(directory.glob("MOBB-DOC-*.json")):
        if path.stem.endswith("refusal") or path.stem == skip:
            continue
        request = json.loads(path.read_text(encoding="utf-8"))
        answer = adapter.run_case(request, AdapterContext(directory))
        if "refusal" in answer:
            (directory / f"{path.stem}.refusal.json").write_text(json.dumps(answer), encoding="utf-8")
            continue
        for n, doc in enumerate(answer["documents"], start=1):
            data = Path(doc["path"]).read_bytes() if "path" in doc else base64.b64decode(doc["xml_base64"])
            name = f"{path.stem}.xml" if len(answer["documents"]) == 1 else f"{path.stem}.{n}.xml"
            (directory / name).write_bytes(data)


def test_offline_export_then_check(tmp_path: Path) -> None:
    capabilities = Capabilities(frozenset({"attachments", "scheduled_publication", "action_deadline"}))
    written = export_cases(tmp_path, capabilities=capabilities)
    catalogue = load_catalogue()
    expected = {
        c.id for c in catalogue if c.mode.value == "document" and not c.needs - capabilities.supported
    }
    assert {p.stem for p in written} == expected
    request = json.loads((tmp_path / "MOBB-DOC-032.json").read_text(encoding="utf-8"))
    assert not Path(request["letters"][0]["attachments"][0]["path"]).is_absolute()
    _produce_offline(tmp_path, skip="MOBB-DOC-001")
    result = check_exported(tmp_path, capabilities=capabilities)
    verdicts = {r.case.id: r.verdict for r in result.results}
    assert verdicts.pop("MOBB-DOC-001") is Verdict.FAILED
    assert set(verdicts.values()) == {Verdict.PASSED}
    missing = next(r for r in result.results if r.case.id == "MOBB-DOC-001")
    assert "no MOBB-DOC-001.xml" in missing.evidence[0].message
    # An input changed after the export fails its case: the check must judge what was asked.
    (tmp_path / "MOBB-DOC-002.json").write_text("{}", encoding="utf-8")
    changed = check_exported(tmp_path, capabilities=capabilities)
    assert next(r for r in changed.results if r.case.id == "MOBB-DOC-002").evidence[0].check == "input"


def test_capabilities_skip_and_expected_failures_decide_the_run(tmp_path: Path) -> None:
    from tests.conformance_adapters.broken import TruncatesOnderwerp

    catalogue = load_catalogue()
    ids = ["MOBB-DOC-014", "MOBB-DOC-015", "MOBB-DOC-032", "MOBB-LIVE-001"]
    xfails = tmp_path / "xfail.toml"
    xfails.write_text(
        '[[expected_failure]]\ncase = "MOBB-DOC-015"\nreason = "truncates, fix planned"\n'
        '[[expected_failure]]\ncase = "MOBB-DOC-014"\nreason = "thought to fail"\n',
        encoding="utf-8",
    )
    result = run_suite(
        TruncatesOnderwerp(),
        case_ids=ids,
        capabilities=Capabilities(frozenset()),
        expected_failures=ExpectedFailures.load(xfails, catalogue),
    )
    verdicts = {r.case.id: r.verdict for r in result.results}
    assert verdicts == {
        "MOBB-DOC-014": Verdict.XPASSED,
        "MOBB-DOC-015": Verdict.XFAILED,
        "MOBB-DOC-032": Verdict.SKIPPED,
        "MOBB-LIVE-001": Verdict.PASSED,
    }
    assert not result.ok and [r.case.id for r in result.unexpected] == ["MOBB-DOC-014"]
    skipped = next(r for r in result.results if r.verdict is Verdict.SKIPPED)
    assert skipped.reason == "needs attachments, which the product does not declare"


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ('[[expected_failure]]\ncase = "MOBB-DOC-999"\nreason = "x"\n', "no case MOBB-DOC-999"),
        ('[[expected_failure]]\ncase = "MOBB-DOC-001"\n', "needs a reason"),
    ],
)
def test_a_bad_expected_failures_file_is_refused(tmp_path: Path, content: str, complaint: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=complaint):
        ExpectedFailures.load(path, load_catalogue())


def test_unknown_capabilities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[capabilities]\nteleportation = true\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="unknown capability teleportation"):
        Capabilities.load(path)


def test_cli_run_writes_reports_and_exits_by_verdict(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        conformance_group,
        [
            "run",
            "--adapter",
            "mobb_sdk.conformance.reference:ReferenceAdapter",
            "--case",
            "MOBB-DOC-015",
            "--case",
            "MOBB-LIVE-001",
            "--product",
            "Referentie",
            "--product-version",
            "1.0",
            "--report-dir",
            str(tmp_path / "reports"),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "2 case(s): 2 passed -> as expected" in ok.output
    report = json.loads((tmp_path / "reports" / "conformance.json").read_text(encoding="utf-8"))
    assert report["product"] == {"name": "Referentie", "version": "1.0"}
    assert report["complete"] is False and report["selected_cases"] == ["MOBB-DOC-015", "MOBB-LIVE-001"]
    dutch = runner.invoke(
        conformance_group,
        [
            "run",
            "--adapter",
            "mobb_sdk.conformance.reference:ReferenceAdapter",
            "--case",
            "MOBB-DOC-001",
            "--lang",
            "nl",
            "--report-dir",
            str(tmp_path / "nl"),
        ],
    )
    assert dutch.exit_code == 0, dutch.output
    page = (tmp_path / "nl" / "conformance.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in page and "Conform: geen onverwachte fouten." in page
    assert "Alleen de gekozen cases zijn uitgevoerd (MOBB-DOC-001)" in page
    bad = runner.invoke(
        conformance_group,
        [
            "run",
            "--adapter",
            "tests.conformance_adapters.broken:TruncatesOnderwerp",
            "--mode",
            "document",
            "--case",
            "MOBB-DOC-015",
            "-q",
        ],
    )
    assert bad.exit_code == 1
    assert (
        "MOBB-DOC-015  failed" in bad.output
        and "truncated silently from 51 to 50" not in bad.output.split("\n")[-1]
    )
    usage = runner.invoke(conformance_group, ["run", "--adapter", "no.such.module:Adapter"])
    assert usage.exit_code == 2 and "cannot load the adapter" in usage.output


def test_cli_catalogue_export_and_check(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(conformance_group, ["catalogue", "--json"])
    data = json.loads(listed.output)
    assert data["catalogue_version"] == load_catalogue().version
    assert len(data["cases"]) == len(load_catalogue())
    assert runner.invoke(conformance_group, ["export", str(tmp_path)]).exit_code == 0
    check = runner.invoke(conformance_group, ["check", str(tmp_path), "-q"])
    assert check.exit_code == 1  # nothing produced yet: every case fails
    assert "no MOBB-DOC-001.xml" in check.output


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Installed, the package registers the plugin itself (pytest11); from a source tree it is named.
    registered = any(e.name == "mobb_conformance" for e in importlib.metadata.entry_points(group="pytest11"))
    plugin = [] if registered else ["-p", "mobb_sdk.conformance.pytest_plugin"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_pytest_plugin_runs_cases_as_items(tmp_path: Path) -> None:
    xfails = tmp_path / "xfail.toml"
    xfails.write_text('[[expected_failure]]\ncase = "MOBB-DOC-015"\nreason = "truncates"\n', encoding="utf-8")
    done = _pytest(
        "--mobb-adapter",
        "tests.conformance_adapters.broken:TruncatesOnderwerp",
        "--mobb-expected-failures",
        str(xfails),
        "--mobb-report-dir",
        str(tmp_path / "reports"),
        "--mobb-mode",
        "document",
        "-k",
        "MOBB-DOC-01",
        "-rA",
        cwd=tmp_path,
    )
    # -k selects DOC-010..019: DOC-015 (truncated) is an expected failure, the rest pass.
    assert done.returncode == 0, done.stdout + done.stderr
    assert "9 passed" in done.stdout and "1 xfailed" in done.stdout, done.stdout
    report = json.loads((tmp_path / "reports" / "conformance.json").read_text(encoding="utf-8"))
    assert len(report["cases"]) == 10
    assert next(c for c in report["cases"] if c["id"] == "MOBB-DOC-015")["verdict"] == "expected failure"
    failing = _pytest(
        "--mobb-adapter",
        "tests.conformance_adapters.broken:TruncatesOnderwerp",
        "--mobb-case",
        "MOBB-LIVE-018",
        cwd=tmp_path,
    )
    assert failing.returncode == 1
    assert "MOBB-LIVE-018" in failing.stdout and "expected refused:BER-05" in failing.stdout


def test_pytest_plugin_is_inert_without_its_options(tmp_path: Path) -> None:
    (tmp_path / "test_own.py").write_text("def test_own():\n    assert True\n", encoding="utf-8")
    done = _pytest("-q", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout and "MOBB" not in done.stdout


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (lambda t: t.replace('id = "MOBB-DOC-002"', 'id = "MOBB-DOC-001"'), "used twice"),
        (lambda t: t.replace('rules = ["BER-02"]', 'rules = ["BER-99"]', 1), "BER-99 is not a rule"),
        (lambda t: t + '\n[[retired]]\nid = "MOBB-DOC-001"\nreason = "gone"\n', "retired and stays reserved"),
        (lambda t: t.replace('id = "MOBB-DOC-002"', 'id = "MOBB-DOC-2"'), "not MOBB-DOC-nnn"),
        (lambda t: t.replace('needs = ["intermediary"]', 'needs = ["time_travel"]', 1), "unknown capability"),
        (lambda t: t.replace('expect = "refuse"', 'expect = "maybe"', 1), "accept, refuse or either"),
    ],
)
def test_catalogue_mistakes_are_refused(tmp_path: Path, edit: object, complaint: str) -> None:
    from mobb_sdk.conformance import data_dir

    text = (data_dir() / "catalogue.toml").read_text(encoding="utf-8")
    path = tmp_path / "catalogue.toml"
    path.write_text(edit(text), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(ConfigurationError, match=complaint):
        load_catalogue(path)


def test_the_catalogue_covers_every_rule_a_sender_can_break() -> None:
    catalogue = load_catalogue()
    covered = {rule for case in catalogue for rule in case.rules}
    sender_rules = {
        "XSD", "BATCH-01", "BATCH-02", "BATCH-03", "BATCH-04", "BATCH-05",
        "BER-01", "BER-02", "BER-03", "BER-04", "BER-05", "BER-06", "BER-07", "BER-08", "BER-09", "BER-10",
        "BIJ-01", "BIJ-02", "BIJ-03", "BIJ-04", "BIJ-05", "BIJ-06",
        "RES-01", "RES-02", "RES-03", "RES-04", "ABO-01", "ABO-02",
    }  # fmt: skip
    assert sender_rules <= covered
    assert {c.mode.value for c in catalogue} == {"document", "live"}
    assert all(
        c.id.startswith("MOBB-DOC-" if c.mode.value == "document" else "MOBB-LIVE-") for c in catalogue
    )


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_a_relative_command_runs_from_the_callers_directory(
    tmp_path: Path, adapter_script: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cmd:./adapter.sh` and `cmd:sh adapter.sh` name files in the directory the suite is run from."""
    monkeypatch.setenv("PYTHONPATH", ENV["PYTHONPATH"])
    monkeypatch.chdir(adapter_script.parent)
    runner = CliRunner()
    for spec in (f"cmd:./{adapter_script.name}", f"cmd:sh {adapter_script.name}"):
        done = runner.invoke(
            conformance_group, ["run", "--adapter", spec, "--case", "MOBB-DOC-001", "--case", "MOBB-LIVE-001"]
        )
        assert done.exit_code == 0, (spec, done.output)
        assert "2 case(s): 2 passed" in done.output


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_an_adapter_that_cannot_run_stops_the_run_with_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-executable.sh").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    xfails = tmp_path / "xfail.toml"
    xfails.write_text(
        "".join(f'[[expected_failure]]\ncase = "{c.id}"\nreason = "all"\n' for c in load_catalogue()),
        encoding="utf-8",
    )
    runner = CliRunner()
    for spec, complaint in (
        ("cmd:./missing.sh", "does not exist"),
        ("cmd:./not-executable.sh", "is not executable"),
        ("cmd:no-such-program-mobb", "not found on PATH"),
    ):
        done = runner.invoke(
            conformance_group, ["run", "--adapter", spec, "--expected-failures", str(xfails)]
        )
        assert done.exit_code == 2, (spec, done.output)
        assert complaint in done.output and "MOBB-" not in done.output  # one error, no case lines
    with pytest.raises(ConfigurationError, match="nothing answers"):
        run_suite(load_adapter("http://127.0.0.1:9/conformance"), case_ids=["MOBB-DOC-001"])


def test_requests_and_reports_carry_the_catalogue_version(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    seen: list[dict[str, object]] = []

    class Recorder(ReferenceAdapter):
        def run_case(self, request: dict[str, object], context: AdapterContext) -> dict[str, object]:
            seen.append(request)
            return super().run_case(request, context)  # type: ignore[arg-type]

    result = run_suite(Recorder(), case_ids=["MOBB-DOC-001", "MOBB-LIVE-001"])
    assert {r["catalogue_version"] for r in seen} == {catalogue.version}
    assert "now" in seen[1]
    assert result.info.catalogue_version == catalogue.version
    # Every version has its changelog entry; the newest is the catalogue's.
    assert catalogue.changelog[0][0] == catalogue.version
    assert {"MOBB-LIVE-005", "MOBB-LIVE-006", "MOBB-LIVE-015"} <= set(catalogue.retired)
    with pytest.raises(KeyError, match="retired"):
        catalogue.get("MOBB-LIVE-015")


def test_the_conformance_world_has_leading_zero_bsns_and_stays_the_same() -> None:
    from mobb_sdk import elfproef
    from mobb_sdk.simulator import World

    world = World.conformance()
    zeros = [p for p in world.persons if p.bsn.value.startswith("0")]
    assert len(zeros) >= 2 and all(elfproef(p.bsn.value) for p in zeros)
    assert world == World.conformance()  # the same facts for every case
    assert {p.bsn for p in World.default().persons} <= {p.bsn for p in world.persons}


def test_an_http_product_that_stops_answering_fails_its_cases_and_the_run_goes_on() -> None:
    class Refuser(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            refusal = {"rule": "BER-05", "reason": "Onderwerp over 50 characters"}
            body = json.dumps(
                {"protocol": request["protocol"], "case_id": request["case_id"], "refusal": refusal}
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuser)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    adapter = load_adapter(f"http://127.0.0.1:{server.server_address[1]}/conformance")
    try:
        first = run_suite(adapter, case_ids=["MOBB-DOC-015"])
    finally:
        server.shutdown()
        server.server_close()
    assert first.results[0].verdict is Verdict.PASSED
    later = run_suite(adapter, case_ids=["MOBB-DOC-015"])
    assert later.results[0].verdict is Verdict.FAILED and "stopped answering" in later.results[0].summary


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js 20 (node on PATH)")
def test_the_suite_catches_a_bug_planted_in_the_nodejs_product(tmp_path: Path) -> None:
    """The same product with its BSN read as a number (a leading zero lost) fails the cases aimed at it."""
    source = NODE_ADAPTER.read_text(encoding="utf-8")
    correct = "const bsn = String(letter.bsn);"
    assert correct in source
    buggy = tmp_path / "adapter.mjs"
    buggy.write_text(source.replace(correct, "const bsn = String(Number(letter.bsn));"), encoding="utf-8")
    cases = ["MOBB-DOC-001", "MOBB-DOC-049", "MOBB-LIVE-024"]
    result = run_suite(load_adapter(f"cmd:node {buggy}"), case_ids=cases)
    verdicts = {r.case.id: r.verdict for r in result.results}
    assert verdicts == {
        "MOBB-DOC-001": Verdict.PASSED,
        "MOBB-DOC-049": Verdict.FAILED,
        "MOBB-LIVE-024": Verdict.FAILED,
    }
