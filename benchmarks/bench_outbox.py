"""Bulk delivery through the outbox vs. straight through the client, into the in-process simulator.

    python benchmarks/bench_outbox.py                       # 10,000 letters, throughput and memory
    python benchmarks/bench_outbox.py --letters 100000      # the yearly run
    python benchmarks/bench_outbox.py --memory 10000,100000 # peak memory at each size

Every letter has its own 100 kB PDF: ``make_pdf`` personalises a template per letter and pads it to
100,000 bytes, so the outbox really stores (and the simulator really reads) N distinct attachments,
N × 100 kB in all (10 GB at 100,000 letters), without 10 GB of input files on disk first.

Each measurement runs in its own subprocess, so its peak memory (``VmHWM``) is its own:

- ``outbox``: enqueue (validate, store in SQLite, attachments by hash) + run (check subscriptions
  250 per call, pack batches, write each from the store into a file, stream it to the transport,
  collect events and results).
- ``direct``: the same letters straight through ``Client``: check subscriptions, pack batches
  (``Batch.split``), ``send``, ``collect_results``. Nothing durable.

The ratio outbox/direct is the outbox's overhead (target: at most 1.5x). Batches are limited to
``--batch-mb`` (default 20 MB) in both: the in-process simulator holds one whole batch several times
over while it reads it (request body, JSON, XML tree, decoded letters), so at 100 MB batches it alone
would pass 300 MB. The simulator runs with ``keep_payloads=False``: it drops each payload once GLOBE has
processed it (no resend is needed here), or it would hold 13 GB at 100,000 letters.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


from mobb_sdk import (  # noqa: E402
    Batch,
    Bericht,
    Bijlage,
    Client,
    ClientConfig,
    EbmsConfig,
    RetryPolicy,
    WusConfig,
    elfproef,
    make_pdf,
)
from mobb_sdk.simulator import (  # noqa: E402
    DEFAULT_CPA_ID,
    DEFAULT_SENDER_OIN,
    EBMS_PREFIX,
    WUS_PATH,
    Person,
    Simulator,
    World,
)

OIN = DEFAULT_SENDER_OIN
BSNS = [s for s in (f"9999{i:05d}" for i in range(100_000)) if elfproef(s)]
PDF_BYTES = 100_000


def _world() -> World:
    base = World.default()
    persons = [Person(b, "", i % 50 != 1, {OIN.value: ["*"]} if i % 20 else {}) for i, b in enumerate(BSNS)]
    return World(base.senders, persons)


def _config() -> ClientConfig:
    root = "http://127.0.0.1:8080"
    return ClientConfig(
        sender_oin=OIN,
        ebms=EbmsConfig(url=root + EBMS_PREFIX, cpa_id=DEFAULT_CPA_ID, party_oin=OIN),
        wus=WusConfig(url=root + WUS_PATH),
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05),
    )


def _letters(n: int) -> Iterator[Bericht]:
    for i in range(n):
        pdf = make_pdf(f"WOZ-beschikking 2027, aanslag {i:06d}", pad_to=PDF_BYTES)
        yield Bericht.create(
            BSNS[i % len(BSNS)],
            "WOZ",
            f"WOZ-beschikking 2027 ({i})",
            "Beste inwoner,\nUw WOZ-beschikking 2027 staat klaar.",
            referentie=f"WOZ27-{i:06d}",
            bijlagen=[Bijlage.from_bytes(pdf, "WOZ-beschikking 2027")],
        )


def _per_batch(batch_mb: float) -> int:
    one = len(make_pdf("x", pad_to=PDF_BYTES)) * 4 // 3 + 2_000
    return max(1, min(1000, int(batch_mb * 1_000_000) // one))


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_outbox(n: int, batch_mb: float, work: Path) -> dict[str, Any]:
    from mobb_sdk.outbox import Outbox, OutcomeStatus

    sim = Simulator(_world(), keep_payloads=False)
    start = time.perf_counter()
    with Outbox(work / "bench.outbox", afzender=OIN) as outbox:
        outbox.enqueue_many(_letters(n))
        enqueued = time.perf_counter()
        with Client(_config(), transport=sim.transport()) as client:
            summary = outbox.run(
                client,
                max_bytes=int(batch_mb * 1_000_000),
                poll_interval=0.01,
                wait=600,
                collect_every=5,
            )
    end = time.perf_counter()
    assert summary.complete, summary.to_dict()
    return {
        "mode": "outbox",
        "letters": n,
        "seconds": end - start,
        "enqueue_seconds": enqueued - start,
        "run_seconds": end - enqueued,
        "batches": summary.batches_sent,
        "delivered": summary.outcomes.get(OutcomeStatus.DELIVERED, 0),
        "db_mb": (work / "bench.outbox").stat().st_size / 1e6,
        "peak_mb": _peak_mb(),
    }


def measure_direct(n: int, batch_mb: float) -> dict[str, Any]:
    sim = Simulator(_world(), keep_payloads=False)
    per_batch = _per_batch(batch_mb)
    start = time.perf_counter()
    receipts = []
    delivered = 0
    with Client(_config(), transport=sim.transport()) as client:
        chunk: list[Bericht] = []
        for bericht in _letters(n):
            chunk.append(bericht)
            if len(chunk) == per_batch * 4:
                receipts += _send_direct(client, chunk, per_batch)
                chunk = []
        receipts += _send_direct(client, chunk, per_batch)
        pending = {r.batch_id: r for r in receipts}
        while pending:
            collected = client.collect_results(pending.values())
            delivered += sum(1 for r in collected.per_bericht.values() if r.verwerkings_code.is_success)
            for result in collected.results:
                pending.pop(result.batch_id, None)
    end = time.perf_counter()
    return {
        "mode": "direct",
        "letters": n,
        "seconds": end - start,
        "batches": len(receipts),
        "delivered": delivered,
        "peak_mb": _peak_mb(),
    }


def _send_direct(client: Client, berichten: list[Bericht], per_batch: int) -> list[Any]:
    if not berichten:
        return []
    answers: dict[Any, bool] = {}
    for bsns in (list({b.bsn for b in berichten})[i : i + 250] for i in range(0, len(berichten), 250)):
        if bsns:
            answers.update(client.check_subscriptions("WOZ", bsns))
    allowed = [b for b in berichten if answers.get(b.bsn)]
    return [client.send(batch) for batch in Batch.split(OIN, allowed, size=per_batch)] if allowed else []


def _child(mode: str, n: int, batch_mb: float) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", mode, "--letters", str(n), "--batch-mb", str(batch_mb)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--letters", type=int, default=10_000, help="letters for the throughput comparison")
    parser.add_argument("--memory", default="", help="comma-separated sizes for peak memory of the outbox")
    parser.add_argument("--batch-mb", type=float, default=20.0, help="batch size limit (MB) for both paths")
    parser.add_argument("--child", choices=["outbox", "direct"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "outbox":
            with tempfile.TemporaryDirectory(prefix="mobb-bench-") as tmp:
                result = measure_outbox(args.letters, args.batch_mb, Path(tmp))
        else:
            result = measure_direct(args.letters, args.batch_mb)
        print(json.dumps(result))
        return

    n = args.letters
    print(f"{n:,} letters, each with its own {PDF_BYTES:,}-byte PDF; batches up to {args.batch_mb:g} MB")
    direct = _child("direct", n, args.batch_mb)
    outbox = _child("outbox", n, args.batch_mb)
    for r in (direct, outbox):
        print(
            f"  {r['mode']:<7} {r['seconds']:8.1f} s  {n / r['seconds']:8.0f} letters/s  "
            f"{r['batches']:5d} batches  {r['delivered']:,} delivered  peak {r['peak_mb']:6.0f} MB"
        )
    print(
        f"  outbox: enqueue {outbox['enqueue_seconds']:.1f} s + run {outbox['run_seconds']:.1f} s; "
        f"SQLite file {outbox['db_mb']:,.0f} MB"
    )
    ratio = outbox["seconds"] / direct["seconds"]
    print(f"  overhead outbox/direct: {ratio:.2f}x (target <= 1.5x)")
    for size in [int(s) for s in args.memory.split(",") if s.strip()]:
        r = outbox if size == n else _child("outbox", size, args.batch_mb)
        print(
            f"  memory at {size:,} letters: peak {r['peak_mb']:.0f} MB (target < 300 MB), "
            f"{size / r['seconds']:.0f} letters/s"
        )


if __name__ == "__main__":
    main()
