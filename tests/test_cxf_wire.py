"""Our ebms-core REST wire format against ebms-core's real parsing stack: Apache CXF 4.0.6 and Jackson 2.17.2.

The harness (tests/java/cxf_rest, see tests/cxf_harness.py) has ebms-core 2.20.2's resource signatures
and bean shapes and ebms-admin's Jackson configuration, so CXF and Jackson read our bodies as they do in
ebms-core. The client sends through it; the tests compare what the beans got with what we meant; our
readers parse Jackson's own output; bad bodies get the same verdict from the harness and the simulator.
Without java or mvn the module is skipped, except under CI (CI set), where that fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobb_sdk import (
    AsyncClient,
    Batch,
    Bericht,
    Bijlage,
    Client,
    ClientConfig,
    EbmsConfig,
    EventType,
    Timeouts,
    make_pdf,
    to_xml,
    write_batch,
)
from mobb_sdk._client import Payload
from mobb_sdk._ebms import Context, EbmsProtocol

from . import cxf_harness
from .conftest import TEST_BSNS, TEST_OIN

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


def assert_json_send(cxf: cxf_harness.Harness, message_id: str, batch: Batch, xml: bytes) -> None:
    last = cxf.last()
    assert last["path"] == "json"
    assert last["messageId"] == message_id
    assert last["properties"] == expected_properties(batch)
    assert last["dataSources"] == [
        {"name": "batch.xml", "contentId": None, "contentType": "text/xml", **digest(xml)}
    ]


# --- JSON: POST /ebms/messages ---------------------------------------------------------------------------


def test_json_send_sync_is_read_by_jackson_as_we_mean_it(cxf: cxf_harness.Harness) -> None:
    batch = letters_batch()
    xml = to_xml(batch)
    assert xml == written(batch)  # the two writers agree, so either is the reference
    assert TEKST.encode() in xml
    with Client(config(cxf.url)) as client:
        receipt = client.send(batch)
    assert receipt.attempts == 1
    assert_json_send(cxf, receipt.message_id, batch, xml)


def test_json_send_async_is_read_by_jackson_as_we_mean_it(cxf: cxf_harness.Harness) -> None:
    batch = letters_batch(2, pdfs=2)

    async def send() -> str:
        async with AsyncClient(config(cxf.url)) as client:
            return (await client.send(batch)).message_id

    message_id = asyncio.run(send())
    assert_json_send(cxf, message_id, batch, to_xml(batch))


def test_a_batch_of_many_base64_chunks_arrives_byte_for_byte(cxf: cxf_harness.Harness) -> None:
    # Larger than several of the encoder's read steps (192 KiB), so chunk joins are crossed many times.
    batch = letters_batch(12, pdfs=2, pdf_size=100_001)
    xml = to_xml(batch)
    assert len(xml) > 8 * 3 * 64 * 1024
    with Client(config(cxf.url)) as client:
        receipt = client.send(batch)
    assert_json_send(cxf, receipt.message_id, batch, xml)


@pytest.mark.parametrize("source", ["path", "file", "bytes"])
def test_send_payload_streams_what_write_batch_wrote(
    cxf: cxf_harness.Harness, tmp_path: Path, source: str
) -> None:
    batch = letters_batch(5)
    xml = written(batch)
    path = tmp_path / "batch.xml"
    path.write_bytes(xml)
    with Client(config(cxf.url)) as client, path.open("rb") as f:
        payloads: dict[str, Payload] = {"path": path, "file": f, "bytes": xml}
        payload = payloads[source]
        receipt = client.send_payload(payload, batch.batch_id, batch.bericht_ids)
    assert_json_send(cxf, receipt.message_id, batch, xml)


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
