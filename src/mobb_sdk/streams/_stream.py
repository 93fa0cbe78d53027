"""Berichtstromen: one stream of letters per kind of letter (WOZ-beschikking, jaaropgaaf, ...).

A stream fixes what no source document supplies (spec section 10): the BerichtType, templates for the
Onderwerp and the BerichtTekst, a Referentie pattern, how many days after delivery the letter is
published, the rule for its EindDatumHandelingsTermijn and the Omschrijving of its attachment. A file of
streams is TOML and is checked in full when it is loaded; every error names the file and the key.

Templates use ``{name}`` placeholders and nothing else (no attribute access, no format specs): a
stream's values come from its own ``variabelen``, from the letter (a column of a letters file, the zaak
and the document of a ZGW Verzending) and from ``{jaar}``, ``{datum}`` and ``{stroom}``. A rendered
letter is checked with the library's own rules (the model's and :func:`mobb_sdk._rules.check_bericht`);
a letter that breaks one raises :class:`~mobb_sdk.RenderError` with the rule id and the stream's key.
"""

from __future__ import annotations

import re
import string
import tomllib
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from mobb_sdk._errors import InvalidValueError, RenderError, StreamConfigError
from mobb_sdk._ids import Bsn
from mobb_sdk._models import MAX_BIJLAGEN, Bericht, Bijlage
from mobb_sdk._rules import WINDOW, SenderProfile, check_bericht
from mobb_sdk._violations import Severity, Violation

__all__ = [
    "EXAMPLE_STREAMS",
    "Berichtstromen",
    "Berichtstroom",
    "EindDatumRegel",
    "Template",
    "example_streams_path",
    "load_streams",
]

DUTCH_TIME: Final = ZoneInfo("Europe/Amsterdam")
#: The file of example streams shipped with the library (``mobb_sdk/streams/voorbeelden.toml``).
EXAMPLE_STREAMS: Final = "voorbeelden.toml"
_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PLACEHOLDER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: Names a template may never use: a BSN never goes into an Onderwerp, a text or a Referentie.
_FORBIDDEN: Final = frozenset({"bsn", "gebruiker_id", "inp_bsn", "inpBsn"})
_KEYS: Final = frozenset(
    {
        "bericht_type",
        "onderwerp",
        "bericht_tekst",
        "referentie",
        "publicatie_offset_dagen",
        "eind_datum",
        "bijlage_omschrijving",
        "informatieobjecttypen",
        "zaaktypen",
        "variabelen",
    }
)


def example_streams_path() -> Path:
    """The path of the example streams shipped with mobb-sdk (WOZ-beschikking, belastingaanslag, ...)."""
    return Path(str(resources.files("mobb_sdk.streams").joinpath(EXAMPLE_STREAMS)))


@attrs.frozen
class Template:
    """A text with ``{name}`` placeholders, checked when the stream is loaded. ``key`` is where it came from."""

    text: str
    key: str
    names: frozenset[str]

    @classmethod
    def parse(cls, text: str, source: str, key: str, prefix: str = "") -> Template:
        """Check ``text``; errors name ``source`` and ``prefix`` + ``key`` (the dotted TOML key)."""
        names: set[str] = set()
        full = f"{prefix}.{key}" if prefix else key
        try:
            parts = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise StreamConfigError(
                source, full, f"not a valid template ({exc}); write a brace as {{{{ }}}}"
            ) from None
        for _, field, spec, conversion in parts:
            if field is None:
                continue
            if not _PLACEHOLDER.match(field) or spec or conversion:
                raise StreamConfigError(
                    source,
                    full,
                    f"placeholder {{{field}}} is not allowed: use plain {{name}} placeholders only",
                )
            if field in _FORBIDDEN:
                raise StreamConfigError(
                    source, full, f"placeholder {{{field}}}: a BSN never goes into a letter's text (BER-09)"
                )
            names.add(field)
        return cls(text, key, frozenset(names))

    def render(self, values: Mapping[str, str]) -> str:
        return self.text.format_map(values)


@attrs.frozen
class EindDatumRegel:
    """How a stream sets EindDatumHandelingsTermijn (BER-04): a number of days after publication, or the
    value of a variable (an ISO date: the end of that day, Dutch time; or an ISO date-time)."""

    dagen_na_publicatie: int | None = None
    variabele: str | None = None

    def moment(self, publicatie: datetime, values: Mapping[str, str], where: str) -> datetime:
        if self.dagen_na_publicatie is not None:
            day = publicatie.astimezone(DUTCH_TIME).date() + timedelta(days=self.dagen_na_publicatie)
            return datetime.combine(day, time(23, 59, 59), DUTCH_TIME)
        assert self.variabele is not None  # noqa: S101  (one of the two, checked at load)
        raw = values.get(self.variabele)
        if not raw:
            raise _render_error(where, "INPUT", f"variable {self.variabele!r} (the deadline) has no value")
        try:
            if len(raw) == 10:
                return datetime.combine(date.fromisoformat(raw), time(23, 59, 59), DUTCH_TIME)
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise _render_error(
                where, "BER-04", f"variable {self.variabele!r} = {raw!r} is not an ISO date or date-time"
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=DUTCH_TIME)


