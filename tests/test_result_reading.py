"""Reading a processing result: the fast path gives exactly what the full XSD check and the checked
constructors give.

The fast path checks the result against its XSD with the GUIDs' pattern left out (libxml2 runs it
slowly), checks the GUIDs itself in one pass, and reads the letters' texts with one XPath. Here it is
held to the slow path: same models, the same documents refused with the same violations, whatever the
GUID texts, comments, CDATA, white space or ``xsi:type`` a document holds.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from mobb_sdk import (
    BerichtResultaat,
    SchemaError,
    SoapFault,
    ValidationError,
    VerwerkingsCode,
    VerwerkingsResultaat,
    from_soap,
    from_xml,
    to_xml,
)
from mobb_sdk import _codec as codec
from mobb_sdk import _namespaces as ns
from mobb_sdk._schemas import (
    GUID_PATTERN,
    XSD_NAMESPACE,
    DocumentKind,
    SchemaSet,
    _guids_apart,
    _resolves_to,
    default_schema_set,
    schema_dir,
    write_manifest,
)
from mobb_sdk._xml import parse_xml
from mobb_sdk._xsd_validation import is_valid, valid_but_guids, validate_tree

from .conftest import FIXED_NOW, make_batch
from .guid_texts import guid_texts

FIRST_ID = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
SECOND_ID = uuid.UUID("11111111-2222-4333-8444-555555555555")
BATCH_ID = uuid.UUID("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")

# XML 1.0 characters (no surrogates, no C0 controls but TAB and LF, no U+FFFE/U+FFFF); CR comes in as a
# reference the writer makes.
XML_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A)) + "\ufffe\uffff",
)
texts = st.text(st.one_of(XML_CHARS, st.just("\r"), st.sampled_from("&<>]")), max_size=12)

resultaten = st.builds(
    BerichtResultaat,
    bericht_id=st.uuids(),
    bericht_type=texts,
    verwerkings_code=st.sampled_from(VerwerkingsCode),
    stadium=st.none() | texts,
)


def _result(berichten: list[BerichtResultaat]) -> VerwerkingsResultaat:
    return VerwerkingsResultaat.tally("LEV", BATCH_ID, berichten, FIXED_NOW, FIXED_NOW + timedelta(minutes=5))


def _template(**replace: str) -> bytes:
    lines = [
        BerichtResultaat(FIRST_ID, "WOZ", VerwerkingsCode.VERWERKT, "NA"),
        BerichtResultaat(SECOND_ID, "AANSL", VerwerkingsCode.BIJLAGE_TE_GROOT, "Stadium2"),
    ]
    xml = to_xml(_result(lines)).decode()
    for old, new in replace.items():
        assert xml.count(old) == 1, old
        xml = xml.replace(old, new)
    return xml.encode()


def _fields(result: VerwerkingsResultaat) -> list[tuple[Any, ...]]:
    return [(b.bericht_id, b.bericht_type, b.verwerkings_code, b.stadium) for b in result.berichten]


def _slow(xml: bytes) -> VerwerkingsResultaat:
    """The result through the full XSD check and the checked constructors (no fast path anywhere)."""
    root = parse_xml(xml).getroot()
    report = validate_tree(root, DocumentKind.RESULT)
    if not report.ok:
        raise ValidationError(report.violations, "the result document does not satisfy the XSD")
    return codec._decode_result(root, trusted=False, guids=None, parsed_here=False)


def _same_outcome(xml: bytes) -> VerwerkingsResultaat | None:
    """Read ``xml`` fast and slowly; both accept it with equal models or both refuse it alike."""
    slow_error: ValidationError | None = None
    try:
        expected = _slow(xml)
    except ValidationError as exc:
        slow_error = exc
    if slow_error is not None:
        with pytest.raises(ValidationError) as info:
            from_xml(xml, VerwerkingsResultaat)
        assert info.value.violations == slow_error.violations
        assert str(info.value) == str(slow_error)
        return None
    got = from_xml(xml, VerwerkingsResultaat)
    assert got == expected
    assert _fields(got) == _fields(expected)
    assert (got.batch_id, got.berichtleverancier_code) == (
        expected.batch_id,
        expected.berichtleverancier_code,
    )
    # A tree from elsewhere takes the letter-by-letter reading; a letter read alone is built alone.
    assert codec.from_tree(parse_xml(xml).getroot()) == expected
    alone = from_xml(xml, VerwerkingsResultaat)
    assert [alone.berichten[i] for i in reversed(range(len(alone.berichten)))] == list(
        reversed(expected.berichten)
    )
    return got


# --- the schema without the guid pattern ---------------------------------------------------------------


GUID_ELEMENTS = {
    DocumentKind.RESULT: {"BatchID", "BerichtID"},
    DocumentKind.BATCH: {f"{{{ns.BVS}}}BatchID", f"{{{ns.BER}}}BatchID", f"{{{ns.BER}}}BerichtID"},
}


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_the_schema_without_the_guid_pattern_differs_from_the_bundled_one_only_there(kind):
    schemas = default_schema_set()
    files = schemas._verified_files()
    changed, names = _guids_apart(files, kind.schema_file)
    assert names == GUID_ELEMENTS.get(kind, set())
    assert schemas.lxml_schema_guids_apart(kind)[1] == names
    if kind is DocumentKind.RESULT:
        assert names == codec._RESULT_GUIDS
    if not names:  # nothing to leave out: the bundled schema itself, under its own lock
        assert schemas.lxml_schema_guids_apart(kind)[0] is schemas.lxml_schema(kind)
        assert schemas.lxml_lock_guids_apart(kind) is schemas.lxml_lock(kind)
        assert changed == files
        return
    xs = f"{{{XSD_NAMESPACE}}}"
    guid_types = {f"{{{ns.RES}}}guid", f"{{{ns.BER}}}guid"}
    undone = 0
    for name, data in files.items():
        if changed[name] == data:
            continue
        tree = etree.fromstring(changed[name])
        namespace = tree.get("targetNamespace")
        for el in tree.iter(f"{xs}element"):
            simple = el.find(f"{xs}simpleType")
            if simple is not None and el.get("type") is None and len(simple) == 1:
                restriction = simple[0]
                if [(f.tag, dict(f.attrib)) for f in restriction] != [(f"{xs}length", {"value": "36"})]:
                    continue
                assert (restriction.tag, restriction.get("base")) == (f"{xs}restriction", "xs:string")
                assert (
                    f"{{{namespace}}}{el.get('name')}" if kind is DocumentKind.BATCH else el.get("name")
                ) in names
                el.remove(simple)
                guid_namespace = ns.RES if kind is DocumentKind.RESULT else ns.BER
                el.set("type", next(p for p, u in el.nsmap.items() if u == guid_namespace) + ":guid")
                undone += 1
        # Put back, the file is the bundled one, byte for byte in canonical form.
        assert etree.tostring(tree, method="c14n") == etree.tostring(etree.fromstring(data), method="c14n")
    # Every element of a guid type the document loads was one of them: no other reference to the types.
    loaded = {name for name in files if changed[name] != files[name]}
    original = [
        el
        for name in loaded
        for el in etree.fromstring(files[name]).iter()
        if any(_resolves_to(el, value, t) for value in el.attrib.values() for t in guid_types)
    ]
    assert undone == len(original) == {DocumentKind.RESULT: 2, DocumentKind.BATCH: 3}[kind]


def test_a_guid_type_with_another_pattern_is_left_to_libxml2(tmp_path):
    shutil.copytree(schema_dir(), tmp_path / "schemas")
    types = tmp_path / "schemas" / "GLOBEBatchResponseTypes.xsd"
    types.write_text(types.read_text().replace("[\\da-fA-F]{12}", "[\\da-fA-F]{11}[0-9]"))
    write_manifest(tmp_path / "schemas")
    schemas = SchemaSet(tmp_path / "schemas")
    assert schemas.lxml_schema_guids_apart(DocumentKind.RESULT)[1] == frozenset()
    root = parse_xml(_template()).getroot()
    assert valid_but_guids(root, DocumentKind.RESULT, schemas) is None
    # BATCH_ID ends in a letter: this schema refuses it, and says so; the letters' GUIDs end in digits.
    report = validate_tree(root, DocumentKind.RESULT, schemas=schemas)
    assert [(v.rule, v.path) for v in report.violations] == [
        ("XSD", "/BerichtVerwerkResponse/BatchInformatie/BatchID")
    ]
    assert not is_valid(root, DocumentKind.RESULT, schemas=schemas)
    assert is_valid(root, DocumentKind.RESULT)


def test_valid_but_guids_accepts_what_only_a_guid_pattern_refuses():
    bad = _template(**{str(SECOND_ID): "zzzzzzzz-2222-4333-8444-555555555555"})
    root = parse_xml(bad).getroot()
    assert valid_but_guids(root, DocumentKind.RESULT) == codec._RESULT_GUIDS
    assert not validate_tree(root, DocumentKind.RESULT).ok
    too_short = parse_xml(_template(**{str(SECOND_ID): str(SECOND_ID)[:-1]})).getroot()
    assert valid_but_guids(too_short, DocumentKind.RESULT) is None
    assert valid_but_guids(parse_xml(to_xml(_result([]))).getroot(), DocumentKind.BATCH) is None


# A schema of one file, as _guids_apart reads a set: {file name: bytes}. The name must be one the set
# may import (SharedTypes.xsd); the contents are this test's.
_SPELLED = """<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t"
        elementFormDefault="qualified">
  <simpleType name="codes"><list itemType="string"/></simpleType>
  <simpleType name="guid">
    <annotation><documentation>a GUID</documentation></annotation>
    <restriction base="string">
      <annotation><documentation>8-4-4-4-12</documentation></annotation>
      <pattern value="{pattern}"/>
    </restriction>
  </simpleType>
  <element name="Doc">
    <complexType><sequence>
      <element name="Id" type="t:guid">
        <annotation><documentation>the letter's id</documentation></annotation>
        <unique name="one-id"><selector xpath="."/><field xpath="."/></unique>
      </element>
      <element name="Codes" type="t:codes"/>
      <element name="Ref" type="t:guid">
        <unique name="one-ref"><selector xpath="."/><field xpath="."/></unique>
      </element>
    </sequence></complexType>
  </element>
