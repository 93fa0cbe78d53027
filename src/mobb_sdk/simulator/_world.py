"""The simulator's world: who may send (senders, their CPAs and BerichtTypes) and who may receive.

A :class:`World` is immutable; the simulator swaps in a new one when a test adds a person or a
subscription, so a request always sees one consistent world. Load one from TOML or JSON with
:meth:`World.load`, or start from :meth:`World.default` (documented as a table in ``docs/simulator.md``).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

import attrs

from mobb_sdk._errors import ConfigurationError, InvalidValueError
from mobb_sdk._ids import LOGIUS_OIN, Bsn, Oin

__all__ = [
    "ALL_TYPES",
    "DEFAULT_CPA_ID",
    "DEFAULT_SENDER_OIN",
    "Cpa",
    "Person",
    "Sender",
    "World",
]

#: In a subscription: every BerichtType of that sender.
ALL_TYPES: Final = "*"

DEFAULT_SENDER_OIN: Final = Oin("00000099000000001000")
DEFAULT_CPA_ID: Final = "cpa-mobb-demo"
INTERMEDIAIR_OIN: Final = Oin("00000099000000002000")
WATERSCHAP_OIN: Final = Oin("00000099000000003000")


def _oin(value: Oin | str) -> Oin:
    return value if isinstance(value, Oin) else Oin(value)


def _oins(value: Iterable[Oin | str]) -> tuple[Oin, ...]:
    return tuple(_oin(o) for o in value)


def _senders(value: Iterable[Sender]) -> tuple[Sender, ...]:
    return tuple(value)


def _persons(value: Iterable[Person]) -> tuple[Person, ...]:
    return tuple(value)


def _bsn(value: Bsn | str | int) -> Bsn:
    return value if isinstance(value, Bsn) else Bsn(value)


def _types(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset((value,))
    types = frozenset(value)
    for t in types:
        if not isinstance(t, str) or not 1 <= len(t) <= 8:
            raise InvalidValueError("BER-02", "bericht_types", f"a BerichtType is 1..8 characters, got {t!r}")
    return types


#: Subscriptions as a mapping of sender OIN to BerichtTypes, or as (OIN, BerichtType) pairs.
SubscriptionsLike: TypeAlias = "Mapping[Any, Iterable[str]] | Iterable[tuple[Any, str]]"


def _subscriptions(value: SubscriptionsLike) -> frozenset[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    if isinstance(value, Mapping):
        for oin, types in value.items():
            for t in _types(types) if not isinstance(types, str) else (types,):
                pairs.add((_oin(oin).value, t))
    else:
        for oin, t in value:
            pairs.add((_oin(oin).value, t))
    return frozenset(pairs)


@attrs.frozen
class Sender:
    """A berichtleverancier: its OIN, the BerichtTypes active for it in the Leveranciersportaal (BER-02).

    ``cpa_id`` names the CPA of its own ebMS connection (``None`` for an organisation that only delivers
    through an intermediary). ``clients`` lists the OINs an intermediary may put in BerichtLeverancierID
    on its CPA (the link registered at Logius, BATCH-05); each must be a sender of the world too.
    """

    oin: Oin = attrs.field(converter=_oin)
    bericht_types: frozenset[str] = attrs.field(factory=frozenset, converter=_types)
    name: str = ""
    cpa_id: str | None = None
    clients: tuple[Oin, ...] = attrs.field(default=(), converter=_oins)


@attrs.frozen
class Person:
    """A test citizen: a BSN, whether the Berichtenbox is active, and the subscriptions per sender.

    ``subscriptions`` maps a sender OIN to the BerichtTypes this person accepts from it (``"*"``: all of
    them), or is given as (OIN, type) pairs. ``repr`` shows the BSN masked.
    """

    bsn: Bsn = attrs.field(converter=_bsn)
    name: str = ""
    active_box: bool = True
    subscriptions: frozenset[tuple[str, str]] = attrs.field(factory=frozenset, converter=_subscriptions)

    def accepts(self, sender: Oin | str, bericht_type: str) -> bool:
        """Subscribed to ``bericht_type`` letters from ``sender`` (the box being active is not checked)."""
        oin = sender.value if isinstance(sender, Oin) else sender
        return (oin, bericht_type) in self.subscriptions or (oin, ALL_TYPES) in self.subscriptions

    def may_receive(self, sender: Oin | str, bericht_type: str) -> bool:
        """An active box and a subscription: what GLOBE and ValidateAbonnementen ask."""
        return self.active_box and self.accepts(sender, bericht_type)


@attrs.frozen
class Cpa:
    """An ebMS connection: its id, the party OIN in the certificate and PartyId, the OINs it may deliver for."""

    cpa_id: str
    party: Oin
    afzenders: frozenset[str]
    #: The sender's own MSH endpoint in the CPA: ebms-core names its messages after its host.
    endpoint: str = "http://127.0.0.1:8888/ebms"

    @property
    def party_id(self) -> str:
        return self.party.party_id

    @property
    def host(self) -> str:
        """The host of :attr:`endpoint` (empty when it has none), as ebms-core's ``CPAUtils.getHostname``."""
        return urlsplit(self.endpoint).hostname or ""

    def to_xml(self, *, name: str = "", start: datetime | None = None) -> str:
        """This connection as a full CPP/CPA 2.0 CPA (:func:`mobb_sdk.cpa.generate_cpa`), with the
        sender's :attr:`endpoint` (by default its MSH on loopback port 8888) and Logius' on 8889, plain http."""
        from mobb_sdk.cpa import CpaParty, generate_cpa

        sender = CpaParty(self.party, name or "sender", self.endpoint)
        logius = CpaParty(LOGIUS_OIN, "Logius", "http://127.0.0.1:8889/ebms")
        return generate_cpa(self.cpa_id, sender, logius, start=start).decode("utf-8")


