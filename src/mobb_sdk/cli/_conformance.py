"""``mobb conformance``: run the vendor conformance suite, export and check document-mode cases, list the catalogue.

Exit codes: 0 every case as expected (passed, skipped, or an expected failure), 1 an unexpected failure
or an unexpected pass, 2 usage or configuration errors (a bad adapter, capabilities or expected-failures
file).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mobb_sdk import ConfigurationError
from mobb_sdk.cli._output import Exit, emit_json, table

if TYPE_CHECKING:
    from mobb_sdk.conformance import (
        Capabilities,
        CaseResult,
        Catalogue,
        ExpectedFailures,
        Product,
        SuiteResult,
    )

__all__ = ["conformance_group"]

F = TypeVar("F", bound=Callable[..., Any])


def _usage(exc: ConfigurationError) -> click.UsageError:
    return click.UsageError(str(exc))


def _progress(quiet: bool) -> Callable[[CaseResult], None]:
    from mobb_sdk.conformance import Verdict

    def show(result: CaseResult) -> None:
        if quiet and result.verdict is Verdict.PASSED:
            return
        line = f"{result.case.id}  {result.verdict.value:<16} {result.seconds:6.2f}s"
        if result.verdict is not Verdict.PASSED:
            line += f"  {result.summary}"
        click.echo(line)

    return show


def _finish(result: SuiteResult, report_dir: Path | None, as_json: bool, lang: str = "en") -> None:
    from mobb_sdk.conformance import as_dict, write_reports

    if report_dir is not None:
        written = write_reports(result, report_dir, lang)
        if not as_json:
            for kind, path in written.items():
                click.echo(f"{kind} report: {path}")
    if as_json:
        emit_json(as_dict(result))
    else:
        counts = ", ".join(f"{n} {v}" for v, n in result.counts.items() if n)
        verdict = "as expected" if result.ok else f"{len(result.unexpected)} unexpected"
        click.echo(f"{len(result.results)} case(s): {counts} -> {verdict}")
    raise SystemExit(int(Exit.OK if result.ok else Exit.VIOLATIONS))


def _vendor(
    capabilities: Path | None, expected_failures: Path | None, product: str | None, version: str | None
) -> tuple[Catalogue, Capabilities, ExpectedFailures | None, Product]:
    from mobb_sdk.conformance import Capabilities, ExpectedFailures, Product, load_catalogue

    catalogue = load_catalogue()
    caps = Capabilities.load(capabilities) if capabilities is not None else Capabilities.all()
    xfails = ExpectedFailures.load(expected_failures, catalogue) if expected_failures is not None else None
    declared = caps.product or Product()
    who = Product(product or declared.name, version or declared.version)
    return catalogue, caps, xfails, who


_VENDOR_OPTIONS = [
    click.option(
        "--capabilities",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="TOML/JSON file: [capabilities] the product supports, [product] name and version.",
    ),
    click.option(
        "--expected-failures",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="TOML/JSON file of [[expected_failure]] case ids with a reason.",
    ),
    click.option("--product", help="Product name for the reports (overrides the capabilities file)."),
    click.option("--product-version", help="Product version for the reports."),
    click.option(
        "--report-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write conformance-junit.xml, conformance.json and conformance.html here.",
    ),
    click.option(
        "--lang",
        type=click.Choice(["en", "nl"]),
        default="en",
        show_default=True,
        help="Language of the HTML report (English or Dutch).",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print the JSON report instead of a summary."),
    click.option("-q", "--quiet", is_flag=True, help="Print only cases that did not pass."),
]


def _vendor_options(f: F) -> F:
    for option in reversed(_VENDOR_OPTIONS):
        f = option(f)
    return f


@click.group("conformance")
def conformance_group() -> None:
    """The vendor conformance suite: prove a product delivers to the Berichtenbox correctly."""


@conformance_group.command("run")
@click.option(
    "--adapter",
    required=True,
    help="module:Class, an entry point name, cmd:<command line> (JSON on stdin/stdout), or an http(s) URL.",
)
@click.option("--mode", type=click.Choice(["document", "live", "all"]), default="all", show_default=True)
@click.option("--case", "case_ids", multiple=True, help="Run only this case (repeatable).")
@click.option(
    "--serve", is_flag=True, help="Python adapters: use the served simulator, not the in-process one."
)
@click.option("--inline-attachments", is_flag=True, help="Also send attachments base64 in the requests.")
@_vendor_options
def run_command(
    adapter: str,
    mode: str,
    case_ids: tuple[str, ...],
    serve: bool,
    inline_attachments: bool,
    capabilities: Path | None,
    expected_failures: Path | None,
    product: str | None,
    product_version: str | None,
    report_dir: Path | None,
    lang: str,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run the catalogue's cases against a product through its adapter.

    A relative command of a cmd: adapter (./adapter.sh) is resolved against the current directory. An
    adapter that cannot run at all stops the run with exit status 2.
    """
    from mobb_sdk.conformance import load_adapter, run_suite

    try:
        catalogue, caps, xfails, who = _vendor(capabilities, expected_failures, product, product_version)
        runner = load_adapter(adapter, serve=serve)
        for case_id in case_ids:
            catalogue.get(case_id)
    except ConfigurationError as exc:
        raise _usage(exc) from None
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    try:
        result = run_suite(
            runner,
            mode=mode,
            catalogue=catalogue,
            capabilities=caps,
            expected_failures=xfails,
            product=who,
            case_ids=case_ids or None,
            inline_attachments=inline_attachments,
            progress=None if as_json else _progress(quiet),
        )
    except ConfigurationError as exc:
        raise _usage(exc) from None
    _finish(result, report_dir, as_json, lang)


