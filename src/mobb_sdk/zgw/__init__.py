"""The ZGW adapter: deliver Verzendingen of a ZGW Documenten API (Open Zaak and others) to the Berichtenbox.

Install it with ``pip install mobb-sdk[zgw]``. ::

    from mobb_sdk import Client
    from mobb_sdk.outbox import Outbox
    from mobb_sdk.zgw import ZgwAdapter, ZgwConfig

    config = ZgwConfig.load("zgw.toml")  # or MOBB_ZGW_* variables
    with Outbox(config.outbox, afzender="00000001001234567000") as outbox, Client() as client:
        adapter = ZgwAdapter(config, outbox, client)
        print(adapter.cycle().to_dict())  # poll, deliver, write back

``mobb zgw run`` / ``serve`` / ``subscribe`` are the same from the command line. See
``docs/how-to/zgw.md`` for the mapping, the write-back rules and what the adapter never does.
"""

from __future__ import annotations

try:
    import jwt as _jwt  # noqa: F401
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError("mobb_sdk.zgw needs the zgw extra: pip install 'mobb-sdk[zgw]'") from exc

from mobb_sdk.zgw._adapter import (
    KEY_PREFIX,
    BsnResolver,
    CycleSummary,
    Ontvanger,
    PollSummary,
    RolResolver,
    ZgwAdapter,
    bericht_id_for,
)
from mobb_sdk.zgw._api import MAX_DOWNLOAD, ZgwApi
from mobb_sdk.zgw._callback import MESSAGE_FIELDS, CallbackServer
from mobb_sdk.zgw._config import ZGW_SETTINGS, ZgwConfig
from mobb_sdk.zgw._journal import Journal, JournalRow
from mobb_sdk.zgw._jwt import decode_zgw_jwt, zgw_jwt

__all__ = [
    "KEY_PREFIX",
    "MAX_DOWNLOAD",
    "MESSAGE_FIELDS",
    "ZGW_SETTINGS",
    "BsnResolver",
    "CallbackServer",
    "CycleSummary",
    "Journal",
    "JournalRow",
    "Ontvanger",
    "PollSummary",
    "RolResolver",
    "ZgwAdapter",
    "ZgwApi",
    "ZgwConfig",
    "bericht_id_for",
    "decode_zgw_jwt",
    "subscribe",
    "zgw_jwt",
]


def subscribe(api: ZgwApi) -> dict[str, object]:
    """Register the abonnement at the Notificaties API: kanaal ``documenten`` (filtered on
    ``bronorganisatie`` when configured), the callback URL and the Authorization value it must send."""
    from mobb_sdk._errors import ConfigurationError

    config = api.config
    if not (config.notificaties_url and config.callback_url and config.callback_auth):
        raise ConfigurationError(
            "subscribe needs notificaties_url, callback_url and callback_auth (MOBB_ZGW_NOTIFICATIES_URL, "
            "MOBB_ZGW_CALLBACK_URL, MOBB_ZGW_CALLBACK_AUTH)"
        )
    kanaal: dict[str, object] = {"naam": "documenten"}
    if config.bronorganisatie:
        kanaal["filters"] = {"bronorganisatie": config.bronorganisatie}
    body = {"callbackUrl": config.callback_url, "auth": config.callback_auth, "kanalen": [kanaal]}
    return api.post(config.notificaties_url.rstrip("/") + "/abonnement", body)
