"""The CXF wire harness (tests/java/cxf_rest): build it with Maven, run it on loopback, ask what it parsed.

The harness is a JAX-RS resource of ours with the signatures and bean shapes of ebms-core 2.20.2's
``EbMSMessageRestService``, served by Apache CXF 4.0.6 with Jackson 2.17.2 configured as ebms-admin
configures it. CXF and Jackson are ebms-core's real parsing stack: what they refuse, ebms-core refuses
before its own code runs; what they accept, the harness records (``GET /harness/last``) so a test can
compare it with what the client meant to send. ebms-core's own checks and store are not in it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import attrs
import httpx

PROJECT = Path(__file__).resolve().parent / "java" / "cxf_rest"
MAIN_CLASS = "mobb.cxfharness.Main"
#: Bounds: the Maven build (a cold one downloads CXF, Jetty and Jackson), the start, the harness's life.
BUILD_SECONDS = 600
START_SECONDS = 60
LIFE_SECONDS = 1800
STOP_SECONDS = 10


def missing_tools() -> str | None:
    """Why the harness cannot be built here (``None``: java and mvn are on the PATH)."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not on the PATH" if missing else None


def build() -> str:
    """Compile the harness with ``mvn -q`` (dependencies cached in ~/.m2); return its classpath."""
    target = PROJECT / "target"
    command = ["mvn", "-q", "-B", "-f", str(PROJECT / "pom.xml"), "compile"]
    try:
        done = subprocess.run(
            command,
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=BUILD_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the CXF harness build took more than {BUILD_SECONDS} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"the CXF harness build failed ({done.returncode}):\n{done.stdout[-4000:]}")
    classpath = (target / "classpath.txt").read_text(encoding="utf-8").strip()
    return os.pathsep.join([str(target / "classes"), classpath])


@attrs.frozen
class Harness:
    """A running harness: ``url`` is the REST root (``…/service/rest/v19``) like an ebms-core's."""

    root: str
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.root + "/service/rest/v19"

    def last(self) -> dict[str, Any]:
        """The last send as CXF and Jackson handed it to the resource."""
        response = self.http.get(self.root + "/harness/last")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def last_query(self) -> dict[str, Any]:
        """The parameters of the last read (a message or the events) as CXF converted them."""
        response = self.http.get(self.root + "/harness/last-query")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def calls(self) -> list[dict[str, Any]]:
        """Every call other than a send since the last reset, with its parameters as CXF converted them."""
        response = self.http.get(self.root + "/harness/calls")
        response.raise_for_status()
        data: list[dict[str, Any]] = response.json()
        return data

    def receive(self, message: dict[str, Any]) -> None:
        """A message from the other MSH (a ``Message`` as ebms-core writes it): listed as unprocessed."""
        self.http.put(self.root + "/harness/incoming", json=message).raise_for_status()

    def set_status(self, message_id: str, status: dict[str, str]) -> None:
        """What ``GET /ebms/messages/{message_id}/status`` answers (``{status, timestamp?}``)."""
        self.http.put(self.root + f"/harness/status/{message_id}", json=status).raise_for_status()

    def set_events(self, events: list[dict[str, str]]) -> None:
        """The events ``GET /ebms/events/unprocessed`` lists (filtered by eventTypes and maxNr)."""
        self.http.put(self.root + "/harness/events", json=events).raise_for_status()

    def set_timestamp(self, instant: str | None) -> None:
        """The timestamp of the messages sent from now on (an ISO-8601 instant; ``None``: the clock)."""
        response = self.http.put(
            self.root + "/harness/timestamp",
            content=(instant or "").encode(),
            headers={"Content-Type": "text/plain"},
        )
        response.raise_for_status()

    def reset(self) -> None:
        self.http.delete(self.root + "/harness/state").raise_for_status()


def _first_line(stream: IO[str], seconds: float) -> str:
    """The first line of ``stream``, waiting at most ``seconds`` (empty: none came)."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    return lines[0] if lines else ""


@contextmanager
def serve(classpath: str) -> Iterator[Harness]:
    """Run the harness on a free loopback port until the block ends (bounded: it stops by itself after
    ``LIFE_SECONDS`` and when its standard input closes)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            ["java", "-cp", classpath, MAIN_CLASS, "0", str(LIFE_SECONDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = _first_line(process.stdout, START_SECONDS)
            if not line.startswith("LISTENING "):
                log.seek(0)
                raise RuntimeError(f"the CXF harness did not start: {line!r}\n{log.read()[-4000:]}")
            url = line.split()[1]
            root = url.removesuffix("/service/rest/v19")
            with httpx.Client(timeout=30) as http:
                yield Harness(root, http)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_SECONDS)
    if process.stdout is not None:
        process.stdout.close()
