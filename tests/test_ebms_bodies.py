"""The bodies of an ebMS send, built without a server: the JSON call and the MTOM call byte for byte,
the streamed payload (a file or a written batch), and the readers of the send's answer.

Fast: no network, no simulator; the round trips through a real MSH are in test_client_streaming.py and
test_cxf_wire.py.
"""

from __future__ import annotations

import asyncio
import base64
import email.parser
import email.policy
import io
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mobb_sdk import (
    BerichtResultaat,
    EbmsConfig,
    EbmsConfigurationError,
    HttpStatusError,
    MobbError,
    ProtocolError,
    ValidationError,
    VerwerkingsCode,
    VerwerkingsResultaat,
    from_xml,
    to_xml,
)
from mobb_sdk._config import Timeouts
from mobb_sdk._ebms import (
    MAX_LISTED,
    Context,
    DataSource,
    DeliveryEvent,
    EbmsProtocol,
    EventType,
    FilePayload,
    MessageStatus,
    Receipt,
    ReceiptStatus,
    ReceivedMessage,
    ResultMessage,
    SendBody,
    base64_stream,
    gathered,
    match_results,
)
from mobb_sdk._errors import scrub
from mobb_sdk._ids import NIL_GUID
from mobb_sdk._lifecycle import Event

from .conftest import TEST_OIN

URL = "http://127.0.0.1:9/service/rest/v19"
BATCH_ID = uuid.UUID("5f0c6b1e-3d2a-4c8e-9b7f-1a2b3c4d5e6f")
CTX = Context("sending batch 5f0c6b1e", BATCH_ID)
TIMEOUTS = Timeouts(connect=1.0, read=2.0, write=3.0, pool=4.0)


def _protocol(*, mtom: bool = False) -> EbmsProtocol:
    return EbmsProtocol(EbmsConfig(url=URL, cpa_id="cpa-1", party_oin=TEST_OIN, mtom=mtom), TIMEOUTS)


def _body(request: httpx.Request) -> bytes:
    return b"".join(request.stream)  # type: ignore[arg-type]


# --- the chunkers ---------------------------------------------------------------------------------------

pieces = st.lists(st.binary(max_size=40), max_size=12)


@given(pieces, st.integers(1, 30))
def test_base64_stream_is_the_base64_of_the_pieces_in_bounded_chunks(parts, step):
    chunks = list(base64_stream(parts, step))
    whole = b"".join(parts)
    assert b"".join(chunks) == base64.b64encode(whole)
    # Padding only at the very end: every chunk but the last encodes whole groups of 3 bytes.
    assert all(not chunk.endswith(b"=") for chunk in chunks[:-1])
    assert all(chunk for chunk in chunks)
    # Nothing is gathered beyond a step (plus the two bytes completing a group) or the largest piece.
    bound = max([step + 2, *map(len, parts)])
    assert all(len(base64.b64decode(chunk)) <= bound for chunk in chunks)


def test_base64_stream_encodes_a_piece_that_fills_the_step_at_once():
    enc = base64.b64encode
    assert list(base64_stream([b"abc", b"def"], 6)) == [enc(b"abc"), enc(b"def")]
    assert list(base64_stream([b"ab", b"c"], 4)) == [enc(b"abc")]
    assert list(base64_stream([b"a", b"bcdefgh"], 3)) == [enc(b"abc"), enc(b"def"), enc(b"gh")]
    assert list(base64_stream([], 3)) == []


@given(pieces, st.integers(1, 30))
def test_gathered_joins_small_pieces_and_passes_large_ones(parts, step):
    chunks = list(gathered(parts, step))
    assert b"".join(chunks) == b"".join(parts)
    assert all(chunk for chunk in chunks)
    assert all(len(chunk) < 2 * step or chunk in parts for chunk in chunks)


def test_gathered_yields_a_full_step_at_once_and_a_large_piece_uncopied():
    assert list(gathered([b"ab", b"cd", b"e"], 4)) == [b"abcd", b"e"]
    large = b"x" * 4
    chunks = list(gathered([b"ab", large, b"c"], 4))
    assert chunks == [b"ab", large, b"c"]
    assert chunks[1] is large


