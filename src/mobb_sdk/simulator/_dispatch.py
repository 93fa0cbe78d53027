"""The one dispatch step: a request routed, its transport fault taken once and acted out.

:meth:`Dispatching.dispatch` is written once, without I/O: a generator that yields the seconds to wait
(an injected delay) and is sent whether the client is still waiting, and returns the answer or how the
exchange was cut. The in-process transport (:meth:`Dispatching.handle`, :meth:`Dispatching.handle_async`)
and the served simulator are its drivers: they only wait, and turn a cut into what each one can do (an
httpx exception, a closed socket).
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Generator

import httpx

from mobb_sdk.simulator._ebms_core import EbmsCore
from mobb_sdk.simulator._faults import Operation, TransportKind
from mobb_sdk.simulator._records import RequestRecord
from mobb_sdk.simulator._wire import (
    BadRequest,
    NotFound,
    Plan,
    ServerError,
    Unreadable,
    Unsupported,
    error_response,
    read_timeout,
    text_response,
)

__all__ = ["Cut", "Dispatching", "Exchange"]


class Cut(enum.Enum):
    """How an exchange ended without an answer."""

    #: The request carried a read timeout no longer than the injected delay: the client gives up.
    TIMED_OUT = "timed out"
    #: The client went away during the injected delay.
    GONE = "gone"
    #: An injected drop: the connection closes without an answer.
    DROPPED = "dropped"


#: One request's way through the simulator: yields seconds to wait, is sent whether the client still
#: waits, returns the answer or the cut.
Exchange = Generator[float, bool, httpx.Response | Cut]


class Dispatching(EbmsCore):
    """The dispatch step over the simulator's routes, and the in-process drivers (sync and async)."""

    def dispatch(self, request: httpx.Request) -> Exchange:
        """Route ``request``, take its transport fault once and act it out (see the module's doc).

        An ``applied`` fault lets the request take effect (its answer logged only when it is sent); a
        FAIL is answered with the injected status; a DELAY beyond the request's read timeout is cut at
        once, any other DELAY is waited out (an applied one after the request took effect).
        """
        plan = self._plan(request)
        fault = plan.fault
        if fault is None:
            return self._answer(plan)
        if fault.kind is TransportKind.DELAY:
            timeout = read_timeout(request)
            if timeout is not None and fault.seconds >= timeout:
                if fault.applied:
                    self._answer(plan, log=False)
                self._log(plan, None, "delay")
                return Cut.TIMED_OUT
            if fault.applied:
                response = self._answer(plan)
                yield fault.seconds
                return response
            waiting = yield fault.seconds
            if not waiting:
                self._log(plan, None, "delay")
                return Cut.GONE
            return self._answer(plan)
        if fault.applied:
            self._answer(plan, log=False)
        if fault.kind is TransportKind.FAIL:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            self._log(plan, fault.status, "fail")
            return text_response(fault.status, f"injected failure (HTTP {fault.status})", headers)
        self._log(plan, None, "drop")
        return Cut.DROPPED

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request in-process; injected transport faults raise what httpx would raise."""
        exchange = self.dispatch(request)
        try:
            seconds = next(exchange)
            while True:
                time.sleep(seconds)
                seconds = exchange.send(True)
        except StopIteration as stop:
            return _in_process(stop.value, request)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """:meth:`handle` for ``httpx.AsyncClient``: a delay sleeps without blocking the event loop."""
        exchange = self.dispatch(request)
        try:
            seconds = next(exchange)
            while True:
                await asyncio.sleep(seconds)
                seconds = exchange.send(True)
        except StopIteration as stop:
            return _in_process(stop.value, request)

    def _plan(self, request: httpx.Request) -> Plan:
        endpoint = self._route(request)
        fault = None
        if endpoint.operation is not Operation.OTHER:
            fault = self.faults.take_transport(endpoint.operation, self.now())
        return Plan(request, endpoint.operation, endpoint.handler, fault, endpoint.error_type)

    def _answer(self, plan: Plan, *, log: bool = True) -> httpx.Response:
        try:
            response = plan.handler(plan.request)
        except BadRequest as exc:
            response = error_response(400, str(exc), plan.error_type)
        except NotFound:
            response = error_response(404, "", plan.error_type)
        except ServerError as exc:
            response = error_response(500, str(exc), plan.error_type)
        except Unsupported:
            response = httpx.Response(415)
        except Unreadable as exc:
            response = httpx.Response(exc.status)
        if log:
            self._log(plan, response.status_code, None)
        return response

    def _log(self, plan: Plan, status: int | None, fault: str | None) -> None:
        record = RequestRecord(
            self.now(), plan.operation, plan.request.method, plan.request.url.path, status, fault
        )
        with self._lock:
            self._requests.append(record)


def _in_process(outcome: httpx.Response | Cut, request: httpx.Request) -> httpx.Response:
    """An exchange's end as httpx's own transports would show it."""
    if isinstance(outcome, httpx.Response):
        return outcome
    if outcome is Cut.DROPPED:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    raise httpx.ReadTimeout("timed out (injected delay beyond the read timeout)", request=request)
