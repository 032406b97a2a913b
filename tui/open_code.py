"""``linreg-tui --open CODE``: the Playground's run from a share code (engine.share).

Textual-free: the command line decodes the code before the app starts, so a foreign or
damaged code is one line on stderr and exit 2, never an app that opens on nothing. A code
naming a CSV file needs that very file (same name, same SHA-256) in the current folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .choices import DatasetChoice, RunChoice


@dataclass(frozen=True)
class OpenedCode:
    """What the Playground opens with: the run, and how far it goes at once."""

    choice: RunChoice
    updates: int = 0  # updates done when the code was made (0: at the start)
    epochs: int = 0  # or whole epochs, for a code made with --epochs


def open_code(code: str, folder: str | Path = ".") -> OpenedCode:
    """The run ``code`` describes; ConfigError (one line) for a bad code, a missing or
    different CSV file, or generated data the app cannot rebuild."""
    from linreg_tui.engine import ConfigError, decode_share, file_digest

    shared = decode_share(code)
    source, config = shared.source, shared.config
    if source.kind == "builtin":
        generated = dict(source.generated)
        shaped = sorted(set(generated) - {"size", "seed"})
        if shaped:
            raise ConfigError(
                f"this code's data set has its own {', '.join(shaped)}; the app cannot rebuild "
                "it: replay it with `linreg-tui run --code CODE`"
            )
        size = int(generated["size"]) if "size" in generated else None
        data = DatasetChoice(source.name, size=size, seed=int(generated.get("seed", config.seed)))
    else:
        path = Path(folder) / source.name
        need = f"the CSV file {source.name!r} (SHA-256 {source.sha256}…)"
        if not path.is_file():
            raise ConfigError(f"this code needs {need}; start linreg-tui in the folder with it")
        if file_digest(path) != source.sha256:
            raise ConfigError(
                f"{str(path)!r} is not the file this code was made with: it needs {need}"
            )
        data = DatasetChoice(None, csv_path=str(path), x=source.x, y=source.y)
    kind, count = shared.length or ("updates", 0)
    choice = RunChoice(data, config, label="")
    return OpenedCode(choice, count if kind == "updates" else 0, count if kind == "epochs" else 0)
