"""The conformance suite's self-test, grown into a mutation test.

- Fair: the reference adapter and products making other legal choices (a 7-day subscription cache, one
  letter per batch, the asynchronous client, slower retries and polling) pass every case.
- Sharp: each deliberately broken adapter (a mutant: one realistic vendor bug) fails the cases aimed at
  its defect. The suite's mutation score (mutants caught / mutants) is printed.

The default run runs each mutant on its aimed cases and the caching product on the live cases. With
``MOBB_CONFORMANCE_FULL=1`` (set by ``nox -s conformance``, which CI runs) every mutant runs the whole
catalogue and must fail exactly its aimed cases, and every compliant variant runs the whole catalogue.
Bulk cases (over 1000 letters, over 100 MB) run for the adapters aimed at them, for the reference and
for the one-letter-per-batch variant; the other adapters declare no ``bulk`` capability, as a product
that is not aimed at bulk runs would.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

pytest.importorskip("jsonschema")

from mobb_sdk.conformance import CAPABILITIES, Capabilities, SuiteResult, Verdict, load_catalogue, run_suite
from mobb_sdk.conformance.reference import ReferenceAdapter
from tests.conformance_adapters.broken import AIMED
from tests.conformance_adapters.compliant import COMPLIANT, CachingProduct, OneLetterPerBatch

CATALOGUE = load_catalogue()
BULK_CASES = frozenset(c.id for c in CATALOGUE if "bulk" in c.needs)
NO_BULK = Capabilities(frozenset(CAPABILITIES) - {"bulk"})
FULL = os.environ.get("MOBB_CONFORMANCE_FULL") == "1"
_skip_unless_full = pytest.mark.skipif(
    not FULL, reason="the full mutation run: MOBB_CONFORMANCE_FULL=1 (nox -s conformance)"
)


def full_only(test: Callable[..., None]) -> Callable[..., None]:
    """Runs only in the full mutation run; marked ``conformance_full`` so CI can select just these."""
    return pytest.mark.conformance_full(_skip_unless_full(test))


@pytest.fixture(scope="module")
def reference_run() -> tuple[SuiteResult, float]:
    started = time.perf_counter()
    result = run_suite(ReferenceAdapter(), mode="all")
    return result, time.perf_counter() - started


def _not_passed(result: SuiteResult) -> dict[str, str]:
    return {
        r.case.id: r.summary for r in result.results if r.verdict not in (Verdict.PASSED, Verdict.SKIPPED)
    }


def test_reference_adapter_passes_every_case(reference_run: tuple[SuiteResult, float]) -> None:
    result, seconds = reference_run
    not_passed = {r.case.id: r.summary for r in result.results if r.verdict is not Verdict.PASSED}
    assert not_passed == {}
    assert len(result.results) == len(CATALOGUE)
    assert result.ok
    # The whole catalogue, document and live mode: the figure is printed, not asserted (no timed tests).
    print(f"\nwhole catalogue {CATALOGUE.version}, reference adapter: {seconds:.1f} s")


def test_reference_evidence_names_what_was_checked(reference_run: tuple[SuiteResult, float]) -> None:
    result, _ = reference_run
    by_id = {r.case.id: r for r in result.results}
    refusal = by_id["MOBB-DOC-015"].evidence[0]
    assert refusal.ok and refusal.rule == "BER-05"
    checks = {e.check for e in by_id["MOBB-LIVE-010"].evidence}
    assert {"outcome", "same ids on resend", "delivered once"} <= checks
    assert {e.check for e in by_id["MOBB-LIVE-029"].evidence} >= {"result left for an operator"}


def test_a_product_caching_subscription_checks_for_7_days_passes_the_live_cases() -> None:
    product = CachingProduct()
    result = run_suite(product, mode="live", capabilities=NO_BULK)
    assert _not_passed(result) == {}
    # It really answered from its cache (checks of earlier cases, and the 6-day-old check of LIVE-030).
    assert product.reused > 10


def test_an_8_day_old_check_fails_and_a_6_day_old_one_passes() -> None:
    forever = AIMED_BY_NAME["CachesForever"]()
    result = run_suite(forever, case_ids=["MOBB-LIVE-030", "MOBB-LIVE-031"])
    verdicts = {r.case.id: r.verdict for r in result.results}
    assert verdicts == {"MOBB-LIVE-030": Verdict.PASSED, "MOBB-LIVE-031": Verdict.FAILED}
    evidence = next(r for r in result.results if r.case.id == "MOBB-LIVE-031").problems[0]
    assert evidence.rule == "ABO-01" and "8.0 days" in evidence.message


AIMED_BY_NAME = {cls.__name__: cls for cls in AIMED}


def test_every_case_is_aimed_at_by_some_mutant_or_is_a_limit_case() -> None:
    aimed = frozenset().union(*AIMED.values())
    assert aimed <= {c.id for c in CATALOGUE}
    assert len(AIMED) >= 30
    # Every behaviour rule of live mode is the target of at least one defect.
    for rule in (
        "ABO-01",
        "RES-01",
        "RES-03",
        "RES-04",
        "BER-05",
        "BER-06",
        "BATCH-01",
        "BATCH-02",
        "BER-09",
    ):
        assert any(rule in CATALOGUE.get(case_id).rules for case_id in aimed), rule


def _caught(adapter: type[ReferenceAdapter], case_ids: frozenset[str] | None) -> tuple[set[str], SuiteResult]:
    aimed = AIMED[adapter]
    capabilities = Capabilities.all() if aimed & BULK_CASES else NO_BULK
    result = run_suite(adapter(), capabilities=capabilities, case_ids=case_ids)
    return {r.case.id for r in result.results if r.verdict is Verdict.FAILED}, result


def test_mutation_score() -> None:
    """Every mutant is caught by the cases aimed at it; the score is printed (the docs state it)."""
    caught = 0
    missed: dict[str, set[str]] = {}
    for adapter, aimed in AIMED.items():
        failed, _ = _caught(adapter, aimed)
        if failed == aimed:
            caught += 1
        else:
            missed[adapter.__name__] = set(aimed - failed)
    print(
        f"\nconformance mutation score: {caught}/{len(AIMED)} mutants caught ({100 * caught / len(AIMED):.0f} %)"
    )
    assert missed == {}


@full_only
@pytest.mark.parametrize("adapter", list(AIMED), ids=lambda cls: cls.__name__)
def test_mutant_fails_exactly_its_aimed_cases_in_the_whole_catalogue(adapter: type[ReferenceAdapter]) -> None:
    aimed = AIMED[adapter]
    failed, result = _caught(adapter, None)
    assert failed == aimed, {r.case.id: r.summary for r in result.results if r.case.id in failed ^ aimed}
    assert not result.ok
    needs_bulk = bool(aimed & BULK_CASES)
    ran = {r.case.id for r in result.results if r.verdict is not Verdict.SKIPPED}
    assert ran == {c.id for c in CATALOGUE} - (set() if needs_bulk else BULK_CASES)


@full_only
@pytest.mark.parametrize("adapter", COMPLIANT, ids=lambda cls: cls.__name__)
def test_a_compliant_variant_passes_the_whole_catalogue(adapter: type[ReferenceAdapter]) -> None:
    capabilities = Capabilities.all() if adapter is OneLetterPerBatch else NO_BULK
    result = run_suite(adapter(), capabilities=capabilities)
    assert _not_passed(result) == {}
    assert result.ok