def _render_error(where: str, rule: str, message: str) -> RenderError:
    stream = where.split(".", 1)[0]
    return RenderError(stream, [Violation(rule, where, message)])


@attrs.frozen
class Berichtstroom:
    """One stream: what every letter of it shares. Build streams with :func:`load_streams`."""

    naam: str
    bericht_type: str
    onderwerp: Template
    bericht_tekst: Template | None = None
    #: Tried in order: the first whose variables all have values and that fits 25 characters (BER-08).
    referentie: tuple[Template, ...] = ()
    #: Days after delivery that the letter appears (0..13, BER-03); None: at once.
    publicatie_offset_dagen: int | None = None
    eind_datum: EindDatumRegel | None = None
    #: The Omschrijving of the first and (optionally) the second attachment (BIJ-04).
    bijlage_omschrijving: tuple[Template, ...] = ()
    informatieobjecttypen: tuple[str, ...] = ()
    zaaktypen: tuple[str, ...] = ()
    variabelen: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def names(self) -> frozenset[str]:
        """Every placeholder the stream's templates use."""
        found: set[str] = set(self.onderwerp.names)
        for t in (self.bericht_tekst, *self.referentie, *self.bijlage_omschrijving):
            if t is not None:
                found |= t.names
        return frozenset(found)

    def values(self, variables: Mapping[str, object], now: datetime) -> dict[str, str]:
        """The values the templates see: built-ins, then the stream's ``variabelen``, then ``variables``."""
        local = now.astimezone(DUTCH_TIME)
        values = {"jaar": str(local.year), "datum": local.strftime("%d-%m-%Y"), "stroom": self.naam}
        values.update(self.variabelen)
        values.update({k: str(v) for k, v in variables.items() if v is not None and str(v) != ""})
        return values

    def render(
        self,
        bsn: Bsn | str,
        variables: Mapping[str, object] | None = None,
        bijlagen: Sequence[bytes] = (),
        *,
        bericht_id: uuid.UUID | str | None = None,
        now: datetime | None = None,
        profile: SenderProfile | None = None,
        strict: bool = False,
    ) -> Bericht:
        """The letter of this stream for ``bsn``, with ``variables`` filled in and ``bijlagen`` (PDF bytes)
        attached. Checked against every per-letter rule; raises :class:`~mobb_sdk.RenderError` (rule id,
        the stream's key) when it breaks one. Warnings (BER-07 URL spacing, BIJ-02 without PDF/A) stop it
        only when ``strict``."""
        profile = profile if profile is not None else SenderProfile()
        moment = now if now is not None else profile.now()
        values = self.values(variables or {}, moment)
        if len(bijlagen) > MAX_BIJLAGEN:
            raise _render_error(
                f"{self.naam}.bijlagen", "BIJ-01", f"{len(bijlagen)} attachments; at most {MAX_BIJLAGEN}"
            )
        onderwerp = self._fill(self.onderwerp, values)
        tekst = self._fill(self.bericht_tekst, values) if self.bericht_tekst is not None else None
        referentie = self._referentie(values)
        publicatie = (
            moment + timedelta(days=self.publicatie_offset_dagen) if self.publicatie_offset_dagen else None
        )
        eind = (
            self.eind_datum.moment(publicatie or moment, values, f"{self.naam}.eind_datum")
            if self.eind_datum is not None
            else None
        )
        try:
            parts = []
            for i, content in enumerate(bijlagen):
                template = self.bijlage_omschrijving[min(i, len(self.bijlage_omschrijving) - 1)]
                parts.append(Bijlage.from_bytes(content, self._fill(template, values), volgorde=i + 1))
            bericht = Bericht.create(
                bsn=bsn,
                bericht_type=self.bericht_type,
                onderwerp=onderwerp,
                bericht_tekst=tekst,
                referentie=referentie,
                publicatie_datum=publicatie,
                eind_datum_handelings_termijn=eind,
                bijlagen=parts,
                bericht_id=bericht_id,
            )
        except InvalidValueError as exc:
            raise _render_error(f"{self.naam}.{_stream_key(exc.field)}", exc.rule, exc.message) from None
        errors = [
            attrs.evolve(v, path=f"{self.naam}.{_stream_key(v.path.removeprefix('bericht.'))}")
            for v in check_bericht(bericht, profile, now=moment)
            if strict or v.severity is Severity.ERROR
        ]
        if errors:
            raise RenderError(self.naam, errors)
        return bericht

    def _fill(self, template: Template, values: Mapping[str, str]) -> str:
        missing = sorted(template.names - values.keys())
        if missing:
            raise _render_error(
                f"{self.naam}.{template.key}",
                "INPUT",
                f"no value for {', '.join('{' + m + '}' for m in missing)}; give it as a variable or "
                "in the stream's [variabelen]",
            )
        return template.render(values)

    def _referentie(self, values: Mapping[str, str]) -> str | None:
        if not self.referentie:
            return None
        tried = []
        for template in self.referentie:
            if template.names - values.keys():
                continue
            text = template.render(values)
            if len(text) <= 25:
                return text
            tried.append(f"{text[:30]!r} ({len(text)} characters)")
        reason = "; ".join(tried) if tried else "no pattern has values for all its placeholders"
        raise _render_error(
            f"{self.naam}.referentie",
            "BER-08",
            f"no Referentie pattern fits 25 characters: {reason}. Add a shorter pattern as the last choice.",
        )

    def matches(self, informatieobjecttype: str | None, zaaktype: str | None) -> bool:
        return bool(
            (informatieobjecttype and informatieobjecttype in self.informatieobjecttypen)
            or (zaaktype and zaaktype in self.zaaktypen)
        )


