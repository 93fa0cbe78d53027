"""A local Logius for tests, demos and the conformance suite: ``from mobb_sdk.simulator import Simulator``.

It serves what a sender's software talks to, built on mobb-sdk's models, codec, XSDs and rules (never
on its client):

- ebms-core's REST API v19 (send, resend, unprocessed messages and events, message and status, mark
  processed, ping, CPA listing) with ebms-core's JSON shapes and status values;
- Logius' GLOBE behind it: every delivered batch is checked against the bundled XSDs and the rules and
  answered with the ``BerichtVerwerkResponse`` Logius would send, as an incoming ``GLOBE-R-BV-Result``;
- the WUS ``ValidateAbonnementen`` SOAP service with its faults.

A :class:`World` says who may send and who may receive; :class:`Faults` injects failures;
``simulator.inspect`` shows what arrived and what was answered. Run it in-process
(``simulator.transport()``) or on a loopback port (``simulator.serve()``, with mTLS via
:func:`generate_tls`). See ``docs/simulator.md``.
"""

from __future__ import annotations

from mobb_sdk.simulator._clock import Clock
from mobb_sdk.simulator._dispatch import Cut
from mobb_sdk.simulator._faults import (
    CHAOS_KINDS,
    DEFAULT_CHAOS_KINDS,
    BatchFault,
    FaultRecord,
    Faults,
    Operation,
)
from mobb_sdk.simulator._globe import StoredLetter
from mobb_sdk.simulator._records import (
    BatchRecord,
    EventRecord,
    IncomingMessage,
    RequestRecord,
    SentMessage,
    WusCall,
)
from mobb_sdk.simulator._server import RunningServer, SimulatorTransport, serve_forever
from mobb_sdk.simulator._simulator import (
    BB_SERVICE,
    EBMS_PREFIX,
    LOGIUS_PARTY_ID,
    MESSAGE_STATUSES,
    REQUEST_ACTION,
    RESULT_ACTION,
    WUS_PATH,
    Inspection,
    Simulator,
)
from mobb_sdk.simulator._tls import TlsFiles, generate_tls
from mobb_sdk.simulator._world import (
    ALL_TYPES,
    DEFAULT_CPA_ID,
    DEFAULT_SENDER_OIN,
    Cpa,
    Person,
    Sender,
    World,
)

__all__ = [
    "ALL_TYPES",
    "BB_SERVICE",
    "CHAOS_KINDS",
    "DEFAULT_CHAOS_KINDS",
    "DEFAULT_CPA_ID",
    "DEFAULT_SENDER_OIN",
    "EBMS_PREFIX",
    "LOGIUS_PARTY_ID",
    "MESSAGE_STATUSES",
    "REQUEST_ACTION",
    "RESULT_ACTION",
    "WUS_PATH",
    "BatchFault",
    "BatchRecord",
    "Clock",
    "Cpa",
    "Cut",
    "EventRecord",
    "FaultRecord",
    "Faults",
    "IncomingMessage",
    "Inspection",
    "Operation",
    "Person",
    "RequestRecord",
    "RunningServer",
    "Sender",
    "SentMessage",
    "Simulator",
    "SimulatorTransport",
    "StoredLetter",
    "TlsFiles",
    "World",
    "WusCall",
    "generate_tls",
    "serve_forever",
]
