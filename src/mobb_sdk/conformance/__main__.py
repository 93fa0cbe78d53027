"""``python -m mobb_sdk.conformance run|export|check|catalogue ...``: the ``mobb conformance`` commands."""

from __future__ import annotations

from mobb_sdk.cli._conformance import conformance_group

if __name__ == "__main__":
    conformance_group(prog_name="python -m mobb_sdk.conformance")
