"""Our ebms-core REST wire format against ebms-core's real parsing stack: Apache CXF 4.0.6 and Jackson 2.17.2.

The harness (tests/java/cxf_rest, see tests/cxf_harness.py) has ebms-core 2.20.2's resource signatures
and bean shapes and ebms-admin's Jackson configuration, so CXF and Jackson read our bodies as they do in
ebms-core. The client sends through it; the tests compare what the beans got with what we meant; our
readers parse Jackson's own output; bad bodies get the same verdict from the harness and the simulator.
Without java or mvn the module is skipped, except under CI (CI set), where that fails.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from mobb_sdk import (
    AsyncClient,
    Batch,
    Bericht,
    BerichtResultaat,
    Bijlage,
    Client,
    ClientConfig,
    EbmsConfig,
    EventType,
    MessageStatus,
    Timeouts,
    VerwerkingsCode,
    VerwerkingsResultaat,
    make_pdf,
    to_xml,
    write_batch,
)
from mobb_sdk._client import Payload
from mobb_sdk._ebms import Context, EbmsProtocol
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, Simulator

from . import cxf_harness
from .conftest import TEST_BSNS, TEST_OIN
from .ebms_contract_script import shape

CPA_ID = "cpa-cxf-wire"
#: Non-ASCII text in every place a letter carries text (the XML is UTF-8; the JSON carries it as base64).
TEKST = "Geachte heer Müller, uw aanslag van € 12,50 is verzonden — ĳsvereniging Ærø, 東京 😀"


@pytest.fixture(scope="session")
def harness() -> Iterator[cxf_harness.Harness]:
    missing = cxf_harness.missing_tools()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the CXF wire harness needs Java and Maven: {missing}")
        pytest.skip(f"the CXF wire harness needs Java and Maven: {missing}")
    classpath = cxf_harness.build()
    with cxf_harness.serve(classpath) as running:
        yield running


@pytest.fixture
def cxf(harness: cxf_harness.Harness) -> cxf_harness.Harness:
    harness.reset()
    return harness


def config(url: str, **ebms: Any) -> ClientConfig:
    return ClientConfig(
        sender_oin=TEST_OIN,
        ebms=EbmsConfig(url=url, cpa_id=CPA_ID, party_oin=TEST_OIN, **ebms),
        active_bericht_types={"WOZ"},
        timeouts=Timeouts(total=60),
    )


def letters_batch(n: int = 3, *, pdfs: int = 1, pdf_size: int | None = None) -> Batch:
    """A batch with ``pdfs`` PDF attachments per letter (of ``pdf_size`` bytes) and non-ASCII text in
    subject, text and names."""
    berichten = [
        Bericht.create(
            TEST_BSNS[i],
            "WOZ",
            f"Aanslag № {i} – Ærø",
            TEKST,
            referentie=f"REF-{i}-é",
            bijlagen=[
                Bijlage.from_bytes(
                    make_pdf(f"Aanslag {i}.{j} – é", pad_to=pdf_size), f"Aanslagbiljet {j} – €"
                )
                for j in range(pdfs)
            ],
        )
        for i in range(n)
    ]
    return Batch(afzender=TEST_OIN, berichten=berichten)


def expected_properties(batch: Batch) -> dict[str, Any]:
    """The MessageRequestProperties bean our send must produce, every field (null where we send none)."""
    return {
        "cpaId": CPA_ID,
        "fromPartyId": TEST_OIN.party_id,
        "fromRole": "SR",
        "toPartyId": "urn:osb:oin:00000001822477348000",
        "toRole": "SP",
        "service": "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0",
        "action": "GLOBE-R-BV-Request",
        "conversationId": str(batch.batch_id),
        "messageId": None,
        "refToMessageId": None,
    }


def digest(data: bytes) -> dict[str, Any]:
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def written(batch: Batch) -> bytes:
    target = io.BytesIO()
    write_batch(batch, target)
    return target.getvalue()


def assert_sent(cxf: cxf_harness.Harness, message_id: str, batch: Batch, xml: bytes, *, mtom: bool) -> None:
    """The last send reached the resource with exactly our properties and one data source, the XML."""
    last = cxf.last()
    assert last["path"] == ("mtom" if mtom else "json")
    assert last["messageId"] == message_id
    assert last["properties"] == expected_properties(batch)
    [source] = last["dataSources"]
    if mtom:
        # The MTOM part's Content-ID (ours, a UUID; without one CXF would give every part the same
        # "root.message@cxf.apache.org"), its Content-Type and its filename, the DataSource's name.
        content_id = source.pop("contentId")
        assert str(uuid.UUID(content_id)) == content_id
        disposition = source.pop("contentDisposition")
        assert disposition == 'form-data; name="attachment"; filename="batch.xml"'
    else:
        assert source.pop("contentId") is None
    assert source == {"name": "batch.xml", "contentType": "text/xml", **digest(xml)}


# --- sending: POST /ebms/messages (JSON) and /ebms/messages/mtom (multipart) -----------------------------

MODES = [pytest.param(False, id="json"), pytest.param(True, id="mtom")]


@pytest.mark.parametrize("mtom", MODES)
def test_send_sync_is_read_by_cxf_as_we_mean_it(cxf: cxf_harness.Harness, mtom: bool) -> None:
    batch = letters_batch()
    xml = to_xml(batch)
    assert xml == written(batch)  # the two writers agree, so either is the reference
    assert TEKST.encode() in xml
    with Client(config(cxf.url, mtom=mtom)) as client:
        receipt = client.send(batch)
    assert receipt.attempts == 1
    assert_sent(cxf, receipt.message_id, batch, xml, mtom=mtom)


@pytest.mark.parametrize("mtom", MODES)
def test_send_async_is_read_by_cxf_as_we_mean_it(cxf: cxf_harness.Harness, mtom: bool) -> None:
    batch = letters_batch(2, pdfs=2)

    async def send() -> str:
        async with AsyncClient(config(cxf.url, mtom=mtom)) as client:
            return (await client.send(batch)).message_id

    message_id = asyncio.run(send())
    assert_sent(cxf, message_id, batch, to_xml(batch), mtom=mtom)


@pytest.mark.parametrize("mtom", MODES)
def test_a_batch_of_many_chunks_arrives_byte_for_byte(cxf: cxf_harness.Harness, mtom: bool) -> None:
    # Larger than several of the encoder's read steps (192 KiB), so chunk joins are crossed many times.
    batch = letters_batch(12, pdfs=2, pdf_size=100_001)
    xml = to_xml(batch)
    assert len(xml) > 8 * 3 * 64 * 1024
    with Client(config(cxf.url, mtom=mtom)) as client:
        receipt = client.send(batch)
    assert_sent(cxf, receipt.message_id, batch, xml, mtom=mtom)


@pytest.mark.parametrize("mtom", MODES)
@pytest.mark.parametrize("source", ["path", "file", "bytes"])
def test_send_payload_streams_what_write_batch_wrote(
    cxf: cxf_harness.Harness, tmp_path: Path, source: str, mtom: bool
) -> None:
    batch = letters_batch(5)
    xml = written(batch)
    path = tmp_path / "batch.xml"
    path.write_bytes(xml)
    with Client(config(cxf.url, mtom=mtom)) as client, path.open("rb") as f:
        payloads: dict[str, Payload] = {"path": path, "file": f, "bytes": xml}
        receipt = client.send_payload(payloads[source], batch.batch_id, batch.bericht_ids)
    assert_sent(cxf, receipt.message_id, batch, xml, mtom=mtom)


@pytest.mark.parametrize("mtom", MODES)
def test_a_batch_just_under_the_size_limit_passes_jacksons_limits(
    cxf: cxf_harness.Harness, tmp_path: Path, mtom: bool
) -> None:
    # BATCH-02 allows 100,000,000 bytes: as JSON that is a 133 MB base64 string, far past Jackson's
    # 20 M character limit for text (StreamReadConstraints), which a byte[] property does not have.
    path = tmp_path / "large.xml"
    piece = b"a" * 1_000_000
    sha = hashlib.sha256()
    with path.open("wb") as f:
        for chunk in (b"<x>", *[piece] * 99, b"a" * 999_993, b"</x>"):
            f.write(chunk)
            sha.update(chunk)
    assert path.stat().st_size == 100_000_000
    with Client(config(cxf.url, mtom=mtom)) as client:
        client.send_payload(path, uuid.uuid4(), [uuid.uuid4()])
    [source] = cxf.last()["dataSources"]
    assert (source["size"], source["sha256"]) == (100_000_000, sha.hexdigest())


# --- our readers on Jackson's output ---------------------------------------------------------------------


def protocol(url: str) -> EbmsProtocol:
    ebms = config(url).ebms
    assert ebms is not None
    return EbmsProtocol(ebms, Timeouts(total=30))


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-12-01T09:00:00Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-12-01T09:00:00.120Z", datetime(2026, 12, 1, 9, 0, 0, 120000, tzinfo=UTC)),
        ("2026-12-01T09:00:00.123456Z", datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC)),
        # Java keeps nanoseconds; Python's datetime keeps microseconds (the rest is cut, not rounded).
        ("2026-12-01T09:00:00.123456789Z", datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC)),
        ("2026-12-01T09:00:00.000000001Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_read_message_parses_jacksons_message(
    cxf: cxf_harness.Harness, instant: str, expected: datetime
) -> None:
    cxf.set_timestamp(instant)
    batch = letters_batch(1)
    xml = to_xml(batch)
    with Client(config(cxf.url)) as client:
        message_id = client.send(batch).message_id
    ebms = protocol(cxf.url)
    with httpx.Client(timeout=30) as http:
        response = http.send(ebms.message_request(message_id))
    raw = response.json()
    # Jackson as ebms-admin sets it up: ISO-8601 instants, null fields left out.
    assert raw["properties"]["timestamp"] == instant  # Instant.toString: 0, 3, 6 or 9 decimals
    assert "refToMessageId" not in raw["properties"]
    assert sorted(raw["dataSources"][0]) == ["content", "contentType", "name"]
    message = ebms.read_message(response, Context("read"))
    assert message.timestamp == expected
    assert (message.message_id, message.cpa_id, message.status) == (message_id, CPA_ID, "CREATED")
    assert (message.from_party_id, message.from_role) == (TEST_OIN.party_id, "SR")
    assert (message.to_party_id, message.to_role) == ("urn:osb:oin:00000001822477348000", "SP")
    assert (message.service, message.action) == (
        "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0",
        "GLOBE-R-BV-Request",
    )
    assert message.conversation_id == str(batch.batch_id)
    assert message.ref_to_message_id is None
    [source] = message.data_sources
    assert (source.name, source.content_type, source.content_id) == ("batch.xml", "text/xml", None)
    assert source.content == xml
    assert cxf.last_query() == {"path": "messages/{messageId}", "messageId": message_id, "process": False}


def test_a_message_sent_by_mtom_reads_back_with_its_part_headers(cxf: cxf_harness.Harness) -> None:
    batch = letters_batch(2)
    with Client(config(cxf.url, mtom=True)) as client:
        message_id = client.send(batch).message_id
    content_id = cxf.last()["dataSources"][0]["contentId"]
    ebms = protocol(cxf.url)
    with httpx.Client(timeout=30) as http:
        message = ebms.read_message(http.send(ebms.message_request(message_id)), Context("read"))
    # As ebms-core stores an MTOM attachment: the DataHandler's name and type, the part's Content-ID.
    [source] = message.data_sources
    assert (source.name, source.content_type, source.content_id) == ("batch.xml", "text/xml", content_id)
    assert source.content == to_xml(batch)


def test_read_message_parses_the_jvm_clock(cxf: cxf_harness.Harness) -> None:
    # No timestamp set: the harness stamps Instant.now(), whatever precision this JVM's clock has.
    before = datetime.now(UTC)
    with Client(config(cxf.url)) as client:
        message_id = client.send(letters_batch(1)).message_id
    ebms = protocol(cxf.url)
    with httpx.Client(timeout=30) as http:
        message = ebms.read_message(http.send(ebms.message_request(message_id)), Context("read"))
    assert message.timestamp is not None
    assert before - timedelta(seconds=5) <= message.timestamp <= datetime.now(UTC) + timedelta(seconds=5)


def test_unknown_message_is_a_404(cxf: cxf_harness.Harness) -> None:
    with httpx.Client(timeout=30) as http:
        response = http.send(protocol(cxf.url).message_request("no-such-id@host", process=True))
    assert (response.status_code, response.content) == (404, b"")
    assert cxf.last_query()["process"] is True


def test_events_query_and_answer_as_cxf_converts_them(cxf: cxf_harness.Harness) -> None:
    sent, failed, received = (f"{uuid.uuid4()}@msh" for _ in range(3))
    cxf.set_events(
        [
            {"messageId": sent, "type": "DELIVERED"},
            {"messageId": failed, "type": "FAILED"},
            {"messageId": received, "type": "RECEIVED"},
            {"messageId": sent, "type": "DELIVERED"},
        ]
    )
    with Client(config(cxf.url)) as client:
        events = client.events()
        query = cxf.last_query()
        limited = client.events([EventType.EXPIRED, EventType.DELIVERED], max_nr=1)
        limited_query = cxf.last_query()
    # The repeated event is listed once; RECEIVED is not a delivery event and was not asked for.
    assert [(e.message_id, e.type) for e in events] == [
        (sent, EventType.DELIVERED),
        (failed, EventType.FAILED),
    ]
    assert query == {
        "path": "events/unprocessed",
        "cpaId": CPA_ID,
        "fromPartyId": TEST_OIN.party_id,
        "fromRole": None,
        "toPartyId": None,
        "toRole": None,
        "service": "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0",
        "action": "GLOBE-R-BV-Request",
        "conversationId": None,
        "messageId": None,
        "refToMessageId": None,
        "eventTypes": ["DELIVERED", "FAILED", "EXPIRED"],
        "maxNr": 0,
    }
    assert [(e.message_id, e.type) for e in limited] == [(sent, EventType.DELIVERED)]
    assert (limited_query["eventTypes"], limited_query["maxNr"]) == (["EXPIRED", "DELIVERED"], 1)


LOGIUS = "urn:osb:oin:00000001822477348000"
BB_SERVICE = "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0"


def result_message(
    batch: Batch, message_id: str, ref_to: str | None
) -> tuple[dict[str, Any], VerwerkingsResultaat]:
    """A GLOBE-R-BV-Result from Logius to us for ``batch`` (every letter Verwerkt), as ebms-core writes it."""
    resultaat = VerwerkingsResultaat.tally(
        TEST_OIN.value,
        batch.batch_id,
        [BerichtResultaat(i, "WOZ", VerwerkingsCode.VERWERKT) for i in batch.bericht_ids],
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 9, 5, tzinfo=UTC),
    )
    properties = {
        "cpaId": CPA_ID,
        "fromParty": {"partyId": LOGIUS, "role": "SP"},
        "toParty": {"partyId": TEST_OIN.party_id, "role": "SR"},
        "service": BB_SERVICE,
        "action": "GLOBE-R-BV-Result",
        "timestamp": "2026-12-01T09:05:00.123456789Z",
        "conversationId": str(batch.batch_id),
        "messageId": message_id,
        "messageStatus": "RECEIVED",
    }
    if ref_to is not None:
        properties["refToMessageId"] = ref_to
    source = {
        "name": "response.xml",
        "contentType": "text/xml",
        "content": base64.b64encode(to_xml(resultaat)).decode(),
    }
    return {"properties": properties, "dataSources": [source]}, resultaat


def _calls(cxf: cxf_harness.Harness, path: str) -> list[dict[str, Any]]:
    return [c for c in cxf.calls() if c["path"] == path]


@pytest.mark.parametrize("with_events", [True, False], ids=["dao-events", "no-events"])
def test_results_are_read_from_jacksons_messages_and_acknowledged_by_id(
    cxf: cxf_harness.Harness, with_events: bool
) -> None:
    batch = letters_batch(3)
    with Client(config(cxf.url)) as client:
        receipt = client.send(batch)
        result_id = f"{uuid.uuid4()}@logius-msh"
        message, resultaat = result_message(batch, result_id, receipt.message_id)
        cxf.receive(message)
        # Not a result for us (another action): read once, left unprocessed, never acknowledged.
        other, _ = result_message(batch, f"{uuid.uuid4()}@logius-msh", None)
        other["properties"]["action"] = "GLOBE-R-A-Result"
        cxf.receive(other)
        if with_events:
            cxf.set_events([{"messageId": result_id, "type": "RECEIVED"}])
        collected = client.collect_results([receipt])
        again = client.results()
    assert collected.complete and not collected.unknown
    [result] = collected.results
    assert (result.message_id, result.batch_id, result.ref_to_message_id) == (
        result_id,
        batch.batch_id,
        receipt.message_id,
    )
    assert result.received_at == datetime(2026, 12, 1, 9, 5, 0, 123456, tzinfo=UTC)
    assert result.resultaat == resultaat
    assert {i: r.verwerkings_code for i, r in collected.per_bericht.items()} == dict.fromkeys(
        batch.bericht_ids, VerwerkingsCode.VERWERKT
    )
    assert again == []
    # The query as CXF converted it: results from Logius to us under our CPA, no limit.
    assert _calls(cxf, "messages/unprocessed")[0] == {
        "path": "messages/unprocessed",
        "cpaId": CPA_ID,
        "fromPartyId": LOGIUS,
        "fromRole": None,
        "toPartyId": TEST_OIN.party_id,
        "toRole": None,
        "service": BB_SERVICE,
        "action": "GLOBE-R-BV-Result",
        "conversationId": None,
        "messageId": None,
        "refToMessageId": None,
        "maxNr": 0,
    }
    # Acknowledged by its id as CXF decodes it from our path ("@" and all), the events too with DAO.
    assert _calls(cxf, "PATCH messages/{messageId}") == [
        {"path": "PATCH messages/{messageId}", "messageId": result_id}
    ]
    acked_events = [c["messageId"] for c in _calls(cxf, "PATCH events/{messageId}")]
    assert acked_events == ([result_id] if with_events else [])
    # Whether ebms-core stores events is asked with the result's RECEIVED event.
    [asked] = _calls(cxf, "events/unprocessed")
    assert (asked["cpaId"], asked["messageId"], asked["eventTypes"], asked["maxNr"]) == (
        CPA_ID,
        result_id,
        ["RECEIVED"],
        0,
    )


@pytest.mark.parametrize(
    "cpa_id", ["cpa-1", "cpa met spatie", "cpa/slash", "cpä", "a;b", "a%b", "a?b", "a+b"]
)
def test_path_parameters_reach_cxf_as_we_mean_them(cxf: cxf_harness.Harness, cpa_id: str) -> None:
    cfg = config(cxf.url)
    assert cfg.ebms is not None
    cfg = attrs.evolve(cfg, ebms=attrs.evolve(cfg.ebms, cpa_id=cpa_id))
    with Client(cfg) as client:
        client.ping()
        receipt = client.send(letters_batch(1))
        resent = client.resend(receipt)
        cxf.set_status(receipt.message_id, {"status": "RECEIVED", "timestamp": "2026-12-01T09:00:00.5Z"})
        cxf.set_status(resent.message_id, {"status": "NOT_RECOGNIZED"})
        status = client.status(receipt.message_id)
        unknown = client.status(resent.message_id)
    [ping] = _calls(cxf, "ping/{cpaId}/from/{fromPartyId}/to/{toPartyId}")
    assert (ping["cpaId"], ping["fromPartyId"], ping["toPartyId"]) == (cpa_id, TEST_OIN.party_id, LOGIUS)
    assert cxf.last()["properties"]["cpaId"] == cpa_id
    assert _calls(cxf, "PUT messages/{messageId}") == [
        {"path": "PUT messages/{messageId}", "messageId": receipt.message_id}
    ]
    assert resent.message_id != receipt.message_id and resent.previous_message_ids == (receipt.message_id,)
    assert status == (MessageStatus.RECEIVED, datetime(2026, 12, 1, 9, 0, 0, 500000, tzinfo=UTC))
    assert unknown == (MessageStatus.NOT_RECOGNIZED, None)


# --- differential: the same bad bodies to CXF and to the served simulator -------------------------------

_SIM_PROPERTIES: dict[str, Any] = {
    "cpaId": DEFAULT_CPA_ID,
    "fromPartyId": DEFAULT_SENDER_OIN.party_id,
    "fromRole": "SR",
    "toPartyId": "urn:osb:oin:00000001822477348000",
    "toRole": "SP",
    "service": "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0",
    "action": "GLOBE-R-BV-Request",
}
_XML = to_xml(
    Batch(afzender=DEFAULT_SENDER_OIN, berichten=[Bericht.create(TEST_BSNS[0], "WOZ", "Aanslag", TEKST)])
)
_B64 = base64.b64encode(_XML).decode()


def _json_body(**change: Any) -> bytes:
    """A MessageRequest for the simulator's default CPA. ``properties`` and ``source`` (the one data
    source) update those parts, ``drop_properties`` and ``drop_source`` remove keys from them, and any
    other keyword is set on the request itself."""
    properties = dict(_SIM_PROPERTIES, **change.pop("properties", {}))
    for key in change.pop("drop_properties", ()):
        del properties[key]
    source = dict(
        {"name": "batch.xml", "contentType": "text/xml", "content": _B64}, **change.pop("source", {})
    )
    for key in change.pop("drop_source", ()):
        del source[key]
    body: dict[str, Any] = {"properties": properties, "dataSources": [source]}
    body.update(change)
    return json.dumps(body).encode()


def _multipart(*parts: tuple[dict[str, str], bytes]) -> tuple[bytes, str]:
    boundary = f"diff-{uuid.uuid4().hex}"
    out = bytearray()
    for headers, content in parts:
        out += f"--{boundary}\r\n".encode()
        out += "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _properties_part(
    content: bytes | None = None, *, headers: dict[str, str] | None = None
) -> tuple[dict[str, str], bytes]:
    """The requestProperties part: our properties as JSON unless ``content``; a header given as ""
    is left out."""
    head = {"Content-Disposition": 'form-data; name="requestProperties"', "Content-Type": "application/json"}
    head.update(headers or {})
    body = content if content is not None else json.dumps(_SIM_PROPERTIES).encode()
    return {k: v for k, v in head.items() if v}, body


_ATTACHMENT = (
    {
        "Content-Disposition": 'form-data; name="attachment"; filename="batch.xml"',
        "Content-Type": "text/xml",
        "Content-ID": "<batch@mobb>",
    },
    _XML,
)


@attrs.frozen
class Case:
    """One request of the differential and CXF's verdict on it: status, body, media type (None: none)."""

    path: str
    body: bytes
    content_type: str
    status: int
    text: str = ""
    media_type: str | None = None
    #: False where the body is the text of ebms-core's handler, which the harness does not run.
    same_text: bool = True


