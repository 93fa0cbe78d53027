"""Sphinx configuration of the mobb-sdk docs (MyST markdown, furo, autodoc, doctest).

Build: ``nox -s docs``, or ``sphinx-build -W -b html docs docs/_build/html`` and
``sphinx-build -W -b doctest docs docs/_build/doctest`` with the package installed.
"""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

try:
    import mobb_sdk
except ImportError:  # building from a bare checkout: use the source tree
    sys.path.insert(0, str(HERE.parent / "src"))
    import mobb_sdk

project = "mobb-sdk"
author = "mobb-sdk developers"
copyright = "mobb-sdk developers, EUPL-1.2"
release = mobb_sdk.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "mobb_catalogue",
    "mobb_cli_docs",
    "mobb_conformance",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
language = "en"

# MyST: ``:::`` fences for directives that hold markdown, definition lists, heading anchors.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc: types go into the parameter descriptions; members grouped by kind. Defaults are shown as
# values (preserving the source text would show attrs internals for the model classes).
autodoc_typehints = "description"
autodoc_member_order = "groupwise"
autodoc_class_signature = "mixed"

# No network during the build: no intersphinx, no remote images. Unresolved cross-references to the
# standard library or lxml stay plain text instead of warnings.
nitpicky = False

# Every example in the docs runs under ``sphinx-build -b doctest``; output must match, apart from
# whitespace in long reprs and ``...`` where a value (a fresh GUID, a timestamp) differs per run.
doctest_default_flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.DONT_ACCEPT_TRUE_FOR_1
doctest_global_setup = """
import mobb_sdk
"""

html_theme = "furo"
html_title = f"mobb-sdk {release}"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": True}
