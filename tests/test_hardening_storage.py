"""Issue 12 items 3 and 5: files with full BSNs are owner-only from the first byte, the export never
goes to a terminal, and a storage fault is one typed error with one exit code, the data untouched."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from mobb_sdk import Client, StorageError
from mobb_sdk.cli import main
from mobb_sdk.cli._output import Exit
from mobb_sdk.outbox import LetterState, Outbox
from tests.outbox_support import ALL_TEST_BSNS, OIN, config, letters, simulator, write_letters_jsonl


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    # With umask 0 anything created without an explicit mode would be 0666/0777: what we find must
    # then come from the mode given at creation.
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def no_chmod(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Records every chmod: a new private file must be born private, never narrowed afterwards."""
    calls: list[tuple[str, Any]] = []
    real_chmod, real_fchmod = os.chmod, os.fchmod

    def chmod(path: Any, mode: int, *args: Any, **kwargs: Any) -> None:
        calls.append(("chmod", path))
        real_chmod(path, mode, *args, **kwargs)

    def fchmod(fd: int, mode: int) -> None:
        calls.append(("fchmod", fd))
        real_fchmod(fd, mode)

    monkeypatch.setattr(os, "chmod", chmod)
    monkeypatch.setattr(os, "fchmod", fchmod)
    return calls


class _WorkFolderSpy(httpx.BaseTransport):
    """The simulator, and at each hand-over the modes of the work folder and the batch files in it."""

    def __init__(self, inner: httpx.BaseTransport, work_dir: Path) -> None:
        self.inner, self.work_dir = inner, work_dir
        self.seen: list[tuple[str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/ebms/messages"):
            self.seen.append((self.work_dir.name, _mode(self.work_dir)))
            self.seen.extend((f.name, _mode(f)) for f in self.work_dir.iterdir())
        return self.inner.handle_request(request)


def test_outbox_database_wal_shm_and_work_files_are_private_from_creation(
    tmp_path: Path, open_umask: None, no_chmod: list[tuple[str, Any]]
) -> None:
    sim = simulator(30)
    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN) as outbox:
        spy = _WorkFolderSpy(sim.transport(), outbox.work_dir)
        with Client(config(), transport=spy) as client:
            outbox.enqueue_many(letters(30))
            assert outbox.run(client, wait=5, poll_interval=0.0).complete
        for companion in ("-wal", "-shm"):
            assert _mode(path.with_name(path.name + companion)) == 0o600
    assert _mode(path) == 0o600
    assert any(name.endswith(".xml") for name, _ in spy.seen)  # a batch file was there to look at
    assert all(mode == (0o700 if name == outbox.work_dir.name else 0o600) for name, mode in spy.seen)
    assert _mode(outbox.work_dir) == 0o700
    assert no_chmod == []  # created so, not narrowed afterwards


def test_existing_wide_files_are_narrowed_before_use(tmp_path: Path) -> None:
    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN) as outbox:
        outbox.enqueue_many(letters(3))
    path.chmod(0o644)
    with Outbox(path) as outbox:
        assert outbox.counts()[LetterState.ACCEPTED] == 3
        assert _mode(path) == 0o600
        outbox.work_dir.mkdir(mode=0o755)
        outbox.work_dir.chmod(0o755)
        outbox.clean_work_dir()
        assert _mode(outbox.work_dir) == 0o700


def _delivered_outbox(tmp_path: Path, n: int = 40) -> Path:
    sim = simulator(n)
    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN) as outbox, Client(config(), transport=sim.transport()) as client:
        outbox.enqueue_many(letters(n))
        assert outbox.run(client, wait=5, poll_interval=0.0).complete
    return path


