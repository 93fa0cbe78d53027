"""The outbox: a durable journal of letters for one sender, and how letters get into it."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import attrs

from mobb_sdk._client import Client
from mobb_sdk._delivery import OutcomeStatus
from mobb_sdk._errors import ConfigurationError, StorageError, ValidationError
from mobb_sdk._files import private_directory
from mobb_sdk._ids import Oin
from mobb_sdk._letters_io import check_letter_file, read_letter_records
from mobb_sdk._models import Bericht
from mobb_sdk._rules import SenderProfile, bericht_size
from mobb_sdk._validation import validate_letters
from mobb_sdk._violations import Severity, Violation
from mobb_sdk.outbox._crash import crash_point
from mobb_sdk.outbox._runner import Runner, RunSummary
from mobb_sdk.outbox._sqlite import SqliteStore
from mobb_sdk.outbox._states import LetterState
from mobb_sdk.outbox._store import BijlageRef, LetterRow, NewLetter, OutboxStore

if TYPE_CHECKING:
    from mobb_sdk.streams import Berichtstroom

__all__ = ["EnqueueResult", "Outbox"]

#: Letters stored per transaction while enqueueing.
ENQUEUE_CHUNK: Final = 500
#: ... or fewer, when their attachments together reach this many bytes.
ENQUEUE_CHUNK_BYTES: Final = 16_000_000
#: A file import is keyed by its content; once complete it is recorded under this meta key prefix.
_SOURCE: Final = "source:"


@attrs.frozen
class EnqueueResult:
    """How many letters were stored, and how many were there already (same key: not stored twice)."""

    added: int
    skipped: int


class Outbox:
    """A durable journal of letters for one formal sender (``afzender``), and their states.

    ``store`` is a path to an SQLite file (created when missing) or any :class:`OutboxStore`. A new
    outbox needs ``afzender``; an existing one remembers it (a different one is an error). ``profile``
    judges letters when they are enqueued (default: this sender, every rule on).

    Letters go in with :meth:`enqueue` / :meth:`enqueue_many` / :meth:`enqueue_file`, which validate
    each letter and fix its BerichtID; :meth:`run` takes them to Logius (see :class:`Runner`).
    """

    def __init__(
        self,
        store: OutboxStore | str | os.PathLike[str],
        *,
        afzender: Oin | str | None = None,
        profile: SenderProfile | None = None,
        work_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if isinstance(store, str | os.PathLike):
            path = Path(store)
            self.store: OutboxStore = SqliteStore(path)
            default_work = path.with_name(path.name + ".work")
        else:
            self.store = store
            # One folder per user: another user's (or a planted) folder of the same name is refused.
            uid = os.getuid() if hasattr(os, "getuid") else 0
            default_work = Path(tempfile.gettempdir()) / f"mobb-outbox-work-{uid}"
        known = self.store.meta("afzender")
        if afzender is None:
            if known is None:
                raise ConfigurationError("a new outbox needs the sender's OIN (afzender)")
            afzender = known
        oin = afzender if isinstance(afzender, Oin) else Oin(afzender)
        if known is None:
            self.store.set_meta("afzender", oin.value)
        elif known != oin.value:
            raise ConfigurationError(f"this outbox is for sender {known}, not {oin.value}")
        self.afzender = oin
        self.profile = profile if profile is not None else SenderProfile(sender_oin=oin)
        # Batch files are written here before the hand-over; a run empties it first.
        self.work_dir = Path(work_dir) if work_dir is not None else default_work

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def clean_work_dir(self) -> None:
        """Remove batch files a killed run left behind (called under the lease); the folder is
        owner-only (0700): batch files hold full BSNs."""
        shutil.rmtree(self.work_dir, ignore_errors=True)
        try:
            private_directory(self.work_dir)
        except OSError as exc:
            raise StorageError(
                f"{self.work_dir}: cannot make the work folder: {exc.strerror or exc}", path=self.work_dir
            ) from None

    # -- letters in -------------------------------------------------------------------------------------

    def enqueue(self, bericht: Bericht, *, key: str | None = None) -> bool:
        """Validate and store one letter; False when a letter with this ``key`` (default: its BerichtID)
        is stored already. Raises :class:`~mobb_sdk.ValidationError` (nothing stored) when it breaks a rule."""
        return self.enqueue_many([(key or str(bericht.bericht_id), bericht)]).added == 1

    def enqueue_many(
        self, letters: Iterable[Bericht | tuple[str, Bericht]], *, chunk: int = ENQUEUE_CHUNK
    ) -> EnqueueResult:
        """Validate and store letters, ``chunk`` per transaction, streaming: any number of letters.

        Give each letter a key (``(key, bericht)``) that is stable across runs of your own program,
        e.g. your document id: enqueueing again after a crash then skips what is stored already. A
        bare :class:`Bericht` is keyed by its BerichtID. A letter that breaks a rule raises
        :class:`~mobb_sdk.ValidationError` naming it; the chunks before it stay stored.
        """
        return self._enqueue(letters, chunk, check=True)

    def _enqueue(
        self, letters: Iterable[Bericht | tuple[str, Bericht]], chunk: int, *, check: bool
    ) -> EnqueueResult:
        added = skipped = 0
        pending: list[tuple[str, Bericht]] = []
        pending_bytes = 0
        for item in letters:
            pending.append(item if isinstance(item, tuple) else (str(item.bericht_id), item))
            pending_bytes += pending[-1][1].bijlagen_size
            # A chunk is also cut by its attachments' bytes: memory stays flat with large PDFs.
            if len(pending) >= chunk or pending_bytes >= ENQUEUE_CHUNK_BYTES:
                a, s = self._store_chunk(pending, check=check)
                added, skipped, pending, pending_bytes = added + a, skipped + s, [], 0
        if pending:
            a, s = self._store_chunk(pending, check=check)
            added, skipped = added + a, skipped + s
        crash_point("enqueued")
        return EnqueueResult(added, skipped)

    def enqueue_file(
        self, path: str | os.PathLike[str], *, stream: Berichtstroom | None = None
    ) -> EnqueueResult:
        """Store the letters of a CSV/JSON file (see :mod:`mobb_sdk._letters_io`), all or none.

        The whole file is read and validated first: a file with an error stores nothing, so fixing it
        and enqueueing again cannot double a letter. Letters are keyed by the file's content and their
        record number, so enqueueing the same file again (after a crash) adds nothing twice. With a
        ``stream`` (:mod:`mobb_sdk.streams`) the file's columns are the stream's variables.
        """
        source = Path(path)
        digest = _sha256_file(source)
        if stream is not None:
            digest = f"{digest}:{stream.naam}"  # the same file through another stream: other letters
        done = self.store.meta(_SOURCE + digest)
        if done is not None:
            return EnqueueResult(0, int(done))
        # Read and checked in full before anything is stored (one XSD pass per chunk), keeping nothing.
        check = check_letter_file(source, profile=self.profile, keep=False, max_problems=50, stream=stream)
        if not check.ok:
            raise ValidationError(
                [p.as_violation() for p in check.errors],
                f"{source.name}: {len(check.errors)} problem(s); nothing enqueued",
            )
        count = check.count
        # The BerichtIDs are derived from the letters (stable_bericht_id): a letter of an edited copy of
        # the file that is already stored is skipped, not stored again under a new id.
        result = self._enqueue(
            (
                (f"{digest[:16]}{':' + stream.naam if stream else ''}:{record.number}", record.bericht)
                for record in read_letter_records(source, afzender=self.afzender, stream=stream)
            ),
            ENQUEUE_CHUNK,
            check=False,  # checked in full above
        )
        self.store.set_meta(_SOURCE + digest, str(count))
        return result

    def violations(self, bericht: Bericht) -> list[Violation]:
        """The errors that keep a letter out of the outbox (the XSD and the per-letter rules)."""
        [found] = validate_letters([bericht], self.profile, afzender=self.afzender)
        return [v for v in found if v.severity is Severity.ERROR]

    def _chunk_violations(self, items: Sequence[tuple[str, Bericht]]) -> list[Violation]:
        """The errors of each letter (XSD and per-letter rules), their paths prefixed with its name."""
        checked = validate_letters([b for _, b in items], self.profile, afzender=self.afzender)
        return [
            attrs.evolve(v, path=f"{name}: {v.path}")
            for (name, _), problems in zip(items, checked, strict=True)
            for v in problems
            if v.severity is Severity.ERROR
        ]

    def _store_chunk(self, items: Sequence[tuple[str, Bericht]], *, check: bool) -> tuple[int, int]:
        problems = self._chunk_violations(items) if check else []
        if problems:
            raise ValidationError(
                problems, f"{len(problems)} problem(s) in letters to enqueue; this chunk not stored"
            )
        letters: list[NewLetter] = []
        contents: dict[str, bytes] = {}
        for key, bericht in items:
            refs = []
            for bijlage in bericht.bijlagen:
                sha = hashlib.sha256(bijlage.inhoud).hexdigest()
                if sha not in contents and not self.store.has_attachment(sha):
                    contents[sha] = bijlage.inhoud
                refs.append(BijlageRef(sha, bijlage.omschrijving, bijlage.volgorde, bijlage.size))
            letters.append(
                NewLetter(
                    key=key,
                    bericht_id=bericht.bericht_id,
                    bsn=bericht.bsn.value,
                    bericht_type=bericht.bericht_type,
                    onderwerp=bericht.onderwerp,
                    bericht_tekst=bericht.bericht_tekst,
                    referentie=bericht.referentie,
                    publicatie_datum=bericht.publicatie_datum,
                    eind_datum_handelings_termijn=bericht.eind_datum_handelings_termijn,
                    bijlagen=tuple(refs),
                    size=bericht_size(bericht),
                )
            )
        added = self.store.add_letters(letters, contents)
        return added, len(items) - added

    # -- running and reading ----------------------------------------------------------------------------

    def runner(self, client: Client, **options: Any) -> Runner:
        """A :class:`Runner` for this outbox (options as there)."""
        return Runner(self, client, **options)

    def run(self, client: Client, *, wait: float | timedelta = 0.0, **options: Any) -> RunSummary:
        """Check, batch, send and collect (see :meth:`Runner.run`); resumes whatever a crash interrupted."""
        return Runner(self, client, **options).run(wait=wait)

    def letter(self, key: str) -> LetterRow | None:
        """The letter enqueued under ``key``, in the state it has now; None when there is none. A letter
        once enqueued is on its way to (or at) Logius, whatever a later look at its source says."""
        return self.store.letter(key)

    def counts(self) -> dict[LetterState, int]:
        """Letters per state."""
        return self.store.counts()

    def outcome_counts(self) -> dict[OutcomeStatus, int]:
        """Letters per outcome (delivered, paper, failed, pending)."""
        return self.store.outcome_counts()

    def letters(
        self,
        states: Collection[LetterState] | None = None,
        outcomes: Collection[OutcomeStatus] | None = None,
    ) -> Iterator[LetterRow]:
        """The letters (in enqueue order, read a page at a time), optionally only some states or outcomes."""
        return self.store.letters(states, outcomes)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
