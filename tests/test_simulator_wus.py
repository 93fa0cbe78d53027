"""The WUS ValidateAbonnementen endpoint: answers per world, faults, call counting."""

from __future__ import annotations

import httpx
import pytest

from mobb_sdk import (
    VALIDATE_ABONNEMENTEN_ACTION,
    FaultKind,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    elfproef,
    from_soap,
    to_soap,
)
from mobb_sdk.simulator import DEFAULT_SENDER_OIN, WUS_PATH, Simulator

from .simulator_support import ANNA, BASE, BRAM, DEWI, GERRIT, HANNA, ILSE

HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{VALIDATE_ABONNEMENTEN_ACTION}"'}
WATERSCHAP = "00000099000000003000"


@pytest.fixture
def wus(sim: Simulator):
    with httpx.Client(transport=sim.transport(), base_url=BASE) as c:
        yield c


def ask(client: httpx.Client, bsns, bericht_type: str = "WOZ", sender: str = DEFAULT_SENDER_OIN.value):
    request = ValidateAbonnementenAanvraag(sender, bericht_type, bsns)
    return client.post(WUS_PATH, content=to_soap(request), headers=HEADERS)


def answer(response: httpx.Response) -> dict[str, bool]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    body = from_soap(response.content)
    assert isinstance(body, ValidateAbonnementenAntwoord)
    return {bsn.value: ok for bsn, ok in body.as_dict().items()}


def fault(response: httpx.Response) -> SoapFault:
    assert response.status_code == 500
    body = from_soap(response.content)
    assert isinstance(body, SoapFault)
    return body


def test_answers_per_world(wus):
    unknown = "999900122"
    got = answer(ask(wus, [ANNA, BRAM, DEWI, GERRIT, HANNA, unknown]))
    assert got == {ANNA: True, BRAM: True, DEWI: True, GERRIT: False, HANNA: False, unknown: False}
    assert answer(ask(wus, [DEWI], "BELAST")) == {DEWI: False}
    assert answer(ask(wus, [ILSE, ANNA, BRAM], "WSBELAST", WATERSCHAP)) == {
        ILSE: True,
        ANNA: True,
        BRAM: False,
    }


def test_more_than_250_bsns_is_an_application_fault(wus):
    valid = [b for b in (f"9999{i:05d}" for i in range(3000)) if elfproef(b)][:251]
    body = to_soap(ValidateAbonnementenAanvraag(DEFAULT_SENDER_OIN, "WOZ", valid[:1]))
    # Build 251 Klant elements by hand: the model refuses more than 250 (ABO-02).
    klant = b"<sh:Klant><sh:Key>%s</sh:Key><sh:Rol>Burger</sh:Rol></sh:Klant>"
    start = body.index(b"<sh:Klant>")
    end = body.index(b"</sh:Klant>") + len(b"</sh:Klant>")
    body = body[:start] + b"".join(klant % b.encode() for b in valid) + body[end:]
    f = fault(wus.post(WUS_PATH, content=body, headers=HEADERS))
    assert f.kind is FaultKind.APPLICATION
    assert f.faultcode == "s:Client"
    assert f.message is not None and "ABO-02" in f.message
    assert not f.retryable


@pytest.mark.parametrize("field", ["berichtleverancierCode", "berichtTypeCode"])
def test_nil_field_is_an_application_fault(wus, field):
    body = to_soap(ValidateAbonnementenAanvraag(DEFAULT_SENDER_OIN, "WOZ", [ANNA]))
    start = body.index(f"<valt:{field}>".encode())
    end = body.index(f"</valt:{field}>".encode()) + len(f"</valt:{field}>")
    nil = f'<valt:{field} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>'.encode()
    f = fault(wus.post(WUS_PATH, content=body[:start] + nil + body[end:], headers=HEADERS))
    assert f.kind is FaultKind.APPLICATION


def test_empty_klanten_is_an_application_fault(wus):
    body = to_soap(ValidateAbonnementenAanvraag(DEFAULT_SENDER_OIN, "WOZ", [ANNA]))
    start, end = body.index(b"<sh:Klant>"), body.index(b"</sh:Klant>") + len(b"</sh:Klant>")
    f = fault(wus.post(WUS_PATH, content=body[:start] + body[end:], headers=HEADERS))
    assert f.kind is FaultKind.APPLICATION


def test_unreadable_and_wrong_documents(wus):
    assert fault(wus.post(WUS_PATH, content=b"<broken", headers=HEADERS)).kind is FaultKind.APPLICATION
    answer_doc = to_soap(ValidateAbonnementenAntwoord())
    assert fault(wus.post(WUS_PATH, content=answer_doc, headers=HEADERS)).kind is FaultKind.APPLICATION


def test_unknown_sender_is_an_application_fault(wus):
    f = fault(ask(wus, [ANNA], sender="00000099000000009000"))
    assert f.kind is FaultKind.APPLICATION
    assert f.message is not None and "00000099000000009000" in f.message


def test_wrong_soap_action_and_content_type(wus):
    body = to_soap(ValidateAbonnementenAanvraag(DEFAULT_SENDER_OIN, "WOZ", [ANNA]))
    f = fault(wus.post(WUS_PATH, content=body, headers={**HEADERS, "SOAPAction": '"urn:other"'}))
    assert f.kind is None and f.faultcode == "s:Client"
    unquoted = wus.post(
        WUS_PATH, content=body, headers={**HEADERS, "SOAPAction": VALIDATE_ABONNEMENTEN_ACTION}
    )
    assert unquoted.status_code == 200
    wrong_type = wus.post(WUS_PATH, content=body, headers={**HEADERS, "Content-Type": "application/json"})
    assert wrong_type.status_code == 415


def test_outage_is_a_dependent_service_fault(wus, sim):
    sim.faults.wus_outage(times=2)
    for _ in range(2):
        f = fault(ask(wus, [ANNA]))
        assert f.kind is FaultKind.DEPENDENT_SERVICE
        assert f.faultcode == "s:Server"
        assert f.retryable
    assert answer(ask(wus, [ANNA])) == {ANNA: True}
    assert [r.kind for r in sim.inspect.faults()] == ["wus_outage", "wus_outage"]


def test_calls_are_counted_and_bsns_masked(wus, sim):
    ask(wus, [ANNA, BRAM])
    sim.faults.wus_outage()
    ask(wus, [ANNA])
    calls = sim.inspect.wus_calls()
    assert len(calls) == 2
    first, second = calls
    assert [b.value for b in first.bsns] == [ANNA, BRAM]
    assert first.bericht_type == "WOZ" and first.berichtleverancier == DEFAULT_SENDER_OIN.value
    assert [a.mag_ontvangen for a in first.answer] == [True, True]
    assert first.fault is None
    assert second.fault is not None and second.fault.kind is FaultKind.DEPENDENT_SERVICE
    text = repr(calls) + str(calls)
    assert ANNA not in text and BRAM not in text
    assert "*****0006" in text
