"""CPU cost of ``import mobb_sdk`` against ``import httpx``, each in fresh interpreters, in the same run.

Run: ``python benchmarks/bench_import.py [--repeat 15]`` (or ``nox -s bench``). Prints figures and the
ratio; asserts nothing.

Each sample is a new ``python -c`` process that reads ``time.process_time()`` (user + system CPU of
the process) right before and right after the import, so interpreter start-up is not counted (byte code cached for both) and a
busy machine costs wall time, not CPU. Contenders run in turn (httpx, mobb_sdk, httpx, ...) and the best
sample of each counts. Target: ``import mobb_sdk`` at most 2.0x ``import httpx`` (mobb_sdk imports
httpx itself, so the ratio is 1 + what mobb-sdk adds over httpx). Also printed: the heavy modules that
the import leaves unloaded (they load on first use).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

CHILD = (
    "import sys, time\n"
    "started = time.process_time()\n"
    "import {module}\n"
    "print(time.process_time() - started)\n"
    "print(' '.join(sorted(m for m in {lazy!r} if m in sys.modules)))\n"
)

#: Modules that ``import mobb_sdk`` should leave unloaded: each loads when its feature is first used.
LAZY = ("xmlschema", "elementpath", "cattrs", "httpcore", "cryptography", "sqlite3", "mobb_sdk.simulator")


def sample(module: str, pycache: str) -> tuple[float, str]:
    # Byte code cached for both contenders alike (as in any installed package), in a private
    # directory: an environment with PYTHONDONTWRITEBYTECODE would otherwise compile our sources
    # on every import while httpx's came compiled by pip.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [sys.executable, "-X", f"pycache_prefix={pycache}", "-c", CHILD.format(module=module, lazy=LAZY)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, loaded = [*out.stdout.splitlines(), ""][:2]
    return float(seconds), loaded


def measure(contenders: tuple[str, ...], repeat: int, pycache: str) -> tuple[dict[str, float], str]:
    for module in contenders:  # warm: byte code compiled, files in the page cache
        sample(module, pycache)
    best = dict.fromkeys(contenders, float("inf"))
    loaded = ""
    for _ in range(repeat):
        for module in contenders:
            seconds, now_loaded = sample(module, pycache)
            best[module] = min(best[module], seconds)
            if module == "mobb_sdk":
                loaded = now_loaded
    return best, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    contenders = ("httpx", "mobb_sdk")
    with tempfile.TemporaryDirectory() as pycache:
        best, loaded = measure(contenders, args.repeat, pycache)
    base, ours = best["httpx"], best["mobb_sdk"]
    print(f"import CPU, fresh interpreters, best of {args.repeat} (process_time around the import)")
    print(f"  import httpx      {base * 1000:7.1f} ms")
    print(
        f"  import mobb_sdk   {ours * 1000:7.1f} ms  ratio {ours / base:5.2f}x httpx  "
        f"(target <= 2.0x; mobb-sdk's own share {(ours - base) * 1000:.1f} ms)"
    )
    print(f"  loaded eagerly of {', '.join(LAZY)}: {loaded or 'none'}")


if __name__ == "__main__":
    main()
