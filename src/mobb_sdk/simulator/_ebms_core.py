"""The ebms-core 2.20 REST API v19 facade: its routes and what each answers."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

import attrs
import httpx

from mobb_sdk._ebms import MessageStatus
from mobb_sdk._errors import CpaError
from mobb_sdk._namespaces import (
    LOGIUS_ROLE,
    REQUEST_ACTION,
    SENDER_ROLE,
)
from mobb_sdk.cpa import CpaInfo, read_cpa
from mobb_sdk.simulator._beans import read_json, request_properties, send_request
from mobb_sdk.simulator._faults import Operation
from mobb_sdk.simulator._state import (
    EVENT_TYPES,
    MSH_SERVICE,
    REQUEST_PROPERTIES,
    DataSource,
    Message,
)
from mobb_sdk.simulator._wire import (
    BB_SERVICE,
    CLIENT_OIN_EXTENSION,
    CXF_DEFAULT_CONTENT_ID,
    EBMS_PREFIX,
    JSON_TYPE,
    LOGIUS_PARTY_ID,
    MULTIPART_TYPE,
    TEXT_TYPE,
    WUS_PATH,
    BadRequest,
    Endpoint,
    Handler,
    NotFound,
    Part,
    ServerError,
    Unreadable,
    certificate_der,
    consumes,
    flag,
    is_json,
    iso,
    json_response,
    max_nr,
    multipart_body,
    multipart_parts,
    no_content,
    text_response,
)
from mobb_sdk.simulator._world import Cpa
from mobb_sdk.simulator._wus_service import WusService

#: What ebms-core answers when CXF hands it no MessageRequest (an empty or ``null`` body): its handler
#: fails on the null (a 500 with the NullPointerException's text, in the words of the JVM that runs it).
_NO_REQUEST: Final = 'Cannot invoke "nl.clockwork.ebms.service.model.MessageRequest.getProperties()" because "messageRequest" is null'


def ebms_message_id(cpa: Cpa, chosen: str | None = None, new_conversation: str | None = None) -> str:
    """The id ebms-core gives a message it sends for ``cpa`` (``EbMSIdGenerator.createMessageId``): the
    ``chosen`` messageId, else the id of the conversation it made up for a request without one, else a
    fresh UUID; always followed by ``@`` and the host of the sender's endpoint in the CPA."""
    return f"{chosen or new_conversation or uuid.uuid4()}@{cpa.host}"


