"""Client.send streams the batch (XML written, and for the JSON call base64-encoded, as httpx sends it)
with the guarantee of the whole-document XSD check: a batch breaking any facet is refused before anything
is sent, by the JSON call and by the MTOM call alike."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import time
import types
import uuid
from collections.abc import Callable
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mobb_sdk import (
    AsyncClient,
    Batch,
    Bijlage,
    Client,
    EbmsConfig,
    EbmsConfigurationError,
    RetryPolicy,
    Timeouts,
    TransportTimeout,
    ValidationError,
    make_pdf,
    to_xml,
    validate,
    write_batch,
)
from mobb_sdk._codec import BatchXml, batch_skeleton_valid
from mobb_sdk._ebms import SendBody, base64_stream, gathered
from mobb_sdk.simulator._wire import multipart_parts
from tests import outbox_support
from tests.client_fakes import make_config
from tests.conftest import TEST_OIN, make_batch, make_bericht
from tests.hostile_servers import scripted_server


def _body(batch: Batch) -> bytes:
    return b"".join(SendBody(b"HEAD", BatchXml(batch), b"TAIL", encode=True))


@given(st.lists(st.binary(max_size=700), max_size=12), st.integers(min_value=1, max_value=64))
def test_base64_stream_is_the_base64_of_the_whole(pieces: list[bytes], step: int) -> None:
    assert b"".join(base64_stream(pieces, step)) == base64.b64encode(b"".join(pieces))


@given(st.lists(st.binary(max_size=100), max_size=30), st.integers(min_value=1, max_value=64))
def test_gathered_joins_small_pieces_and_passes_large_ones(pieces: list[bytes], step: int) -> None:
    chunks = list(gathered(pieces, step))
    assert b"".join(chunks) == b"".join(pieces)
    assert all(chunks)  # no empty writes
    assert all(
        len(c) < 2 * step or c in pieces for c in chunks
    )  # gathered up to step, large ones as they are
    assert len(chunks) <= sum(1 for p in pieces if len(p) >= step) * 2 + sum(map(len, pieces)) // step + 1


def test_batch_body_is_the_json_of_the_document_and_the_same_on_every_iteration() -> None:
    big = bytes(random.Random(3).getrandbits(8) for _ in range(300_001))  # chunks and a ragged end
    batch = Batch(TEST_OIN, [make_bericht(0, bijlagen=[big, make_pdf("Aanslag")]), make_bericht(1)])
    body = SendBody(b"HEAD", BatchXml(batch), b"TAIL", encode=True)
    data = b"".join(body)
    assert data == b"HEAD" + base64.b64encode(to_xml(batch)) + b"TAIL"
    assert body.length == len(data) and b"".join(body) == data  # again: a retry sends the same bytes
    assert BatchXml(batch).size == len(to_xml(batch))


class _Recorder:
    """ebms-core answering every POST with a message id, keeping what it received."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[bytes] = []
        self.requests: list[httpx.Request] = []
        self.fail_first = fail_first

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.read())
        self.requests.append(request)
        if len(self.bodies) <= self.fail_first:
            return httpx.Response(503)
        return httpx.Response(200, text=f"msg-{len(self.bodies)}")


