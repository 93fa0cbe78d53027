"""Errors as a user meets them: the exchange that failed, how often and how long; public class names."""

from __future__ import annotations

import httpx
import pytest

import mobb_sdk
from mobb_sdk import Client, ConnectionFailed, HttpStatusError, RetryPolicy
from mobb_sdk._errors import redact_url
from tests.client_fakes import FakeTime, make_config
from tests.conftest import TEST_OIN


def _client(handler, attempts: int = 3) -> tuple[Client, FakeTime]:
    time = FakeTime()
    config = make_config(
        ebms=mobb_sdk.EbmsConfig(
            url="http://user:secret@127.0.0.1:8080/service/rest/v19?token=abc",
            cpa_id="cpa-test-1",
            party_oin=TEST_OIN,
        ),
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.5, max_delay=1.0),
    )
    client = Client(config, transport=httpx.MockTransport(handler), sleep=time.sleep, clock=time.clock)
    return client, time


def test_a_transport_error_names_the_exchange_attempts_and_time():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(503, text="busy")
        raise httpx.ConnectError("Connection refused", request=request)

    client, time = _client(handler)
    with client, pytest.raises(ConnectionFailed) as info:
        client.ping()
    error = info.value
    assert error.attempts == 3 == len(calls)
    assert error.elapsed == pytest.approx(sum(time.sleeps))
    assert error.method == calls[-1].method
    assert error.url is not None and error.url.startswith("http://127.0.0.1:8080/service/rest/v19")
    text = str(error)
    assert "3 attempts in" in text and "127.0.0.1:8080" in text
    # The first attempt's failure is kept, not only the last one's.
    assert isinstance(error.first, HttpStatusError) and error.first.status == 503
    assert "first attempt:" in text and "503" in text
    for secret in ("secret", "user:", "token=abc"):
        assert secret not in text and secret not in (error.url or "")


def test_redact_url():
    assert redact_url("https://u:p@host:8443/a/b?x=1#f") == "https://host:8443/a/b"
    assert redact_url("http://[::1") == "<unparseable URL>"


def test_public_errors_print_under_the_package():
    for name in mobb_sdk._errors.__all__:
        cls = getattr(mobb_sdk, name)
        assert cls.__module__ == "mobb_sdk", name
    assert repr(mobb_sdk.InvalidValueError) == "<class 'mobb_sdk.InvalidValueError'>"
    error = mobb_sdk.InvalidValueError("BER-05", "onderwerp", "too long")
    assert f"{type(error).__module__}.{type(error).__qualname__}" == "mobb_sdk.InvalidValueError"
