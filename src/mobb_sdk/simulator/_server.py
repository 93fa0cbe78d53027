"""The simulator's two doors: an in-process httpx transport and a loopback HTTP(S) server.

The server is the standard library's ``ThreadingHTTPServer``: the simulator is one pure function from
request to response, traffic is local and small, so a framework would add dependencies and nothing
else. Each request is turned into an :class:`httpx.Request`, answered by the same code as in-process,
and written back; socket-level faults (late answers, dropped connections) are acted out for real here.
"""

from __future__ import annotations

import contextlib
import logging
import re
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
from mobb_sdk.simulator._dispatch import Cut
from mobb_sdk.simulator._simulator import Simulator
from mobb_sdk.simulator._tls import TlsFiles
from mobb_sdk.simulator._wire import CLIENT_OIN_EXTENSION, EBMS_PREFIX, WUS_PATH

__all__ = ["RunningServer", "SimulatorTransport", "serve_forever"]

log = logging.getLogger("mobb_sdk.simulator")
#: One INFO record per request answered by the server (method, path, status, a masked excerpt of the
#: body): ``mobb simulator serve --log-requests`` prints them.
request_log = logging.getLogger("mobb_sdk.simulator.requests")

#: Idle keep-alive connections are closed after this many seconds.
IDLE_TIMEOUT = 30.0
#: The largest request body taken: ebms-core's JSON around a batch of 100,000,000 bytes (BATCH-02) in
#: base64, with room. A larger one is refused with 413 while it is read, chunked or not.
MAX_BODY = 200 * 1024 * 1024
#: Connections the kernel queues before they are accepted (Python's default is 5).
LISTEN_BACKLOG = 1024
_LINE = 4096  # the longest chunk-size or trailer line read
_PIECE = 1024 * 1024  # a body is read in pieces of this size
_HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")
_DIGITS = re.compile(r"[0-9]{1,18}")


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


class _Refused(Exception):
    """A request refused while its body was read: answered with ``status``, the connection then closed."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{status} {reason}")


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

    def handle_expect_100(self) -> bool:
        # A client that asks first ("Expect: 100-continue") hears 413 before it sends a body too large.
        text = (self.headers.get("Content-Length") or "").strip()
        if _DIGITS.fullmatch(text) and int(text) > self.server.max_body:
            self._refuse(413, f"the body is {int(text):,} bytes; at most {self.server.max_body:,} are taken")
            return False
        return super().handle_expect_100()

    def _body(self) -> bytes | None:
        """The request body, or ``None`` when it was refused (413 too large, 400 malformed) and answered."""
        try:
            return self._read_body(self.server.max_body)
        except _Refused as refused:
            self._refuse(refused.status, refused.reason)
            return None

    def _read_body(self, limit: int) -> bytes:
        codings = [
            c.strip().lower()
            for value in self.headers.get_all("Transfer-Encoding") or ()
            for c in value.split(",")
            if c.strip()
        ]
        lengths = {
            v.strip() for value in self.headers.get_all("Content-Length") or () for v in value.split(",")
        }
        if codings:
            if codings != ["chunked"]:
                raise _Refused(400, f"unsupported Transfer-Encoding {', '.join(codings)}")
            if lengths:
                raise _Refused(400, "both Transfer-Encoding and Content-Length")
            return self._read_chunked(limit)
        if not lengths:
            return b""
        if len(lengths) != 1:
            raise _Refused(400, "contradicting Content-Length headers")
        text = lengths.pop()
        if not _DIGITS.fullmatch(text):
            raise _Refused(400, f"malformed Content-Length {text[:20]!r}")
        length = int(text)
        if length > limit:
            raise _Refused(413, f"the body is {length:,} bytes; at most {limit:,} are taken")
        return bytes(self._read_exactly(length, bytearray()))

    def _read_exactly(self, n: int, into: bytearray) -> bytearray:
        end = len(into) + n
        while len(into) < end:
            piece = self.rfile.read(min(_PIECE, end - len(into)))
            if not piece:
                raise _Refused(400, "the body ended before its announced length")
            into += piece
        return into

    def _read_chunked(self, limit: int) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(_LINE + 1)
            if not line.endswith(b"\n"):
                raise _Refused(400, "a chunk-size line is cut off or too long")
            size_text = line.split(b";", 1)[0].strip()
            if not _HEX.fullmatch(size_text):
                raise _Refused(400, f"bad chunk size {size_text[:20]!r}")
            size = int(size_text, 16)
            if size == 0:
                break
            if len(body) + size > limit:
                raise _Refused(413, f"the chunked body is over {limit:,} bytes")
            self._read_exactly(size, body)
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _Refused(400, "a chunk does not end with CRLF")
        for _ in range(100):  # trailer fields, ignored
            trailer = self.rfile.readline(_LINE + 1)
            if trailer in (b"\r\n", b"\n", b""):
                return bytes(body)
            if not trailer.endswith(b"\n"):
                raise _Refused(400, "a trailer line is too long")
        raise _Refused(400, "too many trailer lines")

    def _refuse(self, status: int, reason: str) -> None:
        """Answer ``status`` and close: the rest of the body is not read, so the connection cannot go on.

        The client may still be sending; reading (and dropping) what comes for a moment before closing
        lets it see the answer instead of a reset connection.
        """
        log.info("%s refused: %d %s", self.address_string(), status, reason)
        body = f"{status} {reason}\n".encode()
        self.close_connection = True
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.2)
            end = time.monotonic() + 1.0
            while time.monotonic() < end and self.connection.recv(_PIECE):
                pass
        except (OSError, ssl.SSLError):
            pass

    def _handle(self) -> None:
        try:
            self._serve()
        except (ConnectionError, TimeoutError, ssl.SSLError):
            self.close_connection = True  # the client went away or stalled: nothing to answer
        except Exception:
            # A request the simulator cannot handle is answered, never a dropped connection.
            log.exception("the simulator failed on %s %s", self.command, scrub(self.path, 300))
            self._refuse(500, "the simulator failed on this request")

    def _serve(self) -> None:
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
        exchange = self.server.simulator.dispatch(request)
        try:
            seconds = next(exchange)
            while True:
                time.sleep(seconds)
                seconds = exchange.send(not _client_gone(self.connection))
        except StopIteration as stop:
            outcome = stop.value
        if isinstance(outcome, httpx.Response):
            self._write(outcome)
            return
        self.close_connection = True
        if outcome is Cut.DROPPED:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

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
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self, address: tuple[str, int], simulator: Simulator, tls: TlsFiles | None, max_body: int = MAX_BODY
    ) -> None:
        self.simulator = simulator
        self.max_body = max_body
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
    A request body over ``max_body`` bytes is refused (413) while it is read; a malformed one (bad
    ``Content-Length``, bad chunk size) is answered 400, and the server goes on with the others.
    """

    def __init__(
        self,
        simulator: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: TlsFiles | None = None,
        *,
        max_body: int = MAX_BODY,
    ) -> None:
        self.simulator = simulator
        self.tls = tls
        self.max_body = max_body
        self._server = _Server((host, port), simulator, tls, max_body)
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
