"""validate_letters(): each letter checked on its own, its violations at its own index (outbox, letters reader)."""

from __future__ import annotations

from datetime import timedelta

from mobb_sdk import SenderProfile
from mobb_sdk._validation import validate_letters

from .conftest import FIXED_NOW, TEST_OIN, make_bericht


def test_each_letter_gets_its_own_violations() -> None:
    profile = SenderProfile(clock=lambda: FIXED_NOW, active_bericht_types=["WOZ"])
    letters = [
        make_bericht(0, bericht_type="WOZ"),
        make_bericht(1, bericht_type="HOND"),  # BER-02: not active for this sender
        make_bericht(2, bericht_type="WOZ", publicatie_datum=FIXED_NOW + timedelta(days=30)),  # BER-03
    ]
    found = validate_letters(letters, profile, afzender=TEST_OIN)
    assert len(found) == 3
    assert found[0] == []
    assert {v.rule for v in found[1]} == {"BER-02"}
    assert {v.rule for v in found[2]} == {"BER-03"}
    assert validate_letters([], profile, afzender=TEST_OIN) == []


def test_the_moment_is_one_for_all_letters() -> None:
    late = make_bericht(0, bericht_type="WOZ", publicatie_datum=FIXED_NOW + timedelta(days=30))
    profile = SenderProfile(clock=lambda: FIXED_NOW, active_bericht_types=["WOZ"])
    assert validate_letters([late], profile, afzender=TEST_OIN, now=FIXED_NOW + timedelta(days=29)) == [[]]
