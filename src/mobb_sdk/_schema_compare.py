"""Compare an XSD package (Logius' own, as a zip or a folder) with the bundled set, component by component.

When Logius ships a new package, :func:`compare_schema_sets` tells whether mobb-sdk still gives the same
verdicts. Both sets are read into the same canonical form, per namespace and independent of file names,
prefixes, annotations and declaration order:

- every global element, type, group and attribute (``xsi:type`` may name any global type, any global
  element may be a document root, so each one counts);
- under each: element names with their effective namespace (``elementFormDefault``/``form``), their
  order, ``minOccurs``/``maxOccurs``, ``nillable``, ``default``/``fixed``, their type (a named type by
  name, an anonymous one by its structure), and of a simple type its base and every facet.

Each :class:`SchemaDifference` has a location (``element ber:Bericht/ber:BerichtInformatie/ber:Onderwerp``),
the aspect that differs, both values and whether it can change a verdict. Every difference of the
canonical form can, except two kinds, reported as harmless: a ``minLength`` of 0 against none, and
enumeration or pattern values listed in another order. What the canonical form leaves out cannot change
a verdict and is not reported: file names, which file of a namespace declares a component, prefixes,
annotations, the ``version`` attribute and the order of global declarations. A package must also hold
every file it imports and declare every component it uses; what it lacks is reported as a difference.
Logius' file-name quirk (the request schema imports ``GLOBEBatchRequestTypes.xsd``, the package ships
``GLOBEBatchRequestTypes_128ch.xsd``) is tolerated: such an import is served by the ``_128ch`` file of the
same stem, and a note says so.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import attrs
from lxml import etree

from mobb_sdk._errors import SchemaError, XmlError
from mobb_sdk._schemas import NAMESPACES, XSD_NAMESPACE, schema_dir
from mobb_sdk._xml import parse_xml

__all__ = [
    "SchemaComparison",
    "SchemaDifference",
    "compare_schema_sets",
    "read_schema_package",
]

#: Logius' file-name quirk: an import of ``<stem>.xsd`` may be served by ``<stem>_128ch.xsd``.
QUIRK_SUFFIX = "_128ch"

_MAX_FILES = 200
_MAX_FILE_BYTES = 10_000_000

_XS = f"{{{XSD_NAMESPACE}}}"
_PREFIX_OF = {namespace: prefix for prefix, namespace in NAMESPACES.items()} | {XSD_NAMESPACE: "xs"}
_GLOBAL_KINDS = ("element", "complexType", "simpleType", "group", "attributeGroup", "attribute")
_FACETS = (
    "length",
    "minLength",
    "maxLength",
    "pattern",
    "enumeration",
    "whiteSpace",
    "minInclusive",
    "maxInclusive",
    "minExclusive",
    "maxExclusive",
    "totalDigits",
    "fractionDigits",
)
_UNORDERED_FACETS = frozenset({"pattern", "enumeration"})
# Element and attribute properties that change what a document may hold.
_ELEMENT_PROPERTIES = ("nillable", "default", "fixed", "abstract", "substitutionGroup", "block", "final")
_DEFAULTS = {"minOccurs": "1", "maxOccurs": "1", "nillable": "false", "abstract": "false", "mixed": "false"}


@attrs.frozen
class SchemaDifference:
    """One way the package differs from the bundled set.

    ``location`` names the component and the path below it; ``aspect`` what differs (``maxLength``,
    ``nillable``, ``type``, ``children``, ``global element``...); ``bundled`` and ``package`` the two
    values (``None``: absent). ``changes_verdict`` is false only for differences no document can notice.
    """

    location: str
    aspect: str
    bundled: str | None
    package: str | None
    changes_verdict: bool = True

    def __str__(self) -> str:
        tag = "DIFFERS" if self.changes_verdict else "harmless"
        if self.bundled is None and self.package is None:
            return f"{tag}  {self.location}: {self.aspect}"
        bundled = "(absent)" if self.bundled is None else self.bundled
        package = "(absent)" if self.package is None else self.package
        return f"{tag}  {self.location}: {self.aspect}: bundled {bundled}, package {package}"


@attrs.frozen
class SchemaComparison:
    """The outcome of :func:`compare_schema_sets`: every difference, in a stable order."""

    package: str
    bundled: str
    differences: tuple[SchemaDifference, ...]
    notes: tuple[str, ...] = ()

    @property
    def changes_verdict(self) -> bool:
        """True when some document would get another verdict from the package than from the bundled set."""
        return any(d.changes_verdict for d in self.differences)

    @property
    def identical(self) -> bool:
        """True when not even a harmless difference was found."""
        return not self.differences


# ------------------------------------------------------------------------------------------- reading


def read_schema_package(source: str | Path) -> dict[str, bytes]:
    """The ``.xsd`` files of a package: a folder (searched recursively) or a zip, by their path inside it.

    Other files (a WSDL, a readme) are not read.

    Raises :class:`~mobb_sdk.SchemaError` when there is no such folder or zip, or it holds no XSD.
    """
    path = Path(source)
    files: dict[str, bytes] = {}
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and file.suffix.lower() == ".xsd":
                _add(files, file.relative_to(path).as_posix(), file.stat().st_size, file.read_bytes)
    elif path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir() and info.filename.lower().endswith(".xsd"):
                    _add(files, info.filename, info.file_size, lambda info=info: archive.read(info))
    elif path.exists():
        raise SchemaError(f"{path} is neither a folder nor a zip file of XSDs")
    else:
        raise SchemaError(f"{path} does not exist")
    if not files:
        raise SchemaError(f"{path} holds no .xsd file")
    return files


def _add(files: dict[str, bytes], name: str, size: int, read: Any) -> None:
    if len(files) >= _MAX_FILES:
        raise SchemaError(f"the package holds more than {_MAX_FILES} XSD files")
    if size > _MAX_FILE_BYTES:
        raise SchemaError(f"{name} is larger than {_MAX_FILE_BYTES} bytes")
    files[name] = read()


# ----------------------------------------------------------------------------------- canonical form


def _display(qname: str) -> str:
    """``{uri}local`` as ``prefix:local`` with the spec's prefixes; an unqualified name as it is."""
    if not qname.startswith("{"):
        return qname
    namespace, _, local = qname[1:].partition("}")
    prefix = _PREFIX_OF.get(namespace)
    return f"{prefix}:{local}" if prefix else qname


