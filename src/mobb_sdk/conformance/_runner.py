"""Running the suite: every selected case against an adapter, or the offline check of exported cases.

Per case: skip it when the product lacks a capability it needs; otherwise run it (document or live
mode), turn its evidence into a verdict, and apply the vendor's expected failures. The result carries
what a report states: the suite and catalogue versions, the schema manifest hash, the product.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from mobb_sdk import SCHEMA_VERSION, ConfigurationError, __version__, manifest_hash
from mobb_sdk.conformance._adapters import (
    Adapter,
    AdapterContext,
    AdapterError,
    AdapterRunner,
    AdapterUnavailable,
    PythonAdapter,
)
from mobb_sdk.conformance._catalogue import Case, Catalogue, Mode, load_catalogue
from mobb_sdk.conformance._document import check_document_answer, document_request
from mobb_sdk.conformance._evidence import Evidence
from mobb_sdk.conformance._inputs import AttachmentStore
from mobb_sdk.conformance._live import SubscriptionLedger, run_live_case
from mobb_sdk.conformance._protocol import validate_message
from mobb_sdk.conformance._results import CaseResult, RunInfo, SuiteResult, Verdict
from mobb_sdk.conformance._vendor import Capabilities, ExpectedFailures, Product

__all__ = ["check_exported", "export_cases", "run_info", "run_suite"]

#: The file ``export_cases`` writes next to the inputs: versions, moment and each input's SHA-256.
EXPORT_MANIFEST: Final = "export.json"
_OUTPUT_RE: Final = re.compile(r"(MOBB-DOC-\d{3})(?:\.(\d+))?\.xml")

Progress = Callable[[CaseResult], None]


def _verdict(
    case: Case,
    evidence: list[Evidence],
    seconds: float,
    expected: ExpectedFailures,
) -> CaseResult:
    failed = any(not e.ok for e in evidence)
    reason = expected.reason(case.id)
    if failed:
        verdict = Verdict.XFAILED if reason else Verdict.FAILED
    else:
        verdict = Verdict.XPASSED if reason else Verdict.PASSED
        if reason:
            reason = f"listed as an expected failure ({reason}) but passed: remove it from the file"
    return CaseResult(case, verdict, tuple(evidence), seconds, reason)


def _skipped(case: Case, capabilities: Capabilities) -> CaseResult | None:
    missing = capabilities.missing(case.needs)
    if not missing:
        return None
    return CaseResult(
        case, Verdict.SKIPPED, reason=f"needs {', '.join(missing)}, which the product does not declare"
    )


def _as_runner(adapter: AdapterRunner | Adapter) -> AdapterRunner:
    if isinstance(adapter, Adapter):
        return PythonAdapter(adapter)
    return adapter


def _run_document_case(
    case: Case, catalogue: Catalogue, adapter: AdapterRunner, workdir: Path, inline: bool
) -> list[Evidence]:
    store = AttachmentStore(workdir / "attachments")
    request = document_request(case, catalogue, datetime.now(UTC), store, inline=inline)
    try:
        answer = adapter.call(request, AdapterContext(workdir), 300.0)
    except AdapterError as exc:
        return [Evidence("adapter", str(exc))]
    problems = validate_message(answer, "document_response")
    if problems:
        return problems
    assert isinstance(answer, Mapping)  # noqa: S101  (validated)
    return check_document_answer(case, request, answer, workdir)


def run_case(
    case: Case,
    adapter: AdapterRunner | Adapter,
    *,
    catalogue: Catalogue | None = None,
    capabilities: Capabilities | None = None,
    expected_failures: ExpectedFailures | None = None,
    workdir: Path | None = None,
    inline_attachments: bool = False,
    ledger: SubscriptionLedger | None = None,
) -> CaseResult:
    """Run one case and decide its verdict.

    ``ledger``: the subscription checks of the cases run before it in the same run (a product may reuse
    them for 7 days, ABO-01); it gets this case's checks too.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue()
    skipped = _skipped(case, capabilities if capabilities is not None else Capabilities.all())
    if skipped is not None:
        return skipped
    runner = _as_runner(adapter)
    scratch = Path(tempfile.mkdtemp(prefix=f"{case.id}-", dir=workdir))
    started = time.perf_counter()
    try:
        if case.mode is Mode.DOCUMENT:
            evidence = _run_document_case(case, catalogue, runner, scratch, inline_attachments)
        else:
            evidence = run_live_case(
                case, catalogue, runner, scratch, inline=inline_attachments, ledger=ledger
            )
    except AdapterUnavailable:
        raise  # the adapter cannot run at all: no case can tell anything, stop the run
    except Exception as exc:  # a bug of the suite must still leave a readable report
        evidence = [
            Evidence(
                "suite error",
                f"the suite failed on this case ({type(exc).__name__}: {exc}); please report it",
            )
        ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return _verdict(case, evidence, time.perf_counter() - started, expected_failures or ExpectedFailures())


def run_info(
    catalogue: Catalogue,
    product: Product,
    adapter: str,
    mode: str,
    started: datetime,
    selected: Iterable[str] = (),
) -> RunInfo:
    """What a run records about itself: versions, the adapter, the mode, its start and the selected cases."""
    return RunInfo(
        suite_version=__version__,
        catalogue_version=catalogue.version,
        schema_version=SCHEMA_VERSION,
        manifest_hash=manifest_hash(),
        product_name=product.name,
        product_version=product.version,
        adapter=adapter,
        mode=mode,
        started=started,
        finished=datetime.now(UTC),
        selected=tuple(selected),
    )


def _modes(mode: str) -> Mode | None:
    if mode == "all":
        return None
    try:
        return Mode(mode)
    except ValueError:
        raise ConfigurationError(f"mode is document, live or all, not {mode!r}") from None


def run_suite(
    adapter: AdapterRunner | Adapter,
    *,
    mode: str = "all",
    catalogue: Catalogue | None = None,
    capabilities: Capabilities | None = None,
    expected_failures: ExpectedFailures | None = None,
    product: Product | None = None,
    case_ids: Iterable[str] | None = None,
    inline_attachments: bool = False,
    progress: Progress | None = None,
) -> SuiteResult:
    """Run the catalogue's cases of ``mode`` (``document``, ``live`` or ``all``) against ``adapter``.

    Raises :class:`AdapterUnavailable` (a :class:`~mobb_sdk.ConfigurationError`) when the adapter cannot
    run at all: that is never counted as a failed case, nor as an expected failure.

    ``capabilities`` defaults to all (nothing skipped); ``product`` defaults to the capabilities file's
    ``[product]``. ``progress`` is called with each case's result as it is decided.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue()
    capabilities = capabilities if capabilities is not None else Capabilities.all()
    case_ids = tuple(case_ids) if case_ids is not None else None
    runner = _as_runner(adapter)
    started = datetime.now(UTC)
    results = []
    ledger = SubscriptionLedger()
    with tempfile.TemporaryDirectory(prefix="mobb-conformance-") as tmp:
        for case in catalogue.select(_modes(mode), case_ids):
            result = run_case(
                case,
                runner,
                catalogue=catalogue,
                capabilities=capabilities,
                expected_failures=expected_failures,
                workdir=Path(tmp),
                inline_attachments=inline_attachments,
                ledger=ledger,
            )
            results.append(result)
            if progress is not None:
                progress(result)
    product = product or capabilities.product or Product()
    info = run_info(catalogue, product, runner.description, mode, started, case_ids or ())
    return SuiteResult(info, tuple(results))


# --- offline document mode ---------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_cases(
    directory: str | Path,
    *,
    catalogue: Catalogue | None = None,
    capabilities: Capabilities | None = None,
    case_ids: Iterable[str] | None = None,
) -> list[Path]:
    """Write each document case's inputs as ``<case id>.json`` (a document-mode request) into ``directory``,
    with the attachments under ``attachments/`` (paths in the JSON are relative to ``directory``) and
    ``export.json`` (versions, the delivery moment, each input's SHA-256). Returns the input files.

    The product then writes, per case, ``<case id>.xml`` (or ``<case id>.1.xml``, ``.2.xml``, ... for
    several batches) or ``<case id>.refusal.json``; :func:`check_exported` judges them.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue()
    capabilities = capabilities if capabilities is not None else Capabilities.all()
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    store = AttachmentStore(root / "attachments")
    delivery = datetime.now(UTC).replace(microsecond=0)
    written: list[Path] = []
    hashes: dict[str, str] = {}
    for case in catalogue.select(Mode.DOCUMENT, case_ids):
        if capabilities.missing(case.needs):
            continue
        request = document_request(case, catalogue, delivery, store, relative_to=root)
        path = root / f"{case.id}.json"
        path.write_text(json.dumps(request, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        hashes[case.id] = _sha256(path)
        written.append(path)
    manifest = {
        "suite_version": __version__,
        "catalogue_version": catalogue.version,
        "delivery_moment": delivery.isoformat(),
        "cases": hashes,
    }
    (root / EXPORT_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return written


def _offline_answer(case_id: str, out: Path) -> tuple[dict[str, Any] | None, list[Evidence]]:
    refusal = out / f"{case_id}.refusal.json"
    documents = sorted(
        (int(m.group(2) or 0), p)
        for p in out.glob(f"{case_id}*.xml")
        if (m := _OUTPUT_RE.fullmatch(p.name)) and m.group(1) == case_id
    )
    if refusal.exists() and documents:
        return None, [
            Evidence("output", f"both {refusal.name} and batch XML exist: produce one or the other")
        ]
    if refusal.exists():
        try:
            answer = json.loads(refusal.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return None, [Evidence("output", f"{refusal.name} is not JSON: {exc}")]
        problems = validate_message(answer, "document_response")
        return (None, problems) if problems else (answer, [])
    if not documents:
        return None, [Evidence("output", f"no {case_id}.xml and no {case_id}.refusal.json was written")]
    return {"case_id": case_id, "documents": [{"path": str(p.resolve())} for _, p in documents]}, []


def check_exported(
    directory: str | Path,
    *,
    output: str | Path | None = None,
    catalogue: Catalogue | None = None,
    capabilities: Capabilities | None = None,
    expected_failures: ExpectedFailures | None = None,
    product: Product | None = None,
    progress: Progress | None = None,
) -> SuiteResult:
    """Judge what a product wrote for the cases :func:`export_cases` put in ``directory``.

    Outputs are looked for in ``output`` (default: ``directory`` itself). The windows are judged at the
    delivery moment of the export. An input file that changed since the export fails its case.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue()
    capabilities = capabilities if capabilities is not None else Capabilities.all()
    root = Path(directory)
    out = Path(output) if output is not None else root
    try:
        manifest = json.loads((root / EXPORT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"{root} holds no readable {EXPORT_MANIFEST} (run `mobb conformance export` first): {exc}"
        ) from None
    if manifest.get("catalogue_version") != catalogue.version:
        raise ConfigurationError(
            f"the export is of catalogue {manifest.get('catalogue_version')}, this suite has {catalogue.version}: export again"
        )
    started = datetime.now(UTC)
    results = []
    for case_id, digest in manifest["cases"].items():
        case = catalogue.get(case_id)
        result = _skipped(case, capabilities)
        if result is None:
            began = time.perf_counter()
            request_path = root / f"{case_id}.json"
            evidence: list[Evidence]
            if not request_path.exists() or _sha256(request_path) != digest:
                evidence = [Evidence("input", f"{request_path.name} is missing or changed since the export")]
            else:
                request = json.loads(request_path.read_text(encoding="utf-8"))
                answer, evidence = _offline_answer(case_id, out)
                if answer is not None:
                    evidence = check_document_answer(case, request, answer, root)
            result = _verdict(
                case, evidence, time.perf_counter() - began, expected_failures or ExpectedFailures()
            )
        results.append(result)
        if progress is not None:
            progress(result)
    product = product or capabilities.product or Product()
    return SuiteResult(run_info(catalogue, product, f"offline: {out}", "document", started), tuple(results))
