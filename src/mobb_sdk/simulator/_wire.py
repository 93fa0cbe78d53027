"""The HTTP shapes of the simulator: ebms-core's paths, answers, errors and multipart bodies."""

from __future__ import annotations

import base64
import email.message
import email.policy
import quopri
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any, Final

import attrs
import httpx

from mobb_sdk._ids import LOGIUS_OIN
from mobb_sdk._namespaces import EBMS_SERVICE
from mobb_sdk.simulator._faults import (
    Operation,
    TransportFault,
)

EBMS_PREFIX: Final = "/service/rest/v19"
WUS_PATH: Final = "/wus/BerichtenboxValidatieService"
BB_SERVICE: Final = EBMS_SERVICE
LOGIUS_PARTY_ID: Final = LOGIUS_OIN.party_id
#: The request extension the loopback server sets to the OIN in the TLS client certificate.
CLIENT_OIN_EXTENSION: Final = "mobb.client_oin"


Handler = Callable[[httpx.Request], httpx.Response]
JSON_TYPE: Final = "application/json"
TEXT_TYPE: Final = "text/plain"
MULTIPART_TYPE: Final = "multipart/form-data"


@attrs.frozen
class Endpoint:
    """A route's operation, handler and the media type ebms-core gives its error answers."""

    operation: Operation
    handler: Handler
    error_type: str = JSON_TYPE


@attrs.frozen
class Plan:
    """A request routed, with the transport fault (if any) it is to suffer."""

    request: httpx.Request
    operation: Operation
    handler: Handler
    fault: TransportFault | None
    error_type: str = JSON_TYPE


class BadRequest(Exception):
    """Answered as 400 with the message as text (ebms-core's BadRequestException)."""


class Unreadable(Exception):
    """A body CXF's readers refuse before ebms-core's code runs, answered as CXF answers it: ``status``
    with no body and no media type. 500 when Jackson cannot build the bean (not JSON, a missing
    non-null property, an unknown property, content that is not base64: CXF maps Jackson's exception
    to a bare 500); 400 when a required multipart part is missing. ``reason`` is for the reader of
    the code and of tracebacks, never sent (checked against CXF 4.0.6 and Jackson 2.17.2:
    tests/test_cxf_wire.py)."""

    def __init__(self, reason: str, status: int = 500) -> None:
        super().__init__(reason)
        self.status = status


class NotFound(Exception):
    """Answered as 404 with an empty body (ebms-core's not-found kinds, and unconvertible parameters)."""


class Unsupported(Exception):
    """Answered as 415: the body's media type is not the one the endpoint consumes."""


class ServerError(Exception):
    """Answered as 500 with the message as the body: what ebms-core does with every other exception,
    its validation of the message properties against the CPA included."""


def iso(value: datetime) -> str:
    """An instant as Java's ``Instant.toString()`` writes it (and ebms-core's JSON): UTC, ``Z``, no
    fraction when it is zero, else 3 or 6 digits."""
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    if "." in text:
        head, fraction = text.split(".")
        text = head + "." + (fraction[:3] if fraction.endswith("000") else fraction)
    return text + "Z"


def flag(value: str | None) -> bool:
    """A JAX-RS ``Boolean`` parameter: ``true`` in any case is true, anything else (or nothing) false."""
    return value is not None and value.strip().lower() == "true"


def max_nr(params: httpx.QueryParams) -> int | None:
    """``maxNr`` as ebms-core reads it: absent or 0 is no limit; not an integer is a 404 (JAX-RS)."""
    raw = params.get("maxNr")
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise NotFound from None
    if value < 0:
        raise ServerError(f"maxNr {value} is not a row limit")
    return value or None


