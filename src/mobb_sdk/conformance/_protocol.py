"""The adapter protocol: its JSON Schema (``conformance/adapter-protocol.schema.json``) and validation.

Every request the suite sends is checked against the schema before it leaves (a bug in the suite must
not pass as a product failure), and every answer of an adapter after it comes back: a malformed answer
fails the case, with the schema's complaints as evidence.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Mapping
from typing import Any, Final, Literal

from mobb_sdk import ConfigurationError
from mobb_sdk.conformance._catalogue import SCHEMA_FILE, data_dir
from mobb_sdk.conformance._evidence import Evidence

__all__ = ["Kind", "protocol_schema", "schema_errors", "validate_message"]

Kind = Literal["request", "live_response", "document_response"]
_KINDS: Final = ("request", "live_response", "document_response")


@functools.cache
def protocol_schema() -> dict[str, Any]:
    """The adapter protocol's JSON Schema (draft 2020-12) as shipped with the package."""
    path = data_dir() / SCHEMA_FILE
    try:
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the adapter protocol schema {path}: {exc}") from None
    return schema


@functools.cache
def _validator(kind: str) -> Any:
    try:
        # Through import_module: jsonschema ships no type information (types-jsonschema is optional).
        jsonschema: Any = importlib.import_module("jsonschema")
    except ImportError:  # pragma: no cover - the extra is missing
        raise ConfigurationError(
            "the conformance suite needs jsonschema: pip install 'mobb-sdk[conformance]'"
        ) from None
    schema = protocol_schema()
    # One definition of the schema as the root, so its "#/$defs/..." references resolve unchanged.
    sub = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"}
    return jsonschema.Draft202012Validator(sub)


def schema_errors(message: object, kind: Kind) -> list[str]:
    """Every way ``message`` breaks the schema's definition ``kind``, as ``path: message`` lines."""
    if kind not in _KINDS:
        raise ValueError(f"kind is one of {_KINDS}")
    errors = sorted(_validator(kind).iter_errors(message), key=lambda e: list(e.absolute_path))
    lines = []
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        # The instance may hold letter data: keep only the schema's complaint, cut short.
        lines.append(f"{where}: {error.message[:300]}")
    return lines


def validate_message(message: object, kind: Kind) -> list[Evidence]:
    """Evidence for each schema violation of an adapter's answer (empty: the answer is well-formed)."""
    if not isinstance(message, Mapping):
        return [Evidence("protocol", f"the answer is not a JSON object but {type(message).__name__}")]
    return [
        Evidence("protocol", f"the answer breaks the adapter protocol schema ({kind}): {line}")
        for line in schema_errors(message, kind)
    ]
