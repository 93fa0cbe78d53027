"""What the vendor declares: its product, the capabilities it supports, and its known (expected) failures.

Both files are the vendor's own and live in its repository. The capabilities file (TOML or JSON)::

    [product]
    name = "Zaaksysteem Voorbeeld"
    version = "5.1.0"

    [capabilities]
    attachments = true
    scheduled_publication = true
    bulk = false

A case needing a capability that is not declared ``true`` is skipped with that reason. The expected
failures file lists cases known to fail, each with a reason::

    [[expected_failure]]
    case = "MOBB-DOC-016"
    reason = "Onderwerp is counted in bytes; fixed in 5.2 (ticket ZS-1234)"

Only unexpected failures, and expected failures that pass, fail a run.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from mobb_sdk import ConfigurationError
from mobb_sdk.conformance._catalogue import CAPABILITIES, Catalogue

__all__ = ["Capabilities", "ExpectedFailures", "Product"]


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None


@attrs.frozen
class Product:
    """The product under test as the vendor names it in reports."""

    name: str = "unnamed product"
    version: str = "unknown"


def _names(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen
class Capabilities:
    """The capabilities a product supports (names of :data:`~mobb_sdk.conformance.CAPABILITIES`)."""

    supported: frozenset[str] = attrs.field(converter=_names)
    product: Product | None = None

    def __attrs_post_init__(self) -> None:
        unknown = self.supported - CAPABILITIES.keys()
        if unknown:
            raise ConfigurationError(
                f"unknown capability {', '.join(sorted(unknown))}; known: {', '.join(CAPABILITIES)}"
            )

    @classmethod
    def all(cls) -> Capabilities:
        """Every capability: the default when a vendor declares none (nothing is skipped)."""
        return cls(frozenset(CAPABILITIES.keys()))

    @classmethod
    def load(cls, path: str | Path) -> Capabilities:
        """Read ``[capabilities]`` (name = true/false, or a list of names) and ``[product]`` from a file."""
        p = Path(path)
        data = _read(p)
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"{p}: expected a table with [capabilities]")
        raw = data.get("capabilities", {})
        if isinstance(raw, Mapping):
            for name, value in raw.items():
                if not isinstance(value, bool):
                    raise ConfigurationError(f"{p}: capabilities.{name} must be true or false")
            supported = frozenset(name for name, value in raw.items() if value)
            declared: Iterable[str] = raw.keys()
        elif isinstance(raw, list) and all(isinstance(v, str) for v in raw):
            supported = declared = frozenset(raw)
        else:
            raise ConfigurationError(f"{p}: capabilities is a table of name = true/false or a list of names")
        unknown = set(declared) - CAPABILITIES.keys()
        if unknown:
            raise ConfigurationError(
                f"{p}: unknown capability {', '.join(sorted(unknown))}; known: {', '.join(CAPABILITIES)}"
            )
        product = None
        info = data.get("product")
        if isinstance(info, Mapping):
            product = Product(str(info.get("name", Product.name)), str(info.get("version", Product.version)))
        return cls(supported, product)

    def missing(self, needs: Iterable[str]) -> list[str]:
        return sorted(set(needs) - self.supported)


def _read_only(reasons: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(reasons))


@attrs.frozen
class ExpectedFailures:
    """Case id -> the vendor's reason why it is known to fail."""

    reasons: Mapping[str, str] = attrs.field(factory=dict, converter=_read_only)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self.reasons

    def reason(self, case_id: str) -> str | None:
        return self.reasons.get(case_id)

    @classmethod
    def load(cls, path: str | Path, catalogue: Catalogue | None = None) -> ExpectedFailures:
        """Read ``[[expected_failure]]`` entries (case, reason); with ``catalogue``, unknown ids are errors."""
        p = Path(path)
        data = _read(p)
        entries = data.get("expected_failure", []) if isinstance(data, Mapping) else data
        if not isinstance(entries, list):
            raise ConfigurationError(f"{p}: expected a list of [[expected_failure]] entries")
        reasons: dict[str, str] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("case"), str):
                raise ConfigurationError(f"{p}: expected_failure[{i}] needs a case id")
            case_id, reason = entry["case"], entry.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                raise ConfigurationError(f"{p}: expected_failure[{i}] ({case_id}) needs a reason")
            if catalogue is not None:
                try:
                    catalogue.get(case_id)
                except KeyError as exc:
                    raise ConfigurationError(f"{p}: expected_failure[{i}]: {exc.args[0]}") from None
            if case_id in reasons:
                raise ConfigurationError(f"{p}: {case_id} is listed twice")
            reasons[case_id] = reason.strip()
        return cls(reasons)
