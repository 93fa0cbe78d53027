"""Live mode: the product delivers a case's letters to a fresh simulator; the suite checks what it saw.

Per case the suite builds the simulator's world and faults from the catalogue, hands the product a
request with the simulator's ebms-core and WUS endpoints (served on a loopback port, or in-process for
a Python adapter), and then compares the product's answer (an outcome per letter) with the case's
expectation and with what the simulator recorded: the subscription checks and when they came, every
batch that arrived (its XML is kept, so its content can be compared with the request), the BerichtIDs
Logius received and stored, and which results were marked processed.
"""

from __future__ import annotations

import base64
import json
import math
import threading
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import attrs
import httpx
from lxml import etree

from mobb_sdk import Oin
from mobb_sdk._rules import MAX_BATCH_BYTES
from mobb_sdk.conformance._adapters import AdapterContext, AdapterError, AdapterRunner
from mobb_sdk.conformance._catalogue import PROTOCOL, Case, Catalogue
from mobb_sdk.conformance._document import BER, BVS, compare_letter, parse_batch
from mobb_sdk.conformance._evidence import Evidence
from mobb_sdk.conformance._inputs import AttachmentStore, bulk_bsns, make_letters, person_bsn
from mobb_sdk.conformance._protocol import validate_message
from mobb_sdk.simulator import (
    ALL_TYPES,
    EBMS_PREFIX,
    LOGIUS_PARTY_ID,
    RESULT_ACTION,
    WUS_PATH,
    Clock,
    Person,
    Simulator,
    World,
)

__all__ = ["ScriptedSimulator", "live_request", "make_simulator", "run_live_case"]

