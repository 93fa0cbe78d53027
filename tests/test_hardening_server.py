"""Issue 12 item 4: the served simulator refuses what it should while reading, answers malformed
requests with 400, and goes on serving others; 200 concurrent clients are all served."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from mobb_sdk.simulator import EBMS_PREFIX, RunningServer, Simulator

LIMIT = 1024 * 1024  # the test server's body limit: small, so refusals are cheap to provoke


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with RunningServer(Simulator(), max_body=LIMIT) as running:
        yield running


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.") else 0


def _exchange(server: RunningServer, head: bytes, body: bytes = b"", timeout: float = 10.0) -> bytes:
    """Send a raw request, then read the answer until the server closes or the answer is complete."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as conn:
        conn.sendall(head + body)
        answer = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                data = conn.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            answer += data
            if b"\r\n\r\n" in answer:
                headers, _, rest = answer.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(h.split(b":")[1])
                        for h in headers.split(b"\r\n")
                        if h.lower().startswith(b"content-length:")
                    ),
                    None,
                )
                if length is not None and len(rest) >= length:
                    break
        return answer


def _post(path: str, extra: bytes) -> bytes:
    return (
        f"POST {EBMS_PREFIX}{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".encode()
        + extra
    )


def _still_serving(server: RunningServer) -> None:
    answer = _exchange(
        server, f"GET {EBMS_PREFIX}/ebms/messages/unprocessed HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    assert _status(answer) == 200, answer[:200]


@pytest.mark.parametrize(
    ("headers", "body", "status", "reason"),
    [
        (b"Content-Length: -1\r\n", b"", 400, b"malformed Content-Length"),
        (b"Content-Length: abc\r\n", b"", 400, b"malformed Content-Length"),
        (b"Content-Length: 1e3\r\n", b"", 400, b"malformed Content-Length"),
        (b"Content-Length: 10\r\nContent-Length: 11\r\n", b"", 400, b"contradicting Content-Length"),
        (b"Content-Length: 99999999999\r\n", b"", 413, b"at most 1,048,576"),
        (
            b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            b"5\r\nhello\r\n0\r\n\r\n",
            400,
            b"both Transfer-Encoding and Content-Length",
        ),
        (b"Transfer-Encoding: gzip\r\n", b"", 400, b"unsupported Transfer-Encoding gzip"),
        (b"Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n", 400, b"bad chunk size"),
        (b"Transfer-Encoding: chunked\r\n", b"0x5\r\nhello\r\n0\r\n\r\n", 400, b"bad chunk size"),
        (b"Transfer-Encoding: chunked\r\n", b"-5\r\nhello\r\n0\r\n\r\n", 400, b"bad chunk size"),
        (b"Transfer-Encoding: chunked\r\n", b"1" * 5000 + b"\r\n", 400, b"too long"),
        (b"Transfer-Encoding: chunked\r\n", b"5\r\nhelloXX0\r\n\r\n", 400, b"does not end with CRLF"),
        (b"Transfer-Encoding: chunked\r\n", f"{LIMIT + 1:x}\r\n".encode(), 413, b"over 1,048,576"),
    ],
    ids=[
        "length -1",
        "length text",
        "length float",
        "two lengths",
        "length over limit",
        "chunked and length",
        "unknown coding",
        "chunk size not hex",
        "chunk size 0x",
        "chunk size negative",
        "chunk line too long",
        "chunk without CRLF",
        "one chunk over limit",
    ],
)
def test_malformed_and_oversized_bodies_are_answered(
    server: RunningServer, headers: bytes, body: bytes, status: int, reason: bytes
) -> None:
    answer = _exchange(server, _post("/ebms/messages", headers + b"\r\n"), body)
    assert _status(answer) == status, answer[:300]
    assert reason in answer  # refused by the server while reading, not judged by the simulator
    _still_serving(server)


def test_expect_100_continue_hears_413_before_sending(server: RunningServer) -> None:
    head = _post("/ebms/messages", f"Content-Length: {LIMIT + 1}\r\nExpect: 100-continue\r\n\r\n".encode())
    answer = _exchange(server, head)
    assert _status(answer) == 413, answer[:200]
    _still_serving(server)


def test_a_chunked_body_is_refused_while_read_not_buffered_whole(server: RunningServer) -> None:
    # 48 MiB in 64 KiB chunks against a 1 MiB limit: refused once the limit is passed, never held whole.
    chunk = b"x" * 65536
    piece = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    answer: list[bytes] = []
    tracemalloc.start()
    try:
        with socket.create_connection((server.host, server.port), timeout=10) as conn:
            conn.sendall(_post("/ebms/messages", b"Transfer-Encoding: chunked\r\n\r\n"))

            def read() -> None:
                with contextlib.suppress(OSError):
                    answer.append(conn.recv(65536))

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            with contextlib.suppress(OSError):
                for _ in range(48 * 16):
                    conn.sendall(piece)
            reader.join(timeout=10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer and _status(answer[0]) == 413, answer
    assert peak < 8 * LIMIT  # the 48 MiB were not kept
    _still_serving(server)


def test_deeply_nested_json_is_a_bare_500(server: RunningServer) -> None:
    # As CXF answers Jackson's nesting limit (1000), checked with tests/test_cxf_wire.py's harness.
    body = b"[" * 100_000 + b"]" * 100_000
    answer = _exchange(server, _post("/ebms/messages", f"Content-Length: {len(body)}\r\n\r\n".encode()), body)
    assert _status(answer) == 500, answer[:300]
    _still_serving(server)


def test_a_body_within_the_limit_is_still_taken(server: RunningServer) -> None:
    body = json.dumps({"properties": {"cpaId": "no-such-cpa"}}).encode()
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    answer = _exchange(server, _post("/ebms/messages", b"Transfer-Encoding: chunked\r\n\r\n"), chunked)
    assert _status(answer) == 500  # read whole, then judged by the simulator (an unknown CPA)
    assert b"No CPA found for message.cpaId=no-such-cpa" in answer


def test_two_hundred_concurrent_clients_are_served(server: RunningServer) -> None:
    n = 200
    start = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()
    request = f"GET {EBMS_PREFIX}/ebms/messages/unprocessed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()

    def client() -> None:
        status = 0
        with contextlib.suppress(OSError, threading.BrokenBarrierError):
            start.wait(timeout=20)
            with socket.create_connection((server.host, server.port), timeout=20) as conn:
                conn.sendall(request)
                status = _status(conn.recv(65536))
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=40)
    assert statuses.count(200) == n, sorted(set(statuses))
