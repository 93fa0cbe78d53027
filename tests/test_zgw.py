"""The ZGW adapter against a stateful fake of the Documenten, Zaken and Notificaties APIs whose every
request and response is validated against the official OpenAPI files, with the simulator as Logius."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobb_sdk import Client, make_pdf
from mobb_sdk.outbox import Outbox
from mobb_sdk.simulator import Person, Simulator, World
from mobb_sdk.streams import load_streams
from mobb_sdk.zgw import (
    CallbackServer,
    Ontvanger,
    ZgwAdapter,
    ZgwApi,
    ZgwConfig,
    bericht_id_for,
    decode_zgw_jwt,
    subscribe,
    zgw_jwt,
)

from .outbox_support import ALL_TEST_BSNS, OIN, config
from .zgw_fake import CATALOGI, CLIENT_ID, SECRET, FakeZgw

PDF = make_pdf("Aanslag gemeentelijke belastingen 2027")
AANSLAG_IOTYPE = CATALOGI + "/informatieobjecttypen/1f2e3d4c-0000-4000-8000-000000000002"
WOZ_ZAAKTYPE = CATALOGI + "/zaaktypen/7a8b1c2d-0000-4000-8000-000000000001"
CALLBACK_AUTH = "Bearer callback-geheim-42"


def world(n: int) -> World:
    """n citizens; every 20th has no subscription (paper), the rest receive every BerichtType."""
    base = World.default()
    senders = [
        s if s.oin != OIN else type(s)(s.oin, {"WOZ", "AANSLAG", "BRIEF"}, s.name, s.cpa_id, s.clients)
        for s in base.senders
    ]
    persons = [
        Person(bsn, "", True, {OIN.value: ["*"]} if i % 20 else {}) for i, bsn in enumerate(ALL_TEST_BSNS[:n])
    ]
    return World(senders, persons)


def zgw_config(fake: FakeZgw, tmp_path: Path, **overrides: Any) -> ZgwConfig:
    from mobb_sdk import RetryPolicy

    values: dict[str, Any] = {
        "documenten_url": fake.documenten,
        "zaken_url": fake.zaken,
        "notificaties_url": fake.notificaties,
        "client_id": CLIENT_ID,
        "secret": SECRET,
        "outbox": tmp_path / "zgw.outbox",
        "callback_auth": CALLBACK_AUTH,
        "callback_url": "http://127.0.0.1:0/callback",
        "listen": "127.0.0.1:0",
        "retry": RetryPolicy(max_attempts=4, base_delay=0.0, max_delay=0.0),
        "result_wait": 5.0,
    }
    values.update(overrides)
    return ZgwConfig(**values)


class Setup:
    def __init__(self, tmp_path: Path, n: int = 40, **overrides: Any) -> None:
        self.fake = FakeZgw()
        self.sim = Simulator(world(n))
        self.config = zgw_config(self.fake, tmp_path, **overrides)
        self.outbox = Outbox(self.config.outbox, afzender=OIN)
        self.client = Client(config(), transport=self.sim.transport(), sleep=lambda s: None)
        self.api = ZgwApi(self.config, transport=self.fake.transport, sleep=lambda s: None)
        self.adapter = ZgwAdapter(
            self.config, self.outbox, self.client, api=self.api, run_options={"poll_interval": 0.01}
        )
        self.zaak = self.fake.zaak("BELASTING-2027-000001")

    def verzending(self, i: int, *, content: bytes = PDF, **kwargs: Any) -> str:
        _, betrokkene = self.fake.rol(self.zaak, ALL_TEST_BSNS[i])
        document = self.fake.document(
            content, zaak_url=self.zaak, informatieobjecttype=kwargs.pop("iotype", AANSLAG_IOTYPE), **kwargs
        )
        return self.fake.verzending(document, betrokkene)

    def close(self) -> None:
        self.adapter.close()
        self.client.close()
        self.outbox.close()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    s = Setup(tmp_path)
    yield s
    s.close()
    assert not s.fake.violations, "\n".join(s.fake.violations[:10])


def test_one_verzending_delivered_and_written_back(setup: Setup) -> None:
    url = setup.verzending(1)
    summary = setup.adapter.cycle()
    assert summary.poll.enqueued == 1 and summary.written_back == 1, summary.to_dict()
    verzending = setup.fake.verzending_by_url(url)
    bericht_id = bericht_id_for(url)
    assert verzending["toelichting"].startswith("Verzonden via MijnOverheid Berichtenbox: Verwerkt")
    assert str(bericht_id) in verzending["toelichting"]
    assert verzending["verzenddatum"] == time.strftime("%Y-%m-%d")
    assert setup.fake.patches[url] == 1
    # What Logius received: the stream's letter for the rol's BSN, the zaak's identificatie as Referentie.
    [stored] = list(setup.outbox.letters())
    assert stored.bericht_id == bericht_id and stored.key == "zgw:" + url
    assert stored.bsn.value == ALL_TEST_BSNS[1]
    assert stored.bericht_type == "AANSLAG" and stored.referentie == "BELASTING-2027-000001"
    assert setup.sim.inspect.bericht_ids_received() == {bericht_id: 1}
    # Another cycle changes nothing: nothing enqueued, sent or written again.
    again = setup.adapter.cycle()
    assert again.poll.enqueued == 0 and again.written_back == 0
    assert setup.fake.patches[url] == 1
    assert setup.sim.inspect.bericht_ids_received() == {bericht_id: 1}


def test_the_stream_is_chosen_by_informatieobjecttype_then_zaaktype(setup: Setup) -> None:
    woz_zaak = setup.fake.zaak("WOZ-2027-12", zaaktype=WOZ_ZAAKTYPE)
    _, betrokkene = setup.fake.rol(woz_zaak, ALL_TEST_BSNS[2])
    woz = setup.fake.verzending(setup.fake.document(PDF, zaak_url=woz_zaak), betrokkene)
    aanslag = setup.verzending(3)
    setup.adapter.cycle()
    types = {row.key.removeprefix("zgw:"): row.bericht_type for row in setup.outbox.letters()}
    assert types == {woz: "WOZ", aanslag: "AANSLAG"}


def test_a_paper_recipient_gets_the_paper_toelichting_and_a_postal_verzending(tmp_path: Path) -> None:
    s = Setup(tmp_path, paper_verzending=True)
    try:
        url = s.verzending(0)  # citizen 0 has no subscription: ValidateAbonnementen says no
        s.adapter.cycle()
        verzending = s.fake.verzending_by_url(url)
        assert verzending["toelichting"].startswith("Niet via MijnOverheid")
        assert "per post" in verzending["toelichting"]
        [postal] = s.fake.posts
        assert postal["mijnOverheid"] is False
        assert postal["binnenlandsCorrespondentieadres"]["postcode"] == "1234AB"
        assert postal["informatieobject"] == verzending["informatieobject"]
        assert s.sim.inspect.bericht_ids_received() == {}
        # The new Verzending has a postal address: the adapter leaves it alone.
        again = s.adapter.cycle()
        assert again.poll.enqueued == 0 and len(s.fake.posts) == 1
        assert not s.fake.violations, s.fake.violations[:5]
    finally:
        s.close()


@pytest.mark.parametrize(
    ("content", "formaat", "rule"),
    [
        (
            b"PK\x03\x04 a docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "BIJ-02",
        ),
        (b"GIF89a not a pdf at all", "application/pdf", "BIJ-02"),  # says PDF, is not
        (b"%PDF-1.7" + b"0" * 500_001, "application/pdf", "BIJ-03"),
    ],
)
def test_a_non_pdf_document_is_refused_with_its_rule(
    setup: Setup, content: bytes, formaat: str, rule: str
) -> None:
    url = setup.verzending(1, content=content, formaat=formaat)
    summary = setup.adapter.cycle()
    assert summary.poll.refused == 1 and summary.written_back == 1
    row = setup.adapter.journal.row(url)
    assert row is not None and row.rule == rule and row.state == "written"
    toelichting = setup.fake.verzending_by_url(url)["toelichting"]
    assert toelichting.startswith(f"Niet via MijnOverheid verzonden: {rule}")
    assert len(toelichting) <= 200
    assert list(setup.outbox.letters()) == []
    assert ALL_TEST_BSNS[1] not in (row.reason or "") + toelichting


def test_no_bsn_found(setup: Setup) -> None:
    _, betrokkene = setup.fake.rol(setup.zaak, None)  # a rol without inpBsn
    without_bsn = setup.fake.verzending(setup.fake.document(PDF, zaak_url=setup.zaak), betrokkene)
    no_zaak = setup.fake.verzending(setup.fake.document(PDF), "https://brp.example.nl/personen/x")
    _, other = setup.fake.rol(setup.zaak, "123456789")  # fails the elfproef
    bad_bsn = setup.fake.verzending(setup.fake.document(PDF, zaak_url=setup.zaak), other)
    setup.adapter.cycle()
    for url in (without_bsn, no_zaak, bad_bsn):
        row = setup.adapter.journal.row(url)
        assert row is not None and row.rule == "BER-09", row
        assert "BER-09" in setup.fake.verzending_by_url(url)["toelichting"]
    bad = setup.adapter.journal.row(bad_bsn)
    assert bad is not None and "*****6789" in (bad.reason or "") and "123456789" not in (bad.reason or "")
    assert list(setup.outbox.letters()) == []


def test_a_pluggable_resolver(tmp_path: Path) -> None:
    s = Setup(tmp_path)
    try:
        calls: list[str] = []

        def resolver(verzending: Any, zaak: Any) -> Ontvanger:
            calls.append(verzending["betrokkene"])
            return Ontvanger(ALL_TEST_BSNS[5])

        s.adapter.resolver = resolver
        url = s.fake.verzending(
            s.fake.document(PDF, informatieobjecttype=AANSLAG_IOTYPE), "https://klanten.example.nl/1"
        )
        s.adapter.cycle()
        assert calls == ["https://klanten.example.nl/1"]
        [letter] = list(s.outbox.letters())
        assert letter.bsn.value == ALL_TEST_BSNS[5]
        assert letter.referentie == "AANSLAG-" + time.strftime("%Y")  # no zaak: the next pattern
        assert "Verwerkt" in s.fake.verzending_by_url(url)["toelichting"]
    finally:
        s.close()


def test_a_verzending_with_a_postal_address_is_left_alone(setup: Setup) -> None:
    _, betrokkene = setup.fake.rol(setup.zaak, ALL_TEST_BSNS[1])
    document = setup.fake.document(PDF, zaak_url=setup.zaak)
    adres = {"huisnummer": 1, "naamOpenbareRuimte": "Dorpsstraat", "woonplaatsnaam": "Voorbeeldstad"}
    url = setup.fake.verzending(
        document, betrokkene, mijn_overheid=False, binnenlandsCorrespondentieadres=adres
    )
    summary = setup.adapter.cycle()
    assert summary.poll.left_alone == 1 and summary.poll.enqueued == 0
    assert setup.fake.patches[url] == 0 and setup.adapter.journal.row(url) is None
    # mijnOverheid and an address at once: refused, one channel per Verzending.
    both = setup.fake.verzending(document, betrokkene, binnenlandsCorrespondentieadres=adres)
    setup.adapter.cycle()
    row = setup.adapter.journal.row(both)
    assert row is not None and row.rule == "INPUT" and "one channel" in (row.reason or "")


def test_no_stream_for_the_document(setup: Setup) -> None:
    url = setup.verzending(1, iotype=CATALOGI + "/informatieobjecttypen/onbekend")
    setup.adapter.cycle()
    row = setup.adapter.journal.row(url)
    assert row is not None and row.rule == "BER-02" and "no berichtstroom" in (row.reason or "")


def test_a_default_stream_takes_unclaimed_documents(tmp_path: Path) -> None:
    s = Setup(tmp_path, default_stream="ad-hoc-brief")
    try:
        s.verzending(1, iotype=CATALOGI + "/informatieobjecttypen/onbekend")
        s.adapter.cycle()
        [letter] = list(s.outbox.letters())
        assert letter.bericht_type == "BRIEF"
    finally:
        s.close()


def test_a_bad_jwt_is_refused_and_nothing_happens(setup: Setup) -> None:
    url = setup.verzending(1)
    wrong = ZgwApi(
        zgw_config(setup.fake, setup.config.outbox.parent, secret="niet-het-goede-gedeelde-geheim-hoor"),  # noqa: S106
        transport=setup.fake.transport,
        sleep=lambda s: None,
    )
    setup.adapter.api = wrong
    summary = setup.adapter.cycle()
    assert summary.poll.errors and "HTTP 403" in summary.poll.errors[0]
    assert setup.fake.refused_tokens >= 1
    assert list(setup.outbox.letters()) == [] and setup.adapter.journal.counts()["enqueued"] == 0
    assert setup.fake.patches[url] == 0
    # With the right secret the next cycle delivers it.
    setup.adapter.api = setup.api
    assert setup.adapter.cycle().written_back == 1


def test_the_jwt_claims() -> None:
    token = zgw_jwt(CLIENT_ID, SECRET, now=1_800_000_000)
    claims = decode_zgw_jwt(token, {CLIENT_ID: SECRET}, leeway=10**10)
    assert claims["client_id"] == claims["iss"] == CLIENT_ID
    assert claims["iat"] == 1_800_000_000
    import jwt

    with pytest.raises(jwt.InvalidTokenError):
        decode_zgw_jwt(token, {CLIENT_ID: "een-ander-gedeeld-geheim-van-32-tekens"}, leeway=10**10)
    with pytest.raises(jwt.InvalidTokenError):
        decode_zgw_jwt(zgw_jwt("onbekend", SECRET), {CLIENT_ID: SECRET})


def test_the_documenten_api_down_for_a_while(setup: Setup) -> None:
    urls = [setup.verzending(i) for i in range(1, 6)]
    setup.fake.down(3)  # fewer than the 4 tries: the call succeeds on a retry
    first = setup.adapter.cycle()
    assert not first.poll.errors and first.written_back == 5
    more = [setup.verzending(i) for i in range(6, 11)]
    setup.fake.down(4)  # as long as all 4 tries: the pass stops, nothing is lost
    second = setup.adapter.cycle()
    assert second.poll.errors
    setup.fake.throttle(2)  # 429 with Retry-After: retried too
    third = setup.adapter.cycle()
    assert not third.poll.errors
    for url in urls + more:
        assert setup.fake.patches[url] == 1, url
    assert len(setup.sim.inspect.bericht_ids_received()) == 10
    assert set(setup.sim.inspect.bericht_ids_received().values()) == {1}


def test_urls_outside_the_configured_apis_are_never_followed(setup: Setup) -> None:
    _, betrokkene = setup.fake.rol(setup.zaak, ALL_TEST_BSNS[1])
    url = setup.fake.verzending("https://elders.example.com/documenten/1", betrokkene)
    setup.adapter.cycle()
    row = setup.adapter.journal.row(url)
    assert row is not None and row.rule == "INPUT" and "not below a configured" in (row.reason or "")


def _post(url: str, body: Any, auth: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    return httpx.post(url, content=json.dumps(body), headers=headers, timeout=5)


def test_the_callback_checks_authorization_and_takes_a_notification_once(setup: Setup) -> None:
    url = setup.verzending(1)
    message = setup.fake.notification(url)
    with CallbackServer(setup.adapter, port=0) as server:
        target = server.url + "/callback"
        assert _post(target, message, None).status_code == 401
        assert _post(target, message, "Bearer fout").status_code == 401
        assert setup.adapter.journal.notices() == []  # nothing happened
        assert _post(target, {"kanaal": "documenten"}, CALLBACK_AUTH).status_code == 400
        assert _post(server.url + "/elders", message, CALLBACK_AUTH).status_code == 404
        assert _post(target, message, CALLBACK_AUTH).status_code == 204
        assert _post(target, message, CALLBACK_AUTH).status_code == 204  # the same notification twice
    assert len(setup.adapter.journal.notices()) == 2
    summary = setup.adapter.cycle(poll=False)  # only the notifications: no poll
    assert summary.poll.enqueued == 1 and summary.written_back == 1
    assert setup.adapter.journal.notices() == []
    assert setup.fake.patches[url] == 1
    assert setup.sim.inspect.bericht_ids_received() == {bericht_id_for(url): 1}
    # A notification about the document (main resource) finds its Verzendingen too.
    second = setup.verzending(2)
    document = setup.fake.verzending_by_url(second)["informatieobject"]
    assert setup.adapter.notify(
        setup.fake.notification(document, resource="enkelvoudiginformatieobject", hoofd_object=document)
    )
    assert setup.adapter.cycle(poll=False).written_back == 1
    assert not setup.adapter.notify({**message, "kanaal": "zaken"})


def test_a_missed_notification_is_picked_up_by_the_poll(setup: Setup) -> None:
    url = setup.verzending(1)
    assert setup.adapter.cycle(poll=False).poll.enqueued == 0  # no notification came
    assert setup.adapter.cycle().poll.enqueued == 1
    assert setup.fake.patches[url] == 1


def test_subscribe_registers_the_abonnement(setup: Setup) -> None:
    abonnement = subscribe(setup.api)
    [stored] = setup.fake.abonnementen
    assert stored["auth"] == CALLBACK_AUTH and stored["callbackUrl"] == setup.config.callback_url
    assert stored["kanalen"] == [{"naam": "documenten"}]
    assert abonnement["url"].startswith(setup.fake.notificaties)


def test_config_from_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "zgw.toml"
    path.write_text(
        '[zgw]\ndocumenten_url = "https://oz.example.nl/documenten/api/v1/"\nzaken_url = "https://oz.example.nl/zaken/api/v1"\n'
        'client_id = "mobb"\noutbox = "run.outbox"\nretries = 3\npaper_verzending = true\n',
        encoding="utf-8",
    )
    config = ZgwConfig.load(path, {"MOBB_ZGW_SECRET": "s", "MOBB_ZGW_TIMEOUT": "7", "MOBB_ZGW_RETRIES": "2"})
    assert config.documenten_url == "https://oz.example.nl/documenten/api/v1"
    assert config.retry.max_attempts == 2 and config.timeouts.read == 7.0 and config.paper_verzending
    assert "s" not in repr(config).replace("https", "") or "secret" not in repr(config)
    from mobb_sdk import ConfigurationError

    with pytest.raises(ConfigurationError, match="MOBB_ZGW_SECRET"):
        ZgwConfig.load(path, {})
    bad = tmp_path / "bad.toml"
    bad.write_text('[zgw]\nkleur = "rood"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"zgw\.kleur: unknown key"):
        ZgwConfig.load(bad, {})
    with pytest.raises(ConfigurationError, match="MOBB_ZGW_TIMEOUT: expected a number"):
        ZgwConfig.load(path, {"MOBB_ZGW_SECRET": "s", "MOBB_ZGW_TIMEOUT": "lang"})
    with pytest.raises(ConfigurationError, match="http"):
        ZgwConfig.load(path, {"MOBB_ZGW_SECRET": "s", "MOBB_ZGW_ZAKEN_URL": "ftp://x"})


def test_streams_file_of_the_adapter_is_checked(setup: Setup, tmp_path: Path) -> None:
    from mobb_sdk import StreamConfigError

    with pytest.raises(StreamConfigError, match="no such stream"):
        ZgwAdapter(
            zgw_config(setup.fake, tmp_path, default_stream="bestaat-niet"),
            setup.outbox,
            setup.client,
            api=setup.api,
        )
    assert load_streams(None)["belastingaanslag"].informatieobjecttypen == (AANSLAG_IOTYPE,)


def test_a_notification_for_a_verzending_that_is_gone_is_dropped(setup: Setup) -> None:
    url = setup.verzending(1)
    message = setup.fake.notification(url)
    del setup.fake.verzendingen[url.rsplit("/", 1)[1]]
    assert setup.adapter.notify(message)
    summary = setup.adapter.cycle(poll=False)
    assert not summary.poll.errors and setup.adapter.journal.notices() == []
    # A notification while the API is down stays in the inbox for the next cycle.
    other = setup.verzending(2)
    assert setup.adapter.notify(setup.fake.notification(other))
    setup.fake.down(4)
    assert setup.adapter.cycle(poll=False).poll.errors
    assert len(setup.adapter.journal.notices()) == 1
    assert setup.adapter.cycle(poll=False).written_back == 1
    assert setup.adapter.journal.notices() == []


def test_a_busy_outbox_is_reported_not_raised(setup: Setup) -> None:
    url = setup.verzending(1)
    holder = setup.outbox.store.acquire_lease("elders:1", 60.0, time.time(), lambda _: False)
    assert holder is None
    summary = setup.adapter.cycle()
    assert summary.run is None and any("in use by another runner" in e for e in summary.poll.errors)
    assert setup.adapter.journal.counts()["enqueued"] == 1  # enqueued; delivered once the outbox is free
    setup.outbox.store.release_lease("elders:1")
    assert setup.adapter.cycle().written_back == 1
    assert setup.fake.patches[url] == 1
