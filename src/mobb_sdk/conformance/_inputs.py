"""A case's inputs made concrete: letters as the adapter protocol carries them, and their attachment files.

The catalogue describes letters compactly (a person's name, ``{ text = "ab", length = 50 }``, a moment
``"+13d-1h"`` relative to the delivery moment, ``{ pdf = "2a", size = 500000 }``); this module turns
that into the JSON letters of a request and writes each attachment once (files are named by their
SHA-256, so 150 letters with the same PDF share one file).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from mobb_sdk import ConfigurationError, elfproef, make_pdf
from mobb_sdk._models import ENCODED_LINE_BREAK
from mobb_sdk._pdf import assemble_pdf
from mobb_sdk.simulator import World

__all__ = ["AttachmentStore", "bulk_bsns", "make_letters", "moment", "person_bsn"]

_MOMENT_RE: Final = re.compile(r"([+-]\d+)d(?:([+-]\d+)h)?")
_DATE_FIELDS: Final = ("publicatie_datum", "eind_datum_handelings_termijn")
_TEXT_FIELDS: Final = ("bericht_type", "onderwerp", "bericht_tekst", "referentie")
_FILLER: Final = "Uw aanslag gemeentelijke belastingen staat voor u klaar. "


@functools.cache
def _persons() -> dict[str, str]:
    return {p.name: p.bsn.value for p in World.conformance().persons}


def person_bsn(name: str) -> str:
    """The BSN of a test person of the simulator's conformance world (Anna, Bram, ..., Karin)."""
    try:
        return _persons()[name]
    except KeyError:
        raise ConfigurationError(f"no test person {name!r} in the conformance world") from None


@functools.cache
def bulk_bsns(n: int) -> tuple[str, ...]:
    """``n`` elfproef-valid test BSNs (RvIG's 9999xxxxx range) that are not persons of the conformance world."""
    taken = set(_persons().values())
    found: list[str] = []
    for i in range(100_000):
        candidate = f"9999{i:05d}"
        if candidate not in taken and elfproef(candidate):
            found.append(candidate)
            if len(found) == n:
                return tuple(found)
    raise ConfigurationError(f"the test range holds fewer than {n} BSNs")


def moment(spec: str, base: datetime) -> datetime:
    """``"+13d-1h"``: ``base`` plus 13 days minus one hour."""
    m = _MOMENT_RE.fullmatch(spec)
    if m is None:
        raise ConfigurationError(f"{spec!r} is not a relative moment like '+13d' or '-13d+1h'")
    return base + timedelta(days=int(m.group(1)), hours=int(m.group(2) or 0))


