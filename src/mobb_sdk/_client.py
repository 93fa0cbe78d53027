"""``Client`` and ``AsyncClient``: ebms-core and the WUS service over httpx, with retries.

All logic lives in :class:`BaseClient` as *operations*: generators that yield what they need done
(an ``httpx.Request`` to send, or a :class:`Sleep`) and receive the answer. ``Client`` runs them with
``httpx.Client`` and ``time.sleep``, ``AsyncClient`` with ``httpx.AsyncClient`` and ``asyncio.sleep``;
that loop (``_drive``) is the only code the two do not share. Request building and answer reading are
the sans-I/O protocols of :mod:`mobb_sdk._ebms` and :mod:`mobb_sdk._wus`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import io
import logging
import os
import random
import ssl
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import IO, Any, Final, NamedTuple, Self, TypeVar

import attrs
import httpx

from mobb_sdk._codec import BatchXml
from mobb_sdk._config import ClientConfig
from mobb_sdk._deadline import DeadlineExceeded, deadline, deadline_transport
from mobb_sdk._delivery import DeliveryTracker, Outcome, split_violations
from mobb_sdk._ebms import (
    MAX_LISTED,
    CollectedResults,
    Context,
    DeliveryEvent,
    EbmsProtocol,
    EventType,
    FilePayload,
    MessageStatus,
    Receipt,
    ResultMessage,
    SendBody,
    match_results,
    prepare_batch,
)
from mobb_sdk._errors import (
    ArgumentTypeError,
    ConfigurationError,
    ConnectionFailed,
    EbmsConfigurationError,
    HttpStatusError,
    InvalidValueError,
    ProtocolError,
    TransportError,
    TransportTimeout,
    ValidationError,
    scrub,
)
from mobb_sdk._ids import Bsn
from mobb_sdk._lifecycle import by_bericht_type
from mobb_sdk._models import Batch, Bericht
from mobb_sdk._rules import MAX_BATCH_BYTES
from mobb_sdk._tls import check_certificate_oin
from mobb_sdk._violations import Violation
from mobb_sdk._wus import WusProtocol, chunk_bsns

__all__ = ["AsyncClient", "BaseClient", "Client", "Sleep"]

log = logging.getLogger("mobb_sdk.client")
# A library does not decide where logs go; without this, warnings would reach stderr via lastResort.
logging.getLogger("mobb_sdk").addHandler(logging.NullHandler())

T = TypeVar("T")

#: Event types a sender acts on.
DELIVERY_EVENTS = (EventType.DELIVERED, EventType.FAILED, EventType.EXPIRED)


class BoundedSet:
    """A set of at most ``limit`` strings; adding past the limit forgets the oldest (issue 12)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: dict[str, None] = {}

    def add(self, item: str) -> None:
        self._items.pop(item, None)
        self._items[item] = None
        while len(self._items) > self.limit:
            del self._items[next(iter(self._items))]

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __len__(self) -> int:
        return len(self._items)


class Sleep(NamedTuple):
    """An operation asks its driver to wait this many seconds."""

    seconds: float


Step = httpx.Request | Sleep
Op = Generator[Step, Any, T]


class _Oversized(Exception):
    def __init__(self, status: int, limit: int) -> None:
        self.status = status
        self.limit = limit


#: What the drivers hand back into an operation as a failed try (everything else propagates as is).
_TRY_FAILURES: Final = (httpx.HTTPError, _Oversized, DeadlineExceeded)


@attrs.define
class _Tries:
    count: int = 0


def _transport_error(exc: Exception, ctx: Context) -> TransportError:
    """The error of the tree for an httpx failure, naming the batch it concerns."""
    text = f"{ctx.what}: {type(exc).__name__}: {scrub(str(exc), 200)}"
    kw: dict[str, Any] = {"batch_id": ctx.batch_id, "bericht_ids": ctx.bericht_ids}
    if isinstance(exc, DeadlineExceeded):
        return TransportTimeout(
            f"{ctx.what}: no complete answer within the total deadline of {exc.total:g} s"
            " (Timeouts.total, MOBB_TIMEOUT_TOTAL)",
            **kw,
        )
    if isinstance(exc, httpx.TimeoutException):
        return TransportTimeout(text, **kw)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        failed = ConnectionFailed(text, **kw)
        if _caused_by_tls_verification(exc):
            failed.retryable = False  # an untrusted certificate stays untrusted
        return failed
    if isinstance(exc, httpx.DecodingError):
        return ProtocolError(text, **kw)
    if isinstance(exc, _Oversized):
        return ProtocolError(
            f"{ctx.what}: the answer is larger than {exc.limit} bytes", status=exc.status, **kw
        )
    return TransportError(text, **kw)


