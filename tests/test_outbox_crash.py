"""The outbox survives ``kill -9``: a real runner process is killed at precise points of a 5,000-letter
run against the served simulator (whose state outlives the runner), then resumed; every letter ends
in exactly one final state, nothing is lost, and nothing is offered twice under new ids.

The kill comes from the runner itself, through the test hook ``MOBB_OUTBOX_CRASH_AT=<point>:<n>``
(``mobb_sdk.outbox._crash``): ``os.kill(os.getpid(), SIGKILL)`` the n-th time it reaches the point.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mobb_sdk import Client
from mobb_sdk.outbox import CRASH_ENV, Outbox
from tests.outbox_support import OIN, assert_invariants, config, simulator, write_letters_jsonl

N = 5000
PER_BATCH = 250  # 20 batches: room for crashes early, midway and late in the sending
SRC = str(Path(__file__).resolve().parents[1] / "src")
ROOT = str(Path(__file__).resolve().parents[1])


@pytest.fixture(scope="module")
def letters_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_letters_jsonl(tmp_path_factory.mktemp("letters") / "woz.jsonl", N)


@pytest.fixture(scope="module")
def enqueued(letters_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An outbox with the letters file enqueued (what the first run would do), copied per test."""
    path = tmp_path_factory.mktemp("template") / "woz.outbox"
    with Outbox(path, afzender=OIN) as outbox:
        outbox.enqueue_file(letters_file)
    return path


def _env(server: Any, crash: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOBB_")}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([SRC, ROOT]),
            "MOBB_SENDER_OIN": OIN.value,
            "MOBB_EBMS_URL": server.ebms_url,
            "MOBB_CPA_ID": "cpa-mobb-demo",
            "MOBB_WUS_URL": server.wus_url,
            "MOBB_RETRY_BASE_DELAY": "0.01",
            "MOBB_RETRY_MAX_DELAY": "0.05",
        }
    )
    if crash is not None:
        env[CRASH_ENV] = crash
    return env


def _runner(
    command: str, outbox: Path, letters: Path | None, server: Any, crash: str | None = None, *extra: str
) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "mobb_sdk.outbox", command, str(outbox)]
    if letters is not None:
        args.append(str(letters))
    args += ["--max-letters", str(PER_BATCH), "--wait", "30", "--poll-interval", "0.02", "--json", *extra]
    return subprocess.Popen(
        args, env=_env(server, crash), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


CRASH_POINTS = [
    "enqueued",  # letters stored, nothing else done
    "after_check:3",  # mid subscription checks: an answer came, not recorded
    "after_batch:4",  # a batch recorded as sending, not sent
    "mid_send:5",  # the POST body is on the wire, the request not complete
    "after_send:7",  # ebms-core answered with the message id, not recorded
    "after_offered:12",  # receipt recorded
    "after_event:3",  # a DELIVERED event applied, not acknowledged
    "after_result_fetch:4",  # mid result collection: a result read, not recorded
    "after_result_record:6",  # a result recorded, not acknowledged
]


@pytest.mark.parametrize("crash", CRASH_POINTS)
def test_kill_9_then_resume(crash: str, letters_file: Path, enqueued: Path, tmp_path: Path) -> None:
    swallowed = crash.startswith("after_send")
    # After a swallowed hand-over, its result must still be on its way when the next run starts, so
    # that run really hands the batch over again (RES-04) instead of finding it answered already.
    sim = simulator(N, result_delay=4.0 if swallowed else 0.0)
    outbox_path = tmp_path / "woz.outbox"
    if crash != "enqueued":
        shutil.copy(enqueued, outbox_path)  # saves each test the enqueueing (the same file: skipped)
    with sim.serve() as server:
        code, _, err = _finish(_runner("send", outbox_path, letters_file, server, crash))
        assert code == -signal.SIGKILL, f"the runner was not killed at {crash}: {code}\n{err[-2000:]}"
        # The same command line resumes: the file is enqueued again (adding nothing) and the run goes on.
        code, out, err = _finish(_runner("send", outbox_path, letters_file, server))
        assert code == 0, f"resume failed ({code}): {out[-2000:]}\n{err[-2000:]}"
        summary = json.loads(out)
        assert summary["complete"]
        with Outbox(outbox_path) as outbox:
            received = assert_invariants(outbox, sim, N)
        handed_over_again = {k for k, v in received.items() if v > 1}
        if swallowed:
            # The swallowed hand-over arrived; the batch went again with the same ids, and Logius'
            # BerichtBestaatAl for it counted as delivered (assert_invariants checks the outcomes).
            assert len(handed_over_again) == PER_BATCH
            assert summary["handovers_repeated"] == 1
        else:
            assert not handed_over_again, f"{len(handed_over_again)} letters handed over twice"
        # Another run (in this process: no start-up cost) finds nothing to do and offers nothing again.
        before = sum(received.values())
        with Outbox(outbox_path) as outbox, Client(config(server.base_url)) as client:
            again = outbox.run(client, poll_interval=0.02)
        assert again.batches_sent == 0 and again.complete
        assert sum(sim.inspect.bericht_ids_received().values()) == before


def test_two_runners_never_both_send(enqueued: Path, tmp_path: Path) -> None:
    sim = simulator(N)
    outbox_path = tmp_path / "woz.outbox"
    shutil.copy(enqueued, outbox_path)
    with sim.serve() as server:
        first = _runner("run", outbox_path, None, server, None, "--lease-wait", "60")
        second = _runner("run", outbox_path, None, server, None, "--lease-wait", "60")
        results = [_finish(first), _finish(second)]
        assert [code for code, _, _ in results] == [0, 0], results
        # Whoever ran second found the letters decided (or took over what was left): never both.
        sent = [json.loads(out)["batches_sent"] for _, out, _ in results]
        assert sum(sent) == len(sim.inspect.sent_messages())
        with Outbox(outbox_path) as outbox:
            received = assert_invariants(outbox, sim, N)
        assert set(received.values()) == {1}, "a letter was handed over by both runners"


def test_a_second_runner_exits_while_the_first_holds_the_lease(enqueued: Path, tmp_path: Path) -> None:
    sim = simulator(N, result_delay=2.0)  # the first runner is still busy when the second comes
    outbox_path = tmp_path / "woz.outbox"
    shutil.copy(enqueued, outbox_path)
    with sim.serve() as server:
        first = _runner("run", outbox_path, None, server)
        with Outbox(outbox_path) as outbox:
            deadline = time.monotonic() + 30
            while outbox.store.lease_holder() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert outbox.store.lease_holder() is not None
        code, out, _ = _finish(_runner("run", outbox_path, None, server, None, "--wait", "0"))
        assert code == 4 and "in use by another runner" in json.loads(out)["message"]
        code, out, err = _finish(first)
        assert code == 0, err[-2000:]
        with Outbox(outbox_path) as outbox:
            assert_invariants(outbox, sim, N)
        assert set(sim.inspect.bericht_ids_received().values()) == {1}
