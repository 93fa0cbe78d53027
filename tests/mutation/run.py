"""Mutation testing of the core modules: how many deliberate small changes to the code do the tests notice?

Run it through ``nox -s mutants`` (or ``python tests/mutation/run.py`` in a venv with the package and its
test extra installed). For each module in :data:`MODULES` it parses the source, makes one mutant per
mutation point (a flipped comparison, an operator, a constant, a dropped ``not``, an emptied string, a
dropped f-string field, ``return None``, ...), and runs the module's tests against each mutant alone with
``pytest -x``. A mutant is *killed* when a test fails (or the import fails, or it times out), *survived*
when every test passes. The score of a module is killed / (mutants - listed equivalents).

How it stays cheap on a shared machine:

- It lowers its own priority (``os.nice(15)``) and runs one mutant at a time.
- The parent process imports the package and compiles the bundled XSDs once, then forks one child per
  mutant. The child drops the mutated module and every module that imports it (found statically), puts
  the mutant in their place through an import hook, and runs pytest in-process; nothing is written to
  ``src/``. Each child is bounded by a timeout (``--timeout``, default 10x the unmutated run, at least 10 s).
- It works on a copy of the checkout made when it starts, so edits and rebases during a run cannot mix
  into it (the cache stays in the checkout).
- Results are cached in ``.mutants-cache/`` keyed by the mutant, the module source and the test files.
  A rerun with nothing changed costs nothing. When only tests changed, a kill is kept as long as the
  module, ``conftest.py`` and the source of the test that killed it are unchanged; every other mutant
  runs again, the test that killed it before first (``--no-cache`` runs everything afresh).

Equivalent mutants (those no test can kill because they cannot change behaviour) are listed with a
reason in ``tests/mutation/equivalents.toml`` and left out of the score.

Options: ``--module _ids`` (repeatable) picks modules, ``--limit N`` takes the first N mutants of each,
``--match TEXT`` (repeatable) only mutants whose description or scope contains a TEXT, ``--list`` only lists mutants,
``--no-cache`` ignores the cache, ``-v`` prints every mutant's outcome.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import hashlib
import importlib
import importlib.abc
import importlib.util
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
#: What the snapshot leaves out: nothing a test reads lives there.
_NOT_COPIED = (
    ".git",
    ".venv",
    ".nox",
    ".mutants-cache",
    "_build",
    "__pycache__",
    ".hypothesis",
    "*.egg-info",
)
PACKAGE = "mobb_sdk"
CACHE_DIR = ROOT / ".mutants-cache"
EQUIVALENTS = Path(__file__).with_name("equivalents.toml")

#: Module (dotted, under src/mobb_sdk) -> the test files that exercise it.
MODULES: dict[str, tuple[str, ...]] = {
    "_ids": ("tests/test_ids.py",),
    "_rules": ("tests/test_rules.py",),
    "_models": ("tests/test_models.py",),
    "_codec": ("tests/test_codec.py", "tests/test_result_reading.py"),
    "_retry": ("tests/test_retry.py", "tests/test_config.py"),
    "_delivery": ("tests/test_delivery.py", "tests/test_client_deliver.py"),
    "_lifecycle": ("tests/test_lifecycle.py",),
    "_xsd_validation": ("tests/test_xsd_validation.py", "tests/test_result_reading.py"),
    "_schemas": ("tests/test_schemas.py", "tests/test_schemas_verify.py", "tests/test_result_reading.py"),
    "_ebms": (
        "tests/test_ebms_bodies.py",
        "tests/test_client_ebms.py",
        "tests/test_client_streaming.py",
        "tests/test_simulator_ebms.py",
    ),
    "cpa": ("tests/test_cpa.py",),
    "simulator._wire": (
        "tests/test_simulator_multipart.py",
        "tests/test_simulator_ebms.py",
        "tests/test_hardening_server.py",
    ),
}
#: What ``nox -s mutants`` runs without ``--module``.
DEFAULT_MODULES = ("_ids", "_rules", "_models", "_codec", "_retry", "_lifecycle", "simulator._wire")


# --- making mutants ----------------------------------------------------------------------------------------

_CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BIN_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int
    scope: str
    line: int
    end_line: int
    description: str
    key: str
    source: str = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.module}:{self.line} [{self.key}] {self.scope}: {self.description}"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Points(ast.NodeVisitor):
    """Collects mutation points: (node path, scope, line, description, replacement maker)."""

    def __init__(self) -> None:
        self.points: list[tuple[int, str, tuple[int, int], str, Any]] = []
        self._scope: list[str] = []
        self._ids: dict[int, int] = {}
        self._skip: set[int] = set()

    # Each point names its node by id() in the *original* tree; _apply finds the same node in a copy by
    # walking both trees in step.
    def _add(self, node: ast.AST, description: str, make: Any) -> None:
        scope = ".".join(self._scope) or "<module>"
        lines = (getattr(node, "lineno", 0), getattr(node, "end_lineno", None) or getattr(node, "lineno", 0))
        self.points.append((id(node), scope, lines, description, make))

    def _skip_tree(self, node: ast.AST | None) -> None:
        if node is not None:
            for sub in ast.walk(node):
                self._skip.add(id(sub))

    def visit(self, node: ast.AST) -> None:
        if id(node) in self._skip:
            return
        super().visit(node)

    def _body_docstring(self, body: list[ast.stmt]) -> None:
        first = body[0] if body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            self._skip_tree(first)

    def visit_Module(self, node: ast.Module) -> None:
        self._body_docstring(node.body)
        self.generic_visit(node)

    def _visit_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self._body_docstring(node.body)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._skip_tree(node.returns)
            for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
                self._skip_tree(arg.annotation)
            for arg in (node.args.vararg, node.args.kwarg):
                if arg is not None:
                    self._skip_tree(arg.annotation)
            if any(_is_overload(d) for d in node.decorator_list):
                return
        self._scope.append(node.name)
        self.generic_visit(node)
        self._scope.pop()

    visit_FunctionDef = _visit_scope
    visit_AsyncFunctionDef = _visit_scope
    visit_ClassDef = _visit_scope

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring of an attribute
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._skip_tree(node.annotation)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    def visit_Import(self, node: ast.Import) -> None:
        return

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            swap = _CMP_SWAP.get(type(op))
            if swap is not None:
                self._add(
                    node,
                    f"{_short(ast.unparse(node))}: op {i + 1} -> {swap.__name__}",
                    _op_in_compare(i, swap),
                )
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        swap = _BIN_SWAP.get(type(node.op))
        if swap is not None:
            self._add(
                node,
                f"{_short(ast.unparse(node))}: {type(node.op).__name__} -> {swap.__name__}",
                _binop(swap),
            )
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        swap = _BIN_SWAP.get(type(node.op))
        if swap is not None:
            self._add(
                node,
                f"{_short(ast.unparse(node))}: {type(node.op).__name__} -> {swap.__name__}",
                _binop(swap),
            )
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other: type[ast.boolop] = ast.Or if isinstance(node.op, ast.And) else ast.And
        self._add(node, f"{_short(ast.unparse(node))}: -> {other.__name__.lower()}", _boolop(other))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not | ast.USub):
            self._add(node, f"{_short(ast.unparse(node))}: drop {type(node.op).__name__.lower()}", _operand)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, f"{value!r} -> {not value!r}", _constant(not value))
        elif isinstance(value, int | float):
            self._add(node, f"{value!r} -> {value + 1!r}", _constant(value + 1))
        elif isinstance(value, str | bytes):
            new = value[:0] if value else ("XX" if isinstance(value, str) else b"XX")
            self._add(node, f"{_short(repr(value), 80)} -> {new!r}", _constant(new))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for i, part in enumerate(node.values):
            if isinstance(part, ast.FormattedValue):
                self._add(
                    node, f"f-string field {{{_short(ast.unparse(part.value), 60)}}}: dropped", _drop_value(i)
                )
            elif isinstance(part, ast.Constant) and part.value:
                self._add(node, f"f-string text {_short(repr(part.value), 80)}: emptied", _drop_value(i))
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                self.visit(part.value)  # not its format spec

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self._add(node, f"return {_short(ast.unparse(node.value), 60)} -> return None", _return_none)
        self.generic_visit(node)

    def visit_Break(self, node: ast.Break) -> None:
        self._add(node, "break -> continue", lambda n: ast.Continue())

    def visit_Continue(self, node: ast.Continue) -> None:
        self._add(node, "continue -> break", lambda n: ast.Break())


def _is_overload(decorator: ast.expr) -> bool:
    return (isinstance(decorator, ast.Name) and decorator.id == "overload") or (
        isinstance(decorator, ast.Attribute) and decorator.attr == "overload"
    )


def _op_in_compare(i: int, swap: type[ast.cmpop]) -> Any:
    def make(node: ast.Compare) -> ast.AST:
        node.ops[i] = swap()
        return node

    return make


def _binop(swap: type[ast.operator]) -> Any:
    def make(node: ast.BinOp | ast.AugAssign) -> ast.AST:
        node.op = swap()
        return node

    return make


def _boolop(other: type[ast.boolop]) -> Any:
    def make(node: ast.BoolOp) -> ast.AST:
        node.op = other()
        return node

    return make


def _operand(node: ast.UnaryOp) -> ast.AST:
    return node.operand


def _constant(value: object) -> Any:
    def make(node: ast.Constant) -> ast.AST:
        return ast.Constant(value)

    return make


def _drop_value(i: int) -> Any:
    def make(node: ast.JoinedStr) -> ast.AST:
        del node.values[i]
        return node

    return make


def _return_none(node: ast.Return) -> ast.AST:
    return ast.Return(ast.Constant(None))


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    """Node id -> (parent, field name, index in that field's list or None)."""
    found: dict[int, tuple[ast.AST, str, int | None]] = {}
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, ast.AST):
                found[id(value)] = (parent, name, None)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        found[id(item)] = (parent, name, i)
    return found


