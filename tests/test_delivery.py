"""The delivery bookkeeping without I/O: every outcome, its action text, resends and results (RES-01/04)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from mobb_sdk import BerichtResultaat, InvalidValueError, VerwerkingsCode, VerwerkingsResultaat
from mobb_sdk._delivery import (
    ALREADY_DELIVERED,
    DeliveryTracker,
    Outcome,
    OutcomeStatus,
    paper_reason,
    split_violations,
)
from mobb_sdk._ebms import DeliveryEvent, EventType, Receipt, ReceiptStatus, ResultMessage
from mobb_sdk._ids import NIL_GUID
from mobb_sdk._violations import Violation

from .conftest import FIXED_NOW, TEST_BSNS, make_bericht

C = VerwerkingsCode


def outcome(status: OutcomeStatus, **kwargs: object) -> Outcome:
    return Outcome(uuid.uuid4(), make_bericht(0).bsn, status, **kwargs)  # type: ignore[arg-type]


def test_statuses_are_pinned():
    assert [s.value for s in OutcomeStatus] == ["delivered", "paper", "failed", "pending", "refused"]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (OutcomeStatus.DELIVERED, "done: the letter is in the box"),
        (OutcomeStatus.PAPER, "send the letter on paper"),
        (OutcomeStatus.FAILED, "investigate: the letter could not be delivered"),
        (OutcomeStatus.PENDING, "collect the result later (alert after 24 h without one, RES-03)"),
        (OutcomeStatus.REFUSED, "fix the letter: it breaks the rules listed in violations"),
    ],
)
def test_the_action_of_a_bare_outcome(status, action):
    assert outcome(status).action == action
    assert outcome(status).already_delivered is False


def test_actions_name_the_detail_the_code_or_the_violations():
    assert outcome(OutcomeStatus.PAPER, detail="geen box").action == "send the letter on paper: geen box"
    assert outcome(OutcomeStatus.FAILED, detail="HTTP 500").action == "investigate: HTTP 500"
    assert outcome(OutcomeStatus.PENDING, detail="x").action.startswith("collect the result later")
    assert outcome(OutcomeStatus.DELIVERED, code=C.VERWERKT).action == "done: the letter is in the box"
    assert (
        outcome(OutcomeStatus.DELIVERED, code=C.BERICHT_BESTAAT_AL).action == "done: the letter is in the box"
    )
    assert outcome(OutcomeStatus.FAILED, code=C.BIJLAGE_TE_GROOT).action == C.BIJLAGE_TE_GROOT.action
    violations = tuple(Violation(f"BER-0{i}", "p", f"m{i}") for i in range(1, 6))
    refused = outcome(OutcomeStatus.REFUSED, violations=violations)
    assert refused.action == "fix the letter: BER-01 m1; BER-02 m2; BER-03 m3"
    already = outcome(OutcomeStatus.DELIVERED, code=C.BERICHT_BESTAAT_AL, detail=ALREADY_DELIVERED)
    assert already.already_delivered is True
    assert already.action.startswith("nothing: an earlier run delivered this letter (BerichtBestaatAl)")
    assert outcome(OutcomeStatus.FAILED, detail=ALREADY_DELIVERED).already_delivered is False
    assert outcome(OutcomeStatus.DELIVERED, detail="other").already_delivered is False
    assert "BerichtBestaatAl" in ALREADY_DELIVERED


def test_paper_reason_names_the_type_twice_and_the_rule():
    reason = paper_reason("WOZ")
    assert reason.count("WOZ") == 2
    assert paper_reason("AANSL").count("AANSL") == 2
    for fact in ("ValidateAbonnementen", "Berichtenbox", "MijnOverheid", "ABO-01", "from this sender"):
        assert fact in reason


def test_letter_index_is_the_one_the_finder_set():
    """Who found a violation says which letter it concerns (``Violation.letter``); nothing reads a path back."""
    from lxml import etree

    from mobb_sdk import Batch, SenderProfile, ValidationError, from_xml, to_xml
    from mobb_sdk._rules import check_batch
    from mobb_sdk._xsd_validation import validate_tree

    from .conftest import TEST_OIN

    berichten = [make_bericht(i) for i in range(4)]
    batch = Batch(TEST_OIN, berichten)
    # The rules: the letter each per-letter rule ran on; none for a batch rule.
    report = check_batch(
        batch, SenderProfile(clock=lambda: FIXED_NOW), used_bericht_ids={berichten[2].bericht_id}
    )
    ber01 = [v for v in report if v.rule == "BER-01"]
    assert [(v.path, v.letter) for v in ber01] == [("berichten[2].bericht_id", 2)]
    # The XSD: the letter the element lies in (``Bericht[3]`` is index 2); the batch's own elements: none.
    root = etree.fromstring(to_xml(batch))
    onderwerp = root.findall(".//{*}Onderwerp")[2]
    onderwerp.getparent().remove(onderwerp)
    root[0][0].text = "not-a-guid"
    found = validate_tree(root).violations
    assert {(v.path.split("/")[2], v.letter) for v in found} == {("Bericht[3]", 2), ("BatchInformatie", None)}
    single = etree.fromstring(to_xml(Batch(TEST_OIN, berichten[:1])))
    single.find(".//{*}Onderwerp").text = ""
    assert [
        (v.path.startswith("/Berichten/Bericht/"), v.letter) for v in validate_tree(single).violations
    ] == [(True, 0)]
    # The codec: a letter it cannot read (BER-09) and a letter of another batch (BATCH-03).
    xml = to_xml(batch).decode().replace(TEST_BSNS[1], "123456789")
    xml = xml.replace(
        f"<ber:BatchID>{batch.batch_id}</ber:BatchID>", f"<ber:BatchID>{uuid.uuid4()}</ber:BatchID>"
    )
    with pytest.raises(ValidationError) as caught:
        from_xml(xml.encode(), validate=False)
    assert {(v.rule, v.letter) for v in caught.value.violations} >= {("BER-09", 1), ("BATCH-03", 0)}
    assert Violation("BATCH-04", "aanmaak_datum", "x").letter is None


def test_split_violations_keeps_out_of_range_ones_for_the_batch():
    vs = [Violation("X", f"berichten[{i}]", "m", letter=i) for i in (0, 2, 3)] + [
        Violation("X", "afzender", "m")
    ]
    per_letter, batch_level = split_violations(3, vs)
    assert per_letter == {0: [vs[0]], 2: [vs[1]]}
    assert batch_level == [vs[2], vs[3]]


def receipt(bericht_ids, message_id="m1", batch_id=None, attempts=1):
    return Receipt(message_id, batch_id or uuid.uuid4(), tuple(bericht_ids), FIXED_NOW, attempts=attempts)


def result_for(r: Receipt, codes: dict[uuid.UUID, VerwerkingsCode]) -> ResultMessage:
    rows = [BerichtResultaat(i, "WOZ", c) for i, c in codes.items()]
    resultaat = VerwerkingsResultaat.tally("x", r.batch_id, rows, FIXED_NOW, FIXED_NOW + timedelta(minutes=1))
    return ResultMessage("res-1", r.batch_id, "conv", r.message_id, FIXED_NOW, resultaat)


def letters(n: int, bericht_type: str = "WOZ"):
    return [make_bericht(i, bericht_type=bericht_type) for i in range(n)]


def by_id(tracker: DeliveryTracker) -> dict[uuid.UUID, Outcome]:
    return {o.bericht_id: o for o in tracker.outcomes()}


def test_a_new_tracker_has_everything_pending_and_nothing_open():
    ls = letters(2)
    tracker = DeliveryTracker(ls)
    assert (tracker.max_resends, tracker.stable_ids) == (3, False)
    assert tracker.open is False
    assert tracker.receipts == ()
    outs = tracker.outcomes()
    assert [o.bericht_id for o in outs] == [b.bericht_id for b in ls]
    assert [(o.status, o.batch_id, o.message_id, o.code) for o in outs] == [
        (OutcomeStatus.PENDING, None, None, None)
    ] * 2
    assert outs[0].bsn == ls[0].bsn
    assert outs[0].referentie == "REF-0"


def test_duplicate_ids_are_refused() -> None:
    b = make_bericht(0)
    with pytest.raises(InvalidValueError) as caught:
        DeliveryTracker([b, b])
    assert isinstance(caught.value, ValueError), "callers catching ValueError still catch it"
    assert (caught.value.rule, caught.value.field) == ("BER-01", "berichten")
    assert str(caught.value) == f"BER-01 berichten: BerichtID {b.bericht_id} occurs twice"


def test_paper_refuse_and_fail():
    ls = letters(4, "AANSL")
    tracker = DeliveryTracker(ls)
    tracker.paper(ls[0])
    tracker.paper(ls[1], "eigen reden")
    v = Violation("BER-05", "berichten[2].onderwerp", "te lang")
    tracker.refuse(ls[2], [v])
    batch_id = uuid.uuid4()
    tracker.fail([ls[3].bericht_id], "HTTP 400", batch_id)
    out = by_id(tracker)
    assert (out[ls[0].bericht_id].status, out[ls[0].bericht_id].detail) == (
        OutcomeStatus.PAPER,
        paper_reason("AANSL"),
    )
    assert out[ls[1].bericht_id].detail == "eigen reden"
    assert (out[ls[2].bericht_id].status, out[ls[2].bericht_id].violations) == (OutcomeStatus.REFUSED, (v,))
    assert (out[ls[3].bericht_id].status, out[ls[3].bericht_id].detail, out[ls[3].bericht_id].batch_id) == (
        OutcomeStatus.FAILED,
        "HTTP 400",
        batch_id,
    )
    tracker.fail([ls[1].bericht_id], "later")
    assert by_id(tracker)[ls[1].bericht_id].batch_id is None


def test_sending_records_the_batch_and_opens_the_letters():
    ls = letters(3)
    tracker = DeliveryTracker(ls)
    r = receipt([b.bericht_id for b in ls[:2]])
    tracker.sent(r)
    assert tracker.open is True
    assert tracker.receipts == (r,)
    assert tracker.receipt_for_message("m1") is r
    assert tracker.receipt_for_message("other") is None
    out = by_id(tracker)
    assert [(out[b.bericht_id].batch_id, out[b.bericht_id].message_id) for b in ls] == [
        (r.batch_id, "m1"),
        (r.batch_id, "m1"),
        (None, None),
    ]


def test_a_delivered_event_changes_the_receipt_but_asks_no_resend():
    ls = letters(1)
    tracker = DeliveryTracker(ls)
    r = receipt([ls[0].bericht_id])
    tracker.sent(r)
    assert tracker.on_event(DeliveryEvent("m1", EventType.DELIVERED)) is None
    assert tracker.receipts[0].status is ReceiptStatus.DELIVERED
    assert tracker.on_event(DeliveryEvent("not-ours", EventType.FAILED)) is None


@pytest.mark.parametrize("event_type", [EventType.FAILED, EventType.EXPIRED])
def test_a_failed_delivery_is_resent_until_the_limit_then_fails(event_type):
    ls = letters(2)
    tracker = DeliveryTracker(ls, max_resends=2)
    r = receipt([b.bericht_id for b in ls])
    tracker.sent(r)
    for n in range(2):
        current = tracker.receipts[0]
        again = tracker.on_event(DeliveryEvent(current.message_id, event_type))
        assert again is not None
        assert again.batch_id == r.batch_id
        tracker.resent(current.resent(f"m{n + 2}", FIXED_NOW))
    # An event of an earlier hand-over of the batch changes nothing.
    assert tracker.on_event(DeliveryEvent("m1", event_type)) is None
    assert tracker.on_event(DeliveryEvent("m3", event_type)) is None
    out = tracker.outcomes()
    assert [o.status for o in out] == [OutcomeStatus.FAILED] * 2
    assert out[0].detail == f"ebMS delivery {event_type.value} after 2 resend(s)"
    assert out[0].batch_id == r.batch_id
    assert tracker.open is False


def test_max_resends_zero_fails_at_once_and_decided_letters_are_not_resent():
    ls = letters(2)
    tracker = DeliveryTracker(ls, max_resends=0)
    r = receipt([b.bericht_id for b in ls])
    tracker.sent(r)
    assert tracker.on_event(DeliveryEvent("m1", EventType.FAILED)) is None
    assert [o.status for o in tracker.outcomes()] == [OutcomeStatus.FAILED] * 2
    decided = DeliveryTracker(ls)
    decided.sent(r)
    decided.on_result(result_for(r, {b.bericht_id: C.VERWERKT for b in ls}))
    assert decided.on_event(DeliveryEvent("m1", EventType.FAILED)) is None
    assert [o.status for o in decided.outcomes()] == [OutcomeStatus.DELIVERED] * 2


def test_a_resend_counts_per_batch():
    ls = letters(1)
    tracker = DeliveryTracker(ls, max_resends=1)
    r = receipt([ls[0].bericht_id])
    tracker.sent(r)
    assert tracker.on_event(DeliveryEvent("m1", EventType.FAILED)) is not None
    tracker.resent(r.resent("m2", FIXED_NOW))
    assert tracker.receipt_for_message("m2").message_id == "m2"
    assert tracker.receipt_for_message("m1").message_id == "m2"  # the batch's current receipt
    assert tracker.on_event(DeliveryEvent("m2", EventType.FAILED)) is None  # 1 resend was the limit
    assert tracker.outcomes()[0].status is OutcomeStatus.FAILED


def test_results_decide_each_letter():
    ls = letters(6, "AANSL")
    tracker = DeliveryTracker(ls)
    r = receipt([b.bericht_id for b in ls])
    tracker.sent(r)
    codes = {
        ls[0].bericht_id: C.VERWERKT,
        ls[1].bericht_id: C.NIET_ACTIEF_OF_GEABONNEERD,
        ls[2].bericht_id: C.BERICHT_BESTAAT_AL,
        ls[3].bericht_id: C.TECHNISCH_PROBLEEM,
        ls[4].bericht_id: C.BIJLAGE_TE_GROOT,
    }
    assert tracker.on_result(result_for(r, codes)) is True
    out = tracker.outcomes()
    assert [(o.status, o.code) for o in out] == [
        (OutcomeStatus.DELIVERED, C.VERWERKT),
        (OutcomeStatus.PAPER, C.NIET_ACTIEF_OF_GEABONNEERD),
        (OutcomeStatus.FAILED, C.BERICHT_BESTAAT_AL),  # not resent, ids not stable: a real clash
        (OutcomeStatus.FAILED, C.TECHNISCH_PROBLEEM),
        (OutcomeStatus.FAILED, C.BIJLAGE_TE_GROOT),
        (OutcomeStatus.PENDING, None),  # no answer for it
    ]
    assert out[1].detail == (
        "Logius answered NietActiefOfGeabonneerd: no active Berichtenbox, or no subscription to AANSL from this sender"
    )
    assert out[0].detail is None
    assert tracker.open is True  # the letter without an answer still waits


def test_a_letter_without_an_answer_does_not_stop_the_others():
    ls = letters(3)
    tracker = DeliveryTracker(ls)
    r = receipt([b.bericht_id for b in ls])
    tracker.sent(r)
    tracker.on_result(result_for(r, {ls[1].bericht_id: C.VERWERKT, ls[2].bericht_id: C.BIJLAGE_TE_GROOT}))
    assert [(o.status, o.code) for o in tracker.outcomes()] == [
        (OutcomeStatus.PENDING, None),
        (OutcomeStatus.DELIVERED, C.VERWERKT),
        (OutcomeStatus.FAILED, C.BIJLAGE_TE_GROOT),
    ]


def test_a_result_for_another_batch_is_left_alone():
    ls = letters(1)
    tracker = DeliveryTracker(ls)
    tracker.sent(receipt([ls[0].bericht_id]))
    other = receipt([ls[0].bericht_id])
    assert tracker.on_result(result_for(other, {ls[0].bericht_id: C.VERWERKT})) is False
    assert tracker.outcomes()[0].status is OutcomeStatus.PENDING


def test_bericht_bestaat_al_after_a_resend_or_with_stable_ids_is_delivered():
    ls = letters(2)
    resent = DeliveryTracker(ls)
    r = receipt([b.bericht_id for b in ls], attempts=2)
    resent.sent(r)
    resent.on_result(result_for(r, {b.bericht_id: C.BERICHT_BESTAAT_AL for b in ls}))
    assert [(o.status, o.detail) for o in resent.outcomes()] == [(OutcomeStatus.DELIVERED, None)] * 2
    stable = DeliveryTracker(ls, stable_ids=True)
    first = receipt([b.bericht_id for b in ls])
    stable.sent(first)
    stable.on_result(
        result_for(first, {ls[0].bericht_id: C.BERICHT_BESTAAT_AL, ls[1].bericht_id: C.VERWERKT})
    )
    out = stable.outcomes()
    assert [(o.status, o.detail) for o in out] == [
        (OutcomeStatus.DELIVERED, ALREADY_DELIVERED),
        (OutcomeStatus.DELIVERED, None),
    ]
    assert out[0].already_delivered is True


def test_a_later_answer_never_undoes_a_delivery_and_nil_answers_stand_for_the_batch():
    ls = letters(3)
    tracker = DeliveryTracker(ls)
    r = receipt([b.bericht_id for b in ls])
    tracker.sent(r)
    tracker.on_result(result_for(r, {ls[0].bericht_id: C.VERWERKT}))
    tracker.on_result(result_for(r, {NIL_GUID: C.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT}))
    out = tracker.outcomes()
    assert [(o.status, o.code) for o in out] == [
        (OutcomeStatus.DELIVERED, C.VERWERKT),
        (OutcomeStatus.FAILED, C.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT),
        (OutcomeStatus.FAILED, C.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT),
    ]
    assert tracker.open is False
    assert [o.bsn.value for o in out] == [TEST_BSNS[0], TEST_BSNS[1], TEST_BSNS[2]]
