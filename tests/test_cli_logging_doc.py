"""The logging guide names every logger the library logs on (docs/logging.md)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_logging_guide_names_every_logger():
    guide = (ROOT / "docs" / "logging.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(mobb_sdk[a-z_.]*)` \|", guide, re.M))
    used = set()
    for path in (ROOT / "src" / "mobb_sdk").rglob("*.py"):
        used.update(re.findall(r'getLogger\("(mobb_sdk\.[a-z_.]+)"\)', path.read_text(encoding="utf-8")))
    assert used and used <= documented, sorted(used - documented)
