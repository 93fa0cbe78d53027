"""CPAs for the Berichtenbox connection: write one (:func:`generate_cpa`), read and check one (:func:`read_cpa`).

A CPA (ebXML CPP/CPA 2.0) is the agreement between the sender's MSH and Logius' MSH: its id, both
parties (``urn:osb:oin:<OIN>``, roles ``SR`` and ``SP``), the service
``urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0`` with ``GLOBE-R-BV-Request`` (SR to SP) and
``GLOBE-R-BV-Result`` (SP to SR), the reliable-messaging characteristics of the Digikoppeling ebMS2
profile (osb-rm: acknowledgements always requested, duplicate elimination, retries with an interval,
a persist duration; acknowledgements synchronous or not), each party's endpoint and, for https, the
certificates for two-way TLS. Logius issues the CPA for preproductie and productie; a generated one is
for tests: load it into your own ebms-core (``POST /cpas``) or serve it from the simulator.

>>> from mobb_sdk.cpa import CpaParty, generate_cpa, read_cpa
>>> xml = generate_cpa(
...     "cpa-test",
...     CpaParty("00000099000000001000", "Gemeente Demo", "http://127.0.0.1:8888/ebms"),
...     CpaParty("00000001822477348000", "Logius", "http://127.0.0.1:8889/ebms"),
... )
>>> info = read_cpa(xml)
>>> info.cpa_id, info.sender.party_id, info.logius.role
('cpa-test', 'urn:osb:oin:00000099000000001000', 'SP')
>>> info.sender.sends, info.sender.receives
(('GLOBE-R-BV-Request',), ('GLOBE-R-BV-Result',))

The checks of :func:`read_cpa` are our own, written from the CPP/CPA 2.0 structure and the spec:
well-formed XML, the root, every required element in its place, each reference resolving, two parties
with a valid OIN, the Berichtenbox service with both actions in the right direction, status, start and
end. They are not the OASIS schema; ebms-core also validates the CPA against ``cpp-cpa-2_0.xsd``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs
from lxml import etree

from mobb_sdk._errors import CpaError, InvalidValueError, MobbError
from mobb_sdk._ids import LOGIUS_OIN, Oin
from mobb_sdk._namespaces import EBMS_SERVICE, LOGIUS_ROLE, REQUEST_ACTION, RESULT_ACTION, SENDER_ROLE
from mobb_sdk._xml import parse_xml

__all__ = [
    "CPA_NAMESPACE",
    "CpaInfo",
    "CpaParty",
    "PartyInfo",
    "ReliableMessaging",
    "generate_cpa",
    "read_cpa",
]

CPA_NAMESPACE: Final = "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"
XLINK_NAMESPACE: Final = "http://www.w3.org/1999/xlink"
DS_NAMESPACE: Final = "http://www.w3.org/2000/09/xmldsig#"
_NSMAP: Final = {"tp": CPA_NAMESPACE, "xlink": XLINK_NAMESPACE, "ds": DS_NAMESPACE}
_PARTY_ID_TYPE: Final = "urn:osb:oin"
_PARTY_ID_PREFIX: Final = "urn:osb:oin:"
#: The ebMS actor of a message for the receiving MSH itself (ebMS 2.0, section 2.3.2).
_TO_PARTY_MSH: Final = "urn:oasis:names:tc:ebxml-msg:actor:toPartyMSH"
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
_CPA_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def _tp(local: str) -> str:
    return f"{{{CPA_NAMESPACE}}}{local}"


def _xl(local: str) -> str:
    return f"{{{XLINK_NAMESPACE}}}{local}"


def _duration(value: timedelta) -> str:
    """An xs:duration for a whole number of seconds (``P1D``, ``PT3M``, ``PT1H30M``)."""
    seconds = int(value.total_seconds())
    if seconds < 0 or value.total_seconds() != seconds:
        raise InvalidValueError(
            "CPA", "duration", f"a duration is a whole, non-negative number of seconds: {value}"
        )
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    out = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return out if out != "P" else "PT0S"


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _parse_duration(text: str) -> timedelta | None:
    m = _DURATION.match(text.strip())
    if m is None or text.strip() in ("P", "PT"):
        return None
    days, hours, minutes, seconds = m.groups()
    return timedelta(
        days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds or 0)
    )


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        raise InvalidValueError("CPA", "start/end", "CPA start and end need a time zone")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pem_or_der(value: bytes | None) -> bytes | None:
    if value is None:
        return None
    from cryptography.hazmat.primitives.serialization import Encoding

    from mobb_sdk._tls import load_certificate

    return load_certificate(value).public_bytes(Encoding.DER)


@attrs.frozen
class ReliableMessaging:
    """The osb-rm characteristics of the Digikoppeling ebMS2 profile, for both delivery channels.

    ``retries`` and ``retry_interval``: how often and how far apart the MSH sends a message again until
    it is acknowledged; ``persist_duration``: how long the receiver keeps a message id for duplicate
    elimination (at least ``retries * retry_interval``); ``sync_acks``: acknowledgements in the HTTP
    answer (``syncReplyMode="mshSignalsOnly"``) instead of a separate request (``none``).
    """

    retries: int = 8
    retry_interval: timedelta = timedelta(minutes=3)
    persist_duration: timedelta = timedelta(days=1)
    sync_acks: bool = False

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.retries <= 100:
            raise InvalidValueError("CPA", "retries", f"retries is 0..100, got {self.retries}")
        if self.retry_interval <= timedelta(0):
            raise InvalidValueError("CPA", "retry_interval", "the retry interval must be positive")
        if self.persist_duration < self.retry_interval * self.retries:
            raise InvalidValueError(
                "CPA",
                "persist_duration",
                f"the persist duration ({self.persist_duration}) must cover every retry "
                f"({self.retries} x {self.retry_interval})",
            )


def _to_oin(value: Oin | str) -> Oin:
    return value if isinstance(value, Oin) else Oin(value)


@attrs.frozen
class CpaParty:
    """One side of the CPA: its OIN, a name, the URL its MSH receives ebMS messages on, and (for https)
    its TLS certificate (PEM or DER bytes; the same certificate serves as client and server certificate,
    as a PKIoverheid certificate does)."""

    oin: Oin = attrs.field(converter=_to_oin)
    name: str
    endpoint: str
    certificate: bytes | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.endpoint.startswith(("http://", "https://")):
            raise InvalidValueError(
                "CPA", "endpoint", f"the endpoint is an http(s) URL, got {self.endpoint!r}"
            )
        if self.endpoint.startswith("https://") and self.certificate is None:
            raise InvalidValueError(
                "CPA", "certificate", f"an https endpoint needs the party's certificate ({self.name})"
            )


def generate_cpa(
    cpa_id: str,
    sender: CpaParty,
    logius: CpaParty | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    reliable: ReliableMessaging | None = None,
) -> bytes:
    """A CPP/CPA 2.0 CPA for the Berichtenbox service between ``sender`` (role SR) and ``logius`` (SP).

    ``logius`` defaults to Logius' OIN with a loopback endpoint (``http://127.0.0.1:8889/ebms``);
    ``start`` defaults to now, ``end`` to a year later. Both parties need https endpoints with
    certificates, or neither does (plain http is for loopback tests). Returns the UTF-8 document.
    """
    if not _CPA_ID.match(cpa_id):
        raise InvalidValueError(
            "CPA", "cpa_id", f"a CPA id is 1..128 letters, digits, '.', '_', ':' or '-': {cpa_id!r}"
        )
    other = logius if logius is not None else CpaParty(LOGIUS_OIN, "Logius", "http://127.0.0.1:8889/ebms")
    if sender.oin == other.oin:
        raise InvalidValueError("CPA", "sender", "the sender and Logius must be different parties")
    if (sender.certificate is None) != (other.certificate is None):
        raise InvalidValueError(
            "CPA", "certificate", "give both parties a certificate (https) or neither (http)"
        )
    begin = start if start is not None else datetime.now(UTC).replace(microsecond=0)
    finish = end if end is not None else begin + timedelta(days=365)
    start_text, end_text = _instant(begin), _instant(finish)  # both with a time zone, or no comparing them
    if not begin < finish:
        raise InvalidValueError("CPA", "end", "the CPA must end after it starts")
    rm = reliable if reliable is not None else ReliableMessaging()

    root = etree.Element(_tp("CollaborationProtocolAgreement"), nsmap=_NSMAP)
    root.set(_tp("cpaid"), cpa_id)
    root.set(_tp("version"), "2_0b")
    etree.SubElement(root, _tp("Status")).set(_tp("value"), "agreed")
    etree.SubElement(root, _tp("Start")).text = start_text
    etree.SubElement(root, _tp("End")).text = end_text
    conv = etree.SubElement(root, _tp("ConversationConstraints"))
    conv.set(_tp("invocationLimit"), "0")  # ebms-core ignores it; 0: no limit
    conv.set(_tp("concurrentConversations"), "0")
    _party_info(root, sender, SENDER_ROLE, "SR", rm, sends=REQUEST_ACTION, receives=RESULT_ACTION)
    _party_info(root, other, LOGIUS_ROLE, "SP", rm, sends=RESULT_ACTION, receives=REQUEST_ACTION)
    part = etree.SubElement(root, _tp("SimplePart"))
    part.set(_tp("id"), "part_xml")
    part.set(_tp("mimetype"), "text/xml")
    packaging = etree.SubElement(root, _tp("Packaging"))
    packaging.set(_tp("id"), "package_bb")
    caps = etree.SubElement(packaging, _tp("ProcessingCapabilities"))
    caps.set(_tp("parse"), "true")
    caps.set(_tp("generate"), "true")
    composites = etree.SubElement(packaging, _tp("CompositeList"))
    composite = etree.SubElement(composites, _tp("Composite"))
    composite.set(_tp("id"), "composite_bb")
    composite.set(_tp("mimetype"), "multipart/related")
    composite.set(_tp("mimeparameters"), 'type="text/xml"')
    etree.SubElement(composite, _tp("Constituent")).set(_tp("idref"), "part_xml")
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _party_info(
    root: etree._Element,
    party: CpaParty,
    role: str,
    key: str,
    rm: ReliableMessaging,
    *,
    sends: str,
    receives: str,
) -> None:
    channel, transport, exchange = f"channel_{key}", f"transport_{key}", f"docexchange_{key}"
    info = etree.SubElement(root, _tp("PartyInfo"))
    info.set(_tp("partyName"), party.name)
    info.set(_tp("defaultMshChannelId"), channel)
    info.set(_tp("defaultMshPackageId"), "package_bb")
    party_id = etree.SubElement(info, _tp("PartyId"))
    party_id.set(_tp("type"), _PARTY_ID_TYPE)
    # ebms-core names a party "<type>:<value>": this PartyId is urn:osb:oin:<OIN> on the REST API.
    party_id.text = party.oin.value
    ref = etree.SubElement(info, _tp("PartyRef"))
    ref.set(_xl("type"), "simple")
    ref.set(_xl("href"), f"http://www.logius.nl/oin/{party.oin.value}")
    collab = etree.SubElement(info, _tp("CollaborationRole"))
    spec = etree.SubElement(collab, _tp("ProcessSpecification"))
    spec.set(_tp("name"), "BerichtVerwerkService")
    spec.set(_tp("version"), "2.0")
    spec.set(_xl("type"), "simple")
    spec.set(_xl("href"), EBMS_SERVICE)
    role_el = etree.SubElement(collab, _tp("Role"))
    role_el.set(_tp("name"), role)
    role_el.set(_xl("type"), "simple")
    role_el.set(_xl("href"), f"{EBMS_SERVICE}#{role}")
    binding = etree.SubElement(collab, _tp("ServiceBinding"))
    etree.SubElement(binding, _tp("Service")).text = EBMS_SERVICE
    for element, action in (("CanSend", sends), ("CanReceive", receives)):
        can = etree.SubElement(binding, _tp(element))
        this = etree.SubElement(can, _tp("ThisPartyActionBinding"))
        this.set(_tp("id"), f"{key}_{element}_{action}")
        this.set(_tp("action"), action)
        this.set(_tp("packageId"), "package_bb")
        btc = etree.SubElement(this, _tp("BusinessTransactionCharacteristics"))
        for name, value in (
            ("isNonRepudiationRequired", "false"),
            ("isNonRepudiationReceiptRequired", "false"),
            ("isConfidential", "none"),
            ("isAuthenticated", "none"),
            ("isTamperProof", "none"),
            ("isAuthorizationRequired", "false"),
            ("isIntelligibleCheckRequired", "false"),
        ):
            btc.set(_tp(name), value)
        etree.SubElement(this, _tp("ChannelId")).text = channel
    cert_id = f"cert_{key}"
    der = _pem_or_der(party.certificate)
    if der is not None:
        cert = etree.SubElement(info, _tp("Certificate"))
        cert.set(_tp("certId"), cert_id)
        key_info = etree.SubElement(cert, f"{{{DS_NAMESPACE}}}KeyInfo")
        data = etree.SubElement(key_info, f"{{{DS_NAMESPACE}}}X509Data")
        etree.SubElement(data, f"{{{DS_NAMESPACE}}}X509Certificate").text = base64.b64encode(der).decode()
        details = etree.SubElement(info, _tp("SecurityDetails"))
        details.set(_tp("securityId"), f"security_{key}")
        anchors = etree.SubElement(details, _tp("TrustAnchors"))
        etree.SubElement(anchors, _tp("AnchorCertificateRef")).set(_tp("certId"), cert_id)
    dc = etree.SubElement(info, _tp("DeliveryChannel"))
    dc.set(_tp("channelId"), channel)
    dc.set(_tp("transportId"), transport)
    dc.set(_tp("docExchangeId"), exchange)
    mc = etree.SubElement(dc, _tp("MessagingCharacteristics"))
    mc.set(_tp("syncReplyMode"), "mshSignalsOnly" if rm.sync_acks else "none")
    mc.set(_tp("ackRequested"), "always")
    mc.set(_tp("ackSignatureRequested"), "never")
    mc.set(_tp("duplicateElimination"), "always")
    mc.set(_tp("actor"), _TO_PARTY_MSH)
    tr = etree.SubElement(info, _tp("Transport"))
    tr.set(_tp("transportId"), transport)
    sender = etree.SubElement(tr, _tp("TransportSender"))
    _protocol(sender)
    if der is not None:
        client = etree.SubElement(sender, _tp("TransportClientSecurity"))
        _tls(client)
        etree.SubElement(client, _tp("ClientCertificateRef")).set(_tp("certId"), cert_id)
        etree.SubElement(client, _tp("ServerSecurityDetailsRef")).set(_tp("securityId"), f"security_{key}")
    receiver = etree.SubElement(tr, _tp("TransportReceiver"))
    _protocol(receiver)
    endpoint = etree.SubElement(receiver, _tp("Endpoint"))
    endpoint.set(_tp("uri"), party.endpoint)
    endpoint.set(_tp("type"), "allPurpose")
    if der is not None:
        server = etree.SubElement(receiver, _tp("TransportServerSecurity"))
        _tls(server)
        etree.SubElement(server, _tp("ServerCertificateRef")).set(_tp("certId"), cert_id)
        etree.SubElement(server, _tp("ClientSecurityDetailsRef")).set(_tp("securityId"), f"security_{key}")
    de = etree.SubElement(info, _tp("DocExchange"))
    de.set(_tp("docExchangeId"), exchange)
    for element in ("ebXMLSenderBinding", "ebXMLReceiverBinding"):
        b = etree.SubElement(de, _tp(element))
        b.set(_tp("version"), "2.0")
        rel = etree.SubElement(b, _tp("ReliableMessaging"))
        etree.SubElement(rel, _tp("Retries")).text = str(rm.retries)
        etree.SubElement(rel, _tp("RetryInterval")).text = _duration(rm.retry_interval)
        etree.SubElement(rel, _tp("MessageOrderSemantics")).text = "NotGuaranteed"
        etree.SubElement(b, _tp("PersistDuration")).text = _duration(rm.persist_duration)


def _protocol(parent: etree._Element) -> None:
    protocol = etree.SubElement(parent, _tp("TransportProtocol"))
    protocol.set(_tp("version"), "1.1")
    protocol.text = "HTTP"


def _tls(parent: etree._Element) -> None:
    protocol = etree.SubElement(parent, _tp("TransportSecurityProtocol"))
    protocol.set(_tp("version"), "1.2")
    protocol.text = "TLS"


# --- reading ----------------------------------------------------------------------------------------------


@attrs.frozen
class PartyInfo:
    """One party of a CPA as read: its PartyId, role, the actions it sends and receives, its endpoint."""

    name: str
    party_id: str
    role: str
    sends: tuple[str, ...]
    receives: tuple[str, ...]
    endpoint: str
    ack_requested: str
    duplicate_elimination: str
    sync_reply_mode: str
    retries: int | None
    retry_interval: timedelta | None
    persist_duration: timedelta | None
    certificates: int

    @property
    def oin(self) -> Oin:
        return Oin(self.party_id.removeprefix(_PARTY_ID_PREFIX))


@attrs.frozen
class CpaInfo:
    """What :func:`read_cpa` found in a CPA that passed its checks."""

    cpa_id: str
    version: str
    status: str
    start: datetime
    end: datetime
    sender: PartyInfo
    logius: PartyInfo
    document: bytes = attrs.field(repr=False)

    @property
    def parties(self) -> tuple[PartyInfo, PartyInfo]:
        return (self.sender, self.logius)


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        if len(self.items) < 50:
            self.items.append(message)


def _attr(el: etree._Element, name: str) -> str | None:
    value = el.get(_tp(name))
    return value if value is not None else el.get(name)


def _child(el: etree._Element, local: str) -> etree._Element | None:
    return el.find(_tp(local))


def _children(el: etree._Element, local: str) -> list[etree._Element]:
    return el.findall(_tp(local))


def _text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def read_cpa(document: bytes | str, *, now: datetime | None = None) -> CpaInfo:
    """Read and check a CPA for the Berichtenbox connection (see the module docstring for the checks).

    Raises :class:`~mobb_sdk.CpaError`: ``structural`` True when the document is not a usable CPP/CPA
    2.0 document (ebms-core answers 400 to such a CPA), False when it is one but not an agreement that
    can be used now or not one for this service (ebms-core answers 500 for its own such checks).
    """
    data = document.encode("utf-8") if isinstance(document, str) else bytes(document)
    try:
        root = parse_xml(data).getroot()
    except MobbError as exc:
        raise CpaError((f"the CPA is not well-formed XML: {exc}",), structural=True) from None
    if root.tag != _tp("CollaborationProtocolAgreement"):
        raise CpaError(
            (f"the root element is {root.tag}, not CollaborationProtocolAgreement in {CPA_NAMESPACE}",),
            structural=True,
        )
    problems = _Problems()
    cpa_id = _attr(root, "cpaid") or ""
    version = _attr(root, "version") or ""
    if not cpa_id:
        problems.add("CollaborationProtocolAgreement has no cpaid")
    if not version:
        problems.add("CollaborationProtocolAgreement has no version")
    status_el, start_el, end_el = _child(root, "Status"), _child(root, "Start"), _child(root, "End")
    status = _attr(status_el, "value") if status_el is not None else None
    if status is None:
        problems.add("Status is missing or has no value")
    start, end = _time(_text(start_el)), _time(_text(end_el))
    if start is None:
        problems.add("Start is missing or not a dateTime")
    if end is None:
        problems.add("End is missing or not a dateTime")
    infos = _children(root, "PartyInfo")
    if len(infos) != 2:
        problems.add(f"a CPA has exactly two PartyInfo elements, this one has {len(infos)}")
    packages = {_attr(p, "id") for p in _children(root, "Packaging")}
    if not packages - {None}:
        problems.add("Packaging is missing")
    if not _children(root, "SimplePart"):
        problems.add("SimplePart is missing")
    parties = [_read_party(info, i, packages, problems) for i, info in enumerate(infos)]
    if problems.items:
        raise CpaError(tuple(problems.items), structural=True)
    assert start is not None and end is not None and status is not None  # noqa: S101
    return _agreement(cpa_id, version, status, start, end, parties, data, now or datetime.now(UTC))


@attrs.frozen
class _PartyParts:
    """A PartyInfo's DeliveryChannels, Transports and DocExchanges by id, and its certificate ids."""

    channels: dict[str | None, etree._Element]
    transports: dict[str | None, etree._Element]
    exchanges: dict[str | None, etree._Element]
    certs: set[str | None]


