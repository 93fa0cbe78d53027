"""One script of ebms-core REST v19 calls, playable against any base URL, observed in a comparable form.

The script holds the successes and every error of spec section 1's table "How ebms-core 2.20 really
behaves", in an order where later calls show the effect of earlier ones (a PATCH, then the list). Each
step records an :class:`Observation`: the status, the media type, the *shape* of the body (JSON
structure with list lengths, or the kind of text), and for error texts the exact text. Ids differ per
run and are never compared.

It is played against the in-process and the served simulator by the differential test. It is written
to be played against a real ebms-core too (``python -m tests.ebms_contract_script BASE_URL``, with a
municipality MSH whose peer is up; the steps marked ``globe=True`` need the Logius side to answer
batches), but it has NOT been played against one here: no ebms-core artifact can be fetched on this
machine.
"""

from __future__ import annotations

import base64
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import httpx

from mobb_sdk.cpa import CpaParty, generate_cpa

SENDER_OIN = "00000099000000001000"  # the simulator's default sender (a test OIN)
SENDER = f"urn:osb:oin:{SENDER_OIN}"
LOGIUS = "urn:osb:oin:00000001822477348000"
SERVICE = "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0"
CPA_ID = "cpa-contract-script"


@attrs.frozen
class Observation:
    step: str
    status: int
    media_type: str
    shape: Any
    text: str | None = None


def shape(value: Any) -> Any:
    """The structure of a JSON value: dict keys with their shapes, lists as (length, first's shape)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return ("list", len(value), shape(value[0]) if value else None)
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        if value.endswith("Z") and value[:4].isdigit() and "T" in value:
            return "instant"
        return "str"
    return "null"


def observe(step: str, response: httpx.Response, *, exact: bool = False) -> Observation:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    body: Any
    if not response.content:
        body = "empty"
    elif media == "application/json":
        try:
            body = shape(json.loads(response.content))
        except ValueError:
            body = "text"  # ebms-core sends error texts under the endpoint's JSON media type
    elif media.startswith("multipart/"):
        body = ("multipart", response.content.count(b"Content-Disposition"))
    else:
        body = "text"
    return Observation(step, response.status_code, media, body, response.text if exact else None)


def _batch_xml(batch_id: uuid.UUID) -> bytes:
    """A valid one-letter batch for the script's sender (built by the library, so it passes GLOBE)."""
    from mobb_sdk import Batch, Bericht, to_xml

    letter = Bericht.create("999900006", "WOZ", "Aanslag", "Uw aanslag staat klaar.")
    return to_xml(Batch(afzender=SENDER_OIN, berichten=(letter,), batch_id=batch_id))


def _send_body(payload: bytes | None, **changes: Any) -> dict[str, Any]:
    props = {
        "cpaId": CPA_ID,
        "fromPartyId": SENDER,
        "fromRole": "SR",
        "toPartyId": LOGIUS,
        "toRole": "SP",
        "service": SERVICE,
        "action": "GLOBE-R-BV-Request",
        "conversationId": str(uuid.uuid4()),
        **changes,
    }
    sources = []
    if payload is not None:
        sources = [
            {"name": "batch.xml", "contentType": "text/xml", "content": base64.b64encode(payload).decode()}
        ]
    return {"properties": {k: v for k, v in props.items() if v is not None}, "dataSources": sources}


