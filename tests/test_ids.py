from __future__ import annotations

import copy
import json
import pickle
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mobb_sdk import LOGIUS_OIN, Bsn, InvalidValueError, Oin, elfproef
from mobb_sdk._ids import (
    _BSN_RE,
    _OIN_RE,
    NIL_GUID,
    OIN_PREFIXES,
    ascii_guid_bytes,
    checked_guids,
    guid_from_int,
    guids_from_bytes,
    mask_bsn,
    new_guid,
)

from .conftest import TEST_BSNS
from .guid_texts import ASCII_GUID, guid_texts

GUID = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")


def test_elfproef_accepts_the_test_range_and_rejects_a_changed_digit():
    assert len(TEST_BSNS) > 100
    for bsn in TEST_BSNS[:50]:
        assert elfproef(bsn)
        broken = bsn[:-1] + str((int(bsn[-1]) + 1) % 10)
        assert not elfproef(broken)


@pytest.mark.parametrize(
    "value", ["", "12345678", "1234567890", "12345678a", "１２３４５６７８９", " 99990000"]
)
def test_elfproef_refuses_malformed(value):
    assert not elfproef(value)


def test_bsn_never_shows_the_full_number():
    bsn = Bsn(TEST_BSNS[0])
    for shown in (str(bsn), repr(bsn), f"{bsn}", str([bsn]), repr({"b": bsn})):
        assert TEST_BSNS[0] not in shown
    assert repr(bsn) == f"Bsn(*****{TEST_BSNS[0][-4:]})"
    assert bsn.value == TEST_BSNS[0]


def test_bsn_from_int_keeps_leading_zeros():
    # 012345672 passes the elfproef: 0*9+1*8+2*7+3*6+4*5+5*4+6*3+7*2-2 = 110
    assert Bsn(12345672).value == "012345672"


@pytest.mark.parametrize("value", ["123456789", "12345", "abcdefghi", "9999000061"])
def test_bsn_rejects_with_rule_and_no_full_number(value):
    with pytest.raises(InvalidValueError) as info:
        Bsn(value)
    assert info.value.rule == "BER-09"
    assert info.value.field == "bsn"
    assert value not in str(info.value)


@pytest.mark.parametrize("value", [True, None, 12.5, b"999900006"])
def test_bsn_rejects_bool_and_non_text(value):
    with pytest.raises(InvalidValueError) as info:
        Bsn(value)  # type: ignore[arg-type]
    assert (info.value.rule, info.value.field) == ("BER-09", "bsn")
    assert "exactly 9 digits" in info.value.message


def test_bsn_of_nine_digits_failing_the_elfproef_names_it_masked():
    bad = TEST_BSNS[0][:-1] + str((int(TEST_BSNS[0][-1]) + 1) % 10)
    with pytest.raises(InvalidValueError) as info:
        Bsn(bad)
    assert (info.value.rule, info.value.field) == ("BER-09", "bsn")
    assert info.value.message == f"BSN *****{bad[-4:]} fails the elfproef"
    assert bad not in str(info.value)


@pytest.mark.parametrize("value", ["12345678", "1234567890", "12345678a", "", "１２３４５６７８９"])
def test_bsn_of_the_wrong_form_says_nine_digits_and_echoes_nothing(value):
    with pytest.raises(InvalidValueError) as info:
        Bsn(value)
    assert info.value.message == "a BSN is exactly 9 digits"


def test_bsn_masked_and_order():
    a, b = Bsn(TEST_BSNS[0]), Bsn(TEST_BSNS[1])
    assert a.masked == f"*****{TEST_BSNS[0][-4:]}"
    assert str(a) == a.masked
    assert sorted([b, a]) == [a, b]
    assert a < b
    assert hash(a) == hash(Bsn(TEST_BSNS[0]))


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("", ""),
        ("1", "*"),
        ("123", "***"),
        ("1234", "****"),  # at the boundary nothing is shown: 4 characters are not a BSN's tail
        ("12345", "*2345"),
        ("123456", "**3456"),
        ("999900006", "*****0006"),
        ("1234567890", "******7890"),
    ],
)
def test_mask_bsn_shows_at_most_the_last_four_of_more_than_four(value, masked):
    assert mask_bsn(value) == masked
    assert len(mask_bsn(value)) == len(value)


def test_oin_accepts_known_prefixes_and_letters_in_the_main_number():
    assert Oin("00000001822477348000") == LOGIUS_OIN
    assert LOGIUS_OIN.kind == "RSIN"
    assert LOGIUS_OIN.party_id == "urn:osb:oin:00000001822477348000"
    assert Oin("00000004ABCD12340000").kind == "SubOIN"
    assert Oin("00000099123456789000").kind == "test OIN"
    assert set(OIN_PREFIXES) >= {"00000001", "00000003", "00000099"}