@attrs.frozen
class _Roles:
    """What a PartyInfo's CollaborationRoles for the Berichtenbox service say."""

    names: list[str]
    sends: list[str]
    receives: list[str]
    channel_ids: list[str]


@attrs.frozen
class _Channel:
    """The delivery channel a party's messages use: endpoint, messaging and reliability settings."""

    endpoint: str = ""
    characteristics: dict[str, str] = attrs.Factory(dict)
    reliable: tuple[int | None, timedelta | None, timedelta | None] = (None, None, None)


def _read_party(
    info: etree._Element, index: int, packages: set[str | None], problems: _Problems
) -> PartyInfo | None:
    where = f"PartyInfo[{index + 1}]"
    party_id = _party_id(info, where, problems)
    if party_id is None:
        return None
    parts = _party_parts(info, where, packages, problems)
    roles = _collaboration_roles(info, where, packages, parts, problems)
    # The channel of the first action binding, else the first channel: the one ebms-core uses.
    chosen = roles.channel_ids[0] if roles.channel_ids else next(iter(parts.channels), None)
    channel = _delivery_channel(chosen, parts, where, problems)
    if not roles.names:
        problems.add(f"{where} has no CollaborationRole for service {EBMS_SERVICE}")
        return None
    return PartyInfo(
        name=_attr(info, "partyName") or "",
        party_id=party_id,
        role=roles.names[0],
        sends=tuple(roles.sends),
        receives=tuple(roles.receives),
        endpoint=channel.endpoint,
        ack_requested=channel.characteristics.get("ackRequested", ""),
        duplicate_elimination=channel.characteristics.get("duplicateElimination", ""),
        sync_reply_mode=channel.characteristics.get("syncReplyMode", ""),
        retries=channel.reliable[0],
        retry_interval=channel.reliable[1],
        persist_duration=channel.reliable[2],
        certificates=len(parts.certs - {None}),
    )


def _party_id(info: etree._Element, where: str, problems: _Problems) -> str | None:
    """The party's one OIN PartyId as ``urn:osb:oin:…``, or None (a problem is added)."""
    for required in ("partyName", "defaultMshChannelId", "defaultMshPackageId"):
        if not _attr(info, required):
            problems.add(f"{where} has no {required}")
    oin_ids = [p for p in _children(info, "PartyId") if _attr(p, "type") == _PARTY_ID_TYPE]
    if len(oin_ids) != 1:
        problems.add(f"{where} needs one PartyId of type {_PARTY_ID_TYPE}, found {len(oin_ids)}")
        return None
    value = _text(oin_ids[0])
    try:
        Oin(value)
    except (InvalidValueError, ValueError) as exc:
        problems.add(f"{where} PartyId {value!r} of type {_PARTY_ID_TYPE} is not an OIN: {exc}")
        return None
    if not _children(info, "PartyRef"):
        problems.add(f"{where} has no PartyRef")
    return f"{_PARTY_ID_TYPE}:{value}"


def _party_parts(
    info: etree._Element, where: str, packages: set[str | None], problems: _Problems
) -> _PartyParts:
    parts = _PartyParts(
        channels={_attr(c, "channelId"): c for c in _children(info, "DeliveryChannel")},
        transports={_attr(t, "transportId"): t for t in _children(info, "Transport")},
        exchanges={_attr(d, "docExchangeId"): d for d in _children(info, "DocExchange")},
        certs={_attr(c, "certId") for c in _children(info, "Certificate")},
    )
    for what, found in (
        ("DeliveryChannel", parts.channels),
        ("Transport", parts.transports),
        ("DocExchange", parts.exchanges),
    ):
        if not found:
            problems.add(f"{where} has no {what}")
    default_channel = _attr(info, "defaultMshChannelId")
    if default_channel and default_channel not in parts.channels:
        problems.add(f"{where} defaultMshChannelId {default_channel!r} names no DeliveryChannel")
    if _attr(info, "defaultMshPackageId") and _attr(info, "defaultMshPackageId") not in packages:
        problems.add(f"{where} defaultMshPackageId names no Packaging")
    return parts


