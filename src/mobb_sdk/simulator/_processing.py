"""GLOBE processing glue: a sent batch delivered, examined by GLOBE, and its result made an incoming message."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

from mobb_sdk._codec import to_xml
from mobb_sdk._ebms import EventType, MessageStatus
from mobb_sdk._namespaces import (
    LOGIUS_ROLE,
    RESULT_ACTION,
    SENDER_ROLE,
)
from mobb_sdk.simulator._faults import BatchFault
from mobb_sdk.simulator._globe import Examined, decide, examine, malformed
from mobb_sdk.simulator._records import BatchRecord
from mobb_sdk.simulator._state import (
    DELIVERY_EVENT,
    MESSAGE_STATUSES,
    NEVER,
    DataSource,
    Event,
    Message,
    SimulatorState,
    batch_payload,
)
from mobb_sdk.simulator._wire import (
    BB_SERVICE,
    LOGIUS_PARTY_ID,
    ServerError,
    new_message_id,
)
from mobb_sdk.simulator._world import Cpa, World


class GlobeProcessing(SimulatorState):
    """Delivery of sent batches to GLOBE and the results it answers (and messages injected as if from Logius)."""

    def _deliver(self, message: Message, cpa: Cpa, world: World) -> None:
        """Store the sent message, deliver it to GLOBE and queue its event and result."""
        started = time.perf_counter()
        received = self.now()
        delivered_at = received + timedelta(seconds=self.delivery_delay)
        payload = batch_payload(message.data_sources)
        reason = None
        examined: Examined | None = None
        if len(payload) > self.max_batch_bytes:
            reason = f"BATCH-02: the payload is {len(payload):,} bytes; Logius' MSH refuses over {self.max_batch_bytes:,}"
        elif message.client_oin is not None and message.client_oin != cpa.party.value:
            reason = (
                f"the TLS client certificate is for OIN {message.client_oin}, not the CPA party {cpa.party}"
            )
        else:
            examined = examine(payload, world, cpa, received)
            message.batch_id = examined.batch_id
            message.bericht_ids = tuple(guid.int for guid in examined.bericht_ids)
        with self._lock:
            if message.message_id in self._messages:
                raise ServerError(
                    f"message {message.message_id} already exists (a duplicate key in ebms_message)"
                )
            delivery_fault, result_fault, how = (None, None, "truncated")
            if examined is not None:
                delivery_fault, result_fault, how = self.faults.take_batch(examined.batch_id, received)
            status = MessageStatus.DELIVERED.value
            if reason is not None or delivery_fault is BatchFault.DELIVERY_FAILED:
                status = MessageStatus.DELIVERY_FAILED.value
            elif delivery_fault is BatchFault.DELIVERY_EXPIRED:
                status = MessageStatus.EXPIRED.value
            message.status = status
            message.visible_at = delivered_at
            self._messages[message.message_id] = message
            self._add_event(message.message_id, DELIVERY_EVENT[status], delivered_at)
            if status != MessageStatus.DELIVERED.value or examined is None:
                seconds = time.perf_counter() - started
                self._store.record(
                    BatchRecord(
                        message.message_id, message.batch_id, status, None, (), None, (), seconds, reason
                    )
                )
                return
            self._store.receive(examined.bericht_ids)
            visible = (
                NEVER if self.result_delay is None else delivered_at + timedelta(seconds=self.result_delay)
            )
            processed = delivered_at if visible is NEVER else visible
            result, stored = decide(
                examined,
                world,
                self._store.stored,
                lambda bericht_id: self.faults.take_technisch(bericht_id, received),
                received,
                processed,
            )
            self._store.place(stored)
            result_ids: list[str] = []
            result_xml = to_xml(result)
            if result_fault is not BatchFault.WITHHOLD_RESULT:
                document = result_xml
                if result_fault is BatchFault.MALFORMED_RESULT:
                    document = malformed(document, how)
                copies = 2 if result_fault is BatchFault.DUPLICATE_RESULT else 1
                for _ in range(copies):
                    result_ids.append(
                        self._add_result(message, result.batch_id, document, visible, result_fault)
                    )
            self._store.record(
                BatchRecord(
                    message.message_id,
                    examined.batch_id,
                    status,
                    result,
                    tuple(result_ids),
                    result_fault.value if result_fault is not None else None,
                    examined.violations,
                    time.perf_counter() - started,
                ),
                result_xml,
            )

    def _add_result(
        self,
        sent: Message,
        batch_id: uuid.UUID,
        document: bytes,
        visible: datetime,
        fault: BatchFault | None,
    ) -> str:
        message = Message(
            message_id=new_message_id(),
            cpa_id=sent.cpa_id,
            from_party=(LOGIUS_PARTY_ID, LOGIUS_ROLE),
            to_party=sent.from_party,
            service=BB_SERVICE,
            action=RESULT_ACTION,
            # The contract: conversationId is the BatchID (or, for an unreadable batch, the request's).
            conversation_id=str(batch_id) if batch_id.int else sent.conversation_id,
            ref_to_message_id=sent.message_id,
            timestamp=visible if visible is not NEVER else sent.timestamp,
            data_sources=[DataSource("result.xml", None, "text/xml", document)],
            incoming=True,
            status=MessageStatus.RECEIVED.value,
            visible_at=visible,
            malformed=fault is BatchFault.MALFORMED_RESULT,
        )
        self._messages[message.message_id] = message
        self._add_event(message.message_id, EventType.RECEIVED.value, visible)
        return message.message_id

    def inject_message(
        self,
        action: str,
        payload: bytes,
        *,
        cpa_id: str | None = None,
        service: str = BB_SERVICE,
        conversation_id: str | None = None,
        ref_to_message_id: str | None = None,
        content_type: str = "text/xml",
        status: str = MessageStatus.RECEIVED.value,
        from_party_id: str = LOGIUS_PARTY_ID,
    ) -> str:
        """Put an incoming message of any action in the application's inbox (e.g. one it must leave alone).

        ``status`` may be any ebms-core status (``RECEIVED`` is listed as unprocessed; others such as
        ``UNAUTHORIZED``, ``NOT_RECOGNIZED``, ``FAILED`` or ``FORWARDED`` are only readable by id).
        Returns the new messageId.
        """
        if status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        world = self._world
        cpa = self._cpa_lookup(cpa_id) if cpa_id is not None else next(iter(world.cpas.values()), None)
        if cpa is None:
            raise ValueError(f"no CPA {cpa_id!r} in the world")
        now = self.now()
        message = Message(
            message_id=new_message_id(),
            cpa_id=cpa.cpa_id,
            from_party=(from_party_id, LOGIUS_ROLE),
            to_party=(cpa.party_id, SENDER_ROLE),
            service=service,
            action=action,
            conversation_id=conversation_id or str(uuid.uuid4()),
            ref_to_message_id=ref_to_message_id,
            timestamp=now,
            data_sources=[DataSource(None, None, content_type, payload)],
            incoming=True,
            status=status,
            visible_at=now,
        )
        with self._lock:
            self._messages[message.message_id] = message
            if status == MessageStatus.RECEIVED.value:
                self._add_event(message.message_id, EventType.RECEIVED.value, now)
        return message.message_id

    def _add_event(self, message_id: str, kind: str, visible_at: datetime) -> None:
        """Store an event, as ebms-core's DAO event listener does; the DEFAULT listener only logs it."""
        if self.event_listener == "DAO":
            self._events.append(Event(message_id, kind, visible_at))
