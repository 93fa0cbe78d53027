"""The errors mobb-sdk raises, all in one tree.

::

    MobbError                       every error of this library
    ├── InvalidValueError           a model field breaks a rule when the model is built (also a ValueError)
    ├── ValidationError             a document or batch breaks the XSD or the rules: ``.violations``
    ├── SchemaError                 the bundled XSDs cannot be loaded, resolved or verified
    ├── XmlError                    a document cannot be read as XML
    │   ├── XmlSecurityError        a hostile construct: DTD, entity, oversized or too deep a document
    │   └── DocumentTypeError       well-formed XML, but not a document of the interface (root, namespace)
    └── ConversionError             a plain dict/JSON value cannot be turned into a model (``.errors``)

Every error names the rule id (``BER-05``, ``BIJ-03``, ...) and where the problem is (field, path or
element) when there is one. No error message ever contains a full BSN: identifiers are masked first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mobb_sdk._violations import Violation

__all__ = [
    "ConversionError",
    "DocumentTypeError",
    "InvalidValueError",
    "MobbError",
    "SchemaError",
    "ValidationError",
    "XmlError",
    "XmlSecurityError",
]


class MobbError(Exception):
    """Base class of every error raised by mobb-sdk."""


class InvalidValueError(MobbError, ValueError):
    """A value given to a model breaks a rule of the interface.

    ``rule`` is the spec's rule id, ``field`` the attribute (or dotted path) that holds the value.
    """

    def __init__(self, rule: str, field: str, message: str) -> None:
        self.rule = rule
        self.field = field
        self.message = message
        super().__init__(f"{rule} {field}: {message}")


class ValidationError(MobbError):
    """A document or model breaks the bundled XSDs or the Logius rules.

    ``violations`` lists every problem found (rule id, path, message, severity); nothing was sent.
    """

    def __init__(self, violations: Iterable[Violation], summary: str | None = None) -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        lines = [summary or f"{len(self.violations)} violation(s)"]
        lines.extend(f"  {v}" for v in self.violations[:20])
        if len(self.violations) > 20:
            lines.append(f"  ... and {len(self.violations) - 20} more")
        super().__init__("\n".join(lines))

    @property
    def rules(self) -> frozenset[str]:
        """The rule ids that were broken."""
        return frozenset(v.rule for v in self.violations)


class SchemaError(MobbError):
    """The bundled schema set cannot be loaded: a missing file, an unresolvable import, a bad hash."""


class XmlError(MobbError):
    """A document cannot be read as XML (not well-formed, empty, truncated)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message if line is None else f"{message} (line {line})")


class XmlSecurityError(XmlError):
    """A document uses a construct the hardened parser refuses (DTD, entities, huge or deep trees)."""


class DocumentTypeError(XmlError):
    """A well-formed document whose root element is not the one expected (or not of the interface)."""


class ConversionError(MobbError):
    """Plain data (dicts, JSON) could not be structured into a model; ``errors`` lists each with its path."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = tuple(errors)
        super().__init__("cannot convert to a model:\n" + "\n".join(f"  {e}" for e in self.errors))
