"""``Client.send_payload`` / ``AsyncClient.send_payload``: a batch serialised beforehand, streamed from a
file (the outbox's way to send 100 MB batches without holding them in memory)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
import pytest

from mobb_sdk import AsyncClient, Batch, Client, ValidationError, VerwerkingsCode, make_pdf, write_batch
from mobb_sdk._ebms import FilePayload, SendBody
from tests.outbox_support import OIN, config, letter, simulator


def _batch(tmp_path: Path, n: int = 3) -> tuple[Batch, Path]:
    batch = Batch(afzender=OIN, berichten=[letter(i + 2, bijlagen=[make_pdf(f"b{i}")]) for i in range(n)])
    path = tmp_path / "batch.xml"
    write_batch(batch, path)
    return batch, path


@pytest.mark.parametrize("form", ["path", "file", "bytes"])
def test_send_payload_sync(tmp_path: Path, form: str) -> None:
    sim = simulator(10)
    batch, path = _batch(tmp_path)
    with Client(config(), transport=sim.transport()) as client:
        if form == "file":
            with path.open("rb") as f:
                receipt = client.send_payload(f, batch.batch_id, batch.bericht_ids)
        else:
            receipt = client.send_payload(
                path if form == "path" else path.read_bytes(), batch.batch_id, batch.bericht_ids
            )
        collected = client.collect_results([receipt])
    [sent] = sim.inspect.sent_messages()
    assert sent.payload_size == path.stat().st_size and sent.conversation_id == str(batch.batch_id)
    assert receipt.bericht_ids == batch.bericht_ids
    assert {r.verwerkings_code for r in collected.per_bericht.values()} == {VerwerkingsCode.VERWERKT}


def test_send_payload_async(tmp_path: Path) -> None:
    sim = simulator(10)
    batch, path = _batch(tmp_path)

    async def send() -> None:
        async with AsyncClient(config(), transport=sim.transport()) as client:
            await client.send_payload(path, batch.batch_id, batch.bericht_ids)

    asyncio.run(send())
    assert set(sim.inspect.bericht_ids_received()) == set(batch.bericht_ids)


def test_a_retry_reads_the_file_again_and_sends_the_same_bytes(tmp_path: Path) -> None:
    sim = simulator(10)
    sim.faults.drop_next("send", applied=True)  # stored, then the connection drops: the client sends again
    batch, path = _batch(tmp_path)
    with Client(config(), transport=sim.transport(), sleep=lambda s: None) as client:
        receipt = client.send_payload(path, batch.batch_id, batch.bericht_ids)
    assert receipt.attempts == 2
    first, second = sim.inspect.sent_messages()
    assert first.payload_size == second.payload_size == path.stat().st_size
    assert first.bericht_ids == second.bericht_ids == batch.bericht_ids


def test_the_body_streams_from_disk_with_an_exact_length(tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000 + b"x"  # not a multiple of 3
    path = tmp_path / "p.bin"
    path.write_bytes(data)
    body = SendBody(b'{"a":"', FilePayload(path), b'"}', encode=True)
    chunks = list(body)
    assert len(chunks) > 3  # read in pieces, not at once
    joined = b"".join(chunks)
    assert len(joined) == body.length and joined == b"".join(list(body))  # re-iterable
    import base64

    assert base64.b64decode(joined[6:-2]) == data
    request = httpx.Request("POST", "http://x/", stream=body)
    assert b"".join(request.stream) == joined  # type: ignore[arg-type]
    assert SendBody(b"", FilePayload(io.BytesIO(data)), b"", encode=True).length == len(
        base64.b64encode(data)
    )
    raw = SendBody(b"<", FilePayload(io.BytesIO(data)), b">", encode=False)
    assert b"".join(raw) == b"<" + data + b">" and raw.length == len(data) + 2


def test_an_oversized_payload_is_refused_before_sending(tmp_path: Path) -> None:
    sim = simulator(10)
    big = tmp_path / "big.xml"
    with big.open("wb") as f:
        f.truncate(100_000_001)  # sparse: BATCH-02 is judged by size, nothing is read
    batch, _ = _batch(tmp_path)
    with Client(config(), transport=sim.transport()) as client, pytest.raises(ValidationError) as info:
        client.send_payload(big, batch.batch_id, batch.bericht_ids)
    assert info.value.violations[0].rule == "BATCH-02"
    assert not sim.inspect.sent_messages()
