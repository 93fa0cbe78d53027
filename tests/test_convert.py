from __future__ import annotations

import json

import pytest

from mobb_sdk import (
    AbonnementAanvraag,
    Batch,
    ConversionError,
    ValidateAbonnementenAntwoord,
    VerwerkingsResultaat,
    from_dict,
    from_json,
    to_dict,
    to_json,
)

from .conftest import TEST_BSNS
from .test_codec import MODELS


@pytest.mark.parametrize("name", MODELS)
def test_every_model_round_trips_through_json(name):
    model = MODELS[name]()
    text = to_json(model)
    assert from_json(text, type(model)) == model
    assert from_dict(json.loads(text), type(model)) == model


def test_plain_data_shapes():
    data = to_dict(MODELS["batch"]())
    bericht = data["berichten"][0]
    assert isinstance(bericht["bijlagen"][0]["inhoud"], str)  # base64
    assert bericht["bijlagen"][0]["bijlage_type"] == "Pdf"
    assert "T" in data["aanmaak_datum"] and data["aanmaak_datum"].endswith("+00:00")
    assert bericht["bsn"] in TEST_BSNS


def test_errors_carry_paths_and_rules_and_never_a_bsn():
    data = to_dict(MODELS["batch"]())
    data["berichten"][1]["bsn"] = "123456789"
    data["berichten"][2]["bijlagen"][0]["volgorde"] = "12345678x"
    data["berichten"][2]["bijlagen"][0]["inhoud"] = "@@@"
    with pytest.raises(ConversionError) as info:
        from_dict(data, Batch)
    text = str(info.value)
    assert "BER-09" in text and "$.berichten[1].bsn" in text
    assert "$.berichten[2].bijlagen[0].volgorde" in text
    assert "$.berichten[2].bijlagen[0].inhoud" in text
    assert "123456789" not in text and "12345678x" not in text


def test_rule_broken_inside_a_nested_model():
    data = to_dict(MODELS["batch"]())
    data["berichten"][0]["onderwerp"] = "x" * 51
    with pytest.raises(ConversionError) as info:
        from_dict(data, Batch)
    assert any("BER-05" in e and "$.berichten[0]" in e for e in info.value.errors)


def test_missing_fields_and_wrong_types():
    with pytest.raises(ConversionError) as info:
        from_dict({"afzender": "00000001001234567000"}, Batch)
    assert any("berichten" in e and "missing" in e for e in info.value.errors)
    with pytest.raises(ConversionError):
        from_dict({"afzender": 12, "berichten": []}, Batch)


def test_bad_json_text():
    with pytest.raises(ConversionError):
        from_json("{not json", Batch)


def test_optional_nested_values():
    antwoord = MODELS["wus-response"]()
    assert to_dict(antwoord)["abonnementen"][2]["bsn"] is None
    assert from_dict(to_dict(antwoord), ValidateAbonnementenAntwoord) == antwoord
    aanvraag = MODELS["abo-volledig"]()
    assert from_dict(to_dict(aanvraag), AbonnementAanvraag) == aanvraag
    result = MODELS["result"]()
    assert from_dict(to_dict(result), VerwerkingsResultaat) == result
