"""The case catalogue: ``conformance/catalogue.toml`` loaded, checked and queried.

The catalogue is data, versioned on its own (``catalogue_version``). Every case has a stable id
(``MOBB-DOC-nnn`` for document mode, ``MOBB-LIVE-nnn`` for live mode) that is never renumbered; a
dropped case moves to ``[[retired]]`` and its id stays reserved. Loading checks what a typo would
break: the id form and uniqueness, rule ids against :data:`mobb_sdk.RULES`, capability names, the
expectation of each case, and the keys of its inputs.
"""

from __future__ import annotations

import enum
import functools
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import attrs

from mobb_sdk import RULES, ConfigurationError
from mobb_sdk._bundled import bundled_dir

__all__ = [
    "CAPABILITIES",
    "CATALOGUE_FILE",
    "PROTOCOL",
    "SCHEMA_FILE",
    "Case",
    "Catalogue",
    "Expect",
    "Mode",
    "data_dir",
    "load_catalogue",
]

CATALOGUE_FILE: Final = "catalogue.toml"
SCHEMA_FILE: Final = "adapter-protocol.schema.json"
#: The adapter protocol version every request and response carries.
PROTOCOL: Final = "mobb-conformance/1"

#: What a product may or may not support; a case that needs one the vendor did not declare is skipped.
CAPABILITIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "attachments": "PDF attachments (Bijlagen), one or two per letter",
        "scheduled_publication": "a PublicatieDatum: publication at a later moment",
        "action_deadline": "an EindDatumHandelingsTermijn (payment or reply date)",
        "bulk": "runs of over 1000 letters and batches near 100 MB",
        "clock": "the product can be told the current moment (a live request's now) for dates and check ages",
        "hold": "the product can accept letters in one request and hand them over at the next (a queue or outbox)",
        "intermediary": "delivering for another organisation (its OIN in the batch, the own OIN as ebMS party)",
    }
)

_ID_RE: Final = re.compile(r"MOBB-(DOC|LIVE)-[0-9]{3}")
_LETTER_KEYS: Final = frozenset(
    {
        "ref",
        "person",
        "bsn",
        "bericht_type",
        "onderwerp",
        "bericht_tekst",
        "referentie",
        "publicatie_datum",
        "eind_datum_handelings_termijn",
        "bijlagen",
    }
)
_INPUT_KEYS: Final = frozenset(
    {"letters", "repeat", "sender_oin", "party_oin", "aanmaak_datum", "active_bericht_types"}
)
_LIVE_KEYS: Final = frozenset(
    {
        "letters",
        "repeat",
        "world",
        "sender",
        "faults",
        "unsubscribe_after_check",
        "clock_offset_days",
        "deadline",
        "expect",
        "checks",
        "earlier",
    }
)
#: Named setups of live mode (see :mod:`mobb_sdk.conformance._live`).
WORLDS: Final = frozenset({"default", "bbo", "bulk"})
SENDERS: Final = frozenset({"gemeente", "waterschap-via-intermediair", "gemeente-via-intermediair"})
FAULT_KINDS: Final = frozenset(
    {
        "drop",
        "fail",
        "delivery_failed",
        "withhold_result",
        "duplicate_result",
        "malformed_result",
        "wus_outage",
        "technisch_probleem",
        "already_stored",
        "xsd_failure",
    }
)
CHECKS: Final = frozenset(
    {
        "received_once",
        "not_resent",
        "same_ids_on_resend",
        "subscriptions_checked_first",
        "not_sent",
        "results_processed",
        "wus_chunks",
        "batches_within_limit",
        "content_unchanged",
        "results_left_for_operator",
    }
)
OUTCOMES: Final = frozenset({"delivered", "paper", "failed", "pending", "refused"})


def data_dir() -> Path:
    """The suite's data (catalogue, adapter protocol schema, examples): ``mobb_sdk/conformance_data``
    in an installed wheel, the repository's top-level ``conformance/`` in a source tree."""
    found = bundled_dir("conformance_data", "conformance", CATALOGUE_FILE)
    if found is None:
        raise ConfigurationError(
            f"the conformance data is missing: no {CATALOGUE_FILE} in mobb_sdk/conformance_data or in "
            "the source tree's conformance/ (install mobb-sdk[conformance] from a wheel)"
        )
    return found


class Mode(enum.Enum):
    """How a case runs: on produced documents, or against the product's delivery flow."""

    DOCUMENT = "document"
    LIVE = "live"


class Expect(enum.Enum):
    """What a document case asks of the product."""

    ACCEPT = "accept"  #: a valid batch with every input unchanged
    REFUSE = "refuse"  #: a refusal naming one of the case's refuse_rules
    EITHER = "either"  #: one of the two


