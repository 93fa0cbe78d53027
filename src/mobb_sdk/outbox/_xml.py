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

from mobb_sdk._codec import format_datetime, stream_batch
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
    return stream_batch(
        out, batch_id=batch_id, aanmaak_datum=aanmaak_datum, afzender=afzender, berichten=berichten
    )
