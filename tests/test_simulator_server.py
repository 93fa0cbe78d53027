"""The simulator served on a loopback port: plain HTTP, socket-level faults, and mTLS with the generated CA."""

from __future__ import annotations

import ssl
import threading
from pathlib import Path

import httpx
import pytest

from mobb_sdk import VALIDATE_ABONNEMENTEN_ACTION, ValidateAbonnementenAanvraag, from_soap, to_soap, to_xml
from mobb_sdk._tls import oin_from_certificate
from mobb_sdk.simulator import (
    DEFAULT_SENDER_OIN,
    RunningServer,
    Simulator,
    TlsFiles,
    generate_tls,
    serve_forever,
)

from .simulator_support import ANNA, batch, codes, letter, result_for, send, send_body

INTERMEDIAIR = "00000099000000002000"
WUS_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{VALIDATE_ABONNEMENTEN_ACTION}"'}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return generate_tls(tmp_path_factory.mktemp("pki"), [DEFAULT_SENDER_OIN, INTERMEDIAIR])


def test_plain_http_round_trip():
    sim = Simulator()
    with sim.serve() as server, httpx.Client(base_url=server.ebms_url) as c:
        assert server.base_url.startswith("http://127.0.0.1:") and server.port > 0
        b = batch(letter(ANNA))
        assert codes(result_for(c, send(c, b))) == ["Verwerkt"]
        assert c.get("/cpas").json() == ["cpa-mobb-demo", "cpa-mobb-intermediair"]
        assert c.get("/nothing").status_code == 404
        chunked = c.post(
            "/ebms/messages",
            content=iter([b'{"properties"', b": {}}"]),
            headers={"Content-Type": "application/json"},
        )
        # Read through chunked transfer encoding: no cpaId, which Jackson refuses (a bare 500).
        assert (chunked.status_code, chunked.content) == (500, b"")
        wus = httpx.post(
            server.wus_url,
            content=to_soap(ValidateAbonnementenAanvraag(DEFAULT_SENDER_OIN, "WOZ", [ANNA])),
            headers=WUS_HEADERS,
        )
        assert wus.status_code == 200
    assert sim.inspect.sent_messages()[0].batch_id == b.batch_id


def post(c: httpx.Client, b) -> httpx.Response:
    return c.post("/ebms/messages", json=send_body(to_xml(b), conversation_id=str(b.batch_id)))


def test_served_fail_with_retry_after():
    sim = Simulator()
    sim.faults.fail_next("send", status=503, retry_after=2)
    with sim.serve() as server, httpx.Client(base_url=server.ebms_url) as c:
        r = post(c, batch(letter(ANNA)))
        assert r.status_code == 503 and r.headers["Retry-After"] == "2"
        assert post(c, batch(letter(ANNA))).status_code == 200


@pytest.mark.parametrize("applied", [False, True])
def test_served_drop_closes_the_connection(applied):
    sim = Simulator()
    sim.faults.drop_next("send", applied=applied)
    with sim.serve() as server, httpx.Client(base_url=server.ebms_url) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            post(c, batch(letter(ANNA)))
        assert len(sim.inspect.sent_messages()) == (1 if applied else 0)
        assert c.get("/cpas").status_code == 200  # a new connection works


def test_served_delay_beyond_timeout_after_storing():
    sim = Simulator()
    sim.faults.delay_next("send", seconds=1.0)
    with sim.serve() as server, httpx.Client(base_url=server.ebms_url, timeout=0.3) as c:
        with pytest.raises(httpx.ReadTimeout):
            post(c, batch(letter(ANNA)))
        assert len(sim.inspect.sent_messages()) == 1


def test_served_delay_before_storing_skips_a_client_that_gave_up():
    sim = Simulator()
    sim.faults.delay_next("send", seconds=0.6, applied=False)
    with sim.serve() as server, httpx.Client(base_url=server.ebms_url, timeout=0.2) as c:
        with pytest.raises(httpx.ReadTimeout):
            post(c, batch(letter(ANNA)))
        # Wait until the server has finished its delay and logged the request it did not carry out.
        for _ in range(50):
            if any(r.fault == "delay" for r in sim.inspect.requests()):
                break
            threading.Event().wait(0.05)
        assert sim.inspect.sent_messages() == ()
        sim.faults.delay_next("cpas", seconds=0.05, applied=False)
        assert c.get("/cpas").status_code == 200  # a client that waits is answered


def test_generated_pki(tls: TlsFiles):
    assert oin_from_certificate(tls.client()[0]) == DEFAULT_SENDER_OIN
    assert oin_from_certificate(tls.client(INTERMEDIAIR)[0]).value == INTERMEDIAIR
    assert (tls.client()[1].stat().st_mode & 0o777) == 0o600
    assert TlsFiles.load(tls.directory) == tls
    with pytest.raises(Exception, match="no client certificate"):
        tls.client("00000099000000009000")


def test_mtls_round_trip_records_the_certificate_oin(tls: TlsFiles):
    sim = Simulator()
    with sim.serve(tls=tls) as server:
        assert server.base_url.startswith("https://")
        with httpx.Client(base_url=server.ebms_url, verify=tls.client_context()) as c:
            b = batch(letter(ANNA))
            assert codes(result_for(c, send(c, b))) == ["Verwerkt"]
        [sent] = sim.inspect.sent_messages()
        assert sent.client_oin == DEFAULT_SENDER_OIN.value
        wus = httpx.post(
            server.wus_url,
            content=to_soap(ValidateAbonnementenAanvraag(DEFAULT_SENDER_OIN, "WOZ", [ANNA])),
            headers=WUS_HEADERS,
            verify=tls.client_context(),
        )
        assert wus.status_code == 200
        assert sim.inspect.wus_calls()[0].client_oin == DEFAULT_SENDER_OIN.value


def test_mtls_requires_a_client_certificate(tls: TlsFiles):
    sim = Simulator()
    with sim.serve(tls=tls) as server:
        no_cert = ssl.create_default_context(cafile=str(tls.ca_cert))
        with pytest.raises(httpx.TransportError), httpx.Client(verify=no_cert) as c:
            c.get(server.ebms_url + "/cpas")
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.ebms_url + "/cpas")  # the generated CA is not trusted by default
    assert sim.inspect.requests() == ()


def test_mtls_certificate_of_another_oin(tls: TlsFiles):
    sim = Simulator()
    with sim.serve(tls=tls) as server:
        with httpx.Client(base_url=server.ebms_url, verify=tls.client_context(INTERMEDIAIR)) as c:
            # The intermediary's certificate on the municipality's CPA: Logius' MSH refuses delivery.
            sent = send(c, batch(letter(ANNA)))
            assert c.get(f"/ebms/messages/{sent}").json()["properties"]["messageStatus"] == "DELIVERY_FAILED"
        reason = sim.inspect.batches()[0].reason
        assert reason is not None and INTERMEDIAIR in reason
        # The intermediary may ask ValidateAbonnementen for its client, not for another sender.
        for sender, ok in (("00000099000000003000", True), (DEFAULT_SENDER_OIN.value, False)):
            response = httpx.post(
                server.wus_url,
                content=to_soap(ValidateAbonnementenAanvraag(sender, "WOZ", [ANNA])),
                headers=WUS_HEADERS,
                verify=tls.client_context(INTERMEDIAIR),
            )
            assert (response.status_code == 200) is ok
            if not ok:
                assert "Not authorised" in str(from_soap(response.content))


def test_serve_forever_with_ready_callback(tmp_path: Path):
    sim = Simulator()
    started: list[RunningServer] = []
    ready = threading.Event()

    def on_ready(server: RunningServer) -> None:
        started.append(server)
        ready.set()

    thread = threading.Thread(target=serve_forever, kwargs={"simulator": sim, "port": 0, "ready": on_ready})
    thread.start()
    assert ready.wait(5)
    server = started[0]
    try:
        assert httpx.get(server.ebms_url + "/cpas").status_code == 200
    finally:
        server.stop()
        thread.join(5)
    assert not thread.is_alive()


def test_concurrent_senders_each_letter_once():
    sim = Simulator()
    sent: list[str] = []
    lock = threading.Lock()

    def worker(server: RunningServer) -> None:
        with httpx.Client(base_url=server.ebms_url) as c:
            for _ in range(5):
                message_id = send(c, batch(letter(ANNA), letter(ANNA)))
                with lock:
                    sent.append(message_id)

    with sim.serve() as server:
        threads = [threading.Thread(target=worker, args=(server,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert len(set(sent)) == 40
    received = sim.inspect.bericht_ids_received()
    assert len(received) == 80 and set(received.values()) == {1}
    assert len(sim.inspect.bericht_ids_stored()) == 80
    assert len(sim.inspect.incoming_messages()) == 40