#: TLS alerts by which the server refuses our client certificate (or its absence), and TLS errors of a
#: protocol version neither side accepts: as permanent as an untrusted server certificate, so not
#: worth a retry.
_REFUSED_CERTIFICATE_ALERTS: Final = frozenset(
    {
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        "TLSV1_ALERT_UNKNOWN_CA",
        "TLSV1_ALERT_ACCESS_DENIED",
        # No common protocol version (or not TLS at all on the other side): as permanent.
        "WRONG_VERSION_NUMBER",
        "UNSUPPORTED_PROTOCOL",
        "TLSV1_ALERT_PROTOCOL_VERSION",
        "NO_PROTOCOLS_AVAILABLE",
        "TLSV1_ALERT_INSUFFICIENT_SECURITY",
        "VERSION_TOO_LOW",
        "VERSION_TOO_HIGH",
        "SSLV3_ALERT_HANDSHAKE_FAILURE",
    }
)


def _caused_by_tls_verification(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        if isinstance(seen, ssl.SSLError) and seen.reason in _REFUSED_CERTIFICATE_ALERTS:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


#: What :meth:`Client.send_payload` sends: the batch XML as bytes, a file path, or a seekable binary file.
Payload = bytes | str | os.PathLike[str] | IO[bytes]


def _clone(request: httpx.Request) -> httpx.Request:
    # A retry sends the very same bytes (RES-04: same BatchID and BerichtIDs) in a fresh request object.
    if isinstance(request.stream, SendBody):
        # A streamed body is produced again (read from disk, or written from the batch), never held in
        # memory for the retry.
        return httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
    return httpx.Request(
        request.method,
        request.url,
        headers=request.headers,
        content=request.content,
        extensions=request.extensions,
    )


def _expect(value: object, kind: Any, what: str) -> None:
    """A public call's argument of the wrong kind is an :class:`ArgumentTypeError`, before any I/O."""
    if not isinstance(value, kind):
        raise ArgumentTypeError(f"{what}: expected {_kind_name(kind)}, got {type(value).__name__}")


def _items(values: object, kind: Any, what: str) -> list[Any]:
    """``values`` as a list, each of ``kind``; a lone text or a non-iterable is refused, never split."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ArgumentTypeError(f"{what}: expected a list of {_kind_name(kind)}, got {type(values).__name__}")
    items = list(values)
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            raise ArgumentTypeError(f"{what}[{i}]: expected {_kind_name(kind)}, got {type(item).__name__}")
    return items


def _kind_name(kind: Any) -> str:
    return getattr(kind, "__name__", None) or str(kind).replace("uuid.", "").replace("mobb_sdk._", "")


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _rebuilt(response: httpx.Response, body: bytes, request: httpx.Request) -> httpx.Response:
    # The body is already decoded: drop the headers that would make httpx decode it again.
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length")
    ]
    return httpx.Response(response.status_code, headers=headers, content=body, request=request)


class BaseClient:
    """Everything ``Client`` and ``AsyncClient`` share: configuration, protocols and operations."""

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        check_certificate: bool = True,
    ) -> None:
        self.config = config if config is not None else ClientConfig.from_env()
        c = self.config
        self._ebms = EbmsProtocol(c.ebms, c.timeouts) if c.ebms is not None else None
        self._wus = WusProtocol(c.wus, c.sender_oin, c.timeouts) if c.wus is not None else None
        self._profile = c.profile()
        self._rng = rng if rng is not None else random.Random()  # noqa: S311  (jitter, not secrets)
        self._clock = clock
        # Incoming messages that are not results, or unreadable: fetched once, then left alone. Bounded:
        # past the limit the oldest are forgotten (fetched once more), so memory never grows with input.
        self._ignored = BoundedSet(MAX_LISTED)
        # Whether ebms-core stores events (eventListener.type=DAO): None until the first result shows it.
        self._stores_events: bool | None = None
        if check_certificate:
            cert = c.tls.client_certificate()
            if cert is not None:
                check_certificate_oin(cert, c.ebms.party_oin if c.ebms is not None else c.sender_oin)

    def _needs_tls(self) -> bool:
        urls = [u.url for u in (self.config.ebms, self.config.wus) if u is not None]
        return self.config.tls.has_client_certificate or any(u.startswith("https:") for u in urls)

    def _verify(self) -> Any:
        return self.config.tls.create_ssl_context() if self._needs_tls() else True

    def _require_ebms(self) -> EbmsProtocol:
        if self._ebms is None:
            raise ConfigurationError("no ebms-core configured (MOBB_EBMS_URL, MOBB_CPA_ID)")
        return self._ebms

    def _require_wus(self) -> WusProtocol:
        if self._wus is None:
            raise ConfigurationError("no WUS endpoint configured (MOBB_WUS_URL)")
        return self._wus

    # -- the retry loop -----------------------------------------------------------------------------------

    def _call(
        self,
        request: httpx.Request,
        read: Callable[[httpx.Response], T],
        ctx: Context,
        tries: _Tries | None = None,
    ) -> Op[T]:
        """Send ``request`` until ``read`` accepts the answer, retrying what the policy allows."""
        policy = self.config.retry
        attempt = 0
        started = self._clock()
        first: TransportError | None = None
        while True:
            attempt += 1
            if tries is not None:
                tries.count += 1
            try:
                try:
                    response = yield (request if attempt == 1 else _clone(request))
                except _TRY_FAILURES as exc:
                    raise _transport_error(exc, ctx) from exc
                return read(response)
            except TransportError as exc:
                first = first or exc
                if not policy.should_retry(exc, attempt):
                    exc.add_exchange(
                        request.method, str(request.url), attempt, self._clock() - started, first
                    )
                    raise
                delay = policy.delay(attempt, exc, self._rng)
                log.warning("%s: try %d failed (%s); retrying in %.2f s", ctx.what, attempt, exc, delay)
                yield Sleep(delay)

    # -- ebms-core operations -----------------------------------------------------------------------------

    def _op_send(self, batch: Batch, xml: BatchXml | None = None) -> Op[Receipt]:
        """Send ``batch``; ``xml`` is what :func:`prepare_batch` made of it when the caller checked it."""
        _expect(batch, Batch, "batch")
        ebms = self._require_ebms()
        if xml is None:
            xml, errors = prepare_batch(batch, self._profile)
            if errors:
                raise ValidationError(
                    errors, f"batch {batch.batch_id} was not sent: {len(errors)} violation(s)"
                )
        bericht_ids = batch.bericht_ids
        ctx = Context("send batch", batch.batch_id, bericht_ids)
        tries = _Tries()
        # Streamed: the XML is written (and for JSON base64-encoded) as httpx sends it: memory is
        # bounded per letter.
        message_id = yield from self._call(
            ebms.send_batch_request(xml, batch.batch_id), lambda r: ebms.read_sent_id(r, ctx), ctx, tries
        )
        log.info("batch %s sent as ebMS message %s (%d letters)", batch.batch_id, message_id, len(batch))
        return Receipt(message_id, batch.batch_id, bericht_ids, datetime.now(UTC), attempts=tries.count)

    def _op_send_payload(
        self, payload: Payload, batch_id: uuid.UUID, bericht_ids: Iterable[uuid.UUID]
    ) -> Op[Receipt]:
        _expect(batch_id, uuid.UUID, "batch_id")
        ids = tuple(_items(bericht_ids, uuid.UUID, "bericht_ids"))
        ebms = self._require_ebms()
        source = FilePayload(io.BytesIO(payload) if isinstance(payload, bytes) else payload)
        size = source.size
        if size > MAX_BATCH_BYTES:
            message = f"the payload is {size:,} bytes; Logius rejects batches over {MAX_BATCH_BYTES:,} bytes"
            raise ValidationError(
                [Violation("BATCH-02", "", message)], f"batch {batch_id} was not sent: {message}"
            )
        ctx = Context("send batch", batch_id, ids)
        tries = _Tries()
        message_id = yield from self._call(
            ebms.send_batch_request(source, batch_id), lambda r: ebms.read_sent_id(r, ctx), ctx, tries
        )
        log.info(
            "batch %s sent as ebMS message %s (%d letters, %d bytes)", batch_id, message_id, len(ids), size
        )
        return Receipt(message_id, batch_id, ids, datetime.now(UTC), attempts=tries.count)

    def _op_resend(self, receipt: Receipt, batch: Batch | None) -> Op[Receipt]:
        _expect(receipt, Receipt, "receipt")
        _expect(batch, Batch | None, "batch")
        ebms = self._require_ebms()
        if batch is not None and batch.batch_id != receipt.batch_id:
            raise InvalidValueError(
                "RES-04",
                "batch",
                f"batch {batch.batch_id} is not the batch of this receipt ({receipt.batch_id})",
            )
        ctx = Context("resend batch", receipt.batch_id, receipt.bericht_ids)
        try:
            message_id = yield from self._call(
                ebms.resend_request(receipt.message_id), lambda r: ebms.read_message_id(r, ctx), ctx
            )
        except HttpStatusError as exc:
            if exc.status != 404 or batch is None:
                raise
            # ebms-core no longer knows the message: hand the same batch over again (same ids, RES-04).
            fresh = yield from self._op_send(batch)
            message_id = fresh.message_id
        log.info("batch %s resent as ebMS message %s", receipt.batch_id, message_id)
        return receipt.resent(message_id, datetime.now(UTC))

    def _op_events(self, types: Iterable[EventType], max_nr: int | None) -> Op[list[DeliveryEvent]]:
        ebms = self._require_ebms()
        ctx = Context("read delivery events")
        limit = max_nr if max_nr is not None and max_nr > 0 else MAX_LISTED
        return (
            yield from self._call(
                ebms.events_request(types, max_nr), lambda r: ebms.read_events(r, ctx, limit), ctx
            )
        )

    def _op_ack_event(self, event: DeliveryEvent | str) -> Op[bool]:
        _expect(event, DeliveryEvent | str, "event")
        ebms = self._require_ebms()
        message_id = event.message_id if isinstance(event, DeliveryEvent) else event
        ctx = Context(f"mark events of {message_id} processed")
        return (
            yield from self._call(ebms.ack_event_request(message_id), lambda r: ebms.read_ack(r, ctx), ctx)
        )

    def _op_results(self, max_nr: int | None) -> Op[list[ResultMessage]]:
        """At most ``max_nr`` messages fetched (GET), whatever the list holds; ``None`` or 0: as many as
        one list answer gives (capped at :data:`MAX_LISTED`)."""
        ebms = self._require_ebms()
        ctx = Context("list result messages")
        budget = max_nr if max_nr is not None and max_nr > 0 else MAX_LISTED
        # Ask for room to skip the messages already left alone, so they do not crowd out new ones.
        asked = min(budget + len(self._ignored), MAX_LISTED) if max_nr else None
        ids = yield from self._call(ebms.results_request(asked), lambda r: ebms.read_id_list(r, ctx), ctx)
        results: list[ResultMessage] = []
        fetched = 0
        for message_id in ids:
            if message_id in self._ignored:
                continue
            if fetched >= budget:
                break
            fetched += 1
            get_ctx = Context(f"read message {message_id}")
            message = yield from self._call(
                ebms.message_request(message_id), functools.partial(ebms.read_message, ctx=get_ctx), get_ctx
            )
            if not ebms.is_result(message):
                self._ignored.add(message_id)  # not ours to handle: leave it unprocessed
                continue
            try:
                results.append(ebms.read_result(message))
            except ProtocolError as exc:
                # Left unprocessed for an operator to look at in ebms-core; it must not block the rest.
                self._ignored.add(message_id)
                log.warning("result message %s cannot be read and is left unprocessed: %s", message_id, exc)
        if results and self._stores_events is None:
            yield from self._check_event_listener(results[0].message_id)
        return results

    def _check_event_listener(self, message_id: str) -> Op[None]:
        """With ``eventListener.type=DAO`` every received message has a RECEIVED event; none for a result
        just listed means ebms-core stores no events: say so once. Results still settle the letters
        (they are polled as messages), but FAILED and EXPIRED deliveries are never seen."""
        ebms = self._require_ebms()
        ctx = Context(f"read the RECEIVED event of {message_id}")
        events = yield from self._call(
            ebms.received_event_request(message_id), lambda r: ebms.read_events(r, ctx, 10), ctx
        )
        self._stores_events = any(e.message_id == message_id for e in events)
        if not self._stores_events:
            log.warning(
                "ebms-core stores no events (no RECEIVED event for result message %s): it runs the "
                "default event listener. Set eventListener.type=DAO in its properties, or failed and "
                "expired deliveries will never be reported; results still arrive.",
                message_id,
            )

    def _op_ack_result(self, result: ResultMessage | str) -> Op[bool]:
        """Mark the result message processed, then its RECEIVED event (so ebms-core's table of unprocessed
        events does not grow); the second step is skipped when ebms-core stores no events."""
        _expect(result, ResultMessage | str, "result")
        ebms = self._require_ebms()
        message_id = result.message_id if isinstance(result, ResultMessage) else result
        ctx = Context(f"mark message {message_id} processed")
        marked = yield from self._call(
            ebms.ack_message_request(message_id), lambda r: ebms.read_ack(r, ctx), ctx
        )
        if self._stores_events is not False:
            event_ctx = Context(f"mark the events of message {message_id} processed")
            try:
                yield from self._call(
                    ebms.ack_event_request(message_id), lambda r: ebms.read_ack(r, event_ctx), event_ctx
                )
            except TransportError as exc:
                # The result is handled; an event left unprocessed is only clutter in ebms-core.
                log.warning("%s failed (the result itself is marked): %s", event_ctx.what, exc)
        return marked

    def _op_collect(self, receipts: Iterable[Receipt], ack: bool, max_nr: int | None) -> Op[CollectedResults]:
        receipts = _items(receipts, Receipt, "receipts")
        results = yield from self._op_results(max_nr)
        collected = match_results(receipts, results)
        if ack:
            for r in collected.results:
                yield from self._op_ack_result(r)
        return collected

    def _op_status(self, message_id: str) -> Op[tuple[MessageStatus, datetime | None]]:
        _expect(message_id, str, "message_id")
        ebms = self._require_ebms()
        ctx = Context(f"status of {message_id}")
        return (
            yield from self._call(ebms.status_request(message_id), lambda r: ebms.read_status(r, ctx), ctx)
        )

    def _op_ping(self) -> Op[None]:
        ebms = self._require_ebms()
        ctx = Context("ping")
        yield from self._call(ebms.ping_request(), lambda r: ebms.read_ping(r, ctx), ctx)

    # -- WUS ------------------------------------------------------------------------------------------------

    def _op_check(self, bericht_type: str, bsns: Iterable[Bsn | str | int]) -> Op[dict[Bsn, bool]]:
        _expect(bericht_type, str, "bericht_type")
        bsns = _items(bsns, Bsn | str | int, "bsns")
        wus = self._require_wus()
        answers: dict[Bsn, bool] = {}
        ctx = Context("ValidateAbonnementen")
        # One call at a time: the service is rationed (ABO-02).
        for chunk in chunk_bsns(bsns):
            part = yield from self._call(
                wus.request(bericht_type, chunk), functools.partial(wus.read, asked=chunk), ctx
            )
            answers.update(part)
        return answers

    # -- the façade -----------------------------------------------------------------------------------------

    def _prepare(self, letters: list[Bericht], tracker: DeliveryTracker) -> list[tuple[Batch, BatchXml]]:
        """Valid batches with their XML; letters that break a rule are refused, the rest re-batched."""
        sender = self.config.sender_oin
        ready: list[tuple[Batch, BatchXml]] = []
        queue = deque(Batch.split(sender, letters)) if letters else deque()
        while queue:
            batch = queue.popleft()
            xml, errors = prepare_batch(batch, self._profile)
            if not errors:
                ready.append((batch, xml))
                continue
            per_letter, batch_level = split_violations(len(batch), errors)
            if len(batch) > 1 and any(v.rule == "BATCH-02" for v in batch_level):
                half = len(batch) // 2  # too large: halve it (BATCH-02)
                queue.extend(
                    Batch.split(sender, batch.berichten[:half]) + Batch.split(sender, batch.berichten[half:])
                )
                continue
            if batch_level:
                for i, bericht in enumerate(batch.berichten):
                    tracker.refuse(bericht, [*batch_level, *per_letter.get(i, [])])
                continue
            for i, found in per_letter.items():
                tracker.refuse(batch.berichten[i], found)
            rest = [b for i, b in enumerate(batch.berichten) if i not in per_letter]
            if rest:
                queue.extend(Batch.split(sender, rest))  # never sent, so a new BatchID is fine
        return ready

    def _op_deliver(
        self,
        berichten: Iterable[Bericht],
        deadline: float | timedelta,
        poll_interval: float | timedelta,
        check_subscriptions: bool,
        max_resends: int,
        stable_ids: bool = False,
    ) -> Op[list[Outcome]]:
        letters = _items(berichten, Bericht, "berichten")
        tracker = DeliveryTracker(letters, max_resends=max_resends, stable_ids=stable_ids)
        end = self._clock() + _seconds(deadline)
        interval = max(_seconds(poll_interval), 0.0)
        self._require_ebms()
        allowed = letters
        if check_subscriptions:
            self._require_wus()
            allowed = []
            for bericht_type, group in by_bericht_type(letters).items():
                may = yield from self._op_check(bericht_type, [b.bsn for b in group])
                for b in group:
                    if may[b.bsn]:
                        allowed.append(b)
                    else:
                        tracker.paper(b)
        batches: dict[uuid.UUID, Batch] = {}
        for batch, xml in self._prepare(allowed, tracker):
            try:
                receipt = yield from self._op_send(batch, xml)
            except TransportError as exc:
                tracker.fail(batch.bericht_ids, f"not sent: {exc}", batch.batch_id)
                continue
            except EbmsConfigurationError as exc:
                if not batches:
                    raise  # nothing of this call went out: the caller fixes the configuration first
                # Earlier batches are out (their outcomes must not be lost): fail the rest, unsent.
                tracker.fail(batch.bericht_ids, f"not sent: {exc}", batch.batch_id)
                continue
            batches[batch.batch_id] = batch
            tracker.sent(receipt)
        while tracker.open:
            try:
                yield from self._poll_once(tracker, batches)
            except TransportError as exc:
                log.warning("polling ebms-core failed, will try again: %s", exc)
            if not tracker.open:
                break
            remaining = end - self._clock()
            if remaining <= 0:
                break
            yield Sleep(min(interval, remaining))
        return tracker.outcomes()

    def _poll_once(self, tracker: DeliveryTracker, batches: Mapping[uuid.UUID, Batch]) -> Op[None]:
        for event in (yield from self._op_events(DELIVERY_EVENTS, None)):
            if tracker.receipt_for_message(event.message_id) is None:
                continue  # another process's message: its events are not ours to mark
            to_resend = tracker.on_event(event)
            if to_resend is not None:
                try:
                    tracker.resent((yield from self._op_resend(to_resend, batches.get(to_resend.batch_id))))
                except TransportError as exc:
                    tracker.fail(to_resend.bericht_ids, f"resend failed: {exc}", to_resend.batch_id)
            yield from self._op_ack_event(event)
        for result in (yield from self._op_results(None)):
            if tracker.on_result(result):
                yield from self._op_ack_result(result)
        if not tracker.open:
            # Done: mark the events our messages still have (e.g. the DELIVERED of a resend), so they
            # do not pile up in ebms-core; nothing is resent any more.
            for event in (yield from self._op_events(DELIVERY_EVENTS, None)):
                if tracker.receipt_for_message(event.message_id) is not None:
                    yield from self._op_ack_event(event)


class Client(BaseClient):
    """The synchronous client (``httpx.Client``). Use it as a context manager, or call :meth:`close`.

    ``config`` defaults to :meth:`ClientConfig.from_env`. ``transport`` (e.g. ``httpx.MockTransport``
    or the simulator's) or a ready ``http_client`` replace the network; ``sleep``, ``clock`` and ``rng``
    make retries and deadlines testable without waiting.
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        check_certificate: bool = True,
    ) -> None:
        super().__init__(config, rng=rng, clock=clock, check_certificate=check_certificate)
        self._sleep = sleep
        self._owns_http = http_client is None
        if http_client is not None:
            self._http = http_client
        elif transport is not None:
            self._http = httpx.Client(transport=transport, timeout=self.config.timeouts.as_httpx())
        else:
            self._http = httpx.Client(
                transport=deadline_transport(self._verify()), timeout=self.config.timeouts.as_httpx()
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _perform(self, request: httpx.Request) -> httpx.Response:
        limit = self.config.max_response_bytes
        total = self.config.timeouts.total
        # The transport keeps the deadline at every connect, read and write (a dripping server); the
        # checks here also hold it for a transport given by the caller, between the chunks it yields.
        with deadline(total) as end:
            try:
                response = self._http.send(request, stream=True)
                try:
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > limit:
                            raise _Oversized(response.status_code, limit)
                        if time.monotonic() > end:
                            raise DeadlineExceeded(total)
                finally:
                    response.close()
            except httpx.TimeoutException as exc:
                if time.monotonic() >= end:
                    raise DeadlineExceeded(total) from exc
                raise
        return _rebuilt(response, bytes(body), request)

    def _drive(self, op: Op[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = op.send(value) if error is None else op.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            if isinstance(step, Sleep):
                self._sleep(step.seconds)
                continue
            try:
                value = self._perform(step)
            except _TRY_FAILURES as exc:
                error = exc

    # -- ebms-core ----------------------------------------------------------------------------------------

    def send(self, batch: Batch) -> Receipt:
        """Validate ``batch`` (XSD and rules; :class:`ValidationError` and nothing sent when it breaks one),
        then hand it to ebms-core as one ebMS message; retries reuse the same bytes and ids (RES-04)."""
        return self._drive(self._op_send(batch))

    def send_payload(
        self, payload: Payload, batch_id: uuid.UUID, bericht_ids: Iterable[uuid.UUID]
    ) -> Receipt:
        """Hand a batch serialised beforehand (e.g. by :func:`~mobb_sdk.write_batch` into a file) to
        ebms-core, streamed from disk when ``payload`` is a path or a binary file.

        ``batch_id`` and ``bericht_ids`` must be those inside the payload: they go in the conversationId
        and the receipt. Only the size is checked here (BATCH-02); validate the batch before writing it.
        Retries read the file again and send the same bytes (RES-04).
        """
        return self._drive(self._op_send_payload(payload, batch_id, bericht_ids))

    def resend(self, receipt: Receipt, batch: Batch | None = None) -> Receipt:
        """Have ebms-core send the batch of ``receipt`` again (same payload, same ids); when ebms-core no
        longer knows the message and ``batch`` is given, hand the batch over again instead."""
        return self._drive(self._op_resend(receipt, batch))

    def events(
        self, types: Iterable[EventType] = DELIVERY_EVENTS, *, max_nr: int | None = None
    ) -> list[DeliveryEvent]:
        """Unprocessed delivery events; mark each with :meth:`ack_event` once handled (at-least-once)."""
        return self._drive(self._op_events(types, max_nr))

    def ack_event(self, event: DeliveryEvent | str) -> bool:
        """Mark a message's events processed; False when ebms-core had none left (already marked)."""
        return self._drive(self._op_ack_event(event))

    def process_events(
        self,
        handler: Callable[[DeliveryEvent], object],
        types: Iterable[EventType] = DELIVERY_EVENTS,
        *,
        max_nr: int | None = None,
    ) -> int:
        """Run ``handler`` on each unprocessed event and mark it processed only after the handler returned.

        If the handler raises, that event and the ones after it stay unprocessed and come again on the
        next call (at-least-once: make the handler idempotent). Returns the number handled.
        """
        handled = 0
        for event in self.events(types, max_nr=max_nr):
            handler(event)
            self.ack_event(event)
            handled += 1
        return handled

    def results(self, *, max_nr: int | None = None) -> list[ResultMessage]:
        """Unprocessed processing results (``GLOBE-R-BV-Result``), parsed; unrelated messages are left
        alone and unreadable ones logged and left unprocessed. Mark each with :meth:`ack_result`.

        At most ``max_nr`` messages are fetched, whatever ebms-core lists (``None`` or 0: up to
        :data:`~mobb_sdk._ebms.MAX_LISTED`, the cap of every list read)."""
        return self._drive(self._op_results(max_nr))

    def ack_result(self, result: ResultMessage | str) -> bool:
        """Mark a result message processed, and its RECEIVED event (when ebms-core stores events);
        False when ebms-core no longer knows it (ebms-core itself answers 204 either way)."""
        return self._drive(self._op_ack_result(result))

    def collect_results(
        self, receipts: Iterable[Receipt], *, ack: bool = True, max_nr: int | None = None
    ) -> CollectedResults:
        """Fetch the results there are and match them to ``receipts`` (RES-01); results of these batches
        are marked processed when ``ack``, results of other batches are reported in ``unknown`` only."""
        return self._drive(self._op_collect(receipts, ack, max_nr))

    def status(self, message_id: str) -> tuple[MessageStatus, datetime | None]:
        """What Logius' MSH answers about ``message_id`` (ebms-core sends it an ebMS StatusRequest):
        RECEIVED, PROCESSED or FORWARDED with a time, else NOT_RECOGNIZED or UNAUTHORIZED. It is not the
        local sending status: follow a sent batch through :meth:`events` and :meth:`results`."""
        return self._drive(self._op_status(message_id))

    def ping(self) -> None:
        """Ping Logius' MSH through ebms-core under the configured CPA; raises when it does not answer."""
        self._drive(self._op_ping())

    # -- WUS --------------------------------------------------------------------------------------------

    def check_subscriptions(self, bericht_type: str, bsns: Iterable[Bsn | str | int]) -> dict[Bsn, bool]:
        """May each citizen receive ``bericht_type`` letters from this sender? Any number of BSNs, asked
        250 per call (ABO-02)."""
        return self._drive(self._op_check(bericht_type, bsns))

    # -- the façade -----------------------------------------------------------------------------------------

    def deliver(
        self,
        berichten: Iterable[Bericht],
        *,
        deadline: float | timedelta = 0.0,
        poll_interval: float | timedelta = 5.0,
        check_subscriptions: bool = True,
        max_resends: int = 3,
        stable_ids: bool = False,
    ) -> list[Outcome]:
        """Check subscriptions, send what may be sent, follow it until ``deadline`` (seconds from now),
        and return one :class:`Outcome` per letter, in order.

        ``stable_ids``: the BerichtIDs are derived from the letters (``stable_bericht_id``, as ``mobb
        send`` does), so ``BerichtBestaatAl`` means an earlier run delivered this very letter: counted
        delivered (``Outcome.already_delivered``), not failed."""
        return self._drive(
            self._op_deliver(berichten, deadline, poll_interval, check_subscriptions, max_resends, stable_ids)
        )


class AsyncClient(BaseClient):
    """The asynchronous client (``httpx.AsyncClient``); the same operations as :class:`Client`, awaited.

    Local validation and XML work are CPU-bound and run on the event loop (about 40 ms per 1000 letters).
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        check_certificate: bool = True,
    ) -> None:
        super().__init__(config, rng=rng, clock=clock, check_certificate=check_certificate)
        self._sleep = sleep
        self._owns_http = http_client is None
        if http_client is not None:
            self._http = http_client
        elif transport is not None:
            self._http = httpx.AsyncClient(transport=transport, timeout=self.config.timeouts.as_httpx())
        else:
            self._http = httpx.AsyncClient(verify=self._verify(), timeout=self.config.timeouts.as_httpx())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _perform(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._perform_unwrapped(request)
        except ssl.SSLError as exc:
            # httpx's async transport (anyio) lets an SSLError raised while reading through unwrapped,
            # e.g. the server's TLS 1.3 alert refusing our certificate, which only comes with the first
            # read; the sync transport raises it as httpx.ReadError. Make it the same here.
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}", request=request) from exc

    async def _perform_unwrapped(self, request: httpx.Request) -> httpx.Response:
        limit = self.config.max_response_bytes
        total = self.config.timeouts.total
        try:
            # One bound for the whole exchange, however the server paces its bytes.
            async with asyncio.timeout(total):
                response = await self._http.send(request, stream=True)
                try:
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > limit:
                            raise _Oversized(response.status_code, limit)
                finally:
                    await response.aclose()
        except TimeoutError as exc:
            raise DeadlineExceeded(total) from exc
        return _rebuilt(response, bytes(body), request)

    async def _drive(self, op: Op[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = op.send(value) if error is None else op.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            if isinstance(step, Sleep):
                await self._sleep(step.seconds)
                continue
            try:
                value = await self._perform(step)
            except _TRY_FAILURES as exc:
                error = exc

    # -- ebms-core ----------------------------------------------------------------------------------------

    async def send(self, batch: Batch) -> Receipt:
        """See :meth:`Client.send`."""
        return await self._drive(self._op_send(batch))

    async def send_payload(
        self, payload: Payload, batch_id: uuid.UUID, bericht_ids: Iterable[uuid.UUID]
    ) -> Receipt:
        """See :meth:`Client.send_payload`."""
        return await self._drive(self._op_send_payload(payload, batch_id, bericht_ids))

    async def resend(self, receipt: Receipt, batch: Batch | None = None) -> Receipt:
        """See :meth:`Client.resend`."""
        return await self._drive(self._op_resend(receipt, batch))

    async def events(
        self, types: Iterable[EventType] = DELIVERY_EVENTS, *, max_nr: int | None = None
    ) -> list[DeliveryEvent]:
        """See :meth:`Client.events`."""
        return await self._drive(self._op_events(types, max_nr))

    async def ack_event(self, event: DeliveryEvent | str) -> bool:
        """See :meth:`Client.ack_event`."""
        return await self._drive(self._op_ack_event(event))

    async def process_events(
        self,
        handler: Callable[[DeliveryEvent], object],
        types: Iterable[EventType] = DELIVERY_EVENTS,
        *,
        max_nr: int | None = None,
    ) -> int:
        """See :meth:`Client.process_events`; ``handler`` may be a coroutine function."""
        handled = 0
        for event in await self.events(types, max_nr=max_nr):
            outcome = handler(event)
            if inspect.isawaitable(outcome):
                await outcome
            await self.ack_event(event)
            handled += 1
        return handled

    async def results(self, *, max_nr: int | None = None) -> list[ResultMessage]:
        """See :meth:`Client.results`."""
        return await self._drive(self._op_results(max_nr))

    async def ack_result(self, result: ResultMessage | str) -> bool:
        """See :meth:`Client.ack_result`."""
        return await self._drive(self._op_ack_result(result))

    async def collect_results(
        self, receipts: Iterable[Receipt], *, ack: bool = True, max_nr: int | None = None
    ) -> CollectedResults:
        """See :meth:`Client.collect_results`."""
        return await self._drive(self._op_collect(receipts, ack, max_nr))

    async def status(self, message_id: str) -> tuple[MessageStatus, datetime | None]:
        """See :meth:`Client.status`."""
        return await self._drive(self._op_status(message_id))

    async def ping(self) -> None:
        """See :meth:`Client.ping`."""
        await self._drive(self._op_ping())

    # -- WUS --------------------------------------------------------------------------------------------

    async def check_subscriptions(
        self, bericht_type: str, bsns: Iterable[Bsn | str | int]
    ) -> dict[Bsn, bool]:
        """See :meth:`Client.check_subscriptions`."""
        return await self._drive(self._op_check(bericht_type, bsns))

    # -- the façade -----------------------------------------------------------------------------------------

    async def deliver(
        self,
        berichten: Iterable[Bericht],
        *,
        deadline: float | timedelta = 0.0,
        poll_interval: float | timedelta = 5.0,
        check_subscriptions: bool = True,
        max_resends: int = 3,
        stable_ids: bool = False,
    ) -> list[Outcome]:
        """See :meth:`Client.deliver`."""
        return await self._drive(
            self._op_deliver(berichten, deadline, poll_interval, check_subscriptions, max_resends, stable_ids)
        )
