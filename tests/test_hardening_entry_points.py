"""Issue 12 items 6 and 8, issue 13's Bijlage paths: public entry points raise only the MobbError tree."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mobb_sdk
from mobb_sdk import (
    ArgumentTypeError,
    Bericht,
    Bijlage,
    ConversionError,
    InvalidValueError,
    MobbError,
    StorageError,
    XmlError,
    XmlSecurityError,
    from_dict,
    from_json,
    from_soap,
    from_xml,
    make_pdf,
    to_soap,
    to_xml,
    validate,
)
from tests.conftest import TEST_OIN, make_batch, make_bericht

VALID_BSN = str(make_bericht(0).bsn.value)

# Anything a caller might pass by mistake: wrong types, hostile text, nested containers.
ANYTHING: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.binary(max_size=40)
    | st.sampled_from([VALID_BSN, "Pdf", "Burger", str(TEST_OIN), "WOZ", str(uuid.uuid4()), "-1", "1e400"])
    | st.datetimes(timezones=st.none() | st.just(dt.UTC))
    | st.uuids()
    | st.just(object()),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)

#: Every attrs class the package exports: its constructor is a public entry point.
MODELS = sorted(
    (
        getattr(mobb_sdk, name)
        for name in mobb_sdk.__all__
        if inspect.isclass(getattr(mobb_sdk, name)) and attrs.has(getattr(mobb_sdk, name))
    ),
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_constructors_raise_only_mobb_errors(cls: type, data: st.DataObject) -> None:
    fields = attrs.fields(cls)
    kwargs = {f.name: data.draw(ANYTHING, label=f.name) for f in fields if f.init}
    with _only_mobb():
        cls(**kwargs)


def _baselines() -> dict[str, Any]:
    bericht = make_bericht(0)
    abonnement = mobb_sdk.Abonnement(bericht.bsn, True)
    return {
        "Bericht": bericht,
        "Batch": make_batch(1),
        "Bijlage": Bijlage.from_bytes(make_pdf("x"), "Aanslag"),
        "Bsn": bericht.bsn,
        "Oin": TEST_OIN,
        "Abonnement": abonnement,
        "AbonnementAanvraag": mobb_sdk.AbonnementAanvraag.volledig(TEST_OIN),
        "ValidateAbonnementenAanvraag": mobb_sdk.ValidateAbonnementenAanvraag(TEST_OIN, "WOZ", [bericht.bsn]),
        "ValidateAbonnementenAntwoord": mobb_sdk.ValidateAbonnementenAntwoord([abonnement]),
        "BerichtResultaat": mobb_sdk.BerichtResultaat(
            bericht.bericht_id, "WOZ", mobb_sdk.VerwerkingsCode.VERWERKT
        ),
        "ClientConfig": mobb_sdk.ClientConfig(sender_oin=TEST_OIN),
        "EbmsConfig": mobb_sdk.EbmsConfig(url="http://127.0.0.1:1/r", cpa_id="c", party_oin=TEST_OIN),
        "Timeouts": mobb_sdk.Timeouts(),
        "RetryPolicy": mobb_sdk.RetryPolicy(),
        "SenderProfile": mobb_sdk.SenderProfile(sender_oin=TEST_OIN),
    }


BASELINES = _baselines()
FIELDS = [
    (name, field.name)
    for name, model in BASELINES.items()
    if attrs.has(type(model))
    for field in attrs.fields(type(model))
    if field.init and field.name not in ("clock", "ssl_context")
]


@pytest.mark.parametrize(("model", "field"), FIELDS, ids=[f"{m}.{f}" for m, f in FIELDS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=ANYTHING)
def test_one_bad_field_raises_only_mobb_errors(model: str, field: str, value: Any) -> None:
    # A valid model with one field replaced: every validator and converter is reached, not only the
    # first one a fully random call trips over.
    with _only_mobb():
        attrs.evolve(BASELINES[model], **{field: value})


@settings(max_examples=200, deadline=None)
@given(value=ANYTHING)
def test_identifiers_raise_only_mobb_errors(value: Any) -> None:
    for make in (mobb_sdk.Bsn, mobb_sdk.Oin):
        with _only_mobb():
            make(value)


#: Public functions of one argument (the rest defaulted), fed anything.
FUNCTIONS = [
    "check_batch",
    "check_letter_file",
    "elfproef",
    "inspect_pdf",
    "make_pdf",
    "oin_from_certificate",
    "read_letters",
    "to_dict",
    "to_json",
]


@pytest.mark.parametrize("name", FUNCTIONS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=ANYTHING)
def test_public_functions_raise_only_mobb_errors(name: str, value: Any) -> None:
    function = getattr(mobb_sdk, name)
    with _only_mobb():
        answer = function(value)
        if inspect.isgenerator(answer):
            list(answer)


DOCUMENTS = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200),
    st.builds(
        lambda head, body: head + body,
        st.sampled_from(["<?xml version='1.0'", "<?xml", "<!DOCTYPE r [", "<!--", "<?pi ", "\ufeff", ""]),
        st.text(max_size=80),
    ),
    ANYTHING,
)


@settings(max_examples=300, deadline=None)
@given(document=DOCUMENTS)
def test_parsers_raise_only_mobb_errors(document: Any) -> None:
    for parse in (from_xml, from_soap, validate):
        with _only_mobb():
            parse(document)


@settings(max_examples=200, deadline=None)
@given(value=ANYTHING, cls=st.sampled_from(MODELS))
def test_from_dict_and_json_raise_only_conversion_errors(value: Any, cls: type) -> None:
    with _only_mobb():
        from_dict(value, cls)
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return
    with _only_mobb():
        from_json(text, cls)


@settings(max_examples=100, deadline=None)
@given(value=ANYTHING)
def test_writers_raise_only_mobb_errors(value: Any) -> None:
    for write in (to_xml, to_soap):
        with _only_mobb():
            write(value)


class _only_mobb:
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        return exc_type is None or issubclass(exc_type, MobbError)


# --- the cases the attack run found ------------------------------------------------------------------------


def test_an_unclosed_xml_declaration_is_an_xml_error() -> None:
    with pytest.raises(XmlError, match="declaration"):
        from_xml("<?xml version='1.0'")


def test_deeply_nested_json_is_a_conversion_error() -> None:
    with pytest.raises(ConversionError, match="nested"):
        from_json("[" * 100_000 + "]" * 100_000, Bericht)
    with pytest.raises(ConversionError):
        from_json('{"bsn":' * 50_000 + "1" + "}" * 50_000, Bericht)


def test_to_xml_of_a_non_model_is_typed_and_still_a_type_error() -> None:
    for write in (to_xml, to_soap):
        with pytest.raises(ArgumentTypeError) as info:
            write("not a model")  # type: ignore[arg-type]
        assert isinstance(info.value, TypeError)


@pytest.mark.parametrize(
    "document",
    [
        b'<!DOCTYPE r SYSTEM "file:///etc/passwd"><r>&x;</r>',
        b'<!DOCTYPE r PUBLIC "-//X//Y" "http://127.0.0.1:9/x.dtd"><r/>',
        b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>',
        b'<!-- c --><?pi x?>\n<!DOCTYPE r [<!ENTITY % p "x"> %p;]><r/>',
        '<!DOCTYPE r [<!ENTITY % p "x"> %p;]><r/>'.encode("utf-16"),
        '<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>'.encode("utf-16-be"),
        b"\xef\xbb\xbf<!DOCTYPE r SYSTEM 'x.dtd'><r/>",
    ],
)
def test_external_dtds_and_parameter_entities_are_security_errors(document: bytes) -> None:
    for reader in (from_xml, from_soap, validate):
        with pytest.raises(XmlSecurityError, match="DTD"):
            reader(document)


def test_doctype_text_inside_the_document_is_not_a_dtd() -> None:
    # Only the prolog can declare a DTD: the same characters in a comment or CDATA are content.
    with pytest.raises(mobb_sdk.DocumentTypeError):
        from_xml(b"<!-- <!DOCTYPE r> --><r><![CDATA[<!DOCTYPE x>]]></r>")


def test_a_single_string_as_bijlagen_is_refused_not_split(tmp_path: Path) -> None:
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(make_pdf("x"))
    with pytest.raises(InvalidValueError, match=r"wrap it as \[value\]") as info:
        Bericht.create(VALID_BSN, "WOZ", "Onderwerp", bijlagen=str(pdf))  # type: ignore[arg-type]
    assert info.value.rule == "BIJ-01"
    with pytest.raises(InvalidValueError, match="BIJ-01"):
        attrs.evolve(make_bericht(0), bijlagen=make_pdf("x"))
    assert len(Bericht.create(VALID_BSN, "WOZ", "Onderwerp", bijlagen=[pdf]).bijlagen) == 1


def test_attachment_paths_are_typed_errors_before_reading(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match=re.escape("note.docx")) as info:
        Bijlage.from_path(tmp_path / "note.docx")  # refused by name: it need not even exist
    assert info.value.rule == "BIJ-02"
    with pytest.raises(StorageError, match=r"missing\.pdf"):
        Bijlage.from_path(tmp_path / "missing.pdf")
    (tmp_path / "map.pdf").mkdir()
    with pytest.raises(StorageError, match="directory"):
        Bijlage.from_path(tmp_path / "map.pdf")
    big = tmp_path / "groot.pdf"
    with big.open("wb") as f:
        f.truncate(2 * 1024**3)  # sparse: 2 GB that would be read in full before
    with pytest.raises(InvalidValueError, match=re.escape("groot.pdf is 2,147,483,648 bytes")) as info:
        Bijlage.from_path(big)
    assert info.value.rule == "BIJ-03"
    with pytest.raises(InvalidValueError, match="BIJ-02"):
        Bericht.create(VALID_BSN, "WOZ", "Onderwerp", bijlagen=[tmp_path / "note.docx"])


def test_an_unreadable_attachment_is_a_storage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "geheim.pdf"
    secret.write_bytes(make_pdf("x"))
    if os.geteuid() == 0:  # root reads any file: make the open fail as it would for another user
        real_open = Path.open

        def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == secret:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", refuse)
    else:
        secret.chmod(0)
    with pytest.raises(StorageError, match=re.escape("geheim.pdf: Permission denied")):
        Bijlage.from_path(secret)


def test_xml_paths_and_files_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(XmlError, match=re.escape("missing.xml")):
        from_xml(tmp_path / "missing.xml")
    with pytest.raises(XmlError):
        from_xml(tmp_path)
    with pytest.raises(ArgumentTypeError):
        from_xml(12345)  # type: ignore[call-overload]


CLIENT_CALLS = {
    "send": 1,
    "resend": 1,
    "ack_event": 1,
    "ack_result": 1,
    "collect_results": 1,
    "status": 1,
    "check_subscriptions": 2,
    "deliver": 1,
}


@pytest.mark.parametrize("name", CLIENT_CALLS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=ANYTHING, second=ANYTHING)
def test_client_calls_refuse_wrong_arguments_typed(name: str, first: Any, second: Any) -> None:
    import httpx

    from tests.client_fakes import make_config

    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    config = make_config(retry=mobb_sdk.RetryPolicy.never())
    with mobb_sdk.Client(config, transport=transport, sleep=lambda s: None) as client, _only_mobb():
        getattr(client, name)(*[first, second][: CLIENT_CALLS[name]])


def test_a_wrong_argument_is_refused_before_anything_is_sent() -> None:
    import httpx

    from tests.client_fakes import make_config

    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(503))
    with mobb_sdk.Client(make_config(), transport=transport) as client:
        with pytest.raises(ArgumentTypeError, match=r"berichten\[1\]: expected Bericht, got str"):
            client.deliver([make_bericht(0), "not a letter"])
        with pytest.raises(ArgumentTypeError, match="bsns: expected a list"):
            client.check_subscriptions("WOZ", 999900006)  # type: ignore[arg-type]
    assert sent == []
