"""The simulator's multipart/form-data reader (the MTOM send): every part back as written, bad bodies a 400."""

from __future__ import annotations

import base64
import quopri

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mobb_sdk.simulator._wire import BadRequest, Part, Unsupported, multipart_body, multipart_parts

BOUNDARY = "mobb-boundary-7f3a"


def _request(body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}") -> httpx.Request:
    return httpx.Request("POST", "http://sim/x", headers={"Content-Type": content_type}, content=body)


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
_parts = st.builds(
    Part,
    name=_names,
    filename=st.none() | _names.map(lambda n: n + ".xml"),
    content_id=st.none() | _names.map(lambda n: n + "@mobb"),
    content_type=st.sampled_from(["text/xml", "application/json", "application/octet-stream"]),
    # Bytes that look like the syntax around them: CRLF, dashes, the boundary's start.
    content=st.lists(st.sampled_from([b"\r\n", b"--", b"-", b"mobb-boundary", b"\x00\xff", b"x"])).map(
        b"".join
    ),
)


@given(st.lists(_parts, min_size=1, max_size=5))
def test_every_part_comes_back_as_written(parts: list[Part]) -> None:
    assert multipart_parts(_request(multipart_body(parts, BOUNDARY))) == parts


def test_a_preamble_a_headerless_part_and_encoded_parts_are_read() -> None:
    body = (
        (
            "a preamble to ignore\r\n"
            f"--{BOUNDARY}\r\n\r\nno headers\r\n"
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="b64"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        ).encode()
        + base64.encodebytes("Müller".encode())
        + f"\r\n--{BOUNDARY}\r\n".encode()
        + b'Content-Disposition: form-data; name="qp"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        + quopri.encodestring("€ 12,50".encode())
        + f"\r\n--{BOUNDARY}--\r\nan epilogue\r\n".encode()
    )
    plain, b64, qp = multipart_parts(_request(body))
    # CXF gives a part without Content-Type application/octet-stream (tests/test_cxf_wire.py).
    assert (plain.name, plain.content_type, plain.content) == ("", "application/octet-stream", b"no headers")
    assert (b64.name, b64.content) == ("b64", "Müller".encode())
    assert (qp.name, qp.content) == ("qp", "€ 12,50".encode())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"no delimiter at all",
        f"--{BOUNDARY}\r\nContent-Type: text/xml\r\n\r\nnever closed".encode(),
        f"--{BOUNDARY}\r\nContent-Type: text/xml".encode(),
        f"--{BOUNDARY}junk\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"text--{BOUNDARY}\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"--{BOUNDARY}\r\nContent-Transfer-Encoding: base64\r\n\r\nabc\r\n--{BOUNDARY}--".encode(),
    ],
)
def test_an_unreadable_body_is_a_bad_request(body: bytes) -> None:
    with pytest.raises(BadRequest):
        multipart_parts(_request(body))


def test_a_missing_boundary_is_a_bad_request_and_another_media_type_unsupported() -> None:
    with pytest.raises(BadRequest):
        multipart_parts(_request(b"x", "multipart/form-data"))
    with pytest.raises(Unsupported):
        multipart_parts(_request(b"{}", "application/json"))