def _resolve(node: etree._Element, value: str) -> str:
    """A QName attribute value (``prefix:local``) in Clark notation, resolved where it is written."""
    prefix, _, local = value.strip().rpartition(":")
    namespace = node.nsmap.get(prefix or None)
    if prefix and namespace is None:
        return f"{{?{prefix}}}{local}"  # an undeclared prefix: kept visible, never equal to a real name
    return f"{{{namespace}}}{local}" if namespace else local


class _Schema:
    """One file: its target namespace and form defaults."""

    def __init__(self, name: str, root: etree._Element) -> None:
        self.name = name
        self.root = root
        self.namespace = root.get("targetNamespace") or ""
        self.qualified = root.get("elementFormDefault") == "qualified"
        self.attributes_qualified = root.get("attributeFormDefault") == "qualified"

    def qname(self, local: str) -> str:
        return f"{{{self.namespace}}}{local}" if self.namespace else local


def _children(node: etree._Element) -> list[etree._Element]:
    """XSD children that matter (annotations and comments dropped)."""
    return [c for c in node if isinstance(c.tag, str) and c.tag != f"{_XS}annotation"]


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _type_of(schema: _Schema, node: etree._Element) -> dict[str, Any]:
    """The type of an element or attribute: named (by name) or anonymous (by structure)."""
    if node.get("type") is not None:
        return {"named": _resolve(node, node.get("type", ""))}
    for child in _children(node):
        if _local(child) in ("complexType", "simpleType"):
            return {"anonymous": _describe_type(schema, child)}
    return {"named": f"{{{XSD_NAMESPACE}}}anySimpleType" if _local(node) == "attribute" else f"{_XS}anyType"}


def _describe_type(schema: _Schema, node: etree._Element) -> dict[str, Any]:
    kind = _local(node)
    if kind == "simpleType":
        return {"simpleType": _describe_simple(schema, node)}
    described: dict[str, Any] = {"complexType": {"mixed": node.get("mixed", "false")}}
    body = described["complexType"]
    attributes: list[dict[str, Any]] = []
    for child in _children(node):
        name = _local(child)
        if name in ("sequence", "choice", "all", "group"):
            body["content"] = _describe_particle(schema, child)
        elif name in ("simpleContent", "complexContent"):
            (derivation,) = _children(child) or [child]
            derived: dict[str, Any] = {
                "derivation": _local(derivation),
                "base": _resolve(derivation, derivation.get("base", "")),
            }
            derived_attributes: list[dict[str, Any]] = []
            for part in _children(derivation):
                part_name = _local(part)
                if part_name in ("sequence", "choice", "all", "group"):
                    derived["content"] = _describe_particle(schema, part)
                elif part_name in ("attribute", "attributeGroup", "anyAttribute"):
                    derived_attributes.append(_describe_attribute(schema, part))
                elif part_name in _FACETS:
                    derived.setdefault("facets", {}).setdefault(part_name, []).append(part.get("value", ""))
            derived["attributes"] = derived_attributes
            body[name] = derived
        elif name in ("attribute", "attributeGroup", "anyAttribute"):
            attributes.append(_describe_attribute(schema, child))
    body["attributes"] = attributes
    return described


def _describe_simple(schema: _Schema, node: etree._Element) -> dict[str, Any]:
    (derivation,) = _children(node) or [node]
    kind = _local(derivation)
    if kind == "restriction":
        described: dict[str, Any] = {"restriction": {}}
        body = described["restriction"]
        if derivation.get("base") is not None:
            body["base"] = _resolve(derivation, derivation.get("base", ""))
        facets: dict[str, list[str]] = {}
        for child in _children(derivation):
            name = _local(child)
            if name == "simpleType":
                body["base type"] = _describe_simple(schema, child)
            elif name in _FACETS:
                facets.setdefault(name, []).append(child.get("value", ""))
                if child.get("fixed") == "true":
                    facets.setdefault(f"{name} fixed", []).append("true")
        body["facets"] = facets
        return described
    if kind == "list":
        item = derivation.get("itemType")
        inner = [c for c in _children(derivation) if _local(c) == "simpleType"]
        return {"list": _resolve(derivation, item) if item else _describe_simple(schema, inner[0])}
    if kind == "union":
        members = [_resolve(derivation, m) for m in (derivation.get("memberTypes") or "").split()]
        inline = [_describe_simple(schema, c) for c in _children(derivation) if _local(c) == "simpleType"]
        return {"union": {"memberTypes": " ".join(members), "inline": inline}}
    return {"unknown": kind}


def _boolean(value: str) -> str:
    value = value.strip()
    return {"1": "true", "0": "false"}.get(value, value)


def _occurs(node: etree._Element) -> dict[str, str]:
    return {
        "minOccurs": node.get("minOccurs", _DEFAULTS["minOccurs"]).strip(),
        "maxOccurs": node.get("maxOccurs", _DEFAULTS["maxOccurs"]).strip(),
    }


def _describe_particle(schema: _Schema, node: etree._Element) -> dict[str, Any]:
    kind = _local(node)
    if kind == "element":
        return _describe_element(schema, node, top=False)
    if kind == "any":
        return {
            "particle": "any",
            "namespace": node.get("namespace", "##any"),
            "processContents": node.get("processContents", "strict"),
            **_occurs(node),
        }
    if kind == "group" and node.get("ref") is not None:
        return {"particle": "group", "ref": _resolve(node, node.get("ref", "")), **_occurs(node)}
    return {
        "particle": kind,  # sequence, choice, all (or a named group's compositor)
        **_occurs(node),
        "children": [_describe_particle(schema, c) for c in _children(node)],
    }


def _describe_element(schema: _Schema, node: etree._Element, *, top: bool) -> dict[str, Any]:
    described: dict[str, Any] = {"particle": "element"}
    if node.get("ref") is not None:
        described["ref"] = _resolve(node, node.get("ref", ""))
    else:
        form = node.get("form")
        qualified = top or (form == "qualified" if form else schema.qualified)
        local = node.get("name", "")
        described["name"] = schema.qname(local) if qualified else local
        described["type"] = _type_of(schema, node)
        described["nillable"] = _boolean(node.get("nillable", "false"))
        for prop in _ELEMENT_PROPERTIES:
            value = node.get(prop)
            if prop in ("abstract", "nillable") and value is not None:
                value = _boolean(value)
            if prop != "nillable" and value is not None and value != _DEFAULTS.get(prop):
                described[prop] = _resolve(node, value) if prop == "substitutionGroup" else value
    if not top:
        described.update(_occurs(node))
    return described


