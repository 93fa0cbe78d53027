"""Two-way TLS: SSLContext from PEM and PKCS#12, the OIN in the certificate, the http:// guard, a handshake."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from mobb_sdk import (
    CertificateOinWarning,
    Client,
    ClientConfig,
    ConfigurationError,
    EbmsConfig,
    TlsConfig,
    check_certificate_oin,
    create_ssl_context,
    oin_from_certificate,
)
from mobb_sdk._tls import check_url, is_loopback
from tests.conftest import TEST_OIN

OTHER_OIN = "00000001009999999000"
PASSWORD = "geheim"  # noqa: S105  (a throwaway test key)
WRONG = "fout"


def _name(cn: str, serial: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if serial is not None:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def _cert(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    san: str | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address(san))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


class Pki:
    """A throwaway CA, a client certificate with serialNumber = OIN, and a server certificate for 127.0.0.1."""

    def __init__(self, tmp: Path, oin: str | None = TEST_OIN.value) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("Test PKIoverheid CA")
        self.ca = _cert(ca_name, self.ca_key, ca_name, self.ca_key, ca=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = _cert(_name("Gemeente Test", oin), self.key, ca_name, self.ca_key)
        self.server_key = ec.generate_private_key(ec.SECP256R1())
        self.server_cert = _cert(_name("127.0.0.1"), self.server_key, ca_name, self.ca_key, san="127.0.0.1")
        pem = serialization.Encoding.PEM
        self.ca_file = tmp / "ca.pem"
        self.ca_file.write_bytes(self.ca.public_bytes(pem))
        self.cert_file = tmp / "client.pem"
        self.cert_file.write_bytes(self.cert.public_bytes(pem))
        self.key_file = tmp / "client.key"
        self.key_file.write_bytes(
            self.key.private_bytes(
                pem,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(PASSWORD.encode()),
            )
        )
        self.p12_file = tmp / "client.p12"
        self.p12_file.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"client",
                self.key,
                self.cert,
                [self.ca],
                serialization.BestAvailableEncryption(PASSWORD.encode()),
            )
        )
        for private in (self.key_file, self.p12_file):
            private.chmod(0o600)  # as a key must be (a wider one warns: KeyFileModeWarning)
        self.server_file = tmp / "server.pem"
        self.server_file.write_bytes(
            self.server_cert.public_bytes(pem)
            + self.server_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


def test_pem_context_is_tls12_minimum_and_verifies_the_server(pki: Pki) -> None:
    ctx = create_ssl_context(
        cert_file=pki.cert_file, key_file=pki.key_file, key_password=PASSWORD, ca_bundle=pki.ca_file
    )
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode is ssl.CERT_REQUIRED
    assert ctx.check_hostname
    assert [c["subject"] for c in ctx.get_ca_certs()] == [
        ((("countryName", "NL"),), (("commonName", "Test PKIoverheid CA"),))
    ]


def test_pkcs12_round_trip(pki: Pki) -> None:
    ctx = create_ssl_context(pkcs12_file=pki.p12_file, key_password=PASSWORD, ca_bundle=pki.ca_file)
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
    tls = TlsConfig(pkcs12_file=str(pki.p12_file), key_password=PASSWORD)
    assert oin_from_certificate(tls.client_certificate()) == TEST_OIN


def test_a_wrong_password_is_a_configuration_error(pki: Pki) -> None:
    with pytest.raises(ConfigurationError, match=r"PKCS#12 file .*: the password is wrong"):
        create_ssl_context(pkcs12_file=pki.p12_file, key_password=WRONG)
    with pytest.raises(ConfigurationError, match=r"password of the private key .* is wrong"):
        create_ssl_context(cert_file=pki.cert_file, key_file=pki.key_file, key_password=WRONG)


def test_pem_and_pkcs12_together_are_refused(pki: Pki) -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        create_ssl_context(cert_file=pki.cert_file, pkcs12_file=pki.p12_file)


def test_a_missing_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CA bundle"):
        create_ssl_context(ca_bundle=tmp_path / "nope.pem")


def test_the_oin_is_read_from_the_subject_serial_number(pki: Pki) -> None:
    assert oin_from_certificate(pki.cert_file) == TEST_OIN
    assert oin_from_certificate(pki.cert_file.read_bytes()) == TEST_OIN
    assert oin_from_certificate(pki.cert.public_bytes(serialization.Encoding.DER)) == TEST_OIN
    assert oin_from_certificate(pki.cert) == TEST_OIN


def test_a_certificate_without_oin_is_refused(tmp_path: Path) -> None:
    no_oin = Pki(tmp_path, oin=None)
    with pytest.raises(ConfigurationError, match="serialNumber"):
        oin_from_certificate(no_oin.cert)
    bad = Pki(tmp_path, oin="12345")
    with pytest.raises(ConfigurationError, match="not an OIN"):
        oin_from_certificate(bad.cert)


def test_a_differing_oin_warns(pki: Pki) -> None:
    with pytest.warns(CertificateOinWarning, match=OTHER_OIN):
        check_certificate_oin(pki.cert, OTHER_OIN)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_certificate_oin(pki.cert, TEST_OIN)


def test_the_client_warns_when_the_certificate_is_not_the_party(pki: Pki) -> None:
    tls = TlsConfig(cert_file=str(pki.cert_file), key_file=str(pki.key_file), key_password=PASSWORD)
    ebms = EbmsConfig(url="http://127.0.0.1:1/service/rest/v19", cpa_id="c", party_oin=OTHER_OIN)
    with pytest.warns(CertificateOinWarning):
        Client(ClientConfig(sender_oin=TEST_OIN, ebms=ebms, tls=tls)).close()
    # An intermediary: sender OIN in the body differs, party OIN (= certificate) matches: no warning.
    ebms_ok = EbmsConfig(url="http://127.0.0.1:1/service/rest/v19", cpa_id="c", party_oin=TEST_OIN)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Client(ClientConfig(sender_oin=OTHER_OIN, ebms=ebms_ok, tls=tls)).close()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "api.localhost"])
def test_plain_http_to_loopback_is_allowed(host: str) -> None:
    assert is_loopback(host)
    check_url(f"http://{host}:8080/x")


@pytest.mark.parametrize(
    "url", ["http://ebms.example.nl/x", "http://10.0.0.5:8080/x", "http://[2001:db8::1]/x"]
)
def test_plain_http_elsewhere_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        check_url(url)
    assert check_url(url, allow_insecure_http=True) == url
    with pytest.raises(ConfigurationError, match="plain http"):
        ClientConfig(sender_oin=TEST_OIN, ebms=EbmsConfig(url=url, cpa_id="c", party_oin=TEST_OIN))


@pytest.mark.parametrize("url", ["ftp://host/x", "https://", "ebms-core:8080", "file:///etc/passwd"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        check_url(url, allow_insecure_http=True)


# --- a real two-way TLS handshake ---------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        peer = self.connection.getpeercert()
        subject = dict(x[0] for x in peer["subject"]) if peer else {}
        body = b"msg-" + subject.get("serialNumber", "none").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mtls_server(pki: Pki) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_file)
    ctx.load_verify_locations(pki.ca_file)
    ctx.verify_mode = ssl.CERT_REQUIRED  # two-way: no client certificate, no handshake
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/service/rest/v19"
    finally:
        server.shutdown()
        server.server_close()


def test_two_way_tls_handshake_presents_the_certificate(pki: Pki, mtls_server: str) -> None:
    from tests.conftest import make_batch

    tls = TlsConfig(
        cert_file=str(pki.cert_file),
        key_file=str(pki.key_file),
        key_password=PASSWORD,
        ca_bundle=str(pki.ca_file),
    )
    config = ClientConfig(
        sender_oin=TEST_OIN, ebms=EbmsConfig(url=mtls_server, cpa_id="c", party_oin=TEST_OIN), tls=tls
    )
    with Client(config) as client:
        receipt = client.send(make_batch(1))
    assert receipt.message_id == f"msg-{TEST_OIN.value}"


def test_a_server_outside_the_ca_bundle_is_refused(pki: Pki, mtls_server: str, tmp_path: Path) -> None:
    from mobb_sdk import TransportError
    from tests.conftest import make_batch

    (tmp_path / "other").mkdir()
    stranger = Pki(tmp_path / "other")
    tls = TlsConfig(
        cert_file=str(pki.cert_file),
        key_file=str(pki.key_file),
        key_password=PASSWORD,
        ca_bundle=str(stranger.ca_file),
    )
    config = ClientConfig(
        sender_oin=TEST_OIN,
        ebms=EbmsConfig(url=mtls_server, cpa_id="c", party_oin=TEST_OIN),
        tls=tls,
    )
    with Client(config) as client, pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED") as info:
        client.send(make_batch(1))
    assert not info.value.retryable  # an untrusted server stays untrusted
