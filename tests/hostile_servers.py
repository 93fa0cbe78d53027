"""Hostile HTTP servers on 127.0.0.1 for the hardening tests: bounded in time and in bytes, one thread.

Each server answers every connection with a script of byte chunks and pauses, and stops by itself after
``lifetime`` seconds even if no client ever closes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Sequence

#: One step of a script: bytes to send, or seconds to pause.
Step = bytes | float


def drip(data: bytes, every: float) -> list[Step]:
    """``data`` one byte at a time, ``every`` seconds apart."""
    steps: list[Step] = []
    for i in range(len(data)):
        steps += [data[i : i + 1], every]
    return steps


@contextlib.contextmanager
def scripted_server(script: Sequence[Step], lifetime: float = 10.0) -> Iterator[str]:
    """Serve ``script`` to every connection on 127.0.0.1; yields the base URL ``http://127.0.0.1:PORT``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    stop = threading.Event()
    end = time.monotonic() + lifetime

    def serve_one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(1.0)
            with contextlib.suppress(OSError):
                conn.recv(65536)  # the request (its first bytes are enough)
                for step in script:
                    if stop.is_set() or time.monotonic() > end:
                        return
                    if isinstance(step, bytes):
                        conn.sendall(step)
                    else:
                        stop.wait(step)

    def accept_loop() -> None:
        workers: list[threading.Thread] = []
        while not stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            worker = threading.Thread(target=serve_one, args=(conn,), daemon=True)
            worker.start()
            workers.append(worker)
        for worker in workers:
            worker.join(timeout=2.0)

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(timeout=5.0)
        listener.close()