def _put(place: tuple[ast.AST, str, int | None], node: ast.AST) -> None:
    parent, name, index = place
    if index is None:
        setattr(parent, name, node)
    else:
        getattr(parent, name)[index] = node


def _mutated_source(tree: ast.AST, node: ast.AST, place: tuple[ast.AST, str, int | None], make: Any) -> str:
    """The module's source with ``node`` replaced by its mutant; the tree is left as it was."""
    mutant = make(copy.deepcopy(node))
    _put(place, ast.fix_missing_locations(mutant))
    try:
        return ast.unparse(tree)
    finally:
        _put(place, node)


def module_file(module: str) -> Path:
    """The source file of ``module``, a dotted name under the package (``_ids``, ``simulator._wire``)."""
    return SRC.joinpath(PACKAGE, *module.split(".")).with_suffix(".py")


def make_mutants(module: str) -> list[Mutant]:
    path = module_file(module)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    original = ast.unparse(tree)
    points = _Points()
    points.visit(tree)
    nodes = {id(n): n for n in ast.walk(tree)}
    parents = _parents(tree)
    mutants: list[Mutant] = []
    seen: dict[tuple[str, str], int] = {}
    for target, scope, (line, end_line), description, make in points.points:
        mutated = _mutated_source(tree, nodes[target], parents[target], make)
        if mutated == original:
            continue
        n = seen[(scope, description)] = seen.get((scope, description), 0) + 1
        ident = f"{module}|{scope}|{description}|{n}".encode()
        key = hashlib.sha1(ident, usedforsecurity=False).hexdigest()[:10]
        mutants.append(Mutant(module, len(mutants), scope, line, end_line, description, key, mutated))
    return mutants


