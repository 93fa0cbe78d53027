"""Benchmark: letters through ``mobb_sdk.Client`` into the simulator served on loopback, end to end.

Prints letters per second end to end (client validation, serialisation, HTTP on loopback, the
simulator's GLOBE processing, polling and reading the results back), and, from the same run, the
simulator's own processing cost per letter against the codec's validation cost per letter
(``to_xml(validate=True)`` + ``from_xml``) for the same batches: the baseline the figure is read against.

    PYTHONPATH=src python benchmarks/bench_simulator.py [--letters 20000] [--batch-size 1000] [--with-pdf]
"""

from __future__ import annotations

import argparse
import time
from itertools import cycle

from mobb_sdk import Batch, Bericht, Bijlage, Client, ClientConfig, EbmsConfig, from_xml, make_pdf, to_xml
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, Simulator

#: Persons of the default world subscribed to every BerichtType of the default sender.
SUBSCRIBED = ("999900006", "999900018", "999900031", "999900067")


def make_batches(letters: int, size: int, with_pdf: bool) -> list[Batch]:
    bijlagen = [Bijlage.from_bytes(make_pdf("Aanslag"), "Aanslagbiljet")] if with_pdf else []
    bsns = cycle(SUBSCRIBED)
    berichten = [
        Bericht.create(
            next(bsns), "WOZ", f"WOZ-beschikking {i}", "Beste inwoner,\nUw aanslag.", bijlagen=bijlagen
        )
        for i in range(letters)
    ]
    return Batch.split(DEFAULT_SENDER_OIN, berichten, size=size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--with-pdf", action="store_true", help="one small PDF attachment per letter")
    args = parser.parse_args()

    batches = make_batches(args.letters, args.batch_size, args.with_pdf)
    sim = Simulator()
    with sim.serve() as server:
        config = ClientConfig(
            sender_oin=DEFAULT_SENDER_OIN,
            ebms=EbmsConfig(url=server.ebms_url, cpa_id=DEFAULT_CPA_ID, party_oin=DEFAULT_SENDER_OIN),
            active_bericht_types={"WOZ"},
        )
        with Client(config) as client:
            started = time.perf_counter()
            receipts = [client.send(b) for b in batches]
            collected = client.collect_results(receipts)
            while not collected.complete:
                time.sleep(0.01)
                collected = client.collect_results(receipts)
            elapsed = time.perf_counter() - started

    verwerkt = sum(1 for r in collected.per_bericht.values() if r.verwerkings_code.is_success)
    assert verwerkt == args.letters, f"only {verwerkt} of {args.letters} letters Verwerkt"
    received = sim.inspect.bericht_ids_received()
    assert len(received) == args.letters and set(received.values()) == {1}, (
        "a letter arrived twice or not at all"
    )

    sim_seconds = sum(b.processing_seconds for b in sim.inspect.batches())
    codec_started = time.perf_counter()
    for b in batches:
        from_xml(to_xml(b, validate=True), Batch)
    codec_seconds = time.perf_counter() - codec_started

    n = args.letters
    print(
        f"letters: {n:,} in {len(batches)} batches of {args.batch_size}{' with a PDF each' if args.with_pdf else ''}"
    )
    print(
        f"end to end (Client -> served simulator on loopback -> results): {elapsed:.2f} s, {n / elapsed:,.0f} letters/s"
    )
    print(f"simulator processing (parse, XSD, rules, result):  {sim_seconds / n * 1e6:8.1f} us/letter")
    print(f"codec baseline (to_xml(validate=True) + from_xml):  {codec_seconds / n * 1e6:8.1f} us/letter")
    print(f"ratio simulator / codec: {sim_seconds / codec_seconds:.2f}")


if __name__ == "__main__":
    main()
