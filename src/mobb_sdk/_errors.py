"""The errors mobb-sdk raises, all in one tree.

::

    MobbError                       every error of this library
    ├── InvalidValueError           a model field breaks a rule when the model is built (also a ValueError)
    ├── ArgumentTypeError           a public function was given the wrong kind of object, e.g. a non-model
    │                               to ``to_xml`` (also a TypeError)
    ├── ValidationError             a document or batch breaks the XSD or the rules: ``.violations``
    │   └── RenderError             a berichtstroom's letter breaks a rule once rendered: ``.stream``
    ├── SchemaError                 the bundled XSDs cannot be loaded, resolved or verified
    ├── XmlError                    a document cannot be read as XML
    │   ├── XmlSecurityError        a hostile construct: DTD, entity, oversized or too deep a document
    │   └── DocumentTypeError       well-formed XML, but not a document of the interface (root, namespace)
    ├── ConversionError             a plain dict/JSON value cannot be turned into a model (``.errors``)
    ├── ConfigurationError          missing or contradictory settings (URLs, CPA, certificates, world files)
    │   ├── CpaError                a CPA that cannot be used: ``.problems``, ``.structural``
    │   ├── EbmsConfigurationError  ebms-core refused a call as not matching its CPA (HTTP 500 and its
    │   │                           text in ``.body``): fix the configuration; never retried
    │   └── StreamConfigError       a berichtstromen file breaks its format: ``.source``, ``.key``
    ├── StorageError                a file or the outbox database cannot be read or written (missing, a
    │                               directory, no permission, disk full, corrupt): ``.path``; data kept
    └── TransportError              an exchange with ebms-core, the WUS service or a ZGW API failed
                                    (``.retryable``)
        ├── ConnectionFailed        no connection, or it broke before an answer came (retryable)
        ├── TransportTimeout        connect, read, write or pool timeout (retryable)
        ├── HttpStatusError         an unexpected HTTP status: ``.status``, ``.body`` (short, masked);
        │                           retryable for 502/503/504 and whenever the server sent Retry-After
        ├── ProtocolError           an answer that is not what the interface promises (non-JSON, non-XML,
        │                           hostile XML, wrong namespace, unexpected shape)
        └── SoapFaultError          the WUS service answered with a SOAP Fault: ``.fault``
            ├── ApplicationFaultError       wrong input (``sh:ApplicationFault``); do not retry as is
            └── DependentServiceFaultError  a back-end outage (``sh:DependentServiceFault``, retryable)

Every error names the rule id (``BER-05``, ``BIJ-03``, ...) and where the problem is (field, path or
element) when there is one. No error message ever contains a full BSN: identifiers are masked first.
A :class:`TransportError` also says which exchange failed: ``method`` and ``url`` (never with
credentials or a query), ``attempts`` made and the seconds ``elapsed`` over all of them.

The classes print as ``mobb_sdk.InvalidValueError`` (their public home), not by the private module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from mobb_sdk._models import SoapFault
    from mobb_sdk._violations import Violation

# A run of exactly nine digits may be a BSN: whatever a server echoes back is masked before it is kept.
_NINE_DIGITS = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")


def mask_digits(text: str) -> str:
    """``text`` with every run of exactly nine digits (a possible BSN) masked by :func:`~mobb_sdk._ids.mask_bsn`."""
    from mobb_sdk._ids import mask_bsn

    return _NINE_DIGITS.sub(lambda m: mask_bsn(m.group(0)), text)


def scrub(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters, every 9-digit run (a possible BSN) masked as ``*****1234``."""
    return mask_digits(text if len(text) <= limit else text[:limit] + "...")


