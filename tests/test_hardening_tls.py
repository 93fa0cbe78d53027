"""Issue 12 item 7 and the host-name check: TLS key handling and which TLS/HTTP failures are retried."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import socket
import ssl
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from mobb_sdk import (
    Client,
    ClientConfig,
    ConfigurationError,
    ConnectionFailed,
    EbmsConfig,
    HttpStatusError,
    KeyFileModeWarning,
    RetryPolicy,
    TlsConfig,
    TransportError,
    create_ssl_context,
)
from mobb_sdk.simulator import RunningServer, Simulator, TlsFiles, generate_tls
from tests.conftest import TEST_OIN
from tests.hostile_servers import scripted_server

PASSWORD = b"geheim"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return generate_tls(tmp_path_factory.mktemp("pki"), [TEST_OIN], hosts=("127.0.0.1", "localhost"))


def _encrypted_key(files: TlsFiles, directory: Path, mode: int = 0o600) -> Path:
    _, key_path = files.client()
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    target = directory / "encrypted-key.pem"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(PASSWORD),
            )
        )
    os.chmod(target, mode)  # the umask may have narrowed it; the test wants exactly this mode
    return target


def test_a_wrong_key_password_says_so(tls_files: TlsFiles, tmp_path: Path) -> None:
    cert, _ = tls_files.client()
    key = _encrypted_key(tls_files, tmp_path)
    with pytest.raises(ConfigurationError, match=r"password of the private key .* is wrong") as info:
        create_ssl_context(cert_file=cert, key_file=key, key_password="fout")  # noqa: S106
    assert "PEM lib" not in str(info.value)
    create_ssl_context(cert_file=cert, key_file=key, key_password=PASSWORD)  # the right one works


def test_an_encrypted_key_without_password_is_refused_not_prompted(
    tls_files: TlsFiles, tmp_path: Path
) -> None:
    cert, _ = tls_files.client()
    key = _encrypted_key(tls_files, tmp_path)
    with pytest.raises(ConfigurationError, match="encrypted and no password was given"):
        create_ssl_context(cert_file=cert, key_file=key)


def test_no_password_prompt_on_a_terminal(tls_files: TlsFiles, tmp_path: Path) -> None:
    # In a child whose controlling terminal is a pty, as an operator's shell would be: OpenSSL's own
    # prompt ("Enter PEM pass phrase:") would appear there and block; the library must answer at once.
    cert, _ = tls_files.client()
    key = _encrypted_key(tls_files, tmp_path)
    script = (
        "import sys\n"
        "from mobb_sdk import ConfigurationError, create_ssl_context\n"
        "try:\n"
        "    create_ssl_context(cert_file=sys.argv[1], key_file=sys.argv[2])\n"
        "except ConfigurationError as exc:\n"
        "    print('REFUSED', exc)\n"
    )
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execv(sys.executable, [sys.executable, "-c", script, str(cert), str(key)])  # noqa: S606
    output = b""
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                if b"pass phrase" in output.lower():
                    break
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            output += data
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    assert b"pass phrase" not in output.lower()
    assert b"REFUSED" in output and b"no password was given" in output


def test_a_key_file_others_may_read_warns(tls_files: TlsFiles, tmp_path: Path) -> None:
    cert, _ = tls_files.client()
    wide = _encrypted_key(tls_files, tmp_path, mode=0o644)
    with pytest.warns(KeyFileModeWarning, match="0644"):
        create_ssl_context(cert_file=cert, key_file=wide, key_password=PASSWORD)
    wide.chmod(0o600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        create_ssl_context(cert_file=cert, key_file=wide, key_password=PASSWORD)


def test_a_certificate_file_without_a_key_may_be_readable(tls_files: TlsFiles, tmp_path: Path) -> None:
    # Certificates are public: only a file that holds the private key must be owner-only.
    cert, _ = tls_files.client()
    public = tmp_path / "cert.pem"
    public.write_bytes(cert.read_bytes())
    public.chmod(0o644)
    key = _encrypted_key(tls_files, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        create_ssl_context(cert_file=public, key_file=key, key_password=PASSWORD)
    combined = tmp_path / "combined.pem"
    combined.write_bytes(cert.read_bytes() + key.read_bytes())
    combined.chmod(0o644)
    with pytest.warns(KeyFileModeWarning, match="combined.pem"):
        create_ssl_context(cert_file=combined, key_password=PASSWORD)


def _config(url: str, tls: TlsConfig, attempts: int = 3) -> ClientConfig:
    return ClientConfig(
        sender_oin=TEST_OIN,
        ebms=EbmsConfig(url=url, cpa_id="cpa-1", party_oin=TEST_OIN),
        tls=tls,
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.0, max_delay=0.0),
    )


def _client_tls(files: TlsFiles) -> TlsConfig:
    cert, key = files.client()
    return TlsConfig(cert_file=str(cert), key_file=str(key), ca_bundle=str(files.ca_cert))


def test_https_to_a_plain_http_server_is_permanent(tls_files: TlsFiles) -> None:
    answer = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    slept: list[float] = []
    with scripted_server([answer]) as url:
        config = _config(url.replace("http:", "https:") + "/r", _client_tls(tls_files))
        with Client(config, sleep=slept.append) as client, pytest.raises(ConnectionFailed) as info:
            client.status("m-1")
    assert "WRONG_VERSION_NUMBER" in str(info.value)
    assert not info.value.retryable
    assert slept == []  # tried once


@contextlib.contextmanager
def _tls13_only_server(files: TlsFiles) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(files.server_cert, files.server_key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def loop() -> None:
        end = time.monotonic() + 10
        while not stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                conn.settimeout(2.0)
                context.wrap_socket(conn, server_side=True).close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_a_protocol_version_refusal_is_permanent(tls_files: TlsFiles) -> None:
    cert, key = tls_files.client()
    context = create_ssl_context(cert_file=cert, key_file=key, ca_bundle=tls_files.ca_cert)
    context.maximum_version = ssl.TLSVersion.TLSv1_2  # the server speaks TLS 1.3 only
    slept: list[float] = []
    with _tls13_only_server(tls_files) as port:
        config = _config(f"https://127.0.0.1:{port}/r", TlsConfig(ssl_context=context))
        with Client(config, sleep=slept.append) as client, pytest.raises(ConnectionFailed) as info:
            client.status("m-1")
    assert "PROTOCOL_VERSION" in str(info.value) or "UNSUPPORTED_PROTOCOL" in str(info.value)
    assert not info.value.retryable
    assert slept == []


@pytest.mark.parametrize("retry_after", [None, "1"])
def test_a_400_is_never_retried(retry_after: str | None) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        headers = {"Retry-After": retry_after} if retry_after else {}
        return httpx.Response(400, headers=headers, text="unknown cpaId")

    config = _config("http://127.0.0.1:9/r", TlsConfig())
    transport = httpx.MockTransport(handler)
    with (
        Client(config, transport=transport, sleep=lambda s: None) as client,
        pytest.raises(HttpStatusError) as info,
    ):
        client.status("m-1")
    assert info.value.status == 400
    assert not info.value.retryable
    assert len(calls) == 1


def test_retry_after_still_retries_an_overload_and_a_server_error() -> None:
    assert HttpStatusError("x", status=429, retry_after=1.0).retryable
    assert HttpStatusError("x", status=500, retry_after=1.0).retryable
    assert not HttpStatusError("x", status=429).retryable
    assert not HttpStatusError("x", status=413, retry_after=1.0).retryable


def test_a_host_name_mismatch_is_refused(tls_files: TlsFiles) -> None:
    # The certificate names 127.0.0.1 and localhost; the server listens on 127.0.0.2.
    with RunningServer(Simulator(), host="127.0.0.2", tls=tls_files) as server:
        config = _config(server.ebms_url, _client_tls(tls_files))
        with Client(config, sleep=lambda s: None) as client, pytest.raises(TransportError) as info:
            client.ping()
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert "mismatch" in str(info.value).lower()
    assert not info.value.retryable