# --- the payload -------------------------------------------------------------------------------------------


def test_a_file_payload_reads_the_same_bytes_on_every_iteration(tmp_path: Path):
    data = bytes(range(256)) * 3000  # 768,000 bytes: several reads
    path = tmp_path / "batch.xml"
    path.write_bytes(data)
    handle = io.BytesIO(data)
    handle.seek(100)  # wherever the caller left it
    for payload in (FilePayload(path), FilePayload(str(path)), FilePayload(handle)):
        assert payload.size == len(data)
        first = list(payload.chunks())
        assert b"".join(first) == data
        assert list(payload.chunks()) == first  # a retry sends the very same bytes
        # Bounded reads, each a whole number of base64 groups.
        assert len(first) > 1
        assert all(len(chunk) % 3 == 0 for chunk in first[:-1])
        assert max(map(len, first)) < len(data)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 6, 7, 1000])
@pytest.mark.parametrize("encode", [True, False])
def test_a_send_body_is_as_long_as_it_says_and_the_same_every_time(tmp_path: Path, size: int, encode: bool):
    data = bytes(i % 251 for i in range(size))
    path = tmp_path / "batch.xml"
    path.write_bytes(data)
    body = SendBody(b"HEAD", FilePayload(path), b"TAIL", encode=encode)
    sent = b"".join(body)
    assert sent == b"HEAD" + (base64.b64encode(data) if encode else data) + b"TAIL"
    assert body.length == len(sent)
    assert body.payload_size == size
    assert b"".join(body) == sent

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in body])

    assert asyncio.run(collect()) == sent


# --- the JSON send and the MTOM send -------------------------------------------------------------------


def _check_headers(request: httpx.Request, body: bytes, content_type: str) -> None:
    assert request.method == "POST"
    assert request.headers["Host"] == "127.0.0.1:9"
    assert request.headers["Accept"] == "text/plain"
    assert request.headers["User-Agent"] == "mobb-sdk"
    assert request.headers["Content-Type"] == content_type
    assert request.headers["Content-Length"] == str(len(body))
    assert request.extensions["timeout"] == {"connect": 1.0, "read": 2.0, "write": 3.0, "pool": 4.0}


PROPERTIES = {
    "cpaId": "cpa-1",
    "fromPartyId": TEST_OIN.party_id,
    "fromRole": EbmsConfig(url=URL, cpa_id="c", party_oin=TEST_OIN).from_role,
    "toPartyId": EbmsConfig(url=URL, cpa_id="c", party_oin=TEST_OIN).to_party_id,
    "toRole": EbmsConfig(url=URL, cpa_id="c", party_oin=TEST_OIN).to_role,
    "service": EbmsConfig(url=URL, cpa_id="c", party_oin=TEST_OIN).service,
    "action": EbmsConfig(url=URL, cpa_id="c", party_oin=TEST_OIN).request_action,
    "conversationId": str(BATCH_ID),
}


def test_the_json_send_holds_the_xml_as_the_base64_of_one_data_source(tmp_path: Path):
    xml = b'<?xml version="1.0"?><Berichten>\xc3\xa9</Berichten>'
    (tmp_path / "batch.xml").write_bytes(xml)
    request = _protocol().send_batch_request(FilePayload(tmp_path / "batch.xml"), BATCH_ID)
    assert str(request.url) == f"{URL}/ebms/messages"
    body = _body(request)
    _check_headers(request, body, "application/json")
    sent = json.loads(body)
    assert sent["properties"] == PROPERTIES
    (source,) = sent["dataSources"]
    assert source == {
        "name": "batch.xml",
        "contentType": "text/xml",
        "content": base64.b64encode(xml).decode(),
    }


def _parts(request: httpx.Request) -> tuple[str, list[email.message.EmailMessage]]:
    content_type = request.headers["Content-Type"]
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + _body(request)
    )
    boundary = message.get_boundary()
    assert boundary is not None
    return boundary, list(message.iter_parts())  # type: ignore[arg-type]


