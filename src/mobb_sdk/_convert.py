"""Models to plain data (dicts, JSON) and back, with cattrs.

Bytes travel as base64 text, datetimes as ISO 8601 with their offset, GUIDs as text, BSNs and OINs as
their digits, enums as their wire values. Bad input raises :class:`~mobb_sdk.ConversionError` listing
every problem with its path (``$.berichten[2].onderwerp``) and, where one applies, the rule id.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError, StructureHandlerNotFoundError

from mobb_sdk._errors import ArgumentTypeError, ConversionError, InvalidValueError
from mobb_sdk._ids import Bsn, Oin
from mobb_sdk._models import BerichtResultaat, BerichtResultaten

__all__ = ["converter", "from_dict", "from_json", "to_dict", "to_json"]

T = TypeVar("T")


class _Refused(ValueError):
    """A message of our own hooks: safe to show (it never echoes the rejected value)."""


converter = cattrs.Converter(detailed_validation=True)


def _structure_bytes(value: Any, _: type) -> bytes:
    if not isinstance(value, str):
        raise _Refused(f"expected base64 text, got {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise _Refused("not valid base64") from None


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise _Refused(f"expected an ISO 8601 date-time, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _Refused("not an ISO 8601 date-time") from None


def _structure_text(value: Any, _: type) -> str:
    # Refuse silent coercion (cattrs would turn 12 into "12"): a JSON number is not a subject line.
    if not isinstance(value, str):
        raise _Refused(f"expected text, got {type(value).__name__}")
    return value


def _structure_uuid(value: Any, _: type) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


converter.register_unstructure_hook(bytes, lambda b: base64.b64encode(b).decode("ascii"))
converter.register_structure_hook(bytes, _structure_bytes)
converter.register_unstructure_hook(datetime, datetime.isoformat)
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(uuid.UUID, str)
converter.register_structure_hook(uuid.UUID, _structure_uuid)
converter.register_structure_hook(str, _structure_text)
converter.register_unstructure_hook(Bsn, lambda b: b.value)
converter.register_structure_hook(Bsn, lambda v, _: Bsn(v))
converter.register_unstructure_hook(Oin, lambda o: o.value)
converter.register_structure_hook(Oin, lambda v, _: Oin(v))
converter.register_unstructure_hook(
    BerichtResultaten, lambda items: [converter.unstructure(b, BerichtResultaat) for b in items]
)
converter.register_structure_hook(
    BerichtResultaten,
    lambda v, _: BerichtResultaten(converter.structure(v, tuple[BerichtResultaat, ...])),
)


def _describe(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, InvalidValueError):
        return f"{exc.rule}: {exc.message}"
    if isinstance(exc, KeyError):
        return "required field missing"
    # Builtin messages (int(), UUID()) echo the rejected value, which could be a BSN: only ours are shown.
    name = getattr(type_, "__name__", str(type_))
    if isinstance(exc, _Refused):
        return f"invalid value for {name}: {exc}"
    return f"invalid value for {name}"


def to_dict(model: Any) -> Any:
    """The model as plain data (dicts, lists, str, int, bool, None) ready for ``json.dumps``."""
    return converter.unstructure(model)


def from_dict(data: Any, cls: type[T]) -> T:
    """Build a ``cls`` model from plain data, checking every rule the model checks."""
    try:
        return converter.structure(data, cls)
    except StructureHandlerNotFoundError:
        raise ArgumentTypeError(f"{getattr(cls, '__name__', cls)} cannot be built from plain data") from None
    except (ClassValidationError, IterableValidationError) as exc:
        raise ConversionError(cattrs.transform_error(exc, format_exception=_describe)) from None
    except InvalidValueError as exc:
        raise ConversionError([f"{exc.rule}: {exc.message} @ $.{exc.field}"]) from None
    except (TypeError, ValueError) as exc:
        raise ConversionError([f"{_describe(exc, cls)} @ $"]) from None
    except RecursionError:
        raise ConversionError(["the data is nested too deeply to be a model @ $"]) from None


def to_json(model: Any, **dumps_kwargs: Any) -> str:
    try:
        return json.dumps(to_dict(model), ensure_ascii=False, **dumps_kwargs)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"{type(model).__name__} has no JSON form: {exc}") from None


def from_json(text: str | bytes, cls: type[T]) -> T:
    if not isinstance(text, str | bytes | bytearray):
        raise ConversionError([f"not JSON: expected text or bytes, got {type(text).__name__}"])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConversionError([f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]) from None
    except UnicodeDecodeError:
        raise ConversionError(["not JSON: the bytes are not UTF-8, UTF-16 or UTF-32 text"]) from None
    except RecursionError:
        raise ConversionError(["not JSON a model can hold: nested too deeply"]) from None
    return from_dict(data, cls)
