"""Data directories that ship inside the wheel and live at the top of the source tree.

Installed from a wheel, a data directory is a sub-directory of the ``mobb_sdk`` package (hatch
``force-include`` puts it there). From a source tree (an editable install, the tests) that copy does not
exist: the directory at the top of the repository is used instead. One function decides this for every
bundled directory (the XSDs in ``schemas/``, the conformance suite's data in ``conformance/``).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

__all__ = ["bundled_dir"]


def bundled_dir(packaged: str, source: str, marker: str) -> Path | None:
    """The directory holding ``marker``: ``mobb_sdk/<packaged>`` when installed, else ``<repo>/<source>``.

    Returns ``None`` when neither has the marker file; the caller raises the error that fits it.
    """
    try:
        candidate = importlib.resources.files("mobb_sdk") / packaged
    except (ImportError, AttributeError, TypeError, ValueError):  # pragma: no cover - odd importers
        candidate = None
    if isinstance(candidate, Path) and (candidate / marker).is_file():
        return candidate
    source_tree = Path(__file__).resolve().parents[2] / source
    if (source_tree / marker).is_file():
        return source_tree
    return None
