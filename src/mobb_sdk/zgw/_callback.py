"""The Notificaties callback: ``POST`` a notification, get 204; a wrong or missing Authorization, 401.

The Notificaties API sends each notification with the ``Authorization`` value registered in the
abonnement's ``auth``. The listener compares it in constant time with ``config.callback_auth``; on a
mismatch it answers 401 and records nothing. A valid notification is recorded in the adapter's
journal (durable) before the 204, and the worker takes it up; the same notification twice is harmless,
since a Verzending is decided once.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

from mobb_sdk._errors import ConfigurationError
from mobb_sdk.zgw._adapter import ZgwAdapter

__all__ = ["MESSAGE_FIELDS", "CallbackServer"]

log = logging.getLogger("mobb_sdk.zgw")

#: The required fields of a notification (the Notificaties API's ``Message``).
MESSAGE_FIELDS: Final = ("kanaal", "hoofdObject", "resource", "resourceUrl", "actie", "aanmaakdatum")
_MAX_BODY: Final = 1_000_000


def _problem(status: int, title: str, detail: str) -> bytes:
    return json.dumps(
        {
            "type": "",
            "code": title.lower().replace(" ", "_"),
            "title": title,
            "status": status,
            "detail": detail,
            "instance": "",
        }
    ).encode()


class CallbackServer:
    """The callback listener of ``mobb zgw serve``: ``with CallbackServer(adapter) as server:``.

    Listens on ``config.listen`` (host:port; port 0 picks a free one: ``server.url``) and accepts POSTs
    on the path of ``config.callback_url`` (any path when none is configured).
    """

    def __init__(self, adapter: ZgwAdapter, host: str | None = None, port: int | None = None) -> None:
        config = adapter.config
        if not config.callback_auth:
            raise ConfigurationError(
                "the callback needs callback_auth (MOBB_ZGW_CALLBACK_AUTH): the value the Notificaties API sends"
            )
        listen_host, listen_port = config.listen_address
        self.adapter = adapter
        expected = config.callback_auth.encode()
        path = urlsplit(config.callback_url).path if config.callback_url else None

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go as two writes: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("callback: " + format, *args)

            def _answer(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                if body:
                    self.send_header("Content-Type", "application/problem+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                given = (self.headers.get("Authorization") or "").encode()
                length = int(self.headers.get("Content-Length") or 0)
                if length > _MAX_BODY:
                    self.close_connection = True
                    self._answer(413, _problem(413, "Too large", "a notification is small"))
                    return
                raw = self.rfile.read(length) if length else b""
                if not hmac.compare_digest(given, expected):
                    self._answer(401, _problem(401, "Unauthorized", "wrong or missing Authorization"))
                    return
                if path and urlsplit(self.path).path != path:
                    self._answer(404, _problem(404, "Not found", "not the callback path"))
                    return
                try:
                    message = json.loads(raw)
                except ValueError:
                    message = None
                if not isinstance(message, dict) or not all(
                    isinstance(message.get(f), str) and message.get(f) for f in MESSAGE_FIELDS
                ):
                    self._answer(
                        400,
                        _problem(
                            400,
                            "Bad request",
                            "not a notification: " + ", ".join(MESSAGE_FIELDS) + " required",
                        ),
                    )
                    return
                adapter.notify(message)
                self._answer(204)

        self._server = ThreadingHTTPServer(
            (host or listen_host, listen_port if port is None else port), Handler
        )
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> CallbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> CallbackServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