def _describe_attribute(schema: _Schema, node: etree._Element) -> dict[str, Any]:
    kind = _local(node)
    if kind == "anyAttribute":
        return {"attribute": "*", "namespace": node.get("namespace", "##any")}
    if node.get("ref") is not None:
        return {"attribute": _resolve(node, node.get("ref", "")), "use": node.get("use", "optional")}
    if kind == "attributeGroup":
        return {"attribute": "group", "ref": _resolve(node, node.get("ref", ""))}
    form = node.get("form")
    qualified = form == "qualified" if form else schema.attributes_qualified
    local = node.get("name", "")
    described: dict[str, Any] = {
        "attribute": schema.qname(local) if qualified else local,
        "use": node.get("use", "optional"),
        "type": _type_of(schema, node),
    }
    for prop in ("default", "fixed"):
        if node.get(prop) is not None:
            described[prop] = node.get(prop)
    return described


def _describe_global(schema: _Schema, node: etree._Element) -> dict[str, Any]:
    kind = _local(node)
    if kind == "element":
        return _describe_element(schema, node, top=True)
    if kind in ("complexType", "simpleType"):
        return _describe_type(schema, node)
    if kind == "group":
        (compositor,) = _children(node)
        return {"group": _describe_particle(schema, compositor)}
    if kind == "attributeGroup":
        return {"attributeGroup": [_describe_attribute(schema, c) for c in _children(node)]}
    return {"attribute": _describe_attribute(schema, node)}


class _Set:
    """A schema set in canonical form: its global components by (kind, qualified name)."""

    def __init__(self, label: str, files: Mapping[str, bytes]) -> None:
        self.label = label
        self.components: dict[tuple[str, str], dict[str, Any]] = {}
        self.declared_in: dict[tuple[str, str], str] = {}
        self.conflicts: list[SchemaDifference] = []
        self.problems: list[SchemaDifference] = []
        self.notes: list[str] = []
        schemas = []
        for name, data in sorted(files.items()):
            try:
                root = parse_xml(data).getroot()
            except XmlError as exc:
                raise XmlError(f"{label}: {name}: {exc}") from None
            if root.tag != f"{_XS}schema":
                raise SchemaError(
                    f"{label}: {name} is not an XML Schema (root {etree.QName(root).localname!r})"
                )
            schemas.append(_Schema(name, root))
        base_names = {PurePosixPath(s.name).name for s in schemas}
        for schema in schemas:
            self._check_references(schema, base_names)
            for node in _children(schema.root):
                kind = _local(node)
                if kind not in _GLOBAL_KINDS:
                    continue
                key = (
                    "type" if kind in ("complexType", "simpleType") else kind,
                    schema.qname(node.get("name", "")),
                )
                try:
                    described = _describe_global(schema, node)
                except (ValueError, IndexError, KeyError) as exc:
                    # A structure no XML Schema allows, such as two derivations in one simpleType.
                    raise SchemaError(
                        f"{label}: {schema.name}: {kind} {node.get('name')!r} is not a valid declaration ({exc})"
                    ) from None
                if key in self.components:
                    if self.components[key] != described:
                        self.conflicts.append(
                            SchemaDifference(
                                _component_label(key, described),
                                f"declared differently in {self.declared_in[key]} and {schema.name} of the {label}",
                                None,
                                None,
                            )
                        )
                    continue
                self.components[key] = described
                self.declared_in[key] = schema.name
        self.check_names()

    def check_names(self) -> None:
        """Every QName a component uses must name a component of the set (or a built-in type)."""
        for key, described in self.components.items():
            for kind, name in _used_names(described):
                if name.startswith(f"{{{XSD_NAMESPACE}}}") and kind == "type":
                    continue
                if (kind, name) not in self.components:
                    self.problems.append(
                        SchemaDifference(
                            _component_label(key, described),
                            f"uses {kind} {_display(name)}, which the {self.label} does not declare",
                            None,
                            None,
                        )
                    )

    def _check_references(self, schema: _Schema, base_names: set[str]) -> None:
        for node in schema.root.iterchildren(f"{_XS}import", f"{_XS}include", f"{_XS}redefine"):
            location = node.get("schemaLocation")
            if location is None:
                continue
            target = PurePosixPath(location).name
            if target in base_names:
                continue
            stem = target[: -len(".xsd")] if target.endswith(".xsd") else target
            quirk = f"{stem}{QUIRK_SUFFIX}.xsd"
            if quirk in base_names:
                self.notes.append(
                    f"{self.label}: {schema.name} imports {target}, served by {quirk} (Logius' file-name quirk)"
                )
                continue
            self.problems.append(
                SchemaDifference(
                    f"file {schema.name}",
                    f"{_local(node)} of a file the {self.label} does not hold",
                    None,
                    location,
                )
            )


