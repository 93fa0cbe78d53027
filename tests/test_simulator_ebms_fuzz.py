"""Hostile input to every ebms-core endpoint of the simulator: it always answers with a status of the
contract (never an exception, never a dropped connection), in-process; bounded by hypothesis' settings."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobb_sdk.simulator import Simulator

EBMS = "http://simulator.test/service/rest/v19"
PATHS = [
    "/ebms/messages",
    "/ebms/messages/mtom",
    "/ebms/messages/unprocessed",
    "/ebms/messages/{x}",
    "/ebms/messages/{x}/status",
    "/ebms/messages/mtom/{x}",
    "/ebms/events/unprocessed",
    "/ebms/events/{x}",
    "/ebms/ping/{x}/from/{x}/to/{x}",
    "/cpas",
    "/cpas/{x}",
    "/cpas/validate",
    "/cpas/cache",
    "/urlMappings",
    "/urlMappings/{x}",
    "/urlMappings/cache",
    "/certificateMappings",
    "/certificateMappings/cache",
]
SEGMENT = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="/?#%"), min_size=1, max_size=20
)
BODY = st.one_of(
    st.binary(max_size=300),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=12,
    ).map(lambda v: httpx.Request("POST", "http://x", json=v).content),
)
PARAMS = st.lists(
    st.tuples(
        st.sampled_from(["maxNr", "eventTypes", "process", "overwrite", "cpaId", "messageId", "fromRole"]),
        st.text(max_size=12),
    ),
    max_size=4,
)
CONTRACT = {200, 204, 400, 404, 405, 415, 500}

sim = Simulator()
client = httpx.Client(transport=sim.transport(), base_url=EBMS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    template=st.sampled_from(PATHS),
    segment=SEGMENT,
    body=BODY,
    params=PARAMS,
    content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=b", ""]),
)
def test_every_endpoint_answers_hostile_input_within_the_contract(
    method, template, segment, body, params, content_type
):
    path = template.replace("{x}", segment)
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.request(method, path, content=body, params=params, headers=headers)
    assert response.status_code in CONTRACT
    if response.status_code == 404:
        assert response.content == b""
