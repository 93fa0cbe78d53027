"""GLOBE's processing: every VerwerkingsCode produced by the rule it belongs to, with the counters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lxml import etree

from mobb_sdk import NIL_GUID, Bijlage, VerwerkingsCode, make_pdf, to_xml
from mobb_sdk.simulator import DEFAULT_SENDER_OIN, EBMS_PREFIX, Clock, Person, Sender, Simulator, World

from .simulator_support import (
    ANNA,
    BRAM,
    DEWI,
    EBMS,
    GERRIT,
    HANNA,
    ILSE,
    batch,
    codes,
    letter,
    result_for,
    send,
)

C = VerwerkingsCode
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
INTERMEDIAIR = "00000099000000002000"
WATERSCHAP = "00000099000000003000"


@pytest.fixture
def fixed() -> Simulator:
    return Simulator(clock=Clock(NOW))


@pytest.fixture
def fixed_client(fixed: Simulator):
    with httpx.Client(transport=fixed.transport(), base_url=EBMS) as c:
        yield c


def test_verwerkt_with_counters_and_stadium(client, sim):
    b = batch(letter(ANNA), letter(BRAM, "BELAST"))
    result = result_for(client, send(client, b))
    assert result.batch_id == b.batch_id
    assert result.berichtleverancier_code == DEFAULT_SENDER_OIN.value
    assert codes(result) == ["Verwerkt", "Verwerkt"]
    assert [r.bericht_id for r in result.berichten] == list(b.bericht_ids)
    assert all(r.stadium == "NA" for r in result.berichten)
    assert (result.totaal_aantal_ontvangen, result.aantal_succesvol_verwerkt) == (2, 2)
    assert result.volledig_verwerkt
    assert {x.bericht_id for x in sim.inspect.letters()} == set(b.bericht_ids)
    assert [x.bsn.value for x in sim.inspect.letters(ANNA)] == [ANNA]


def test_xsd_failure_answers_nil_guid_and_echoes_batch_id(client, sim):
    b = batch(letter(ANNA), letter(BRAM))
    tree = etree.fromstring(to_xml(b))
    onderwerp = tree.find(".//{*}Onderwerp")
    assert onderwerp is not None
    onderwerp.text = "x" * 51  # BER-05 is an XSD rule
    result = result_for(client, send(client, etree.tostring(tree)))
    assert codes(result) == ["XmlValidatieTegenXsdValtNegatiefUit"]
    assert result.berichten[0].bericht_id == NIL_GUID
    assert result.batch_id == b.batch_id
    assert result.totaal_aantal_ontvangen == 2
    assert result.aantal_succesvol_verwerkt == 0
    record = sim.inspect.batches()[0]
    assert {v.rule for v in record.violations} == {"BER-05"}
    assert sim.inspect.bericht_ids_stored() == frozenset()


def test_unreadable_payload_answers_nil_batch_and_request_conversation(client):
    message_id = send(client, b"this is not XML", conversation_id="conv-1")
    ids = client.get("/ebms/messages/unprocessed", params={"conversationId": "conv-1"}).json()
    assert len(ids) == 1
    result = result_for(client, message_id)
    assert result.batch_id == NIL_GUID
    assert codes(result) == ["XmlValidatieTegenXsdValtNegatiefUit"]
    assert result.totaal_aantal_ontvangen == 0


def test_oin_not_in_cpa(client):
    b = batch(letter(ANNA), afzender="00000099000000009000")
    result = result_for(client, send(client, b))
    assert codes(result) == ["OinInCPAKomtNietOvereenMetOinInBericht"]
    assert result.berichten[0].bericht_id == NIL_GUID
    assert result.batch_id == b.batch_id
    assert C.OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT.rule == "BATCH-05"


def test_intermediary_may_deliver_for_its_client_only(client):
    mine = batch(letter(ILSE, "WSBELAST"), afzender=WATERSCHAP)
    sent = send(client, mine, cpa_id="cpa-mobb-intermediair", from_party=f"urn:osb:oin:{INTERMEDIAIR}")
    assert codes(result_for(client, sent)) == ["Verwerkt"]
    other = batch(letter(ANNA), afzender=DEFAULT_SENDER_OIN.value)
    sent = send(client, other, cpa_id="cpa-mobb-intermediair", from_party=f"urn:osb:oin:{INTERMEDIAIR}")
    assert codes(result_for(client, sent)) == ["OinInCPAKomtNietOvereenMetOinInBericht"]


def test_aanmaak_datum_too_old_refuses_every_letter(fixed, fixed_client):
    b = batch(letter(ANNA), letter(BRAM), aanmaak_datum=NOW - timedelta(days=13, seconds=1))
    result = result_for(fixed_client, send(fixed_client, b))
    assert codes(result) == ["AanmaakDatumLigtTeVerInHetVerleden"] * 2
    assert [r.bericht_id for r in result.berichten] == list(b.bericht_ids)
    assert result.aantal_aanmaak_datum_niet_correct == 2
    assert result.aantal_succesvol_verwerkt == 0
    # 13 days exactly is still inside the window.
    ok = batch(letter(ANNA), aanmaak_datum=NOW - timedelta(days=13))
    assert codes(result_for(fixed_client, send(fixed_client, ok))) == ["Verwerkt"]


def test_per_letter_codes_by_their_rules(fixed, fixed_client):
    big = Bijlage.from_bytes(make_pdf("groot", pad_to=500_001), "Te groot")
    berichten = [
        letter(ANNA),  # Verwerkt
        letter(BRAM, "ONBEKEND"),  # BER-02
        letter(ANNA, publicatie_datum=NOW + timedelta(days=13, seconds=1)),  # BER-03
        letter(ANNA, publicatie_datum=NOW + timedelta(days=13)),  # inside the window
        letter(ANNA, bijlagen=[big]),  # BIJ-03
        letter(GERRIT),  # ABO-01: no subscription
        letter(HANNA),  # ABO-01: no active box
        letter(DEWI, "BELAST"),  # ABO-01: subscribed to WOZ only
        letter("999900122"),  # not a person of the world
    ]
    result = result_for(fixed_client, send(fixed_client, batch(*berichten)))
    assert codes(result) == [
        "Verwerkt",
        "BerichtTypeNietOndersteund",
        "PublicatieDatumLigtTeVerInDeToekomst",
        "Verwerkt",
        "BijlageTeGroot",
        "NietActiefOfGeabonneerd",
        "NietActiefOfGeabonneerd",
        "NietActiefOfGeabonneerd",
        "NietActiefOfGeabonneerd",
    ]
    assert result.totaal_aantal_ontvangen == 9
    assert result.aantal_succesvol_verwerkt == 2
    assert result.aantal_bericht_type_niet_correct == 1
    assert result.aantal_publicatie_datum_niet_correct == 1
    assert result.aantal_geen_actieve_box_of_geabonneerd == 4
    assert result.aantal_technisch_probleem == 0
    for line in result.berichten:
        rule = line.verwerkings_code.rule
        assert rule is None or rule in {"BER-02", "BER-03", "BIJ-03", "ABO-01"}


def test_bericht_bestaat_al_across_batches_and_on_resend(client, sim):
    first = letter(ANNA)
    b = batch(first)
    sent = send(client, b)
    assert codes(result_for(client, sent)) == ["Verwerkt"]
    # RES-04: a resend of the same batch with the same ids answers BerichtBestaatAl.
    resent = client.put(f"/ebms/messages/{sent}").text
    assert codes(result_for(client, resent)) == ["BerichtBestaatAl"]
    again = batch(first, letter(BRAM))
    assert codes(result_for(client, send(client, again))) == ["BerichtBestaatAl", "Verwerkt"]
    assert sim.inspect.bericht_ids_received()[first.bericht_id] == 3
    assert first.bericht_id in sim.inspect.bericht_ids_stored()


def test_bericht_bestaat_al_is_checked_first(client):
    stored = letter(ANNA)
    send(client, batch(stored))
    twin = letter(GERRIT, "ONBEKEND", bericht_id=stored.bericht_id)
    assert codes(result_for(client, send(client, batch(twin)))) == ["BerichtBestaatAl"]


def test_duplicate_id_within_one_batch(client):
    one = letter(ANNA)
    twin = letter(BRAM, bericht_id=one.bericht_id)
    tree = etree.fromstring(to_xml(batch(one, letter(BRAM))))
    ids = tree.findall(".//{*}BerichtID")
    ids[1].text = str(twin.bericht_id)
    sent = send(client, etree.tostring(tree))
    assert codes(result_for(client, sent)) == ["Verwerkt", "BerichtBestaatAl"]


def test_refused_letter_is_not_stored_so_it_can_be_sent_again(client, sim):
    refused = letter(GERRIT)
    assert codes(result_for(client, send(client, batch(refused)))) == ["NietActiefOfGeabonneerd"]
    sim.subscribe(GERRIT, DEFAULT_SENDER_OIN, "WOZ")
    assert codes(result_for(client, send(client, batch(refused)))) == ["Verwerkt"]


def test_technisch_probleem_injected(client, sim):
    unstored, stored = letter(ANNA), letter(BRAM)
    sim.faults.technisch_probleem(unstored.bericht_id)
    sim.faults.technisch_probleem(stored.bericht_id, stadium="ValidatieGebruiker", stored=True)
    b = batch(unstored, stored, letter(ANNA))
    sent = send(client, b)
    result = result_for(client, sent)
    assert codes(result) == ["TechnischProbleem", "TechnischProbleem", "Verwerkt"]
    assert [r.stadium for r in result.berichten] == ["StoreMessage", "ValidatieGebruiker", "NA"]
    assert result.aantal_technisch_probleem == 2
    assert C.TECHNISCH_PROBLEEM.is_retryable
    resent = client.put(f"/ebms/messages/{sent}").text
    assert codes(result_for(client, resent)) == ["Verwerkt", "BerichtBestaatAl", "BerichtBestaatAl"]


def test_every_code_is_produced(fixed, fixed_client):
    # A summary over the tests above: each of the ten codes comes out of the simulator.
    seen: set[VerwerkingsCode] = set()
    stored = letter(ANNA)
    technisch = letter(ANNA)
    fixed.faults.technisch_probleem(technisch.bericht_id)
    big = Bijlage.from_bytes(make_pdf("groot", pad_to=500_001), "Te groot")
    batches = [
        batch(stored),
        batch(
            stored,
            technisch,
            letter(ANNA, "ONBEKEND"),
            letter(ANNA, publicatie_datum=NOW + timedelta(days=20)),
            letter(ANNA, bijlagen=[big]),
            letter(GERRIT),
        ),
        batch(letter(ANNA), aanmaak_datum=NOW - timedelta(days=14)),
        batch(letter(ANNA), afzender=WATERSCHAP),
    ]
    for b in batches:
        seen.update(r.verwerkings_code for r in result_for(fixed_client, send(fixed_client, b)).berichten)
    seen.update(r.verwerkings_code for r in result_for(fixed_client, send(fixed_client, b"<x/>")).berichten)
    assert seen == set(VerwerkingsCode)


def test_gebruiker_id_failing_elfproef_is_nobodys_box(client):
    tree = etree.fromstring(to_xml(batch(letter(ANNA))))
    gebruiker = tree.find(".//{*}GebruikerID")
    assert gebruiker is not None
    gebruiker.text = "123456789"  # passes the XSD, fails the elfproef (BER-09)
    assert codes(result_for(client, send(client, etree.tostring(tree)))) == ["NietActiefOfGeabonneerd"]


def test_readable_by_xsd_but_not_by_python_is_a_technical_problem(client):
    tree = etree.fromstring(to_xml(batch(letter(ANNA))))
    info = tree.find(".//{*}BerichtInformatie")
    assert info is not None
    publicatie = etree.Element(info[0].tag.replace("BatchID", "PublicatieDatum"))
    publicatie.text = "12026-11-28T10:00:00Z"  # valid xs:dateTime, a year Python cannot hold
    info.insert(3, publicatie)
    result = result_for(client, send(client, etree.tostring(tree)))
    assert codes(result) == ["TechnischProbleem"]
    assert result.berichten[0].stadium == "ValidatieBericht"


def test_bbo_mode_delivers_without_subscription():
    world = World.default()
    bbo = World(world.senders, world.persons, enforce_subscriptions=False)
    sim = Simulator(bbo)
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        result = result_for(c, send(c, batch(letter(GERRIT), letter(HANNA))))
    assert codes(result) == ["Verwerkt", "NietActiefOfGeabonneerd"]


def test_world_changes_apply_to_next_batch(client, sim):
    sim.add_sender(Sender(DEFAULT_SENDER_OIN, {"WOZ", "HOND"}, "Gemeente Demo", "cpa-mobb-demo"))
    sim.add_person(Person("999900122", "Kees", True, {DEFAULT_SENDER_OIN.value: ["HOND"]}))
    b = batch(letter("999900122", "HOND"), letter(ANNA, "BELAST"))
    assert codes(result_for(client, send(client, b))) == ["Verwerkt", "BerichtTypeNietOndersteund"]
    sim.unsubscribe("999900122", DEFAULT_SENDER_OIN)
    assert codes(result_for(client, send(client, batch(letter("999900122", "HOND"))))) == [
        "NietActiefOfGeabonneerd"
    ]


def test_oversized_batch_fails_delivery():
    sim = Simulator(max_batch_bytes=2_000)
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        message_id = send(c, batch(*(letter(ANNA) for _ in range(10))))
        assert (
            c.get(f"/ebms/messages/{message_id}").json()["properties"]["messageStatus"] == "DELIVERY_FAILED"
        )
        assert c.get("/ebms/events/unprocessed").json() == [{"messageId": message_id, "type": "FAILED"}]
        assert c.get("/ebms/messages/unprocessed").json() == []
    record = sim.inspect.batches()[0]
    assert record.result is None
    assert record.reason is not None and "BATCH-02" in record.reason


def test_result_is_xsd_valid_and_counts_processing_time(client, sim):
    from mobb_sdk import validate

    send(client, batch(letter(ANNA), letter(GERRIT)))
    record = sim.inspect.batches()[0]
    assert record.result is not None
    assert validate(to_xml(record.result)).ok
    assert record.processing_seconds > 0
    assert sim.inspect.results() == (record.result,)
    assert uuid.UUID(str(record.batch_id)) == record.result.batch_id


def test_store_makes_a_letter_already_there(client, sim):
    first, second = letter(ANNA), letter(BRAM)
    sim.store(first.bericht_id)
    assert codes(result_for(client, send(client, batch(first, second)))) == ["BerichtBestaatAl", "Verwerkt"]
    assert sim.inspect.bericht_ids_stored() >= {first.bericht_id, second.bericht_id}


def test_send_hooks_see_and_may_change_each_delivery(client, sim):
    seen: list[str] = []

    def hook(request: httpx.Request) -> httpx.Request:
        seen.append(request.url.path)
        return request

    sim.on_send(hook)
    send(client, batch(letter(ANNA)))
    send(client, batch(letter(BRAM)))
    assert seen == [f"{EBMS_PREFIX}/ebms/messages"] * 2
