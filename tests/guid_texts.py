"""GUID texts for property tests: the ones the XSD's guid pattern accepts and near misses of them."""

from __future__ import annotations

import re
import uuid

from hypothesis import strategies as st

#: What mobb-sdk's one-pass check accepts (and the XSD's pattern too): ASCII hex digits in 8-4-4-4-12.
ASCII_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# Digits of other scripts: the XSD's \d takes them; from different Unicode versions (Arabic-Indic
# and fullwidth since 1.1, NKo 5.0, Adlam 9.0), as libxml2's tables may be older than Python's.
OTHER_DIGITS = "\u0663\uff13\u07c3\U0001e953"
GUID_CHARS = "0123456789abcdefABCDEF-" + OTHER_DIGITS + "gG {}\t\n_x"


def guid_text(value: uuid.UUID, upper: bool) -> str:
    return str(value).upper() if upper else str(value)


@st.composite
def guid_texts(draw: st.DrawFn) -> str:
    """GUID texts the XSD accepts (any case, other scripts' digits) and near misses of them."""
    text = guid_text(draw(st.uuids()), draw(st.booleans()))
    chars = list(text)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(chars) - 1))
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        if action == "delete" and len(chars) > 1:
            del chars[at]
        elif action == "insert":
            chars.insert(at, draw(st.sampled_from(GUID_CHARS)))
        else:
            chars[at] = draw(st.sampled_from(GUID_CHARS))
    return "".join(chars)