@conformance_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--capabilities",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Export only the cases the product can do.",
)
def export_command(directory: Path, capabilities: Path | None) -> None:
    """Write the document-mode inputs (<case>.json and attachments/) for a product to process offline.

    The product writes <case>.xml (or <case>.1.xml, <case>.2.xml, ...) or <case>.refusal.json next to
    each input; then run `mobb conformance check DIRECTORY`. Produce the outputs within the hour: the
    13-day windows count from the moment of export.
    """
    from mobb_sdk.conformance import Capabilities, export_cases

    try:
        caps = Capabilities.load(capabilities) if capabilities is not None else None
    except ConfigurationError as exc:
        raise _usage(exc) from None
    written = export_cases(directory, capabilities=caps)
    click.echo(f"{len(written)} case input(s) written to {directory}")


@conformance_group.command("check")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--output",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Where the product wrote its files (default: DIRECTORY).",
)
@_vendor_options
def check_command(
    directory: Path,
    output: Path | None,
    capabilities: Path | None,
    expected_failures: Path | None,
    product: str | None,
    product_version: str | None,
    report_dir: Path | None,
    lang: str,
    as_json: bool,
    quiet: bool,
) -> None:
    """Check the batches and refusals a product wrote for exported document-mode cases."""
    from mobb_sdk.conformance import check_exported

    try:
        catalogue, caps, xfails, who = _vendor(capabilities, expected_failures, product, product_version)
        result = check_exported(
            directory,
            output=output,
            catalogue=catalogue,
            capabilities=caps,
            expected_failures=xfails,
            product=who,
            progress=None if as_json else _progress(quiet),
        )
    except ConfigurationError as exc:
        raise _usage(exc) from None
    _finish(result, report_dir, as_json, lang)


@conformance_group.command("catalogue")
@click.option("--mode", type=click.Choice(["document", "live", "all"]), default="all", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def catalogue_command(mode: str, as_json: bool) -> None:
    """List the cases: id, rules, capabilities needed, title."""
    from mobb_sdk.conformance import Mode, load_catalogue

    catalogue = load_catalogue()
    cases = catalogue.select(None if mode == "all" else Mode(mode))
    if as_json:
        emit_json(
            {
                "catalogue_version": catalogue.version,
                "cases": [
                    {
                        "id": c.id,
                        "mode": c.mode.value,
                        "rules": list(c.rules),
                        "needs": sorted(c.needs),
                        "title": c.title,
                    }
                    for c in cases
                ],
                "retired": dict(catalogue.retired),
            }
        )
        return
    click.echo(f"catalogue {catalogue.version}: {len(cases)} case(s)")
    rows = [(c.id, ", ".join(c.rules), ", ".join(sorted(c.needs)) or "-", c.title) for c in cases]
    click.echo(table(rows, ["case", "rules", "needs", "title"]))
