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


def test_module_constants_users_print_serialise_to_json():
    import json

    from mobb_sdk import LOGIUS_OIN, Oin, simulator
    from mobb_sdk.tariff import FREE_UNITS_PER_YEAR, TARIFF_2022

    constants = {
        "DEFAULT_SENDER_OIN": simulator.DEFAULT_SENDER_OIN,
        "DEFAULT_CPA_ID": simulator.DEFAULT_CPA_ID,
        "LOGIUS_OIN": LOGIUS_OIN,
        "FREE_UNITS_PER_YEAR": FREE_UNITS_PER_YEAR,
    }
    assert json.loads(json.dumps(constants)) == {
        "DEFAULT_SENDER_OIN": "00000099000000001000",
        "DEFAULT_CPA_ID": "cpa-mobb-demo",
        "LOGIUS_OIN": "00000001822477348000",
        "FREE_UNITS_PER_YEAR": 1000,
    }
    assert str(TARIFF_2022) == "0.32"
    # Still an OIN: checked when made, with its parts.
    oin = Oin("00000099000000001000")
    assert oin == simulator.DEFAULT_SENDER_OIN and oin.value == "00000099000000001000"
    assert (oin.prefix, oin.kind, oin.party_id) == (
        "00000099",
        "test OIN",
        "urn:osb:oin:00000099000000001000",
    )
    assert repr(oin) == "Oin(value='00000099000000001000')" and Oin(oin) is oin
    with pytest.raises(mobb_sdk.InvalidValueError):
        Oin("12345")


def test_outbox_errors_print_under_their_package():
    from mobb_sdk.outbox import LeaseLost, OutboxBusy

    assert repr(OutboxBusy) == "<class 'mobb_sdk.outbox.OutboxBusy'>"
    assert LeaseLost.__module__ == "mobb_sdk.outbox"
