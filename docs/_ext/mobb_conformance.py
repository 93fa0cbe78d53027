"""Sphinx extension: the conformance catalogue as tables, generated at build time from the shipped data.

Directives:

``mobb-conformance-catalogue``
    One row per case of ``conformance/catalogue.toml`` (id, title, rule ids linked to the rule
    catalogue, capabilities needed, what the product must do). Option ``:mode: document`` or
    ``:mode: live`` keeps one mode.

``mobb-conformance-capabilities``
    The capabilities a vendor may declare, with what each means.

``mobb-conformance-changelog``
    The catalogue's versions with their changes, newest first, and the retired case ids with why.

Built from the installed package like ``mobb_catalogue``, so the page cannot drift from the data. A
rule id of a case that is not in :data:`mobb_sdk.RULES` is reported as a warning (an error under
``sphinx-build -W``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from mobb_catalogue import _inline, _table
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


def _expectation(case: Any) -> str:
    if case.expect is not None:
        text = {
            "accept": "send it, every field unchanged",
            "refuse": "refuse it",
            "either": "refuse it or send it unchanged",
        }[case.expect.value]
        if case.refuse_rules and case.expect.value != "accept":
            text += f" (refusal naming {', '.join(case.refuse_rules)})"
        return text
    expect = case.live["expect"]
    parts = []
    for ref, wanted in expect.items():
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        parts.append(f"{ref}: {' or '.join(wanted)}")
    checks = [c.replace("_", " ") for c in case.live.get("checks", ())]
    text = "; ".join(parts) + (f"; checks: {', '.join(checks)}" if checks else "")
    earlier = case.live.get("earlier")
    if earlier is not None:
        refs = ", ".join(letter["ref"] for letter in earlier["letters"])
        text = f"{refs} in a first request {earlier['days']} days earlier; " + text
    return text


class ConformanceCatalogueDirective(SphinxDirective):
    """``mobb-conformance-catalogue``: the cases as a table."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"mode": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        import mobb_sdk
        from mobb_sdk.conformance import Mode, data_dir, load_catalogue

        self.env.note_dependency(str(data_dir() / "catalogue.toml"))
        mode = self.options.get("mode")
        catalogue = load_catalogue()
        cases = catalogue.select(Mode(mode) if mode else None)
        rows = []
        for case in cases:
            for rule in case.rules:
                if rule not in mobb_sdk.RULES:
                    logger.warning(
                        "%s names rule %s, not in mobb_sdk.RULES", case.id, rule, location=self.get_location()
                    )
            target = nodes.target("", "", ids=[nodes.make_id(f"case-{case.id}")])
            rule_cell: list[nodes.Node] = []
            for i, rule in enumerate(case.rules):
                if i:
                    rule_cell.append(nodes.Text(", "))
                rule_cell.append(nodes.reference(rule, rule, refuri=f"rules.html#rule-{rule.lower()}"))
            rows.append(
                [
                    [target, nodes.strong(case.id, case.id)],
                    _inline(case.title),
                    rule_cell,
                    [nodes.Text(", ".join(sorted(case.needs)) or "—")],
                    _inline(_expectation(case)),
                ]
            )
        table = _table(
            ["Case", "Title", "Rules", "Needs", "The product must"],
            [12, 34, 12, 12, 30],
            rows,
            "mobb-conformance",
        )
        intro = nodes.paragraph("", f"Catalogue version {catalogue.version}: {len(cases)} case(s).")
        return [intro, table]


class CapabilitiesDirective(SphinxDirective):
    """``mobb-conformance-capabilities``: the capability names a vendor may declare."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from mobb_sdk.conformance import CAPABILITIES

        rows = [[[nodes.literal(name, name)], _inline(text)] for name, text in CAPABILITIES.items()]
        return [_table(["Capability", "The product supports"], [25, 75], rows, "mobb-capabilities")]


class ChangelogDirective(SphinxDirective):
    """``mobb-conformance-changelog``: every catalogue version and the retired ids."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from mobb_sdk.conformance import data_dir, load_catalogue

        self.env.note_dependency(str(data_dir() / "catalogue.toml"))
        catalogue = load_catalogue()
        out: list[nodes.Node] = []
        for version, changes in catalogue.changelog:
            out.append(nodes.paragraph("", "", nodes.strong(f"Catalogue {version}", f"Catalogue {version}")))
            items = nodes.bullet_list()
            for change in changes:
                items += nodes.list_item("", nodes.paragraph("", "", *_inline(change)))
            out.append(items)
        rows = [
            [[nodes.literal(case_id, case_id)], _inline(reason)]
            for case_id, reason in catalogue.retired.items()
        ]
        if rows:
            out.append(nodes.paragraph("", "Retired case ids (reserved, never reused):"))
            out.append(_table(["Case", "Why it was retired"], [20, 80], rows, "mobb-retired"))
        return out


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("mobb-conformance-catalogue", ConformanceCatalogueDirective)
    app.add_directive("mobb-conformance-capabilities", CapabilitiesDirective)
    app.add_directive("mobb-conformance-changelog", ChangelogDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
