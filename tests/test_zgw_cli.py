"""``mobb zgw run / status / subscribe / serve`` against the served fake ZGW APIs and the served simulator."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from mobb_sdk import make_pdf
from mobb_sdk.cli import main
from mobb_sdk.cli._output import Exit
from mobb_sdk.simulator import DEFAULT_CPA_ID, Simulator

from .outbox_support import ALL_TEST_BSNS, OIN
from .test_zgw import AANSLAG_IOTYPE, CALLBACK_AUTH, world
from .zgw_fake import CLIENT_ID, SECRET, FakeZgw

SRC = str(Path(__file__).resolve().parents[1] / "src")
PDF = make_pdf("Aanslag")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class World:
    def __init__(self, fake: FakeZgw, server: Any, tmp_path: Path) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.port = _free_port()
        self.zaak = fake.zaak("BELASTING-2027-000042")
        self.config = tmp_path / "zgw.toml"
        self.config.write_text(
            "[zgw]\n"
            f'documenten_url = "{fake.documenten}"\nzaken_url = "{fake.zaken}"\n'
            f'notificaties_url = "{fake.notificaties}"\nclient_id = "{CLIENT_ID}"\n'
            f'outbox = "{tmp_path / "zgw.outbox"}"\n'
            f'callback_url = "http://127.0.0.1:{self.port}/callback"\nlisten = "127.0.0.1:{self.port}"\n'
            "poll_interval = 300\nresult_wait = 10\nretries = 2\nretry_base_delay = 0.01\n",
            encoding="utf-8",
        )
        self.env = {
            "MOBB_ZGW_SECRET": SECRET,
            "MOBB_ZGW_CALLBACK_AUTH": CALLBACK_AUTH,
            "MOBB_SENDER_OIN": OIN.value,
            "MOBB_EBMS_URL": server.ebms_url,
            "MOBB_CPA_ID": DEFAULT_CPA_ID,
            "MOBB_WUS_URL": server.wus_url,
        }

    def verzending(self, i: int, **kwargs: Any) -> str:
        _, betrokkene = self.fake.rol(self.zaak, ALL_TEST_BSNS[i])
        return self.fake.verzending(
            self.fake.document(PDF, zaak_url=self.zaak, informatieobjecttype=AANSLAG_IOTYPE, **kwargs),
            betrokkene,
        )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[World]:
    sim = Simulator(world(40))
    with FakeZgw.served() as fake, sim.serve() as server:
        yield World(fake, server, tmp_path)
        assert not fake.violations, "\n".join(fake.violations[:10])


def _cli(w: World, *args: str) -> Any:
    return CliRunner().invoke(
        main, ["zgw", *args, "--config", str(w.config)], env=w.env, catch_exceptions=False
    )


def test_run_status_and_subscribe(served: World) -> None:
    delivered = served.verzending(1)
    refused = served.verzending(2, formaat="image/png", bestandsnaam="scan.png")
    result = _cli(served, "run", "--poll-interval", "0.02", "--json")
    assert result.exit_code == Exit.OK, result.output
    summary = json.loads(result.output)
    assert summary["journal"]["written"] == 2 and summary["poll"]["refused"] == 1
    assert "Verwerkt" in served.fake.verzending_by_url(delivered)["toelichting"]
    journal = served.tmp_path / "zgw.outbox.zgw"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600

    status = _cli(served, "status", "--json")
    assert status.exit_code == Exit.OK
    data = json.loads(status.output)
    assert data["counts"]["written"] == 2
    assert data["refused"] == [
        {"verzending": refused, "rule": "BIJ-02", "reason": data["refused"][0]["reason"], "state": "written"}
    ]
    human = _cli(served, "status")
    assert "BIJ-02" in human.output and refused in human.output

    subscribed = _cli(served, "subscribe", "--json")
    assert subscribed.exit_code == Exit.OK, subscribed.output
    assert "auth" not in json.loads(subscribed.output)  # the secret is never printed
    assert served.fake.abonnementen[0]["auth"] == CALLBACK_AUTH
    assert CALLBACK_AUTH not in subscribed.output


def test_run_reports_an_unreachable_api_and_bad_settings(served: World, tmp_path: Path) -> None:
    served.fake.down(100)
    served.verzending(1)
    result = _cli(served, "run", "--poll-interval", "0.02")
    assert result.exit_code == Exit.TRANSPORT
    assert (
        "ConnectionFailed" in result.output
        or "RemoteProtocolError" in result.output
        or "error:" in result.output
    )
    served.fake.down(0)
    env = dict(served.env)
    env.pop("MOBB_ZGW_SECRET")
    missing = CliRunner().invoke(main, ["zgw", "run", "--config", str(served.config)], env=env)
    assert missing.exit_code == Exit.TRANSPORT and "MOBB_ZGW_SECRET" in missing.output


def test_serve_takes_a_notification_and_refuses_a_wrong_authorization(served: World) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOBB_")}
    env.update(served.env)
    env["PYTHONPATH"] = SRC
    args = [
        sys.executable,
        "-m",
        "mobb_sdk.cli",
        "zgw",
        "serve",
        "--config",
        str(served.config),
        "--max-seconds",
        "60",
    ]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        callback = f"http://127.0.0.1:{served.port}/callback"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # until the listener is up
            try:
                httpx.post(callback, content=b"{}", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        url = served.verzending(1)  # after the first poll: only the notification can bring it in
        message = served.fake.notification(url)
        wrong = httpx.post(callback, json=message, headers={"Authorization": "Bearer fout"}, timeout=5)
        assert wrong.status_code == 401
        right = httpx.post(callback, json=message, headers={"Authorization": CALLBACK_AUTH}, timeout=5)
        assert right.status_code == 204
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and served.fake.patches[url] == 0:
            time.sleep(0.1)
        assert served.fake.patches[url] == 1, "the notified Verzending was not delivered and written back"
        assert "Verwerkt" in served.fake.verzending_by_url(url)["toelichting"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-2000:]
    assert "listening on" in err


def test_run_in_a_loop(served: World) -> None:
    url = served.verzending(3)
    served.env["MOBB_ZGW_POLL_INTERVAL"] = "0.2"  # the variable wins over the file's 300
    result = _cli(served, "run", "--loop", "--max-cycles", "2", "--poll-interval", "0.02", "--json")
    assert result.exit_code == Exit.OK, result.output
    data = json.loads(result.output)
    assert data["cycles"] == 2 and data["journal"]["written"] == 1
    assert served.fake.patches[url] == 1
