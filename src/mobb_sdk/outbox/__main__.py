"""``python -m mobb_sdk.outbox ...``: the ``mobb outbox`` commands without the ``mobb`` script.

A shim over the public ``mobb`` entry point, so the outbox package itself never imports the CLI's modules.
"""

from __future__ import annotations

import sys

from mobb_sdk.cli import main

if __name__ == "__main__":
    main(["outbox", *sys.argv[1:]], prog_name="mobb")
