"""The adapter protocol's JSON Schema: valid itself, and validated against the docs' and shipped examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("jsonschema")

import jsonschema

from mobb_sdk.conformance import (
    Capabilities,
    ExpectedFailures,
    Verdict,
    data_dir,
    load_catalogue,
    protocol_schema,
    run_case,
    schema_errors,
)
from mobb_sdk.conformance._document import document_request
from mobb_sdk.conformance._inputs import AttachmentStore
from mobb_sdk.conformance._live import live_request

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "conformance.md"
_BLOCK = re.compile(r"<!-- protocol: (\w+) -->\s*```json\n(.*?)```", re.S)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(protocol_schema())


def test_every_json_example_in_the_docs_is_valid() -> None:
    text = DOCS.read_text(encoding="utf-8")
    blocks = _BLOCK.findall(text)
    assert len(blocks) >= 5
    # Every JSON block of the page is a labelled protocol example: none escapes this test.
    assert text.count("```json") == len(blocks)
    kinds = set()
    for kind, body in blocks:
        assert schema_errors(json.loads(body), kind) == [], kind
        kinds.add(kind)
    assert kinds == {"request", "live_response", "document_response"}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("request-live.json", "request"),
        ("request-document.json", "request"),
        ("response-live.json", "live_response"),
        ("response-document.json", "document_response"),
        ("refusal.json", "document_response"),
    ],
)
def test_shipped_examples_are_valid(name: str, kind: str) -> None:
    example = json.loads((data_dir() / "examples" / name).read_text(encoding="utf-8"))
    assert schema_errors(example, kind) == []


def test_shipped_example_vendor_files_load() -> None:
    examples = data_dir() / "examples"
    capabilities = Capabilities.load(examples / "capabilities.toml")
    assert capabilities.product is not None and capabilities.product.name == "Zaaksysteem Voorbeeld"
    assert "bulk" in capabilities.supported and "intermediary" not in capabilities.supported
    expected = ExpectedFailures.load(examples / "expected-failures.toml", load_catalogue())
    assert "MOBB-DOC-016" in expected


@pytest.mark.parametrize(
    ("answer", "kind", "complaint"),
    [
        ({"case_id": "MOBB-LIVE-001"}, "live_response", "'letters' is a required property"),
        (
            {"case_id": "MOBB-LIVE-001", "letters": [{"ref": "L1", "outcome": "lost"}]},
            "live_response",
            "letters/0/outcome",
        ),
        (
            {"case_id": "MOBB-LIVE-001", "letters": [{"ref": "L1", "outcome": "refused"}]},
            "live_response",
            "'rule' is a required",
        ),
        ({"case_id": "MOBB-DOC-001"}, "document_response", "(root)"),
        (
            {"case_id": "MOBB-DOC-001", "refusal": {"rule": "BER-99x", "reason": "x"}},
            "document_response",
            "refusal/rule",
        ),
    ],
)
def test_malformed_answers_are_named(answer: dict, kind: str, complaint: str) -> None:
    assert any(complaint in line for line in schema_errors(answer, kind))


def test_every_request_the_suite_builds_is_valid(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    store = AttachmentStore(tmp_path)
    from datetime import UTC, datetime

    endpoints = {
        "ebms_url": "http://127.0.0.1:1/service/rest/v19",
        "cpa_id": "cpa-mobb-demo",
        "party_id": "urn:osb:oin:00000099000000001000",
        "logius_party_id": "urn:osb:oin:00000001822477348000",
        "wus_url": "http://127.0.0.1:1/wus/BerichtenboxValidatieService",
    }
    for case in catalogue:
        if case.mode.value == "document":
            request = document_request(case, catalogue, datetime.now(UTC), store)
        else:
            request = live_request(case, catalogue, endpoints, store)
        assert schema_errors(request, "request") == [], case.id


class _Malformed:
    def run_case(self, request: dict, context: object) -> dict:
        return {"case_id": request["case_id"], "letters": [{"ref": "L1", "outcome": "sent"}]}


def test_a_malformed_answer_fails_the_case_with_the_schema_complaint() -> None:
    result = run_case(load_catalogue().get("MOBB-LIVE-001"), _Malformed())
    assert result.verdict is Verdict.FAILED
    assert result.evidence[0].check == "protocol"
    assert "letters/0/outcome" in result.evidence[0].message


def test_the_wire_examples_show_every_exchange_of_a_delivery() -> None:
    """The contract page's examples come from a real delivery; each exchange a product must make is there."""
    from mobb_sdk.conformance import wire_examples

    ex = wire_examples()
    assert set(ex) >= {"wus", "send", "events", "ack_event", "results", "message", "ack_message"}
    assert dict(ex["wus"].headers)["soapaction"].startswith('"http://schemas.rdw.nl/GEB/')
    send = json.loads(ex["send"].request_body)
    assert (
        send["properties"]["action"] == "GLOBE-R-BV-Request"
        and send["properties"]["conversationId"] == "<BatchID>"
    )
    assert "<ber:BerichtID><BerichtID-1></ber:BerichtID>" in (ex["send"].payload or "")
    assert "eventTypes=FAILED" in ex["events"].target and "action=GLOBE-R-BV-Result" in ex["results"].target
    assert "<VerwerkingsCode>Verwerkt</VerwerkingsCode>" in (ex["message"].payload or "")
    assert ex["ack_message"].method == "PATCH" and ex["ack_message"].status == 204
    assert wire_examples() == ex  # stable: the docs doctest the same text
