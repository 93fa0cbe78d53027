"""The pytest plugin (entry point ``pytest11``: ``mobb_conformance``): the catalogue as pytest items.

It does nothing unless ``--mobb-adapter`` is given, so installing mobb-sdk[conformance] never changes
another project's test run. With it, every selected case becomes one test item named by its case id
(``-k MOBB-LIVE`` works), skipped cases are skips, the vendor's expected failures are xfails, and an
unexpected pass fails. ``--mobb-report-dir`` writes the JUnit, JSON and HTML reports at the end::

    pytest --mobb-adapter "cmd:./conformance-adapter.sh" --mobb-capabilities capabilities.toml \\
           --mobb-expected-failures expected-failures.toml --mobb-report-dir reports/
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from mobb_sdk import ConfigurationError
from mobb_sdk.conformance._adapters import AdapterRunner, load_adapter
from mobb_sdk.conformance._catalogue import Case, Catalogue, Mode, load_catalogue
from mobb_sdk.conformance._live import SubscriptionLedger
from mobb_sdk.conformance._reports import write_reports
from mobb_sdk.conformance._results import CaseResult, SuiteResult, Verdict
from mobb_sdk.conformance._runner import run_case, run_info
from mobb_sdk.conformance._vendor import Capabilities, ExpectedFailures, Product

__all__ = ["ConformanceItem"]

_STATE = pytest.StashKey["_State"]()


@attrs.define
class _State:
    catalogue: Catalogue
    adapter: AdapterRunner
    mode: str
    cases: tuple[Case, ...]
    capabilities: Capabilities
    expected: ExpectedFailures
    product: Product
    report_dir: Path | None
    inline: bool
    workdir: Path
    started: datetime = attrs.Factory(lambda: datetime.now(UTC))
    results: list[CaseResult] = attrs.Factory(list)
    ledger: SubscriptionLedger = attrs.Factory(SubscriptionLedger)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "mobb-conformance", "mobb-sdk vendor conformance suite (inert without --mobb-adapter)"
    )
    group.addoption(
        "--mobb-adapter", help="module:Class, an entry point name, cmd:<command line>, or an http(s) URL"
    )
    group.addoption("--mobb-mode", choices=("document", "live", "all"), default="all")
    group.addoption("--mobb-case", action="append", default=[], help="run only this case id (repeatable)")
    group.addoption("--mobb-capabilities", help="capabilities file (TOML/JSON)")
    group.addoption("--mobb-expected-failures", help="expected failures file (TOML/JSON)")
    group.addoption("--mobb-product", help="product name for the reports")
    group.addoption("--mobb-product-version", help="product version for the reports")
    group.addoption("--mobb-report-dir", help="write the JUnit, JSON and HTML reports here")
    group.addoption("--mobb-lang", choices=("en", "nl"), default="en", help="language of the HTML report")
    group.addoption("--mobb-serve", action="store_true", help="Python adapters: use the served simulator")
    group.addoption("--mobb-inline-attachments", action="store_true", help="also send attachments base64")


def pytest_configure(config: pytest.Config) -> None:
    spec = config.getoption("--mobb-adapter")
    if not spec:
        return
    try:
        catalogue = load_catalogue()
        capabilities_file = config.getoption("--mobb-capabilities")
        expected_file = config.getoption("--mobb-expected-failures")
        capabilities = Capabilities.load(capabilities_file) if capabilities_file else Capabilities.all()
        expected = ExpectedFailures.load(expected_file, catalogue) if expected_file else ExpectedFailures()
        mode = config.getoption("--mobb-mode")
        cases = catalogue.select(
            None if mode == "all" else Mode(mode), config.getoption("--mobb-case") or None
        )
        adapter = load_adapter(spec, serve=config.getoption("--mobb-serve"))
    except ConfigurationError as exc:
        raise pytest.UsageError(str(exc)) from None
    except KeyError as exc:
        raise pytest.UsageError(str(exc.args[0])) from None
    declared = capabilities.product or Product()
    product = Product(
        config.getoption("--mobb-product") or declared.name,
        config.getoption("--mobb-product-version") or declared.version,
    )
    report_dir = config.getoption("--mobb-report-dir")
    config.stash[_STATE] = _State(
        catalogue,
        adapter,
        mode,
        cases,
        capabilities,
        expected,
        product,
        Path(report_dir) if report_dir else None,
        config.getoption("--mobb-inline-attachments"),
        Path(tempfile.mkdtemp(prefix="mobb-conformance-")),
    )


class ConformanceFailure(Exception):
    """A case that failed unexpectedly, or passed although it was expected to fail."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.summary)
        self.result = result


class ConformanceItem(pytest.Item):
    """One case of the catalogue."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        state = self.config.stash[_STATE]
        result = run_case(
            self.case,
            state.adapter,
            catalogue=state.catalogue,
            capabilities=state.capabilities,
            expected_failures=state.expected,
            workdir=state.workdir,
            inline_attachments=state.inline,
            ledger=state.ledger,
        )
        state.results.append(result)
        if result.verdict is Verdict.SKIPPED:
            pytest.skip(result.reason or "skipped")
        if result.verdict is Verdict.XFAILED:
            pytest.xfail(result.reason or "expected failure")
        if result.verdict.unexpected:
            raise ConformanceFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure):
            r = excinfo.value.result
            lines = [
                f"{r.case.id} ({', '.join(r.case.rules)}): {r.case.title}",
                f"verdict: {r.verdict.value}",
            ]
            if r.reason:
                lines.append(r.reason)
            lines.extend(f"  {e}" for e in r.evidence if not e.ok)
            return "\n".join(lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.case.id}: {self.case.title}"


class ConformanceCollector(pytest.Collector):
    """The parent of the case items."""

    def collect(self) -> list[pytest.Item]:
        state = self.config.stash[_STATE]
        return [ConformanceItem.from_parent(self, name=case.id, case=case) for case in state.cases]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if _STATE not in config.stash:
        return
    collector = ConformanceCollector.from_parent(session, name="mobb-conformance")
    keyword = config.getoption("keyword", "")
    for item in collector.collect():
        if not keyword or keyword.lower() in item.name.lower():
            items.append(item)


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    if state.report_dir is not None and state.results:
        result = SuiteResult(
            run_info(
                state.catalogue,
                state.product,
                state.adapter.description,
                state.mode,
                state.started,
                tuple(session.config.getoption("--mobb-case") or ()),
            ),
            tuple(state.results),
        )
        write_reports(result, state.report_dir, session.config.getoption("--mobb-lang"))
