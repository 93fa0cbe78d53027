"""Sending with attachments: ``Client.send`` against baselines measured in the same run.

Run: ``python benchmarks/bench_send.py [--repeat 15]`` (or ``nox -s bench``). Prints figures and ratios;
asserts nothing. The ebms-adapter-client baseline needs ``pip install ebms-adapter-client==0.3.0`` (a
benchmark-only dependency; without it that line is skipped).

1. One letter with a 100 kB PDF, built and sent, both on an ``httpx.MockTransport`` that reads the
   body and answers a message id. Ours: ``Bericht.create`` + ``Batch`` + ``Client.send`` (XSD check of
   the skeleton, every rule, the body streamed). Baseline: ebms-adapter-client 0.3.0's
   ``build_berichten_xml`` + ``build_message_request`` + ``EbmsAdapterClient.send_message`` (no XSD
   check). Contenders run in turn, best of ``--repeat``. Target: at most 1.0x.
2. A 100 MB batch (149 letters x 2 PDFs of 250 kB) sent over loopback to a server in another process
   that reads and discards the body, against ``write_batch`` of the same batch to a file. Sent as MTOM
   (``EbmsConfig(mtom=True)``, the XML as a binary part) and as JSON (the default, the XML base64
   inside). Target: at most 1.3x. Peak memory growth of the send (a fresh process, against the models already in memory):
   target at most 64 MB + the largest letter.
"""

from __future__ import annotations

import argparse
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from mobb_sdk import (
    Batch,
    Bericht,
    Bijlage,
    Client,
    ClientConfig,
    EbmsConfig,
    RetryPolicy,
    make_pdf,
    write_batch,
)

OIN = "00000001001234567000"
BSN = "999990019"
EBMS_PATH = "/service/rest/v19"


def interleaved(functions: list[Callable[[], Any]], rounds: int) -> list[float]:
    best = [float("inf")] * len(functions)
    for fn in functions:
        fn()  # warm up
    for _ in range(rounds):
        for i, fn in enumerate(functions):
            started = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - started)
    return best


def config(url: str, *, mtom: bool = False) -> ClientConfig:
    return ClientConfig(
        sender_oin=OIN,
        ebms=EbmsConfig(url=url + EBMS_PATH, cpa_id="cpa", party_oin=OIN, mtom=mtom),
        retry=RetryPolicy.never(),
        active_bericht_types={"WOZ"},
    )


def answer(request: httpx.Request) -> httpx.Response:
    request.read()
    return httpx.Response(200, text="message-id")


def bench_one_letter(repeat: int) -> None:
    pdf = make_pdf("WOZ-beschikking", pad_to=100_000)
    client = Client(config("http://127.0.0.1:8080"), transport=httpx.MockTransport(answer))

    def ours() -> None:
        bericht = Bericht.create(
            BSN, "WOZ", "WOZ-beschikking", "Beste inwoner,\nUw beschikking.", bijlagen=[pdf]
        )
        client.send(Batch(OIN, [bericht]))

    functions = [ours]
    try:
        from ebms_adapter_client import EbmsAdapterClient, EbmsAdapterClientConfig
        from ebms_adapter_client.berichtenbox import (
            BerichtenboxAttachment,
            BerichtenboxContractConfig,
            build_berichten_xml,
            build_message_request,
        )
    except ImportError:
        print("one letter + 100 kB PDF: ebms-adapter-client not installed, baseline skipped")
        ours_t = interleaved(functions, repeat)[0]
        print(f"  ours {ours_t * 1000:.2f} ms")
        return
    other = EbmsAdapterClient(
        EbmsAdapterClientConfig(base_url="http://127.0.0.1:8080"),
        http_client=httpx.Client(
            base_url="http://127.0.0.1:8080" + EBMS_PATH, transport=httpx.MockTransport(answer)
        ),
    )
    contract = BerichtenboxContractConfig(cpa_id="cpa")

    def baseline() -> None:
        import uuid

        batch_id, bericht_id = str(uuid.uuid4()), str(uuid.uuid4())
        xml = build_berichten_xml(
            batch_id=batch_id,
            bericht_id=bericht_id,
            bsn=BSN,
            message="Beste inwoner,\nUw beschikking.",
            subject="WOZ-beschikking",
            deliverer_id=OIN,
            message_type="WOZ",
            attachments=[BerichtenboxAttachment("beschikking.pdf", pdf, description="WOZ-beschikking")],
        )
        request = build_message_request(
            contract=contract,
            from_party_id=f"urn:osb:oin:{OIN}",
            to_party_id="urn:osb:oin:00000001822477348000",
            bericht_id=bericht_id,
            xml_content=xml,
        )
        other.send_message(request)

    ours_t, base_t = interleaved([ours, baseline], repeat)
    print(
        f"one letter + 100 kB PDF, build + send (mock transport): ours {ours_t * 1000:.2f} ms, "
        f"ebms-adapter-client 0.3.0 {base_t * 1000:.2f} ms, ratio {ours_t / base_t:.2f}x (target <= 1.0x)"
    )