def test_the_mtom_send_holds_the_xml_raw_in_its_attachment_part(tmp_path: Path):
    xml = b'<?xml version="1.0"?><Berichten>\r\n--not-a-boundary\xc3\xa9</Berichten>'
    (tmp_path / "batch.xml").write_bytes(xml)
    protocol = _protocol(mtom=True)
    request = protocol.send_batch_request(FilePayload(tmp_path / "batch.xml"), BATCH_ID)
    assert str(request.url) == f"{URL}/ebms/messages/mtom"
    body = _body(request)
    boundary, (properties, attachment) = _parts(request)
    _check_headers(request, body, f"multipart/form-data; boundary={boundary}")
    assert body.startswith(f"--{boundary}\r\n".encode())
    assert body.endswith(f"\r\n--{boundary}--\r\n".encode())
    assert properties.get_param("name", header="Content-Disposition") == "requestProperties"
    assert properties.get_content_type() == "application/json"
    assert json.loads(properties.get_payload(decode=True)) == PROPERTIES
    assert attachment.get_param("name", header="Content-Disposition") == "attachment"
    assert attachment.get_filename() == "batch.xml"
    assert attachment.get_content_type() == "text/xml"
    assert attachment.get_payload(decode=True) == xml
    content_id = attachment["Content-ID"]
    assert re.fullmatch(r"<[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>", content_id)
    # A fresh random boundary (and Content-ID) per send: nothing in a payload can guess it.
    again, (_, attachment_again) = _parts(
        protocol.send_batch_request(FilePayload(tmp_path / "batch.xml"), BATCH_ID)
    )
    assert again != boundary
    assert attachment_again["Content-ID"] != content_id
    assert len(boundary) >= 32


def test_requests_ask_for_json_and_carry_the_timeouts():
    protocol = _protocol()
    request = protocol.events_request([EventType.DELIVERED], max_nr=5)
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == "mobb-sdk"
    assert "Content-Type" not in request.headers
    assert request.extensions["timeout"] == {"connect": 1.0, "read": 2.0, "write": 3.0, "pool": 4.0}
    resend = protocol.resend_request("id-1@host")
    assert (resend.method, resend.headers["Accept"]) == ("PUT", "text/plain")
    assert str(resend.url) == f"{URL}/ebms/messages/id-1%40host"
    assert (
        protocol.events_request([EventType.DELIVERED], max_nr=MAX_LISTED + 5).url.params["maxNr"] == "10000"
    )


# --- the answer to a send ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 405, 415])
def test_an_mtom_send_the_msh_does_not_take_is_a_configuration_error(status: int):
    answer = httpx.Response(status, content=b"Not Found \xff ")
    with pytest.raises(EbmsConfigurationError) as info:
        _protocol(mtom=True).read_sent_id(answer, CTX)
    assert info.value.body == "Not Found \ufffd"
    assert str(info.value).startswith(
        f"sending batch 5f0c6b1e: {URL}/ebms/messages/mtom does not take an MTOM send (HTTP {status}); "
    )
    assert "mtom=False" in str(info.value)
    # Without MTOM the same status is an HTTP error like any other.
    with pytest.raises(HttpStatusError) as plain:
        _protocol().read_sent_id(answer, CTX)
    assert plain.value.status == status
    assert str(plain.value).startswith("sending batch 5f0c6b1e failed")


def test_the_answer_to_a_send_is_one_message_id():
    for mtom in (False, True):
        assert _protocol(mtom=mtom).read_sent_id(httpx.Response(201, text=" id-1@host\n"), CTX) == "id-1@host"
    longest = "i" * 512
    assert _protocol().read_sent_id(httpx.Response(200, text=longest), CTX) == longest
    with pytest.raises(ProtocolError, match="expected an ebMS message id"):  # not UTF-8, and two words
        _protocol().read_sent_id(httpx.Response(201, content=b"\xff \xfe"), CTX)
    for text in ("", "i" * 513, "two ids", "id\x00"):
        with pytest.raises(ProtocolError, match=r"^sending batch 5f0c6b1e: expected an ebMS message id"):
            _protocol().read_sent_id(httpx.Response(200, text=text), CTX)