def _json_case(body: bytes, status: int, text: str = "", media: str | None = None) -> Case:
    if status == 200:
        media = "text/plain"
    return Case("ebms/messages", body, "application/json", status, text, media)


def _mtom_case(
    parts: list[tuple[dict[str, str], bytes]], status: int, text: str = "", media: str | None = None
) -> Case:
    body, content_type = _multipart(*parts)
    if status == 200:
        media = "text/plain"
    return Case("ebms/messages/mtom", body, content_type, status, text, media)


#: CXF's verdicts (500 with no body: Jackson could not build the bean and CXF mapped the exception;
#: 400 with no body: a required multipart part is missing). A 200 means CXF handed the beans to the
#: resource: ebms-core's own checks come next (the simulator's default CPA passes them).
DIFFERENTIAL: dict[str, Case] = {
    "json: a good send": _json_case(_json_body(), 200),
    "json: not JSON": _json_case(b"not json", 500),
    "json: a JSON list": _json_case(b"[]", 500),
    "json: no properties": _json_case(json.dumps({"dataSources": []}).encode(), 500),
    "json: properties null": _json_case(json.dumps({"properties": None}).encode(), 500),
    "json: no cpaId": _json_case(_json_body(drop_properties=["cpaId"]), 500),
    "json: cpaId null": _json_case(_json_body(properties={"cpaId": None}), 500),
    "json: an unknown property": _json_case(_json_body(properties={"batchId": "x"}), 500),
    "json: an unknown field": _json_case(_json_body(attachments=[]), 500),
    "json: a property that is an object": _json_case(_json_body(properties={"conversationId": {}}), 500),
    "json: a number where text goes": _json_case(_json_body(properties={"conversationId": 12345}), 200),
    "json: no dataSources": _json_case(json.dumps({"properties": _SIM_PROPERTIES}).encode(), 200),
    "json: dataSources an object": _json_case(
        json.dumps({"properties": _SIM_PROPERTIES, "dataSources": {}}).encode(), 500
    ),
    "json: a data source that is text": _json_case(
        json.dumps({"properties": _SIM_PROPERTIES, "dataSources": ["batch.xml"]}).encode(), 500
    ),
    "json: content not base64": _json_case(_json_body(source={"content": "***"}), 500),
    "json: content without padding": _json_case(_json_body(source={"content": _B64.rstrip("=") + "x"}), 500),
    "json: content with a line break between groups": _json_case(
        _json_body(source={"content": _B64[:76] + "\n" + _B64[76:]}), 200
    ),
    "json: no content": _json_case(_json_body(drop_source=["content"]), 500),
    "json: no contentType": _json_case(_json_body(drop_source=["contentType"]), 500),
    "json: an unknown data source field": _json_case(_json_body(source={"size": 3}), 500),
    "json: as text/plain": Case("ebms/messages", _json_body(), "text/plain", 415),
    "json: without Content-Type": Case("ebms/messages", _json_body(), "", 415),
    # CXF hands the resource no MessageRequest; ebms-core's handler then fails on the null (a 500 with
    # the JVM's NullPointerException text, which the harness does not produce).
    "json: an empty body": Case(
        "ebms/messages", b"", "application/json", 500, "", "text/plain", same_text=False
    ),
    "json: null": Case("ebms/messages", b"null", "application/json", 500, "", "text/plain", same_text=False),
    "mtom: a good send": _mtom_case([_properties_part(), _ATTACHMENT], 200),
    "mtom: no requestProperties part": _mtom_case([_ATTACHMENT], 400),
    "mtom: requestProperties not JSON": _mtom_case([_properties_part(b"cpaId=x"), _ATTACHMENT], 500),
    "mtom: requestProperties without cpaId": _mtom_case(
        [
            _properties_part(json.dumps({k: v for k, v in _SIM_PROPERTIES.items() if k != "cpaId"}).encode()),
            _ATTACHMENT,
        ],
        500,
    ),
    "mtom: requestProperties with an unknown property": _mtom_case(
        [_properties_part(json.dumps(dict(_SIM_PROPERTIES, batchId="x")).encode()), _ATTACHMENT], 500
    ),
    # No reader takes the part (not JSON): the resource gets null, ebms-core's MTOMMessageRequest refuses it.
    "mtom: requestProperties without Content-Type": _mtom_case(
        [_properties_part(headers={"Content-Type": ""}), _ATTACHMENT],
        500,
        "properties is marked non-null but is null",
        "text/plain",
    ),
    "mtom: no attachment part": _mtom_case([_properties_part()], 400),
    "mtom: requestProperties named by Content-ID": _mtom_case(
        [
            _properties_part(
                headers={
                    "Content-Disposition": 'form-data; name="other"',
                    "Content-ID": "<requestProperties>",
                }
            ),
            _ATTACHMENT,
        ],
        200,
    ),
    "mtom: requestProperties as text/json": _mtom_case(
        [_properties_part(headers={"Content-Type": "text/json"}), _ATTACHMENT], 200
    ),
    "mtom: as multipart/related": Case(
        "ebms/messages/mtom",
        _multipart(_properties_part(), _ATTACHMENT)[0],
        "multipart/related; boundary=x",
        415,
    ),
    "mtom: a JSON body": Case("ebms/messages/mtom", _json_body(), "application/json", 415),
}


