"""The simulator: ebms-core's REST API v19, Logius' GLOBE behind it, and the WUS ValidateAbonnementen service.

:class:`Simulator` is built from its parts, each in its own module: the shared state (``_state``), GLOBE
processing (``_processing``), the WUS service (``_wus_service``), the ebms-core façade (``_ebms_core``) and
the one dispatch step that acts out transport faults (``_dispatch``); what it saw is ``_inspection``.
:meth:`Simulator.handle` is the whole simulator as one thread-safe function from an :class:`httpx.Request`
to an :class:`httpx.Response`; the in-process transport and the loopback server both drive
:meth:`Simulator.dispatch`, so the server can act out socket-level faults itself.
"""

from __future__ import annotations

from typing import Any

import httpx

from mobb_sdk._namespaces import REQUEST_ACTION, RESULT_ACTION
from mobb_sdk.simulator._dispatch import Dispatching
from mobb_sdk.simulator._inspection import Inspection
from mobb_sdk.simulator._state import MESSAGE_STATUSES
from mobb_sdk.simulator._wire import BB_SERVICE, EBMS_PREFIX, LOGIUS_PARTY_ID, WUS_PATH

__all__ = [
    "BB_SERVICE",
    "EBMS_PREFIX",
    "LOGIUS_PARTY_ID",
    "MESSAGE_STATUSES",
    "REQUEST_ACTION",
    "RESULT_ACTION",
    "WUS_PATH",
    "Inspection",
    "Simulator",
]


class Simulator(Dispatching):
    """A local Logius: ebms-core's REST API v19, GLOBE's processing and the WUS ValidateAbonnementen service.

    - ``world``: senders, CPAs and test persons (default :meth:`World.default`).
    - ``clock``: a :class:`Clock`, or any function returning an aware ``datetime`` (default: UTC now).
      The 13-day windows and every timestamp use it; :meth:`advance` moves it.
    - ``delivery_delay``: seconds a sent message stays ``CREATED`` before it is ``DELIVERED`` (default 0).
    - ``result_delay``: seconds after delivery until the result is visible (default 0: at once);
      ``None`` holds every result back until :meth:`process`.
    - ``max_batch_bytes``: payloads larger than this are refused by Logius' MSH (BATCH-02): the delivery
      fails with a FAILED event.
    - ``faults``: a :class:`Faults` (default: none); reach it later as ``simulator.faults``.
    - ``event_listener``: ``"DAO"`` (default) stores delivery and RECEIVED events as ebms-core does with
      ``eventListener.type=DAO``; ``"DEFAULT"`` is ebms-core's shipped default, which stores none.
      ``peer_available = False`` makes Logius' MSH silent for pings and StatusRequests (500).

    Use it in-process with ``httpx.Client(transport=simulator.transport(), base_url=...)`` or on a
    loopback port with ``with simulator.serve() as server: ...``.
    """

    # --- transports ------------------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering from this simulator in-process, for ``httpx.Client`` and ``AsyncClient``."""
        from mobb_sdk.simulator._server import SimulatorTransport

        return SimulatorTransport(self)

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, tls: Any = None) -> Any:
        """Serve on a loopback port in a background thread: ``with simulator.serve() as server:``.

        ``tls`` is a :class:`TlsFiles` (see :func:`generate_tls`): HTTPS with client certificates required.
        The context manager yields a :class:`RunningServer` (``base_url``, ``ebms_url``, ``wus_url``).
        """
        from mobb_sdk.simulator._server import RunningServer

        return RunningServer(self, host, port, tls)
