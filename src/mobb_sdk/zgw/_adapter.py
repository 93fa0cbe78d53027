"""The ZGW adapter: from a Verzending in the Documenten API to the Berichtenbox, and back.

For each Verzending with ``mijnOverheid: true`` and ``aardRelatie: geadresseerde`` that the journal
does not know, the adapter reads the informatieobject (PDF only), finds the zaak and the BSN of the
betrokkene (Zaken API ``rol`` with ``inpBsn``, or a resolver you plug in), picks the berichtstroom
(by informatieobjecttype, else zaaktype), renders the letter (checked by rule id), gives it the
BerichtID ``uuid5(NAMESPACE_URL, <Verzending URL>)`` and enqueues it in the outbox under the key
``zgw:<Verzending URL>``. The same Verzending therefore yields the same letter on every retry, rerun
and replayed notification, and the outbox never stores it twice.

Once the outbox knows the outcome, the adapter writes it back to the Verzending, once: on delivery
``verzenddatum`` and a ``toelichting`` naming the channel, the code and the BerichtID; on paper a
``toelichting`` saying so (and, if configured, a new Verzending with the postal address for the print
run); on failure the code and what to do. A delivery is never undone: when a later result delivers a
letter written back as not delivered (an acknowledgement lost, a result late), the Verzending is
written back once more, as delivered. A Verzending the adapter cannot deliver (not a PDF, no BSN,
no stream, a rule broken) is recorded with the rule id and the reason, and that is written back too.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from mobb_sdk._client import Client
from mobb_sdk._delivery import OutcomeStatus
from mobb_sdk._errors import (
    HttpStatusError,
    InvalidValueError,
    ProtocolError,
    RenderError,
    TransportError,
    ValidationError,
    scrub,
)
from mobb_sdk._ids import Bsn, mask_bsn
from mobb_sdk._models import Bericht
from mobb_sdk._rules import MAX_BIJLAGEN_BYTES
from mobb_sdk.outbox import LetterRow, LetterState, Outbox, OutboxBusy, RunSummary, crash_point
from mobb_sdk.streams import Berichtstromen, Berichtstroom, load_streams
from mobb_sdk.zgw._api import ZgwApi
from mobb_sdk.zgw._config import ZgwConfig
from mobb_sdk.zgw._journal import ENQUEUED, REFUSED, WRITING, Journal, JournalRow

__all__ = [
    "KEY_PREFIX",
    "BsnResolver",
    "CycleSummary",
    "Ontvanger",
    "PollSummary",
    "RolResolver",
    "ZgwAdapter",
    "bericht_id_for",
]

log = logging.getLogger("mobb_sdk.zgw")

#: Letters of the adapter are keyed ``zgw:<Verzending URL>`` in the outbox.
KEY_PREFIX: Final = "zgw:"
DUTCH_TIME: Final = ZoneInfo("Europe/Amsterdam")
TOELICHTING_MAX: Final = 200
#: Letters enqueued per transaction (and recorded in the journal after it).
CHUNK: Final = 500
#: Write-backs planned per transaction, and recorded as written per transaction after they were sent.
WRITE_CHUNK: Final = 100
_ADDRESS_GROUPS: Final = (
    "binnenlandsCorrespondentieadres",
    "buitenlandsCorrespondentieadres",
    "correspondentiePostadres",
    "emailadres",
    "faxnummer",
    "telefoonnummer",
)


def bericht_id_for(verzending_url: str) -> uuid.UUID:
    """The BerichtID of the letter for a Verzending: the same on every retry and rerun (UUIDv5)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, verzending_url)


@attrs.frozen
class Ontvanger:
    """Whom a Verzending goes to: the BSN (masked in ``repr``), the ``rol`` it came from, and the
    postal address (a ``binnenlandsCorrespondentieadres`` of the Documenten API) for paper, if known."""

    bsn: str = attrs.field(repr=mask_bsn)
    rol: str | None = None
    adres: Mapping[str, Any] | None = attrs.field(default=None, repr=False)


