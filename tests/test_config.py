"""ClientConfig from arguments and MOBB_* variables; Timeouts; RetryPolicy and Retry-After."""

from __future__ import annotations

import math
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import mobb_sdk
from mobb_sdk import (
    ENV_VARS,
    LOGIUS_OIN,
    ClientConfig,
    ConfigurationError,
    HttpStatusError,
    InvalidValueError,
    RetryPolicy,
    Timeouts,
    TlsConfig,
    TransportTimeout,
)
from mobb_sdk._retry import parse_retry_after
from tests.conftest import TEST_OIN

PARTY = "00000001009999999000"

BASE = {
    "MOBB_SENDER_OIN": TEST_OIN.value,
    "MOBB_EBMS_URL": "http://127.0.0.1:8080/service/rest/v19/",
    "MOBB_CPA_ID": "cpa-preprod",
}


def test_from_env_minimal_uses_the_spec_defaults() -> None:
    c = ClientConfig.from_env(BASE)
    assert c.sender_oin == TEST_OIN
    assert c.ebms is not None
    assert c.ebms.url == "http://127.0.0.1:8080/service/rest/v19"
    assert c.ebms.cpa_id == "cpa-preprod"
    assert c.ebms.party_oin == TEST_OIN  # defaults to the sender
    assert c.ebms.logius_oin == LOGIUS_OIN
    assert (c.ebms.from_role, c.ebms.to_role) == ("SR", "SP")
    assert c.ebms.service == "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0"
    assert (c.ebms.request_action, c.ebms.result_action) == ("GLOBE-R-BV-Request", "GLOBE-R-BV-Result")
    assert c.ebms.from_party_id == f"urn:osb:oin:{TEST_OIN.value}"
    assert c.ebms.to_party_id == "urn:osb:oin:00000001822477348000"
    assert c.ebms.mtom is False
    assert c.wus is None
    assert c.timeouts == Timeouts()
    assert c.active_bericht_types is None


def test_from_env_full(tmp_path: Path) -> None:
    env = {
        **BASE,
        "MOBB_PARTY_OIN": PARTY,
        "MOBB_WUS_URL": "https://wus.preprod.example.nl/BerichtenboxValidatieService",
        "MOBB_CERT_FILE": str(tmp_path / "c.pem"),
        "MOBB_KEY_FILE": str(tmp_path / "k.pem"),
        "MOBB_KEY_PASSWORD": "geheim",
        "MOBB_CA_BUNDLE": str(tmp_path / "ca.pem"),
        "MOBB_TIMEOUT_CONNECT": "3",
        "MOBB_TIMEOUT_READ": "45.5",
        "MOBB_TIMEOUT_WRITE": "20",
        "MOBB_TIMEOUT_POOL": "2",
        "MOBB_RETRY_ATTEMPTS": "2",
        "MOBB_RETRY_BASE_DELAY": "0.25",
        "MOBB_RETRY_MAX_DELAY": "4",
        "MOBB_ACTIVE_BERICHT_TYPES": "WOZ, BELAST,,",
        "MOBB_EBMS_MTOM": "yes",
    }
    c = ClientConfig.from_env(env)
    assert c.ebms is not None and c.ebms.party_oin.value == PARTY
    assert c.ebms.mtom is True
    assert c.wus is not None and c.wus.url.startswith("https://wus")
    assert c.tls.cert_file == env["MOBB_CERT_FILE"]
    assert c.tls.key_password == env["MOBB_KEY_PASSWORD"]
    assert "geheim" not in repr(c)
    assert c.timeouts == Timeouts(connect=3, read=45.5, write=20, pool=2)
    assert c.retry == RetryPolicy(max_attempts=2, base_delay=0.25, max_delay=4)
    assert c.active_bericht_types == frozenset({"WOZ", "BELAST"})
    assert c.profile().active_bericht_types == frozenset({"WOZ", "BELAST"})
    assert c.profile().sender_oin == TEST_OIN


def test_switching_environment_is_only_variables() -> None:
    pre = ClientConfig.from_env({**BASE, "MOBB_CPA_ID": "cpa-pre"})
    prod = ClientConfig.from_env({**BASE, "MOBB_CPA_ID": "cpa-prod"})
    assert pre.ebms is not None and prod.ebms is not None
    assert (pre.ebms.cpa_id, prod.ebms.cpa_id) == ("cpa-pre", "cpa-prod")


