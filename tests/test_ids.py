from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mobb_sdk import LOGIUS_OIN, Bsn, InvalidValueError, Oin, elfproef
from mobb_sdk._ids import NIL_GUID, OIN_PREFIXES, mask_bsn, new_guid

from .conftest import TEST_BSNS


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


def test_bsn_rejects_bool_and_non_text():
    with pytest.raises(InvalidValueError):
        Bsn(True)  # type: ignore[arg-type]


def test_mask_bsn():
    assert mask_bsn("999900006") == "*****0006"
    assert mask_bsn("123") == "***"


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


def test_guids():
    assert str(NIL_GUID) == "00000000-0000-0000-0000-000000000000"
    a, b = new_guid(), new_guid()
    assert a != b
    assert a.version == 4


@given(st.integers(min_value=0, max_value=999_999_999))
def test_elfproef_matches_its_definition(number):
    digits = f"{number:09d}"
    weighted = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), digits, strict=True))
    assert elfproef(digits) is (weighted % 11 == 0)
