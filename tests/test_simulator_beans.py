"""The simulator reads a JSON ``byte[]`` as Jackson does; its quick path for text without blanks gives
the same bytes, or the same refusal, as the full reading."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mobb_sdk.simulator._beans import _content, _content_with_blanks
from mobb_sdk.simulator._wire import Unreadable

_texts = st.text(alphabet="ABCDabcd0189+/= \n\t\r-_*é", max_size=40) | st.binary(max_size=30).map(
    lambda b: base64.b64encode(b).decode()
)


def _read(read: object, value: str) -> bytes | None:
    try:
        return read(value)  # type: ignore[operator, no-any-return]
    except Unreadable:
        return None


@given(_texts)
def test_the_quick_path_reads_as_the_full_reading(value: str) -> None:
    assert _read(_content, value) == _read(_content_with_blanks, value)


@pytest.mark.parametrize("value", ["QUJD", "QUJD QUJD", "QUJD\n", "QQ=="])
def test_base64_with_and_without_blanks(value: str) -> None:
    assert _content(value) == _content_with_blanks(value) != b""
