"""A stateful fake of the three ZGW APIs the adapter uses (Documenten 1.5.0, Zaken 1.5.1, Notificaties
1.0.0), checked against the official OpenAPI files in ``<repo root>/../shared/zgw/``.

Every request the fake receives and every response it gives is validated with openapi-core against
those files; each mismatch is kept in :attr:`FakeZgw.violations` (the tests assert it stays empty), so
neither the adapter nor the fake can drift from the standard. A request is answered after its
validation, like a real API would (a request the spec refuses gets 400).

The fake checks the ZGW JWT (HS256, ``client_id``, shared secret): missing gives 401, wrong gives 403.
It answers in-process (``fake.transport``, an httpx transport) or served on 127.0.0.1 (``served()``).
Optional fields whose schema is ``allOf: [$ref]`` with ``nullable: true`` are left out rather than sent
as ``null``: openapi-core reads OAS 3.0's ``nullable`` beside ``allOf`` strictly and would refuse the
``null`` that Open Zaak sends; the adapter reads them as absent either way.

Faults: ``down(n)`` makes the next ``n`` requests fail as if the Documenten API were unreachable (in
process: a connection error; served: the connection is dropped); ``throttle(n)`` answers 429 with
``Retry-After: 0``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
import yaml
from jsonschema import FormatChecker
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

from mobb_sdk.zgw import decode_zgw_jwt

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "zgw"
SPEC_FILES = {
    "documenten": "documenten-api-1.5.0.yaml",
    "zaken": "zaken-api-1.5.1.yaml",
    "notificaties": "notificaties-api-1.0.0.yaml",
}
PREFIX = {
    "documenten": "/documenten/api/v1",
    "zaken": "/zaken/api/v1",
    "notificaties": "/notificaties/api/v1",
}
CLIENT_ID = "mobb-test"
SECRET = "een-lang-gedeeld-geheim-voor-tests"  # noqa: S105  (the fake's test secret)
CATALOGI = "https://catalogi.example.nl/catalogi/api/v1"
PAGE = 100


@functools.cache
def spec_dict(api: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(
        (SHARED / SPEC_FILES[api]).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader
    )
    data["servers"] = [{"url": PREFIX[api]}]  # relative: matches the fake wherever it is served
    return data


def _share_format_checker() -> None:
    """openapi-core deep-copies its format checker for every schema it validates (two thirds of its
    time here) so that extra format validators cannot leak between calls. The fake adds none, so the
    one checker is shared: the same checks, a fraction of the cost."""
    from openapi_core.validation.schemas import factories

    original = factories.deepcopy

    def copy_unless_checker(value: Any, *args: Any) -> Any:
        return value if isinstance(value, FormatChecker) else original(value, *args)

    factories.deepcopy = copy_unless_checker  # type: ignore[assignment]


_share_format_checker()


@functools.cache
def openapi(api: str) -> OpenAPI:
    # Errors come as application/problem+json: read as JSON, like application/json.
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(spec_dict(api), config=config)


def schema_validator(api: str, name: str) -> OAS30Validator:
    spec = spec_dict(api)
    return OAS30Validator({**spec["components"]["schemas"][name], "components": spec["components"]})


class Unreachable(Exception):
    """A fault: the API is down (the in-process transport raises httpx.ConnectError for it)."""


class FakeZgw:
    """The three APIs under one root (``http://zgw.test`` in process, ``http://127.0.0.1:<port>`` served)."""

    def __init__(self, root: str = "http://zgw.test", secrets: Mapping[str, str] | None = None) -> None:
        self.root = root.rstrip("/")
        self.documenten = self.root + PREFIX["documenten"]
        self.zaken = self.root + PREFIX["zaken"]
        self.notificaties = self.root + PREFIX["notificaties"]
        self.secrets = dict(secrets or {CLIENT_ID: SECRET})
        self.lock = threading.RLock()
        self.verzendingen: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.zaken_: dict[str, dict[str, Any]] = {}
        self.zio: list[dict[str, Any]] = []
        self.rollen: dict[str, dict[str, Any]] = {}
        self.abonnementen: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.requests: Counter[str] = Counter()
        self.patches: Counter[str] = Counter()
        self.posts: list[dict[str, Any]] = []
        self.refused_tokens = 0
        self._down = 0
        self._throttle = 0

    # -- building the world ----------------------------------------------------------------------------

    def zaak(self, identificatie: str, zaaktype: str = CATALOGI + "/zaaktypen/onbekend") -> str:
        uid = str(uuid.uuid4())
        url = f"{self.zaken}/zaken/{uid}"
        self.zaken_[uid] = {
            "url": url,
            "uuid": uid,
            "identificatie": identificatie,
            "bronorganisatie": "002220647",
            "omschrijving": f"Zaak {identificatie}",
            "toelichting": "",
            "zaaktype": zaaktype,
            "registratiedatum": "2027-01-04",
            "verantwoordelijkeOrganisatie": "002220647",
            "startdatum": "2027-01-04",
            "einddatum": None,
            "einddatumGepland": None,
            "uiterlijkeEinddatumAfdoening": None,
            "publicatiedatum": None,
            "communicatiekanaal": "",
            "productenOfDiensten": [],
            "vertrouwelijkheidaanduiding": "openbaar",
            "betalingsindicatie": "",
            "betalingsindicatieWeergave": "",
            "laatsteBetaaldatum": None,
            "selectielijstklasse": "",
            "hoofdzaak": None,
            "deelzaken": [],
            "relevanteAndereZaken": [],
            "eigenschappen": [],
            "rollen": [],
            "status": None,
            "zaakinformatieobjecten": [],
            "zaakobjecten": [],
            "kenmerken": [],
            "archiefstatus": "nog_te_archiveren",
            "archiefactiedatum": None,
            "resultaat": None,
            "opdrachtgevendeOrganisatie": "",
            "processobjectaard": None,
            "startdatumBewaartermijn": None,
        }
        return url

    def rol(self, zaak_url: str, bsn: str | None, *, adres: bool = True) -> tuple[str, str]:
        """A rol natuurlijk_persoon of the zaak; returns (rol URL, betrokkene URL)."""
        uid = str(uuid.uuid4())
        url = f"{self.zaken}/rollen/{uid}"
        betrokkene = f"https://brp.example.nl/personen/{uid}"
        identificatie: dict[str, Any] = {
            "inpBsn": bsn or "",
            "anpIdentificatie": "",
            "inpA_nummer": "",
            "geslachtsnaam": "Jansen",
            "voorvoegselGeslachtsnaam": "",
            "voorletters": "J",
            "voornamen": "Jan",
            "geslachtsaanduiding": "m",
            "geboortedatum": "1970-01-01",
            "verblijfsadres": {
                "aoaIdentificatie": "0599200000000001",
                "wplWoonplaatsNaam": "Voorbeeldstad",
                "gorOpenbareRuimteNaam": "Dorpsstraat",
                "aoaPostcode": "1234 AB",
                "aoaHuisnummer": 1,
                "aoaHuisletter": "",
                "aoaHuisnummertoevoeging": "",
                "inpLocatiebeschrijving": "",
            },
        }
        if not adres:
            del identificatie["verblijfsadres"]
        self.rollen[uid] = {
            "url": url,
            "uuid": uid,
            "zaak": zaak_url,
            "betrokkene": betrokkene,
            "betrokkeneType": "natuurlijk_persoon",
            "afwijkendeNaamBetrokkene": "",
            "roltype": CATALOGI + "/roltypen/belanghebbende",
            "omschrijving": "Belanghebbende",
            "omschrijvingGeneriek": "belanghebbende",
            "roltoelichting": "",
            "registratiedatum": "2027-01-04T09:00:00Z",
            "indicatieMachtiging": "",
            "statussen": [],
            "betrokkeneIdentificatie": identificatie,
        }
        return url, betrokkene

    def document(
        self,
        content: bytes,
        *,
        zaak_url: str | None = None,
        formaat: str = "application/pdf",
        bestandsnaam: str = "brief.pdf",
        informatieobjecttype: str = CATALOGI + "/informatieobjecttypen/brief",
        titel: str = "Brief",
    ) -> str:
        uid = str(uuid.uuid4())
        url = f"{self.documenten}/enkelvoudiginformatieobjecten/{uid}"
        self.documents[uid] = {
            "url": url,
            "identificatie": f"DOC-{uid[:8]}",
            "bronorganisatie": "002220647",
            "creatiedatum": "2027-01-04",
            "titel": titel,
            "vertrouwelijkheidaanduiding": "openbaar",
            "auteur": "Team Belastingen",
            "status": "definitief",
            "formaat": formaat,
            "taal": "nld",
            "versie": 1,
            "beginRegistratie": "2027-01-04T09:00:00Z",
            "bestandsnaam": bestandsnaam,
            "inhoud": url + "/download?versie=1",
            "bestandsomvang": len(content),
            "link": "",
            "beschrijving": "",
            "ontvangstdatum": None,
            "verzenddatum": None,
            "indicatieGebruiksrecht": None,
            "verschijningsvorm": "",
            "informatieobjecttype": informatieobjecttype,
            "locked": False,
            "bestandsdelen": [],
            "trefwoorden": [],
            "inhoudIsVervallen": False,
        }
        self.contents[uid] = content
        if zaak_url is not None:
            zid = str(uuid.uuid4())
            self.zio.append(
                {
                    "url": f"{self.zaken}/zaakinformatieobjecten/{zid}",
                    "uuid": zid,
                    "informatieobject": url,
                    "zaak": zaak_url,
                    "aardRelatieWeergave": "Hoort bij, omgekeerd: kent",
                    "titel": "",
                    "beschrijving": "",
                    "registratiedatum": "2027-01-04T09:00:00Z",
                    "vernietigingsdatum": None,
                    "status": None,
                }
            )
        return url

    def verzending(
        self, informatieobject: str, betrokkene: str, *, mijn_overheid: bool = True, **extra: Any
    ) -> str:
        uid = str(uuid.uuid4())
        url = f"{self.documenten}/verzendingen/{uid}"
        self.verzendingen[uid] = self._verzending(
            url,
            {
                "betrokkene": betrokkene,
                "informatieobject": informatieobject,
                "aardRelatie": "geadresseerde",
                "verzenddatum": "2027-01-04",
                "contactPersoon": "https://medewerkers.example.nl/medewerkers/1",
                "contactpersoonnaam": "Team Belastingen",
                "mijnOverheid": mijn_overheid,
                **extra,
            },
        )
        return url

    @staticmethod
    def _verzending(url: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        base: dict[str, Any] = {
            "url": url,
            "betrokkene": "",
            "informatieobject": "",
            "aardRelatie": "geadresseerde",
            "toelichting": "",
            "ontvangstdatum": None,
            "verzenddatum": None,
            "contactPersoon": "",
            "contactpersoonnaam": "",
            "faxnummer": None,
            "emailadres": None,
            "mijnOverheid": False,
            "telefoonnummer": None,
        }
        base.update(fields)
        return base

    def verzending_by_url(self, url: str) -> dict[str, Any]:
        return self.verzendingen[url.rsplit("/", 1)[1]]

    def notification(
        self, resource_url: str, *, resource: str = "verzending", hoofd_object: str | None = None
    ) -> dict[str, Any]:
        """The Message the Notificaties API would send for a new Verzending (checked against its schema)."""
        message = {
            "kanaal": "documenten",
            "hoofdObject": hoofd_object or self.verzending_by_url(resource_url)["informatieobject"],
            "resource": resource,
            "resourceUrl": resource_url,
            "actie": "create",
            "aanmaakdatum": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "kenmerken": {"bronorganisatie": "002220647"},
        }
        errors = [e.message for e in schema_validator("notificaties", "Message").iter_errors(message)]
        self.violations.extend(f"notification body: {e}" for e in errors)
        return message

    # -- faults ----------------------------------------------------------------------------------------

    def down(self, requests: int) -> None:
        with self.lock:
            self._down = requests

    def throttle(self, requests: int) -> None:
        with self.lock:
            self._throttle = requests

    # -- answering -------------------------------------------------------------------------------------

    @property
    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            try:
                status, headers, body = self.answer(
                    request.method, str(request.url), dict(request.headers), request.read()
                )
            except Unreachable:
                raise httpx.ConnectError("the Documenten API is down (fault)", request=request) from None
            return httpx.Response(status, headers=headers, content=body)

        return httpx.MockTransport(handle)

    def answer(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        api = next((name for name, prefix in PREFIX.items() if parts.path.startswith(prefix + "/")), None)
        headers = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            self.requests[f"{method} {api}"] += 1
            if api == "documenten" and self._down > 0:
                self._down -= 1
                raise Unreachable
            if self._throttle > 0:
                self._throttle -= 1
                return self._respond(
                    api, method, parts, headers, body, 429, _fout(429, "throttled"), {"Retry-After": "0"}
                )
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            if api is None:
                return (
                    404,
                    {"Content-Type": "application/problem+json"},
                    json.dumps(_fout(404, "unknown API")).encode(),
                )
            request = self._mock_request(method, parts, headers, body)
            try:
                openapi(api).validate_request(request)
            except Exception as exc:  # every kind of mismatch is a finding
                self.violations.append(f"request {method} {parts.path}: {type(exc).__name__}: {exc}")
                return self._respond(api, method, parts, headers, body, 400, _validatiefout(str(exc)[:200]))
            token = headers.get("authorization", "")
            if not token.startswith("Bearer "):
                return self._respond(api, method, parts, headers, body, 401, _fout(401, "geen JWT"))
            try:
                decode_zgw_jwt(token[7:], self.secrets)
            except jwt.InvalidTokenError:
                self.refused_tokens += 1
                return self._respond(api, method, parts, headers, body, 403, _fout(403, "ongeldige JWT"))
            status, data, extra = self._route(api, method, parts.path[len(PREFIX[api]) :], query, body)
            return self._respond(api, method, parts, headers, body, status, data, extra)

    def _mock_request(self, method: str, parts: Any, headers: Mapping[str, str], body: bytes) -> MockRequest:
        return MockRequest(
            f"{parts.scheme}://{parts.netloc}",
            method.lower(),
            parts.path,
            args=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=dict(headers),
            data=body or None,
            content_type=headers.get("content-type", "application/json").split(";")[0],
        )

    def _respond(
        self,
        api: str | None,
        method: str,
        parts: Any,
        headers: Mapping[str, str],
        body: bytes,
        status: int,
        data: Any,
        extra: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        out = {"API-version": "1.5.0", **(extra or {})}
        if isinstance(data, bytes):
            content, kind = data, "application/octet-stream"
        elif data is None:
            content, kind = b"", ""
        else:
            content = json.dumps(data).encode()
            kind = "application/json" if status < 400 else "application/problem+json"
        if kind:
            out["Content-Type"] = kind
        if api is not None:
            try:
                openapi(api).validate_response(
                    self._mock_request(method, parts, headers, body),
                    MockResponse(
                        content, status_code=status, headers=out, content_type=kind or "application/json"
                    ),
                )
            except Exception as exc:
                self.violations.append(
                    f"response {status} to {method} {parts.path}: {type(exc).__name__}: {exc}"
                )
        return status, out, content

    def _route(
        self, api: str, method: str, path: str, query: Mapping[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        segments = path.strip("/").split("/")
        if api == "documenten" and segments[0] == "verzendingen":
            if len(segments) == 1 and method == "GET":
                items = [
                    v
                    for v in self.verzendingen.values()
                    if all(
                        v.get(k) == query[k]
                        for k in ("aardRelatie", "informatieobject", "betrokkene")
                        if k in query
                    )
                ]
                return 200, self._page(items, query, "/verzendingen"), {}
            if len(segments) == 1 and method == "POST":
                fields = json.loads(body)
                uid = str(uuid.uuid4())
                url = f"{self.documenten}/verzendingen/{uid}"
                self.verzendingen[uid] = self._verzending(url, fields)
                self.posts.append(self.verzendingen[uid])
                return 201, self.verzendingen[uid], {"Location": url}
            item = self.verzendingen.get(segments[1])
            if item is None:
                return 404, _fout(404, "onbekende verzending"), {}
            if method == "GET":
                return 200, item, {}
            if method == "PATCH":
                fields = json.loads(body)
                item.update(fields)
                self.patches[item["url"]] += 1
                return 200, item, {}
        if api == "documenten" and segments[0] == "enkelvoudiginformatieobjecten" and len(segments) >= 2:
            document = self.documents.get(segments[1])
            if document is None:
                return 404, _fout(404, "onbekend informatieobject"), {}
            if len(segments) == 2 and method == "GET":
                return 200, document, {}
            if len(segments) == 3 and segments[2] == "download" and method == "GET":
                return 200, self.contents[segments[1]], {}
        if api == "zaken" and segments == ["zaakinformatieobjecten"] and method == "GET":
            items = [
                z
                for z in self.zio
                if all(z.get(k) == query[k] for k in ("zaak", "informatieobject") if k in query)
            ]
            return 200, items, {}
        if api == "zaken" and segments[0] == "zaken" and len(segments) == 2 and method == "GET":
            zaak = self.zaken_.get(segments[1])
            return (
                (200, zaak, {"Content-Crs": "EPSG:4326"}) if zaak else (404, _fout(404, "onbekende zaak"), {})
            )
        if api == "zaken" and segments == ["rollen"] and method == "GET":
            items = [
                r
                for r in self.rollen.values()
                if all(r.get(k) == query[k] for k in ("zaak", "betrokkene", "betrokkeneType") if k in query)
            ]
            return 200, self._page(items, query, "/rollen", base=self.zaken), {}
        if api == "notificaties" and segments == ["abonnement"] and method == "POST":
            fields = json.loads(body)
            abonnement = {"url": f"{self.notificaties}/abonnement/{uuid.uuid4()}", **fields}
            self.abonnementen.append(abonnement)
            return 201, abonnement, {"Location": abonnement["url"]}
        return 404, _fout(404, f"{method} {path} is not in the fake"), {}

    def _page(
        self, items: list[dict[str, Any]], query: Mapping[str, str], path: str, base: str | None = None
    ) -> dict[str, Any]:
        page = int(query.get("page", "1") or 1)
        chunk = items[(page - 1) * PAGE : page * PAGE]
        rest = {k: v for k, v in query.items() if k != "page"}
        link = (
            (base or self.documenten)
            + path
            + "?"
            + "&".join(f"{k}={v}" for k, v in [*rest.items(), ("page", "")])
        )
        return {
            "count": len(items),
            "next": link + str(page + 1) if page * PAGE < len(items) else None,
            "previous": link + str(page - 1) if page > 1 else None,
            "results": chunk,
        }

    # -- serving ---------------------------------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def served(cls, **kwargs: Any) -> Iterator[FakeZgw]:
        holder: dict[str, FakeZgw] = {}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go as two writes: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake = holder["fake"]
                url = fake.root + self.path
                try:
                    status, headers, content = fake.answer(
                        self.command, url, dict(self.headers.items()), body
                    )
                except Unreachable:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)
                    return
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        fake = cls(f"http://127.0.0.1:{server.server_address[1]}", **kwargs)
        holder["fake"] = fake
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        try:
            yield fake
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


def _fout(status: int, detail: str) -> dict[str, Any]:
    return {
        "type": "",
        "code": f"fout-{status}",
        "title": detail,
        "status": status,
        "detail": detail,
        "instance": "",
    }


def _validatiefout(detail: str) -> dict[str, Any]:
    return {**_fout(400, detail), "invalidParams": [{"name": "", "code": "invalid", "reason": detail}]}
