"""Letters from a CSV or JSON file: the one reader behind ``mobb send`` (with or without ``--outbox``).

Columns (CSV header, or JSON keys): ``bsn``, ``bericht_type``, ``onderwerp`` (required), ``bericht_tekst``,
``referentie``, ``publicatie_datum``, ``eind_datum_handelings_termijn``, ``bijlage`` (one or two PDF paths,
``;``-separated, relative to the file's folder; in JSON also a list) and ``bericht_id`` (optional, else
generated). Dates are ISO 8601; a date or a time without an offset is Dutch local time.

Files: ``.csv`` (UTF-8, a BOM allowed, ``,`` or ``;`` between fields), ``.json`` (a list of objects, or
``{"letters": [...]}``), ``.jsonl``/``.ndjson`` (one object per line). CSV and JSON Lines are read one
record at a time, so a file of any size streams. A record that cannot be read raises
:class:`LetterFileError` naming the file, the line or record, the field and the rule; never a full BSN.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from mobb_sdk._errors import InvalidValueError, scrub
from mobb_sdk._models import MAX_BIJLAGEN, Bericht, Bijlage

__all__ = ["COLUMNS", "LetterFileError", "LetterRecord", "read_letter_records", "read_letters"]

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


class LetterFileError(InvalidValueError):
    """A record of a letter file cannot be read. ``source`` is the file, ``record`` where in it
    (``line 4`` of a CSV or JSON Lines file, ``record 3`` of a JSON list), ``field`` the column."""

    def __init__(self, source: Path, record: str, rule: str, field: str, message: str) -> None:
        message = scrub(message, 300)
        super().__init__(rule, field, message)
        self.source = source
        self.record = record
        where = " ".join(p for p in (source.name, record) if p)
        self.args = (f"{where}: {rule} {field or 'record'}: {message}",)


@attrs.frozen
class LetterRecord:
    """One letter of a file, with where it came from: ``number`` counts records from 1 in file order
    (a stable key for re-reading the same file) and ``where`` is the line or record for messages."""

    number: int
    where: str
    bericht: Bericht


def read_letters(path: str | Path) -> Iterator[Bericht]:
    """The letters of a CSV, JSON or JSON Lines file, in file order (see the module docs for the format)."""
    for record in read_letter_records(path):
        yield record.bericht


def read_letter_records(path: str | Path) -> Iterator[LetterRecord]:
    """:func:`read_letters` with each letter's record number and place in the file."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(source)
    elif suffix == ".json":
        rows = _json_rows(source)
    elif suffix in _JSON_LINES:
        rows = _json_lines_rows(source)
    else:
        raise LetterFileError(source, "", "INPUT", "", "expected a .csv, .json, .jsonl or .ndjson file")
    for number, (where, row) in enumerate(rows, start=1):
        yield LetterRecord(number, where, _bericht(source, where, row))


def _csv_rows(source: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    with source.open(newline="", encoding="utf-8-sig") as f:
        first = f.readline()
        f.seek(0)
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.DictReader(f, delimiter=delimiter)
        _check_columns(source, "line 1", list(reader.fieldnames or []))
        for row in reader:
            if None in row:
                raise LetterFileError(
                    source, f"line {reader.line_num}", "INPUT", "", "more fields than columns"
                )
            if not any((v or "").strip() for v in row.values()):
                continue  # a blank line (spreadsheets often end with some)
            yield f"line {reader.line_num}", row


def _json_rows(source: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
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
            raise LetterFileError(source, where, "INPUT", "", "a letter must be a JSON object")
        _check_columns(source, where, list(item))
        yield where, item


def _json_lines_rows(source: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    with source.open(encoding="utf-8-sig") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"line {n}"
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise LetterFileError(source, where, "INPUT", "", f"not JSON: {exc}") from None
            if not isinstance(item, Mapping):
                raise LetterFileError(source, where, "INPUT", "", "a letter must be a JSON object")
            _check_columns(source, where, list(item))
            yield where, item


def _check_columns(source: Path, where: str, names: list[str]) -> None:
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise LetterFileError(
            source, where, "INPUT", unknown[0], f"unknown column; the columns are {', '.join(COLUMNS)}"
        )
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise LetterFileError(source, where, "INPUT", missing[0], "required column is missing")


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
        except OSError as exc:
            raise LetterFileError(
                source, where, "BIJ-06", "bijlage", f"cannot read {name}: {exc.strerror or exc}"
            ) from None
        except InvalidValueError as exc:
            raise LetterFileError(source, where, exc.rule, "bijlage", f"{name}: {exc.message}") from None
    return bijlagen


def _bericht(source: Path, where: str, row: Mapping[str, Any]) -> Bericht:
    for key in REQUIRED:
        if _value(row, key) is None:
            raise LetterFileError(source, where, "INPUT", key, "is empty")
    bericht_id = _value(row, "bericht_id")
    if bericht_id is not None:
        try:
            bericht_id = uuid.UUID(str(bericht_id))
        except ValueError:
            raise LetterFileError(source, where, "BER-01", "bericht_id", "is not a GUID") from None
    bsn = _value(row, "bsn")
    try:
        return Bericht.create(
            bsn=str(bsn),
            bericht_type=str(_value(row, "bericht_type")),
            onderwerp=str(_value(row, "onderwerp")),
            bericht_tekst=_value(row, "bericht_tekst"),
            referentie=_value(row, "referentie"),
            publicatie_datum=_datetime(
                source, where, "publicatie_datum", "BER-03", _value(row, "publicatie_datum")
            ),
            eind_datum_handelings_termijn=_datetime(
                source,
                where,
                "eind_datum_handelings_termijn",
                "BER-04",
                _value(row, "eind_datum_handelings_termijn"),
            ),
            bijlagen=_bijlagen(source, where, _value(row, "bijlage")),
            bericht_id=bericht_id,
        )
    except LetterFileError:
        raise
    except InvalidValueError as exc:
        raise LetterFileError(source, where, exc.rule, exc.field, exc.message) from None
