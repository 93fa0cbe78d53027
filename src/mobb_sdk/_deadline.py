"""The total deadline of one HTTP exchange (``Timeouts.total``), for the synchronous client.

httpx's timeouts apply to each network operation, so a server that drips one byte at a time never trips
them. The async client bounds a whole exchange with ``asyncio.timeout``; the sync client has no such
primitive, so its transport uses a network backend whose every connect, read and write is given at
most the time left before the exchange's deadline, and which refuses to start one once it has passed.
The deadline of the exchange under way is held in a context variable set by the client around it.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
import time
import typing
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final

import httpx

if TYPE_CHECKING:
    import httpcore

__all__ = ["DeadlineExceeded", "deadline", "deadline_transport", "is_installed", "remaining"]

#: The monotonic time by which the exchange under way must be complete; ``None`` outside one.
_DEADLINE: ContextVar[float | None] = ContextVar("mobb_sdk_http_deadline", default=None)

#: A write is split into pieces of this size so a server that reads at a trickle meets the deadline too.
_WRITE_PIECE: Final = 16 * 1024


class DeadlineExceeded(Exception):
    """The total deadline of an exchange passed before its answer was complete (turned into
    :class:`~mobb_sdk.TransportTimeout` by the client)."""

    def __init__(self, total: float) -> None:
        self.total = total
        super().__init__(f"total deadline of {total:g} s passed")


@contextlib.contextmanager
def deadline(total: float) -> Iterator[float]:
    """Run one exchange under a total deadline of ``total`` seconds; yields the monotonic deadline."""
    end = time.monotonic() + total
    token = _DEADLINE.set(end)
    try:
        yield end
    finally:
        _DEADLINE.reset(token)


def remaining(timeout: float | None) -> float | None:
    """``timeout`` shortened to the time left before the current deadline; raises when none is left."""
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        import httpcore

        raise httpcore.ReadTimeout("the total deadline of the exchange passed")
    return left if timeout is None else min(timeout, left)


@functools.cache
def _backend() -> type[Any]:
    """The deadline-keeping network backend class, defined on first use: httpcore (which httpx loads only
    when a transport is made) stays out of ``import mobb_sdk``."""
    import httpcore

    class _Stream(httpcore.NetworkStream):
        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._inner.read(max_bytes, remaining(timeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            sock = self._inner.get_extra_info("socket")
            if not isinstance(sock, socket.socket):  # pragma: no cover - a stream without its own socket
                view = memoryview(buffer)
                for start in range(0, max(len(view), 1), _WRITE_PIECE):
                    self._inner.write(bytes(view[start : start + _WRITE_PIECE]), remaining(timeout))
                return
            # httpcore's own loop (send what the socket takes, again until all is sent), with the time left
            # before the deadline computed afresh for every send, on a view (no copy of the rest).
            view = memoryview(buffer)
            try:
                while view:
                    sock.settimeout(remaining(timeout))
                    view = view[sock.send(view) :]
            except TimeoutError as exc:
                raise httpcore.WriteTimeout(exc) from exc
            except OSError as exc:
                raise httpcore.WriteError(exc) from exc

        def close(self) -> None:
            self._inner.close()

        def start_tls(
            self,
            ssl_context: ssl.SSLContext,
            server_hostname: str | None = None,
            timeout: float | None = None,
        ) -> httpcore.NetworkStream:
            return _Stream(self._inner.start_tls(ssl_context, server_hostname, remaining(timeout)))

        def get_extra_info(self, info: str) -> typing.Any:
            return self._inner.get_extra_info(info)

    class _Backend(httpcore.NetworkBackend):
        def __init__(self, inner: httpcore.NetworkBackend) -> None:
            self._inner = inner

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
        ) -> httpcore.NetworkStream:
            stream = self._inner.connect_tcp(host, port, remaining(timeout), local_address, socket_options)
            return _Stream(stream)

        def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,
            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
        ) -> httpcore.NetworkStream:
            return _Stream(self._inner.connect_unix_socket(path, remaining(timeout), socket_options))

        def sleep(self, seconds: float) -> None:
            left = remaining(None)
            self._inner.sleep(seconds if left is None else min(seconds, left))

    return _Backend


def deadline_transport(verify: ssl.SSLContext | bool) -> httpx.HTTPTransport:
    """httpx's own transport, its connections made through the deadline-keeping backend.

    httpx does not take a network backend as an argument, so it is set on the connection pool that
    httpx builds (before any connection exists); ``tests/test_hardening_transport.py`` fails if a
    release of httpx moves it.
    """
    import httpcore

    transport = httpx.HTTPTransport(verify=verify)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _backend()(backend)  # type: ignore[union-attr]
    return transport


def is_installed(transport: httpx.BaseTransport) -> bool:
    """Whether ``transport`` keeps the total deadline at every network operation."""
    backend = getattr(getattr(transport, "_pool", None), "_network_backend", None)
    return isinstance(backend, _backend())
