"""Berichtstromen: loading (every error names file and key), rendering (every rule by its id), and the
streams in ``mobb send --stream`` and the outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from mobb_sdk import InvalidValueError, RenderError, StreamConfigError, make_pdf
from mobb_sdk._letters_io import LetterFileError, read_letters
from mobb_sdk.cli import main
from mobb_sdk.cli._output import Exit
from mobb_sdk.outbox import Outbox
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, Simulator
from mobb_sdk.streams import example_streams_path, load_streams

BSN = "999900006"
DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
PDF = make_pdf("Brief")

SEVEN = {
    "woz-beschikking",
    "belastingaanslag",
    "herinnering-reisdocument",
    "betaalspecificatie",
    "jaaropgaaf",
    "parkeervergunning",
    "ad-hoc-brief",
}


def write(tmp_path: Path, text: str, name: str = "stromen.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[berichtstromen.test]
bericht_type = "TEST"
onderwerp = "Onderwerp {x}"
"""


def test_the_shipped_examples_load_and_render() -> None:
    streams = load_streams()
    assert set(streams) == SEVEN
    for stream in streams.values():
        assert 1 <= len(stream.bericht_type) <= 8
        bericht = stream.render(BSN, {"zaak_identificatie": "ZAAK-2027-0001"}, [PDF], now=NOW)
        assert bericht.bericht_type == stream.bericht_type
        assert 1 <= len(bericht.onderwerp) <= 50
        assert bericht.referentie == "ZAAK-2027-0001"  # the zaak's identificatie fits: it is used
        assert bericht.bijlagen[0].omschrijving
        assert "{" not in (bericht.bericht_tekst or "") + bericht.onderwerp
    assert example_streams_path().name == "voorbeelden.toml"


def test_referentie_falls_back_to_the_next_pattern_that_fits() -> None:
    woz = load_streams()["woz-beschikking"]
    long_id = "ZAAK-" + "9" * 30
    assert woz.render(BSN, {"zaak_identificatie": long_id}, now=NOW).referentie == "WOZ-2027"
    assert woz.render(BSN, {}, now=NOW).referentie == "WOZ-2027"  # no zaak: the next pattern


def test_dates_follow_the_stream() -> None:
    woz = load_streams()["woz-beschikking"]
    bericht = woz.render(BSN, {}, now=NOW)
    assert bericht.publicatie_datum is None  # no offset: published at once
    eind = bericht.eind_datum_handelings_termijn
    assert eind is not None
    assert eind.astimezone(DUTCH_TIME).date() == (NOW + timedelta(days=42)).date()


