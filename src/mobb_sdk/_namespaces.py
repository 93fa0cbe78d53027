"""Names the interface fixes, in one place: XML namespaces (spec section 2), the WUS SOAPAction, and the
ebMS service, actions and roles of the BerichtVerwerkService (spec section 1)."""

from __future__ import annotations

from typing import Final

BVS: Final = "http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01"
BER: Final = "http://schemas.rdw.nl/GEB/BerichtenProsessor/Bericht/Types/2009/01"  # sic: "Prosessor"
RES: Final = "http://schemas.rdw.nl/GEB/BerichtVerwerkService/BerichtResultaat/Types/2009/01"
VAL: Final = "http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/2009/01"
VALT: Final = "http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/Types/2009/01"
SH: Final = "http://schemas.rdw.nl/GEB/Shared/Types/2009/01"
ABO: Final = "http://schemas.overheid.nl/GEB/AbonnementServiceProcessor/2014/02"
SOAP11: Final = "http://schemas.xmlsoap.org/soap/envelope/"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"

#: SOAPAction of ValidateAbonnementen (spec section 5).
VALIDATE_ABONNEMENTEN_ACTION: Final = f"{VAL}/IBerichtenboxValidatieService/ValidateAbonnementen"


def qname(namespace: str, local: str) -> str:
    """Clark notation ``{namespace}local``, as lxml names elements."""
    return f"{{{namespace}}}{local}"


#: ebMS service, actions and roles of the BerichtVerwerkService (spec section 1).
EBMS_SERVICE: Final = "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0"
REQUEST_ACTION: Final = "GLOBE-R-BV-Request"
RESULT_ACTION: Final = "GLOBE-R-BV-Result"
SENDER_ROLE: Final = "SR"
LOGIUS_ROLE: Final = "SP"