#: A pluggable resolver: (the Verzending, its zaak or None) -> the recipient, a BSN, or None (not found).
BsnResolver = Callable[[Mapping[str, Any], Mapping[str, Any] | None], "Ontvanger | str | None"]


class _Refused(Exception):
    """A Verzending that cannot become a letter: ``rule`` and ``reason`` are recorded and written back."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(f"{rule}: {reason}")
        self.rule = rule
        self.reason = reason


class RolResolver:
    """The default resolver: the zaak's ``rol`` of betrokkeneType ``natuurlijk_persoon`` whose URL or
    ``betrokkene`` is the Verzending's ``betrokkene``, else the zaak's only such rol; its
    ``betrokkeneIdentificatie.inpBsn`` is the BSN and its ``verblijfsadres`` the postal address.

    The rollen of a zaak are read once per poll (a bulk tax zaak holds thousands): call :meth:`clear`
    between polls.
    """

    def __init__(self, api: ZgwApi) -> None:
        self.api = api
        self._cache: dict[str, list[dict[str, Any]]] = {}

    def clear(self) -> None:
        self._cache.clear()

    def rollen(self, zaak_url: str) -> list[dict[str, Any]]:
        if zaak_url not in self._cache:
            self._cache[zaak_url] = list(
                self.api.pages(
                    self.api.config.zaken_url + "/rollen",
                    {"zaak": zaak_url, "betrokkeneType": "natuurlijk_persoon"},
                )
            )
        return self._cache[zaak_url]

    def __call__(self, verzending: Mapping[str, Any], zaak: Mapping[str, Any] | None) -> Ontvanger | None:
        if zaak is None or not isinstance(zaak.get("url"), str):
            return None
        betrokkene = verzending.get("betrokkene")
        rollen = [r for r in self.rollen(str(zaak["url"])) if r.get("betrokkeneType") == "natuurlijk_persoon"]
        matching = [r for r in rollen if betrokkene and betrokkene in (r.get("url"), r.get("betrokkene"))]
        chosen = matching[0] if matching else (rollen[0] if len(rollen) == 1 else None)
        if chosen is None:
            return None
        identificatie = chosen.get("betrokkeneIdentificatie") or {}
        bsn = identificatie.get("inpBsn") if isinstance(identificatie, Mapping) else None
        if not isinstance(bsn, str) or not bsn:
            return None
        adres = identificatie.get("verblijfsadres") if isinstance(identificatie, Mapping) else None
        return Ontvanger(bsn, str(chosen.get("url") or ""), _postal_address(adres))


def _postal_address(verblijfsadres: Any) -> dict[str, Any] | None:
    """A rol's ``verblijfsadres`` (Zaken API) as a Verzending's ``binnenlandsCorrespondentieadres``."""
    if not isinstance(verblijfsadres, Mapping):
        return None
    straat = verblijfsadres.get("gorOpenbareRuimteNaam")
    plaats = verblijfsadres.get("wplWoonplaatsNaam")
    nummer = verblijfsadres.get("aoaHuisnummer")
    if not (
        isinstance(straat, str) and straat and isinstance(plaats, str) and plaats and isinstance(nummer, int)
    ):
        return None
    adres: dict[str, Any] = {
        "huisnummer": nummer,
        "naamOpenbareRuimte": straat[:80],
        "woonplaatsnaam": plaats[:80],
    }
    for source, target, size in (
        ("aoaPostcode", "postcode", 6),
        ("aoaHuisletter", "huisletter", 1),
        ("aoaHuisnummertoevoeging", "huisnummerToevoeging", 4),
    ):
        value = verblijfsadres.get(source)
        if isinstance(value, str) and value.strip():
            # "1234 AB" in the Zaken API, at most 6 positions in a Verzending.
            adres[target] = value.replace(" ", "")[:size] if target == "postcode" else value[:size]
    return adres


@attrs.frozen
class PollSummary:
    """What one pass over Verzendingen did."""

    seen: int = 0
    enqueued: int = 0
    refused: int = 0
    known: int = 0
    left_alone: int = 0
    errors: tuple[str, ...] = ()


@attrs.frozen
class CycleSummary:
    """One cycle: find work, deliver through the outbox, write back."""

    poll: PollSummary
    run: RunSummary | None
    written_back: int
    journal: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "poll": attrs.asdict(self.poll),
            "run": self.run.to_dict() if self.run is not None else None,
            "written_back": self.written_back,
            "journal": dict(self.journal),
        }


@attrs.frozen
class _Letter:
    url: str
    bericht: Bericht
    informatieobject: str
    stream: str
    adres: str | None


class ZgwAdapter:
    """Delivers a ZGW Documenten API's Verzendingen through an :class:`~mobb_sdk.outbox.Outbox`.

    ``client`` talks to Logius (ebms-core, WUS); ``api`` to the ZGW APIs (default: from ``config``);
    ``streams`` are the berichtstromen (default: ``config.streams``, else the shipped examples);
    ``resolver`` finds the BSN (default :class:`RolResolver`); ``run_options`` go to
    :meth:`Outbox.run <mobb_sdk.outbox.Outbox.run>` (``poll_interval``, ``check_subscriptions``...).
    """

    def __init__(
        self,
        config: ZgwConfig,
        outbox: Outbox,
        client: Client,
        *,
        api: ZgwApi | None = None,
        streams: Berichtstromen | None = None,
        resolver: BsnResolver | None = None,
        journal: Journal | None = None,
        run_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.client = client
        self.api = api if api is not None else ZgwApi(config)
        self.streams = streams if streams is not None else load_streams(config.streams)
        if config.default_stream is not None:
            self.streams[config.default_stream]  # an unknown default is a configuration error now
        self._rollen = RolResolver(self.api)
        self.resolver: BsnResolver = resolver if resolver is not None else self._rollen
        self.journal = journal if journal is not None else Journal(config.journal)
        self.run_options = dict(run_options or {})
        self.wake = threading.Event()
        self._zaken: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        self.journal.close()
        self.api.close()

    # -- finding work ----------------------------------------------------------------------------------

    def notify(self, message: Mapping[str, Any]) -> bool:
        """Take a notification of the Notificaties API (kanaal ``documenten``): recorded in the journal's
        inbox for the worker, which wakes up. False (and nothing recorded) when it is not about a
        Verzending or a document of the configured Documenten API."""
        if message.get("kanaal") != "documenten":
            return False
        resource = message.get("resource")
        resource_url = message.get("resourceUrl")
        hoofd = message.get("hoofdObject")
        if resource not in ("verzending", "enkelvoudiginformatieobject"):
            return False
        if not (isinstance(resource_url, str) and isinstance(hoofd, str) and self.api.allowed(resource_url)):
            return False
        self.journal.add_notice(str(resource), resource_url, hoofd)
        self.wake.set()
        return True

    def process_notices(self) -> PollSummary:
        """Take up the notifications in the inbox; each is dropped only once its Verzendingen are decided."""
        total = PollSummary()
        for notice in self.journal.notices():
            if notice.resource == "verzending":
                try:
                    verzendingen: Iterable[dict[str, Any]] = [self.api.get(notice.resource_url)]
                except HttpStatusError as exc:
                    if exc.status not in (404, 410):
                        return _add(total, PollSummary(errors=(str(exc),)))
                    log.info("notified Verzending %s is gone (HTTP %s)", notice.resource_url, exc.status)
                    self.journal.drop_notices([notice.id])
                    continue
                except TransportError as exc:
                    return _add(total, PollSummary(errors=(str(exc),)))
            else:
                verzendingen = self.api.pages(
                    self.config.documenten_url + "/verzendingen",
                    {"informatieobject": notice.hoofd_object, "aardRelatie": "geadresseerde"},
                )
            summary = self._take(verzendingen)
            total = _add(total, summary)
            if summary.errors:
                break  # keep the notice: the next cycle tries again
            self.journal.drop_notices([notice.id])
        return total

    def poll(self) -> PollSummary:
        """One pass over every Verzending (``aardRelatie=geadresseerde``) of the Documenten API: picks up
        whatever a missed notification left. A failure of the API ends the pass; nothing is lost."""
        self._rollen.clear()
        self._zaken.clear()
        pages = self.api.pages(self.config.documenten_url + "/verzendingen", {"aardRelatie": "geadresseerde"})
        return self._take(pages)

    def _take(self, verzendingen: Iterable[dict[str, Any]]) -> PollSummary:
        seen = enqueued = refused = known = left_alone = 0
        errors: list[str] = []
        letters: list[_Letter] = []
        try:
            page: list[dict[str, Any]] = []
            for verzending in verzendingen:
                page.append(verzending)
                if len(page) >= 100:
                    counts = self._page(page, letters)
                    seen, enqueued, refused, known, left_alone = _sum(
                        (seen, enqueued, refused, known, left_alone), counts
                    )
                    page = []
                if len(letters) >= CHUNK:
                    self._enqueue(letters)
                    letters = []
            counts = self._page(page, letters)
            seen, enqueued, refused, known, left_alone = _sum(
                (seen, enqueued, refused, known, left_alone), counts
            )
        except TransportError as exc:
            log.error("ZGW pass stopped: %s", exc)
            errors.append(str(exc))
        if letters:
            self._enqueue(letters)
        return PollSummary(seen, enqueued, refused, known, left_alone, tuple(errors))

    def _page(self, page: list[dict[str, Any]], letters: list[_Letter]) -> tuple[int, int, int, int, int]:
        wanted = [v for v in page if _wanted(v)]
        pending = {letter.url for letter in letters}
        done = self.journal.known(str(v.get("url")) for v in wanted) | pending
        enqueued = refused = 0
        for verzending in wanted:
            url = str(verzending.get("url"))
            if url in done:
                continue
            done.add(url)
            try:
                letters.append(self._letter(verzending))
                enqueued += 1
            except _Refused as exc:
                if self._refuse(url, _text(verzending.get("informatieobject")), exc.rule, exc.reason):
                    refused += 1
                else:
                    enqueued += 1
        return len(page), enqueued, refused, len(wanted) - enqueued - refused, len(page) - len(wanted)

    def _refuse(self, url: str, informatieobject: str | None, rule: str, reason: str) -> bool:
        """Record a Verzending that cannot become a letter (True), unless its letter is in the outbox
        already (False: recorded as enqueued). That happens when a run was killed after the outbox
        stored the letter and before the journal recorded it, and the Verzending, taken up again, now
        fails (its document gone, a rule of a newer version): the letter is on its way to Logius all
        the same, so its Verzending gets the outcome Logius gives, never "not sent"."""
        reason = scrub(reason, 300)
        bericht_id = str(bericht_id_for(url))
        if self.outbox.letter(KEY_PREFIX + url) is not None:
            log.warning(
                "Verzending %s: %s %s now, but its letter (BerichtID %s) is in the outbox already: "
                "delivered as stored, without a postal address for paper",
                url,
                rule,
                reason,
                bericht_id,
            )
            self.journal.add_enqueued([(url, bericht_id, informatieobject, None, None)])
            return False
        log.warning("Verzending %s not delivered: %s %s", url, rule, reason)
        self.journal.add_refused(url, bericht_id, informatieobject, rule, reason)
        return True

    def _enqueue(self, letters: list[_Letter]) -> None:
        try:
            self.outbox.enqueue_many([(KEY_PREFIX + x.url, x.bericht) for x in letters])
        except ValidationError:
            # One letter the outbox refuses (its XSD pass) must not hold up the others: one at a time.
            kept = []
            for x in letters:
                try:
                    self.outbox.enqueue(x.bericht, key=KEY_PREFIX + x.url)
                    kept.append(x)
                except ValidationError as exc:
                    first = exc.violations[0] if exc.violations else None
                    self._refuse(x.url, x.informatieobject, first.rule if first else "XSD", str(first or exc))
            letters = kept
        self.journal.add_enqueued(
            [(x.url, str(x.bericht.bericht_id), x.informatieobject, x.stream, x.adres) for x in letters]
        )
        crash_point("zgw_enqueued")

    # -- one Verzending to one letter --------------------------------------------------------------------

    def _letter(self, verzending: Mapping[str, Any]) -> _Letter:
        url = str(verzending["url"])
        channels = [k for k in _ADDRESS_GROUPS if verzending.get(k)]
        if channels:
            raise _Refused(
                "INPUT",
                f"mijnOverheid and {channels[0]} both set; one channel per Verzending: remove one",
            )
        io_url = _text(verzending.get("informatieobject"))
        if io_url is None:
            raise _Refused("INPUT", "the Verzending names no informatieobject")
        document = self._get(io_url, "the informatieobject")
        formaat = _text(document.get("formaat")) or ""
        naam = _text(document.get("bestandsnaam")) or ""
        if formaat and "pdf" not in formaat.lower():
            raise _Refused("BIJ-02", f"the document is {formaat!r}, not PDF; deliver it as PDF/A")
        if not formaat and naam and not naam.lower().endswith(".pdf"):
            raise _Refused("BIJ-02", f"the document {naam[:60]!r} is not a PDF; deliver it as PDF/A")
        omvang = document.get("bestandsomvang")
        if isinstance(omvang, int) and omvang > MAX_BIJLAGEN_BYTES:
            raise _Refused("BIJ-03", f"the document has {omvang:,} bytes; at most {MAX_BIJLAGEN_BYTES:,}")
        zaak = self._zaak(io_url)
        found = self.resolver(verzending, zaak)
        ontvanger = Ontvanger(found) if isinstance(found, str) else found
        if ontvanger is None:
            where = "its zaak" if zaak is not None else "no zaak"
            raise _Refused(
                "BER-09", f"no BSN for the betrokkene ({where}; no rol natuurlijk_persoon with inpBsn)"
            )
        try:
            bsn = Bsn(ontvanger.bsn)
        except InvalidValueError:
            raise _Refused(
                "BER-09", f"the betrokkene's inpBsn {mask_bsn(ontvanger.bsn)} is not a valid BSN"
            ) from None
        try:
            return self._build(url, verzending, io_url, document, zaak, bsn, ontvanger, naam)
        except _Refused as exc:
            raise _Refused(exc.rule, f"{exc.reason} (BSN {bsn.masked})") from None

    def _build(
        self,
        url: str,
        verzending: Mapping[str, Any],
        io_url: str,
        document: Mapping[str, Any],
        zaak: Mapping[str, Any] | None,
        bsn: Bsn,
        ontvanger: Ontvanger,
        naam: str,
    ) -> _Letter:
        stream = self._stream(document, zaak)
        content = self._content(io_url, document)
        variables = {
            "zaak_identificatie": _text((zaak or {}).get("identificatie")),
            "zaak_omschrijving": _text((zaak or {}).get("omschrijving")),
            "titel": _text(document.get("titel")),
            "bestandsnaam": naam or None,
            "document_identificatie": _text(document.get("identificatie")),
        }
        try:
            bericht = stream.render(bsn, variables, [content], bericht_id=bericht_id_for(url))
        except RenderError as exc:
            first = exc.violations[0]
            raise _Refused(first.rule, f"{first.path}: {first.message}") from None
        adres = json.dumps(ontvanger.adres) if ontvanger.adres else None
        return _Letter(url, bericht, io_url, stream.naam, adres)

    def _get(self, url: str, what: str) -> dict[str, Any]:
        try:
            return self.api.get(url)
        except HttpStatusError as exc:
            if exc.retryable or exc.status in (401, 403):
                raise
            raise _Refused("INPUT", f"{what} cannot be read: HTTP {exc.status}") from None
        except ProtocolError as exc:
            raise _Refused("INPUT", f"{what}: {exc}") from None

    def _zaak(self, io_url: str) -> dict[str, Any] | None:
        try:
            links = self.api.get_list(
                self.config.zaken_url + "/zaakinformatieobjecten", {"informatieobject": io_url}
            )
        except HttpStatusError as exc:
            if exc.retryable or exc.status in (401, 403):
                raise
            return None
        zaak_url = next(
            (x.get("zaak") for x in links if isinstance(x, dict) and isinstance(x.get("zaak"), str)), None
        )
        if zaak_url is None:
            return None
        if zaak_url not in self._zaken:
            self._zaken[zaak_url] = self._get(zaak_url, "the zaak")
        return self._zaken[zaak_url]

    def _stream(self, document: Mapping[str, Any], zaak: Mapping[str, Any] | None) -> Berichtstroom:
        iotype = _text(document.get("informatieobjecttype"))
        zaaktype = _text((zaak or {}).get("zaaktype"))
        stream = self.streams.for_zgw(iotype, zaaktype)
        if stream is None and self.config.default_stream is not None:
            stream = self.streams[self.config.default_stream]
        if stream is None:
            raise _Refused(
                "BER-02",
                f"no berichtstroom for informatieobjecttype {iotype} or zaaktype {zaaktype}: add one to the streams",
            )
        return stream

    def _content(self, io_url: str, document: Mapping[str, Any]) -> bytes:
        inhoud = _text(document.get("inhoud"))
        url = inhoud if inhoud and self.api.allowed(inhoud) else io_url + "/download"
        try:
            content = self.api.download(url, limit=MAX_BIJLAGEN_BYTES)
        except ProtocolError as exc:
            raise _Refused(exc.code or "INPUT", f"the document's content: {exc}") from None
        except HttpStatusError as exc:
            if exc.retryable or exc.status in (401, 403):
                raise
            raise _Refused("INPUT", f"the document's content cannot be read: HTTP {exc.status}") from None
        if not content:
            raise _Refused("BIJ-06", "the document's content is empty")
        return content

    # -- delivering and writing back -------------------------------------------------------------------

    def deliver(self, wait: float | None = None) -> RunSummary:
        """Run the outbox: subscription checks, batches of at most ``config.max_letters``, results."""
        options = {"max_letters": self.config.max_letters, **self.run_options}
        return self.outbox.run(self.client, wait=self.config.result_wait if wait is None else wait, **options)

    def write_back(self) -> int:
        """Write every known outcome back to its Verzending, once (and once more when a letter written
        back as not delivered is delivered after all); the number written.

        Write-backs are planned in the journal a chunk at a time (one transaction), then sent, then
        recorded as written (one transaction): a crash in between leaves them planned, and the next
        run sends only those the Verzending does not show already."""
        written = self._send(self.journal.rows(WRITING), check=True)  # planned before a crash
        plans: list[tuple[str, dict[str, Any]]] = [
            (
                row.url,
                {
                    "outcome": "refused",
                    "code": row.rule,
                    "toelichting": _fit(
                        f"Niet via MijnOverheid verzonden: {row.rule} {row.reason or ''}", ""
                    ),
                    "verzenddatum": None,
                    "paper_verzending": False,
                },
            )
            for row in self.journal.rows(REFUSED)
        ]
        pending = {row.url: row for row in self.journal.rows(ENQUEUED)}
        if pending:
            final = [OutcomeStatus.DELIVERED, OutcomeStatus.PAPER, OutcomeStatus.FAILED]
            for letter in self.outbox.letters(outcomes=final):
                url = letter.key.removeprefix(KEY_PREFIX)
                if letter.key.startswith(KEY_PREFIX) and url in pending:
                    plans.append((url, self._plan(pending[url], letter)))
        for row in self.journal.written_undelivered():
            # A later result delivered a letter written back as not delivered (its first hand-over's
            # acknowledgement lost, a result late): a delivery is never undone, so the Verzending says so.
            stored = self.outbox.letter(KEY_PREFIX + row.url)
            if stored is not None and stored.outcome is OutcomeStatus.DELIVERED:
                log.warning(
                    "Verzending %s was written back as %s; Logius delivered its letter after all "
                    "(BerichtID %s): written back again",
                    row.url,
                    row.outcome,
                    stored.bericht_id,
                )
                plans.append((row.url, self._plan(row, stored)))
        for i in range(0, len(plans), WRITE_CHUNK):
            part = plans[i : i + WRITE_CHUNK]
            self.journal.plan_writes(part)
            rows = [self.journal.row(url) for url, _ in part]
            written += self._send([r for r in rows if r is not None and r.state == WRITING], check=False)
        return written

    def _send(self, rows: list[JournalRow], *, check: bool) -> int:
        sent = 0
        done: list[str] = []
        try:
            for row in rows:
                sent += self._finish(row, check=check)
                done.append(row.url)
        finally:
            self.journal.mark_written(done)
        return sent

    def _plan(self, row: JournalRow, letter: LetterRow) -> dict[str, Any]:
        tail = f" BerichtID {letter.bericht_id}"
        code = letter.code.value if letter.code is not None else None
        paper = False
        verzenddatum = None
        if letter.outcome is OutcomeStatus.DELIVERED:
            text = f"Verzonden via MijnOverheid Berichtenbox: {code or 'Verwerkt'}."
            verzenddatum = letter.updated_at.astimezone(DUTCH_TIME).date().isoformat()
        elif letter.outcome is OutcomeStatus.PAPER:
            why = code or "geen abonnement of geen actieve Berichtenbox (ABO-01)"
            text = f"Niet via MijnOverheid: {why}; per post versturen."
            paper = self.config.paper_verzending and row.adres is not None
        else:
            if letter.code is not None:
                rule = f" ({letter.code.rule})" if letter.code.rule else ""
                text = f"MijnOverheid mislukt: {code}{rule}; {letter.code.action}"
            else:
                text = f"MijnOverheid mislukt: ebMS {letter.state.value}; controleer ebms-core en de CPA, bied daarna opnieuw aan."
        return {
            "outcome": letter.outcome.value,
            "code": code or (letter.state.value if letter.state is not LetterState.RESULT else None),
            "toelichting": _fit(text, tail),
            "verzenddatum": verzenddatum,
            "paper_verzending": paper,
        }

    def _finish(self, row: JournalRow, *, check: bool) -> int:
        """Send a planned write-back; with ``check`` (resuming after a crash) only when the Verzending
        does not show it already, so it is written once."""
        assert row.toelichting is not None  # noqa: S101  (planned with one)
        body: dict[str, Any] = {"toelichting": row.toelichting}
        if row.verzenddatum is not None:
            body["verzenddatum"] = row.verzenddatum
        current = self.api.get(row.url) if check or row.paper_verzending else None
        already = (
            current is not None
            and current.get("toelichting") == row.toelichting
            and (row.verzenddatum is None or current.get("verzenddatum") == row.verzenddatum)
        )
        if not already:
            current = self.api.patch(row.url, body)
        crash_point("zgw_written_back")
        if row.paper_verzending and current is not None:
            self._paper_verzending(row, current)
        return 0 if already else 1

    def _paper_verzending(self, row: JournalRow, original: Mapping[str, Any]) -> None:
        """A new Verzending with the postal address for the print run, unless one is there already."""
        marker = f"BerichtID {row.bericht_id}"
        existing = self.api.pages(
            self.config.documenten_url + "/verzendingen",
            {
                "informatieobject": str(original.get("informatieobject")),
                "betrokkene": str(original.get("betrokkene")),
            },
        )
        if any(
            marker in str(v.get("toelichting", "")) and v.get("binnenlandsCorrespondentieadres")
            for v in existing
        ):
            return
        body: dict[str, Any] = {
            "betrokkene": original.get("betrokkene"),
            "informatieobject": original.get("informatieobject"),
            "aardRelatie": "geadresseerde",
            "verzenddatum": date.today().isoformat(),
            "toelichting": _fit("Per post: niet via MijnOverheid te bezorgen.", " " + marker),
            "binnenlandsCorrespondentieadres": json.loads(row.adres or "{}"),
        }
        for key in ("contactPersoon", "contactpersoonnaam"):
            if original.get(key):
                body[key] = original[key]
        self.api.post(self.config.documenten_url + "/verzendingen", body)

    # -- cycles --------------------------------------------------------------------------------------

    def cycle(self, *, poll: bool = True, wait: float | None = None) -> CycleSummary:
        """Take up notifications, poll (unless ``poll=False``), deliver, write back."""
        found = self.process_notices()
        if poll:
            found = _add(found, self.poll())
        run: RunSummary | None
        try:
            run = self.deliver(wait)
        except OutboxBusy as exc:  # another runner (another `mobb zgw serve`?) has the outbox: it delivers
            log.warning("outbox busy: %s", exc)
            found = attrs.evolve(found, errors=(*found.errors, str(exc)))
            run = None
        try:
            written = self.write_back()
        except TransportError as exc:
            log.error("write-back stopped: %s", exc)
            found = attrs.evolve(found, errors=(*found.errors, str(exc)))
            written = 0
        return CycleSummary(found, run, written, self.journal.counts())

    def serve(self, stop: threading.Event, *, max_cycles: int | None = None) -> int:
        """Cycle until ``stop`` is set: a full poll every ``config.poll_interval`` seconds, and whenever
        a notification came in between, its Verzendingen at once. The number of cycles run."""
        cycles = 0
        last_poll: float | None = None
        while not stop.is_set() and (max_cycles is None or cycles < max_cycles):
            now = datetime.now(UTC).timestamp()
            due = last_poll is None or now - last_poll >= self.config.poll_interval
            self.wake.clear()
            try:
                self.cycle(poll=due)
            except TransportError as exc:  # Logius or ZGW unreachable: the next cycle resumes
                log.error("cycle stopped: %s", exc)
            if due:
                last_poll = now
            cycles += 1
            if max_cycles is not None and cycles >= max_cycles:
                break
            self.wake.wait(timeout=min(self.config.poll_interval, 5.0))
        return cycles


def _wanted(verzending: Mapping[str, Any]) -> bool:
    return (
        verzending.get("mijnOverheid") is True
        and verzending.get("aardRelatie") == "geadresseerde"
        and isinstance(verzending.get("url"), str)
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _fit(text: str, tail: str) -> str:
    """``text`` + ``tail`` within the 200 characters of a toelichting; the tail (the BerichtID) is kept."""
    room = TOELICHTING_MAX - len(tail)
    body = text if len(text) <= room else text[: room - 1] + "…"
    return (body + tail).strip()


def _sum(
    a: tuple[int, int, int, int, int], b: tuple[int, int, int, int, int]
) -> tuple[int, int, int, int, int]:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4])


def _add(a: PollSummary, b: PollSummary) -> PollSummary:
    return PollSummary(
        a.seen + b.seen,
        a.enqueued + b.enqueued,
        a.refused + b.refused,
        a.known + b.known,
        a.left_alone + b.left_alone,
        a.errors + b.errors,
    )