def _collaboration_roles(
    info: etree._Element, where: str, packages: set[str | None], parts: _PartyParts, problems: _Problems
) -> _Roles:
    roles = _Roles([], [], [], [])
    elements = _children(info, "CollaborationRole")
    if not elements:
        problems.add(f"{where} has no CollaborationRole")
    for r in elements:
        if _child(r, "ProcessSpecification") is None:
            problems.add(f"{where} CollaborationRole has no ProcessSpecification")
        role_el = _child(r, "Role")
        if role_el is None or not _attr(role_el, "name"):
            problems.add(f"{where} CollaborationRole has no Role name")
            continue
        binding = _child(r, "ServiceBinding")
        service = _text(_child(binding, "Service")) if binding is not None else ""
        if binding is None or not service:
            problems.add(f"{where} CollaborationRole has no ServiceBinding with a Service")
            continue
        if service != EBMS_SERVICE:
            continue  # another service in the same CPA: allowed, not ours to check
        roles.names.append(_attr(role_el, "name") or "")
        for element, bucket in (("CanSend", roles.sends), ("CanReceive", roles.receives)):
            for can in _children(binding, element):
                action = _action_binding(
                    can, f"{where} {element}", packages, parts, problems, roles.channel_ids
                )
                if action is not None:
                    bucket.append(action)
    return roles


