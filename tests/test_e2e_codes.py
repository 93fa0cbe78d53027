"""End to end, every VerwerkingsCode: produced by its rule in the simulator, mapped to the right Outcome.

Each test runs four ways (the ``harness`` fixture: {Client, AsyncClient} × {in-process, served}). Where
the client's own rules would refuse a letter before Logius sees it, the test shows that refusal too, and
then reaches the simulator's check in a legitimate way: a client whose local profile lacks the check
(no active BerichtTypes configured, a sender OIN outside the CPA), a simulator clock that differs from
the client's, or a payload sent through ``send_payload``, which checks only the size.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mobb_sdk import NIL_GUID, OutcomeStatus, VerwerkingsCode, make_pdf, to_xml
from mobb_sdk.simulator import Clock, Simulator
from tests import e2e_harness as e2e
from tests.e2e_harness import (
    ANNA,
    BRAM,
    COR,
    DEWI,
    EVA,
    FATIMA,
    GERRIT,
    HANNA,
    JOOST,
    WATERSCHAP,
    assert_ids_reused,
    assert_stored_once,
    hand_overs,
    letter,
    letters,
    make_batch,
    outcome_of,
    requests_of,
    sole_batch,
)

harness = e2e.harness

C = VerwerkingsCode
S = OutcomeStatus
DAY = 24 * 3600


def statuses(outcomes):
    return [(o.status, o.code) for o in outcomes]


def test_verwerkt_and_paper_after_the_subscription_check(harness):
    client = harness.client()
    sent = [*letters(ANNA, BRAM, GERRIT, HANNA, DEWI), letter(EVA, "BELAST")]
    outcomes = client.deliver(sent, deadline=60, poll_interval=5)
    assert [o.bericht_id for o in outcomes] == [b.bericht_id for b in sent]
    assert statuses(outcomes) == [
        (S.DELIVERED, C.VERWERKT),
        (S.DELIVERED, C.VERWERKT),
        (S.PAPER, None),  # no subscription: never sent (ABO-01)
        (S.PAPER, None),  # no active box
        (S.DELIVERED, C.VERWERKT),
        (S.DELIVERED, C.VERWERKT),
    ]
    # One WUS call per BerichtType; only the letters that may be sent went out.
    assert [c.bericht_type for c in harness.sim.inspect.wus_calls()] == ["WOZ", "BELAST"]
    delivered = {o.bericht_id for o in outcomes if o.status is S.DELIVERED}
    assert {x.bericht_id for x in harness.sim.inspect.letters()} == delivered
    assert set(harness.sim.inspect.bericht_ids_received()) == delivered
    assert harness.time.sleeps == []  # the result was there at the first poll
    assert_ids_reused(harness.sim)
    assert_stored_once(harness.sim)


def test_niet_actief_of_geabonneerd_without_the_subscription_check(harness):
    client = harness.client()
    sent = [letter(GERRIT), letter(HANNA), letter(JOOST), letter(EVA), letter(ANNA)]
    outcomes = client.deliver(sent, deadline=60, check_subscriptions=False)
    assert statuses(outcomes) == [(S.PAPER, C.NIET_ACTIEF_OF_GEABONNEERD)] * 4 + [(S.DELIVERED, C.VERWERKT)]
    assert outcomes[0].action == "send the letter on paper"
    assert harness.sim.inspect.wus_calls() == ()
    assert {x.bericht_id for x in harness.sim.inspect.letters()} == {sent[-1].bericht_id}
    assert_stored_once(harness.sim)


def test_bericht_type_niet_ondersteund(harness):
    # Configured with the active BerichtTypes, the client refuses the letter itself (BER-02).
    strict = harness.client(active_bericht_types={"WOZ"})
    [refused] = strict.deliver([letter(ANNA, "PARKEER")], check_subscriptions=False)
    assert refused.status is S.REFUSED and {v.rule for v in refused.violations} == {"BER-02"}
    assert harness.sim.inspect.sent_messages() == ()
    # Without them only GLOBE knows the sender's active types.
    client = harness.client()
    sent = [letter(ANNA, "PARKEER"), letter(BRAM, "WOZ")]
    outcomes = client.deliver(sent, deadline=60, check_subscriptions=False)
    assert statuses(outcomes) == [(S.FAILED, C.BERICHT_TYPE_NIET_ONDERSTEUND), (S.DELIVERED, C.VERWERKT)]
    assert outcomes[0].action == C.BERICHT_TYPE_NIET_ONDERSTEUND.action
    assert {x.bericht_id for x in harness.sim.inspect.letters()} == {sent[1].bericht_id}


def test_publicatie_datum_ligt_te_ver_in_de_toekomst(harness):
    # Logius' clock is two days behind the client's.
    harness.sim = Simulator(clock=Clock(source=lambda: datetime.now(UTC) - timedelta(days=2)))
    client = harness.client()
    now = datetime.now(UTC)
    # Twenty days ahead the client refuses it itself (BER-03).
    [refused] = client.deliver([letter(ANNA, publicatie_datum=now + timedelta(days=20))])
    assert refused.status is S.REFUSED and {v.rule for v in refused.violations} == {"BER-03"}
    assert harness.sim.inspect.sent_messages() == ()
    # Twelve days ahead passes locally, but makes fourteen by GLOBE's clock.
    sent = [letter(ANNA, publicatie_datum=now + timedelta(days=12)), letter(BRAM)]
    outcomes = client.deliver(sent, deadline=60)
    assert statuses(outcomes) == [
        (S.FAILED, C.PUBLICATIE_DATUM_LIGT_TE_VER_IN_DE_TOEKOMST),
        (S.DELIVERED, C.VERWERKT),
    ]
    assert {x.bericht_id for x in harness.sim.inspect.letters()} == {sent[1].bericht_id}


def test_aanmaak_datum_ligt_te_ver_in_het_verleden(harness):
    client = harness.client()
    # The client stamps the batch now; Logius receives it fourteen days later by its own clock.
    harness.sim.advance(14 * DAY)
    outcomes = client.deliver(letters(ANNA, BRAM, COR), deadline=60)
    assert statuses(outcomes) == [(S.FAILED, C.AANMAAK_DATUM_LIGT_TE_VER_IN_HET_VERLEDEN)] * 3
    assert outcomes[0].action == "rebuild the batch with a current AanmaakDatum"
    [record] = harness.sim.inspect.batches()
    assert {v.rule for v in record.violations} == {"BATCH-04"}
    assert harness.sim.inspect.letters() == () and harness.sim.inspect.bericht_ids_stored() == frozenset()


def test_bericht_bestaat_al_after_our_own_resend_is_delivered(harness):
    sim = harness.sim
    # The first hand-over is stored and processed, but its answer is a 500 and its result never
    # comes; the client's retry of the same bytes is what GLOBE answers: BerichtBestaatAl (RES-04).
    sim.faults.fail_next("send", status=500, retry_after=1, applied=True)
    sim.faults.withhold_result()
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=60)
    assert statuses(outcomes) == [(S.DELIVERED, C.BERICHT_BESTAAT_AL)] * 2
    assert outcomes[0].action == "done: the letter is in the box"
    batch_id = sole_batch(outcomes)
    first, second = hand_overs(sim, batch_id)
    assert first.bericht_ids == second.bericht_ids == tuple(b.bericht_id for b in sent)
    assert [r.result.berichten[0].verwerkings_code for r in sim.inspect.batches()] == [
        C.VERWERKT,
        C.BERICHT_BESTAAT_AL,
    ]
    assert harness.time.sleeps[0] == 1.0  # the Retry-After
    assert_ids_reused(sim, {batch_id: first.bericht_ids})
    assert_stored_once(sim)


def test_bericht_bestaat_al_from_an_earlier_unrelated_run_fails(harness):
    sent = letters(ANNA, BRAM)
    first = harness.client().deliver(sent, deadline=60)
    assert statuses(first) == [(S.DELIVERED, C.VERWERKT)] * 2
    # Another run (a new client, a new batch) offers the same BerichtIDs: not ours to call delivered.
    again = harness.client().deliver(sent, deadline=60)
    assert statuses(again) == [(S.FAILED, C.BERICHT_BESTAAT_AL)] * 2
    assert again[0].action == C.BERICHT_BESTAAT_AL.action
    assert again[0].batch_id != first[0].batch_id
    assert_stored_once(harness.sim)
    assert len(harness.sim.inspect.letters()) == 2


def test_bijlage_te_groot(harness):
    client = harness.client()
    pdf = make_pdf("Aanslag", pad_to=300_000)  # two of them: 600,000 bytes together
    big = letter(ANNA, bijlagen=[pdf, pdf])
    small = letter(BRAM)
    # The client refuses the letter itself (BIJ-03) and sends only the other one.
    outcomes = client.deliver([big, small], deadline=60, check_subscriptions=False)
    assert outcomes[0].status is S.REFUSED and {v.rule for v in outcomes[0].violations} == {"BIJ-03"}
    assert outcomes[1].status is S.DELIVERED
    assert [m.bericht_ids for m in harness.sim.inspect.sent_messages()] == [(small.bericht_id,)]
    # Serialised elsewhere (the XSD does not limit the size) and handed over as it is, GLOBE refuses it.
    batch = make_batch([big, letter(COR)])
    receipt = client.send_payload(to_xml(batch, validate=True), batch.batch_id, batch.bericht_ids)
    collected = client.collect_results([receipt])
    assert collected.complete
    assert [collected.per_bericht[i].verwerkings_code for i in batch.bericht_ids] == [
        C.BIJLAGE_TE_GROOT,
        C.VERWERKT,
    ]
    assert statuses(outcome_of(batch.berichten, [receipt], collected)) == [
        (S.FAILED, C.BIJLAGE_TE_GROOT),
        (S.DELIVERED, C.VERWERKT),
    ]
    assert big.bericht_id not in harness.sim.inspect.bericht_ids_stored()


def test_oin_in_cpa_komt_niet_overeen_matched_by_batch_id(harness):
    # The sender OIN is a valid one the client accepts, but not linked to the CPA the party uses.
    client = harness.client(sender_oin=WATERSCHAP, party_oin=e2e.SENDER)
    sent = letters(ANNA, BRAM)
    outcomes = client.deliver(sent, deadline=60, check_subscriptions=False)
    assert statuses(outcomes) == [(S.FAILED, C.OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT)] * 2
    # GLOBE named no letter: one nil-GUID line, matched to the batch by its BatchID (RES-01).
    [record] = harness.sim.inspect.batches()
    assert [line.bericht_id for line in record.result.berichten] == [NIL_GUID]
    assert record.result.batch_id == sole_batch(outcomes)
    assert harness.sim.inspect.bericht_ids_stored() == frozenset()


def test_xml_validatie_nil_guid_matched_by_batch_id(harness):
    client = harness.client()
    batch = make_batch(letters(ANNA, BRAM))
    # A payload our models cannot even express (SoortGebruiker outside its enumeration) fails the XSD.
    payload = to_xml(batch).replace(b">Burger<", b">Bedrijf<", 1)
    receipt = client.send_payload(payload, batch.batch_id, batch.bericht_ids)
    collected = client.collect_results([receipt])
    assert collected.complete and collected.unknown == ()
    assert {r.verwerkings_code for r in collected.per_bericht.values()} == {
        C.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT
    }
    [result] = collected.results
    assert result.resultaat.batch_id == batch.batch_id
    assert [line.bericht_id for line in result.resultaat.berichten] == [NIL_GUID]
    assert (
        statuses(outcome_of(batch.berichten, [receipt], collected))
        == [(S.FAILED, C.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT)] * 2
    )
    assert harness.sim.inspect.bericht_ids_stored() == frozenset()


def test_unreadable_payload_result_is_matched_by_its_conversation(harness):
    # Regression: a payload that is not even XML makes GLOBE answer the nil GUID as BatchID too; the
    # result was reported as another batch's and the letters stayed pending for ever.
    client = harness.client()
    batch = make_batch(letters(ANNA))
    receipt = client.send_payload(to_xml(batch)[:150], batch.batch_id, batch.bericht_ids)
    collected = client.collect_results([receipt])
    [result] = collected.results
    assert result.resultaat.batch_id == NIL_GUID and result.batch_id == batch.batch_id
    assert collected.complete and collected.unknown == ()
    assert (
        collected.per_bericht[batch.bericht_ids[0]].verwerkings_code
        is C.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT
    )


def test_technisch_probleem_is_failed_and_never_resent_by_deliver(harness):
    sent = letters(ANNA, BRAM)
    harness.sim.faults.technisch_probleem(sent[0].bericht_id, stadium="StoreMessage")
    outcomes = harness.client().deliver(sent, deadline=60)
    assert statuses(outcomes) == [(S.FAILED, C.TECHNISCH_PROBLEEM), (S.DELIVERED, C.VERWERKT)]
    assert outcomes[0].action == C.TECHNISCH_PROBLEEM.action
    [record] = harness.sim.inspect.batches()
    assert record.result.berichten[0].stadium == "StoreMessage"
    assert len(harness.sim.inspect.sent_messages()) == 1 and requests_of(harness.sim, "resend") == []


def test_technisch_probleem_not_stored_then_a_resend_is_processed(harness):
    client = harness.client()
    batch = make_batch(letters(ANNA, BRAM))
    harness.sim.faults.technisch_probleem(batch.bericht_ids[0], stored=False)
    receipt = client.send(batch)
    first = client.collect_results([receipt])
    assert first.per_bericht[batch.bericht_ids[0]].verwerkings_code is C.TECHNISCH_PROBLEEM
    # Sure it was not stored, the sender resends the same message: same BatchID, same BerichtIDs.
    again = client.resend(receipt)
    assert again.batch_id == batch.batch_id and again.attempts == 2
    second = client.collect_results([again])
    assert [second.per_bericht[i].verwerkings_code for i in batch.bericht_ids] == [
        C.VERWERKT,
        C.BERICHT_BESTAAT_AL,
    ]
    assert statuses(outcome_of(batch.berichten, [again], second)) == [
        (S.DELIVERED, C.VERWERKT),
        (S.DELIVERED, C.BERICHT_BESTAAT_AL),  # after our own resend: already there
    ]
    first_send, resend = hand_overs(harness.sim, batch.batch_id)
    assert resend.resend_of == first_send.message_id
    assert_ids_reused(harness.sim, {batch.batch_id: batch.bericht_ids})
    assert_stored_once(harness.sim)
    assert len(harness.sim.inspect.letters()) == 2


def test_technisch_probleem_stored_anyway_then_a_resend_finds_it(harness):
    client = harness.client()
    batch = make_batch(letters(FATIMA))
    [bericht_id] = batch.bericht_ids
    harness.sim.faults.technisch_probleem(bericht_id, stored=True)
    receipt = client.send(batch)
    assert client.collect_results([receipt]).per_bericht[bericht_id].verwerkings_code is C.TECHNISCH_PROBLEEM
    again = client.resend(receipt)
    collected = client.collect_results([again])
    assert collected.per_bericht[bericht_id].verwerkings_code is C.BERICHT_BESTAAT_AL
    assert statuses(outcome_of(batch.berichten, [again], collected)) == [(S.DELIVERED, C.BERICHT_BESTAAT_AL)]
    assert harness.sim.inspect.bericht_ids_stored() == {bericht_id}
    assert_ids_reused(harness.sim, {batch.batch_id: batch.bericht_ids})
