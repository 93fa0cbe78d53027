"""The ebms-core REST API v19 subset: every endpoint, its JSON shapes, errors and status values."""

from __future__ import annotations

import email.policy
import json
import uuid
from datetime import UTC, datetime
from email.parser import BytesParser

import httpx
import pytest

from mobb_sdk import ConfigurationError, to_xml
from mobb_sdk.simulator import (
    BB_SERVICE,
    DEFAULT_CPA_ID,
    DEFAULT_SENDER_OIN,
    LOGIUS_PARTY_ID,
    MESSAGE_STATUSES,
    RESULT_ACTION,
    Clock,
    Operation,
    Simulator,
)

from .simulator_support import (
    ANNA,
    EBMS,
    batch,
    letter,
    payload_of,
    result_ids,
    send,
    send_body,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_send_then_message_shapes(client):
    b = batch(letter(ANNA))
    sent = send(client, b)
    assert sent.endswith("@127.0.0.1")  # the host of the sender's endpoint in the CPA, as ebms-core
    got = client.get(f"/ebms/messages/{sent}").json()
    props = got["properties"]
    assert props["cpaId"] == DEFAULT_CPA_ID
    assert props["fromParty"] == {"partyId": DEFAULT_SENDER_OIN.party_id, "role": "SR"}
    assert props["toParty"] == {"partyId": LOGIUS_PARTY_ID, "role": "SP"}
    assert props["service"] == BB_SERVICE
    assert props["conversationId"] == str(b.batch_id)
    assert props["messageStatus"] == "DELIVERED"
    assert "refToMessageId" not in props
    datetime.fromisoformat(props["timestamp"])
    assert got["dataSources"][0]["contentType"] == "text/xml"
    assert got["dataSources"][0]["name"] == "batch.xml"

    [result] = result_ids(client)
    props = client.get(f"/ebms/messages/{result}").json()["properties"]
    assert props["action"] == RESULT_ACTION
    assert props["fromParty"] == {"partyId": LOGIUS_PARTY_ID, "role": "SP"}
    assert props["toParty"] == {"partyId": DEFAULT_SENDER_OIN.party_id, "role": "SR"}
    assert props["conversationId"] == str(b.batch_id)
    assert props["refToMessageId"] == sent
    assert props["messageStatus"] == "RECEIVED"


def test_client_chosen_message_id_and_duplicate(client):
    body = send_body(b"<x/>", messageId="mine-1")
    # ebms-core appends "@" and the host of the sender's endpoint in the CPA to a chosen id too.
    assert client.post("/ebms/messages", json=body).text == "mine-1@127.0.0.1"
    again = client.post("/ebms/messages", json=body)
    # ebms-core's database refuses the duplicate key: a 500 with the exception's text.
    assert again.status_code == 500
    assert again.headers["content-type"].startswith("text/plain")
    assert "already exists" in again.text


def test_a_json_data_source_without_content_id_gets_a_uuid(client):
    sent = client.post("/ebms/messages", json=send_body(b"<x/>"))
    (source,) = client.get(f"/ebms/messages/{sent.text}").json()["dataSources"]
    assert uuid.UUID(source["contentId"])  # ebms-core's EbMSMessageFactory names it so


def test_without_a_conversation_id_the_message_id_is_the_new_conversation_s(client):
    body = send_body(b"<x/>")
    assert "conversationId" not in body["properties"]
    message_id = client.post("/ebms/messages", json=body).text
    shown = client.get(f"/ebms/messages/{message_id}").json()["properties"]
    assert message_id == f"{shown['conversationId']}@127.0.0.1"


def test_message_ids_carry_the_host_of_a_posted_cpa_s_sender_endpoint(client, sim):
    from mobb_sdk.cpa import CpaParty, generate_cpa

    cpa = generate_cpa(
        "cpa-host", CpaParty(DEFAULT_SENDER_OIN, "Gemeente", "http://msh.gemeente.example:8080/ebms")
    )
    assert client.post("/cpas", content=cpa, headers={"Content-Type": "text/plain"}).status_code == 200
    body = send_body(b"<x/>")
    body["properties"]["cpaId"] = "cpa-host"
    sent = client.post("/ebms/messages", json=body)
    assert sent.status_code == 200 and sent.text.endswith("@msh.gemeente.example")
    again = client.put(f"/ebms/messages/{sent.text}")
    assert (
        again.status_code == 200 and again.text.endswith("@msh.gemeente.example") and again.text != sent.text
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cpaId": "nope"}, "No CPA found for message.cpaId=nope"),
        ({"fromPartyId": "urn:osb:oin:00000099000000002000"}, "No CanSend action found for"),
        # a bare OIN does not match the CPA
        ({"fromPartyId": DEFAULT_SENDER_OIN.value}, "No CanSend action found for"),
        ({"toPartyId": "urn:osb:oin:00000099000000003000"}, "No CanReceive action found for"),
        ({"fromRole": "SP"}, "fromRole=SP"),
        ({"service": "urn:other"}, "service=urn:other"),
        ({"action": "GLOBE-R-A-Request"}, "action=GLOBE-R-A-Request"),
        ({"action": None}, "action=None"),
    ],
)
def test_send_validation_against_the_cpa_is_a_500_with_its_text(client, change, message):
    body = send_body(b"<x/>")
    body["properties"].update(change)
    response = client.post("/ebms/messages", json=body)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/plain")
    assert message in response.text
    assert client.get("/ebms/messages/unprocessed").json() == []  # nothing was stored


