"""Two-way TLS with a PKIoverheid certificate: the ``ssl.SSLContext``, the OIN in it, and the http:// guard.

Logius asks for TLS 1.2 or newer with the sender's PKIoverheid certificate, whose subject
``serialNumber`` holds the OIN (spec section 1). The context built here verifies the server against a
configurable CA bundle (the PKIoverheid roots for Logius; the system store when none is given) and
presents the client certificate from PEM files or a PKCS#12 bundle.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import ssl
import stat
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mobb_sdk._errors import ArgumentTypeError, ConfigurationError, InvalidValueError
from mobb_sdk._ids import Oin

if TYPE_CHECKING:
    from cryptography import x509

__all__ = [
    "CertificateOinWarning",
    "KeyFileModeWarning",
    "check_certificate_oin",
    "check_url",
    "create_ssl_context",
    "is_loopback",
    "load_certificate",
    "oin_from_certificate",
    "pkcs12_certificate",
]

PathLike = str | os.PathLike[str]


class CertificateOinWarning(UserWarning):
    """The OIN in the client certificate differs from the configured one (BATCH-05)."""


class KeyFileModeWarning(UserWarning):
    """A private key (PEM key file or PKCS#12 file) can be read by other users than its owner."""


def _warn_if_others_may_read(path: Path, what: str) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # the load that follows reports a missing or unreadable file
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.warn(
            f"the {what} {path} has mode {stat.S_IMODE(mode):04o}: other users may read the private key; "
            f"make it owner-only (chmod 600 {path})",
            KeyFileModeWarning,
            stacklevel=3,
        )


def _never_prompt() -> bytes:
    # Given as the password callback when no password is configured: OpenSSL would otherwise ask for
    # one on the controlling terminal and block an unattended process.
    return b""


def _holds_private_key(path: Path) -> bool:
    try:
        return b"PRIVATE KEY-----" in path.read_bytes()[: 1024 * 1024]
    except OSError:
        return False


def _is_encrypted_pem(path: Path) -> bool:
    try:
        head = path.read_bytes()[: 64 * 1024]
    except OSError:
        return False
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in head or b"Proc-Type: 4,ENCRYPTED" in head


def _load_pem_chain(
    context: ssl.SSLContext, cert_file: Path, key_file: Path | None, password: str | bytes | None
) -> None:
    key_path = key_file if key_file is not None else cert_file
    if key_file is not None or _holds_private_key(cert_file):
        _warn_if_others_may_read(key_path, "key file")
    try:
        context.load_cert_chain(
            str(cert_file), _opt_str(key_file), password if password is not None else _never_prompt
        )
    except (OSError, ssl.SSLError) as exc:
        if isinstance(exc, ssl.SSLError) and _is_encrypted_pem(key_path):
            if password is None:
                raise ConfigurationError(
                    f"the private key {key_path} is encrypted and no password was given "
                    "(key_password, MOBB_KEY_PASSWORD)"
                ) from None
            raise ConfigurationError(
                f"the password of the private key {key_path} is wrong (key_password, MOBB_KEY_PASSWORD)"
            ) from None
        raise ConfigurationError(f"cannot load the client certificate {cert_file}: {exc}") from None


def create_ssl_context(
    *,
    cert_file: PathLike | None = None,
    key_file: PathLike | None = None,
    key_password: str | bytes | None = None,
    pkcs12_file: PathLike | None = None,
    ca_bundle: PathLike | None = None,
) -> ssl.SSLContext:
    """A client ``SSLContext``: TLS 1.2 minimum, server certificate and host name verified.

    The client certificate comes from ``cert_file`` (PEM, may hold the chain) with ``key_file`` (PEM;
    defaults to ``cert_file``), or from ``pkcs12_file``; ``key_password`` opens the key or the bundle.
    ``ca_bundle`` (PEM) replaces the system trust store. Without a certificate the context does one-way
    TLS, which is enough for an ebms-core REST API on the local network but not for Logius.
    """
    if pkcs12_file is not None and cert_file is not None:
        raise ConfigurationError("give a PEM certificate or a PKCS#12 file, not both")
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=_opt_str(ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"cannot load the CA bundle {ca_bundle}: {exc}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    if pkcs12_file is not None:
        _load_pkcs12(context, Path(pkcs12_file), key_password)
    elif cert_file is not None:
        _load_pem_chain(context, Path(cert_file), None if key_file is None else Path(key_file), key_password)
    elif key_file is not None:
        raise ConfigurationError("a key file was given without a certificate file")
    return context


def _opt_str(path: PathLike | None) -> str | None:
    return None if path is None else str(path)


def _read_pkcs12(
    path: Path, password: str | bytes | None
) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
    from cryptography.hazmat.primitives.serialization import pkcs12

    secret = password.encode() if isinstance(password, str) else password
    _warn_if_others_may_read(path, "PKCS#12 file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot open the PKCS#12 file {path}: {exc.strerror}") from None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
    except ValueError:
        if secret is None:
            raise ConfigurationError(
                f"cannot open the PKCS#12 file {path}: it needs a password (key_password, "
                "MOBB_KEY_PASSWORD), or it is not a PKCS#12 file"
            ) from None
        raise ConfigurationError(
            f"cannot open the PKCS#12 file {path}: the password is wrong, or it is not a PKCS#12 file"
        ) from None
    if key is None or cert is None:
        raise ConfigurationError(f"the PKCS#12 file {path} holds no certificate with its private key")
    return key, cert, list(extra)


def pkcs12_certificate(path: PathLike, password: str | bytes | None = None) -> x509.Certificate:
    """The client certificate inside a PKCS#12 file."""
    return _read_pkcs12(Path(path), password)[1]


def _load_pkcs12(context: ssl.SSLContext, path: Path, password: str | bytes | None) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, PrivateFormat

    key, cert, extra = _read_pkcs12(path, password)
    # ssl can load a key only from a file: write it encrypted under a one-off password into a private
    # temporary directory, so the plain key never touches the disk.
    one_off = secrets.token_urlsafe(32).encode()
    chain = cert.public_bytes(Encoding.PEM) + b"".join(c.public_bytes(Encoding.PEM) for c in extra or ())
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(one_off))
    with tempfile.TemporaryDirectory(prefix="mobb-tls-") as tmp:
        cert_path, key_path = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        for target, data in ((cert_path, chain), (key_path, key_pem)):
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        try:
            context.load_cert_chain(str(cert_path), str(key_path), one_off)
        except ssl.SSLError as exc:
            raise ConfigurationError(f"cannot use the certificate in {path}: {exc}") from None


def load_certificate(source: bytes | PathLike | x509.Certificate) -> x509.Certificate:
    from cryptography import x509

    if isinstance(source, x509.Certificate):
        return source
    if isinstance(source, str | os.PathLike):
        try:
            data = Path(source).read_bytes()
        except (OSError, ValueError) as exc:  # ValueError: a path with a NUL character
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigurationError(f"cannot read the certificate {source}: {message}") from None
    elif isinstance(source, bytes):
        data = source
    else:
        raise ArgumentTypeError(
            f"expected PEM/DER bytes, a path or an x509.Certificate, got {type(source).__name__}"
        )
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise ConfigurationError(f"cannot read the certificate: {exc}") from None


def oin_from_certificate(certificate: bytes | PathLike | x509.Certificate) -> Oin:
    """The OIN in a PKIoverheid certificate's subject ``serialNumber`` (PEM or DER bytes, a path, or an
    ``x509.Certificate``); :class:`~mobb_sdk.ConfigurationError` when it holds none or not a valid OIN."""
    from cryptography.x509.oid import NameOID

    cert = load_certificate(certificate)
    values = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if not values:
        raise ConfigurationError(
            "the certificate subject has no serialNumber (the OIN of a PKIoverheid cert)"
        )
    raw = str(values[0].value).strip()
    try:
        return Oin(raw)
    except InvalidValueError as exc:
        raise ConfigurationError(
            f"the certificate serialNumber {raw!r} is not an OIN: {exc.message}"
        ) from None


def check_certificate_oin(certificate: bytes | PathLike | x509.Certificate, expected: Oin | str) -> Oin:
    """Read the certificate's OIN and warn (:class:`CertificateOinWarning`) when it is not ``expected``.

    Compare with the OIN of the ebMS party (the intermediary's own OIN when one sends for a client,
    BATCH-05): that is the organisation the certificate identifies.
    """
    found = oin_from_certificate(certificate)
    want = expected.value if isinstance(expected, Oin) else expected
    if found.value != want:
        warnings.warn(
            f"the client certificate is issued to OIN {found.value}, but the configured OIN is {want} "
            "(BATCH-05): Logius will refuse the delivery",
            CertificateOinWarning,
            stacklevel=2,
        )
    return found


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_insecure_http: bool = False, what: str = "endpoint") -> str:
    """Return ``url`` when it may be used: https, or http to a loopback host (or when explicitly allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"the {what} URL {url!r} is not an http(s) URL with a host")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"the {what} URL {url!r} uses plain http to a non-loopback host; use https, "
            "or set allow_insecure_http (MOBB_ALLOW_INSECURE_HTTP=1) for a trusted test network"
        )
    return url
