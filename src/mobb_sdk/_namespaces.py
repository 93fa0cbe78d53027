"""The XML namespaces of the interface (spec section 2) and of SOAP 1.1; the codec and schemas share them."""

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

#: The prefixes mobb-sdk writes (any prefixes are accepted when reading).
PREFIXES: Final[dict[str, str]] = {
    "bvs": BVS,
    "ber": BER,
    "res": RES,
    "val": VAL,
    "valt": VALT,
    "sh": SH,
    "abo": ABO,
    "s": SOAP11,
    "xsi": XSI,
}

#: SOAPAction of ValidateAbonnementen (spec section 5).
VALIDATE_ABONNEMENTEN_ACTION: Final = f"{VAL}/IBerichtenboxValidatieService/ValidateAbonnementen"


def qname(namespace: str, local: str) -> str:
    """Clark notation ``{namespace}local``, as lxml names elements."""
    return f"{{{namespace}}}{local}"