def _action_binding(
    can: etree._Element,
    where: str,
    packages: set[str | None],
    parts: _PartyParts,
    problems: _Problems,
    channel_ids: list[str],
) -> str | None:
    """The action of a CanSend/CanReceive (None when unusable); its ChannelIds go to ``channel_ids``."""
    this = _child(can, "ThisPartyActionBinding")
    if this is None or not _attr(this, "action") or not _attr(this, "id"):
        problems.add(f"{where} has no ThisPartyActionBinding with an id and an action")
        return None
    action = _attr(this, "action") or ""
    if _attr(this, "packageId") not in packages:
        problems.add(f"{where} {action}: packageId names no Packaging")
    if _child(this, "BusinessTransactionCharacteristics") is None:
        problems.add(f"{where} {action}: no BusinessTransactionCharacteristics")
    ids = [_text(c) for c in _children(this, "ChannelId")]
    if not ids:
        problems.add(f"{where} {action}: no ChannelId")
    for channel_id in ids:
        if channel_id not in parts.channels:
            problems.add(f"{where} {action}: ChannelId {channel_id!r} names no DeliveryChannel")
        channel_ids.append(channel_id)
    return action


def _delivery_channel(chosen: str | None, parts: _PartyParts, where: str, problems: _Problems) -> _Channel:
    channel = parts.channels.get(chosen)
    if channel is None:
        return _Channel()
    characteristics: dict[str, str] = {}
    mc = _child(channel, "MessagingCharacteristics")
    if mc is None:
        problems.add(f"{where} DeliveryChannel {chosen!r} has no MessagingCharacteristics")
    else:
        characteristics = {
            k: _attr(mc, k) or "" for k in ("ackRequested", "duplicateElimination", "syncReplyMode")
        }
    endpoint = ""
    transport = parts.transports.get(_attr(channel, "transportId"))
    if transport is None:
        problems.add(f"{where} DeliveryChannel {chosen!r}: transportId names no Transport")
    else:
        endpoint = _transport_endpoint(transport, where, parts.certs, problems)
    reliable: tuple[int | None, timedelta | None, timedelta | None] = (None, None, None)
    exchange = parts.exchanges.get(_attr(channel, "docExchangeId"))
    if exchange is None:
        problems.add(f"{where} DeliveryChannel {chosen!r}: docExchangeId names no DocExchange")
    else:
        reliable = _reliable(exchange)
    return _Channel(endpoint, characteristics, reliable)


