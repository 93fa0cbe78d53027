"""Validate a document against the bundled XSDs, with lxml (the default) or xmlschema.

Both backends give the same verdict and the same violations, (rule id, path), for the same document:

- ``path`` (and ``xpath``) is the element path of local names from the validated root, with a 1-based
  position where siblings share the local name: ``/Berichten/Bericht[4]/BerichtInformatie/Onderwerp``.
  A wrong or unexpected element is reported at that element; missing children at their parent.
- ``rule``: in a batch, an element's own value error carries the rule of that element (``Onderwerp`` ->
  ``BER-05``, ...); too many or too few ``Bericht`` / ``Bijlage`` carry ``BATCH-01`` / ``BIJ-01``;
  everything else (wrong element, order, missing element, any other document) is ``XSD``.
- ``message`` is the backend's text, cleaned: namespaces shown as the spec's prefixes, and any 9-digit
  number (possibly a BSN) masked.

Only the first content error of an element is kept (libxml2 stops checking a content model there;
xmlschema goes on guessing), and one violation per (rule, path).

The lxml path is what every send runs: a valid document costs one libxml2 validation; the mapping of
errors to elements is done only when there are errors. For a batch or a result that one validation
leaves the GUIDs' pattern out and the GUIDs are checked in one pass (:func:`valid_but_guids`,
:func:`guid_bytes`); a document that does not pass that way is validated again with the full schema,
which gives the verdict and the violations.
"""

from __future__ import annotations

import copy
import enum
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple, Protocol, cast

from lxml import etree

from mobb_sdk._errors import mask_digits
from mobb_sdk._ids import ascii_guid_bytes, mask_bsn
from mobb_sdk._namespaces import BER, BVS
from mobb_sdk._schemas import NAMESPACES, DocumentKind, SchemaSet, default_schema_set, kind_of
from mobb_sdk._violations import Report, Severity, Violation

if TYPE_CHECKING:  # xmlschema loads only when its backend is first used (about 100 ms to import)
    import xmlschema
    from xmlschema.validators.exceptions import XMLSchemaValidationError

__all__ = ["Backend", "element_path", "guid_bytes", "is_valid", "valid_but_guids", "validate_tree"]

NS_BVS = BVS
NS_BER = BER

#: The rule an element's own value error breaks in a batch (spec section 3, rules tables).
VALUE_RULES: Mapping[str, str] = {
    "BatchID": "BATCH-03",
    "AanmaakDatum": "BATCH-04",
    "BerichtLeverancierID": "BATCH-05",
    "BerichtID": "BER-01",
    "BerichtType": "BER-02",
    "PublicatieDatum": "BER-03",
    "EindDatumHandelingsTermijn": "BER-04",
    "Onderwerp": "BER-05",
    "BerichtTekst": "BER-06",
    "Referentie": "BER-08",
    "GebruikerID": "BER-09",
    "SoortGebruiker": "BER-10",
    "Inhoud": "BIJ-06",
    "BijlageType": "BIJ-02",
    "Omschrijving": "BIJ-04",
    "Volgorde": "BIJ-05",
}

XSD_RULE = "XSD"

# (parent tag, child tag, maximum, rule, too many, too few) of the counted children of a batch.
_COUNTS: tuple[tuple[str, str, int, str, str, str], ...] = (
    (
        f"{{{NS_BVS}}}Berichten",
        f"{{{NS_BER}}}Bericht",
        1000,
        "BATCH-01",
        "a batch holds at most 1000 Bericht elements; split it into several batches",
        "a batch holds at least one Bericht",
    ),
    (
        f"{{{NS_BER}}}Bijlagen",
        f"{{{NS_BER}}}Bijlage",
        2,
        "BIJ-01",
        "a letter has at most 2 Bijlage elements",
        "Bijlagen without a Bijlage: leave Bijlagen out when a letter has no attachment",
    ),
)

