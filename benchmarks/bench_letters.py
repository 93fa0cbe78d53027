"""What rerun-safe BerichtIDs and whole-file checking cost when a letter file is read.

Run: ``python benchmarks/bench_letters.py [--letters 3000] [--pdf-kb 100] [--repeat 3]`` (or ``nox -s
bench``). Prints figures and ratios; asserts nothing.

Baseline: :func:`read_letter_records` without a sender (each letter gets a random uuid4, as before
``stable_bericht_id``). Contenders, in the same run and in turn: reading with the sender (each BerichtID
derived from the sender and the letter's content, attachments hashed), and :func:`check_letter_file`
(the whole-file check of ``mobb send`` / ``mobb validate``: reading with derived ids, the XSD per 500
letters and the per-letter rules). The best of ``--repeat`` rounds counts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mobb_sdk import elfproef, make_pdf
from mobb_sdk._letters_io import check_letter_file, read_letter_records
from mobb_sdk._rules import SenderProfile

SENDER = "00000099000000001000"


def write_file(folder: Path, letters: int, pdf_kb: int) -> Path:
    (folder / "brief.pdf").write_bytes(make_pdf("WOZ-beschikking 2027", pad_to=pdf_kb * 1000))
    bsns = (s for s in (f"9999{i:05d}" for i in range(100_000)) if elfproef(s))
    path = folder / "letters.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("bsn,bericht_type,onderwerp,bericht_tekst,referentie,bijlage\n")
        for i, bsn in zip(range(letters), bsns, strict=False):
            f.write(f"{bsn},WOZ,Uw WOZ-beschikking 2027,Beste inwoner,WOZ-{i:06d},brief.pdf\n")
    return path


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=3000)
    parser.add_argument("--pdf-kb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_file(Path(tmp), args.letters, args.pdf_kb)
        profile = SenderProfile(sender_oin=SENDER)
        contenders: dict[str, Callable[[], object]] = {
            "read, random ids (baseline)": lambda: sum(1 for _ in read_letter_records(path)),
            "read, derived ids": lambda: sum(1 for _ in read_letter_records(path, afzender=SENDER)),
            "check_letter_file (keep=False)": lambda: check_letter_file(path, profile=profile, keep=False),
        }
        results = dict.fromkeys(contenders, float("inf"))
        for _ in range(args.repeat):  # in turn, so a busy machine slows each alike
            for name, run in contenders.items():
                results[name] = min(results[name], best(run, 1))
    base = results["read, random ids (baseline)"]
    print(f"{args.letters} letters with a {args.pdf_kb} kB PDF each, best of {args.repeat}:")
    for name, seconds in results.items():
        per = seconds / args.letters * 1e6
        print(f"  {name:<32} {seconds:7.3f} s  {per:7.1f} us/letter  {seconds / base:5.2f}x baseline")


if __name__ == "__main__":
    main()
