"""``import mobb_sdk`` stays light: heavy dependencies load when their feature is first used."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True, text=True, timeout=120
    )
    return out.stdout.split()


def test_import_leaves_xmlschema_and_cattrs_unloaded() -> None:
    loaded = _run(
        """
        import sys
        import mobb_sdk
        heavy = ("xmlschema", "elementpath", "cattrs", "httpcore", "mobb_sdk._convert", "mobb_sdk._letters_io")
        print(*[m for m in heavy if m in sys.modules])
        """
    )
    assert loaded == []


def test_lazy_names_load_on_first_use_and_are_the_real_ones() -> None:
    out = _run(
        """
        import sys
        import mobb_sdk
        from mobb_sdk import to_dict
        import mobb_sdk._convert as c
        print(to_dict is c.to_dict, mobb_sdk.converter is c.converter, "cattrs" in sys.modules)
        print(all(name in dir(mobb_sdk) for name in mobb_sdk.__all__))
        """
    )
    assert out == ["True", "True", "True", "True"]


def test_xmlschema_backend_loads_xmlschema_when_used() -> None:
    out = _run(
        """
        import sys
        from mobb_sdk import Backend, Batch, Bericht, validate
        batch = Batch("00000001001234567000", [Bericht.create("999990019", "WOZ", "Onderwerp", "Tekst")])
        ok = validate(batch, backend=Backend.LXML).ok
        print("xmlschema" in sys.modules, ok)
        ok = validate(batch, backend=Backend.XMLSCHEMA).ok
        print("xmlschema" in sys.modules, ok)
        """
    )
    assert out == ["False", "True", "True", "True"]


def test_unknown_attribute_is_an_attribute_error() -> None:
    import mobb_sdk

    with pytest.raises(AttributeError, match="no_such_name"):
        mobb_sdk.no_such_name  # noqa: B018
