"""Shared test data: elfproef-valid test BSNs (the 9999xxxxx range), a test OIN, letter and batch builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from mobb_sdk import Batch, Bericht, Bijlage, Oin, elfproef, make_pdf

if TYPE_CHECKING:
    import httpx

    from mobb_sdk.simulator import Simulator

#: Elfproef-valid numbers in RvIG's test range, computed rather than typed in.
TEST_BSNS: tuple[str, ...] = tuple(s for s in (f"9999{i:05d}" for i in range(20000)) if elfproef(s))
TEST_OIN = Oin("00000001001234567000")
FIXED_NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def make_bericht(i: int = 0, **overrides: Any) -> Bericht:
    fields: dict[str, Any] = {
        "bsn": TEST_BSNS[i % len(TEST_BSNS)],
        "bericht_type": "WOZ",
        "onderwerp": f"Aanslag {i}",
        "bericht_tekst": "Beste inwoner,\nUw aanslag staat klaar.",
        "referentie": f"REF-{i}",
    }
    fields.update(overrides)
    return Bericht.create(**fields)


def make_batch(n: int = 2, *, with_pdf: bool = False, **overrides: Any) -> Batch:
    bijlagen = [Bijlage.from_bytes(make_pdf("Aanslag"), "Aanslagbiljet")] if with_pdf else []
    berichten = [make_bericht(i, bijlagen=bijlagen) for i in range(n)]
    return Batch(afzender=overrides.pop("afzender", TEST_OIN), berichten=berichten, **overrides)


@pytest.fixture
def bericht_factory() -> Callable[..., Bericht]:
    return make_bericht


@pytest.fixture
def batch_factory() -> Callable[..., Batch]:
    return make_batch


@pytest.fixture
def sim() -> Simulator:
    """A fresh simulator of Logius (the default world); a module may define its own."""
    from mobb_sdk.simulator import Simulator

    return Simulator()


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    """Plain httpx on ``sim``'s ebms-core REST contract (tests/simulator_support.py speaks it); client
    test modules define their own ``client``."""
    import httpx

    from tests.simulator_support import EBMS

    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        yield c
