"""The end-to-end harness: ``Client`` or ``AsyncClient`` against the simulator, in-process or on loopback.

Each e2e test is written once against :class:`Harness` and runs four ways ({sync, async} × {in-process,
served}); ``test_e2e_mtls`` adds the served-with-mTLS door. Both clients are driven through one
synchronous facade (:class:`Runner`), so a test reads the same for both. Time is fake: the clients'
injected ``sleep`` only moves the clock their deadlines read, so Retry-After, backoff and deadlines cost
no real waiting; only a served delay fault sleeps for real (the server's, a fraction of a second).

The ``assert_*`` helpers check, through ``sim.inspect`` only, what every fault test must show: each
hand-over of a batch carried the same BatchID and BerichtIDs, and no letter was stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pytest

from mobb_sdk import (
    AsyncClient,
    Batch,
    Bericht,
    Client,
    ClientConfig,
    CollectedResults,
    EbmsConfig,
    Outcome,
    Receipt,
    RetryPolicy,
    Timeouts,
    TlsConfig,
    WusConfig,
)
from mobb_sdk._delivery import DeliveryTracker
from mobb_sdk.simulator import (
    DEFAULT_CPA_ID,
    DEFAULT_SENDER_OIN,
    EBMS_PREFIX,
    WUS_PATH,
    RunningServer,
    Simulator,
    TlsFiles,
)

from .client_fakes import FakeTime as FakeTime

# The default world's people by name (docs/simulator.md), so no test spells out a BSN; re-exported.
from .simulator_support import (
    ANNA as ANNA,
)
from .simulator_support import (
    BRAM as BRAM,
)
from .simulator_support import (
    COR as COR,
)
from .simulator_support import (
    DEWI as DEWI,
)
from .simulator_support import (
    EVA as EVA,
)
from .simulator_support import (
    FATIMA as FATIMA,
)
from .simulator_support import (
    GERRIT as GERRIT,
)
from .simulator_support import (
    HANNA as HANNA,
)
from .simulator_support import (
    ILSE as ILSE,
)
from .simulator_support import (
    JOOST as JOOST,
)

# The default world's people by name (docs/simulator.md), so no test spells out a BSN.

SENDER = DEFAULT_SENDER_OIN.value  # Gemeente Demo, the party of cpa-mobb-demo
INTERMEDIAIR = "00000099000000002000"
WATERSCHAP = "00000099000000003000"  # a known sender, but not linked to cpa-mobb-demo
UNKNOWN_SENDER = "00000099000000009000"  # a valid OIN the world does not know

IN_PROCESS_ROOT = "http://127.0.0.1:8080"
#: Quick retries; the waits go to the fake clock anyway.
RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=5)
TIMEOUTS = Timeouts(connect=5, read=5, write=5, pool=5)

MATRIX = [("sync", "in-process"), ("sync", "served"), ("async", "in-process"), ("async", "served")]


class Runner:
    """A ``Client`` or ``AsyncClient`` whose methods are called synchronously: an async method's
    coroutine runs to completion on the harness's event loop."""

    def __init__(self, client: Client | AsyncClient, loop: asyncio.AbstractEventLoop | None) -> None:
        self.client = client
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if self._loop is None or not inspect.iscoroutinefunction(attr):
            return attr
        loop = self._loop
        return lambda *args, **kwargs: loop.run_until_complete(attr(*args, **kwargs))

    def close(self) -> None:
        if isinstance(self.client, AsyncClient):
            assert self._loop is not None
            self._loop.run_until_complete(self.client.aclose())
        else:
            self.client.close()


class Harness:
    """One simulator, reached by clients of one kind through one door.

    Replace ``sim`` before the first :meth:`client` call to use another clock or world; the loopback
    server starts with the first client and stops at teardown.
    """

    def __init__(self, mode: str, door: str, tls: TlsFiles | None = None) -> None:
        self.mode = mode
        self.door = door
        self.tls = tls
        self.time = FakeTime(start=0.0)
        self._sim = Simulator()
        self._server: RunningServer | None = None
        self._loop = asyncio.new_event_loop() if mode == "async" else None
        self._runners: list[Runner] = []

    def __repr__(self) -> str:
        return f"Harness({self.mode}, {self.door})"

    @property
    def sim(self) -> Simulator:
        return self._sim

    @sim.setter
    def sim(self, sim: Simulator) -> None:
        assert self._server is None, "replace the simulator before the first client"
        self._sim = sim

    @property
    def served(self) -> bool:
        return self.door != "in-process"

    def _urls(self) -> tuple[str, str]:
        if not self.served:
            return IN_PROCESS_ROOT + EBMS_PREFIX, IN_PROCESS_ROOT + WUS_PATH
        if self._server is None:
            self._server = self._sim.serve(tls=self.tls).start()
        return self._server.ebms_url, self._server.wus_url

    def config(
        self,
        *,
        sender_oin: str = SENDER,
        party_oin: str | None = None,
        cpa_id: str = DEFAULT_CPA_ID,
        cert_oin: str | None = SENDER,
        ca_bundle: bool = True,
        timeouts: Timeouts = TIMEOUTS,
        retry: RetryPolicy = RETRY,
        active_bericht_types: Iterable[str] | None = None,
    ) -> ClientConfig:
        """A client configuration for this door; with mTLS, ``cert_oin`` picks the client certificate
        (``None``: present none) and ``ca_bundle=False`` leaves the generated CA out."""
        ebms_url, wus_url = self._urls()
        tls = TlsConfig()
        if self.tls is not None:
            cert, key = self.tls.client(cert_oin) if cert_oin is not None else (None, None)
            tls = TlsConfig(
                cert_file=None if cert is None else str(cert),
                key_file=None if key is None else str(key),
                ca_bundle=str(self.tls.ca_cert) if ca_bundle else None,
            )
        return ClientConfig(
            sender_oin=sender_oin,
            ebms=EbmsConfig(url=ebms_url, cpa_id=cpa_id, party_oin=party_oin or sender_oin),
            wus=WusConfig(url=wus_url),
            tls=tls,
            timeouts=timeouts,
            retry=retry,
            active_bericht_types=active_bericht_types,
        )

    def client(self, config: ClientConfig | None = None, **options: Any) -> Runner:
        """A client of this harness's kind on its door (closed at teardown)."""
        config = config if config is not None else self.config(**options)
        transport = self._sim.transport() if not self.served else None
        common: dict[str, Any] = {"transport": transport, "clock": self.time.clock, "rng": random.Random(4)}
        if self.mode == "async":
            runner = Runner(AsyncClient(config, sleep=self.time.asleep, **common), self._loop)
        else:
            runner = Runner(Client(config, sleep=self.time.sleep, **common), None)
        self._runners.append(runner)
        return runner

    def wait_for_request(self, fault: str, timeout: float = 5.0) -> None:
        """Wait until the served simulator has logged a request with ``fault`` (a delayed request is
        logged by its server thread only once the delay is over)."""
        deadline = time.monotonic() + timeout
        while not any(r.fault == fault for r in self._sim.inspect.requests()):
            assert time.monotonic() < deadline, f"no request with fault {fault!r} was logged"
            time.sleep(0.02)

    def close(self) -> None:
        for runner in self._runners:
            runner.close()
        if self._server is not None:
            self._server.stop()
        if self._loop is not None:
            self._loop.close()


