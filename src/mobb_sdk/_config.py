"""Client settings, from arguments or from ``MOBB_*`` environment variables.

Endpoints, CPA and certificates differ between *preproductie* and *productie* and come from the CPA and
the onboarding, never from code (spec section 1): :meth:`ClientConfig.from_env` reads them all, so a
vendor switches environments by switching variables. The table of variables is :data:`ENV_VARS`
(and docs/how-to/ebms-core.md).
"""

from __future__ import annotations

import math
import os
import ssl
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

import attrs
import httpx

from mobb_sdk._errors import ConfigurationError, InvalidValueError
from mobb_sdk._ids import LOGIUS_OIN, Oin
from mobb_sdk._namespaces import (
    EBMS_SERVICE,
    LOGIUS_ROLE,
    REQUEST_ACTION,
    RESULT_ACTION,
    SENDER_ROLE,
    VALIDATE_ABONNEMENTEN_ACTION,
)
from mobb_sdk._retry import RetryPolicy
from mobb_sdk._rules import SenderProfile

if TYPE_CHECKING:
    from cryptography import x509

from mobb_sdk._tls import check_url, create_ssl_context, load_certificate, pkcs12_certificate

__all__ = [
    "DEFAULT_REQUEST_ACTION",
    "DEFAULT_RESULT_ACTION",
    "DEFAULT_SERVICE",
    "ENV_VARS",
    "ClientConfig",
    "EbmsConfig",
    "Timeouts",
    "TlsConfig",
    "WusConfig",
]

#: The spec's ebMS values are the defaults (spec section 1).
DEFAULT_SERVICE: Final = EBMS_SERVICE
DEFAULT_REQUEST_ACTION: Final = REQUEST_ACTION
DEFAULT_RESULT_ACTION: Final = RESULT_ACTION
DEFAULT_FROM_ROLE: Final = SENDER_ROLE
DEFAULT_TO_ROLE: Final = LOGIUS_ROLE


def _to_oin(value: Oin | str) -> Oin:
    if isinstance(value, Oin):
        return value
    try:
        return Oin(value)
    except InvalidValueError as exc:
        raise ConfigurationError(f"{value!r} is not an OIN: {exc.message}") from None


def _to_optional_oin(value: Oin | str | None) -> Oin | None:
    return None if value is None else _to_oin(value)


def _finite(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value < math.inf:
        raise ConfigurationError(
            f"timeout {attribute.name} must be a finite number of seconds > 0, got {value!r}"
        )


def _strip_slash(url: str) -> str:
    return str(url).rstrip("/")


def _non_empty(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{attribute.name} must not be empty")


def _kind(kind: type, *, optional: bool = False) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, kind) or (optional and value is None)):
            raise ConfigurationError(
                f"{attribute.name} must be a {kind.__name__}{' or None' if optional else ''}, "
                f"got {type(value).__name__}"
            )

    return check


@attrs.frozen
class Timeouts:
    """Seconds allowed to connect, to read an answer, to write a request and to wait for a pooled
    connection, and ``total``: the most one HTTP exchange (connect, request, the whole answer) may take,
    however the server paces its bytes. All finite: a hung or dripping ebms-core or WUS service never
    hangs the caller (a try past ``total`` is a :class:`~mobb_sdk.TransportTimeout` naming it)."""

    connect: float = attrs.field(default=10.0, validator=_finite)
    read: float = attrs.field(default=60.0, validator=_finite)
    write: float = attrs.field(default=60.0, validator=_finite)
    pool: float = attrs.field(default=10.0, validator=_finite)
    total: float = attrs.field(default=60.0, validator=_finite)

    def as_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)

    def as_extension(self) -> dict[str, float]:
        """The per-request form httpx reads from ``request.extensions["timeout"]``."""
        return {"connect": self.connect, "read": self.read, "write": self.write, "pool": self.pool}