def _verdict(http: httpx.Client, url: str, case: Case) -> tuple[int, str, str | None]:
    headers = {"Accept": "text/plain"}
    if case.content_type:
        headers["Content-Type"] = case.content_type
    response = http.post(f"{url}/{case.path}", content=case.body, headers=headers)
    media = response.headers.get("Content-Type")
    text = response.text if response.status_code != 200 and case.same_text else ""
    return response.status_code, text, media.split(";")[0].strip() if media else None


@pytest.fixture(scope="module")
def served_simulator() -> Iterator[str]:
    with Simulator().serve() as server:
        yield server.ebms_url


@pytest.mark.parametrize("name", list(DIFFERENTIAL))
def test_bad_bodies_get_cxfs_verdict_from_the_harness_and_the_simulator(
    cxf: cxf_harness.Harness, served_simulator: str, name: str
) -> None:
    case = DIFFERENTIAL[name]
    with httpx.Client(timeout=30) as http:
        harness = _verdict(http, cxf.url, case)
        simulator = _verdict(http, served_simulator, case)
    assert harness == (case.status, case.text, case.media_type), "CXF's verdict"
    assert simulator == harness, "the simulator's verdict"


def _attachment(
    content_id: str | None = "<batch@mobb>",
    filename: str | None = "batch.xml",
    media: str | None = "text/xml",
) -> tuple[dict[str, str], bytes]:
    disposition = 'form-data; name="attachment"' + (f'; filename="{filename}"' if filename else "")
    headers = {"Content-Disposition": disposition}
    if media:
        headers["Content-Type"] = media
    if content_id:
        headers["Content-ID"] = content_id
    return headers, _XML


