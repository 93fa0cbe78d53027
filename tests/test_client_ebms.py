"""The ebms-core calls of Client and AsyncClient (every test runs against both) through a fake ebms-core."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mobb_sdk import (
    NIL_GUID,
    AsyncClient,
    BerichtResultaat,
    Client,
    ConnectionFailed,
    DeliveryEvent,
    EventType,
    HttpStatusError,
    MessageStatus,
    ProtocolError,
    ReceiptStatus,
    TransportError,
    TransportTimeout,
    ValidationError,
    VerwerkingsCode,
    VerwerkingsResultaat,
    from_xml,
)
from mobb_sdk import Batch as BatchModel
from tests.client_fakes import CPA_ID, EBMS_URL, FakeLogius, FakeTime, make_config, once, only, result_for
from tests.conftest import TEST_BSNS, TEST_OIN, make_batch


class Harness:
    """One client, sync or async, whose methods are all called the sync way."""

    def __init__(self, kind: str, fake: FakeLogius, **config: Any) -> None:
        self.kind = kind
        self.fake = fake
        self.time = FakeTime()
        cfg = make_config(**config)
        if kind == "sync":
            self.client: Any = Client(
                cfg, transport=fake.transport(), sleep=self.time.sleep, clock=self.time.clock
            )
        else:
            self.runner = asyncio.Runner()
            self.client = AsyncClient(
                cfg, transport=fake.transport(), sleep=self.time.asleep, clock=self.time.clock
            )

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if self.kind == "sync" or not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.runner.run(attr(*args, **kwargs))

        return call

    def close(self) -> None:
        if self.kind == "sync":
            self.client.close()
        else:
            self.runner.run(self.client.aclose())
            self.runner.close()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake() -> FakeLogius:
    return FakeLogius()


@pytest.fixture
def client(kind: str, fake: FakeLogius) -> Iterator[Harness]:
    h = Harness(kind, fake)
    yield h
    h.close()


def sends(fake: FakeLogius) -> list[httpx.Request]:
    return [r for r in fake.requests if r.method == "POST" and r.url.path.endswith("/ebms/messages")]


def payload_of(request: httpx.Request) -> bytes:
    return base64.b64decode(json.loads(request.content)["dataSources"][0]["content"])


# --- send ---------------------------------------------------------------------------------------------------


def test_send_posts_one_ebms_message_with_the_batch_as_text_xml(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(3)
    receipt = client.send(batch)
    (request,) = sends(fake)
    assert str(request.url) == f"{EBMS_URL}/ebms/messages"
    body = json.loads(request.content)
    assert body["properties"] == {
        "cpaId": CPA_ID,
        "fromPartyId": f"urn:osb:oin:{TEST_OIN.value}",
        "fromRole": "SR",
        "toPartyId": "urn:osb:oin:00000001822477348000",
        "toRole": "SP",
        "service": "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0",
        "action": "GLOBE-R-BV-Request",
        "conversationId": str(batch.batch_id),
    }
    assert body["dataSources"][0]["contentType"] == "text/xml"
    assert from_xml(payload_of(request), BatchModel) == batch
    assert receipt.message_id in fake.sent
    assert receipt.batch_id == batch.batch_id
    assert receipt.bericht_ids == batch.bericht_ids
    assert receipt.status is ReceiptStatus.SENT
    assert receipt.attempts == 1
    assert abs(receipt.sent_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_every_request_carries_finite_timeouts(client: Harness, fake: FakeLogius) -> None:
    client.send(make_batch(1))
    client.events()
    timeout = fake.requests[0].extensions["timeout"]
    assert set(timeout) == {"connect", "read", "write", "pool"}
    assert all(0 < v < float("inf") for v in timeout.values())
    assert all(r.extensions["timeout"] == timeout for r in fake.requests)


def test_an_invalid_batch_is_refused_locally_and_nothing_is_sent(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(2, aanmaak_datum=datetime.now(UTC) - timedelta(days=20))
    with pytest.raises(ValidationError) as info:
        client.send(batch)
    assert "BATCH-04" in info.value.rules
    assert fake.requests == []


def test_an_inactive_bericht_type_is_refused_locally(client: Harness, fake: FakeLogius) -> None:
    from tests.conftest import make_bericht

    batch = BatchModel(afzender=TEST_OIN, berichten=[make_bericht(0, bericht_type="ONBEKEND")])
    with pytest.raises(ValidationError) as info:
        client.send(batch)
    assert "BER-02" in info.value.rules
    assert fake.requests == []


def test_a_400_is_not_retried_and_names_the_batch_without_a_bsn(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(1)
    bsn = batch.berichten[0].bsn.value
    fake.fail.append(once(httpx.Response(400, text=f"bad request: GebruikerID {bsn} refused")))
    with pytest.raises(HttpStatusError) as info:
        client.send(batch)
    err = info.value
    assert err.status == 400
    assert not err.retryable
    assert err.batch_id == batch.batch_id
    assert err.bericht_ids == batch.bericht_ids
    assert bsn not in str(err)
    assert bsn not in err.body
    assert bsn[-4:] in err.body
    assert len(sends(fake)) == 1
    assert client.time.sleeps == []


def test_a_500_without_retry_after_is_not_retried(client: Harness, fake: FakeLogius) -> None:
    fake.fail.append(once(httpx.Response(500, text="boom")))
    with pytest.raises(HttpStatusError) as info:
        client.send(make_batch(1))
    assert info.value.status == 500
    assert len(sends(fake)) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_statuses_are_retried_with_the_same_ids(
    client: Harness, fake: FakeLogius, status: int
) -> None:
    batch = make_batch(2)
    fake.fail.extend([once(httpx.Response(status)), once(httpx.Response(status))])
    receipt = client.send(batch)
    posted = sends(fake)
    assert len(posted) == 3
    assert len({payload_of(r) for r in posted}) == 1  # RES-04: the very same BatchID and BerichtIDs
    assert receipt.attempts == 3
    assert receipt.batch_id == batch.batch_id
    # Full jitter: the n-th wait lies in [0, base * 2**(n-1)].
    assert len(client.time.sleeps) == 2
    assert 0 <= client.time.sleeps[0] <= 0.1
    assert 0 <= client.time.sleeps[1] <= 0.2


def test_retry_after_is_honoured(client: Harness, fake: FakeLogius) -> None:
    fake.fail.append(once(httpx.Response(500, headers={"Retry-After": "7"}, text="busy")))
    receipt = client.send(make_batch(1))
    assert receipt.attempts == 2
    assert client.time.sleeps == [7.0]


def test_retry_after_as_http_date(client: Harness, fake: FakeLogius) -> None:
    when = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    fake.fail.append(once(httpx.Response(503, headers={"Retry-After": when})))
    client.send(make_batch(1))
    assert 25 <= client.time.sleeps[0] <= 31


def test_connection_errors_are_retried(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(1)
    fake.fail.extend([once(httpx.ConnectError("refused")), once(httpx.RemoteProtocolError("reset by peer"))])
    receipt = client.send(batch)
    assert receipt.attempts == 3
    assert len(client.time.sleeps) == 2


def test_timeouts_exhaust_the_retries_and_keep_the_ids(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(2)
    seen: list[bytes] = []

    def timeout(request: httpx.Request) -> httpx.Response:
        seen.append(payload_of(request))
        raise httpx.ReadTimeout("read timed out")

    fake.fail.extend([timeout] * 4)
    with pytest.raises(TransportTimeout) as info:
        client.send(batch)
    assert info.value.retryable
    assert info.value.batch_id == batch.batch_id
    assert len(seen) == 4  # max_attempts
    assert len(set(seen)) == 1
    assert len(client.time.sleeps) == 3


def test_a_reset_at_every_try_becomes_connection_failed(client: Harness, fake: FakeLogius) -> None:
    fake.fail.extend([once(httpx.ReadError("connection reset"))] * 4)
    with pytest.raises(ConnectionFailed) as info:
        client.send(make_batch(1))
    assert isinstance(info.value, TransportError)
    assert info.value.status is None


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Proxy error</body></html>",
        "",
        "two words",
        "x" * 1000,
    ],
)
def test_an_answer_that_is_no_message_id_is_a_protocol_error(
    client: Harness, fake: FakeLogius, body: str
) -> None:
    fake.fail.append(once(httpx.Response(200, text=body)))
    batch = make_batch(1)
    with pytest.raises(ProtocolError) as info:
        client.send(batch)
    assert info.value.batch_id == batch.batch_id


# --- resend -------------------------------------------------------------------------------------------------


def test_resend_asks_ebms_core_to_send_the_same_message_again(client: Harness, fake: FakeLogius) -> None:
    receipt = client.send(make_batch(2))
    again = client.resend(receipt)
    assert fake.requests[-1].method == "PUT"
    assert fake.requests[-1].url.path.endswith(receipt.message_id)
    assert again.message_id != receipt.message_id
    assert again.batch_id == receipt.batch_id
    assert again.bericht_ids == receipt.bericht_ids
    assert again.attempts == 2
    assert again.previous_message_ids == (receipt.message_id,)
    assert fake.sent[again.message_id]["payload"] == fake.sent[receipt.message_id]["payload"]


def test_resend_of_a_message_ebms_core_forgot_posts_the_batch_again(
    client: Harness, fake: FakeLogius
) -> None:
    batch = make_batch(2)
    receipt = client.send(batch)
    first = fake.sent.pop(receipt.message_id)
    with pytest.raises(HttpStatusError) as info:
        client.resend(receipt)
    assert info.value.status == 404
    again = client.resend(receipt, batch)
    assert fake.sent[again.message_id]["payload"] == first["payload"]
    assert again.attempts == 2


def test_resend_refuses_another_batch(client: Harness) -> None:
    receipt = client.send(make_batch(1))
    with pytest.raises(ValueError, match="not the batch"):
        client.resend(receipt, make_batch(1))


# --- events -------------------------------------------------------------------------------------------------


def test_events_are_read_and_duplicates_collapsed(client: Harness, fake: FakeLogius) -> None:
    receipt = client.send(make_batch(1))
    fake.add_event(receipt.message_id, "DELIVERED")
    fake.add_event(receipt.message_id, "DELIVERED")
    events = client.events()
    assert events == [DeliveryEvent(receipt.message_id, EventType.DELIVERED)]
    request = fake.requests[-1]
    assert request.url.params.get_list("eventTypes") == ["DELIVERED", "FAILED", "EXPIRED"]
    assert request.url.params["cpaId"] == CPA_ID
    assert receipt.updated(events[0]).status is ReceiptStatus.DELIVERED
    assert receipt.updated(DeliveryEvent("other", EventType.FAILED)) == receipt


def test_process_events_acks_only_after_the_handler_returned(client: Harness, fake: FakeLogius) -> None:
    fake.add_event("m-1", "DELIVERED")
    fake.add_event("m-2", "FAILED")
    handled: list[str] = []

    def handler(event: DeliveryEvent) -> None:
        if event.message_id == "m-2":
            raise RuntimeError("database down")
        handled.append(event.message_id)

    with pytest.raises(RuntimeError):
        client.process_events(handler)
    assert handled == ["m-1"]
    assert [e["messageId"] for e in fake.unprocessed_events()] == ["m-2"]
    # At-least-once: the failed one comes again.
    assert client.process_events(lambda e: None) == 1
    assert fake.unprocessed_events() == []


def test_async_process_events_awaits_a_coroutine_handler(fake: FakeLogius) -> None:
    h = Harness("async", fake)
    fake.add_event("m-1", "EXPIRED")
    seen: list[DeliveryEvent] = []

    async def handler(event: DeliveryEvent) -> None:
        seen.append(event)

    try:
        assert h.process_events(handler) == 1
    finally:
        h.close()
    assert seen == [DeliveryEvent("m-1", EventType.EXPIRED)]
    assert fake.unprocessed_events() == []


def test_acking_an_event_twice_is_harmless(client: Harness, fake: FakeLogius) -> None:
    fake.add_event("m-1", "DELIVERED")
    assert client.ack_event("m-1") is True
    assert client.ack_event("m-1") is False


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html>oops</html>", "text/html"),
        (b'{"messageId": "x"}', "application/json"),
        (b'[{"messageId": "x", "type": "EXPLODED"}]', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'[{"messageId": 5, "type": "DELIVERED"}]', "application/json"),
    ],
)
def test_malformed_event_lists_are_protocol_errors(
    client: Harness, fake: FakeLogius, body: bytes, content_type: str
) -> None:
    fake.fail.append(once(httpx.Response(200, content=body, headers={"Content-Type": content_type})))
    with pytest.raises(ProtocolError):
        client.events()


def test_an_oversized_answer_is_refused(kind: str, fake: FakeLogius) -> None:
    h = Harness(kind, fake, max_response_bytes=1000)
    fake.fail.append(once(httpx.Response(200, content=b"[" + b'"x",' * 1000 + b'"x"]')))
    try:
        with pytest.raises(ProtocolError, match="larger than 1000 bytes"):
            h.events()
    finally:
        h.close()


# --- results ------------------------------------------------------------------------------------------------


def test_results_are_parsed_matched_and_acked(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(3)
    receipt = client.send(batch)
    mid = fake.add_result(result_for(batch), ref_to=receipt.message_id)
    (result,) = client.results()
    assert result.message_id == mid
    assert result.batch_id == batch.batch_id
    assert result.ref_to_message_id == receipt.message_id
    assert result.resultaat.volledig_verwerkt
    assert fake.unprocessed_incoming() == [mid]  # reading does not mark it processed
    assert client.ack_result(result) is True
    assert fake.unprocessed_incoming() == []
    query = next(r for r in fake.requests if r.url.path.endswith("/unprocessed")).url.params
    assert query["action"] == "GLOBE-R-BV-Result"
    assert query["fromPartyId"] == "urn:osb:oin:00000001822477348000"


def test_collect_results_with_partial_outcomes(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(4)
    ids = batch.bericht_ids
    receipt = client.send(batch)
    codes = {
        ids[1]: VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD,
        ids[2]: VerwerkingsCode.TECHNISCH_PROBLEEM,
    }
    fake.add_result(result_for(batch, codes), ref_to=receipt.message_id)
    collected = client.collect_results([receipt])
    assert collected.complete
    assert collected.per_bericht[ids[0]].verwerkings_code is VerwerkingsCode.VERWERKT
    assert collected.per_bericht[ids[1]].verwerkings_code is VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD
    assert collected.per_bericht[ids[2]].verwerkings_code is VerwerkingsCode.TECHNISCH_PROBLEEM
    assert collected.per_bericht[ids[3]].verwerkings_code is VerwerkingsCode.VERWERKT
    assert fake.unprocessed_incoming() == []


def test_a_result_naming_only_some_letters_leaves_the_rest_pending(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(3)
    receipt = client.send(batch)
    full = result_for(batch)
    now = datetime.now(UTC)
    partial = VerwerkingsResultaat.tally(TEST_OIN.value, batch.batch_id, full.berichten[:1], now, now)
    fake.add_result(partial)
    collected = client.collect_results([receipt])
    assert not collected.complete
    assert collected.pending == batch.bericht_ids[1:]


def test_a_nil_guid_result_stands_for_the_whole_batch(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(2)
    receipt = client.send(batch)
    now = datetime.now(UTC)
    nil = BerichtResultaat(
        NIL_GUID, "WOZ", VerwerkingsCode.OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT, "Validatie"
    )
    fake.add_result(VerwerkingsResultaat.tally(TEST_OIN.value, batch.batch_id, [nil], now, now))
    collected = client.collect_results([receipt])
    assert collected.complete
    assert {r.verwerkings_code for r in collected.per_bericht.values()} == {
        VerwerkingsCode.OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT
    }
    assert set(collected.per_bericht) == set(batch.bericht_ids)


def test_a_result_for_an_unknown_batch_is_reported_not_acked(client: Harness, fake: FakeLogius) -> None:
    ours = make_batch(1)
    receipt = client.send(ours)
    other = make_batch(1)
    mid = fake.add_result(result_for(other))
    collected = client.collect_results([receipt])
    assert [r.message_id for r in collected.unknown] == [mid]
    assert collected.results == ()
    assert collected.pending == ours.bericht_ids
    assert fake.unprocessed_incoming() == [mid]


def test_unrelated_incoming_messages_are_left_alone(client: Harness, fake: FakeLogius) -> None:
    batch = make_batch(1)
    client.send(batch)
    other = fake.add_incoming(b"<x/>", conversation_id="c", action="GLOBE-R-A-Response")
    foreign = fake.add_incoming(b"<x/>", conversation_id="c", from_party="urn:osb:oin:00000099000000000000")
    good = fake.add_result(result_for(batch))
    assert [r.message_id for r in client.results()] == [good]
    assert set(fake.unprocessed_incoming()) == {other, foreign, good}
    # Fetched once, then not fetched again on the next poll.
    gets_before = sum(1 for r in fake.requests if r.method == "GET" and other in r.url.path)
    client.results()
    assert sum(1 for r in fake.requests if r.method == "GET" and other in r.url.path) == gets_before


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bvs:BerichtVerwerkResponse xmlns:bvs="http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01">&lol3;</bvs:BerichtVerwerkResponse>"""


