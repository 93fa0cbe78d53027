"""Property tests: generated models survive model → XML → schema-valid → model unchanged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import attrs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mobb_sdk import Backend, Batch, Bericht, Bijlage, from_json, from_xml, to_json, to_xml
from mobb_sdk._xml import parse_xml
from mobb_sdk._xsd_validation import validate_tree

from .conftest import TEST_BSNS, TEST_OIN

# XML 1.0 characters only; surrogates can't be encoded and CR is normalised away by the model.
XML_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A)) + "\ufffe\uffff",
)


def text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    edge = st.sampled_from([min_size, max_size]) if min_size != max_size else st.just(min_size)
    return st.one_of(
        st.text(XML_CHARS, min_size=min_size, max_size=max_size),
        edge.flatmap(lambda n: st.text(XML_CHARS, min_size=n, max_size=n)),
    )


aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]
    ),
)

bijlage = st.builds(
    Bijlage,
    inhoud=st.binary(min_size=1, max_size=2000),
    omschrijving=text(1, 128),
)


@st.composite
def bericht(draw: st.DrawFn) -> Bericht:
    tekst = draw(st.none() | text(0, 3000))
    assume(tekst is None or "\\r\\n" not in tekst)
    bijlagen = draw(st.lists(bijlage, max_size=2))
    return Bericht(
        bsn=draw(st.sampled_from(TEST_BSNS)),
        bericht_type=draw(text(1, 8)),
        onderwerp=draw(text(1, 50)),
        bericht_tekst=tekst,
        referentie=draw(st.none() | text(0, 25)),
        publicatie_datum=draw(st.none() | aware),
        eind_datum_handelings_termijn=draw(st.none() | aware),
        bijlagen=[attrs.evolve(b, volgorde=i) for i, b in enumerate(bijlagen, start=1)],
        bericht_id=draw(st.uuids()),
    )


@st.composite
def batch(draw: st.DrawFn) -> Batch:
    letters = draw(st.lists(bericht(), min_size=1, max_size=4))
    n = draw(st.sampled_from([len(letters), len(letters), 1000]))
    # Reaching 1000 letters by drawing each one is slow; repeat the drawn ones under fresh ids.
    berichten = [
        letters[i] if i < len(letters) else attrs.evolve(letters[i % len(letters)], bericht_id=uuid.uuid4())
        for i in range(n)
    ]
    return Batch(TEST_OIN, berichten, batch_id=draw(st.uuids()), aanmaak_datum=draw(aware))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(batch())
def test_batch_round_trip(model: Batch) -> None:
    xml = to_xml(model, validate=True)
    assert from_xml(xml) == model
    assert from_json(to_json(model), Batch) == model


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(batch())
def test_both_backends_agree_on_generated_batches(model: Batch) -> None:
    # The XSD verdict alone: the generated dates need not fall in the 13-day windows of the rules.
    root = parse_xml(to_xml(model)).getroot()
    assert validate_tree(root, backend=Backend.LXML).ok
    assert validate_tree(root, backend=Backend.XMLSCHEMA).ok