def test_export_with_bsn_is_private_from_the_first_byte(
    tmp_path: Path, open_umask: None, no_chmod: list[tuple[str, Any]]
) -> None:
    path = _delivered_outbox(tmp_path)
    out = tmp_path / "paper.csv"
    result = CliRunner().invoke(
        main, ["outbox", "export", str(path), "--outcome", "paper", "--with-bsn", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert _mode(out) == 0o600
    assert any(b in out.read_text() for b in ALL_TEST_BSNS[:40])
    assert [c for c in no_chmod if c[0] == "chmod"] == []
    # An existing wider file is narrowed before the BSNs go in.
    out.chmod(0o644)
    again = CliRunner().invoke(
        main, ["outbox", "export", str(path), "--outcome", "paper", "--with-bsn", "-o", str(out)]
    )
    assert again.exit_code == 0
    assert _mode(out) == 0o600


@pytest.mark.parametrize("target", ["/dev/stdout", "/proc/self/fd/1", "/dev/fd/2", "-", "tty", "link"])
def test_export_with_bsn_never_goes_to_a_terminal(tmp_path: Path, target: str) -> None:
    path = _delivered_outbox(tmp_path, 5)
    with contextlib.ExitStack() as stack:
        if target == "tty":
            leader, follower = os.openpty()
            stack.callback(os.close, leader)
            stack.callback(os.close, follower)
            target = os.ttyname(follower)  # /dev/pts/N: a terminal under another name
        elif target == "link":
            (tmp_path / "paper.csv").symlink_to("/dev/stdout")  # a file name that is standard output
            target = str(tmp_path / "paper.csv")
        result = CliRunner().invoke(main, ["outbox", "export", str(path), "--with-bsn", "-o", target])
    assert result.exit_code == Exit.USAGE, result.output
    assert "not the terminal" in result.output


class _Disk:
    """Whether the disk is full now, and how often a write met it."""

    def __init__(self) -> None:
        self.full = True
        self.hits = 0


class _FullDisk:
    """A real SQLite connection whose writes fail as on a full disk (SQLITE_FULL) while ``disk.full``,
    for statements that contain ``when``."""

    def __init__(self, inner: sqlite3.Connection, disk: _Disk, when: str) -> None:
        self._inner, self._disk, self._when = inner, disk, when

    def _check(self, sql: str) -> None:
        if self._disk.full and self._when in sql:
            self._disk.hits += 1
            raise sqlite3.OperationalError("database or disk is full")

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._check(sql)
        return self._inner.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._check(sql)
        return self._inner.executemany(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> _Disk:
    # The outbox's own SQLite, failing at the step that records a new batch (mid-run: letters are
    # enqueued and checked, nothing is sent yet), as a real full disk fails a write.
    disk = _Disk()
    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> Any:
        return _FullDisk(real(*args, **kwargs), disk, "INSERT INTO batches")

    monkeypatch.setattr(sqlite3, "connect", connect)
    return disk


def _states(path: Path) -> dict[LetterState, int]:
    with Outbox(path) as outbox:
        return outbox.counts()


def test_a_full_disk_during_a_run_is_a_storage_error_and_loses_nothing(
    tmp_path: Path, full_disk: _Disk
) -> None:
    sim = simulator(50)
    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN) as outbox, Client(config(), transport=sim.transport()) as client:
        outbox.enqueue_many(letters(50))
        with pytest.raises(StorageError, match="disk is full") as info:
            outbox.run(client, wait=0, poll_interval=0.0)
    assert info.value.path == path
    assert full_disk.hits == 1
    assert sim.inspect.letters() == ()  # nothing reached Logius
    full_disk.full = False
    # The journal reads as before the failed step, and a later run (disk freed) delivers each once.
    states = _states(path)
    assert sum(states.values()) == 50
    assert states.get(LetterState.BATCHED, 0) == 0  # the failed batch was rolled back whole
    with Outbox(path) as outbox, Client(config(), transport=sim.transport()) as client:
        assert outbox.run(client, wait=5, poll_interval=0.0).complete
    final = _states(path)
    assert final.get(LetterState.RESULT, 0) + final.get(LetterState.PAPER, 0) == 50


def test_the_cli_exits_6_on_a_full_disk(tmp_path: Path, full_disk: _Disk) -> None:
    from mobb_sdk.simulator import DEFAULT_CPA_ID, RunningServer

    letters_file = write_letters_jsonl(tmp_path / "letters.jsonl", 20)
    path = tmp_path / "o.outbox"
    with RunningServer(simulator(20)) as server:
        result = CliRunner().invoke(
            main,
            [
                "outbox",
                "send",
                str(path),
                str(letters_file),
                "--ebms-url",
                server.ebms_url,
                "--wus-url",
                server.wus_url,
                "--cpa-id",
                DEFAULT_CPA_ID,
                "--sender-oin",
                OIN.value,
                "--json",
            ],
        )
    assert result.exit_code == Exit.STORAGE, result.output
    assert "StorageError" in result.output and "disk is full" in result.output
    full_disk.full = False
    assert sum(_states(path).values()) == 20  # every letter enqueued before the fault is there


def test_export_of_a_corrupt_outbox_is_exit_6_and_leaves_the_file(tmp_path: Path) -> None:
    path = _delivered_outbox(tmp_path, 5)
    raw = bytearray(path.read_bytes())
    raw[100:4096] = os.urandom(3996)  # wreck the header's tail and the first page
    path.write_bytes(bytes(raw))
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["outbox", "export", str(path)])
    assert result.exit_code == Exit.STORAGE, result.output
    assert "Traceback" not in result.output
    assert path.read_bytes() == before
    garbage = tmp_path / "not-an-outbox"
    garbage.write_bytes(b"this is not SQLite" * 100)
    result = CliRunner().invoke(main, ["outbox", "status", str(garbage)])
    assert result.exit_code == Exit.STORAGE, result.output
    assert "not a mobb-sdk database" in result.output


def test_a_planted_work_folder_link_is_refused(tmp_path: Path) -> None:
    # Batch files must not land where someone else chose: a symlink in the work folder's place is refused.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = tmp_path / "o.outbox"
    with Outbox(path, afzender=OIN, work_dir=tmp_path / "work") as outbox:
        (tmp_path / "work").symlink_to(elsewhere)
        # rmtree refuses to follow a symlink, so the link stays for the folder check to meet.
        with pytest.raises(StorageError, match="not a folder"):
            outbox.clean_work_dir()
    assert (tmp_path / "work").is_symlink()
    assert list(elsewhere.iterdir()) == []


def test_the_zgw_journal_has_the_same_storage_faults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mobb_sdk.zgw import Journal

    path = tmp_path / "o.outbox.zgw"
    journal = Journal(path)
    journal.add_enqueued([("https://drc.example/v/1", "b-1", "io-1", "woz", None)])
    journal.close()
    assert _mode(path) == 0o600
    disk = _Disk()
    real = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda *a, **k: _FullDisk(real(*a, **k), disk, "INSERT OR IGNORE")
    )
    journal = Journal(path)
    with pytest.raises(StorageError, match="disk is full"):
        journal.add_enqueued([("https://drc.example/v/2", "b-2", "io-2", "woz", None)])
    disk.full = False
    assert [r.url for r in journal.rows()] == ["https://drc.example/v/1"]  # rolled back whole
    journal.close()


def test_mobb_zgw_status_of_a_corrupt_journal_exits_6(tmp_path: Path) -> None:
    config = tmp_path / "zgw.toml"
    config.write_text(
        "[zgw]\n"
        'documenten_url = "http://127.0.0.1:9/documenten/api/v1"\n'
        'zaken_url = "http://127.0.0.1:9/zaken/api/v1"\n'
        'client_id = "mobb"\n'
        f'outbox = "{tmp_path / "zgw.outbox"}"\n',
        encoding="utf-8",
    )
    (tmp_path / "zgw.outbox.zgw").write_bytes(b"not SQLite at all " * 200)
    result = CliRunner().invoke(
        main, ["zgw", "status", "--config", str(config)], env={"MOBB_ZGW_SECRET": "geheim"}
    )
    assert result.exit_code == Exit.STORAGE, result.output
    assert "not a mobb-sdk database (outbox or ZGW journal)" in result.output