def _text(value: Any, field: str) -> str | None:
    if value is False:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "length" in value:
        pattern = str(value["text"])
        n = int(value["length"])
        return (pattern * (n // len(pattern) + 1))[:n]
    if isinstance(value, Mapping) and "encoded_length" in value:
        return _tekst(int(value["encoded_length"]), int(value.get("line_breaks", 0)))
    raise ConfigurationError(f"{field}: cannot make a text of {value!r}")


def _tekst(encoded_length: int, line_breaks: int) -> str:
    """A BerichtTekst with ``line_breaks`` newlines whose encoded form (\\r\\n) is ``encoded_length`` long."""
    typed = encoded_length - line_breaks * (len(ENCODED_LINE_BREAK) - 1)
    lines = line_breaks + 1
    per_line, extra = divmod(typed - line_breaks, lines)
    parts = [
        (_FILLER * (per_line // len(_FILLER) + 2))[: per_line + (1 if i < extra else 0)] for i in range(lines)
    ]
    text = "\n".join(p.rstrip(" ").ljust(len(p), ".") for p in parts)
    assert len(text.replace("\n", ENCODED_LINE_BREAK)) == encoded_length  # noqa: S101
    return text


def _encrypted_pdf() -> bytes:
    # A Standard security handler (RC4, 40 bit) in /Encrypt: enough for any PDF reader to ask a password.
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%b> /U <%b> /P -44 >>" % (b"00" * 32, b"11" * 32),
    ]
    return assemble_pdf(objects, version="1.4", trailer=b"/Root 1 0 R /Encrypt 4 0 R")


def attachment_bytes(spec: Mapping[str, Any], position: int) -> tuple[bytes, str]:
    """The content of one attachment of the catalogue and its file suffix."""
    kind = spec.get("kind", "pdf")
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + bytes(range(64)), ".png"
    if kind == "empty":
        return b"", ".pdf"
    if kind == "encrypted":
        return _encrypted_pdf(), ".pdf"
    if kind != "pdf":
        raise ConfigurationError(f"unknown attachment kind {kind!r}")
    level = spec.get("pdf", "2a")
    size = spec.get("size")
    # The text differs per position, so two attachments of a letter never have the same bytes.
    data = make_pdf(
        f"Bijlage {position} van de conformance suite van mobb-sdk.",
        title=f"Bijlage {position}",
        pdfa=None if level == "none" else str(level),
        pad_to=int(size) if size is not None else None,
    )
    return data, ".pdf"


class AttachmentStore:
    """Writes attachment files under ``directory`` once each, named by their SHA-256."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._written: dict[str, Path] = {}

    def put(self, data: bytes, suffix: str) -> Path:
        digest = hashlib.sha256(data).hexdigest()
        path = self._written.get(digest + suffix)
        if path is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{digest[:16]}{suffix}"
            if not path.exists():
                path.write_bytes(data)
            self._written[digest + suffix] = path
        return path


def _letter(
    spec: Mapping[str, Any],
    defaults: Mapping[str, Any],
    base: datetime,
    store: AttachmentStore,
    *,
    relative_to: Path | None,
    inline: bool,
) -> dict[str, Any]:
    merged = {**defaults, **spec}
    letter: dict[str, Any] = {"ref": str(merged["ref"])}
    letter["bsn"] = str(merged["bsn"]) if "bsn" in spec else person_bsn(str(merged.get("person", "Anna")))
    for field in _TEXT_FIELDS:
        if field in merged:
            value = _text(merged[field], field)
            if value is not None:
                letter[field] = value
    for field in _DATE_FIELDS:
        if field in merged:
            letter[field] = moment(str(merged[field]), base).isoformat()
    attachments = []
    for i, bijlage in enumerate(merged.get("bijlagen", ()), start=1):
        data, suffix = attachment_bytes(bijlage, i)
        path = store.put(data, suffix)
        item: dict[str, Any] = {
            "omschrijving": _text(bijlage.get("omschrijving", f"Bijlage {i}"), "omschrijving") or "",
            "path": str(path.relative_to(relative_to)) if relative_to is not None else str(path),
            "size": len(data),
        }
        if inline:
            item["content_base64"] = base64.b64encode(data).decode("ascii")
        attachments.append(item)
    if attachments:
        letter["attachments"] = attachments
    return letter


def make_letters(
    specs: Sequence[Mapping[str, Any]],
    defaults: Mapping[str, Any],
    base: datetime,
    store: AttachmentStore,
    *,
    repeat: int | None = None,
    relative_to: Path | None = None,
    inline: bool = False,
) -> list[dict[str, Any]]:
    """The protocol letters of a case: ``specs`` over ``defaults``, or ``specs[0]`` repeated ``repeat``
    times for distinct test persons (refs ``L0001``..., each its own Referentie)."""
    if repeat is None:
        numbered = [{"ref": f"L{i}", **spec} for i, spec in enumerate(specs, start=1)]
    else:
        template = specs[0]
        numbered = [
            {**template, "ref": f"L{i:04d}", "bsn": bsn, "referentie": f"REF-{i:05d}"}
            for i, bsn in enumerate(bulk_bsns(repeat), start=1)
        ]
    return [_letter(s, defaults, base, store, relative_to=relative_to, inline=inline) for s in numbered]