# libxml2 error types that are about an element's children (content model), not its own value.
_LIBXML2_CONTENT_ERRORS = frozenset(
    {
        "SCHEMAV_ELEMENT_CONTENT",
        "SCHEMAV_CVC_COMPLEX_TYPE_2_1",  # element declared empty has content
        "SCHEMAV_CVC_COMPLEX_TYPE_2_3",  # character data in element-only content
        "SCHEMAV_CVC_COMPLEX_TYPE_2_4",  # unexpected or missing child
    }
)

_MAX_MESSAGE = 600


class Backend(enum.Enum):
    """The XSD engine: lxml (libxml2, fast, the default) or xmlschema (pure Python, a second opinion)."""

    LXML = "lxml"
    XMLSCHEMA = "xmlschema"


class _LogEntry(Protocol):
    """The part of lxml's ``_LogEntry`` used here (lxml-stubs leave the error log untyped)."""

    @property
    def message(self) -> str: ...
    @property
    def type_name(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def path(self) -> str | None: ...


class _Finding(NamedTuple):
    element: etree._Element  # where it is reported
    owner: etree._Element | None  # for a content-model error, the element whose children are wrong
    message: str


# --------------------------------------------------------------------------------------------- API


def _root_of(tree_or_element: etree._ElementTree | etree._Element) -> etree._Element:
    if isinstance(tree_or_element, etree._ElementTree):
        return tree_or_element.getroot()
    return tree_or_element


def _wrong_root(root: etree._Element, kind: DocumentKind) -> Violation | None:
    if root.tag == kind.root_tag:
        return None
    namespace, local = kind.root
    qname = etree.QName(root)
    found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
    message = _clean(
        f"the root element is {found}, but a {kind.value} document has root {{{namespace}}}{local}"
    )
    path = f"/{qname.localname}"
    return Violation(XSD_RULE, path, message, Severity.ERROR, path)


def is_valid(
    tree_or_element: etree._ElementTree | etree._Element,
    kind: DocumentKind | None = None,
    *,
    schemas: SchemaSet | None = None,
) -> bool:
    """True when the document satisfies its bundled XSD (lxml; no violations are built)."""
    root = _root_of(tree_or_element)
    kind = kind_of(root) if kind is None else kind
    if root.tag != kind.root_tag:
        return False
    schemas = default_schema_set() if schemas is None else schemas
    if _valid_quickly(root, kind, schemas):
        return True
    schema = schemas.lxml_schema(kind)
    with schemas.lxml_lock(kind):
        return schema.validate(root)


def valid_but_guids(
    root: etree._Element, kind: DocumentKind, schemas: SchemaSet | None = None
) -> frozenset[str] | None:
    """Whether ``root`` satisfies ``kind``'s bundled XSD in everything but the pattern of its GUIDs.

    Returns the Clark names of the elements whose text the caller must still check against the GUID
    pattern (each holds 36 characters of plain text), or ``None`` when the full check has to decide:
    the document fails, or ``kind`` has no GUIDs. A yes or no, never a report. On a result of 1000
    letters it costs 40 % of the full check, whose guid patterns are most of libxml2's work (see
    :meth:`~mobb_sdk._schemas.SchemaSet.lxml_schema_guids_apart`).
    """
    if root.tag != kind.root_tag:
        return None
    schemas = default_schema_set() if schemas is None else schemas
    schema, names = schemas.lxml_schema_guids_apart(kind)
    if not names:
        return None
    with schemas.lxml_lock_guids_apart(kind):
        return names if schema.validate(root) else None


def guid_bytes(root: etree._Element, names: frozenset[str]) -> bytes | None:
    """The 16 bytes of each element ``names`` names under ``root``, in document order, when every one
    holds a GUID written in ASCII (:func:`~mobb_sdk._ids.ascii_guid_bytes`); ``None`` otherwise.

    For a document :func:`valid_but_guids` passed: it held each such element to 36 characters, so a
    36-character ``.text`` (the text before any comment) is all of its text.
    """
    return ascii_guid_bytes([el.text for el in root.iter(*names)])


def _valid_quickly(root: etree._Element, kind: DocumentKind, schemas: SchemaSet) -> bool:
    """True when the document satisfies its XSD, known without libxml2 running the guid pattern: the
    rest of the XSD holds (:func:`valid_but_guids`) and every GUID is written in ASCII
    (:func:`guid_bytes`). False leaves the verdict to the full check."""
    names = valid_but_guids(root, kind, schemas)
    return names is not None and guid_bytes(root, names) is not None


def validate_tree(
    tree_or_element: etree._ElementTree | etree._Element,
    kind: DocumentKind | None = None,
    backend: Backend = Backend.LXML,
    *,
    schemas: SchemaSet | None = None,
) -> Report:
    """Validate a parsed document (or the element to validate, e.g. a SOAP Body child) against its XSD.

    ``kind`` is taken from the root element when not given (an unknown root raises
    :class:`~mobb_sdk.DocumentTypeError`); with ``kind`` given, another root is one ``XSD`` violation.
    Only the XSD is checked here: the Logius rules beyond it live elsewhere.
    """
    root = _root_of(tree_or_element)
    kind = kind_of(root) if kind is None else kind
    wrong = _wrong_root(root, kind)
    if wrong is not None:
        return Report().merged((wrong,))
    schemas = default_schema_set() if schemas is None else schemas
    if backend is Backend.LXML:
        findings = _lxml_findings(root, kind, schemas)
    else:
        findings = _xmlschema_findings(root, kind, schemas)
    if not findings:
        return Report()
    return Report().merged(_violations(root, kind, findings))


# ------------------------------------------------------------------------------------------ lxml


def _lxml_findings(root: etree._Element, kind: DocumentKind, schemas: SchemaSet) -> list[_Finding]:
    if _valid_quickly(root, kind, schemas):
        return []
    schema = schemas.lxml_schema(kind)
    with schemas.lxml_lock(kind):
        if schema.validate(root):
            return []
        entries = list(cast("Iterable[_LogEntry]", schema.error_log))
    findings = []
    walker = _Walker(root)
    for entry in entries:
        element = _element_at(walker, root, entry.path, entry.line, entry.message)
        owner = None
        if entry.type_name in _LIBXML2_CONTENT_ERRORS:
            # libxml2 reports an unexpected child at the child, missing children at the parent.
            unexpected = "not expected" in entry.message and element.getparent() is not None
            owner = element.getparent() if unexpected else element
            if unexpected:
                # The path has local names only; say which namespace the unexpected element is in.
                message = _LIBXML2_ELEMENT.sub("", " ".join(entry.message.split()))
                findings.append(_Finding(element, owner, f"{_display(element)}: {message}"))
                continue
        findings.append(_Finding(element, owner, entry.message))
    return findings


_STEP = re.compile(r"(?:(?P<prefix>[^:\[\]/]+):)?(?P<name>[^:\[\]/]+)(?:\[(?P<index>\d+)\])?")
_ELEMENT_PREFIX = re.compile(r"^Element '(?P<tag>[^']*)'")


def _element_at(
    walker: _Walker, root: etree._Element, path: str | None, line: int, message: str
) -> etree._Element:
    """The element a libxml2 error names: walk its node path, else fall back to the line number."""
    element = walker.walk(path) if path else None
    if element is not None:
        return element
    match = _ELEMENT_PREFIX.match(message)
    tag = match.group("tag") if match else None
    for candidate in root.iter():
        if cast("int | None", candidate.sourceline) == line and (tag is None or candidate.tag == tag):
            return candidate
    return root


class _Walker:
    """Reads libxml2's ``xmlGetNodePath`` back to the element, with the children indexed once per parent.

    Steps are ``prefix:name`` counted among siblings with the same *prefix* and name, ``*`` counted among
    all element siblings (an element in a default namespace), and a bare ``name`` for an element in no
    namespace. Line numbers cannot do this: a generated document is often one line.
    """

    def __init__(self, root: etree._Element) -> None:
        self._root = root
        self._index: dict[etree._Element, dict[tuple[str | None, str], list[etree._Element]]] = {}

    def _children(self, parent: etree._Element) -> dict[tuple[str | None, str], list[etree._Element]]:
        index = self._index.get(parent)
        if index is None:
            index = {}
            for child in parent:
                if not isinstance(child.tag, str):
                    continue
                qname = etree.QName(child)
                # Key: (prefix, local) for a prefixed element, ("", local) for no namespace; "*" for all.
                prefix = child.prefix if qname.namespace is not None else ""
                if prefix is not None:
                    index.setdefault((prefix, qname.localname), []).append(child)
                index.setdefault((None, "*"), []).append(child)
            self._index[parent] = index
        return index

    def walk(self, path: str) -> etree._Element | None:
        steps = path.split("/")[1:]
        if not steps or not steps[0]:
            return None
        node = self._root
        for step in steps[1:]:
            match = _STEP.fullmatch(step)
            if match is None:
                return None
            prefix, name = match.group("prefix"), match.group("name")
            key = (None, "*") if name == "*" else (prefix or "", name)
            candidates = self._children(node).get(key, [])
            position = int(match.group("index") or 1)
            if position > len(candidates):
                return None
            node = candidates[position - 1]
        return node


# ------------------------------------------------------------------------------------- xmlschema


_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_XSI_TYPED = etree.XPath(
    "descendant-or-self::*[@xsi:type]", namespaces={"xsi": "http://www.w3.org/2001/XMLSchema-instance"}
)


def _unresolved_types(root: etree._Element, types: Mapping[str, object]) -> list[etree._Element]:
    """Elements whose ``xsi:type`` names no type of the schema (xmlschema raises on them, not reports)."""
    unresolved = []
    for element in cast("list[etree._Element]", _XSI_TYPED(root)):
        prefix, _, local = element.get(_XSI_TYPE, "").strip().rpartition(":")
        namespace = element.nsmap.get(prefix or None)
        key = f"{{{namespace}}}{local}" if namespace else local
        if (prefix and namespace is None) or key not in types:
            unresolved.append(element)
    return unresolved


def _xmlschema_findings(root: etree._Element, kind: DocumentKind, schemas: SchemaSet) -> list[_Finding]:
    schema = schemas.xmlschema_schema(kind)
    unresolved = _unresolved_types(root, schema.maps.types)
    if unresolved:
        return _findings_around_unresolved_types(root, schema, unresolved)
    return [_xmlschema_finding(root, error) for error in _xmlschema_errors(schema, root)]


def _xmlschema_errors(schema: xmlschema.XMLSchema10, root: etree._Element) -> list[XMLSchemaValidationError]:
    """xmlschema's errors, less its echo of an ``xsi:type`` that cannot substitute the declared type.

    xmlschema reports such a type twice: at the parent (its content model's check) and at the element
    with the same reason. libxml2 reports it once, at the element; so does this backend.
    """
    from xmlschema.validators import XsdGroup
    from xmlschema.validators.exceptions import XMLSchemaChildrenValidationError

    errors = list(schema.iter_errors(root, use_defaults=False, use_location_hints=False))
    kept = []
    for number, error in enumerate(errors):
        following = errors[number + 1] if number + 1 < len(errors) else None
        if (
            following is not None
            and isinstance(error.validator, XsdGroup)
            and not isinstance(error, XMLSchemaChildrenValidationError)
            and isinstance(following.elem, etree._Element)
            and following.elem.getparent() is error.elem
            and following.reason == error.reason
        ):
            continue
        kept.append(error)
    return kept


def _findings_around_unresolved_types(
    root: etree._Element, schema: xmlschema.XMLSchema10, unresolved: list[etree._Element]
) -> list[_Finding]:
    """As libxml2 does: an unresolvable ``xsi:type`` is an error at its element, whose content is then
    not checked; the rest of the document is. xmlschema raises a KeyError on such a type instead, so the
    rest is checked on a copy without those attributes."""
    findings = [
        _Finding(e, None, f"the xsi:type {e.get(_XSI_TYPE)!r} does not name a type of the schema")
        for e in unresolved
    ]
    originals = [e for e in root.iter() if isinstance(e.tag, str)]
    duplicate = copy.deepcopy(root)
    copies = [e for e in duplicate.iter() if isinstance(e.tag, str)]
    back = dict(zip(copies, originals, strict=True))
    skipped: set[etree._Element] = set()
    for element in unresolved:
        twin = copies[originals.index(element)]
        del twin.attrib[_XSI_TYPE]
        skipped.update(twin.iter())
    for error in _xmlschema_errors(schema, duplicate):
        finding = _xmlschema_finding(duplicate, error)
        if finding.element in skipped:
            continue
        owner = back.get(finding.owner) if finding.owner is not None else None
        findings.append(_Finding(back.get(finding.element, root), owner, finding.message))
    return findings


def _xmlschema_finding(root: etree._Element, error: XMLSchemaValidationError) -> _Finding:
    from xmlschema.validators import XsdGroup
    from xmlschema.validators.exceptions import XMLSchemaChildrenValidationError

    elem = error.elem if isinstance(error.elem, etree._Element) else root
    reason = error.reason or str(error.message)
    if isinstance(error, XMLSchemaChildrenValidationError):
        child = error.invalid_child
        # Like libxml2: an unexpected child is reported at the child, missing children at the parent.
        if isinstance(child, etree._Element):
            return _Finding(child, elem, reason)
        return _Finding(elem, elem, reason)
    # Character data in element-only content is a content error too (libxml2 says so).
    return _Finding(elem, elem if isinstance(error.validator, XsdGroup) else None, reason)


# -------------------------------------------------------------------------------------- mapping


class _Paths:
    """Element paths, with sibling positions computed once per parent."""

    def __init__(self, root: etree._Element) -> None:
        self._root = root
        self._positions: dict[etree._Element, dict[etree._Element, str]] = {}

    def _step(self, element: etree._Element) -> str:
        parent = element.getparent()
        local = etree.QName(element).localname
        if element is self._root or parent is None:
            return local
        steps = self._positions.get(parent)
        if steps is None:
            by_name: dict[str, list[etree._Element]] = {}
            for child in parent:
                if isinstance(child.tag, str):
                    by_name.setdefault(etree.QName(child).localname, []).append(child)
            steps = {}
            for name, children in by_name.items():
                for position, child in enumerate(children, 1):
                    steps[child] = f"{name}[{position}]" if len(children) > 1 else name
            self._positions[parent] = steps
        return steps[element]

    def __call__(self, element: etree._Element) -> str:
        steps = []
        node: etree._Element | None = element
        while node is not None:
            steps.append(self._step(node))
            if node is self._root:
                break
            node = node.getparent()
        return "/" + "/".join(reversed(steps))


def element_path(element: etree._Element, root: etree._Element | None = None) -> str:
    """The path format of violations: ``/Berichten/Bericht[4]/BerichtInformatie/Onderwerp``.

    Local names from ``root`` (default: the document root), with a 1-based position where siblings
    share the local name.
    """
    if root is None:
        root = element.getroottree().getroot()
    return _Paths(root)(element)


def _count_rule(element: etree._Element) -> tuple[str, str] | None:
    """(rule, message) when a content error is a Bericht or Bijlage too many or too few."""
    parent = element.getparent()
    for parent_tag, child_tag, maximum, rule, too_many, too_few in _COUNTS:
        if element.tag == child_tag and parent is not None and parent.tag == parent_tag:
            before = sum(1 for sibling in element.itersiblings(preceding=True) if sibling.tag == child_tag)
            if before >= maximum:
                return rule, f"{too_many} (this is number {before + 1})"
        elif element.tag == parent_tag and not any(child.tag == child_tag for child in element):
            # Too few: Bijlagen has only Bijlage; Berichten has BatchInformatie before its Berichten.
            others = [child for child in element if isinstance(child.tag, str)]
            if rule == "BIJ-01" and not others:
                return rule, too_few
            if rule == "BATCH-01" and len(others) == 1 and others[0].tag == f"{{{NS_BVS}}}BatchInformatie":
                return rule, too_few
    return None


def _rule(kind: DocumentKind, finding: _Finding) -> tuple[str, str]:
    """The rule id and the message of a finding."""
    if kind is not DocumentKind.BATCH:
        return XSD_RULE, finding.message
    if finding.owner is not None:
        return _count_rule(finding.element) or (XSD_RULE, finding.message)
    qname = etree.QName(finding.element)
    if qname.namespace in (NS_BVS, NS_BER):
        return VALUE_RULES.get(qname.localname, XSD_RULE), finding.message
    return XSD_RULE, finding.message


def _letter_of(letters: Mapping[etree._Element, int], element: etree._Element) -> int | None:
    """The 0-based letter of a batch that ``element`` lies in (``None``: outside every letter)."""
    node: etree._Element | None = element
    while node is not None:
        index = letters.get(node)
        if index is not None:
            return index
        node = node.getparent()
    return None


def _violations(root: etree._Element, kind: DocumentKind, findings: Iterable[_Finding]) -> list[Violation]:
    paths = _Paths(root)
    letters: dict[etree._Element, int] = {}
    if kind is DocumentKind.BATCH:
        bericht = etree.QName(BER, "Bericht").text
        letters = {el: i for i, el in enumerate(root.iterchildren(bericht))}
    order = {element: number for number, element in enumerate(root.iter())}
    seen_content: set[etree._Element] = set()
    seen: set[tuple[str, str]] = set()
    kept: list[tuple[int, Violation]] = []
    for finding in findings:
        if finding.owner is not None:
            # One content error per content model, as libxml2 stops checking one at its first error.
            if finding.owner in seen_content:
                continue
            seen_content.add(finding.owner)
        rule, message = _rule(kind, finding)
        path = paths(finding.element)
        if (rule, path) in seen:
            continue
        seen.add((rule, path))
        secret = finding.element.text if etree.QName(finding.element).localname in _BSN_ELEMENTS else None
        violation = Violation(
            rule,
            path,
            _clean(message, secret),
            Severity.ERROR,
            path,
            letter=_letter_of(letters, finding.element),
        )
        kept.append((order.get(finding.element, 0), violation))
    kept.sort(key=lambda item: item[0])
    return [violation for _, violation in kept]


# -------------------------------------------------------------------------------------- messages

_PREFIX_OF: Mapping[str, str] = {namespace: prefix for prefix, namespace in NAMESPACES.items()}
_CLARK = re.compile(r"\{([^{}]*)\}")
_LIBXML2_ELEMENT = re.compile(r"^Element '[^']*'(?:, attribute '(?P<attribute>[^']*)')?: ")
_FACET = re.compile(r"^\[facet '[^']*'\] ")
_PYTHON_CLASS = re.compile(r" for <class '[^']*'>")
# Elements whose value is a BSN (or meant to be one): their value never appears in a message.
_BSN_ELEMENTS = frozenset({"GebruikerID", "Key", "BSN"})


def _display(element: etree._Element) -> str:
    """``ber:Onderwerp``, ``Onderwerp (no namespace)`` or ``{uri}Onderwerp`` for an unknown namespace."""
    qname = etree.QName(element)
    if qname.namespace is None:
        return f"{qname.localname} (no namespace)"
    prefix = _PREFIX_OF.get(qname.namespace)
    return f"{prefix}:{qname.localname}" if prefix else f"{{{qname.namespace}}}{qname.localname}"


def _clean(message: str, secret: str | None = None) -> str:
    """One readable line: no element prefix (the path says where), known namespaces as prefixes."""
    if secret and secret.strip():
        message = message.replace(secret.strip(), mask_bsn(secret.strip()))
    text = " ".join(message.split())
    match = _LIBXML2_ELEMENT.match(text)
    if match:
        attribute = match.group("attribute")
        text = text[match.end() :]
        if attribute:
            text = f"attribute {attribute!r}: {text}"
    text = _FACET.sub("", text)
    text = _PYTHON_CLASS.sub("", text)
    text = _CLARK.sub(
        lambda m: f"{_PREFIX_OF[m.group(1)]}:" if m.group(1) in _PREFIX_OF else m.group(0), text
    )
    # A 9-digit number may be a BSN: never put one in a message (spec section 7).
    text = mask_digits(text)
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return text