def test_publication_offset_and_deadline_from_a_variable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL + 'publicatie_offset_dagen = 3\neind_datum = { variabele = "vervaldatum" }\n',
    )
    stream = load_streams(path)["test"]
    bericht = stream.render(BSN, {"x": "1", "vervaldatum": "2027-03-01"}, now=NOW)
    assert bericht.publicatie_datum == NOW + timedelta(days=3)
    assert bericht.eind_datum_handelings_termijn == datetime(2027, 3, 1, 23, 59, 59, tzinfo=DUTCH_TIME)
    with pytest.raises(RenderError) as caught:
        stream.render(BSN, {"x": "1", "vervaldatum": "morgen"}, now=NOW)
    assert caught.value.rules == {"BER-04"}
    with pytest.raises(RenderError) as caught:
        stream.render(BSN, {"x": "1"}, now=NOW)
    assert caught.value.violations[0].path == "test.eind_datum"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[berichtstromen.test\n", "", "not valid TOML"),
        ("[andere]\n", "andere", "unknown table"),
        ("", "berichtstromen", "no streams"),
        (MINIMAL + "kleur = 'rood'\n", "berichtstromen.test.kleur", "unknown key"),
        (MINIMAL.replace('"TEST"', '"TE_VERLANG9"'), "berichtstromen.test.bericht_type", "BER-02"),
        (MINIMAL.replace('bericht_type = "TEST"\n', ""), "berichtstromen.test.bericht_type", "required"),
        (MINIMAL + "publicatie_offset_dagen = 14\n", "berichtstromen.test.publicatie_offset_dagen", "BER-03"),
        (
            MINIMAL + "publicatie_offset_dagen = true\n",
            "berichtstromen.test.publicatie_offset_dagen",
            "BER-03",
        ),
        (MINIMAL.replace("{x}", "{x.__class__}"), "berichtstromen.test", "plain {name}"),
        (MINIMAL.replace("{x}", "{x!r}"), "berichtstromen.test", "plain {name}"),
        (MINIMAL.replace("{x}", "{bsn}"), "berichtstromen.test", "BER-09"),
        (MINIMAL.replace("{x}", "{x"), "berichtstromen.test", "not a valid template"),
        (MINIMAL.replace("Onderwerp {x}", "O" * 51), "berichtstromen.test.onderwerp", "BER-05"),
        (MINIMAL + "eind_datum = 42\n", "berichtstromen.test.eind_datum", "expected one of"),
        (MINIMAL + "eind_datum = { weken = 2 }\n", "berichtstromen.test.eind_datum.weken", "unknown rule"),
        (MINIMAL + "referentie = []\n", "berichtstromen.test.referentie", "non-empty"),
        (
            MINIMAL + "bijlage_omschrijving = ['a', 'b', 'c']\n",
            "berichtstromen.test.bijlage_omschrijving",
            "BIJ-01",
        ),
        (MINIMAL + "zaaktypen = ['ftp://x']\n", "berichtstromen.test.zaaktypen", "URLs"),
        (MINIMAL + "[berichtstromen.test.variabelen]\nx = 3\n", "berichtstromen.test.variabelen", "table"),
        (MINIMAL.replace("berichtstromen.test", "berichtstromen.Test"), "berichtstromen.Test", "name"),
    ],
)
def test_a_bad_file_names_the_file_and_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(StreamConfigError) as caught:
        load_streams(path)
    assert caught.value.source == str(path)
    assert caught.value.key.startswith(key) if key else caught.value.key == ""
    assert words in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_type_claimed_by_two_streams_is_refused(tmp_path: Path) -> None:
    url = "https://catalogi.example.nl/api/v1/zaaktypen/1"
    text = (
        MINIMAL
        + f"zaaktypen = ['{url}']\n"
        + MINIMAL.replace(".test]", ".twee]")
        + f"zaaktypen = ['{url}']\n"
    )
    with pytest.raises(StreamConfigError, match="claimed by stream 'test'") as caught:
        load_streams(write(tmp_path, text))
    assert caught.value.key == "berichtstromen.twee.zaaktypen"


def test_unreadable_file_and_unknown_stream(tmp_path: Path) -> None:
    with pytest.raises(StreamConfigError, match="cannot read"):
        load_streams(tmp_path / "absent.toml")
    with pytest.raises(StreamConfigError, match="no such stream; known: test") as caught:
        load_streams(write(tmp_path, MINIMAL))["nope"]
    assert caught.value.key == "berichtstromen.nope"


