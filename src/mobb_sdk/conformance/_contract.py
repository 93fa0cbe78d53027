"""The wire contract as examples: one delivery through the simulator, recorded call by call.

:func:`wire_examples` hands two letters to :class:`mobb_sdk.Client` against the in-process simulator
(one recipient may receive it, one may not) and records every HTTP exchange: the ValidateAbonnementen
SOAP call, ``POST /ebms/messages``, the polls for unprocessed events and results, the result message
and the calls that mark things processed. Generated ids and moments are replaced by stable
placeholders, so the documentation can show (and doctest) the real bodies a product in any language
must send and read.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from typing import Final

import attrs
import httpx
from lxml import etree

from mobb_sdk import Bericht, Client, ClientConfig, EbmsConfig, TlsConfig, WusConfig
from mobb_sdk.simulator import EBMS_PREFIX, LOGIUS_PARTY_ID, WUS_PATH, Simulator

__all__ = ["Exchange", "wire_examples"]

_ROOT: Final = "http://127.0.0.1:8080"
_GUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MOMENT: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(Z|[+-]\d\d:\d\d)?")
_NAMES: Final = {
    ("POST", WUS_PATH): "wus",
    ("POST", "/ebms/messages"): "send",
    ("GET", "/ebms/events/unprocessed"): "events",
    ("GET", "/ebms/messages/unprocessed"): "results",
    ("GET", "/ebms/messages/{id}"): "message",
    ("PATCH", "/ebms/messages/{id}"): "ack_message",
    ("PATCH", "/ebms/events/{id}"): "ack_event",
}


@attrs.frozen
class Exchange:
    """One recorded HTTP call: the request line and body, the status and the answer's body."""

    method: str
    target: str  #: path and query, decoded, with placeholders
    headers: tuple[tuple[str, str], ...]  #: the request headers a server looks at
    request_body: str
    status: int
    response_body: str
    #: The decoded XML payload of a message, where the body carries one in base64.
    payload: str | None = None

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.target}"


class _Placeholders:
    """Replaces ids and moments by stable names in the order they first appear."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = dict(names)
        self.messages: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        def message(m: re.Match[str]) -> str:
            return self.messages.setdefault(m.group(0), f"<message-id-{len(self.messages) + 1}>")

        text = re.sub(r"[0-9a-fA-F-]{36}@[\w.-]+", message, text)
        text = _GUID.sub(lambda m: self.names.get(m.group(0).lower(), "<guid>"), text)
        return _MOMENT.sub(lambda m: "2026-11-28T12:00:00" + (m.group(1) or ""), text)


def _pretty_xml(data: bytes) -> str:
    root = etree.fromstring(data)
    return etree.tostring(root, pretty_print=True, encoding="unicode").rstrip("\n")


def _body(content: bytes, content_type: str, fix: _Placeholders) -> tuple[str, str | None]:
    """The body as text (JSON indented, XML pretty) and the decoded payload of a dataSources entry."""
    if not content:
        return "", None
    if "json" in content_type:
        data = json.loads(content)
        payload = None
        sources = data.get("dataSources") if isinstance(data, dict) else None
        if isinstance(sources, list) and sources and isinstance(sources[0], dict) and "content" in sources[0]:
            payload = fix(_pretty_xml(base64.b64decode(sources[0]["content"])))
            sources[0]["content"] = "<base64 of the XML payload>"
        return fix(json.dumps(data, indent=2, ensure_ascii=False)), payload
    if "xml" in content_type:
        return fix(_pretty_xml(content)), None
    return fix(content.decode("utf-8", "replace").strip()), None


def _name(method: str, path: str) -> str:
    rest = path.split(EBMS_PREFIX, 1)[1] if EBMS_PREFIX in path else path
    rest = re.sub(r"^(/ebms/(?:messages|events))/(?!unprocessed)[^/]+$", r"\1/{id}", rest)
    return _NAMES.get((method, rest), f"{method} {rest}")


def wire_examples() -> dict[str, Exchange]:
    """Every exchange of one small delivery, by name (``wus``, ``send``, ``events``, ``results``,
    ``message``, ``ack_message``, ``ack_event``), the first of each kind."""
    sim = Simulator(result_delay=0.0, delivery_delay=0.0)
    inner = sim.transport()
    recorded: list[tuple[httpx.Request, httpx.Response]] = []

    class Recording(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.read()
            response = inner.handle_request(request)
            response.read()
            recorded.append((request, response))
            return response

    config = ClientConfig(
        sender_oin="00000099000000001000",
        ebms=EbmsConfig(
            url=_ROOT + EBMS_PREFIX,
            cpa_id="cpa-mobb-demo",
            party_oin="00000099000000001000",
            logius_oin=LOGIUS_PARTY_ID.removeprefix("urn:osb:oin:"),
        ),
        wus=WusConfig(url=_ROOT + WUS_PATH),
        tls=TlsConfig(allow_insecure_http=True),
    )
    letters = [
        Bericht.create(
            "999900006", "WOZ", "Aanslag gemeentelijke belastingen 2026", "Beste inwoner,\nzie de bijlage."
        ),
        Bericht.create("999900079", "WOZ", "Aanslag gemeentelijke belastingen 2026"),
    ]
    with Client(config, transport=Recording()) as client:
        outcomes = client.deliver(letters, deadline=5.0, poll_interval=0.0)
    names = {str(b.bericht_id): f"<BerichtID-{i}>" for i, b in enumerate(letters, start=1)}
    for outcome in outcomes:
        if outcome.batch_id is not None:
            names[str(outcome.batch_id)] = "<BatchID>"
    fix = _Placeholders(names)
    examples: dict[str, Exchange] = {}
    for request, response in recorded:
        name = _name(request.method, request.url.path)
        if name in examples:
            continue
        body, payload = _body(request.content, request.headers.get("content-type", ""), fix)
        answer, answer_payload = _body(response.content, response.headers.get("content-type", ""), fix)
        query = urllib.parse.unquote(request.url.query.decode("ascii"))
        target = fix(request.url.path + (f"?{query}" if query else ""))
        headers = tuple(
            (k, v) for k, v in request.headers.items() if k.lower() in ("content-type", "soapaction")
        )
        examples[name] = Exchange(
            request.method, target, headers, body, response.status_code, answer, payload or answer_payload
        )
    return examples
