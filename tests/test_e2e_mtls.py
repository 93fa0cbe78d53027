"""End to end over a loopback socket with mTLS: the client's TlsConfig against the served simulator.

A throwaway PKI (``generate_tls``) gives the server certificate for 127.0.0.1 and PKIoverheid-like
client certificates carrying an OIN. The client presents one from PEM files and checks the server
against the generated CA, sync and async. The negative cases: a certificate whose OIN is not the CPA
party, no certificate at all, and a server the client does not trust: each a typed error or a failed
outcome, and nothing stored.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import warnings

import httpx
import pytest

from mobb_sdk import (
    ApplicationFaultError,
    AsyncClient,
    CertificateOinWarning,
    ConnectionFailed,
    OutcomeStatus,
    VerwerkingsCode,
)
from mobb_sdk.simulator import TlsFiles, generate_tls
from mobb_sdk.simulator import _server as simulator_server
from tests.e2e_harness import (
    ANNA,
    BRAM,
    GERRIT,
    ILSE,
    INTERMEDIAIR,
    RETRY,
    SENDER,
    WATERSCHAP,
    FakeTime,
    Harness,
    assert_ids_reused,
    assert_stored_once,
    hand_overs,
    letter,
    letters,
    make_batch,
    open_harness,
    sole_batch,
)

C = VerwerkingsCode
S = OutcomeStatus


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return generate_tls(tmp_path_factory.mktemp("pki"), [SENDER, INTERMEDIAIR])


@pytest.fixture(params=["sync", "async"])
def mtls(request, pki):
    """{Client, AsyncClient} against the simulator served over HTTPS with client certificates."""
    with open_harness(request.param, "served-mtls", pki) as h:
        yield h


def test_deliver_over_mtls(mtls):
    client = mtls.client()
    assert client.config.ebms.url.startswith("https://127.0.0.1:")
    sent = letters(ANNA, BRAM, GERRIT)
    outcomes = client.deliver(sent, deadline=60)
    assert [(o.status, o.code) for o in outcomes] == [
        (S.DELIVERED, C.VERWERKT),
        (S.DELIVERED, C.VERWERKT),
        (S.PAPER, None),
    ]
    # The simulator saw the certificate's OIN on the ebMS hand-over and on the WUS call.
    assert [m.client_oin for m in mtls.sim.inspect.sent_messages()] == [SENDER]
    assert [c.client_oin for c in mtls.sim.inspect.wus_calls()] == [SENDER]
    assert_stored_once(mtls.sim)


def test_faults_over_mtls_reuse_the_ids(mtls):
    # Stored, then the connection dropped; the retry is delivered but its delivery fails; the resend
    # (PUT) is what GLOBE processes. Three hand-overs over TLS, one BatchID, each letter stored once.
    mtls.sim.faults.drop_next("send", applied=True)
    mtls.sim.faults.withhold_result()
    mtls.sim.faults.delivery_event("FAILED")
    sent = letters(ANNA, BRAM)
    outcomes = mtls.client().deliver(sent, deadline=60, check_subscriptions=False)
    assert [(o.status, o.code) for o in outcomes] == [(S.DELIVERED, C.BERICHT_BESTAAT_AL)] * 2
    batch_id = sole_batch(outcomes)
    first, retry, resend = hand_overs(mtls.sim, batch_id)
    assert (first.status, retry.status, resend.status) == ("DELIVERED", "DELIVERY_FAILED", "DELIVERED")
    assert resend.resend_of == retry.message_id
    assert {m.client_oin for m in (first, retry, resend)} == {SENDER}
    assert_ids_reused(mtls.sim, {batch_id: tuple(b.bericht_id for b in sent)})
    assert_stored_once(mtls.sim)
    assert len(mtls.sim.inspect.letters()) == 2


def test_intermediary_certificate_delivers_for_its_client(mtls):
    # The intermediary's own certificate and CPA, its client's OIN in the batch (BATCH-05).
    with warnings.catch_warnings():
        warnings.simplefilter("error", CertificateOinWarning)  # its OIN is the party: no warning
        client = mtls.client(
            sender_oin=WATERSCHAP,
            party_oin=INTERMEDIAIR,
            cpa_id="cpa-mobb-intermediair",
            cert_oin=INTERMEDIAIR,
        )
    [outcome] = client.deliver([letter(ILSE, "WSBELAST")], deadline=60)
    assert (outcome.status, outcome.code) == (S.DELIVERED, C.VERWERKT)
    [stored] = mtls.sim.inspect.letters()
    assert stored.afzender == WATERSCHAP
    assert mtls.sim.inspect.sent_messages()[0].client_oin == INTERMEDIAIR


def test_certificate_of_another_oin(mtls):
    with pytest.warns(CertificateOinWarning):
        client = mtls.client(cert_oin=INTERMEDIAIR)
    # WUS: that certificate may not ask for this sender, an ApplicationFault, asked once.
    with pytest.raises(ApplicationFaultError):
        client.deliver(letters(ANNA), deadline=60)
    assert len(mtls.sim.inspect.wus_calls()) == 1
    assert mtls.sim.inspect.sent_messages() == ()
    # ebMS: ebms-core takes the message, but its delivery fails every time; resent with the same ids.
    sent = letters(ANNA, BRAM)
    outcomes = client.deliver(sent, deadline=600, check_subscriptions=False, max_resends=2)
    assert [o.status for o in outcomes] == [S.FAILED] * 2 and outcomes[0].code is None
    assert "after 2 resend(s)" in (outcomes[0].detail or "")
    batch_id = sole_batch(outcomes)
    # Refused before GLOBE, so the simulator never read their BatchID: same conversation, same bytes.
    tries = hand_overs(mtls.sim, batch_id)
    assert [m.status for m in tries] == ["DELIVERY_FAILED"] * 3
    assert len({m.payload_size for m in tries}) == 1 and tries[2].resend_of == tries[1].message_id
    assert all("certificate" in (b.reason or "") for b in mtls.sim.inspect.batches())
    assert mtls.sim.inspect.bericht_ids_received() == {}
    assert mtls.sim.inspect.bericht_ids_stored() == frozenset()


def test_no_client_certificate_is_a_typed_error(mtls):
    client = mtls.client(cert_oin=None)
    with pytest.raises(ConnectionFailed) as caught:
        client.deliver(letters(ANNA), deadline=60)
    if "CERTIFICATE_REQUIRED" in str(caught.value):
        # The server's alert came through: a refusal that cannot change is not retried. (It races
        # with the server closing the socket on our unread request: the async transport then sees a
        # plain reset first, which is retried, and the alert only on a later try.)
        assert not caught.value.retryable
    if mtls.mode == "sync":
        assert mtls.time.sleeps == []  # the sync transport always reads the alert
    assert len(mtls.time.sleeps) < RETRY.max_attempts
    batch = make_batch(letters(BRAM))
    with pytest.raises(ConnectionFailed) as caught:
        client.send(batch)
    assert caught.value.batch_id == batch.batch_id
    assert mtls.sim.inspect.requests() == ()  # no request got through the handshake
    assert mtls.sim.inspect.bericht_ids_stored() == frozenset()


def test_async_client_types_a_bare_ssl_error():
    # Regression: httpx's async transport lets an SSLError raised while reading (the TLS 1.3 alert
    # refusing our certificate comes with the first read) out unwrapped, so AsyncClient raised a bare
    # ssl.SSLError instead of a MobbError, and the refusal would have been retried.
    alert = ssl.SSLError(1, "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required")
    alert.reason = "TLSV13_ALERT_CERTIFICATE_REQUIRED"
    tries = []

    class Refusing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            tries.append(request.url.path)
            raise alert

    config = Harness("sync", "in-process").config()
    fake = FakeTime(start=0.0)

    async def main():
        async with AsyncClient(config, transport=Refusing(), sleep=fake.asleep) as client:
            await client.ping()

    with pytest.raises(ConnectionFailed) as caught:
        asyncio.run(main())
    assert not caught.value.retryable and caught.value.__cause__.__cause__ is alert
    assert len(tries) == 1 and fake.sleeps == []


def test_untrusted_server_is_a_typed_error_tried_once(mtls):
    client = mtls.client(ca_bundle=False)  # the system trust store does not know the test CA
    with pytest.raises(ConnectionFailed) as caught:
        client.send(make_batch(letters(ANNA)))
    assert not caught.value.retryable and "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert mtls.time.sleeps == []
    assert mtls.sim.inspect.sent_messages() == ()


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_served_connections_disable_nagle(pki, monkeypatch, tls):
    # Regression: the server writes headers and body separately; with Nagle's algorithm on, each answer
    # on a kept-alive connection waited for the client's delayed ACK (~40 ms on Linux).
    nodelay: list[int] = []
    setup = simulator_server._Handler.setup

    def recording_setup(handler):
        setup(handler)
        nodelay.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(simulator_server._Handler, "setup", recording_setup)
    with open_harness("sync", "served-mtls" if tls else "served", pki if tls else None) as h:
        h.client().ping()
    assert nodelay and all(nodelay)
