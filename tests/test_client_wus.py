"""ValidateAbonnementen over WUS, sync and async, through a fake service."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from mobb_sdk import (
    VALIDATE_ABONNEMENTEN_ACTION,
    Abonnement,
    ApplicationFaultError,
    Bsn,
    ClientConfig,
    ConfigurationError,
    DependentServiceFaultError,
    FaultKind,
    HttpStatusError,
    InvalidValueError,
    ProtocolError,
    SoapFaultError,
    ValidateAbonnementenAntwoord,
    to_soap,
)
from mobb_sdk._wus import chunk_bsns
from tests.client_fakes import WUS_URL, FakeLogius, bsns, once, soap_fault
from tests.conftest import TEST_BSNS, TEST_OIN
from tests.test_client_ebms import Harness


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest, fake: FakeLogius) -> Iterator[Harness]:
    h = Harness(str(request.param), fake)
    yield h
    h.close()


@pytest.fixture
def fake() -> FakeLogius:
    return FakeLogius()


def wus_requests(fake: FakeLogius) -> list[httpx.Request]:
    return [r for r in fake.requests if str(r.url) == WUS_URL]


def test_600_bsns_go_out_in_three_calls(client: Harness, fake: FakeLogius) -> None:
    numbers = bsns(600)
    answer = client.check_subscriptions("WOZ", numbers)
    assert [len(c.bsns) for c in fake.wus_calls] == [250, 250, 100]
    assert all(c.bericht_type == "WOZ" and c.berichtleverancier == TEST_OIN for c in fake.wus_calls)
    assert len(answer) == 600
    assert answer == {Bsn(b): not b.endswith("0") for b in numbers}
    for request in wus_requests(fake):
        assert request.method == "POST"
        assert request.headers["SOAPAction"] == f'"{VALIDATE_ABONNEMENTEN_ACTION}"'
        assert request.headers["Content-Type"] == "text/xml; charset=utf-8"


def test_duplicates_are_asked_once(client: Harness, fake: FakeLogius) -> None:
    answer = client.check_subscriptions("WOZ", [TEST_BSNS[0], TEST_BSNS[0], Bsn(TEST_BSNS[1])])
    assert len(fake.wus_calls) == 1
    assert len(fake.wus_calls[0].bsns) == 2
    assert set(answer) == {Bsn(TEST_BSNS[0]), Bsn(TEST_BSNS[1])}


def test_an_invalid_bsn_is_refused_before_any_call(client: Harness, fake: FakeLogius) -> None:
    with pytest.raises(InvalidValueError) as info:
        client.check_subscriptions("WOZ", [TEST_BSNS[0], "123456789"])
    assert info.value.rule == "BER-09"
    assert fake.requests == []


def test_chunking_bounds() -> None:
    assert chunk_bsns([]) == []
    assert [len(c) for c in chunk_bsns(bsns(251))] == [250, 1]
    with pytest.raises(ValueError, match=r"1\.\.250"):
        chunk_bsns(bsns(3), size=251)


def test_application_fault_is_typed_and_not_retried(client: Harness, fake: FakeLogius) -> None:
    fake.fail.append(once(soap_fault(FaultKind.APPLICATION, "BerichtType onbekend")))
    with pytest.raises(ApplicationFaultError) as info:
        client.check_subscriptions("WOZ", TEST_BSNS[:3])
    err = info.value
    assert not err.retryable
    assert err.status == 500
    assert err.code == "ApplicationFault"
    assert err.fault.message == "BerichtType onbekend"
    assert len(wus_requests(fake)) == 1


def test_dependent_service_fault_is_retried(client: Harness, fake: FakeLogius) -> None:
    fake.fail.append(once(soap_fault(FaultKind.DEPENDENT_SERVICE, "GBA niet bereikbaar", "s:Server")))
    answer = client.check_subscriptions("WOZ", TEST_BSNS[:3])
    assert len(answer) == 3
    assert len(wus_requests(fake)) == 2
    assert len(client.time.sleeps) == 1


def test_dependent_service_fault_that_persists_is_raised_retryable(client: Harness, fake: FakeLogius) -> None:
    fake.fail.extend([once(soap_fault(FaultKind.DEPENDENT_SERVICE, "weg", "s:Server")) for _ in range(4)])
    with pytest.raises(DependentServiceFaultError) as info:
        client.check_subscriptions("WOZ", TEST_BSNS[:3])
    assert info.value.retryable
    assert len(wus_requests(fake)) == 4


def test_a_fault_without_known_detail_is_a_plain_soap_fault(client: Harness, fake: FakeLogius) -> None:
    fake.fail.append(once(soap_fault(None, code="s:Server")))
    with pytest.raises(SoapFaultError) as info:
        client.check_subscriptions("WOZ", TEST_BSNS[:1])
    assert type(info.value) is SoapFaultError
    assert not info.value.retryable


def test_a_fault_message_echoing_a_bsn_is_masked(client: Harness, fake: FakeLogius) -> None:
    bsn = TEST_BSNS[3]
    fake.fail.append(once(soap_fault(FaultKind.APPLICATION, f"Klant {bsn} onbekend")))
    with pytest.raises(ApplicationFaultError) as info:
        client.check_subscriptions("WOZ", [bsn])
    assert bsn not in str(info.value)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&b;</s:Body></s:Envelope>"""

