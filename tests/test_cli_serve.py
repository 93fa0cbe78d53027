"""``mobb simulator serve``: a banner with the real values, and ``--log-requests`` for other languages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from mobb_sdk import Client, ClientConfig
from mobb_sdk.cli._serve import banner
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, Simulator, World

SRC = str(Path(__file__).parents[1] / "src")


def test_the_banner_shows_what_the_world_defines():
    world = World.default()
    sim = Simulator(world)
    with sim.serve(port=0) as server:
        text = "\n".join(banner(world, server, None))
    assert "None" not in text and "types ," not in text and "types \n" not in text
    assert f"CPA {DEFAULT_CPA_ID}; BerichtTypes BELAST, PASPOORT, WOZ" in text
    assert "Intermediair Demo): CPA cpa-mobb-intermediair; no BerichtTypes of its own; delivers for" in text
    assert "Waterschap Demo): no CPA of its own: delivered by 00000099000000002000" in text
    assert f"MOBB_SENDER_OIN={DEFAULT_SENDER_OIN} MOBB_CPA_ID={DEFAULT_CPA_ID}" in text
    assert not re.search(r"\b9999\d{5}\b", text)


def test_log_requests_prints_each_request_with_masked_bsns():
    process = subprocess.Popen(
        [sys.executable, "-m", "mobb_sdk.cli", "simulator", "serve", "--port", "0", "--log-requests"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    try:
        assert process.stdout is not None
        lines = []
        while not lines or lines[-1] != "Ctrl-C stops it.":
            line = process.stdout.readline()
            assert line, lines
            lines.append(line.rstrip("\n"))
        wus = next(line.split()[-1] for line in lines if line.strip().startswith("WUS:"))
        ebms = next(line.split()[-1] for line in lines if "ebms-core REST v19:" in line)
        bsn = World.default().persons[0].bsn
        env = {
            "MOBB_SENDER_OIN": str(DEFAULT_SENDER_OIN),
            "MOBB_EBMS_URL": ebms,
            "MOBB_CPA_ID": DEFAULT_CPA_ID,
            "MOBB_WUS_URL": wus,
        }
        with Client(ClientConfig.from_env(env)) as client:
            assert client.check_subscriptions("WOZ", [bsn]) == {bsn: True}
        logged = process.stdout.readline()
        assert re.search(r"POST /wus/\S+ -> 200 \(\d+ bytes in, \d+ out\)", logged), logged
        assert bsn.masked in logged and bsn.value not in logged
    finally:
        process.terminate()
        process.wait(timeout=10)
