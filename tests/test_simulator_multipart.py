"""The simulator's multipart/form-data reader (the MTOM send): every part back as written, bad bodies a 400."""

from __future__ import annotations

import base64
import quopri
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from mobb_sdk.simulator import generate_tls
from mobb_sdk.simulator._wire import (
    EBMS_PREFIX,
    BadRequest,
    Part,
    ServerError,
    Unsupported,
    certificate_der,
    is_json,
    iso,
    max_nr,
    media_type,
    multipart_body,
    multipart_parts,
    new_message_id,
    read_timeout,
    text_response,
)

from .conftest import TEST_OIN

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
    ("body", "message"),
    [
        (b"", "the multipart body cannot be read"),
        (b"no delimiter at all", "the multipart body cannot be read"),
        (
            f"--{BOUNDARY}\r\nContent-Type: text/xml\r\n\r\nnever closed".encode(),
            "the multipart body ends inside a part",
        ),
        (f"--{BOUNDARY}\r\nContent-Type: text/xml".encode(), "the multipart body cannot be read"),
        (f"--{BOUNDARY}".encode(), "the multipart body cannot be read"),
        (f"--{BOUNDARY}junk\r\n\r\nx\r\n--{BOUNDARY}--".encode(), "the multipart body cannot be read"),
        (f"text--{BOUNDARY}\r\n\r\nx\r\n--{BOUNDARY}--".encode(), "the multipart body cannot be read"),
        (
            f"--{BOUNDARY}\r\nContent-Transfer-Encoding: base64\r\n\r\nabc\r\n--{BOUNDARY}--".encode(),
            "a base64 part is not base64",
        ),
    ],
)
def test_an_unreadable_body_is_a_bad_request(body: bytes, message: str) -> None:
    with pytest.raises(BadRequest) as info:
        multipart_parts(_request(body))
    assert str(info.value) == message  # the 400's text


def test_a_missing_boundary_is_a_bad_request_and_another_media_type_unsupported() -> None:
    with pytest.raises(BadRequest, match=r"^the multipart body has no boundary$"):
        multipart_parts(_request(b"x", "multipart/form-data"))
    # A boundary sent in UTF-8 (httpx reads such a header as UTF-8): not Latin-1, so no delimiter matches.
    body = "--b\u20ac\r\n\r\nx\r\n--b\u20ac--".encode()
    utf8 = "multipart/form-data; boundary=b\u20ac".encode()
    request = httpx.Request("POST", "http://sim/x", headers={"Content-Type": utf8}, content=body)
    with pytest.raises(BadRequest, match=r"^the multipart body cannot be read$"):
        multipart_parts(request)
    for other in ("application/json", "multipart/mixed; boundary=x", "text/form-data; boundary=x", ""):
        with pytest.raises(Unsupported):
            multipart_parts(_request(b"{}", other))
    # Wildcards of the media type are taken, as JAX-RS takes them.
    for wildcard in ("*/*", "multipart/*", "*/form-data"):
        assert multipart_parts(
            _request(f"--{BOUNDARY}\r\n\r\nx\r\n--{BOUNDARY}--".encode(), f"{wildcard}; boundary={BOUNDARY}")
        )


def test_padding_after_a_delimiter_and_header_values_as_sent() -> None:
    body = (
        f"--{BOUNDARY} \t\r\n"
        'Content-Disposition: form-data; name="attachment"; filename="batch.xml"\r\n'
        "Content-Type: text/xml;\r\n charset=utf-8\r\n"
        "Content-ID: <a@b>\r\n\r\n<x/>\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode()
    (part,) = multipart_parts(_request(body))
    assert part == Part("attachment", "batch.xml", "a@b", "text/xml; charset=utf-8", b"<x/>")


def test_a_written_part_is_the_wire_text_cxf_reads() -> None:
    part = Part("attachment", "batch.xml", "a@b", "text/xml", b"<x/>")
    assert multipart_body([part, Part("p", None, None, "application/json", b"{}")], "B") == (
        b"--B\r\n"
        b'Content-Disposition: form-data; name="attachment"; filename="batch.xml"\r\n'
        b"Content-Type: text/xml\r\nContent-ID: <a@b>\r\nContent-Transfer-Encoding: binary\r\n\r\n<x/>\r\n"
        b"--B\r\n"
        b'Content-Disposition: form-data; name="p"\r\n'
        b"Content-Type: application/json\r\nContent-Transfer-Encoding: binary\r\n\r\n{}\r\n"
        b"--B--\r\n"
    )


def test_the_small_readers_of_a_request() -> None:
    assert iso(datetime(2026, 3, 4, 9, 0, tzinfo=UTC)) == "2026-03-04T09:00:00Z"
    assert (
        iso(datetime(2026, 3, 4, 10, 0, 0, 123000, tzinfo=timezone(timedelta(hours=1))))
        == "2026-03-04T09:00:00.123Z"
    )
    assert iso(datetime(2026, 3, 4, 9, 0, 0, 123456, tzinfo=UTC)) == "2026-03-04T09:00:00.123456Z"
    assert iso(datetime(2026, 3, 4, 9, 0, 0, 120000, tzinfo=UTC)) == "2026-03-04T09:00:00.120Z"
    assert max_nr(httpx.QueryParams("maxNr=")) is None
    assert max_nr(httpx.QueryParams("")) is None
    assert max_nr(httpx.QueryParams("maxNr=0")) is None
    assert max_nr(httpx.QueryParams("maxNr=7")) == 7
    with pytest.raises(ServerError, match=r"^maxNr -1 is not a row limit$"):
        max_nr(httpx.QueryParams("maxNr=-1"))
    assert text_response(200, "x").headers["Content-Type"] == "text/plain; charset=utf-8"
    assert sorted(text_response(200, "x", {"Retry-After": "3"}).headers.items()) == [
        ("content-length", "1"),
        ("content-type", "text/plain; charset=utf-8"),
        ("retry-after", "3"),
    ]
    timed = httpx.Request("GET", "http://sim/x", extensions={"timeout": {"read": 2, "connect": 1.0}})
    assert read_timeout(timed) == 2.0
    assert read_timeout(httpx.Request("GET", "http://sim/x", extensions={"timeout": {"read": None}})) is None
    assert read_timeout(httpx.Request("GET", "http://sim/x")) is None
    assert media_type(None) == ""
    assert media_type(" Text/XML ; charset=utf-8") == "text/xml"
    assert is_json("application/problem+json")
    assert is_json("application/json; charset=utf-8")
    assert not is_json("text/plain")
    assert EBMS_PREFIX == "/service/rest/v19"  # ebms-core's REST root, which clients are configured with
    # Logius' messages get ids as ebms-core makes them: a UUID and a host.
    first, second = new_message_id(), new_message_id()
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@mobb-simulator", first
    )
    assert first != second


def test_a_certificate_is_read_from_base64_der_and_anything_else_is_a_500(tmp_path: Path) -> None:
    from cryptography import x509

    pem = generate_tls(tmp_path, [TEST_OIN]).client(TEST_OIN)[0].read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    encoded = base64.b64encode(der).decode()
    assert certificate_der(encoded) == der
    for text in (
        "not base64!",
        base64.b64encode(b"not a certificate").decode(),
        encoded[:12] + "!" + encoded[12:],  # a stray character: not base64 as ebms-core reads it,
    ):
        with pytest.raises(ServerError) as info:
            certificate_der(text)
        assert str(info.value).startswith("not a base64 DER X.509 certificate: ")
        assert len(str(info.value)) > len("not a base64 DER X.509 certificate: ")
