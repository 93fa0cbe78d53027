"""``python -m mobb_sdk.outbox ...``: the ``mobb outbox`` commands without the ``mobb`` script."""

from __future__ import annotations

from mobb_sdk.cli._outbox import outbox_group

if __name__ == "__main__":
    outbox_group(prog_name="python -m mobb_sdk.outbox")
