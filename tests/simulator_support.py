"""Helpers for the simulator tests (a support module, like outbox_support.py): speak the ebms-core contract with plain httpx."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from mobb_sdk import Batch, Bericht, VerwerkingsResultaat, from_xml, to_xml
from mobb_sdk.simulator import (
    BB_SERVICE,
    DEFAULT_CPA_ID,
    DEFAULT_SENDER_OIN,
    EBMS_PREFIX,
    LOGIUS_PARTY_ID,
    REQUEST_ACTION,
    RESULT_ACTION,
)

BASE = "http://simulator.test"
EBMS = BASE + EBMS_PREFIX

#: Persons of the default world (World.default()).
ANNA, BRAM, COR, DEWI, EVA, FATIMA, GERRIT, HANNA, ILSE, JOOST = (
    "999900006",
    "999900018",
    "999900031",
    "999900043",
    "999900055",
    "999900067",
    "999900079",
    "999900080",
    "999900092",
    "999900109",
)


def letter(bsn: str = ANNA, bericht_type: str = "WOZ", **fields: Any) -> Bericht:
    return Bericht.create(bsn, bericht_type, fields.pop("onderwerp", "Aanslag"), "Beste inwoner", **fields)


def batch(*berichten: Bericht, afzender: str = DEFAULT_SENDER_OIN.value, **fields: Any) -> Batch:
    return Batch(afzender=afzender, berichten=berichten or (letter(),), **fields)


def send_body(
    payload: bytes,
    *,
    cpa_id: str = DEFAULT_CPA_ID,
    from_party: str = DEFAULT_SENDER_OIN.party_id,
    conversation_id: str | None = None,
    **props: Any,
) -> dict[str, Any]:
    properties = {
        "cpaId": cpa_id,
        "fromPartyId": from_party,
        "fromRole": "SR",
        "toPartyId": LOGIUS_PARTY_ID,
        "toRole": "SP",
        "service": BB_SERVICE,
        "action": REQUEST_ACTION,
        **({"conversationId": conversation_id} if conversation_id else {}),
        **props,
    }
    content = base64.b64encode(payload).decode()
    return {
        "properties": properties,
        "dataSources": [{"name": "batch.xml", "contentType": "text/xml", "content": content}],
    }


def send(client: httpx.Client, b: Batch | bytes, **kwargs: Any) -> str:
    """POST a batch (model or raw XML); return the ebMS messageId."""
    payload = b if isinstance(b, bytes) else to_xml(b)
    if isinstance(b, Batch):
        kwargs.setdefault("conversation_id", str(b.batch_id))
    response = client.post("/ebms/messages", json=send_body(payload, **kwargs))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def result_ids(client: httpx.Client, **filters: str) -> list[str]:
    response = client.get("/ebms/messages/unprocessed", params={"action": RESULT_ACTION, **filters})
    assert response.status_code == 200
    ids: list[str] = response.json()
    return ids


def payload_of(client: httpx.Client, message_id: str, **params: str) -> bytes:
    response = client.get(f"/ebms/messages/{message_id}", params=params)
    assert response.status_code == 200, response.text
    return base64.b64decode(response.json()["dataSources"][0]["content"])


def result_for(client: httpx.Client, message_id: str) -> VerwerkingsResultaat:
    """The one result answering ``message_id`` (read from the unprocessed list, then marked processed)."""
    ids = result_ids(client, refToMessageId=message_id)
    assert len(ids) == 1, ids
    result = from_xml(payload_of(client, ids[0]), VerwerkingsResultaat)
    assert client.patch(f"/ebms/messages/{ids[0]}").status_code == 204
    return result


def codes(result: VerwerkingsResultaat) -> list[str]:
    return [b.verwerkings_code.value for b in result.berichten]
