"""The adapter's calls to the ZGW APIs (Documenten, Zaken, Notificaties): JWT, timeouts, retries, limits.

Each call carries a fresh ZGW JWT. Connection failures, timeouts, 429, 502/503/504 and answers with
``Retry-After`` are tried again with backoff (:class:`~mobb_sdk.RetryPolicy`); every other failure is
raised at once as a :class:`~mobb_sdk.TransportError`. The adapter only follows URLs below the
configured API roots: a Verzending naming a document elsewhere never receives the adapter's token.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import httpx

from mobb_sdk._deadline import deadline, deadline_transport
from mobb_sdk._errors import (
    ConnectionFailed,
    HttpStatusError,
    ProtocolError,
    TransportError,
    TransportTimeout,
)
from mobb_sdk._retry import parse_retry_after
from mobb_sdk.zgw._config import ZgwConfig
from mobb_sdk.zgw._jwt import zgw_jwt

__all__ = ["MAX_DOWNLOAD", "ZgwApi"]

#: A document larger than this is not downloaded (a letter's attachments may hold 500,000 bytes, BIJ-03).
MAX_DOWNLOAD: Final = 5_000_000
#: Pages of a list followed at most (100 results each: a million Verzendingen).
MAX_PAGES: Final = 10_000
# The Zaken API 1.5.1 declares both headers required on its zaak endpoints, GET included.
_CRS: Final = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}


class ZgwApi:
    """A client of the three ZGW APIs for one :class:`ZgwConfig`. ``transport`` is for tests."""

    def __init__(
        self,
        config: ZgwConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._sleep = sleep
        # The default transport keeps Timeouts.total at every network operation (a dripping server).
        self._http = httpx.Client(
            timeout=config.timeouts.as_httpx(),
            transport=transport if transport is not None else deadline_transport(True),
            follow_redirects=False,
        )
        roots = [config.documenten_url, config.zaken_url]
        if config.notificaties_url:
            roots.append(config.notificaties_url.rstrip("/"))
        self._roots = tuple(r + "/" for r in roots)
        self.calls = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ZgwApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def allowed(self, url: str) -> bool:
        """True when ``url`` lies below one of the configured API roots."""
        return url.startswith(self._roots)

    # -- the calls -------------------------------------------------------------------------------------

    def get(self, url: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self._json(self._call("GET", url, params=params))

    def get_list(self, url: str, params: Mapping[str, str] | None = None) -> list[Any]:
        """A list endpoint that is not paginated (``zaakinformatieobjecten``)."""
        data = self._json_any(self._call("GET", url, params=params))
        if not isinstance(data, list):
            raise ProtocolError(f"GET {url}: expected a JSON list")
        return data

    def pages(self, url: str, params: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every result of a paginated list, following ``next`` (below the same root only)."""
        next_url: str | None = url
        query = params
        for _ in range(MAX_PAGES):
            if next_url is None:
                return
            page = self.get(next_url, query)
            results = page.get("results")
            if not isinstance(results, list):
                raise ProtocolError(f"GET {next_url}: a paginated list without results")
            for item in results:
                if isinstance(item, dict):
                    yield item
            link = page.get("next")
            next_url = link if isinstance(link, str) and link else None
            query = None  # the next link carries the query
        raise ProtocolError(f"GET {url}: more than {MAX_PAGES} pages")

    def download(self, url: str, limit: int = MAX_DOWNLOAD) -> bytes:
        response = self._call("GET", url, accept="application/octet-stream", limit=limit)
        return response.content

    def patch(self, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._json(self._call("PATCH", url, json=body))

    def post(self, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._json(self._call("POST", url, json=body))

    # -- machinery -------------------------------------------------------------------------------------

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        data = self._json_any(response)
        if not isinstance(data, dict):
            raise ProtocolError(f"{response.request.method} {response.request.url}: expected a JSON object")
        return data

    @staticmethod
    def _json_any(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(
                f"{response.request.method} {response.request.url}: the answer is not JSON"
            ) from None

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        accept: str = "application/json",
        limit: int = 20_000_000,
    ) -> httpx.Response:
        if not self.allowed(url):
            raise ProtocolError(f"{method} {url}: not below a configured ZGW API root; not followed")
        policy = self.config.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(method, url, params, json, accept, limit)
            except TransportError as exc:
                if not policy.should_retry(exc, attempt):
                    raise
                self._sleep(policy.delay(attempt, exc))

    def _once(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        json: Mapping[str, Any] | None,
        accept: str,
        limit: int,
    ) -> httpx.Response:
        headers = {
            "Authorization": "Bearer " + zgw_jwt(self.config.client_id, self.config.secret),
            "Accept": accept,
        }
        if url.startswith(self.config.zaken_url + "/"):
            headers.update(_CRS)
        self.calls += 1
        total = self.config.timeouts.total
        with deadline(total) as end:
            try:
                request = self._http.build_request(method, url, params=params, json=json, headers=headers)
                response = self._http.send(request, stream=True)
                try:
                    size = int(response.headers.get("Content-Length", "0") or 0)
                    if size > limit:
                        raise ProtocolError(
                            f"{method} {url}: {size:,} bytes, more than {limit:,}", code="BIJ-03"
                        )
                    chunks = []
                    received = 0
                    for chunk in response.iter_bytes():
                        received += len(chunk)
                        if received > limit:
                            raise ProtocolError(f"{method} {url}: more than {limit:,} bytes", code="BIJ-03")
                        chunks.append(chunk)
                finally:
                    response.close()
                # iter_bytes() decoded any Content-Encoding already.
                kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
                response = httpx.Response(
                    response.status_code, headers=kept, content=b"".join(chunks), request=request
                )
            except httpx.TimeoutException as exc:
                if time.monotonic() >= end:
                    raise TransportTimeout(
                        f"{method} {url}: no complete answer within the total deadline of {total:g} s"
                    ) from None
                raise TransportTimeout(f"{method} {url}: timed out ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                raise ConnectionFailed(f"{method} {url}: {type(exc).__name__}") from None
        if response.is_success:
            return response
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        error = HttpStatusError(
            f"{method} {url}", status=response.status_code, body=response.text[:300], retry_after=retry_after
        )
        if response.status_code == 429:
            error.retryable = True
        raise error
