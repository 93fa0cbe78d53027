"""Files that hold full BSNs: owner-only from the first byte, and never the terminal.

An export with full BSNs, the outbox database (with its ``-wal`` and ``-shm`` files) and the outbox's
work folder of batch XML are special personal data. They are created with mode 0600 (folders 0700)
by ``os.open``/``mkdir`` with that mode, so no moment exists in which another user could open them;
a file or folder that already exists with a wider mode is narrowed before anything is written to it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO, Final, Literal, overload

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "create_private_file",
    "is_terminal",
    "open_private",
    "private_directory",
]

PRIVATE_FILE_MODE: Final = 0o600
PRIVATE_DIR_MODE: Final = 0o700

#: Names that stand for the process's own standard streams, whatever they point at.
_STREAM_NAMES: Final = frozenset(
    {"/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/0", "/dev/fd/1", "/dev/fd/2"}
)


def _narrow(fd: int, mode: int) -> None:
    if stat.S_IMODE(os.fstat(fd).st_mode) & ~mode:
        os.fchmod(fd, mode)


@overload
def open_private(path: str | os.PathLike[str], *, binary: Literal[True]) -> IO[bytes]: ...
@overload
def open_private(path: str | os.PathLike[str], *, binary: Literal[False] = False) -> IO[str]: ...
def open_private(path: str | os.PathLike[str], *, binary: bool = False) -> IO[bytes] | IO[str]:
    """Open ``path`` for writing (truncated), created 0600; an existing file is narrowed to 0600
    before its first byte is written. Text mode writes UTF-8 with no newline translation."""
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    try:
        _narrow(fd, PRIVATE_FILE_MODE)
        if binary:
            return os.fdopen(fd, "wb")
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise


def create_private_file(path: str | os.PathLike[str]) -> None:
    """Make sure ``path`` exists and is owner-only (0600), without changing its content."""
    fd = os.open(os.fspath(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    try:
        _narrow(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)


def private_directory(path: str | os.PathLike[str]) -> Path:
    """``path`` as an owner-only folder (0700): created so, or narrowed when it exists wider."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        p.mkdir(mode=PRIVATE_DIR_MODE)
    info = p.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(f"{p} is not a folder")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(f"{p} belongs to another user")
    if stat.S_IMODE(info.st_mode) & ~PRIVATE_DIR_MODE:
        p.chmod(PRIVATE_DIR_MODE)
    return p


def _links(name: str, limit: int = 40) -> list[str]:
    """``name`` and every name its symbolic links lead through, one link at a time."""
    chain = [name]
    for _ in range(limit):
        try:
            target = os.readlink(chain[-1])
        except OSError:
            break
        chain.append(os.path.normpath(os.path.join(os.path.dirname(chain[-1]), target)))
    return chain


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def is_terminal(path: str | os.PathLike[str]) -> bool:
    """Whether writing to ``path`` would show on a terminal: a standard stream's name (``/dev/stdout``,
    ``/proc/self/fd/1``), the file a terminal standard stream is, or any terminal device."""
    name = os.path.abspath(os.fspath(path))
    for step in _links(name):  # a link to /dev/stdout is /dev/stdout
        if step in _STREAM_NAMES:
            return True
        if os.path.dirname(step) in ("/proc/self/fd", f"/proc/{os.getpid()}/fd", "/dev/fd"):
            return True
    try:
        info = os.stat(name)
    except OSError:
        return False  # it does not exist yet: a new file is not a terminal
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            if os.isatty(fd) and _identity(os.fstat(fd)) == _identity(info):
                return True
    if stat.S_ISCHR(info.st_mode):
        try:
            fd = os.open(name, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            return os.isatty(fd)
        finally:
            os.close(fd)
    return False
