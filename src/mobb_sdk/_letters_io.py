"""Letters from a CSV or JSON file: the one reader behind ``mobb send`` (with or without ``--outbox``).

Columns (CSV header, or JSON keys): ``bsn``, ``bericht_type``, ``onderwerp`` (required), ``bericht_tekst``,
``referentie``, ``publicatie_datum``, ``eind_datum_handelings_termijn``, ``bijlage`` (one or two PDF paths,
``;``-separated, relative to the file's folder; in JSON also a list) and ``bericht_id`` (optional).
Dates are ISO 8601; a date or a time without an offset is Dutch local time.

A letter without a ``bericht_id`` gets one derived from the sender's OIN and the letter's content
(:func:`stable_bericht_id`) when the reader is told the sender: reading the same file again gives every
letter the same BerichtID, so a rerun is answered ``BerichtBestaatAl`` by Logius instead of putting the
letter in the box twice (BER-01, RES-04).

Files: ``.csv`` (UTF-8, a BOM allowed, ``,`` or ``;`` between fields), ``.json`` (a list of objects, or
``{"letters": [...]}``), ``.jsonl``/``.ndjson`` (one object per line). CSV and JSON Lines are read one
record at a time, so a file of any size streams. A record that cannot be read raises
:class:`LetterFileError` naming the file, the line or record, the field and the rule; never a full BSN.
:func:`check_letter_file` reads the whole file instead and lists every problem (:class:`LetterProblem`).

With a berichtstroom (``stream=``, see :mod:`mobb_sdk.streams`) a file needs only ``bsn`` (and
``bijlage``, ``bericht_id`` as above): every other column is a variable of the stream's templates, and
the stream supplies BerichtType, Onderwerp, BerichtTekst, Referentie and the dates.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import attrs

from mobb_sdk._errors import ArgumentTypeError, InvalidValueError, RenderError, StorageError, scrub
from mobb_sdk._ids import Oin
from mobb_sdk._models import MAX_BIJLAGEN, Bericht, Bijlage
from mobb_sdk._rules import SenderProfile
from mobb_sdk._validation import validate_letters
from mobb_sdk._violations import Severity, Violation

if TYPE_CHECKING:
    from mobb_sdk.streams import Berichtstroom

__all__ = [
    "COLUMNS",
    "LetterFileCheck",
    "LetterFileError",
    "LetterProblem",
    "LetterRecord",
    "check_letter_file",
    "letter_file_rows",
    "read_letter_records",
    "read_letters",
    "stable_bericht_id",
]

DUTCH_TIME: Final = ZoneInfo("Europe/Amsterdam")
REQUIRED: Final = ("bsn", "bericht_type", "onderwerp")
#: Every column a letter file may have.
COLUMNS: Final = (
    *REQUIRED,
    "bericht_tekst",
    "referentie",
    "publicatie_datum",
    "eind_datum_handelings_termijn",
    "bijlage",
    "bericht_id",
)
_JSON_LINES: Final = (".jsonl", ".ndjson")
#: The namespace of :func:`stable_bericht_id` (a fixed UUID: changing it would change every derived id).
BERICHT_ID_NAMESPACE: Final = uuid.UUID("5d0f3c9e-8a61-4f0e-9a8b-6d6f62622d31")
#: Letters judged per XSD pass while a file is checked.
CHECK_CHUNK: Final = 500


class LetterFileError(InvalidValueError):
    """A record of a letter file cannot be read. ``source`` is the file, ``record`` where in it
    (``line 4`` of a CSV or JSON Lines file, ``record 3`` of a JSON list), ``field`` the column.
    ``unreadable`` is True when the file as a whole cannot be read (wrong type, not JSON or UTF-8, a
    wrong CSV header), False when one letter is wrong."""

    def __init__(
        self, source: Path, record: str, rule: str, field: str, message: str, *, whole_file: bool = False
    ) -> None:
        message = scrub(message, 300)
        super().__init__(rule, field, message)
        self.source = source
        self.record = record
        self._whole_file = whole_file or not record
        where = " ".join(p for p in (source.name, record) if p)
        self.args = (f"{where}: {rule} {field or 'record'}: {message}",)

    __module__ = "mobb_sdk"  # its public home

    @property
    def unreadable(self) -> bool:
        """True when the file as a whole cannot be read: not one letter's fault."""
        return self._whole_file