@attrs.frozen
class World:
    """Senders with their CPAs and BerichtTypes, and test persons with their subscriptions.

    ``enforce_subscriptions`` (default True) is GLOBE: a letter to a person without a subscription for
    (sender, BerichtType) is answered ``NietActiefOfGeabonneerd``. Set it False for BBO after the
    migration (ABO-01): only an active box counts, the subscription check is the sender's duty.
    """

    senders: tuple[Sender, ...] = attrs.field(converter=_senders)
    persons: tuple[Person, ...] = attrs.field(default=(), converter=_persons)
    enforce_subscriptions: bool = True
    _senders_by_oin: dict[str, Sender] = attrs.field(init=False, repr=False, eq=False)
    _persons_by_bsn: dict[str, Person] = attrs.field(init=False, repr=False, eq=False)
    _cpas: dict[str, Cpa] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        senders: dict[str, Sender] = {}
        for i, s in enumerate(self.senders):
            if not isinstance(s, Sender):
                raise ConfigurationError(f"senders[{i}]: expected a Sender, got {type(s).__name__}")
            if s.oin.value in senders:
                raise ConfigurationError(f"senders[{i}].oin: sender {s.oin} is listed twice")
            senders[s.oin.value] = s
        cpas: dict[str, Cpa] = {}
        for i, s in enumerate(self.senders):
            for client in s.clients:
                if client.value not in senders:
                    raise ConfigurationError(f"senders[{i}].clients: {client} is not a sender of the world")
            if s.cpa_id is None:
                continue
            if s.cpa_id in cpas:
                raise ConfigurationError(f"senders[{i}].cpa_id: CPA {s.cpa_id!r} belongs to two senders")
            afzenders = frozenset((s.oin.value, *(c.value for c in s.clients)))
            cpas[s.cpa_id] = Cpa(s.cpa_id, s.oin, afzenders)
        persons: dict[str, Person] = {}
        for i, p in enumerate(self.persons):
            if not isinstance(p, Person):
                raise ConfigurationError(f"persons[{i}]: expected a Person, got {type(p).__name__}")
            if p.bsn.value in persons:
                raise ConfigurationError(f"persons[{i}].bsn: BSN {p.bsn} is listed twice")
            for oin, _ in p.subscriptions:
                if oin not in senders:
                    raise ConfigurationError(
                        f"persons[{i}].subscriptions: {oin} is not a sender of the world"
                    )
            persons[p.bsn.value] = p
        object.__setattr__(self, "_senders_by_oin", senders)
        object.__setattr__(self, "_persons_by_bsn", persons)
        object.__setattr__(self, "_cpas", cpas)

    # --- lookups -----------------------------------------------------------------------------------------

    @property
    def cpas(self) -> Mapping[str, Cpa]:
        return dict(self._cpas)

    def cpa(self, cpa_id: str) -> Cpa | None:
        return self._cpas.get(cpa_id)

    def sender(self, oin: Oin | str) -> Sender | None:
        return self._senders_by_oin.get(oin.value if isinstance(oin, Oin) else oin)

    def person(self, bsn: Bsn | str) -> Person | None:
        return self._persons_by_bsn.get(bsn.value if isinstance(bsn, Bsn) else bsn)

    def may_receive(self, bsn: Bsn | str, sender: Oin | str, bericht_type: str) -> bool:
        """Whether GLOBE places the letter: an active box and (under GLOBE) a subscription (ABO-01)."""
        person = self.person(bsn)
        if person is None or not person.active_box:
            return False
        return person.accepts(sender, bericht_type) if self.enforce_subscriptions else True

    def subscribed(self, bsn: Bsn | str, sender: Oin | str, bericht_type: str) -> bool:
        """What ValidateAbonnementen answers: known, active box, subscribed; unknown BSN: False."""
        person = self.person(bsn)
        return person is not None and person.may_receive(sender, bericht_type)

    # --- changes (each returns a new world) ---------------------------------------------------------------

    def with_person(self, person: Person) -> World:
        """This world with ``person`` added, or replacing the person with the same BSN."""
        others = tuple(p for p in self.persons if p.bsn != person.bsn)
        return attrs.evolve(self, persons=(*others, person))

    def with_sender(self, sender: Sender) -> World:
        """This world with ``sender`` added, or replacing the sender with the same OIN."""
        others = tuple(s for s in self.senders if s.oin != sender.oin)
        return attrs.evolve(self, senders=(*others, sender))

    # --- defaults and files -------------------------------------------------------------------------------

    @classmethod
    def default(cls) -> World:
        """Three senders (a municipality, an intermediary and the water board it delivers for), ten persons."""
        gemeente, waterschap = DEFAULT_SENDER_OIN.value, WATERSCHAP_OIN.value
        senders = (
            Sender(gemeente, {"WOZ", "BELAST", "PASPOORT"}, "Gemeente Demo", DEFAULT_CPA_ID),
            Sender(INTERMEDIAIR_OIN, (), "Intermediair Demo", "cpa-mobb-intermediair", (WATERSCHAP_OIN,)),
            Sender(waterschap, {"WSBELAST"}, "Waterschap Demo"),
        )
        everything = {gemeente: [ALL_TYPES], waterschap: [ALL_TYPES]}
        persons = (
            Person("999900006", "Anna", True, everything),
            Person("999900018", "Bram", True, {gemeente: [ALL_TYPES]}),
            Person("999900031", "Cor", True, everything),
            Person("999900043", "Dewi", True, {gemeente: ["WOZ"]}),
            Person("999900055", "Eva", True, {gemeente: ["BELAST", "PASPOORT"]}),
            Person("999900067", "Fatima", True, {gemeente: [ALL_TYPES]}),
            Person("999900079", "Gerrit", True, {}),
            Person("999900080", "Hanna", False, everything),
            Person("999900092", "Ilse", True, {waterschap: [ALL_TYPES]}),
            Person("999900109", "Joost", False, {}),
        )
        return cls(senders, persons)

    @classmethod
    def conformance(cls) -> World:
        """The default world plus the persons only the conformance suite uses (its facts never change).

        Karin and Lotte have BSNs that start with ``0`` (a product that stores BSNs as numbers loses
        the zero); Kees unsubscribes between a case's check and its delivery; Mila, Noor and Otto are
        checked or accepted days before a delivery, each in one case only. The leading-zero BSNs are elfproef-valid but outside RvIG's 9999xxxxx
        test range, which has none: they carry no data and exist only in this world.
        """
        gemeente = DEFAULT_SENDER_OIN.value
        world = cls.default()
        extra = (
            Person("010000008", "Karin", True, {gemeente: [ALL_TYPES]}),
            Person("001000007", "Lotte", True, {gemeente: ["WOZ"]}),
            Person("999900110", "Kees", True, {gemeente: [ALL_TYPES]}),
            Person("999900122", "Mila", True, {gemeente: [ALL_TYPES]}),
            Person("999900134", "Noor", True, {gemeente: [ALL_TYPES]}),
            Person("999900146", "Otto", True, {gemeente: [ALL_TYPES]}),
        )
        return attrs.evolve(world, persons=(*world.persons, *extra))

    @classmethod
    def load(cls, path: str | Path) -> World:
        """Read a world from a ``.toml`` or ``.json`` file (format in ``docs/simulator.md``).

        Any problem raises :class:`~mobb_sdk.ConfigurationError` naming the file and the key.
        """
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"{p}: cannot read the world file: {exc.strerror}") from None
        try:
            if p.suffix.lower() == ".toml":
                data = tomllib.loads(raw.decode("utf-8"))
            elif p.suffix.lower() == ".json":
                data = json.loads(raw)
            else:
                raise ConfigurationError(f"{p}: a world file ends in .toml or .json")
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"{p}: not valid {p.suffix[1:].upper()}: {exc}") from None
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_dict(cls, data: object, *, source: str = "world") -> World:
        """Build a world from plain data (the file format); errors name ``source`` and the key."""
        reader = _Reader(source)
        return reader.world(data)

    def to_dict(self) -> dict[str, Any]:
        """The world in the file format (``json.dumps`` it to write a world file)."""
        return {
            "enforce_subscriptions": self.enforce_subscriptions,
            "senders": [
                {
                    "oin": s.oin.value,
                    "name": s.name,
                    **({"cpa_id": s.cpa_id} if s.cpa_id is not None else {}),
                    "bericht_types": sorted(s.bericht_types),
                    **({"clients": [c.value for c in s.clients]} if s.clients else {}),
                }
                for s in self.senders
            ],
            "persons": [
                {
                    "bsn": p.bsn.value,
                    "name": p.name,
                    "active_box": p.active_box,
                    "subscriptions": _grouped(p.subscriptions),
                }
                for p in self.persons
            ],
        }


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for oin, t in sorted(pairs):
        out.setdefault(oin, []).append(t)
    return out


