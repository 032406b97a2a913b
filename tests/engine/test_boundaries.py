"""The engine is pure math: importing it pulls in neither Textual nor torch."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import linreg_tui.engine as engine_pkg

ENGINE_MODULES = sorted(
    f"linreg_tui.engine.{m.name}" for m in pkgutil.iter_modules(engine_pkg.__path__)
)


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_engine_never_imports_textual_or_rich() -> None:
    loaded = _loaded_after_import(ENGINE_MODULES)
    assert not {m for m in loaded if m.split(".")[0] in {"textual", "rich", "plotext"}}


def test_engine_modules_load_torch_lazily() -> None:
    assert ENGINE_MODULES, "no engine modules found"
    loaded = _loaded_after_import(ENGINE_MODULES)
    assert "torch" not in loaded, "importing the engine must not import torch"


def test_engine_source_has_no_print_calls() -> None:
    import pathlib
    import re

    root = pathlib.Path(engine_pkg.__path__[0])
    offenders = [
        str(path.name)
        for path in root.glob("*.py")
        if re.search(r"^\s*print\(", path.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []
