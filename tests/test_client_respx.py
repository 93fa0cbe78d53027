"""The respx recipes of docs/how-to/testing-with-respx.md, and the docs' guards against drift."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import respx

from mobb_sdk import AsyncClient, Client, DeliveryEvent, EventType, HttpStatusError, VerwerkingsCode
from mobb_sdk._lifecycle import outcome_summary
from tests.client_fakes import EBMS_URL, WUS_URL, make_config
from tests.conftest import make_batch

DOCS = Path(__file__).parents[1] / "docs" / "how-to"


@respx.mock
def test_respx_global_mock_of_a_bad_cpa() -> None:
    route = respx.post(f"{EBMS_URL}/ebms/messages").respond(400, text="unknown cpaId")
    batch = make_batch(1)
    with Client(make_config()) as client, pytest.raises(HttpStatusError) as info:
        client.send(batch)
    assert route.call_count == 1
    assert info.value.status == 400
    assert info.value.batch_id == batch.batch_id
    assert "unknown cpaId" in str(info.value)


def test_respx_router_as_transport_sync() -> None:
    router = respx.MockRouter(assert_all_called=True)
    router.get(f"{EBMS_URL}/ebms/events/unprocessed").respond(
        200, json=[{"messageId": "m-1", "type": "DELIVERED"}]
    )
    router.patch(f"{EBMS_URL}/ebms/events/m-1").respond(204)
    handled: list[DeliveryEvent] = []
    with Client(make_config(), transport=httpx.MockTransport(router.handler)) as client:
        assert client.process_events(handled.append) == 1
    assert handled == [DeliveryEvent("m-1", EventType.DELIVERED)]
    router.assert_all_called()


def test_respx_router_as_transport_async() -> None:
    router = respx.MockRouter(assert_all_called=True)
    router.post(f"{EBMS_URL}/ebms/messages").mock(
        side_effect=[httpx.Response(502), httpx.Response(200, text="msg-2")]
    )

    async def run() -> str:
        slept: list[float] = []

        async def sleep(s: float) -> None:
            slept.append(s)

        async with AsyncClient(
            make_config(), transport=httpx.MockTransport(router.async_handler), sleep=sleep
        ) as c:
            receipt = await c.send(make_batch(2))
        assert len(slept) == 1
        return receipt.message_id

    assert asyncio.run(run()) == "msg-2"
    first, second = (call.request.content for call in router.calls)
    assert first == second


@respx.mock
def test_respx_wus_route() -> None:
    from mobb_sdk import Abonnement, Bsn, ValidateAbonnementenAntwoord, to_soap
    from tests.conftest import TEST_BSNS

    answer = ValidateAbonnementenAntwoord((Abonnement(TEST_BSNS[0], True), Abonnement(TEST_BSNS[1], False)))
    route = respx.post(WUS_URL).respond(200, content=to_soap(answer))
    with Client(make_config()) as client:
        result = client.check_subscriptions("WOZ", TEST_BSNS[:2])
    assert result == {Bsn(TEST_BSNS[0]): True, Bsn(TEST_BSNS[1]): False}
    assert route.calls.last.request.headers["SOAPAction"].startswith('"http://schemas.rdw.nl/')


def test_the_outcomes_page_lists_every_code_and_its_action() -> None:
    # The per-code table is generated from the enum (docs/_ext/mobb_catalogue.py: code, rule, the
    # lifecycle's outcome, action), so it cannot miss a code; nothing is typed out beside it.
    text = (DOCS / "outcomes.md").read_text()
    assert "```{mobb-verwerkingscodes}\n:outcome:\n```" in text
    for code in VerwerkingsCode:
        assert not any(line.startswith(f"| `{code.value}` |") for line in text.splitlines()), code
        assert code.action and (
            code.rule is None or code.rule.split("-")[0] in {"ABO", "BER", "BIJ", "BATCH"}
        )
    summaries = {code.value: outcome_summary(code) for code in VerwerkingsCode}
    assert summaries["Verwerkt"] == "`DELIVERED`"
    assert summaries["NietActiefOfGeabonneerd"] == "`PAPER`"
    assert (
        summaries["BerichtBestaatAl"]
        == "`DELIVERED` after a resend of ours or with `stable_ids`, else `FAILED`"
    )
    assert {
        summaries[c.value]
        for c in VerwerkingsCode
        if c.value not in ("Verwerkt", "NietActiefOfGeabonneerd", "BerichtBestaatAl")
    } == {"`FAILED`"}


def test_the_doctest_example_of_the_testing_page_runs() -> None:
    import doctest
    import re

    text = (DOCS / "testing-with-respx.md").read_text()
    (block,) = re.findall(r"```\{doctest\}\n(.*?)```", text, flags=re.S)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block, {}, "testing-with-respx", str(DOCS), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0
    assert runner.tries > 5
