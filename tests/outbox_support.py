"""Shared by the outbox tests: a simulator world with many citizens, letter files, and the invariants
every run of the outbox must leave behind (checked against the simulator's inspection only)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mobb_sdk import Bericht, ClientConfig, EbmsConfig, RetryPolicy, WusConfig, elfproef
from mobb_sdk.outbox import BatchState, LetterState, Outbox, OutcomeStatus
from mobb_sdk.simulator import (
    DEFAULT_CPA_ID,
    DEFAULT_SENDER_OIN,
    EBMS_PREFIX,
    WUS_PATH,
    Person,
    Simulator,
    World,
)

OIN = DEFAULT_SENDER_OIN
#: Every elfproef-valid number of RvIG's test range 9999xxxxx (about 9,000).
ALL_TEST_BSNS: tuple[str, ...] = tuple(s for s in (f"9999{i:05d}" for i in range(100_000)) if elfproef(s))
IN_PROCESS_ROOT = "http://127.0.0.1:8080"


def may_receive(i: int) -> bool:
    """Citizen i of the world: every 20th has no subscription, every 50th (offset 1) no active box."""
    return i % 20 != 0 and i % 50 != 1


def world(n: int) -> World:
    base = World.default()
    persons = [
        Person(bsn, "", i % 50 != 1, {OIN.value: ["*"]} if i % 20 else {})
        for i, bsn in enumerate(ALL_TEST_BSNS[:n])
    ]
    return World(base.senders, persons)


def simulator(n: int, **kwargs: Any) -> Simulator:
    return Simulator(world(n), **kwargs)


def config(root: str = IN_PROCESS_ROOT, **overrides: Any) -> ClientConfig:
    values: dict[str, Any] = {
        "sender_oin": OIN,
        "ebms": EbmsConfig(url=root + EBMS_PREFIX, cpa_id=DEFAULT_CPA_ID, party_oin=OIN),
        "wus": WusConfig(url=root + WUS_PATH),
        "retry": RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05),
    }
    values.update(overrides)
    return ClientConfig(**values)


def letter(i: int, **overrides: Any) -> Bericht:
    fields: dict[str, Any] = {
        "bsn": ALL_TEST_BSNS[i],
        "bericht_type": "WOZ",
        "onderwerp": f"WOZ-beschikking {i}",
        "bericht_tekst": "Beste inwoner,\nUw WOZ-beschikking staat klaar.",
        "referentie": f"WOZ-{i}",
    }
    fields.update(overrides)
    return Bericht.create(**fields)


def letters(n: int) -> Iterator[Bericht]:
    return (letter(i) for i in range(n))


def write_letters_jsonl(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            record = {
                "bsn": ALL_TEST_BSNS[i],
                "bericht_type": "WOZ",
                "onderwerp": f"WOZ-beschikking {i}",
                "bericht_tekst": "Beste inwoner,\nUw WOZ-beschikking staat klaar.",
                "referentie": f"WOZ-{i}",
            }
            f.write(json.dumps(record) + "\n")
    return path


def assert_invariants(outbox: Outbox, sim: Simulator, n: int, *, complete: bool = True) -> Counter[uuid.UUID]:
    """What every run must leave behind, whatever crashed in between:

    - every letter is in exactly one state, and (when ``complete``) a final one, with the outcome
      the world dictates (delivered when the citizen may receive, paper otherwise): none lost;
    - every BerichtID the simulator received belongs to exactly one letter of the outbox, and was
      received more than once only for a batch the outbox recorded as handed over more than once;
    - no letter was placed in a box twice, and every delivered letter is in a box.
    """
    rows = list(outbox.letters())
    assert len(rows) == n
    by_id = {r.bericht_id: r for r in rows}
    assert len(by_id) == n, "a BerichtID belongs to two letters"
    by_key = {r.key for r in rows}
    assert len(by_key) == n
    received = sim.inspect.bericht_ids_received()
    assert set(received) <= set(by_id), "the simulator received a BerichtID the outbox does not hold"
    attempts = {b.batch_id: b.attempts for b in outbox.store.batches(list(BatchState))}
    for bericht_id, times in received.items():
        if times > 1:
            batch_id = by_id[bericht_id].batch_id
            assert batch_id is not None and attempts[batch_id] >= times, "received twice without a resend"
    stored = Counter(letter.bericht_id for letter in sim.inspect.letters())
    assert all(c == 1 for c in stored.values()), "a letter was placed in a box twice"
    if complete:
        for r in rows:
            assert r.state.is_final, f"letter {r.key} ended in {r.state}"
            expected = OutcomeStatus.DELIVERED if may_receive(_index(r.referentie)) else OutcomeStatus.PAPER
            assert r.outcome is expected, (
                f"letter {r.key}: {r.outcome} ({r.state}, {r.code}), expected {expected}"
            )
            if r.outcome is OutcomeStatus.DELIVERED:
                assert r.state is LetterState.RESULT and r.bericht_id in stored
            else:
                assert r.bericht_id not in stored
    return received


def _index(referentie: str | None) -> int:
    assert referentie is not None
    return int(referentie.rsplit("-", 1)[1])