def test_a_configuration_refusal_of_ebms_core_is_not_retried():
    answer = httpx.Response(500, text="No CPA found for cpa-1")
    with pytest.raises(EbmsConfigurationError) as info:
        _protocol().read_sent_id(answer, CTX)
    assert str(info.value).startswith("sending batch 5f0c6b1e refused by ebms-core")
    with pytest.raises(HttpStatusError):
        _protocol().read_sent_id(httpx.Response(501, text="No CPA found for cpa-1"), CTX)
    with pytest.raises(HttpStatusError) as other:
        _protocol().read_sent_id(httpx.Response(500, content=b"\xff boom"), CTX)
    assert (other.value.status, other.value.body) == (500, "\ufffd boom")


# --- the readers of ebms-core's other answers -------------------------------------------------------------

WHAT = "reading message m-1"
READ = Context(WHAT)


def _message(**props: object) -> httpx.Response:
    properties: dict[str, object] = {
        "messageId": "m-1@logius",
        "cpaId": "cpa-1",
        "fromParty": {"partyId": "urn:osb:oin:00000001823288444000", "role": "Logius"},
        "toParty": {"partyId": TEST_OIN.party_id},
        "service": "svc",
        "action": "GLOBE-R-BV-Result",
        "conversationId": str(BATCH_ID),
        "timestamp": "2026-03-04T09:00:00Z",
        "messageStatus": "RECEIVED",
    }
    properties.update(props)
    sources = [
        {"name": "result.xml", "contentType": "text/xml", "content": base64.b64encode(b"<x/>").decode()}
    ]
    return httpx.Response(200, json={"properties": properties, "dataSources": sources})


def test_a_received_message_is_read_field_by_field():
    message = _protocol().read_message(_message(), READ)
    assert (message.message_id, message.cpa_id, message.service, message.action) == (
        "m-1@logius",
        "cpa-1",
        "svc",
        "GLOBE-R-BV-Result",
    )
    assert (message.from_party_id, message.from_role) == ("urn:osb:oin:00000001823288444000", "Logius")
    assert (message.to_party_id, message.to_role) == (TEST_OIN.party_id, None)
    assert (message.conversation_id, message.ref_to_message_id, message.status) == (
        str(BATCH_ID),
        None,
        "RECEIVED",
    )
    assert message.timestamp == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    (source,) = message.data_sources
    assert (source.name, source.content_type, source.content) == ("result.xml", "text/xml", b"<x/>")
    assert "<4 bytes>" in repr(source)
    assert "<x/>" not in repr(source)  # a payload may hold BSNs: never in a repr
    assert _protocol().read_message(_message(conversationId=None), READ).conversation_id == ""
    assert _protocol().read_message(_message(refToMessageId="m-0@us"), READ).ref_to_message_id == "m-0@us"
    assert _protocol().read_message(_message(messageStatus=None), READ).status is None
    # A data source may leave out its name, content id and content (an empty payload).
    body = json.loads(_message().content)
    body["dataSources"] = [{"contentType": "text/xml"}, {"contentType": "text/xml", "contentId": "cid-1"}]
    bare, named = _protocol().read_message(httpx.Response(200, json=body), READ).data_sources
    assert (bare.name, bare.content_id, bare.content) == (None, None, b"")
    assert named.content_id == "cid-1"


def test_a_result_is_a_message_from_logius_under_our_cpa_with_the_result_action():
    protocol = _protocol()
    c = protocol.config
    ours = _received(str(BATCH_ID))
    ours = attrs.evolve(
        ours, action=c.result_action, service=c.service, cpa_id=c.cpa_id, from_party_id=c.to_party_id
    )
    assert protocol.is_result(ours)
    for change in (
        {"action": c.request_action},
        {"service": "other"},
        {"cpa_id": "cpa-2"},
        {"from_party_id": c.from_party_id},
    ):
        assert not protocol.is_result(attrs.evolve(ours, **change)), change


