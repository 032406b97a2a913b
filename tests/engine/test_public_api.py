"""The engine's public surface: ``linreg_tui.engine`` names everything outside code uses,
imports nothing until a name is used, and tells type checkers the same names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import linreg_tui.engine as engine

INIT = Path(engine.__file__)


def test_every_public_name_resolves_to_what_its_submodule_defines() -> None:
    assert sorted(engine.__all__) == sorted(engine._WHERE)  # noqa: SLF001
    for name in engine.__all__:
        module, attr = engine._WHERE[name]  # noqa: SLF001
        defining = __import__(f"linreg_tui.engine.{module}", fromlist=[attr])
        assert getattr(engine, name) is getattr(defining, attr), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        engine.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        exec("from linreg_tui.engine import NoSuchThing", {})


def test_the_type_checking_imports_name_the_same_surface() -> None:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.dump(n.test)
    )
    seen: dict[str, tuple[str, str]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names:
            seen[alias.asname or alias.name] = (str(node.module), alias.name)
    assert seen == engine._WHERE  # noqa: SLF001


def test_importing_the_package_loads_no_submodule_numpy_or_torch() -> None:
    code = (
        "import sys, linreg_tui.engine\n"
        "print(sorted(m for m in sys.modules if m.startswith('linreg_tui.engine.')"
        " or m in ('numpy', 'torch')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
