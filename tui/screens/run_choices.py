"""How a run's settings change when the learner presses a key or picks new data.

Pure functions of the settings (no Textual): the next batch mode, a run's legend text, and a
config moved onto another data set.
"""

from __future__ import annotations

from linreg_tui.engine import BatchSpec, RunConfig, parse_batch

from ..choices import DatasetChoice, RunChoice
from ..i18n import other, t


def batch_cycle(batch: BatchSpec, n: int) -> BatchSpec:
    """full → sgd → minibatch:4 (fewer rows for tiny data) → full."""
    if batch.mode == "full":
        return BatchSpec("sgd")
    if batch.mode == "sgd" and n > 2:
        return BatchSpec("minibatch", min(4, n - 1))
    return BatchSpec("full")


def label_for(config: RunConfig, lang: str) -> str:
    """A run's legend text from its settings: "full batch", "SGD", "mini-batch 4" (+ rule)."""
    mode = config.batch.mode
    text = t(f"view.batch.{mode}", lang, size=config.batch.size or "")
    return text if config.optimizer == "sgd" else f"{text} + {config.optimizer}"


def relabelled(choice: RunChoice, lang: str) -> str:
    """``choice``'s legend text in ``lang`` when the app made it (:func:`label_for`, a fork's
    "branch@k …", the "original"); a label it did not make (a lesson's own) is kept."""
    old = other(lang)
    made = label_for(choice.config, old)
    if choice.label == made:
        return label_for(choice.config, lang)
    if choice.fork is not None and choice.label == t(
        "view.fork.label", old, k=choice.fork.at, label=made
    ):
        return t("view.fork.label", lang, k=choice.fork.at, label=label_for(choice.config, lang))
    if choice.label == t("view.fork.original", old):
        return t("view.fork.original", lang)
    return choice.label


def adapt_to_data(
    config: RunConfig, data: DatasetChoice, rows: int, keep_batch: bool = True
) -> tuple[RunConfig, bool]:
    """The config moved to new data of ``rows`` rows: the catalogue's suggested lr, loss,
    bias and start for built-in sets (so a rate tuned for T4 does not blow up on housing),
    the start reset to zeros when it no longer fits, mini-batches no larger than the data;
    the optimizer kept, and the batch mode too when ``keep_batch`` (a comparison's runs differ
    by it) — else the catalogue's. Returns (config, whether the catalogue's suggestions
    changed anything)."""
    changes: dict[str, object] = {}
    if data.name and not data.csv_path:
        from linreg_tui.engine import dataset_info

        defaults = dataset_info(data.name).defaults
        for key in ("lr", "loss", "bias", "standardize", "init_b", "init_random", "dtype"):
            if key in defaults and defaults[key] != getattr(config, key):
                changes[key] = defaults[key]
        if not keep_batch and "batch" in defaults:
            batch = parse_batch(str(defaults["batch"]))
            if batch != config.batch:
                changes["batch"] = batch
        init_w = defaults.get("init_w")
        changes["init_w"] = tuple(init_w) if init_w is not None else None
    else:
        changes["init_w"] = None
    if changes.get("init_w", config.init_w) == config.init_w:
        changes.pop("init_w", None)
    suggested = bool(changes) and not data.csv_path
    batch = changes.get("batch", config.batch)
    if batch.mode == "minibatch" and (batch.size or 1) >= rows:  # type: ignore[union-attr]
        changes["batch"] = BatchSpec("minibatch", rows - 1) if rows > 2 else BatchSpec("sgd")
    return (config.with_(**changes) if changes else config), suggested
