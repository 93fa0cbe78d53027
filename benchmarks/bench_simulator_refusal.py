"""Benchmark: the served simulator's peak memory while it refuses a 400 MB request body.

Serves the simulator in a child process on 127.0.0.1 and reads that process's peak resident memory
(``VmHWM`` in ``/proc/<pid>/status``, Linux) after each step, so every figure comes from this run:

1. the idle server (the baseline),
2. a 400 MB body announced with ``Content-Length`` (refused from its headers, 413),
3. a 400 MB ``Transfer-Encoding: chunked`` body in 1 MiB chunks (refused while read once it passes
   the 200 MiB limit, 413; the rest is never read).

Before issue 12 the chunked body had no limit: the 400 MB body was buffered whole (about 1.3 GB).

    PYTHONPATH=src python benchmarks/bench_simulator_refusal.py [--mb 400]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

SERVE = (
    "import sys\n"
    "from mobb_sdk.simulator import RunningServer, Simulator\n"
    "with RunningServer(Simulator()) as server:\n"
    "    print(server.port, flush=True)\n"
    "    sys.stdin.read()\n"
)
PREFIX = "/service/rest/v19/ebms/messages"


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM (not Linux?)")


def send(port: int, head: bytes, chunks: int, piece: bytes) -> tuple[int, float]:
    """Send ``head`` and then ``chunks`` times ``piece`` while reading the answer; (status, seconds)."""
    started = time.perf_counter()
    answer: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(head)

        def read() -> None:
            with contextlib.suppress(OSError):
                answer.append(conn.recv(65536))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        with contextlib.suppress(OSError):
            for _ in range(chunks):
                conn.sendall(piece)
        reader.join(timeout=60)
    status = int(answer[0].split(b" ", 2)[1]) if answer and answer[0].startswith(b"HTTP/") else 0
    return status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=400, help="body size in MiB")
    args = parser.parse_args()
    child = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        idle = peak_mb(child.pid)
        print(f"idle server peak RSS: {idle:8.1f} MiB (baseline)")
        size = args.mb * 1024 * 1024
        head = f"POST {PREFIX} HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode()
        status, seconds = send(port, head, 0, b"")
        after_length = peak_mb(child.pid)
        print(
            f"{args.mb} MiB by Content-Length: HTTP {status} in {seconds:.2f} s, "
            f"peak RSS {after_length:8.1f} MiB (+{after_length - idle:.1f})"
        )
        chunk = b"x" * (1024 * 1024)
        piece = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        head = f"POST {PREFIX} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        status, seconds = send(port, head, args.mb, piece)
        time.sleep(0.5)
        after_chunked = peak_mb(child.pid)
        print(
            f"{args.mb} MiB chunked:           HTTP {status} in {seconds:.2f} s, "
            f"peak RSS {after_chunked:8.1f} MiB (+{after_chunked - idle:.1f}); "
            f"{(after_chunked - idle) / args.mb:.2f} MiB held per MiB sent"
        )
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=10)


if __name__ == "__main__":
    main()