def _stream_key(field: str) -> str:
    """The stream key that produced a model field (``bijlagen[0].omschrijving`` -> bijlage_omschrijving)."""
    if field.startswith("bijlagen"):
        return "bijlage_omschrijving" if field.endswith("omschrijving") else "bijlagen"
    if field.startswith("eind_datum"):
        return "eind_datum"
    if field.startswith("publicatie"):
        return "publicatie_offset_dagen"
    return field


@attrs.frozen
class Berichtstromen(Mapping[str, Berichtstroom]):
    """The streams of one file, by name; :meth:`for_zgw` picks one for a document of a zaak."""

    source: str
    streams: Mapping[str, Berichtstroom]

    def __getitem__(self, name: str) -> Berichtstroom:
        try:
            return self.streams[name]
        except KeyError:
            known = ", ".join(sorted(self.streams)) or "none"
            raise StreamConfigError(
                self.source, f"berichtstromen.{name}", f"no such stream; known: {known}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.streams)

    def __len__(self) -> int:
        return len(self.streams)

    def for_zgw(self, informatieobjecttype: str | None, zaaktype: str | None) -> Berichtstroom | None:
        """The stream for a document: by its informatieobjecttype first, else by its zaak's zaaktype."""
        for stream in self.streams.values():
            if informatieobjecttype and informatieobjecttype in stream.informatieobjecttypen:
                return stream
        for stream in self.streams.values():
            if zaaktype and zaaktype in stream.zaaktypen:
                return stream
        return None


def load_streams(path: str | Path | None = None) -> Berichtstromen:
    """Read and check a berichtstromen file (default: the shipped examples).

    Raises :class:`~mobb_sdk.StreamConfigError` naming the file and the key for any problem: TOML
    syntax, an unknown key, a wrong type, a BerichtType longer than 8 characters (BER-02), a publication
    offset over 13 days (BER-03), a bad template, a type claimed by two streams.
    """
    file = Path(path) if path is not None else example_streams_path()
    source = str(file)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StreamConfigError(source, "", f"cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StreamConfigError(source, "", f"not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"berichtstromen"})
    if unknown:
        raise StreamConfigError(source, unknown[0], "unknown table; streams go under [berichtstromen.<naam>]")
    tables = data.get("berichtstromen")
    if not isinstance(tables, dict) or not tables:
        raise StreamConfigError(source, "berichtstromen", "no streams: add [berichtstromen.<naam>] tables")
    streams: dict[str, Berichtstroom] = {}
    claimed: dict[str, str] = {}
    for name, table in tables.items():
        stream = _stream(source, name, table)
        for kind, urls in (
            ("informatieobjecttypen", stream.informatieobjecttypen),
            ("zaaktypen", stream.zaaktypen),
        ):
            for url in urls:
                other = claimed.setdefault(f"{kind}:{url}", name)
                if other != name:
                    raise StreamConfigError(
                        source, f"berichtstromen.{name}.{kind}", f"{url} is claimed by stream {other!r} too"
                    )
        streams[name] = stream
    return Berichtstromen(source, streams)


