"""mobb-sdk: deliver letters to the MijnOverheid Berichtenbox (Logius).

Typed models of the interface, an XML codec with bundled XSDs, the Logius rules the XSDs do not state,
and one error tree under :class:`MobbError`. Everything public is importable from here::

    from mobb_sdk import Batch, Bericht, Bijlage, validate, to_xml
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mobb_sdk._client import AsyncClient, Client
from mobb_sdk._codec import from_soap, from_xml, to_soap, to_xml, write_batch
from mobb_sdk._config import ENV_VARS, ClientConfig, EbmsConfig, Timeouts, TlsConfig, WusConfig
from mobb_sdk._delivery import Outcome, OutcomeStatus
from mobb_sdk._ebms import (
    CollectedResults,
    DeliveryEvent,
    EventType,
    MessageStatus,
    Receipt,
    ReceiptStatus,
    ResultMessage,
)
from mobb_sdk._errors import (
    ApplicationFaultError,
    ArgumentTypeError,
    ConfigurationError,
    ConnectionFailed,
    ConversionError,
    CpaError,
    DependentServiceFaultError,
    DocumentTypeError,
    EbmsConfigurationError,
    HttpStatusError,
    InvalidValueError,
    MobbError,
    ProtocolError,
    RenderError,
    SchemaError,
    SoapFaultError,
    StorageError,
    StreamConfigError,
    TransportError,
    TransportTimeout,
    ValidationError,
    XmlError,
    XmlSecurityError,
)
from mobb_sdk._ids import LOGIUS_OIN, NIL_GUID, Bsn, Oin, elfproef, new_guid
from mobb_sdk._models import (
    Abonnement,
    AbonnementAanvraag,
    Batch,
    Bericht,
    BerichtResultaat,
    BerichtResultaten,
    Bijlage,
    BijlageType,
    FaultKind,
    SoapFault,
    SoortGebruiker,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    VerwerkingsCode,
    VerwerkingsResultaat,
)
from mobb_sdk._namespaces import VALIDATE_ABONNEMENTEN_ACTION
from mobb_sdk._pdf import PdfInfo, inspect_pdf, make_pdf
from mobb_sdk._retry import RetryPolicy
from mobb_sdk._rules import RULES, Rule, SenderProfile, check_batch
from mobb_sdk._schemas import SCHEMA_VERSION, DocumentKind, manifest_hash, schema_dir, schema_manifest
from mobb_sdk._tls import (
    CertificateOinWarning,
    KeyFileModeWarning,
    check_certificate_oin,
    create_ssl_context,
    oin_from_certificate,
)
from mobb_sdk._validation import validate
from mobb_sdk._violations import Report, Severity, Violation
from mobb_sdk._xsd_validation import Backend

if TYPE_CHECKING:
    from mobb_sdk._convert import converter, from_dict, from_json, to_dict, to_json
    from mobb_sdk._letters_io import LetterFileError, check_letter_file, read_letters, stable_bericht_id
    from mobb_sdk._schema_compare import SchemaComparison, SchemaDifference, compare_schema_sets

__version__ = "0.1.0"

#: Public names loaded on first use (PEP 562), so ``import mobb_sdk`` stays light: the dict/JSON
#: converter needs cattrs (about 10 ms to import), which nothing else loads; so are the letter files' readers
#: and the schema comparison.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("converter", "from_dict", "from_json", "to_dict", "to_json"), "mobb_sdk._convert"),
    # Letter files (csv, json) and comparing schema sets: what the CLI and a few callers use.
    **dict.fromkeys(
        ("LetterFileError", "check_letter_file", "read_letters", "stable_bericht_id"), "mobb_sdk._letters_io"
    ),
    **dict.fromkeys(
        ("SchemaComparison", "SchemaDifference", "compare_schema_sets"), "mobb_sdk._schema_compare"
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ENV_VARS",
    "LOGIUS_OIN",
    "NIL_GUID",
    "RULES",
    "SCHEMA_VERSION",
    "VALIDATE_ABONNEMENTEN_ACTION",
    "Abonnement",
    "AbonnementAanvraag",
    "ApplicationFaultError",
    "ArgumentTypeError",
    "AsyncClient",
    "Backend",
    "Batch",
    "Bericht",
    "BerichtResultaat",
    "BerichtResultaten",
    "Bijlage",
    "BijlageType",
    "Bsn",
    "CertificateOinWarning",
    "Client",
    "ClientConfig",
    "CollectedResults",
    "ConfigurationError",
    "ConnectionFailed",
    "ConversionError",
    "CpaError",
    "DeliveryEvent",
    "DependentServiceFaultError",
    "DocumentKind",
    "DocumentTypeError",
    "EbmsConfig",
    "EbmsConfigurationError",
    "EventType",
    "FaultKind",
    "HttpStatusError",
    "InvalidValueError",
    "KeyFileModeWarning",
    "LetterFileError",
    "MessageStatus",
    "MobbError",
    "Oin",
    "Outcome",
    "OutcomeStatus",
    "PdfInfo",
    "ProtocolError",
    "Receipt",
    "ReceiptStatus",
    "RenderError",
    "Report",
    "ResultMessage",
    "RetryPolicy",
    "Rule",
    "SchemaComparison",
    "SchemaDifference",
    "SchemaError",
    "SenderProfile",
    "Severity",
    "SoapFault",
    "SoapFaultError",
    "SoortGebruiker",
    "StorageError",
    "StreamConfigError",
    "Timeouts",
    "TlsConfig",
    "TransportError",
    "TransportTimeout",
    "ValidateAbonnementenAanvraag",
    "ValidateAbonnementenAntwoord",
    "ValidationError",
    "VerwerkingsCode",
    "VerwerkingsResultaat",
    "Violation",
    "WusConfig",
    "XmlError",
    "XmlSecurityError",
    "__version__",
    "check_batch",
    "check_certificate_oin",
    "check_letter_file",
    "compare_schema_sets",
    "converter",
    "create_ssl_context",
    "elfproef",
    "from_dict",
    "from_json",
    "from_soap",
    "from_xml",
    "inspect_pdf",
    "make_pdf",
    "manifest_hash",
    "new_guid",
    "oin_from_certificate",
    "read_letters",
    "schema_dir",
    "schema_manifest",
    "stable_bericht_id",
    "to_dict",
    "to_json",
    "to_soap",
    "to_xml",
    "validate",
    "write_batch",
]
