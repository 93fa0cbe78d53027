"""Interop: ``ebms-adapter-client`` (PyPI, written by others for ebms-core 2.20) against the served simulator.

That client was written against ebms-core's source, not against our simulator: it sends ``maxNr=0``,
repeats ``eventTypes``, expects 204s, text ids, 404s and the JSON shapes of ebms-core. Every call it
makes is driven here (send, list unprocessed, get, process, events, status, ping, CPAs, URL and
certificate mappings), against the simulator on a loopback port, in both event-listener modes.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from mobb_sdk import to_xml
from mobb_sdk.cpa import CpaParty, generate_cpa
from mobb_sdk.simulator import (
    BB_SERVICE,
    DEFAULT_CPA_ID,
    DEFAULT_SENDER_OIN,
    LOGIUS_PARTY_ID,
    REQUEST_ACTION,
    RESULT_ACTION,
    Simulator,
    generate_tls,
)

from .simulator_support import ANNA, BRAM, batch, letter

adapter = pytest.importorskip("ebms_adapter_client", reason="ebms-adapter-client is in the test extra")


@pytest.fixture(params=["DAO", "DEFAULT"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[Simulator, object]]:
    sim = Simulator(event_listener=request.param)
    with sim.serve() as server:
        config = adapter.EbmsAdapterClientConfig(base_url=server.base_url, timeout=10.0)
        with adapter.EbmsAdapterClient(config) as client:
            yield sim, client


def _request(payload: bytes, conversation_id: str, cpa_id: str = DEFAULT_CPA_ID) -> object:
    return adapter.MessageRequest(
        properties=adapter.MessageRequestProperties(
            cpa_id=cpa_id,
            from_party_id=DEFAULT_SENDER_OIN.party_id,
            from_role="SR",
            to_party_id=LOGIUS_PARTY_ID,
            to_role="SP",
            service=BB_SERVICE,
            action=REQUEST_ACTION,
            conversation_id=conversation_id,
        ),
        data_sources=[adapter.DataSource(content_type="text/xml", content=payload, name="batch.xml")],
    )


def test_send_list_get_process_and_events(served):
    sim, client = served
    batches = [batch(letter(ANNA)), batch(letter(BRAM)), batch(letter(ANNA))]
    sent = [client.send_message(_request(to_xml(b), str(b.batch_id))) for b in batches]
    assert len(set(sent)) == 3
    results_filter = adapter.MessageFilter(
        cpa_id=DEFAULT_CPA_ID, from_party_id=LOGIUS_PARTY_ID, action=RESULT_ACTION
    )
    # maxNr=0 (the adapter's default) means "no limit" in ebms-core: all three results come.
    results = client.list_unprocessed_message_ids(results_filter)
    assert len(results) == 3
    assert client.list_unprocessed_message_ids(results_filter, max_nr=2) == results[:2]

    message = client.get_message(results[0])
    assert message.properties.action == RESULT_ACTION
    assert message.properties.message_status == adapter.EbMSMessageStatus.RECEIVED
    assert message.properties.ref_to_message_id == sent[0]
    assert message.properties.timestamp is not None  # an instant ending in Z, read by fromisoformat
    assert message.properties.conversation_id == str(batches[0].batch_id)
    assert b"BerichtVerwerkResponse" in message.data_sources[0].content

    own = client.get_message(sent[0])
    assert own.properties.message_status == adapter.EbMSMessageStatus.DELIVERED
    assert own.data_sources[0].content == to_xml(batches[0])

    client.process_message(results[0])
    processed = client.get_message(results[1], process=True)
    assert processed.properties.message_status == adapter.EbMSMessageStatus.PROCESSED
    assert client.list_unprocessed_message_ids(results_filter) == [results[2]]
    client.process_message("unknown-id@nowhere")  # 204 for any id

    status = client.get_message_status(sent[0])
    assert status.status == adapter.EbMSMessageStatus.PROCESSED and status.timestamp is not None

    delivered = client.list_unprocessed_message_events(
        event_types=[adapter.MessageEventType.DELIVERED, adapter.MessageEventType.FAILED]
    )
    received = client.list_unprocessed_message_events(event_types=[adapter.MessageEventType.RECEIVED])
    if sim.event_listener == "DAO":
        assert [e.message_id for e in delivered] == sent
        assert {e.type for e in delivered} == {adapter.MessageEventType.DELIVERED}
        # Every result got a RECEIVED event; processing the message did not touch it.
        assert {e.message_id for e in received} == set(results)
        client.process_message_event(results[2])  # events and the message itself processed
        assert client.list_unprocessed_message_ids(results_filter) == []
        left = client.list_unprocessed_message_events(event_types=[adapter.MessageEventType.RECEIVED])
        assert {e.message_id for e in left} == set(results[:2])
        assert len(client.list_unprocessed_message_events(max_nr=1)) == 1
    else:
        assert delivered == [] and received == []
        client.process_message_event(results[2])  # still 204, still marks the message processed
        assert client.list_unprocessed_message_ids(results_filter) == []


def test_errors_are_what_the_adapter_expects_from_ebms_core(served):
    _, client = served
    with pytest.raises(adapter.EbmsNotFoundError):
        client.get_message("nope@nowhere")
    with pytest.raises(adapter.EbmsNotFoundError):
        client.resend_message("nope@nowhere")
    with pytest.raises(adapter.EbmsServerError) as refused:
        client.send_message(_request(b"<x/>", "c-1", cpa_id="no-such-cpa"))
    assert refused.value.status_code == 500
    assert refused.value.response_body == "No CPA found for message.cpaId=no-such-cpa"
    with pytest.raises(adapter.EbmsServerError, match="No CPA found"):
        client.ping("no-such-cpa", DEFAULT_SENDER_OIN.party_id, LOGIUS_PARTY_ID)
    with pytest.raises(adapter.EbmsBadRequestError, match="already exists"):
        client.insert_cpa(client.get_cpa(DEFAULT_CPA_ID))
    with pytest.raises(adapter.EbmsNotFoundError):
        client.delete_cpa("no-such-cpa")


def test_ping_resend_and_status(served):
    sim, client = served
    client.ping(DEFAULT_CPA_ID, DEFAULT_SENDER_OIN.party_id, LOGIUS_PARTY_ID)
    b = batch(letter(ANNA))
    first = client.send_message(_request(to_xml(b), str(b.batch_id)))
    again = client.resend_message(first)
    assert again != first
    assert client.get_message(again).properties.conversation_id == str(b.batch_id)
    sim.peer_available = False
    with pytest.raises(adapter.EbmsServerError, match="No response received"):
        client.get_message_status(first)


def test_cpa_management(served):
    _, client = served
    assert client.list_cpa_ids() == ["cpa-mobb-demo", "cpa-mobb-intermediair"]
    assert "CollaborationProtocolAgreement" in client.get_cpa(DEFAULT_CPA_ID)
    document = generate_cpa(
        "cpa-adapter", CpaParty(DEFAULT_SENDER_OIN, "Gemeente Demo", "http://127.0.0.1:8888/ebms")
    ).decode()
    client.validate_cpa(document)
    assert client.insert_cpa(document) == "cpa-adapter"
    assert client.insert_cpa(document, overwrite=True) == "cpa-adapter"
    assert "cpa-adapter" in client.list_cpa_ids()
    client.delete_cpa("cpa-adapter")
    client.clear_cpa_cache()
    assert "cpa-adapter" not in client.list_cpa_ids()
    with pytest.raises(adapter.EbmsBadRequestError):
        client.validate_cpa("<not-a-cpa/>")


def test_url_and_certificate_mappings(served, tmp_path):
    _, client = served
    mapping = adapter.URLMapping(
        source="http://msh.logius.test/ebms", destination="http://127.0.0.1:8889/ebms"
    )
    client.create_url_mapping(mapping)
    assert client.list_url_mappings() == [mapping]
    client.delete_url_mapping(mapping.source)
    assert client.list_url_mappings() == []
    with pytest.raises(adapter.EbmsNotFoundError):
        client.delete_url_mapping(mapping.source)
    client.clear_url_mapping_cache()

    tls = generate_tls(tmp_path, [DEFAULT_SENDER_OIN.value])
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    def der_b64(path: object) -> str:
        cert = x509.load_pem_x509_certificate(path.read_bytes())  # type: ignore[attr-defined]
        return base64.b64encode(cert.public_bytes(Encoding.DER)).decode()

    source, destination = der_b64(tls.client(DEFAULT_SENDER_OIN)[0]), der_b64(tls.server_cert)
    cert_mapping = adapter.CertificateMapping(source=source, destination=destination, cpa_id=DEFAULT_CPA_ID)
    client.create_certificate_mapping(cert_mapping)
    assert client.list_certificate_mappings() == [cert_mapping]
    client.delete_certificate_mapping(DEFAULT_CPA_ID, source)
    assert client.list_certificate_mappings() == []
    with pytest.raises(adapter.EbmsNotFoundError):
        client.delete_certificate_mapping(DEFAULT_CPA_ID, source)
    with pytest.raises(adapter.EbmsServerError):
        client.create_certificate_mapping(
            adapter.CertificateMapping(source="bm90IGEgY2VydA==", destination=destination, cpa_id=None)
        )
    client.clear_certificate_mapping_cache()
