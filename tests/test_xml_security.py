"""Hostile documents: each gives a typed error, quickly, and reads no file and no network."""

from __future__ import annotations

import time

import pytest

from mobb_sdk import DocumentTypeError, XmlError, XmlSecurityError, from_soap, from_xml, validate
from mobb_sdk._xml import MAX_DOCUMENT_BYTES, parse_xml

BVS = "http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def external_entity(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    return f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>
<bvs:Berichten xmlns:bvs="{BVS}">&xxe;</bvs:Berichten>""".encode()


HOSTILE = {
    "billion laughs": lambda tmp: BILLION_LAUGHS,
    "external entity": external_entity,
    "external dtd": lambda tmp: b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>',
    "parameter entity": lambda tmp: (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]><r/>'
    ),
    "20 MB text node": lambda tmp: b"<r>" + b"A" * (20 * 1024 * 1024) + b"</r>",
    "deep nesting": lambda tmp: b"<a>" * 100_000 + b"</a>" * 100_000,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_documents_are_refused_quickly(name, tmp_path):
    document = HOSTILE[name](tmp_path)
    started = time.perf_counter()
    with pytest.raises(XmlSecurityError) as info:
        parse_xml(document)
    # Generous: the point is "no hang", not a timing assertion on speed.
    assert time.perf_counter() - started < 30
    assert "TOPSECRET" not in str(info.value)
    for reader in (from_xml, from_soap, validate):
        with pytest.raises(XmlSecurityError):
            reader(document)


def test_oversized_input_is_refused_before_parsing():
    with pytest.raises(XmlSecurityError):
        parse_xml(b" " * (MAX_DOCUMENT_BYTES + 1))


@pytest.mark.parametrize("document", [b"", b"   ", b"<a>", b"not xml", b"<a></b>", b"\xff\xfe<a/>"])
def test_broken_documents_give_xml_error(document):
    with pytest.raises(XmlError):
        from_xml(document)


@pytest.mark.parametrize(
    "document",
    [
        b"<Berichten/>",  # no namespace
        b'<Berichten xmlns="urn:other"/>',  # wrong namespace
        f'<Onbekend xmlns="{BVS}"/>'.encode(),  # wrong root
    ],
)
def test_unknown_roots_give_document_type_error(document):
    with pytest.raises(DocumentTypeError):
        from_xml(document)


def test_str_input_with_encoding_declaration_is_read():
    tree = parse_xml('<?xml version="1.0" encoding="ISO-8859-1"?><r>é</r>')
    assert tree.getroot().text == "é"
