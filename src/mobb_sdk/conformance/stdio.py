"""Run a Python adapter as a command adapter: one request as JSON on stdin, the response on stdout.

``python -m mobb_sdk.conformance.stdio module:Class`` turns any Python adapter into the command form a
non-Python product uses (``mobb conformance run --adapter "cmd:python -m mobb_sdk.conformance.stdio
mobb_sdk.conformance.reference:ReferenceAdapter"``). It talks to the simulator over the network (the
URLs in the request) from its own process, exactly as a foreign product does. Exit status 0 with the
JSON answer; 2 for a usage error; 1 when the adapter raised (the message on stderr).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mobb_sdk import ConfigurationError
from mobb_sdk.conformance._adapters import AdapterContext, AdapterError, PythonAdapter, load_adapter

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or ":" not in args[0]:
        print("usage: python -m mobb_sdk.conformance.stdio module:Class  < request.json", file=sys.stderr)
        return 2
    try:
        runner = load_adapter(args[0], serve=True)
        request = json.load(sys.stdin)
    except (ConfigurationError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    assert isinstance(runner, PythonAdapter)  # noqa: S101  (module:Class always loads one)
    try:
        answer = runner.call(request, AdapterContext(Path.cwd()), timeout=0)
    except AdapterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    json.dump(answer, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
