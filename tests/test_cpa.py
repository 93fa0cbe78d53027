"""The CPA generator and reader (``mobb_sdk.cpa``), ``mobb cpa``, and the simulator's CPA endpoints.

No OASIS ``cpp-cpa-2_0.xsd`` is available from a registry package on this machine (the ebms-core
artifacts that ship it are not served), so the structure is checked by our own checks: the element
order of the CPP/CPA 2.0 content models we rely on, every reference resolving, and the spec's facts.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from lxml import etree

from mobb_sdk import CpaError, InvalidValueError, to_xml
from mobb_sdk._namespaces import EBMS_SERVICE
from mobb_sdk.cli import main
from mobb_sdk.cpa import CPA_NAMESPACE, CpaParty, ReliableMessaging, generate_cpa, read_cpa
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, LOGIUS_PARTY_ID, Simulator, generate_tls

from .simulator_support import ANNA, EBMS, batch, letter, result_for, send_body

SENDER = "00000001001234567000"
LOGIUS = "00000001822477348000"
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TP = f"{{{CPA_NAMESPACE}}}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"


def plain(cpa_id: str = "cpa-test", **kw: object) -> bytes:
    return generate_cpa(
        cpa_id,
        CpaParty(SENDER, "Gemeente Test", "http://127.0.0.1:8888/ebms"),
        CpaParty(LOGIUS, "Logius", "http://127.0.0.1:8889/ebms"),
        start=NOW,
        **kw,  # type: ignore[arg-type]
    )


def children(el: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in el if isinstance(c.tag, str)]


def test_plain_http_cpa_reads_back_with_the_spec_facts():
    info = read_cpa(plain(), now=NOW)
    assert (info.cpa_id, info.version, info.status) == ("cpa-test", "2_0b", "agreed")
    assert info.end - info.start == timedelta(days=365)
    s, lo = info.sender, info.logius
    assert (s.party_id, s.role, lo.party_id, lo.role) == (
        f"urn:osb:oin:{SENDER}",
        "SR",
        f"urn:osb:oin:{LOGIUS}",
        "SP",
    )
    assert (s.sends, s.receives) == (("GLOBE-R-BV-Request",), ("GLOBE-R-BV-Result",))
    assert (lo.sends, lo.receives) == (("GLOBE-R-BV-Result",), ("GLOBE-R-BV-Request",))
    assert (s.endpoint, lo.endpoint) == ("http://127.0.0.1:8888/ebms", "http://127.0.0.1:8889/ebms")
    for p in info.parties:  # osb-rm
        assert (p.ack_requested, p.duplicate_elimination, p.sync_reply_mode) == ("always", "always", "none")
        assert (p.retries, p.retry_interval, p.persist_duration) == (
            8,
            timedelta(minutes=3),
            timedelta(days=1),
        )
        assert p.certificates == 0


def test_document_structure_follows_the_cpp_cpa_content_models():
    root = etree.fromstring(plain())
    assert root.tag == f"{TP}CollaborationProtocolAgreement"
    assert root.get(f"{TP}cpaid") == "cpa-test" and root.get(f"{TP}version") == "2_0b"
    assert children(root) == [
        "Status",
        "Start",
        "End",
        "ConversationConstraints",
        "PartyInfo",
        "PartyInfo",
        "SimplePart",
        "Packaging",
    ]
    for info in root.findall(f"{TP}PartyInfo"):
        assert children(info) == [
            "PartyId",
            "PartyRef",
            "CollaborationRole",
            "DeliveryChannel",
            "Transport",
            "DocExchange",
        ]
        party_id = info.find(f"{TP}PartyId")
        # ebms-core names the party "<type>:<value>": the element holds the bare OIN.
        assert party_id.get(f"{TP}type") == "urn:osb:oin" and party_id.text in (SENDER, LOGIUS)
        role = info.find(f"{TP}CollaborationRole")
        assert children(role) == ["ProcessSpecification", "Role", "ServiceBinding"]
        binding = role.find(f"{TP}ServiceBinding")
        assert children(binding) == ["Service", "CanSend", "CanReceive"]
        assert binding.findtext(f"{TP}Service") == "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0"
        action = binding.find(f"{TP}CanSend/{TP}ThisPartyActionBinding")
        assert children(action) == ["BusinessTransactionCharacteristics", "ChannelId"]
        assert action.get(f"{TP}packageId") == root.find(f"{TP}Packaging").get(f"{TP}id")
        transport = info.find(f"{TP}Transport")
        assert children(transport) == ["TransportSender", "TransportReceiver"]
        assert children(transport.find(f"{TP}TransportReceiver")) == ["TransportProtocol", "Endpoint"]
        exchange = info.find(f"{TP}DocExchange")
        assert children(exchange) == ["ebXMLSenderBinding", "ebXMLReceiverBinding"]
        rm = exchange.find(f"{TP}ebXMLSenderBinding/{TP}ReliableMessaging")
        assert children(rm) == ["Retries", "RetryInterval", "MessageOrderSemantics"]
        channel = info.find(f"{TP}DeliveryChannel")
        assert info.get(f"{TP}defaultMshChannelId") == channel.get(f"{TP}channelId")
        assert channel.get(f"{TP}transportId") == transport.get(f"{TP}transportId")
        assert channel.get(f"{TP}docExchangeId") == exchange.get(f"{TP}docExchangeId")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    tls = generate_tls(tmp_path_factory.mktemp("tls"), [SENDER, LOGIUS])
    return tls.client(SENDER)[0].read_bytes(), tls.client(LOGIUS)[0].read_bytes()


def test_https_cpa_embeds_the_certificates_for_two_way_tls(certs):
    from cryptography import x509

    sender_pem, logius_pem = certs
    document = generate_cpa(
        "cpa-tls",
        CpaParty(SENDER, "Gemeente Test", "https://mshs.gemeente.test/ebms", sender_pem),
        CpaParty(LOGIUS, "Logius", "https://msh.logius.test/ebms", logius_pem),
        start=NOW,
        reliable=ReliableMessaging(retries=3, retry_interval=timedelta(seconds=30), sync_acks=True),
    )
    info = read_cpa(document, now=NOW)
    assert [p.certificates for p in info.parties] == [1, 1]
    assert [p.sync_reply_mode for p in info.parties] == ["mshSignalsOnly", "mshSignalsOnly"]
    assert info.sender.retries == 3 and info.sender.retry_interval == timedelta(seconds=30)
    root = etree.fromstring(document)
    info_el = root.find(f"{TP}PartyInfo")
    assert children(info_el) == [
        "PartyId",
        "PartyRef",
        "CollaborationRole",
        "Certificate",
        "SecurityDetails",
        "DeliveryChannel",
        "Transport",
        "DocExchange",
    ]
    der = base64.b64decode(info_el.findtext(f"{TP}Certificate/{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate"))
    assert x509.load_der_x509_certificate(der) == x509.load_pem_x509_certificate(sender_pem)
    cert_id = info_el.find(f"{TP}Certificate").get(f"{TP}certId")
    client = info_el.find(f"{TP}Transport/{TP}TransportSender/{TP}TransportClientSecurity")
    assert children(client) == [
        "TransportSecurityProtocol",
        "ClientCertificateRef",
        "ServerSecurityDetailsRef",
    ]
    assert client.findtext(f"{TP}TransportSecurityProtocol") == "TLS"
    assert client.find(f"{TP}ClientCertificateRef").get(f"{TP}certId") == cert_id
    server = info_el.find(f"{TP}Transport/{TP}TransportReceiver/{TP}TransportServerSecurity")
    assert server.find(f"{TP}ServerCertificateRef").get(f"{TP}certId") == cert_id


@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (
            lambda: CpaParty(SENDER, "x", "ftp://host/ebms"),
            "endpoint",
            "the endpoint is an http(s) URL, got 'ftp://host/ebms'",
        ),
        (
            lambda: CpaParty(SENDER, "Gemeente X", "https://host/ebms"),
            "certificate",
            "an https endpoint needs the party's certificate (Gemeente X)",
        ),
        (lambda: ReliableMessaging(retries=-1), "retries", "retries is 0..100, got -1"),
        (
            lambda: ReliableMessaging(retries=101, persist_duration=timedelta(days=9)),
            "retries",
            "retries is 0..100, got 101",
        ),
        (
            lambda: ReliableMessaging(retry_interval=timedelta(0)),
            "retry_interval",
            "the retry interval must be positive",
        ),
        (
            lambda: ReliableMessaging(retries=10, persist_duration=timedelta(minutes=1)),
            "persist_duration",
            "the persist duration (0:01:00) must cover every retry (10 x 0:03:00)",
        ),
        (
            lambda: plain("bad id with spaces"),
            "cpa_id",
            "a CPA id is 1..128 letters, digits, '.', '_', ':' or '-': 'bad id with spaces'",
        ),
        (lambda: plain(end=NOW - timedelta(days=1)), "end", "the CPA must end after it starts"),
        (lambda: plain(end=NOW), "end", "the CPA must end after it starts"),
        (lambda: plain(end=datetime(2027, 1, 1)), "start/end", "CPA start and end need a time zone"),
        (
            lambda: generate_cpa(
                "c", CpaParty(SENDER, "a", "http://h/e"), CpaParty(SENDER, "b", "http://h/f")
            ),
            "sender",
            "the sender and Logius must be different parties",
        ),
        (
            lambda: plain(reliable=ReliableMessaging(retry_interval=timedelta(seconds=1.5))),
            "duration",
            "a duration is a whole, non-negative number of seconds: 0:00:01.500000",
        ),
    ],
)
def test_generator_refuses_what_makes_no_cpa(make, field, message):
    with pytest.raises(InvalidValueError) as info:
        make()
    assert (info.value.rule, info.value.field, info.value.message) == ("CPA", field, message)


def test_generator_takes_the_limits_and_one_party_certificate_pair_only(certs):
    ReliableMessaging(retries=0)
    ReliableMessaging(
        retries=100, retry_interval=timedelta(minutes=1), persist_duration=timedelta(minutes=100)
    )
    ReliableMessaging(retries=10, persist_duration=timedelta(minutes=30))  # exactly every retry
    sender_pem, _ = certs
    with pytest.raises(InvalidValueError) as info:
        generate_cpa(
            "c",
            CpaParty(SENDER, "a", "https://h/e", sender_pem),
            CpaParty(LOGIUS, "b", "http://h/f"),
            start=NOW,
        )
    assert (info.value.rule, info.value.field, info.value.message) == (
        "CPA",
        "certificate",
        "give both parties a certificate (https) or neither (http)",
    )


@pytest.mark.parametrize(
    ("interval", "persist", "written"),
    [
        (timedelta(hours=1, minutes=30, seconds=5), timedelta(days=2, seconds=1), ("PT1H30M5S", "P2DT1S")),
        (timedelta(minutes=3), timedelta(days=1), ("PT3M", "P1D")),
        (timedelta(seconds=59), timedelta(hours=1), ("PT59S", "PT1H")),
    ],
)
def test_durations_are_written_and_read_back(interval, persist, written):
    rm = ReliableMessaging(retries=1, retry_interval=interval, persist_duration=persist)
    document = plain(reliable=rm)
    root = etree.fromstring(document)
    texts = {el.findtext(f"{TP}RetryInterval") for el in root.iter(f"{TP}ReliableMessaging")}
    assert texts == {written[0]}
    assert {el.text for el in root.iter(f"{TP}PersistDuration")} == {written[1]}
    info = read_cpa(document, now=NOW)
    assert (info.sender.retries, info.sender.retry_interval, info.sender.persist_duration) == (
        1,
        interval,
        persist,
    )


def test_a_cpa_without_retries_keeps_messages_no_time_at_all():
    document = plain(reliable=ReliableMessaging(retries=0, persist_duration=timedelta(0)))
    assert b">PT0S<" in document
    assert read_cpa(document, now=NOW).sender.persist_duration == timedelta(0)


def test_the_generated_document_holds_what_ebms_core_reads():
    root = etree.fromstring(plain())
    conv = root.find(f"{TP}ConversationConstraints")
    assert (conv.get(f"{TP}invocationLimit"), conv.get(f"{TP}concurrentConversations")) == ("0", "0")
    infos = root.findall(f"{TP}PartyInfo")
    assert [i.get(f"{TP}defaultMshChannelId") for i in infos] == ["channel_SR", "channel_SP"]
    assert [i.get(f"{TP}defaultMshPackageId") for i in infos] == ["package_bb", "package_bb"]
    xlink = "{http://www.w3.org/1999/xlink}"
    refs = [i.find(f"{TP}PartyRef") for i in infos]
    assert [(r.get(f"{xlink}type"), r.get(f"{xlink}href")) for r in refs] == [
        ("simple", f"http://www.logius.nl/oin/{SENDER}"),
        ("simple", f"http://www.logius.nl/oin/{LOGIUS}"),
    ]
    for info in infos:
        key = info.get(f"{TP}defaultMshChannelId").removeprefix("channel_")
        assert [c.get(f"{TP}channelId") for c in info.findall(f"{TP}DeliveryChannel")] == [f"channel_{key}"]
        assert [t.get(f"{TP}transportId") for t in info.findall(f"{TP}Transport")] == [f"transport_{key}"]
        assert [d.get(f"{TP}docExchangeId") for d in info.findall(f"{TP}DocExchange")] == [
            f"docexchange_{key}"
        ]
    part = root.find(f"{TP}SimplePart")
    assert (part.get(f"{TP}id"), part.get(f"{TP}mimetype")) == ("part_xml", "text/xml")
    packaging = root.find(f"{TP}Packaging")
    caps = packaging.find(f"{TP}ProcessingCapabilities")
    assert (caps.get(f"{TP}parse"), caps.get(f"{TP}generate")) == ("true", "true")
    composite = packaging.find(f"{TP}CompositeList/{TP}Composite")
    assert (
        composite.get(f"{TP}id"),
        composite.get(f"{TP}mimetype"),
        composite.get(f"{TP}mimeparameters"),
    ) == (
        "composite_bb",
        "multipart/related",
        'type="text/xml"',
    )
    assert composite.find(f"{TP}Constituent").get(f"{TP}idref") == "part_xml"
    assert plain().startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    assert b"\n  <tp:Status " in plain()  # indented: a person reads and checks the CPA too


def _without(document: bytes, path: str) -> bytes:
    root = etree.fromstring(document)
    el = root.find(path)
    el.getparent().remove(el)
    return etree.tostring(root)


def _changed(document: bytes, path: str, attr: str | None, value: str) -> bytes:
    root = etree.fromstring(document)
    el = root.find(path)
    if attr is None:
        el.text = value
    else:
        el.set(attr, value)
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("document", "structural", "text"),
    [
        (b"<not-closed>", True, "not well-formed"),
        (b"<x xmlns='urn:other'/>", True, "root element"),
        (_without(plain(), f"{TP}PartyInfo"), True, "exactly two PartyInfo"),
        (_without(plain(), f"{TP}Packaging"), True, "Packaging is missing"),
        (_changed(plain(), f"{TP}PartyInfo/{TP}PartyId", None, "123"), True, "not an OIN"),
        (
            _changed(plain(), f"{TP}PartyInfo/{TP}DeliveryChannel", f"{TP}transportId", "nope"),
            True,
            "names no Transport",
        ),
        (
            _changed(
                plain(),
                f"{TP}PartyInfo/{TP}CollaborationRole/{TP}ServiceBinding/{TP}CanSend/{TP}ThisPartyActionBinding/{TP}ChannelId",
                None,
                "nope",
            ),
            True,
            "names no DeliveryChannel",
        ),
        (_changed(plain(), f"{TP}Status", f"{TP}value", "proposed"), False, "Status is proposed"),
        (_changed(plain(), f"{TP}End", None, "2026-01-01T00:00:00Z"), False, "Start date not before End"),
        (
            _changed(
                plain(),
                f"{TP}PartyInfo/{TP}CollaborationRole/{TP}ServiceBinding/{TP}CanSend/{TP}ThisPartyActionBinding",
                f"{TP}action",
                "Other",
            ),
            False,
            "no CanSend for GLOBE-R-BV-Request",
        ),
        (
            _changed(plain(), f"{TP}PartyInfo/{TP}CollaborationRole/{TP}Role", f"{TP}name", "XX"),
            False,
            "role SR",
        ),
    ],
)
def test_reader_reports_each_problem(document, structural, text):
    with pytest.raises(CpaError) as info:
        read_cpa(document, now=NOW)
    assert info.value.structural is structural
    assert text in str(info.value)


def _attribute_removed(document: bytes, path: str | None, attr: str) -> bytes:
    root = etree.fromstring(document)
    el = root if path is None else root.find(path)
    del el.attrib[attr]
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("document", "problems"),
    [
        (_attribute_removed(plain(), None, f"{TP}cpaid"), ("CollaborationProtocolAgreement has no cpaid",)),
        (
            _attribute_removed(plain(), None, f"{TP}version"),
            ("CollaborationProtocolAgreement has no version",),
        ),
        (_attribute_removed(plain(), f"{TP}Status", f"{TP}value"), ("Status is missing or has no value",)),
        (_without(plain(), f"{TP}Status"), ("Status is missing or has no value",)),
        (_changed(plain(), f"{TP}Start", None, "morgen"), ("Start is missing or not a dateTime",)),
        (_without(plain(), f"{TP}End"), ("End is missing or not a dateTime",)),
        (_without(plain(), f"{TP}SimplePart"), ("SimplePart is missing",)),
        (
            _without(_without(plain(), f"{TP}PartyInfo"), f"{TP}PartyInfo"),
            ("a CPA has exactly two PartyInfo elements, this one has 0",),
        ),
    ],
)
def test_reader_names_each_missing_piece_exactly(document, problems):
    with pytest.raises(CpaError) as info:
        read_cpa(document, now=NOW)
    assert info.value.structural is True
    assert info.value.problems == problems
    assert str(info.value) == f"the CPA cannot be used: {problems[0]}"


def test_reader_names_the_root_it_found_and_reads_times_as_aware():
    with pytest.raises(CpaError) as info:
        read_cpa(b"<x xmlns='urn:other'/>")
    assert info.value.problems == (
        f"the root element is {{urn:other}}x, not CollaborationProtocolAgreement in {CPA_NAMESPACE}",
    )
    with pytest.raises(CpaError) as bad:
        read_cpa(b"<not-closed>")
    assert bad.value.problems[0].startswith("the CPA is not well-formed XML: ")
    assert len(bad.value.problems[0]) > len("the CPA is not well-formed XML: ")
    # A time without a zone is UTC; with one it is kept; the text and the bytes read alike.
    naive = _changed(plain(), f"{TP}Start", None, "2026-12-01T08:00:00")
    assert read_cpa(naive, now=NOW).start == NOW
    zoned = _changed(plain(), f"{TP}Start", None, "2026-12-01T09:00:00+01:00")
    assert read_cpa(zoned, now=NOW).start == NOW
    assert read_cpa(plain().decode(), now=NOW) == read_cpa(plain(), now=NOW)


def _second_party(change) -> bytes:
    root = etree.fromstring(plain())
    change(root.findall(f"{TP}PartyInfo")[1])
    return etree.tostring(root)


def _drop(info, local):
    for el in info.findall(f"{TP}{local}"):
        info.remove(el)


def _extra_party_id(info):
    info.insert(1, copy.deepcopy(info.find(f"{TP}PartyId")))


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        (lambda i: i.attrib.pop(f"{TP}partyName"), ("PartyInfo[2] has no partyName",)),
        (lambda i: _drop(i, "PartyRef"), ("PartyInfo[2] has no PartyRef",)),
        (_extra_party_id, ("PartyInfo[2] needs one PartyId of type urn:osb:oin, found 2",)),
        (lambda i: _drop(i, "PartyId"), ("PartyInfo[2] needs one PartyId of type urn:osb:oin, found 0",)),
        (lambda i: _drop(i, "DocExchange"), ("PartyInfo[2] has no DocExchange",)),
        (lambda i: _drop(i, "DeliveryChannel"), ("PartyInfo[2] has no DeliveryChannel",)),
        (
            lambda i: _drop(i, "CollaborationRole"),
            (
                "PartyInfo[2] has no CollaborationRole",
                f"PartyInfo[2] has no CollaborationRole for service {EBMS_SERVICE}",
            ),
        ),
    ],
)
def test_reader_names_the_party_and_what_it_lacks(change, problems):
    with pytest.raises(CpaError) as info:
        read_cpa(_second_party(change), now=NOW)
    assert info.value.problems[: len(problems)] == problems


def _remove_all(info, path):
    for el in info.findall(path):
        el.getparent().remove(el)


def _set(path, attr, value):
    return lambda info: info.find(path).set(f"{TP}{attr}", value)


def _unset(path, attr):
    return lambda info: info.find(path).attrib.pop(f"{TP}{attr}")


def _http_to_ftp(info):
    for el in info.iter(f"{TP}TransportProtocol"):
        el.text = "FTP"


_ROLE = f"{TP}CollaborationRole"
_SEND = f"{_ROLE}/{TP}ServiceBinding/{TP}CanSend/{TP}ThisPartyActionBinding"
_NO_ROLE = f"PartyInfo[2] has no CollaborationRole for service {EBMS_SERVICE}"


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        (
            lambda i: _remove_all(i, f"{TP}Transport"),
            (
                "PartyInfo[2] has no Transport",
                "PartyInfo[2] DeliveryChannel 'channel_SP': transportId names no Transport",
            ),
        ),
        (
            lambda i: i.set(f"{TP}defaultMshChannelId", "nope"),
            ("PartyInfo[2] defaultMshChannelId 'nope' names no DeliveryChannel",),
        ),
        (
            lambda i: i.set(f"{TP}defaultMshPackageId", "nope"),
            ("PartyInfo[2] defaultMshPackageId names no Packaging",),
        ),
        (
            lambda i: _remove_all(i, f"{_ROLE}/{TP}ProcessSpecification"),
            ("PartyInfo[2] CollaborationRole has no ProcessSpecification",),
        ),
        (_unset(f"{_ROLE}/{TP}Role", "name"), ("PartyInfo[2] CollaborationRole has no Role name", _NO_ROLE)),
        (
            lambda i: _remove_all(i, f"{_ROLE}/{TP}ServiceBinding/{TP}Service"),
            ("PartyInfo[2] CollaborationRole has no ServiceBinding with a Service", _NO_ROLE),
        ),
        (
            _unset(_SEND, "action"),
            ("PartyInfo[2] CanSend has no ThisPartyActionBinding with an id and an action",),
        ),
        (
            _set(_SEND, "packageId", "nope"),
            ("PartyInfo[2] CanSend GLOBE-R-BV-Result: packageId names no Packaging",),
        ),
        (
            lambda i: _remove_all(i, f"{_SEND}/{TP}BusinessTransactionCharacteristics"),
            ("PartyInfo[2] CanSend GLOBE-R-BV-Result: no BusinessTransactionCharacteristics",),
        ),
        (
            lambda i: _remove_all(i, f"{_SEND}/{TP}ChannelId"),
            ("PartyInfo[2] CanSend GLOBE-R-BV-Result: no ChannelId",),
        ),
        (
            lambda i: _remove_all(i, f"{TP}DeliveryChannel/{TP}MessagingCharacteristics"),
            ("PartyInfo[2] DeliveryChannel 'channel_SP' has no MessagingCharacteristics",),
        ),
        (
            _set(f"{TP}DeliveryChannel", "docExchangeId", "nope"),
            ("PartyInfo[2] DeliveryChannel 'channel_SP': docExchangeId names no DocExchange",),
        ),
        (
            lambda i: _remove_all(i, f"{TP}Transport/{TP}TransportReceiver/{TP}Endpoint"),
            ("PartyInfo[2] Transport 'transport_SP' has no TransportReceiver Endpoint uri",),
        ),
        (
            _http_to_ftp,
            (
                "PartyInfo[2] Transport TransportSender protocol is not HTTP",
                "PartyInfo[2] Transport TransportReceiver protocol is not HTTP",
            ),
        ),
    ],
)
def test_reader_names_each_broken_piece_of_a_party(change, problems):
    with pytest.raises(CpaError) as info:
        read_cpa(_second_party(change), now=NOW)
    assert info.value.structural is True
    assert info.value.problems == problems


def test_reader_names_the_direction_a_party_cannot_receive():
    document = _second_party(lambda i: _remove_all(i, f"{_ROLE}/{TP}ServiceBinding/{TP}CanReceive"))
    with pytest.raises(CpaError) as info:
        read_cpa(document, now=NOW)
    assert info.value.structural is False
    assert info.value.problems == (f"SP (urn:osb:oin:{LOGIUS}) has no CanReceive for GLOBE-R-BV-Request",)


def test_reader_takes_a_cpa_until_its_end_and_not_at_it():
    end = NOW + timedelta(days=365)  # plain()'s End
    assert read_cpa(plain(), now=end - timedelta(seconds=1)).end == end
    with pytest.raises(CpaError) as info:
        read_cpa(plain(), now=end)
    assert info.value.problems == (f"CPA expired on {end.isoformat()}",)
    same = _changed(plain(), f"{TP}End", None, "2026-12-01T08:00:00Z")  # End == Start
    with pytest.raises(CpaError) as at_start:
        read_cpa(same, now=NOW - timedelta(days=1))
    assert at_start.value.problems == ("CPA Start date not before End date",)
    no_roles = _second_party(_unset(f"{_ROLE}/{TP}Role", "name"))
    with pytest.raises(CpaError):
        read_cpa(no_roles, now=NOW)
    sr_twice = _changed(plain(), f"{TP}PartyInfo[2]/{TP}CollaborationRole/{TP}Role", f"{TP}name", "SR")
    with pytest.raises(CpaError) as roles:
        read_cpa(sr_twice, now=NOW)
    assert roles.value.problems[-1] == "the CPA needs a party in role SR and one in role SP"


def test_reader_quotes_a_party_id_that_is_no_oin():
    document = _changed(plain(), f"{TP}PartyInfo/{TP}PartyId", None, "123")
    with pytest.raises(CpaError) as info:
        read_cpa(document, now=NOW)
    (problem,) = info.value.problems
    assert problem.startswith("PartyInfo[1] PartyId '123' of type urn:osb:oin is not an OIN: ")
    assert len(problem) > len("PartyInfo[1] PartyId '123' of type urn:osb:oin is not an OIN: ")


def test_reader_reads_characteristics_left_out_as_empty():
    root = etree.fromstring(plain())
    for characteristics in root.iter(f"{TP}MessagingCharacteristics"):
        for name in ("ackRequested", "duplicateElimination", "syncReplyMode"):
            characteristics.attrib.pop(f"{TP}{name}", None)
    info = read_cpa(etree.tostring(root), now=NOW)
    assert (info.sender.ack_requested, info.sender.duplicate_elimination, info.sender.sync_reply_mode) == (
        "",
        "",
        "",
    )


def test_each_party_holds_the_digikoppeling_ebms2_values():
    xlink = "{http://www.w3.org/1999/xlink}"
    root = etree.fromstring(plain())
    for info, key, sends, receives in zip(
        root.findall(f"{TP}PartyInfo"),
        ("SR", "SP"),
        ("GLOBE-R-BV-Request", "GLOBE-R-BV-Result"),
        ("GLOBE-R-BV-Result", "GLOBE-R-BV-Request"),
        strict=True,
    ):
        role = info.find(f"{TP}CollaborationRole")
        spec = role.find(f"{TP}ProcessSpecification")
        assert (spec.get(f"{TP}name"), spec.get(f"{TP}version"), spec.get(f"{xlink}type")) == (
            "BerichtVerwerkService",
            "2.0",
            "simple",
        )
        name = role.find(f"{TP}Role")
        assert (name.get(f"{TP}name"), name.get(f"{xlink}type"), name.get(f"{xlink}href")) == (
            key,
            "simple",
            f"{EBMS_SERVICE}#{key}",
        )
        bindings = role.findall(f"{TP}ServiceBinding/*/{TP}ThisPartyActionBinding")
        assert [b.get(f"{TP}id") for b in bindings] == [
            f"{key}_CanSend_{sends}",
            f"{key}_CanReceive_{receives}",
        ]
        for binding in bindings:
            btc = binding.find(f"{TP}BusinessTransactionCharacteristics")
            assert dict(btc.attrib) == {
                f"{TP}isNonRepudiationRequired": "false",
                f"{TP}isNonRepudiationReceiptRequired": "false",
                f"{TP}isConfidential": "none",
                f"{TP}isAuthenticated": "none",
                f"{TP}isTamperProof": "none",
                f"{TP}isAuthorizationRequired": "false",
                f"{TP}isIntelligibleCheckRequired": "false",
            }
        characteristics = info.find(f"{TP}DeliveryChannel/{TP}MessagingCharacteristics")
        assert characteristics.get(f"{TP}ackSignatureRequested") == "never"
        assert characteristics.get(f"{TP}actor") == "urn:oasis:names:tc:ebxml-msg:actor:toPartyMSH"
        assert {p.get(f"{TP}version") for p in info.iter(f"{TP}TransportProtocol")} == {"1.1"}
        assert info.find(f"{TP}Transport/{TP}TransportReceiver/{TP}Endpoint").get(f"{TP}type") == "allPurpose"
        exchange = info.find(f"{TP}DocExchange")
        assert [b.get(f"{TP}version") for b in exchange] == ["2.0", "2.0"]
        assert {el.text for el in exchange.iter(f"{TP}MessageOrderSemantics")} == {"NotGuaranteed"}


def test_reader_reads_the_parties_names():
    info = read_cpa(plain(), now=NOW)
    assert (info.sender.name, info.logius.name) == ("Gemeente Test", "Logius")
    assert (info.sender.party_id, info.logius.party_id) == (f"urn:osb:oin:{SENDER}", f"urn:osb:oin:{LOGIUS}")


def test_reader_reports_at_most_fifty_problems():
    root = etree.fromstring(plain())
    for _ in range(60):
        root.append(copy.deepcopy(root.find(f"{TP}PartyInfo")))
    for info in root.findall(f"{TP}PartyInfo"):
        info.find(f"{TP}PartyId").text = "123"
    with pytest.raises(CpaError) as info:
        read_cpa(etree.tostring(root), now=NOW)
    assert len(info.value.problems) == 50


def test_reader_refuses_an_expired_cpa():
    with pytest.raises(CpaError, match="expired"):
        read_cpa(plain(), now=NOW + timedelta(days=400))


def test_reader_refuses_a_dtd():
    with pytest.raises(CpaError, match="not well-formed"):
        read_cpa(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>')


def test_cli_generate_and_check(tmp_path: Path):
    out = tmp_path / "cpa.xml"
    runner = CliRunner()
    done = runner.invoke(
        main,
        ["cpa", "generate", "--cpa-id", "cpa-cli", "--sender-oin", SENDER, "--retries", "2", "-o", str(out)],
    )
    assert done.exit_code == 0, done.output
    info = read_cpa(out.read_bytes())
    assert info.cpa_id == "cpa-cli" and info.sender.retries == 2
    checked = runner.invoke(main, ["cpa", "check", str(out), "--json"])
    assert checked.exit_code == 0
    assert '"cpaId": "cpa-cli"' in checked.output
    bad = runner.invoke(main, ["cpa", "generate", "--cpa-id", "x", "--sender-oin", "123"])
    assert bad.exit_code == 2
    broken = tmp_path / "broken.xml"
    broken.write_bytes(_changed(plain(), f"{TP}Status", f"{TP}value", "proposed"))
    assert runner.invoke(main, ["cpa", "check", str(broken)]).exit_code == 1
    stdout = runner.invoke(main, ["cpa", "generate", "--cpa-id", "x", "--sender-oin", SENDER])
    assert stdout.output.startswith("<?xml")


# --- the simulator's CPA management ----------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(transport=Simulator().transport(), base_url=EBMS) as c:
        yield c


def test_simulator_serves_a_full_cpa_for_its_world(client):
    got = client.get(f"/cpas/{DEFAULT_CPA_ID}")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/plain")
    info = read_cpa(got.content)
    assert info.cpa_id == DEFAULT_CPA_ID and info.sender.party_id == DEFAULT_SENDER_OIN.party_id
    assert info.logius.party_id == LOGIUS_PARTY_ID
    assert client.get(f"/cpas/{DEFAULT_CPA_ID}").content == got.content  # stable


def test_simulator_cpa_lifecycle(client):
    new = generate_cpa("cpa-new", CpaParty(DEFAULT_SENDER_OIN, "Gemeente Demo", "http://127.0.0.1:8888/ebms"))
    assert (
        client.post("/cpas/validate", content=new, headers={"Content-Type": "text/plain"}).status_code == 204
    )
    inserted = client.post("/cpas", content=new, headers={"Content-Type": "text/plain"})
    assert inserted.status_code == 200 and inserted.text == "cpa-new"
    assert inserted.headers["content-type"].startswith("text/plain")
    assert "cpa-new" in client.get("/cpas").json()
    assert client.get("/cpas/cpa-new").content == new
    again = client.post("/cpas", content=new)
    assert again.status_code == 400 and again.text == "Did not insert CPA cpa-new! CPA already exists."
    assert client.post("/cpas", content=new, params={"overwrite": "true"}).status_code == 200
    # The posted CPA carries messages at once.
    body = send_body(to_xml(batch(letter(ANNA))), cpa_id="cpa-new")
    sent = client.post("/ebms/messages", json=body)
    assert sent.status_code == 200
    assert result_for(client, sent.text).berichten[0].verwerkings_code.is_success
    assert client.delete("/cpas/cpa-new").status_code == 204
    assert client.delete("/cpas/cpa-new").status_code == 404
    assert client.get("/cpas/cpa-new").status_code == 404
    refused = client.post("/ebms/messages", json=body)
    assert refused.status_code == 500 and "No CPA found" in refused.text
    assert client.delete("/cpas/cache").status_code == 204
    assert client.delete(f"/cpas/{DEFAULT_CPA_ID}").status_code == 204
    assert DEFAULT_CPA_ID not in client.get("/cpas").json()


@pytest.mark.parametrize(
    ("document", "status"),
    [
        (b"not xml", 400),
        (_without(plain(), f"{TP}PartyInfo"), 400),
        (_changed(plain(), f"{TP}Status", f"{TP}value", "proposed"), 500),
    ],
)
def test_simulator_refuses_bad_cpas_as_ebms_core_does(client, document, status):
    for path in ("/cpas/validate", "/cpas"):
        response = client.post(path, content=document, headers={"Content-Type": "text/plain"})
        assert response.status_code == status
        assert "the CPA cannot be used" in response.text
    assert client.get("/cpas").json() == ["cpa-mobb-demo", "cpa-mobb-intermediair"]


def test_cli_generate_for_two_way_tls(tmp_path: Path):
    tls = generate_tls(tmp_path / "tls", [SENDER, LOGIUS])
    out = tmp_path / "tls-cpa.xml"
    args = ["cpa", "generate", "--cpa-id", "cpa-tls", "--sender-oin", SENDER, "-o", str(out)]
    args += [
        "--sender-endpoint",
        "https://msh.gemeente.test/ebms",
        "--sender-cert",
        str(tls.client(SENDER)[0]),
    ]
    args += ["--logius-endpoint", "https://msh.logius.test/ebms", "--logius-cert", str(tls.client(LOGIUS)[0])]
    done = CliRunner().invoke(main, [*args, "--sync-acks"])
    assert done.exit_code == 0, done.output
    info = read_cpa(out.read_bytes())
    assert [p.certificates for p in info.parties] == [1, 1]
    assert info.sender.endpoint == "https://msh.gemeente.test/ebms"
    assert info.sender.sync_reply_mode == "mshSignalsOnly"
    # An https endpoint without its certificate makes no CPA: a usage error.
    missing = CliRunner().invoke(main, [*args[:8], "--sender-endpoint", "https://msh.gemeente.test/ebms"])
    assert missing.exit_code == 2 and "certificate" in missing.output
