"""Sphinx extension: the ``mobb`` command reference, rendered from the click commands at build time.

Directive ``mobb-cli``: one section per command (``mobb``, ``mobb validate``, ``mobb simulator serve``,
...) holding the command's own ``--help`` text, so the reference cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

import click
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from mobb_sdk.cli import main


def _commands(command: click.Command, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found.extend(_commands(command.commands[name], (*path, name)))
    return found


def _help(path: tuple[str, ...], command: click.Command) -> str:
    parent: click.Context | None = None
    for name in path[:-1]:
        parent = click.Context(click.Command(name), info_name=name, parent=parent)
    ctx = click.Context(command, info_name=path[-1], parent=parent, terminal_width=100, max_content_width=100)
    return command.get_help(ctx)


class CliDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        sections: list[nodes.Node] = []
        for path, command in _commands(main, ("mobb",)):
            title = " ".join(path)
            section = nodes.section(ids=[nodes.make_id(title)])
            section += nodes.title(title, "", nodes.literal(title, title))
            text = _help(path, command)
            section += nodes.literal_block(text, text, language="text")
            sections.append(section)
        return sections


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("mobb-cli", CliDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
