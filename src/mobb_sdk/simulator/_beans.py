"""How CXF and Jackson turn a send's body into ebms-core's beans, before any ebms-core code runs.

ebms-admin gives CXF a Jackson ``ObjectMapper`` with its defaults for reading, and ebms-core's beans
(Lombok ``@Data`` with ``@ConstructorProperties`` creators and ``@NonNull`` fields) decide the rest:

- an unknown property anywhere is refused (``FAIL_ON_UNKNOWN_PROPERTIES``);
- a missing or null non-null property (``properties``, ``cpaId``, a data source's ``contentType`` and
  ``content``) is refused by the bean's constructor;
- a number or a boolean where text goes is taken as its text; an object or a list is refused;
- ``content`` is base64 with padding; blanks between groups of four are skipped; a JSON list of
  numbers (-128..255) is taken as the bytes.

A refusal is :class:`Unreadable` (CXF answers a bare 500). Checked against CXF 4.0.6 and Jackson 2.17.2
with the harness of tests/test_cxf_wire.py, which has ebms-core 2.20.2's bean shapes.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Final

from mobb_sdk.simulator._state import REQUEST_PROPERTIES, DataSource
from mobb_sdk.simulator._wire import Unreadable

__all__ = ["DATA_SOURCE_FIELDS", "MESSAGE_REQUEST_FIELDS", "read_json", "request_properties", "send_request"]

MESSAGE_REQUEST_FIELDS: Final = ("properties", "dataSources")
DATA_SOURCE_FIELDS: Final = ("name", "contentId", "contentType", "content")


def read_json(content: bytes) -> Any:
    """The JSON value of a body or part (Unreadable when it is not JSON, trailing text included)."""
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Unreadable("not JSON") from None


def _fields(value: object, known: tuple[str, ...], bean: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unreadable(f"a {bean} is a JSON object")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise Unreadable(f"unknown {bean} properties {unknown}")
    return value


def _text(value: object, field: str) -> str | None:
    """A String property as Jackson reads it: text, null, or a scalar's text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    raise Unreadable(f"{field} is text, not {type(value).__name__}")


def _non_null(value: str | None, field: str) -> str:
    if value is None:
        raise Unreadable(f"{field} is marked non-null but is null")
    return value


def request_properties(value: object) -> dict[str, str | None]:
    """A ``MessageRequestProperties`` bean: every property as text or None; cpaId non-null."""
    fields = _fields(value, REQUEST_PROPERTIES, "MessageRequestProperties")
    props = {key: _text(fields.get(key), key) for key in REQUEST_PROPERTIES}
    _non_null(props["cpaId"], "cpaId")
    return props


def _content(value: object) -> bytes:
    """A ``byte[]``: base64 text (padding required, blanks skipped between groups of four) or a list
    of numbers."""
    if isinstance(value, list):
        if not all(isinstance(b, int) and not isinstance(b, bool) and -128 <= b <= 255 for b in value):
            raise Unreadable("content is a list of byte values")
        return bytes(b & 0xFF for b in value)
    if not isinstance(value, str):
        raise Unreadable("content is base64 text")
    try:  # the common case, without blanks: the same bytes as below, decoded at C speed
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        pass
    return _content_with_blanks(value)


def _content_with_blanks(value: str) -> bytes:
    groups: list[str] = []
    i = 0
    while i < len(value):
        if value[i] <= " ":
            i += 1
            continue
        groups.append(value[i : i + 4])
        i += 4
    try:
        return base64.b64decode("".join(groups), validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable("content is not base64") from None


def _data_source(value: object) -> DataSource:
    fields = _fields(value, DATA_SOURCE_FIELDS, "DataSource")
    content = fields.get("content")
    if content is None:
        raise Unreadable("content is marked non-null but is null")
    return DataSource(
        _text(fields.get("name"), "name"),
        _text(fields.get("contentId"), "contentId"),
        _non_null(_text(fields.get("contentType"), "contentType"), "contentType"),
        _content(content),
    )


def send_request(body: object) -> tuple[dict[str, str | None], list[DataSource]] | None:
    """A ``MessageRequest`` bean: its properties and data sources (none when ``dataSources`` is absent
    or null). ``None`` for the JSON ``null`` (CXF then hands ebms-core no request at all)."""
    if body is None:
        return None
    fields = _fields(body, MESSAGE_REQUEST_FIELDS, "MessageRequest")
    if fields.get("properties") is None:
        raise Unreadable("properties is marked non-null but is null")
    props = request_properties(fields["properties"])
    sources = fields.get("dataSources")
    if sources is None:
        return props, []
    if not isinstance(sources, list):
        raise Unreadable("dataSources is a JSON list")
    return props, [_data_source(s) for s in sources]
