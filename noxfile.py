"""Development sessions for mobb-sdk: ``nox -l`` lists them, ``nox -s NAME`` runs one.

Every session installs into its own virtualenv under ``.nox/`` (reused between runs). Sessions run with
the interpreter nox runs on (Python 3.11 or newer); none of them needs the network except to install
packages.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
LINT_PATHS = ["src", "tests", "benchmarks", "docs", "noxfile.py"]

nox.needs_version = ">=2024.4"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["tests", "lint", "typing", "docs", "wheel", "conformance"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite against an installed (non-editable) copy of the package; posargs go to pytest."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting (check only, nothing is rewritten)."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", *LINT_PATHS)
    session.run("ruff", "format", "--check", *LINT_PATHS)


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict over the library, as configured in pyproject.toml."""
    session.install("-e", ".[dev]")
    session.run("mypy", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the HTML docs with warnings as errors, then run every example in them (doctest builder)."""
    session.install(".[docs,zgw]")  # zgw: the adapter's API reference imports PyJWT
    build = ROOT / "docs" / "_build"
    # -E: read every page afresh, so API pages and generated catalogues follow the installed code.
    session.run("sphinx-build", "-E", "-W", "--keep-going", "-b", "html", "docs", str(build / "html"))
    session.run("sphinx-build", "-E", "-W", "-b", "doctest", "docs", str(build / "doctest"))


@nox.session
def conformance(session: nox.Session) -> None:
    """The vendor conformance suite's self-test, then the whole catalogue through the CLI.

    The tests prove the reference adapter and the compliant variants pass every case and each
    deliberately broken adapter (38 mutants) fails exactly the cases aimed at its defect (plus the
    report writers, the protocol schema against the docs' examples, and command adapters run from a
    shell script and in Node.js). The CLI runs write the reports a vendor would get into
    ``.nox/conformance-reports`` (reference adapter) and ``.nox/conformance-reports-node`` (Node.js).
    """
    session.install(".[test,conformance]")
    tests = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_conformance_*.py"))
    # MOBB_CONFORMANCE_FULL: every mutant and every compliant variant runs the whole catalogue (about
    # 2 minutes); the plain pytest run checks each mutant on its aimed cases only.
    session.run(
        "pytest", "-p", "no:cacheprovider", *(session.posargs or tests), env={"MOBB_CONFORMANCE_FULL": "1"}
    )
    reports = ROOT / ".nox" / "conformance-reports"
    session.run(
        "python",
        "-m",
        "mobb_sdk.conformance",
        "run",
        "--adapter",
        "mobb_sdk.conformance.reference:ReferenceAdapter",
        "--product",
        "mobb-sdk reference adapter",
        "--product-version",
        session.run("python", "-c", "import mobb_sdk; print(mobb_sdk.__version__)", silent=True).strip(),
        "--report-dir",
        str(reports),
        "-q",
    )
    # The Node.js example adapter (no mobb-sdk, Node's standard library only) runs the whole catalogue.
    if shutil.which("node") is None:
        session.error(
            "the conformance session needs Node.js 20 (node on PATH) for the Node.js example adapter"
        )
    session.run(
        "python",
        "-m",
        "mobb_sdk.conformance",
        "run",
        "--adapter",
        "cmd:node conformance/examples/node/adapter.mjs",
        "--report-dir",
        str(ROOT / ".nox" / "conformance-reports-node"),
        "-q",
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Run every ``benchmarks/bench_*.py`` script; posargs are passed to each script."""
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    if not scripts:
        session.skip("no benchmarks/bench_*.py scripts")
    # ebms-adapter-client: a benchmark-only baseline of bench_send.py (never a dependency of mobb-sdk).
    session.install(".", "ebms-adapter-client==0.3.0")
    for script in scripts:
        session.run("python", str(script), *session.posargs)


@nox.session
def wheel(session: nox.Session) -> None:
    """Build the wheel, install it into a fresh venv outside the source tree and run the smoke script.

    The smoke script runs with that venv's interpreter in isolated mode (``-I``: no PYTHONPATH, no user
    site, no script directory on ``sys.path``) from a temporary working directory, so only the installed
    wheel can be imported.
    """
    smoke = ROOT / "tests" / "smoke" / "wheel_smoke.py"
    tmp = Path(tempfile.mkdtemp(prefix="mobb-wheel-"))
    try:
        dist = tmp / "dist"
        session.run("python", "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(ROOT))
        wheels = sorted(dist.glob("mobb_sdk-*.whl"))
        if len(wheels) != 1:
            session.error(f"expected one mobb_sdk wheel in {dist}, found {[w.name for w in wheels]}")
        venv = tmp / "venv"
        session.run("python", "-m", "venv", str(venv))
        bindir = "Scripts" if sys.platform == "win32" else "bin"
        python = str(venv / bindir / "python")
        session.run(python, "-m", "pip", "install", "--quiet", str(wheels[0]), external=True)
        with session.chdir(tmp):
            session.run(
                python,
                "-I",
                str(smoke),
                "--source-tree",
                str(ROOT),
                external=True,
                env={"PYTHONPATH": None},
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the core modules (tests/mutation/run.py): the score per module.

    Slow (several minutes per module on a busy machine; it lowers its own priority); not part of CI.
    Results are cached in ``.mutants-cache/``, so a rerun pays only for what changed. posargs go to the
    runner: ``--module _ids``, ``--limit N``, ``--match TEXT``, ``--list``, ``--min-score 90``, ``-v``.
    """
    session.install("-e", ".[test]")
    session.run("python", str(ROOT / "tests" / "mutation" / "run.py"), *session.posargs)
