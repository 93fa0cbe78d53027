"""The ``mobb`` command line: every command, its output and its exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mobb_sdk import Batch, to_xml
from mobb_sdk.cli import main
from mobb_sdk.cli._output import Exit
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, Simulator

from .conftest import TEST_BSNS, make_bericht

DATA = Path(__file__).parent / "data" / "xml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(main, list(args), env=env, catch_exceptions=False)


def test_help_everywhere(runner):
    for args in ([], ["validate"], ["demo"], ["check"], ["results"], ["simulator"], ["simulator", "serve"]):
        result = run(runner, *args, "--help")
        assert result.exit_code == 0, args
        assert "Usage:" in result.output


def test_usage_error_exit_code(runner):
    assert run(runner, "validate").exit_code == Exit.USAGE
    assert run(runner, "nonsense").exit_code == Exit.USAGE


def test_validate_valid_and_invalid(runner, tmp_path):
    good = tmp_path / "good.xml"
    good.write_bytes(to_xml(Batch(DEFAULT_SENDER_OIN, [make_bericht(0)])))
    result = run(runner, "validate", str(good), str(DATA / "result_valid.xml"))
    assert result.exit_code == Exit.OK, result.output
    assert f"{good}: ok" in result.output

    bad = tmp_path / "bad.xml"
    bad.write_bytes(good.read_bytes().replace(b"<ber:SoortGebruiker>Burger", b"<ber:SoortGebruiker>Bedrijf"))
    result = run(runner, "validate", str(bad))
    assert result.exit_code == Exit.VIOLATIONS
    assert (
        "BER-10" in result.output and "/Berichten/Bericht/BerichtInformatie/SoortGebruiker" in result.output
    )


def test_validate_rules_need_the_profile(runner, tmp_path):
    doc = tmp_path / "b.xml"
    doc.write_bytes(to_xml(Batch(DEFAULT_SENDER_OIN, [make_bericht(0, bericht_type="HOND")])))
    assert run(runner, "validate", str(doc)).exit_code == Exit.OK
    result = run(
        runner, "validate", str(doc), "--active-types", "WOZ,BELAST", "--sender-oin", "00000001001234567000"
    )
    assert result.exit_code == Exit.VIOLATIONS
    assert "BER-02" in result.output and "BATCH-05" in result.output


def test_validate_json_and_unreadable(runner, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text("<not-closed>")
    missing = tmp_path / "missing.xml"
    result = run(runner, "validate", "--json", str(broken), str(missing), str(DATA / "result_valid.xml"))
    assert result.exit_code == Exit.UNREADABLE
    data = json.loads(result.output)
    assert [f["readable"] for f in data["files"]] == [False, False, True]
    assert data["ok"] is False


def test_validate_never_prints_a_bsn(runner, tmp_path):
    doc = tmp_path / "b.xml"
    xml = to_xml(Batch(DEFAULT_SENDER_OIN, [make_bericht(0)]))
    doc.write_bytes(xml.replace(TEST_BSNS[0].encode(), b"123456789"))
    result = run(runner, "validate", str(doc))
    assert result.exit_code == Exit.VIOLATIONS
    assert "BER-09" in result.output and "123456789" not in result.output


def test_demo_human_and_json(runner):
    result = run(runner, "demo")
    assert result.exit_code == Exit.OK, result.output
    assert (
        "delivered" in result.output
        and "paper" in result.output
        and "BerichtTypeNietOndersteund" in result.output
    )
    assert not re.search(r"\b9999\d{5}\b", result.output)
    data = json.loads(run(runner, "demo", "--json", "--letters", "3").output)
    assert len(data["letters"]) == 4
    assert data["counts"]["failed"] == 1
    assert {row["status"] for row in data["letters"]} <= {"delivered", "paper", "failed"}
    assert data["letters"][0]["referentie"] == "WOZ-2027-00001"


@pytest.fixture
def served():
    sim = Simulator()
    with sim.serve(port=0) as server:
        yield (
            sim,
            {
                "MOBB_SENDER_OIN": str(DEFAULT_SENDER_OIN),
                "MOBB_EBMS_URL": server.ebms_url,
                "MOBB_CPA_ID": DEFAULT_CPA_ID,
                "MOBB_WUS_URL": server.wus_url,
            },
        )


def test_check_against_the_served_simulator(runner, served):
    sim, env = served
    persons = sim.world.persons
    result = run(
        runner, "check", "--type", "WOZ", str(persons[0].bsn.value), str(persons[4].bsn.value), env=env
    )
    assert result.exit_code == Exit.OK, result.output
    lines = result.output.splitlines()
    assert lines[2].split() == [persons[0].bsn.masked, "yes"]
    assert lines[3].split() == [persons[4].bsn.masked, "no"]
    assert persons[0].bsn.value not in result.output
    data = json.loads(run(runner, "check", "--json", "--type", "WOZ", persons[0].bsn.value, env=env).output)
    assert data["answers"] == [{"bsn": persons[0].bsn.masked, "may_receive": True}]


def test_check_errors(runner, served):
    _, env = served
    assert run(runner, "check", "--type", "WOZ", env=env).exit_code == Exit.USAGE
    assert run(runner, "check", "--type", "WOZ", "123456789", env=env).exit_code == Exit.VIOLATIONS
    unreachable = {**env, "MOBB_WUS_URL": "http://127.0.0.1:9/wus"}
    result = run(runner, "check", "--type", "WOZ", TEST_BSNS[0], env=unreachable)
    assert result.exit_code == Exit.TRANSPORT
    no_sender = {k: v for k, v in env.items() if k != "MOBB_SENDER_OIN"}
    result = runner.invoke(
        main, ["check", "--type", "WOZ", TEST_BSNS[0]], env={**no_sender, "MOBB_SENDER_OIN": ""}
    )
    assert result.exit_code == Exit.TRANSPORT


def test_results_collects_and_acknowledges(runner, served):
    sim, env = served
    from mobb_sdk import Client, ClientConfig

    person = sim.world.persons[0]
    with Client(ClientConfig.from_env(env)) as client:
        client.send(Batch(DEFAULT_SENDER_OIN, [make_bericht(0, bsn=person.bsn.value)]))
        client.send(Batch(DEFAULT_SENDER_OIN, [make_bericht(1, bericht_type="HOND", bsn=person.bsn.value)]))
    result = run(runner, "results", "--no-ack", env=env)
    assert result.exit_code == Exit.VIOLATIONS  # one result carries BerichtTypeNietOndersteund
    assert "Verwerkt" in result.output and "BerichtTypeNietOndersteund" in result.output
    data = json.loads(run(runner, "results", "--json", env=env).output)
    assert len(data["results"]) == 2 and data["acknowledged"] is True
    assert run(runner, "results", env=env).output.strip() == "No results waiting."


def test_simulator_serve_runs_until_stopped(tmp_path):
    world = tmp_path / "world.json"
    world.write_text(
        json.dumps(
            {
                "senders": [{"oin": str(DEFAULT_SENDER_OIN), "cpa_id": "cpa-x", "bericht_types": ["WOZ"]}],
                "persons": [{"bsn": TEST_BSNS[0], "subscriptions": {str(DEFAULT_SENDER_OIN): ["WOZ"]}}],
            }
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "mobb_sdk.cli", "simulator", "serve", "--port", "0", "--world", str(world)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = re.search(r"serving on (\S+)", first)
        assert url, first
        ebms = process.stdout.readline().split()[-1]
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.get(f"{ebms}/cpas", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert response.json() == ["cpa-x"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def _letters_csv(tmp_path: Path, rows: list[str]) -> Path:
    from mobb_sdk import make_pdf

    (tmp_path / "aanslag.pdf").write_bytes(make_pdf("Aanslag"))
    path = tmp_path / "letters.csv"
    path.write_text("bsn,bericht_type,onderwerp,bericht_tekst,referentie,bijlage\n" + "\n".join(rows) + "\n")
    return path


def test_send_delivers_a_csv(runner, served, tmp_path):
    sim, env = served
    p = sim.world.persons
    path = _letters_csv(
        tmp_path,
        [
            f"{p[0].bsn.value},WOZ,WOZ 2027,Beste inwoner,REF-1,aanslag.pdf",
            f"{p[4].bsn.value},WOZ,WOZ 2027,Beste inwoner,REF-2,",
        ],
    )
    result = run(runner, "send", str(path), "--deadline", "10", "--poll-interval", "0.05", env=env)
    assert result.exit_code == Exit.OK, result.output
    assert "delivered" in result.output and "paper" in result.output
    assert p[0].bsn.value not in result.output
    [message] = sim.inspect.sent_messages()
    assert message is not None


def test_send_exit_codes(runner, served, tmp_path):
    sim, env = served
    p = sim.world.persons
    failing = _letters_csv(tmp_path, [f"{p[0].bsn.value},HOND,Hond,tekst,R,"])
    result = run(
        runner, "send", "--json", str(failing), "--deadline", "10", "--poll-interval", "0.05", env=env
    )
    assert result.exit_code == Exit.VIOLATIONS
    assert json.loads(result.output)["letters"][0]["code"] == "BerichtTypeNietOndersteund"

    invalid = tmp_path / "bad.csv"
    invalid.write_text("bsn,bericht_type,onderwerp\n123456789,WOZ,x\n")
    result = run(runner, "send", str(invalid), env=env)
    assert result.exit_code == Exit.VIOLATIONS  # a letter breaks a rule; the file itself is readable
    assert "BER-09" in result.output and "123456789" not in result.output

    sim.faults.withhold_result()
    pending = _letters_csv(tmp_path, [f"{p[0].bsn.value},WOZ,WOZ,tekst,R,"])
    result = run(runner, "send", str(pending), "--deadline", "0.3", "--poll-interval", "0.05", env=env)
    assert result.exit_code == Exit.PENDING, result.output


def test_send_through_an_outbox_resumes_without_sending_twice(runner, served, tmp_path):
    sim, env = served
    p = sim.world.persons
    path = _letters_csv(
        tmp_path,
        [
            f"{p[0].bsn.value},WOZ,WOZ 2027,Beste inwoner,REF-1,aanslag.pdf",
            f"{p[4].bsn.value},WOZ,WOZ 2027,Beste inwoner,REF-2,",
        ],
    )
    outbox = tmp_path / "run.sqlite"
    args = ["send", str(path), "--outbox", str(outbox), "--deadline", "10", "--poll-interval", "0.05"]
    first = run(runner, *args, env=env)
    assert first.exit_code == Exit.OK, first.output
    assert outbox.exists()
    again = run(runner, *args, env=env)
    assert again.exit_code == Exit.OK, again.output
    assert len(sim.inspect.sent_messages()) == 1  # the second run found everything done
    assert sum(sim.inspect.bericht_ids_received().values()) == 1  # the paper letter was never sent