def test_send_without_cpa_id_is_refused_by_the_json_layer(client):
    body = send_body(b"<x/>")
    body["properties"]["cpaId"] = None
    refused = client.post("/ebms/messages", json=body)
    # Jackson cannot build the bean; CXF answers a bare 500 (checked against CXF: tests/test_cxf_wire.py).
    assert (refused.status_code, refused.content, refused.headers.get("Content-Type")) == (500, b"", None)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"properties": {}}',
        b'{"properties": {"cpaId": "x", "batchId": "y"}}',
        b'{"properties": {"cpaId": "x"}, "extra": 1}',
        b'{"properties": {"cpaId": {}}}',
    ],
)
def test_send_refuses_bad_json(client, body):
    refused = client.post("/ebms/messages", content=body, headers={"Content-Type": "application/json"})
    assert (refused.status_code, refused.content) == (500, b"")


def test_send_takes_json_only(client):
    body = json.dumps(send_body(b"<x/>")).encode()
    for headers in ({}, {"Content-Type": "text/plain"}):
        assert client.post("/ebms/messages", content=body, headers=headers).status_code == 415


@pytest.mark.parametrize("body", [b"", b"null"])
def test_send_of_no_request_fails_in_ebms_core(client, body):
    refused = client.post("/ebms/messages", content=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 500 and refused.headers["Content-Type"].startswith("text/plain")
    assert "messageRequest" in refused.text and "is null" in refused.text


def test_send_takes_numbers_where_text_goes_as_jackson_does(client, sim):
    b = batch(letter(ANNA))
    body = send_body(to_xml(b), conversation_id=str(b.batch_id))
    body["properties"]["refToMessageId"] = 12345
    sent = client.post("/ebms/messages", json=body)
    assert sent.status_code == 200, sent.text
    assert client.get(f"/ebms/messages/{sent.text}").json()["properties"]["refToMessageId"] == "12345"


@pytest.mark.parametrize(
    "sources",
    [
        [{"contentType": "text/xml", "content": "***"}],
        [{"contentType": "text/xml", "content": "PHgvPg"}],  # no padding
        [{"contentType": "text/xml", "content": 5}],
        [{"contentType": "text/xml"}],
        [{"content": "PHgvPg=="}],
        [{"contentType": "text/xml", "content": "PHgvPg==", "size": 4}],
        ["PHgvPg=="],
        {"contentType": "text/xml", "content": "PHgvPg=="},
    ],
)
def test_send_refuses_bad_data_sources(client, sources):
    body = send_body(b"<x/>")
    body["dataSources"] = sources
    refused = client.post("/ebms/messages", json=body)
    assert (refused.status_code, refused.content) == (500, b"")


@pytest.mark.parametrize(
    ("content", "expected"),
    [("PHgv\nPg==", b"<x/>"), (" PHgvPg==", b"<x/>"), ([60, 120, 47, 62], b"<x/>"), ([-1], b"\xff")],
)
def test_send_reads_content_as_jackson_does(client, sim, content, expected):
    body = send_body(b"<x/>")
    body["dataSources"][0]["content"] = content
    sent = client.post("/ebms/messages", json=body)
    assert sent.status_code == 200, sent.text
    assert payload_of(client, sent.text) == expected


@pytest.mark.parametrize("sources", [[], None])
def test_send_with_no_data_sources_is_accepted(client, sim, sources):
    body = send_body(b"<x/>")
    if sources is None:
        del body["dataSources"]
    else:
        body["dataSources"] = sources
    response = client.post("/ebms/messages", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    got = client.get(f"/ebms/messages/{response.text}").json()
    assert got["dataSources"] == []
    # GLOBE gets an empty document: the batch is answered as unreadable (nil GUID).
    assert sim.inspect.batches()[-1].message_id == response.text


def test_resend_gives_new_id_same_conversation(client, sim):
    sent = send(client, batch(letter(ANNA)))
    resent = client.put(f"/ebms/messages/{sent}")
    assert resent.status_code == 200
    assert resent.text != sent
    old, new = (client.get(f"/ebms/messages/{m}").json()["properties"] for m in (sent, resent.text))
    assert old["conversationId"] == new["conversationId"]
    assert [m.resend_of for m in sim.inspect.sent_messages()] == [None, sent]
    assert client.put("/ebms/messages/unknown").status_code == 404
    [result] = result_ids(client, refToMessageId=sent)
    assert client.put(f"/ebms/messages/{result}").status_code == 404  # only sent messages are resent


def test_unprocessed_filters_and_max_nr(client, sim):
    first, second = send(client, batch(letter(ANNA))), send(client, batch(letter(ANNA)))
    other = sim.inject_message("SomethingElse", b"<other/>", conversation_id="c-other")
    everything = client.get("/ebms/messages/unprocessed").json()
    assert len(everything) == 3 and other in everything
    assert len(result_ids(client)) == 2
    assert len(result_ids(client, refToMessageId=first)) == 1
    assert client.get("/ebms/messages/unprocessed", params={"maxNr": 1}).json() == everything[:1]
    assert client.get("/ebms/messages/unprocessed", params={"action": "SomethingElse"}).json() == [other]
    assert client.get("/ebms/messages/unprocessed", params={"conversationId": "c-other"}).json() == [other]
    filters = {
        "cpaId": DEFAULT_CPA_ID,
        "fromPartyId": LOGIUS_PARTY_ID,
        "fromRole": "SP",
        "toPartyId": DEFAULT_SENDER_OIN.party_id,
        "toRole": "SR",
        "service": BB_SERVICE,
        "refToMessageId": second,
    }
    assert len(client.get("/ebms/messages/unprocessed", params=filters).json()) == 1
    assert client.get("/ebms/messages/unprocessed", params={"cpaId": "other"}).json() == []
    [result] = result_ids(client, refToMessageId=second)
    assert client.get("/ebms/messages/unprocessed", params={"messageId": result}).json() == [result]
    # ebms-core: maxNr absent or 0 is no limit; a value that is no integer fails the JAX-RS conversion.
    assert client.get("/ebms/messages/unprocessed", params={"maxNr": 0}).json() == everything
    assert client.get("/ebms/messages/unprocessed", params={"maxNr": 100}).json() == everything
    bad = client.get("/ebms/messages/unprocessed", params={"maxNr": "x"})
    assert bad.status_code == 404 and bad.content == b""
    assert client.get("/ebms/messages/unprocessed", params={"maxNr": "-1"}).status_code == 500
    # A role filters only together with its party.
    assert len(client.get("/ebms/messages/unprocessed", params={"toRole": "XX"}).json()) == 3
    with_party = {"toPartyId": DEFAULT_SENDER_OIN.party_id, "toRole": "XX"}
    assert client.get("/ebms/messages/unprocessed", params=with_party).json() == []


def test_patch_and_process_true_mark_processed(client, sim):
    send(client, batch(letter(ANNA)))
    send(client, batch(letter(ANNA)))
    first, second = result_ids(client)
    assert client.patch(f"/ebms/messages/{first}").status_code == 204
    assert client.patch(f"/ebms/messages/{first}").status_code == 204  # idempotent
    assert client.get(f"/ebms/messages/{first}").json()["properties"]["messageStatus"] == "PROCESSED"
    payload_of(client, second, process="true")
    assert result_ids(client) == []
    assert client.get(f"/ebms/messages/{second}").json()["properties"]["messageStatus"] == "PROCESSED"
    # ebms-core: 204 for any id, known or not, sent or received.
    assert client.patch("/ebms/messages/unknown").status_code == 204
    fetched = {m.message_id: m for m in sim.inspect.incoming_messages()}
    assert fetched[first].fetched == 1 and fetched[first].processed_at is not None
    assert fetched[second].fetched == 2


@pytest.mark.parametrize(
    ("value", "processes"), [("true", True), ("TRUE", True), ("maybe", False), ("1", False)]
)
def test_process_is_a_java_boolean(client, value, processes):
    send(client, batch(letter(ANNA)))
    [result] = result_ids(client)
    got = client.get(f"/ebms/messages/{result}", params={"process": value})
    assert got.status_code == 200
    assert got.json()["properties"]["messageStatus"] == ("PROCESSED" if processes else "RECEIVED")


def test_unknown_message_is_404_with_an_empty_body(client):
    for response in (
        client.get("/ebms/messages/nope"),
        client.get("/ebms/messages/nope", params={"process": "true"}),
        client.get("/ebms/messages/nope/status"),
        client.put("/ebms/messages/nope"),
        client.get("/ebms/messages/mtom/nope"),
    ):
        assert response.status_code == 404
        assert response.content == b""


def test_status_is_the_answer_of_logius_msh_not_the_local_status():
    sim = Simulator(clock=Clock(NOW), delivery_delay=5, result_delay=10)
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        sent = send(c, batch(letter(ANNA)))
        # Still CREATED here: Logius' MSH does not know it yet.
        assert c.get(f"/ebms/messages/{sent}/status").json() == {"status": "NOT_RECOGNIZED"}
        sim.advance(5)
        body = c.get(f"/ebms/messages/{sent}/status").json()
        assert body["status"] == "RECEIVED"
        assert body["timestamp"].endswith("Z")
        sim.advance(10)  # GLOBE answered: Logius processed it
        assert c.get(f"/ebms/messages/{sent}/status").json()["status"] == "PROCESSED"
        [result] = result_ids(c)
        # A message Logius sent is not one it received.
        assert c.get(f"/ebms/messages/{result}/status").json() == {"status": "NOT_RECOGNIZED"}
        sim.faults.delivery_event("FAILED")
        failed = send(c, batch(letter(ANNA)))
        sim.advance(5)
        assert c.get(f"/ebms/messages/{failed}/status").json() == {"status": "NOT_RECOGNIZED"}
        msh = sim.inject_message("Acknowledgment", b"", service="urn:oasis:names:tc:ebxml-msg:service")
        refused = c.get(f"/ebms/messages/{msh}/status")
        assert refused.status_code == 500 and refused.text == f"Found MSH message {msh}"
        sim.peer_available = False
        silent = c.get(f"/ebms/messages/{sent}/status")
        assert silent.status_code == 500 and silent.text == "No response received!"
        assert c.get("/ebms/messages/nope/status").status_code == 404


def test_status_values_by_id_and_404(client, sim):
    # Statuses of incoming messages an application may meet, readable by id (GET, messageStatus).
    for status in ("UNAUTHORIZED", "NOT_RECOGNIZED", "FAILED", "FORWARDED", "RECEIVED"):
        mid = sim.inject_message("Other", b"<x/>", status=status)
        assert client.get(f"/ebms/messages/{mid}").json()["properties"]["messageStatus"] == status
    with pytest.raises(ValueError, match="unknown message status"):
        sim.inject_message("Other", b"<x/>", status="LOST")


def test_every_status_value_is_reachable():
    sim = Simulator(clock=Clock(NOW), delivery_delay=5)
    seen: set[str] = set()
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:

        def status(mid: str) -> str:
            value: str = c.get(f"/ebms/messages/{mid}").json()["properties"]["messageStatus"]
            seen.add(value)
            return value

        ok = send(c, batch(letter(ANNA)))
        assert status(ok) == "CREATED"
        sim.faults.delivery_event("FAILED")
        failed = send(c, batch(letter(ANNA)))
        sim.faults.delivery_event("EXPIRED")
        expired = send(c, batch(letter(ANNA)))
        sim.advance(5)
        assert (status(ok), status(failed), status(expired)) == ("DELIVERED", "DELIVERY_FAILED", "EXPIRED")
        [result] = result_ids(c)
        assert status(result) == "RECEIVED"
        c.patch(f"/ebms/messages/{result}")
        assert status(result) == "PROCESSED"
        for value in ("UNAUTHORIZED", "NOT_RECOGNIZED", "FAILED", "FORWARDED"):
            status(sim.inject_message("Other", b"<x/>", status=value))
    assert seen == MESSAGE_STATUSES


def test_events_filter_ack_and_types(client, sim):
    sent = send(client, batch(letter(ANNA)))
    sim.faults.delivery_event("FAILED")
    failed = send(client, batch(letter(ANNA)))
    [result] = result_ids(client)
    events = client.get("/ebms/events/unprocessed").json()
    assert {"messageId": sent, "type": "DELIVERED"} in events
    assert {"messageId": failed, "type": "FAILED"} in events
    assert {"messageId": result, "type": "RECEIVED"} in events
    only = client.get(
        "/ebms/events/unprocessed", params=[("eventTypes", "DELIVERED"), ("eventTypes", "FAILED")]
    ).json()
    assert {e["type"] for e in only} == {"DELIVERED", "FAILED"}
    # One comma-separated value is no enum name: the parameter conversion fails (404).
    joined = client.get("/ebms/events/unprocessed", params={"eventTypes": "DELIVERED,FAILED"})
    assert joined.status_code == 404
    repeated = client.get(
        "/ebms/events/unprocessed", params=[("eventTypes", "FAILED"), ("eventTypes", "EXPIRED")]
    )
    assert repeated.json() == [{"messageId": failed, "type": "FAILED"}]
    by_action = client.get("/ebms/events/unprocessed", params={"action": RESULT_ACTION}).json()
    assert by_action == [{"messageId": result, "type": "RECEIVED"}]
    assert len(client.get("/ebms/events/unprocessed", params={"maxNr": 1}).json()) == 1
    assert len(client.get("/ebms/events/unprocessed", params={"maxNr": 0}).json()) == len(events)
    assert client.get("/ebms/events/unprocessed", params={"eventTypes": "LOST"}).status_code == 404
    assert client.patch(f"/ebms/events/{sent}").status_code == 204
    remaining = client.get("/ebms/events/unprocessed").json()
    assert all(e["messageId"] != sent for e in remaining)
    assert client.patch("/ebms/events/unknown").status_code == 204
    acked = [e for e in sim.inspect.events() if e.processed_at is not None]
    assert [e.message_id for e in acked] == [sent]
    # Acknowledging the RECEIVED event of a result also marks the result message processed.
    assert client.patch(f"/ebms/events/{result}").status_code == 204
    assert result_ids(client) == []
    assert client.get(f"/ebms/messages/{result}").json()["properties"]["messageStatus"] == "PROCESSED"


def test_default_event_listener_stores_no_events():
    sim = Simulator(event_listener="DEFAULT")
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        send(c, batch(letter(ANNA)))
        sim.faults.delivery_event("FAILED")
        send(c, batch(letter(ANNA)))
        sim.inject_message("Other", b"<x/>")
        assert c.get("/ebms/events/unprocessed").json() == []
        assert len(result_ids(c)) == 1  # results still arrive as messages
    assert sim.inspect.events() == ()
    with pytest.raises(ConfigurationError, match=r"eventListener\.type"):
        Simulator(event_listener="JMS")


def test_ping(client, sim):
    path = f"/ebms/ping/{DEFAULT_CPA_ID}/from/{DEFAULT_SENDER_OIN.party_id}/to/{LOGIUS_PARTY_ID}"
    ok = client.post(path)
    assert ok.status_code == 204 and ok.content == b""
    unknown = client.post(f"/ebms/ping/nope/from/{DEFAULT_SENDER_OIN.party_id}/to/{LOGIUS_PARTY_ID}")
    assert unknown.status_code == 500 and unknown.text == "No CPA found for cpaId=nope"
    wrong = client.post(
        f"/ebms/ping/{DEFAULT_CPA_ID}/from/urn:osb:oin:00000099000000002000/to/{LOGIUS_PARTY_ID}"
    )
    assert wrong.status_code == 500 and "No fromParty found" in wrong.text
    sim.peer_available = False
    assert client.post(path).status_code == 500


def test_cpas(client):
    assert client.get("/cpas").json() == ["cpa-mobb-demo", "cpa-mobb-intermediair"]
    cpa = client.get(f"/cpas/{DEFAULT_CPA_ID}")
    assert cpa.status_code == 200
    assert cpa.headers["content-type"].startswith("text/plain")
    assert DEFAULT_SENDER_OIN.value in cpa.text and 'tp:cpaid="cpa-mobb-demo"' in cpa.text
    assert client.get("/cpas/nope").status_code == 404


def test_unknown_routes_and_methods(client, sim):
    assert client.get("/nothing/here").status_code == 404
    assert client.get("http://simulator.test/elsewhere").status_code == 404
    not_allowed = client.post("/ebms/messages/x")
    assert not_allowed.status_code == 405
    assert set(not_allowed.headers["allow"].split(", ")) == {"GET", "PUT", "PATCH"}
    assert client.get("/ebms/messages").status_code == 405
    assert client.get("http://simulator.test/wus/BerichtenboxValidatieService").status_code == 405
    operations = [r.operation for r in sim.inspect.requests()]
    assert operations[:2] == [Operation.OTHER, Operation.OTHER]


def test_result_delay_and_advance():
    sim = Simulator(clock=Clock(NOW), result_delay=60)
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        send(c, batch(letter(ANNA)))
        assert result_ids(c) == []
        assert [e["type"] for e in c.get("/ebms/events/unprocessed").json()] == ["DELIVERED"]
        assert sim.inspect.incoming_messages() == ()
        [pending] = sim.inspect.incoming_messages(include_pending=True)
        assert pending.status == "PENDING"
        assert c.get(f"/ebms/messages/{pending.message_id}").status_code == 404
        sim.advance(59)
        assert result_ids(c) == []
        sim.advance(1)
        assert result_ids(c) == [pending.message_id]
        record = sim.inspect.batches()[0]
        assert record.result is not None
        assert (record.result.datum_verwerkt - record.result.datum_ontvangen).total_seconds() == 60


def test_manual_results_until_process():
    sim = Simulator(result_delay=None)
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        send(c, batch(letter(ANNA)))
        sim.advance(10**6)
        assert result_ids(c) == []
        assert sim.process() == 1
        assert len(result_ids(c)) == 1


def test_async_client_works_in_process(sim):
    import asyncio

    async def main() -> list[str]:
        async with httpx.AsyncClient(transport=sim.transport(), base_url=EBMS) as c:
            body = send_body(b"<x/>")
            sent = await c.post("/ebms/messages", json=body)
            assert sent.status_code == 200
            ids = await c.get("/ebms/messages/unprocessed")
            result: list[str] = ids.json()
            return result

    assert len(asyncio.run(main())) == 1


def test_sent_message_inspection(client, sim):
    b = batch(letter(ANNA), letter(ANNA))
    sent = send(client, b)
    [record] = sim.inspect.sent_messages()
    assert record.message_id == sent
    assert record.batch_id == b.batch_id
    assert record.bericht_ids == b.bericht_ids
    assert record.status == "DELIVERED"
    assert record.payload_size > 500
    assert record.client_oin is None


def test_keep_payloads_off_drops_each_payload_after_processing():
    sim = Simulator(keep_payloads=False)
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        message_id = send(c, batch(letter(ANNA)))
        [result] = result_ids(c)
        assert result
        shown = c.get(f"/ebms/messages/{message_id}").json()
        assert all(source["content"] == "" for source in shown["dataSources"])
        assert c.put(f"/ebms/messages/{message_id}").status_code == 404


def test_mtom_send_and_get(client, sim):
    b = batch(letter(ANNA))
    props = send_body(b"")["properties"] | {"conversationId": str(b.batch_id)}
    boundary = "mobb-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="requestProperties"\r\n'
            "Content-Type: application/json\r\n\r\n"
            f"{json.dumps(props)}\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="attachment"; filename="batch.xml"\r\n'
            "Content-Type: text/xml\r\n"
            "Content-ID: <batch@mobb>\r\n\r\n"
        ).encode()
        + to_xml(b)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    sent = client.post(
        "/ebms/messages/mtom",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert sent.status_code == 200 and sent.headers["content-type"].startswith("text/plain")
    [record] = [r for r in sim.inspect.batches() if r.message_id == sent.text]
    assert record.batch_id == b.batch_id  # GLOBE got the attachment as the batch
    as_json = client.get(f"/ebms/messages/{sent.text}").json()
    assert as_json["dataSources"][0]["contentId"] == "batch@mobb"
    got = client.get(f"/ebms/messages/mtom/{sent.text}")
    assert got.status_code == 200 and got.headers["content-type"].startswith("multipart/form-data")
    head = f"Content-Type: {got.headers['content-type']}\r\n\r\n".encode()
    parts = list(BytesParser(policy=email.policy.HTTP).parsebytes(head + got.content).iter_parts())
    assert [p.get_content_type() for p in parts] == ["application/json", "text/xml"]
    assert json.loads(parts[0].get_payload(decode=True))["messageId"] == sent.text
    assert parts[1]["Content-ID"] == "<batch@mobb>"
    assert parts[1].get_payload(decode=True) == to_xml(b)
    # Wrong media type, or no requestProperties part.
    assert client.post("/ebms/messages/mtom", json=props).status_code == 415
    only_attachment = body.replace(b'name="requestProperties"', b'name="other"')
    refused = client.post(
        "/ebms/messages/mtom",
        content=only_attachment,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert refused.status_code == 400


def test_json_instants_end_in_z_and_nulls_are_left_out(client):
    sent = send(client, batch(letter(ANNA)))
    props = client.get(f"/ebms/messages/{sent}").json()["properties"]
    assert props["timestamp"].endswith("Z") and "+" not in props["timestamp"]
    assert None not in props.values() and "refToMessageId" not in props


@pytest.mark.parametrize("listener", ["DAO", "DEFAULT"])
def test_mobb_simulator_serve_plays_the_chosen_event_listener(monkeypatch, listener):
    from click.testing import CliRunner

    from mobb_sdk.cli import _serve, main

    served: list[Simulator] = []
    monkeypatch.setattr(_serve, "serve_forever", lambda simulator, **kw: served.append(simulator))
    done = CliRunner().invoke(main, ["simulator", "serve", "--port", "0", "--event-listener", listener])
    assert done.exit_code == 0, done.output
    assert [s.event_listener for s in served] == [listener]
    assert CliRunner().invoke(main, ["simulator", "serve", "--event-listener", "JMS"]).exit_code == 2