@pytest.mark.parametrize(
    ("sources", "error"),
    [
        ("result.xml", "dataSources is not a list"),
        (["result.xml"], "a data source is not a JSON object"),
        ([{"contentType": "text/xml", "content": "not base64!"}], "a data source's content is not base64"),
        ([{"contentType": "text/xml", "content": "eA =="}], "a data source's content is not base64"),
        ([{"contentType": "text/xml", "content": 5}], "dataSources.content is missing or not a string"),
        ([{"content": ""}], "dataSources.contentType is missing or not a string"),
        ([{"contentType": "text/xml", "name": 3}], "dataSources.name is missing or not a string"),
        ([{"contentType": "text/xml", "contentId": 3}], "dataSources.contentId is missing or not a string"),
    ],
)
def test_a_received_message_with_a_bad_data_source_names_it(sources: object, error: str):
    body = json.loads(_message().content)
    body["dataSources"] = sources
    with pytest.raises(ProtocolError) as info:
        _protocol().read_message(httpx.Response(200, json=body), READ)
    assert str(info.value).startswith(f"{WHAT}: {error}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-04T09:00:00Z", datetime(2026, 3, 4, 9, 0, tzinfo=UTC)),
        ("2026-03-04T09:00:00", datetime(2026, 3, 4, 9, 0, tzinfo=UTC)),  # no zone: ebms-core's UTC
        ("2026-03-04T10:00:00+01:00", datetime(2026, 3, 4, 9, 0, tzinfo=UTC)),
        ("gisteren", None),
        (1709542800, None),
    ],
)
def test_a_message_timestamp_is_read_as_an_aware_time(value: object, expected: datetime | None):
    got = _protocol().read_message(_message(timestamp=value), READ).timestamp
    assert got == expected
    assert got is None or got.utcoffset() is not None


@pytest.mark.parametrize(
    ("props", "error"),
    [
        ({"messageId": None}, "messageId is missing or not a string"),
        ({"messageId": ""}, "messageId is missing or not a string"),
        ({"fromParty": "Logius"}, "fromParty is missing or not an object"),
        ({"toParty": None}, "toParty is missing or not an object"),
        ({"fromParty": {"role": "Logius"}}, "fromParty.partyId is missing or not a string"),
        ({"toParty": {"partyId": TEST_OIN.party_id, "role": 7}}, "toParty.role is missing or not a string"),
        ({"cpaId": None}, "cpaId is missing or not a string"),
        ({"service": ""}, "service is missing or not a string"),
        ({"action": 1}, "action is missing or not a string"),
        ({"conversationId": 5}, "conversationId is missing or not a string"),
        ({"refToMessageId": 5}, "refToMessageId is missing or not a string"),
        ({"messageStatus": 5}, "messageStatus is missing or not a string"),
    ],
)
def test_a_received_message_missing_a_field_names_it(props: dict[str, object], error: str):
    with pytest.raises(ProtocolError) as info:
        _protocol().read_message(_message(**props), READ)
    assert str(info.value).startswith(f"{WHAT}: {error}")


def test_an_answer_that_is_no_json_is_quoted_short():
    text = "<html>" + "x" * 200
    with pytest.raises(ProtocolError) as info:
        _protocol().read_status(httpx.Response(200, text=text), READ)
    assert str(info.value).startswith(f"{WHAT}: the answer is not JSON: {(text[:80] + '...')!r}")
    with pytest.raises(ProtocolError) as bad_id:
        _protocol().read_sent_id(httpx.Response(201, text="y" * 100 + " z"), READ)
    assert str(bad_id.value).startswith(
        f"{WHAT}: expected an ebMS message id as text, got {('y' * 80 + '...')!r}"
    )