def _send(kind: str, batch: Batch, recorder: _Recorder, *, mtom: bool = False) -> Any:
    config = make_config(retry=RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0))
    config = attrs.evolve(config, ebms=attrs.evolve(config.ebms, mtom=mtom))
    transport = httpx.MockTransport(recorder.handle)
    if kind == "sync":
        with Client(config, transport=transport, sleep=lambda _: None) as client:
            return client.send(batch)

    async def run() -> Any:
        async def nap(_: float) -> None:
            return None

        async with AsyncClient(config, transport=transport, sleep=nap) as client:
            return await client.send(batch)

    return asyncio.run(run())


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_send_streams_the_document_and_a_retry_sends_the_same_bytes(kind: str) -> None:
    batch = make_batch(3, with_pdf=True)
    recorder = _Recorder(fail_first=1)
    receipt = _send(kind, batch, recorder)
    assert receipt.attempts == 2 and len(recorder.bodies) == 2
    assert recorder.bodies[0] == recorder.bodies[1]
    sent = json.loads(recorder.bodies[1])
    assert sent["properties"]["conversationId"] == str(batch.batch_id)
    assert base64.b64decode(sent["dataSources"][0]["content"]) == to_xml(batch)
    assert recorder.requests[1].url.path.endswith("/ebms/messages")


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_mtom_send_carries_the_document_raw_and_a_retry_sends_the_same_bytes(kind: str) -> None:
    pdf = Bijlage.from_bytes(make_pdf("Aanslag"), "Aanslagbiljet")
    tekst = "Geachte heer Müller, € 12,50 — zie bijlage."
    batch = Batch(TEST_OIN, [make_bericht(i, bericht_tekst=tekst, bijlagen=[pdf]) for i in range(3)])
    recorder = _Recorder(fail_first=1)
    receipt = _send(kind, batch, recorder, mtom=True)
    assert receipt.attempts == 2 and recorder.bodies[0] == recorder.bodies[1]
    request = recorder.requests[1]
    assert request.url.path.endswith("/ebms/messages/mtom")
    assert int(request.headers["Content-Length"]) == len(recorder.bodies[1])
    parts = multipart_parts(request)
    assert [p.name for p in parts] == ["requestProperties", "attachment"]
    properties, payload = parts
    assert properties.content_type == "application/json"
    sent = json.loads(properties.content)
    assert sent["conversationId"] == str(batch.batch_id) and sent["action"] == "GLOBE-R-BV-Request"
    assert payload.content == to_xml(batch)  # raw: not base64 a second time
    assert (payload.content_type, payload.filename) == ("text/xml", "batch.xml")
    assert payload.content_id and uuid.UUID(payload.content_id)
    assert len(recorder.bodies[1]) < len(to_xml(batch)) + 1000


def test_an_mtom_send_is_stored_by_the_simulator_and_gets_its_result() -> None:
    sim = outbox_support.simulator(2)
    config = outbox_support.config()
    config = attrs.evolve(config, ebms=attrs.evolve(config.ebms, mtom=True))
    batch = Batch(outbox_support.OIN, [make_bericht(0, bijlagen=[make_pdf("Aanslag")]), make_bericht(1)])
    with Client(config, transport=sim.transport()) as client:
        receipt = client.send(batch)
    (sent,) = sim.inspect.sent_messages()
    assert sent.message_id == receipt.message_id and sent.payload_size == len(to_xml(batch))
    (record,) = sim.inspect.batches()
    assert record.result is not None and record.result.batch_id == batch.batch_id


@pytest.mark.parametrize("status", [404, 405, 415])
def test_an_msh_without_the_mtom_endpoint_is_a_configuration_error(status: int) -> None:
    config = make_config(ebms=attrs.evolve(make_config().ebms, mtom=True))
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status)

    client = Client(config, transport=httpx.MockTransport(answer))
    with client, pytest.raises(EbmsConfigurationError, match="MOBB_EBMS_MTOM=0") as caught:
        client.send(make_batch(1))
    assert caught.value.status == status and len(sent) == 1  # not retried


def _set(obj: object, **values: object) -> None:
    for name, value in values.items():
        object.__setattr__(obj, name, value)  # past the models' own checks, on purpose


def _letter(i: int = 0, **values: object) -> Callable[[], Batch]:
    def make() -> Batch:
        batch = make_batch(2, with_pdf=True)
        _set(batch.berichten[i], **values)
        return batch

    return make


def _bijlage(**values: object) -> Callable[[], Batch]:
    def make() -> Batch:
        batch = make_batch(2, with_pdf=True)
        _set(batch.berichten[1].bijlagen[0], **values)
        return batch

    return make


def _batch(**values: object) -> Callable[[], Batch]:
    def make() -> Batch:
        batch = make_batch(2)
        _set(batch, **values)
        return batch

    return make


def _bsn(value: str) -> Callable[[], Batch]:
    def make() -> Batch:
        batch = make_batch(2)
        _set(batch.berichten[0].bsn, value=value)
        return batch

    return make


