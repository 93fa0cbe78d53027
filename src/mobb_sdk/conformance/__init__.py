"""The vendor conformance suite: a product proves it delivers to the Berichtenbox correctly.

A zaaksysteem or DMS (in any language) runs the suite against itself through an adapter, in its own
CI, before it connects to Logius; the report is its evidence for a municipality. Install it with
``pip install "mobb-sdk[conformance]"`` and run it with ``mobb conformance run``, the pytest plugin
(``pytest --mobb-adapter ...``), or from Python::

    from mobb_sdk.conformance import run_suite, write_reports
    from mobb_sdk.conformance.reference import ReferenceAdapter

    result = run_suite(ReferenceAdapter(), mode="all")
    write_reports(result, "reports/")

The case catalogue (``conformance/catalogue.toml``), the adapter protocol's JSON Schema and examples
ship inside the package (:func:`data_dir`). See ``docs/conformance.md``.
"""

from __future__ import annotations

from mobb_sdk.conformance._adapters import (
    ENTRY_POINT_GROUP,
    Adapter,
    AdapterContext,
    AdapterError,
    AdapterRunner,
    AdapterUnavailable,
    CommandAdapter,
    HttpAdapter,
    PythonAdapter,
    load_adapter,
)
from mobb_sdk.conformance._catalogue import (
    CAPABILITIES,
    PROTOCOL,
    Case,
    Catalogue,
    Expect,
    Mode,
    data_dir,
    load_catalogue,
)
from mobb_sdk.conformance._contract import Exchange, wire_examples
from mobb_sdk.conformance._evidence import Evidence
from mobb_sdk.conformance._protocol import protocol_schema, schema_errors
from mobb_sdk.conformance._reports import (
    LANGUAGES,
    as_dict,
    render_html,
    reproduce_command,
    write_html,
    write_json,
    write_junit,
    write_reports,
)
from mobb_sdk.conformance._results import CaseResult, RunInfo, SuiteResult, Verdict
from mobb_sdk.conformance._runner import check_exported, export_cases, run_case, run_suite
from mobb_sdk.conformance._vendor import Capabilities, ExpectedFailures, Product

__all__ = [
    "CAPABILITIES",
    "ENTRY_POINT_GROUP",
    "LANGUAGES",
    "PROTOCOL",
    "Adapter",
    "AdapterContext",
    "AdapterError",
    "AdapterRunner",
    "AdapterUnavailable",
    "Capabilities",
    "Case",
    "CaseResult",
    "Catalogue",
    "CommandAdapter",
    "Evidence",
    "Exchange",
    "Expect",
    "ExpectedFailures",
    "HttpAdapter",
    "Mode",
    "Product",
    "PythonAdapter",
    "RunInfo",
    "SuiteResult",
    "Verdict",
    "as_dict",
    "check_exported",
    "data_dir",
    "export_cases",
    "load_adapter",
    "load_catalogue",
    "protocol_schema",
    "render_html",
    "reproduce_command",
    "run_case",
    "run_suite",
    "schema_errors",
    "wire_examples",
    "write_html",
    "write_json",
    "write_junit",
    "write_reports",
]
