"""Berichtstromen: per kind of letter its BerichtType, templates, Referentie, dates and attachment text.

::

    from mobb_sdk.streams import load_streams

    streams = load_streams("berichtstromen.toml")  # checked in full; errors name the file and the key
    bericht = streams["woz-beschikking"].render("999900006", {"adres": "Dorpsstraat 1"}, [pdf_bytes])

``mobb send --stream NAME``, the outbox (``Outbox.enqueue_file(path, stream=...)``) and the ZGW adapter
(:mod:`mobb_sdk.zgw`) all build their letters this way. See ``docs/how-to/zgw.md`` for the format.
"""

from __future__ import annotations

from mobb_sdk.streams._stream import (
    EXAMPLE_STREAMS,
    Berichtstromen,
    Berichtstroom,
    EindDatumRegel,
    Template,
    example_streams_path,
    load_streams,
)

__all__ = [
    "EXAMPLE_STREAMS",
    "Berichtstromen",
    "Berichtstroom",
    "EindDatumRegel",
    "Template",
    "example_streams_path",
    "load_streams",
]