def test_statuses_and_events_are_read_and_unknown_ones_named():
    answer = httpx.Response(200, json={"status": "DELIVERED", "timestamp": "2026-03-04T09:00:00Z"})
    assert _protocol().read_status(answer, READ) == (
        MessageStatus.DELIVERED,
        datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
    )
    with pytest.raises(ProtocolError) as info:
        _protocol().read_status(httpx.Response(200, json={"status": "LOST"}), READ)
    assert str(info.value).startswith(f"{WHAT}: unknown message status 'LOST'")
    with pytest.raises(ProtocolError) as long:
        _protocol().read_status(httpx.Response(200, json={"status": "LOST" * 20}), READ)
    assert str(long.value).startswith(f"{WHAT}: unknown message status {('LOST' * 10 + '...')!r}")
    events = [{"messageId": "a", "type": "DELIVERED"}, {"messageId": "a", "type": "DELIVERED"}]
    assert _protocol().read_events(httpx.Response(200, json=events), READ) == [
        DeliveryEvent("a", EventType.DELIVERED)
    ]
    with pytest.raises(ProtocolError) as unknown:
        _protocol().read_events(httpx.Response(200, json=[{"messageId": "a", "type": "LOST" * 20}]), READ)
    assert str(unknown.value).startswith(f"{WHAT}: unknown event type {('LOST' * 10 + '...')!r}")
    for answer, error in (
        ({"events": []}, "expected a JSON list of events"),
        (["DELIVERED"], "an event is not a JSON object"),
        ([{"type": "DELIVERED"}], "messageId is missing or not a string"),
    ):
        with pytest.raises(ProtocolError) as info:
            _protocol().read_events(httpx.Response(200, json=answer), READ)
        assert str(info.value).startswith(f"{WHAT}: {error}")
    with pytest.raises(ProtocolError) as status:
        _protocol().read_status(httpx.Response(200, json=["DELIVERED"]), READ)
    assert str(status.value).startswith(f"{WHAT}: expected a JSON object with a status")
    assert _protocol().events_request([EventType.DELIVERED], max_nr=1).url.params["maxNr"] == "1"


def test_a_list_answer_is_read_up_to_its_bound():
    ids = [f"id-{i}" for i in range(MAX_LISTED + 1)]
    got = _protocol().read_id_list(httpx.Response(200, json=ids), READ)
    assert got == ids[:10_000]
    assert _protocol().read_id_list(httpx.Response(200, json=["a", "b", "a", "c"]), READ, limit=2) == [
        "a",
        "b",
    ]


def test_an_unread_error_answer_has_an_empty_body():
    answer = httpx.Response(503, stream=httpx.ByteStream(b"busy"))
    with pytest.raises(HttpStatusError) as info:
        _protocol().read_sent_id(answer, CTX)
    assert (info.value.status, info.value.body) == (503, "")


def test_each_ebms_event_maps_to_the_letter_lifecycle_and_the_receipt():
    assert EventType.RECEIVED.lifecycle_event is None
    assert EventType.DELIVERED.lifecycle_event is Event.DELIVERED
    assert EventType.FAILED.lifecycle_event is Event.FAILED
    assert EventType.EXPIRED.lifecycle_event is Event.EXPIRED
    # The values a caller may store or show.
    assert [s.value for s in ReceiptStatus] == ["sent", "delivered", "failed", "expired"]
    receipt = Receipt("m-1", BATCH_ID, (), datetime(2026, 3, 4, tzinfo=UTC))
    assert (receipt.attempts, receipt.status) == (1, ReceiptStatus.SENT)
    assert receipt.updated(DeliveryEvent("m-1", EventType.FAILED)).status is ReceiptStatus.FAILED
    assert receipt.resent("m-2", receipt.sent_at).attempts == 2


def test_results_of_other_batches_do_not_stop_the_matching():
    ours_id, other_id = uuid.uuid4(), uuid.uuid4()
    letter = uuid.uuid4()
    receipt = Receipt("m-1", ours_id, (letter,), datetime(2026, 3, 4, tzinfo=UTC))

    def result(batch_id: uuid.UUID) -> ResultMessage:
        answer = BerichtResultaat(letter, "WOZ", VerwerkingsCode.VERWERKT)
        at = datetime(2026, 3, 4, tzinfo=UTC)
        return ResultMessage(
            "r",
            batch_id,
            str(batch_id),
            None,
            at,
            VerwerkingsResultaat.tally("LEV", batch_id, [answer], at, at),
        )

    collected = match_results([receipt], [result(other_id), result(ours_id)])
    assert collected.complete
    assert [r.batch_id for r in collected.unknown] == [other_id]
    assert [r.batch_id for r in collected.results] == [ours_id]
    assert collected.per_bericht[letter].verwerkings_code is VerwerkingsCode.VERWERKT


