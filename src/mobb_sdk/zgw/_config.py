"""The adapter's settings: a ``[zgw]`` table in a TOML file, and ``MOBB_ZGW_*`` variables on top.

Every setting has one key and one variable (:data:`ZGW_SETTINGS`); a value that cannot be used raises
:class:`~mobb_sdk.ConfigurationError` naming the file and key, or the variable. The JWT secret and the
callback's Authorization value are secrets: keep them in the environment rather than in the file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from mobb_sdk._config import Timeouts
from mobb_sdk._errors import ConfigurationError, MobbError
from mobb_sdk._retry import RetryPolicy

__all__ = ["ZGW_SETTINGS", "ZgwConfig"]

#: key in [zgw] -> (environment variable, kind, what it is)
ZGW_SETTINGS: Final[Mapping[str, tuple[str, str, str]]] = {
    "documenten_url": (
        "MOBB_ZGW_DOCUMENTEN_URL",
        "url",
        "Documenten API root, e.g. https://openzaak.example.nl/documenten/api/v1",
    ),
    "zaken_url": (
        "MOBB_ZGW_ZAKEN_URL",
        "url",
        "Zaken API root, e.g. https://openzaak.example.nl/zaken/api/v1",
    ),
    "notificaties_url": (
        "MOBB_ZGW_NOTIFICATIES_URL",
        "url",
        "Notificaties API root (for `mobb zgw subscribe`)",
    ),
    "client_id": ("MOBB_ZGW_CLIENT_ID", "text", "the client_id of the ZGW JWT"),
    "secret": ("MOBB_ZGW_SECRET", "text", "the shared secret of the ZGW JWT (HS256)"),
    "callback_auth": ("MOBB_ZGW_CALLBACK_AUTH", "text", "the Authorization value the Notificaties API sends"),
    "callback_url": ("MOBB_ZGW_CALLBACK_URL", "url", "where the Notificaties API reaches `mobb zgw serve`"),
    "listen": ("MOBB_ZGW_LISTEN", "text", "host:port `mobb zgw serve` listens on (default 127.0.0.1:8765)"),
    "outbox": ("MOBB_ZGW_OUTBOX", "text", "the outbox file (SQLite); the adapter's journal lies beside it"),
    "streams": ("MOBB_ZGW_STREAMS", "text", "the berichtstromen file (default: the shipped examples)"),
    "default_stream": (
        "MOBB_ZGW_DEFAULT_STREAM",
        "text",
        "stream for documents no stream claims (default: none)",
    ),
    "bronorganisatie": ("MOBB_ZGW_BRONORGANISATIE", "text", "abonnement filter: only this RSIN's documents"),
    "paper_verzending": (
        "MOBB_ZGW_PAPER_VERZENDING",
        "flag",
        "on paper: add a Verzending with the postal address",
    ),
    "timeout": ("MOBB_ZGW_TIMEOUT", "number", "seconds per ZGW call (connect, read, write), default 30"),
    "retries": ("MOBB_ZGW_RETRIES", "int", "tries per ZGW call, the first included, default 5"),
    "retry_base_delay": ("MOBB_ZGW_RETRY_BASE_DELAY", "number", "first backoff in seconds, default 0.5"),
    "retry_max_delay": ("MOBB_ZGW_RETRY_MAX_DELAY", "number", "longest backoff in seconds, default 30"),
    "poll_interval": (
        "MOBB_ZGW_POLL_INTERVAL",
        "number",
        "seconds between polls of `serve`/`run --loop`, default 300",
    ),
    "result_wait": (
        "MOBB_ZGW_RESULT_WAIT",
        "number",
        "seconds a cycle waits for Logius' results, default 60",
    ),
    "max_letters": ("MOBB_ZGW_MAX_LETTERS", "int", "letters per batch, 1..1000 (BATCH-01), default 1000"),
}


def _root(url: str) -> str:
    return url.rstrip("/")


@attrs.frozen
class ZgwConfig:
    """What the adapter needs to know. Build it with :meth:`load`, or directly in code."""

    documenten_url: str = attrs.field(converter=_root)
    zaken_url: str = attrs.field(converter=_root)
    client_id: str
    secret: str = attrs.field(repr=False)
    outbox: Path = attrs.field(converter=Path)
    notificaties_url: str | None = None
    callback_auth: str | None = attrs.field(default=None, repr=False)
    callback_url: str | None = None
    listen: str = "127.0.0.1:8765"
    streams: Path | None = None
    default_stream: str | None = None
    bronorganisatie: str | None = None
    paper_verzending: bool = False
    timeouts: Timeouts = attrs.field(factory=lambda: Timeouts(connect=30.0, read=30.0, write=30.0, pool=30.0))
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    poll_interval: float = 300.0
    result_wait: float = 60.0
    max_letters: int = 1000

    @property
    def journal(self) -> Path:
        """The adapter's own journal of Verzendingen, beside the outbox."""
        return self.outbox.with_name(self.outbox.name + ".zgw")

    @property
    def listen_address(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        try:
            return host or "127.0.0.1", int(port)
        except ValueError:
            raise ConfigurationError(f"listen = {self.listen!r}: expected host:port") from None

    @classmethod
    def load(
        cls, path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
    ) -> ZgwConfig:
        """The settings of the ``[zgw]`` table of ``path`` (optional), with ``MOBB_ZGW_*`` variables on top."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        where: dict[str, str] = {}
        if path is not None:
            source = str(path)
            try:
                data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except OSError as exc:
                raise ConfigurationError(f"{source}: cannot read: {exc.strerror or exc}") from None
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigurationError(f"{source}: not valid TOML: {exc}") from None
            table = data.get("zgw")
            if not isinstance(table, dict):
                raise ConfigurationError(f"{source}: no [zgw] table")
            for key, value in table.items():
                if key not in ZGW_SETTINGS:
                    raise ConfigurationError(
                        f"{source}: zgw.{key}: unknown key; the keys are {', '.join(ZGW_SETTINGS)}"
                    )
                values[key] = value
                where[key] = f"{source}: zgw.{key}"
        for key, (variable, _, _) in ZGW_SETTINGS.items():
            raw = env.get(variable)
            if raw is not None and raw.strip():
                values[key] = raw.strip()
                where[key] = variable
        parsed = {key: _parse(key, value, where[key]) for key, value in values.items()}
        missing = [
            k for k in ("documenten_url", "zaken_url", "client_id", "secret", "outbox") if k not in parsed
        ]
        if missing:
            names = ", ".join(f"{k} ({ZGW_SETTINGS[k][0]})" for k in missing)
            raise ConfigurationError(f"ZGW settings missing: {names}")
        timeout = parsed.pop("timeout", 30.0)
        retry = RetryPolicy(
            max_attempts=parsed.pop("retries", 5),
            base_delay=parsed.pop("retry_base_delay", 0.5),
            max_delay=parsed.pop("retry_max_delay", 30.0),
        )
        if not 1 <= parsed.get("max_letters", 1000) <= 1000:
            raise ConfigurationError(f"{where['max_letters']}: max_letters must be 1..1000 (BATCH-01)")
        try:
            return cls(
                timeouts=Timeouts(connect=timeout, read=timeout, write=timeout, pool=timeout),
                retry=retry,
                **parsed,
            )
        except MobbError as exc:
            raise ConfigurationError(f"ZGW settings: {exc}") from None


def _parse(key: str, value: Any, where: str) -> Any:
    kind = ZGW_SETTINGS[key][1]
    if kind == "flag":
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigurationError(f"{where}: expected true or false, got {value!r}")
    if kind in ("number", "int"):
        try:
            number = int(value) if kind == "int" else float(value)
        except (TypeError, ValueError):
            raise ConfigurationError(f"{where}: expected a number, got {value!r}") from None
        if isinstance(value, bool) or number < 0 or number != number or number == float("inf"):
            raise ConfigurationError(f"{where}: expected a finite number >= 0, got {value!r}")
        return number
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where}: expected a non-empty string")
    if kind == "url" and not value.startswith(("http://", "https://")):
        raise ConfigurationError(f"{where}: expected an http(s) URL, got {value!r}")
    return Path(value) if key in ("outbox", "streams") else value