# --- running one mutant ------------------------------------------------------------------------------------


def _imports_of(path: Path, package_of: str) -> set[str]:
    """The package's modules ``path`` imports, anywhere but under ``if TYPE_CHECKING``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(PACKAGE))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_of.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if mod.startswith(PACKAGE):
                found.add(mod)
                found.update(f"{mod}.{a.name}" for a in node.names)
    return found


def dependents_of(target: str) -> set[str]:
    """``target`` and every module of the package that imports it, directly or through others."""
    modules: dict[str, set[str]] = {}
    for path in (SRC / PACKAGE).rglob("*.py"):
        rel = path.relative_to(SRC).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        name = ".".join(parts)
        modules[name] = _imports_of(path, name if is_pkg else ".".join(parts[:-1]))
    # A package's __init__ runs before any of its submodules: a package depends on its own submodules
    # only through what its __init__ imports, but importing a submodule imports every parent package.
    found = {target}
    changed = True
    while changed:
        changed = False
        for name, imports in modules.items():
            if name not in found and imports & found:
                found.add(name)
                changed = True
    parents = {".".join(n.split(".")[:i]) for n in found for i in range(1, n.count(".") + 1)}
    return found | parents


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, fullname: str, source: str, origin: str) -> None:
        self.fullname, self.source, self.origin = fullname, source, origin

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.fullname:
            return None
        return importlib.util.spec_from_file_location(fullname, self.origin, loader=self)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(compile(self.source, self.origin, "exec"), module.__dict__)  # noqa: S102


class _Recorder:
    """A pytest plugin remembering the first test that failed."""

    def __init__(self) -> None:
        self.failed: str | None = None
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration
        if report.failed and self.failed is None:
            self.failed = report.nodeid

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed and self.failed is None:
            self.failed = f"collect:{report.nodeid}"


class _Order:
    """A pytest plugin running the likeliest killers first: the tests in ``first`` (the test that killed
    this mutant before, then the tests that execute its lines), then the rest, quickest first (with ``-x``
    a killed mutant stops at the first failure)."""

    def __init__(self, first: Sequence[str], cost: dict[str, float]) -> None:
        self.rank = {nodeid: i for i, nodeid in enumerate(first)}
        self.cost = cost

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        n = len(self.rank)
        order = {
            id(item): (self.rank.get(item.nodeid, n), self.cost.get(item.nodeid, 0.0), i)
            for i, item in enumerate(items)
        }
        items.sort(key=lambda item: order[id(item)])


class _Coverage:
    """A pytest plugin recording which lines of one file each test executes (the unmutated run only)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: dict[str, set[int]] = {}
        self._current: set[int] | None = None

    def _global(self, frame: Any, event: str, arg: Any) -> Any:
        return self._local if frame.f_code.co_filename == self.filename else None

    def _local(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "line" and self._current is not None:
            self._current.add(frame.f_lineno)
        return self._local

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._current = self.lines.setdefault(nodeid, set())
        sys.settrace(self._global)
        threading.settrace(self._global)

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
        self._current = None


def _child(
    module: str,
    source: str | None,
    tests: Sequence[str],
    drop: set[str],
    first: Sequence[str],
    cost: dict[str, float],
) -> dict[str, Any]:
    """In the forked child: swap the mutant in, run pytest, report what happened."""
    fullname = f"{PACKAGE}.{module}"
    for name in list(sys.modules):
        if name in drop or name == "tests" or name.startswith("tests."):
            del sys.modules[name]
    if source is not None:
        sys.meta_path.insert(0, _MutantFinder(fullname, source, str(module_file(module))))
    try:
        importlib.import_module(PACKAGE)
        importlib.import_module(fullname)
    except BaseException as exc:
        return {"code": 99, "killer": f"import: {type(exc).__name__}"}
    for name, mod in list(sys.modules.items()):
        parent, _, child = name.rpartition(".")
        if parent.startswith(PACKAGE) and parent in sys.modules and not hasattr(sys.modules[parent], child):
            setattr(sys.modules[parent], child, mod)
    import pytest

    recorder = _Recorder()
    plugins: list[Any] = [recorder, _Order(first, cost)]
    coverage = _Coverage(str(module_file(module))) if source is None else None
    if coverage is not None:
        plugins.append(coverage)
    args = ["-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=", *tests]
    code = int(pytest.main(args, plugins=plugins))
    covered = {k: sorted(v) for k, v in coverage.lines.items()} if coverage is not None else None
    seconds = recorder.seconds if source is None else None
    return {"code": code, "killer": recorder.failed, "coverage": covered, "seconds": seconds}


@dataclass
class Outcome:
    code: int | None  # pytest's exit code; None on a timeout
    killer: str | None  # the first test that failed, or what went wrong
    seconds: float
    coverage: dict[str, list[int]] | None = None
    durations: dict[str, float] | None = None  # seconds per test (the unmutated run only)


def _read_pipe(fd: int, into: list[bytes]) -> None:
    """Everything written to the pipe ``fd`` until its writer closes it (then ``fd`` is closed)."""
    with os.fdopen(fd, "rb") as pipe:
        into.append(pipe.read())


def run_in_child(
    module: str,
    source: str | None,
    tests: Sequence[str],
    drop: set[str],
    timeout: float,
    first: Sequence[str] = (),
    cost: dict[str, float] | None = None,
) -> Outcome:
    """Run ``tests`` in a forked child against ``source`` (None: the unmutated module, with coverage)."""
    read, write = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        code = 98
        try:
            os.setpgid(0, 0)
            if not os.environ.get("MOBB_MUTANTS_SHOW"):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
            result = _child(module, source, tests, drop, first, cost or {})
            with os.fdopen(write, "wb") as pipe:
                pipe.write(json.dumps(result).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    # Read while the child runs: its answer (the coverage of a traced run) can outgrow the pipe's
    # buffer, and a child blocked writing it would never exit.
    received: list[bytes] = []
    reader = threading.Thread(target=_read_pipe, args=(read, received), daemon=True)
    reader.start()
    deadline = start + timeout
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        reader.join()
        return Outcome(None, "timeout", time.monotonic() - start)
    reader.join()
    data = b"".join(received)
    elapsed = time.monotonic() - start
    if not data:
        return Outcome(97, f"child died (status {status})", elapsed)
    result = json.loads(data)
    return Outcome(
        int(result["code"]), result["killer"], elapsed, result.get("coverage"), result.get("seconds")
    )


# --- the session -------------------------------------------------------------------------------------------


def _fingerprint(module: str, tests: Sequence[str]) -> str:
    h = hashlib.sha256()
    for rel in (module_file(module).relative_to(ROOT).as_posix(), "tests/conftest.py", *tests):
        p = ROOT / rel
        h.update(rel.encode())
        h.update(p.read_bytes() if p.exists() else b"<absent>")
    return h.hexdigest()[:16]


def _test_sources(tests: Sequence[str]) -> dict[str, str]:
    """Test function name (``file::name``, ``file::Class::name``) -> a hash of its source and decorators."""
    found: dict[str, str] = {}
    for rel in tests:
        path = ROOT / rel
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        scopes: list[tuple[str, list[ast.stmt]]] = [(rel, tree.body)]
        while scopes:
            prefix, body = scopes.pop()
            for node in body:
                if isinstance(node, ast.ClassDef):
                    scopes.append((f"{prefix}::{node.name}", node.body))
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    parts = [ast.get_source_segment(text, d) or "" for d in node.decorator_list]
                    parts.append(ast.get_source_segment(text, node) or "")
                    found[f"{prefix}::{node.name}"] = hashlib.sha256("\n".join(parts).encode()).hexdigest()[
                        :16
                    ]
    return found


def _killer_key(killer: str | None, sources: dict[str, str], base: str) -> str | None:
    """What a kill by ``killer`` depends on: the module, conftest and the killing test's own source."""
    if not killer or not killer.startswith("tests/"):
        return None
    function = sources.get(killer.split("[", 1)[0])
    return None if function is None else f"{base}:{function}"


def load_equivalents() -> dict[str, dict[str, str]]:
    if not EQUIVALENTS.exists():
        return {}
    data = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8"))
    return {e["key"]: e for e in data.get("equivalent", [])}


def _warm_up() -> None:
    """Import the package and compile the bundled XSDs once, in the parent, for every child to share."""
    package = importlib.import_module(PACKAGE)
    if not Path(package.__file__ or "").resolve().is_relative_to(SRC.resolve()):
        raise SystemExit(f"{PACKAGE} was imported from {package.__file__}, not from {SRC}")
    schemas = importlib.import_module(f"{PACKAGE}._schemas")
    cache = schemas.default_schema_set()
    for kind in schemas.DocumentKind:
        with contextlib.suppress(Exception):
            cache.lxml_schema(kind)
            cache.xmlschema_schema(kind)
    for extra in ("hypothesis", "respx", "httpx", "click.testing"):
        with contextlib.suppress(ImportError):
            importlib.import_module(extra)


@dataclass
class Score:
    module: str
    total: int = 0
    killed: int = 0
    excluded: int = 0
    survivors: list[Mutant] = field(default_factory=list)
    seconds: float = 0.0
    ran: int = 0

    @property
    def percent(self) -> float:
        counted = self.total - self.excluded
        return 100.0 * self.killed / counted if counted else 100.0


def _iter_selected(mutants: list[Mutant], match: Sequence[str] | None, limit: int | None) -> Iterator[Mutant]:
    n = 0
    for m in mutants:
        if match and not any(t in m.description or t in m.scope or t == m.key for t in match):
            continue
        if limit is not None and n >= limit:
            return
        n += 1
        yield m


def run_module(module: str, args: argparse.Namespace, equivalents: dict[str, dict[str, str]]) -> Score:
    tests = [t for t in MODULES[module] if (ROOT / t).exists()]
    if not tests:
        raise SystemExit(f"{module}: none of its test files exists ({', '.join(MODULES[module])})")
    drop = dependents_of(f"{PACKAGE}.{module}")
    score = Score(module)
    started = time.monotonic()
    baseline = run_in_child(module, None, tests, drop, timeout=900)
    if baseline.code != 0:
        raise SystemExit(f"{module}: the unmutated tests do not pass ({baseline.killer}); fix them first")
    # The unmutated run was traced (slower): the timeout is 10x it, at least 10 s.
    timeout = args.timeout or max(10.0, 10 * baseline.seconds)
    cost = baseline.durations or {}
    by_line: dict[int, list[str]] = {}
    for nodeid, lines in (baseline.coverage or {}).items():
        for line in lines:
            by_line.setdefault(line, []).append(nodeid)
    cache_file = CACHE_DIR / f"{module}.json"
    cache: dict[str, dict[str, Any]] = {}
    if cache_file.exists() and not args.no_cache:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    fingerprint = _fingerprint(module, tests)
    base = _fingerprint(module, ())  # the module and conftest only
    sources = _test_sources(tests)
    mutants = list(_iter_selected(make_mutants(module), args.match, args.limit))
    print(
        f"{module}: {len(mutants)} mutants, tests {' '.join(tests)} ({baseline.seconds:.1f} s unmutated, traced)",
        flush=True,
    )
    for m in mutants:
        score.total += 1
        if m.key in equivalents:
            score.excluded += 1
            if args.verbose:
                print(f"  equivalent {m.label}")
            continue
        entry = cache.get(m.key)
        if entry and entry.get("fingerprint") == fingerprint:
            killed = entry["killed"]
        elif (
            entry
            and entry.get("killed")
            and not args.no_cache
            and entry.get("killer_key")
            and entry["killer_key"] == _killer_key(entry.get("killer"), sources, base)
        ):
            # The tests changed, but neither the module nor the test that killed this mutant did.
            killed = True
        else:
            previous = entry.get("killer") if entry else None
            first = [previous] if previous and previous.startswith("tests/") else []
            covering = {t for line in range(m.line, m.end_line + 1) for t in by_line.get(line, ())}
            first.extend(sorted(covering - set(first), key=lambda t: cost.get(t, 0.0)))
            outcome = run_in_child(module, m.source, tests, drop, timeout, first, cost)
            # Any failure is a kill: a failing test (1), a test module that no longer imports (2), a
            # conftest that no longer imports (4), a timeout (None). The unmutated run passed above.
            killed, killer = outcome.code != 0, outcome.killer or f"pytest exit code {outcome.code}"
            score.ran += 1
            cache[m.key] = {
                "fingerprint": fingerprint,
                "killed": killed,
                "killer": killer,
                "killer_key": _killer_key(killer, sources, base) if killed else None,
                "label": m.label,
            }
            if args.verbose:
                print(f"    {outcome.seconds:.1f} s, {killer}")
            if score.ran % 20 == 0:
                _save(cache_file, cache)
        if killed:
            score.killed += 1
        else:
            score.survivors.append(m)
        if args.verbose or not killed:
            print(f"  {'killed  ' if killed else 'SURVIVED'} {m.label}", flush=True)
    _save(cache_file, cache)
    score.seconds = time.monotonic() - started
    return score


def _save(path: Path, cache: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _snapshot() -> Path:
    """Copy the checkout (sources, tests, data, docs) to a temporary directory and work there: a run
    takes long, and the checkout may change under it (an edit, a rebase). The copy gets the spec beside
    it, as the checkout has (``../shared``)."""
    global ROOT, SRC, CACHE_DIR
    base = Path(tempfile.mkdtemp(prefix="mobb-mutants-"))
    copy_root = base / "repo"
    shutil.copytree(ROOT, copy_root, ignore=shutil.ignore_patterns(*_NOT_COPIED), symlinks=True)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (base / "shared").symlink_to(shared.resolve())
    CACHE_DIR = ROOT / ".mutants-cache"  # the cache stays with the checkout
    ROOT, SRC = copy_root, copy_root / "src"
    return base


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--module", action="append", choices=sorted(MODULES), help="a module to mutate")
    parser.add_argument("--limit", type=int, help="at most this many mutants per module")
    parser.add_argument(
        "--match",
        action="append",
        help="only mutants whose description, scope or key contains this (repeatable)",
    )
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 10x the unmutated run)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--no-cache", action="store_true", help="ignore cached results")
    parser.add_argument("--min-score", type=float, default=0.0, help="exit 1 if a module scores below this")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    modules = args.module or list(DEFAULT_MODULES)
    equivalents = load_equivalents()
    if args.list:
        for module in modules:
            for m in _iter_selected(make_mutants(module), args.match, args.limit):
                mark = "  (equivalent)" if m.key in equivalents else ""
                print(m.label + mark)
        return 0
    with contextlib.suppress(OSError):
        os.nice(15)
    base = _snapshot()
    try:
        sys.path[:0] = [str(SRC), str(ROOT)]  # the package from the copy's src/, its tests as ``tests``
        os.chdir(ROOT)
        _warm_up()
        scores = [run_module(module, args, equivalents) for module in modules]
    finally:
        os.chdir(CACHE_DIR.parent)
        shutil.rmtree(base, ignore_errors=True)
    print("\nmodule        mutants  equivalent  killed  survived   score    time")
    for s in scores:
        print(
            f"{s.module:<12} {s.total:>8} {s.excluded:>11} {s.killed:>7} {len(s.survivors):>9}"
            f"  {s.percent:>5.1f}%  {s.seconds:>6.0f} s"
        )
    return 1 if any(s.percent < args.min_score for s in scores) else 0


if __name__ == "__main__":
    sys.exit(main())
