"""Sphinx extension: catalogue tables generated at build time from the library itself.

Directives:

``mobb-rules``
    One table row per rule of :data:`mobb_sdk.RULES` (id, title, text, Logius' answer, where it is
    enforced with the rule's note, severity). Option ``:prefix: BER-`` keeps only the rules whose id
    starts with it.

``mobb-verwerkingscodes``
    One row per :class:`mobb_sdk.VerwerkingsCode`: the code, the rule it answers, what the sender does.
    Option ``:outcome:`` puts the letter's :class:`mobb_sdk.OutcomeStatus` in place of the kind, as the
    letter lifecycle decides it (``mobb_sdk._lifecycle.outcome_summary``; ``deliver()`` and the outbox share it).

The tables are built from the installed package when the docs are built, so the docs cannot drift from
the code. A rule a VerwerkingsCode points to that is not in ``RULES`` is reported as a warning (an error
under ``sphinx-build -W``), and so is a public name of ``mobb_sdk`` that no page documents.
"""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

_CODE_SPAN = re.compile(r"`([^`]+)`")


def _inline(text: str) -> list[nodes.Node]:
    """Plain text with ``code spans`` (single backticks, as the spec writes them) as literals."""
    parts: list[nodes.Node] = []
    position = 0
    for match in _CODE_SPAN.finditer(text):
        if match.start() > position:
            parts.append(nodes.Text(text[position : match.start()]))
        parts.append(nodes.literal(match.group(1), match.group(1)))
        position = match.end()
    if position < len(text):
        parts.append(nodes.Text(text[position:]))
    return parts


def _as_text(value: Any) -> str:
    """A readable cell value: enums by their value, collections joined, ``None`` as a dash."""
    if value is None or value == "" or value == ():
        return "—"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ", ".join(_as_text(v) for v in value)
    return str(value)


def _table(
    headers: Sequence[str], widths: Sequence[int], rows: Iterable[Sequence[list[nodes.Node]]], ids: str
) -> nodes.table:
    table = nodes.table(classes=["mobb-catalogue", ids])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    head_row = nodes.row()
    head += head_row
    for title in headers:
        head_row += nodes.entry("", nodes.paragraph("", title))
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", nodes.paragraph("", "", *cell))
        body += row
    return table


def _note_source(env: BuildEnvironment, obj: type) -> None:
    """Rebuild the page when the module defining ``obj`` (and its catalogue) changes."""
    source = inspect.getsourcefile(obj)
    if source:
        env.note_dependency(source)


def _enforcement(rule: Any) -> list[nodes.Node]:
    """Where the rule is enforced, then the rule's note (how mobb-sdk handles it) when it has one."""
    cell: list[nodes.Node] = [nodes.emphasis("", _as_text(rule.enforced_by))]
    note = getattr(rule, "note", "")
    if note:
        cell.append(nodes.Text(": "))
        cell.extend(_inline(note))
    return cell


class RulesDirective(SphinxDirective):
    """``mobb-rules``: the rule catalogue as a table."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"prefix": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        import mobb_sdk

        _note_source(self.env, mobb_sdk.Rule)
        prefix = self.options.get("prefix", "")
        rules = [rule for rule_id, rule in mobb_sdk.RULES.items() if rule_id.startswith(prefix)]
        if not rules:
            logger.warning("mobb-rules: no rule id starts with %r", prefix, location=self.get_location())
            return []
        rows = []
        for rule in rules:
            target = nodes.target("", "", ids=[nodes.make_id(f"rule-{rule.id}")])
            rows.append(
                [
                    [target, nodes.strong(rule.id, rule.id)],
                    _inline(_as_text(rule.title)),
                    _inline(_as_text(rule.text)),
                    _inline(_as_text(rule.logius_answer)),
                    _enforcement(rule),
                    [nodes.Text(_as_text(rule.severity))],
                ]
            )
        headers = ["Rule", "Title", "Rule text", "Logius answer", "Enforced by", "Severity"]
        return [_table(headers, [8, 14, 30, 14, 28, 6], rows, "mobb-rules")]


class VerwerkingsCodesDirective(SphinxDirective):
    """``mobb-verwerkingscodes``: every VerwerkingsCode, the rule it answers and the sender's next step."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"outcome": directives.flag}

    def run(self) -> list[nodes.Node]:
        import mobb_sdk
        from mobb_sdk._lifecycle import outcome_summary

        _note_source(self.env, mobb_sdk.VerwerkingsCode)
        rows = []
        for code in mobb_sdk.VerwerkingsCode:
            rule = code.rule
            if rule is not None and rule not in mobb_sdk.RULES:
                logger.warning(
                    "mobb-verwerkingscodes: %s points to rule %s, which is not in mobb_sdk.RULES",
                    code.value,
                    rule,
                    location=self.get_location(),
                )
            flags = "final" if code.is_final else "retryable"
            if code.is_success:
                flags = "success"
            kind = _inline(outcome_summary(code)) if "outcome" in self.options else [nodes.Text(flags)]
            rows.append(
                [
                    [nodes.literal(code.value, code.value)],
                    [nodes.Text(_as_text(rule))],
                    kind,
                    _inline(code.action),
                ]
            )
        third = "Outcome" if "outcome" in self.options else "Kind"
        headers = ["VerwerkingsCode", "Rule", third, "What the sender does"]
        return [_table(headers, [30, 10, 10, 50], rows, "mobb-verwerkingscodes")]


def check_api_documented(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn about a public name of ``mobb_sdk`` (its ``__all__``) that no page describes.

    Every public name is documented once, under ``mobb_sdk.<name>``; a name added to the package
    without docs fails ``sphinx-build -W``.
    """
    import mobb_sdk

    described = env.get_domain("py").objects  # type: ignore[attr-defined]
    missing = [name for name in mobb_sdk.__all__ if f"mobb_sdk.{name}" not in described]
    if missing:
        logger.warning("public names of mobb_sdk without API docs: %s", ", ".join(sorted(missing)))


_PRIVATE_TARGET = re.compile(r"mobb_sdk\._[a-z_]+\.(?P<name>[A-Za-z_][\w.]*)")


def resolve_public_name(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.reference | None:
    """Resolve ``mobb_sdk._models.Batch`` (how type hints and base classes name it) to ``mobb_sdk.Batch``.

    The public names are defined in private modules and documented once, under the package that
    re-exports them. Rewriting ``__module__`` instead would break ``typing.get_type_hints`` (and with it
    cattrs) inside the doctest run, so references are mapped here.
    """
    if node.get("refdomain") != "py":
        return None
    match = _PRIVATE_TARGET.fullmatch(node.get("reftarget", ""))
    if match is None:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(
        env,
        node["refdoc"],
        app.builder,
        node["reftype"],
        f"mobb_sdk.{match.group('name')}",
        node,
        contnode,
    )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-check-consistency", check_api_documented)
    app.connect("missing-reference", resolve_public_name)
    app.add_directive("mobb-rules", RulesDirective)
    app.add_directive("mobb-verwerkingscodes", VerwerkingsCodesDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
