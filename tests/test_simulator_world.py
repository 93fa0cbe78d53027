"""The simulator's world: defaults, TOML and JSON files, errors naming file and key, changes in tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobb_sdk import ConfigurationError, Oin, elfproef
from mobb_sdk.simulator import ALL_TYPES, DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, Person, Sender, World

TOML = """
enforce_subscriptions = true

[[senders]]
oin = "00000099000000001000"
name = "Gemeente Test"
cpa_id = "cpa-test"
bericht_types = ["WOZ", "BELAST"]

[[persons]]
bsn = "999900006"
name = "Anna"
active_box = true
subscriptions = { "00000099000000001000" = ["WOZ"] }

[[persons]]
bsn = "999900018"
active_box = false
"""


def test_default_world():
    world = World.default()
    assert Oin(DEFAULT_SENDER_OIN.value).kind == "test OIN"
    assert set(world.cpas) == {DEFAULT_CPA_ID, "cpa-mobb-intermediair"}
    cpa = world.cpa(DEFAULT_CPA_ID)
    assert cpa is not None and cpa.party == DEFAULT_SENDER_OIN
    intermediair = world.cpa("cpa-mobb-intermediair")
    assert intermediair is not None and intermediair.afzenders == {
        "00000099000000002000",
        "00000099000000003000",
    }
    gemeente = world.sender(DEFAULT_SENDER_OIN)
    assert gemeente is not None and gemeente.bericht_types == {"WOZ", "BELAST", "PASPOORT"}
    assert len(world.persons) == 10
    for person in world.persons:
        assert person.bsn.value.startswith("9999") and elfproef(person.bsn.value)
    boxes = [p.active_box for p in world.persons]
    assert boxes.count(False) == 2
    assert world.may_receive("999900006", DEFAULT_SENDER_OIN, "WOZ")
    assert not world.may_receive("999900079", DEFAULT_SENDER_OIN, "WOZ")
    assert not world.may_receive("999900080", DEFAULT_SENDER_OIN, "WOZ")  # no active box
    assert not world.may_receive("999900122", DEFAULT_SENDER_OIN, "WOZ")  # unknown
    assert world.to_dict()["persons"][0]["subscriptions"][DEFAULT_SENDER_OIN.value] == [ALL_TYPES]


def test_load_toml(tmp_path: Path):
    path = tmp_path / "world.toml"
    path.write_text(TOML)
    world = World.load(path)
    assert list(world.cpas) == ["cpa-test"]
    anna = world.person("999900006")
    assert anna is not None and anna.name == "Anna"
    assert anna.accepts(DEFAULT_SENDER_OIN, "WOZ") and not anna.accepts(DEFAULT_SENDER_OIN, "BELAST")
    other = world.person("999900018")
    assert other is not None and not other.active_box and other.subscriptions == frozenset()


def test_load_json_round_trips_the_default(tmp_path: Path):
    path = tmp_path / "world.json"
    path.write_text(json.dumps(World.default().to_dict()))
    assert World.load(path) == World.default()


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({}, "senders", "missing"),
        ({"senders": {}}, "senders", "expected a list"),
        ({"senders": [], "colour": 1}, "colour", "unknown key"),
        ({"senders": [{"name": "x"}]}, "senders[0].oin", "missing"),
        ({"senders": [{"oin": "123"}]}, "senders[0].oin", "20 positions"),
        ({"senders": [{"oin": 5}]}, "senders[0].oin", "OIN string"),
        (
            {"senders": [{"oin": "00000099000000001000", "bericht_types": ["TOOLONGTYPE"]}]},
            "bericht_types",
            "1..8",
        ),
        (
            {"senders": [{"oin": "00000099000000001000", "bericht_types": "WOZ"}]},
            "bericht_types",
            "expected a list",
        ),
        ({"senders": [{"oin": "00000099000000001000", "cpa_id": 1}]}, "senders[0].cpa_id", "expected str"),
        (
            {"senders": [{"oin": "00000099000000001000", "clients": ["00000099000000002000"]}]},
            "clients",
            "not a sender",
        ),
        (
            {"senders": [{"oin": "00000099000000001000"}, {"oin": "00000099000000001000"}]},
            "senders[1].oin",
            "twice",
        ),
        (
            {
                "senders": [
                    {"oin": "00000099000000001000", "cpa_id": "a"},
                    {"oin": "00000099000000002000", "cpa_id": "a"},
                ]
            },
            "senders[1].cpa_id",
            "two senders",
        ),
        ({"senders": [], "persons": [{"bsn": 999900006}]}, "persons[0].bsn", "quote it"),
        ({"senders": [], "persons": [{"bsn": "123456789"}]}, "persons[0].bsn", "elfproef"),
        (
            {"senders": [], "persons": [{"bsn": "999900006", "active_box": "yes"}]},
            "persons[0].active_box",
            "bool",
        ),
        (
            {
                "senders": [],
                "persons": [{"bsn": "999900006", "subscriptions": {"00000099000000001000": ["WOZ"]}}],
            },
            "persons[0].subscriptions",
            "not a sender",
        ),
        (
            {"senders": [], "persons": [{"bsn": "999900006", "subscriptions": {"bad": ["WOZ"]}}]},
            "persons[0].subscriptions.bad",
            "20 positions",
        ),
        ({"senders": [], "persons": [{"bsn": "999900006"}, {"bsn": "999900006"}]}, "persons[1].bsn", "twice"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, data, key, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigurationError) as info:
        World.load(path)
    text = str(info.value)
    assert str(path) in text
    assert key in text
    assert message in text
    assert "123456789" not in text  # a rejected BSN is never echoed


def test_file_level_errors(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="cannot read"):
        World.load(tmp_path / "missing.toml")
    yaml = tmp_path / "world.yaml"
    yaml.write_text("senders: []")
    with pytest.raises(ConfigurationError, match=r"\.toml or \.json"):
        World.load(yaml)
    broken = tmp_path / "world.toml"
    broken.write_text("senders = [")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        World.load(broken)
    not_table = tmp_path / "world.json"
    not_table.write_text("[]")
    with pytest.raises(ConfigurationError, match="expected a table"):
        World.load(not_table)


def test_programmatic_changes_are_new_worlds():
    world = World.default()
    kees = Person("999900122", "Kees", True, [(DEFAULT_SENDER_OIN, "WOZ")])
    bigger = world.with_person(kees)
    assert world.person("999900122") is None
    assert bigger.may_receive("999900122", DEFAULT_SENDER_OIN, "WOZ")
    replaced = bigger.with_person(Person("999900122", "Kees", False))
    assert len(replaced.persons) == len(bigger.persons)
    assert not replaced.may_receive("999900122", DEFAULT_SENDER_OIN, "WOZ")
    more = world.with_sender(Sender("00000099000000004000", {"X"}, "Nieuw", "cpa-nieuw"))
    assert "cpa-nieuw" in more.cpas
    assert "999900122" not in repr(kees)
    with pytest.raises(ConfigurationError, match="not a sender"):
        world.with_person(Person("999900122", subscriptions={"00000099000000009000": ["WOZ"]}))
