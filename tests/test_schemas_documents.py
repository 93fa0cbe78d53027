"""Every document kind is checked against the bundled set: the WUS answer and both SOAP fault details too.

Where they are written (``to_soap``: the client's request, the simulator's answers and faults) and read
(``from_soap``: the client reading the answer or a fault, the simulator reading the request), and by
``validate()``, with both backends.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from mobb_sdk import (
    VALIDATE_ABONNEMENTEN_ACTION,
    Abonnement,
    Backend,
    FaultKind,
    HttpStatusError,
    ProtocolError,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    ValidationError,
    from_soap,
    to_soap,
    validate,
)
from mobb_sdk import _codec as codec
from mobb_sdk._errors import DocumentTypeError
from mobb_sdk._schemas import DocumentKind, fault_kind, kind_of
from mobb_sdk._xsd_validation import validate_tree
from mobb_sdk.simulator import DEFAULT_SENDER_OIN, WUS_PATH, Simulator
from tests.client_fakes import WUS_URL, FakeLogius, once
from tests.conftest import TEST_BSNS
from tests.test_client_ebms import Harness

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SH = "http://schemas.rdw.nl/GEB/Shared/Types/2009/01"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OIN = "00000001001234567000"
BACKENDS = list(Backend)


def body_child(envelope: bytes) -> etree._Element:
    """The SOAP Body child, or for a Fault its detail child."""
    root = etree.fromstring(envelope)
    body = root.find(f"{{{SOAP}}}Body")
    assert body is not None
    child = body[0]
    if child.tag == f"{{{SOAP}}}Fault":
        detail = child.find("detail")
        assert detail is not None
        return detail[0]
    return child


def judged(element: etree._Element) -> dict[Backend, bool]:
    try:
        kind = kind_of(element)
    except DocumentTypeError:
        kind = fault_kind(element)
    return {backend: validate_tree(element, kind, backend).ok for backend in BACKENDS}


def fault_envelope(detail: str) -> bytes:
    return (
        f'<s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault><faultcode>s:Client</faultcode>'
        f"<faultstring>fout</faultstring><detail>{detail}</detail></s:Fault></s:Body></s:Envelope>"
    ).encode()


WRITTEN = [
    ValidateAbonnementenAanvraag(OIN, "WOZ", TEST_BSNS[:2]),
    ValidateAbonnementenAntwoord([Abonnement(TEST_BSNS[0], True), Abonnement(None, False)]),
    ValidateAbonnementenAntwoord(),
    SoapFault("s:Client", "fout", FaultKind.APPLICATION, "Ongeldig verzoek"),
    SoapFault("s:Server", "storing", FaultKind.DEPENDENT_SERVICE, None),
]


@pytest.mark.parametrize("body", WRITTEN, ids=lambda b: type(b).__name__)
def test_what_to_soap_writes_satisfies_the_set_in_both_backends(
    body: ValidateAbonnementenAanvraag | ValidateAbonnementenAntwoord | SoapFault,
) -> None:
    assert judged(body_child(to_soap(body))) == dict.fromkeys(BACKENDS, True)
    assert from_soap(to_soap(body)) == body


def test_to_soap_refuses_to_write_an_invalid_fault_detail(monkeypatch: pytest.MonkeyPatch) -> None:
    real = codec._fault_tree

    def without_message(fault: SoapFault) -> etree._Element:
        tree = real(fault)
        detail_child = tree[-1][0]
        detail_child.remove(detail_child[0])  # Message is required
        return tree

    monkeypatch.setattr(codec, "_fault_tree", without_message)
    fault = SoapFault("s:Client", "fout", FaultKind.APPLICATION, "x")
    with pytest.raises(ValidationError) as info:
        to_soap(fault)
    assert [(v.rule, v.path) for v in info.value.violations] == [("XSD", "/ApplicationFault")]
    assert b"ApplicationFault" in to_soap(fault, validate=False)


def test_to_soap_refuses_to_write_an_invalid_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    real = codec._validate_response_tree

    def flag_as_text(answer: ValidateAbonnementenAntwoord) -> etree._Element:
        tree = real(answer)
        for flag in tree.iter("{*}isBerichtSturen"):
            flag.text = "ja"
        return tree

    monkeypatch.setitem(codec._WRITERS, ValidateAbonnementenAntwoord, flag_as_text)
    with pytest.raises(ValidationError) as info:
        to_soap(ValidateAbonnementenAntwoord([Abonnement(TEST_BSNS[0], True)]))
    assert [(v.rule, v.path) for v in info.value.violations] == [
        ("XSD", "/ValidateAbonnementenResponse/ValidateAbonnementenResult/Abonnement/isBerichtSturen")
    ]


BAD_DETAILS = {
    "no-message": (f'<sh:ApplicationFault xmlns:sh="{SH}"/>', "/ApplicationFault"),
    "unknown-child": (
        f'<sh:DependentServiceFault xmlns:sh="{SH}"><sh:Message>x</sh:Message><sh:Code>1</sh:Code>'
        "</sh:DependentServiceFault>",
        "/DependentServiceFault/Code",
    ),
    "nil-with-content": (
        f'<sh:ApplicationFault xmlns:sh="{SH}" xmlns:xsi="{XSI}" xsi:nil="true">'
        "<sh:Message>x</sh:Message></sh:ApplicationFault>",
        "/ApplicationFault",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DETAILS))
def test_from_soap_checks_the_fault_detail(case: str) -> None:
    detail, path = BAD_DETAILS[case]
    envelope = fault_envelope(detail)
    with pytest.raises(ValidationError) as info:
        from_soap(envelope)
    assert [(v.rule, v.path) for v in info.value.violations] == [("XSD", path)]
    # The same verdict and place from validate(), in both backends.
    for backend in BACKENDS:
        assert [(v.rule, v.path) for v in validate(envelope, backend=backend)] == [("XSD", path)]
    assert isinstance(from_soap(envelope, validate=False), SoapFault)


def test_a_nil_fault_detail_is_valid() -> None:
    # The fault elements are nillable global elements in Logius' shared schema (spec section 3).
    envelope = fault_envelope(f'<sh:ApplicationFault xmlns:sh="{SH}" xmlns:xsi="{XSI}" xsi:nil="true"/>')
    assert from_soap(envelope) == SoapFault("s:Client", "fout", FaultKind.APPLICATION, None)
    for backend in BACKENDS:
        assert validate(envelope, backend=backend).ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_validate_takes_a_fault_detail_on_its_own_or_in_its_envelope(backend: Backend) -> None:
    envelope = to_soap(SoapFault("s:Server", "storing", FaultKind.DEPENDENT_SERVICE, "GBA weg"))
    assert validate(envelope, backend=backend).ok
    assert validate(etree.tostring(body_child(envelope)), backend=backend).ok
    no_detail = to_soap(SoapFault("s:Client", "fout"))
    with pytest.raises(DocumentTypeError, match="without one detail"):
        validate(no_detail, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_validate_checks_the_wus_answer(backend: Backend) -> None:
    envelope = to_soap(ValidateAbonnementenAntwoord([Abonnement(TEST_BSNS[0], True)]))
    assert validate(envelope, backend=backend).ok
    broken = envelope.replace(b"valt:isBerichtSturen>", b"valt:magOntvangen>")
    assert [(v.rule, v.path) for v in validate(broken, backend=backend)] == [
        ("XSD", "/ValidateAbonnementenResponse/ValidateAbonnementenResult/Abonnement/magOntvangen")
    ]
    assert fault_kind(etree.Element(f"{{{SH}}}ApplicationFault")) is DocumentKind.APPLICATION_FAULT


# ----------------------------------------------------------------------------- client and simulator


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest) -> Iterator[tuple[Harness, FakeLogius]]:
    fake = FakeLogius()
    harness = Harness(str(request.param), fake)
    yield harness, fake
    harness.close()


def test_the_client_refuses_an_invalid_fault_detail(client: tuple[Harness, FakeLogius]) -> None:
    # A 500 whose detail breaks the schema is no fault of the service: an HTTP error, not a typed fault.
    harness, fake = client
    bad = fault_envelope(BAD_DETAILS["unknown-child"][0])
    fake.fail.append(once(httpx.Response(500, content=bad, headers={"Content-Type": "text/xml"})))
    with pytest.raises(HttpStatusError) as info:
        harness.check_subscriptions("WOZ", TEST_BSNS[:1])
    assert info.value.status == 500
    assert len([r for r in fake.requests if str(r.url) == WUS_URL]) == 1


def test_the_client_refuses_an_invalid_answer(client: tuple[Harness, FakeLogius]) -> None:
    harness, fake = client
    answer = to_soap(ValidateAbonnementenAntwoord([Abonnement(TEST_BSNS[0], True)]))
    bad = answer.replace(b"<valt:isBerichtSturen>true<", b"<valt:isBerichtSturen>ja<")
    fake.fail.append(once(httpx.Response(200, content=bad, headers={"Content-Type": "text/xml"})))
    with pytest.raises(ProtocolError, match="not a valid SOAP envelope"):
        harness.check_subscriptions("WOZ", TEST_BSNS[:1])


def test_every_simulator_answer_and_fault_satisfies_the_set() -> None:
    sim = Simulator()
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{VALIDATE_ABONNEMENTEN_ACTION}"'}
    good = to_soap(ValidateAbonnementenAanvraag(DEFAULT_SENDER_OIN, "WOZ", TEST_BSNS[:3]))
    unknown_sender = to_soap(ValidateAbonnementenAanvraag("00000099999999999000", "WOZ", TEST_BSNS[:1]))
    nil_type = good.replace(b"<valt:berichtTypeCode>WOZ</valt:berichtTypeCode>", b"")
    with httpx.Client(transport=sim.transport(), base_url="http://simulator") as http:
        responses = [
            http.post(WUS_PATH, content=body, headers=headers) for body in (good, unknown_sender, nil_type)
        ]
    assert [r.status_code for r in responses] == [200, 500, 500]
    for response in responses:
        assert judged(body_child(response.content)) == dict.fromkeys(BACKENDS, True)
