"""``python -m mobb_sdk.cli``: the same as the ``mobb`` command."""

from mobb_sdk.cli import main

main()
