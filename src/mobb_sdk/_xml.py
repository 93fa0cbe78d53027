"""The one hardened XML parser of mobb-sdk.

Every document that enters the library (a batch from a vendor, a result from Logius, a SOAP answer)
goes through :func:`parse_xml`: no DTD, no entity expansion, no network, no file access, no text node
over libxml2's 10 MB default and no nesting deeper than 256. A hostile document raises
:class:`~mobb_sdk.XmlSecurityError` quickly; a broken one :class:`~mobb_sdk.XmlError`.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import IO, Any, AnyStr, TypeAlias

from lxml import etree

from mobb_sdk._errors import ArgumentTypeError, XmlError, XmlSecurityError

__all__ = ["MAX_DOCUMENT_BYTES", "XmlSource", "parse_xml"]

#: Largest document read: a batch may be 100,000,000 bytes (BATCH-02); leave room to report it too large.
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024

XmlSource: TypeAlias = "bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]"

# Fragments of libxml2's messages for the limits a hostile document runs into.
_SECURITY_MARKERS = (
    "huge text node",
    "excessive depth",
    "entity",
    "amplification",
    "maximum",
    "too big",
    "xmlsax2characters",
    "resource limit",
)

_local = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread safe: one per thread, built once.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def _read(source: XmlSource) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str):
        # A str is a document, never a file name: paths are given as pathlib.Path.
        data = source.encode("utf-8", errors="surrogatepass")
        if data.lstrip().startswith(b"<?xml"):
            # An encoding declaration in a str would contradict the UTF-8 we just chose.
            end = data.find(b"?>")
            if end < 0:
                raise XmlError("not well-formed XML: the XML declaration is not closed with '?>'", 1)
            data = data[end + 2 :]
    elif isinstance(source, os.PathLike):
        data = _read_file(Path(source))
    elif isinstance(source, io.IOBase) or hasattr(source, "read"):
        try:
            data = source.read(MAX_DOCUMENT_BYTES + 1)
        except OSError as exc:
            raise XmlError(f"cannot read the document: {exc.strerror or exc}") from None
        if not isinstance(data, bytes | bytearray):
            raise ArgumentTypeError(f"a file to read XML from must be binary, got {type(data).__name__}")
    else:
        raise ArgumentTypeError(f"cannot read XML from {type(source).__name__}")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise XmlSecurityError(f"document is larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


def _read_file(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            if os.fstat(f.fileno()).st_size > MAX_DOCUMENT_BYTES:
                raise XmlSecurityError(f"document is larger than {MAX_DOCUMENT_BYTES} bytes")
            return f.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise XmlError(f"cannot read {path.name}: {exc.strerror or exc}") from None


def _prolog(data: bytes) -> str | bytes:
    """The text to look for a DOCTYPE in: the bytes as they are, or decoded when UTF-16 (BOM or not)."""
    head = data[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:2] in (b"<\x00", b"\x00<"):
        encoding = "utf-16-be" if head[:2] in (b"\xfe\xff", b"\x00<") else "utf-16-le"
        return data.decode(encoding, errors="replace").lstrip("\ufeff")
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _declares_doctype(data: bytes) -> bool:
    """Whether the prolog (before the root element) holds a ``<!DOCTYPE``."""
    text = _prolog(data)
    if isinstance(text, str):
        return _scan_prolog(text, ("<", "<?", "?>", "<!--", "-->", "<!DOCTYPE"))
    return _scan_prolog(text, (b"<", b"<?", b"?>", b"<!--", b"-->", b"<!DOCTYPE"))


def _scan_prolog(text: AnyStr, marks: tuple[AnyStr, AnyStr, AnyStr, AnyStr, AnyStr, AnyStr]) -> bool:
    # Skips the XML declaration, processing instructions, comments and white space; anything else
    # (the root element, or garbage for the parser to report) ends the prolog.
    lt, pi, pi_end, comment, comment_end, doctype = marks
    pos = 0
    while True:
        start = text.find(lt, pos)
        if start < 0 or text[pos:start].strip():
            return False
        if text.startswith(pi, start):
            end, width = text.find(pi_end, start), len(pi_end)
        elif text.startswith(comment, start):
            end, width = text.find(comment_end, start), len(comment_end)
        else:
            return text.startswith(doctype, start)
        if end < 0:
            return False
        pos = end + width


def parse_xml(source: XmlSource) -> etree._ElementTree:
    """Parse ``source`` (bytes, a ``str`` holding XML, a path or a binary file) with the hardened parser."""
    data = _read(source)
    if not data.strip():
        raise XmlError("document is empty")
    # Refused before libxml2 sees it: an external subset or a parameter entity would otherwise be
    # loaded (file:// is not covered by no_network) or reported as merely broken XML.
    if _declares_doctype(data):
        raise XmlSecurityError("refused: a document type declaration (DTD) is not allowed")
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg or exc)
        line = exc.lineno if isinstance(exc.lineno, int) else None
        if any(marker in message.lower() for marker in _SECURITY_MARKERS):
            raise XmlSecurityError(f"refused: {message}", line) from None
        raise XmlError(f"not well-formed XML: {message}", line) from None
    tree = root.getroottree()
    docinfo: Any = tree.docinfo  # lxml-stubs lacks DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlSecurityError("refused: a document type declaration (DTD) is not allowed")
    return tree