def _transport_endpoint(
    transport: etree._Element, where: str, certs: set[str | None], problems: _Problems
) -> str:
    """The TransportReceiver's endpoint uri, after checking both sides' protocol and certificate refs."""
    receiver = _child(transport, "TransportReceiver")
    eps = _children(receiver, "Endpoint") if receiver is not None else []
    endpoint = (_attr(eps[0], "uri") or "") if eps else ""
    if not endpoint:
        problems.add(
            f"{where} Transport {_attr(transport, 'transportId')!r} has no TransportReceiver Endpoint uri"
        )
    for side in ("TransportSender", "TransportReceiver"):
        el = _child(transport, side)
        if el is None:
            continue
        if _text(_child(el, "TransportProtocol")) != "HTTP":
            problems.add(f"{where} Transport {side} protocol is not HTTP")
        for ref in el.iter(_tp("ClientCertificateRef"), _tp("ServerCertificateRef")):
            if _attr(ref, "certId") not in certs:
                problems.add(
                    f"{where} Transport {side}: certId {_attr(ref, 'certId')!r} names no Certificate"
                )
    if endpoint.startswith("https://") and not certs:
        problems.add(f"{where} has an https endpoint but no Certificate")
    return endpoint


def _reliable(exchange: etree._Element) -> tuple[int | None, timedelta | None, timedelta | None]:
    binding = _child(exchange, "ebXMLSenderBinding")
    rel = _child(binding, "ReliableMessaging") if binding is not None else None
    retries_text = _text(_child(rel, "Retries")) if rel is not None else ""
    interval_text = _text(_child(rel, "RetryInterval")) if rel is not None else ""
    persist_text = _text(_child(binding, "PersistDuration")) if binding is not None else ""
    retries = int(retries_text) if retries_text.isdigit() else None
    return (
        retries,
        _parse_duration(interval_text) if interval_text else None,
        (_parse_duration(persist_text) if persist_text else None),
    )