def play(
    client: httpx.Client, *, globe: bool = True, ready: Callable[[], None] = lambda: None
) -> Iterator[Observation]:
    """Play the script with ``client`` (its base URL the REST root ``.../service/rest/v19``).

    ``globe``: also the steps that need Logius to answer a batch (a result message coming in);
    ``ready`` is called after the sends, to let results arrive (the simulator answers at once).
    """
    text = {"Content-Type": "text/plain"}
    cpa = generate_cpa(CPA_ID, CpaParty(SENDER_OIN, "Contract script", "http://127.0.0.1:8888/ebms"))
    yield observe("cpa validate", client.post("/cpas/validate", content=cpa, headers=text))
    yield observe("cpa insert", client.post("/cpas", content=cpa, headers=text, params={"overwrite": "true"}))
    yield observe("cpa insert again", client.post("/cpas", content=cpa, headers=text), exact=True)
    yield observe("cpa validate broken", client.post("/cpas/validate", content=b"<x/>", headers=text))
    yield observe("cpa get", client.get(f"/cpas/{CPA_ID}"))
    yield observe("cpa get unknown", client.get("/cpas/no-such-cpa"))
    yield observe("cpa delete unknown", client.delete("/cpas/no-such-cpa"))
    yield observe("cpa cache", client.delete("/cpas/cache"))

    yield observe("ping", client.post(f"/ebms/ping/{CPA_ID}/from/{SENDER}/to/{LOGIUS}"))
    yield observe(
        "ping unknown cpa", client.post(f"/ebms/ping/no-such-cpa/from/{SENDER}/to/{LOGIUS}"), exact=True
    )

    sent = client.post("/ebms/messages", json=_send_body(_batch_xml(uuid.uuid4())))
    yield observe("send", sent)
    sent_id = sent.text
    yield observe("send without data sources", client.post("/ebms/messages", json=_send_body(None)))
    yield observe(
        "send unknown cpa",
        client.post("/ebms/messages", json=_send_body(b"<x/>", cpaId="no-such-cpa")),
        exact=True,
    )
    wrong = client.post("/ebms/messages", json=_send_body(b"<x/>", action="GLOBE-R-A-Request"))
    yield Observation(
        "send wrong action", wrong.status_code, "", wrong.text.startswith("No CanSend action found for")
    )
    yield observe(
        "send not json",
        client.post("/ebms/messages", content=b"{", headers={"Content-Type": "application/json"}),
    )
    ready()

    yield observe("get sent", client.get(f"/ebms/messages/{sent_id}"))
    yield observe(
        "get sent process=maybe", client.get(f"/ebms/messages/{sent_id}", params={"process": "maybe"})
    )
    yield observe("get unknown", client.get("/ebms/messages/no-such-message"))
    yield observe("status unknown", client.get("/ebms/messages/no-such-message/status"))
    yield observe("resend unknown", client.put("/ebms/messages/no-such-message"))
    yield observe("patch message unknown", client.patch("/ebms/messages/no-such-message"))
    yield observe("patch event unknown", client.patch("/ebms/events/no-such-message"))
    yield observe("unprocessed maxNr=x", client.get("/ebms/messages/unprocessed", params={"maxNr": "x"}))
    events = {"cpaId": CPA_ID, "fromPartyId": SENDER}
    yield observe(
        "events delivered",
        client.get(
            "/ebms/events/unprocessed", params=[*events.items(), ("eventTypes", "DELIVERED"), ("maxNr", "0")]
        ),
    )
    yield observe(
        "events comma", client.get("/ebms/events/unprocessed", params={"eventTypes": "DELIVERED,FAILED"})
    )
    yield observe(
        "events unknown type", client.get("/ebms/events/unprocessed", params={"eventTypes": "LOST"})
    )
    yield observe("patch event sent", client.patch(f"/ebms/events/{sent_id}"))
    yield observe(
        "events delivered after patch",
        client.get("/ebms/events/unprocessed", params=[*events.items(), ("eventTypes", "DELIVERED")]),
    )
    yield observe("resend", client.put(f"/ebms/messages/{sent_id}"))

    mtom_sent = client.post(
        "/ebms/messages/mtom",
        files=[
            (
                "requestProperties",
                ("properties.json", json.dumps(_send_body(None)["properties"]), "application/json"),
            ),
            ("attachment", ("batch.xml", _batch_xml(uuid.uuid4()), "text/xml")),
        ],
    )
    yield observe("mtom send", mtom_sent)
    yield observe("mtom get", client.get(f"/ebms/messages/mtom/{mtom_sent.text}"))
    yield observe("mtom get unknown", client.get("/ebms/messages/mtom/no-such-message"))

    mapping = {"source": "http://msh.logius.test/ebms", "destination": "http://127.0.0.1:8889/ebms"}
    yield observe("url mapping set", client.post("/urlMappings", json=mapping))
    yield observe("url mappings", client.get("/urlMappings"))
    yield observe("url mapping delete", client.delete(f"/urlMappings/{mapping['source']}"))
    yield observe("url mapping delete again", client.delete(f"/urlMappings/{mapping['source']}"))
    yield observe("url mapping cache", client.delete("/urlMappings/cache"))
    bad = {"source": "bm90IGEgY2VydA==", "destination": "bm90IGEgY2VydA==", "cpaId": CPA_ID}
    yield observe("certificate mapping not a certificate", client.post("/certificateMappings", json=bad))
    yield observe("certificate mappings", client.get("/certificateMappings"))

    if globe:
        results = {"cpaId": CPA_ID, "fromPartyId": LOGIUS, "action": "GLOBE-R-BV-Result"}
        listed = client.get("/ebms/messages/unprocessed", params={**results, "maxNr": "0"})
        yield observe("results maxNr=0", listed)
        first = listed.json()[0]
        yield observe("get result", client.get(f"/ebms/messages/{first}"))
        yield observe("status sent", client.get(f"/ebms/messages/{sent_id}/status"))
        yield observe("status result", client.get(f"/ebms/messages/{first}/status"))
        received = {"cpaId": CPA_ID, "messageId": first, "eventTypes": "RECEIVED"}
        yield observe("received event", client.get("/ebms/events/unprocessed", params=received))
        yield observe("patch event result", client.patch(f"/ebms/events/{first}"))
        yield observe("received event after patch", client.get("/ebms/events/unprocessed", params=received))
        yield observe("results after patch", client.get("/ebms/messages/unprocessed", params=results))

    yield observe("cpa delete", client.delete(f"/cpas/{CPA_ID}"))
    yield observe("cpa delete again", client.delete(f"/cpas/{CPA_ID}"))
    yield observe("send after delete", client.post("/ebms/messages", json=_send_body(None)), exact=True)


def main(argv: list[str]) -> int:
    """Play the script against ``argv[0]`` (an ebms-core REST root) and print the observations."""
    if len(argv) != 1:
        print(
            "usage: python -m tests.ebms_contract_script http://HOST:PORT/service/rest/v19", file=sys.stderr
        )
        return 2
    with httpx.Client(base_url=argv[0], timeout=30) as client:
        for o in play(client):
            print(json.dumps(attrs.asdict(o), default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
