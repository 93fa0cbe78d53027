"""Benchmark: letters through ``mobb_sdk.Client`` into the simulator served on loopback, end to end.

Prints letters per second end to end (client validation, serialisation, HTTP on loopback, the
simulator's GLOBE processing, polling and reading the results back), and, from the same run, the
simulator's own processing cost per letter against the codec's validation cost per letter
(``to_xml(validate=True)`` + ``from_xml``) for the same batches: the baseline the figure is read against.

    PYTHONPATH=src python benchmarks/bench_simulator.py [--letters 20000] [--batch-size 1000] [--with-pdf] [--mtom]

``--growth 1000000`` measures instead how the simulator's cost per stored letter develops as it holds
more letters: batches of 1000 through ``Client`` on the in-process transport (no HTTP) into one
simulator (``keep_payloads=False``), the simulator's CPU time per POST (thread time: what a loaded machine
makes it wait does not count), the mean over the batches since the previous figure, at 10k, 100k, 300k
and 1M stored letters, each against the codec baseline
(``to_xml(validate=True)`` + ``from_xml`` of a 1000-letter batch) measured right then, in the same
process. Target: flat, and at most 1.0x the codec.
"""

from __future__ import annotations

import argparse
import statistics
import time
from itertools import cycle

import httpx

from mobb_sdk import Batch, Bericht, Bijlage, Client, ClientConfig, EbmsConfig, from_xml, make_pdf, to_xml
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, EBMS_PREFIX, Simulator

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


def codec_seconds_per_letter(rounds: int = 5) -> float:
    """CPU seconds per letter of ``to_xml(validate=True)`` + ``from_xml`` of a 1000-letter batch."""
    batch = make_batches(1000, 1000, False)[0]
    best = float("inf")
    for _ in range(rounds):
        started = time.thread_time()
        from_xml(to_xml(batch, validate=True), Batch)
        best = min(best, time.thread_time() - started)
    return best / 1000


def growth(total: int) -> None:
    """The simulator's CPU time per letter (its whole handling of each POST: JSON, base64, GLOBE, result),
    thread CPU time so a loaded machine's waiting does not count, as the letters it holds grow."""
    checkpoints = [c for c in (10_000, 100_000, 300_000, 1_000_000) if c <= total] or [total]
    sim = Simulator(keep_payloads=False)
    cpu: list[float] = []

    def timed(request: httpx.Request) -> httpx.Response:
        started = time.thread_time()
        response = sim.handle(request)
        cpu.append(time.thread_time() - started)
        return response

    config = ClientConfig(
        sender_oin=DEFAULT_SENDER_OIN,
        ebms=EbmsConfig(
            url="http://127.0.0.1:8080" + EBMS_PREFIX, cpa_id=DEFAULT_CPA_ID, party_oin=DEFAULT_SENDER_OIN
        ),
        active_bericht_types={"WOZ"},
    )
    codec: dict[int, float] = {}
    started = time.perf_counter()
    with Client(config, transport=httpx.MockTransport(timed)) as client:
        for sent in range(1000, checkpoints[-1] + 1, 1000):
            client.send(make_batches(1000, 1000, False)[0])
            if sent in checkpoints:
                codec[sent] = codec_seconds_per_letter()
    elapsed = time.perf_counter() - started
    assert len(sim.inspect.letters()) == checkpoints[-1], "every letter is stored"
    print(f"simulator holding up to {checkpoints[-1]:,} letters ({elapsed:.0f} s in all), batches of 1000:")
    previous = 1000  # the first batch is a cold start (schemas compiled, caches filled): not counted
    for checkpoint in checkpoints:
        # The mean over the batches since the previous figure: it includes the collector's full passes.
        per_letter = statistics.fmean(cpu[previous // 1000 : checkpoint // 1000]) / 1000
        previous = checkpoint
        print(
            f"  at {checkpoint:>9,} stored: simulator {per_letter * 1e6:6.1f} us/letter CPU, codec "
            f"{codec[checkpoint] * 1e6:6.1f} us/letter CPU, ratio {per_letter / codec[checkpoint]:4.2f}x "
            f"(target <= 1.0x, flat)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--with-pdf", action="store_true", help="one small PDF attachment per letter")
    parser.add_argument("--mtom", action="store_true", help="send as MTOM (EbmsConfig(mtom=True)), not JSON")
    parser.add_argument("--growth", type=int, metavar="LETTERS", help="cost per letter as the store grows")
    args = parser.parse_args()
    if args.growth:
        growth(args.growth)
        return

    batches = make_batches(args.letters, args.batch_size, args.with_pdf)
    sim = Simulator()
    with sim.serve() as server:
        config = ClientConfig(
            sender_oin=DEFAULT_SENDER_OIN,
            ebms=EbmsConfig(
                url=server.ebms_url, cpa_id=DEFAULT_CPA_ID, party_oin=DEFAULT_SENDER_OIN, mtom=args.mtom
            ),
            active_bericht_types={"WOZ"},
        )
        with Client(config) as client:
            started = time.perf_counter()
            cpu_started, client_started = time.process_time(), time.thread_time()
            receipts = [client.send(b) for b in batches]
            collected = client.collect_results(receipts)
            while not collected.complete:
                time.sleep(0.01)
                collected = client.collect_results(receipts)
            elapsed = time.perf_counter() - started
            # The client works in this thread; the served simulator in its server threads.
            client_cpu = time.thread_time() - client_started
            simulator_cpu = time.process_time() - cpu_started - client_cpu

    verwerkt = sum(1 for r in collected.per_bericht.values() if r.verwerkings_code.is_success)
    assert verwerkt == args.letters, f"only {verwerkt} of {args.letters} letters Verwerkt"
    received = sim.inspect.bericht_ids_received()
    assert len(received) == args.letters and set(received.values()) == {1}, (
        "a letter arrived twice or not at all"
    )

    sim_seconds = sum(b.processing_seconds for b in sim.inspect.batches())
    codec_started, codec_cpu_started = time.perf_counter(), time.thread_time()
    for b in batches:
        from_xml(to_xml(b, validate=True), Batch)
    codec_seconds = time.perf_counter() - codec_started
    codec_cpu = time.thread_time() - codec_cpu_started

    n = args.letters
    print(
        f"letters: {n:,} in {len(batches)} batches of {args.batch_size}{' with a PDF each' if args.with_pdf else ''}, "
        f"sent as {'MTOM' if args.mtom else 'JSON'}"
    )
    print(
        f"end to end (Client -> served simulator on loopback -> results): {elapsed:.2f} s, {n / elapsed:,.0f} letters/s"
    )
    print(f"client CPU (models checked, XML, HTTP, results read):  {client_cpu / n * 1e6:8.1f} us/letter")
    print(
        f"simulator CPU (HTTP server, JSON, GLOBE, result, REST):  {simulator_cpu / n * 1e6:8.1f} us/letter"
    )
    print(f"simulator processing (parse, XSD, rules, result):  {sim_seconds / n * 1e6:8.1f} us/letter wall")
    print(
        f"codec baseline (to_xml(validate=True) + from_xml):  {codec_seconds / n * 1e6:8.1f} us/letter wall, "
        f"{codec_cpu / n * 1e6:.1f} CPU"
    )
    print(f"ratio simulator processing / codec (wall): {sim_seconds / codec_seconds:.2f}")
    print(
        "through real ebms-core: not measured (no ebms-core on this machine; Maven Central does not serve it here)"
    )


if __name__ == "__main__":
    main()