def redact_url(url: str) -> str:
    """``url`` without user name, password, query or fragment: what an error or a log may show."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


__all__ = [
    "ApplicationFaultError",
    "ArgumentTypeError",
    "ConfigurationError",
    "ConnectionFailed",
    "ConversionError",
    "CpaError",
    "DependentServiceFaultError",
    "DocumentTypeError",
    "EbmsConfigurationError",
    "HttpStatusError",
    "InvalidValueError",
    "MobbError",
    "ProtocolError",
    "RenderError",
    "SchemaError",
    "SoapFaultError",
    "StorageError",
    "StreamConfigError",
    "TransportError",
    "TransportTimeout",
    "ValidationError",
    "XmlError",
    "XmlSecurityError",
]


class MobbError(Exception):
    """Base class of every error raised by mobb-sdk."""


class InvalidValueError(MobbError, ValueError):
    """A value given to a model breaks a rule of the interface.

    ``rule`` is the spec's rule id, ``field`` the attribute (or dotted path) that holds the value.
    """

    def __init__(self, rule: str, field: str, message: str) -> None:
        self.rule = rule
        self.field = field
        self.message = message
        super().__init__(f"{rule} {field}: {message}")


class ArgumentTypeError(MobbError, TypeError):
    """A public function was handed an object of a kind it does not take (a non-model to ``to_xml``,
    a number as an XML source); the message names what it expected."""


class ValidationError(MobbError):
    """A document or model breaks the bundled XSDs or the Logius rules.

    ``violations`` lists every problem found (rule id, path, message, severity); nothing was sent.
    """

    def __init__(self, violations: Iterable[Violation], summary: str | None = None) -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        lines = [summary or f"{len(self.violations)} violation(s)"]
        lines.extend(f"  {v}" for v in self.violations[:20])
        if len(self.violations) > 20:
            lines.append(f"  ... and {len(self.violations) - 20} more")
        super().__init__("\n".join(lines))

    @property
    def rules(self) -> frozenset[str]:
        """The rule ids that were broken."""
        return frozenset(v.rule for v in self.violations)


class RenderError(ValidationError):
    """A letter rendered from a berichtstroom breaks a rule (``BER-05`` Onderwerp too long, ``BER-08``
    Referentie too long, ``BIJ-02`` not a PDF, ...). ``stream`` names the stream; each violation's path
    names the stream's key (``woz-beschikking.onderwerp``). Nothing was stored or sent."""

    def __init__(self, stream: str, violations: Iterable[Violation], summary: str | None = None) -> None:
        self.stream = stream
        super().__init__(violations, summary or f"berichtstroom {stream!r}: the letter breaks a rule")


class SchemaError(MobbError):
    """The bundled schema set cannot be loaded: a missing file, an unresolvable import, a bad hash."""


class XmlError(MobbError):
    """A document cannot be read as XML (not well-formed, empty, truncated)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message if line is None else f"{message} (line {line})")


class XmlSecurityError(XmlError):
    """A document uses a construct the hardened parser refuses (DTD, entities, huge or deep trees)."""


class DocumentTypeError(XmlError):
    """A well-formed document whose root element is not the one expected (or not of the interface)."""


class ConversionError(MobbError):
    """Plain data (dicts, JSON) could not be structured into a model; ``errors`` lists each with its path."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = tuple(errors)
        super().__init__("cannot convert to a model:\n" + "\n".join(f"  {e}" for e in self.errors))


class ConfigurationError(MobbError):
    """Settings are missing or contradict each other (an endpoint, the CPA, a certificate, a world file)."""


class CpaError(ConfigurationError):
    """A CPA that cannot be used: ``problems`` lists what is wrong; ``structural`` is True when it is not
    a usable CPP/CPA 2.0 document at all (ebms-core answers 400), False when it is one but not an
    agreement for this connection or not valid now (ebms-core answers 500)."""

    def __init__(self, problems: Sequence[str], *, structural: bool) -> None:
        self.problems = tuple(problems)
        self.structural = structural
        shown = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"the CPA cannot be used: {shown}{more}")


class EbmsConfigurationError(ConfigurationError):
    """ebms-core refused a call because it does not match a CPA it holds (unknown CPA, party, role, service
    or action): it answers HTTP 500 with its validation text, kept (masked) in ``body``. Retrying cannot
    help; fix the configuration (``MOBB_CPA_ID``, the OINs, roles) or load the right CPA."""

    def __init__(self, message: str, *, body: str, status: int = 500) -> None:
        self.body = scrub(body, 500)
        self.status = status
        super().__init__(f"{message}: ebms-core says: {self.body}" if self.body else message)


