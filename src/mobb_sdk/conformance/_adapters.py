"""How the suite drives a product: a Python class, a command run per case, or an HTTP endpoint.

All three speak the same JSON (the adapter protocol, ``conformance/adapter-protocol.schema.json``):
one request per case in, one response out.

- **Python**: ``module:Class`` (or an entry point of group ``mobb_sdk.conformance_adapters``); the class
  has ``run_case(request, context) -> dict``. In live mode it may use ``context.transport`` (the simulator
  in-process, no sockets) or ignore it and use the URLs in the request.
- **Command**: ``cmd:<command line>``, run once per case with the request as JSON on stdin; it prints
  the response as JSON on stdout and exits 0. Its working directory is a scratch directory of the case;
  relative paths on the command line (``./adapter.sh``, ``node adapter.js``) are resolved against the
  directory the suite was started from. A command that cannot be started at all stops the run
  (:class:`AdapterUnavailable`), it is never one failed case after another.
- **HTTP**: ``http(s)://...``: each request is POSTed as JSON; the response body is the JSON answer.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs
import httpx

from mobb_sdk import ConfigurationError
from mobb_sdk.conformance._evidence import mask

__all__ = [
    "ENTRY_POINT_GROUP",
    "Adapter",
    "AdapterContext",
    "AdapterError",
    "AdapterRunner",
    "AdapterUnavailable",
    "CommandAdapter",
    "HttpAdapter",
    "PythonAdapter",
    "load_adapter",
]

#: Entry point group under which a vendor's package may register its Python adapter by name.
ENTRY_POINT_GROUP = "mobb_sdk.conformance_adapters"


@attrs.frozen
class AdapterContext:
    """What a Python adapter gets besides the request.

    ``workdir`` is a scratch directory for this case; ``transport`` is the simulator in-process (an httpx
    transport) in live mode when the suite runs without sockets, else ``None``.
    """

    workdir: Path
    transport: httpx.BaseTransport | None = None


@runtime_checkable
class Adapter(Protocol):
    """A Python adapter: turns one request of the protocol into one response."""

    def run_case(self, request: dict[str, Any], context: AdapterContext) -> Mapping[str, Any]: ...


class AdapterError(Exception):
    """The adapter did not answer (crashed, timed out, printed no JSON); the message is masked."""

    def __init__(self, message: str) -> None:
        super().__init__(mask(message))


class AdapterUnavailable(ConfigurationError):
    """The adapter cannot run at all (no such command, not executable, nothing listening): the run stops."""


class AdapterRunner(Protocol):
    """The suite's side of an adapter."""

    description: str
    #: True when live cases run on the in-process simulator (no served ports).
    in_process: bool

    def call(self, request: dict[str, Any], context: AdapterContext, timeout: float) -> object: ...


class PythonAdapter:
    """Calls a Python adapter object directly; ``serve=True`` makes live cases use the served simulator."""

    def __init__(self, adapter: Adapter, description: str | None = None, *, serve: bool = False) -> None:
        self.adapter = adapter
        self.description = description or f"python:{type(adapter).__module__}:{type(adapter).__qualname__}"
        self.in_process = not serve

    def call(self, request: dict[str, Any], context: AdapterContext, timeout: float) -> object:
        try:
            return self.adapter.run_case(request, context)
        except Exception as exc:  # the product's failure is the case's evidence, not the suite's crash
            raise AdapterError(f"the adapter raised {type(exc).__name__}: {exc}") from exc


def _resolved(argv: list[str], base: Path) -> list[str]:
    """The command line with relative paths made absolute against ``base`` (the caller's directory).

    The program is resolved when it names a path (``./adapter.sh``, ``bin/adapter``); an argument when
    it names a file that exists there (``node adapter.js``). Bare program names are found on PATH.
    """
    out = []
    for i, arg in enumerate(argv):
        path = Path(arg)
        names_path = os.sep in arg or bool(os.altsep and os.altsep in arg)
        if not path.is_absolute() and not arg.startswith("-"):
            candidate = base / path
            if (i == 0 and names_path) or (i > 0 and candidate.exists()):
                arg = str(candidate.resolve())
        out.append(arg)
    return out


def _tail(data: bytes, limit: int = 1500) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text if len(text) <= limit else "…" + text[-limit:]


