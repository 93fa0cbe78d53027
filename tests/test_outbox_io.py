"""Letter files (``mobb_sdk._letters_io``, shared by ``mobb send`` and the outbox) and the ``mobb outbox``
commands on a finished outbox."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from mobb_sdk import Client, make_pdf
from mobb_sdk._letters_io import LetterFileError, read_letter_records, read_letters
from mobb_sdk.cli._outbox import outbox_group
from mobb_sdk.outbox import Outbox
from tests.outbox_support import ALL_TEST_BSNS, OIN, config, letters, simulator

BSN = ALL_TEST_BSNS[2]


def test_csv_with_semicolons_attachments_and_dates(tmp_path: Path) -> None:
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "a.pdf").write_bytes(make_pdf("a"))
    (tmp_path / "b.pdf").write_bytes(make_pdf("b"))
    path = tmp_path / "l.csv"
    path.write_text(
        "\ufeffbsn;bericht_type;onderwerp;bericht_tekst;referentie;publicatie_datum;bijlage\n"
        f'{BSN};WOZ;Aanslag;"Regel 1\nRegel 2";R-1;2027-02-01;"pdf/a.pdf;b.pdf"\n'
        "\n",
        encoding="utf-8",
    )
    [record] = read_letter_records(path)
    b = record.bericht
    assert record.number == 1 and b.bericht_tekst == "Regel 1\nRegel 2"
    assert [x.volgorde for x in b.bijlagen] == [1, 2] and b.bijlagen[0].omschrijving == "a.pdf"
    assert b.publicatie_datum == datetime.fromisoformat("2027-02-01T00:00:00+01:00")


def test_json_and_json_lines(tmp_path: Path) -> None:
    item = {"bsn": BSN, "bericht_type": "WOZ", "onderwerp": "x", "bijlage": []}
    (tmp_path / "l.json").write_text(json.dumps({"letters": [item, item]}))
    (tmp_path / "l.jsonl").write_text(json.dumps(item) + "\n\n" + json.dumps(item) + "\n")
    assert len(list(read_letters(tmp_path / "l.json"))) == 2
    assert [r.where for r in read_letter_records(tmp_path / "l.jsonl")] == ["line 1", "line 3"]


@pytest.mark.parametrize(
    ("content", "where", "rule", "field"),
    [
        ("bsn,bericht_type,onderwerp\n123456789,WOZ,x\n", "line 2", "BER-09", "bsn"),
        ("bsn,bericht_type,onderwerp\n{bsn},WOZ,\n", "line 2", "INPUT", "onderwerp"),
        ("bsn,bericht_type,onderwerp,kleur\n", "line 1", "INPUT", "kleur"),
        ("bsn,bericht_type\n", "line 1", "INPUT", "onderwerp"),
        ("bsn,bericht_type,onderwerp,bijlage\n{bsn},WOZ,x,missing.pdf\n", "line 2", "BIJ-06", "bijlage"),
        (
            "bsn,bericht_type,onderwerp,publicatie_datum\n{bsn},WOZ,x,morgen\n",
            "line 2",
            "BER-03",
            "publicatie_datum",
        ),
        ("bsn,bericht_type,onderwerp\n{bsn},WOZ," + "x" * 51 + "\n", "line 2", "BER-05", "onderwerp"),
    ],
)
def test_errors_name_the_line_the_field_and_the_rule(
    tmp_path: Path, content: str, where: str, rule: str, field: str
) -> None:
    path = tmp_path / "l.csv"
    path.write_text(content.format(bsn=BSN))
    with pytest.raises(LetterFileError) as info:
        list(read_letters(path))
    assert (info.value.record, info.value.rule, info.value.field) == (where, rule, field)
    assert str(info.value).startswith(f"l.csv {where}: {rule} {field}")
    assert "123456789" not in str(info.value)  # never a full BSN


def test_status_and_export_commands(tmp_path: Path) -> None:
    sim = simulator(200)
    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN) as outbox, Client(config(), transport=sim.transport()) as client:
        outbox.enqueue_many(letters(200))
        assert outbox.run(client, wait=5, poll_interval=0.0).complete
    runner = CliRunner()
    status = runner.invoke(outbox_group, ["status", str(path), "--json"])
    assert status.exit_code == 0, status.output
    data = json.loads(status.output)
    assert data["states"]["result"] + data["states"]["paper"] == 200 and data["runner"] is None
    shown = runner.invoke(outbox_group, ["export", str(path), "--outcome", "paper"])
    assert shown.exit_code == 0 and "*****" in shown.output
    assert not any(b in shown.output for b in ALL_TEST_BSNS[:200])
    refused = runner.invoke(outbox_group, ["export", str(path), "--outcome", "paper", "--with-bsn"])
    assert refused.exit_code == 2  # full BSNs only into a file
    out = tmp_path / "paper.csv"
    written = runner.invoke(
        outbox_group, ["export", str(path), "--outcome", "paper", "--with-bsn", "-o", str(out)]
    )
    assert written.exit_code == 0
    assert out.read_text().count("\n") - 1 == data["outcomes"]["paper"]