def test_overrides_win() -> None:
    c = ClientConfig.from_env(BASE, timeouts=Timeouts(read=5))
    assert c.timeouts.read == 5


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({}, "MOBB_SENDER_OIN"),
        ({"MOBB_SENDER_OIN": "123"}, "not an OIN"),
        ({"MOBB_SENDER_OIN": TEST_OIN.value, "MOBB_EBMS_URL": "http://127.0.0.1/x"}, "together"),
        ({**BASE, "MOBB_TIMEOUT_READ": "soon"}, "MOBB_TIMEOUT_READ"),
        ({**BASE, "MOBB_TIMEOUT_READ": "inf"}, "finite"),
        ({**BASE, "MOBB_TIMEOUT_CONNECT": "0"}, "finite"),
        ({**BASE, "MOBB_TIMEOUT_POOL": "nan"}, "finite"),
        ({**BASE, "MOBB_RETRY_ATTEMPTS": "0"}, "MOBB_RETRY"),
        ({**BASE, "MOBB_ALLOW_INSECURE_HTTP": "maybe"}, "MOBB_ALLOW_INSECURE_HTTP"),
        ({**BASE, "MOBB_EBMS_MTOM": "binary"}, "MOBB_EBMS_MTOM"),
        ({**BASE, "MOBB_EBMS_URL": "http://ebms.gemeente.nl/service/rest/v19"}, "plain http"),
        ({**BASE, "MOBB_PARTY_OIN": "bogus"}, "not an OIN"),
    ],
)
def test_bad_settings_name_the_problem(env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        ClientConfig.from_env(env)


def test_insecure_http_can_be_allowed_explicitly() -> None:
    env = {
        **BASE,
        "MOBB_EBMS_URL": "http://ebms.test.local/service/rest/v19",
        "MOBB_ALLOW_INSECURE_HTTP": "1",
    }
    assert ClientConfig.from_env(env).tls.allow_insecure_http


def test_every_variable_read_is_documented() -> None:
    source = Path(mobb_sdk._config.__file__).read_text()
    read = set(
        re.findall(
            r'get\("(MOBB_[A-Z_0-9]+)"\)|number\("(MOBB_[A-Z_0-9]+)"|flag\("(MOBB_[A-Z_0-9]+)"\)', source
        )
    )
    names = {n for group in read for n in group if n}
    assert names == set(ENV_VARS)


def test_the_docs_table_lists_every_variable() -> None:
    page = Path(__file__).parents[1] / "docs" / "how-to" / "ebms-core.md"
    text = page.read_text()
    for name in ENV_VARS:
        assert f"`{name}`" in text, name


def test_timeouts_are_finite_and_positive() -> None:
    t = Timeouts()
    assert all(0 < v < math.inf for v in t.as_extension().values())
    assert t.as_httpx().read == t.read
    for bad in (0, -1, math.inf, math.nan, True):
        with pytest.raises(ConfigurationError, match=r"timeout read must be a finite number of seconds > 0"):
            Timeouts(read=bad)


def test_tls_config_without_files_has_no_certificate() -> None:
    assert TlsConfig().client_certificate() is None
    assert not TlsConfig().has_client_certificate


# --- RetryPolicy ----------------------------------------------------------------------------------------------


def test_backoff_is_full_jitter_and_capped() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    for attempt, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        draws = [policy.delay(attempt, None, rng) for _ in range(200)]
        assert all(0 <= d <= cap for d in draws)
        assert max(draws) > cap * 0.8  # spread, not a fixed value
        assert min(draws) < cap * 0.2


def test_retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=60)
    assert policy.delay(1, HttpStatusError("x", status=503, retry_after=12)) == 12
    assert policy.delay(1, HttpStatusError("x", status=503, retry_after=600)) == 60


def test_which_failures_are_retried() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.should_retry(TransportTimeout("t"), 1)
    assert policy.should_retry(TransportTimeout("t"), 2)
    assert not policy.should_retry(TransportTimeout("t"), 3)
    assert not policy.should_retry(HttpStatusError("x", status=400), 1)
    assert not policy.should_retry(HttpStatusError("x", status=500), 1)
    assert policy.should_retry(HttpStatusError("x", status=500, retry_after=1), 1)
    assert policy.should_retry(HttpStatusError("x", status=502), 1)
    assert not RetryPolicy.never().should_retry(TransportTimeout("t"), 1)


@pytest.mark.parametrize("bad", [0, 101, -1, 2.5])
def test_attempts_are_bounded(bad: float) -> None:
    with pytest.raises(InvalidValueError) as info:
        RetryPolicy(max_attempts=bad)  # type: ignore[arg-type]
    assert (info.value.rule, info.value.field) == ("CONFIG", "max_attempts")
    assert "1..100 attempts" in info.value.message


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Sat, 28 Nov 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("Sat, 28 Nov 2026 11:00:00 GMT", now) == 0  # in the past: go now
    assert parse_retry_after((now + timedelta(days=3)).strftime("%a, %d %b %Y %H:%M:%S GMT"), now) is None
    for bad in (None, "", "soon", "-5", "1e9"):
        assert parse_retry_after(bad, now) is None
