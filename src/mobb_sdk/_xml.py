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
from typing import IO, Any, TypeAlias

from lxml import etree

from mobb_sdk._errors import XmlError, XmlSecurityError

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
        data = source.encode("utf-8")
        if data.lstrip().startswith(b"<?xml"):
            # An encoding declaration in a str would contradict the UTF-8 we just chose.
            data = data[data.index(b"?>") + 2 :]
    elif isinstance(source, os.PathLike):
        path = Path(source)
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise XmlSecurityError(f"document is larger than {MAX_DOCUMENT_BYTES} bytes")
        data = path.read_bytes()
    elif isinstance(source, io.IOBase) or hasattr(source, "read"):
        data = source.read(MAX_DOCUMENT_BYTES + 1)
    else:
        raise TypeError(f"cannot read XML from {type(source).__name__}")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise XmlSecurityError(f"document is larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


def parse_xml(source: XmlSource) -> etree._ElementTree:
    """Parse ``source`` (bytes, a ``str`` holding XML, a path or a binary file) with the hardened parser."""
    data = _read(source)
    if not data.strip():
        raise XmlError("document is empty")
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
