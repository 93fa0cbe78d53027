"""Small PDFs that are wrong in one way each, for tests of :func:`mobb_sdk.inspect_pdf` and BIJ-02.

Good PDFs come from the library itself (:func:`mobb_sdk.make_pdf`); this module adds the broken and the
unusual variants. Every file keeps a correct cross-reference table unless its point is to break one.
"""

from __future__ import annotations

import re
import struct

from mobb_sdk import make_pdf
from mobb_sdk._pdf import _xmp, assemble_pdf

__all__ = [
    "encrypted_pdf",
    "header_too_late",
    "incremental_update_pdf",
    "mentions_encrypt_in_content",
    "not_a_pdf",
    "pdf_without_eof",
    "xmp_attribute_pdf",
    "xref_stream_pdf",
]

_PAGE_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def encrypted_pdf(*, pdfa: str | None = None) -> bytes:
    """A PDF whose trailer names a Standard security handler (RC4, 40 bit) in ``/Encrypt``.

    With ``pdfa`` it also declares that PDF/A level: encryption must be found whatever the metadata says.
    """
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <%b> /U <%b> /P -44 >>" % (b"00" * 32, b"11" * 32)
    objects = [*_PAGE_OBJECTS, encrypt]
    if pdfa is not None:
        xmp = _xmp("Versleuteld", pdfa[0], pdfa[1:].upper())
        objects.append(
            b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%b\nendstream" % (len(xmp), xmp)
        )
        objects[0] = b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>"
    return assemble_pdf(objects, version="1.4", trailer=b"/Root 1 0 R /Encrypt 4 0 R")


def xref_stream_pdf(*, encrypted: bool) -> bytes:
    """A PDF 1.5 with a cross-reference stream instead of a table and trailer (``/Encrypt`` in its dict)."""
    header = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    objects = [*_PAGE_OBJECTS]
    if encrypted:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <%b> /U <%b> /P -44 >>" % (b"00" * 32, b"11" * 32))
    parts = [header]
    offsets = []
    size = len(header)
    for n, obj in enumerate(objects, start=1):
        chunk = b"%d 0 obj\n%b\nendobj\n" % (n, obj)
        offsets.append(size)
        parts.append(chunk)
        size += len(chunk)
    xref_number = len(objects) + 1
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, off, 0) for off in offsets]
    rows.append(struct.pack(">BIH", 1, size, 0))  # the xref stream itself
    data = b"".join(rows)
    encrypt = b" /Encrypt %d 0 R" % len(objects) if encrypted else b""
    xref = (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R%b /Length %d >>\n"
        b"stream\n%b\nendstream\nendobj\n"
        % (
            xref_number,
            xref_number + 1,
            encrypt,
            len(data),
            data,
        )
    )
    parts.append(xref)
    parts.append(b"startxref\n%d\n%%%%EOF\n" % size)
    return b"".join(parts)


def pdf_without_eof() -> bytes:
    """A PDF cut off before its final ``%%EOF`` (as a truncated download would be)."""
    pdf = make_pdf("Afgebroken")
    return pdf[: pdf.rindex(b"%%EOF")]


def not_a_pdf() -> bytes:
    """The start of a ZIP (a .docx is one): no ``%PDF-`` header."""
    return b"PK\x03\x04\x14\x00\x06\x00" + b"word/document.xml" + b"\x00" * 64


def header_too_late() -> bytes:
    """A PDF with 1024 bytes of junk before its header: readers would not find it."""
    return b"x" * 1024 + make_pdf("Te laat")


def xmp_attribute_pdf(part: str = "1", conformance: str = "A") -> bytes:
    """A PDF whose XMP declares PDF/A in the attribute form ``pdfaid:part="1"``."""
    xmp = (
        b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'
        b' pdfaid:part="%b" pdfaid:conformance="%b"/>'
        b'</rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>' % (part.encode(), conformance.encode())
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>",
        *_PAGE_OBJECTS[1:],
        b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%b\nendstream" % (len(xmp), xmp),
    ]
    return assemble_pdf(objects, version="1.4")


def mentions_encrypt_in_content(text: str = "The trailer key /Encrypt marks an encrypted PDF") -> bytes:
    """Not encrypted, but the page text (an uncompressed content stream) shows ``/Encrypt``."""
    return make_pdf(text)


def incremental_update_pdf(first: str, then: str) -> bytes:
    """A PDF/A-``first`` file with an incremental update whose new XMP packet declares ``then``.

    The update appends the new metadata object, an xref section for it and a trailer with ``/Prev``, as
    editors do; the last packet is the one that counts.
    """
    pdf = make_pdf("Bijgewerkt", pdfa=first)
    prev = int(pdf[pdf.rindex(b"startxref") + 9 : pdf.rindex(b"%%EOF")].strip())
    size = int(re.search(rb"/Size (\d+)", pdf).group(1))  # type: ignore[union-attr]
    xmp = _xmp("Bijgewerkt", then[0], then[1:].upper())
    obj = b"%d 0 obj\n<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%b\nendstream\nendobj\n" % (
        size,
        len(xmp),
        xmp,
    )
    xref_at = len(pdf) + len(obj)
    section = b"xref\n%d 1\n%010d 00000 n \n" % (size, len(pdf))
    trailer = b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size + 1,
        prev,
        xref_at,
    )
    return pdf + obj + section + trailer
