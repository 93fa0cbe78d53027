"""An in-memory ebms-core + Logius + WUS for client tests, served through ``httpx.MockTransport``.

It follows /work/ebms_contract.md closely enough to exercise every client call, records what it was
sent, and lets a test inject failures (``fail``: a queue of hooks run before normal handling).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from mobb_sdk import (
    LOGIUS_OIN,
    Abonnement,
    Batch,
    BerichtResultaat,
    ClientConfig,
    EbmsConfig,
    FaultKind,
    RetryPolicy,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    VerwerkingsCode,
    VerwerkingsResultaat,
    WusConfig,
    from_soap,
    from_xml,
    to_soap,
    to_xml,
)
from tests.conftest import TEST_OIN

EBMS_URL = "http://127.0.0.1:8080/service/rest/v19"
WUS_URL = "http://127.0.0.1:8080/wus/BerichtenboxValidatieService"
CPA_ID = "cpa-test-1"
RESULT_ACTION = "GLOBE-R-BV-Result"
SERVICE = "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0"

Hook = Callable[[httpx.Request], httpx.Response | None]


def make_config(**overrides: Any) -> ClientConfig:
    values: dict[str, Any] = {
        "sender_oin": TEST_OIN,
        "ebms": EbmsConfig(url=EBMS_URL, cpa_id=CPA_ID, party_oin=TEST_OIN),
        "wus": WusConfig(url=WUS_URL),
        "retry": RetryPolicy(max_attempts=4, base_delay=0.1, max_delay=1.0),
        "active_bericht_types": {"WOZ", "BELAST"},
    }
    values.update(overrides)
    return ClientConfig(**values)


def result_for(
    batch: Batch, codes: dict[uuid.UUID, VerwerkingsCode] | VerwerkingsCode = VerwerkingsCode.VERWERKT
) -> VerwerkingsResultaat:
    now = datetime.now(UTC)
    answers = [
        BerichtResultaat(
            b.bericht_id,
            b.bericht_type,
            codes
            if isinstance(codes, VerwerkingsCode)
            else codes.get(b.bericht_id, VerwerkingsCode.VERWERKT),
        )
        for b in batch.berichten
    ]
    return VerwerkingsResultaat.tally(batch.afzender.value, batch.batch_id, answers, now, now)


class FakeLogius:
    """ebms-core REST v19 + the WUS service, in memory."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.sent: dict[str, dict[str, Any]] = {}  # ebMS id -> {"batch", "payload", "properties"}
        self.events: list[dict[str, Any]] = []  # {"messageId", "type", "processed"}
        self.incoming: dict[str, dict[str, Any]] = {}  # ebMS id -> message JSON + "processed"
        self.may_receive: Callable[[str], bool] = lambda bsn: not bsn.endswith("0")
        self.fail: deque[Hook] = deque()
        self.auto_result: Callable[[Batch], VerwerkingsResultaat | None] | None = None
        self.wus_calls: list[ValidateAbonnementenAanvraag] = []
        self._n = 0

    # -- helpers for tests --------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def new_id(self) -> str:
        self._n += 1
        return f"{uuid.uuid4()}@fake-{self._n}"

    def batches(self) -> list[Batch]:
        return [s["batch"] for s in self.sent.values()]

    def add_event(self, message_id: str, kind: str) -> None:
        self.events.append({"messageId": message_id, "type": kind, "processed": False})

    def add_incoming(
        self,
        payload: bytes,
        *,
        conversation_id: str,
        ref_to: str | None = None,
        action: str = RESULT_ACTION,
        content_type: str = "text/xml",
        from_party: str | None = None,
        message_id: str | None = None,
    ) -> str:
        mid = message_id or self.new_id()
        props: dict[str, Any] = {
            "cpaId": CPA_ID,
            "fromParty": {"partyId": from_party or LOGIUS_OIN.party_id, "role": "SP"},
            "toParty": {"partyId": TEST_OIN.party_id, "role": "SR"},
            "service": SERVICE,
            "action": action,
            "timestamp": datetime.now(UTC).isoformat(),
            "conversationId": conversation_id,
            "messageId": mid,
            "messageStatus": "RECEIVED",
        }
        if ref_to is not None:
            props["refToMessageId"] = ref_to
        self.incoming[mid] = {
            "properties": props,
            "dataSources": [
                {
                    "name": "result.xml",
                    "contentType": content_type,
                    "content": base64.b64encode(payload).decode(),
                }
            ],
            "processed": False,
        }
        return mid

    def add_result(self, result: VerwerkingsResultaat, ref_to: str | None = None) -> str:
        return self.add_incoming(to_xml(result), conversation_id=str(result.batch_id), ref_to=ref_to)

    def unprocessed_incoming(self) -> list[str]:
        return [k for k, v in self.incoming.items() if not v["processed"]]

    def unprocessed_events(self) -> list[dict[str, Any]]:
        return [e for e in self.events if not e["processed"]]

    # -- the server ---------------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for hook in list(self.fail):
            try:
                hooked = hook(request)
            except Exception:
                self.fail.remove(hook)
                raise
            if hooked is not None:
                self.fail.remove(hook)
                return hooked
        url = str(request.url)
        if url.startswith(WUS_URL):
            return self._wus(request)
        path = request.url.path.removeprefix("/service/rest/v19")
        method = request.method
        if path == "/ebms/messages" and method == "POST":
            return self._send(request)
        if path == "/ebms/messages/unprocessed" and method == "GET":
            return httpx.Response(200, json=self.unprocessed_incoming())
        if path == "/ebms/events/unprocessed" and method == "GET":
            return httpx.Response(
                200,
                json=[{"messageId": e["messageId"], "type": e["type"]} for e in self.unprocessed_events()],
            )
        m = re.fullmatch(r"/ebms/events/([^/]+)", path)
        if m and method == "PATCH":
            hits = [e for e in self.unprocessed_events() if e["messageId"] == m.group(1)]
            for e in hits:
                e["processed"] = True
            return httpx.Response(204 if hits else 404)
        m = re.fullmatch(r"/ebms/messages/([^/]+)/status", path)
        if m and method == "GET":
            return httpx.Response(
                200, json={"status": "DELIVERED", "timestamp": datetime.now(UTC).isoformat()}
            )
        m = re.fullmatch(r"/ebms/messages/([^/]+)", path)
        if m:
            mid = m.group(1)
            if method == "PUT":
                if mid not in self.sent:
                    return httpx.Response(404, text="unknown message")
                new = self.new_id()
                self.sent[new] = dict(self.sent[mid])
                self._maybe_answer(new)
                return httpx.Response(200, text=new)
            if mid not in self.incoming:
                return httpx.Response(404)
            if method == "GET":
                body = {k: v for k, v in self.incoming[mid].items() if k != "processed"}
                if request.url.params.get("process") == "true":
                    self.incoming[mid]["processed"] = True
                return httpx.Response(200, json=body)
            if method == "PATCH":
                self.incoming[mid]["processed"] = True
                return httpx.Response(204)
        if path.startswith("/ebms/ping/") and method == "POST":
            parts = path.split("/")
            return httpx.Response(200) if parts[3] == CPA_ID else httpx.Response(404, text="unknown CPA")
        return httpx.Response(404, text=f"no route {method} {path}")

    def _send(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        props = body["properties"]
        if props["cpaId"] != CPA_ID:
            return httpx.Response(400, text=f"unknown cpaId {props['cpaId']}")
        (source,) = body["dataSources"]
        payload = base64.b64decode(source["content"])
        batch = from_xml(payload, Batch)
        mid = self.new_id()
        self.sent[mid] = {
            "batch": batch,
            "payload": payload,
            "properties": props,
            "content_type": source["contentType"],
        }
        self._maybe_answer(mid)
        return httpx.Response(200, text=mid, headers={"Content-Type": "text/plain"})

    def _maybe_answer(self, mid: str) -> None:
        if self.auto_result is None:
            return
        self.add_event(mid, "DELIVERED")
        result = self.auto_result(self.sent[mid]["batch"])
        if result is not None:
            self.add_result(result, ref_to=mid)

    def _wus(self, request: httpx.Request) -> httpx.Response:
        aanvraag = from_soap(request.content)
        assert isinstance(aanvraag, ValidateAbonnementenAanvraag)
        self.wus_calls.append(aanvraag)
        answer = ValidateAbonnementenAntwoord(
            tuple(Abonnement(b, self.may_receive(b.value)) for b in aanvraag.bsns)
        )
        return httpx.Response(
            200, content=to_soap(answer), headers={"Content-Type": "text/xml; charset=utf-8"}
        )


def soap_fault(kind: FaultKind | None, message: str = "fout", code: str = "s:Client") -> httpx.Response:
    return httpx.Response(
        500, content=to_soap(SoapFault(code, "fault", kind, message)), headers={"Content-Type": "text/xml"}
    )


def once(response: httpx.Response | Exception) -> Hook:
    """A hook answering one request with ``response`` (or raising ``response``)."""

    def hook(request: httpx.Request) -> httpx.Response:
        if isinstance(response, Exception):
            raise response
        return response

    return hook


def only(predicate: Callable[[httpx.Request], bool], response: httpx.Response | Exception) -> Hook:
    """A hook answering with ``response`` when ``predicate`` holds, else passing the request on."""

    def hook(request: httpx.Request) -> httpx.Response | None:
        if not predicate(request):
            return None
        if isinstance(response, Exception):
            raise response
        return response

    return hook


class FakeTime:
    """The clients' clock and sleep that never wait: sleeping only moves the clock (and is recorded)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)  # a real await point, as a real sleep is


def bsns(n: int, start: int = 0) -> list[str]:
    """``n`` distinct elfproef-valid test BSNs (RvIG test range 9999xxxxx, then 9998xxxxx ...)."""
    from mobb_sdk import elfproef

    out: list[str] = []
    i = start
    while len(out) < n:
        s = f"{999999999 - i:09d}"
        if elfproef(s):
            out.append(s)
        i += 1
    return out


def ids(items: Iterable[Any]) -> list[str]:
    return [str(i) for i in items]