WRONG_NS = b"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<ValidateAbonnementenResponse xmlns="urn:not-the-service"/></s:Body></s:Envelope>"""

SOAP12 = b"""<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>"""


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Service Unavailable</body></html>", b"not xml", b"", BOMB, WRONG_NS, SOAP12],
    ids=["html", "text", "empty", "xml-bomb", "wrong-namespace", "soap12"],
)
def test_malformed_answers_are_protocol_errors(client: Harness, fake: FakeLogius, body: bytes) -> None:
    fake.fail.append(once(httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})))
    with pytest.raises(ProtocolError) as info:
        client.check_subscriptions("WOZ", TEST_BSNS[:2])
    assert info.value.status == 200
    assert len(wus_requests(fake)) == 1


def test_a_500_that_is_no_soap_fault_is_an_http_error(client: Harness, fake: FakeLogius) -> None:
    fake.fail.append(once(httpx.Response(500, text="<html>Internal error</html>")))
    with pytest.raises(HttpStatusError) as info:
        client.check_subscriptions("WOZ", TEST_BSNS[:2])
    assert info.value.status == 500


def test_a_503_is_retried(client: Harness, fake: FakeLogius) -> None:
    fake.fail.append(once(httpx.Response(503, headers={"Retry-After": "1"})))
    assert len(client.check_subscriptions("WOZ", TEST_BSNS[:2])) == 2
    assert client.time.sleeps == [1.0]


def test_an_answer_about_other_citizens_is_refused(client: Harness, fake: FakeLogius) -> None:
    stranger = ValidateAbonnementenAntwoord((Abonnement(TEST_BSNS[50], True),))
    fake.fail.append(once(httpx.Response(200, content=to_soap(stranger))))
    with pytest.raises(ProtocolError, match="not asked"):
        client.check_subscriptions("WOZ", TEST_BSNS[:2])


def test_a_citizen_left_out_of_the_answer_may_not_receive(
    client: Harness, fake: FakeLogius, caplog: pytest.LogCaptureFixture
) -> None:
    partial = ValidateAbonnementenAntwoord((Abonnement(TEST_BSNS[0], True),))
    fake.fail.append(once(httpx.Response(200, content=to_soap(partial))))
    with caplog.at_level(logging.WARNING, logger="mobb_sdk.wus"):
        answer = client.check_subscriptions("WOZ", TEST_BSNS[:2])
    assert answer == {Bsn(TEST_BSNS[0]): True, Bsn(TEST_BSNS[1]): False}
    assert "left out 1 of 2" in caplog.text
    assert TEST_BSNS[1] not in caplog.text


def test_without_a_wus_endpoint_the_call_is_a_configuration_error(fake: FakeLogius) -> None:
    from mobb_sdk import Client

    with Client(ClientConfig(sender_oin=TEST_OIN), transport=fake.transport()) as c:
        with pytest.raises(ConfigurationError, match="MOBB_WUS_URL"):
            c.check_subscriptions("WOZ", TEST_BSNS[:1])
        with pytest.raises(ConfigurationError, match="MOBB_EBMS_URL"):
            c.events()
