"""The conformance suite's self-test: the reference adapter passes every case, and each deliberately
broken adapter fails exactly the cases aimed at its defect.

Broken adapters whose defect has nothing to do with bulk runs declare no ``bulk`` capability, as a real
product would, so the heavy bulk cases (over 1000 letters, over 100 MB) run once for the reference and
for the adapters aimed at them; the exact-set assertion covers every case each adapter ran.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("jsonschema")

from mobb_sdk.conformance import CAPABILITIES, Capabilities, SuiteResult, Verdict, load_catalogue, run_suite
from mobb_sdk.conformance.reference import ReferenceAdapter
from tests.conformance_adapters.broken import AIMED

CATALOGUE = load_catalogue()
BULK_CASES = frozenset(c.id for c in CATALOGUE if "bulk" in c.needs)


@pytest.fixture(scope="module")
def reference_run() -> tuple[SuiteResult, float]:
    started = time.perf_counter()
    result = run_suite(ReferenceAdapter(), mode="all")
    return result, time.perf_counter() - started


def test_reference_adapter_passes_every_case(reference_run: tuple[SuiteResult, float]) -> None:
    result, seconds = reference_run
    not_passed = {r.case.id: r.summary for r in result.results if r.verdict is not Verdict.PASSED}
    assert not_passed == {}
    assert len(result.results) == len(CATALOGUE)
    assert result.ok
    # The whole catalogue, document and live mode: the figure is printed, not asserted (no timed tests).
    print(f"\nwhole catalogue, reference adapter: {seconds:.1f} s")


def test_reference_evidence_names_what_was_checked(reference_run: tuple[SuiteResult, float]) -> None:
    result, _ = reference_run
    by_id = {r.case.id: r for r in result.results}
    refusal = by_id["MOBB-DOC-015"].evidence[0]
    assert refusal.ok and refusal.rule == "BER-05"
    checks = {e.check for e in by_id["MOBB-LIVE-010"].evidence}
    assert {"outcome", "same ids on resend", "delivered once"} <= checks


def test_every_case_is_aimed_at_by_some_broken_adapter_or_is_a_limit_case() -> None:
    aimed = frozenset().union(*AIMED.values())
    assert aimed <= {c.id for c in CATALOGUE}
    # Every behaviour rule of live mode is the target of at least one defect.
    for rule in ("ABO-01", "RES-01", "RES-03", "RES-04", "BER-05", "BER-06", "BATCH-01", "BATCH-02"):
        assert any(rule in CATALOGUE.get(case_id).rules for case_id in aimed), rule


@pytest.mark.parametrize("adapter", list(AIMED), ids=lambda cls: cls.__name__)
def test_broken_adapter_fails_exactly_its_aimed_cases(adapter: type[ReferenceAdapter]) -> None:
    aimed = AIMED[adapter]
    needs_bulk = bool(aimed & BULK_CASES)
    capabilities = Capabilities.all() if needs_bulk else Capabilities(frozenset(CAPABILITIES) - {"bulk"})
    result = run_suite(adapter(), capabilities=capabilities)
    failed = {r.case.id for r in result.results if r.verdict is Verdict.FAILED}
    assert failed == aimed, {r.case.id: r.summary for r in result.results if r.case.id in failed ^ aimed}
    assert not result.ok
    ran = {r.case.id for r in result.results if r.verdict is not Verdict.SKIPPED}
    assert ran == {c.id for c in CATALOGUE} - (set() if needs_bulk else BULK_CASES)
