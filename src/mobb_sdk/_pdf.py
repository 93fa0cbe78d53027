"""Just enough PDF for BIJ-02: look at an attachment's bytes, and make a small PDF for demos and tests.

:func:`inspect_pdf` answers the questions the Berichtenbox cares about (is it a PDF, is it encrypted,
does it declare PDF/A-1a or PDF/A-2a) by scanning bytes in bounded regions; it parses nothing and needs
no dependency, and it takes well under a millisecond for a 500 kB file.

Limits, by design:

- **Header**: ``%PDF-x.y`` must start within the first 1024 bytes (what PDF readers accept).
- **End**: ``%%EOF`` must occur within the last 1024 bytes; a file without it is probably truncated.
- **Encryption** is an ``/Encrypt`` entry in a trailer dictionary or in a cross-reference stream
  dictionary. Both are always plain text, even in a PDF that compresses everything else: object streams
  may hold ordinary objects only, never a cross-reference stream, and the cross-reference stream's
  dictionary itself is not compressed (only its binary data is). So a conforming encrypted PDF cannot hide
  its ``/Encrypt`` entry from this scan. A broken file whose trailer cannot be found is reported as not
  encrypted; readers would refuse it anyway.
- **PDF/A** is read from the XMP metadata: ``pdfaid:part`` and ``pdfaid:conformance``, as attributes
  (``pdfaid:part="2"``) or as elements (``<pdfaid:part>2</pdfaid:part>``). PDF/A keeps the document's
  XMP packet unfiltered so that it can be found without a PDF parser; a PDF that compresses it (or binds
  the namespace to another prefix than the customary ``pdfaid``) shows no declaration here. When there
  are several packets (incremental updates append one) the last one counts.
- A declaration is a claim, not proof: whether the file really conforms to PDF/A takes a validator
  such as veraPDF.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

import attrs

from mobb_sdk._errors import ArgumentTypeError

__all__ = ["PdfInfo", "inspect_pdf", "make_pdf"]

_HEAD_WINDOW: Final = 1024
_TAIL_WINDOW: Final = 1024
# How far a trailer or cross-reference stream dictionary reaches; real ones are a few hundred bytes.
_DICT_WINDOW: Final = 8192
# How far an XMP packet reaches around its pdfaid:part entry.
_XMP_WINDOW: Final = 64 * 1024

_VERSION_RE: Final = re.compile(rb"%PDF-(\d+\.\d+)")
# "/Encrypt" as a whole name: not "/EncryptMetadata" (a key of the encryption dictionary itself).
_ENCRYPT_RE: Final = re.compile(rb"/Encrypt(?![^\s/<>\[\]()%{}])")
_STARTXREF_RE: Final = re.compile(rb"startxref\s+(\d+)")
_OBJ_RE: Final = re.compile(rb"\d+\s+\d+\s+obj\b")
_TRAILER_RE: Final = re.compile(rb"trailer\s*<<")
_XREF_TYPE_RE: Final = re.compile(rb"/Type\s*/XRef(?![^\s/<>\[\]()%{}])")
_PART_RE: Final = re.compile(rb"pdfaid:part\s*(?:=\s*[\"']\s*(\d+)|>\s*(\d+)\s*<)")
_CONFORMANCE_RE: Final = re.compile(rb"pdfaid:conformance\s*(?:=\s*[\"']\s*([A-Za-z])|>\s*([A-Za-z])\s*<)")


@attrs.frozen
class PdfInfo:
    """What :func:`inspect_pdf` found in an attachment.

    ``version`` is the header's ``"1.7"``; ``pdfa_part`` (1, 2, 3, 4) and ``pdfa_conformance``
    (``"A"``, ``"B"``, ``"U"``, upper case) are the XMP declaration, ``None`` when absent.
    """

    is_pdf: bool
    version: str | None = None
    encrypted: bool = False
    pdfa_part: int | None = None
    pdfa_conformance: str | None = None
    has_eof: bool = False

    @property
    def pdfa(self) -> str | None:
        """The declared level as people write it (``"PDF/A-2a"``), or ``None``."""
        if self.pdfa_part is None:
            return None
        return f"PDF/A-{self.pdfa_part}{(self.pdfa_conformance or '').lower()}"

    @property
    def is_accessible_pdfa(self) -> bool:
        """True for the levels Logius asks for (BIJ-02): PDF/A-1a or PDF/A-2a."""
        return self.pdfa_part in (1, 2) and self.pdfa_conformance == "A"


def inspect_pdf(data: bytes) -> PdfInfo:
    """Scan ``data`` for the PDF header, ``%%EOF``, encryption and a PDF/A declaration (see the module)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ArgumentTypeError(f"inspect_pdf reads the bytes of a file, got {type(data).__name__}")
    head = _VERSION_RE.search(data, 0, _HEAD_WINDOW + 16)
    if head is None or head.start() >= _HEAD_WINDOW:
        return PdfInfo(is_pdf=False)
    tail_start = max(0, len(data) - _TAIL_WINDOW)
    part, conformance = _pdfa_declaration(data)
    return PdfInfo(
        is_pdf=True,
        version=head.group(1).decode("ascii"),
        encrypted=_encrypted(data),
        pdfa_part=part,
        pdfa_conformance=conformance,
        has_eof=data.find(b"%%EOF", tail_start) >= 0,
    )