def _used_names(described: Any) -> Iterator[tuple[str, str]]:
    """(kind, qualified name) of every component a description refers to."""
    if isinstance(described, list):
        for item in described:
            yield from _used_names(item)
        return
    if not isinstance(described, dict):
        return
    for key, value in described.items():
        if key in ("named", "base", "list") and isinstance(value, str):
            yield "type", value
        elif key == "memberTypes" and isinstance(value, str):
            yield from (("type", member) for member in value.split())
        elif key == "ref" and isinstance(value, str):
            particle = described.get("particle")
            kind = (
                "element" if particle == "element" else "group" if particle == "group" else "attributeGroup"
            )
            if described.get("attribute") not in (None, "group"):
                kind = "attribute"
            yield kind, value
        elif key == "substitutionGroup" and isinstance(value, str):
            yield "element", value
        else:
            yield from _used_names(value)


def _component_label(key: tuple[str, str], described: dict[str, Any]) -> str:
    kind, name = key
    if kind == "type":
        kind = "complexType" if "complexType" in described else "simpleType"
    return f"{kind} {_display(name)}"


# -------------------------------------------------------------------------------------------- diff


def _value(value: Any) -> str:
    if isinstance(value, dict):
        if "named" in value:
            return _display(value["named"])
        if "anonymous" in value:
            return f"anonymous {_summary(value['anonymous'])}"
    if isinstance(value, str):
        return _display(value) if value.startswith("{") else value
    return _summary(value)


def _summary(described: Any) -> str:
    """A short readable form of a type description, for a message."""
    if isinstance(described, dict):
        if "simpleType" in described:
            restriction = described["simpleType"].get("restriction")
            if restriction is not None and "base" in restriction:
                return f"simpleType (restriction of {_display(restriction['base'])})"
            return "simpleType"
        if "complexType" in described:
            return "complexType"
    return str(described)


def _child_label(child: dict[str, Any]) -> str:
    if child.get("particle") == "element":
        return _display(child.get("name") or child.get("ref", "?"))
    if child.get("particle") == "group" and "ref" in child:
        return f"group {_display(child['ref'])}"
    return f"({child.get('particle')})"


def _child_step(child: dict[str, Any]) -> str:
    if child.get("particle") == "element":
        name = child.get("name") or child.get("ref", "?")
        return _display(name) if "name" in child else f"ref {_display(name)}"
    return f"({child.get('particle')})"


def _diff(location: str, ours: Any, theirs: Any, out: list[SchemaDifference], aspect: str = "") -> None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if "named" in ours or "named" in theirs or "anonymous" in ours or "anonymous" in theirs:
            _diff_type_ref(location, ours, theirs, out, aspect or "type")
            return
        if aspect == "facets":
            _diff_facets(location, ours, theirs, out)
            return
        for key in _ordered_keys(ours, theirs):
            if key == "children":
                _diff_children(location, ours.get(key, []), theirs.get(key, []), out)
            elif key == "attributes":
                _diff_attributes(location, ours.get(key, []), theirs.get(key, []), out)
            elif key in ours and key in theirs:
                _diff(location, ours[key], theirs[key], out, key)
            else:
                out.append(
                    SchemaDifference(
                        location,
                        key,
                        _value(ours[key]) if key in ours else None,
                        _value(theirs[key]) if key in theirs else None,
                    )
                )
        return
    if isinstance(ours, list) and isinstance(theirs, list):
        if ours != theirs:
            if len(ours) == len(theirs):
                for number, (a, b) in enumerate(zip(ours, theirs, strict=True), 1):
                    _diff(f"{location}[{number}]", a, b, out, aspect)
            else:
                out.append(SchemaDifference(location, aspect, str(len(ours)), str(len(theirs))))
        return
    if ours != theirs:
        out.append(SchemaDifference(location, aspect, _value(ours), _value(theirs)))