class _Reader:
    """Plain data to a World, with every error naming the file and the key (``persons[2].bsn``)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> ConfigurationError:
        return ConfigurationError(f"{self.source}: {key}: {message}" if key else f"{self.source}: {message}")

    def table(self, value: object, key: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, f"expected a table/object, got {type(value).__name__}")
        return value

    def items(self, value: object, key: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list, got {type(value).__name__}")
        return value

    def known_keys(self, table: Mapping[str, Any], key: str, allowed: set[str]) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            where = f"{key}.{unknown[0]}" if key else unknown[0]
            raise self.fail(where, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def typed(self, table: Mapping[str, Any], name: str, key: str, kind: type, default: Any) -> Any:
        value = table.get(name, default)
        if value is not default and not isinstance(value, kind):
            raise self.fail(
                f"{key}.{name}" if key else name, f"expected {kind.__name__}, got {type(value).__name__}"
            )
        return value

    def strings(self, value: object, key: str) -> list[str]:
        out = self.items(value, key)
        for i, item in enumerate(out):
            if not isinstance(item, str):
                raise self.fail(f"{key}[{i}]", f"expected a string, got {type(item).__name__}")
        return out

    def world(self, data: object) -> World:
        top = self.table(data, "")
        self.known_keys(top, "", {"senders", "persons", "enforce_subscriptions"})
        if "senders" not in top:
            raise self.fail("senders", "missing: a world needs at least one sender")
        senders = [
            self.sender(s, f"senders[{i}]") for i, s in enumerate(self.items(top["senders"], "senders"))
        ]
        persons = [
            self.person(p, f"persons[{i}]")
            for i, p in enumerate(self.items(top.get("persons", []), "persons"))
        ]
        enforce = self.typed(top, "enforce_subscriptions", "", bool, True)
        try:
            return World(senders, persons, enforce)
        except ConfigurationError as exc:
            raise self.fail("", str(exc)) from None

    def sender(self, value: object, key: str) -> Sender:
        t = self.table(value, key)
        self.known_keys(t, key, {"oin", "name", "cpa_id", "bericht_types", "clients"})
        if "oin" not in t:
            raise self.fail(f"{key}.oin", "missing")
        oin = self.oin(t["oin"], f"{key}.oin")
        clients = [
            self.oin(c, f"{key}.clients[{i}]")
            for i, c in enumerate(self.items(t.get("clients", []), f"{key}.clients"))
        ]
        types = self.strings(t.get("bericht_types", []), f"{key}.bericht_types")
        try:
            return Sender(
                oin,
                types,
                self.typed(t, "name", key, str, ""),
                self.typed(t, "cpa_id", key, str, None),
                clients,
            )
        except InvalidValueError as exc:
            raise self.fail(f"{key}.bericht_types", exc.message) from None

    def person(self, value: object, key: str) -> Person:
        t = self.table(value, key)
        self.known_keys(t, key, {"bsn", "name", "active_box", "subscriptions"})
        raw_bsn = t.get("bsn")
        if not isinstance(raw_bsn, str):
            raise self.fail(f"{key}.bsn", 'missing, or not a string of 9 digits (quote it: "999900006")')
        try:
            bsn = Bsn(raw_bsn)
        except InvalidValueError as exc:
            raise self.fail(f"{key}.bsn", exc.message) from None
        subs_key = f"{key}.subscriptions"
        pairs: list[tuple[str, str]] = []
        for oin, types in self.table(t.get("subscriptions", {}), subs_key).items():
            valid = self.oin(oin, f"{subs_key}.{oin}")
            pairs.extend(
                (valid.value, bericht_type) for bericht_type in self.strings(types, f"{subs_key}.{oin}")
            )
        return Person(
            bsn, self.typed(t, "name", key, str, ""), self.typed(t, "active_box", key, bool, True), pairs
        )

    def oin(self, value: object, key: str) -> Oin:
        if not isinstance(value, str):
            raise self.fail(key, f"expected an OIN string, got {type(value).__name__}")
        try:
            return Oin(value)
        except InvalidValueError as exc:
            raise self.fail(key, exc.message) from None
