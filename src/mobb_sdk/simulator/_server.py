"""The simulator's two doors: an in-process httpx transport and a loopback HTTP(S) server.

The server is the standard library's ``ThreadingHTTPServer``: the simulator is one pure function from
request to response, traffic is local and small, so a framework would add dependencies and nothing
else. Each request is turned into an :class:`httpx.Request`, answered by the same code as in-process,
and written back; socket-level faults (late answers, dropped connections) are acted out for real here.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

from mobb_sdk._errors import scrub
from mobb_sdk.simulator._faults import TransportKind
from mobb_sdk.simulator._simulator import CLIENT_OIN_EXTENSION, EBMS_PREFIX, WUS_PATH, Simulator
from mobb_sdk.simulator._tls import TlsFiles

__all__ = ["RunningServer", "SimulatorTransport", "serve_forever"]

log = logging.getLogger("mobb_sdk.simulator")
#: One INFO record per request answered by the server (method, path, status, a masked excerpt of the
#: body): ``mobb simulator serve --log-requests`` prints them.
request_log = logging.getLogger("mobb_sdk.simulator.requests")

#: Idle keep-alive connections are closed after this many seconds.
IDLE_TIMEOUT = 30.0
_MAX_BODY = 200 * 1024 * 1024


class SimulatorTransport(httpx.MockTransport):
    """An httpx transport answered in-process by a :class:`Simulator` (sync and async clients)."""

    def __init__(self, simulator: Simulator) -> None:
        super().__init__(simulator.handle)
        self.simulator = simulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self.simulator.handle(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return await self.simulator.handle_async(request)


def _peer_oin(connection: Any) -> str | None:
    """The subject serialNumber (the OIN) of the TLS client certificate, if any."""
    if not isinstance(connection, ssl.SSLSocket):
        return None
    cert = connection.getpeercert()
    subject: Any = (cert or {}).get("subject", ())
    for rdn in subject:
        for name, value in rdn:
            if name == "serialNumber":
                return str(value)
    return None


def _client_gone(connection: socket.socket) -> bool:
    """True when the client closed the connection while we waited (it timed out and gave up)."""
    previous = connection.gettimeout()
    try:
        connection.settimeout(0.0)
        return connection.recv(1) == b""
    except (BlockingIOError, ssl.SSLWantReadError, TimeoutError):
        return False
    except OSError:
        return True
    finally:
        with contextlib.suppress(OSError):
            connection.settimeout(previous)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the benchmark and real clients reuse connections
    server: _Server
    timeout = IDLE_TIMEOUT
    # The headers and the body go out in two writes; with Nagle's algorithm the body then waits for the
    # client's delayed ACK (~40 ms on Linux) on every answer of a kept-alive connection.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        context = self.server.ssl_context
        if context is not None:
            # The handshake runs here, in the connection's own thread, not in the accept loop.
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self.send_error(413)
            return None
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._body()
        if body is None:
            return
        self._request_body = body
        host = self.headers.get("Host") or "127.0.0.1"
        scheme = "https" if self.server.ssl_context is not None else "http"
        headers = [
            (k, v)
            for k, v in self.headers.items()
            if k.lower() not in ("transfer-encoding", "content-length")
        ]
        extensions: dict[str, Any] = {}
        oin = _peer_oin(self.connection)
        if oin is not None:
            extensions[CLIENT_OIN_EXTENSION] = oin
        request = httpx.Request(
            self.command,
            f"{scheme}://{host}{self.path}",
            headers=headers,
            content=body,
            extensions=extensions,
        )
        sim = self.server.simulator
        plan = sim._plan(request)
        fault = plan.fault
        if fault is not None and fault.kind is TransportKind.DELAY:
            if fault.applied:
                response = sim._answer(plan)
                time.sleep(fault.seconds)
            else:
                time.sleep(fault.seconds)
                if _client_gone(self.connection):
                    sim._log(plan, None, "delay")
                    self.close_connection = True
                    return
                response = sim._answer(plan)
            self._write(response)
            return
        if fault is not None:
            if fault.applied:
                sim._answer(plan, log=False)
            if fault.kind is TransportKind.FAIL:
                self._write(sim._fault_response(plan))
                return
            sim._log(plan, None, "drop")
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(sim._answer(plan))

    def _write(self, response: httpx.Response) -> None:
        content = response.content
        try:
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if content and self.command != "HEAD":
                self.wfile.write(content)
            if request_log.isEnabledFor(logging.INFO):
                sent = getattr(self, "_request_body", b"")
                request_log.info(
                    "%s %s -> %d (%d bytes in, %d out) %s",
                    self.command,
                    scrub(self.path, 300),
                    response.status_code,
                    len(sent),
                    len(content),
                    scrub(sent[:2100].decode("utf-8", "replace").replace("\n", " "), 2000),
                )
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            # The client gave up waiting (an injected delay): nothing to tell it any more.
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator, tls: TlsFiles | None) -> None:
        self.simulator = simulator
        self.ssl_context = tls.server_context() if tls is not None else None
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A failed TLS handshake or a client that vanished is routine here, not a traceback on stderr.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class RunningServer:
    """The simulator on a loopback port, served from a background thread while the ``with`` block runs.

    ``base_url`` is the root (``http://127.0.0.1:PORT``), ``ebms_url`` the ebms-core REST base and
    ``wus_url`` the ValidateAbonnementen endpoint. With TLS the URLs are ``https`` and ``tls`` holds the
    generated files (``tls.client_context(oin)`` gives an ``ssl.SSLContext`` for httpx's ``verify``).
    """

    def __init__(
        self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0, tls: TlsFiles | None = None
    ) -> None:
        self.simulator = simulator
        self.tls = tls
        self._server = _Server((host, port), simulator, tls)
        self._thread: threading.Thread | None = None
        self.host = host
        self.port: int = self._server.server_address[1]

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def ebms_url(self) -> str:
        return self.base_url + EBMS_PREFIX

    @property
    def wus_url(self) -> str:
        return self.base_url + WUS_PATH

    def start(self) -> RunningServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="mobb-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C) or :meth:`stop` from another thread."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()

    def __enter__(self) -> RunningServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_forever(
    simulator: Simulator | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    tls: TlsFiles | None = None,
    ready: Callable[[RunningServer], None] | None = None,
) -> None:
    """Serve ``simulator`` (default: a new one with the default world) until Ctrl-C: for ``mobb simulator serve``.

    ``ready`` is called with the :class:`RunningServer` once the port is bound (to print the URLs).
    """
    server = RunningServer(simulator or Simulator(), host, port, tls)
    if ready is not None:
        ready(server)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