</schema>
"""

_NO_NAMESPACE = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:simpleType name="guid">
    <xs:restriction base="xs:string"><xs:pattern value="{pattern}"/></xs:restriction>
  </xs:simpleType>
  <xs:element name="Doc">
    <xs:complexType><xs:sequence><xs:element name="Id" type="guid"/></xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>
"""


def _apart(text: str) -> tuple[etree.XMLSchema, frozenset[str]]:
    files = {"SharedTypes.xsd": text.replace("{pattern}", GUID_PATTERN).encode()}
    changed, names = _guids_apart(files, "SharedTypes.xsd")
    return etree.XMLSchema(etree.fromstring(changed["SharedTypes.xsd"])), names


@pytest.mark.parametrize(
    ("text", "names", "doc"),
    [
        # XSD the default namespace, annotations on the type, its restriction and an element, identity
        # constraints after the type's place in an element, a list type before the guid type.
        (
            _SPELLED,
            {"{urn:t}Id", "{urn:t}Ref"},
            '<Doc xmlns="urn:t"><Id>{id}</Id><Codes>a b</Codes><Ref>{id}</Ref></Doc>',
        ),
        # No target namespace: the guid type and the element of it are in no namespace.
        (_NO_NAMESPACE, {"Id"}, "<Doc><Id>{id}</Id></Doc>"),
    ],
    ids=["xsd-default-namespace", "no-namespace"],
)
def test_the_guid_elements_are_found_however_the_schema_spells_them(text, names, doc):
    schema, found = _apart(text)
    assert found == names
    # The changed schema compiles and holds the element to 36 characters of plain text, nothing else.
    assert schema.validate(etree.fromstring(doc.replace("{id}", "z" * 36)))
    for wrong in ("z" * 35, "z" * 37):
        assert not schema.validate(etree.fromstring(doc.replace("{id}", wrong)))