def text_response(status: int, text: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, text=text, headers={"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
    )


def json_response(value: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=value)


def error_response(status: int, message: str, media_type: str) -> httpx.Response:
    """An error as ebms-core's ``WithService`` builds it: the status, the endpoint's media type, and
    the exception message as the (plain) body, empty for a not-found."""
    return httpx.Response(status, content=message.encode("utf-8"), headers={"Content-Type": media_type})


def no_content() -> httpx.Response:
    return httpx.Response(204)


def new_message_id() -> str:
    # ebms-core's messageIds are a UUID and the host name.
    return f"{uuid.uuid4()}@mobb-simulator"


def read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    if isinstance(timeout, Mapping):
        value = timeout.get("read")
        return float(value) if isinstance(value, int | float) else None
    return None


@attrs.frozen
class Part:
    """One part of a multipart/form-data body (MTOM requests and answers)."""

    name: str
    filename: str | None
    content_id: str | None
    content_type: str
    content: bytes


def media_type(value: str | None) -> str:
    """The ``type/subtype`` of a Content-Type value, lower case (empty when there is none)."""
    return (value or "").split(";")[0].strip().lower()


def consumes(request: httpx.Request, media: str) -> None:
    """JAX-RS's ``@Consumes(media)``: 415 unless the body's media type is ``media`` (or a wildcard of
    it; a body without Content-Type is not)."""
    kind, _, sub = media_type(request.headers.get("Content-Type")).partition("/")
    want_kind, _, want_sub = media.partition("/")
    if kind not in (want_kind, "*") or sub not in (want_sub, "*"):
        raise Unsupported


def is_json(media: str) -> bool:
    """Whether Jackson's JAX-RS provider reads this media type: subtype ``json`` or ``…+json``."""
    sub = media_type(media).partition("/")[2]
    return sub == "json" or sub.endswith("+json")


#: The Content-ID CXF gives every multipart part that has none (so two such parts share it).
CXF_DEFAULT_CONTENT_ID: Final = "root.message@cxf.apache.org"
#: The media type CXF gives a multipart part without Content-Type.
CXF_DEFAULT_PART_TYPE: Final = "application/octet-stream"


def multipart_parts(request: httpx.Request) -> list[Part]:
    """The parts of a multipart/form-data request (415 for another media type, 400 when unreadable),
    each with its Content-Type as sent (parameters kept) or CXF's default, its Content-ID without
    angle brackets or ``None``.

    The body is cut at its boundaries with ``bytes.find``, so a 100 MB part costs one copy; only each
    part's few header lines go through the email parser."""
    consumes(request, MULTIPART_TYPE)
    media = request.headers.get("Content-Type", "")
    envelope = email.message.EmailMessage()
    envelope["Content-Type"] = media
    boundary = envelope.get_boundary()
    if not boundary:
        raise BadRequest("the multipart body has no boundary")
    body = request.content
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    found = body.find(delimiter)
    if found < 0 or (found and body[found - 2 : found] != b"\r\n"):
        raise BadRequest("the multipart body cannot be read")
    parts: list[Part] = []
    pos = found + len(delimiter)
    while not body.startswith(b"--", pos):  # "--" after a delimiter closes the body
        line_end = body.find(b"\r\n", pos)
        if line_end < 0 or body[pos:line_end].strip(b" \t"):
            raise BadRequest("the multipart body cannot be read")
        if body.startswith(b"\r\n", line_end + 2):  # a part without headers
            head, content_start = b"", line_end + 4
        else:
            head_end = body.find(b"\r\n\r\n", line_end + 2)
            if head_end < 0:
                raise BadRequest("the multipart body cannot be read")
            head, content_start = body[line_end + 2 : head_end + 2], head_end + 4
        next_delimiter = body.find(b"\r\n" + delimiter, content_start)
        if next_delimiter < 0:
            raise BadRequest("the multipart body ends inside a part")
        parts.append(_part(head, body[content_start:next_delimiter]))
        pos = next_delimiter + 2 + len(delimiter)
    return parts


def _part(head: bytes, raw: bytes) -> Part:
    headers = BytesHeaderParser(policy=email.policy.HTTP).parsebytes(head)
    encoding = str(headers.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        try:
            content = base64.b64decode(raw)
        except ValueError:
            raise BadRequest("a base64 part is not base64") from None
    elif encoding == "quoted-printable":
        content = quopri.decodestring(raw)
    else:  # binary, 8bit, 7bit or none: the bytes as they are
        content = raw
    cid = headers.get("Content-ID")
    return Part(
        name=headers.get_param("name", header="content-disposition") or "",  # type: ignore[arg-type]
        filename=headers.get_filename(),
        content_id=str(cid).strip().strip("<>") if cid else None,
        content_type=_raw_header(headers, "Content-Type") or CXF_DEFAULT_PART_TYPE,
        content=content,
    )


def _raw_header(headers: Message, name: str) -> str | None:
    """A header's value as sent (the parsed one is normalised, e.g. its parameters quoted)."""
    for key, value in headers.raw_items():
        if key.lower() == name.lower():
            return " ".join(str(value).split())
    return None


def multipart_body(parts: Iterable[Part], boundary: str) -> bytes:
    out = bytearray()
    for part in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{part.name}"'
        if part.filename:
            disposition += f'; filename="{part.filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        out += f"Content-Type: {part.content_type}\r\n".encode()
        if part.content_id:
            out += f"Content-ID: <{part.content_id}>\r\n".encode()
        out += b"Content-Transfer-Encoding: binary\r\n\r\n" + part.content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def certificate_der(text: str) -> bytes:
    """A base64 DER X.509 certificate, parsed as ebms-core does (a failure is a 500)."""
    from cryptography import x509

    try:
        der = base64.b64decode(text, validate=True)
        x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise ServerError(f"not a base64 DER X.509 certificate: {exc}") from None
    return der