def _freeze(value: Any) -> Any:
    """Deep read-only copy of TOML data, so a loaded case cannot be changed by a caller."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@attrs.frozen
class Case:
    """One case of the catalogue.

    ``rules`` are the spec rule ids it tests; ``needs`` the capabilities it needs. A document case has
    ``expect``, ``refuse_rules`` and ``inputs``; a live case has ``live`` (world, faults, letters, the
    expected outcome per letter and the checks on what the simulator saw).
    """

    id: str
    title: str
    rules: tuple[str, ...]
    needs: frozenset[str] = frozenset()
    expect: Expect | None = None
    refuse_rules: tuple[str, ...] = ()
    inputs: Mapping[str, Any] = attrs.field(factory=lambda: MappingProxyType({}), repr=False)
    live: Mapping[str, Any] = attrs.field(factory=lambda: MappingProxyType({}), repr=False)

    @property
    def mode(self) -> Mode:
        return Mode.DOCUMENT if self.id.startswith("MOBB-DOC-") else Mode.LIVE


@attrs.frozen
class Catalogue:
    """Every case by id, the retired ids with their reasons, and the catalogue's own version."""

    version: str
    defaults: Mapping[str, Any] = attrs.field(repr=False)
    cases: tuple[Case, ...]
    retired: Mapping[str, str] = attrs.field(factory=lambda: MappingProxyType({}))
    #: (version, changes) per catalogue version, newest first.
    changelog: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __iter__(self) -> Iterator[Case]:
        return iter(self.cases)

    def __len__(self) -> int:
        return len(self.cases)

    def get(self, case_id: str) -> Case:
        for case in self.cases:
            if case.id == case_id:
                return case
        if case_id in self.retired:
            raise KeyError(f"{case_id} is retired: {self.retired[case_id]}")
        raise KeyError(f"no case {case_id} in catalogue {self.version}")

    def select(self, mode: Mode | None = None, ids: Iterable[str] | None = None) -> tuple[Case, ...]:
        """Cases of ``mode`` (all modes when ``None``), limited to ``ids`` when given (unknown ids raise)."""
        wanted = None if ids is None else {self.get(i).id for i in ids}
        return tuple(
            c for c in self.cases if (mode is None or c.mode is mode) and (wanted is None or c.id in wanted)
        )


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ConfigurationError:
        return ConfigurationError(f"{self.source}: {where}: {message}")

    def strings(self, value: object, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "expected a list of strings")
        return tuple(value)

    def letters(self, value: object, where: str) -> None:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "expected a non-empty list of letters")
        for i, letter in enumerate(value):
            if not isinstance(letter, dict):
                raise self.fail(f"{where}[{i}]", "a letter is a table")
            unknown = set(letter) - _LETTER_KEYS
            if unknown:
                raise self.fail(f"{where}[{i}]", f"unknown key(s) {', '.join(sorted(unknown))}")

    def case(self, raw: object, index: int) -> Case:
        where = f"case[{index}]"
        if not isinstance(raw, dict):
            raise self.fail(where, "a case is a table")
        case_id = raw.get("id")
        if not isinstance(case_id, str) or not _ID_RE.fullmatch(case_id):
            raise self.fail(where, f"id {case_id!r} is not MOBB-DOC-nnn or MOBB-LIVE-nnn")
        where = case_id
        title = raw.get("title")
        if not isinstance(title, str) or not title:
            raise self.fail(where, "a case needs a title")
        rules = self.strings(raw.get("rules"), f"{where}.rules")
        if not rules:
            raise self.fail(where, "a case names the rule ids it tests")
        for rule in (*rules, *self.strings(raw.get("refuse_rules", []), f"{where}.refuse_rules")):
            if rule not in RULES:
                raise self.fail(where, f"rule {rule} is not a rule of the spec")
        needs = frozenset(self.strings(raw.get("needs", []), f"{where}.needs"))
        unknown = needs - CAPABILITIES.keys()
        if unknown:
            raise self.fail(where, f"unknown capability {', '.join(sorted(unknown))}")
        if case_id.startswith("MOBB-DOC-"):
            return self.document_case(raw, case_id, title, rules, needs)
        return self.live_case(raw, case_id, title, rules, needs)

    def document_case(
        self, raw: dict[str, Any], case_id: str, title: str, rules: tuple[str, ...], needs: frozenset[str]
    ) -> Case:
        try:
            expect = Expect(raw.get("expect"))
        except ValueError:
            raise self.fail(case_id, "expect is accept, refuse or either") from None
        refuse_rules = tuple(raw.get("refuse_rules", ()))
        if expect is not Expect.ACCEPT and not refuse_rules:
            raise self.fail(case_id, f"expect = {expect.value!r} needs refuse_rules")
        inputs = raw.get("inputs")
        if not isinstance(inputs, dict) or not isinstance(inputs.get("letters"), list):
            raise self.fail(case_id, "a document case needs inputs.letters")
        unknown = set(inputs) - _INPUT_KEYS
        if unknown or "live" in raw:
            raise self.fail(case_id, f"unknown input key(s) {', '.join(sorted(unknown)) or 'live'}")
        self.letters(inputs.get("letters"), f"{case_id}.inputs.letters")
        return Case(case_id, title, rules, needs, expect, refuse_rules, _freeze(inputs))

    def live_case(
        self, raw: dict[str, Any], case_id: str, title: str, rules: tuple[str, ...], needs: frozenset[str]
    ) -> Case:
        live = raw.get("live")
        if not isinstance(live, dict) or "expect" in raw or "inputs" in raw:
            raise self.fail(case_id, "a live case has a live table and no expect/inputs")
        unknown = set(live) - _LIVE_KEYS
        if unknown:
            raise self.fail(case_id, f"unknown live key(s) {', '.join(sorted(unknown))}")
        self.letters(live.get("letters"), f"{case_id}.live.letters")
        refs = [letter.get("ref") for letter in live["letters"]]
        earlier = live.get("earlier")
        if earlier is not None:
            if (
                not isinstance(earlier, dict)
                or not {"days", "letters"} <= set(earlier) <= {"days", "letters", "hold"}
                or not isinstance(earlier.get("hold", False), bool)
                or not isinstance(earlier["days"], int | float)
                or earlier["days"] <= 0
            ):
                raise self.fail(
                    case_id,
                    "live.earlier is { days = <positive number>, letters = [...], hold = true|false }",
                )
            self.letters(earlier["letters"], f"{case_id}.live.earlier.letters")
            refs.extend(letter.get("ref") for letter in earlier["letters"])
        if any(not isinstance(r, str) for r in refs) or len(set(refs)) != len(refs):
            raise self.fail(case_id, "every live letter needs its own ref")
        if live.get("world", "default") not in WORLDS:
            raise self.fail(case_id, f"world is one of {', '.join(sorted(WORLDS))}")
        if live.get("sender", "gemeente") not in SENDERS:
            raise self.fail(case_id, f"sender is one of {', '.join(sorted(SENDERS))}")
        for i, fault in enumerate(live.get("faults", [])):
            if not isinstance(fault, dict) or fault.get("kind") not in FAULT_KINDS:
                raise self.fail(
                    f"{case_id}.live.faults[{i}]", f"kind is one of {', '.join(sorted(FAULT_KINDS))}"
                )
        for check in self.strings(live.get("checks", []), f"{case_id}.live.checks"):
            if check.partition(":")[0] not in CHECKS:
                raise self.fail(case_id, f"unknown check {check!r}")
        expect = live.get("expect")
        if not isinstance(expect, dict) or not expect:
            raise self.fail(case_id, "live.expect maps each ref (or 'all') to its outcome(s)")
        for ref, wanted in expect.items():
            if ref != "all" and ref not in refs:
                raise self.fail(case_id, f"live.expect names unknown ref {ref!r}")
            for spec in (
                [wanted] if isinstance(wanted, str) else self.strings(wanted, f"{case_id}.live.expect")
            ):
                if spec.partition(":")[0] not in OUTCOMES:
                    raise self.fail(case_id, f"{spec!r} is not an outcome ({', '.join(sorted(OUTCOMES))})")
        return Case(case_id, title, rules, needs, live=_freeze(live))


