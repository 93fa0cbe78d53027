"""make_pdf() writes real, well-formed PDFs; inspect_pdf() reads header, %%EOF, encryption and PDF/A."""

from __future__ import annotations

import re

import pytest

from mobb_sdk import PdfInfo, inspect_pdf, make_pdf

from .pdfs import (
    encrypted_pdf,
    header_too_late,
    incremental_update_pdf,
    mentions_encrypt_in_content,
    not_a_pdf,
    pdf_without_eof,
    xmp_attribute_pdf,
    xref_stream_pdf,
)


def assert_xref_consistent(pdf: bytes) -> None:
    """Every in-use entry of the last cross-reference table points at ``n 0 obj``; startxref at ``xref``."""
    startxref = int(pdf[pdf.rindex(b"startxref") + 9 : pdf.rindex(b"%%EOF")].strip())
    assert pdf[startxref : startxref + 4] == b"xref"
    m = re.match(rb"xref\n(\d+) (\d+)\n", pdf[startxref:])
    assert m is not None
    first, count = int(m.group(1)), int(m.group(2))
    rows = pdf[startxref + m.end() :].split(b"\n")[:count]
    for number, row in enumerate(rows, start=first):
        assert len(row) == 19  # 20 bytes with the newline, as the spec requires
        offset, _, kind = row.split()
        if kind == b"n":
            assert pdf[int(offset) :].startswith(b"%d 0 obj" % number), number
    assert re.search(rb"/Size %d\b" % (first + count), pdf[startxref:])


# --- make_pdf -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pdfa", ["2a", "1a", "1b", "2b", "3u", None])
def test_make_pdf_is_well_formed_and_declares_what_was_asked(pdfa):
    pdf = make_pdf("Uw aanslag", pdfa=pdfa)
    assert_xref_consistent(pdf)
    info = inspect_pdf(pdf)
    assert info.is_pdf
    assert info.has_eof
    assert not info.encrypted
    assert info.version == ("1.4" if pdfa and pdfa[0] == "1" else "1.7")
    if pdfa is None:
        assert (info.pdfa_part, info.pdfa_conformance, info.pdfa) == (None, None, None)
        assert b"/Metadata" not in pdf
    else:
        assert info.pdfa_part == int(pdfa[0])
        assert info.pdfa_conformance == pdfa[1].upper()
        assert info.pdfa == f"PDF/A-{pdfa}"
    assert info.is_accessible_pdfa is (pdfa in ("1a", "2a"))


def test_make_pdf_defaults_to_a_declared_pdfa_2a():
    info = inspect_pdf(make_pdf())
    assert info == PdfInfo(is_pdf=True, version="1.7", pdfa_part=2, pdfa_conformance="A", has_eof=True)


def test_make_pdf_is_deterministic_and_depends_on_its_text():
    assert make_pdf("a") == make_pdf("a")
    assert make_pdf("a") != make_pdf("b")


def test_make_pdf_escapes_text_and_title():
    pdf = make_pdf("Zie (bijlage) C:\\map €5 ✓", title="Brief <1> & ‘2’")
    assert rb"(Zie \(bijlage\) C:\\map " + "€".encode("cp1252") + b"5 ?) Tj" in pdf
    assert b"Brief &lt;1&gt; &amp; " in pdf  # XMP dc:title
    assert b"/Title <FEFF0042" in pdf  # Info: UTF-16BE with a byte order mark
    assert_xref_consistent(pdf)


@pytest.mark.parametrize("bad", ["5a", "2x", "a2", "", "PDF/A-2a"])
def test_make_pdf_refuses_an_unknown_pdfa_level(bad):
    with pytest.raises(ValueError, match="pdfa"):
        make_pdf(pdfa=bad)


@pytest.mark.parametrize("extra", [0, 1, 2, 3, 254, 255, 256, 257, 1000])
def test_pad_to_gives_exactly_that_many_bytes(extra):
    size = len(make_pdf()) + extra
    pdf = make_pdf(pad_to=size)
    assert len(pdf) == size
    assert_xref_consistent(pdf)
    assert inspect_pdf(pdf).is_accessible_pdfa


@pytest.mark.parametrize("size", [*range(9_995, 10_006), 99_999, 100_000, 100_001, 500_000, 500_001])
def test_pad_to_across_a_startxref_digit_change_and_at_the_bij03_limit(size):
    pdf = make_pdf(pad_to=size)
    assert len(pdf) == size
    assert_xref_consistent(pdf)
    assert inspect_pdf(pdf).has_eof


def test_pad_to_below_the_natural_size_is_refused():
    with pytest.raises(ValueError, match="larger already"):
        make_pdf(pad_to=len(make_pdf()) - 1)


