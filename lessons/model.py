"""The course as frozen values: Course → Lesson → (Page | Checkpoint), with a Preset.

Every text is a :class:`LocalText` holding both languages, so a lesson's
checkpoints are the same objects in English and in Chinese; only the words
differ. Nothing here reads files (see ``loader``) or runs the engine (see
``answers``); ``Preset.to_config`` imports the engine's config lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linreg_tui.engine import RunConfig

LANGS = ("en", "zh")
CHECKPOINT_KINDS = ("choice", "numeric", "predict", "goal", "fixit")
MAX_HINT_LEVELS = 4  # graded hints: a nudge, the formula, the worked answer (and one more)
VIEWS = ("playground", "compare")
EMPTY: Mapping[str, Any] = MappingProxyType({})
_PRESET_FIELDS = ("dataset", "view", "axis", "runs")  # override keys that are not RunConfig


def _empty() -> Mapping[str, Any]:
    return EMPTY


def frozen_map(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy of ``data`` (lists become tuples so values stay immutable)."""
    if not data:
        return EMPTY
    return MappingProxyType({k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


@dataclass(frozen=True)
class LocalText:
    """One text in both languages; ``text("zh")`` or ``text.get("zh")`` picks one."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("en" or "zh"); anything else falls back to English."""
        return self.zh if lang == "zh" else self.en

    __call__ = get


@dataclass(frozen=True)
class Preset:
    """The settings of a lesson's embedded playground.

    ``settings`` holds RunConfig keys in their CLI spellings (``batch =
    "minibatch:4"``, ``schedule = "step:100:0.5"``, ``init_w = (1.0,)``);
    ``to_config`` turns them into a validated RunConfig. ``view`` is
    "playground" (one run) or "compare" (one run per entry of ``runs``, each
    the base settings with that entry's overrides, all on the same data).
    """

    dataset_name: str
    settings: Mapping[str, Any] = field(default_factory=_empty)
    view: str = "playground"
    runs: tuple[RunVariant, ...] = ()
    axis: str = "updates"  # compare view's x-axis: updates | epochs | samples | seconds
    base_dir: Path | None = None  # folder of the lesson file, for a dataset given as a CSV path

    @property
    def dataset(self) -> str:
        """The data set to load: a catalogue name, else a CSV path next to the lesson file."""
        from linreg_tui.engine import list_datasets

        key = self.dataset_name.strip().lower()
        for info in list_datasets():
            if key in (s.lower() for s in (info.name, *info.aliases)):
                return info.name
        if self.base_dir is not None:
            return str(self.base_dir / self.dataset_name)
        return self.dataset_name

    def to_config(self) -> RunConfig:
        """The RunConfig these settings describe (raises ConfigError when invalid)."""
        return settings_to_config(self.settings)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Preset:
        """A copy with some settings replaced; ``dataset``, ``view``, ``axis`` and ``runs``
        (a tuple of RunVariant) may be replaced too."""
        if not overrides:
            return self
        settings = {k: v for k, v in overrides.items() if k not in _PRESET_FIELDS}
        return Preset(
            dataset_name=str(overrides.get("dataset", self.dataset_name)),
            settings=frozen_map({**self.settings, **settings}),
            view=overrides.get("view", self.view),
            runs=tuple(overrides.get("runs", self.runs)),
            axis=overrides.get("axis", self.axis),
            base_dir=self.base_dir,
        )

    def run_configs(self) -> list[tuple[RunVariant | None, RunConfig]]:
        """One (variant, config) per run the view shows: one for a playground."""
        if self.view != "compare" or not self.runs:
            return [(None, self.to_config())]
        return [(v, self.with_overrides(v.settings).to_config()) for v in self.runs]


@dataclass(frozen=True)
class RunVariant:
    """One run of a compare view: overrides on the lesson's preset, and an optional label."""

    settings: Mapping[str, Any] = field(default_factory=_empty)
    label: LocalText | None = None


def settings_to_config(settings: Mapping[str, Any]) -> RunConfig:
    """Build a RunConfig from CLI-spelled settings, parsing batch and schedule strings."""
    from linreg_tui.engine import RunConfig, parse_batch, parse_schedule

    kwargs: dict[str, Any] = {}
    for key, value in settings.items():
        if key == "batch":
            kwargs[key] = parse_batch(str(value))
        elif key == "schedule":
            kwargs[key] = parse_schedule(str(value))
        elif key in ("init_w", "betas"):
            kwargs[key] = tuple(float(v) for v in value)
        elif key in ("lr", "init_b", "momentum"):
            kwargs[key] = float(value)
        else:
            kwargs[key] = value
    return RunConfig(**kwargs).validate()


@dataclass(frozen=True)
class Goal:
    """A condition on the live run that a goal checkpoint waits for.

    Exactly one of ``loss_below``, ``diverge``, ``converge``, ``lr_within_stable``,
    ``hold_below``, ``hold_near_optimum`` is set; ``within_updates`` limits how many
    updates ``loss_below`` and ``converge`` may take. The two ``hold_`` goals are windowed:
    they hold when the condition is true after **every** update of a window, given as
    ``over_updates = (a, b)`` (updates a … b) or ``over_epochs = (a, b)`` (from the end of
    epoch a to the end of epoch b: updates a·E … b·E, E updates per epoch of the live run).
    See ``goals.GoalTracker``.
    """

    loss_below: float | None = None  # full-data loss < this
    within_updates: int | None = None  # … reached after at most this many updates
    diverge: bool = False  # the run diverged (loss blew up)
    converge: bool = False  # the run converged (gradient norm under the engine's tolerance)
    lr_within_stable: float | None = None  # |η − η_max| ≤ this · η_max
    hold_below: float | None = None  # windowed: loss ≤ this after every update of the window
    hold_near_optimum: float | None = None  # windowed: |loss − L(θ*)| ≤ this, every update
    over_updates: tuple[int, int] | None = None  # the window in updates, both ends included
    over_epochs: tuple[int, int] | None = None  # the window in epochs (end of a … end of b)

    @property
    def kind(self) -> str:
        """Which condition this is: loss_below | diverge | converge | lr_within_stable |
        hold_below | hold_near_optimum."""
        if self.loss_below is not None:
            return "loss_below"
        if self.diverge:
            return "diverge"
        if self.converge:
            return "converge"
        if self.hold_below is not None:
            return "hold_below"
        if self.hold_near_optimum is not None:
            return "hold_near_optimum"
        return "lr_within_stable"

    @property
    def windowed(self) -> bool:
        """A condition checked after every update of a window (the ``hold_`` goals)."""
        return self.kind in ("hold_below", "hold_near_optimum")

    def window(self, per_epoch: int) -> tuple[int, int]:
        """The window as updates (first, last), both included, for ``per_epoch`` updates
        per epoch; update 0 (the start, before any update) is never in it."""
        if self.over_epochs is not None:
            a, b = self.over_epochs
            first, last = a * per_epoch, b * per_epoch
        elif self.over_updates is not None:
            first, last = self.over_updates
        else:
            raise ValueError("not a windowed goal")
        return max(first, 1), last


@dataclass(frozen=True)
class Solution:
    """How to meet a goal: settings to put in the playground, then updates to run.

    Shown to the learner after three misses or a skip, and used by the
    automated learner in the tests to prove every goal can be met.
    """

    settings: Mapping[str, Any] = field(default_factory=_empty)
    updates: int = 0


@dataclass(frozen=True)
class Page:
    """A short page of text (plain text, shown as written) between checkpoints."""

    number: int  # 1-based position among the lesson's pages
    text: LocalText
    preset: Mapping[str, Any] = field(default_factory=_empty)  # overrides while shown

    kind = "page"


@dataclass(frozen=True)
class Checkpoint:
    """A question or goal placed after page ``after_page`` (0: before the first page).

    choice: ``options`` (same count per language) and ``answer`` (0-based index).
    numeric: ``answer`` or ``compute`` (engine expression), ``tolerance`` > 0,
    absolute unless ``relative``. predict: a choice or numeric question asked
    once, before the learner runs ``run_updates`` updates to see the truth.
    goal: ``goal`` on the live run and a ``solution``. fixit: a buggy loop ``code`` whose
    line ``bug_line`` (1-based) is wrong, ``options`` replacing it and ``answer`` (the right
    one); the buggy loop runs with engine ``mistake``, the repaired one without.

    ``hint`` is the first hint level; ``hints`` all levels in order (graded hints: one more
    shows after each wrong answer or on request), at least ``(hint,)``.
    """

    id: str
    kind: str
    prompt: LocalText
    hint: LocalText
    explain: LocalText
    after_page: int
    options: tuple[LocalText, ...] = ()
    answer: float | int | None = None
    compute: str | None = None
    tolerance: float = 0.0
    relative: bool = False
    goal: Goal | None = None
    solution: Solution | None = None
    run_updates: int | None = None  # predict: updates to run after the guess
    preset: Mapping[str, Any] = field(default_factory=_empty)  # overrides while shown
    hints: tuple[LocalText, ...] = ()  # every hint level, the first is ``hint``
    code: tuple[str, ...] = ()  # fixit: the buggy loop, one line each
    bug_line: int = 0  # fixit: the wrong line, 1-based
    mistake: str | None = None  # fixit: the engine mistake the buggy loop makes

    @property
    def levels(self) -> tuple[LocalText, ...]:
        """The hint levels in order (a single ``hint`` is one level)."""
        return self.hints or (self.hint,)

    @property
    def is_choice(self) -> bool:
        """True for questions answered by picking an option (choice, or predict with options)."""
        return bool(self.options) and self.kind != "fixit"

    @property
    def is_numeric(self) -> bool:
        """True for questions answered with a number."""
        return self.kind in ("numeric", "predict") and not self.options

    def options_for(self, lang: str) -> tuple[str, ...]:
        """The option texts in ``lang``, in order."""
        return tuple(o.get(lang) for o in self.options)


Item = Page | Checkpoint


@dataclass(frozen=True)
class Lesson:
    """One lesson: ordered pages with checkpoints between them, and a playground preset."""

    id: str
    order: int
    title: LocalText
    preset: Preset
    pages: tuple[Page, ...]
    checkpoints: tuple[Checkpoint, ...]
    summary: LocalText | None = None
    source: Path | None = None

    def items(self) -> tuple[Item, ...]:
        """Pages in order, each followed by the checkpoints placed after it (file order)."""
        out: list[Item] = [c for c in self.checkpoints if c.after_page == 0]
        for page in self.pages:
            out.append(page)
            out.extend(c for c in self.checkpoints if c.after_page == page.number)
        return tuple(out)

    def checkpoint(self, checkpoint_id: str) -> Checkpoint:
        """The checkpoint with this id (KeyError if none)."""
        for c in self.checkpoints:
            if c.id == checkpoint_id:
                return c
        raise KeyError(checkpoint_id)

    def preset_for(self, item: Item) -> Preset:
        """The playground settings while ``item`` is shown: the lesson preset plus its overrides.

        A fix-it exercise compares its buggy loop (the engine ``mistake``) with the repaired
        one (no mistake), side by side, unless its own preset names the runs."""
        preset = self.preset.with_overrides(item.preset)
        if isinstance(item, Checkpoint) and item.kind == "fixit" and "runs" not in item.preset:
            preset = preset.with_overrides({"view": "compare", "runs": fixit_runs(item)})
        return preset


FIXIT_LABELS = (
    LocalText("buggy loop", "有错的循环"),
    LocalText("repaired loop", "修好的循环"),
)


def fixit_runs(cp: Checkpoint) -> tuple[RunVariant, RunVariant]:
    """The two runs of a fix-it exercise: the buggy loop (its mistake), the repaired one."""
    buggy = RunVariant(frozen_map({"mistake": cp.mistake}), FIXIT_LABELS[0])
    fixed = RunVariant(frozen_map({"mistake": None}), FIXIT_LABELS[1])
    return buggy, fixed


@dataclass(frozen=True)
class Course:
    """The lessons in order; ``key`` names the course in the progress file."""

    lessons: tuple[Lesson, ...]
    key: str = "bundled"
    source: Path | None = None

    def lesson(self, lesson_id: str) -> Lesson:
        """The lesson with this id (KeyError if none)."""
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)

    def index(self, lesson_id: str) -> int:
        """0-based position of a lesson (KeyError if none)."""
        for i, lesson in enumerate(self.lessons):
            if lesson.id == lesson_id:
                return i
        raise KeyError(lesson_id)

    def next_lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson after this one, or None after the last."""
        i = self.index(lesson_id)
        return self.lessons[i + 1] if i + 1 < len(self.lessons) else None
