"""``validate()``: the bundled XSDs plus the Logius rules, on a document or a model, in one call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from mobb_sdk._codec import (
    T_ENVELOPE,
    T_FAULT,
    Model,
    batch_skeleton_valid,
    document_kind,
    from_tree,
    soap_body_child,
    to_tree,
)
from mobb_sdk._errors import DocumentTypeError, ValidationError
from mobb_sdk._ids import Oin
from mobb_sdk._models import Batch, Bericht
from mobb_sdk._rules import SenderProfile, check_batch, check_bericht
from mobb_sdk._schemas import DocumentKind, fault_kind, kind_of
from mobb_sdk._violations import Report, Violation
from mobb_sdk._xml import XmlSource, parse_xml
from mobb_sdk._xsd_validation import Backend, validate_tree

__all__ = ["validate", "validate_letters"]

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


def validate_letters(
    berichten: Sequence[Bericht], profile: SenderProfile, *, afzender: Oin, now: datetime | None = None
) -> list[list[Violation]]:
    """Each letter's violations as a letter of its own (errors and warnings; entry ``i`` is letter ``i``'s).

    One XSD pass over the letters' skeleton (attachment content is non-empty bytes by the model), then
    the per-letter rules at one moment (``now``, default ``profile.now()``); batch-level rules are not
    asked: the letters are not a batch yet. The outbox (enqueue) and the letters reader share it.
    """
    if not berichten:
        return []
    at = profile.now() if now is None else now
    found: list[list[Violation]] = [[] for _ in berichten]
    for v in batch_skeleton_valid(Batch(afzender=afzender, berichten=list(berichten))):
        found[v.letter if v.letter is not None else 0].append(v)
    for i, bericht in enumerate(berichten):
        found[i].extend(check_bericht(bericht, profile, now=at))
    return found