def _agreement(
    cpa_id: str,
    version: str,
    status: str,
    start: datetime,
    end: datetime,
    parties: Sequence[PartyInfo | None],
    document: bytes,
    now: datetime,
) -> CpaInfo:
    """The checks an MSH makes of a well-formed CPA (ebms-core answers 500 when one fails)."""
    problems: list[str] = []
    if status == "proposed":
        problems.append("CPA Status is proposed")
    if not start < end:
        problems.append("CPA Start date not before End date")
    if not now < end:
        problems.append(f"CPA expired on {end.isoformat()}")
    found = [p for p in parties if p is not None]
    sender = next((p for p in found if p.role == SENDER_ROLE), None)
    logius = next((p for p in found if p.role == LOGIUS_ROLE), None)
    if sender is None or logius is None:
        problems.append(f"the CPA needs a party in role {SENDER_ROLE} and one in role {LOGIUS_ROLE}")
        raise CpaError(tuple(problems), structural=False)
    _direction(problems, sender, logius, REQUEST_ACTION)
    _direction(problems, logius, sender, RESULT_ACTION)
    if problems:
        raise CpaError(tuple(problems), structural=False)
    return CpaInfo(cpa_id, version, status, start, end, sender, logius, document)


def _direction(problems: list[str], source: PartyInfo, target: PartyInfo, action: str) -> None:
    if action not in source.sends:
        problems.append(f"{source.role} ({source.party_id}) has no CanSend for {action}")
    if action not in target.receives:
        problems.append(f"{target.role} ({target.party_id}) has no CanReceive for {action}")
