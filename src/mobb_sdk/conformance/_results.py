"""The verdict of each case and of a whole run."""

from __future__ import annotations

import enum
from collections import Counter
from datetime import datetime

import attrs

from mobb_sdk.conformance._catalogue import Case
from mobb_sdk.conformance._evidence import Evidence

__all__ = ["CaseResult", "RunInfo", "SuiteResult", "Verdict"]


class Verdict(enum.Enum):
    """What a case came to, after capabilities and the vendor's expected failures are applied."""

    PASSED = "passed"
    FAILED = "failed"  #: an unexpected failure: fails the run
    SKIPPED = "skipped"  #: needs a capability the product does not declare
    XFAILED = "expected failure"  #: failed, and the vendor listed it as a known failure
    XPASSED = "unexpected pass"  #: passed although listed as a known failure: fails the run

    @property
    def unexpected(self) -> bool:
        return self in (Verdict.FAILED, Verdict.XPASSED)


@attrs.frozen
class CaseResult:
    """One case's verdict with its evidence; ``reason`` says why it was skipped or expected to fail."""

    case: Case
    verdict: Verdict
    evidence: tuple[Evidence, ...] = ()
    seconds: float = 0.0
    reason: str | None = None

    @property
    def problems(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if not e.ok)

    @property
    def summary(self) -> str:
        """One line: the first problem, or why it was skipped or expected to fail."""
        if self.verdict is Verdict.SKIPPED or (self.verdict is Verdict.XPASSED and self.reason):
            return self.reason or ""
        problems = self.problems
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            return f"{problems[0]}{more}"
        return "ok"


@attrs.frozen
class RunInfo:
    """What a report states about the run: suite, schemas, product, adapter, moments."""

    suite_version: str
    catalogue_version: str
    schema_version: str
    manifest_hash: str
    product_name: str
    product_version: str
    adapter: str
    mode: str
    started: datetime
    finished: datetime
    #: The case ids the run was limited to (``--case``); empty when every case of ``mode`` was selected.
    selected: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Both modes and every case ran (skips for undeclared capabilities aside): a full conformance run."""
        return self.mode == "all" and not self.selected


@attrs.frozen
class SuiteResult:
    """Every case's result and the run's facts; ``ok`` when nothing was unexpected."""

    info: RunInfo
    results: tuple[CaseResult, ...]

    @property
    def ok(self) -> bool:
        return not any(r.verdict.unexpected for r in self.results)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.verdict for r in self.results)
        return {v.value: found.get(v, 0) for v in Verdict}

    @property
    def unexpected(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if r.verdict.unexpected)