def test_rendered_letters_are_checked_by_rule_id(tmp_path: Path) -> None:
    stream = load_streams(
        write(
            tmp_path,
            MINIMAL + 'bericht_tekst = "{tekst}"\nreferentie = "{ref}"\nbijlage_omschrijving = "{oms}"\n',
        )
    )["test"]
    ok = {"x": "1", "tekst": "t", "ref": "R", "oms": "Bijlage"}

    def rules(strict: bool = False, **changes: object) -> set[str]:
        with pytest.raises(RenderError) as caught:
            stream.render(BSN, {**ok, **changes}, [PDF], now=NOW, strict=strict)
        assert caught.value.stream == "test"
        return set(caught.value.rules)

    assert rules(x="x" * 60) == {"BER-05"}
    assert rules(tekst="a\n" * 1500) == {"BER-06"}  # each line break counts as the four characters \r\n
    url_tekst = "zie https://example.nl, daar"
    assert stream.render(BSN, {**ok, "tekst": url_tekst}, [PDF], now=NOW)  # BER-07 is a warning
    assert rules(strict=True, tekst=url_tekst) >= {"BER-07"}
    assert rules(ref="R" * 26) == {"BER-08"}
    assert rules(oms="o" * 129) == {"BIJ-04"}
    assert rules(x=None) == {"INPUT"}
    with pytest.raises(RenderError) as caught:
        stream.render(BSN, ok, [b"GIF89a not a pdf"], now=NOW)
    assert caught.value.rules == {"BIJ-02"}
    with pytest.raises(RenderError) as caught:
        stream.render(BSN, ok, [PDF, PDF, PDF], now=NOW)
    assert caught.value.rules == {"BIJ-01"}
    with pytest.raises(RenderError) as caught:
        stream.render("123456789", ok, [PDF], now=NOW)
    assert caught.value.rules == {"BER-09"}
    assert "123456789" not in str(caught.value)
    with pytest.raises(InvalidValueError):  # RenderError is a ValidationError, not a value error
        raise InvalidValueError("BER-05", "onderwerp", "x")


def test_a_letters_file_through_a_stream(tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(PDF)
    csv = tmp_path / "letters.csv"
    csv.write_text(f"bsn,zaak_identificatie,bijlage\n{BSN},ZAAK-1,b.pdf\n999900018,,\n", encoding="utf-8")
    woz = load_streams()["woz-beschikking"]
    letters = list(read_letters(csv, stream=woz))
    assert [b.referentie for b in letters] == ["ZAAK-1", letters[1].referentie]
    assert letters[1].referentie is not None and letters[1].referentie.startswith("WOZ-")
    assert letters[0].bijlagen[0].omschrijving.startswith("WOZ-beschikking")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"bsn,zaak_identificatie\n{BSN},ok\n999900018,{'Z' * 60}\n", encoding="utf-8")
    stream = load_streams(write(tmp_path, MINIMAL + 'referentie = "{zaak_identificatie}"\n'))["test"]
    with pytest.raises(LetterFileError) as caught:
        list(read_letters(bad, stream=stream))
    assert caught.value.rule == "INPUT"  # {x} has no value in line 2 already
    assert "line 2" in str(caught.value)


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


def test_mobb_send_with_a_stream(served, tmp_path: Path) -> None:
    sim, env = served
    persons = sim.world.persons
    (tmp_path / "b.pdf").write_bytes(PDF)
    csv = tmp_path / "woz.csv"
    csv.write_text(f"bsn,zaak_identificatie,bijlage\n{persons[0].bsn.value},ZAAK-7,b.pdf\n", encoding="utf-8")
    runner = CliRunner()
    args = ["send", str(csv), "--stream", "woz-beschikking", "--deadline", "10", "--poll-interval", "0.05"]
    result = runner.invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == Exit.OK, result.output
    assert json.loads(result.output)["letters"][0]["status"] == "delivered"
    [received] = sim.inspect.bericht_ids_received()
    assert received
    unknown = runner.invoke(main, ["send", str(csv), "--stream", "nope"], env=env, catch_exceptions=False)
    assert unknown.exit_code == Exit.TRANSPORT and "no such stream" in unknown.output
    # Through the outbox (another letter): the same file and stream again adds nothing.
    csv.write_text(f"bsn,zaak_identificatie,bijlage\n{persons[2].bsn.value},ZAAK-7,b.pdf\n", encoding="utf-8")
    outbox = tmp_path / "woz.outbox"
    for _ in range(2):
        result = runner.invoke(main, [*args, "--outbox", str(outbox)], env=env, catch_exceptions=False)
        assert result.exit_code == Exit.OK, result.output
    with Outbox(outbox) as box:
        assert [row.referentie for row in box.letters()] == ["ZAAK-7"]
    assert sum(sim.inspect.bericht_ids_received().values()) == 2  # once directly, once via the outbox