def _encrypted(data: bytes) -> bool:
    # The last cross-reference section, found through startxref, is enough: an incremental update's
    # trailer repeats every entry of the one before it (/Encrypt included), so this costs microseconds.
    sx = data.rfind(b"startxref", max(0, len(data) - _TAIL_WINDOW))
    m = _STARTXREF_RE.match(data, sx) if sx >= 0 else None
    offset = int(m.group(1)) if m else -1
    if 0 <= offset < sx:
        if data.startswith(b"xref", offset):
            tr = data.find(b"trailer", offset, sx)
            if tr >= 0:
                return _ENCRYPT_RE.search(data, tr, sx) is not None
        elif _OBJ_RE.match(data, offset):
            end = data.find(b"stream", offset, offset + _DICT_WINDOW)
            end = end if end >= 0 else min(sx, offset + _DICT_WINDOW)
            if _XREF_TYPE_RE.search(data, offset, end):
                return _ENCRYPT_RE.search(data, offset, end) is not None
    return _encrypted_scan(data)


def _encrypted_scan(data: bytes) -> bool:
    """The fallback for a file whose startxref is missing or wrong: look at every trailer and xref stream."""
    # Each region is scanned once even when keywords crowd together (`done`): linear in the file size.
    done = 0
    # Classic cross-reference tables: every "trailer" keyword opens a dictionary that runs to "startxref".
    # The keyword must start a line and open a dictionary, so "trailer" in page text does not count.
    pos = data.find(b"trailer")
    while pos >= 0:
        if pos > 0 and data[pos - 1] in b"\r\n" and _TRAILER_RE.match(data, pos):
            end = data.find(b"startxref", pos, pos + _DICT_WINDOW)
            end = end if end >= 0 else min(len(data), pos + _DICT_WINDOW)
            if _ENCRYPT_RE.search(data, max(pos, done), end):
                return True
            done = max(done, end)
        pos = data.find(b"trailer", pos + 7)
    # Cross-reference streams (PDF 1.5+): the dictionary from "obj" to "stream" around "/Type /XRef".
    done = 0
    pos = data.find(b"/XRef")
    while pos >= 0:
        if _XREF_TYPE_RE.search(data, max(0, pos - 64), pos + 5):
            start = data.rfind(b"obj", max(0, pos - _DICT_WINDOW), pos)
            end = data.find(b"stream", pos, pos + _DICT_WINDOW)
            end = end if end >= 0 else min(len(data), pos + _DICT_WINDOW)
            if start >= 0 and _ENCRYPT_RE.search(data, max(start, done), end):
                return True
            done = max(done, end)
        pos = data.find(b"/XRef", pos + 5)
    return False


def _pdfa_declaration(data: bytes) -> tuple[int | None, str | None]:
    pos = data.rfind(b"pdfaid:part")
    if pos < 0:
        return None, None
    # Stay within the packet that holds this entry, so part and conformance come from the same one.
    start = data.rfind(b"<?xpacket begin", max(0, pos - _XMP_WINDOW), pos)
    start = start if start >= 0 else max(0, pos - _XMP_WINDOW)
    end = data.find(b"<?xpacket end", pos, pos + _XMP_WINDOW)
    end = end if end >= 0 else min(len(data), pos + _XMP_WINDOW)
    part_m = _PART_RE.search(data, start, end)
    if part_m is None:
        return None, None
    part = int(part_m.group(1) or part_m.group(2))
    conf_m = _CONFORMANCE_RE.search(data, start, end)
    conformance = (conf_m.group(1) or conf_m.group(2)).decode("ascii").upper() if conf_m else None
    return part, conformance


# --- making a PDF -------------------------------------------------------------------------------------

_PDFA_RE: Final = re.compile(r"([1-4])([abuABU]?)")