@attrs.frozen
class EbmsConfig:
    """How to reach ebms-core's REST API (v19) and what to put in each ebMS message.

    ``url`` is the REST root, e.g. ``http://127.0.0.1:8080/service/rest/v19``. ``party_oin`` is the own
    ebMS party (the certificate's OIN); it differs from the sender OIN in the batch only when an
    intermediary sends for a client (BATCH-05). The rest has the spec's values as defaults.

    ``mtom`` sends each batch to ``POST /ebms/messages/mtom`` as a binary multipart part instead of
    base64 inside the JSON of ``POST /ebms/messages``: a quarter fewer bytes on the wire and no second
    encoding, which pays for large batches. ebms-core 2.20 serves both (docs/how-to/ebms-core.md).
    """

    url: str = attrs.field(validator=_non_empty, converter=_strip_slash)
    cpa_id: str = attrs.field(validator=_non_empty)
    party_oin: Oin = attrs.field(converter=_to_oin)
    logius_oin: Oin = attrs.field(default=LOGIUS_OIN, converter=_to_oin)
    from_role: str = attrs.field(default=DEFAULT_FROM_ROLE, validator=_non_empty)
    to_role: str = attrs.field(default=DEFAULT_TO_ROLE, validator=_non_empty)
    service: str = attrs.field(default=DEFAULT_SERVICE, validator=_non_empty)
    request_action: str = attrs.field(default=DEFAULT_REQUEST_ACTION, validator=_non_empty)
    result_action: str = attrs.field(default=DEFAULT_RESULT_ACTION, validator=_non_empty)
    mtom: bool = attrs.field(default=False, validator=_kind(bool))

    @property
    def from_party_id(self) -> str:
        return self.party_oin.party_id

    @property
    def to_party_id(self) -> str:
        return self.logius_oin.party_id

    def endpoint(self, *segments: str) -> str:
        """An absolute URL under the REST root; each segment is percent-encoded (``:`` kept)."""
        return "/".join([self.url, *(quote(s, safe=":") for s in segments)])


@attrs.frozen
class WusConfig:
    """The ValidateAbonnementen endpoint (from the onboarding) and its SOAPAction (spec section 5)."""

    url: str = attrs.field(validator=_non_empty)
    soap_action: str = VALIDATE_ABONNEMENTEN_ACTION


@attrs.frozen
class TlsConfig:
    """Two-way TLS: the PKIoverheid client certificate (PEM files or a PKCS#12 file), the CA bundle the
    server is checked against, and whether plain http to a non-loopback host is allowed (tests only).

    ``ssl_context`` wins over the files when given (an ``ssl.SSLContext`` built elsewhere).
    """

    cert_file: str | None = None
    key_file: str | None = None
    key_password: str | None = attrs.field(default=None, repr=lambda v: "None" if v is None else "'***'")
    pkcs12_file: str | None = None
    ca_bundle: str | None = None
    allow_insecure_http: bool = False
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, eq=False)

    @property
    def has_client_certificate(self) -> bool:
        return self.ssl_context is not None or self.cert_file is not None or self.pkcs12_file is not None

    def create_ssl_context(self) -> ssl.SSLContext:
        """The context for httpx: TLS 1.2 minimum, server verified, client certificate presented."""
        if self.ssl_context is not None:
            return self.ssl_context
        return create_ssl_context(
            cert_file=self.cert_file,
            key_file=self.key_file,
            key_password=self.key_password,
            pkcs12_file=self.pkcs12_file,
            ca_bundle=self.ca_bundle,
        )

    def client_certificate(self) -> x509.Certificate | None:
        """The configured client certificate (from the PEM or PKCS#12 file); ``None`` without a file."""
        if self.pkcs12_file is not None:
            return pkcs12_certificate(self.pkcs12_file, self.key_password)
        if self.cert_file is not None:
            return load_certificate(self.cert_file)
        return None