class EbmsCore(WusService):
    """ebms-core's REST routes (and the WUS path beside them) and their semantics."""

    # --- routing ---------------------------------------------------------------------------------------------

    def _route(self, request: httpx.Request) -> Endpoint:
        path = request.url.path
        method = request.method
        if path.rstrip("/") == WUS_PATH:
            return Endpoint(Operation.WUS, self._wus if method == "POST" else self._not_allowed("POST"))
        if not path.startswith(EBMS_PREFIX + "/"):
            return Endpoint(Operation.OTHER, self._unknown)
        rest = path[len(EBMS_PREFIX) + 1 :]
        parts = [p for p in rest.split("/") if p]
        table = self._table(parts, rest)
        if table is None:
            return Endpoint(Operation.OTHER, self._unknown)
        if method in table:
            return table[method]
        first = next(iter(table.values()))
        return Endpoint(first.operation, self._not_allowed(*table), first.error_type)

    def _table(self, parts: list[str], rest: str) -> Mapping[str, Endpoint] | None:
        """The endpoints of ebms-core's REST API v19 at ``parts``, by method (None: no such resource)."""
        E, T, M = Endpoint, TEXT_TYPE, MULTIPART_TYPE
        n = len(parts)
        head = parts[0] if parts else ""
        if head == "ebms" and n >= 2 and parts[1] == "messages":
            if n == 2:
                return {"POST": E(Operation.SEND, self._send, T)}
            if parts[2:] == ["unprocessed"]:
                return {"GET": E(Operation.UNPROCESSED, self._unprocessed, T)}
            if parts[2:] == ["mtom"]:
                return {"POST": E(Operation.SEND, self._send_mtom, T)}
            if n == 4 and parts[2] == "mtom":
                mid = parts[3]
                return {"GET": E(Operation.GET, lambda r: self._get_mtom(r, mid), M)}
            if n == 3:
                mid = parts[2]
                return {
                    "GET": E(Operation.GET, lambda r: self._get(r, mid)),
                    "PUT": E(Operation.RESEND, lambda r: self._resend(r, mid), T),
                    "PATCH": E(Operation.PROCESS, lambda r: self._mark_processed(mid)),
                }
            if n == 4 and parts[3] == "status":
                mid = parts[2]
                return {"GET": E(Operation.STATUS, lambda r: self._status(mid))}
            return None
        if head == "ebms" and n >= 2 and parts[1] == "events":
            if parts[2:] == ["unprocessed"]:
                return {"GET": E(Operation.EVENTS, self._unprocessed_events)}
            if n == 3:
                mid = parts[2]
                return {"PATCH": E(Operation.ACK_EVENT, lambda r: self._ack_event(mid))}
            return None
        if head == "ebms" and n == 7 and parts[1] == "ping" and parts[3] == "from" and parts[5] == "to":
            cpa_id, from_party, to_party = parts[2], parts[4], parts[6]
            return {"POST": E(Operation.PING, lambda r: self._ping(cpa_id, from_party, to_party))}
        if head == "cpas":
            if n == 1:
                return {
                    "GET": E(Operation.CPAS, self._cpa_ids),
                    "POST": E(Operation.CPAS, self._insert_cpa, T),
                }
            if parts[1:] == ["validate"]:
                return {"POST": E(Operation.CPAS, self._validate_cpa)}
            if parts[1:] == ["cache"]:
                return {
                    "DELETE": E(Operation.CPAS, lambda r: no_content(), T),
                    "GET": E(Operation.CPAS, lambda r: self._cpa("cache"), T),
                }
            if n == 2:
                cpa_id = parts[1]
                return {
                    "GET": E(Operation.CPAS, lambda r: self._cpa(cpa_id), T),
                    "DELETE": E(Operation.CPAS, lambda r: self._delete_cpa(cpa_id)),
                }
            return None
        if head == "urlMappings":
            if n == 1:
                return {
                    "GET": E(Operation.MAPPINGS, self._url_mappings),
                    "POST": E(Operation.MAPPINGS, self._set_url_mapping),
                }
            if parts[1:] == ["cache"]:
                return {"DELETE": E(Operation.MAPPINGS, lambda r: no_content())}
            # The source is itself a URL, taken verbatim from the rest of the path (as ebms-core does).
            source = rest[len("urlMappings/") :]
            return {"DELETE": E(Operation.MAPPINGS, lambda r: self._delete_url_mapping(source))}
        if head == "certificateMappings":
            if n == 1:
                return {
                    "GET": E(Operation.MAPPINGS, self._certificate_mappings),
                    "POST": E(Operation.MAPPINGS, self._set_certificate_mapping),
                    "DELETE": E(Operation.MAPPINGS, self._delete_certificate_mapping, T),
                }
            if parts[1:] == ["cache"]:
                return {"DELETE": E(Operation.MAPPINGS, lambda r: no_content())}
            return None
        return None

    @staticmethod
    def _not_allowed(*allowed: str) -> Handler:
        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(405, headers={"Allow": ", ".join(allowed)})

        return answer

    @staticmethod
    def _unknown(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    # --- ebms-core: sending ---------------------------------------------------------------------------------

    def store(self, *bericht_ids: uuid.UUID) -> None:
        """Put letters in Logius' store as if an earlier delivery had placed them: a letter that comes
        with one of these BerichtIDs is answered ``BerichtBestaatAl`` (a lost record, RES-04)."""
        with self._lock:
            for bericht_id in bericht_ids:
                self._store.stored.add(bericht_id)

    def on_send(self, hook: Callable[[httpx.Request], httpx.Request]) -> None:
        """Run ``hook`` on every ``POST /ebms/messages`` before it is handled, in-process and served alike.

        The hook returns the request to handle (the same one, or a changed one): a test or the
        conformance suite scripts what happens around a delivery with it.
        """
        with self._lock:
            self._send_hooks.append(hook)

    def _send(self, request: httpx.Request) -> httpx.Response:
        for hook in tuple(self._send_hooks):
            request = hook(request)
        consumes(request, JSON_TYPE)
        # CXF and Jackson read the bean first (tests/test_cxf_wire.py); an empty body is no request.
        bean = send_request(read_json(request.content)) if request.content else None
        if bean is None:
            raise ServerError(_NO_REQUEST)
        properties, sources = bean
        # ebms-core's EbMSMessageFactory names a data source without contentId with a fresh UUID.
        named = [
            s if s.content_id is not None else attrs.evolve(s, content_id=str(uuid.uuid4())) for s in sources
        ]
        return self._accept(request, properties, named)

    def _send_mtom(self, request: httpx.Request) -> httpx.Response:
        for hook in tuple(self._send_hooks):
            request = hook(request)
        parts = multipart_parts(request)
        # CXF's @Multipart("requestProperties"): the first part of that name or Content-ID, read by
        # Jackson when its media type is JSON; no such part is a 400, a part no reader takes is null.
        named = [p for p in parts if "requestProperties" in (p.name, p.content_id)]
        if not named:
            raise Unreadable("no requestProperties part", 400)
        value = read_json(named[0].content) if is_json(named[0].content_type) else None
        if value is None:
            # ebms-core's MTOMMessageRequest(properties, ...) is @NonNull on its properties.
            raise ServerError("properties is marked non-null but is null")
        properties = request_properties(value)
        # @Multipart("attachment") List<Attachment>: every part of that name or Content-ID, at least one.
        # ebms-core takes the name and type of each part's DataHandler and the part's Content-ID.
        attachments = [p for p in parts if "attachment" in (p.name, p.content_id)]
        if not attachments:
            raise Unreadable("no attachment part", 400)
        sources = [
            DataSource(
                p.filename or p.name, p.content_id or CXF_DEFAULT_CONTENT_ID, p.content_type, p.content
            )
            for p in attachments
        ]
        return self._accept(request, properties, sources)

    def _accept(
        self, request: httpx.Request, props: Mapping[str, str | None], sources: list[DataSource]
    ) -> httpx.Response:
        """Validate the properties against the CPA, store the message and deliver it (JSON and MTOM)."""
        world = self._world
        cpa = self._check_properties(props)
        conversation_id = props.get("conversationId") or str(uuid.uuid4())
        new_conversation = None if props.get("conversationId") else conversation_id
        message_id = ebms_message_id(cpa, props.get("messageId"), new_conversation)
        with self._lock:
            if message_id in self._messages:
                raise ServerError(f"message {message_id} already exists (a duplicate key in ebms_message)")
        message = Message(
            message_id=message_id,
            cpa_id=cpa.cpa_id,
            from_party=(cpa.party_id, SENDER_ROLE),
            to_party=(LOGIUS_PARTY_ID, LOGIUS_ROLE),
            service=BB_SERVICE,
            action=REQUEST_ACTION,
            conversation_id=str(conversation_id),
            ref_to_message_id=props.get("refToMessageId"),
            timestamp=self.now(),
            data_sources=sources,
            incoming=False,
            status=MessageStatus.CREATED.value,
            visible_at=self.now(),
            client_oin=request.extensions.get(CLIENT_OIN_EXTENSION),
        )
        self._deliver(message, cpa, world)
        if not self.keep_payloads:
            for source in message.data_sources:
                source.content = b""
        return text_response(200, message_id)

    def _check_properties(self, props: Mapping[str, str | None]) -> Cpa:
        """ebms-core's MessagePropertiesValidator: the CPA, then a CanSend of the from party for the
        service and action, then a CanReceive of the to party. A failure is a 500 with its text.
        ``props`` are those of a MessageRequestProperties bean (text or None; cpaId not None)."""
        cpa_id = props.get("cpaId") or ""
        cpa = self._cpa_lookup(cpa_id)
        if cpa is None:
            raise ServerError(f"No CPA found for message.cpaId={cpa_id}")
        shown = (
            "MessageRequestProperties(" + ", ".join(f"{k}={props.get(k)}" for k in REQUEST_PROPERTIES) + ")"
        )
        role = props.get("fromRole")
        if (
            props.get("fromPartyId") != cpa.party_id
            or role not in (None, SENDER_ROLE)
            or props.get("service") != BB_SERVICE
            or props.get("action") != REQUEST_ACTION
        ):
            raise ServerError(f"No CanSend action found for {shown}")
        to_party, to_role = props.get("toPartyId"), props.get("toRole")
        if to_party is not None and (to_party != LOGIUS_PARTY_ID or to_role not in (None, LOGIUS_ROLE)):
            raise ServerError(f"No CanReceive action found for {shown}")
        return cpa

    def _resend(self, request: httpx.Request, message_id: str) -> httpx.Response:
        with self._lock:
            original = self._messages.get(message_id)
        if original is None or original.incoming:
            raise NotFound
        if not self.keep_payloads:
            raise NotFound  # its payload was not kept (keep_payloads=False)
        world = self._world
        cpa = self._cpa_lookup(original.cpa_id)
        if cpa is None:
            raise ServerError(f"No CPA found for cpaId={original.cpa_id}")
        now = self.now()
        message = attrs.evolve(
            original,
            message_id=ebms_message_id(cpa),  # ebms-core resends under a new id
            timestamp=now,
            status=MessageStatus.CREATED.value,
            visible_at=now,
            resend_of=message_id,
            client_oin=request.extensions.get(CLIENT_OIN_EXTENSION),
        )
        self._deliver(message, cpa, world)
        return text_response(200, message.message_id)

    def _unprocessed(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit = max_nr(params)
        now = self.now()
        with self._lock:
            ids = [
                m.message_id
                for m in self._messages.values()
                if m.incoming and m.status_at(now) == MessageStatus.RECEIVED.value and m.matches(params)
            ]
        return json_response(ids[:limit] if limit is not None else ids)

    def _visible(self, message_id: str, now: datetime) -> Message:
        message = self._messages.get(message_id)
        if message is None or (message.incoming and message.status_at(now) is None):
            raise NotFound
        return message

    def _get(self, request: httpx.Request, message_id: str) -> httpx.Response:
        message, now = self._fetch(request, message_id)
        return json_response(
            {
                "properties": message.properties(now),
                "dataSources": [s.to_json() for s in message.data_sources],
            }
        )

    def _fetch(self, request: httpx.Request, message_id: str) -> tuple[Message, datetime]:
        now = self.now()
        with self._lock:
            if flag(request.url.params.get("process")):
                self._process(message_id, now)
            message = self._visible(message_id, now)
            message.fetched += 1
        return message, now

    def _get_mtom(self, request: httpx.Request, message_id: str) -> httpx.Response:
        message, now = self._fetch(request, message_id)
        parts = [
            Part("properties", None, None, JSON_TYPE, json.dumps(message.properties(now)).encode()),
            *(
                Part(s.content_id or s.name or f"part{i}", s.name, s.content_id, s.content_type, s.content)
                for i, s in enumerate(message.data_sources)
            ),
        ]
        boundary = f"uuid:{uuid.uuid4()}"
        return httpx.Response(
            200,
            content=multipart_body(parts, boundary),
            headers={"Content-Type": f'{MULTIPART_TYPE}; boundary="{boundary}"'},
        )

    def _process(self, message_id: str, now: datetime) -> None:
        """RECEIVED becomes PROCESSED; anything else (unknown, sent, already processed) is left alone."""
        message = self._messages.get(message_id)
        if (
            message is not None
            and message.incoming
            and message.status_at(now) == MessageStatus.RECEIVED.value
        ):
            message.status = MessageStatus.PROCESSED.value
            message.processed_at = now

    def _mark_processed(self, message_id: str) -> httpx.Response:
        with self._lock:
            self._process(message_id, self.now())
        return no_content()

    def _status(self, message_id: str) -> httpx.Response:
        """The answer to an ebMS StatusRequest sent to Logius' MSH about ``message_id``.

        Logius' MSH knows a message it received: RECEIVED, or PROCESSED once GLOBE took it (its result
        exists), with the message's timestamp. Anything else it does not know as received
        (a message still CREATED here, one whose delivery failed or expired, a message Logius sent):
        NOT_RECOGNIZED without timestamp. No answer at all (``peer_available`` False), or a message of the
        MSH service itself, is a 500.
        """
        now = self.now()
        with self._lock:
            message = self._visible(message_id, now)
            if message.service == MSH_SERVICE:
                raise ServerError(f"Found MSH message {message_id}")
            if not self.peer_available:
                raise ServerError("No response received!")
            status = MessageStatus.NOT_RECOGNIZED.value
            if not message.incoming and message.status_at(now) == MessageStatus.DELIVERED.value:
                answered = any(
                    m.incoming and m.ref_to_message_id == message_id and m.visible_at <= now
                    for m in self._messages.values()
                )
                status = MessageStatus.PROCESSED.value if answered else MessageStatus.RECEIVED.value
        if status == MessageStatus.NOT_RECOGNIZED.value:
            return json_response({"status": status})
        return json_response({"timestamp": iso(message.timestamp), "status": status})

    def _unprocessed_events(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit = max_nr(params)
        wanted = set(params.get_list("eventTypes"))
        if wanted - set(EVENT_TYPES):
            raise NotFound  # an unknown enum value fails the parameter conversion: 404
        now = self.now()
        with self._lock:
            found = [
                {"messageId": e.message_id, "type": e.type}
                for e in self._events
                if e.processed_at is None
                and e.visible_at <= now
                and (not wanted or e.type in wanted)
                and self._messages[e.message_id].matches(params)
            ]
        return json_response(found[:limit] if limit is not None else found)

    def _ack_event(self, message_id: str) -> httpx.Response:
        """Every event of the message processed, and the message itself (RECEIVED to PROCESSED)."""
        now = self.now()
        with self._lock:
            for event in self._events:
                if event.message_id == message_id and event.processed_at is None and event.visible_at <= now:
                    event.processed_at = now
            self._process(message_id, now)
        return no_content()

    def _ping(self, cpa_id: str, from_party: str, to_party: str) -> httpx.Response:
        cpa = self._cpa_lookup(cpa_id)
        if cpa is None:
            raise ServerError(f"No CPA found for cpaId={cpa_id}")
        parties = (cpa.party_id, LOGIUS_PARTY_ID)
        if from_party not in parties:
            raise ServerError(f"No fromParty found for cpaId={cpa_id}, fromPartyId={from_party}")
        if to_party not in parties:
            raise ServerError(f"No toParty found for cpaId={cpa_id}, toPartyId={to_party}")
        if not self.peer_available:
            raise ServerError("No response received!")
        return no_content()

    # --- ebms-core: CPA management ----------------------------------------------------------------------------

    def cpa_document(self, cpa_id: str) -> bytes | None:
        """The CPA document ``GET /cpas/{cpa_id}`` answers: the posted one, or the world CPA's generated
        one (:func:`mobb_sdk.cpa.generate_cpa`; endpoints on loopback), None when there is none."""
        with self._lock:
            if cpa_id in self._deleted_cpas:
                return None
            posted = self._posted_cpas.get(cpa_id)
        if posted is not None:
            return posted[1]
        cpa = self._world.cpa(cpa_id)
        if cpa is None:
            return None
        sender = self._world.sender(cpa.party)
        return cpa.to_xml(name=sender.name if sender is not None else "", start=self._started).encode("utf-8")

    def _cpa_ids(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            ids = (set(self._world.cpas) | set(self._posted_cpas)) - self._deleted_cpas
        return json_response(sorted(ids))

    def _cpa(self, cpa_id: str) -> httpx.Response:
        document = self.cpa_document(cpa_id)
        if document is None:
            raise NotFound
        return httpx.Response(200, content=document, headers={"Content-Type": TEXT_TYPE})

    def _read_cpa(self, request: httpx.Request) -> CpaInfo:
        try:
            return read_cpa(request.content, now=self.now())
        except CpaError as exc:
            if exc.structural:
                raise BadRequest(str(exc)) from None
            raise ServerError(str(exc)) from None

    def _validate_cpa(self, request: httpx.Request) -> httpx.Response:
        self._read_cpa(request)
        return no_content()

    def _insert_cpa(self, request: httpx.Request) -> httpx.Response:
        info = self._read_cpa(request)
        overwrite = flag(request.url.params.get("overwrite"))
        with self._lock:
            exists = info.cpa_id not in self._deleted_cpas and (
                info.cpa_id in self._posted_cpas or info.cpa_id in self._world.cpas
            )
            if exists and not overwrite:
                raise BadRequest(f"Did not insert CPA {info.cpa_id}! CPA already exists.")
            sender = self._world.sender(info.sender.oin)
            afzenders = frozenset(
                (info.sender.oin.value, *(c.value for c in sender.clients))
                if sender is not None
                else (info.sender.oin.value,)
            )
            cpa = Cpa(info.cpa_id, info.sender.oin, afzenders, info.sender.endpoint)
            self._posted_cpas[info.cpa_id] = (cpa, info.document)
            self._deleted_cpas.discard(info.cpa_id)
        return text_response(200, info.cpa_id)

    def _delete_cpa(self, cpa_id: str) -> httpx.Response:
        with self._lock:
            if self._cpa_lookup(cpa_id) is None:
                raise NotFound
            self._posted_cpas.pop(cpa_id, None)
            self._deleted_cpas.add(cpa_id)
        return no_content()

    # --- ebms-core: URL and certificate mappings -------------------------------------------------------------

    @staticmethod
    def _json_body(request: httpx.Request) -> dict[str, Any]:
        try:
            body = json.loads(request.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise BadRequest("the body is not JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("the body is not a JSON object")
        return body

    def _url_mappings(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            return json_response([{"source": k, "destination": v} for k, v in self._url_map.items()])

    def _set_url_mapping(self, request: httpx.Request) -> httpx.Response:
        body = self._json_body(request)
        source, destination = body.get("source"), body.get("destination")
        if not isinstance(source, str) or not isinstance(destination, str) or not source or not destination:
            raise BadRequest("a URLMapping needs a source and a destination")
        with self._lock:
            self._url_map[source] = destination
        return no_content()

    def _delete_url_mapping(self, source: str) -> httpx.Response:
        with self._lock:
            if self._url_map.pop(source, None) is None:
                raise NotFound
        return no_content()

    def _certificate_mappings(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            items = list(self._certificate_map.items())
        out = []
        for (source, cpa_id), destination in items:
            entry = {
                "source": base64.b64encode(source).decode(),
                "destination": base64.b64encode(destination).decode(),
            }
            if cpa_id is not None:
                entry["cpaId"] = cpa_id
            out.append(entry)
        return json_response(out)

    def _set_certificate_mapping(self, request: httpx.Request) -> httpx.Response:
        body = self._json_body(request)
        source, destination, cpa_id = body.get("source"), body.get("destination"), body.get("cpaId")
        if not isinstance(source, str) or not isinstance(destination, str):
            raise BadRequest("a CertificateMapping needs a source and a destination")
        if cpa_id is not None and not isinstance(cpa_id, str):
            raise BadRequest("cpaId is a string")
        key = (certificate_der(source), cpa_id)
        target = certificate_der(destination)
        with self._lock:
            self._certificate_map[key] = target
        return no_content()

    def _delete_certificate_mapping(self, request: httpx.Request) -> httpx.Response:
        source = certificate_der(request.content.decode("ascii", "replace").strip())
        key = (source, request.url.params.get("cpaId"))
        with self._lock:
            if self._certificate_map.pop(key, None) is None:
                raise NotFound
        return no_content()

    # --- WUS ValidateAbonnementen ----------------------------------------------------------------------------