def test_every_request_has_its_method_url_and_query():
    protocol = _protocol()
    c = protocol.config

    def shape(request: httpx.Request) -> tuple[str, str, list[tuple[str, str]]]:
        return request.method, str(request.url.copy_with(query=None)), list(request.url.params.multi_items())

    assert shape(protocol.events_request([EventType.DELIVERED, EventType.FAILED], max_nr=5)) == (
        "GET",
        f"{URL}/ebms/events/unprocessed",
        [
            ("cpaId", "cpa-1"),
            ("fromPartyId", c.from_party_id),
            ("service", c.service),
            ("action", c.request_action),
            ("eventTypes", "DELIVERED"),
            ("eventTypes", "FAILED"),
            ("maxNr", "5"),
        ],
    )
    assert shape(protocol.received_event_request("m-1")) == (
        "GET",
        f"{URL}/ebms/events/unprocessed",
        [("cpaId", "cpa-1"), ("messageId", "m-1"), ("eventTypes", "RECEIVED")],
    )
    results = [
        ("cpaId", "cpa-1"),
        ("fromPartyId", c.to_party_id),
        ("toPartyId", c.from_party_id),
        ("service", c.service),
        ("action", c.result_action),
    ]
    assert shape(protocol.results_request(1)) == (
        "GET",
        f"{URL}/ebms/messages/unprocessed",
        [*results, ("maxNr", "1")],
    )
    for no_limit in (None, 0, -1):
        assert shape(protocol.results_request(no_limit))[2] == results
        assert "maxNr" not in protocol.events_request([EventType.DELIVERED], max_nr=no_limit).url.params
    assert shape(protocol.results_request(MAX_LISTED + 1))[2][-1] == ("maxNr", "10000")
    assert shape(protocol.message_request("m-1")) == (
        "GET",
        f"{URL}/ebms/messages/m-1",
        [("process", "false")],
    )
    assert shape(protocol.message_request("m-1", process=True))[2] == [("process", "true")]
    assert shape(protocol.ack_message_request("m-1")) == ("PATCH", f"{URL}/ebms/messages/m-1", [])
    assert shape(protocol.ack_event_request("m-1")) == ("PATCH", f"{URL}/ebms/events/m-1", [])
    assert shape(protocol.status_request("m-1")) == ("GET", f"{URL}/ebms/messages/m-1/status", [])
    ping = protocol.ping_request()
    assert shape(ping) == ("POST", f"{URL}/ebms/ping/cpa-1/from/{c.from_party_id}/to/{c.to_party_id}", [])
    assert ping.headers["Accept"] == "*/*"


def test_list_answers_stop_at_their_limit_and_refuse_what_is_no_id():
    events = [{"messageId": f"m-{i}", "type": "DELIVERED"} for i in range(4)]
    assert [
        e.message_id for e in _protocol().read_events(httpx.Response(200, json=events), READ, limit=2)
    ] == [
        "m-0",
        "m-1",
    ]
    ids = ["a", "b", "c"]
    assert _protocol().read_id_list(httpx.Response(200, json=ids), READ, limit=2) == ["a", "b"]
    assert _protocol().read_id_list(httpx.Response(200, json=["i" * 512]), READ) == ["i" * 512]
    for bad in (["i" * 513], [""], [3], {"ids": []}):
        with pytest.raises(ProtocolError) as info:
            _protocol().read_id_list(httpx.Response(200, json=bad), READ)
        assert str(info.value).startswith(f"{WHAT}: expected a JSON list of message ids")
    with pytest.raises(ProtocolError) as info:
        _protocol().read_message(httpx.Response(200, json={"dataSources": []}), READ)
    assert str(info.value).startswith(f"{WHAT}: the message has no properties object")


def _received(conversation_id: str, *sources: DataSource) -> ReceivedMessage:
    at = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    return ReceivedMessage(
        "r-1@logius",
        "cpa-1",
        "logius",
        None,
        "us",
        None,
        "svc",
        "act",
        conversation_id,
        "m-1",
        at,
        None,
        sources,
    )