def test_the_schema_without_the_guid_pattern_reads_nothing_beyond_the_set(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TEXT")
    broken = tmp_path / "broken.dtd"
    broken.write_text("<!ELEMENT")  # an error, were it read
    doctype = (
        f'<!DOCTYPE xs:schema SYSTEM "{broken.as_uri()}" '
        f'[<!ENTITY e SYSTEM "{secret.as_uri()}">]>\n<xs:schema'
    )
    text = _NO_NAMESPACE.replace("<xs:schema", doctype, 1).replace(
        '<xs:element name="Doc">',
        '<xs:annotation><xs:documentation>&e;</xs:documentation></xs:annotation><xs:element name="Doc">',
    )
    files = {"SharedTypes.xsd": text.replace("{pattern}", GUID_PATTERN).encode()}
    changed, names = _guids_apart(files, "SharedTypes.xsd")
    assert names == {"Id"}
    assert b"SECRET" not in changed["SharedTypes.xsd"]
    assert b"&e;" in changed["SharedTypes.xsd"]


def test_a_broken_schema_is_reported_alike_on_the_quick_path(tmp_path):
    shutil.copytree(schema_dir(), tmp_path / "schemas")
    types = tmp_path / "schemas" / "GLOBEBatchResponseTypes.xsd"
    text = types.read_text()
    line = text[: text.index("</xs:schema>")].count("\n") + 1
    # A simple type without content, on its own line: an error of the schema, not an exception of ours.
    types.write_text(text.replace("</xs:schema>", '<xs:simpleType name="empty"/>\n</xs:schema>'))
    write_manifest(tmp_path / "schemas")
    with pytest.raises(SchemaError, match="does not compile") as full:
        SchemaSet(tmp_path / "schemas").lxml_schema(DocumentKind.RESULT)
    assert f"line {line}" in str(full.value)
    with pytest.raises(SchemaError) as quick:
        SchemaSet(tmp_path / "schemas").lxml_schema_guids_apart(DocumentKind.RESULT)
    assert str(quick.value) == str(full.value)  # the file's own lines, not the changed copy's
    with pytest.raises(SchemaError) as checked:
        is_valid(
            parse_xml(_template()).getroot(), DocumentKind.RESULT, schemas=SchemaSet(tmp_path / "schemas")
        )
    assert str(checked.value) == str(full.value)


# --- the same models --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(resultaten, max_size=25))
def test_every_result_reads_back_as_it_was_written(berichten):
    result = _result(berichten)
    xml = to_xml(result)
    read = _same_outcome(xml)
    assert read == result
    assert all(type(b.bericht_id) is uuid.UUID for b in read.berichten)
    assert all(type(b.verwerkings_code) is VerwerkingsCode for b in read.berichten)
    # Indented, with comments everywhere and with every text as CDATA: the same letters.
    for spelled in (_indented(xml), _commented(xml), _cdata(xml)):
        assert _same_outcome(spelled) == result


def _indented(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    etree.indent(root)
    return etree.tostring(root, encoding="utf-8")


def _leaves(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if len(el) == 0 and isinstance(el.tag, str)]


def _commented(xml: bytes) -> bytes:
    """A comment inside every text (at its middle) and before every element."""
    root = etree.fromstring(xml)
    for el in _leaves(root):
        text = el.text or ""
        if el.get(f"{{{ns.XSI}}}nil") is None:
            el.text = text[: len(text) // 2]
            note = etree.Comment("c")
            note.tail = text[len(text) // 2 :]
            el.append(note)
    for el in list(root.iter()):
        if el is not root and isinstance(el.tag, str):
            el.addprevious(etree.Comment("before"))
    return etree.tostring(root, encoding="utf-8")


def _cdata(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for el in _leaves(root):
        if el.text and "]]>" not in el.text and "\r" not in el.text:
            el.text = etree.CDATA(el.text)
    return etree.tostring(root, encoding="utf-8")


def test_a_result_of_a_thousand_letters_reads_back_fast_and_slowly_alike():
    result = _result(
        [
            BerichtResultaat(uuid.uuid4(), "WOZ", list(VerwerkingsCode)[i % 10], None if i % 7 == 0 else "NA")
            for i in range(1000)
        ]
    )
    assert _same_outcome(to_xml(result)) == result
    nil_free = _result(
        [BerichtResultaat(uuid.uuid4(), f"T{i}", VerwerkingsCode.VERWERKT) for i in range(1000)]
    )
    assert _same_outcome(to_xml(nil_free)) == nil_free


# --- the same refusals ------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(guid_texts(), st.sampled_from(["BerichtID", "BatchID"]))
def test_a_result_is_accepted_exactly_when_its_guid_satisfies_the_xsd(text, where):
    old = str(SECOND_ID) if where == "BerichtID" else str(BATCH_ID)
    got = _same_outcome(_template(**{f">{old}<": f">{text}<"}))
    if got is not None:
        read = got.berichten[1].bericht_id if where == "BerichtID" else got.batch_id
        assert read == uuid.UUID(text)


def test_a_wrong_guid_is_reported_where_it_is():
    xml = _template(**{str(SECOND_ID): "2222222-2222-4333-8444-555555555555"})
    with pytest.raises(ValidationError) as info:
        from_xml(xml)
    assert [(v.rule, v.path) for v in info.value.violations] == [
        ("XSD", "/BerichtVerwerkResponse/Berichten/Bericht[2]/BerichtID")
    ]
    assert "the result document does not satisfy the XSD" in str(info.value)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # A type naming res:guid on a text element: its pattern must hold there too.
        ("<BerichtType>WOZ</BerichtType>", '<BerichtType xsi:type="res:guid">WOZ</BerichtType>'),
        (
            "<BerichtType>WOZ</BerichtType>",
            f'<BerichtType xsi:type="res:guid">{SECOND_ID}</BerichtType>',
        ),
        (f"<BerichtID>{FIRST_ID}</BerichtID>", f'<BerichtID xsi:type="res:guid">{FIRST_ID}</BerichtID>'),
        (f"<BerichtID>{FIRST_ID}</BerichtID>", f'<BerichtID xsi:type="xs:string">{FIRST_ID}</BerichtID>'),
        (f"<BatchID>{BATCH_ID}</BatchID>", f'<BatchID xsi:type="res:guid">{BATCH_ID}</BatchID>'),
        (f"<BatchID>{BATCH_ID}</BatchID>", f'<BatchID xsi:nil="true">{BATCH_ID}</BatchID>'),
        ("<Stadium>NA</Stadium>", '<Stadium xsi:nil="true"/>'),
        ("<Stadium>NA</Stadium>", '<Stadium xsi:nil="false">NA</Stadium>'),
        ("<Stadium>NA</Stadium>", '<Stadium xsi:nil="true">NA</Stadium>'),
        ("<Stadium>NA</Stadium>", ""),
        ("<BerichtType>WOZ</BerichtType>", "<BerichtType/>"),
        ("<BerichtType>WOZ</BerichtType>", "<BerichtType>W&amp;O&#13;Z</BerichtType>"),
        ("<BerichtType>WOZ</BerichtType>", "<BerichtType>W<![CDATA[O]]>Z</BerichtType>"),
        ("<BerichtType>WOZ</BerichtType>", "<BerichtType>W<?pi x?>OZ</BerichtType>"),
        ("<Stadium>NA</Stadium>", "<Stadium><!--c--></Stadium>"),  # four nodes a letter still
        ("<BerichtType>WOZ</BerichtType>", "<BerichtType><!--c--></BerichtType>"),
        ("<BerichtType>WOZ</BerichtType>", "<BerichtType>WOZ<Extra/></BerichtType>"),
        (
            f"<BerichtID>{FIRST_ID}</BerichtID>",
            f"<BerichtID>{str(FIRST_ID)[:9]}<!--c-->{str(FIRST_ID)[9:]}</BerichtID>",
        ),
        (f"<BerichtID>{FIRST_ID}</BerichtID>", f"<BerichtID> {FIRST_ID}</BerichtID>"),
        (
            f"<BatchID>{BATCH_ID}</BatchID>",
            f"<BatchID>{str(BATCH_ID)[:3]}<!--c-->{str(BATCH_ID)[3:]}</BatchID>",
        ),
        ("<BerichtLeverancierCode>LEV", "<BerichtLeverancierCode>L<!--c-->EV"),
        ("<BatchInformatie>", "<!--c--><?pi x?><BatchInformatie>"),
        ("<Berichten>", "<Berichten><!--first-->"),
        ("<VerwerkingsCode>Verwerkt<", "<VerwerkingsCode>Verw<!--c-->erkt<"),
        ("<VerwerkingsCode>Verwerkt<", "<VerwerkingsCode>verwerkt<"),
        ("<VerwerkingsCode>Verwerkt<", "<VerwerkingsCode> Verwerkt<"),
    ],
)
def test_every_spelling_of_a_result_reads_or_fails_as_the_full_check_says(old, new):
    _same_outcome(_template(**{old: new}))


def test_a_value_split_by_a_comment_is_read_whole():
    xml = _template(
        **{
            "<BerichtLeverancierCode>LEV": "<BerichtLeverancierCode>L<!--c-->EV",
            "<BerichtType>WOZ<": "<BerichtType>W<!--c-->OZ<",
            "<Stadium>NA<": "<Stadium><!--c-->N<!--c-->A<!--c--><",
            "<BatchInformatie>": "<!--c--><BatchInformatie>",
        }
    )
    read = from_xml(xml, VerwerkingsResultaat)
    assert read.berichtleverancier_code == "LEV"
    assert _fields(read)[0] == (FIRST_ID, "WOZ", VerwerkingsCode.VERWERKT, "NA")
    assert read.batch_id == BATCH_ID


def test_a_tree_from_another_parser_is_read_letter_by_letter():
    # CDATA kept as nodes of its own: a text in two parts, and an empty one in the other letter, would
    # shift every text after it in a flat list of four a letter; read by letter they cannot.
    xml = _template(
        **{
            "<BerichtType>WOZ<": "<BerichtType>W<![CDATA[O]]>Z<",
            "<Stadium>Stadium2</Stadium>": "<Stadium></Stadium>",
        }
    )
    root = etree.fromstring(xml, etree.XMLParser(strip_cdata=False))
    read = codec.from_tree(root)
    assert isinstance(read, VerwerkingsResultaat)
    assert _fields(read) == [
        (FIRST_ID, "WOZ", VerwerkingsCode.VERWERKT, "NA"),
        (SECOND_ID, "AANSL", VerwerkingsCode.BIJLAGE_TE_GROOT, ""),
    ]
    pi = etree.fromstring(_template(**{"<BerichtType>WOZ<": "<BerichtType>W<?pi x?>OZ<"}))
    read = codec.from_tree(pi)
    assert isinstance(read, VerwerkingsResultaat)
    assert read.berichten[0].bericht_type == "WOZ"


# --- which path a result takes ----------------------------------------------------------------------------


def test_a_valid_result_in_ascii_is_checked_without_the_full_pass(monkeypatch):
    def full_check(*args: object, **kwargs: object) -> None:
        raise AssertionError("validate_tree ran")

    monkeypatch.setattr(codec, "validate_tree", full_check)
    read = from_xml(_template(), VerwerkingsResultaat)
    assert _fields(read)[1] == (SECOND_ID, "AANSL", VerwerkingsCode.BIJLAGE_TE_GROOT, "Stadium2")
    # A GUID in another script's digits, or a comment inside one, takes the full check.
    for xml in (
        _template(**{str(SECOND_ID): "\u0663" + str(SECOND_ID)[1:]}),
        _template(**{f">{BATCH_ID}<": f"><!--c-->{BATCH_ID}<"}),
    ):
        with pytest.raises(AssertionError, match="validate_tree ran"):
            from_xml(xml, VerwerkingsResultaat)


def test_the_letters_of_a_parsed_result_come_from_one_xpath(monkeypatch):
    read = from_xml(_template(), VerwerkingsResultaat)
    elsewhere = codec.from_tree(parse_xml(_template()).getroot())
    split = from_xml(_template(**{"<BerichtType>WOZ<": "<BerichtType>W<!--c-->OZ<"}), VerwerkingsResultaat)

    def by_element(el: etree._Element) -> str:
        raise AssertionError("read letter by letter")

    monkeypatch.setattr(codec, "_text", by_element)
    assert len(list(read.berichten)) == 2
    # A tree parse_xml did not make, or a text with a comment inside, is read letter by letter.
    for result in (elsewhere, split):
        assert isinstance(result, VerwerkingsResultaat)
        with pytest.raises(AssertionError, match="letter by letter"):
            list(result.berichten)


# --- every document with GUIDs: the same verdict as the full XSD --------------------------------------------


def _batch_xml(where: str, text: str) -> bytes:
    batch = make_batch(2)
    xml = to_xml(batch).decode()
    batch_id, bericht_id = str(batch.batch_id), str(batch.berichten[1].bericht_id)
    old = {
        "bvs:BatchID": f"<bvs:BatchID>{batch_id}<",
        "ber:BatchID": f"<ber:BatchID>{batch_id}<",
        "ber:BerichtID": f"<ber:BerichtID>{bericht_id}<",
    }[where]
    return xml.replace(old, old.replace(old.split(">")[1].rstrip("<"), text), 1).encode()


def _full_verdict(root: etree._Element, kind: DocumentKind) -> bool:
    return bool(default_schema_set().lxml_schema(kind).validate(root))


@settings(max_examples=120, deadline=None)
@given(guid_texts(), st.sampled_from(["bvs:BatchID", "ber:BatchID", "ber:BerichtID"]))
def test_a_batch_is_valid_exactly_when_the_full_xsd_says_so(text, where):
    root = parse_xml(_batch_xml(where, text)).getroot()
    full = _full_verdict(root, DocumentKind.BATCH)
    assert is_valid(root, DocumentKind.BATCH) is full
    assert validate_tree(root, DocumentKind.BATCH).ok is full


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("ber:Onderwerp", "Aanslag 1"),  # not a GUID: ber:guid's pattern refuses it there
        ("ber:Onderwerp", str(SECOND_ID)),
        ("ber:BerichtID", None),  # its own type, named
        ("ber:Referentie", str(SECOND_ID)),
    ],
)
def test_a_guid_type_named_by_xsi_type_in_a_batch_is_checked_as_the_xsd_does(element, value):
    batch = make_batch(2)
    xml = to_xml(batch).decode().replace("<bvs:Berichten ", f'<bvs:Berichten xmlns:xsi="{ns.XSI}" ', 1)
    start = xml.index(f"<{element}>", xml.index("<ber:Bericht>", xml.index("<ber:Bericht>") + 1))
    end = xml.index(f"</{element}>", start)
    inner = xml[start + len(element) + 2 : end] if value is None else value
    xml = xml[:start] + f'<{element} xsi:type="ber:guid">{inner}' + xml[end:]
    root = parse_xml(xml.encode()).getroot()
    full = _full_verdict(root, DocumentKind.BATCH)
    assert is_valid(root, DocumentKind.BATCH) is full
    report = validate_tree(root, DocumentKind.BATCH)
    assert report.ok is full
    # The letter's text types are anonymous, so no xsi:type can be valid on them: only on a GUID's own.
    assert full is (value is None)


def test_a_result_is_valid_exactly_when_the_full_xsd_says_so_whatever_reads_it():
    for text in (
        str(SECOND_ID),
        str(SECOND_ID).upper(),
        "\u0663" + str(SECOND_ID)[1:],
        str(SECOND_ID)[:-1] + "g",
    ):
        root = parse_xml(_template(**{str(SECOND_ID): text})).getroot()
        full = _full_verdict(root, DocumentKind.RESULT)
        assert is_valid(root, DocumentKind.RESULT) is full
        assert validate_tree(root, DocumentKind.RESULT).ok is full
        assert full is (text != str(SECOND_ID)[:-1] + "g")


def test_a_value_split_by_a_comment_is_read_whole_in_a_batch_and_a_fault():
    batch = make_batch(1)
    onderwerp = batch.berichten[0].onderwerp
    xml = (
        to_xml(batch)
        .decode()
        .replace(f"<ber:Onderwerp>{onderwerp}<", f"<ber:Onderwerp>{onderwerp[:3]}<!--c-->{onderwerp[3:]}<", 1)
    )
    read = from_xml(xml.encode())
    assert isinstance(read, type(batch))
    assert read.berichten[0].onderwerp == onderwerp
    envelope = (
        f'<s:Envelope xmlns:s="{ns.SOAP11}"><s:Body><s:Fault><faultcode>s:<!--c-->Server</faultcode>'
        "<faultstring>It <!--c-->failed</faultstring></s:Fault></s:Body></s:Envelope>"
    )
    fault = from_soap(envelope.encode())
    assert isinstance(fault, SoapFault)
    assert (fault.faultcode, fault.faultstring) == ("s:Server", "It failed")


def test_a_valid_batch_or_result_is_checked_without_the_full_schema(monkeypatch):
    schemas = default_schema_set()
    batch = parse_xml(to_xml(make_batch(3))).getroot()
    result = parse_xml(_template()).getroot()
    for kind in (DocumentKind.BATCH, DocumentKind.RESULT):
        schemas.lxml_schema_guids_apart(kind)  # compiled beforehand, as any first use does

    def full_schema(kind: DocumentKind) -> None:
        raise AssertionError("the full schema ran")

    monkeypatch.setattr(schemas, "lxml_schema", full_schema)
    for root, kind in ((batch, DocumentKind.BATCH), (result, DocumentKind.RESULT)):
        assert validate_tree(root, kind).ok
        assert is_valid(root, kind)
    upper = parse_xml(_template(**{str(SECOND_ID): str(SECOND_ID).upper()})).getroot()
    assert validate_tree(upper, DocumentKind.RESULT).ok
    # Valid, but with a GUID in Arabic-Indic digits: only the full schema can say so.
    other = parse_xml(_template(**{str(SECOND_ID): "\u0663" + str(SECOND_ID)[1:]})).getroot()
    with pytest.raises(AssertionError, match="the full schema ran"):
        validate_tree(other, DocumentKind.RESULT)


def test_a_result_read_unchecked_runs_no_xsd_at_all(monkeypatch):
    def checked(*args: object, **kwargs: object) -> None:
        raise AssertionError("an XSD check ran")

    monkeypatch.setattr(codec, "valid_but_guids", checked)
    monkeypatch.setattr(codec, "validate_tree", checked)
    read = from_xml(_template(), VerwerkingsResultaat, validate=False)
    assert _fields(read)[0] == (FIRST_ID, "WOZ", VerwerkingsCode.VERWERKT, "NA")


@pytest.mark.parametrize(
    "extra",
    [
        # An element of the GUID element's substitution group takes its type without naming it.
        '<xs:element name="Other" substitutionGroup="res:Bericht"/>',
        '<xs:redefine schemaLocation="SharedTypes.xsd"/>',
        '<xs:override schemaLocation="SharedTypes.xsd"/>',  # XSD 1.1's redefine
    ],
)
def test_a_schema_whose_elements_could_take_a_guid_type_unnamed_is_left_whole(extra):
    files = dict(default_schema_set()._verified_files())
    name = "GLOBEBatchResponseTypes.xsd"
    text = files[name].decode()
    files[name] = text.replace("</xs:schema>", f"  {extra}\n</xs:schema>").encode()
    changed, names = _guids_apart(files, DocumentKind.RESULT.schema_file)
    assert (changed, names) == (files, frozenset())