GEMEENTE: Final = "00000099000000001000"
INTERMEDIAIR: Final = "00000099000000002000"
WATERSCHAP: Final = "00000099000000003000"
#: sender name of the catalogue -> (BerichtLeverancierID, own ebMS party, CPA id)
_SENDERS: Final = {
    "gemeente": (GEMEENTE, GEMEENTE, "cpa-mobb-demo"),
    "waterschap-via-intermediair": (WATERSCHAP, INTERMEDIAIR, "cpa-mobb-intermediair"),
    # The intermediary's CPA is not linked to the Gemeente: Logius answers OinInCPA... with the nil GUID.
    "gemeente-via-intermediair": (GEMEENTE, INTERMEDIAIR, "cpa-mobb-intermediair"),
}
DEFAULT_DEADLINE: Final = 10.0
#: How much longer than its deadline an adapter may take before the suite gives up on it.
ADAPTER_GRACE: Final = 60.0
_IN_PROCESS_ROOT: Final = "http://127.0.0.1"


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _batch_payload(request: httpx.Request) -> bytes | None:
    """The batch XML of an ebms-core send request, as far as it can be read."""
    try:
        body = json.loads(request.content)
        return base64.b64decode(body["dataSources"][0]["content"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _bericht_ids(payload: bytes) -> list[str]:
    root, _ = parse_batch(payload, "batch")
    if root is None:
        return []
    return [(el.text or "").strip() for el in root.iter(_q(BER, "BerichtID"))]


def _without_soort_gebruiker(request: httpx.Request, payload: bytes) -> httpx.Request:
    """The same send request with the first SoortGebruiker removed: a batch Logius' XSD refuses."""
    root, _ = parse_batch(payload, "batch")
    element = None if root is None else root.find(f".//{_q(BER, 'SoortGebruiker')}")
    if root is None or element is None:
        return request
    parent = element.getparent()
    assert parent is not None  # noqa: S101  (SoortGebruiker is never the root)
    parent.remove(element)
    body = json.loads(request.content)
    body["dataSources"][0]["content"] = base64.b64encode(
        etree.tostring(root, xml_declaration=True, encoding="utf-8")
    ).decode()
    headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "content-length"]
    return httpx.Request(
        request.method, request.url, headers=headers, json=body, extensions=request.extensions
    )


class ScriptedSimulator(Simulator):
    """The simulator plus what a case scripts around a send, and a copy of every batch sent.

    ``delivery_world``: the world from the first send on (a recipient unsubscribed between the check
    and the delivery). ``first_send``: what happens to the letters of the first batch:
    ``"technisch_probleem"`` (Logius answers TechnischProbleem), ``"already_stored"`` (they are in
    Logius' store already, as after a crash that lost the product's record: BerichtBestaatAl), or
    ``"xsd_failure"`` (Logius' XSD refuses the batch, as when its schema is stricter than the bundled
    one: XmlValidatieTegenXsdValtNegatiefUit with the nil GUID). ``payloads`` keeps what the product sent.
    """

    def __init__(
        self,
        world: World,
        *,
        clock: Clock | None = None,
        delivery_world: World | None = None,
        first_send: str | None = None,
    ) -> None:
        super().__init__(world, clock=clock, result_delay=0.0, delivery_delay=0.0)
        self._delivery_world = delivery_world
        self._first_send = first_send
        self._script_lock = threading.Lock()
        self.payloads: list[bytes] = []
        self.on_send(self._script)

    def _script(self, request: httpx.Request) -> httpx.Request:
        payload = _batch_payload(request)
        with self._script_lock:
            if payload is not None:
                self.payloads.append(payload)
            if self._delivery_world is not None:
                self.world, self._delivery_world = self._delivery_world, None
            first, self._first_send = self._first_send, None
        if first is not None and payload is not None:
            ids = [uuid.UUID(i) for i in _bericht_ids(payload) if i]
            if first == "technisch_probleem" and ids:
                self.faults.technisch_probleem(*ids)
            elif first == "already_stored":
                self.store(*ids)
            elif first == "xsd_failure":
                return _without_soort_gebruiker(request, payload)
        return request


def _bulk_world(n: int) -> World:
    world = World.default()
    persons = [
        Person(bsn, f"Bulk {i}", True, {GEMEENTE: [ALL_TYPES]}) for i, bsn in enumerate(bulk_bsns(n), 1)
    ]
    return attrs.evolve(world, persons=(*world.persons, *persons))


def _without_subscriptions(world: World, names: Sequence[str], sender: str) -> World:
    for name in names:
        person = world.person(person_bsn(name))
        if person is not None:
            subs = frozenset((o, t) for o, t in person.subscriptions if o != sender)
            world = world.with_person(attrs.evolve(person, subscriptions=subs))
    return world


def make_simulator(case: Case) -> ScriptedSimulator:
    """A fresh simulator with the case's world, clock and faults."""
    live = case.live
    kind = live.get("world", "default")
    if kind == "bulk":
        world = _bulk_world(int(live.get("repeat", 0)))
    elif kind == "bbo":
        world = attrs.evolve(World.default(), enforce_subscriptions=False)
    else:
        world = World.default()
    sender = _SENDERS[live.get("sender", "gemeente")][0]
    unsubscribe = live.get("unsubscribe_after_check", ())
    delivery_world = _without_subscriptions(world, unsubscribe, sender) if unsubscribe else None
    clock = None
    if "clock_offset_days" in live:
        offset = timedelta(days=float(live["clock_offset_days"]))
        clock = Clock(source=lambda: datetime.now(UTC) + offset)
    faults = live.get("faults", ())
    scripted = ("technisch_probleem", "already_stored", "xsd_failure")
    first_send = next((f["kind"] for f in faults if f["kind"] in scripted), None)
    sim = ScriptedSimulator(world, clock=clock, delivery_world=delivery_world, first_send=first_send)
    for fault in faults:
        _arm(sim, fault)
    return sim


def _arm(sim: Simulator, fault: Mapping[str, Any]) -> None:
    """Inject one fault of the catalogue into the simulator (the first-send ones are scripted instead)."""
    kind = fault["kind"]
    if kind == "drop":
        sim.faults.drop_next(fault.get("op", "send"), applied=bool(fault.get("applied", True)))
    elif kind == "fail":
        sim.faults.fail_next(
            fault.get("op", "send"),
            status=int(fault.get("status", 503)),
            applied=bool(fault.get("applied", False)),
        )
    elif kind == "delivery_failed":
        sim.faults.delivery_event("FAILED")
    elif kind == "withhold_result":
        sim.faults.withhold_result()
    elif kind == "duplicate_result":
        sim.faults.duplicate_result()
    elif kind == "malformed_result":
        sim.faults.malformed_result(how="truncated")
    elif kind == "wus_outage":
        sim.faults.wus_outage(1)


def live_request(
    case: Case,
    catalogue: Catalogue,
    endpoints: Mapping[str, Any],
    store: AttachmentStore,
    *,
    inline: bool = False,
) -> dict[str, Any]:
    """The request of a live case for the given endpoints."""
    live = case.live
    sender, party, _ = _SENDERS[live.get("sender", "gemeente")]
    request: dict[str, Any] = {
        "protocol": PROTOCOL,
        "case_id": case.id,
        "mode": "live",
        "title": case.title,
        "sender_oin": sender,
    }
    if party != sender:
        request["party_oin"] = party
    request["endpoints"] = dict(endpoints)
    request["deadline_seconds"] = float(live.get("deadline", DEFAULT_DEADLINE))
    request["options"] = {"poll_interval_seconds": 0.02, "retry_delay_seconds": 0.02}
    request["letters"] = make_letters(
        live["letters"],
        catalogue.defaults.get("letter", {}),
        datetime.now(UTC),
        store,
        repeat=live.get("repeat"),
        inline=inline,
    )
    return request


def _endpoints(case: Case, ebms_url: str, wus_url: str, *, in_process: bool) -> dict[str, Any]:
    _, party, cpa_id = _SENDERS[case.live.get("sender", "gemeente")]
    endpoints: dict[str, Any] = {
        "ebms_url": ebms_url,
        "cpa_id": cpa_id,
        "party_id": Oin(party).party_id,
        "logius_party_id": LOGIUS_PARTY_ID,
        "wus_url": wus_url,
    }
    if in_process:
        endpoints["in_process"] = True
    return endpoints


def run_live_case(
    case: Case, catalogue: Catalogue, adapter: AdapterRunner, workdir: Path, *, inline: bool = False
) -> list[Evidence]:
    """Run one live case against ``adapter``; the evidence decides the verdict (any ``ok=False`` fails)."""
    sim = make_simulator(case)
    store = AttachmentStore(workdir / "attachments")
    deadline = float(case.live.get("deadline", DEFAULT_DEADLINE))
    try:
        if adapter.in_process:
            endpoints = _endpoints(
                case, _IN_PROCESS_ROOT + EBMS_PREFIX, _IN_PROCESS_ROOT + WUS_PATH, in_process=True
            )
            request = live_request(case, catalogue, endpoints, store, inline=inline)
            context = AdapterContext(workdir, sim.transport())
            answer = adapter.call(request, context, deadline + ADAPTER_GRACE)
        else:
            with sim.serve() as server:
                endpoints = _endpoints(case, server.ebms_url, server.wus_url, in_process=False)
                request = live_request(case, catalogue, endpoints, store, inline=inline)
                answer = adapter.call(request, AdapterContext(workdir), deadline + ADAPTER_GRACE)
    except AdapterError as exc:
        return [Evidence("adapter", str(exc))]
    problems = validate_message(answer, "live_response")
    if problems:
        return problems
    assert isinstance(answer, Mapping)  # noqa: S101  (validated)
    return LiveCheck(case, request, answer, sim, workdir).run()


# --- the checks -------------------------------------------------------------------------------------------


@attrs.frozen
class _Sent:
    """One letter inside one batch that reached the simulator's ebms-core (POSTed)."""

    batch: int
    batch_id: str
    bericht_id: str
    bsn: str
    element: etree._Element = attrs.field(repr=False, eq=False)


def _matches(spec: str, item: Mapping[str, Any]) -> bool:
    kind, _, detail = spec.partition(":")
    if item.get("outcome") != kind:
        return False
    if not detail:
        return True
    if kind == "refused":
        return bool(item.get("rule") == detail)
    if kind == "failed":
        return bool(item.get("code") == detail)
    # delivered/paper/pending: a code, when the product reports one, must be this one.
    return item.get("code") in (None, detail)


def _describe(item: Mapping[str, Any] | None) -> str:
    if item is None:
        return "no outcome"
    detail = item.get("code") or item.get("rule")
    text = f"{item['outcome']}" + (f" ({detail})" if detail else "")
    return text + (f": {item['reason']}" if item.get("reason") else "")


class LiveCheck:
    """Compares a live case's answer and the simulator's records with the case's expectation."""

    def __init__(
        self,
        case: Case,
        request: Mapping[str, Any],
        answer: Mapping[str, Any],
        sim: ScriptedSimulator,
        workdir: Path,
    ) -> None:
        self.case = case
        self.request = request
        self.answer = answer
        self.sim = sim
        self.workdir = workdir
        self.letters: dict[str, Mapping[str, Any]] = {letter["ref"]: letter for letter in request["letters"]}
        self.sent: list[_Sent] = []
        self.headers: list[str] = []
        for b, payload in enumerate(sim.payloads):
            root, _ = parse_batch(payload, f"batch {b + 1}")
            if root is None:
                continue
            info = root.find(_q(BVS, "BatchInformatie"))
            batch_id = (info.findtext(_q(BVS, "BatchID")) or "").strip() if info is not None else ""
            self.headers.append(
                (info.findtext(_q(BVS, "BerichtLeverancierID")) or "").strip() if info is not None else ""
            )
            for el in root.iterchildren(_q(BER, "Bericht")):
                bericht_id = (
                    el.findtext(f"{_q(BER, 'BerichtInformatie')}/{_q(BER, 'BerichtID')}") or ""
                ).strip()
                bsn = (el.findtext(f"{_q(BER, 'BerichtInformatie')}/{_q(BER, 'GebruikerID')}") or "").strip()
                self.sent.append(_Sent(b + 1, batch_id, bericht_id.lower(), bsn, el))
        self.by_bsn: dict[str, list[_Sent]] = defaultdict(list)
        for s in self.sent:
            self.by_bsn[s.bsn].append(s)

    def run(self) -> list[Evidence]:
        found = self.outcomes()
        for check in self.case.live.get("checks", ()):
            name, _, arg = check.partition(":")
            found.extend(getattr(self, f"check_{name}")(arg))
        return found

    def _ref_of(self, bsn: str) -> str:
        return next((ref for ref, letter in self.letters.items() if letter["bsn"] == bsn), "?")

    # -- what the product reported ----------------------------------------------------------------------

    def outcomes(self) -> list[Evidence]:
        found: list[Evidence] = []
        reported: dict[str, Mapping[str, Any]] = {}
        for i, item in enumerate(self.answer["letters"]):
            ref = item["ref"]
            if ref not in self.letters:
                found.append(Evidence("outcome", f"an outcome for unknown ref {ref!r}", path=f"letters[{i}]"))
            elif ref in reported:
                found.append(Evidence("outcome", f"two outcomes for {ref}", path=f"letters[{i}]"))
            reported[ref] = item
        expect = self.case.live["expect"]
        wrong = 0
        for ref in self.letters:
            wanted = expect.get(ref, expect.get("all"))
            item = reported.get(ref)
            if wanted is None:
                continue
            specs = [wanted] if isinstance(wanted, str) else list(wanted)
            if item is None or not any(_matches(s, item) for s in specs):
                wrong += 1
                if wrong <= 10:
                    found.append(
                        Evidence(
                            "outcome",
                            f"{ref}: reported {_describe(item)}; expected {' or '.join(specs)}",
                            path=f"letters[{ref}]",
                            seen=self._seen(ref),
                        )
                    )
            elif item is not None:
                found.extend(self._backed(ref, item))
        if wrong > 10:
            found.append(Evidence("outcome", f"{wrong - 10} more letters with an unexpected outcome"))
        if wrong == 0 and not found:
            found.append(Evidence("outcome", f"{len(self.letters)} letter(s) reported as expected", ok=True))
        return found

    def _seen(self, ref: str) -> str:
        bsn = self.letters[ref]["bsn"]
        sent = self.by_bsn.get(bsn, [])
        if not sent:
            return "the letter never reached Logius"
        codes = []
        for result in self.sim.inspect.results():
            for line in result.berichten:
                if str(line.bericht_id) in {s.bericht_id for s in sent} or (
                    line.is_nil and str(result.batch_id) in {s.batch_id for s in sent}
                ):
                    codes.append(line.verwerkings_code.value)
        return f"sent {len(sent)} time(s); Logius answered {', '.join(codes) or 'nothing yet'}"

    def _backed(self, ref: str, item: Mapping[str, Any]) -> list[Evidence]:
        """A reported outcome must agree with what Logius did (no delivered letter reported for paper)."""
        bsn = self.letters[ref]["bsn"]
        stored = self.sim.inspect.letters(bsn)
        if item["outcome"] == "delivered" and item.get("code") != "BerichtBestaatAl" and not stored:
            return [
                Evidence(
                    "outcome",
                    f"{ref}: reported delivered, but no letter reached the box",
                    seen=self._seen(ref),
                )
            ]
        if item["outcome"] in ("paper", "failed", "refused") and stored:
            return [
                Evidence(
                    "outcome",
                    f"{ref}: reported {item['outcome']}, but Logius placed the letter in the box: the citizen "
                    "would get it twice",
                    seen=self._seen(ref),
                )
            ]
        reported_id = item.get("bericht_id")
        if (
            reported_id
            and self.by_bsn.get(bsn)
            and reported_id.lower() not in {s.bericht_id for s in self.by_bsn[bsn]}
        ):
            return [
                Evidence("outcome", f"{ref}: reported BerichtID {reported_id} was never sent", rule="BER-01")
            ]
        return []

    # -- named checks ---------------------------------------------------------------------------------------

    def check_received_once(self, _: str) -> list[Evidence]:
        found = []
        for ref, letter in self.letters.items():
            stored = self.sim.inspect.letters(letter["bsn"])
            if len(stored) > 1:
                ids = ", ".join(str(s.bericht_id) for s in stored)
                found.append(
                    Evidence(
                        "delivered once",
                        f"{ref} was placed in the box {len(stored)} times (BerichtIDs {ids})",
                        rule="RES-04",
                    )
                )
        return found or [Evidence("delivered once", "no letter reached a box twice", ok=True)]

    def _deliveries(self, bsn: str) -> int:
        received = self.sim.inspect.bericht_ids_received()
        return sum(received[uuid.UUID(i)] for i in {s.bericht_id for s in self.by_bsn.get(bsn, [])} if i)

    def check_not_resent(self, _: str) -> list[Evidence]:
        found = []
        for ref, letter in self.letters.items():
            n = self._deliveries(letter["bsn"])
            if n > 1:
                found.append(
                    Evidence(
                        "not resent",
                        f"{ref} reached Logius {n} times; after a business answer (a VerwerkingsCode) or "
                        "without a result a letter must not be resent",
                        rule="RES-04" if "RES-04" in self.case.rules else self.case.rules[0],
                        seen=self._seen(ref),
                    )
                )
        return found or [Evidence("not resent", "every letter reached Logius at most once", ok=True)]

    def check_same_ids_on_resend(self, _: str) -> list[Evidence]:
        found = []
        batches_of: dict[str, set[str]] = defaultdict(set)
        for ref, letter in self.letters.items():
            sent = self.by_bsn.get(letter["bsn"], [])
            ids = {s.bericht_id for s in sent}
            for s in sent:
                batches_of[s.bericht_id].add(s.batch_id)
            if len(ids) > 1:
                found.append(
                    Evidence(
                        "same ids on resend",
                        f"{ref} was sent with {len(ids)} different BerichtIDs ({', '.join(sorted(ids))}); a "
                        "resend after a transport failure reuses the BerichtID",
                        rule="RES-04",
                    )
                )
        for bericht_id, batch_ids in batches_of.items():
            if len(batch_ids) > 1:
                found.append(
                    Evidence(
                        "same ids on resend",
                        f"BerichtID {bericht_id} travelled in batches {', '.join(sorted(batch_ids))}; a resend "
                        "reuses the BatchID",
                        rule="RES-04",
                    )
                )
        messages = self.sim.inspect.sent_messages()
        if not found:
            resends = sum(1 for m in messages if m.resend_of) + max(
                0, len(self.sim.payloads) - len({s.batch_id for s in self.sent})
            )
            found.append(
                Evidence(
                    "same ids on resend",
                    f"{len(messages)} ebMS message(s), {resends} of them resends, all with the same BatchID and BerichtIDs",
                    ok=True,
                )
            )
        return found

    def check_subscriptions_checked_first(self, _: str) -> list[Evidence]:
        asked: dict[tuple[str, str], datetime] = {}
        for call in self.sim.inspect.wus_calls():
            if call.fault is not None or call.bericht_type is None:
                continue
            for bsn in call.bsns:
                asked.setdefault((bsn.value, call.bericht_type), call.at)
        first_sent: dict[str, datetime] = {}
        sent_ids = {s.bericht_id: s.bsn for s in self.sent}
        for message in self.sim.inspect.sent_messages():
            for bericht_id in message.bericht_ids:
                recipient = sent_ids.get(str(bericht_id))
                if recipient is not None and recipient not in first_sent:
                    first_sent[recipient] = message.received_at
        found = []
        reported = {item["ref"]: item for item in self.answer["letters"]}
        for ref, letter in self.letters.items():
            key = (letter["bsn"], letter["bericht_type"])
            when = asked.get(key)
            if letter["bsn"] in first_sent and (when is None or when > first_sent[letter["bsn"]]):
                found.append(
                    Evidence(
                        "subscription checked",
                        f"{ref} was sent without a ValidateAbonnementen check for BerichtType "
                        f"{letter['bericht_type']} before it",
                        rule="ABO-01",
                        seen=f"{len(self.sim.inspect.wus_calls())} ValidateAbonnementen call(s)",
                    )
                )
            item = reported.get(ref)
            if item is not None and item["outcome"] == "paper" and not item.get("code") and when is None:
                found.append(
                    Evidence(
                        "subscription checked",
                        f"{ref} reported for paper without a subscription check",
                        rule="ABO-01",
                    )
                )
        if len(found) > 10:
            found = [
                *found[:10],
                Evidence("subscription checked", f"{len(found) - 10} more letters", rule="ABO-01"),
            ]
        return found or [
            Evidence(
                "subscription checked",
                f"{len(asked)} recipient(s) checked before the first delivery",
                ok=True,
            )
        ]

    def check_not_sent(self, refs: str) -> list[Evidence]:
        found = []
        for ref in refs.split(","):
            letter = self.letters[ref.strip()]
            if self.by_bsn.get(letter["bsn"]):
                found.append(
                    Evidence(
                        "not sent",
                        f"{ref} reached Logius although it must not be sent",
                        rule=self.case.rules[0],
                        seen=self._seen(ref.strip()),
                    )
                )
        return found or [Evidence("not sent", f"{refs} never reached Logius", ok=True)]

    def check_results_processed(self, _: str) -> list[Evidence]:
        results = [m for m in self.sim.inspect.incoming_messages() if m.action == RESULT_ACTION]
        left = [m for m in results if m.processed_at is None]
        if left:
            return [
                Evidence(
                    "results processed",
                    f"{len(left)} of {len(results)} result message(s) were never marked processed (PATCH "
                    "/ebms/messages/{id}); ebms-core keeps offering them",
                    rule="RES-01",
                    seen=", ".join(m.message_id for m in left[:3]),
                )
            ]
        return [
            Evidence("results processed", f"all {len(results)} result message(s) marked processed", ok=True)
        ]

    def check_wus_chunks(self, _: str) -> list[Evidence]:
        calls = self.sim.inspect.wus_calls()
        big = [len(c.bsns) for c in calls if len(c.bsns) > 250]
        if big:
            return [
                Evidence(
                    "wus chunks",
                    f"ValidateAbonnementen asked with {max(big)} BSNs; at most 250 per call",
                    rule="ABO-02",
                )
            ]
        return [
            Evidence(
                "wus chunks", f"{len(calls)} ValidateAbonnementen call(s), each of at most 250 BSNs", ok=True
            )
        ]

    def check_batches_within_limit(self, _: str) -> list[Evidence]:
        found = []
        counts: dict[int, int] = defaultdict(int)
        for s in self.sent:
            counts[s.batch] += 1
        for b, payload in enumerate(self.sim.payloads, start=1):
            if counts.get(b, 0) > 1000:
                found.append(
                    Evidence(
                        "batch size", f"batch {b} holds {counts[b]} letters; at most 1000", rule="BATCH-01"
                    )
                )
            if len(payload) > MAX_BATCH_BYTES:
                found.append(Evidence("batch size", f"batch {b} is {len(payload):,} bytes", rule="BATCH-02"))
        needed = math.ceil(len(self.letters) / 1000)
        if len({s.batch_id for s in self.sent}) < needed:
            found.append(
                Evidence(
                    "batch size",
                    f"{len(self.letters)} letters need at least {needed} batches",
                    rule="BATCH-01",
                )
            )
        return found or [
            Evidence(
                "batch size",
                f"{len(self.sim.payloads)} batch(es) of {', '.join(str(counts[b]) for b in sorted(counts))} letters",
                ok=True,
            )
        ]

    def check_content_unchanged(self, _: str) -> list[Evidence]:
        found = []
        for header in self.headers:
            if header != self.request["sender_oin"]:
                found.append(
                    Evidence(
                        "field unchanged",
                        f"BerichtLeverancierID is {header}, expected {self.request['sender_oin']}",
                        rule="BATCH-05",
                    )
                )
        party = self.request["endpoints"]["party_id"]
        for message in self.sim.inspect.sent_messages():
            if message.from_party_id != party:
                found.append(
                    Evidence(
                        "ebMS party",
                        f"fromPartyId is {message.from_party_id}, expected {party}",
                        rule="BATCH-05",
                    )
                )
        for ref, letter in self.letters.items():
            sent = self.by_bsn.get(letter["bsn"])
            if not sent:
                continue
            path = f"batch {sent[0].batch}: Bericht of {ref}"
            found.extend(compare_letter(letter, sent[0].element, path, self.workdir))
        return found or [Evidence("field unchanged", "what reached Logius is what was asked", ok=True)]
