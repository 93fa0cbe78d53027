"""The ``mobb`` command line: validate documents, run the demo, send, collect results, check subscriptions,
serve the simulator. ``mobb --help`` lists the commands; every command takes ``--help`` too."""

from __future__ import annotations

from mobb_sdk.cli._main import main

__all__ = ["main"]