def _load(path: Path) -> Catalogue:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read the conformance catalogue {path}: {exc}") from None
    reader = _Reader(path.name)
    version = data.get("catalogue_version")
    if not isinstance(version, str) or not version:
        raise reader.fail("catalogue_version", "missing")
    retired: dict[str, str] = {}
    for i, entry in enumerate(data.get("retired", [])):
        if (
            not isinstance(entry, dict)
            or not _ID_RE.fullmatch(str(entry.get("id")))
            or not entry.get("reason")
        ):
            raise reader.fail(f"retired[{i}]", "needs an id and a reason")
        retired[entry["id"]] = str(entry["reason"])
    changelog: list[tuple[str, tuple[str, ...]]] = []
    for i, entry in enumerate(data.get("changelog", [])):
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            raise reader.fail(f"changelog[{i}]", "needs a version and a list of changes")
        changelog.append((entry["version"], reader.strings(entry.get("changes"), f"changelog[{i}].changes")))
    if changelog and changelog[0][0] != version:
        raise reader.fail("changelog", f"the newest entry is {changelog[0][0]}, the catalogue {version}")
    cases = [reader.case(raw, i) for i, raw in enumerate(data.get("case", []))]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise reader.fail(case.id, "the id is used twice")
        if case.id in retired:
            raise reader.fail(case.id, "the id is retired and stays reserved")
        seen.add(case.id)
    return Catalogue(
        version,
        _freeze(data.get("defaults", {})),
        tuple(cases),
        MappingProxyType(retired),
        tuple(changelog),
    )


@functools.cache
def _bundled() -> Catalogue:
    return _load(data_dir() / CATALOGUE_FILE)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The bundled catalogue (read once), or the one at ``path``; a malformed file raises ConfigurationError."""
    return _bundled() if path is None else _load(Path(path))
