"""Immutable records of what the simulator saw and did, returned by :class:`Inspection`."""

from __future__ import annotations

import uuid
from datetime import datetime

import attrs

from mobb_sdk._ids import Bsn
from mobb_sdk._models import Abonnement, SoapFault, VerwerkingsResultaat
from mobb_sdk._violations import Violation
from mobb_sdk.simulator._faults import Operation

__all__ = ["BatchRecord", "EventRecord", "IncomingMessage", "RequestRecord", "SentMessage", "WusCall"]


@attrs.frozen
class SentMessage:
    """An ebMS message the application sent (POST, or PUT for a resend), as it is now.

    ``status`` is CREATED until the delivery moment, then DELIVERED, DELIVERY_FAILED or EXPIRED.
    ``client_oin`` is the OIN in the TLS client certificate when served with mTLS.
    """

    message_id: str
    cpa_id: str
    from_party_id: str
    action: str
    conversation_id: str
    batch_id: uuid.UUID | None
    bericht_ids: tuple[uuid.UUID, ...]
    payload_size: int
    received_at: datetime
    status: str
    resend_of: str | None = None
    client_oin: str | None = None


@attrs.frozen
class BatchRecord:
    """What GLOBE made of one delivered message.

    ``delivery`` is the message's final status (``DELIVERED``, ``DELIVERY_FAILED``, ``EXPIRED``);
    ``result`` is ``None`` when it never reached GLOBE. ``result_message_ids`` lists the
    ``GLOBE-R-BV-Result`` messages carrying the result (none when withheld, two when duplicated).
    ``violations`` says why a batch was refused as a whole (XSD, BATCH-05, BATCH-04), and
    ``processing_seconds`` is the simulator's own cost for the batch (reading, checks, result).
    """

    message_id: str
    batch_id: uuid.UUID | None
    delivery: str
    result: VerwerkingsResultaat | None
    result_message_ids: tuple[str, ...]
    result_fault: str | None
    violations: tuple[Violation, ...]
    processing_seconds: float
    reason: str | None = None


@attrs.frozen
class IncomingMessage:
    """A message for the application (a processing result, or one injected by a test).

    ``fetched`` counts GET /ebms/messages/{id}; ``processed_at`` is when it was marked processed
    (PATCH or ``process=true``). A message is listed only from ``visible_at``.
    """

    message_id: str
    action: str
    conversation_id: str
    ref_to_message_id: str | None
    visible_at: datetime
    status: str
    fetched: int
    processed_at: datetime | None
    malformed: bool = False


@attrs.frozen
class EventRecord:
    """A message event (RECEIVED, DELIVERED, FAILED, EXPIRED) and when it was acknowledged (PATCH)."""

    message_id: str
    type: str
    visible_at: datetime
    processed_at: datetime | None


@attrs.frozen
class WusCall:
    """One ValidateAbonnementen call. BSNs are :class:`~mobb_sdk.Bsn` (shown masked in any repr)."""

    at: datetime
    berichtleverancier: str | None
    bericht_type: str | None
    bsns: tuple[Bsn, ...]
    answer: tuple[Abonnement, ...]
    fault: SoapFault | None
    client_oin: str | None = None


@attrs.frozen
class RequestRecord:
    """Every HTTP request: the operation, the answer's status (``None`` when none was given) and the fault."""

    at: datetime
    operation: Operation
    method: str
    path: str
    status: int | None
    fault: str | None = None