@attrs.frozen
class LetterRecord:
    """One letter of a file, with where it came from: ``number`` counts records from 1 in file order
    (a stable key for re-reading the same file) and ``where`` is the line or record for messages."""

    number: int
    where: str
    bericht: Bericht

    @property
    def line(self) -> int | None:
        """The line of a CSV or JSON Lines file the letter starts on (``None`` in a JSON list)."""
        return _line_of(self.where)


def _line_of(where: str) -> int | None:
    m = re.fullmatch(r"line (\d+)", where)
    return int(m.group(1)) if m else None


def stable_bericht_id(afzender: Oin | str, bericht: Bericht) -> uuid.UUID:
    """A BerichtID derived from the sender's OIN and everything the letter says (a UUID version 5).

    The same letter from the same sender always gets the same id, so offering it again is answered
    ``BerichtBestaatAl`` instead of delivering it twice; a letter that differs in any field (recipient,
    type, texts, dates, attachments) gets another id (BER-01: never reused for another letter).
    """
    parts = [
        str(afzender),
        bericht.bsn.value,
        bericht.bericht_type,
        bericht.onderwerp,
        bericht.bericht_tekst or "",
        bericht.referentie or "",
        bericht.publicatie_datum.isoformat() if bericht.publicatie_datum else "",
        bericht.eind_datum_handelings_termijn.isoformat() if bericht.eind_datum_handelings_termijn else "",
        bericht.soort_gebruiker.value,
    ]
    for b in bericht.bijlagen:
        parts.extend((hashlib.sha256(b.inhoud).hexdigest(), b.omschrijving, str(b.volgorde)))
    return uuid.uuid5(BERICHT_ID_NAMESPACE, "\x1f".join(parts))


def read_letters(
    path: str | Path, *, afzender: Oin | str | None = None, stream: Berichtstroom | None = None
) -> Iterator[Bericht]:
    """The letters of a CSV, JSON or JSON Lines file, in file order (see the module docs for the format).

    With ``afzender`` (the sender's OIN) a letter without a ``bericht_id`` gets :func:`stable_bericht_id`;
    without it a new random one. With a ``stream`` the columns are the stream's variables."""
    for record in read_letter_records(path, afzender=afzender, stream=stream):
        yield record.bericht


def read_letter_records(
    path: str | Path, *, afzender: Oin | str | None = None, stream: Berichtstroom | None = None
) -> Iterator[LetterRecord]:
    """:func:`read_letters` with each letter's record number and place in the file.

    Raises :class:`LetterFileError` at the first record that cannot be read."""
    source = _as_path(path)
    for number, (where, row) in enumerate(_entries(source, columns=stream is None), start=1):
        if isinstance(row, LetterFileError):
            raise row
        bericht = (
            _bericht(source, where, row, afzender)
            if stream is None
            else _stream_bericht(source, where, row, stream, afzender)
        )
        yield LetterRecord(number, where, bericht)


def letter_file_rows(path: str | Path) -> Iterator[tuple[str, Mapping[str, Any] | LetterFileError]]:
    """Each record of a letter file as (where, its raw fields), or (where, the error) for a record that
    is broken on its own (not a JSON object, more fields than columns); no letter is built. Raises
    :class:`LetterFileError` when the file as a whole cannot be read."""
    return _entries(_as_path(path))


def _as_path(path: object) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise ArgumentTypeError(f"a letter file is named by a path, got {type(path).__name__}")
    return Path(path)


