"""The tutorial's letter file and commands, run as the tutorial shows them (docs/tutorial.md, section 4)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from mobb_sdk.cli import main
from mobb_sdk.cli._output import Exit
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, Simulator

DOCS = Path(__file__).parents[1] / "docs"
LETTERS = DOCS / "examples" / "letters.csv"


def _commands(text: str) -> list[tuple[str, str]]:
    """Each ``$ mobb validate|send ...`` of the tutorial, in order, with the output shown after it
    (up to the next prompt or the end of the block)."""
    found = []
    for m in re.finditer(r"^\$ (mobb (?:validate|send) .*)\n", text, re.M):
        rest = text[m.end() :]
        found.append((m.group(1), rest.split("\n$ ", 1)[0].split("```", 1)[0]))
    return found


def test_the_tutorial_letter_file_goes_as_the_tutorial_says(monkeypatch):
    tutorial = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    sim = Simulator()
    with sim.serve(port=0) as server:
        env = {
            "MOBB_SENDER_OIN": str(DEFAULT_SENDER_OIN),
            "MOBB_CPA_ID": DEFAULT_CPA_ID,
            "MOBB_EBMS_URL": server.ebms_url,
            "MOBB_WUS_URL": server.wus_url,
        }
        assert all(f"{k}=" in tutorial for k in env)  # the tutorial sets each
        monkeypatch.chdir(DOCS.parent)
        runner = CliRunner()
        sends = 0
        for command, shown in _commands(tutorial):
            args = command.split()[1:]
            result = runner.invoke(main, args, env=env, catch_exceptions=False)
            assert result.exit_code == Exit.OK, (command, result.output)
            for line in shown.strip().splitlines():
                if line != "...":
                    assert line in result.output, (command, line, result.output)
            sends += args[0] == "send" and "--dry-run" not in args
        assert sends == 2
    # Three letters in their boxes once each, although the file was sent twice.
    assert len(sim.inspect.letters()) == 3
    assert sorted(sim.inspect.bericht_ids_received().values()) == [2, 2, 2]