#: Sends both accept, and what each keeps of the data sources: name, Content-ID, media type, bytes.
STORED: dict[str, Case] = {
    "mtom: no Content-ID": _mtom_case([_properties_part(), _attachment(None)], 200),
    "mtom: two parts without Content-ID": _mtom_case(
        [_properties_part(), _attachment(None), _attachment(None)], 200
    ),
    "mtom: a bare Content-ID": _mtom_case([_properties_part(), _attachment("batch@mobb")], 200),
    "mtom: no filename": _mtom_case([_properties_part(), _attachment(filename=None)], 200),
    "mtom: no Content-Type": _mtom_case([_properties_part(), _attachment(media=None)], 200),
    "mtom: a charset parameter": _mtom_case(
        [_properties_part(), _attachment(media="text/xml; charset=UTF-8")], 200
    ),
    "json: a name and a contentId": _json_case(
        _json_body(source={"name": "b.xml", "contentId": "cid-1"}), 200
    ),
    "json: no name": _json_case(_json_body(source={"contentId": "cid-1"}, drop_source=["name"]), 200),
}


def _kept(source: dict[str, Any], content: bytes) -> tuple[Any, ...]:
    return (
        source.get("name"),
        source.get("contentId"),
        source["contentType"],
        hashlib.sha256(content).hexdigest(),
    )


