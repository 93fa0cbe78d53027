"""``python -m mobb_sdk.conformance run|export|check|catalogue ...``: the ``mobb conformance`` commands.

A shim over the public ``mobb`` entry point, so the conformance package itself never imports the CLI's
modules.
"""

from __future__ import annotations

import sys

from mobb_sdk.cli import main

if __name__ == "__main__":
    main(["conformance", *sys.argv[1:]], prog_name="mobb")