def _ordered_keys(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return list(ours) + [k for k in theirs if k not in ours]


def _diff_type_ref(
    location: str, ours: dict[str, Any], theirs: dict[str, Any], out: list[SchemaDifference], aspect: str
) -> None:
    if "anonymous" in ours and "anonymous" in theirs:
        _diff(location, ours["anonymous"], theirs["anonymous"], out, aspect)
    elif ours != theirs:
        # A named type against another name, or against an anonymous one: xsi:type and the structure
        # may both differ (the named type itself is compared where it is declared).
        out.append(SchemaDifference(location, aspect, _value(ours), _value(theirs)))


def _diff_facets(
    location: str, ours: dict[str, list[str]], theirs: dict[str, list[str]], out: list[SchemaDifference]
) -> None:
    for facet in _ordered_keys(ours, theirs):
        a, b = ours.get(facet), theirs.get(facet)
        if a == b:
            continue
        if facet in _UNORDERED_FACETS and a is not None and b is not None and sorted(a) == sorted(b):
            out.append(
                SchemaDifference(
                    location, f"{facet} order", ", ".join(a), ", ".join(b), changes_verdict=False
                )
            )
            continue
        harmless = facet == "minLength" and {tuple(a or ["0"]), tuple(b or ["0"])} == {("0",)}
        out.append(
            SchemaDifference(
                location,
                facet,
                None if a is None else ", ".join(a),
                None if b is None else ", ".join(b),
                changes_verdict=not harmless,
            )
        )


def _diff_children(
    location: str, ours: list[dict[str, Any]], theirs: list[dict[str, Any]], out: list[SchemaDifference]
) -> None:
    labels_ours = [_child_label(c) for c in ours]
    labels_theirs = [_child_label(c) for c in theirs]
    if labels_ours != labels_theirs:
        out.append(SchemaDifference(location, "children", ", ".join(labels_ours), ", ".join(labels_theirs)))
    # Compare the children both sides have, by name (and position among namesakes).
    theirs_by_label: dict[str, list[dict[str, Any]]] = {}
    for child in theirs:
        theirs_by_label.setdefault(_child_label(child), []).append(child)
    seen: dict[str, int] = {}
    for child in ours:
        label = _child_label(child)
        index = seen.get(label, 0)
        seen[label] = index + 1
        candidates = theirs_by_label.get(label, [])
        if index < len(candidates):
            _diff(f"{location}/{_child_step(child)}", child, candidates[index], out)


def _diff_attributes(
    location: str, ours: list[dict[str, Any]], theirs: list[dict[str, Any]], out: list[SchemaDifference]
) -> None:
    def key(a: dict[str, Any]) -> str:
        return str(a.get("attribute")) + str(a.get("ref", ""))

    mine = {key(a): a for a in ours}
    other = {key(a): a for a in theirs}
    for name in _ordered_keys(mine, other):
        where = f"{location}/@{_display(str(mine.get(name, other.get(name, {})).get('attribute')))}"
        if name in mine and name in other:
            _diff(where, mine[name], other[name], out)
        else:
            out.append(
                SchemaDifference(
                    where,
                    "attribute",
                    "declared" if name in mine else None,
                    "declared" if name in other else None,
                )
            )


def _compare(bundled: _Set, package: _Set) -> Iterator[SchemaDifference]:
    yield from bundled.conflicts
    yield from package.conflicts
    yield from bundled.problems
    yield from package.problems
    for key in sorted(bundled.components.keys() | package.components.keys(), key=lambda k: (k[1], k[0])):
        ours, theirs = bundled.components.get(key), package.components.get(key)
        label = _component_label(key, ours if ours is not None else theirs or {})
        if ours is None or theirs is None:
            kind = label.split(" ")[0]
            yield SchemaDifference(
                label,
                f"global {kind}",
                None if ours is None else f"declared in {bundled.declared_in[key]}",
                None if theirs is None else f"declared in {package.declared_in[key]}",
            )
            continue
        found: list[SchemaDifference] = []
        _diff(label, ours, theirs, found)
        yield from found


def compare_schema_sets(
    package: str | Path | Mapping[str, bytes], bundled: str | Path | Mapping[str, bytes] | None = None
) -> SchemaComparison:
    """Compare an XSD package (a folder or zip, or its files by name) with the bundled schema set.

    ``bundled`` defaults to the installed set (the directory the bundled schemas load from). Raises
    :class:`~mobb_sdk.SchemaError` when the package cannot be read or holds something other than XML
    Schemas, :class:`~mobb_sdk.XmlError` when one of its files is not well-formed XML.
    """
    package_label = "package" if isinstance(package, Mapping) else str(package)
    bundled_source = schema_dir() if bundled is None else bundled
    bundled_label = "bundled set" if isinstance(bundled_source, Mapping) else str(bundled_source)
    package_files = package if isinstance(package, Mapping) else read_schema_package(package)
    bundled_files = (
        bundled_source if isinstance(bundled_source, Mapping) else read_schema_package(bundled_source)
    )
    ours = _Set("bundled set", bundled_files)
    theirs = _Set("package", package_files)
    differences = tuple(_compare(ours, theirs))
    return SchemaComparison(package_label, bundled_label, differences, tuple(theirs.notes))