def _bericht_types(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset((value,))
    items = tuple(value) if isinstance(value, Iterable) else None
    if items is None or not all(isinstance(t, str) for t in items):
        raise ConfigurationError("active_bericht_types must be BerichtType codes (text), or None")
    return frozenset(items)


@attrs.frozen
class ClientConfig:
    """Everything a :class:`~mobb_sdk.Client` needs.

    ``sender_oin`` is the formal sender (BerichtLeverancierID in every batch, and the sender in
    ValidateAbonnementen). ``ebms`` and ``wus`` may each be absent when only the other is used.
    ``active_bericht_types`` (the BerichtTypes active in the Leveranciersportaal) lets the local rules
    catch BER-02 before Logius does; ``None`` skips that check.
    """

    sender_oin: Oin = attrs.field(converter=_to_oin)
    ebms: EbmsConfig | None = attrs.field(default=None, validator=_kind(EbmsConfig, optional=True))
    wus: WusConfig | None = attrs.field(default=None, validator=_kind(WusConfig, optional=True))
    tls: TlsConfig = attrs.field(factory=TlsConfig, validator=_kind(TlsConfig))
    timeouts: Timeouts = attrs.field(factory=Timeouts, validator=_kind(Timeouts))
    retry: RetryPolicy = attrs.field(factory=RetryPolicy, validator=_kind(RetryPolicy))
    active_bericht_types: frozenset[str] | None = attrs.field(default=None, converter=_bericht_types)
    max_response_bytes: int = 64 * 1024 * 1024

    def __attrs_post_init__(self) -> None:
        for what, url in (("ebms-core", self.ebms and self.ebms.url), ("WUS", self.wus and self.wus.url)):
            if url:
                check_url(url, allow_insecure_http=self.tls.allow_insecure_http, what=what)

    def profile(self) -> SenderProfile:
        """The :class:`~mobb_sdk.SenderProfile` the local rules judge each batch with."""
        return SenderProfile(sender_oin=self.sender_oin, active_bericht_types=self.active_bericht_types)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> ClientConfig:
        """Read the settings from ``MOBB_*`` variables (see :data:`ENV_VARS`); ``overrides`` win.

        ``MOBB_SENDER_OIN`` is required; the ebMS part needs ``MOBB_EBMS_URL`` and ``MOBB_CPA_ID``, the
        WUS part ``MOBB_WUS_URL``. A value that cannot be read raises :class:`~mobb_sdk.ConfigurationError`
        naming the variable.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value is not None and value.strip() else None

        def number(name: str, default: float) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                return float(raw)
            except ValueError:
                raise ConfigurationError(f"{name}={raw!r} is not a number") from None

        def flag(name: str) -> bool:
            raw = (get(name) or "0").lower()
            if raw in ("1", "true", "yes", "on"):
                return True
            if raw in ("0", "false", "no", "off"):
                return False
            raise ConfigurationError(f"{name}={raw!r}: expected 1/0, true/false, yes/no or on/off")

        sender = get("MOBB_SENDER_OIN")
        if sender is None and "sender_oin" not in overrides:
            raise ConfigurationError("MOBB_SENDER_OIN is not set (the sender's OIN, BerichtLeverancierID)")
        ebms: EbmsConfig | None = None
        url, cpa = get("MOBB_EBMS_URL"), get("MOBB_CPA_ID")
        if url or cpa:
            if not (url and cpa):
                raise ConfigurationError("MOBB_EBMS_URL and MOBB_CPA_ID must be set together")
            ebms = EbmsConfig(
                url=url,
                cpa_id=cpa,
                party_oin=get("MOBB_PARTY_OIN") or sender or str(overrides.get("sender_oin")),
                logius_oin=get("MOBB_LOGIUS_OIN") or LOGIUS_OIN,
                from_role=get("MOBB_FROM_ROLE") or DEFAULT_FROM_ROLE,
                to_role=get("MOBB_TO_ROLE") or DEFAULT_TO_ROLE,
                service=get("MOBB_EBMS_SERVICE") or DEFAULT_SERVICE,
                request_action=get("MOBB_REQUEST_ACTION") or DEFAULT_REQUEST_ACTION,
                result_action=get("MOBB_RESULT_ACTION") or DEFAULT_RESULT_ACTION,
                mtom=flag("MOBB_EBMS_MTOM"),
            )
        wus_url = get("MOBB_WUS_URL")
        wus = (
            WusConfig(url=wus_url, soap_action=get("MOBB_WUS_SOAP_ACTION") or VALIDATE_ABONNEMENTEN_ACTION)
            if wus_url
            else None
        )
        tls = TlsConfig(
            cert_file=get("MOBB_CERT_FILE"),
            key_file=get("MOBB_KEY_FILE"),
            key_password=get("MOBB_KEY_PASSWORD"),
            pkcs12_file=get("MOBB_PKCS12_FILE"),
            ca_bundle=get("MOBB_CA_BUNDLE"),
            allow_insecure_http=flag("MOBB_ALLOW_INSECURE_HTTP"),
        )
        defaults = Timeouts()
        timeouts = Timeouts(
            connect=number("MOBB_TIMEOUT_CONNECT", defaults.connect),
            read=number("MOBB_TIMEOUT_READ", defaults.read),
            write=number("MOBB_TIMEOUT_WRITE", defaults.write),
            pool=number("MOBB_TIMEOUT_POOL", defaults.pool),
            total=number("MOBB_TIMEOUT_TOTAL", defaults.total),
        )
        retry_defaults = RetryPolicy()
        try:
            retry = RetryPolicy(
                max_attempts=int(number("MOBB_RETRY_ATTEMPTS", retry_defaults.max_attempts)),
                base_delay=number("MOBB_RETRY_BASE_DELAY", retry_defaults.base_delay),
                max_delay=number("MOBB_RETRY_MAX_DELAY", retry_defaults.max_delay),
            )
        except InvalidValueError as exc:
            raise ConfigurationError(f"MOBB_RETRY_*: {exc.message}") from None
        types = get("MOBB_ACTIVE_BERICHT_TYPES")
        values: dict[str, object] = {
            "sender_oin": sender,
            "ebms": ebms,
            "wus": wus,
            "tls": tls,
            "timeouts": timeouts,
            "retry": retry,
            "active_bericht_types": (
                frozenset(t.strip() for t in types.split(",") if t.strip()) if types is not None else None
            ),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


#: Every environment variable :meth:`ClientConfig.from_env` reads: name → (meaning, default).
ENV_VARS: Final[Mapping[str, tuple[str, str]]] = {
    "MOBB_SENDER_OIN": (
        "the formal sender's OIN: BerichtLeverancierID and WUS berichtleverancierCode",
        "required",
    ),
    "MOBB_EBMS_URL": ("ebms-core REST root, e.g. http://127.0.0.1:8080/service/rest/v19", "no ebMS"),
    "MOBB_CPA_ID": ("the CPA id agreed with Logius for this environment", "required with MOBB_EBMS_URL"),
    "MOBB_PARTY_OIN": ("own ebMS PartyId OIN (an intermediary's own OIN, BATCH-05)", "MOBB_SENDER_OIN"),
    "MOBB_LOGIUS_OIN": ("Logius' OIN, the ebMS party on the other side", LOGIUS_OIN.value),
    "MOBB_FROM_ROLE": ("own ebMS role", DEFAULT_FROM_ROLE),
    "MOBB_TO_ROLE": ("Logius' ebMS role", DEFAULT_TO_ROLE),
    "MOBB_EBMS_SERVICE": ("ebMS service", DEFAULT_SERVICE),
    "MOBB_REQUEST_ACTION": ("ebMS action of a batch", DEFAULT_REQUEST_ACTION),
    "MOBB_RESULT_ACTION": ("ebMS action of a processing result", DEFAULT_RESULT_ACTION),
    "MOBB_EBMS_MTOM": ("send batches as binary MTOM parts, not base64 in JSON (large batches)", "0"),
    "MOBB_WUS_URL": ("ValidateAbonnementen endpoint (from the onboarding)", "no WUS"),
    "MOBB_WUS_SOAP_ACTION": ("SOAPAction of ValidateAbonnementen", VALIDATE_ABONNEMENTEN_ACTION),
    "MOBB_CERT_FILE": ("PKIoverheid client certificate (PEM, may hold the chain)", "none"),
    "MOBB_KEY_FILE": ("its private key (PEM)", "MOBB_CERT_FILE"),
    "MOBB_KEY_PASSWORD": ("password of the key or of the PKCS#12 file", "none"),
    "MOBB_PKCS12_FILE": ("client certificate and key as PKCS#12 (instead of the PEM files)", "none"),
    "MOBB_CA_BUNDLE": ("CA certificates (PEM) the servers are verified against", "system trust store"),
    "MOBB_ALLOW_INSECURE_HTTP": ("allow http:// to non-loopback hosts (test networks only)", "0"),
    "MOBB_TIMEOUT_CONNECT": ("seconds to connect", "10"),
    "MOBB_TIMEOUT_READ": ("seconds to wait for an answer", "60"),
    "MOBB_TIMEOUT_WRITE": ("seconds to send a request", "60"),
    "MOBB_TIMEOUT_POOL": ("seconds to wait for a free connection", "10"),
    "MOBB_TIMEOUT_TOTAL": ("seconds one HTTP exchange may take in all, however slowly it drips", "60"),
    "MOBB_RETRY_ATTEMPTS": ("tries per call, the first included (1 = no retries)", "5"),
    "MOBB_RETRY_BASE_DELAY": ("first backoff step in seconds (doubles per retry, full jitter)", "0.5"),
    "MOBB_RETRY_MAX_DELAY": ("largest backoff step in seconds", "30"),
    "MOBB_ACTIVE_BERICHT_TYPES": (
        "comma-separated BerichtTypes active in the Leveranciersportaal (BER-02)",
        "not checked",
    ),
}