@pytest.mark.parametrize(
    "value",
    [
        "0000000182247734800",  # 19 positions
        "000000018224773480000",  # 21
        "00000005822477348000",  # unknown prefix
        "00000001822477348001",  # suffix not zeros
        "0000000182247-348000",  # not alphanumeric
    ],
)
def test_oin_rejects(value):
    with pytest.raises(InvalidValueError) as info:
        Oin(value)
    assert info.value.rule == "BATCH-05"
    assert info.value.field == "oin"


@pytest.mark.parametrize("value", ["0000000182247734800", "000000018224773480000", "", 1234, None])
def test_oin_of_the_wrong_length_says_twenty_positions(value):
    with pytest.raises(InvalidValueError) as info:
        Oin(value)  # type: ignore[arg-type]
    assert (info.value.rule, info.value.field) == ("BATCH-05", "oin")
    assert info.value.message == "an OIN has exactly 20 positions"


def test_oin_with_an_unknown_prefix_names_the_oin_and_the_prefix():
    with pytest.raises(InvalidValueError) as info:
        Oin("00000005822477348000")
    assert (info.value.rule, info.value.field) == ("BATCH-05", "oin")
    assert info.value.message == "OIN 00000005822477348000: unknown prefix 00000005"


@pytest.mark.parametrize("value", ["00000001822477348001", "0000000182247-348000", "0000000112345678900X"])
def test_oin_of_a_known_prefix_but_the_wrong_form_names_the_parts(value):
    with pytest.raises(InvalidValueError) as info:
        Oin(value)
    assert (info.value.rule, info.value.field) == ("BATCH-05", "oin")
    assert info.value.message.startswith(f"OIN {value}: expected an 8-digit prefix")
    assert "8-9 position main number" in info.value.message
    assert "000/0000 suffix" in info.value.message


#: The register of spec section 7, pinned: a change here must be a deliberate change of the spec.
PINNED_PREFIXES = {
    "00000001": "RSIN",
    "00000002": "Fi-nummer",
    "00000003": "KvK-nummer",
    "00000004": "SubOIN",
    "00000006": "Logius-issued",
    "00000007": "BRIN",
    "00000008": "foreign",
    "00000009": "Dezi",
    "00000010": "TRR-BD",
    "00000011": "Dezi",
    "00000099": "test OIN",
}


def test_oin_prefixes_are_the_register_of_the_spec():
    assert OIN_PREFIXES == PINNED_PREFIXES
    spec = (
        Path(__file__).resolve().parents[1] / ".." / "shared" / "spec" / "logius-interface.md"
    ).read_text()
    section = spec[spec.index("## 7. Identifiers") : spec.index("## 8.")]
    assert set(re.findall(r"`(0000\d{4})`", section)) == set(PINNED_PREFIXES)


@pytest.mark.parametrize(("prefix", "kind"), sorted(PINNED_PREFIXES.items()))
def test_every_prefix_builds_an_oin_of_its_kind(prefix, kind):
    for main, suffix in (("123456789", "000"), ("1234ABCD", "0000")):
        oin = Oin(prefix + main + suffix)
        assert (oin.prefix, oin.kind, str(oin)) == (prefix, kind, prefix + main + suffix)


def test_an_oin_is_the_string_itself():
    oin = Oin("00000001822477348000")
    assert Oin(oin) is oin
    assert repr(oin) == "Oin(value='00000001822477348000')"
    assert (str(oin), oin.value, type(oin.value)) == ("00000001822477348000", "00000001822477348000", str)
    assert oin == "00000001822477348000"
    assert json.dumps({"afzender": oin}) == '{"afzender": "00000001822477348000"}'


def test_oin_order_and_the_identifier_patterns():
    a, b = Oin("00000001822477348000"), Oin("00000003123456789000")
    assert sorted([b, a]) == [a, b]
    assert LOGIUS_OIN.value == "00000001822477348000"
    assert _BSN_RE.pattern == "[0-9]{9}"
    assert _OIN_RE.pattern == "[0-9]{8}[0-9A-Za-z]{8,9}0{3,4}"


def test_elfproef_answers_a_bool():
    assert elfproef(TEST_BSNS[0]) is True
    assert elfproef("123456789") is False
    assert elfproef("12345678") is False