def _entries(
    source: Path, *, columns: bool = True
) -> Iterator[tuple[str, Mapping[str, Any] | LetterFileError]]:
    """Each record of the file as (where, its fields), or (where, the error) for a record that is broken
    on its own; a file that cannot be read at all raises :class:`LetterFileError` without a record."""
    suffix = source.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(source, columns)
    elif suffix == ".json":
        rows = _json_rows(source, columns)
    elif suffix in _JSON_LINES:
        rows = _json_lines_rows(source, columns)
    else:
        raise LetterFileError(source, "", "INPUT", "", "expected a .csv, .json, .jsonl or .ndjson file")
    try:
        yield from rows
    except OSError as exc:
        raise LetterFileError(
            source, "", "INPUT", "", f"cannot read the file: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError as exc:
        raise LetterFileError(
            source, "", "INPUT", "", f"not UTF-8 text (byte {exc.start}): save the file as UTF-8"
        ) from None


def _csv_rows(
    source: Path, columns: bool = True
) -> Iterator[tuple[str, Mapping[str, Any] | LetterFileError]]:
    with source.open(newline="", encoding="utf-8-sig") as f:
        first = f.readline()
        f.seek(0)
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.DictReader(f, delimiter=delimiter)
        if columns:  # a stream's file has its own columns (the stream's variables)
            _check_columns(source, "line 1", list(reader.fieldnames or []))
        for row in reader:
            # The line the record starts on: a quoted field may hold line breaks.
            where = (
                f"line {reader.line_num - sum(v.count(chr(10)) for v in row.values() if isinstance(v, str))}"
            )
            if None in row:
                yield where, LetterFileError(source, where, "INPUT", "", "more fields than columns")
                continue
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue  # a blank line (spreadsheets often end with some)
            yield where, row


def _json_rows(
    source: Path, columns: bool = True
) -> Iterator[tuple[str, Mapping[str, Any] | LetterFileError]]:
    try:
        data = json.loads(source.read_bytes())
    except (ValueError, RecursionError) as exc:
        raise LetterFileError(source, "", "INPUT", "", f"not JSON: {exc}") from None
    if isinstance(data, Mapping):
        data = data.get("letters", data.get("berichten"))
    if not isinstance(data, list):
        raise LetterFileError(source, "", "INPUT", "", 'expected a list of letters or {"letters": [...]}')
    for i, item in enumerate(data, start=1):
        where = f"record {i}"
        if not isinstance(item, Mapping):
            yield where, LetterFileError(source, where, "INPUT", "", "a letter must be a JSON object")
            continue
        yield where, (_columns_error(source, where, list(item)) if columns else None) or item


def _json_lines_rows(
    source: Path, columns: bool = True
) -> Iterator[tuple[str, Mapping[str, Any] | LetterFileError]]:
    with source.open(encoding="utf-8-sig") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"line {n}"
            try:
                item = json.loads(line)
            except (ValueError, RecursionError) as exc:
                yield where, LetterFileError(source, where, "INPUT", "", f"not JSON: {exc}")
                continue
            if not isinstance(item, Mapping):
                yield where, LetterFileError(source, where, "INPUT", "", "a letter must be a JSON object")
                continue
            yield where, (_columns_error(source, where, list(item)) if columns else None) or item


def _check_columns(source: Path, where: str, names: list[str]) -> None:
    # The CSV header: a wrong one makes the whole file unreadable.
    error = _columns_error(source, where, names)
    if error is not None:
        raise LetterFileError(source, where, error.rule, error.field, error.message, whole_file=True)


def _columns_error(source: Path, where: str, names: list[str]) -> LetterFileError | None:
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        return LetterFileError(
            source, where, "INPUT", unknown[0], f"unknown column; the columns are {', '.join(COLUMNS)}"
        )
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        return LetterFileError(source, where, "INPUT", missing[0], "required column is missing")
    return None


def _value(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _datetime(source: Path, where: str, field: str, rule: str, value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LetterFileError(source, where, rule, field, "expected an ISO 8601 date or date-time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise LetterFileError(
                source, where, rule, field, f"{value!r} is not an ISO 8601 date or date-time"
            ) from None
        parsed = datetime(day.year, day.month, day.day)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=DUTCH_TIME)


def _bijlagen(source: Path, where: str, value: Any) -> list[Bijlage]:
    if value is None:
        return []
    if isinstance(value, str):
        paths = [p.strip() for p in value.split(";") if p.strip()]
    elif isinstance(value, list) and all(isinstance(p, str) for p in value):
        paths = [p.strip() for p in value if p.strip()]
    else:
        raise LetterFileError(source, where, "BIJ-01", "bijlage", "expected one or two file paths")
    if len(paths) > MAX_BIJLAGEN:
        raise LetterFileError(
            source, where, "BIJ-01", "bijlage", f"{len(paths)} attachments; at most {MAX_BIJLAGEN} per letter"
        )
    bijlagen = []
    for volgorde, name in enumerate(paths, start=1):
        pdf = Path(name) if Path(name).is_absolute() else source.parent / name
        try:
            bijlagen.append(Bijlage.from_path(pdf, volgorde=volgorde))
        except StorageError as exc:
            raise LetterFileError(source, where, "BIJ-06", "bijlage", str(exc)) from None
        except InvalidValueError as exc:
            raise LetterFileError(source, where, exc.rule, "bijlage", f"{name}: {exc.message}") from None
    return bijlagen


def _bericht(source: Path, where: str, row: Mapping[str, Any], afzender: Oin | str | None = None) -> Bericht:
    bericht, errors = _read_bericht(source, where, row, afzender)
    if bericht is None:
        raise errors[0]
    return bericht


# Stand-ins for a field found wrong, so the record's other fields are still judged (never sent).
_STAND_INS: Final[dict[str, Any]] = {
    "bsn": "999900006",
    "bericht_type": "X",
    "onderwerp": "x",
    "bericht_tekst": None,
    "referentie": None,
    "publicatie_datum": None,
    "eind_datum_handelings_termijn": None,
    "bijlagen": [],
}


def _read_bericht(
    source: Path, where: str, row: Mapping[str, Any], afzender: Oin | str | None
) -> tuple[Bericht | None, list[LetterFileError]]:
    """The letter of a record, or (``None``, every problem of the record): each field is judged, not
    only the first wrong one."""
    errors: list[LetterFileError] = []

    def parsed(read: Any, *args: Any) -> Any:
        try:
            return read(*args)
        except LetterFileError as exc:
            errors.append(exc)
            return None

    for key in REQUIRED:
        if _value(row, key) is None:
            errors.append(LetterFileError(source, where, "INPUT", key, "is empty"))
    bericht_id = _value(row, "bericht_id")
    if bericht_id is not None:
        try:
            bericht_id = uuid.UUID(str(bericht_id))
        except ValueError:
            errors.append(LetterFileError(source, where, "BER-01", "bericht_id", "is not a GUID"))
            bericht_id = None
    values: dict[str, Any] = {
        "bsn": str(_value(row, "bsn")),
        "bericht_type": str(_value(row, "bericht_type")),
        "onderwerp": str(_value(row, "onderwerp")),
        "bericht_tekst": _value(row, "bericht_tekst"),
        "referentie": _value(row, "referentie"),
        "publicatie_datum": parsed(
            _datetime, source, where, "publicatie_datum", "BER-03", _value(row, "publicatie_datum")
        ),
        "eind_datum_handelings_termijn": parsed(
            _datetime,
            source,
            where,
            "eind_datum_handelings_termijn",
            "BER-04",
            _value(row, "eind_datum_handelings_termijn"),
        ),
        "bijlagen": parsed(_bijlagen, source, where, _value(row, "bijlage")) or [],
    }
    for error in errors:
        key = "bijlagen" if error.field == "bijlage" else error.field
        if key in _STAND_INS:
            values[key] = _STAND_INS[key]
    bericht: Bericht | None = None
    for _ in range(len(values) + 1):
        try:
            bericht = Bericht.create(**values, bericht_id=bericht_id)
            break
        except InvalidValueError as exc:
            errors.append(LetterFileError(source, where, exc.rule, exc.field, exc.message))
            key = re.split(r"[.\[]", exc.field, maxsplit=1)[0]
            if key not in _STAND_INS or values[key] == _STAND_INS[key]:
                break  # nothing left to stand in for: the other fields stay unjudged
            values[key] = _STAND_INS[key]
    if errors or bericht is None:
        return None, errors
    if bericht_id is None and afzender is not None:
        bericht = attrs.evolve(bericht, bericht_id=stable_bericht_id(afzender, bericht))
    return bericht, []


#: Columns a letters file for a berichtstroom gives itself; every other column is a template variable.
STREAM_COLUMNS: Final = ("bsn", "bijlage", "bericht_id")


def _stream_bericht(
    source: Path, where: str, row: Mapping[str, Any], stream: Berichtstroom, afzender: Oin | str | None
) -> Bericht:
    bsn = _value(row, "bsn")
    if bsn is None:
        raise LetterFileError(source, where, "INPUT", "bsn", "is empty or missing")
    bericht_id = _value(row, "bericht_id")
    try:
        parsed_id = uuid.UUID(str(bericht_id)) if bericht_id is not None else None
    except ValueError:
        raise LetterFileError(source, where, "BER-01", "bericht_id", "is not a GUID") from None
    bijlagen = [b.inhoud for b in _bijlagen(source, where, _value(row, "bijlage"))]
    variables = {k: _value(row, k) for k in row if isinstance(k, str) and k not in STREAM_COLUMNS}
    try:
        bericht = stream.render(str(bsn), variables, bijlagen, bericht_id=parsed_id)
    except RenderError as exc:
        first = exc.violations[0]
        raise LetterFileError(source, where, first.rule, first.path, first.message) from None
    except InvalidValueError as exc:  # the BSN itself (BER-09)
        raise LetterFileError(source, where, exc.rule, exc.field, exc.message) from None
    if parsed_id is None and afzender is not None:
        bericht = attrs.evolve(bericht, bericht_id=stable_bericht_id(afzender, bericht))
    return bericht


# --- checking a whole file -------------------------------------------------------------------------------

# Element and attribute names of a violation's path, as the letter file's columns.
_COLUMN_OF: Final = {
    "GebruikerID": "bsn",
    "BerichtType": "bericht_type",
    "Onderwerp": "onderwerp",
    "BerichtTekst": "bericht_tekst",
    "Referentie": "referentie",
    "PublicatieDatum": "publicatie_datum",
    "EindDatumHandelingsTermijn": "eind_datum_handelings_termijn",
    "Bijlagen": "bijlage",
    "Bijlage": "bijlage",
    "BerichtID": "bericht_id",
    "bijlagen": "bijlage",
}


def _column(violation: Violation) -> str:
    """The column of the letter file a violation of its letter is about ('' when none is)."""
    for segment in re.split(r"[./]", violation.path):
        name = re.sub(r"\[\d+\]$", "", segment)
        if name in COLUMNS:
            return name
        if name in _COLUMN_OF:
            return _COLUMN_OF[name]
    return ""


@attrs.frozen
class LetterProblem:
    """One problem of a letter file: where (``record`` as ``line 4`` or ``record 3``, and the ``column``),
    which rule, what is wrong. Never holds a full BSN."""

    source: str
    record: str
    column: str
    rule: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def line(self) -> int | None:
        """The line number for CSV and JSON Lines files (``None`` for a record of a JSON list)."""
        return _line_of(self.record)

    def as_violation(self) -> Violation:
        """The problem as a :class:`~mobb_sdk.Violation` whose path names the file, record and column."""
        where = " ".join(p for p in (self.source, self.record) if p)
        return Violation(self.rule, f"{where}: {self.column or 'letter'}", self.message, self.severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "record": self.record,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "message": self.message,
            "severity": self.severity.value,
        }

    def __str__(self) -> str:
        level = "" if self.severity is Severity.ERROR else " (warning)"
        where = " ".join(p for p in (self.source, self.record) if p)
        return f"{where}: {self.rule} {self.column or 'letter'}: {self.message}{level}"


@attrs.frozen
class LetterFileCheck:
    """What :func:`check_letter_file` found: the letters that can be read (when kept), every problem,
    and how many records the file has."""

    source: Path
    records: tuple[LetterRecord, ...]
    problems: tuple[LetterProblem, ...]
    count: int

    @property
    def errors(self) -> tuple[LetterProblem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[LetterProblem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when no letter has an error (warnings allowed)."""
        return not self.errors


def check_letter_file(
    path: str | Path,
    *,
    profile: SenderProfile | None = None,
    afzender: Oin | str | None = None,
    keep: bool = True,
    max_problems: int | None = None,
    stream: Berichtstroom | None = None,
) -> LetterFileCheck:
    """Read and judge a whole letter file: every letter that cannot be read, every rule a letter breaks
    (the bundled XSD and the per-letter rules of ``profile``), and letters that occur twice (the same
    BerichtID), each as a :class:`LetterProblem` with its line and column. Nothing stops at the first.

    ``afzender`` (default: the profile's sender) derives the BerichtIDs (:func:`stable_bericht_id`).
    ``keep=False`` does not keep the letters (a huge file is only judged); ``max_problems`` stops
    after that many errors. Raises :class:`LetterFileError` only when the file as a whole cannot be read.
    With a ``stream`` the file's columns are the stream's variables (see the module docs).
    """
    source = _as_path(path)
    profile = profile if profile is not None else SenderProfile()
    sender = afzender if afzender is not None else profile.sender_oin
    batch_sender = Oin(sender) if isinstance(sender, str) else sender
    now = profile.now()
    kept: list[LetterRecord] = []
    problems: list[LetterProblem] = []
    seen: dict[uuid.UUID, str] = {}
    chunk: list[LetterRecord] = []
    numbers: dict[str, int] = {}
    count = 0

    judged = [0, 0]  # problems looked at, errors among them

    def errors() -> int:
        for p in problems[judged[0] :]:
            judged[1] += p.severity is Severity.ERROR
        judged[0] = len(problems)
        return judged[1]

    def judge(records: list[LetterRecord]) -> None:
        if not records:
            return
        checked = validate_letters(
            [r.bericht for r in records], profile, afzender=batch_sender or _ANY_SENDER, now=now
        )
        for record, found in zip(records, checked, strict=True):
            problems.extend(
                LetterProblem(source.name, record.where, _column(v), v.rule, v.message, v.severity)
                for v in found
            )

    for number, (where, row) in enumerate(_entries(source, columns=stream is None), start=1):
        if max_problems is not None and errors() >= max_problems:
            break
        count += 1
        numbers[where] = number
        if isinstance(row, LetterFileError):
            problems.append(LetterProblem(source.name, where, row.field, row.rule, row.message))
            continue
        if stream is None:
            found, record_errors = _read_bericht(source, where, row, sender)
        else:
            try:
                found, record_errors = _stream_bericht(source, where, row, stream, sender), []
            except LetterFileError as exc:
                found, record_errors = None, [exc]
        if found is None:
            problems.extend(
                LetterProblem(
                    source.name, where, "bijlage" if e.field == "bijlagen" else e.field, e.rule, e.message
                )
                for e in record_errors
            )
            continue
        record = LetterRecord(number, where, found)
        # Without a sender the letters keep random ids; copies are still found by their content.
        derived = sender is None and _value(row, "bericht_id") is None
        key = stable_bericht_id(_ANY_SENDER, record.bericht) if derived else record.bericht.bericht_id
        first = seen.setdefault(key, where)
        if first != where:
            problems.append(
                LetterProblem(
                    source.name,
                    where,
                    "bericht_id",
                    "BER-01",
                    f"the same BerichtID as {first}: the same letter twice (same recipient and content), "
                    "or a bericht_id used twice; remove the copy or give each letter its own bericht_id",
                )
            )
            continue
        chunk.append(record)
        if keep:
            kept.append(record)
        if len(chunk) >= CHECK_CHUNK:
            judge(chunk)
            chunk = []
    judge(chunk)
    problems.sort(key=lambda p: numbers.get(p.record, 0))  # file order (sort is stable)
    return LetterFileCheck(source, tuple(kept), tuple(problems), count)


#: The sender used to judge letters when none is known (the XSD needs one; BATCH-05 is then not judged).
_ANY_SENDER: Final = Oin("00000099000000000000")