def _afzender(value: str) -> Callable[[], Batch]:
    def make() -> Batch:
        batch = make_batch(1)
        _set(batch, afzender=types.SimpleNamespace(value=value))
        return batch

    return make


def _three_bijlagen() -> Batch:
    batch = make_batch(1, with_pdf=True)
    one = batch.berichten[0].bijlagen[0]
    _set(batch.berichten[0], bijlagen=(one, attrs.evolve(one, volgorde=2), attrs.evolve(one, volgorde=3)))
    return batch


#: One batch per facet of GLOBEBatchRequest(Types).xsd, each broken past the models' checks.
BROKEN: dict[str, Callable[[], Batch]] = {
    "BerichtType minLength": _letter(bericht_type=""),
    "BerichtType maxLength": _letter(bericht_type="X" * 9),
    "Onderwerp minLength": _letter(onderwerp=""),
    "Onderwerp maxLength": _letter(1, onderwerp="x" * 51),
    "BerichtTekst maxLength": _letter(bericht_tekst="x" * 4001),
    "Referentie maxLength": _letter(referentie="r" * 26),
    "GebruikerID minLength": _bsn(""),
    "SoortGebruiker enumeration": _letter(soort_gebruiker=types.SimpleNamespace(value="Bedrijf")),
    "BerichtID guid pattern": _letter(bericht_id="not-a-guid"),
    "BatchID guid pattern": _batch(batch_id="0000-not-a-guid"),
    "BerichtLeverancierID minLength": _afzender(""),
    "BerichtLeverancierID maxLength": _afzender("0" * 26),
    "Bericht minOccurs": _batch(berichten=()),
    "Bericht maxOccurs": _batch(berichten=tuple(make_bericht(i) for i in range(1001))),
    "Bijlage maxOccurs": _three_bijlagen,
    "Inhoud minLength": _bijlage(inhoud=b""),
    "BijlageType enumeration": _bijlage(bijlage_type=types.SimpleNamespace(value="Docx")),
    "Omschrijving minLength": _bijlage(omschrijving=""),
    "Omschrijving maxLength": _bijlage(omschrijving="o" * 129),
    "Volgorde xs:int": _bijlage(volgorde=2**31),
}


@pytest.mark.parametrize("facet", list(BROKEN))
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("mtom", [False, True], ids=["json", "mtom"])
def test_a_batch_breaking_a_facet_is_refused_on_the_streaming_path(kind: str, facet: str, mtom: bool) -> None:
    batch = BROKEN[facet]()
    assert not validate(to_xml(batch)).ok, "the whole document breaks the XSD (the reference verdict)"
    assert batch_skeleton_valid(batch), "the skeleton check (what streaming relies on) sees it too"
    recorder = _Recorder()
    with pytest.raises(ValidationError):
        _send(kind, batch, recorder, mtom=mtom)
    assert recorder.bodies == []  # nothing was sent
    with pytest.raises(ValidationError):
        write_batch(batch, _Sink())


class _Sink:
    def write(self, data: bytes) -> int:
        raise AssertionError("nothing may be written")


def test_a_server_that_stops_reading_the_streamed_body_meets_the_total_deadline() -> None:
    pdf = make_pdf("Aanslag", pad_to=240_000)
    batch = Batch(TEST_OIN, [make_bericht(i, bijlagen=[pdf, pdf]) for i in range(60)])  # ~38 MB of body
    # The server reads the request's first bytes, then nothing for 8 s: the upload stalls.
    with scripted_server([8.0]) as url:
        config = make_config(
            ebms=EbmsConfig(url=f"{url}/service/rest/v19", cpa_id="cpa-1", party_oin=TEST_OIN),
            timeouts=Timeouts(connect=2.0, read=5.0, write=5.0, pool=2.0, total=1.0),
            retry=RetryPolicy.never(),
        )
        with Client(config) as client:
            started = time.monotonic()
            with pytest.raises(TransportTimeout):
                client.send(batch)
            assert time.monotonic() - started < 4.0
