"""What a case found: :class:`Evidence` lines, and the masking every line goes through."""

from __future__ import annotations

import re
from typing import Final

import attrs

__all__ = ["Evidence", "mask"]

# A possible BSN: a run of 8 to 10 digits (the invalid BSNs of the catalogue included). OINs (20
# digits), GUIDs, sizes and timestamps never hold such a run on its own.
_BSN_LIKE: Final = re.compile(r"(?<![\d])\d{8,10}(?![\d])")


def mask(text: str, limit: int = 2000) -> str:
    """``text`` cut to ``limit`` characters with every BSN-like run masked as ``*****1234``."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _BSN_LIKE.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)


def _masked(value: str | None) -> str | None:
    return None if value is None else mask(value)


@attrs.frozen
class Evidence:
    """One finding of a case: which check, what was wrong (or seen), where, and which rule.

    ``path`` is the element path in the batch (``/Berichten/Bericht[1]/BerichtInformatie/Onderwerp``) or
    the field of the adapter's answer; ``seen`` is what the simulator saw, when that matters. ``ok``
    findings are kept as context (what the product did right) and do not fail the case. Every text is
    masked when the evidence is made, so no report or log can show a full BSN.
    """

    check: str
    message: str = attrs.field(converter=mask)
    rule: str | None = None
    path: str | None = attrs.field(default=None, converter=_masked)
    seen: str | None = attrs.field(default=None, converter=_masked)
    ok: bool = False

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"check": self.check, "message": self.message, "ok": self.ok}
        if self.rule is not None:
            out["rule"] = self.rule
        if self.path is not None:
            out["path"] = self.path
        if self.seen is not None:
            out["seen"] = self.seen
        return out

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        rule = f"{self.rule} " if self.rule else ""
        seen = f" (seen: {self.seen})" if self.seen else ""
        return f"{rule}[{self.check}]{where}: {self.message}{seen}"
