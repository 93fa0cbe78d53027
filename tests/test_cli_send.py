"""``mobb send`` as an operator meets it: reruns, whole-file checks, dry runs, and what each exit code means."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mobb_sdk import make_pdf
from mobb_sdk._delivery import Outcome, OutcomeStatus
from mobb_sdk._ids import Bsn
from mobb_sdk._letters_io import LetterRecord, read_letter_records, read_letters, stable_bericht_id
from mobb_sdk._violations import Violation
from mobb_sdk.cli import main
from mobb_sdk.cli._letters import outcome_dict, outcome_rows
from mobb_sdk.cli._output import Exit
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, Simulator

FAST = ("--deadline", "10", "--poll-interval", "0.05")


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
                "MOBB_RETRY_ATTEMPTS": "1",
            },
        )


def run(*args: str, env: dict[str, str]):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def letters_csv(tmp_path: Path, rows: list[str], name: str = "letters.csv") -> Path:
    (tmp_path / "aanslag.pdf").write_bytes(make_pdf("Aanslag"))
    path = tmp_path / name
    path.write_text("bsn,bericht_type,onderwerp,bericht_tekst,referentie,bijlage\n" + "\n".join(rows) + "\n")
    return path


def test_a_rerun_delivers_nothing_twice_and_says_so(served, tmp_path):
    sim, env = served
    p = sim.world.persons
    path = letters_csv(
        tmp_path,
        [
            f"{p[0].bsn.value},WOZ,WOZ 2027,Beste inwoner,REF-1,aanslag.pdf",
            f"{p[1].bsn.value},WOZ,WOZ 2027,Beste inwoner,REF-2,",
            f"{p[6].bsn.value},WOZ,WOZ 2027,Beste inwoner,REF-3,",  # Gerrit: no subscription, paper
        ],
    )
    first = run("send", "--json", str(path), *FAST, env=env)
    assert first.exit_code == Exit.OK, first.output
    one = json.loads(first.output)
    assert [x["status"] for x in one["letters"]] == ["delivered", "delivered", "paper"]
    assert one["already_delivered"] == 0

    again = run("send", str(path), *FAST, env=env)
    assert again.exit_code == Exit.OK, again.output
    assert "2 delivered (2 already delivered by an earlier run), 1 paper" in again.output
    assert again.output.count("delivered (already)") == 2
    # Each letter is in its box once; the second run offered the same BerichtIDs.
    assert len(sim.inspect.letters()) == 2
    assert all(n == 2 for n in sim.inspect.bericht_ids_received().values())
    ids = {x["bericht_id"] for x in one["letters"]}
    assert ids == {str(r.bericht.bericht_id) for r in read_letter_records(path, afzender=DEFAULT_SENDER_OIN)}


def test_stable_ids_follow_the_content():
    from mobb_sdk import Bericht

    a = Bericht.create("999900006", "WOZ", "Onderwerp", "tekst", referentie="R-1")
    same = Bericht.create("999900006", "WOZ", "Onderwerp", "tekst", referentie="R-1")
    other = Bericht.create("999900006", "WOZ", "Onderwerp", "tekst", referentie="R-2")
    assert stable_bericht_id(DEFAULT_SENDER_OIN, a) == stable_bericht_id(DEFAULT_SENDER_OIN, same)
    assert stable_bericht_id(DEFAULT_SENDER_OIN, a) != stable_bericht_id(DEFAULT_SENDER_OIN, other)
    assert stable_bericht_id(DEFAULT_SENDER_OIN, a) != stable_bericht_id("00000099000000000000", a)


def test_a_file_with_problems_lists_every_one_and_sends_nothing(served, tmp_path):
    sim, env = served
    good = sim.world.persons[0].bsn.value
    path = letters_csv(
        tmp_path,
        [
            "123456789,WOZ,WOZ 2027,tekst,R-1,",  # line 2: elfproef
            f"{good},WOZ,WOZ 2027,tekst,R-2,",  # line 3: fine
            f"{good},WOZ,{'x' * 51},tekst,R-3,",  # line 4: onderwerp too long
            f"{good},WOZ,WOZ 2027,tekst,R-5,missing.pdf",  # line 5: attachment missing
            f"{good},WOZ,WOZ 2027,tekst,R-2,",  # line 6: a copy of line 3
        ],
    )
    result = run("send", str(path), *FAST, env=env)
    assert result.exit_code == Exit.VIOLATIONS, result.output
    assert "4 problem(s) in 5 letter(s); nothing sent" in result.output
    rows = [line.split()[:4] for line in result.output.splitlines()[3:]]
    assert [r[:4] for r in rows] == [
        ["line", "2", "bsn", "BER-09"],
        ["line", "4", "onderwerp", "BER-05"],
        ["line", "5", "bijlage", "BIJ-06"],
        ["line", "6", "bericht_id", "BER-01"],
    ]
    assert "123456789" not in result.output
    assert sim.inspect.sent_messages() == () and sim.inspect.wus_calls() == ()

    data = json.loads(run("send", "--json", str(path), env=env).output)
    assert data["sent"] is False and data["ok"] is False
    assert [(x["line"], x["column"], x["rule"]) for x in data["problems"]] == [
        (2, "bsn", "BER-09"),
        (4, "onderwerp", "BER-05"),
        (5, "bijlage", "BIJ-06"),
        (6, "bericht_id", "BER-01"),
    ]


def test_only_an_unreadable_file_exits_3(served, tmp_path):
    _, env = served
    not_json = tmp_path / "letters.json"
    not_json.write_text("{ no")
    wrong_header = tmp_path / "header.csv"
    wrong_header.write_text("bsn,bericht_type,onderwerp,kleur\n")
    other = tmp_path / "letters.txt"
    other.write_text("hello")
    for path in (not_json, wrong_header, other):
        result = run("send", str(path), env=env)
        assert result.exit_code == Exit.UNREADABLE, (path, result.output)
    assert "kleur" in run("send", str(wrong_header), env=env).output


def test_active_types_refuse_an_unknown_type_locally(served, tmp_path):
    sim, env = served
    path = letters_csv(tmp_path, [f"{sim.world.persons[0].bsn.value},HOND,Hond,tekst,R,"])
    result = run("send", str(path), "--active-types", "WOZ,BELAST", *FAST, env=env)
    assert result.exit_code == Exit.VIOLATIONS
    assert "BER-02" in result.output and "bericht_type" in result.output
    assert sim.inspect.sent_messages() == ()


def test_dry_run_checks_and_delivers_nothing(served, tmp_path):
    sim, env = served
    p = sim.world.persons
    path = letters_csv(
        tmp_path, [f"{p[0].bsn.value},WOZ,WOZ,tekst,R-1,", f"{p[6].bsn.value},WOZ,WOZ,tekst,R-2,"]
    )
    result = run("send", "--dry-run", str(path), env=env)
    assert result.exit_code == Exit.OK, result.output
    assert "dry run, nothing delivered: 1 digital, 1 paper" in result.output
    data = json.loads(run("send", "--dry-run", "--json", str(path), env=env).output)
    assert [(x["line"], x["referentie"], x["would_go"]) for x in data["letters"]] == [
        (2, "R-1", "digital"),
        (3, "R-2", "paper"),
    ]
    assert sim.inspect.sent_messages() == ()
    assert len(sim.inspect.wus_calls()) == 2


def test_json_and_table_join_up_with_the_file(served, tmp_path):
    sim, env = served
    p = sim.world.persons
    path = letters_csv(
        tmp_path, [f"{p[0].bsn.value},WOZ,WOZ,tekst,R-1,", f"{p[6].bsn.value},WOZ,WOZ,tekst,R-2,"]
    )
    data = json.loads(run("send", "--json", str(path), *FAST, env=env).output)
    first, second = data["letters"]
    assert (first["line"], first["referentie"], first["status"]) == (2, "R-1", "delivered")
    assert (second["line"], second["referentie"], second["status"]) == (3, "R-2", "paper")
    assert "ValidateAbonnementen" in second["detail"] and "no active Berichtenbox" in second["action"]
    table = run("send", str(path), *FAST, env=env).output
    assert first["bericht_id"] in table and "R-1" in table and "line 2" in table


def test_refused_letters_show_their_violations():
    record = LetterRecord(
        1, "line 2", __import__("mobb_sdk").Bericht.create("999900006", "WOZ", "x", referentie="R")
    )
    outcome = Outcome(
        record.bericht.bericht_id,
        Bsn("999900006"),
        OutcomeStatus.REFUSED,
        violations=(Violation("BER-02", "berichten[0].bericht_type", "type HOND is not active"),),
        referentie="R",
    )
    text = outcome_rows([record], [outcome])
    assert "BER-02" in text and "bericht_type: type HOND is not active" in text
    assert "fix the letter: BER-02" in text
    data = outcome_dict(record, outcome)
    assert data["violations"] == [
        {
            "rule": "BER-02",
            "field": "bericht_type",
            "path": "berichten[0].bericht_type",
            "message": "type HOND is not active",
        }
    ]


def test_ebms_core_down_shows_the_reason_and_exits_4(served, tmp_path):
    sim, env = served
    path = letters_csv(tmp_path, [f"{sim.world.persons[0].bsn.value},WOZ,WOZ,tekst,R-1,"])
    down = {**env, "MOBB_EBMS_URL": "http://127.0.0.1:9/service/rest/v19"}
    result = run("send", str(path), "--no-check", *FAST, env=down)
    assert result.exit_code == Exit.TRANSPORT, result.output
    assert "not sent" in result.output and "127.0.0.1:9" in result.output
    data = json.loads(run("send", "--json", str(path), "--no-check", *FAST, env=down).output)
    assert data["letters"][0]["status"] == "failed" and "127.0.0.1:9" in data["letters"][0]["detail"]


@pytest.mark.parametrize("code", list(Exit))
def test_every_documented_exit_code(served, tmp_path, code):
    sim, env = served
    p = sim.world.persons
    good = letters_csv(tmp_path, [f"{p[0].bsn.value},WOZ,WOZ,tekst,R-1,"], "good.csv")
    args: list[str]
    if code is Exit.OK:
        args = ["send", str(good), *FAST]
    elif code is Exit.VIOLATIONS:
        args = ["send", str(letters_csv(tmp_path, [f"{p[0].bsn.value},HOND,Hond,t,R,"], "hond.csv")), *FAST]
    elif code is Exit.USAGE:
        args = ["send", str(good), "--deadline", "soon"]
    elif code is Exit.UNREADABLE:
        (tmp_path / "x.json").write_text("[1,")
        args = ["send", str(tmp_path / "x.json")]
    elif code is Exit.TRANSPORT:
        env = {**env, "MOBB_WUS_URL": "http://127.0.0.1:9/wus"}
        args = ["send", str(good), *FAST]
    elif code is Exit.STORAGE:
        (tmp_path / "broken.outbox").write_bytes(b"not an SQLite file " * 100)
        args = ["send", str(good), "--outbox", str(tmp_path / "broken.outbox"), *FAST]
    else:
        sim.faults.withhold_result()
        args = ["send", str(good), "--deadline", "0.3", "--poll-interval", "0.05"]
    result = run(*args, env=env)
    assert result.exit_code == code, result.output
    assert str(int(code)) in main.help  # the table in `mobb --help` names it


def test_results_show_referentie_and_masked_bsn_when_known(served, tmp_path):
    sim, env = served
    p = sim.world.persons
    path = letters_csv(tmp_path, [f"{p[0].bsn.value},WOZ,WOZ,tekst,R-1,", f"{p[1].bsn.value},WOZ,WOZ,t,R-2,"])
    # Handed over as `mobb send` does (the same derived ids), the results left waiting in ebms-core.
    from mobb_sdk import Batch, Client, ClientConfig

    with Client(ClientConfig.from_env(env)) as client:
        client.send(Batch(DEFAULT_SENDER_OIN, list(read_letters(path, afzender=DEFAULT_SENDER_OIN))))
    bare = run("results", "--no-ack", env=env)
    assert "R-1" not in bare.output
    result = run("results", "--no-ack", "--letters", str(path), env=env)
    assert result.exit_code == Exit.OK, result.output
    assert "R-1" in result.output and "R-2" in result.output and p[0].bsn.masked in result.output
    assert p[0].bsn.value not in result.output
    data = json.loads(run("results", "--json", "--letters", str(path), env=env).output)
    lines = [b for m in data["results"] for b in m["berichten"]]
    assert {(b["referentie"], b["bsn"]) for b in lines} == {
        ("R-1", p[0].bsn.masked),
        ("R-2", p[1].bsn.masked),
    }


def test_results_know_the_letters_of_an_outbox(tmp_path):
    import time

    sim = Simulator(result_delay=0.3)  # the result comes after the outbox run has ended
    with sim.serve(port=0) as server:
        env = {
            "MOBB_SENDER_OIN": str(DEFAULT_SENDER_OIN),
            "MOBB_EBMS_URL": server.ebms_url,
            "MOBB_CPA_ID": DEFAULT_CPA_ID,
            "MOBB_WUS_URL": server.wus_url,
        }
        path = letters_csv(tmp_path, [f"{sim.world.persons[0].bsn.value},WOZ,WOZ,tekst,R-9,"])
        outbox = tmp_path / "run.outbox"
        sent = run("outbox", "send", str(outbox), str(path), env=env)
        assert sent.exit_code == Exit.PENDING, sent.output
        deadline = time.monotonic() + 10
        while (
            "No results waiting"
            in (shown := run("results", "--no-ack", "--outbox", str(outbox), env=env)).output
        ):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert shown.exit_code == Exit.OK, shown.output
    assert "R-9" in shown.output and sim.world.persons[0].bsn.masked in shown.output


def test_check_reports_a_bad_bsn_with_its_line_and_checks_the_rest(served, tmp_path):
    sim, env = served
    p = sim.world.persons
    listing = tmp_path / "bsns.txt"
    listing.write_text(f"# WOZ 2027\n{p[0].bsn.value}\n123456789\n\n{p[6].bsn.value}\n")
    result = run("check", "--type", "WOZ", "--from", str(listing), env=env)
    assert result.exit_code == Exit.VIOLATIONS, result.output
    assert "bsns.txt line 3: not checked: BER-09" in result.output
    assert "123456789" not in result.output
    rows = [line.split() for line in result.output.splitlines()[2:4]]
    assert rows == [[p[0].bsn.masked, "yes"], [p[6].bsn.masked, "no"]]
    letters = letters_csv(tmp_path, [f"{p[0].bsn.value},WOZ,WOZ,t,R,", "12345,WOZ,WOZ,t,R,"])
    data = json.loads(run("check", "--json", "--type", "WOZ", "--from", str(letters), env=env).output)
    assert data["answers"] == [{"bsn": p[0].bsn.masked, "may_receive": True}]
    assert [x["where"] for x in data["invalid"]] == ["letters.csv line 3"]
    # The ebMS options are there too (one set of connection options for every command).
    assert "--ebms-url" in run("check", "--help", env=env).output


def test_an_outbox_run_summary_has_a_cost_section(served, tmp_path):
    sim, env = served
    p = sim.world.persons
    path = letters_csv(tmp_path, [f"{p[0].bsn.value},WOZ,WOZ,t,R-1,", f"{p[6].bsn.value},WOZ,WOZ,t,R-2,"])
    args = ["send", str(path), "--outbox", str(tmp_path / "o.outbox"), *FAST]
    text = run(*args, env=env).output
    assert "cost: 1 letter(s) delivered digitally = 1 Logius unit(s)" in text and "1 on paper" in text
    data = json.loads(run(*args, "--json", env=env).output)
    assert data["cost"]["letters_digital"] == 1 and data["cost"]["letters_paper"] == 1
    assert data["cost"]["tariff_per_unit_eur"] == "0.32"


def test_json_errors_name_the_exchange_and_the_place(served, tmp_path):
    sim, env = served
    path = letters_csv(tmp_path, [f"{sim.world.persons[0].bsn.value},WOZ,WOZ,t,R-1,"])
    down = {**env, "MOBB_WUS_URL": "http://user:pw@127.0.0.1:9/wus"}
    result = run("send", "--json", str(path), env=down)
    assert result.exit_code == Exit.TRANSPORT
    data = json.loads(result.output)
    assert data["error"] == "ConnectionFailed" and data["attempts"] == 1
    assert data["url"] == "http://127.0.0.1:9/wus" and "pw" not in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    data = json.loads(run("send", "--json", str(bad), env=env).output)
    assert (data["error"], data["rule"]) == ("LetterFileError", "INPUT")


def test_a_rerun_through_a_new_outbox_counts_the_earlier_delivery(served, tmp_path):
    sim, env = served
    p = sim.world.persons
    path = letters_csv(tmp_path, [f"{p[0].bsn.value},WOZ,WOZ,t,R-1,", f"{p[1].bsn.value},WOZ,WOZ,t,R-2,"])
    assert run("send", str(path), *FAST, env=env).exit_code == Exit.OK
    # The same file again, now through an outbox that has never seen it: nothing new in any box,
    # and the letters count as delivered, not as failed.
    again = run("send", "--json", str(path), "--outbox", str(tmp_path / "o.outbox"), *FAST, env=env)
    assert again.exit_code == Exit.OK, again.output
    assert json.loads(again.output)["outcomes"] == {"delivered": 2}
    assert len(sim.inspect.letters()) == 2
    # A letter whose id was not derived from its content still fails on BerichtBestaatAl (BER-01).
    from mobb_sdk import Bericht, Client, ClientConfig
    from mobb_sdk.outbox import Outbox, OutcomeStatus

    [stored] = sim.inspect.letters()[:1]
    reused = Bericht.create(p[0].bsn.value, "WOZ", "Another letter", bericht_id=stored.bericht_id)
    with Outbox(tmp_path / "other.outbox", afzender=DEFAULT_SENDER_OIN) as outbox:
        outbox.enqueue(reused)
        with Client(ClientConfig.from_env(env)) as client:
            summary = outbox.run(client, wait=10, poll_interval=0.05)
    assert summary.outcomes == {OutcomeStatus.FAILED: 1}


def test_stable_ids_with_both_clients_in_process():
    import asyncio

    from mobb_sdk import AsyncClient, Bericht, Client, ClientConfig, EbmsConfig, WusConfig
    from mobb_sdk.simulator import WUS_PATH

    sim = Simulator()
    root = "http://127.0.0.1:8080"
    config = ClientConfig(
        sender_oin=DEFAULT_SENDER_OIN,
        ebms=EbmsConfig(url=root + "/service/rest/v19", cpa_id=DEFAULT_CPA_ID, party_oin=DEFAULT_SENDER_OIN),
        wus=WusConfig(url=root + WUS_PATH),
    )
    bsn = sim.world.persons[0].bsn.value
    letter = Bericht.create(bsn, "WOZ", "WOZ 2027", "tekst", referentie="R-1")
    letter = Bericht.create(
        bsn,
        "WOZ",
        "WOZ 2027",
        "tekst",
        referentie="R-1",
        bericht_id=stable_bericht_id(DEFAULT_SENDER_OIN, letter),
    )
    with Client(config, transport=sim.transport()) as client:
        [first] = client.deliver([letter], deadline=10, poll_interval=0.01, stable_ids=True)
        [plain] = client.deliver([letter], deadline=10, poll_interval=0.01)
    assert first.status is OutcomeStatus.DELIVERED and not first.already_delivered
    assert plain.status is OutcomeStatus.FAILED  # without stable_ids BerichtBestaatAl stays a failure

    async def again() -> Outcome:
        async with AsyncClient(config, transport=sim.transport()) as client:
            [outcome] = await client.deliver([letter], deadline=10, poll_interval=0.01, stable_ids=True)
            return outcome

    second = asyncio.run(again())
    assert second.status is OutcomeStatus.DELIVERED and second.already_delivered
    assert second.referentie == "R-1" and "earlier run" in second.action
    assert len(sim.inspect.letters()) == 1