@contextlib.contextmanager
def open_harness(mode: str, door: str, tls: TlsFiles | None = None) -> Iterator[Harness]:
    h = Harness(mode, door, tls)
    try:
        yield h
    finally:
        h.close()


@pytest.fixture(params=MATRIX, ids=lambda p: f"{p[0]}-{p[1]}")
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """{Client, AsyncClient} × {in-process transport, served on a loopback port}."""
    with open_harness(*request.param) as h:
        yield h


# --- letters -----------------------------------------------------------------------------------------


def letter(bsn: str, bericht_type: str = "WOZ", **fields: Any) -> Bericht:
    return Bericht.create(bsn, bericht_type, "Aanslag", "Uw aanslag staat klaar.", **fields)


def letters(*bsns: str, bericht_type: str = "WOZ") -> list[Bericht]:
    return [letter(b, bericht_type) for b in bsns]


def outcome_of(
    berichten: Sequence[Bericht], receipts: Iterable[Receipt], collected: CollectedResults
) -> list[Outcome]:
    """The outcomes ``deliver`` would give for results collected by hand (its own bookkeeping)."""
    tracker = DeliveryTracker(berichten)
    for receipt in receipts:
        tracker.sent(receipt)
    for result in collected.results:
        tracker.on_result(result)
    return tracker.outcomes()


# --- what every test checks through sim.inspect --------------------------------------------------------


def assert_ids_reused(sim: Simulator, batches: dict[uuid.UUID, tuple[uuid.UUID, ...]] | None = None) -> None:
    """Every hand-over of a batch (POST retried, PUT resent) carried its BatchID as conversationId and
    the same BerichtIDs, and no BerichtID went out under two BatchIDs. ``batches`` (BatchID →
    BerichtIDs), when given, must be exactly the batches sent."""
    seen: dict[uuid.UUID, tuple[uuid.UUID, ...]] = {}
    owner: dict[uuid.UUID, uuid.UUID] = {}
    for m in sim.inspect.sent_messages():
        if m.batch_id is None:  # a payload GLOBE could not read: nothing to compare
            continue
        assert m.conversation_id == str(m.batch_id)
        assert seen.setdefault(m.batch_id, m.bericht_ids) == m.bericht_ids, "a hand-over changed ids"
        for i in m.bericht_ids:
            assert owner.setdefault(i, m.batch_id) == m.batch_id, "a BerichtID went out in two batches"
    if batches is not None:
        assert seen == batches


def assert_stored_once(sim: Simulator) -> None:
    """No letter was placed in a box twice, and every letter placed is a stored BerichtID."""
    placed = Counter(letter.bericht_id for letter in sim.inspect.letters())
    assert all(n == 1 for n in placed.values()), "a letter was stored twice"
    assert set(placed) <= sim.inspect.bericht_ids_stored()


def hand_overs(sim: Simulator, batch_id: uuid.UUID) -> list[Any]:
    """The ebMS messages that carried this batch, in order (by conversationId: a message whose
    delivery was refused never reached GLOBE, so the simulator did not read its BatchID)."""
    return [m for m in sim.inspect.sent_messages() if m.conversation_id == str(batch_id)]


def sole_batch(outcomes: Sequence[Outcome]) -> uuid.UUID:
    [batch_id] = {o.batch_id for o in outcomes}
    assert batch_id is not None
    return batch_id


def requests_of(sim: Simulator, operation: str) -> list[Any]:
    return [r for r in sim.inspect.requests() if r.operation.value == operation]


def make_batch(berichten: Sequence[Bericht]) -> Batch:
    return Batch(afzender=DEFAULT_SENDER_OIN, berichten=berichten)
