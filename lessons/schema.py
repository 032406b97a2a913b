"""The keys a lesson file may hold, and the type of each preset setting.

Kept apart from the validator so the loader, the validator and the docs
test all read one list.
"""

from __future__ import annotations

import re

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # lesson and checkpoint ids
Key = tuple[str | int, ...]  # a path of keys into a lesson file's TOML data

LESSON_KEYS = ("id", "order", "title", "summary", "preset", "page", "checkpoint")
LESSON_REQUIRED = ("id", "order", "title", "preset", "page")
PAGE_KEYS = ("text", "preset")
CHECKPOINT_KEYS = (
    "id",
    "kind",
    "prompt",
    "hint",
    "hints",
    "explain",
    "after_page",
    "options",
    "answer",
    "compute",
    "tolerance",
    "relative",
    "goal",
    "solution",
    "run_updates",
    "preset",
    "code",
    "bug_line",
    "mistake",
)
CHECKPOINT_REQUIRED = ("id", "kind", "prompt", "explain")  # and hint or hints
# Keys each kind accepts beyond the common ones
# (id, kind, prompt, hint, explain, after_page, preset).
KIND_KEYS = {
    "choice": ("options", "answer"),
    "numeric": ("answer", "compute", "tolerance", "relative"),
    "predict": ("options", "answer", "compute", "tolerance", "relative", "run_updates"),
    "goal": ("goal", "solution"),
    "fixit": ("code", "bug_line", "options", "answer", "mistake", "run_updates"),
}
FIXIT_RUN_UPDATES = 100  # a fix-it's live comparison when it names no run_updates
GRADED_KINDS = ("numeric", "goal")  # kinds that need at least two hint levels
GOAL_KEYS = (
    "loss_below",
    "within_updates",
    "diverge",
    "converge",
    "lr_within_stable",
    "hold_below",
    "hold_near_optimum",
    "over_updates",
    "over_epochs",
)
GOAL_MAIN = (
    "loss_below",
    "diverge",
    "converge",
    "lr_within_stable",
    "hold_below",
    "hold_near_optimum",
)
GOAL_HOLD = ("hold_below", "hold_near_optimum")  # windowed goals: need one window
GOAL_WINDOWS = ("over_updates", "over_epochs")
SOLUTION_EXTRA = ("updates",)
PRESET_VIEW_KEYS = ("view", "runs", "axis")
RUN_VARIANT_EXTRA = ("label",)

# Preset settings: RunConfig fields in their CLI spellings, with the TOML type they take.
#   bool | int | number | string | numbers (array of numbers) | pair (two numbers)
PRESET_SETTINGS = {
    "dataset": "string",
    "bias": "bool",
    "init_w": "numbers",
    "init_b": "number",
    "init_random": "bool",
    "lr": "number",
    "batch": "string",
    "shuffle": "bool",
    "drop_last": "bool",
    "optimizer": "string",
    "momentum": "number",
    "betas": "pair",
    "schedule": "string",
    "loss": "string",
    "grad": "string",
    "seed": "int",
    "standardize": "bool",
    "mistake": "string",
    "dtype": "string",
}


def type_ok(kind: str, value: object) -> bool:
    """Whether a TOML value has the type a preset setting needs."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return number
    if kind == "string":
        return isinstance(value, str)
    if kind in ("numbers", "pair"):
        if not isinstance(value, list):
            return False
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        return ok and (len(value) == 2 if kind == "pair" else len(value) >= 1)
    raise ValueError(kind)


TYPE_WORDS = {
    "bool": "true or false",
    "int": "a whole number",
    "number": "a number",
    "string": "a string",
    "numbers": "an array of numbers, e.g. [1.0]",
    "pair": "an array of two numbers, e.g. [0.9, 0.999]",
}