@pytest.mark.parametrize("name", list(STORED))
def test_the_data_sources_are_kept_as_cxf_hands_them_over(
    cxf: cxf_harness.Harness, served_simulator: str, name: str
) -> None:
    case = STORED[name]
    with httpx.Client(timeout=30) as http:
        assert _verdict(http, cxf.url, case)[0] == 200
        harness = [
            (s["name"], s["contentId"], s["contentType"], s["sha256"]) for s in cxf.last()["dataSources"]
        ]
        sent = http.post(
            f"{served_simulator}/{case.path}", content=case.body, headers={"Content-Type": case.content_type}
        )
        assert sent.status_code == 200, sent.text
        got = http.get(f"{served_simulator}/ebms/messages/{sent.text}").json()
    simulator = [_kept(s, base64.b64decode(s["content"])) for s in got["dataSources"]]
    assert simulator == harness


def test_the_simulator_writes_a_message_in_jacksons_shape(
    cxf: cxf_harness.Harness, served_simulator: str
) -> None:
    # The same send to both; their GET /ebms/messages/{id} must have the same keys, nesting and kinds
    # of value (an instant ending in Z, base64 text), nulls left out in both. With a contentId: without
    # one, ebms-core (and the simulator) make one up, which the harness's echo does not.
    body = _json_body(source={"contentId": "cid-shape"})
    with httpx.Client(timeout=30) as http:
        shapes = []
        for url in (cxf.url, served_simulator):
            sent = http.post(
                f"{url}/ebms/messages", content=body, headers={"Content-Type": "application/json"}
            )
            assert sent.status_code == 200, sent.text
            shapes.append(shape(http.get(f"{url}/ebms/messages/{sent.text}").json()))
    assert shapes[0] == shapes[1]
    assert shapes[0]["properties"]["timestamp"] == "instant"