def make_pdf(
    text: str = "Dit is een testbrief van mobb-sdk.",
    *,
    title: str = "mobb-sdk test",
    pdfa: str | None = "2a",
    pad_to: int | None = None,
) -> bytes:
    """A small, valid, single-page PDF (A4) showing ``text`` on one line in Helvetica.

    ``pdfa`` (``"2a"``, ``"1a"``, ``"1b"``, ..., or ``None``) adds XMP metadata *declaring* that PDF/A
    level, with the matching header version (1.4 for part 1, 1.7 otherwise). The file is not truly PDF/A
    conformant (no embedded font, output intent or structure tree): it is meant for demos and tests of
    the declaration check, not for delivery to citizens. ``pad_to`` pads the file with comment lines to
    exactly that many bytes (for size-limit tests); it raises :class:`ValueError` when the PDF is
    already larger. The output is deterministic: the same arguments give the same bytes.
    """
    if not isinstance(text, str) or not isinstance(title, str) or not isinstance(pdfa, str | None):
        raise ArgumentTypeError("make_pdf takes text, a title and a PDF/A level (or None) as str")
    if pad_to is not None and (not isinstance(pad_to, int) or isinstance(pad_to, bool)):
        raise ArgumentTypeError(f"pad_to is a number of bytes, got {type(pad_to).__name__}")
    part: str | None = None
    conformance = ""
    if pdfa is not None:
        m = _PDFA_RE.fullmatch(pdfa)
        if m is None:
            raise ValueError(f"pdfa must look like '2a', '1b' or '3u', got {pdfa!r}")
        part, conformance = m.group(1), m.group(2).upper()
    content = b"BT /F1 12 Tf 72 770 Td " + _pdf_string(text) + b" Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang (nl-NL)"
        + (b" /Metadata 6 0 R /MarkInfo << /Marked true >>" if part else b"")
        + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        _stream(b"", content),
    ]
    if part:
        xmp = _xmp(title, part, conformance)
        objects.append(_stream(b" /Type /Metadata /Subtype /XML", xmp))
    objects.append(b"<< /Title " + _pdf_text(title) + b" /Producer (mobb-sdk) >>")
    info_ref = len(objects)
    version = "1.4" if part == "1" else "1.7"
    return assemble_pdf(
        objects, version=version, trailer=f"/Root 1 0 R /Info {info_ref} 0 R".encode(), pad_to=pad_to
    )


def assemble_pdf(
    objects: list[bytes], *, version: str = "1.7", trailer: bytes = b"/Root 1 0 R", pad_to: int | None = None
) -> bytes:
    """Number ``objects`` 1..n and write them with a correct cross-reference table and trailer.

    ``trailer`` holds the trailer entries besides ``/Size`` and ``/ID``. Used by :func:`make_pdf` and by
    tests that build deliberately odd files. Padding goes right after the header, so every offset in the
    cross-reference table stays right.
    """
    header = f"%PDF-{version}\n".encode() + b"%\xe2\xe3\xcf\xd3\n"
    chunks = [b"%d 0 obj\n%b\nendobj\n" % (n, obj) for n, obj in enumerate(objects, start=1)]
    file_id = hashlib.sha256(b"".join(chunks)).hexdigest()[:32].encode()
    out = _write(header, b"", chunks, trailer, file_id)
    if pad_to is None or pad_to == len(out):
        return out
    padding = pad_to - len(out)
    # Padding moves startxref, whose number may gain a digit: adjust once more when it does.
    while padding >= 0:
        out = _write(header, _padding(padding), chunks, trailer, file_id)
        if len(out) == pad_to:
            return out
        padding -= len(out) - pad_to
    raise ValueError(f"cannot pad the PDF to {pad_to} bytes: it is larger already")


def _write(header: bytes, pad: bytes, chunks: list[bytes], trailer: bytes, file_id: bytes) -> bytes:
    offsets: list[int] = []
    size = len(header) + len(pad)
    for chunk in chunks:
        offsets.append(size)
        size += len(chunk)
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(chunks) + 1)]
    xref.extend(b"%010d 00000 n \n" % off for off in offsets)
    tail = b"trailer\n<< /Size %d %b /ID [<%b> <%b>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(chunks) + 1,
        trailer,
        file_id,
        file_id,
        size,
    )
    return b"".join([header, pad, *chunks, *xref, tail])


def _padding(n: int) -> bytes:
    """Exactly ``n`` bytes of comment lines (at most 255 bytes each, as PDF recommends)."""
    lines: list[bytes] = []
    while n > 0:
        k = min(n, 255)
        lines.append(b"\n" if k == 1 else b"%" + b"P" * (k - 2) + b"\n")
        n -= k
    return b"".join(lines)


def _stream(extra: bytes, data: bytes) -> bytes:
    return b"<< /Length %d%b >>\nstream\n%b\nendstream" % (len(data), extra, data)


def _pdf_string(text: str) -> bytes:
    """A literal string in WinAnsi (Helvetica's encoding); characters it lacks become ``?``."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_text(text: str) -> bytes:
    """A PDF text string for the Info dictionary: UTF-16BE with a byte order mark, as a hex string."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xmp(title: str, part: str, conformance: str) -> bytes:
    conformance_el = f"<pdfaid:conformance>{conformance}</pdfaid:conformance>" if conformance else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"<pdfaid:part>{part}</pdfaid:part>{conformance_el}\n"
        "<dc:title><rdf:Alt>"
        f'<rdf:li xml:lang="x-default">{_xml_escape(title)}</rdf:li>'
        "</rdf:Alt></dc:title>\n"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()