# --- the 100 MB batch over loopback ----------------------------------------------------------------------


class _Sink(http.server.BaseHTTPRequestHandler):
    """Reads a POST body in chunks and throws it away; answers a message id."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        left = int(self.headers["Content-Length"])
        while left:
            left -= len(self.rfile.read(min(left, 1 << 20)))
        body = b"message-id"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve_sink(seconds: float) -> None:
    """Runs in its own process: a loopback sink for at most ``seconds``; prints its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    print(server.server_address[1], flush=True)
    threading.Timer(seconds, server.shutdown).start()
    server.serve_forever()


def big_batch() -> Batch:
    pdfs = [make_pdf(f"WOZ-beschikking {i}", pad_to=250_000) for i in range(2)]
    berichten = [
        Bericht.create(
            BSN,
            "WOZ",
            f"WOZ-beschikking {i}",
            "Beste inwoner,\nUw beschikking.",
            bijlagen=[Bijlage(pdfs[0], "Beschikking", 1), Bijlage(pdfs[1], "Toelichting", 2)],
        )
        for i in range(149)
    ]
    return Batch(OIN, berichten)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def memory_child(port: int, mtom: bool) -> None:
    """Runs in a fresh process: build the batch, reset the peak, send it, print the peak growth (kB)."""
    batch = big_batch()
    with Client(config(f"http://127.0.0.1:{port}", mtom=mtom)) as client:
        client.ping  # noqa: B018 - the client is built before the peak is reset
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (peak RSS) to the current RSS
        before = _status_kb("VmRSS")
        client.send(batch)
        print(_status_kb("VmHWM") - before)


def bench_big(repeat: int) -> None:
    sink = subprocess.Popen([sys.executable, __file__, "--sink", "600"], stdout=subprocess.PIPE, text=True)
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        batch = big_batch()
        with (
            tempfile.TemporaryDirectory() as tmp,
            Client(config(url)) as json_client,
            Client(config(url, mtom=True)) as mtom_client,
        ):
            target = Path(tmp) / "batch.xml"
            mtom_t, json_t, base_t = interleaved(
                [
                    lambda: mtom_client.send(batch),
                    lambda: json_client.send(batch),
                    lambda: write_batch(batch, target),
                ],
                repeat,
            )
            size = target.stat().st_size
        print(
            f"100 MB batch ({size / 1e6:.1f} MB XML, 149 letters x 2 PDFs of 250 kB) over loopback, against "
            f"write_batch to a file ({base_t * 1000:.0f} ms):"
        )
        print(
            f"  Client.send, MTOM (mtom=True) {mtom_t * 1000:.0f} ms, ratio {mtom_t / base_t:.2f}x (target <= 1.3x)"
        )
        print(f"  Client.send, JSON (default)   {json_t * 1000:.0f} ms, ratio {json_t / base_t:.2f}x")
        if Path("/proc/self/clear_refs").exists():
            largest = 2 * 250_000 * 4 / 3 / 1e6
            for label, flag in (("MTOM", "1"), ("JSON", "0")):
                out = subprocess.run(
                    [sys.executable, __file__, "--memory-child", str(port), "--mtom", flag],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                growth_mb = int(out.stdout.strip().splitlines()[-1]) / 1024
                print(
                    f"  Client.send ({label}) peak memory growth: {growth_mb:.1f} MB "
                    f"(target < {64 + largest:.1f} MB = 64 MB + largest letter)"
                )
    finally:
        sink.terminate()
        sink.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--sink", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mtom", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        serve_sink(args.sink)
        return
    if args.memory_child:
        memory_child(args.memory_child, bool(args.mtom))
        return
    print(f"mobb-sdk send benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cpu)")
    bench_one_letter(args.repeat)
    bench_big(max(5, args.repeat // 2))


if __name__ == "__main__":
    main()
