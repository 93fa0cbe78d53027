"""A stored batch as XML, written letter by letter from the store: the same bytes as
:func:`~mobb_sdk.write_batch` for the same batch, without holding the batch in memory.

The outbox rebuilds a batch after a crash from what it stored (BatchID, AanmaakDatum, afzender, the
letters in order): the payload of a resend is the payload of the first hand-over (RES-04).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import IO

from lxml import etree

from mobb_sdk._codec import (
    _BVS,
    T_AANMAAK,
    T_BATCH_ID,
    T_BATCH_INFO,
    T_BERICHTEN,
    T_LEVERANCIER,
    _Counting,
    _stream_bericht,
    format_datetime,
)
from mobb_sdk._models import Bericht
from mobb_sdk._rules import _BATCH_FIXED, _bericht_size

__all__ = ["bericht_size", "header_size", "write_stored_batch"]


def header_size(aanmaak_datum: datetime) -> int:
    """Bytes of a batch without its letters (declaration, root, BatchInformatie) as written here."""
    return _BATCH_FIXED + len(format_datetime(aanmaak_datum))


def bericht_size(bericht: Bericht) -> int:
    """Bytes one letter adds to a batch (exact: the BATCH-02 estimate of :mod:`mobb_sdk._rules`)."""
    return _bericht_size(bericht)


def write_stored_batch(
    out: IO[bytes],
    batch_id: uuid.UUID,
    aanmaak_datum: datetime,
    afzender: str,
    berichten: Iterable[Bericht],
) -> int:
    """Write the batch to ``out``, pulling one letter at a time from ``berichten``; the bytes written."""
    counting = _Counting(out)
    with etree.xmlfile(counting, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(T_BERICHTEN, nsmap=_BVS):
            with xf.element(T_BATCH_INFO):
                for tag, text in (
                    (T_BATCH_ID, str(batch_id)),
                    (T_AANMAAK, format_datetime(aanmaak_datum)),
                    (T_LEVERANCIER, afzender),
                ):
                    with xf.element(tag):
                        xf.write(text)
            for bericht in berichten:
                _stream_bericht(xf, bericht, str(batch_id))
    return counting.count
