"""The WUS ValidateAbonnementen service of the simulator."""

from __future__ import annotations

from datetime import datetime

import httpx

from mobb_sdk._codec import from_soap, to_soap
from mobb_sdk._errors import MobbError, ValidationError, XmlError
from mobb_sdk._models import (
    Abonnement,
    FaultKind,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
)
from mobb_sdk._namespaces import VALIDATE_ABONNEMENTEN_ACTION
from mobb_sdk.simulator._processing import GlobeProcessing
from mobb_sdk.simulator._records import WusCall
from mobb_sdk.simulator._wire import (
    CLIENT_OIN_EXTENSION,
    text_response,
)
from mobb_sdk.simulator._world import Sender, World


class WusService(GlobeProcessing):
    """The SOAP ValidateAbonnementen service at :data:`WUS_PATH`."""

    def _wus(self, request: httpx.Request) -> httpx.Response:
        now = self.now()
        client_oin = request.extensions.get(CLIENT_OIN_EXTENSION)
        action = request.headers.get("SOAPAction", "").strip().strip('"')
        if action != VALIDATE_ABONNEMENTEN_ACTION:
            fault = SoapFault("s:Client", f"The SOAP action {action!r} is not supported by this service.")
            return self._wus_answer(now, None, fault, client_oin)
        content_type = request.headers.get("Content-Type", "")
        if not content_type.lower().startswith("text/xml"):
            return text_response(415, f"SOAP 1.1 needs Content-Type text/xml, got {content_type!r}")
        if self.faults.take_wus_outage(now):
            fault = SoapFault(
                "s:Server",
                "The subscription register is not available.",
                FaultKind.DEPENDENT_SERVICE,
                "Backend unavailable; try again later.",
            )
            return self._wus_answer(now, None, fault, client_oin)
        try:
            body = from_soap(request.content)
        except ValidationError as exc:
            # Nil or empty fields, 0 or more than 250 BSNs (ABO-02), a Key that is no BSN.
            rules = ", ".join(sorted(exc.rules))
            message = f"Invalid request ({rules}): " + "; ".join(v.message for v in exc.violations[:3])
            return self._wus_answer(
                now,
                None,
                SoapFault("s:Client", "Invalid request", FaultKind.APPLICATION, message),
                client_oin,
            )
        except (XmlError, MobbError) as exc:
            fault = SoapFault(
                "s:Client", "The request could not be read", FaultKind.APPLICATION, str(exc)[:200]
            )
            return self._wus_answer(now, None, fault, client_oin)
        if not isinstance(body, ValidateAbonnementenAanvraag):
            fault = SoapFault(
                "s:Client",
                "Expected ValidateAbonnementen",
                FaultKind.APPLICATION,
                "The body does not hold a ValidateAbonnementen request.",
            )
            return self._wus_answer(now, None, fault, client_oin)
        world = self._world
        sender = world.sender(body.berichtleverancier)
        if sender is None:
            fault = SoapFault(
                "s:Client",
                "Unknown berichtleverancier",
                FaultKind.APPLICATION,
                f"Berichtleverancier {body.berichtleverancier} is not known.",
            )
            return self._wus_answer(now, body, fault, client_oin)
        if client_oin is not None and not may_ask_for(world, client_oin, sender):
            fault = SoapFault(
                "s:Client",
                "Not authorised",
                FaultKind.APPLICATION,
                f"The certificate of OIN {client_oin} may not ask for {sender.oin}.",
            )
            return self._wus_answer(now, body, fault, client_oin)
        answer = ValidateAbonnementenAntwoord(
            tuple(Abonnement(bsn, world.subscribed(bsn, sender.oin, body.bericht_type)) for bsn in body.bsns)
        )
        return self._wus_answer(now, body, answer, client_oin)

    def _wus_answer(
        self,
        now: datetime,
        request: ValidateAbonnementenAanvraag | None,
        answer: ValidateAbonnementenAntwoord | SoapFault,
        client_oin: str | None,
    ) -> httpx.Response:
        fault = answer if isinstance(answer, SoapFault) else None
        call = WusCall(
            now,
            request.berichtleverancier.value if request is not None else None,
            request.bericht_type if request is not None else None,
            request.bsns if request is not None else (),
            answer.abonnementen if isinstance(answer, ValidateAbonnementenAntwoord) else (),
            fault,
            client_oin,
        )
        with self._lock:
            self._wus_calls.append(call)
        return httpx.Response(
            500 if fault is not None else 200,
            content=to_soap(answer),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )


def may_ask_for(world: World, client_oin: str, sender: Sender) -> bool:
    """The certificate's organisation is the sender itself or an intermediary linked to it."""
    if client_oin == sender.oin.value:
        return True
    intermediary = world.sender(client_oin)
    return intermediary is not None and sender.oin in intermediary.clients
