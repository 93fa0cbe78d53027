"""The bundled XSDs: where they are, which document each one compiles, and their compiled forms.

The schema files live in the repository's top-level ``schemas/`` directory and ship inside the wheel
as ``mobb_sdk/schemas``. They are mobb-sdk's own files, written from the interface facts of
``spec/logius-interface.md`` (the 2026 Logius XSD/WSDL package): same element names, namespaces,
order, cardinalities, types and facets as Logius' schemas.

The set compiles anywhere: every ``schemaLocation`` names a file of the set, so lxml without a
resolver, xmllint, the JDK and xmlschema all load it from the directory. The files declare the same
global components as Logius' (spec section 3). Logius' package ships the letter types as
``GLOBEBatchRequestTypes_128ch.xsd`` while its request schema imports ``GLOBEBatchRequestTypes.xsd``;
the set holds the file under the imported name and a byte-identical copy under the ``_128ch`` name.

Loading is closed: every file is read once, checked against ``MANIFEST.sha256`` (sha256sum format),
and compiled from those verified bytes. An ``xs:import``/``xs:include`` resolves only to a file of the
set, by its bare name; any other location raises :class:`~mobb_sdk.SchemaError`. Nothing is fetched
from the network or read from elsewhere on disk.

Compiled schemas are cached per :class:`SchemaSet` and built once behind a lock. Regenerate the
manifest after editing a schema with ``python -m mobb_sdk._schemas --write-manifest``.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from lxml import etree

from mobb_sdk._bundled import bundled_dir
from mobb_sdk._errors import DocumentTypeError, SchemaError
from mobb_sdk._ids import GUID_LENGTH
from mobb_sdk._namespaces import ABO, BER, BVS, RES, SH, VAL, VALT

if TYPE_CHECKING:  # xmlschema (about 100 ms to import) loads only when its backend is first used
    import xmlschema

__all__ = [
    "GUID_PATTERN",
    "MANIFEST_NAME",
    "NAMESPACES",
    "SCHEMA_FILES",
    "SCHEMA_VERSION",
    "DocumentKind",
    "SchemaSet",
    "default_schema_set",
    "fault_kind",
    "kind_of",
    "lxml_schema",
    "manifest_hash",
    "schema_dir",
    "schema_manifest",
    "verify_manifest",
    "write_manifest",
    "xmlschema_schema",
]

#: Version of the bundled schema set; it follows the facts of the 2026 Logius XSD/WSDL package.
#: 2026.2: the global components of Logius' files (anonymous types elsewhere, the WCF global elements)
#: and the letter types under the name the request schema imports.
SCHEMA_VERSION = "2026.2"

MANIFEST_NAME = "MANIFEST.sha256"

XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"

#: The interface's namespaces by the prefixes the spec uses (prefixes in documents are free).
NAMESPACES: Mapping[str, str] = {
    "bvs": BVS,
    "ber": BER,
    "res": RES,
    "val": VAL,
    "valt": VALT,
    "sh": SH,
    "abo": ABO,
}

# Every schemaLocation the bundled files may name: the bare name of a file of the set. This is the whole
# world the resolvers see: anything else is an error.
_LOCATIONS: Mapping[str, str] = {
    name: name
    for name in (
        "GLOBEBatchRequest.xsd",
        "GLOBEBatchRequestTypes.xsd",
        # Logius' package name of the letter types (a byte-identical copy; nothing of ours imports it).
        "GLOBEBatchRequestTypes_128ch.xsd",
        "GLOBEBatchResponse.xsd",
        "GLOBEBatchResponseTypes.xsd",
        "BerichtenboxValidatieService.xsd",
        "BerichtenboxValidatieServiceTypes.xsd",
        "SharedTypes.xsd",
        "AbonnementAanvraag.xsd",
    )
}

#: The bundled schema files, each listed in the manifest.
SCHEMA_FILES: tuple[str, ...] = tuple(sorted(set(_LOCATIONS.values())))


class DocumentKind(enum.Enum):
    """A document of the interface: its root element and the bundled schema that compiles it.

    The two fault kinds are the ``detail`` children of a WUS SOAP Fault: :func:`fault_kind` finds them,
    :func:`kind_of` (documents only) does not.
    """

    BATCH = "batch"
    RESULT = "result"
    WUS_REQUEST = "wus_request"
    WUS_RESPONSE = "wus_response"
    ABONNEMENT_AANVRAAG = "abonnement_aanvraag"
    APPLICATION_FAULT = "application_fault"
    DEPENDENT_SERVICE_FAULT = "dependent_service_fault"

    @property
    def root(self) -> tuple[str, str]:
        """The root element as (namespace, local name)."""
        return _ROOTS[self]

    @property
    def root_tag(self) -> str:
        """The root element in Clark notation, ``{namespace}local``."""
        namespace, local = _ROOTS[self]
        return f"{{{namespace}}}{local}"

    @property
    def schema_file(self) -> str:
        """The bundled file whose compilation validates this document."""
        return _MAIN_FILES[self]

    @property
    def is_fault(self) -> bool:
        return self in (DocumentKind.APPLICATION_FAULT, DocumentKind.DEPENDENT_SERVICE_FAULT)


_ROOTS: Mapping[DocumentKind, tuple[str, str]] = {
    DocumentKind.BATCH: (BVS, "Berichten"),
    DocumentKind.RESULT: (BVS, "BerichtVerwerkResponse"),
    DocumentKind.WUS_REQUEST: (VAL, "ValidateAbonnementen"),
    DocumentKind.WUS_RESPONSE: (VAL, "ValidateAbonnementenResponse"),
    DocumentKind.ABONNEMENT_AANVRAAG: (ABO, "AbonnementAanvraag"),
    DocumentKind.APPLICATION_FAULT: (SH, "ApplicationFault"),
    DocumentKind.DEPENDENT_SERVICE_FAULT: (SH, "DependentServiceFault"),
}

_MAIN_FILES: Mapping[DocumentKind, str] = {
    DocumentKind.BATCH: "GLOBEBatchRequest.xsd",
    DocumentKind.RESULT: "GLOBEBatchResponse.xsd",
    DocumentKind.WUS_REQUEST: "BerichtenboxValidatieService.xsd",
    DocumentKind.WUS_RESPONSE: "BerichtenboxValidatieService.xsd",
    DocumentKind.ABONNEMENT_AANVRAAG: "AbonnementAanvraag.xsd",
    DocumentKind.APPLICATION_FAULT: "SharedTypes.xsd",
    DocumentKind.DEPENDENT_SERVICE_FAULT: "SharedTypes.xsd",
}

_DOCUMENT_BY_TAG: Mapping[str, DocumentKind] = {k.root_tag: k for k in DocumentKind if not k.is_fault}
_FAULT_BY_TAG: Mapping[str, DocumentKind] = {k.root_tag: k for k in DocumentKind if k.is_fault}


def _lookup(
    element: etree._Element | etree._ElementTree, table: Mapping[str, DocumentKind], what: str
) -> DocumentKind:
    if isinstance(element, etree._ElementTree):
        element = element.getroot()
    tag = element.tag
    kind = table.get(tag) if isinstance(tag, str) else None
    if kind is None:
        qname = etree.QName(element) if isinstance(tag, str) else None
        local = qname.localname if qname else str(tag)
        namespace = qname.namespace if qname else None
        where = f"namespace {namespace!r}" if namespace else "no namespace"
        raise DocumentTypeError(f"not {what} of the interface: element {local!r} in {where}")
    return kind


def kind_of(element: etree._Element | etree._ElementTree) -> DocumentKind:
    """The kind of document whose root ``element`` is (a tree gives its root).

    Raises :class:`~mobb_sdk.DocumentTypeError` naming the namespace and local name when the element is
    not the root of a document of the interface (a SOAP Fault detail is not: see :func:`fault_kind`).
    """
    return _lookup(element, _DOCUMENT_BY_TAG, "a document root")


def fault_kind(detail_child: etree._Element) -> DocumentKind:
    """The kind of a SOAP Fault ``detail`` child: ``APPLICATION_FAULT`` or ``DEPENDENT_SERVICE_FAULT``.

    Raises :class:`~mobb_sdk.DocumentTypeError` for any other element.
    """
    return _lookup(detail_child, _FAULT_BY_TAG, "a SOAP Fault detail")


# ---------------------------------------------------------------------------------------- locating


# A file every schema directory has (the manifest may not exist yet when it is first written).
_MARKER = "GLOBEBatchRequest.xsd"


def schema_dir() -> Path:
    """The directory holding the bundled schemas.

    Installed from a wheel, that is ``mobb_sdk/schemas`` inside the package (hatch force-include). From
    a source tree (editable install, tests) the force-include is not there: use the repository's
    top-level ``schemas/`` instead.
    """
    found = bundled_dir("schemas", "schemas", _MARKER)
    if found is None:
        source_tree = Path(__file__).resolve().parents[2] / "schemas"
        raise SchemaError(
            f"the bundled schemas are missing: no {_MARKER} in mobb_sdk/schemas or in {source_tree}"
        )
    return found


# ---------------------------------------------------------------------------------------- manifest


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_manifest(directory: Path | None = None) -> str:
    """Write ``MANIFEST.sha256`` (sha256sum format) for every bundled schema in ``directory``.

    Returns the manifest text. Run after editing a schema: ``python -m mobb_sdk._schemas --write-manifest``.
    """
    directory = schema_dir() if directory is None else directory
    lines = []
    for name in SCHEMA_FILES:
        path = directory / name
        if not path.is_file():
            raise SchemaError(f"cannot write the manifest: {name} is missing from {directory}")
        lines.append(f"{_sha256(path.read_bytes())}  {name}\n")
    text = "".join(lines)
    (directory / MANIFEST_NAME).write_text(text, encoding="utf-8", newline="\n")
    return text


def _manifest_text(directory: Path) -> str:
    path = directory / MANIFEST_NAME
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read the schema manifest {path}: {exc.strerror or exc}") from None


def _parse_manifest(text: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep:  # sha256sum's binary marker: "<hex> *<name>"
            digest, sep, name = line.partition(" *")
        digest = digest.strip().lower()
        if (
            not sep
            or len(digest) != 64
            or any(c not in "0123456789abcdef" for c in digest)
            or not name
            or "/" in name
            or "\\" in name
            or name in (".", "..")
        ):
            raise SchemaError(f"{MANIFEST_NAME} line {number} is not '<sha256>  <file name>'")
        if name in entries:
            raise SchemaError(f"{MANIFEST_NAME} lists {name} twice")
        entries[name] = digest
    return entries


def schema_manifest(directory: Path | None = None) -> dict[str, str]:
    """The manifest as {file name: sha256 hex digest}."""
    return _parse_manifest(_manifest_text(schema_dir() if directory is None else directory))


def manifest_hash(directory: Path | None = None) -> str:
    """SHA-256 of the manifest text: one fingerprint of the whole schema set (for logs and reports)."""
    return _sha256(_manifest_text(schema_dir() if directory is None else directory).encode("utf-8"))


def _read_verified(directory: Path) -> dict[str, bytes]:
    """Read every bundled schema and check it against the manifest; return the verified bytes."""
    manifest = schema_manifest(directory)
    missing = [name for name in SCHEMA_FILES if name not in manifest]
    if missing:
        raise SchemaError(f"{MANIFEST_NAME} does not list {', '.join(missing)}")
    try:
        present = {p.name for p in directory.iterdir() if p.suffix == ".xsd"}
    except OSError as exc:
        raise SchemaError(f"cannot list the schema directory {directory}: {exc.strerror or exc}") from None
    unlisted = sorted(present - manifest.keys())
    if unlisted:
        raise SchemaError(f"schema file(s) not in {MANIFEST_NAME}: {', '.join(unlisted)}")
    files: dict[str, bytes] = {}
    for name, digest in sorted(manifest.items()):
        try:
            data = (directory / name).read_bytes()
        except OSError as exc:
            raise SchemaError(
                f"schema {name} listed in {MANIFEST_NAME} cannot be read: {exc.strerror}"
            ) from None
        if _sha256(data) != digest:
            raise SchemaError(f"schema {name} does not match its SHA-256 in {MANIFEST_NAME}: it was changed")
        files[name] = data
    return files


def verify_manifest(directory: Path | None = None) -> None:
    """Check every bundled schema against ``MANIFEST.sha256``; raise SchemaError on any mismatch."""
    _read_verified(schema_dir() if directory is None else directory)


# ----------------------------------------------------------------------------------------- compile


class _BundledResolver(etree.Resolver):
    """Resolves schemaLocations to bundled bytes only; everything else is refused and remembered.

    The main schema is parsed with its bare file name as base URL, so a relative schemaLocation arrives
    here as the bare name it was written as.
    """

    def __init__(self, files: Mapping[str, bytes]) -> None:
        super().__init__()
        self._files = files
        self.refused: list[str] = []

    # lxml passes a third argument, the context, that lxml-stubs leave out of the signature.
    def resolve(  # type: ignore[override]
        self, system_url: str | None, public_id: str | None, context: object
    ) -> Any:
        target = _LOCATIONS.get(system_url or "")
        if target is None or target not in self._files:
            self.refused.append(system_url or f"public id {public_id!r}")
            # libxml2 turns this into a failed import; the caller raises SchemaError from `refused`.
            raise SchemaError(f"schema location {system_url!r} is not a bundled schema")
        return self.resolve_string(self._files[target], context, base_url=system_url)


def _compile_lxml(files: Mapping[str, bytes], main: str) -> etree.XMLSchema:
    resolver = _BundledResolver(files)
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False, remove_comments=True
    )
    parser.resolvers.add(resolver)
    try:
        document = etree.fromstring(files[main], parser, base_url=main)
        schema = etree.XMLSchema(document)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        if resolver.refused:
            raise SchemaError(
                f"{main}: cannot resolve schema location {resolver.refused[0]!r}: "
                "only bundled schemas may be imported"
            ) from None
        raise SchemaError(f"{main} does not compile: {exc}") from None
    if resolver.refused:  # pragma: no cover - libxml2 always fails the import after a refusal
        raise SchemaError(f"{main}: cannot resolve schema location {resolver.refused[0]!r}")
    return schema


@functools.cache
def _bundled_loader() -> type[Any]:
    """The xmlschema loader class that serves imports from the verified bytes and refuses anything else.

    xmlschema treats an import that fails to load as a warning (per the XSD spec); raising SchemaError
    here, which it does not catch, makes it an error as the design asks. Defined on first use, so
    xmlschema is imported only when its backend is.
    """
    from xmlschema.loaders import SchemaLoader

    class _BundledLoader(SchemaLoader):
        files: ClassVar[Mapping[str, bytes]] = {}
        urls: ClassVar[Mapping[str, str]] = {}

        def load_schema(
            self,
            source: Any,
            namespace: str | None = None,
            base_url: str | None = None,
            build: bool = False,
            partial: bool = False,
        ) -> Any:
            if isinstance(source, str):
                name = self.urls.get(source)
                if name is None or name not in self.files:
                    raise SchemaError(
                        f"cannot resolve schema location {source!r}: only bundled schemas may be imported"
                    )
                source = self.files[name].decode("utf-8")
            return super().load_schema(source, namespace, base_url, build, partial)

    return _BundledLoader


_XSD_REFERENCES = ("import", "include", "redefine", "override")


def _reachable(files: Mapping[str, bytes], main: str) -> set[str]:
    """The files ``main`` loads (itself included). Every schemaLocation reachable from ``main`` must be
    a literal name of the table.

    xmlschema only shows the loader a URL normalised against the base URL (``../schemas/X.xsd`` looks
    like ``X.xsd`` there), so the literal names are checked first, as lxml's resolver sees them.
    """
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    pending, done = [main], set()
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        root = etree.fromstring(files[name], parser)
        for reference in root.iterchildren(*(f"{{{XSD_NAMESPACE}}}{tag}" for tag in _XSD_REFERENCES)):
            location = reference.get("schemaLocation")
            if location is None:
                continue
            target = _LOCATIONS.get(location)
            if target is None or target not in files:
                raise SchemaError(
                    f"{name}: cannot resolve schema location {location!r}: "
                    "only bundled schemas may be imported"
                )
            pending.append(target)
    return done


def _compile_xmlschema(files: Mapping[str, bytes], main: str, directory: Path) -> xmlschema.XMLSchema10:
    import xmlschema
    from xmlschema.utils.urls import normalize_url

    _reachable(files, main)
    base_url = directory.as_posix().rstrip("/") + "/"
    # The normalised URL of every name a schemaLocation may use, as xmlschema will compute it.
    urls = {normalize_url(location, base_url): target for location, target in _LOCATIONS.items()}
    loader = type("_Loader", (_bundled_loader(),), {"files": dict(files), "urls": urls})
    try:
        return xmlschema.XMLSchema10(
            files[main].decode("utf-8"),
            base_url=base_url,
            loader_class=loader,
            use_fallback=False,
            allow="none",  # no URL is ever opened: sources are text from the verified bytes
            defuse="always",
        )
    except SchemaError:
        raise
    except (xmlschema.XMLSchemaException, OSError, ValueError) as exc:
        raise SchemaError(f"{main} does not compile with xmlschema: {exc}") from None


#: The pattern of the interface's GUID types (``ber:guid``, ``res:guid``): 8-4-4-4-12 hex digits. libxml2
#: runs it slowly (its ``\d`` is any Unicode digit): it is most of the cost of checking a result, and
#: half of checking a batch.
GUID_PATTERN = r"[\da-fA-F]{8}-[\da-fA-F]{4}-[\da-fA-F]{4}-[\da-fA-F]{4}-[\da-fA-F]{12}"

_XS = f"{{{XSD_NAMESPACE}}}"


def _resolves_to(element: etree._Element, value: str | None, clark: str) -> bool:
    """Whether the QName ``value`` (as written in ``element``'s scope) names ``clark``."""
    if value is None:
        return False
    prefix, _, local = value.rpartition(":")
    return f"{{{element.nsmap.get(prefix or None, '')}}}{local}" == clark


def _content(el: etree._Element) -> list[etree._Element]:
    """The XSD children of ``el`` that mean something: not annotations, comments or PIs."""
    return [c for c in el.iterchildren(f"{_XS}*") if c.tag != f"{_XS}annotation"]


def _guid_types(roots: Mapping[str, etree._Element]) -> set[str]:
    """Clark names of the simple types defined as ``xs:string`` restricted by :data:`GUID_PATTERN` alone."""
    found = set()
    for root in roots.values():
        for simple in root.iterchildren(f"{_XS}simpleType"):
            body = _content(simple)
            if len(body) != 1 or body[0].tag != f"{_XS}restriction":
                continue
            facets = _content(body[0])
            if (
                _resolves_to(body[0], body[0].get("base"), f"{_XS}string")
                and [(f.tag, f.get("value")) for f in facets] == [(f"{_XS}pattern", GUID_PATTERN)]
                and simple.get("name")
            ):
                found.add(f"{{{root.get('targetNamespace', '')}}}{simple.get('name')}")
    return found


def _declared_name(el: etree._Element, root: etree._Element) -> str:
    """The Clark name of the elements an ``xs:element name=...`` declaration of ``root`` declares."""
    local = el.get("name") or ""
    namespace = root.get("targetNamespace")
    qualified = el.getparent() is root or el.get("form", root.get("elementFormDefault")) == "qualified"
    return f"{{{namespace}}}{local}" if qualified and namespace else local


def _guids_apart(files: Mapping[str, bytes], main: str) -> tuple[dict[str, bytes], frozenset[str]]:
    """The files of ``main`` with every element declared of a GUID type (:func:`_guid_types`) declared
    instead of an anonymous restriction of ``xs:string`` to ``GUID_LENGTH`` characters, and the Clark
    names of those elements.

    The rest is untouched. An anonymous type has no name an ``xsi:type`` could give, and nothing derives
    from it, so such an element holds 36 characters of plain text or the document fails. A schema with
    a substitution group, a redefine or an override (whose elements could take such a type without
    naming it) is left whole: no names.
    """
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    roots = {name: etree.fromstring(files[name], parser) for name in sorted(_reachable(files, main))}
    for root in roots.values():
        if root.find(f"{_XS}redefine") is not None or root.find(f"{_XS}override") is not None:
            return dict(files), frozenset()
        if any(el.get("substitutionGroup") for el in root.iter(f"{_XS}element")):
            return dict(files), frozenset()
    guid_types = _guid_types(roots)
    changed = dict(files)
    names: set[str] = set()
    for name, root in roots.items():
        declarations = [
            el
            for el in root.iter(f"{_XS}element")
            if any(_resolves_to(el, el.get("type"), t) for t in guid_types)
        ]
        for el in declarations:
            del el.attrib["type"]
            xs = next((p for p, uri in el.nsmap.items() if uri == XSD_NAMESPACE), None)
            string = f"{xs}:string" if xs else "string"
            simple = etree.Element(f"{_XS}simpleType")
            restriction = etree.SubElement(simple, f"{_XS}restriction", base=string)
            etree.SubElement(restriction, f"{_XS}length", value=str(GUID_LENGTH))
            # After an xs:annotation, where the content model of xs:element puts the type.
            first = el[0] if len(el) else None
            el.insert(1 if first is not None and first.tag == f"{_XS}annotation" else 0, simple)
            names.add(_declared_name(el, root))
        if declarations:
            changed[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return changed, frozenset(names)


class SchemaSet:
    """The bundled schemas of one directory, verified once and compiled once per file.

    The default set (:func:`default_schema_set`) reads :func:`schema_dir`; tests build their own over a
    copy. All methods are thread safe.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._lock = threading.Lock()
        self._files: dict[str, bytes] | None = None
        self._lxml: dict[str, etree.XMLSchema] = {}
        self._xmlschema: dict[str, xmlschema.XMLSchema10] = {}
        self._error_log_locks: dict[str, threading.Lock] = {}
        self._guid_elements: dict[str, frozenset[str]] = {}

    @property
    def directory(self) -> Path:
        if self._directory is None:
            self._directory = schema_dir()
        return self._directory

    def _verified_files(self) -> dict[str, bytes]:
        # Called with self._lock held: the manifest is checked once, before the first compilation.
        if self._files is None:
            self._files = _read_verified(self.directory)
        return self._files

    def lxml_schema(self, kind: DocumentKind) -> etree.XMLSchema:
        """The compiled lxml schema for ``kind`` (one object per schema file, built on first use)."""
        schema = self._lxml.get(kind.schema_file)
        if schema is None:
            with self._lock:
                schema = self._compiled_lxml(kind)
        return schema

    def _compiled_lxml(self, kind: DocumentKind) -> etree.XMLSchema:
        # Called with self._lock held.
        main = kind.schema_file
        schema = self._lxml.get(main)
        if schema is None:
            schema = _compile_lxml(self._verified_files(), main)
            self._error_log_locks[main] = threading.Lock()
            self._lxml[main] = schema
        return schema

    def lxml_schema_guids_apart(self, kind: DocumentKind) -> tuple[etree.XMLSchema, frozenset[str]]:
        """``kind``'s lxml schema with the GUIDs' pattern (:data:`GUID_PATTERN`) left to the caller, and
        the Clark names of the elements it leaves it for (built on first use).

        Those elements are declared as ``GUID_LENGTH`` characters of ``xs:string`` instead (see
        :func:`_guids_apart`); the rest of the schema is the bundled one. A document this schema accepts
        satisfies the bundled one exactly when every such element's text matches the GUID pattern.
        Validate with it under :meth:`lxml_lock_guids_apart`. A schema without GUIDs is returned as is.
        The bundled schema is compiled first (about a millisecond), so a broken one is reported from its
        own bytes, with the lines as written, not from the changed copy.
        """
        key = kind.schema_file + _GUIDS_APART
        compiled = self._lxml.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._lxml.get(key)
                if compiled is None:
                    bundled = self._compiled_lxml(kind)
                    files, names = _guids_apart(self._verified_files(), kind.schema_file)
                    if names:
                        compiled = _compile_lxml(files, kind.schema_file)
                        lock = threading.Lock()
                    else:  # the same object, so the same lock
                        compiled = bundled
                        lock = self._error_log_locks[kind.schema_file]
                    self._guid_elements[key] = names
                    self._error_log_locks[key] = lock
                    self._lxml[key] = compiled
        return compiled, self._guid_elements[key]

    def lxml_lock_guids_apart(self, kind: DocumentKind) -> threading.Lock:
        """The lock to hold while validating with :meth:`lxml_schema_guids_apart`."""
        self.lxml_schema_guids_apart(kind)
        return self._error_log_locks[kind.schema_file + _GUIDS_APART]

    def lxml_lock(self, kind: DocumentKind) -> threading.Lock:
        """The lock to hold while validating with :meth:`lxml_schema` and reading its error log.

        A compiled lxml schema keeps one ``error_log`` that every call overwrites, so a validation whose
        errors are read must not overlap another on the same schema object.
        """
        self.lxml_schema(kind)
        return self._error_log_locks[kind.schema_file]

    def xmlschema_schema(self, kind: DocumentKind) -> xmlschema.XMLSchema10:
        """The compiled xmlschema schema for ``kind`` (built on first use; validation is reentrant)."""
        main = kind.schema_file
        schema = self._xmlschema.get(main)
        if schema is None:
            with self._lock:
                schema = self._xmlschema.get(main)
                if schema is None:
                    schema = _compile_xmlschema(self._verified_files(), main, self.directory)
                    self._xmlschema[main] = schema
        return schema


# The cache key of a schema compiled by lxml_schema_guids_apart, after its main file's name.
_GUIDS_APART = "#guids-apart"

_default_lock = threading.Lock()
_default: SchemaSet | None = None


def default_schema_set() -> SchemaSet:
    """The process-wide schema set over :func:`schema_dir`."""
    global _default  # one lazily built cache per process is the point
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = SchemaSet()
    return _default


def lxml_schema(kind: DocumentKind) -> etree.XMLSchema:
    """The compiled lxml schema of ``kind`` from the bundled set (compiled once per process)."""
    return default_schema_set().lxml_schema(kind)


def xmlschema_schema(kind: DocumentKind) -> xmlschema.XMLSchema10:
    """The compiled xmlschema schema of ``kind`` from the bundled set (compiled once per process)."""
    return default_schema_set().xmlschema_schema(kind)


def _main(argv: list[str]) -> int:
    if argv == ["--write-manifest"]:
        directory = schema_dir()
        sys.stdout.write(write_manifest(directory))
        sys.stdout.write(f"written to {directory / MANIFEST_NAME}\n")
        return 0
    if argv == ["--verify"]:
        verify_manifest()
        sys.stdout.write(f"schema set {SCHEMA_VERSION} OK, manifest sha256 {manifest_hash()}\n")
        return 0
    sys.stderr.write("usage: python -m mobb_sdk._schemas --write-manifest | --verify\n")
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
