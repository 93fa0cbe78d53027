"""What a check finds: a :class:`Violation` (rule id, path, message, severity) and the report of a run."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator

import attrs

from mobb_sdk._errors import ArgumentTypeError, ValidationError

__all__ = ["Report", "Severity", "Violation"]


class Severity(enum.Enum):
    """How bad a violation is: an ``ERROR`` makes Logius refuse the letter, a ``WARNING`` does not."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Violation:
    """One broken rule.

    ``path`` says where, in model terms (``berichten[3].bijlagen[1].omschrijving``) when the problem is
    in a batch, or as the element path of the document (``/Berichten/Bericht[4]/...``) when the model
    cannot be known. ``xpath`` holds the element path too when it is known. ``letter`` is the 0-based
    index of the letter in its batch that the violation concerns, set by whoever found it (the rules,
    the XSD check, the codec); ``None`` for the batch as a whole or a document that is not a batch.
    It says what the path says, so it takes no part in equality.
    """

    rule: str
    path: str
    message: str
    severity: Severity = Severity.ERROR
    xpath: str | None = None
    letter: int | None = attrs.field(default=None, kw_only=True, eq=False)

    def __str__(self) -> str:
        level = "" if self.severity is Severity.ERROR else " (warning)"
        return f"{self.rule} at {self.path or '/'}: {self.message}{level}"


def _as_tuple(violations: Iterable[Violation]) -> tuple[Violation, ...]:
    items = (
        tuple(violations) if isinstance(violations, Iterable) and not isinstance(violations, str) else None
    )
    if items is None or not all(isinstance(v, Violation) for v in items):
        raise ArgumentTypeError("a Report holds a list of Violation objects")
    return items


@attrs.frozen
class Report:
    """The outcome of a validation: every violation found, errors and warnings alike."""

    violations: tuple[Violation, ...] = attrs.field(default=(), converter=_as_tuple)

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when no violation is an error (warnings allowed)."""
        return not self.errors

    @property
    def rules(self) -> frozenset[str]:
        return frozenset(v.rule for v in self.violations)

    def __iter__(self) -> Iterator[Violation]:
        return iter(self.violations)

    def raise_for_errors(self) -> None:
        """Raise :class:`~mobb_sdk.ValidationError` carrying every violation when there is an error."""
        if not self.ok:
            raise ValidationError(
                self.violations, f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
            )

    def merged(self, more: Iterable[Violation]) -> Report:
        return Report((*self.violations, *more))
