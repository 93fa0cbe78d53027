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
import contextlib
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
    StoredLetter,
    World,
)

__all__ = [
    "CaseClock",
    "ScriptedSimulator",
    "SubscriptionLedger",
    "live_request",
    "make_simulator",
    "run_live_case",
]

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
    ``"xsd_failure"`` (Logius' XSD refuses every batch, as when its schema is stricter than the bundled
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
        #: The simulator's moment of each payload (same index as ``payloads``).
        self.payload_times: list[datetime] = []
        self.on_send(self._script)

    def _script(self, request: httpx.Request) -> httpx.Request:
        payload = _batch_payload(request)
        with self._script_lock:
            if payload is not None:
                self.payloads.append(payload)
                self.payload_times.append(self.now())
            if self._delivery_world is not None:
                self.world, self._delivery_world = self._delivery_world, None
            first = self._first_send
            if first != "xsd_failure":  # a stricter schema at Logius refuses every batch
                self._first_send = None
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
    world = World.conformance()
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


class CaseClock:
    """The moments of a live case: the product's clock (``now`` in a request) and Logius' clock.

    ``days`` moves both (an earlier round of a case runs days before the main one); ``skew_days`` is how
    far Logius' clock runs ahead of the product's (``clock_offset_days`` of the catalogue).
    """

    def __init__(self, skew_days: float = 0.0) -> None:
        self.skew = timedelta(days=skew_days)
        self.shift = timedelta()

    def product_now(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def now(self) -> datetime:
        """Logius' clock (the simulator's)."""
        return self.product_now() + self.skew


def make_simulator(case: Case, shift: CaseClock | None = None) -> ScriptedSimulator:
    """A fresh simulator with the case's world, clock and faults."""
    live = case.live
    shift = shift if shift is not None else CaseClock(float(live.get("clock_offset_days", 0)))
    kind = live.get("world", "default")
    if kind == "bulk":
        world = _bulk_world(int(live.get("repeat", 0)))
    elif kind == "bbo":
        world = attrs.evolve(World.conformance(), enforce_subscriptions=False)
    else:
        world = World.conformance()
    sender = _SENDERS[live.get("sender", "gemeente")][0]
    unsubscribe = live.get("unsubscribe_after_check", ())
    delivery_world = _without_subscriptions(world, unsubscribe, sender) if unsubscribe else None
    faults = live.get("faults", ())
    scripted = ("technisch_probleem", "already_stored", "xsd_failure")
    first_send = next((f["kind"] for f in faults if f["kind"] in scripted), None)
    sim = ScriptedSimulator(
        world, clock=Clock(source=shift.now), delivery_world=delivery_world, first_send=first_send
    )
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
        sim.faults.withhold_result(times=int(fault.get("times", 1)))
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
    now: datetime | None = None,
    letters: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The request of a live case for the given endpoints.

    ``now`` is the moment the product takes as its current time (default: the real time); ``letters``
    the letter specs of the round (default: the case's own).
    """
    live = case.live
    sender, party, _ = _SENDERS[live.get("sender", "gemeente")]
    moment = now if now is not None else datetime.now(UTC)
    request: dict[str, Any] = {
        "protocol": PROTOCOL,
        "catalogue_version": catalogue.version,
        "case_id": case.id,
        "mode": "live",
        "title": case.title,
        "now": moment.isoformat(),
        "sender_oin": sender,
    }
    if party != sender:
        request["party_oin"] = party
    request["endpoints"] = dict(endpoints)
    request["deadline_seconds"] = float(live.get("deadline", DEFAULT_DEADLINE))
    request["options"] = {"poll_interval_seconds": 0.02, "retry_delay_seconds": 0.02}
    request["letters"] = make_letters(
        live["letters"] if letters is None else letters,
        catalogue.defaults.get("letter", {}),
        moment,
        store,
        repeat=live.get("repeat") if letters is None else None,
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


#: ABO-01: a subscription check may be at most this old when the batch is made.
CHECK_VALID_FOR: Final = timedelta(days=7)


class SubscriptionLedger:
    """Every ValidateAbonnementen answer of a run, on the product's clock.

    The world's facts do not change from case to case (a scenario that needs another subscription uses
    another person), so a product may reuse a check from an earlier case for up to 7 days (ABO-01):
    the live checks look here as well as at the case's own simulator.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checks: dict[tuple[str, str, str], list[datetime]] = defaultdict(list)

    def record(self, sim: Simulator, skew: timedelta = timedelta()) -> None:
        """Add the successful checks ``sim`` answered; ``skew``: how far its clock ran ahead of the product's."""
        with self._lock:
            for call in sim.inspect.wus_calls():
                if call.fault is not None or call.bericht_type is None:
                    continue
                for bsn in call.bsns:
                    key = (call.berichtleverancier or "", bsn.value, call.bericht_type)
                    self._checks[key].append(call.at - skew)

    def latest(self, sender: str, bsn: str, bericht_type: str, before: datetime) -> datetime | None:
        """The latest check of (sender, bsn, type) made at or before ``before``."""
        with self._lock:
            moments = [m for m in self._checks.get((sender, bsn, bericht_type), ()) if m <= before]
        return max(moments, default=None)


@attrs.frozen
class _Round:
    """One request of a case: its letters' refs and the payloads (by index) that arrived during it."""

    refs: frozenset[str]
    first_payload: int
    end_payload: int


def run_live_case(
    case: Case,
    catalogue: Catalogue,
    adapter: AdapterRunner,
    workdir: Path,
    *,
    inline: bool = False,
    ledger: SubscriptionLedger | None = None,
) -> list[Evidence]:
    """Run one live case against ``adapter``; the evidence decides the verdict (any ``ok=False`` fails).

    A case with ``earlier`` first runs a round ``earlier.days`` before the main one on the same
    simulator (the request's ``now`` and the simulator's clock both moved back), then the main round.
    With ``earlier.hold`` the first request asks the product to accept its letters and hold them
    (``hold``); the main request names them (``held``) and the product hands them over then.
    ``ledger`` holds the subscription checks of the cases run before in this run, and gets this case's.
    """
    ledger = ledger if ledger is not None else SubscriptionLedger()
    clock = CaseClock(float(case.live.get("clock_offset_days", 0)))
    sim = make_simulator(case, clock)
    store = AttachmentStore(workdir / "attachments")
    deadline = float(case.live.get("deadline", DEFAULT_DEADLINE))
    earlier = case.live.get("earlier")
    plan: list[tuple[float, Sequence[Mapping[str, Any]] | None, bool]] = []
    if earlier is not None:
        plan.append((float(earlier["days"]), earlier["letters"], bool(earlier.get("hold", False))))
    plan.append((0.0, None, False))
    held: list[str] = []
    requests: list[dict[str, Any]] = []
    answers: list[Mapping[str, Any]] = []
    rounds: list[_Round] = []
    try:
        with contextlib.ExitStack() as stack:
            if adapter.in_process:
                endpoints = _endpoints(
                    case, _IN_PROCESS_ROOT + EBMS_PREFIX, _IN_PROCESS_ROOT + WUS_PATH, in_process=True
                )
                context = AdapterContext(workdir, sim.transport())
            else:
                server = stack.enter_context(sim.serve())
                endpoints = _endpoints(case, server.ebms_url, server.wus_url, in_process=False)
                context = AdapterContext(workdir)
            for days, letters, hold in plan:
                clock.shift = -timedelta(days=days)
                request = live_request(
                    case,
                    catalogue,
                    endpoints,
                    store,
                    inline=inline,
                    now=clock.product_now(),
                    letters=letters,
                )
                if hold:
                    request["hold"] = True
                elif held:
                    request["held"] = held
                refs = frozenset([*held, *(x["ref"] for x in request["letters"])])
                held = [x["ref"] for x in request["letters"]] if hold else []
                first = len(sim.payloads)
                answer = adapter.call(request, context, deadline + ADAPTER_GRACE)
                problems = validate_message(answer, "live_response")
                if problems:
                    return problems
                assert isinstance(answer, Mapping)  # noqa: S101  (validated)
                requests.append(request)
                answers.append(answer)
                rounds.append(_Round(refs, first, len(sim.payloads)))
    except AdapterError as exc:
        return [Evidence("adapter", str(exc))]
    finally:
        clock.shift = timedelta()
    request = {**requests[-1], "letters": [x for r in requests for x in r["letters"]]}
    # A letter held in one request is answered again by the next: its last answer counts.
    final: dict[str, Mapping[str, Any]] = {}
    for a in answers:
        for item in a["letters"]:
            final.pop(item["ref"], None)
            final[item["ref"]] = item
    answer = {**answers[-1], "letters": list(final.values())}
    found = LiveCheck(
        case, request, answer, sim, workdir, ledger=ledger, rounds=rounds, skew=clock.skew
    ).run()
    ledger.record(sim, clock.skew)
    return found


# --- the checks -------------------------------------------------------------------------------------------


@attrs.frozen
class _Sent:
    """One letter inside one batch that reached the simulator's ebms-core (POSTed)."""

    batch: int
    batch_id: str
    bericht_id: str
    bsn: str
    element: etree._Element = attrs.field(repr=False, eq=False)
    #: When the batch arrived, on the product's clock.
    at: datetime | None = None


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
        *,
        ledger: SubscriptionLedger | None = None,
        rounds: Sequence[_Round] = (),
        skew: timedelta = timedelta(),
    ) -> None:
        self.case = case
        self.request = request
        self.answer = answer
        self.sim = sim
        self.workdir = workdir
        self.ledger = ledger if ledger is not None else SubscriptionLedger()
        self.rounds = tuple(rounds)
        self.skew = skew
        #: This case's own checks (the run's earlier ones are in ``ledger``).
        self._local_checks = SubscriptionLedger()
        self._local_checks.record(sim, skew)
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
                at = sim.payload_times[b] - skew if b < len(sim.payload_times) else None
                self.sent.append(_Sent(b + 1, batch_id, bericht_id.lower(), bsn, el, at))
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

    def sends_of(self, ref: str) -> list[_Sent]:
        """The letter ``ref`` in every batch that arrived during its round (all batches without rounds).

        Letters are told apart by BSN; two letters of one round to the same person by BerichtType.
        """
        letter = self.letters[ref]
        sent = self.by_bsn.get(letter["bsn"], [])
        for r in reversed(self.rounds):  # a held letter goes out in the last round that names it
            if ref in r.refs:
                sent = [s for s in sent if r.first_payload < s.batch <= r.end_payload]
                break
        same_person = [
            other
            for key, other in self.letters.items()
            if key != ref and other["bsn"] == letter["bsn"] and self._round_of(key) == self._round_of(ref)
        ]
        if same_person:
            path = f"{_q(BER, 'BerichtInformatie')}/{_q(BER, 'BerichtType')}"
            sent = [s for s in sent if (s.element.findtext(path) or "").strip() == letter["bericht_type"]]
        return list(sent)

    def _round_of(self, ref: str) -> int:
        return next((i for i in reversed(range(len(self.rounds))) if ref in self.rounds[i].refs), 0)

    def _stored(self, ref: str) -> list[StoredLetter]:
        """The letters Logius placed in the box for ``ref`` (by the BerichtIDs it was sent with)."""
        ids = {s.bericht_id for s in self.sends_of(ref)}
        return [x for x in self.sim.inspect.letters(self.letters[ref]["bsn"]) if str(x.bericht_id) in ids]

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
        sent = self.sends_of(ref)
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
        stored = self._stored(ref)
        sent = self.sends_of(ref)
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
        if reported_id and sent and reported_id.lower() not in {s.bericht_id for s in sent}:
            return [
                Evidence("outcome", f"{ref}: reported BerichtID {reported_id} was never sent", rule="BER-01")
            ]
        return []

    # -- named checks ---------------------------------------------------------------------------------------

    def check_received_once(self, _: str) -> list[Evidence]:
        found = []
        for ref in self.letters:
            stored = self._stored(ref)
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

    def _deliveries(self, ref: str) -> int:
        received = self.sim.inspect.bericht_ids_received()
        return sum(received[uuid.UUID(i)] for i in {s.bericht_id for s in self.sends_of(ref)} if i)

    def check_not_resent(self, _: str) -> list[Evidence]:
        found = []
        for ref in self.letters:
            n = self._deliveries(ref)
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
        for ref in self.letters:
            sent = self.sends_of(ref)
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

    def _checked(self, bsn: str, bericht_type: str, before: datetime) -> datetime | None:
        """The latest successful check of (sender, bsn, type) at or before ``before``: in this case or earlier."""
        sender = self.request["sender_oin"]
        local = self._local_checks
        found = [
            m
            for m in (
                local.latest(sender, bsn, bericht_type, before),
                self.ledger.latest(sender, bsn, bericht_type, before),
            )
            if m is not None
        ]
        return max(found, default=None)

    def check_subscriptions_checked_first(self, _: str) -> list[Evidence]:
        found = []
        checked = 0
        reported = {item["ref"]: item for item in self.answer["letters"]}
        calls = f"{len(self.sim.inspect.wus_calls())} ValidateAbonnementen call(s) in this case"
        for ref, letter in self.letters.items():
            sends = [s for s in self.sends_of(ref) if s.at is not None]
            bericht_type = letter["bericht_type"]
            if sends:
                first = min(s.at for s in sends if s.at is not None)
                when = self._checked(letter["bsn"], bericht_type, first)
                if when is None:
                    found.append(
                        Evidence(
                            "subscription checked",
                            f"{ref} was sent without a ValidateAbonnementen check for BerichtType "
                            f"{bericht_type} before it",
                            rule="ABO-01",
                            seen=calls,
                        )
                    )
                elif first - when > CHECK_VALID_FOR:
                    age = (first - when).total_seconds() / 86400
                    found.append(
                        Evidence(
                            "subscription checked",
                            f"{ref} was sent on a check for BerichtType {bericht_type} made {age:.1f} days "
                            "before; a check may be at most 7 days old when the batch is made",
                            rule="ABO-01",
                            seen=calls,
                        )
                    )
                else:
                    checked += 1
            item = reported.get(ref)
            if item is not None and item["outcome"] == "paper" and not item.get("code"):
                moment = self.sim.now() - self.skew
                if self._checked(letter["bsn"], bericht_type, moment) is None:
                    found.append(
                        Evidence(
                            "subscription checked",
                            f"{ref} reported for paper without a subscription check for BerichtType "
                            f"{bericht_type}",
                            rule="ABO-01",
                            seen=calls,
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
                f"{checked} letter(s) sent on a check of at most 7 days for their BerichtType",
                ok=True,
            )
        ]

    def check_results_left_for_operator(self, _: str) -> list[Evidence]:
        """An unreadable result must stay unprocessed in ebms-core, where an operator finds it."""
        results = [m for m in self.sim.inspect.incoming_messages() if m.action == RESULT_ACTION]
        unreadable = [m for m in results if m.malformed]
        gone = [m for m in unreadable if m.processed_at is not None]
        if not unreadable:
            return [Evidence("result left for an operator", "no unreadable result reached the product")]
        if gone:
            return [
                Evidence(
                    "result left for an operator",
                    f"{len(gone)} unreadable result message(s) were marked processed (PATCH, or GET with "
                    "process=true): ebms-core no longer offers them and nobody sees the letters' outcome",
                    rule="RES-01",
                    seen=", ".join(m.message_id for m in gone[:3]),
                )
            ]
        return [
            Evidence(
                "result left for an operator",
                f"{len(unreadable)} unreadable result message(s) left unprocessed for an operator",
                ok=True,
            )
        ]

    def check_not_sent(self, refs: str) -> list[Evidence]:
        found = []
        for ref in refs.split(","):
            if self.sends_of(ref.strip()):
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
            sent = self.sends_of(ref)
            if not sent:
                continue
            path = f"batch {sent[0].batch}: Bericht of {ref}"
            found.extend(compare_letter(letter, sent[0].element, path, self.workdir))
        return found or [Evidence("field unchanged", "what reached Logius is what was asked", ok=True)]