@pytest.mark.parametrize(
    "payload",
    [
        b"not xml at all",
        BOMB,
        b'<BerichtVerwerkResponse xmlns="urn:wrong"><BatchInformatie/></BerichtVerwerkResponse>',
        b'<bvs:BerichtVerwerkResponse xmlns:bvs="http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01"/>',
    ],
    ids=["non-xml", "xml-bomb", "wrong-namespace", "invalid"],
)
def test_hostile_result_payloads_are_skipped_and_left_unprocessed(
    client: Harness, fake: FakeLogius, payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    batch = make_batch(1)
    receipt = client.send(batch)
    bad = fake.add_incoming(payload, conversation_id=str(batch.batch_id))
    good = fake.add_result(result_for(batch))
    with caplog.at_level(logging.WARNING, logger="mobb_sdk.client"):
        collected = client.collect_results([receipt])
    assert [r.message_id for r in collected.results] == [good]
    assert fake.unprocessed_incoming() == [bad]
    assert bad in caplog.text


def test_a_result_message_with_broken_json_is_a_protocol_error(client: Harness, fake: FakeLogius) -> None:
    fake.add_incoming(b"<x/>", conversation_id="c", message_id="m-1")
    fake.fail.append(only(lambda r: r.url.path.endswith("/m-1"), httpx.Response(200, json={"properties": 3})))
    with pytest.raises(ProtocolError):
        client.results()


def test_result_content_that_is_not_base64_is_a_protocol_error(client: Harness, fake: FakeLogius) -> None:
    mid = fake.add_incoming(b"<x/>", conversation_id="c")
    fake.incoming[mid]["dataSources"][0]["content"] = "***not base64***"
    with pytest.raises(ProtocolError):
        client.results()


# --- status and ping -------------------------------------------------------------------------------------------


def test_status_and_ping(client: Harness, fake: FakeLogius) -> None:
    receipt = client.send(make_batch(1))
    status, when = client.status(receipt.message_id)
    assert status is MessageStatus.DELIVERED
    assert when is not None
    client.ping()
    ping = fake.requests[-1]
    assert ping.method == "POST"
    assert ping.url.path == (
        f"/service/rest/v19/ebms/ping/{CPA_ID}/from/urn:osb:oin:{TEST_OIN.value}/to/urn:osb:oin:00000001822477348000"
    )


def test_ping_with_an_unknown_cpa_fails(kind: str, fake: FakeLogius) -> None:
    from mobb_sdk import EbmsConfig

    h = Harness(kind, fake, ebms=EbmsConfig(url=EBMS_URL, cpa_id="nope", party_oin=TEST_OIN))
    try:
        with pytest.raises(HttpStatusError) as info:
            h.ping()
        assert info.value.status == 404
    finally:
        h.close()


def test_unknown_status_is_a_protocol_error(client: Harness, fake: FakeLogius) -> None:
    fake.fail.append(once(httpx.Response(200, json={"status": "ON_FIRE"})))
    with pytest.raises(ProtocolError):
        client.status("m-1")


def test_no_error_text_holds_a_full_bsn(client: Harness, fake: FakeLogius) -> None:
    bsn = TEST_BSNS[5]
    fake.fail.append(once(httpx.Response(200, text=f"GebruikerID {bsn} onbekend")))
    with pytest.raises(ProtocolError) as info:
        client.send(make_batch(1))
    assert bsn not in str(info.value)
    assert bsn not in repr(info.value)


def test_receipt_repr_is_short() -> None:
    from mobb_sdk import Receipt

    r = Receipt("m", uuid.uuid4(), tuple(uuid.uuid4() for _ in range(1000)), datetime.now(UTC))
    assert "<1000 BerichtIDs>" in repr(r)