class StreamConfigError(ConfigurationError):
    """A berichtstromen (TOML) file cannot be used: ``source`` is the file, ``key`` the dotted key
    (``berichtstromen.woz-beschikking.onderwerp``) that is wrong, or empty for the whole file."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.message = message
        super().__init__(f"{source}: {key}: {message}" if key else f"{source}: {message}")


class StorageError(MobbError):
    """A file or the outbox database could not be read or written: missing, a directory, no
    permission, the disk full, a corrupt database. ``path`` names it (when there is one). What was
    stored before stays as it was: a failed write is rolled back, never half applied.
    """

    def __init__(self, message: str, *, path: object | None = None) -> None:
        self.path = path
        super().__init__(message)


class TransportError(MobbError):
    """An exchange with ebms-core, the WUS service or a ZGW API failed.

    ``batch_id`` and ``bericht_ids`` name what it concerns (when it concerns a batch), ``status`` the HTTP
    status (when there was an answer), ``code`` the rule id or fault code; ``retryable`` says whether the
    same request, with the same ids, may succeed later.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        batch_id: object | None = None,
        bericht_ids: Sequence[object] = (),
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.batch_id = batch_id
        self.bericht_ids = tuple(bericht_ids)
        self.status = status
        self.code = code
        #: The exchange that failed (filled by the client when it gives up): HTTP method, the URL
        #: without credentials or query, the number of attempts and the seconds they took together.
        self.method: str | None = None
        self.url: str | None = None
        self.attempts: int | None = None
        self.elapsed: float | None = None
        #: The first attempt's error when the exchange was retried and it differed from this, the last.
        self.first: TransportError | None = None
        parts = [message]
        if status is not None:
            parts.append(f"HTTP {status}")
        if code:
            parts.append(code)
        if batch_id is not None:
            parts.append(f"BatchID {batch_id}")
        super().__init__(" | ".join(parts))

    def add_exchange(
        self, method: str, url: str, attempts: int, elapsed: float, first: TransportError | None = None
    ) -> None:
        """Record which exchange failed, after how many attempts and how long, and the first attempt's
        error when it differed; the message says it too."""
        fresh = self.url is None
        self.method = method
        self.url = redact_url(url)
        self.attempts = attempts
        self.elapsed = elapsed
        if first is not None and first is not self and str(first) != str(self):
            self.first = first
        if fresh and self.args:
            tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
            text = f"{self.args[0]} | {method} {self.url} | {tries} in {elapsed:.1f} s"
            if self.first is not None:
                text += f" | first attempt: {self.first}"
            self.args = (text, *self.args[1:])


class ConnectionFailed(TransportError):
    """No connection could be made, or it broke before the answer was complete."""

    retryable = True


class TransportTimeout(TransportError):
    """A connect, read, write or pool timeout expired (every timeout of mobb-sdk is finite)."""

    retryable = True


#: Statuses a gateway or an overloaded server answers with; the same request may succeed later.
RETRYABLE_STATUSES = frozenset({502, 503, 504})


class HttpStatusError(TransportError):
    """The server answered with a status the call does not expect (400, 404, 5xx).

    ``body`` is a short excerpt of the answer, 9-digit numbers masked; ``retry_after`` the seconds the
    server asked to wait (``Retry-After``), if it did.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: str = "",
        retry_after: float | None = None,
        batch_id: object | None = None,
        bericht_ids: Sequence[object] = (),
        code: str | None = None,
    ) -> None:
        self.body = scrub(body)
        self.retry_after = retry_after
        # A Retry-After makes an overload (429) or a server error worth waiting for; a request the
        # server found wrong (400, 404, 413, ...) stays wrong, whatever header came with it.
        self.retryable = status in RETRYABLE_STATUSES or (
            retry_after is not None and (status == 429 or status >= 500)
        )
        detail = f"{message}: {self.body}" if self.body else message
        super().__init__(detail, batch_id=batch_id, bericht_ids=bericht_ids, status=status, code=code)


class ProtocolError(TransportError):
    """The answer is not what the interface promises: not JSON or XML, hostile, of the wrong shape."""


class SoapFaultError(TransportError):
    """The WUS service answered with a SOAP Fault; ``fault`` holds faultcode, faultstring and detail."""

    def __init__(
        self, fault: SoapFault, *, status: int | None = None, batch_id: object | None = None
    ) -> None:
        self.fault = fault
        text = scrub(fault.message or fault.faultstring or "SOAP Fault")
        code = fault.kind.value if fault.kind is not None else fault.faultcode or None
        super().__init__(f"SOAP Fault {fault.faultcode}: {text}", status=status, code=code, batch_id=batch_id)


class ApplicationFaultError(SoapFaultError):
    """``sh:ApplicationFault``: the request was wrong (sender, BerichtType, BSNs); do not retry it as is."""


class DependentServiceFaultError(SoapFaultError):
    """``sh:DependentServiceFault``: a back end of the WUS service is down; the call may succeed later."""

    retryable = True


# Shown (in tracebacks, reprs and docs) under their public home: ``mobb_sdk.InvalidValueError``.
for _name in __all__:
    globals()[_name].__module__ = "mobb_sdk"
del _name