def test_new_guids_are_uuid4_with_every_other_bit_random():
    ints = [new_guid().int for _ in range(200)]
    anded = ored = ints[0]
    for value in ints[1:]:
        anded &= value
        ored |= value
    # Version 4 is 0b0100 in bits 76..79, the RFC 4122 variant 0b10 in bits 62..63; the other 122 bits
    # are random, so across 200 GUIDs each of them is seen both set and clear (failing odds 2**-199).
    assert anded == (1 << 78) | (1 << 63)
    assert ored == ((1 << 128) - 1) & ~((0b1011 << 76) | (1 << 62))
    assert all(uuid.UUID(int=i).version == 4 for i in ints)


def test_guid_from_int_is_a_plain_uuid():
    for value in (0, 5, (1 << 128) - 1):
        made = guid_from_int(value)
        assert made == uuid.UUID(int=value)
        assert (type(made), made.int, made.is_safe, str(made)) == (
            uuid.UUID,
            value,
            uuid.SafeUUID.unknown,
            str(uuid.UUID(int=value)),
        )
        assert hash(made) == hash(uuid.UUID(int=value))


def test_guids():
    assert str(NIL_GUID) == "00000000-0000-0000-0000-000000000000"
    a, b = new_guid(), new_guid()
    assert a != b
    assert a.version == 4


def test_new_guid_is_a_real_uuid4():
    for _ in range(200):
        g = new_guid()
        same = uuid.UUID(str(g))
        assert (g.version, g.variant) == (4, uuid.RFC_4122)
        assert g == same and hash(g) == hash(same) and g.is_safe is same.is_safe
        assert pickle.loads(pickle.dumps(g)) == g and copy.deepcopy(g) == g  # noqa: S301 - our own bytes


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_guid_from_int_is_uuid_of_int(value):
    g = guid_from_int(value)
    assert g == uuid.UUID(int=value) and str(g) == str(uuid.UUID(int=value)) and g.hex == f"{value:032x}"


@given(st.integers(min_value=0, max_value=999_999_999))
def test_elfproef_matches_its_definition(number):
    digits = f"{number:09d}"
    weighted = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), digits, strict=True))
    assert elfproef(digits) is (weighted % 11 == 0)


# --- the GUIDs, checked in one pass ------------------------------------------------------------------


@given(st.lists(guid_texts(), max_size=6))
def test_ascii_guid_bytes_accepts_exactly_the_guids_written_in_ascii(found):
    raw = ascii_guid_bytes(found)
    if all(ASCII_GUID.fullmatch(t) for t in found):
        assert raw == b"".join(uuid.UUID(t).bytes for t in found)
    else:
        assert raw is None


def test_ascii_guid_bytes_refuses_what_is_no_guid_text():
    good = str(GUID)
    assert ascii_guid_bytes([]) == b""
    assert ascii_guid_bytes([good, good.upper()]) == GUID.bytes * 2
    for found in (
        [good, 3],  # not a str
        [good[:-1], good + "0"],  # 35 + 37 characters: the right total, the wrong GUIDs
        [good[:-1], good[-1] + good],  # the same, and the two read together even look like GUIDs
        [good.replace("-", "", 1) + "0"],  # a dash missing, 36 characters still
        ["0" * 8 + "-" + "0000-0000-0000-00000000000-"],  # a dash out of place
        [good[:-1] + " "],  # white space (fromhex would skip it)
        [good[:-2] + " 0"],
        [good.replace("0", "\u0660")],  # an Arabic-Indic digit: the XSD decides
        ["{" + good[1:-1] + "}"],
    ):
        assert ascii_guid_bytes(found) is None, found


@given(st.lists(st.uuids(), max_size=20))
def test_the_bulk_guid_builders_equal_the_uuid_constructor(values):
    for built in (
        guids_from_bytes(b"".join(v.bytes for v in values)),
        checked_guids([str(v) for v in values]),
    ):
        assert built == values
        for got, want in zip(built, values, strict=True):
            assert type(got) is uuid.UUID
            assert (got.int, got.is_safe, hash(got), str(got)) == (
                want.int,
                want.is_safe,
                hash(want),
                str(want),
            )
            assert pickle.loads(pickle.dumps(got)) == want  # noqa: S301 - our own bytes


def test_checked_guids_reads_digits_of_other_scripts_as_uuid_does():
    text = "\u0663" * 8 + "-1111-1111-1111-" + "\uff13" * 12
    assert checked_guids([text]) == [uuid.UUID(text)]
    with pytest.raises(ValueError, match="17 bytes are not whole GUIDs"):
        guids_from_bytes(b"\x00" * 17)