class CommandAdapter:
    """Runs ``argv`` per case: request JSON on stdin, response JSON on stdout, exit status 0."""

    in_process = False

    def __init__(
        self, argv: list[str], env: Mapping[str, str] | None = None, *, base: Path | None = None
    ) -> None:
        if not argv:
            raise ConfigurationError("the command adapter needs a command")
        self.description = "cmd:" + shlex.join(argv)
        self.argv = _resolved(argv, base if base is not None else Path.cwd())
        self.env = dict(env or {})
        program = self.argv[0]
        if os.sep in program or (os.altsep and os.altsep in program):
            if not Path(program).is_file():
                raise AdapterUnavailable(f"the adapter command {argv[0]} does not exist ({program})")
            if not os.access(program, os.X_OK):
                raise AdapterUnavailable(
                    f"the adapter command {argv[0]} is not executable (chmod +x {argv[0]}, or run it "
                    "through its interpreter: cmd:sh ./adapter.sh)"
                )
        elif shutil.which(program) is None:
            raise AdapterUnavailable(f"the adapter command {program!r} is not found on PATH")

    def call(self, request: dict[str, Any], context: AdapterContext, timeout: float) -> object:
        env = {**os.environ, **self.env, "MOBB_CONFORMANCE_CASE": request["case_id"]}
        try:
            done = subprocess.run(  # noqa: S603  (the vendor's own command, by design)
                self.argv,
                input=json.dumps(request).encode("utf-8"),
                capture_output=True,
                timeout=timeout,
                cwd=context.workdir,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise AdapterError(f"the command did not answer within {timeout:.0f} s") from None
        except OSError as exc:
            raise AdapterUnavailable(
                f"cannot run the adapter {self.argv[0]}: {exc.strerror or exc}"
            ) from None
        if done.returncode != 0:
            raise AdapterError(f"the command exited with status {done.returncode}: {_tail(done.stderr)}")
        try:
            return json.loads(done.stdout)
        except ValueError:
            raise AdapterError(
                f"the command printed no JSON on stdout: {_tail(done.stdout, 300)!r}"
            ) from None


class HttpAdapter:
    """POSTs each request as JSON to ``url``; a 2xx answer's JSON body is the response."""

    in_process = False

    def __init__(self, url: str) -> None:
        self.url = url
        self.description = url
        self._answered = False

    def call(self, request: dict[str, Any], context: AdapterContext, timeout: float) -> object:
        try:
            answer = httpx.post(self.url, json=request, timeout=timeout)
        except httpx.ConnectError as exc:
            if not self._answered:  # never reached: the run cannot start; later, the product went away
                raise AdapterUnavailable(f"nothing answers at the adapter URL {self.url}: {exc}") from None
            raise AdapterError(f"POST {self.url} failed: the product stopped answering ({exc})") from None
        except httpx.HTTPError as exc:
            raise AdapterError(f"POST {self.url} failed: {type(exc).__name__}: {exc}") from None
        self._answered = True
        if not answer.is_success:
            raise AdapterError(f"POST {self.url} answered HTTP {answer.status_code}: {answer.text[:500]}")
        try:
            return answer.json()
        except ValueError:
            raise AdapterError(f"POST {self.url} answered no JSON: {answer.text[:300]!r}") from None


def _python_adapter(spec: str, serve: bool) -> PythonAdapter:
    module_name, _, attr = spec.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"cannot load the adapter {spec}: {exc}") from None
    adapter = target() if isinstance(target, type) else target
    if not isinstance(adapter, Adapter):
        raise ConfigurationError(f"{spec} has no run_case(request, context) method")
    return PythonAdapter(adapter, f"python:{spec}", serve=serve)


def load_adapter(spec: str, *, serve: bool = False) -> AdapterRunner:
    """An adapter from its command-line form.

    ``cmd:<command line>`` (shell-style quoting), ``http://…`` or ``https://…``, ``module:Class`` (a class
    is instantiated without arguments), or the name of an entry point in :data:`ENTRY_POINT_GROUP`.
    ``serve`` makes a Python adapter's live cases use the served simulator instead of the in-process one.
    """
    if spec.startswith("cmd:"):
        return CommandAdapter(shlex.split(spec[4:]))
    if spec.startswith(("http://", "https://")):
        return HttpAdapter(spec)
    if ":" in spec:
        return _python_adapter(spec, serve)
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == spec:
            return _python_adapter(entry.value, serve)
    raise ConfigurationError(
        f"adapter {spec!r}: expected cmd:<command>, an http(s) URL, module:Class or an entry point name "
        f"of group {ENTRY_POINT_GROUP}"
    )
