"""ValidateAbonnementen over WUS (SOAP 1.1), sans I/O: the request per chunk of BSNs and the answer read.

ABO-02: one call asks about 1..250 BSNs, so any number of BSNs is split into chunks of 250. The answer
becomes ``{Bsn: may receive}``; a SOAP Fault becomes :class:`~mobb_sdk.ApplicationFaultError` (wrong
input) or :class:`~mobb_sdk.DependentServiceFaultError` (a back-end outage, retryable); an answer that
is not a SOAP envelope of the interface becomes :class:`~mobb_sdk.ProtocolError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Final

import httpx

from mobb_sdk._codec import from_soap, to_soap
from mobb_sdk._config import Timeouts, WusConfig
from mobb_sdk._ebms import Context, expect_status
from mobb_sdk._errors import (
    ApplicationFaultError,
    DependentServiceFaultError,
    MobbError,
    ProtocolError,
    SoapFaultError,
    scrub,
)
from mobb_sdk._ids import Bsn, Oin
from mobb_sdk._models import (
    MAX_BSNS_PER_CHECK,
    FaultKind,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
)

__all__ = ["WusProtocol", "chunk_bsns"]

log = logging.getLogger("mobb_sdk.wus")

_FAULT_ERRORS: Final[dict[FaultKind | None, type[SoapFaultError]]] = {
    FaultKind.APPLICATION: ApplicationFaultError,
    FaultKind.DEPENDENT_SERVICE: DependentServiceFaultError,
    None: SoapFaultError,
}


def _as_bsn(value: Bsn | str | int) -> Bsn:
    return value if isinstance(value, Bsn) else Bsn(value)


def chunk_bsns(bsns: Iterable[Bsn | str | int], size: int = MAX_BSNS_PER_CHECK) -> list[tuple[Bsn, ...]]:
    """The distinct BSNs in order, in chunks of at most ``size`` (ABO-02: 250 per call)."""
    if not 1 <= size <= MAX_BSNS_PER_CHECK:
        raise ValueError(f"a ValidateAbonnementen call holds 1..{MAX_BSNS_PER_CHECK} BSNs")
    unique = list(dict.fromkeys(_as_bsn(b) for b in bsns))
    return [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]


def fault_error(fault: SoapFault, status: int | None) -> SoapFaultError:
    """The typed error for a SOAP Fault."""
    return _FAULT_ERRORS[fault.kind](fault, status=status)


class WusProtocol:
    """Builds ValidateAbonnementen requests and reads their answers."""

    def __init__(self, config: WusConfig, sender: Oin, timeouts: Timeouts) -> None:
        self.config = config
        self.sender = sender
        self._headers = {
            "Content-Type": "text/xml; charset=utf-8",
            # SOAP 1.1 wants the action quoted.
            "SOAPAction": f'"{config.soap_action}"',
            "Accept": "text/xml",
            "User-Agent": "mobb-sdk",
        }
        self._timeout = timeouts.as_extension()

    def request(self, bericht_type: str, bsns: tuple[Bsn, ...]) -> httpx.Request:
        """One call for 1..250 BSNs."""
        aanvraag = ValidateAbonnementenAanvraag(
            berichtleverancier=self.sender, bericht_type=bericht_type, bsns=bsns
        )
        return httpx.Request(
            "POST",
            self.config.url,
            content=to_soap(aanvraag),
            headers=self._headers,
            extensions={"timeout": self._timeout},
        )

    def read(self, response: httpx.Response, asked: tuple[Bsn, ...]) -> dict[Bsn, bool]:
        """``{BSN: may receive}`` for every BSN asked; a BSN the answer leaves out may not receive."""
        ctx = Context("ValidateAbonnementen")
        status = response.status_code
        if status not in (200, 500):
            expect_status(response, (200,), ctx)
        try:
            answer = from_soap(response.content)
        except MobbError as exc:
            if status == 500:
                # A 500 without a SOAP Fault is a plain server error (maybe a proxy's page): retryable
                # only through Retry-After, as any other status.
                expect_status(response, (200,), ctx)
            raise ProtocolError(
                f"the ValidateAbonnementen answer is not a valid SOAP envelope: {scrub(str(exc), 200)}",
                status=status,
            ) from None
        if isinstance(answer, SoapFault):
            raise fault_error(answer, status)
        if not isinstance(answer, ValidateAbonnementenAntwoord):
            raise ProtocolError("the WUS service answered with a request instead of an answer", status=status)
        found = answer.as_dict()
        wanted = set(asked)
        extra = [b for b in found if b not in wanted]
        if extra:
            raise ProtocolError(
                f"the answer names {len(extra)} BSN(s) that were not asked about (e.g. {extra[0].masked})",
                status=status,
            )
        missing = [b for b in asked if b not in found]
        if missing:
            # ABO-01 puts wrong deliveries on the sender: no answer means no permission.
            log.warning(
                "ValidateAbonnementen left out %d of %d BSN(s) (e.g. %s); treated as may not receive",
                len(missing),
                len(asked),
                missing[0].masked,
            )
        return {b: found.get(b, False) for b in asked}
