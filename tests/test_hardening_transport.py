"""Issue 12 item 1: a total deadline per HTTP exchange, against servers that drip their answer."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import attrs
import httpx
import pytest

from mobb_sdk import (
    AsyncClient,
    Client,
    ClientConfig,
    EbmsConfig,
    RetryPolicy,
    Timeouts,
    TransportTimeout,
)
from mobb_sdk._deadline import is_installed
from tests.conftest import TEST_OIN
from tests.hostile_servers import drip, scripted_server

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n"


def _config(url: str, total: float = 1.0) -> ClientConfig:
    return ClientConfig(
        sender_oin=TEST_OIN,
        ebms=EbmsConfig(url=f"{url}/service/rest/v19", cpa_id="cpa-1", party_oin=TEST_OIN),
        timeouts=Timeouts(connect=2.0, read=5.0, write=5.0, pool=2.0, total=total),
        retry=RetryPolicy.never(),
    )


# A body dripped one byte every 0.2 s: 40 bytes would take 8 s, every single read is well within 5 s.
BODY_DRIP = [HEAD, *drip(b"x" * 40, 0.2)]
# The status line and headers themselves dripped: the answer never even begins within the deadline.
HEAD_DRIP = drip(HEAD, 0.2)


@pytest.mark.parametrize("script", [BODY_DRIP, HEAD_DRIP], ids=["body", "headers"])
def test_sync_total_deadline_cuts_a_dripping_server(script: list[bytes | float]) -> None:
    with scripted_server(script) as url, Client(_config(url)) as client:
        started = time.monotonic()
        with pytest.raises(TransportTimeout) as info:
            client.status("m-1")
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 5.0  # the drip alone would take 8 s
    assert "total deadline of 1 s" in str(info.value)
    assert "MOBB_TIMEOUT_TOTAL" in str(info.value)
    assert info.value.retryable


@pytest.mark.parametrize("script", [BODY_DRIP, HEAD_DRIP], ids=["body", "headers"])
def test_async_total_deadline_cuts_a_dripping_server(script: list[bytes | float]) -> None:
    async def run() -> tuple[float, TransportTimeout]:
        async with AsyncClient(_config(url)) as client:
            started = time.monotonic()
            with pytest.raises(TransportTimeout) as info:
                await client.status("m-1")
            return time.monotonic() - started, info.value

    with scripted_server(script) as url:
        elapsed, error = asyncio.run(run())
    assert 0.9 <= elapsed < 5.0  # the drip alone would take 8 s
    assert "total deadline of 1 s" in str(error)


def test_retries_each_get_their_own_deadline() -> None:
    slept: list[float] = []
    with scripted_server(BODY_DRIP) as url:
        config = attrs.evolve(
            _config(url, total=0.6), retry=RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0)
        )
        with Client(config, sleep=slept.append) as client:
            started = time.monotonic()
            with pytest.raises(TransportTimeout):
                client.status("m-1")
            elapsed = time.monotonic() - started
    assert len(slept) == 1  # the first try timed out and was retried once
    assert 1.1 <= elapsed < 6.0  # two tries of the 8 s drip would take 16 s


def test_a_callers_transport_is_held_to_the_deadline_between_chunks() -> None:
    def slow_chunks() -> httpx.SyncByteStream:
        class Body(httpx.SyncByteStream):
            def __iter__(self):  # type: ignore[no-untyped-def]
                for _ in range(40):
                    time.sleep(0.1)
                    yield b"x"

        return Body()

    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=slow_chunks()))
    with Client(_config("http://127.0.0.1:9", total=0.5), transport=transport) as client:
        started = time.monotonic()
        with pytest.raises(TransportTimeout, match="total deadline"):
            client.status("m-1")
        assert time.monotonic() - started < 3.5  # the chunks alone take 4 s


def test_the_default_transport_keeps_the_deadline_at_each_network_operation() -> None:
    # Guards the one place that reaches into httpx (the pool's network backend): fails on an httpx
    # release that moves it, rather than silently losing the deadline for dripping servers.
    with Client(_config("http://127.0.0.1:9")) as client:
        assert is_installed(client._http._transport)


def test_total_comes_from_the_environment() -> None:
    env = {"MOBB_SENDER_OIN": str(TEST_OIN), "MOBB_TIMEOUT_TOTAL": "7.5"}
    assert ClientConfig.from_env(env).timeouts.total == 7.5
    assert ClientConfig.from_env({"MOBB_SENDER_OIN": str(TEST_OIN)}).timeouts.total == 60.0


def test_a_server_that_stops_reading_the_request_meets_the_deadline() -> None:
    # The request (a 48 MiB payload) stalls once the socket buffers are full: each write is within its
    # own 5 s timeout for ever, the total deadline still ends the try.
    payload = b"<x/>" * (12 * 1024 * 1024)

    def sync(url: str) -> None:
        with Client(_config(url)) as client:
            client.send_payload(payload, uuid.uuid4(), [])

    async def run(url: str) -> None:
        async with AsyncClient(_config(url)) as client:
            await client.send_payload(payload, uuid.uuid4(), [])

    with scripted_server([6.0]) as url:
        for call in (sync, lambda u: asyncio.run(run(u))):
            started = time.monotonic()
            with pytest.raises(TransportTimeout, match="total deadline"):
                call(url)
            assert time.monotonic() - started < 5.0


def test_the_zgw_client_keeps_the_total_deadline(tmp_path: Path) -> None:
    from mobb_sdk.zgw import ZgwApi, ZgwConfig

    with scripted_server(HEAD_DRIP) as url:
        config = ZgwConfig(
            documenten_url=f"{url}/documenten/api/v1",
            zaken_url=f"{url}/zaken/api/v1",
            client_id="mobb",
            secret="geheim",  # noqa: S106  (a test secret)
            outbox=tmp_path / "o.outbox",
            timeouts=Timeouts(connect=2.0, read=5.0, write=5.0, pool=2.0, total=1.0),
            retry=RetryPolicy.never(),
        )
        with ZgwApi(config) as api:
            started = time.monotonic()
            with pytest.raises(TransportTimeout, match="total deadline of 1 s"):
                api.get(f"{url}/zaken/api/v1/zaken")
            assert time.monotonic() - started < 5.0  # the headers alone drip for 14 s