def _result_xml(batch_id: uuid.UUID, letter: uuid.UUID) -> bytes:
    at = datetime(2026, 3, 4, tzinfo=UTC)
    answer = BerichtResultaat(letter, "WOZ", VerwerkingsCode.VERWERKT)
    return to_xml(VerwerkingsResultaat.tally("LEV", batch_id, [answer], at, at))


def test_a_result_message_is_read_and_a_nil_guid_answer_matched_by_its_conversation():
    letter = uuid.uuid4()
    protocol = _protocol()
    read = protocol.read_result(
        _received(str(BATCH_ID), DataSource("text/xml; charset=utf-8", _result_xml(BATCH_ID, letter)))
    )
    assert (read.message_id, read.batch_id, read.conversation_id, read.ref_to_message_id) == (
        "r-1@logius",
        BATCH_ID,
        str(BATCH_ID),
        "m-1",
    )
    assert read.received_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    # Logius could not read the batch: the nil GUID; the conversationId says which batch it was.
    nil = DataSource("application/xml", _result_xml(NIL_GUID, NIL_GUID))
    assert protocol.read_result(_received(str(BATCH_ID), nil)).batch_id == BATCH_ID
    assert protocol.read_result(_received("not-a-guid", nil)).batch_id == NIL_GUID
    # A real BatchID is kept whatever the conversationId says.
    other = uuid.uuid4()
    assert (
        protocol.read_result(
            _received(str(other), DataSource("text/xml", _result_xml(BATCH_ID, letter)))
        ).batch_id
        == BATCH_ID
    )


def test_a_result_message_that_is_no_result_says_why():
    protocol = _protocol()
    what = "result message r-1@logius: "
    cases = [
        ((), "expected one XML payload, found 0"),
        ((DataSource("application/pdf", b"%PDF"),), "expected one XML payload, found 0"),
        (
            (DataSource("text/xml", b"<a/>"), DataSource("text/xml", b"<b/>")),
            "expected one XML payload, found 2",
        ),
        ((DataSource("text/xml", b"<Brief/>"),), "the payload is not a BerichtVerwerkResponse: "),
    ]
    for sources, message in cases:
        with pytest.raises(ProtocolError) as info:
            protocol.read_result(_received(str(BATCH_ID), *sources))
        assert str(info.value).startswith(what + message)
        assert info.value.batch_id == BATCH_ID
    broken = _result_xml(BATCH_ID, uuid.uuid4()).replace(b"Verwerkt", b"Kwijt" * 100)
    with pytest.raises(ValidationError) as why:
        from_xml(broken, VerwerkingsResultaat)
    with pytest.raises(ProtocolError) as invalid:
        protocol.read_result(_received(str(BATCH_ID), DataSource("text/xml", broken)))
    # The reason cut to 300 characters, then the BatchID the error concerns.
    assert str(invalid.value).startswith(
        f"{what}the BerichtVerwerkResponse is not valid: {scrub(str(why.value), 300)}"
    )
    assert len(str(why.value)) > 300
    with pytest.raises(MobbError) as other:
        from_xml(b"<" + b"Brief" * 60 + b"/>", VerwerkingsResultaat)
    with pytest.raises(ProtocolError) as not_result:
        protocol.read_result(_received(str(BATCH_ID), DataSource("text/xml", b"<" + b"Brief" * 60 + b"/>")))
    assert str(not_result.value).startswith(
        f"{what}the payload is not a BerichtVerwerkResponse: {scrub(str(other.value), 200)}"
    )
    assert len(str(other.value)) > 200


def test_an_ack_is_true_when_marked_and_false_when_already_gone():
    protocol = _protocol()
    assert protocol.read_ack(httpx.Response(204), READ) is True
    assert protocol.read_ack(httpx.Response(200), READ) is True
    assert protocol.read_ack(httpx.Response(404), READ) is False
    with pytest.raises(HttpStatusError):
        protocol.read_ack(httpx.Response(201), READ)
    protocol.read_ping(httpx.Response(204), READ)
    protocol.read_ping(httpx.Response(200), READ)
    with pytest.raises(HttpStatusError):
        protocol.read_ping(httpx.Response(201), READ)