def _stream(source: str, name: str, table: Any) -> Berichtstroom:
    base = f"berichtstromen.{name}"
    if not _NAME.match(name):
        raise StreamConfigError(
            source, base, "a stream name is 1..64 of a-z, 0-9 and '-', starting with a letter or digit"
        )
    if not isinstance(table, dict):
        raise StreamConfigError(source, base, "expected a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise StreamConfigError(
            source, f"{base}.{unknown[0]}", f"unknown key; the keys are {', '.join(sorted(_KEYS))}"
        )

    def text(key: str, *, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                raise StreamConfigError(source, f"{base}.{key}", "is required")
            return None
        if not isinstance(value, str):
            raise StreamConfigError(source, f"{base}.{key}", f"expected a string, got {type(value).__name__}")
        return value

    def templates(key: str) -> tuple[Template, ...]:
        value = table.get(key)
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
            raise StreamConfigError(source, f"{base}.{key}", "expected a non-empty string or a list of them")
        return tuple(Template.parse(i, source, key, base) for i in items)

    def urls(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(u, str) and u.startswith(("http://", "https://")) for u in value
        ):
            raise StreamConfigError(source, f"{base}.{key}", "expected a list of http(s) URLs")
        return tuple(value)

    bericht_type = text("bericht_type", required=True)
    assert bericht_type is not None  # noqa: S101  (required above)
    if not 1 <= len(bericht_type) <= 8 or bericht_type != bericht_type.strip():
        raise StreamConfigError(
            source, f"{base}.bericht_type", f"BER-02: a BerichtType is 1..8 characters, got {bericht_type!r}"
        )
    onderwerp_text = text("onderwerp", required=True)
    assert onderwerp_text is not None  # noqa: S101
    onderwerp = Template.parse(onderwerp_text, source, "onderwerp", base)
    if not onderwerp.names and not 1 <= len(onderwerp_text) <= 50:
        raise StreamConfigError(source, f"{base}.onderwerp", "BER-05: an Onderwerp is 1..50 characters")
    tekst_text = text("bericht_tekst")
    offset = table.get("publicatie_offset_dagen")
    if offset is not None and (
        not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= WINDOW.days
    ):
        raise StreamConfigError(
            source,
            f"{base}.publicatie_offset_dagen",
            f"BER-03: a whole number of days, 0..{WINDOW.days} (Logius refuses a PublicatieDatum further ahead)",
        )
    omschrijving = templates("bijlage_omschrijving")
    if len(omschrijving) > MAX_BIJLAGEN:
        raise StreamConfigError(source, f"{base}.bijlage_omschrijving", f"at most {MAX_BIJLAGEN} (BIJ-01)")
    variabelen = table.get("variabelen", {})
    if not isinstance(variabelen, dict) or not all(
        isinstance(k, str) and _PLACEHOLDER.match(k) and isinstance(v, str) for k, v in variabelen.items()
    ):
        raise StreamConfigError(source, f"{base}.variabelen", 'expected a table of name = "text"')
    return Berichtstroom(
        naam=name,
        bericht_type=bericht_type,
        onderwerp=onderwerp,
        bericht_tekst=Template.parse(tekst_text, source, "bericht_tekst", base)
        if tekst_text is not None
        else None,
        referentie=templates("referentie"),
        publicatie_offset_dagen=offset,
        eind_datum=_eind_datum(source, f"{base}.eind_datum", table.get("eind_datum")),
        # Without its own Omschrijving an attachment is described by the letter's Onderwerp.
        bijlage_omschrijving=omschrijving or (attrs.evolve(onderwerp, key="bijlage_omschrijving"),),
        informatieobjecttypen=urls("informatieobjecttypen"),
        zaaktypen=urls("zaaktypen"),
        variabelen=dict(variabelen),
    )


def _eind_datum(source: str, key: str, value: Any) -> EindDatumRegel | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) != 1:
        raise StreamConfigError(
            source, key, 'expected one of { dagen_na_publicatie = N } or { variabele = "naam" }'
        )
    ((kind, amount),) = value.items()
    if kind == "dagen_na_publicatie":
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= 3660:
            raise StreamConfigError(source, f"{key}.{kind}", "BER-04: a whole number of days, 0..3660")
        return EindDatumRegel(dagen_na_publicatie=amount)
    if kind == "variabele":
        if not isinstance(amount, str) or not _PLACEHOLDER.match(amount):
            raise StreamConfigError(source, f"{key}.{kind}", "expected a variable name")
        return EindDatumRegel(variabele=amount)
    raise StreamConfigError(source, f"{key}.{kind}", "unknown rule; use dagen_na_publicatie or variabele")
