"""A throwaway PKI for the served simulator: a CA, a server certificate for loopback, client certificates.

Each client certificate carries the sender's OIN in its subject ``serialNumber``, as a PKIoverheid
certificate does, so the mTLS path (and the OIN the simulator reads from it) is exercised for real.
The CA's private key is never written: the set is for one test run or one ``mobb simulator serve``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from mobb_sdk._errors import ConfigurationError
from mobb_sdk._files import open_private
from mobb_sdk._ids import Oin

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

__all__ = ["TlsFiles", "generate_tls"]

_CA = "ca.pem"
_SERVER = ("server.pem", "server-key.pem")


def _client_names(oin: str) -> tuple[str, str]:
    return f"client-{oin}.pem", f"client-{oin}-key.pem"


@attrs.frozen
class TlsFiles:
    """The PEM files of a generated PKI (paths), and SSL contexts built from them."""

    directory: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path
    clients: Mapping[str, tuple[Path, Path]]

    def client(self, oin: Oin | str | None = None) -> tuple[Path, Path]:
        """(certificate, key) of the client certificate for ``oin`` (default: the first generated)."""
        if not self.clients:
            raise ConfigurationError(f"{self.directory}: no client certificates")
        if oin is None:
            return next(iter(self.clients.values()))
        key = oin.value if isinstance(oin, Oin) else oin
        try:
            return self.clients[key]
        except KeyError:
            raise ConfigurationError(f"{self.directory}: no client certificate for OIN {key}") from None

    def server_context(self) -> ssl.SSLContext:
        """TLS 1.2+, this server certificate, client certificates required and checked against the CA."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.server_cert, self.server_key)
        context.load_verify_locations(cafile=self.ca_cert)
        context.verify_mode = ssl.CERT_REQUIRED
        return context

    def client_context(self, oin: Oin | str | None = None) -> ssl.SSLContext:
        """A client context trusting only the generated CA and presenting the client certificate for ``oin``."""
        context = ssl.create_default_context(cafile=str(self.ca_cert))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        cert, key = self.client(oin)
        context.load_cert_chain(cert, key)
        return context

    @classmethod
    def load(cls, directory: str | Path) -> TlsFiles:
        """The files :func:`generate_tls` wrote to ``directory``."""
        d = Path(directory)
        ca, server, server_key = d / _CA, d / _SERVER[0], d / _SERVER[1]
        for path in (ca, server, server_key):
            if not path.is_file():
                raise ConfigurationError(
                    f"{d}: {path.name} is missing; generate the files with generate_tls()"
                )
        clients: dict[str, tuple[Path, Path]] = {}
        for cert in sorted(d.glob("client-*.pem")):
            if cert.name.endswith("-key.pem"):
                continue
            oin = cert.name[len("client-") : -len(".pem")]
            clients[oin] = (cert, d / _client_names(oin)[1])
        return cls(d, ca, server, server_key, clients)


def generate_tls(
    directory: str | Path,
    client_oins: Iterable[Oin | str],
    *,
    hosts: Iterable[str] = ("127.0.0.1", "::1", "localhost"),
    days: int = 30,
) -> TlsFiles:
    """Write a CA, a server certificate for ``hosts`` and one client certificate per OIN to ``directory``.

    Files: ``ca.pem``, ``server.pem``/``server-key.pem``, ``client-<OIN>.pem``/``client-<OIN>-key.pem``
    (keys mode 0600). Keys are EC P-256: quick to make, and TLS does not care for a test.
    """
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    oins = [o.value if isinstance(o, Oin) else Oin(o).value for o in client_oins]
    ca = _Issuer.create(days)
    (d / _CA).write_bytes(ca.certificate_pem)
    server = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mobb-sdk simulator")])
    _write_pair(d, _SERVER, ca.issue(server, ExtendedKeyUsageOID.SERVER_AUTH, _alt_names(hosts)))
    for oin in oins:
        _write_pair(d, _client_names(oin), ca.issue(_sender(oin), ExtendedKeyUsageOID.CLIENT_AUTH, None))
    return TlsFiles.load(d)


def _write_pair(directory: Path, names: tuple[str, str], pems: tuple[bytes, bytes]) -> None:
    """A certificate and its key; the key owner-only (0600) from its first byte."""
    (directory / names[0]).write_bytes(pems[0])
    with open_private(directory / names[1], binary=True) as f:
        f.write(pems[1])


def _alt_names(hosts: Iterable[str]) -> x509.SubjectAlternativeName:
    from cryptography import x509

    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _sender(oin: str) -> x509.Name:
    """A sender's subject; as in PKIoverheid, the OIN is the subject serialNumber."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mobb-sdk test sender"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"sender {oin}"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, oin),
        ]
    )


@attrs.frozen
class _Issuer:
    """The throwaway CA (its key never written) that signs the server and client certificates."""

    key: ec.EllipticCurvePrivateKey
    name: x509.Name
    ski: x509.SubjectKeyIdentifier
    not_before: dt.datetime
    not_after: dt.datetime
    certificate_pem: bytes

    @classmethod
    def create(cls, days: int) -> _Issuer:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        now = dt.datetime.now(dt.UTC)
        not_before, not_after = now - dt.timedelta(minutes=5), now + dt.timedelta(days=days)
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mobb-sdk simulator test CA")])
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        usage = x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        return cls(key, name, ski, not_before, not_after, pem)

    def issue(
        self, subject: x509.Name, usage: x509.ObjectIdentifier, san: x509.SubjectAlternativeName | None
    ) -> tuple[bytes, bytes]:
        """A new key and its certificate for ``subject``, as PEM: (certificate, key)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(self.ski), critical=False
            )
        )
        if san is not None:
            builder = builder.add_extension(san, critical=False)
        certificate = builder.sign(self.key, hashes.SHA256())
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return certificate.public_bytes(serialization.Encoding.PEM), key_pem