#: CXF's conversion of query parameters (JAX-RS: a value that does not convert is a 404, no body).
QUERIES: dict[str, tuple[str, list[tuple[str, str]], int]] = {
    "events: two eventTypes": (
        "ebms/events/unprocessed",
        [("eventTypes", "DELIVERED"), ("eventTypes", "FAILED")],
        200,
    ),
    "events: an unknown event type": ("ebms/events/unprocessed", [("eventTypes", "ARRIVED")], 404),
    "events: eventTypes comma-separated": (
        "ebms/events/unprocessed",
        [("eventTypes", "DELIVERED,FAILED")],
        404,
    ),
    "events: eventTypes lower case": ("ebms/events/unprocessed", [("eventTypes", "delivered")], 404),
    "events: maxNr not a number": ("ebms/events/unprocessed", [("maxNr", "x")], 404),
    "events: maxNr=0": ("ebms/events/unprocessed", [("maxNr", "0")], 200),
    "unprocessed: maxNr not a number": ("ebms/messages/unprocessed", [("maxNr", "1.5")], 404),
    "unprocessed: maxNr=0": ("ebms/messages/unprocessed", [("maxNr", "0")], 200),
    "message: unknown, process=maybe": ("ebms/messages/no-such-id", [("process", "maybe")], 404),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_parameters_get_cxfs_conversion_from_the_harness_and_the_simulator(
    cxf: cxf_harness.Harness, served_simulator: str, name: str
) -> None:
    path, params, status = QUERIES[name]
    with httpx.Client(timeout=30) as http:
        harness, simulator = (http.get(f"{url}/{path}", params=params) for url in (cxf.url, served_simulator))
    assert harness.status_code == status, "CXF's verdict"
    assert simulator.status_code == status, "the simulator's verdict"
    if status == 404:
        assert harness.content == simulator.content == b""
    else:
        assert isinstance(harness.json(), list) and isinstance(simulator.json(), list)
