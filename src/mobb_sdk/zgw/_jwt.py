"""The ZGW JWT: every call to a ZGW API carries ``Authorization: Bearer <JWT>``, HS256 with a shared secret.

The claims are those of the ZGW autorisatie standard: ``iss`` and ``client_id`` (the id the API knows
the client by), ``iat``, ``user_id`` and ``user_representation``. A token is made fresh for each call
and lives ``lifetime`` seconds (``exp``), so clock skew between the APIs is the only thing that matters.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Final

import jwt

__all__ = ["ZGW_ALGORITHM", "decode_zgw_jwt", "zgw_jwt"]

ZGW_ALGORITHM: Final = "HS256"


def zgw_jwt(
    client_id: str,
    secret: str,
    *,
    user_id: str = "mobb-sdk",
    user_representation: str = "mobb-sdk ZGW-adapter",
    now: float | None = None,
    lifetime: float = 300.0,
) -> str:
    """A ZGW JWT for ``client_id``, signed HS256 with ``secret``."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": client_id,
        "client_id": client_id,
        "iat": issued,
        "exp": issued + int(lifetime),
        "user_id": user_id,
        "user_representation": user_representation,
    }
    return jwt.encode(claims, secret, algorithm=ZGW_ALGORITHM)


def decode_zgw_jwt(token: str, secrets: Mapping[str, str], *, leeway: float = 60.0) -> dict[str, Any]:
    """The claims of a ZGW JWT whose ``client_id`` is in ``secrets`` and whose HS256 signature holds
    (what a ZGW API does with the bearer token). Raises :class:`jwt.InvalidTokenError` otherwise."""
    unverified = jwt.decode(token, options={"verify_signature": False})
    client_id = unverified.get("client_id")
    if not isinstance(client_id, str) or client_id not in secrets:
        raise jwt.InvalidTokenError("unknown or missing client_id")
    claims: dict[str, Any] = jwt.decode(
        token, secrets[client_id], algorithms=[ZGW_ALGORITHM], leeway=leeway, options={"require": ["iat"]}
    )
    return claims