# --- inspect_pdf --------------------------------------------------------------------------------------------


def test_encryption_in_the_trailer_is_found():
    pdf = encrypted_pdf()
    assert_xref_consistent(pdf)
    info = inspect_pdf(pdf)
    assert info.is_pdf
    assert info.encrypted
    assert info.has_eof


def test_encryption_is_found_whatever_the_metadata_declares():
    info = inspect_pdf(encrypted_pdf(pdfa="2a"))
    assert info.encrypted
    assert info.is_accessible_pdfa


@pytest.mark.parametrize("encrypted", [True, False])
def test_encryption_in_a_cross_reference_stream(encrypted):
    pdf = xref_stream_pdf(encrypted=encrypted)
    assert b"trailer" not in pdf
    info = inspect_pdf(pdf)
    assert info.is_pdf
    assert info.version == "1.5"
    assert info.has_eof
    assert info.encrypted is encrypted


@pytest.mark.parametrize("text", ["The trailer key /Encrypt marks it", "trailer << /Encrypt 5 0 R >>"])
def test_the_word_encrypt_in_page_text_is_not_encryption(text):
    pdf = mentions_encrypt_in_content(text)
    assert b"/Encrypt" in pdf
    assert b"trailer" in pdf[:-200]
    assert not inspect_pdf(pdf).encrypted


def test_encrypt_metadata_key_is_not_an_encrypt_entry():
    pdf = make_pdf().replace(b"/ID [", b"/EncryptMetadata false /ID [", 1)
    assert not inspect_pdf(pdf).encrypted


def test_a_truncated_pdf_has_no_eof():
    info = inspect_pdf(pdf_without_eof())
    assert info.is_pdf
    assert not info.has_eof


def test_eof_must_be_near_the_end():
    assert not inspect_pdf(make_pdf() + b" " * 1100).has_eof
    assert inspect_pdf(make_pdf() + b"\n" * 1000).has_eof


@pytest.mark.parametrize("data", [not_a_pdf(), header_too_late(), b"", b"%PDF", b"%PDF-x.y\n", b"hello"])
def test_not_a_pdf(data):
    info = inspect_pdf(data)
    assert info == PdfInfo(is_pdf=False)
    assert not info.is_accessible_pdfa


def test_header_within_the_first_1024_bytes_is_accepted():
    info = inspect_pdf(b"x" * 1000 + make_pdf())
    assert info.is_pdf
    assert info.version == "1.7"


@pytest.mark.parametrize(
    ("part", "conformance", "expected"),
    [
        ("1", "A", (1, "A", True)),
        ("2", "a", (2, "A", True)),
        ("2", "B", (2, "B", False)),
        ("3", "A", (3, "A", False)),
    ],
)
def test_pdfa_declared_as_attributes(part, conformance, expected):
    pdf = xmp_attribute_pdf(part, conformance)
    assert_xref_consistent(pdf)
    info = inspect_pdf(pdf)
    assert (info.pdfa_part, info.pdfa_conformance, info.is_accessible_pdfa) == expected


@pytest.mark.parametrize(("first", "then", "expected"), [("1b", "2a", "PDF/A-2a"), ("2a", "2b", "PDF/A-2b")])
def test_the_last_xmp_packet_counts(first, then, expected):
    pdf = incremental_update_pdf(first, then)
    assert inspect_pdf(pdf).pdfa == expected


def test_part_without_conformance():
    # PDF/A-4 has no conformance letter: it is declared, but it is not 1a or 2a.
    info = inspect_pdf(make_pdf(pdfa="4"))
    assert (info.pdfa_part, info.pdfa_conformance, info.pdfa) == (4, None, "PDF/A-4")
    assert not info.is_accessible_pdfa


def test_hostile_bytes_stay_fast_and_harmless():
    # Many half keywords: every scan is bounded, so this is linear (a blow-up would hang the test run).
    junk = b"%PDF-1.7\n" + (b'trailer /XRef obj pdfaid:part="' * 20_000) + b"%%EOF"
    info = inspect_pdf(junk)
    assert info.is_pdf
    assert not info.encrypted
    assert info.pdfa_part is None


@pytest.mark.parametrize("make", [encrypted_pdf, lambda: xref_stream_pdf(encrypted=True)])
def test_encryption_is_found_when_startxref_is_wrong(make):
    pdf = make()
    broken = re.sub(rb"startxref\n\d+", b"startxref\n7", pdf)
    assert broken != pdf
    assert inspect_pdf(broken).encrypted
    assert not inspect_pdf(re.sub(rb"startxref\n\d+", b"startxref\n7", make_pdf())).encrypted
