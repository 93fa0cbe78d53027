"""``validate()``: the bundled XSDs plus the Logius rules, on a document or a model, in one call."""

from __future__ import annotations

from typing import Any

from lxml import etree

from mobb_sdk._codec import T_ENVELOPE, T_FAULT, Model, document_kind, from_tree, soap_body_child, to_tree
from mobb_sdk._errors import DocumentTypeError, ValidationError
from mobb_sdk._models import Batch
from mobb_sdk._rules import SenderProfile, check_batch
from mobb_sdk._schemas import DocumentKind, fault_kind, kind_of
from mobb_sdk._violations import Report
from mobb_sdk._xml import XmlSource, parse_xml
from mobb_sdk._xsd_validation import Backend, validate_tree

__all__ = ["validate"]

_MODELS = (Batch, *Model.__args__)


def _root_of(document: XmlSource | etree._ElementTree | etree._Element) -> etree._Element:
    if isinstance(document, etree._ElementTree):
        root = document.getroot()
    elif isinstance(document, etree._Element):
        root = document
    else:
        root = parse_xml(document).getroot()
    if root.tag == T_ENVELOPE:
        root = soap_body_child(root)
        if root.tag == T_FAULT:
            # The fault's detail (sh:ApplicationFault or sh:DependentServiceFault) is what has a schema.
            detail = root.find("detail")
            children = [] if detail is None else [c for c in detail if isinstance(c.tag, str)]
            if len(children) != 1:
                raise DocumentTypeError(
                    "a SOAP Fault without one detail element has no schema of the interface to validate against"
                )
            root = children[0]
    return root


def _kind(root: etree._Element) -> DocumentKind:
    try:
        return kind_of(root)
    except DocumentTypeError:
        try:
            return fault_kind(root)
        except DocumentTypeError:
            pass
        raise


def validate(
    document: Model | XmlSource | etree._ElementTree | etree._Element,
    *,
    profile: SenderProfile | None = None,
    backend: Backend = Backend.LXML,
) -> Report:
    """Check a document or model against the bundled XSDs and, for a batch, every local Logius rule.

    ``document`` may be a model, XML bytes, a ``str`` holding XML, a :class:`pathlib.Path`, a binary file,
    or an lxml tree or element; a WUS document may come in its SOAP envelope, and a SOAP Fault is checked
    by its detail (``sh:ApplicationFault`` / ``sh:DependentServiceFault``, also accepted on their own). ``profile`` gives what
    depends on the sender's setup (its OIN, active BerichtTypes, the clock). The :class:`Report` lists
    every violation with its rule id and path; a document that cannot be read at all raises
    :class:`~mobb_sdk.XmlError`.
    """
    if isinstance(document, _MODELS):
        model: Any = document
        report = validate_tree(to_tree(model), document_kind(model), backend)
        if isinstance(model, Batch) and report.ok:
            report = report.merged(check_batch(model, profile).violations)
        return report
    root = _root_of(document)  # type: ignore[arg-type]
    kind = _kind(root)
    report = validate_tree(root, kind, backend)
    if not report.ok or kind.is_fault:
        return report
    try:
        parsed = from_tree(root, validate=False)
    except ValidationError as exc:
        return report.merged(exc.violations)
    if kind is DocumentKind.BATCH:
        assert isinstance(parsed, Batch)  # noqa: S101  (the kind says so)
        report = report.merged(check_batch(parsed, profile).violations)
    return report
