"""Every widget brings its own look (DEFAULT_CSS), so it looks right outside the app;
the app's .tcss files only lay widgets out."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.app import App, ComposeResult
from textual.color import Color
from textual.widget import Widget

import linreg_tui.tui.widgets as widgets_package
from linreg_tui.tui.widgets.lesson_checkpoint import CheckpointPanel
from linreg_tui.tui.widgets.lesson_side import LessonScroll, LessonSide
from linreg_tui.tui.widgets.run_panel import RunPanel
from linreg_tui.tui.widgets.status_line import StatusLine

# Widgets that need nothing beyond their Textual base class's DEFAULT_CSS, and why.
NEEDS_NOTHING_MORE = {
    "KeyFooter": "Textual's Footer (compact) is its whole look",
    # parts of CheckpointPanel only: its DEFAULT_CSS styles them by id, which outranks
    # OptionList's and Input's own :focus rules (a type rule here would not)
    "ChoiceList": "styled by CheckpointPanel",
    "AnswerInput": "styled by CheckpointPanel",
    "FixitEditor": "styled by CheckpointPanel (#cp-edit)",
}


def widget_classes() -> list[type[Widget]]:
    found: list[type[Widget]] = []
    for info in pkgutil.iter_modules(widgets_package.__path__):
        module = importlib.import_module(f"{widgets_package.__name__}.{info.name}")
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Widget) and cls.__module__ == module.__name__
        ]
    return found


def own_css(cls: type[Widget]) -> str:
    """DEFAULT_CSS of ``cls`` or of a base class defined in tui/widgets."""
    return "".join(
        base.__dict__.get("DEFAULT_CSS", "")
        for base in cls.__mro__
        if base.__module__.startswith(widgets_package.__name__)
    )


def test_every_widget_has_its_own_default_css() -> None:
    classes = widget_classes()
    assert {"PlotCanvas", "LossChart", "StatusLine", "CheckpointPanel", "LivePane"} <= {
        c.__name__ for c in classes
    }
    bare = [c.__name__ for c in classes if not own_css(c).strip()]
    assert sorted(bare) == sorted(NEEDS_NOTHING_MORE)


class Bare(App):
    """No CSS of the app's: only the widgets' own."""

    def __init__(self, *children: Widget) -> None:
        super().__init__()
        self.children_ = children

    def compose(self) -> ComposeResult:
        yield from self.children_


async def test_widgets_keep_their_look_in_a_bare_app() -> None:
    side, status, card = LessonSide(), StatusLine(), RunPanel(classes="-selected")
    app = Bare(side, status, card)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        assert status.styles.min_height is not None and status.styles.min_height.value == 2
        assert status.styles.background != Color(0, 0, 0, 0)
        assert card.styles.max_height is not None and card.styles.max_height.value == 16
        assert card.styles.background != Color(0, 0, 0, 0)
        panel = side.query_one(CheckpointPanel)
        assert panel.query_one("#cp-input").styles.width.value == 40  # type: ignore[union-attr]
        assert side.query_one(LessonScroll).styles.scrollbar_size_vertical == 1
        where = side.query_one("#lesson-where")
        assert where.styles.height is not None and where.styles.height.value == 1


def test_every_module_under_widgets_defines_a_widget() -> None:
    """Helpers that import no Textual live in tui/render, not among the widgets."""
    with_widgets = {cls.__module__.rpartition(".")[2] for cls in widget_classes()}
    modules = {info.name for info in pkgutil.iter_modules(widgets_package.__path__)}
    assert modules == with_widgets
