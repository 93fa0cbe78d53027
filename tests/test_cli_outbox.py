"""``mobb validate`` of letter files, ``mobb outbox`` problem lists and exports as an operator uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from mobb_sdk.cli import main
from mobb_sdk.cli._output import Exit
from mobb_sdk.outbox import Outbox
from tests.outbox_support import OIN, letters, write_letters_jsonl

SRC = str(Path(__file__).parents[1] / "src")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _bad_csv(tmp_path: Path) -> Path:
    path = tmp_path / "letters.csv"
    path.write_text(
        "bsn,bericht_type,onderwerp,publicatie_datum\n"
        "999900006,WOZ,WOZ 2027,\n"
        "123456789,WOZ,WOZ 2027,\n"
        f"999900018,WOZ,{'x' * 51},\n"
        "999900031,WOZ,WOZ 2027,morgen\n"
    )
    return path


def test_validate_reads_letter_files_and_lists_every_problem(tmp_path):
    path = _bad_csv(tmp_path)
    result = run("validate", str(path))
    assert result.exit_code == Exit.VIOLATIONS, result.output
    assert "not well-formed" not in result.output
    assert f"{path}: INVALID: 3 problem(s) in 4 letter(s)" in result.output
    for where, column, rule in (("line 3", "bsn", "BER-09"), ("line 4", "onderwerp", "BER-05")):
        assert any(
            line.split()[:4] == [*where.split(), column, rule] for line in result.output.splitlines()
        ), (where, result.output)
    assert "publicatie_datum" in result.output and "BER-03" in result.output
    assert "123456789" not in result.output

    data = json.loads(run("validate", "--json", str(path)).output)
    [entry] = data["files"]
    assert entry["readable"] is True and entry["ok"] is False and entry["letters"] == 4
    assert [p["line"] for p in entry["problems"]] == [3, 4, 5]

    good = tmp_path / "good.jsonl"
    write_letters_jsonl(good, 3)
    result = run("validate", str(good))
    assert result.exit_code == Exit.OK, result.output
    assert f"{good}: ok, 3 letter(s)" in result.output


def test_validate_letter_file_unreadable_exits_3(tmp_path):
    path = tmp_path / "letters.json"
    path.write_text("[{")
    result = run("validate", str(path))
    assert result.exit_code == Exit.UNREADABLE
    assert "cannot read" in result.output and "not JSON" in result.output


def test_the_outbox_prints_its_problem_list_once(tmp_path):
    path = _bad_csv(tmp_path)
    env = {"MOBB_SENDER_OIN": str(OIN)}
    result = CliRunner().invoke(
        main, ["outbox", "send", str(tmp_path / "o.outbox"), str(path)], env=env, catch_exceptions=False
    )
    assert result.exit_code == Exit.VIOLATIONS, result.output
    assert result.output.count("BER-09") == 1 and result.output.count("BER-05") == 1
    assert "nothing enqueued" in result.output


def test_export_into_a_closed_pipe_exits_quietly(tmp_path):
    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN) as outbox:
        outbox.enqueue_many(letters(1500))  # far more than a pipe buffer holds
    process = subprocess.Popen(
        [sys.executable, "-m", "mobb_sdk.cli", "outbox", "export", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    assert process.stdout is not None and process.stderr is not None
    header = process.stdout.readline()
    process.stdout.close()  # what `head -1` does
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == Exit.OK
    assert header.startswith(b"referentie") or b"," in header
    assert stderr == b"", stderr.decode()


def test_tariff_counts_free_units_and_compares_with_paper():
    from decimal import Decimal

    from mobb_sdk.tariff import Tariff, run_cost

    cost = run_cost(digital=1500, paper=200, tariff=Tariff(paper_per_letter=Decimal("0.95")))
    assert (cost.free_units, cost.billable_units, cost.digital_cost) == (1000, 500, Decimal("160.00"))
    assert (cost.paper_cost, cost.total, cost.saving) == (
        Decimal("190.00"),
        Decimal("350.00"),
        Decimal("1265.00"),
    )
    later = run_cost(digital=300, paper=0, units_used_before=900)
    assert (later.free_units, later.billable_units, later.digital_cost) == (100, 200, Decimal("64.00"))
    assert later.paper_cost is None and later.total == Decimal("64.00") and later.saving is None
    assert run_cost(digital=10, paper=1).total is None  # paper letters without a paper price
    import pytest

    from mobb_sdk import ConfigurationError

    with pytest.raises(ConfigurationError):
        Tariff(per_unit=Decimal("-1"))
    with pytest.raises(ConfigurationError):
        run_cost(digital=-1, paper=0)


def test_outbox_report_and_the_run_summary_say_what_it_cost(tmp_path):
    from mobb_sdk import Client
    from tests.outbox_support import config, simulator

    sim = simulator(30)
    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN) as outbox, Client(config(), transport=sim.transport()) as client:
        outbox.enqueue_many(letters(30))
        summary = outbox.run(client, wait=5, poll_interval=0.0)
    digital = summary.outcomes[mobb_outcome("delivered")]
    paper = summary.outcomes[mobb_outcome("paper")]
    assert digital and paper and digital + paper == 30
    assert summary.cost().digital == digital

    data = json.loads(
        run("outbox", "report", str(path), "--json", "--units-used", "990", "--paper-cost", "1").output
    )
    cost = data["cost"]
    assert (cost["letters_digital"], cost["letters_paper"]) == (digital, paper)
    assert cost["free_units"] == 10 and cost["billable_units"] == digital - 10
    assert cost["digital_cost_eur"] == f"{0.32 * (digital - 10):.2f}"
    assert cost["all_paper_cost_eur"] == f"{30:.2f}"
    text = run("outbox", "report", str(path), "--tariff", "0.5", "--free-units", "0").output
    assert f"EUR {0.5 * digital:,.2f}" in text and "no paper price given" in text


def mobb_outcome(name: str):
    from mobb_sdk.outbox import OutcomeStatus

    return OutcomeStatus(name)


def test_files_with_full_bsns_are_owner_only(tmp_path):
    import stat

    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN) as outbox:
        outbox.enqueue_many(letters(3))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    out = tmp_path / "paper.csv"
    out.write_text("old")
    out.chmod(0o644)
    result = run("outbox", "export", str(path), "--with-bsn", "-o", str(out))
    assert result.exit_code == Exit.OK, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    from tests.outbox_support import ALL_TEST_BSNS

    assert ALL_TEST_BSNS[0] in out.read_text() and out.read_text().count("\n") == 4


def test_the_outbox_reports_the_first_failure_not_only_the_last(tmp_path):
    from mobb_sdk import Client, RetryPolicy
    from tests.outbox_support import config, simulator

    sim = simulator(5)
    # The first try is answered 503, the second never answered (applied=False: nothing arrived).
    sim.faults.fail_next("send", status=503, retry_after=None).drop_next("send", applied=False)
    retry = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01)
    with (
        Outbox(tmp_path / "o.outbox", afzender=OIN) as outbox,
        Client(config(retry=retry), transport=sim.transport(), sleep=lambda _: None) as client,
    ):
        outbox.enqueue_many(letters(5))
        summary = outbox.run(client, wait=0)
    [error] = summary.errors
    assert "2 attempts in" in error
    assert "first attempt:" in error and "HTTP 503" in error
    assert "http://127.0.0.1:8080/service/rest/v19" in error


def test_validate_finds_copies_without_a_sender(tmp_path):
    path = tmp_path / "letters.csv"
    path.write_text(
        "bsn,bericht_type,onderwerp\n999900006,WOZ,Hallo\n999900018,WOZ,Hallo\n999900006,WOZ,Hallo\n"
    )
    result = run("validate", str(path))
    assert result.exit_code == Exit.VIOLATIONS
    assert "line 4  bericht_id  BER-01  the same BerichtID as line 2" in result.output


def test_every_problem_of_one_record_is_listed(tmp_path):
    path = tmp_path / "letters.csv"
    path.write_text(
        "bsn,bericht_type,onderwerp,referentie,publicatie_datum,bijlage\n"
        f"123456789,WOZ,{'x' * 51},{'r' * 26},morgen,missing.pdf\n"
    )
    data = json.loads(run("validate", "--json", str(path)).output)
    found = {(p["line"], p["column"], p["rule"]) for p in data["files"][0]["problems"]}
    assert found == {
        (2, "bsn", "BER-09"),
        (2, "onderwerp", "BER-05"),
        (2, "referentie", "BER-08"),
        (2, "publicatie_datum", "BER-03"),
        (2, "bijlage", "BIJ-06"),
    }
