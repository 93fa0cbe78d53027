"""Connection settings for the commands that talk to ebms-core or WUS: ``MOBB_*`` variables, or options."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from mobb_sdk._config import ClientConfig

F = TypeVar("F", bound=Callable[..., Any])

# Each option sets the environment variable of the same meaning (see the ENV_VARS table).
_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--sender-oin", "MOBB_SENDER_OIN", "The sender's OIN (BerichtLeverancierID)."),
    ("--ebms-url", "MOBB_EBMS_URL", "ebms-core REST root, e.g. http://127.0.0.1:8080/service/rest/v19."),
    ("--cpa-id", "MOBB_CPA_ID", "The CPA id agreed with Logius."),
    ("--party-oin", "MOBB_PARTY_OIN", "Own ebMS party OIN when it differs from the sender (intermediary)."),
    ("--wus-url", "MOBB_WUS_URL", "The ValidateAbonnementen endpoint."),
    ("--cert-file", "MOBB_CERT_FILE", "PKIoverheid client certificate (PEM)."),
    ("--key-file", "MOBB_KEY_FILE", "Its private key (PEM)."),
    ("--pkcs12-file", "MOBB_PKCS12_FILE", "Client certificate and key as PKCS#12."),
    ("--ca-bundle", "MOBB_CA_BUNDLE", "CA bundle to verify the server with."),
    (
        "--active-types",
        "MOBB_ACTIVE_BERICHT_TYPES",
        "Comma-separated BerichtTypes active for the sender: a letter of another type is refused locally (BER-02).",
    ),
)


def connection_options(function: F) -> F:
    """Add the connection options; each defaults to its ``MOBB_*`` environment variable."""
    for flag, env, text in reversed(_OPTIONS):
        function = click.option(flag, envvar=env, help=f"{text} [env: {env}]")(function)
    return function


def client_config(options: dict[str, Any]) -> ClientConfig:
    """The :class:`ClientConfig` from the environment, with the command line's options on top."""
    environ = dict(os.environ)
    for flag, env, _ in _OPTIONS:
        value = options.get(flag.lstrip("-").replace("-", "_"))
        if value:
            environ[env] = value
    return ClientConfig.from_env(environ)
